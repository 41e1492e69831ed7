using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>API.md v2: privacy of email, PATCH /api/me, POST /api/me/password and /api/admin/*.</summary>
public sealed class AccountsApiTests : IDisposable
{
    private const string RootPassword = "root password";
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public AccountsApiTests() =>
        _app = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = RootPassword });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task OtherPeoplesEmailIsLeftOutButTheCallerAndAdminsSeeIt()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var root = await RootAsync();

        var own = await ada.GetJsonAsync("/api/me");
        var searched = (await bob.GetJsonAsync($"/api/users?search={ada.UserName}")).EnumerateArray().Single();
        var byId = await bob.GetJsonAsync($"/api/users/{ada.UserId}");
        var asAdmin = await root.GetJsonAsync($"/api/users/{ada.UserId}");

        Assert.Equal($"{ada.UserName}@example.com", own.GetProperty("email").GetString());
        Assert.False(searched.TryGetProperty("email", out _));
        Assert.Equal(ada.UserName, searched.GetProperty("username").GetString());
        Assert.False(byId.TryGetProperty("email", out _));
        Assert.Equal($"{ada.UserName}@example.com", asAdmin.GetProperty("email").GetString());
    }

    [Fact]
    public async Task APersonChangesTheirEmailTimeZoneAndGenderAndOnlyWhatTheySend()
    {
        using var ada = await ApiClient.RegisterAsync(_app);

        using var response = await ada.Http.PatchAsJsonAsync("/api/me", new { timeZone = "Asia/Kolkata", gender = "female" });
        using var again = await ada.Http.PatchAsJsonAsync("/api/me", new { email = "ada.new@example.com" });
        var me = await ada.GetJsonAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("Asia/Kolkata", me.GetProperty("timeZone").GetString());
        Assert.Equal("female", me.GetProperty("gender").GetString());
        Assert.Equal("ada.new@example.com", me.GetProperty("email").GetString());
    }

    [Fact]
    public async Task AProfileChangeIsRefusedPerFieldAndATakenEmailIs409()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);

        using var invalid = await ada.Http.PatchAsJsonAsync("/api/me", new { email = "nope", timeZone = "Mars/Base", gender = new string('g', 40) });
        using var taken = await ada.Http.PatchAsJsonAsync("/api/me", new { email = $"{bob.UserName}@example.com" });
        using var noBody = await ada.Http.PatchAsync("/api/me", new StringContent("null", System.Text.Encoding.UTF8, "application/json"));
        var me = await ada.GetJsonAsync("/api/me");

        var errors = (await invalid.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.Equal(["email", "gender", "timeZone"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.True((await taken.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("errors").TryGetProperty("email", out _));
        await noBody.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal($"{ada.UserName}@example.com", me.GetProperty("email").GetString());
        Assert.Equal("UTC", me.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task APasswordChangeEndsTheAccountsOtherTokensAndStreamsButKeepsTheTokenThatAsked()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var otherDevice = _app.CreateClient();
        otherDevice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiClient.LogInAsync(otherDevice, ada.UserName, "api password"));
        await using var otherStream = await EventStreamReader.OpenAsync(otherDevice, $"/api/chats/{chatId}/events");

        using var changed = await ada.Http.PostAsJsonAsync("/api/me/password", new { currentPassword = "api password", newPassword = "a new password" });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await otherStream.AssertEndsAsync();
        using var other = await otherDevice.GetAsync("/api/me");
        await other.AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var asker = await ada.Http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, asker.StatusCode);
        using var anonymous = _app.CreateClient();
        using var oldPassword = await anonymous.PostAsync("/api/login", new FormUrlEncodedContent([new("username", ada.UserName), new("password", "api password")]));
        Assert.Equal(HttpStatusCode.BadRequest, oldPassword.StatusCode);
        Assert.False(string.IsNullOrEmpty(await ApiClient.LogInAsync(anonymous, ada.UserName, "a new password")));
    }

    [Fact]
    public async Task APasswordChangeNeedsTheCurrentPasswordAndAGoodNewOne()
    {
        using var ada = await ApiClient.RegisterAsync(_app);

        using var wrongCurrent = await ada.Http.PostAsJsonAsync("/api/me/password", new { currentPassword = "guess", newPassword = "a new password" });
        using var weak = await ada.Http.PostAsJsonAsync("/api/me/password", new { currentPassword = "api password", newPassword = "short" });
        using var missing = await ada.Http.PostAsJsonAsync("/api/me/password", new { currentPassword = "api password" });

        Assert.True((await wrongCurrent.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.True((await weak.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.True((await missing.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("newPassword", out _));
        using var anonymous = _app.CreateClient();
        Assert.False(string.IsNullOrEmpty(await ApiClient.LogInAsync(anonymous, ada.UserName, "api password")));
    }

    [Fact]
    public async Task OnlyAdminsReachTheAdminRoutes()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var anonymous = _app.CreateClient();

        using var asPerson = await ada.Http.GetAsync("/api/admin/users");
        using var lockAsPerson = await ada.Http.PostAsync($"/api/admin/users/{ada.UserId}/lock", null);
        using var asNobody = await anonymous.GetAsync("/api/admin/users");

        await asPerson.AssertProblemAsync(HttpStatusCode.Forbidden);
        await lockAsPerson.AssertProblemAsync(HttpStatusCode.Forbidden);
        await asNobody.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AdminsListAccountsWithRolesAndLockState()
    {
        using var ada = await ApiClient.RegisterAsync(_app, "list-ada");
        using var root = await RootAsync();

        var all = (await root.GetJsonAsync("/api/admin/users")).EnumerateArray().ToList();
        var found = (await root.GetJsonAsync("/api/admin/users?search=LIST-")).EnumerateArray().Single();

        Assert.Contains(all, u => u.GetProperty("username").GetString() == "root" && u.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "Admin"));
        Assert.Equal("list-ada", found.GetProperty("username").GetString());
        Assert.Equal("list-ada@example.com", found.GetProperty("email").GetString());
        Assert.False(found.GetProperty("lockedOut").GetBoolean());
        Assert.Empty(found.GetProperty("roles").EnumerateArray());
    }

    [Fact]
    public async Task ALockEndsTheAccountsTokensAndStreamsAtOnceAndUnlockLetsThemLogInAgain()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var root = await RootAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var stream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");

        using var locked = await root.Http.PostAsync($"/api/admin/users/{ada.UserId}/lock", null);

        Assert.Equal(HttpStatusCode.NoContent, locked.StatusCode);
        await stream.AssertEndsAsync();
        await (await ada.Http.GetAsync("/api/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var listed = (await root.GetJsonAsync($"/api/admin/users?search={ada.UserName}")).EnumerateArray().Single();
        Assert.True(listed.GetProperty("lockedOut").GetBoolean());
        using var anonymous = _app.CreateClient();
        using var refused = await anonymous.PostAsync("/api/login", new FormUrlEncodedContent([new("username", ada.UserName), new("password", "api password")]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        using var unlocked = await root.Http.PostAsync($"/api/admin/users/{ada.UserId}/unlock", null);

        Assert.Equal(HttpStatusCode.NoContent, unlocked.StatusCode);
        Assert.False(string.IsNullOrEmpty(await ApiClient.LogInAsync(anonymous, ada.UserName, "api password")));
    }

    [Fact]
    public async Task GrantingAndRevokingAdminTakesEffectOnTheExistingTokenAtOnce()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var root = await RootAsync();

        using var granted = await root.Http.PutAsync($"/api/admin/users/{ada.UserId}/roles/admin", null);
        using var asAdmin = await ada.Http.GetAsync("/api/admin/users");
        using var revoked = await root.Http.DeleteAsync($"/api/admin/users/{ada.UserId}/roles/admin");
        using var asPerson = await ada.Http.GetAsync("/api/admin/users");

        Assert.Equal(HttpStatusCode.NoContent, granted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await asPerson.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task NoAdminCanLockOrDemoteThemselvesOrTheSeededAdmin()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var root = await RootAsync();
        (await root.Http.PutAsync($"/api/admin/users/{ada.UserId}/roles/admin", null)).Dispose();

        using var lockSelf = await ada.Http.PostAsync($"/api/admin/users/{ada.UserId}/lock", null);
        using var demoteSelf = await ada.Http.DeleteAsync($"/api/admin/users/{ada.UserId}/roles/admin");
        using var lockSeeded = await ada.Http.PostAsync($"/api/admin/users/{root.UserId}/lock", null);
        using var demoteSeeded = await ada.Http.DeleteAsync($"/api/admin/users/{root.UserId}/roles/admin");
        using var unknown = await ada.Http.PostAsync("/api/admin/users/no-such-user/lock", null);

        await lockSelf.AssertProblemAsync(HttpStatusCode.Conflict);
        await demoteSelf.AssertProblemAsync(HttpStatusCode.Conflict);
        await lockSeeded.AssertProblemAsync(HttpStatusCode.Conflict);
        await demoteSeeded.AssertProblemAsync(HttpStatusCode.Conflict);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await root.Http.GetAsync("/api/admin/users")).StatusCode);
    }

    private Task<ApiClient> RootAsync() => ApiClient.LogInExistingAsync(_app, "root", RootPassword);
}
