using Microsoft.AspNetCore.HttpOverrides;
using HtmxChat.Web.Api;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Infrastructure;

public static class WebUiExtensions
{
    public const string ListenBacklogKey = "Kestrel:ListenBacklog";

    public static WebApplicationBuilder AddWebUi(this WebApplicationBuilder builder)
    {
        // Serves wwwroot (and its pre-compressed copies) from build output in any environment, not only Development;
        // a published app has no manifest for this and serves its own wwwroot.
        builder.WebHost.UseStaticWebAssets();
        // Forms and JSON here are small; /api narrows this further (ApiErrors.MaxRequestBodyBytes).
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1024 * 1024);
        // After a restart every client of the instance reconnects within its retry time. With Kestrel's default of 512
        // pending connections the kernel drops the rest of the handshakes, and their clients' retries back off
        // (1 s, 3 s, 7 s, ...): many seconds for the last to get back. The kernel caps this at net.core.somaxconn.
        builder.WebHost.UseSockets(o => o.Backlog = builder.Configuration.GetValue(ListenBacklogKey, 8192));
        builder.Services.AddControllersWithViews(o => o.Filters.Add(new AutoValidateAntiforgeryTokenAttribute()));
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "htmxchat.af";
            o.HeaderName = "RequestVerificationToken";
        });
        builder.Services.AddScoped<CspNonce>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Say what could not be read ("Failed to read parameter ... as JSON"); other exceptions stay undisclosed.
            if (context.Exception is BadHttpRequestException bad)
            {
                context.ProblemDetails.Detail = bad.Message;
            }
        });
        builder.Services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        return builder;
    }

    /// <summary>Error pages and security headers; call before UseRouting, so a re-executed error page is routed again.</summary>
    public static WebApplication UseWebUi(this WebApplication app)
    {
        app.UseWhen(context => !context.IsApi(), pages =>
        {
            if (!app.Environment.IsDevelopment())
            {
                pages.UseExceptionHandler("/error/500");
            }
            pages.UseStatusCodePagesWithReExecute("/error/{0}");
        });
        app.UseSecurityHeaders();
        return app;
    }
}
