//! Removes unread messages older than the configured lifetime (the "Smart" mail service:
//! what nobody picked up from the server mailbox in time is gone), with their attachments'
//! files, and prunes the event
//! and command-result history that resume and idempotency keep.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::db::{params, Backend};
use messenger_protocol::{ConversationId, Event, MessageId, Timestamp};

use crate::app::{App, Core};
use crate::store::{Store, StoreError};

/// Events a client can still resume over: the newest this many per user…
pub const KEPT_EVENTS_PER_USER: i64 = 10_000;
/// …and none older than this.
pub const EVENT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a resent command id still gets its original answer.
pub const COMMAND_RESULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Messages removed per transaction, so one run never holds the lock for long.
const BATCH: i64 = 500;

pub async fn run(app: Arc<App>) {
    let app = &*app;
    crate::jobs::every(app, app.config.expiry_interval, || async {
        let lifetime = app.config.message_lifetime;
        let mut files = Vec::new();
        if let Err(e) = run_once(&mut app.lock(), lifetime, &mut files) {
            tracing::error!("expiry job: {e}");
        }
        // Outside the lock: their rows are gone and committed, so nobody is served them.
        for id in files {
            crate::attachments::remove_files(&app.config.attachments_dir, &id);
        }
    })
    .await;
}

/// One pass: expires messages in batches, then prunes history. Returns how many messages
/// were removed; the ids of their attachments, whose files the caller removes, go into
/// `files` as each batch commits (so a later failure keeps them).
pub fn run_once(
    core: &mut Core,
    lifetime: Duration,
    files: &mut Vec<String>,
) -> Result<usize, StoreError> {
    let mut removed = 0;
    loop {
        let (batch, batch_files) = core.write(|tx| {
            let cutoff = tx.now - millis(lifetime);
            let expired = tx.store.expired_messages(cutoff, BATCH)?;
            let mut by_conversation: BTreeMap<ConversationId, Vec<MessageId>> = BTreeMap::new();
            for (conversation, message) in &expired {
                by_conversation
                    .entry(*conversation)
                    .or_default()
                    .push(*message);
            }
            let mut files = Vec::new();
            for (conversation, message_ids) in by_conversation {
                files.extend(tx.store.attachments_of(&message_ids)?);
                tx.store.delete_messages(&message_ids)?;
                for member in tx.store.members(conversation)? {
                    tx.emit(
                        member,
                        Event::MessagesExpired {
                            conversation_id: conversation,
                            message_ids: message_ids.clone(),
                        },
                    )?;
                }
            }
            Ok::<_, StoreError>((expired.len(), files))
        })?;
        // After the commit: a failed batch keeps its messages and so its files.
        files.extend(batch_files);
        removed += batch;
        if (batch as i64) < BATCH {
            break;
        }
    }
    core.write(|tx| tx.store.prune_history(tx.now))?;
    core.write(|tx| tx.store.purge_used_token_ids(tx.now))?;
    Ok(removed)
}

fn millis(duration: Duration) -> Timestamp {
    Timestamp::try_from(duration.as_millis()).unwrap_or(Timestamp::MAX)
}

impl Store {
    /// Messages written by people (not system lines), created before `cutoff`, that at
    /// least one member other than the sender has not read, by conversation and id.
    fn expired_messages(
        &self,
        cutoff: Timestamp,
        limit: i64,
    ) -> Result<Vec<(ConversationId, MessageId)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT msg.conversation_id, msg.id FROM messages msg
             WHERE msg.created_at < ?1 AND msg.system IS NULL
               AND EXISTS (SELECT 1 FROM conversation_members m
                           WHERE m.conversation_id = msg.conversation_id
                             AND m.user_id <> msg.sender_id
                             AND COALESCE(m.last_read_message_id, 0) < msg.id)
             ORDER BY msg.conversation_id, msg.id
             LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![cutoff, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        Ok(rows)
    }

