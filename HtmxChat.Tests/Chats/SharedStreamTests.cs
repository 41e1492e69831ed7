using System.Net;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Chats;

/// <summary>
/// The stream a browser's tabs share (<c>/chats/events?follow=chat:version,…</c>): every tab's chat followed exactly from
/// its own version, each event saying whose chat it is.
/// </summary>
public sealed class SharedStreamTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(BrowserClient Browser, string Name)> SignedInAsync()
    {
        var browser = app.Browser();
        var name = BrowserClient.UniqueName("tabs");
        (await browser.RegisterAsync(name)).Dispose();
        return (browser, name);
    }

    [Fact]
    public async Task EachFollowedChatIsReplayedFromItsOwnVersionAndThenLiveWithItsIdInTheEventId()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var (_, cyName) = await SignedInAsync();
        var first = await ada.StartChatAsync(bobName, "First");
        var second = await ada.StartChatAsync(cyName, "Second");
        (await ada.SendHtmxAsync(first, "first 1")).Dispose();
        (await ada.SendHtmxAsync(first, "first 2")).Dispose();
        (await ada.SendHtmxAsync(second, "second 1")).Dispose();

        await using var shared = await EventStreamReader.OpenAsync(ada.Http, $"/chats/events?follow={first}:1,{second}:0");
        var replayed = new[] { await shared.NextOfTypeAsync("chat-message"), await shared.NextOfTypeAsync("chat-message") };
        (await bob.SendHtmxAsync(first, "first 3, live")).Dispose();
        var live = await shared.NextOfTypeAsync("chat-message");

        Assert.Equal([$"{first}:2", $"{second}:1"], replayed.Select(e => e.Id));
        Assert.Contains("first 2", replayed[0].Data);
        Assert.Contains("second 1", replayed[1].Data);
        Assert.Equal($"{first}:3", live.Id);
    }

    [Fact]
    public async Task AChatThePersonIsNotInIsLeftOutAndAMalformedListIsRefused()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var (eve, _) = await SignedInAsync();
        var theirs = await ada.StartChatAsync(bobName, "Private");
        var (_, cyName) = await SignedInAsync();
        var evesOwn = await eve.StartChatAsync(cyName, "Eve's");

        await using var eveStream = await EventStreamReader.OpenAsync(eve.Http, $"/chats/events?follow={theirs}:0,{evesOwn}:0");
        (await ada.SendHtmxAsync(theirs, "not for eve")).Dispose();
        (await eve.SendHtmxAsync(evesOwn, "for eve")).Dispose();
        using var malformed = await eve.Http.GetAsync("/chats/events?follow=abc:notanumber");

        Assert.Contains("for eve", (await eveStream.NextOfTypeAsync("chat-message")).Data);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task RemovalFromOneFollowedChatTellsItsTabAndTheStreamGoesOnWithTheOthers()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var (_, cyName) = await SignedInAsync();
        var group = await ada.StartChatAsync(bobName, "Group");
        var other = await bob.StartChatAsync(cyName, "Other");
        var bobId = await bob.UserIdAsync();
        await using var shared = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?follow={group}:0,{other}:0");

        (await ada.PostFormAsync($"/chats/{group}", $"/chats/{group}/people/{bobId}/remove", [])).Dispose();
        var notice = await shared.NextOfTypeAsync("chat-removed");
        (await bob.SendHtmxAsync(other, "still streaming")).Dispose();

        Assert.Equal($"{group}:", notice.Id);
        Assert.Contains("still streaming", (await shared.NextOfTypeAsync("chat-message")).Data);
    }
}
