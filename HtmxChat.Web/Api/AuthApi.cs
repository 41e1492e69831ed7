using System.Text.Json;
using HtmxChat.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Api;

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Accounts").AllowAnonymous();
        api.MapPost("/register", RegisterAsync)
            .WithName("Register")
            .WithSummary("Create an account")
            .WithDescription("Answers 409 when the username (compared without case) or the email is taken.");
        api.MapPost("/login", LoginAsync)
            .WithName("Login")
            .WithSummary("Get a bearer token (OAuth2 password grant)")
            .WithDescription("Form fields `username`, `password` and optionally `grant_type=password`, as OAuth2 clients send them; " +
                "a JSON body with the same fields works too. Five wrong passwords lock the account for five minutes.")
            .Accepts<LoginRequest>("application/x-www-form-urlencoded", "application/json")
            .Produces<TokenResponse>()
            .Produces<OAuthErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<OAuthErrorResponse>(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest? request, AccountService accounts, CancellationToken ct)
    {
        if (request is null)
        {
            return ApiProblems.Validation("body", "Send a JSON body with username, email and password.");
        }
        var result = await accounts.RegisterAsync(new RegisterInput(request.Username, request.Email, request.Password, request.Gender, request.TimeZone), ct);
        if (result.User is { } user)
        {
            return TypedResults.Created($"/api/users/{user.Id}", UserResponse.Full(user));
        }
        return ApiProblems.Account(result);
    }

    private static async Task<IResult> LoginAsync(HttpContext http, AccountService accounts, TokenService tokens, LoginRateLimiter loginLimit, IOptions<JsonOptions> json)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await loginLimit.TryAcquireAsync(http) is { } wait)
        {
            // RFC 8628's name for "too fast", in the token endpoint's OAuth2 shape (RFC 6749 5.2).
            http.Response.Headers.RetryAfter = Chats.ChatResult.RetryAfterSecondsFor(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new OAuthErrorResponse("slow_down", LoginRateLimiter.TooManyAttempts(wait)), statusCode: StatusCodes.Status429TooManyRequests);
        }
        var request = await ReadLoginAsync(http, json.Value.SerializerOptions);
        if (request is null || string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            return OAuthError("invalid_request", "Send username and password.");
        }
        if (request.GrantType is { Length: > 0 } grant && grant != "password")
        {
            return OAuthError("unsupported_grant_type", "Only the password grant is supported.");
        }
        var user = await accounts.CheckCredentialsAsync(request.Username, request.Password);
        return user is null
            ? OAuthError("invalid_grant", "Invalid username or password.")
            : TypedResults.Ok(tokens.Issue(user));
    }

    private static async Task<LoginRequest?> ReadLoginAsync(HttpContext http, JsonSerializerOptions options)
    {
        try
        {
            if (http.Request.HasFormContentType)
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                return new LoginRequest(form["username"], form["password"], form["grant_type"]);
            }
            if (http.Request.HasJsonContentType())
            {
                return await http.Request.ReadFromJsonAsync<LoginRequest>(options, http.RequestAborted);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or BadHttpRequestException or InvalidOperationException)
        {
            // A malformed body is an invalid request, answered below.
        }
        return null;
    }

    private static JsonHttpResult<OAuthErrorResponse> OAuthError(string error, string description) =>
        TypedResults.Json(new OAuthErrorResponse(error, description), statusCode: StatusCodes.Status400BadRequest);
}
