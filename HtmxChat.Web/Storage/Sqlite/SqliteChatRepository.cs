using System.Text.Json;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.Data.Sqlite;

namespace HtmxChat.Web.Storage.Sqlite;

public sealed class SqliteChatRepository(SqliteDatabase database) : IChatRepository
{
    public bool VersionsCommitWithTheirRows => true;

    private const string ChatColumns =
        "c.id, c.user_id, c.title, c.direct_key, c.last_seq, c.last_sender_id, c.last_sender_name, c.last_content, " +
        "c.last_timestamp, c.created_at, c.last_activity_at, c.version, c.details_version, c.last_deleted";

    private const string MessageColumns =
        "m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.timestamp, m.version, m.created_version, m.kind, m.edited_at, m.deleted, " +
        "m.reply_to_id, r.seq, r.sender_name, r.content, r.deleted";

    // A message with the one it replies to, which may have been edited or deleted since.
    private const string Messages = "messages m LEFT JOIN messages r ON r.id = m.reply_to_id";

    public async Task<(Chat Chat, bool Created)> CreateAsync(Chat chat, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = connection.BeginTransaction();
        try
        {
            await using (var insert = connection.Command(
                "INSERT INTO chats (id, user_id, title, direct_key, last_seq, created_at, last_activity_at) " +
                "VALUES ($id, $creator, $title, $direct_key, 0, $created_at, $last_activity_at)", transaction)
                .With("$id", chat.Id).With("$creator", chat.CreatorId).With("$title", chat.Title)
                .With("$direct_key", chat.DirectKey).With("$created_at", chat.CreatedAt.ToUnixMs())
                .With("$last_activity_at", chat.LastActivityAt.ToUnixMs()))
            {
                await insert.ExecuteNonQueryAsync(ct);
            }
            for (var position = 0; position < chat.Participants.Count; position++)
            {
                var participant = chat.Participants[position];
                await using var command = connection.Command(
                    "INSERT INTO chat_participants (chat_id, user_id, username, position, read_seq) VALUES ($chat, $user, $name, $position, $read)", transaction)
                    .With("$chat", chat.Id).With("$user", participant.UserId).With("$name", participant.UserName)
                    .With("$position", position).With("$read", participant.ReadSeq);
                await command.ExecuteNonQueryAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return (chat, true);
        }
        catch (SqliteException e) when (e.IsUniqueViolation() && chat.DirectKey is not null)
        {
            await transaction.RollbackAsync(ct);
            var existing = await FindByDirectKeyAsync(chat.DirectKey, ct);
            return existing is null ? throw new InvalidOperationException("Direct chat vanished after a key conflict.", e) : (existing, false);
        }
    }

    public async Task<Chat?> FindAsync(string chatId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindAsync(connection, null, "c.id = $value", chatId, ct);
    }

    public async Task<Chat?> FindByDirectKeyAsync(string directKey, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindAsync(connection, null, "c.direct_key = $value", directKey, ct);
    }

    public async Task<IReadOnlyList<Chat>> ListForUserAsync(string userId, int limit, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {ChatColumns} FROM chats c JOIN chat_participants me ON me.chat_id = c.id AND me.user_id = $user " +
            "ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $limit")
            .With("$user", userId).With("$limit", limit);
        var chats = await ReadChatsAsync(command, ct);
        await LoadParticipantsAsync(connection, null, chats, ct);
        return chats;
    }

    public Task<(Message Message, Chat Chat)?> AppendMessageAsync(
        string chatId, string senderId, string senderName, string content, DateTimeOffset timestamp, ReplyRef? replyTo = null,
        IReadOnlyList<Mention>? mentions = null, IReadOnlyList<Attachment>? attachments = null, CancellationToken ct = default)
    {
        var draft = new Message("", chatId, 0, senderId, senderName, content, timestamp) { ReplyTo = replyTo, Mentions = mentions ?? [], Attachments = attachments ?? [] };
        // Sends are the busiest write: they share transactions and commits (GroupCommit).
        return database.WriteAsync<(Message, Chat)?>(async connection =>
            await AppendAsync(connection, null, draft, CancellationToken.None) is { } message
                ? (message, (await FindAsync(connection, null, "c.id = $value", chatId, CancellationToken.None))!)
                : null, ct);
    }

