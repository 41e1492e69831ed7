using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Tests.Storage;

public sealed record Stores(IUserRepository Users, IChatRepository Chats, IKeyStore Keys, IStorageHealth Health, IAttachmentStore Attachments);

/// <summary>The storage contract, run against every provider (see the subclasses).</summary>
public abstract class StorageSuite : IAsyncLifetime
{
    private Stores? _stores;

    /// <summary>Null when the provider is not available here; its tests then show as skipped with <see cref="SkipReason"/>.</summary>
    protected abstract Task<Stores?> OpenAsync();

    protected abstract Task CloseAsync();

    protected virtual string SkipReason => "";

    private Stores S
    {
        get
        {
            Assert.SkipWhen(_stores is null, SkipReason);
            return _stores!;
        }
    }

    public async ValueTask InitializeAsync() => _stores = await OpenAsync();

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        GC.SuppressFinalize(this);
    }

    private static ChatUser NewUser(string name) => new()
    {
        UserName = name,
        NormalizedUserName = name.ToUpperInvariant(),
        Email = $"{name}@example.com",
        NormalizedEmail = $"{name}@example.com".ToUpperInvariant(),
        PasswordHash = "hash",
        TimeZone = "Asia/Kolkata",
        Gender = "female",
    };

    private async Task<ChatUser> CreateUserAsync(string name)
    {
        var user = NewUser(name);
        Assert.Equal(UserWriteResult.Ok, await S.Users.CreateAsync(user, TestContext.Current.CancellationToken));
        return user;
    }

    private static Chat NewChat(string? title, params ChatUser[] users) => new()
    {
        CreatorId = users[0].Id,
        Title = title,
        DirectKey = title is null && users.Length == 2 ? Chat.DirectKeyFor(users[0].Id, users[1].Id) : null,
        Participants = [.. users.Select(u => new ChatParticipant { UserId = u.Id, UserName = u.UserName })],
    };

    private async Task<Message> SendAsync(Chat chat, ChatUser sender, string content, DateTimeOffset? at = null)
    {
        var appended = await S.Chats.AppendMessageAsync(chat.Id, sender.Id, sender.UserName, content, at ?? Now(), ct: TestContext.Current.CancellationToken);
        Assert.NotNull(appended);
        return appended.Value.Message;
    }

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    [Fact]
    public async Task StoredUserIsFoundByIdNormalizedNameAndEmail()
    {
        var user = await CreateUserAsync("Asha");

        var byId = await S.Users.FindByIdAsync(user.Id);
        var byName = await S.Users.FindByNormalizedUserNameAsync("ASHA");
        var byEmail = await S.Users.FindByNormalizedEmailAsync("ASHA@EXAMPLE.COM");

        Assert.NotNull(byId);
        Assert.Equal(user.Id, byName?.Id);
        Assert.Equal(user.Id, byEmail?.Id);
        Assert.Equal(("Asha", "Asia/Kolkata", "female", "hash"), (byId.UserName, byId.TimeZone, byId.Gender, byId.PasswordHash));
        Assert.Equal(user.CreatedAt.ToUnixTimeMilliseconds(), byId.CreatedAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task DuplicateUserNameOrEmailIsRefusedAndKeepsTheFirstUser()
    {
        var first = await CreateUserAsync("ravi");

        var sameName = NewUser("RAVI");
        sameName.NormalizedEmail = "OTHER@EXAMPLE.COM";
        var sameEmail = NewUser("ravi2");
        sameEmail.NormalizedEmail = first.NormalizedEmail;

        Assert.Equal(UserWriteResult.DuplicateUserName, await S.Users.CreateAsync(sameName));
        Assert.Equal(UserWriteResult.DuplicateEmail, await S.Users.CreateAsync(sameEmail));
        Assert.Equal(first.Id, (await S.Users.FindByNormalizedUserNameAsync("RAVI"))?.Id);
    }

    [Fact]
    public async Task UpdateWithAStaleConcurrencyStampIsRefused()
    {
        var user = await CreateUserAsync("meera");
        var stamp = user.ConcurrencyStamp;
        user.Gender = "other";
        user.ConcurrencyStamp = "new-stamp";

        Assert.Equal(UserWriteResult.Ok, await S.Users.UpdateAsync(user, stamp));
        Assert.Equal(UserWriteResult.ConcurrencyFailure, await S.Users.UpdateAsync(user, stamp));
        Assert.Equal("other", (await S.Users.FindByIdAsync(user.Id))?.Gender);
    }

    [Fact]
    public async Task PrefixSearchIsCaseInsensitiveOrderedAndLimited()
    {
        foreach (var name in new[] { "zed_b", "Zed_a", "zed.c", "zebra", "yzed" })
        {
            await CreateUserAsync(name);
        }

        var found = await S.Users.SearchByUserNamePrefixAsync("ZED", 2);
        var underscoreIsLiteral = await S.Users.SearchByUserNamePrefixAsync("ZED_", 10);

        Assert.Equal(["zed.c", "Zed_a"], found.Select(u => u.UserName));
        Assert.Equal(["Zed_a", "zed_b"], underscoreIsLiteral.Select(u => u.UserName));
    }

    [Fact]
    public async Task UsersInARoleAreFound()
    {
        var admin = NewUser("root1");
        admin.Roles.Add("Admin");
        await S.Users.CreateAsync(admin);
        await CreateUserAsync("plain1");

        var admins = await S.Users.FindInRoleAsync("Admin");

        Assert.Contains(admins, u => u.Id == admin.Id);
        Assert.DoesNotContain(admins, u => u.UserName == "plain1");
    }

    [Fact]
    public async Task MalformedIdsFindNothingInsteadOfThrowing()
    {
        foreach (var id in new[] { "", "abc", "../../etc", "ffffffffffffffffffffffff", "'; DROP TABLE users; --" })
        {
            Assert.Null(await S.Users.FindByIdAsync(id));
            Assert.Null(await S.Chats.FindAsync(id));
            Assert.Null(await S.Chats.AppendMessageAsync(id, id, "x", "hi", Now()));
            Assert.Empty((await S.Chats.GetMessagesAsync(id, null, null, 10)).Messages);
            Assert.False(await S.Chats.MarkReadAsync(id, id, 1));
            Assert.Empty((await S.Chats.GetChangedMessagesAsync(id, 0, 10)).Messages);
            Assert.Null(await S.Chats.FindMessageAsync(id, id));
            Assert.Null(await S.Chats.EditMessageAsync(id, id, "x", Now()));
            Assert.Null(await S.Chats.DeleteMessageAsync(id, id));
            Assert.Null(await S.Chats.SetReactionAsync(id, id, new Reactor(id, "x"), "👍", on: true));
        }
    }

    [Fact]
    public async Task ChatIsListedForEachParticipantWithTheMostRecentFirst()
    {
        var a = await CreateUserAsync("list_a");
        var b = await CreateUserAsync("list_b");
        var c = await CreateUserAsync("list_c");
        var older = (await S.Chats.CreateAsync(NewChat("older", a, b))).Chat;
        var newer = (await S.Chats.CreateAsync(NewChat("newer", a, c))).Chat;
        await SendAsync(older, b, "bump", at: newer.CreatedAt.AddSeconds(1));

        var forA = await S.Chats.ListForUserAsync(a.Id, 10);
        var forC = await S.Chats.ListForUserAsync(c.Id, 10);

        Assert.Equal([older.Id, newer.Id], forA.Select(x => x.Id));
        Assert.Equal([newer.Id], forC.Select(x => x.Id));
        Assert.Equal(["list_a", "list_b"], forA[0].Participants.Select(p => p.UserName));
        Assert.Equal(new MessageSummary(b.Id, "list_b", "bump", forA[0].LastMessage!.Timestamp), forA[0].LastMessage);
    }

    [Fact]
    public async Task SecondDirectChatBetweenTheSameTwoPeopleReturnsTheFirst()
    {
        var a = await CreateUserAsync("direct_a");
        var b = await CreateUserAsync("direct_b");

        var (first, created) = await S.Chats.CreateAsync(NewChat(null, a, b));
        var (again, createdAgain) = await S.Chats.CreateAsync(NewChat(null, b, a));

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.Id, (await S.Chats.FindByDirectKeyAsync(Chat.DirectKeyFor(a.Id, b.Id)))?.Id);
    }

    [Fact]
    public async Task AppendGivesIncreasingSeqsAndUpdatesTheChatAtomically()
    {
        var a = await CreateUserAsync("seq_a");
        var b = await CreateUserAsync("seq_b");
        var chat = (await S.Chats.CreateAsync(NewChat("seqs", a, b))).Chat;

        var first = await SendAsync(chat, a, "one");
        var appended = await S.Chats.AppendMessageAsync(chat.Id, b.Id, b.UserName, "  two, spaced  ", Now());

        Assert.Equal(1, first.Seq);
        var (second, after) = appended!.Value;
        Assert.Equal(2, second.Seq);
        Assert.Equal("  two, spaced  ", second.Content);
        Assert.Equal(2, after.LastSeq);
        Assert.Equal("  two, spaced  ", after.LastMessage?.Content);
        Assert.Equal(second.Timestamp, after.LastActivityAt);
        Assert.Equal(0, after.UnreadCountFor(b.Id));
        Assert.Equal(1, after.UnreadCountFor(a.Id));
    }

    [Fact]
    public async Task SomeoneOutsideTheChatCannotAppendAndNothingChanges()
    {
        var a = await CreateUserAsync("in_a");
        var outsider = await CreateUserAsync("out_b");
        var chat = (await S.Chats.CreateAsync(NewChat("members only", a))).Chat;
        await SendAsync(chat, a, "one");

        Assert.Null(await S.Chats.AppendMessageAsync(chat.Id, outsider.Id, outsider.UserName, "let me in", Now()));

        var after = await S.Chats.FindAsync(chat.Id);
        Assert.Equal(1, after?.LastSeq);
        Assert.Equal("one", after?.LastMessage?.Content);
        Assert.Equal(["one"], (await S.Chats.GetMessagesAsync(chat.Id, null, null, 10)).Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task ConcurrentSendersGetEverySeqExactlyOnce()
    {
        var a = await CreateUserAsync("burst_a");
        var chat = (await S.Chats.CreateAsync(NewChat("burst", a))).Chat;

        var sends = Enumerable.Range(0, 100).Select(i => Task.Run(() => SendAsync(chat, a, $"m{i}")));
        var messages = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), messages.Select(m => m.Seq).Order());
        var stored = await S.Chats.GetMessagesAsync(chat.Id, null, null, 100);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), stored.Messages.Select(m => m.Seq));
        Assert.Equal(100, (await S.Chats.FindAsync(chat.Id))?.LastSeq);
    }

    [Fact]
    public async Task MessagesPageNewestFirstBeforeASeqAndOldestFirstAfterASeq()
    {
        var a = await CreateUserAsync("page_a");
        var chat = (await S.Chats.CreateAsync(NewChat("paging", a))).Chat;
        for (var i = 1; i <= 7; i++)
        {
            await SendAsync(chat, a, $"m{i}");
        }

        var newest = await S.Chats.GetMessagesAsync(chat.Id, null, null, 3);
        var before = await S.Chats.GetMessagesAsync(chat.Id, before: 3, after: null, limit: 3);
        var after = await S.Chats.GetMessagesAsync(chat.Id, before: null, after: 2, limit: 3);
        var between = await S.Chats.GetMessagesAsync(chat.Id, before: 6, after: 3, limit: 10);
        var tail = await S.Chats.GetMessagesAsync(chat.Id, before: null, after: 7, limit: 3);

        Assert.Equal("5 6 7 +more", Describe(newest));
        Assert.Equal("1 2", Describe(before));
        Assert.Equal("3 4 5 +more", Describe(after));
        Assert.Equal("4 5", Describe(between));
        Assert.Equal("", Describe(tail));
    }

    [Fact]
    public async Task ANewChatIsAtVersionZeroAndEachMessageTakesTheNextVersion()
    {
        var a = await CreateUserAsync("ver_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("versions", a));

        var first = await SendAsync(chat, a, "one");
        var appended = await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "two", Now());

        Assert.Equal(0, chat.Version);
        Assert.Equal(2, (await S.Chats.FindAsync(chat.Id))!.Version);
        Assert.Equal((1L, 1L), (first.Version, first.CreatedVersion));
        Assert.Equal((2L, 2L, 2L), (appended!.Value.Message.Version, appended.Value.Chat.Version, appended.Value.Chat.LastSeq));
        Assert.Equal((MessageKind.Text, false, (DateTimeOffset?)null), (first.Kind, first.Deleted, first.EditedAt));
    }

    [Fact]
    public async Task ChangedMessagesAreReadAfterAVersionOldestChangeFirstInPages()
    {
        var a = await CreateUserAsync("feed_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("feed", a));
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync(chat, a, $"m{i}");
        }

        var afterTwo = await S.Chats.GetChangedMessagesAsync(chat.Id, 2, 2);
        var rest = await S.Chats.GetChangedMessagesAsync(chat.Id, 4, 2);
        var none = await S.Chats.GetChangedMessagesAsync(chat.Id, 5, 2);

        Assert.Equal("3 4 +more", DescribeVersions(afterTwo));
        Assert.Equal("5", DescribeVersions(rest));
        Assert.Empty(none.Messages);
        Assert.Equal(["m3", "m4"], afterTwo.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task ConcurrentSendersGetEveryVersionExactlyOnce()
    {
        var a = await CreateUserAsync("verburst_a");
        var chat = (await S.Chats.CreateAsync(NewChat("verburst", a))).Chat;

        var messages = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => SendAsync(chat, a, $"m{i}"))));

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), messages.Select(m => m.Version).Order());
        Assert.All(messages, m => Assert.Equal(m.Seq, m.Version));
        Assert.Equal(50, (await S.Chats.FindAsync(chat.Id))?.Version);
    }

    [Fact]
    public async Task AnEditTakesTheNextVersionAndTheNewestMessagesPreviewFollowsIt()
    {
        var a = await CreateUserAsync("edit_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("edits", a));
        var first = await SendAsync(chat, a, "frist");
        var second = await SendAsync(chat, a, "teh newest");
        var at = Now();

        var editedOld = await S.Chats.EditMessageAsync(chat.Id, first.Id, "first", at);
        var editedNewest = await S.Chats.EditMessageAsync(chat.Id, second.Id, "the newest", at);

        Assert.Equal((3L, 1L, "first", at), (editedOld!.Message.Version, editedOld.Message.CreatedVersion, editedOld.Message.Content, editedOld.Message.EditedAt!.Value));
        Assert.Equal("teh newest", editedOld.Chat.LastMessage?.Content);
        Assert.Equal((4L, 4L, "the newest"), (editedNewest!.Message.Version, editedNewest.Chat.Version, editedNewest.Chat.LastMessage?.Content));
        Assert.Equal(2, editedNewest.Chat.LastSeq);
        Assert.Equal("3 4", DescribeVersions(await S.Chats.GetChangedMessagesAsync(chat.Id, 2, 10)));
    }

    [Fact]
    public async Task ADeletedMessageStaysAsATombstoneAndCannotBeEditedOrReactedTo()
    {
        var a = await CreateUserAsync("del_a");
        var b = await CreateUserAsync("del_b");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("deletes", a, b));
        var message = await SendAsync(chat, a, "take this back");
        await S.Chats.SetReactionAsync(chat.Id, message.Id, new Reactor(b.Id, b.UserName), "👍", on: true);

        var deleted = await S.Chats.DeleteMessageAsync(chat.Id, message.Id);
        var again = await S.Chats.DeleteMessageAsync(chat.Id, message.Id);

        Assert.True(deleted!.Changed);
        Assert.Equal((message.Id, 1L, "", true, 3L), (deleted.Message.Id, deleted.Message.Seq, deleted.Message.Content, deleted.Message.Deleted, deleted.Message.Version));
        Assert.Empty(deleted.Message.Reactions);
        Assert.Equal(("", true), (deleted.Chat.LastMessage?.Content, deleted.Chat.LastMessage?.Deleted));
        Assert.False(again!.Changed);
        Assert.Equal(3, again.Chat.Version);
        Assert.Null(await S.Chats.EditMessageAsync(chat.Id, message.Id, "no", Now()));
        Assert.Null(await S.Chats.SetReactionAsync(chat.Id, message.Id, new Reactor(b.Id, b.UserName), "👍", on: true));
        Assert.True((await S.Chats.FindMessageAsync(chat.Id, message.Id))!.Deleted);
    }

    [Fact]
    public async Task ReactionsKeepTheOrderFirstAddedAndEachPersonCountsOnce()
    {
        var a = await CreateUserAsync("react_a");
        var b = await CreateUserAsync("react_b");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("reactions", a, b));
        var message = await SendAsync(chat, a, "react to me");
        var ra = new Reactor(a.Id, a.UserName);
        var rb = new Reactor(b.Id, b.UserName);

        await S.Chats.SetReactionAsync(chat.Id, message.Id, rb, "🎉", on: true);
        await S.Chats.SetReactionAsync(chat.Id, message.Id, ra, "👍", on: true);
        await S.Chats.SetReactionAsync(chat.Id, message.Id, rb, "👍", on: true);
        var twice = await S.Chats.SetReactionAsync(chat.Id, message.Id, rb, "👍", on: true);
        var removed = await S.Chats.SetReactionAsync(chat.Id, message.Id, rb, "🎉", on: false);
        var removedAgain = await S.Chats.SetReactionAsync(chat.Id, message.Id, rb, "🎉", on: false);

        Assert.False(twice!.Changed);
        Assert.Equal(4, twice.Chat.Version);
        Assert.True(removed!.Changed);
        Assert.False(removedAgain!.Changed);
        var stored = (await S.Chats.FindMessageAsync(chat.Id, message.Id))!;
        Assert.Equal(5, stored.Version);
        Assert.Equal([("👍", "react_a,react_b")], stored.Reactions.Select(r => (r.Reaction, string.Join(',', r.Users.Select(u => u.UserName)))));
        var page = await S.Chats.GetMessagesAsync(chat.Id, null, null, 10);
        Assert.Equal(2, page.Messages.Single().Reactions.Single().Count);
    }

    [Fact]
    public async Task TheSameReactionFromOnePersonAtOnceIsStoredOnceAndTakesOneVersion()
    {
        var a = await CreateUserAsync("race_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("race", a));
        var message = await SendAsync(chat, a, "race");
        var reactor = new Reactor(a.Id, a.UserName);

        var changes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => S.Chats.SetReactionAsync(chat.Id, message.Id, reactor, "❤️", on: true))));

        Assert.Equal(1, changes.Count(c => c!.Changed));
        Assert.Equal(1, (await S.Chats.FindMessageAsync(chat.Id, message.Id))!.Reactions.Single().Count);
        Assert.Equal(2, (await S.Chats.FindAsync(chat.Id))!.Version);
    }

    [Fact]
    public async Task AMessageIsFoundOnlyInItsOwnChat()
    {
        var a = await CreateUserAsync("where_a");
        var (one, _) = await S.Chats.CreateAsync(NewChat("one", a));
        var (other, _) = await S.Chats.CreateAsync(NewChat("other", a));
        var message = await SendAsync(one, a, "here");

        Assert.NotNull(await S.Chats.FindMessageAsync(one.Id, message.Id));
        Assert.Null(await S.Chats.FindMessageAsync(other.Id, message.Id));
        Assert.Null(await S.Chats.EditMessageAsync(other.Id, message.Id, "hijack", Now()));
        Assert.Null(await S.Chats.DeleteMessageAsync(other.Id, message.Id));
        Assert.Null(await S.Chats.SetReactionAsync(other.Id, message.Id, new Reactor(a.Id, a.UserName), "👍", on: true));
    }

    private async Task<List<string>> SearchAsync(ChatUser user, string text, string? chatId = null) =>
        [.. (await S.Chats.SearchAsync(user.Id, HtmxChat.Web.Chats.SearchQuery.Parse(text), chatId, null, 20)).Hits.Select(h => h.Message.Content)];

    [Fact]
    public async Task SearchFindsWordsWithoutCaseOrAccentsNewestFirstInThePersonsChatsOnly()
    {
        var a = await CreateUserAsync("find_a");
        var b = await CreateUserAsync("find_b");
        var c = await CreateUserAsync("find_c");
        var (ab, _) = await S.Chats.CreateAsync(NewChat("ab", a, b));
        var (bc, _) = await S.Chats.CreateAsync(NewChat("bc", b, c));
        var start = Now();
        await SendAsync(ab, a, "Meet at the Café Zoë", start);
        await SendAsync(ab, b, "the cafe is closed", start.AddSeconds(1));
        await SendAsync(bc, c, "cafe for c only", start.AddSeconds(2));

        Assert.Equal(["the cafe is closed", "Meet at the Café Zoë"], await SearchAsync(a, "CAFE"));
        Assert.Equal(["Meet at the Café Zoë"], await SearchAsync(a, "zoe"));
        Assert.Equal(["cafe for c only", "the cafe is closed", "Meet at the Café Zoë"], await SearchAsync(b, "cafe"));
        Assert.Equal(["the cafe is closed", "Meet at the Café Zoë"], await SearchAsync(b, "cafe", chatId: ab.Id));
    }

    [Fact]
    public async Task SearchFindsEditedMessagesByTheirNewTextAndNeverDeletedOnes()
    {
        var a = await CreateUserAsync("fedit_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("fedit", a));
        var edited = await SendAsync(chat, a, "original wording");
        var deleted = await SendAsync(chat, a, "secret plans");
        await S.Chats.EditMessageAsync(chat.Id, edited.Id, "revised wording", Now());
        await S.Chats.DeleteMessageAsync(chat.Id, deleted.Id);

        Assert.Empty(await SearchAsync(a, "original"));
        Assert.Equal(["revised wording"], await SearchAsync(a, "revised"));
        Assert.Empty(await SearchAsync(a, "secret"));
    }

    [Fact]
    public async Task SearchTakesPrefixesPhrasesAndExclusionsAndTreatsEverythingElseAsText()
    {
        var a = await CreateUserAsync("fsyn_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("fsyn", a));
        var start = Now();
        await SendAsync(chat, a, "deploy the release tonight", start);
        await SendAsync(chat, a, "release notes are ready", start.AddSeconds(1));
        await SendAsync(chat, a, "tonight we release", start.AddSeconds(2));

        Assert.Equal(3, (await SearchAsync(a, "rele")).Count);
        Assert.Equal(["deploy the release tonight"], await SearchAsync(a, "\"the release\""));
        Assert.Equal(["release notes are ready"], await SearchAsync(a, "release -tonight"));
        foreach (var odd in new[] { "\"", "NEAR(", "*", "-", "\"unbalanced", "(release", "release)", "NOT", "release AND", "^release", "col:release", "'" })
        {
            var found = await S.Chats.SearchAsync(a.Id, HtmxChat.Web.Chats.SearchQuery.Parse(odd), null, null, 20);
            Assert.NotNull(found);
        }
        Assert.Equal(3, (await SearchAsync(a, "(release")).Count);
    }

    [Fact]
    public async Task SearchPagesWithACursorWithoutRepeatsOrGaps()
    {
        var a = await CreateUserAsync("fpage_a");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("fpage", a));
        var at = Now();
        for (var i = 1; i <= 7; i++)
        {
            // Two messages share each timestamp: the cursor must tell them apart.
            await SendAsync(chat, a, $"needle {i}", at.AddSeconds(i / 2));
        }

        var seen = new List<string>();
        HtmxChat.Web.Chats.SearchCursor? cursor = null;
        do
        {
            var page = await S.Chats.SearchAsync(a.Id, HtmxChat.Web.Chats.SearchQuery.Parse("needle"), null, cursor, 3);
            seen.AddRange(page.Hits.Select(h => h.Message.Content));
            cursor = HtmxChat.Web.Chats.SearchCursor.Decode(page.Next);
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(1, 7).Reverse().Select(i => $"needle {i}"), seen);
    }

    [Fact]
    public async Task UnreadMentionsAreCountedUntilReadAndFollowEditsAndDeletions()
    {
        var a = await CreateUserAsync("ment_a");
        var b = await CreateUserAsync("ment_b");
        var (chat, _) = await S.Chats.CreateAsync(NewChat("mentions", a, b));
        Mention[] bob = [new(b.Id, b.UserName)];

        var first = (await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "@ment_b one", Now(), mentions: bob))!.Value;
        var second = (await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "@ment_b two", Now(), mentions: bob))!.Value;
        var afterTwo = await S.Chats.FindAsync(chat.Id);
        await S.Chats.EditMessageAsync(chat.Id, first.Message.Id, "no one", Now(), mentions: []);
        var afterEdit = await S.Chats.FindAsync(chat.Id);
        await S.Chats.DeleteMessageAsync(chat.Id, second.Message.Id);
        var afterDelete = await S.Chats.FindAsync(chat.Id);
        var third = (await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "@ment_b three", Now(), mentions: bob))!.Value;
        await S.Chats.MarkReadAsync(chat.Id, b.Id, third.Message.Seq);
        var afterRead = await S.Chats.FindAsync(chat.Id);

        Assert.Equal([b.UserName], second.Message.Mentions.Select(m => m.UserName));
        Assert.Equal(2, afterTwo!.MentionCountFor(b.Id));
        Assert.Equal(0, afterTwo.MentionCountFor(a.Id));
        Assert.Equal(1, afterEdit!.MentionCountFor(b.Id));
        Assert.Equal(0, afterDelete!.MentionCountFor(b.Id));
        Assert.Equal(1, third.Chat.MentionCountFor(b.Id));
        Assert.Equal(0, afterRead!.MentionCountFor(b.Id));
        Assert.Empty((await S.Chats.FindMessageAsync(chat.Id, first.Message.Id))!.Mentions);
    }

    private static string DescribeVersions(MessagePage page) =>
        string.Join(' ', page.Messages.Select(m => m.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(page.HasMore ? "+more" : null).OfType<string>());

    private static string Describe(MessagePage page) =>
        string.Join(' ', page.Messages.Select(m => m.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(page.HasMore ? "+more" : null).OfType<string>());

    [Fact]
    public async Task ReadMarkerOnlyMovesForwardAndOnlyForParticipants()
    {
        var a = await CreateUserAsync("read_a");
        var b = await CreateUserAsync("read_b");
        var outsider = await CreateUserAsync("read_c");
        var chat = (await S.Chats.CreateAsync(NewChat("reads", a, b))).Chat;
        for (var i = 0; i < 4; i++)
        {
            await SendAsync(chat, a, $"m{i}");
        }

        Assert.True(await S.Chats.MarkReadAsync(chat.Id, b.Id, 3));
        Assert.True(await S.Chats.MarkReadAsync(chat.Id, b.Id, 1));
        Assert.False(await S.Chats.MarkReadAsync(chat.Id, outsider.Id, 4));

        var stored = await S.Chats.FindAsync(chat.Id);
        Assert.Equal(3, stored?.Participant(b.Id)?.ReadSeq);
        Assert.Equal(1, stored?.UnreadCountFor(b.Id));
        Assert.Equal(0, stored?.UnreadCountFor(outsider.Id));
    }

    private async Task<(Message Line, Chat Chat)?> ChangeAsync(Chat chat, ChatDetailsChange change, ChatUser actor, string line) =>
        await S.Chats.ChangeDetailsAsync(chat.Id, change, actor.Id, actor.UserName, line, Now(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task ARenameIsOneVersionWithASystemLineAndBecomesTheDetailsVersion()
    {
        var a = await CreateUserAsync("ren_a");
        var b = await CreateUserAsync("ren_b");
        var chat = (await S.Chats.CreateAsync(NewChat("before", a, b))).Chat;
        await SendAsync(chat, b, "hello");

        var renamed = await ChangeAsync(chat, new ChatDetailsChange.Rename("after"), a, "ren_a renamed the chat to \"after\"");
        var cleared = await ChangeAsync(chat, new ChatDetailsChange.Rename(null), a, "ren_a removed the chat's title");

        Assert.NotNull(renamed);
        Assert.Equal((2, 2, MessageKind.System), (renamed.Value.Line.Seq, renamed.Value.Line.Version, renamed.Value.Line.Kind));
        Assert.Equal(("after", 2L, 2L), (renamed.Value.Chat.Title, renamed.Value.Chat.Version, renamed.Value.Chat.DetailsVersion));
        var stored = await S.Chats.FindAsync(chat.Id);
        Assert.Null(stored!.Title);
        Assert.Equal((3L, 3L, 3L), (stored.Version, stored.DetailsVersion, stored.LastSeq));
        Assert.Equal("ren_a removed the chat's title", stored.LastMessage?.Content);
        Assert.Equal(0, stored.UnreadCountFor(a.Id));
        Assert.Equal(2, stored.UnreadCountFor(b.Id));
        var log = await S.Chats.GetMessagesAsync(chat.Id, null, null, 10);
        Assert.Equal([MessageKind.Text, MessageKind.System, MessageKind.System], log.Messages.Select(m => m.Kind));
        Assert.Equal(a.Id, log.Messages[1].SenderId);
    }

    [Fact]
    public async Task AddedPeopleSeeTheHistoryWithOnlyTheirJoiningUnreadAndAreNotAddedTwice()
    {
        var a = await CreateUserAsync("add_a");
        var b = await CreateUserAsync("add_b");
        var c = await CreateUserAsync("add_c");
        var chat = (await S.Chats.CreateAsync(NewChat("group", a, b))).Chat;
        await SendAsync(chat, b, "before c came");
        var joining = new ChatDetailsChange.AddPeople([new ChatParticipant { UserId = c.Id, UserName = c.UserName }]);

        var added = await ChangeAsync(chat, joining, a, "add_a added add_c");
        var again = await ChangeAsync(chat, joining, a, "add_a added add_c");

        Assert.NotNull(added);
        Assert.Null(again);
        var stored = await S.Chats.FindAsync(chat.Id);
        Assert.Equal(["add_a", "add_b", "add_c"], stored!.Participants.Select(p => p.UserName));
        Assert.Equal(1, stored.UnreadCountFor(c.Id));
        Assert.Equal(2, stored.Version);
        Assert.Contains(await S.Chats.ListForUserAsync(c.Id, 10), listed => listed.Id == chat.Id);
        Assert.Equal(["before c came", "add_a added add_c"], (await S.Chats.GetMessagesAsync(chat.Id, null, null, 10)).Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task ARemovedPersonLosesTheChatAndItsSearchButTheLogKeepsTheirMessages()
    {
        var a = await CreateUserAsync("rem_a");
        var b = await CreateUserAsync("rem_b");
        var c = await CreateUserAsync("rem_c");
        var chat = (await S.Chats.CreateAsync(NewChat("team", a, b, c))).Chat;
        await SendAsync(chat, c, "a remarkable message");

        var removed = await ChangeAsync(chat, new ChatDetailsChange.RemovePerson(c.Id), a, "rem_a removed rem_c");
        var twice = await ChangeAsync(chat, new ChatDetailsChange.RemovePerson(c.Id), a, "rem_a removed rem_c");

        Assert.NotNull(removed);
        Assert.Null(twice);
        Assert.False(removed.Value.Chat.HasParticipant(c.Id));
        Assert.DoesNotContain(await S.Chats.ListForUserAsync(c.Id, 10), listed => listed.Id == chat.Id);
        Assert.Empty(await SearchAsync(c, "remarkable"));
        Assert.Equal(["a remarkable message"], await SearchAsync(a, "remarkable"));
        Assert.False(await S.Chats.MarkReadAsync(chat.Id, c.Id, 2));
        Assert.Empty(await SearchAsync(a, "removed"));
    }

    [Fact]
    public async Task ADetailsChangeToAChatThatDoesNotExistIsNull()
    {
        var a = await CreateUserAsync("nochat_a");

        Assert.Null(await S.Chats.ChangeDetailsAsync(Ids.New(), new ChatDetailsChange.Rename("x"), a.Id, a.UserName, "line", Now()));
        Assert.Null(await S.Chats.ChangeDetailsAsync("not-an-id", new ChatDetailsChange.Rename("x"), a.Id, a.UserName, "line", Now()));
    }

    [Fact]
    public async Task KeysAreKeptAndTheFirstSecretWins()
    {
        S.Keys.AddDataProtectionKey("key-1", "<key id=\"1\" />");
        S.Keys.AddDataProtectionKey("key-2", "<key id=\"2\" />");

        var first = S.Keys.GetOrAddSecret("jwt", "first");
        var second = S.Keys.GetOrAddSecret("jwt", "second");

        Assert.Equal(["<key id=\"1\" />", "<key id=\"2\" />"], S.Keys.GetDataProtectionKeys().Order());
        Assert.Equal(("first", "first"), (first, second));
        Assert.True(await S.Health.PingAsync());
    }

    private static Attachment NewUpload(Chat chat, ChatUser uploader, byte[] bytes, string name = "notes.txt", DateTimeOffset? at = null) =>
        new(Ids.New(), chat.Id, uploader.Id, name, FileTypes.Text, bytes.Length, at ?? Now())
        {
            ContentHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
        };

    private async Task<Attachment> UploadAsync(Chat chat, ChatUser uploader, byte[] bytes, string name = "notes.txt", DateTimeOffset? at = null)
    {
        var upload = NewUpload(chat, uploader, bytes, name, at);
        await S.Attachments.AddAsync(upload, new MemoryStream(bytes), null, TestContext.Current.CancellationToken);
        return upload;
    }

    private async Task<byte[]?> ReadAllAsync(Attachment attachment, AttachmentPart part = AttachmentPart.Content)
    {
        await using var stream = await S.Attachments.OpenReadAsync(attachment, part, TestContext.Current.CancellationToken);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        return copy.ToArray();
    }

    private static byte[] Bytes(int length, int seed = 1) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 31 + seed) % 251))];

    [Fact]
    public async Task AnUploadIsStoredUnsentWithItsBytesAndThumbnail()
    {
        var (a, b) = (await CreateUserAsync("upa"), await CreateUserAsync("upb"));
        var chat = (await S.Chats.CreateAsync(NewChat("files", a, b))).Chat;
        var bytes = Bytes(300_000);
        var thumbnail = Bytes(500, seed: 7);
        var upload = NewUpload(chat, a, bytes, "photo.png") with
        {
            ContentType = FileTypes.Png,
            Width = 1200,
            Height = 800,
            ThumbnailHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(thumbnail)),
            ThumbnailType = FileTypes.WebP,
        };

        await S.Attachments.AddAsync(upload, new MemoryStream(bytes), new MemoryStream(thumbnail), TestContext.Current.CancellationToken);

        Assert.Equal(upload, await S.Attachments.FindAsync(upload.Id, TestContext.Current.CancellationToken));
        Assert.Equal(bytes, await ReadAllAsync(upload));
        Assert.Equal(thumbnail, await ReadAllAsync(upload, AttachmentPart.Thumbnail));
        Assert.Null(await S.Attachments.FindAsync(Ids.New(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StoredBytesCanBeReadFromAnyOffset()
    {
        var (a, b) = (await CreateUserAsync("rga"), await CreateUserAsync("rgb"));
        var chat = (await S.Chats.CreateAsync(NewChat("ranges", a, b))).Chat;
        var bytes = Bytes(1_000_000);
        var upload = await UploadAsync(chat, a, bytes);

        await using var stream = await S.Attachments.OpenReadAsync(upload, AttachmentPart.Content, TestContext.Current.CancellationToken);
        Assert.NotNull(stream);
        Assert.True(stream.CanSeek);
        Assert.Equal(bytes.Length, stream.Length);
        stream.Seek(700_000, SeekOrigin.Begin);
        var part = new byte[1000];
        await stream.ReadExactlyAsync(part, TestContext.Current.CancellationToken);

        Assert.Equal(bytes[700_000..701_000], part);
    }

    [Fact]
    public async Task AnUploadThatFailsMidwayLeavesNothingBehind()
    {
        var (a, b) = (await CreateUserAsync("cra"), await CreateUserAsync("crb"));
        var chat = (await S.Chats.CreateAsync(NewChat("crash", a, b))).Chat;
        var bytes = Bytes(400_000);
        var upload = NewUpload(chat, a, bytes);

        await Assert.ThrowsAsync<IOException>(() => S.Attachments.AddAsync(upload, new BreaksAfter(bytes, 150_000), null, TestContext.Current.CancellationToken));

        Assert.Null(await S.Attachments.FindAsync(upload.Id, TestContext.Current.CancellationToken));
        Assert.Null(await ReadAllAsync(upload));
    }

    [Fact]
    public async Task SendingAMessageTakesTheSendersUploadsInTheOrderNamed()
    {
        var (a, b) = (await CreateUserAsync("sna"), await CreateUserAsync("snb"));
        var chat = (await S.Chats.CreateAsync(NewChat("send", a, b))).Chat;
        var first = await UploadAsync(chat, a, Bytes(10, 1), "first.txt");
        var second = await UploadAsync(chat, a, Bytes(10, 2), "second.txt");

        var sent = await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "", Now(), attachments: [second, first], ct: TestContext.Current.CancellationToken);

        var message = sent!.Value.Message;
        Assert.Equal(["second.txt", "first.txt"], message.Attachments.Select(x => x.FileName));
        Assert.All(message.Attachments, x => Assert.Equal(message.Id, x.MessageId));
        Assert.Equal("📎 second.txt, first.txt", sent.Value.Chat.LastMessage!.Content);
        var read = (await S.Chats.GetMessagesAsync(chat.Id, null, null, 10, TestContext.Current.CancellationToken)).Messages.Single();
        Assert.Equal(message.Attachments, read.Attachments);
        Assert.Equal(message.Id, (await S.Attachments.FindAsync(first.Id, TestContext.Current.CancellationToken))!.MessageId);
    }

    [Fact]
    public async Task AnUploadIsSentOnceAndOnlyBySomeoneWhoUploadedItToThatChat()
    {
        var (a, b) = (await CreateUserAsync("ona"), await CreateUserAsync("onb"));
        var chat = (await S.Chats.CreateAsync(NewChat("once", a, b))).Chat;
        var other = (await S.Chats.CreateAsync(NewChat("other", a, b))).Chat;
        var mine = await UploadAsync(chat, a, Bytes(10));
        var elsewhere = await UploadAsync(other, a, Bytes(11));
        await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "here", Now(), attachments: [mine], ct: TestContext.Current.CancellationToken);
        var fresh = await UploadAsync(chat, a, Bytes(12));

        await Assert.ThrowsAsync<AttachmentsNotAvailableException>(() =>
            S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "again", Now(), attachments: [fresh, mine], ct: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<AttachmentsNotAvailableException>(() =>
            S.Chats.AppendMessageAsync(chat.Id, b.Id, b.UserName, "not mine", Now(), attachments: [fresh], ct: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<AttachmentsNotAvailableException>(() =>
            S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "other chat", Now(), attachments: [elsewhere], ct: TestContext.Current.CancellationToken));

        // Nothing of a refused send is kept: no message, no seq, and the good upload is still unsent.
        var after = await S.Chats.FindAsync(chat.Id, TestContext.Current.CancellationToken);
        Assert.Equal(1, after!.LastSeq);
        Assert.Null((await S.Attachments.FindAsync(fresh.Id, TestContext.Current.CancellationToken))!.MessageId);
    }

    [Fact]
    public async Task DeletingAMessageDropsItsFilesAndReleasingThemFreesTheirBytes()
    {
        var (a, b) = (await CreateUserAsync("dla"), await CreateUserAsync("dlb"));
        var chat = (await S.Chats.CreateAsync(NewChat("deleting", a, b))).Chat;
        var shared = Bytes(5000, 1);
        var unique = await UploadAsync(chat, a, Bytes(5000, 2), "unique.txt");
        var sharedSent = await UploadAsync(chat, a, shared, "shared.txt");
        var sharedKept = await UploadAsync(chat, b, shared, "copy.txt");
        var sent = (await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "files", Now(), attachments: [unique, sharedSent], ct: TestContext.Current.CancellationToken))!.Value.Message;

        var deleted = await S.Chats.DeleteMessageAsync(chat.Id, sent.Id, TestContext.Current.CancellationToken);
        await S.Attachments.ReleaseAsync(sent.Attachments, TestContext.Current.CancellationToken);

        Assert.Empty(deleted!.Message.Attachments);
        Assert.Empty((await S.Chats.FindMessageAsync(chat.Id, sent.Id, TestContext.Current.CancellationToken))!.Attachments);
        Assert.Null(await S.Attachments.FindAsync(unique.Id, TestContext.Current.CancellationToken));
        Assert.Null(await S.Attachments.FindAsync(sharedSent.Id, TestContext.Current.CancellationToken));
        Assert.Null(await ReadAllAsync(unique));
        // Another upload of the same bytes keeps them.
        Assert.Equal(shared, await ReadAllAsync(sharedKept));
    }

    [Fact]
    public async Task UnsentUploadsAreFoundByAgeForTheSweep()
    {
        var (a, b) = (await CreateUserAsync("swa"), await CreateUserAsync("swb"));
        var chat = (await S.Chats.CreateAsync(NewChat("sweep", a, b))).Chat;
        var old = await UploadAsync(chat, a, Bytes(10, 1), at: Now().AddDays(-2));
        var oldButSent = await UploadAsync(chat, a, Bytes(10, 2), at: Now().AddDays(-2));
        var recent = await UploadAsync(chat, a, Bytes(10, 3));
        await S.Chats.AppendMessageAsync(chat.Id, a.Id, a.UserName, "sent", Now(), attachments: [oldButSent], ct: TestContext.Current.CancellationToken);

        var stale = await S.Attachments.FindUnsentAsync(Now().AddDays(-1), 100, TestContext.Current.CancellationToken);
        Assert.Equal([old.Id], stale.Select(x => x.Id));

        await S.Attachments.ReleaseAsync(stale, TestContext.Current.CancellationToken);
        Assert.Null(await S.Attachments.FindAsync(old.Id, TestContext.Current.CancellationToken));
        Assert.Null(await ReadAllAsync(old));
        Assert.NotNull(await ReadAllAsync(recent));
        Assert.NotNull(await ReadAllAsync(oldButSent));
    }

    /// <summary>A stream that gives part of its bytes and then fails, as a client that disconnects mid-upload.</summary>
    protected sealed class BreaksAfter(byte[] bytes, int failAt) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => Position >= failAt
            ? throw new IOException("The client went away.")
            : base.Read(buffer, offset, (int)Math.Min(count, failAt - Position));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Position >= failAt
            ? throw new IOException("The client went away.")
            : base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAt - Position)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
