-- Schema step: an event sent to many users is stored once.
--
-- `user_events` held the serialized event in every recipient's row: a message to a group
-- of ten wrote its JSON ten times, and those rows (about ten to a page) split a page of
-- each recipient's stream every few messages. The writer spent almost half its time there
-- (perf, `--example bench`). Now the event is one row of `events`, and each recipient's
-- stream holds a small reference to it.
CREATE TABLE IF NOT EXISTS events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL,
    event           TEXT NOT NULL,
    -- Only while this step copies the old rows over (dropped below).
    migrated_user   INTEGER,
    migrated_seq    INTEGER
);
-- Each user's stream: event number `seq` of `user_id` is `events.id = event_id`. Users are
-- never deleted, so no reference to `users` is checked on every insert.
CREATE TABLE IF NOT EXISTS user_event_ids (
    user_id  INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;

INSERT INTO events (created_at, event, migrated_user, migrated_seq)
    SELECT created_at, event, user_id, seq FROM user_events ORDER BY created_at, user_id, seq;
INSERT INTO user_event_ids (user_id, seq, event_id)
    SELECT migrated_user, migrated_seq, id FROM events WHERE migrated_user IS NOT NULL;
ALTER TABLE events DROP COLUMN migrated_user;
ALTER TABLE events DROP COLUMN migrated_seq;
DROP TABLE user_events;
