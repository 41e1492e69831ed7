using HtmxChat.Web.Chats.Live;

namespace HtmxChat.Web.Chats;

public static class ChatsExtensions
{
    public static IHostApplicationBuilder AddChats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatOptions>().BindConfiguration("Chat").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.Services.AddSingleton<ChatHub>();
        builder.Services.AddSingleton<IChatEventPublisher>(sp => sp.GetRequiredService<ChatHub>());
        builder.Services.AddSingleton<ChatService>();
        builder.Services.AddSingleton<FragmentRenderer>();
        builder.Services.AddSingleton<ReadMarkerWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadMarkerWriter>());
        return builder;
    }
}
