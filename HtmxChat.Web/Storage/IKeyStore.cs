namespace HtmxChat.Web.Storage;

/// <summary>Secrets that every instance must share: data-protection keys and generated signing keys.</summary>
public interface IKeyStore
{
    IReadOnlyList<string> GetDataProtectionKeys();
    void AddDataProtectionKey(string name, string xml);

    /// <summary>Returns the stored secret, storing <paramref name="candidate"/> first if there is none (first writer wins).</summary>
    string GetOrAddSecret(string name, string candidate);
}

public interface IStorageHealth
{
    Task<bool> PingAsync(CancellationToken ct = default);
}
