using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>The seed's WebSocket as a client uses it: JSON text frames each way.</summary>
public static class ChatSocket
{
    public static async Task<WebSocket> ConnectAsync(AppFactory app, string token, bool tokenInQuery = false)
    {
        var client = app.Server.CreateWebSocketClient();
        if (!tokenInQuery)
        {
            client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
        }
        var query = tokenInQuery ? $"?access_token={token}" : "";
        return await client.ConnectAsync(new Uri($"ws://localhost/api/ws/chat{query}"), CancellationToken.None);
    }

    public static Task SendTextAsync(this WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next frame, passing over presence frames (they come whenever someone connects); ask for those by type.</summary>
    public static async Task<JsonElement> ReceiveJsonAsync(this WebSocket socket)
    {
        while (true)
        {
            var frame = await ReceiveAnyAsync(socket);
            if (!(frame.TryGetProperty("type", out var type) && type.GetString() == "presence"))
            {
                return frame;
            }
        }
    }

    private static async Task<JsonElement> ReceiveAnyAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[128 * 1024];
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), timeout.Token);
            length += result.Count;
        }
        while (!result.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
    }

    /// <summary>Skips frames until one of <paramref name="type"/> arrives.</summary>
    public static async Task<JsonElement> ReceiveOfTypeAsync(this WebSocket socket, string type)
    {
        while (true)
        {
            var frame = await ReceiveAnyAsync(socket);
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }
}
