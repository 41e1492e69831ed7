using Microsoft.AspNetCore.Http.Features;

namespace HtmxChat.Web.Api;

/// <summary>Error bodies and size limits for /api: problem+json, never a login redirect or an HTML page.</summary>
public static class ApiErrors
{
    /// <summary>JSON bodies on /api are small; this keeps a client from streaming megabytes into a handler.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static bool IsApi(this HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder api) => api
        .UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Unreadable JSON, a query value of the wrong type, a body over the limit: the client's fault, said with its status.
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        })
        .UseStatusCodePages()
        .Use((context, next) =>
        {
            if (Attachments.AttachmentHttp.CarriesFile(context.Request))
            {
                // Its own limit, applied as the file streams in (AttachmentHttp.ReceiveAsync).
                return next(context);
            }
            if (context.Request.ContentLength > MaxRequestBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return Task.CompletedTask;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxRequestBodyBytes;
            }
            return next(context);
        });
}
