using Microsoft.OpenApi;

namespace HtmxChat.Web.Api;

/// <summary>The OpenAPI document at /openapi/v1.json: the bearer scheme, and which operations need it.</summary>
public static class ApiDocumentation
{
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "HtmxChat API",
                    Version = "v1",
                    Description = "Chats, messages and live events for external clients. Get a token from POST /api/login " +
                        "(OAuth2 password grant) and send it as `Authorization: Bearer <token>`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [ApiAuthentication.Scheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        BearerFormat = "JWT",
                        Description = "A token from POST /api/login.",
                    },
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var needsToken = metadata.Contains(ApiAuthentication.AuthenticatedByEndpoint)
                    || (metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any() && !metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any());
                if (needsToken)
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiAuthentication.Scheme, context.Document)] = [] }];
                }
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer(ApiExamples.AddAsync);
        });
        return services;
    }
}
