//! Persistence (SQLite or PostgreSQL, through [`crate::db`]): every query the server runs.

use std::path::Path;

use crate::db::{self, params, Connection, OptionalExtension, Row, Transaction};
use messenger_protocol::{
    AckResult, ConversationId, ConversationKind, ConversationSummary, Department, DepartmentId,
    Importance, MemberState, Message, MessageId, Presence, Timestamp, User, UserId,
};

use crate::auth;
use crate::schema::{self, SCHEMA_VERSION};

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug)]
pub enum StoreError {
    Db(db::Error),
    Random(getrandom::Error),
    Json(serde_json::Error),
    /// The file was written by a newer server; migrating down is not supported.
    TooNew(i64),
    Password(auth::PasswordError),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "{e}"),
            StoreError::Random(e) => write!(f, "random number generator: {e}"),
            StoreError::Json(e) => write!(f, "json: {e}"),
            StoreError::Password(e) => write!(f, "{e}"),
            StoreError::TooNew(v) => write!(
                f,
                "database schema version {v} is newer than this server ({SCHEMA_VERSION})"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<db::Error> for StoreError {
    fn from(e: db::Error) -> Self {
        StoreError::Db(e)
    }
}

impl From<getrandom::Error> for StoreError {
    fn from(e: getrandom::Error) -> Self {
        StoreError::Random(e)
    }
}

impl From<auth::PasswordError> for StoreError {
    fn from(e: auth::PasswordError) -> Self {
        StoreError::Password(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

pub struct Store {
    /// Crate-visible so feature modules (notifications, attachments…) keep their queries
    /// in `impl Store` blocks of their own files.
    pub(crate) conn: Connection,
    epoch: String,
    /// Set by the checkpoint thread: see [`Store::restart_log_if_wanted`].
    log_restart: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// `--session-timeout-secs` in ms: an open session's `closes_at` in its summary.
    pub(crate) session_timeout_ms: Timestamp,
}

impl Store {
    /// The SQLite file at `path`, created if missing.
    pub fn open(path: &Path) -> Result<Store> {
        Store::migrated(Connection::open_sqlite(path)?)
    }

    /// The PostgreSQL database at `url` (`postgres://user@host:port/db`).
    pub fn open_postgres(url: &str) -> Result<Store> {
        Store::migrated(Connection::connect_postgres(url)?)
    }

    fn migrated(conn: Connection) -> Result<Store> {
        schema::migrate(&conn)?;
        let epoch = conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'epoch'")?
            .query_row([], |r| r.get(0))?;
        Ok(Store {
            conn,
            epoch,
            log_restart: Default::default(),
            session_timeout_ms: 900_000,
        })
    }

    /// Stops this connection from checkpointing the WAL inside its commits; the server's
    /// [`crate::checkpoint`] thread does it instead.
    /// Returns the flag by which that thread asks this connection to finish a checkpoint
    /// ([`Store::restart_log_if_wanted`]).
    pub fn leave_checkpoints_to_another_connection(
        &self,
    ) -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        self.conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {}",
            crate::checkpoint::LOG_LIMIT_BYTES
        ))?;
        Ok(self.log_restart.clone())
    }

    /// Between two transactions: when the checkpoint thread has copied most of a long log
    /// and asks for it, copies the rest, so this connection's next transaction starts the
    /// log over (see `checkpoint.rs`).
    pub fn restart_log_if_wanted(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.log_restart.load(Ordering::Acquire) {
            let (busy, log, copied): (i64, i64, i64) =
                self.conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?;
            // Not all of it (a reader held frames back): again after the next batch.
            if busy == 0 && copied >= log {
                self.log_restart.store(false, Ordering::Release);
            }
        }
        Ok(())
    }

    /// Identifies this database: seq numbers from another epoch mean nothing here.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Statements run through `self` until the transaction is committed or dropped belong to
    /// it: transactions are plain BEGIN/COMMIT on the one connection.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        Ok(self.conn.unchecked_transaction()?)
    }

    pub fn has_users(&self) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM users WHERE id <> 0)")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn create_department(&self, name: &str, parent: Option<DepartmentId>) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO departments (name, parent_id) VALUES (?1, ?2) RETURNING id",
            )?
            .query_row(params![name, parent], |r| r.get(0))?)
    }

    /// Hashes `password` itself: for tests, which make users one by one.
    #[cfg(test)]
    pub fn create_user(
        &self,
        username: &str,
        display_name: &str,
        department: Option<DepartmentId>,
        password: &str,
    ) -> Result<UserId> {
        self.create_user_hashed(
            username,
            display_name,
            department,
            &auth::hash_password(password)?,
        )
    }

    /// Like [`Store::create_user`] with an argon2id PHC string made beforehand: users who
    /// share a public password (the demo's, a benchmark's) share one slow hash.
    pub fn create_user_hashed(
        &self,
        username: &str,
        display_name: &str,
        department: Option<DepartmentId>,
        hash: &str,
    ) -> Result<UserId> {
        Ok(self.conn.prepare_cached("INSERT INTO users (username, display_name, department_id, password_salt, password_hash)
             VALUES (?1, ?2, ?3, '', ?4) RETURNING id")?.query_row(params![username, display_name, department, hash], |r| r.get(0))?)
    }

    /// The user called `username` and what their row holds for a password. Checking it is
    /// slow ([`auth::verify_password`]), so it is done outside the server lock.
    pub fn stored_password(
        &self,
        username: &str,
    ) -> Result<Option<(UserId, auth::StoredPassword)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, password_salt, password_hash FROM users WHERE username = ?1",
            )?
            .query_row([username], |r| {
                Ok((
                    r.get(0)?,
                    auth::StoredPassword::from_columns(r.get(1)?, r.get(2)?),
                ))
            })
            .optional()?)
    }

    /// Replaces an old hash by an argon2id one, unless the row changed since `old` was read.
    pub fn upgrade_password_hash(
        &self,
        user: UserId,
        old: &auth::StoredPassword,
        argon2: &str,
    ) -> Result<()> {
        if let auth::StoredPassword::LegacySha256 { salt, hash } = old {
            self.conn
                .prepare_cached(
                    "UPDATE users SET password_salt = '', password_hash = ?4
                 WHERE id = ?1 AND password_salt = ?2 AND password_hash = ?3",
                )?
                .execute(params![user, salt, hash, argon2])?;
        }
        Ok(())
    }

    /// Returns the new token; only its digest is stored.
    pub fn create_session(&self, user: UserId, now: Timestamp) -> Result<String> {
        let token = auth::random_hex()?;
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (token_digest, user_id, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![auth::token_digest(&token), user, now])?;
        Ok(token)
    }

    pub fn session_user(&self, token: &str) -> Result<Option<UserId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT user_id FROM sessions WHERE token_digest = ?1")?
            .query_row([auth::token_digest(token)], |r| r.get(0))
            .optional()?)
    }

    /// Presence is left `Offline`: only the hub knows who is connected.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, username, display_name, department_id, last_seen FROM users
             WHERE id <> 0 ORDER BY id",
        )?;
        let users = stmt
            .query_map([], |r| {
                Ok(User {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    display_name: r.get(2)?,
                    department_id: r.get(3)?,
                    presence: Presence::Offline,
                    last_seen: r.get(4)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(users)
    }

    pub fn user_exists(&self, user: UserId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM users WHERE id = ?1 AND id <> 0)")?
            .query_row([user], |r| r.get(0))?)
    }

    pub fn set_last_seen(&self, user: UserId, at: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE users SET last_seen = ?2 WHERE id = ?1")?
            .execute(params![user, at])?;
        Ok(())
    }

    pub fn departments(&self) -> Result<Vec<Department>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, parent_id FROM departments ORDER BY id")?;
        let departments = stmt
            .query_map([], |r| {
                Ok(Department {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    parent_id: r.get(2)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(departments)
    }

    pub fn create_conversation(
        &self,
        kind: ConversationKind,
        title: Option<&str>,
        direct_key: Option<&str>,
        members: &[UserId],
        now: Timestamp,
    ) -> Result<ConversationId> {
        let id = self.conn.prepare_cached("INSERT INTO conversations (kind, title, direct_key, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id")?.query_row(params![kind_to_sql(kind), title, direct_key, now], |r| r.get(0))?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO conversation_members (conversation_id, user_id) VALUES (?1, ?2)",
        )?;
        for member in members {
            stmt.execute(params![id, member])?;
        }
        Ok(id)
    }

    /// Marks a conversation as delivered by SMS (or not).
    pub fn set_sms(&self, conversation: ConversationId, sms: bool) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE conversations SET sms = ?2 WHERE id = ?1")?
            .execute(params![conversation, sms])?;
        Ok(())
    }

    pub fn direct_conversation(&self, direct_key: &str) -> Result<Option<ConversationId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM conversations WHERE direct_key = ?1")?
            .query_row([direct_key], |r| r.get(0))
            .optional()?)
    }

    pub fn is_member(&self, conversation: ConversationId, user: UserId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM conversation_members
                           WHERE conversation_id = ?1 AND user_id = ?2)",
            )?
            .query_row(params![conversation, user], |r| r.get(0))?)
    }

    pub fn members(&self, conversation: ConversationId) -> Result<Vec<UserId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id FROM conversation_members WHERE conversation_id = ?1 ORDER BY user_id",
        )?;
        let members = stmt
            .query_map([conversation], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(members)
    }

    /// The user's conversations, most recently active first.
    pub fn conversations_of(&self, user: UserId) -> Result<Vec<ConversationSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id FROM conversations c
             JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = ?1
             ORDER BY COALESCE((SELECT MAX(created_at) FROM messages WHERE conversation_id = c.id),
                               c.created_at) DESC, c.id DESC",
        )?;
        let ids: Vec<ConversationId> = stmt
            .query_map([user], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        ids.into_iter()
            .filter_map(|id| self.summary(id, user).transpose())
            .collect()
    }

    /// The conversation as `viewer` sees it, or `None` if it does not exist or `viewer` is
    /// not a member.
    pub fn summary(
        &self,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Option<ConversationSummary>> {
        let head: Option<(String, Option<String>, Option<MessageId>, bool)> = self
            .conn
            .prepare_cached(
                "SELECT c.kind, c.title, m.last_read_message_id, c.sms FROM conversations c
                 JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = ?2
                 WHERE c.id = ?1",
            )?
            .query_row(params![conversation, viewer], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((kind, title, last_read, sms)) = head else {
            return Ok(None);
        };
        self.summary_from(conversation, viewer, (kind, title, last_read, sms), true)
            .map(Some)
    }

    /// The rest of [`Store::summary`] once the conversation's row is read: `member` says
    /// whether `viewer` is in it (an agent reading a contact's history may not be; nothing
    /// is unread for them then).
    pub(crate) fn summary_from(
        &self,
        conversation: ConversationId,
        viewer: UserId,
        (kind, title, last_read, sms): (String, Option<String>, Option<MessageId>, bool),
        member: bool,
    ) -> Result<ConversationSummary> {
        let mut last_message = self
            .conn
            .prepare_cached(&format!(
                "{MESSAGE_COLUMNS} WHERE conversation_id = ?1 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([conversation], message_from_row)
            .optional()?;
        if let Some(message) = last_message.as_mut() {
            self.fill_attachments(std::slice::from_mut(message))?;
        }
        // System lines ("Bob joined") are not something to read, so they never count.
        let unread: u32 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM messages
             WHERE conversation_id = ?1 AND sender_id <> ?2 AND id > COALESCE(?3, 0)
               AND system IS NULL",
            )?
            .query_row(params![conversation, viewer, last_read], |r| r.get(0))?;
        let unread = if member { unread } else { 0 };
        let member_states = self.member_states(conversation)?;
        let kind = kind_from_sql(&kind);
        let interaction = match kind {
            ConversationKind::Interaction => self.interaction(conversation)?.map(Box::new),
            _ => None,
        };
        Ok(ConversationSummary {
            interaction,
            id: conversation,
            kind,
            title,
            members: member_states.iter().map(|m| m.user_id).collect(),
            last_message,
            unread,
            last_read_message_id: last_read,
            member_states,
            sms,
        })
    }

    /// Read and delivery positions of every member, by user id.
    pub fn member_states(&self, conversation: ConversationId) -> Result<Vec<MemberState>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, last_read_message_id, delivered_up_to FROM conversation_members
             WHERE conversation_id = ?1 ORDER BY user_id",
        )?;
        let states = stmt
            .query_map([conversation], |r| {
                Ok(MemberState {
                    user_id: r.get(0)?,
                    read_up_to: r.get(1)?,
                    delivered_up_to: r.get(2)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(states)
    }

    pub fn message_by_client_id(&self, sender: UserId, client_id: &str) -> Result<Option<Message>> {
        let mut message = self
            .conn
            .prepare_cached(&format!(
                "{MESSAGE_COLUMNS} WHERE sender_id = ?1 AND client_id = ?2"
            ))?
            .query_row(params![sender, client_id], message_from_row)
            .optional()?;
        if let Some(message) = message.as_mut() {
            self.fill_attachments(std::slice::from_mut(message))?;
        }
        Ok(message)
    }

    pub fn insert_message(
        &self,
        conversation: ConversationId,
        sender: UserId,
        text: &str,
        importance: Importance,
        client_id: Option<&str>,
        now: Timestamp,
    ) -> Result<Message> {
        let id = self.conn.prepare_cached("INSERT INTO messages (conversation_id, sender_id, text, importance, created_at, client_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id")?.query_row(params![
                conversation,
                sender,
                text,
                importance_to_sql(importance),
                now,
                client_id
            ], |r| r.get(0))?;
        Ok(Message {
            contact_id: None,
            note: false,
            id,
            conversation_id: conversation,
            sender_id: sender,
            text: text.to_owned(),
            importance,
            created_at: now,
            client_id: client_id.map(str::to_owned),
            system: None,
            attachments: Vec::new(),
        })
    }

    pub fn message_in_conversation(
        &self,
        conversation: ConversationId,
        message: MessageId,
    ) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM messages WHERE id = ?1 AND conversation_id = ?2)",
            )?
            .query_row(params![message, conversation], |r| r.get(0))?)
    }

    /// Moves the read position forward to `message`; returns the new position if it moved.
    pub fn advance_read(
        &self,
        conversation: ConversationId,
        user: UserId,
        message: MessageId,
    ) -> Result<Option<MessageId>> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE conversation_members SET last_read_message_id = ?3
             WHERE conversation_id = ?1 AND user_id = ?2
               AND COALESCE(last_read_message_id, 0) < ?3",
            )?
            .execute(params![conversation, user, message])?;
        Ok((changed > 0).then_some(message))
    }

    /// Up to `limit` messages with id below `before` (or the newest), oldest first, and
    /// whether older ones exist.
    pub fn history(
        &self,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool)> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{MESSAGE_COLUMNS} WHERE conversation_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        ))?;
        // One extra row tells whether there is more without a second query.
        let mut messages: Vec<Message> = stmt
            .query_map(
                params![
                    conversation,
                    before.unwrap_or(i64::MAX),
                    i64::from(limit) + 1
                ],
                message_from_row,
            )?
            .collect::<crate::db::Result<_>>()?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        messages.reverse();
        self.fill_attachments(&mut messages)?;
        Ok((messages, has_more))
    }

    /// Stores the serialized `event` once, for every stream that refers to it
    /// ([`Store::insert_event_ref`]); returns its id.
    pub fn insert_event(&self, now: Timestamp, event: &str) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("INSERT INTO events (created_at, event) VALUES (?1, ?2) RETURNING id")?
            .query_row(params![now, event], |r| r.get(0))?)
    }

    /// Makes event `event_id` number `seq` of `user`'s stream, a seq
    /// [`crate::seqs::Seqs`] handed out.
    pub fn insert_event_ref(&self, user: UserId, seq: u64, event_id: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO user_event_ids (user_id, seq, event_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![user, seq as i64, event_id])?;
        Ok(())
    }

    /// A subquery listing the ids of the JSON array passed as parameter `?n`: a list of
    /// ids travels as one parameter, and each database unpacks it its own way.
    pub(crate) fn ids_in_json_at(&self, n: usize) -> String {
        match self.conn.backend() {
            db::Backend::Sqlite => format!("SELECT value FROM json_each(?{n})"),
            db::Backend::Postgres => format!(
                "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(CAST(?{n} AS TEXT) AS JSON))"
            ),
        }
    }

    /// PostgreSQL: appends the serialized `event` to the stream of each of `users` (no
    /// repeats) and returns their seqs, in `users`' order. Three statements whatever the
    /// number of users: one row at a time was two round trips per user, which made a
    /// presence change with a thousand users online take seconds.
    pub fn append_event_to_all(
        &self,
        users: &[UserId],
        now: Timestamp,
        event: &str,
    ) -> Result<Vec<u64>> {
        let seqs: std::collections::HashMap<UserId, i64> = self
            .conn
            .prepare_cached(&format!(
                "UPDATE users SET event_seq = event_seq + 1 WHERE id IN ({})
                 RETURNING id, event_seq",
                self.ids_in_json_at(1)
            ))?
            .query_map([serde_json::to_string(users)?], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        let mut rows = Vec::with_capacity(users.len());
        for user in users {
            // A user that is gone: the same answer a single row's UPDATE … RETURNING gives.
            let seq = *seqs.get(user).ok_or(StoreError::Db(db::Error::NoRows))?;
            rows.push((*user, seq));
        }
        let event_id = self.insert_event(now, event)?;
        self.conn
            .prepare_cached(
                "INSERT INTO user_event_ids (user_id, seq, event_id)
                 SELECT CAST(e.value->>0 AS BIGINT), CAST(e.value->>1 AS BIGINT), ?2
                 FROM json_array_elements(CAST(CAST(?1 AS TEXT) AS JSON)) AS e(value)",
            )?
            .execute(params![serde_json::to_string(&rows)?, event_id])?;
        Ok(rows.into_iter().map(|(_, seq)| seq as u64).collect())
    }

    /// Whether other servers may write to this database too (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        self.conn.backend() == db::Backend::Postgres
    }

    /// The next seq of `user`'s stream, counted in the database: the row stays locked until
    /// the transaction ends, so writers on other servers wait for it.
    pub fn bump_event_seq(&self, user: UserId) -> Result<u64> {
        let seq: i64 = self
            .conn
            .prepare_cached(
                "UPDATE users SET event_seq = event_seq + 1 WHERE id = ?1 RETURNING event_seq",
            )?
            .query_row([user], |r| r.get(0))?;
        Ok(seq as u64)
    }

    pub fn set_event_seq(&self, user: UserId, seq: u64) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE users SET event_seq = ?2 WHERE id = ?1")?
            .execute(params![user, seq as i64])?;
        Ok(())
    }

    /// Appends `event` to the user's stream outside the server's seq counting: for seeding
    /// tests only.
    #[cfg(test)]
    pub fn append_event(
        &self,
        user: UserId,
        event: &messenger_protocol::Event,
        now: Timestamp,
    ) -> Result<u64> {
        let seq = self.current_seq(user)? + 1;
        let id = self.insert_event(now, &serde_json::to_string(event)?)?;
        self.insert_event_ref(user, seq, id)?;
        self.set_event_seq(user, seq)?;
        Ok(seq)
    }

    /// The user's stored events after `seq`, oldest first, as (seq, serialized event).
    pub fn events_after(&self, user: UserId, seq: u64) -> Result<Vec<(u64, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.seq, e.event FROM user_event_ids r JOIN events e ON e.id = r.event_id
             WHERE r.user_id = ?1 AND r.seq > ?2 ORDER BY r.seq",
        )?;
        let events = stmt
            .query_map(params![user, seq as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(events)
    }

    /// The answer already given to the user's command `command_id`, if any.
    pub fn command_result(&self, user: UserId, command_id: &str) -> Result<Option<AckResult>> {
        let stored: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT result FROM command_results WHERE user_id = ?1 AND command_id = ?2",
            )?
            .query_row(params![user, command_id], |r| r.get(0))
            .optional()?;
        Ok(stored.map(|json| serde_json::from_str(&json)).transpose()?)
    }

    pub fn save_command_result(
        &self,
        user: UserId,
        command_id: &str,
        result: &AckResult,
        now: Timestamp,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO command_results (user_id, command_id, created_at, result)
             VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                user,
                command_id,
                now,
                serde_json::to_string(result)?
            ])?;
        Ok(())
    }

    pub fn current_seq(&self, user: UserId) -> Result<u64> {
        let seq: i64 = self
            .conn
            .prepare_cached("SELECT event_seq FROM users WHERE id = ?1")?
            .query_row([user], |r| r.get(0))?;
        Ok(seq as u64)
    }
}

