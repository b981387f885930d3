//! Per-conversation drafts in IndexedDB, through `indexed_db_futures`.
//!
//! One transaction per operation, committed explicitly (the library rolls back a dropped
//! one), typed errors (never a panic). Nothing but IDB requests is awaited while a
//! transaction is open: it auto-commits as soon as the event loop turns without new requests.

use std::fmt;
use std::rc::Rc;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use messenger_protocol::{ConversationId, UserId};
use wasm_bindgen::JsValue;

use super::connection::Connection;
use super::error;
use super::keys;

pub use super::error::DraftError;
pub use super::keys::draft_key;
pub use super::schema::{DB_VERSION, DRAFTS_STORE};

/// An open drafts database. Clones share one connection.
#[derive(Clone)]
pub struct DraftStore {
    conn: Rc<Connection>,
}

impl fmt::Debug for DraftStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DraftStore")
            .field("name", &self.name())
            .finish()
    }
}

impl DraftStore {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self, DraftError> {
        Ok(DraftStore {
            conn: Connection::open(name).await?,
        })
    }

    /// The database name.
    pub fn name(&self) -> String {
        self.conn.db().name()
    }

    /// The connection, shared by the other stores of this database.
    pub fn db(&self) -> &Database {
        self.conn.db()
    }

    pub(crate) fn connection(&self) -> Rc<Connection> {
        self.conn.clone()
    }

    /// Closes the connection (for every clone); the store must not be used afterwards.
    pub fn close(&self) {
        self.conn.close();
    }

    /// The draft of a conversation, if any.
    pub async fn load(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Option<String>, DraftError> {
        let tx = self
            .conn
            .transaction(&[DRAFTS_STORE], TransactionMode::Readonly)?;
        let store = tx.object_store(DRAFTS_STORE).map_err(error::transaction)?;
        let value: Option<JsValue> = store
            .get(draft_key(user, conversation))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)?;
        match value {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or(DraftError::InvalidValue),
        }
    }

    /// Saves a draft; an empty (or whitespace-only) text deletes it.
    pub async fn save(
        &self,
        user: UserId,
        conversation: ConversationId,
        text: &str,
    ) -> Result<(), DraftError> {
        if text.trim().is_empty() {
            return self.delete(user, conversation).await;
        }
        let tx = self
            .conn
            .transaction(&[DRAFTS_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(DRAFTS_STORE).map_err(error::transaction)?;
        store
            .put(text)
            .with_key(draft_key(user, conversation))
            .without_key_type()
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)
    }

    /// Deletes a draft (no error when there is none).
    pub async fn delete(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<(), DraftError> {
        let tx = self
            .conn
            .transaction(&[DRAFTS_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(DRAFTS_STORE).map_err(error::transaction)?;
        store
            .delete(draft_key(user, conversation))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)
    }

    /// The conversations where `user` has a draft, in ascending id order.
    pub async fn conversations_with_drafts(
        &self,
        user: UserId,
    ) -> Result<Vec<ConversationId>, DraftError> {
        let tx = self
            .conn
            .transaction(&[DRAFTS_STORE], TransactionMode::Readonly)?;
        let store = tx.object_store(DRAFTS_STORE).map_err(error::transaction)?;
        let stored = store
            .get_all_keys::<String>()
            .with_query(keys::user_range(user))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)?;
        // Keys sort as text ("1:10" before "1:2"); the list wants ids in order.
        let mut ids = stored
            .filter_map(|key| keys::draft_conversation(user, &key.ok()?))
            .collect::<Vec<_>>();
        ids.sort_unstable();
        Ok(ids)
    }
}
