using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace HtmxChat.Web.Api;

public static class ApiExtensions
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;
    public const string Policy = "api";
    public const string LoginRateLimit = "login";

    /// <summary>JSON bodies on /api are small; this keeps a client from streaming megabytes into a handler.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JwtOptions>().BindConfiguration("Jwt").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenService>();

        services.AddAuthentication().AddJwtBearer(Scheme);
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<TokenService>((o, tokens) =>
        {
            o.TokenValidationParameters = tokens.ValidationParameters();
            o.MapInboundClaims = true;
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ReadWebSocketToken,
                OnTokenValidated = RejectStaleTokensAsync,
                OnChallenge = WriteUnauthorizedProblemAsync,
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());

        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new IsoUtcDateTimeOffsetConverter());
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = WriteRateLimitedAsync;
            o.AddPolicy(LoginRateLimit, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.LoginsPerMinutePerAddress;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });

        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "HtmxChat API",
                    Version = "v1",
                    Description = "Chats, messages and live events for external clients. Get a token from POST /api/login " +
                        "(OAuth2 password grant) and send it as `Authorization: Bearer <token>`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [Scheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        BearerFormat = "JWT",
                        Description = "A token from POST /api/login.",
                    },
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var needsToken = context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any()
                    && !context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any();
                if (needsToken)
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] }];
                }
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer(ApiExamples.AddAsync);
        });
        return builder;
    }

    /// <summary>Error bodies and size limits for /api: problem+json, never a login redirect or an HTML page.</summary>
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder api) => api
        .UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Unreadable JSON, a query value of the wrong type, a body over the limit: the client's fault, said with its status.
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        })
        .UseStatusCodePages()
        .Use((context, next) =>
        {
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

    public static bool IsApi(this HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    private static Task ReadWebSocketToken(MessageReceivedContext context)
    {
        // Browsers cannot set headers on a WebSocket handshake, so /api/ws/chat also takes ?access_token=.
        if (context.Request.Path.StartsWithSegments("/api/ws") && context.Request.Query["access_token"] is [{ Length: > 0 } token])
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A password change or an admin lock (<see cref="AccountService.LockAsync"/>) changes the security stamp: older tokens
    /// stop working. The automatic lockout after failed logins does not, or anyone could cut off a person's API clients
    /// by guessing wrong five times.
    /// </summary>
    private static async Task RejectStaleTokensAsync(TokenValidatedContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserManager<ChatUser>>();
        var user = context.Principal is { } principal ? await users.FindByIdAsync(principal.UserId()) : null;
        if (user is null || context.Principal!.FindFirst(TokenService.SecurityStampClaim)?.Value != user.SecurityStamp)
        {
            context.Fail("The token is no longer valid.");
        }
    }

    /// <summary>How long the caller's token has left; long-lived streams and sockets end then.</summary>
    public static TimeSpan TokenTimeLeft(System.Security.Claims.ClaimsPrincipal caller) =>
        long.TryParse(caller.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
            ? TimeSpan.FromSeconds(Math.Max(1, exp - DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
            : Timeout.InfiniteTimeSpan;

    private static async Task WriteUnauthorizedProblemAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = context.AuthenticateFailure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: context.AuthenticateFailure is null
                ? "Send a bearer token from POST /api/login in the Authorization header."
                : "The bearer token is invalid or has expired; log in again.").ExecuteAsync(context.HttpContext);
    }

    private static async ValueTask WriteRateLimitedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Chats.SendResult.RetryAfterSecondsFor(wait) : 60;
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"Too many attempts from your address. Try again in {seconds} s.";
        if (http.Request.Path.StartsWithSegments("/api/login"))
        {
            // The token endpoint answers in OAuth2's shape (RFC 6749 5.2), with RFC 8628's name for "too fast".
            await Results.Json(new OAuthErrorResponse("slow_down", detail), statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(http);
        }
        else if (http.IsApi())
        {
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: detail).ExecuteAsync(http);
        }
        else
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(detail, ct);
        }
    }

    internal static string CamelCase(string field) => JsonNamingPolicy.CamelCase.ConvertName(field);
}

/// <summary>Bound from the <c>RateLimits</c> section. Sends are limited per person by <see cref="Chats.ChatOptions"/>.</summary>
public sealed class RateLimitOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int LoginsPerMinutePerAddress { get; set; } = 20;
}
