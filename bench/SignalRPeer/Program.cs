// The peers of bench/HtmxChat.Bench: a SignalR hub every client joins over WebSockets, bare server-sent event streams
// (GET /events; with Streams:Auth=framework behind ASP.NET Core's bearer-token check, with Streams:Auth=endpoint behind
// the same check made by the endpoint itself, keeping nothing of it; tokens from POST /token), and a send route that
// hands each message (the same shape as HtmxChat's API Message) to every hub connection and every stream. Nothing is
// stored: the SignalR hub is the floor a SignalR chat would start from, the bare streams the floor of any chat that
// streams events from Kestrel (behind a token check, of one that knows who reads), not chat servers.
using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR(o =>
{
    o.KeepAliveInterval = TimeSpan.FromSeconds(15);
    // The benchmark's clients do not ping; HtmxChat's streams do not need them to either.
    o.ClientTimeoutInterval = TimeSpan.FromHours(1);
});
// Configured, not always on: the framework's authentication middleware would otherwise run for the plain streams too.
var auth = builder.Configuration["Streams:Auth"] ?? "none";
var signingKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
var tokenCheck = new TokenValidationParameters { IssuerSigningKey = signingKey, ValidateIssuer = false, ValidateAudience = false };
if (auth == "framework")
{
    builder.Services.AddAuthentication().AddJwtBearer(o =>
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = tokenCheck;
    });
    builder.Services.AddAuthorization();
}
var app = builder.Build();
app.UseWebSockets();
app.MapHub<ChatHub>("/hub");
app.MapGet("/health", () => "ok");

var chatId = Guid.NewGuid().ToString("N")[..24];
long seq = 0;
var streams = new BareStreams();
var tokens = new JsonWebTokenHandler { MapInboundClaims = false };
var events = auth == "endpoint"
    ? app.MapGet("/events", async context =>
    {
        // The token checked here, and nothing of the check kept for the life of the stream.
        if (context.Request.Headers.Authorization.ToString() is not ['B', 'e', 'a', 'r', 'e', 'r', ' ', .. var token]
            || !(await tokens.ValidateTokenAsync(token, tokenCheck)).IsValid)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        await streams.FollowAsync(context);
    })
    : app.MapGet("/events", streams.FollowAsync);
if (auth == "framework")
{
    events.RequireAuthorization();
}
// The smallest token that names a reader: who, and until when.
app.MapPost("/token", () => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
{
    Subject = new ClaimsIdentity([new Claim("sub", "reader")]),
    Expires = DateTime.UtcNow.AddHours(1),
    SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.HmacSha256),
}));
app.MapPost("/api/messages", async (SendRequest request, IHubContext<ChatHub> hub) =>
{
    var next = Interlocked.Increment(ref seq);
    var message = new Message($"{next:x24}", chatId, next, next, "text", "sender", "bench", request.Content ?? "", DateTimeOffset.UtcNow,
        null, false, null, [], [], []);
    await hub.Clients.All.SendAsync("message", message);
    await streams.SendAsync(message);
    return Results.Created($"/api/messages/{next}", message);
});
app.Run();

/// <summary>
/// Event streams with nothing but Kestrel under them: each message is formatted once and written to every open stream
/// by one loop per core, a write and a flush each, one message after another.
/// </summary>
internal sealed class BareStreams
{
    private readonly ConcurrentDictionary<HttpResponse, byte> _open = new();
    private readonly SemaphoreSlim _oneAtATime = new(1);
    private long _sent;

    public async Task FollowAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.BodyWriter.Write("retry: 2000\n\n"u8);
        await response.BodyWriter.FlushAsync();
        _open.TryAdd(response, 0);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await _oneAtATime.WaitAsync();
            _open.TryRemove(response, out _);
            _oneAtATime.Release();
        }
    }

    public async Task SendAsync(Message message)
    {
        await _oneAtATime.WaitAsync();
        try
        {
            // Numbered here, one message at a time, so every stream sees them in the order they are written.
            var seq = ++_sent;
            var frame = Encoding.UTF8.GetBytes($"event: message.created\ndata: {JsonSerializer.Serialize(message with { Seq = seq, Version = seq }, JsonSerializerOptions.Web)}\nid: {seq}\n\n");
            var all = _open.Keys.ToArray();
            var loops = Environment.ProcessorCount;
            await Task.WhenAll(Enumerable.Range(0, loops).Select(loop => Task.Run(async () =>
            {
                for (var i = loop; i < all.Length; i += loops)
                {
                    var writer = all[i].BodyWriter;
                    writer.Write(frame);
                    var flushing = writer.FlushAsync();
                    if (!flushing.IsCompletedSuccessfully)
                    {
                        await flushing;
                    }
                }
            })));
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}

internal sealed class ChatHub : Hub;

internal sealed record SendRequest(string? Content);

internal sealed record Message(
    string Id, string ChatId, long Seq, long Version, string Kind, string SenderId, string SenderName, string Content, DateTimeOffset Timestamp,
    DateTimeOffset? EditedAt, bool Deleted, object? ReplyTo, object[] Mentions, object[] Reactions, object[] Attachments);
