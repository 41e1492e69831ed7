using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;

namespace HtmxChat.Tests.Chats;

public sealed class ChatServiceRulesTests
{
    [Theory]
    [InlineData("", "Write a message first.")]
    [InlineData("   \n\t ", "Write a message first.")]
    [InlineData(null, "Write a message first.")]
    public void EmptyContentIsRefused(string? content, string error) => Assert.Equal(error, ChatService.ValidateContent(content));

    [Fact]
    public void ContentIsMeasuredAfterTrimmingInCharactersNotUtf16Units()
    {
        Assert.Null(ChatService.ValidateContent(new string('x', 4000)));
        Assert.Null(ChatService.ValidateContent("  " + new string('x', 4000) + "\n"));
        Assert.Null(ChatService.ValidateContent(string.Concat(Enumerable.Repeat("😀", 4000))));
        Assert.Contains("at most 4000", ChatService.ValidateContent(new string('x', 4001)));
    }

    [Theory]
    [InlineData(null, null, 0, "limit")]
    [InlineData(null, null, 101, "limit")]
    [InlineData(0L, null, null, "before")]
    [InlineData(null, -1L, null, "after")]
    [InlineData(5L, 5L, null, "after must be less than before")]
    public void BadPagingIsRefused(long? before, long? after, int? limit, string mentions) =>
        Assert.Contains(mentions, ChatService.ValidatePaging(before, after, limit)?.Error);

    [Fact]
    public void GoodPagingIsAccepted() => Assert.Null(ChatService.ValidatePaging(10, 2, 100));

    [Theory]
    [InlineData("alice, bob", new[] { "alice", "bob" })]
    [InlineData("alice bob\tcarol", new[] { "alice", "bob", "carol" })]
    [InlineData(" ,, ", new string[0])]
    public void ParticipantsAreSeparatedByCommasOrSpaces(string typed, string[] names) =>
        Assert.Equal(names, ChatService.ParseParticipants(typed));

    [Fact]
    public void AnUntitledChatIsNamedAfterTheOtherParticipants()
    {
        var chat = new Chat
        {
            Participants = [.. new[] { "me", "ann", "bo", "cy", "di" }.Select(n => new ChatParticipant { UserId = n, UserName = n })],
        };

        Assert.Equal("ann, bo, cy and 1 more", chat.TitleFor("me"));
        Assert.Equal("me, ann, bo and 2 more", chat.TitleFor("outsider"));
        Assert.Equal("Named", new Chat { Title = "Named" }.TitleFor("me"));
    }
}
