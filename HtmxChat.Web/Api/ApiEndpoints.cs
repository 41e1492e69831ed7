using Scalar.AspNetCore;
using HtmxChat.Web.Infrastructure;

namespace HtmxChat.Web.Api;

public static class ApiEndpoints
{
    public static WebApplication MapApi(this WebApplication app)
    {
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapAdminApi();
        app.MapChatsApi();
        app.MapAttachmentsApi();
        app.MapChatSocketApi();
        app.MapSearchApi();
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", (options, http) => options
            .WithTitle("HtmxChat API")
            .WithNonce(http.RequestServices.GetRequiredService<CspNonce>().Value)
            .DisableDefaultFonts()
            .AddPreferredSecuritySchemes(ApiAuthentication.Scheme));
        return app;
    }
}
