namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>Schema migrations, applied in order; the database's <c>user_version</c> counts those applied. Append only.</summary>
internal static class SqliteSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE users (
            id                   TEXT PRIMARY KEY,
            username             TEXT NOT NULL,
            normalized_username  TEXT NOT NULL UNIQUE,
            email                TEXT NOT NULL,
            normalized_email     TEXT NOT NULL UNIQUE,
            password_hash        TEXT,
            security_stamp       TEXT NOT NULL,
            concurrency_stamp    TEXT NOT NULL,
            lockout_enabled      INTEGER NOT NULL,
            lockout_end          INTEGER,
            access_failed_count  INTEGER NOT NULL,
            gender               TEXT,
            time_zone            TEXT NOT NULL,
            roles                TEXT NOT NULL DEFAULT '[]',
            created_at           INTEGER NOT NULL
        );

        CREATE TABLE chats (
            id                   TEXT PRIMARY KEY,
            user_id              TEXT NOT NULL,
            title                TEXT,
            direct_key           TEXT UNIQUE,
            last_seq             INTEGER NOT NULL DEFAULT 0,
            last_sender_id       TEXT,
            last_sender_name     TEXT,
            last_content         TEXT,
            last_timestamp       INTEGER,
            created_at           INTEGER NOT NULL,
            last_activity_at     INTEGER NOT NULL
        );
        CREATE INDEX chats_by_activity ON chats (last_activity_at DESC);

        CREATE TABLE chat_participants (
            chat_id   TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
            user_id   TEXT NOT NULL REFERENCES users (id),
            username  TEXT NOT NULL,
            position  INTEGER NOT NULL,
            read_seq  INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (chat_id, user_id)
        );
        CREATE INDEX chat_participants_by_user ON chat_participants (user_id);

        CREATE TABLE messages (
            id          TEXT PRIMARY KEY,
            chat_id     TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
            seq         INTEGER NOT NULL,
            sender_id   TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            content     TEXT NOT NULL,
            timestamp   INTEGER NOT NULL,
            UNIQUE (chat_id, seq)
        );

        CREATE TABLE data_protection_keys (
            name  TEXT PRIMARY KEY,
            xml   TEXT NOT NULL
        );

        CREATE TABLE secrets (
            name   TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        );
        """,
        // 2: chat versions, the change feed. Every change takes the chat's next version; until now the only changes were
        // new messages, so a stored message's version is its seq and a chat's is its last seq.
        """
        ALTER TABLE chats ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE chats ADD COLUMN details_version INTEGER NOT NULL DEFAULT 0;
        UPDATE chats SET version = last_seq;

        ALTER TABLE messages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN created_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
        ALTER TABLE messages ADD COLUMN edited_at INTEGER;
        ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
        UPDATE messages SET version = seq, created_version = seq;
        CREATE UNIQUE INDEX messages_by_version ON messages (chat_id, version);
        """,
        // 3: edits, deletions and reactions. The chat's preview can show a deleted newest message; reactions keep the
        // order they were added in (rowid).
        """
        ALTER TABLE chats ADD COLUMN last_deleted INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE message_reactions (
            message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            reaction    TEXT NOT NULL,
            user_id     TEXT NOT NULL,
            username    TEXT NOT NULL,
            PRIMARY KEY (message_id, reaction, user_id)
        );
        """,
        // 4: replies. The quoted message is joined when reading, so its excerpt follows edits and deletion.
        """
        ALTER TABLE messages ADD COLUMN reply_to_id TEXT;
        """,
        // 5: search. An external-content FTS5 index over message text, kept in step by triggers inside the same
        // transaction as each write (a deletion empties the text, so tombstones are never found); built at once for
        // the messages already stored.
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');

        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
            INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
        END;

        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
        CREATE INDEX messages_by_time ON messages (chat_id, timestamp);
        """,
        // 6: mentions. Unread mentions are counted per participant from these rows and the participant's read marker:
        // each row carries its message's chat and seq, so the count is one range of the index, read with every chat.
        """
        CREATE TABLE message_mentions (
            message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            user_id     TEXT NOT NULL,
            username    TEXT NOT NULL,
            chat_id     TEXT NOT NULL,
            seq         INTEGER NOT NULL,
            PRIMARY KEY (message_id, user_id)
        );
        CREATE INDEX message_mentions_unread ON message_mentions (user_id, chat_id, seq);
        """,
        // 7: people and attention. When each person was last online, and each participant's notification level.
        """
        ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
        ALTER TABLE chat_participants ADD COLUMN notifications TEXT NOT NULL DEFAULT 'all';
        """,
        // 8: attachments. The bytes live in files named by their SHA-256 (ContentFolder); a row per upload, unsent until
        // a message takes it (message_id, and its place in the message). A deleted message's rows go with its text.
        """
        CREATE TABLE attachments (
            id              TEXT PRIMARY KEY,
            chat_id         TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
            uploader_id     TEXT NOT NULL,
            message_id      TEXT REFERENCES messages (id) ON DELETE CASCADE,
            position        INTEGER NOT NULL DEFAULT 0,
            file_name       TEXT NOT NULL,
            content_type    TEXT NOT NULL,
            size            INTEGER NOT NULL,
            width           INTEGER,
            height          INTEGER,
            content_hash    TEXT NOT NULL,
            thumbnail_hash  TEXT,
            thumbnail_type  TEXT,
            created_at      INTEGER NOT NULL
        );
        CREATE INDEX attachments_by_message ON attachments (message_id, position);
        CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
        CREATE INDEX attachments_by_content ON attachments (content_hash);
        CREATE INDEX attachments_by_thumbnail ON attachments (thumbnail_hash) WHERE thumbnail_hash IS NOT NULL;
        """,
        // 9: search indexed once per write transaction. FTS5 writes out what it holds whenever a statement opens a
        // savepoint, so indexing inside each send wrote a segment per message; a new message now only queues its
        // rowid, and the transaction that stored it indexes the queue just before it commits (now a commit up to
        // SqliteDatabase.IndexEvery later does, or a search first). An edit or deletion of a message still queued leaves
        // the index alone: the queue indexes the text as it stands then.
        """
        CREATE TABLE messages_fts_queue (message_rowid INTEGER PRIMARY KEY);
        DROP TRIGGER messages_fts_insert;
        DROP TRIGGER messages_fts_delete;
        DROP TRIGGER messages_fts_update;
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts_queue (message_rowid) VALUES (new.rowid);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.rowid, old.content
                WHERE NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid);
            DELETE FROM messages_fts_queue WHERE message_rowid = old.rowid;
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
            WHEN NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid) BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
            INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
        END;
        """,
        // 10: no index by time. Search pages by the index's own rowid order since it moved to FTS5, and nothing else
        // reads messages by time: the index was one more page written by every send.
        """
        DROP INDEX IF EXISTS messages_by_time;
        """,
        // 11: no index of chats by activity. A person's chats are found through their participant rows and sorted,
        // which no index of every chat helps with; every send moved the chat's entry in it.
        """
        DROP INDEX IF EXISTS chats_by_activity;
        """,
    ];
}
