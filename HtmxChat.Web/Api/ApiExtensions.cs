using System.Text.Json;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Api;

public static class ApiExtensions
{
    /// <summary>The JSON API of shared/API.md: bearer authentication, JSON shapes and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddApiAuthentication();
        services.AddApiDocumentation();
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new IsoUtcDateTimeOffsetConverter());
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        return builder;
    }

    /// <summary>/api's error pipeline, and WebSockets for /api/ws/chat; call before UseRouting.</summary>
    public static IApplicationBuilder UseApi(this IApplicationBuilder app)
    {
        app.UseWhen(context => context.IsApi(), api => api.UseApiErrors());
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        return app;
    }

    internal static string CamelCase(string field) => JsonNamingPolicy.CamelCase.ConvertName(field);
}
