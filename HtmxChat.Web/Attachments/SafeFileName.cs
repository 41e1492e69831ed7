using System.Globalization;
using System.Text;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Attachments;

/// <summary>
/// The name a file is kept and offered under: the last part of what the client sent, without path parts, control or
/// bidirectional-override characters, or characters that no file system takes; never empty.
/// </summary>
public static class SafeFileName
{
    public const int MaxLength = 120;

    public static string From(string? sent, string contentType)
    {
        var name = sent ?? "";
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var kept = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }
            kept.Append(rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' ? "_" : rune.ToString());
        }
        name = kept.ToString().Trim().Trim('.').Trim();
        if (name.Length == 0)
        {
            name = "file" + FileTypes.ExtensionOf(contentType);
        }
        return Shorten(name);
    }

    /// <summary>At most <see cref="MaxLength"/> characters, keeping the extension and whole characters.</summary>
    private static string Shorten(string name)
    {
        var info = new StringInfo(name);
        if (info.LengthInTextElements <= MaxLength)
        {
            return name;
        }
        var extension = Path.GetExtension(name) is { Length: <= 16 } e ? e : "";
        var stem = new StringInfo(name[..^extension.Length]);
        return stem.SubstringByTextElements(0, MaxLength - new StringInfo(extension).LengthInTextElements).TrimEnd() + extension;
    }
}