    /// Deletes the messages and what hangs off them. Other features' tables may reference
    /// messages (attachments, notifications); rather than know each, this asks the database
    /// which columns do: attachment rows go with their message, other references are cleared if
    /// the column allows it and deleted otherwise, so no foreign key blocks the delete.
    fn delete_messages(&self, ids: &[MessageId]) -> Result<(), StoreError> {
        let references_to_messages = match self.conn.backend() {
            Backend::Sqlite => {
                "SELECT t.name, f.\"from\", c.\"notnull\" FROM sqlite_schema t
                 JOIN pragma_foreign_key_list(t.name) f
                 JOIN pragma_table_info(t.name) c ON c.name = f.\"from\"
                 WHERE t.type = 'table' AND f.\"table\" = 'messages'"
            }
            Backend::Postgres => {
                "SELECT CAST(t.relname AS TEXT), CAST(a.attname AS TEXT), a.attnotnull
                 FROM pg_constraint k
                 JOIN pg_class t ON t.oid = k.conrelid
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
                 WHERE k.contype = 'f' AND k.confrelid = CAST('messages' AS regclass)"
            }
        };
        let references: Vec<(String, String, bool)> = self
            .conn
            .prepare_cached(references_to_messages)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<crate::db::Result<_>>()?;
        for id in ids {
            for (table, column, not_null) in &references {
                // Names come from the schema itself, not from input; quoted all the same.
                let (table, column) = (quote(table), quote(column));
                let sql = if *not_null || table == "\"attachments\"" {
                    format!("DELETE FROM {table} WHERE {column} = ?1")
                } else {
                    format!("UPDATE {table} SET {column} = NULL WHERE {column} = ?1")
                };
                self.conn.execute(&sql, [id])?;
            }
            self.conn
                .execute("DELETE FROM messages WHERE id = ?1", [id])?;
        }
        Ok(())
    }

    /// Drops events no resume will be honoured for and command results past their
    /// retention. A user's `event_seq` counter is untouched, so seq never goes back.
    fn prune_history(&self, now: Timestamp) -> Result<(), StoreError> {
        // Events are numbered in the order they were stored, so the old ones are those
        // before the first one inside the retention: found from the front, where the last
        // pass left off, rather than through an index every event would pay for.
        // With none inside the retention, every event is old.
        let first_kept: i64 = self.conn.query_row(
            "SELECT COALESCE(
                 (SELECT id FROM events WHERE created_at >= ?1 ORDER BY id LIMIT 1),
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM events))",
            [now - millis(EVENT_RETENTION)],
            |r| r.get(0),
        )?;
        self.conn.execute(
            "DELETE FROM user_event_ids WHERE event_id < ?1",
            [first_kept],
        )?;
        self.conn
            .execute("DELETE FROM events WHERE id < ?1", [first_kept])?;
        // What this leaves unreferenced goes with the retention above.
        self.conn.execute(
            "DELETE FROM user_event_ids
             WHERE seq <= (SELECT event_seq FROM users WHERE id = user_event_ids.user_id) - ?1",
            [KEPT_EVENTS_PER_USER],
        )?;
        self.conn.execute(
            "DELETE FROM command_results WHERE created_at < ?1",
            [now - millis(COMMAND_RESULT_RETENTION)],
        )?;
        Ok(())
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_drops_old_events_but_never_moves_seq_back() {
        let (store, _file) = crate::store::tests::temp_store("expiry");
        let user = store.create_user("u", "U", None, "pw").unwrap();
        let event = Event::ConversationRemoved { conversation_id: 1 };
        let now = 10 * millis(EVENT_RETENTION);
        for at in [0, 0, now, now] {
            store.append_event(user, &event, at).unwrap();
        }
        store.prune_history(now).unwrap();
        let kept: Vec<u64> = store
            .events_after(user, 0)
            .unwrap()
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        // A client at seq 0 can no longer be resumed (2 of 4 are gone); one at 2 can.
        assert_eq!(kept, vec![3, 4]);
        assert_eq!(store.current_seq(user).unwrap(), 4);
        assert_eq!(store.append_event(user, &event, now).unwrap(), 5);
        let stored: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 3, "the old events themselves are gone too");
    }

    #[test]
    fn an_event_shared_by_several_streams_is_stored_once_and_pruned_with_them() {
        let (store, _file) = crate::store::tests::temp_store("expiry-shared");
        let a = store.create_user("a", "A", None, "pw").unwrap();
        let b = store.create_user("b", "B", None, "pw").unwrap();
        let now = 10 * millis(EVENT_RETENTION);
        let count = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        for (at, n) in [(0, 1), (now, 2)] {
            let id = store
                .insert_event(
                    at,
                    &format!(r#"{{"kind":"conversation_removed","conversation_id":{n}}}"#),
                )
                .unwrap();
            for user in [a, b] {
                store.insert_event_ref(user, n as u64, id).unwrap();
                store.set_event_seq(user, n as u64).unwrap();
            }
        }
        assert_eq!(
            count("SELECT COUNT(*) FROM events"),
            2,
            "once per event, not per user"
        );
        assert_eq!(store.events_after(b, 0).unwrap().len(), 2);
        store.prune_history(now).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM events"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM user_event_ids"), 2);
        for user in [a, b] {
            let kept = store.events_after(user, 1).unwrap();
            assert_eq!(kept.len(), 1);
            assert!(kept[0].1.contains(r#""conversation_id":2"#));
        }
        // Nothing is newer than the retention: everything goes.
        store.prune_history(now * 3).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM events"), 0);
        assert_eq!(count("SELECT COUNT(*) FROM user_event_ids"), 0);
        assert_eq!(store.current_seq(a).unwrap(), 2, "seq never goes back");
    }
}