pub(crate) const MESSAGE_COLUMNS: &str =
    "SELECT id, conversation_id, sender_id, text, importance, created_at, client_id, system,
            contact_id, note FROM messages";

pub(crate) fn message_from_row(r: &Row<'_>) -> crate::db::Result<Message> {
    Ok(Message {
        contact_id: r.get(8)?,
        note: r.get(9)?,
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        sender_id: r.get(2)?,
        text: r.get(3)?,
        importance: importance_from_sql(&r.get::<_, String>(4)?),
        created_at: r.get(5)?,
        client_id: r.get(6)?,
        // Written by this server from the protocol type, so it parses; if a file was edited
        // by hand, the line still shows with its text fallback.
        system: r
            .get::<_, Option<String>>(7)?
            .and_then(|json| serde_json::from_str(&json).ok()),
        attachments: Vec::new(),
    })
}

pub(crate) fn kind_to_sql(kind: ConversationKind) -> &'static str {
    match kind {
        ConversationKind::Direct => "direct",
        ConversationKind::Group => "group",
        ConversationKind::Channel => "channel",
        ConversationKind::Interaction => "interaction",
    }
}

pub(crate) fn kind_from_sql(kind: &str) -> ConversationKind {
    match kind {
        "direct" => ConversationKind::Direct,
        "channel" => ConversationKind::Channel,
        "interaction" => ConversationKind::Interaction,
        _ => ConversationKind::Group,
    }
}

