using System.ComponentModel.DataAnnotations;

namespace HtmxChat.Web.Storage;

public sealed class StorageOptions
{
    /// <summary>MongoDB connection string; set from <c>MONGO_URI</c> or <c>ConnectionStrings:Mongo</c>. Empty selects SQLite.</summary>
    public string? MongoUri { get; set; }

    /// <summary>Database used when the Mongo URI names none.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,63}$")]
    public string MongoDatabase { get; set; } = "htmxchat";

    /// <summary>From <c>ConnectionStrings:Sqlite</c>; a relative data source is resolved against the content root.</summary>
    [Required]
    public string SqliteConnectionString { get; set; } = "Data Source=data/htmxchat.db";

    /// <summary>
    /// Where the embedded store keeps uploaded files; a relative path is resolved against the content root. Empty: a
    /// <c>files</c> folder beside the SQLite file. (MongoDB keeps them in GridFS.)
    /// </summary>
    public string? FilesFolder { get; set; }

    /// <summary>
    /// How the embedded store makes a commit durable. <c>Full</c> (the default): a send is answered only after its
    /// transaction is on disk (an fsync; concurrent sends share one). <c>Normal</c>: after it is in the OS's hands, so it
    /// survives the app crashing but not the machine losing power; a send then costs no disk wait.
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;

    public bool UsesMongo => !string.IsNullOrWhiteSpace(MongoUri);
}

public enum SqliteSynchronous { Full, Normal }
