-- Schema step for notifications, reminders, settings, mail queue.

-- Where notification e-mails go; NULL means the user gets none.
ALTER TABLE users ADD COLUMN email TEXT;
-- Demo users of a database seeded before this step (new ones get theirs from demo.rs).
UPDATE users SET email = username || '@example.com'
 WHERE email IS NULL AND username IN ('alice', 'bob', 'carol', 'dave', 'erin');

-- No foreign keys to conversations or messages: a notification outlives an expired
-- message and still tells the user what happened.
CREATE TABLE IF NOT EXISTS notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    importance      TEXT NOT NULL,
    conversation_id INTEGER,
    message_id      INTEGER,
    created_at      INTEGER NOT NULL,
    read            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications(user_id, id);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications(user_id) WHERE read = 0;

CREATE TABLE IF NOT EXISTS reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    at              INTEGER NOT NULL,
    text            TEXT NOT NULL,
    conversation_id INTEGER,
    -- The set_reminder command id: a resend finds the reminder instead of adding one.
    client_id       TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- Set in the transaction that creates the notification, so a reminder fires once.
    notification_id INTEGER,
    UNIQUE (user_id, client_id)
);
CREATE INDEX IF NOT EXISTS reminders_due ON reminders(at) WHERE notification_id IS NULL;

-- A missing row means the defaults.
CREATE TABLE IF NOT EXISTS user_settings (
    user_id                INTEGER PRIMARY KEY REFERENCES users(id),
    email_mode             TEXT NOT NULL,
    digest_minutes         INTEGER NOT NULL,
    always_forward_offline INTEGER NOT NULL,
    send_key               TEXT NOT NULL
);

-- Things a user should hear about by e-mail. Texts are copied in when queued: the mail
-- reports what happened, whatever became of the message or conversation since.
CREATE TABLE IF NOT EXISTS mail_queue (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES users(id),
    -- 'immediately' or 'digest': the user's email_mode when the item was queued.
    mode               TEXT NOT NULL,
    -- 'message' or 'notification'.
    kind               TEXT NOT NULL,
    conversation_id    INTEGER,
    conversation_label TEXT,
    -- One line for a digest, and subject and body for a mail of its own.
    line               TEXT NOT NULL,
    subject            TEXT NOT NULL,
    body               TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    -- Set once the mail carrying the item was accepted by the relay (or written out).
    sent_at            INTEGER
);
CREATE INDEX IF NOT EXISTS mail_pending ON mail_queue(user_id, id) WHERE sent_at IS NULL;
