using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HtmxChat.Web.Api;

/// <summary>Example values shown in /docs for the request bodies.</summary>
internal static class ApiExamples
{
    private static readonly Dictionary<Type, Func<JsonNode>> Examples = new()
    {
        [typeof(RegisterRequest)] = () => new JsonObject { ["username"] = "asha", ["email"] = "asha@example.com", ["password"] = "correct horse battery", ["timeZone"] = "Asia/Kolkata" },
        [typeof(CreateChatRequest)] = () => new JsonObject { ["participants"] = new JsonArray("ravi", "meera"), ["title"] = "Weekend plans" },
        [typeof(SendMessageRequest)] = () => new JsonObject { ["content"] = "Hello!" },
        [typeof(ReadRequest)] = () => new JsonObject { ["seq"] = 42 },
        [typeof(LoginRequest)] = () => new JsonObject { ["username"] = "asha", ["password"] = "correct horse battery", ["grant_type"] = "password" },
    };

    public static Task AddAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [example()];
        }
        return Task.CompletedTask;
    }
}
