using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// How an event stream learns who is reading. A stream is a request that stays open for hours, and whatever the
/// authentication middleware makes for a request lives as long as it does: the scheme's handlers (held by the request's
/// scope of services), their tickets, the principal and the features that hold them, a few KB per open stream. So a
/// stream's route short-circuits the middleware, and the stream authenticates itself here, with the same scheme and
/// handler as any other request (its events, checks, cookie renewal and challenge), in a scope of services of its own
/// that ends once the caller is known. The stream keeps only what it takes from the principal. For the same reason a
/// stream's services are taken once, when its route is mapped: resolved for each request, they would open a scope of
/// services that every open stream keeps. The WebSocket, as long-lived, does the same.
/// </summary>
public sealed class StreamAuthentication(IServiceScopeFactory scopes)
{
    /// <summary>What the stream keeps of the caller, or null after the scheme's challenge (a 401) has been answered.</summary>
    /// <param name="keep">Takes what the stream needs from the principal, which is then let go.</param>
    public async Task<T?> AuthenticateAsync<T>(HttpContext context, string scheme, Func<ClaimsPrincipal, T> keep)
        where T : class
    {
        var features = context.Features;
        var requestServices = features.Get<IServiceProvidersFeature>();
        await using var scope = scopes.CreateAsyncScope();
        features.Set<IServiceProvidersFeature>(new ServiceProvidersFeature { RequestServices = scope.ServiceProvider });
        try
        {
            var result = await context.AuthenticateAsync(scheme);
            if (result is { Succeeded: true, Principal: { } caller })
            {
                return keep(caller);
            }
            await context.ChallengeAsync(scheme);
            return null;
        }
        finally
        {
            features.Set(requestServices);
        }
    }

    /// <summary>
    /// Lets go of the request's credentials once the connection is open: its token (header or <c>?access_token=</c>) and
    /// cookie, checked by now, which an open connection would otherwise hold (with the cookies and query parsed from
    /// them) as long as it lasts, a few KB for a sign-in cookie. The whole query goes, whatever else it held: a
    /// connection's parameters were bound when it opened. Call it once the response has started, which is when a renewed
    /// sign-in cookie is written.
    /// </summary>
    public static void ForgetCredentials(HttpContext context)
    {
        var request = context.Request;
        request.Headers.Authorization = default;
        request.Headers.Cookie = default;
        context.Features.Set<IRequestCookiesFeature>(null);
        if (request.QueryString.HasValue)
        {
            request.QueryString = QueryString.Empty;
            request.Query = QueryCollection.Empty;
            var target = context.Features.Get<IHttpRequestFeature>()!;
            if (target.RawTarget.IndexOf('?') is >= 0 and var query)
            {
                target.RawTarget = target.RawTarget[..query];
            }
        }
    }
}
