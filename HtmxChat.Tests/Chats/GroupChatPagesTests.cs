using System.Net;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Chats;

/// <summary>UI.md v2 "People and chats" without a browser: the Chat details forms and what the tab's stream carries.</summary>
public sealed class GroupChatPagesTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(BrowserClient Browser, string Name)> SignedInAsync(string prefix = "person")
    {
        var browser = app.Browser();
        var name = BrowserClient.UniqueName(prefix);
        using var registered = await browser.RegisterAsync(name);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        return (browser, name);
    }

    /// <summary>A fragment as htmx asks for it.</summary>
    private static async Task<HttpStatusCode> FragmentStatusAsync(BrowserClient browser, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "HX-Request", "true" } } };
        using var response = await browser.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task RenamingShowsTheNewTitleAndASystemLineAndATooLongTitleIsRefusedBesideTheField()
    {
        var (ada, adaName) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName, "Plans");

        using var renamed = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/title", [new("ChatTitle", "Trip")]);
        var page = await ada.GetPageAsync($"/chats/{chatId}");
        using var tooLong = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/title", [new("ChatTitle", new string('t', 81))]);
        var refused = await tooLong.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, renamed.StatusCode);
        Assert.Contains(">Trip</h1>", page);
        Assert.Contains($"{adaName} renamed the chat to &quot;Trip&quot;", page);
        Assert.Contains("message message-system", page);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("id=\"ChatTitle-error\">A title can have at most 80 characters.</div>", refused);
        Assert.Contains("<details id=\"chat-details\" class=\"chat-details\" open=\"open\">", refused);
    }

    [Fact]
    public async Task AddingSomeoneToADirectChatStartsAGroupChatWithTheThree()
    {
        var (ada, adaName) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var (cy, cyName) = await SignedInAsync();
        var direct = await ada.StartChatAsync(bobName);

        using var added = await ada.PostFormAsync($"/chats/{direct}", $"/chats/{direct}/people", [new("AddPeople", cyName)]);
        var groupId = added.Headers.Location!.OriginalString.Split('/')[^1];
        var group = await cy.GetPageAsync($"/chats/{groupId}");

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.NotEqual(direct, groupId);
        Assert.Contains($"{adaName}, {bobName}, {cyName}", group);
        Assert.Equal(HttpStatusCode.OK, (await cy.Http.GetAsync($"/chats/{groupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cy.Http.GetAsync($"/chats/{direct}")).StatusCode);
    }

    [Fact]
    public async Task AnUnknownNameToAddIsReportedBesideTheField()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName, "Group");

        using var response = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/people", [new("AddPeople", "nobody_by_that_name")]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"AddPeople-error\">No user named &#x27;nobody_by_that_name&#x27;.</div>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OnlyTheCreatorRemovesOthersAndTheRemovedPersonsOpenTabIsToldAndLosesTheChat()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var (cy, cyName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync($"{bobName}, {cyName}", "Team");
        var cyId = await cy.UserIdAsync();
        await using var cyTab = await EventStreamReader.OpenAsync(cy.Http, $"/chats/events?open={chatId}&after=0");

        using var byBob = await bob.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/people/{cyId}/remove", []);
        using var byAda = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/people/{cyId}/remove", []);

        Assert.Equal(HttpStatusCode.Forbidden, byBob.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, byAda.StatusCode);
        Assert.Contains("removed", (await cyTab.NextOfTypeAsync("chat-message")).Data);
        var rowGone = await cyTab.NextOfTypeAsync("chat-updated");
        var notice = await cyTab.NextOfTypeAsync("chat-removed");
        Assert.Contains($"id=\"chat-row-{chatId}\" hx-swap-oob=\"delete\"", rowGone.Data);
        Assert.Contains("You are no longer in this chat.", notice.Data);
        await cyTab.AssertEndsAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await cy.Http.GetAsync($"/chats/{chatId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await FragmentStatusAsync(cy, $"/chats/{chatId}/messages?before=2"));
        Assert.Equal(HttpStatusCode.NotFound, await FragmentStatusAsync(cy, $"/chats/{chatId}/send-form"));
        Assert.Equal(HttpStatusCode.NotFound, (await cy.Http.GetAsync($"/chats/events?open={chatId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cy.SendHtmxAsync(chatId, "still here?")).StatusCode);
        Assert.DoesNotContain(chatId, await cy.GetPageAsync("/chats"));
    }

    [Fact]
    public async Task OthersTabsShowTheNewPeopleAndAnAddedPersonsListGetsTheChat()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var (cy, cyName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName, "Team");
        await using var bobTab = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=0");
        await using var cyList = await EventStreamReader.OpenAsync(cy.Http, "/chats/events");

        using var added = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/people", [new("AddPeople", cyName)]);

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains($"added {cyName}", (await bobTab.NextOfTypeAsync("chat-message")).Data);
        var update = await bobTab.NextOfTypeAsync("chat-header");
        Assert.Contains($"data-person-id=\"{await cy.UserIdAsync()}\"", update.Data);
        Assert.Contains("id=\"chat-title\"", update.Data);
        Assert.Contains($"id=\"chat-row-{chatId}\"", (await cyList.NextOfTypeAsync("chat-started")).Data);
    }

    [Fact]
    public async Task LeavingTakesYouBackToYourChatsWithoutIt()
    {
        var (ada, adaName) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName, "Short-lived");

        using var left = await bob.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/leave", []);

        Assert.Equal(HttpStatusCode.Redirect, left.StatusCode);
        Assert.Equal("/chats", left.Headers.Location!.OriginalString);
        Assert.DoesNotContain(chatId, await bob.GetPageAsync("/chats"));
        Assert.Contains($"{bobName} left", await ada.GetPageAsync($"/chats/{chatId}"));
        Assert.DoesNotContain($">{adaName}, {bobName}<", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Fact]
    public async Task AMutedChatIsDimmedWithoutACountInEveryTabAndNewMessagesCarryWhatANotificationNeeds()
    {
        var (ada, adaName) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName, "Noisy");
        await using var bobTab = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        using var muted = await bob.PostFormAsync("/chats", $"/chats/{chatId}/notifications", [new("level", "none")]);
        var level = await bobTab.NextOfTypeAsync("chat-notifications");
        await ada.SendHtmxAsync(chatId, $"hello @{bobName}, this is a message long enough to be cut short in a desktop notification's body");
        var notify = System.Text.Json.JsonDocument.Parse((await bobTab.NextOfTypeAsync("chat-notify")).Data).RootElement;
        var list = await bob.GetPageAsync("/chats");

        Assert.Equal(HttpStatusCode.Redirect, muted.StatusCode);
        Assert.Equal($"{{\"chatId\":\"{chatId}\",\"level\":\"none\"}}", level.Data);
        Assert.Contains("chat-muted", list);
        Assert.Contains("data-notifications=\"none\"", list);
        Assert.Equal(chatId, notify.GetProperty("chatId").GetString());
        Assert.Equal(100, new System.Globalization.StringInfo(notify.GetProperty("body").GetString()!).LengthInTextElements);
        Assert.StartsWith($"{adaName}: hello", notify.GetProperty("body").GetString());
        Assert.Equal([await bob.UserIdAsync()], notify.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()));
    }
}
