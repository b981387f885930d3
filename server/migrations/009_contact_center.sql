-- Schema step for the contact center: agents, external contacts, interactions, the
-- webhook's provider ids and the outbound gateway's queue.

-- An administrator's choice (`--agents`, the demo's Support team).
ALTER TABLE users ADD COLUMN agent INTEGER NOT NULL DEFAULT 0;
-- Messages from a contact have sender_id 0, and messages.sender_id refers to users: this
-- row stands for "not a user" (and for the server's own lines in interactions). It has no
-- password and no username anyone can sign in with, and user lists leave it out.
INSERT INTO users (id, username, display_name, password_salt, password_hash)
    VALUES (0, '', 'Contact', '', '') ON CONFLICT DO NOTHING;

-- An SMS number or a web visitor: one row per (channel, address).
CREATE TABLE IF NOT EXISTS contacts (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    display_name TEXT,
    phone        TEXT,
    email        TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (channel, address)
);

-- One per conversation of kind 'interaction'.
CREATE TABLE IF NOT EXISTS interactions (
    conversation_id     INTEGER PRIMARY KEY REFERENCES conversations(id),
    contact_id          INTEGER NOT NULL REFERENCES contacts(id),
    -- 'page' or 'session'.
    mode                TEXT NOT NULL,
    -- 'open' or 'done'.
    state               TEXT NOT NULL,
    agent_id            INTEGER REFERENCES users(id),
    -- A pending transfer: who offered it, to one agent or to a department's agents.
    offer_from          INTEGER,
    offer_to_user       INTEGER,
    offer_to_department INTEGER,
    disposition         TEXT,
    -- The last message from the contact or an agent (notes do not count).
    last_activity       INTEGER NOT NULL,
    -- The inactivity warning was stored since the last activity.
    warned              INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_by_contact ON interactions(contact_id, created_at);
CREATE INDEX IF NOT EXISTS interactions_open ON interactions(state, mode, last_activity);

-- Every provider message id the webhook stored, so a provider's retry stores nothing.
CREATE TABLE IF NOT EXISTS inbound_messages (
    provider_id     TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Agents' replies waiting for the gateway; a row leaves 'pending' once the gateway took it.
CREATE TABLE IF NOT EXISTS outbound_queue (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    -- 'pending' or 'sent'.
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX IF NOT EXISTS outbound_pending ON outbound_queue(state, message_id);

-- Set on messages from a contact (sender_id is then 0).
ALTER TABLE messages ADD COLUMN contact_id INTEGER;
-- A private note among agents: never handed to the gateway.
ALTER TABLE messages ADD COLUMN note INTEGER NOT NULL DEFAULT 0;
