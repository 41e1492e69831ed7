namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>
/// Files named by the SHA-256 of their bytes (<c>ab/abcdef…</c>), so equal uploads share one file. A file is written
/// under <c>.incoming/</c>, flushed to disk, and only then renamed to its real name: a crash leaves at most a leftover
/// there, never half a file under a real name.
/// </summary>
public sealed class ContentFolder(string root)
{
    private const string Incoming = ".incoming";

    public string Root { get; } = root;

    /// <summary>Writes <paramref name="content"/> as the file for <paramref name="hash"/> (its bytes' SHA-256), unless that file is there.</summary>
    public async Task WriteAsync(string hash, Stream content, CancellationToken ct)
    {
        var path = PathOf(hash);
        if (File.Exists(path))
        {
            return;
        }
        var incoming = Path.Combine(Root, Incoming);
        Directory.CreateDirectory(incoming);
        var temporary = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // The same bytes were stored meanwhile.
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Stream? OpenRead(string hash)
    {
        try
        {
            return new FileStream(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Delete(string hash) => File.Delete(PathOf(hash));

    /// <summary>Removes what interrupted writes left under <c>.incoming/</c> before <paramref name="before"/>.</summary>
    public int RemoveLeftovers(DateTimeOffset before)
    {
        var incoming = new DirectoryInfo(Path.Combine(Root, Incoming));
        if (!incoming.Exists)
        {
            return 0;
        }
        var removed = 0;
        foreach (var file in incoming.EnumerateFiles().Where(f => f.LastWriteTimeUtc < before.UtcDateTime))
        {
            file.Delete();
            removed++;
        }
        return removed;
    }

    /// <summary>Every stored file's hash with when it was written.</summary>
    public IEnumerable<(string Hash, DateTimeOffset Written)> List() =>
        Directory.Exists(Root)
            ? new DirectoryInfo(Root).EnumerateDirectories().Where(d => d.Name != Incoming)
                .SelectMany(d => d.EnumerateFiles()).Select(f => (f.Name, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            : [];

    private string PathOf(string hash) =>
        hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(Root, hash[..2], hash)
            : throw new ArgumentException("Not a SHA-256 in lowercase hex.", nameof(hash));
}
