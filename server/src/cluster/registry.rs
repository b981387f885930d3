//! The cluster's shared record in PostgreSQL: which nodes are alive (a heartbeat each) and
//! which users have connections on which node. NATS carries the same changes quickly; this
//! record is what a node starting late, or one cleaning up after a dead node, reads.

use messenger_protocol::UserId;

use crate::db::params;
use crate::store::{Store, StoreError};

/// Taken while creating the tables, so nodes starting together do not race.
const DDL_LOCK: i64 = 7_283_902;

pub fn prepare(store: &Store, node: &str, now: i64) -> Result<(), StoreError> {
    store
        .conn
        .execute_batch(&format!("SELECT pg_advisory_lock({DDL_LOCK})"))?;
    let created = store.conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS cluster_nodes (
             node TEXT PRIMARY KEY,
             seen_ms BIGINT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS cluster_connections (
             node TEXT NOT NULL,
             user_id BIGINT NOT NULL,
             PRIMARY KEY (node, user_id)
         );
         CREATE INDEX IF NOT EXISTS cluster_connections_user ON cluster_connections (user_id);",
    );
    store
        .conn
        .execute_batch(&format!("SELECT pg_advisory_unlock({DDL_LOCK})"))?;
    created?;
    beat(store, node, now)?;
    Ok(())
}

/// Says this node is alive at `now` (ms). Returns false if its row was missing: a new
/// node, or one the others took for dead (a long pause) and cleaned up after.
pub fn beat(store: &Store, node: &str, now: i64) -> Result<bool, StoreError> {
    let updated = store
        .conn
        .prepare_cached("UPDATE cluster_nodes SET seen_ms = ?2 WHERE node = ?1")?
        .execute(params![node, now])?;
    if updated > 0 {
        return Ok(true);
    }
    store
        .conn
        .prepare_cached("INSERT INTO cluster_nodes (node, seen_ms) VALUES (?1, ?2)")?
        .execute(params![node, now])?;
    Ok(false)
}

pub fn add(store: &Store, node: &str, user: UserId) -> Result<(), StoreError> {
    store
        .conn
        .prepare_cached(
            "INSERT INTO cluster_connections (node, user_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![node, user])?;
    Ok(())
}

pub fn remove(store: &Store, node: &str, user: UserId) -> Result<(), StoreError> {
    store
        .conn
        .prepare_cached("DELETE FROM cluster_connections WHERE node = ?1 AND user_id = ?2")?
        .execute(params![node, user])?;
    Ok(())
}

/// Users with a connection on a live node other than `node`: (node, user).
pub fn elsewhere(store: &Store, node: &str) -> Result<Vec<(String, UserId)>, StoreError> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT c.node, c.user_id FROM cluster_connections c
         JOIN cluster_nodes n ON n.node = c.node WHERE c.node <> ?1",
    )?;
    let rows = stmt
        .query_map(params![node], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    Ok(rows)
}

/// Whether some node was last seen before `cutoff`: only then is there anything to reap.
pub fn any_silent_since(store: &Store, cutoff: i64) -> Result<bool, StoreError> {
    Ok(store
        .conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM cluster_nodes WHERE seen_ms < ?1)")?
        .query_row(params![cutoff], |r| r.get(0))?)
}

/// Removes the nodes last seen before `cutoff` and their connections. Whoever deletes a
/// node's row owns its cleanup: the others no longer find it. Returns (node, its users).
pub fn reap(store: &Store, cutoff: i64) -> Result<Vec<(String, Vec<UserId>)>, StoreError> {
    let dead: Vec<String> = store
        .conn
        .prepare_cached("DELETE FROM cluster_nodes WHERE seen_ms < ?1 RETURNING node")?
        .query_map(params![cutoff], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    let mut reaped = Vec::with_capacity(dead.len());
    for node in dead {
        let users: Vec<UserId> = store
            .conn
            .prepare_cached("DELETE FROM cluster_connections WHERE node = ?1 RETURNING user_id")?
            .query_map(params![node], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        reaped.push((node, users));
    }
    Ok(reaped)
}

/// Whether `user` still has a connection on some node.
pub fn connected(store: &Store, user: UserId) -> Result<bool, StoreError> {
    let count: i64 = store
        .conn
        .prepare_cached("SELECT COUNT(*) FROM cluster_connections WHERE user_id = ?1")?
        .query_row(params![user], |r| r.get(0))?;
    Ok(count > 0)
}
