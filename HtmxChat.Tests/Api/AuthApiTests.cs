using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Api;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HtmxChat.Tests.Api;

public sealed class AuthApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous() => app.Factory.CreateClient();

    [Fact]
    public async Task RegisterAnswers201WithTheUserAndItsLocation()
    {
        using var http = Anonymous();
        var name = BrowserClient.UniqueName("reg");

        using var response = await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "long enough", gender = "female", timeZone = "Asia/Kolkata" });
        var user = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/users/{user.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        Assert.Equal((name, "female", "Asia/Kolkata"), (user.GetProperty("username").GetString(), user.GetProperty("gender").GetString(), user.GetProperty("timeZone").GetString()));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", user.GetProperty("createdAt").GetString());
        Assert.False(user.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task InvalidRegistrationIsAValidationProblemWithAnErrorPerField()
    {
        using var http = Anonymous();

        using var response = await http.PostAsJsonAsync("/api/register", new { username = "x", email = "nope", password = "", timeZone = "Mars/Base" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors");
        Assert.Equal(["email", "password", "timeZone", "username"], errors.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task ATakenUsernameInAnyCaseOrATakenEmailIs409()
    {
        using var http = Anonymous();
        var name = BrowserClient.UniqueName("Taken");
        await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "long enough" });

        using var sameName = await http.PostAsJsonAsync("/api/register", new { username = name.ToLowerInvariant(), email = $"x{name}@example.com", password = "long enough" });
        using var sameEmail = await http.PostAsJsonAsync("/api/register", new { username = name + "x", email = $"{name}@example.com", password = "long enough" });

        Assert.True((await sameName.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("errors").TryGetProperty("username", out _));
        Assert.True((await sameEmail.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task LoginWithAFormGivesABearerTokenInOAuth2Shape()
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        using var http = Anonymous();

        using var response = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", api.UserName.ToUpperInvariant()), new("password", "api password"), new("grant_type", "password")]));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.GetProperty("expires_in").GetInt64());
        var token = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal("HS256", token.Alg);
        Assert.Equal(api.UserId, token.Subject);
    }

    [Fact]
    public async Task LoginTakesJsonToo()
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        using var http = Anonymous();

        using var response = await http.PostAsJsonAsync("/api/login", new { username = api.UserName, password = "api password" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("username=&password=x", "invalid_request")]
    [InlineData("password=x", "invalid_request")]
    [InlineData("username=ghost_user&password=whatever", "invalid_grant")]
    [InlineData("username=ghost_user&password=whatever&grant_type=client_credentials", "unsupported_grant_type")]
    public async Task BadLoginsGetOAuth2ErrorBodies(string form, string error)
    {
        using var http = Anonymous();

        using var response = await http.PostAsync("/api/login", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AWrongPasswordAndAnUnknownUserGetTheSameAnswer()
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        using var http = Anonymous();

        using var wrong = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", api.UserName), new("password", "nope nope")]));
        using var unknown = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", "nobody_here"), new("password", "nope nope")]));

        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FiveWrongPasswordsLockTheAccountForTheApiAndTheBrowserAlike()
    {
        using var api = await ApiClient.RegisterAsync(app.Factory, password: "the right one");
        using var http = Anonymous();
        for (var i = 0; i < 5; i++)
        {
            await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", api.UserName), new("password", "wrong")]));
        }

        using var apiLogin = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", api.UserName), new("password", "the right one")]));
        using var browser = app.Browser();
        using var pageLogin = await browser.LogInAsync(api.UserName, "the right one");

        Assert.Equal("invalid_grant", (await apiLogin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, pageLogin.StatusCode);
    }

    // Each check of the bearer token holds on a route behind the authentication middleware, and on a chat's event stream
    // and the WebSocket, which authenticate themselves (StreamAuthentication).
    private const string Me = "/api/me";
    private const string Events = "/api/chats/{chatId}/events";
    private const string Socket = "/api/ws/chat";

    [Theory, InlineData(Me), InlineData(Events), InlineData(Socket)]
    public async Task WithoutATokenTheApiAnswers401WithWwwAuthenticateNeverARedirect(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        var url = await UrlAsync(route, api);
        using var http = Anonymous();

        using var response = await http.GetAsync(url);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory, InlineData(Me), InlineData(Events), InlineData(Socket)]
    public async Task ABrowserCookieAloneIsNotAcceptedOnTheApi(string route)
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name);
        using var api = await ApiClient.LogInExistingAsync(app.Factory, name, "correct horse");
        var url = await UrlAsync(route, api);

        using var response = await browser.Http.GetAsync(url);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory, InlineData(Me), InlineData(Events), InlineData(Socket)]
    public async Task ATamperedTokenIsRefused(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        var parts = api.Token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.Clone());
        payload["sub"] = Ids.New();
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";

        using var response = await WithTokenAsync(await UrlAsync(route, api), forged);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory, InlineData(Me), InlineData(Events), InlineData(Socket)]
    public async Task AnUnsignedAlgNoneTokenIsRefused(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        var payload = api.Token.Split('.')[1];
        var none = $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{payload}.";

        using var response = await WithTokenAsync(await UrlAsync(route, api), none);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory, InlineData(Me), InlineData(Events), InlineData(Socket)]
    public async Task SomethingThatIsNotATokenIsRefused(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);

        using var response = await WithTokenAsync(await UrlAsync(route, api), "not.a-token");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory, InlineData(Me), InlineData(Events)]
    public async Task AnExpiredTokenIsRefusedAndAValidOneWithTheSameKeyIsNot(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        var url = await UrlAsync(route, api);
        var tokens = app.Factory.Services.GetRequiredService<TokenService>();
        var user = await app.Factory.Services.GetRequiredService<Web.Storage.IUserRepository>().FindByIdAsync(api.UserId);

        string Token(DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "htmxchat",
            Audience = "htmxchat-api",
            Claims = new Dictionary<string, object> { ["sub"] = api.UserId, ["unique_name"] = api.UserName, ["stamp"] = user!.SecurityStamp },
            NotBefore = expires.AddHours(-1),
            IssuedAt = expires.AddHours(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(tokens.SigningKey, SecurityAlgorithms.HmacSha256),
        });

        using var expired = await WithTokenAsync(url, Token(DateTime.UtcNow.AddMinutes(-2)));
        using var valid = await WithTokenAsync(url, Token(DateTime.UtcNow.AddMinutes(5)));

        await expired.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Theory, InlineData(Me), InlineData(Events)]
    public async Task APasswordChangeEndsTheOldTokens(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory, password: "first password");
        var url = await UrlAsync(route, api);
        using (var scope = app.Factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
            var user = await users.FindByIdAsync(api.UserId);
            Assert.True((await users.ChangePasswordAsync(user!, "first password", "second password")).Succeeded);
        }

        using var http = Anonymous();
        using var old = await WithTokenAsync(url, api.Token);
        using var fresh = await WithTokenAsync(url, await ApiClient.LogInAsync(http, api.UserName, "second password"));

        await old.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Theory, InlineData(Me), InlineData(Events)]
    public async Task SomeoneElsesFailedLoginsDoNotEndAPersonsTokensButAnAdminLockDoes(string route)
    {
        using var api = await ApiClient.RegisterAsync(app.Factory);
        var url = await UrlAsync(route, api);
        using var http = Anonymous();
        for (var i = 0; i < 5; i++)
        {
            (await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", api.UserName), new("password", "guessing")]))).Dispose();
        }
        using var afterGuesses = await WithTokenAsync(url, api.Token);

        using (var scope = app.Factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
            var accounts = scope.ServiceProvider.GetRequiredService<Web.Accounts.AccountService>();
            Assert.True((await accounts.LockAsync((await users.FindByIdAsync(api.UserId))!, DateTimeOffset.UtcNow.AddDays(1))).Succeeded);
        }
        using var afterLock = await WithTokenAsync(url, api.Token);

        Assert.Equal(HttpStatusCode.OK, afterGuesses.StatusCode);
        await afterLock.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TokensSurviveARestartBecauseTheSigningKeyIsKeptInTheStore()
    {
        using var folder = new TempFolder();
        string token;
        using (var first = new AppFactory(folder.Path))
        {
            using var api = await ApiClient.RegisterAsync(first);
            token = api.Token;
        }
        using var second = new AppFactory(folder.Path);
        using var http = second.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The route's URL for this person: the event stream of a chat they are in.</summary>
    private async Task<string> UrlAsync(string route, ApiClient api)
    {
        if (route != Events)
        {
            return route;
        }
        using var other = await ApiClient.RegisterAsync(app.Factory);
        return route.Replace("{chatId}", await api.CreateChatIdAsync(other.UserName));
    }

    /// <summary>The response's status and headers; a refusal's body is read, an open event stream's is left unread.</summary>
    private async Task<HttpResponseMessage> WithTokenAsync(string url, string token)
    {
        using var http = Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            await response.Content.LoadIntoBufferAsync();
        }
        return response;
    }
}
