using System.Security.Cryptography;

namespace HtmxChat.Web.Infrastructure;

/// <summary>A per-request nonce for the one inline &lt;style&gt; the layout writes; no inline script is ever allowed.</summary>
public sealed class CspNonce
{
    // Hex, so it reads the same in a header and in HTML, where base64's "+" would be written as an entity.
    public string Value { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}

public static class ContentSecurityPolicy
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        var nonce = context.RequestServices.GetRequiredService<CspNonce>().Value;
        // The /docs reference (Scalar) runs one nonced inline script and styles itself inline; every other page allows neither.
        var docs = context.Request.Path.StartsWithSegments("/docs");
        var scripts = docs ? $"'self' 'nonce-{nonce}'" : "'self'";
        var styles = docs ? "'self' 'unsafe-inline'" : $"'self' 'nonce-{nonce}'";
        headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src {scripts}; style-src {styles}; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.XFrameOptions = "DENY";
        return next(context);
    });
}
