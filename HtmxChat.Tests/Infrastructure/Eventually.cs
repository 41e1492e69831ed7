namespace HtmxChat.Tests.Infrastructure;

/// <summary>Waits for something the server does on its own time (a connection let go, a stream opened elsewhere).</summary>
public static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails, naming <paramref name="what"/>, if it does not within the timeout.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }
}