    public async Task<(Message Line, Chat Chat)?> ChangeDetailsAsync(
        string chatId, ChatDetailsChange change, string actorId, string actorName, string line, DateTimeOffset timestamp, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        List<string> joined = [];
        var applied = change switch
        {
            ChatDetailsChange.Rename rename => await ExecuteAsync(connection.Command("UPDATE chats SET title = $title WHERE id = $chat", transaction)
                .With("$title", rename.Title).With("$chat", chatId), ct) == 1,
            ChatDetailsChange.RemovePerson remove => await ExecuteAsync(connection.Command(
                "DELETE FROM chat_participants WHERE chat_id = $chat AND user_id = $user", transaction)
                .With("$chat", chatId).With("$user", remove.UserId), ct) == 1,
            ChatDetailsChange.AddPeople add => (joined = await AddParticipantsAsync(connection, transaction, chatId, add.People, ct)).Count > 0,
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        if (!applied)
        {
            return null;
        }
        var draft = new Message("", chatId, 0, actorId, actorName, line, timestamp) { Kind = MessageKind.System };
        if (await AppendAsync(connection, transaction, draft, ct) is not { } message)
        {
            return null;
        }
        if (joined.Count > 0)
        {
            await using var read = connection.Command(
                "UPDATE chat_participants SET read_seq = $seq WHERE chat_id = $chat AND user_id IN (SELECT value FROM json_each($users))", transaction)
                .With("$seq", message.Seq - 1).With("$chat", chatId).With("$users", JsonSerializer.Serialize(joined));
            await read.ExecuteNonQueryAsync(ct);
        }
        var chat = await FindAsync(connection, transaction, "c.id = $value", chatId, ct);
        await transaction.CommitAsync(ct);
        return (message, chat!);
    }

    private static async Task<int> ExecuteAsync(SqliteCommand command, CancellationToken ct)
    {
        await using (command)
        {
            return await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Adds those not in the chat yet, after the others; returns who was added.</summary>
    private static async Task<List<string>> AddParticipantsAsync(SqliteConnection connection, SqliteTransaction transaction, string chatId, IReadOnlyList<ChatParticipant> people, CancellationToken ct)
    {
        var added = new List<string>();
        foreach (var person in people)
        {
            if (await ExecuteAsync(connection.Command(
                "INSERT OR IGNORE INTO chat_participants (chat_id, user_id, username, position, read_seq) " +
                "SELECT $chat, $user, $name, coalesce(max(position), -1) + 1, 0 FROM chat_participants WHERE chat_id = $chat", transaction)
                .With("$chat", chatId).With("$user", person.UserId).With("$name", person.UserName), ct) == 1)
            {
                added.Add(person.UserId);
            }
        }
        return added;
    }

    /// <summary>
    /// Stores <paramref name="draft"/> under the chat's next seq and version, as the chat's newest message and its
    /// sender's read marker; a system line also becomes the chat's details version. Null when the chat does not exist.
    /// </summary>
    private static async Task<Message?> AppendAsync(SqliteConnection connection, SqliteTransaction? transaction, Message draft, CancellationToken ct)
    {
        var system = draft.Kind == MessageKind.System;
        long seq, version;
        await using (var bump = connection.Command(
            "UPDATE chats SET last_seq = last_seq + 1, version = version + 1, last_sender_id = $sender, last_sender_name = $name, " +
            "last_content = $content, last_deleted = 0, last_timestamp = $ts, last_activity_at = $ts" +
            // A system line's actor may have just left; anyone else's message needs its sender in the chat.
            (system ? ", details_version = version + 1 WHERE id = $chat"
                : " WHERE id = $chat AND EXISTS (SELECT 1 FROM chat_participants WHERE chat_id = $chat AND user_id = $sender)") +
            " RETURNING last_seq, version", transaction)
            .With("$chat", draft.ChatId).With("$sender", draft.SenderId).With("$name", draft.SenderName).With("$content", draft.Preview)
            .With("$ts", draft.Timestamp.ToUnixMs()))
        await using (var bumped = await bump.ExecuteReaderAsync(ct))
        {
            if (!await bumped.ReadAsync(ct))
            {
                return null;
            }
            (seq, version) = (bumped.GetInt64(0), bumped.GetInt64(1));
        }

        var message = draft with { Id = Ids.New(), Seq = seq, Version = version, CreatedVersion = version };
        await using (var insert = connection.Command(
            "INSERT INTO messages (id, chat_id, seq, sender_id, sender_name, content, timestamp, version, created_version, kind, edited_at, deleted, reply_to_id) " +
            "VALUES ($id, $chat, $seq, $sender, $name, $content, $ts, $version, $version, $kind, NULL, 0, $reply)", transaction)
            .With("$id", message.Id).With("$chat", message.ChatId).With("$seq", seq).With("$sender", message.SenderId)
            .With("$name", message.SenderName).With("$content", message.Content).With("$ts", message.Timestamp.ToUnixMs()).With("$version", version)
            .With("$kind", system ? "system" : "text").With("$reply", message.ReplyTo?.Id))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }
        await AddMentionsAsync(connection, transaction, message, message.Mentions, ct);
        for (var position = 0; position < message.Attachments.Count; position++)
        {
            await using var claim = connection.Command(
                "UPDATE attachments SET message_id = $message, position = $position " +
                "WHERE id = $id AND chat_id = $chat AND uploader_id = $sender AND message_id IS NULL", transaction)
                .With("$message", message.Id).With("$position", position).With("$id", message.Attachments[position].Id)
                .With("$chat", message.ChatId).With("$sender", message.SenderId);
            if (await claim.ExecuteNonQueryAsync(ct) != 1)
            {
                throw new AttachmentsNotAvailableException();
            }
        }
        message = message with { Attachments = [.. message.Attachments.Select(a => a with { MessageId = message.Id })] };
        await using (var read = connection.Command(
            "UPDATE chat_participants SET read_seq = max(read_seq, $seq) WHERE chat_id = $chat AND user_id = $user", transaction)
            .With("$seq", seq).With("$chat", message.ChatId).With("$user", message.SenderId))
        {
            await read.ExecuteNonQueryAsync(ct);
        }
        return message;
    }

    public async Task<MessagePage> GetMessagesAsync(string chatId, long? before, long? after, int limit, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        var oldestFirst = after is not null;
        await using var command = connection.Command(
            $"SELECT {MessageColumns} FROM {Messages} WHERE m.chat_id = $chat AND m.seq > $after AND m.seq < $before " +
            $"ORDER BY m.seq {(oldestFirst ? "ASC" : "DESC")} LIMIT $take")
            .With("$chat", chatId).With("$after", after ?? 0).With("$before", before ?? long.MaxValue).With("$take", limit + 1);
        var messages = await ReadMessagesAsync(command, ct);
        var hasMore = TrimToPage(messages, limit);
        if (!oldestFirst)
        {
            messages.Reverse();
        }
        return new MessagePage(await WithDetailsAsync(connection, null, messages, ct), hasMore);
    }

    public async Task<MessagePage> GetChangedMessagesAsync(string chatId, long afterVersion, int limit, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {MessageColumns} FROM {Messages} WHERE m.chat_id = $chat AND m.version > $after ORDER BY m.version LIMIT $take")
            .With("$chat", chatId).With("$after", afterVersion).With("$take", limit + 1);
        var messages = await ReadMessagesAsync(command, ct);
        var hasMore = TrimToPage(messages, limit);
        return new MessagePage(await WithDetailsAsync(connection, null, messages, ct), hasMore);
    }

    public async Task<Message?> FindMessageAsync(string chatId, string messageId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await FindMessageAsync(connection, null, chatId, messageId, ct);
    }

    public Task<MessageChange?> EditMessageAsync(
        string chatId, string messageId, string content, DateTimeOffset editedAt, IReadOnlyList<Mention>? mentions = null, CancellationToken ct = default) =>
        ChangeMessageAsync(chatId, messageId, ct, async (connection, transaction, message, version) =>
        {
            await SetMentionsAsync(connection, transaction, message, mentions ?? [], ct);
            await using var edit = connection.Command(
                "UPDATE messages SET content = $content, edited_at = $at, version = $version WHERE id = $id", transaction)
                .With("$content", content).With("$at", editedAt.ToUnixMs()).With("$version", version).With("$id", messageId);
            await edit.ExecuteNonQueryAsync(ct);
            await using var preview = connection.Command(
                "UPDATE chats SET last_content = $content WHERE id = $chat AND last_seq = $seq", transaction)
                .With("$content", content).With("$chat", chatId).With("$seq", message.Seq);
            await preview.ExecuteNonQueryAsync(ct);
            return true;
        }, rejectDeleted: true);

    public Task<MessageChange?> DeleteMessageAsync(string chatId, string messageId, CancellationToken ct = default) =>
        ChangeMessageAsync(chatId, messageId, ct, async (connection, transaction, message, version) =>
        {
            if (message.Deleted)
            {
                return false;
            }
            await using var delete = connection.Command(
                "UPDATE messages SET content = '', deleted = 1, version = $version WHERE id = $id; " +
                "DELETE FROM message_reactions WHERE message_id = $id; DELETE FROM message_mentions WHERE message_id = $id; " +
                "DELETE FROM attachments WHERE message_id = $id; " +
                "UPDATE chats SET last_content = '', last_deleted = 1 WHERE id = $chat AND last_seq = $seq;", transaction)
                .With("$version", version).With("$id", messageId).With("$chat", chatId).With("$seq", message.Seq);
            await delete.ExecuteNonQueryAsync(ct);
            return true;
        }, rejectDeleted: false);

    public Task<MessageChange?> SetReactionAsync(string chatId, string messageId, Reactor reactor, string reaction, bool on, CancellationToken ct = default) =>
        ChangeMessageAsync(chatId, messageId, ct, async (connection, transaction, message, version) =>
        {
            await using var toggle = connection.Command(on
                ? "INSERT OR IGNORE INTO message_reactions (message_id, reaction, user_id, username) VALUES ($id, $reaction, $user, $name)"
                : "DELETE FROM message_reactions WHERE message_id = $id AND reaction = $reaction AND user_id = $user", transaction)
                .With("$id", messageId).With("$reaction", reaction).With("$user", reactor.UserId).With("$name", reactor.UserName);
            if (await toggle.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
            await using var bump = connection.Command("UPDATE messages SET version = $version WHERE id = $id", transaction)
                .With("$version", version).With("$id", messageId);
            await bump.ExecuteNonQueryAsync(ct);
            return true;
        }, rejectDeleted: true);

    /// <summary>
    /// One change to one message, in one write transaction: <paramref name="apply"/> gets the message and the version it
    /// would take, and says whether it changed anything; only then does the chat's version move.
    /// </summary>
    private async Task<MessageChange?> ChangeMessageAsync(
        string chatId, string messageId, CancellationToken ct,
        Func<SqliteConnection, SqliteTransaction, Message, long, Task<bool>> apply, bool rejectDeleted)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var message = await FindMessageAsync(connection, transaction, chatId, messageId, ct);
        if (message is null || (rejectDeleted && message.Deleted))
        {
            return null;
        }
        long version;
        await using (var next = connection.Command("SELECT version + 1 FROM chats WHERE id = $chat", transaction).With("$chat", chatId))
        {
            version = (long)(await next.ExecuteScalarAsync(ct))!;
        }
        var changed = await apply(connection, transaction, message, version);
        if (changed)
        {
            await using var bump = connection.Command("UPDATE chats SET version = $version WHERE id = $chat", transaction)
                .With("$version", version).With("$chat", chatId);
            await bump.ExecuteNonQueryAsync(ct);
            message = await FindMessageAsync(connection, transaction, chatId, messageId, ct);
        }
        var chat = await FindAsync(connection, transaction, "c.id = $value", chatId, ct);
        await transaction.CommitAsync(ct);
        return new MessageChange(message!, chat!, changed);
    }

    private static async Task<Message?> FindMessageAsync(SqliteConnection connection, SqliteTransaction? transaction, string chatId, string messageId, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {MessageColumns} FROM {Messages} WHERE m.id = $id AND m.chat_id = $chat", transaction)
            .With("$id", messageId).With("$chat", chatId);
        var messages = await WithDetailsAsync(connection, transaction, await ReadMessagesAsync(command, ct), ct);
        return messages.Count > 0 ? messages[0] : null;
    }

    private static async Task SetMentionsAsync(SqliteConnection connection, SqliteTransaction? transaction, Message message, IReadOnlyList<Mention> mentions, CancellationToken ct)
    {
        await using (var clear = connection.Command("DELETE FROM message_mentions WHERE message_id = $id", transaction).With("$id", message.Id))
        {
            await clear.ExecuteNonQueryAsync(ct);
        }
        await AddMentionsAsync(connection, transaction, message, mentions, ct);
    }

    private static async Task AddMentionsAsync(SqliteConnection connection, SqliteTransaction? transaction, Message message, IReadOnlyList<Mention> mentions, CancellationToken ct)
    {
        foreach (var mention in mentions)
        {
            await using var add = connection.Command(
                "INSERT OR IGNORE INTO message_mentions (message_id, user_id, username, chat_id, seq) VALUES ($id, $user, $name, $chat, $seq)", transaction)
                .With("$id", message.Id).With("$user", mention.UserId).With("$name", mention.UserName).With("$chat", message.ChatId).With("$seq", message.Seq);
            await add.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The messages with their reactions and mentions, read for all of them at once.</summary>
    private static async Task<List<Message>> WithDetailsAsync(SqliteConnection connection, SqliteTransaction? transaction, List<Message> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return messages;
        }
        var ids = JsonSerializer.Serialize(messages.Select(m => m.Id));
        var reactions = await ReadByMessageAsync(connection, transaction, "SELECT message_id, reaction, user_id, username FROM message_reactions", ids,
            reader => (Reaction: reader.GetString(1), Reactor: new Reactor(reader.GetString(2), reader.GetString(3))), ct);
        var mentions = await ReadByMessageAsync(connection, transaction, "SELECT message_id, user_id, username FROM message_mentions", ids,
            reader => new Mention(reader.GetString(1), reader.GetString(2)), ct);
        var attachments = await ReadByMessageAsync(connection, transaction, $"SELECT a.message_id, {SqliteAttachmentStore.Columns} FROM attachments a", ids,
            reader => SqliteAttachmentStore.Read(reader, 1), ct, orderBy: "position");
        return [.. messages.Select(m => m with
        {
            Reactions = reactions.TryGetValue(m.Id, out var added)
                ? [.. added.GroupBy(r => r.Reaction).Select(g => new MessageReaction(g.Key, [.. g.Select(r => r.Reactor)]))]
                : [],
            Mentions = mentions.GetValueOrDefault(m.Id) ?? [],
            Attachments = attachments.GetValueOrDefault(m.Id) ?? [],
        })];
    }

    /// <summary>Rows of <paramref name="select"/> (whose first column is the message id) for the messages in <paramref name="ids"/>, grouped by message, in the order written.</summary>
    private static async Task<Dictionary<string, List<T>>> ReadByMessageAsync<T>(
        SqliteConnection connection, SqliteTransaction? transaction, string select, string ids, Func<SqliteDataReader, T> read, CancellationToken ct, string orderBy = "rowid")
    {
        var byMessage = new Dictionary<string, List<T>>();
        await using var command = connection.Command($"{select} WHERE message_id IN (SELECT value FROM json_each($ids)) ORDER BY {orderBy}", transaction).With("$ids", ids);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (!byMessage.TryGetValue(id, out var rows))
            {
                byMessage[id] = rows = [];
            }
            rows.Add(read(reader));
        }
        return byMessage;
    }

    /// <summary>Drops the row read beyond the page (queries ask for one more); true when there was one.</summary>
    private static bool TrimToPage(List<Message> messages, int limit)
    {
        if (messages.Count <= limit)
        {
            return false;
        }
        messages.RemoveAt(messages.Count - 1);
        return true;
    }

    private static async Task<List<Message>> ReadMessagesAsync(SqliteCommand command, CancellationToken ct)
    {
        var messages = new List<Message>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            messages.Add(ReadMessage(reader));
        }
        return messages;
    }

    /// <summary>One row of <see cref="MessageColumns"/>, which come first in every message query.</summary>
    private static Message ReadMessage(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)))
        {
            Version = reader.GetInt64(7),
            CreatedVersion = reader.GetInt64(8),
            Kind = reader.GetString(9) == "system" ? MessageKind.System : MessageKind.Text,
            EditedAt = reader.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
            Deleted = reader.GetInt64(11) != 0,
            ReplyTo = reader.IsDBNull(12) || reader.IsDBNull(13) ? null : new ReplyRef(
                reader.GetString(12), reader.GetInt64(13), reader.GetString(14),
                reader.GetInt64(16) != 0 ? "" : ReplyRef.ExcerptOf(reader.GetString(15)), reader.GetInt64(16) != 0),
        };

    private const char MatchStart = '\u0002';
    private const char MatchEnd = '\u0003';

    public async Task<SearchPage> SearchAsync(string userId, SearchQuery query, string? chatId, SearchCursor? before, int limit, CancellationToken ct = default)
    {
        if (query.IsEmpty || (before is not null && !long.TryParse(before.Tiebreak, out _)))
        {
            return new SearchPage([], null);
        }
        await database.IndexQueuedAsync(ct);
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {MessageColumns}, snippet(messages_fts, 0, char(2), char(3), '…', 16), m.rowid " +
            "FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid LEFT JOIN messages r ON r.id = m.reply_to_id " +
            "JOIN chat_participants me ON me.chat_id = m.chat_id AND me.user_id = $user " +
            "WHERE messages_fts MATCH $query AND m.deleted = 0 AND m.kind = 'text' AND ($chat IS NULL OR m.chat_id = $chat) " +
            // A plain bound (not "IS NULL OR") lets FTS5 start the scan at the cursor instead of re-reading newer matches.
            (before is null ? "" : "AND messages_fts.rowid < $rowid ") +
            // Rows are stored in the order messages arrive: newest first is the index's own order, read only as far as the page.
            "ORDER BY messages_fts.rowid DESC LIMIT $take")
            .With("$user", userId).With("$query", FtsExpression(query)).With("$chat", chatId)
            .With("$rowid", before is null ? null : long.Parse(before.Tiebreak, System.Globalization.CultureInfo.InvariantCulture))
            .With("$take", limit + 1);
        var found = new List<(Message Message, string Snippet, long RowId)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                found.Add((ReadMessage(reader), reader.GetString(17), reader.GetInt64(18)));
            }
        }
        var page = found.Take(limit).ToList();
        var messages = await WithDetailsAsync(connection, null, [.. page.Select(f => f.Message)], ct);
        var chats = new Dictionary<string, Chat>();
        foreach (var id in messages.Select(m => m.ChatId).Distinct())
        {
            chats[id] = (await FindAsync(connection, null, "c.id = $value", id, ct))!;
        }
        var hits = messages.Select((m, i) => new SearchHit(m, chats[m.ChatId], SearchQuery.Highlight(page[i].Snippet, MatchStart, MatchEnd))).ToList();
        var next = found.Count > limit ? new SearchCursor(page[^1].Message.Timestamp.ToUnixTimeMilliseconds(), page[^1].RowId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Encode() : null;
        return new SearchPage(hits, next);
    }

    /// <summary>
    /// The query in FTS5 syntax, built only from quoted strings: every phrase must match (the last one also as a
    /// prefix while it is being typed), excluded ones must not. Nothing the person typed reaches FTS5 as syntax.
    /// </summary>
    internal static string FtsExpression(SearchQuery query)
    {
        static string Quote(string phrase) => $"\"{phrase.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
        var parts = query.Phrases.Select((p, i) => Quote(p) + (query.LastIsPrefix && i == query.Phrases.Count - 1 ? "*" : ""));
        var expression = string.Join(' ', parts);
        return query.Excluded.Count == 0 ? expression : $"({expression}) " + string.Join(' ', query.Excluded.Select(e => "NOT " + Quote(e)));
    }

    public async Task<bool> SetNotificationsAsync(string chatId, string userId, NotificationLevel level, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        return await ExecuteAsync(connection.Command("UPDATE chat_participants SET notifications = $level WHERE chat_id = $chat AND user_id = $user")
            .With("$level", NotificationLevels.Name(level)).With("$chat", chatId).With("$user", userId), ct) == 1;
    }

    public async Task<bool> MarkReadAsync(string chatId, string userId, long seq, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            "UPDATE chat_participants SET read_seq = max(read_seq, $seq) WHERE chat_id = $chat AND user_id = $user")
            .With("$seq", seq).With("$chat", chatId).With("$user", userId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<Chat?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, string where, string value, CancellationToken ct)
    {
        await using var command = connection.Command($"SELECT {ChatColumns} FROM chats c WHERE {where}", transaction).With("$value", value);
        var chats = await ReadChatsAsync(command, ct);
        await LoadParticipantsAsync(connection, transaction, chats, ct);
        return chats.Count > 0 ? chats[0] : null;
    }

    private static async Task<List<Chat>> ReadChatsAsync(SqliteCommand command, CancellationToken ct)
    {
        var chats = new List<Chat>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // By position in ChatColumns: a lookup by name compares column names on every row.
            var lastSenderId = reader.GetStringOrNull(5);
            chats.Add(new Chat
            {
                Id = reader.GetString(0),
                CreatorId = reader.GetString(1),
                Title = reader.GetStringOrNull(2),
                DirectKey = reader.GetStringOrNull(3),
                LastSeq = reader.GetInt64(4),
                LastMessage = lastSenderId is null ? null : new MessageSummary(
                    lastSenderId, reader.GetString(6), reader.GetString(7), reader.GetTime(8), reader.GetInt64(13) != 0),
                CreatedAt = reader.GetTime(9),
                LastActivityAt = reader.GetTime(10),
                Version = reader.GetInt64(11),
                DetailsVersion = reader.GetInt64(12),
            });
        }
        return chats;
    }

    private static async Task LoadParticipantsAsync(SqliteConnection connection, SqliteTransaction? transaction, List<Chat> chats, CancellationToken ct)
    {
        if (chats.Count == 0)
        {
            return;
        }
        var byId = chats.ToDictionary(c => c.Id);
        // One chat (every stream open, every send that reads its chat) needs no list of ids to take apart.
        var one = chats.Count == 1;
        await using var command = connection.Command(
            // A deletion removes its message's mentions, so what is left after the read marker is unread.
            "SELECT p.chat_id, p.user_id, p.username, p.read_seq, " +
            "(SELECT count(*) FROM message_mentions mm WHERE mm.user_id = p.user_id AND mm.chat_id = p.chat_id AND mm.seq > p.read_seq), p.notifications " +
            (one ? "FROM chat_participants p WHERE p.chat_id = $ids ORDER BY p.position"
                : "FROM chat_participants p WHERE p.chat_id IN (SELECT value FROM json_each($ids)) ORDER BY p.chat_id, p.position"), transaction)
            .With("$ids", one ? chats[0].Id : JsonSerializer.Serialize(byId.Keys));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            byId[reader.GetString(0)].Participants.Add(new ChatParticipant
            {
                UserId = reader.GetString(1),
                UserName = reader.GetString(2),
                ReadSeq = reader.GetInt64(3),
                UnreadMentions = reader.GetInt64(4),
                Notifications = NotificationLevels.Parse(reader.GetString(5)) ?? NotificationLevel.All,
            });
        }
    }
}
