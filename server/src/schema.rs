//! The SQLite schema and its stepwise migrations.

use crate::db::{Connection, OptionalExtension};

use crate::auth;
use crate::store::{Result, StoreError};

/// One step per migration, so the two cannot disagree.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Each entry takes the schema from version `index` to `index + 1`; later versions append
/// entries here so an old file is upgraded step by step.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_initial.sql"),
    include_str!("../migrations/002_conversations.sql"),
    include_str!("../migrations/003_notifications.sql"),
    include_str!("../migrations/004_attachments.sql"),
    include_str!("../migrations/005_sms.sql"),
    include_str!("../migrations/006_portal.sql"),
];

/// Brings the schema up to [`SCHEMA_VERSION`] and creates the epoch of a new database.
pub fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )?;
    let version: i64 = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew(version));
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(from as i64 + 1).to_string()],
        )?;
        tx.commit()?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?1)",
        [auth::random_hex()?],
    )?;
    Ok(())
}
