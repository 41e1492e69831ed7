using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace HtmxChat.Web.Ui;

/// <summary>Small fragments (badges, notices), some per viewer: built here instead of rendering a view for each stream.</summary>
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

    /// <summary>Takes a chat's row out of the list (its viewer was removed from the chat).</summary>
    public static string RemovedRowHtml(string chatId) =>
        $"<li id=\"chat-row-{HtmlEncoder.Default.Encode(chatId)}\" hx-swap-oob=\"delete\"></li>";

    /// <summary>In place of the send form and the Chat details of a chat the viewer was just removed from.</summary>
    public const string NoLongerInChatHtml =
        "<div id=\"send-form\" class=\"p-3 border-top text-body-secondary\" role=\"status\" hx-swap-oob=\"true\">" +
        "You are no longer in this chat. <a href=\"/chats\">Back to your chats</a></div>" +
        "<details id=\"chat-details\" hidden hx-swap-oob=\"true\"></details>";

    private static string Html(IHtmlContent content)
    {
        using var writer = new StringWriter();
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