fn importance_to_sql(importance: Importance) -> &'static str {
    match importance {
        Importance::Normal => "normal",
        Importance::High => "high",
    }
}

fn importance_from_sql(importance: &str) -> Importance {
    match importance {
        "high" => Importance::High,
        _ => Importance::Normal,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Removes a test database and its WAL files.
    pub(crate) struct TempFile(std::path::PathBuf);

    impl TempFile {
        pub(crate) fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = self.0.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// A path for a new database file (`name` tells tests' files apart), removed with its
    /// WAL files when dropped.
    pub(crate) fn temp_file(name: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!(
            "messenger-store-{name}-{}-{}.sqlite3",
            std::process::id(),
            auth::random_hex().unwrap()
        )))
    }

    pub(crate) fn temp_store(name: &str) -> (Store, TempFile) {
        let file = temp_file(name);
        (Store::open(file.path()).unwrap(), file)
    }

    #[test]
    fn reopening_keeps_epoch_and_schema_version() {
        let (store, file) = temp_store("reopen");
        let epoch = store.epoch().to_owned();
        drop(store);
        let store = Store::open(&file.0).unwrap();
        assert_eq!(store.epoch(), epoch);
        let version: String = store
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'schema_version'")
            .unwrap()
            .query_row([], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION.to_string());
    }

    #[test]
    fn read_position_only_moves_forward() {
        let (store, _path) = temp_store("read");
        let a = store.create_user("a", "A", None, "pw").unwrap();
        let b = store.create_user("b", "B", None, "pw").unwrap();
        let c = store
            .create_conversation(ConversationKind::Direct, None, Some("1:2"), &[a, b], 0)
            .unwrap();
        let m1 = store
            .insert_message(c, a, "one", Importance::Normal, None, 1)
            .unwrap();
        let m2 = store
            .insert_message(c, a, "two", Importance::High, None, 2)
            .unwrap();
        assert_eq!(store.summary(c, b).unwrap().unwrap().unread, 2);
        assert_eq!(store.summary(c, a).unwrap().unwrap().unread, 0);
        assert_eq!(store.advance_read(c, b, m2.id).unwrap(), Some(m2.id));
        assert_eq!(store.advance_read(c, b, m1.id).unwrap(), None);
        let summary = store.summary(c, b).unwrap().unwrap();
        assert_eq!(summary.unread, 0);
        assert_eq!(summary.last_read_message_id, Some(m2.id));
        assert_eq!(summary.last_message.unwrap().importance, Importance::High);
    }

    #[test]
    fn wrong_password_and_unknown_user_are_rejected() {
        let (store, _path) = temp_store("pw");
        let a = store.create_user("alice", "Alice", None, "demo").unwrap();
        let check = |name: &str, password: &str| {
            let row = store.stored_password(name).unwrap();
            let verified = auth::verify_password(row.as_ref().map(|(_, p)| p), password).unwrap();
            row.filter(|_| verified == auth::Verified::Right)
                .map(|(id, _)| id)
        };
        assert_eq!(check("alice", "demo"), Some(a));
        assert_eq!(check("alice", "Demo"), None);
        assert_eq!(check("nobody", "demo"), None);
        let token = store.create_session(a, 0).unwrap();
        assert_eq!(store.session_user(&token).unwrap(), Some(a));
        assert_eq!(store.session_user("nope").unwrap(), None);
    }
}
