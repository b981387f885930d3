//! Saved messages and canned responses, per user, in the drafts database (schema v2).
//!
//! Both stores key entries `"{user_id}:{entry_id}"` and hold each entry as a string
//! ([`Canned::encode`]), so
//! a user's entries are one key range. The `meta` store remembers per user that the default
//! canned responses were offered once, so deleting them all does not bring them back.

use js_sys::Array;
use messenger_protocol::UserId;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbTransaction, IdbTransactionMode};

use super::drafts::{js_message, request_done, transaction_done, DraftError, DraftStore};
use crate::core::canned::{self, Canned};

pub const SAVED_STORE: &str = "saved";
pub const CANNED_STORE: &str = "canned";
pub const META_STORE: &str = "meta";
/// Object stores added by the v1 → v2 upgrade.
pub const V2_STORES: [&str; 3] = [SAVED_STORE, CANNED_STORE, META_STORE];
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

fn key(user: UserId, id: &str) -> JsValue {
    JsValue::from_str(&format!("{user}:{id}"))
}

/// All keys `"{user}:…"`: `:` is followed by `;` in code-point order.
fn user_range(user: UserId) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound_with_lower_open_and_upper_open(
        &JsValue::from_str(&format!("{user}:")),
        &JsValue::from_str(&format!("{user};")),
        false,
        true,
    )
    .map_err(|e| DraftError::Request(js_message(&e)))
}

/// The stores of one open database (the drafts connection).
#[derive(Clone, Debug)]
pub struct Lists {
    db: IdbDatabase,
}

impl From<&DraftStore> for Lists {
    fn from(drafts: &DraftStore) -> Self {
        Lists {
            db: drafts.db().clone(),
        }
    }
}

impl Lists {
    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StoreError> {
        let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        self.db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(|e| DraftError::Transaction(js_message(&e)))
    }

    fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, StoreError> {
        tx.object_store(name)
            .map_err(|e| DraftError::Transaction(js_message(&e)))
    }

    async fn all(store: &IdbObjectStore, user: UserId) -> Result<Vec<Canned>, StoreError> {
        let request = store
            .get_all_with_key(&user_range(user)?.into())
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        let values: Array = request_done(&request)
            .await
            .map_err(DraftError::Request)?
            .dyn_into()
            .map_err(|_| DraftError::InvalidValue)?;
        // An entry that does not parse (written by a future version?) is skipped, not fatal.
        Ok(values
            .iter()
            .filter_map(|v| Canned::decode(&v.as_string()?))
            .collect())
    }

    fn put_entry(
        store: &IdbObjectStore,
        user: UserId,
        id: &str,
        value: &Canned,
    ) -> Result<(), StoreError> {
        store
            .put_with_key(&JsValue::from_str(&value.encode()), &key(user, id))
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        Ok(())
    }

    async fn list(&self, name: &str, user: UserId) -> Result<Vec<Canned>, StoreError> {
        let tx = self.tx(&[name], IdbTransactionMode::Readonly)?;
        Self::all(&Self::store(&tx, name)?, user).await
    }

    /// Adds or replaces (same id) an entry of `name` ([`SAVED_STORE`] or [`CANNED_STORE`]).
    pub async fn put(
        &self,
        name: &str,
        user: UserId,
        id: &str,
        value: &Canned,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[name], IdbTransactionMode::Readwrite)?;
        Self::put_entry(&Self::store(&tx, name)?, user, id, value)?;
        transaction_done(&tx).await
    }

    /// Deletes an entry of `name` (no error when there is none).
    pub async fn delete(&self, name: &str, user: UserId, id: &str) -> Result<(), StoreError> {
        let tx = self.tx(&[name], IdbTransactionMode::Readwrite)?;
        Self::store(&tx, name)?
            .delete(&key(user, id))
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        transaction_done(&tx).await
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

    /// The user's canned responses; on the very first call the defaults are stored and
    /// returned (one transaction: two tabs cannot both seed).
    pub async fn canned(&self, user: UserId) -> Result<Vec<Canned>, StoreError> {
        let tx = self.tx(&[CANNED_STORE, META_STORE], IdbTransactionMode::Readwrite)?;
        let meta = Self::store(&tx, META_STORE)?;
        let seeded_key = JsValue::from_str(&format!("{user}:canned_seeded"));
        let request = meta
            .get(&seeded_key)
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        let seeded = request_done(&request).await.map_err(DraftError::Request)?;
        let store = Self::store(&tx, CANNED_STORE)?;
        if seeded.is_undefined() {
            for c in canned::defaults() {
                Self::put_entry(&store, user, &c.id, &c)?;
            }
            meta.put_with_key(&JsValue::TRUE, &seeded_key)
                .map_err(|e| DraftError::Request(js_message(&e)))?;
        }
        let list = Self::all(&store, user).await?;
        transaction_done(&tx).await?;
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
