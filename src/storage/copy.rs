//! The local copy: what the widget last showed, kept as the server's own frames so that the
//! next start draws it at once (before, or without, a connection) and resumes from its seq.
//!
//! It is the welcome the state started from, every event applied since (in seq order) and
//! the newest history page of the conversations that were opened. Replaying them through
//! the session rebuilds the same state, and the last event's seq is exactly where a `resume`
//! must start. A new welcome starts a new copy.

use std::rc::Rc;

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use messenger_protocol::{ConversationId, UserId};
use wasm_bindgen::JsValue;

use super::connection::Connection;
use super::drafts::DraftStore;
use super::error::{self, DraftError};
use super::keys::user_range;
pub use crate::core::journal::CopyWrite;

pub use super::schema::COPY_STORE;

/// The copy as read back: frames to replay, in this order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Copy {
    pub welcome: Option<String>,
    /// Events after the welcome, in seq order.
    pub events: Vec<String>,
    pub pages: Vec<String>,
}

fn welcome_key(user: UserId) -> String {
    format!("{user}:w")
}

/// Zero-padded, so keys sort in seq order.
fn event_key(user: UserId, seq: u64) -> String {
    format!("{user}:e:{seq:020}")
}

fn page_key(user: UserId, conversation: ConversationId) -> String {
    format!("{user}:p:{conversation}")
}

/// The copy store of the open database (the drafts connection).
#[derive(Clone, Debug)]
pub struct CopyStore {
    conn: Rc<Connection>,
}

impl From<&DraftStore> for CopyStore {
    fn from(drafts: &DraftStore) -> Self {
        CopyStore {
            conn: drafts.connection(),
        }
    }
}

impl CopyStore {
    /// Applies writes in order, in one transaction (a burst of events is one commit).
    pub async fn write(&self, user: UserId, writes: &[CopyWrite]) -> Result<(), DraftError> {
        if writes.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction(&[COPY_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(COPY_STORE).map_err(error::transaction)?;
        for w in writes {
            let (key, text) = match w {
                CopyWrite::Welcome(text) => {
                    store
                        .delete(user_range(user))
                        .await
                        .map_err(error::request)?;
                    (welcome_key(user), text)
                }
                CopyWrite::Event(seq, text) => (event_key(user, *seq), text),
                CopyWrite::Page(c, text) => (page_key(user, *c), text),
            };
            store
                .put(text.as_str())
                .with_key(key)
                .without_key_type()
                .await
                .map_err(error::request)?;
        }
        tx.commit().await.map_err(error::transaction)
    }

    /// Forgets the copy of `user` (signing out, or a reset).
    pub async fn clear(&self, user: UserId) -> Result<(), DraftError> {
        let tx = self
            .conn
            .transaction(&[COPY_STORE], TransactionMode::Readwrite)?;
        let store = tx.object_store(COPY_STORE).map_err(error::transaction)?;
        store
            .delete(user_range(user))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)
    }

    /// The copy of `user`; empty when there is none.
    pub async fn load(&self, user: UserId) -> Result<Copy, DraftError> {
        let tx = self
            .conn
            .transaction(&[COPY_STORE], TransactionMode::Readonly)?;
        let store = tx.object_store(COPY_STORE).map_err(error::transaction)?;
        let keys = store
            .get_all_keys::<String>()
            .with_query(user_range(user))
            .await
            .map_err(error::request)?;
        let values = store
            .get_all::<JsValue>()
            .with_query(user_range(user))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)?;
        let mut copy = Copy::default();
        let welcome = welcome_key(user);
        for (key, value) in keys.zip(values) {
            let (Ok(key), Some(text)) = (key, value.ok().and_then(|v| v.as_string())) else {
                continue;
            };
            if key == welcome {
                copy.welcome = Some(text);
            } else if key.starts_with(&format!("{user}:e:")) {
                copy.events.push(text);
            } else {
                copy.pages.push(text);
            }
        }
        Ok(copy)
    }
}
