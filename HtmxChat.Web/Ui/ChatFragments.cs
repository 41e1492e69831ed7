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

    public static string UnreadBadgeHtml(string chatId, long count, bool outOfBand = false)
    {
        using var writer = new StringWriter();
        UnreadBadge(chatId, count, outOfBand).WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
