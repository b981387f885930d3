//! Saved messages and canned responses, per user, in the drafts database (schema v2).
//!
//! Both stores key entries `"{user_id}:{entry_id}"` and hold each entry as a string
//! ([`Canned::encode`]), so a user's entries are one key range. The `meta` store remembers per
//! user that the default canned responses were offered once, so deleting them all does not
//! bring them back.

use std::rc::Rc;

use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use messenger_protocol::UserId;
use wasm_bindgen::JsValue;

use super::connection::Connection;
use super::drafts::DraftStore;
use super::error::{self, DraftError};
use super::keys::{canned_seeded_key, entry_key, user_range};
use crate::core::canned::Canned;

pub use super::schema::{CANNED_STORE, META_STORE, SAVED_STORE, V2_STORES};

/// The compose box's two lists, by panel index.
pub const PANEL_STORES: [&str; 2] = [SAVED_STORE, CANNED_STORE];

pub type StoreError = DraftError;

/// A saved message: a [`Canned`] without a shortcut.
pub type SavedMessage = Canned;

/// A saved message with a fresh id.
pub fn saved_message(text: String) -> SavedMessage {
    Canned {
        id: new_id(),
        shortcut: String::new(),
        text,
    }
}

/// A new entry id: time-ordered, so lists come back oldest first.
pub fn new_id() -> String {
    let now = js_sys::Date::now() as u64;
    let r = (js_sys::Math::random() * 65536.0) as u32;
    format!("{now:013}-{r:04x}")
}

/// The saved/canned stores of one open database (the drafts connection).
#[derive(Clone, Debug)]
pub struct Lists {
    conn: Rc<Connection>,
}

impl From<&DraftStore> for Lists {
    fn from(drafts: &DraftStore) -> Self {
        Lists {
            conn: drafts.connection(),
        }
    }
}

/// The user's entries of `store`, in key (= id = creation) order.
async fn all(store: &ObjectStore<'_>, user: UserId) -> Result<Vec<Canned>, StoreError> {
    let values = store
        .get_all::<JsValue>()
        .with_query(user_range(user))
        .await
        .map_err(error::request)?;
    // An entry that does not parse (written by a future version?) is skipped, not fatal.
    Ok(values
        .filter_map(|v| Canned::decode(&v.ok()?.as_string()?))
        .collect())
}

async fn put_entry(
    store: &ObjectStore<'_>,
    user: UserId,
    id: &str,
    value: &Canned,
) -> Result<(), StoreError> {
    let text = value.encode();
    store
        .put(text.as_str())
        .with_key(entry_key(user, id))
        .without_key_type()
        .await
        .map_err(error::request)
}

impl Lists {
    async fn list(&self, name: &str, user: UserId) -> Result<Vec<Canned>, StoreError> {
        let tx = self.conn.transaction(&[name], TransactionMode::Readonly)?;
        let list = all(&tx.object_store(name).map_err(error::transaction)?, user).await?;
        tx.commit().await.map_err(error::transaction)?;
        Ok(list)
    }

    /// Adds or replaces (same id) an entry of `name` ([`SAVED_STORE`] or [`CANNED_STORE`]).
    pub async fn put(
        &self,
        name: &str,
        user: UserId,
        id: &str,
        value: &Canned,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction(&[name], TransactionMode::Readwrite)?;
        put_entry(
            &tx.object_store(name).map_err(error::transaction)?,
            user,
            id,
            value,
        )
        .await?;
        tx.commit().await.map_err(error::transaction)
    }

    /// Deletes an entry of `name` (no error when there is none).
    pub async fn delete(&self, name: &str, user: UserId, id: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction(&[name], TransactionMode::Readwrite)?;
        tx.object_store(name)
            .map_err(error::transaction)?
            .delete(entry_key(user, id))
            .await
            .map_err(error::request)?;
        tx.commit().await.map_err(error::transaction)
    }

    /// The user's saved messages, oldest first.
    pub async fn saved(&self, user: UserId) -> Result<Vec<SavedMessage>, StoreError> {
        self.list(SAVED_STORE, user).await
    }

    /// Adds or replaces (same id) a saved message.
    pub async fn put_saved(&self, user: UserId, entry: &SavedMessage) -> Result<(), StoreError> {
        self.put(SAVED_STORE, user, &entry.id, entry).await
    }

    pub async fn delete_saved(&self, user: UserId, id: &str) -> Result<(), StoreError> {
        self.delete(SAVED_STORE, user, id).await
    }

    /// The user's canned responses; on the very first call `defaults` are stored and
    /// returned (one transaction: two tabs cannot both seed).
    pub async fn canned(
        &self,
        user: UserId,
        defaults: &[Canned],
    ) -> Result<Vec<Canned>, StoreError> {
        let tx = self
            .conn
            .transaction(&[CANNED_STORE, META_STORE], TransactionMode::Readwrite)?;
        let meta = tx.object_store(META_STORE).map_err(error::transaction)?;
        let store = tx.object_store(CANNED_STORE).map_err(error::transaction)?;
        let seeded: Option<JsValue> = meta
            .get(canned_seeded_key(user))
            .await
            .map_err(error::request)?;
        if seeded.is_none() {
            for c in defaults {
                put_entry(&store, user, &c.id, c).await?;
            }
            meta.put(true)
                .with_key(canned_seeded_key(user))
                .without_key_type()
                .await
                .map_err(error::request)?;
        }
        let list = all(&store, user).await?;
        tx.commit().await.map_err(error::transaction)?;
        Ok(list)
    }

    /// Adds or replaces (same id) a canned response.
    pub async fn put_canned(&self, user: UserId, entry: &Canned) -> Result<(), StoreError> {
        self.put(CANNED_STORE, user, &entry.id, entry).await
    }

    pub async fn delete_canned(&self, user: UserId, id: &str) -> Result<(), StoreError> {
        self.delete(CANNED_STORE, user, id).await
    }
}
