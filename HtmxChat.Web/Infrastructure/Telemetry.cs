using HtmxChat.Web.Chats.Feed;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// Metrics through OpenTelemetry: ASP.NET Core's and the live feed's (<see cref="FeedMetrics"/>). A Prometheus scrape
/// endpoint at <c>/metrics</c> when <c>Metrics:Prometheus</c> is true; OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class Telemetry
{
    public const string PrometheusKey = "Metrics:Prometheus";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var prometheus = builder.Configuration.GetValue<bool>(PrometheusKey);
        var otlp = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
        if (!prometheus && !otlp)
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("htmxchat"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddMeter(FeedMetrics.MeterName);
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>(PrometheusKey))
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }
        return app;
    }
}
