using System.Xml.Linq;
using HtmxChat.Web.Storage.Mongo;
using HtmxChat.Web.Storage.Sqlite;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Storage;

public static class StorageExtensions
{
    /// <summary>MongoDB when <c>MONGO_URI</c> or <c>ConnectionStrings:Mongo</c> is set, else the embedded SQLite file.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration("Storage")
            .Configure(o =>
            {
                o.MongoUri = configuration["MONGO_URI"] is { Length: > 0 } uri ? uri : configuration.GetConnectionString("Mongo") ?? o.MongoUri;
                o.SqliteConnectionString = configuration.GetConnectionString("Sqlite") ?? o.SqliteConnectionString;
            })
            .ValidateDataAnnotations()
            .Validate(o => !o.UsesMongo || IsMongoUri(o.MongoUri!), "MONGO_URI (or ConnectionStrings:Mongo) is not a valid MongoDB connection string.")
            .ValidateOnStart();

        var usesMongo = configuration["MONGO_URI"] is { Length: > 0 } || configuration.GetConnectionString("Mongo") is { Length: > 0 };
        if (usesMongo)
        {
            builder.Services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                return MongoDatabase.Connect(options.MongoUri!, options.MongoDatabase);
            });
            builder.Services.AddSingleton<IUserRepository, MongoUserRepository>();
            builder.Services.AddSingleton<IChatRepository, MongoChatRepository>();
            builder.Services.AddSingleton<IAttachmentStore, MongoAttachmentStore>();
            builder.Services.AddSingleton<MongoKeyStore>();
            builder.Services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<MongoKeyStore>());
            builder.Services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<MongoKeyStore>());
            builder.Services.AddHostedService<MongoIndexInitializer>();
        }
        else
        {
            builder.Services.AddSingleton<SqliteDatabase>();
            builder.Services.AddSingleton<IUserRepository, SqliteUserRepository>();
            builder.Services.AddSingleton<IChatRepository, SqliteChatRepository>();
            builder.Services.AddSingleton<IAttachmentStore, SqliteAttachmentStore>();
            builder.Services.AddSingleton<SqliteKeyStore>();
            builder.Services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<SqliteKeyStore>());
            builder.Services.AddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteKeyStore>());
        }

        builder.Services.AddDataProtection().SetApplicationName("HtmxChat");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new StoredXmlRepository(sp.GetRequiredService<IKeyStore>())));

        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return builder;
    }

    private static bool IsMongoUri(string uri)
    {
        try
        {
            _ = MongoDB.Driver.MongoUrl.Create(uri);
            return true;
        }
        catch (MongoDB.Driver.MongoConfigurationException)
        {
            return false;
        }
    }

    private sealed class StoredXmlRepository(IKeyStore store) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => [.. store.GetDataProtectionKeys().Select(XElement.Parse)];

        public void StoreElement(XElement element, string friendlyName) =>
            store.AddDataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting));
    }

    private sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await storage.PingAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Storage did not answer.");
            }
            catch (Exception e)
            {
                return HealthCheckResult.Unhealthy("Storage is unreachable.", e);
            }
        }
    }

    private sealed class MongoIndexInitializer(MongoDatabase mongo) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => mongo.PrepareAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
