using System.Text;
using System.Text.Encodings.Web;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Chats;

/// <summary>
/// What a person typed into Search, read the way people type it: words (all must match; the last one also as the
/// start of a word, as they type), "quoted phrases", and -words to leave out. Anything else (parentheses, NEAR,
/// stars, stray quotes) is plain text, never syntax, so no query is an error.
/// </summary>
public sealed record SearchQuery(IReadOnlyList<string> Phrases, IReadOnlyList<string> Excluded, bool LastIsPrefix)
{
    public const int MaxLength = 200;

    public bool IsEmpty => Phrases.Count == 0;

    public static SearchQuery Parse(string text)
    {
        var phrases = new List<string>();
        var excluded = new List<string>();
        var lastIsPrefix = false;
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var negated = text[i] == '-' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]);
            if (negated)
            {
                i++;
            }
            string term;
            bool quoted;
            if (text[i] == '"')
            {
                var end = text.IndexOf('"', i + 1);
                term = end < 0 ? text[(i + 1)..] : text[(i + 1)..end];
                i = end < 0 ? text.Length : end + 1;
                quoted = true;
            }
            else
            {
                var end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
                term = text[i..end];
                i = end;
                quoted = false;
            }
            var words = Words(term);
            if (words.Length == 0)
            {
                continue;
            }
            (negated ? excluded : phrases).Add(string.Join(' ', words));
            if (!negated)
            {
                lastIsPrefix = !quoted && i >= text.TrimEnd().Length;
            }
        }
        return new SearchQuery(phrases, excluded, lastIsPrefix);
    }

    /// <summary>The letters-and-digits runs of a term: what the index holds, whatever punctuation surrounds them.</summary>
    public static string[] Words(string term)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in term.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || rune.Value == '_')
            {
                current.Append(rune.ToString());
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
        return [.. words];
    }

    /// <summary>
    /// Everything in <paramref name="text"/> HTML-escaped except the stretches between <paramref name="open"/> and
    /// <paramref name="close"/>, which are wrapped in &lt;mark&gt;: a snippet that is safe to put into a page as is.
    /// </summary>
    public static string Highlight(string text, char open, char close)
    {
        var html = new StringBuilder();
        var plain = new StringBuilder();
        void Flush()
        {
            html.Append(HtmlEncoder.Default.Encode(plain.ToString()));
            plain.Clear();
        }
        var marking = false;
        foreach (var c in text)
        {
            if ((c == open && !marking) || (c == close && marking))
            {
                Flush();
                html.Append(marking ? "</mark>" : "<mark>");
                marking = !marking;
            }
            else if (c != open && c != close)
            {
                plain.Append(c);
            }
        }
        Flush();
        return marking ? html.Append("</mark>").ToString() : html.ToString();
    }
}

/// <summary>One match: the message as it is now, the chat it is in, and the matching text with each match marked.</summary>
public sealed record SearchHit(Message Message, Chat Chat, string SnippetHtml);

/// <summary>A page of matches, newest first, and the cursor for the next page (null at the end).</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Hits, string? Next);

/// <summary>Where the next page starts: just older than the last hit shown (by time, then by storage order).</summary>
public sealed record SearchCursor(long TimestampMs, string Tiebreak)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TimestampMs}:{Tiebreak}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static SearchCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            return null;
        }
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':', 2);
            // The stores' tiebreaks are a row number (SQLite) or an ObjectId (MongoDB): letters and digits only.
            return parts.Length == 2 && long.TryParse(parts[0], out var ts) && parts[1].Length is > 0 and <= 24 && parts[1].All(char.IsAsciiLetterOrDigit)
                ? new SearchCursor(ts, parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
