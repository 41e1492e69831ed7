using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Ui;

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

        services.AddSingleton<FragmentRenderer>();
        return builder;
    }
}
