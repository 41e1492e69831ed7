using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Attachments;

public static class AttachmentsExtensions
{
    public static IHostApplicationBuilder AddAttachments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AttachmentOptions>().BindConfiguration("Attachments").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AttachmentService>();
        builder.Services.AddHostedService<AttachmentSweeper>();
        return builder;
    }

    /// <summary>A request that carries a file may be as large as the file cap allows (everything else stays small).</summary>
    public static IApplicationBuilder UseAttachmentUploads(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (AttachmentHttp.CarriesFile(context.Request))
        {
            AttachmentHttp.AllowFileSize(context, context.RequestServices.GetRequiredService<IOptions<AttachmentOptions>>().Value);
        }
        return next(context);
    });
}

/// <summary>Removes unsent uploads older than <see cref="AttachmentOptions.UnsentHours"/>, and leftovers of interrupted ones.</summary>
internal sealed class AttachmentSweeper(AttachmentService attachments, IOptions<AttachmentOptions> options, ILogger<AttachmentSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.SweepMinutes));
        do
        {
            try
            {
                if (await attachments.SweepAsync(stoppingToken) is > 0 and var removed)
                {
                    logger.LogInformation("Removed {Count} unsent uploads and leftovers.", removed);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The attachment sweep failed; it runs again later.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
