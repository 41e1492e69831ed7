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
    /// The send form posted without JavaScript carrying more than that goes back to the chat, which says why: the page
    /// cannot be answered from a form that was never read.
    public static IApplicationBuilder UseAttachmentUploads(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (!AttachmentHttp.CarriesFile(context.Request))
        {
            return next(context);
        }
        var options = context.RequestServices.GetRequiredService<IOptions<AttachmentOptions>>().Value;
        if (context.Request.ContentLength > options.MaxRequestBytes && AttachmentHttp.SendFormChat(context.Request) is { } chatId)
        {
            context.Response.Headers.Connection = "close";
            context.Response.Redirect($"/chats/{Uri.EscapeDataString(chatId)}?fileTooLarge=true");
            return Task.CompletedTask;
        }
        AttachmentHttp.AllowFileSize(context, options);
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
