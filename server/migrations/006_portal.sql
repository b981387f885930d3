-- Schema step for portal identity and argon2id passwords.

-- Every portal token's `jti` is accepted once: kept until the token could no longer be
-- valid anyway (its exp plus the clock leeway), then purged by the expiry job.
CREATE TABLE IF NOT EXISTS used_token_ids (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS used_token_ids_by_expiry ON used_token_ids(expires_at);

-- password_hash now holds an argon2id PHC string with its own salt, and password_salt is
-- empty. Rows with a salt are the old salted SHA-256, rehashed at their next good login.
-- Users created from a portal token have both empty: no password login.
