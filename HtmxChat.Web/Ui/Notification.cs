using System.Globalization;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Ui;

/// <summary>UI.md's desktop notification: titled with the chat's name, its body <c>sender: text</c> cut to 100 characters.</summary>
public static class Notification
{
    public const int MaxBodyLength = 100;

    public static string Body(Message message)
    {
        var body = $"{message.SenderName}: {message.Content.ReplaceLineEndings(" ")}";
        var text = new StringInfo(body);
        return text.LengthInTextElements <= MaxBodyLength ? body : text.SubstringByTextElements(0, MaxBodyLength - 1) + "…";
    }
}
