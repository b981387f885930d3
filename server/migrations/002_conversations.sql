-- Schema step for groups, channels, system lines, delivery state, command results.

-- JSON of a protocol `SystemEvent` ("joined", "left"…); NULL for messages people wrote.
ALTER TABLE messages ADD COLUMN system TEXT;
-- The expiry job looks for old messages.
CREATE INDEX IF NOT EXISTS messages_by_created_at ON messages(created_at);

-- Newest message of the conversation that reached a connection of this member.
ALTER TABLE conversation_members ADD COLUMN delivered_up_to INTEGER;

-- Newest channel id the user has seen in the channel list; channels above it, not joined,
-- are "new" in the welcome.
ALTER TABLE users ADD COLUMN channels_seen_up_to INTEGER NOT NULL DEFAULT 0;

-- The answer to every mutating command, so a resend with the same id gets the same answer
-- and changes nothing. Pruned after a retention period.
CREATE TABLE IF NOT EXISTS command_results (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    command_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    result     TEXT NOT NULL,
    PRIMARY KEY (user_id, command_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS command_results_by_created_at ON command_results(created_at);

-- Pruning old events by age.
CREATE INDEX IF NOT EXISTS user_events_by_created_at ON user_events(created_at);
