-- Schema step for attachments: uploaded images, claimed by at most one message each.
CREATE TABLE IF NOT EXISTS attachments (
    -- 128 random bits, hex: the id is also the capability to fetch the file.
    id          TEXT PRIMARY KEY,
    uploader_id INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    thumb_mime  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- NULL until a send_message claims it; removing the message removes the row.
    message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    position    INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments(message_id, position);
