using System.Net;
using HtmxChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace HtmxChat.Tests.Scaling;

/// <summary>Two app instances on one SQLite file and one real Redis of the test's own, as behind a load balancer.</summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string?> _settings;

    private Cluster(RedisServer redis, IDictionary<string, string?>? settings)
    {
        Redis = redis;
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["Redis:Prefix"] = $"test{Guid.NewGuid():N}",
        };
        A = new AppFactory(_folder.Path, _settings);
        B = new AppFactory(_folder.Path, _settings);
        _ = A.Server;
        _ = B.Server;
    }

    public RedisServer Redis { get; }
    public AppFactory A { get; }
    public AppFactory B { get; private set; }

    public static async Task<Cluster> StartAsync(IDictionary<string, string?>? settings = null) => new(await RedisServer.StartAsync(), settings);

    /// <summary>Clients of one browser: the same cookies, whichever instance the balancer picks.</summary>
    public (HttpClient OnA, HttpClient OnB) Browser()
    {
        var cookies = new CookieContainer();
        return (A.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies)),
                B.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies)));
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
        _folder.Dispose();
    }
}
