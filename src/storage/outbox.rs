//! The outbox in IndexedDB: every message the user sent and the server has not confirmed, so
//! a reload, a crash or a closed tab loses none. Written before the message shows as
//! pending, deleted on the server's ack or echo (see [`crate::core::outbox`]).

use std::rc::Rc;

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use messenger_protocol::UserId;
use wasm_bindgen::JsValue;

use super::connection::Connection;
use super::drafts::DraftStore;
use super::error::{self, DraftError};
use super::keys::{entry_key, user_range};
use crate::core::outbox::PendingMessage;

pub use super::schema::OUTBOX_STORE;

/// The outbox store of the open database (the drafts connection).
#[derive(Clone, Debug)]
pub struct OutboxStore {
    conn: Rc<Connection>,
}

impl From<&DraftStore> for OutboxStore {
    fn from(drafts: &DraftStore) -> Self {
        OutboxStore {
            conn: drafts.connection(),
        }
    }
}

impl OutboxStore {
    /// Writes (or rewrites, after a state change) one message.
    pub async fn put(&self, user: UserId, message: &PendingMessage) -> Result<(), DraftError> {
        let value =
            serde_json::to_string(&message.stored()).map_err(|_| DraftError::InvalidValue)?;
        let tx = self
            .conn
            .transaction(&[OUTBOX_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(OUTBOX_STORE).map_err(error::transaction)?;
        store
            .put(value.as_str())
            .with_key(entry_key(user, &message.client_id))
            .without_key_type()
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)
    }

    /// Deletes confirmed or discarded messages, in one transaction.
    pub async fn delete(&self, user: UserId, client_ids: &[String]) -> Result<(), DraftError> {
        if client_ids.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction(&[OUTBOX_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(OUTBOX_STORE).map_err(error::transaction)?;
        for id in client_ids {
            store
                .delete(entry_key(user, id))
                .await
                .map_err(error::request)?;
        }
        tx.commit().await.map_err(error::transaction)
    }

    /// Every unconfirmed message of `user`, oldest first. An entry that does not parse
    /// (written by a future version?) is skipped, not fatal.
    pub async fn load(&self, user: UserId) -> Result<Vec<PendingMessage>, DraftError> {
        let tx = self
            .conn
            .transaction(&[OUTBOX_STORE], TransactionMode::Readonly)?;
        let store = tx.object_store(OUTBOX_STORE).map_err(error::transaction)?;
        let values = store
            .get_all::<JsValue>()
            .with_query(user_range(user))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)?;
        let mut items: Vec<PendingMessage> = values
            .filter_map(|v| serde_json::from_str(&v.ok()?.as_string()?).ok())
            .collect();
        items.sort_unstable_by(|a, b| {
            (a.created_at, &a.client_id).cmp(&(b.created_at, &b.client_id))
        });
        Ok(items)
    }
}
