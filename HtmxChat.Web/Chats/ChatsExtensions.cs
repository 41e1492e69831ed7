using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Ui;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HtmxChat.Web.Chats;

public static class ChatsExtensions
{
    public static IHostApplicationBuilder AddChats(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChatOptions>().BindConfiguration("Chat").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SendRateLimiter>();
        services.AddSingleton<ChatService>();
        services.AddSingleton<ReadMarkerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadMarkerWriter>());

        services.AddSingleton<FeedMetrics>();
        services.AddSingleton<ChatHub>();
        services.AddSingleton<ChangeReader>();
        services.AddSingleton<ChangeSequencer>();
        services.AddSingleton<ChatFeed>();
        services.AddSingleton<FeedWatch>();
        services.AddSingleton<PresenceTracker>();
        services.TryAddSingleton<IOfflineNotifier, NoOfflineNotifier>();
        services.AddSingleton<OfflineNotifications>();
        services.AddHostedService(sp => sp.GetRequiredService<OfflineNotifications>());
        services.AddHostedService<EndStreamsOnShutdown>();

        services.AddSingleton<FragmentRenderer>();
        return builder;
    }
}

/// <summary>
/// Ends every stream as soon as the instance begins to stop (a deploy), so clients reconnect through the load balancer
/// to another instance at once instead of when the shutdown timeout cuts them.
/// </summary>
internal sealed class EndStreamsOnShutdown(ChatHub hub, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(hub.EndAll);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _registration.DisposeAsync().AsTask();
}
