using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace HtmxChat.Web.Ui;

/// <summary>The unread badge: tiny and per viewer, so it is built here instead of rendering a view for each stream.</summary>
public static class ChatFragments
{
    public static IHtmlContent UnreadBadge(string chatId, long count, bool outOfBand = false)
    {
        var id = HtmlEncoder.Default.Encode(chatId);
        var oob = outOfBand ? " hx-swap-oob=\"true\"" : "";
        var text = count.ToString(CultureInfo.InvariantCulture);
        return new HtmlString(count > 0
            ? $"<span id=\"unread-{id}\" class=\"badge rounded-pill text-bg-primary unread\"{oob}>{text}<span class=\"visually-hidden\"> unread</span></span>"
            : $"<span id=\"unread-{id}\" class=\"badge rounded-pill text-bg-primary unread\" hidden{oob}></span>");
    }

    public static string UnreadBadgeHtml(string chatId, long count, bool outOfBand = false) => Html(UnreadBadge(chatId, count, outOfBand));

    /// <summary>The <c>@</c> badge of a chat with unread messages that mention the viewer.</summary>
    public static IHtmlContent MentionBadge(string chatId, long count, bool outOfBand = false)
    {
        var id = HtmlEncoder.Default.Encode(chatId);
        var oob = outOfBand ? " hx-swap-oob=\"true\"" : "";
        return new HtmlString(count > 0
            ? $"<span id=\"mentions-{id}\" class=\"badge rounded-pill text-bg-warning mention-badge\"{oob}>@<span class=\"visually-hidden\"> {count.ToString(CultureInfo.InvariantCulture)} unread mentioning you</span></span>"
            : $"<span id=\"mentions-{id}\" class=\"badge rounded-pill text-bg-warning mention-badge\" hidden{oob}></span>");
    }

    public static string MentionBadgeHtml(string chatId, long count, bool outOfBand = false) => Html(MentionBadge(chatId, count, outOfBand));

    private static string Html(IHtmlContent content)
    {
        using var writer = new StringWriter();
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
