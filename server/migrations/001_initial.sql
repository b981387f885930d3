CREATE TABLE IF NOT EXISTS departments (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    parent_id INTEGER REFERENCES departments(id)
);
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    password_salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    last_seen     INTEGER,
    -- Last event seq handed out to this user. A counter rather than MAX(user_events.seq)
    -- so pruning old events can never make seq go back.
    event_seq     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token_digest TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT,
    -- "low:high" user ids for direct conversations, so each pair has at most one.
    direct_key TEXT UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversation_members (
    conversation_id      INTEGER NOT NULL REFERENCES conversations(id),
    user_id              INTEGER NOT NULL REFERENCES users(id),
    last_read_message_id INTEGER,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX IF NOT EXISTS conversation_members_by_user
    ON conversation_members(user_id);
CREATE TABLE IF NOT EXISTS messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    sender_id       INTEGER NOT NULL REFERENCES users(id),
    text            TEXT NOT NULL,
    importance      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    client_id       TEXT,
    UNIQUE (sender_id, client_id)
);
CREATE INDEX IF NOT EXISTS messages_by_conversation
    ON messages(conversation_id, id);
-- Every event each user was sent, for replaying after a `resume` (not served yet, and
-- nothing prunes it yet).
CREATE TABLE IF NOT EXISTS user_events (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    seq        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    event      TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
