using System.Security.Cryptography;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// A per-request nonce for the one inline &lt;style&gt; the layout writes; no inline script is ever allowed. Made when a
/// page first asks for it, which also puts it in the response's policy: most responses (the API, streams, fragments)
/// never need one, and skip making it.
/// </summary>
public sealed class CspNonce(IHttpContextAccessor http)
{
    private string? _value;

    public string Value => _value ??= Issue();

    private string Issue()
    {
        // Hex, so it reads the same in a header and in HTML, where base64's "+" would be written as an entity.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        if (http.HttpContext is { Response.HasStarted: false } context)
        {
            context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy.For(context.Request.Path, nonce);
        }
        return nonce;
    }
}

public static class ContentSecurityPolicy
{
    private const string Rest =
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private static readonly string WithoutNonce = Policy(script: "'self'", style: "'self'");

    // The /docs reference (Scalar) runs one nonced inline script and styles itself inline; every other page allows neither.
    private static readonly string DocsWithoutNonce = Policy(script: "'self'", style: "'self' 'unsafe-inline'");

    /// <summary>The policy of a response to <paramref name="path"/>, allowing what carries <paramref name="nonce"/>.</summary>
    public static string For(PathString path, string? nonce) => (IsDocs(path), nonce) switch
    {
        (false, null) => WithoutNonce,
        (true, null) => DocsWithoutNonce,
        (false, _) => Policy(script: "'self'", style: $"'self' 'nonce-{nonce}'"),
        (true, _) => Policy(script: $"'self' 'nonce-{nonce}'", style: "'self' 'unsafe-inline'"),
    };

    private static string Policy(string script, string style) => $"default-src 'self'; script-src {script}; style-src {style}; {Rest}";

    private static bool IsDocs(PathString path) => path.StartsWithSegments("/docs");

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        // Until a page asks for a nonce (CspNonce), which then widens this to allow what carries it.
        headers.ContentSecurityPolicy = For(context.Request.Path, null);
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.XFrameOptions = "DENY";
        return next(context);
    });
}
