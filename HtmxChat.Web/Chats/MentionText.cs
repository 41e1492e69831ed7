using System.Text.RegularExpressions;

namespace HtmxChat.Web.Chats;

/// <summary>
/// Where <c>@username</c> stands in a text: the one reading of mentions, for storing them when a message is sent or
/// edited and for highlighting them when it is shown.
/// </summary>
public static partial class MentionText
{
    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9._-]{1,40})")]
    private static partial Regex Token();

    /// <summary>False when the text has no <c>@name</c> at all: nothing in it can mention anyone.</summary>
    public static bool MayMention(string content) => Token().IsMatch(content);

    /// <summary>
    /// Each <c>@name</c> that <paramref name="resolve"/> knows (without regard to case; a full stop, dash or underscore
    /// right after the name ends the sentence, not the name), with the span of <c>@</c> and the name.
    /// </summary>
    public static IEnumerable<(int Index, int Length, T Who)> Find<T>(string content, Func<string, T?> resolve) where T : class
    {
        foreach (Match match in Token().Matches(content))
        {
            var name = match.Groups[1].Value;
            var trimmed = name.TrimEnd('.', '-', '_');
            if (resolve(name) is { } who)
            {
                yield return (match.Index, name.Length + 1, who);
            }
            else if (trimmed.Length > 0 && trimmed != name && resolve(trimmed) is { } whoTrimmed)
            {
                yield return (match.Index, trimmed.Length + 1, whoTrimmed);
            }
        }
    }
}
