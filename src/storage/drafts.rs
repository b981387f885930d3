//! Per-conversation drafts in IndexedDB.
//!
//! Modelled on matrix-sdk-indexeddb: a schema version constant with stepwise upgrades in
//! `onupgradeneeded`, one transaction per operation, typed errors (never a panic), and an async
//! API where every `IdbRequest` is wrapped in a Promise. Nothing but the request itself is
//! awaited while a transaction is open (an IDB transaction auto-commits as soon as the event
//! loop turns without new requests).

use std::fmt;

use js_sys::{Function, Promise};
use messenger_protocol::{ConversationId, UserId};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

/// Current schema version. Bump it and add a step in [`upgrade`] to change the schema.
pub const DB_VERSION: u32 = 2;
/// The object store holding drafts: key `"{user_id}:{conversation_id}"`, value the text.
pub const DRAFTS_STORE: &str = "drafts";

/// The key of a draft.
pub fn draft_key(user: UserId, conversation: ConversationId) -> String {
    format!("{user}:{conversation}")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftError {
    /// No `window.indexedDB` (private mode in some browsers, or not in a browser).
    Unavailable,
    /// Opening or upgrading the database failed.
    Open(String),
    /// Another tab holds an older version open and did not close it.
    Blocked,
    /// A transaction could not be created or did not commit.
    Transaction(String),
    /// A read or write request failed.
    Request(String),
    /// A stored value had an unexpected type.
    InvalidValue,
}

impl fmt::Display for DraftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DraftError::Unavailable => write!(f, "IndexedDB is not available"),
            DraftError::Open(e) => write!(f, "cannot open the drafts database: {e}"),
            DraftError::Blocked => write!(f, "the drafts database upgrade is blocked"),
            DraftError::Transaction(e) => write!(f, "drafts transaction failed: {e}"),
            DraftError::Request(e) => write!(f, "drafts request failed: {e}"),
            DraftError::InvalidValue => write!(f, "a stored draft is not text"),
        }
    }
}

impl std::error::Error for DraftError {}

pub(crate) fn js_message(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

/// Resolves with `request.result` on `success`, rejects with `request.error` on `error`.
pub(crate) async fn request_done(request: &IdbRequest) -> Result<JsValue, String> {
    let mut callbacks: Option<(Function, Function)> = None;
    let promise = Promise::new(&mut |resolve, reject| callbacks = Some((resolve, reject)));
    let (resolve, reject) = callbacks.ok_or("no promise callbacks")?;
    let ok_req = request.clone();
    let on_success = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let value = ok_req.result().unwrap_or(JsValue::UNDEFINED);
        let _ = resolve.call1(&JsValue::NULL, &value);
    });
    let err_req = request.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default(); // handled here: do not also abort with an uncaught error
        let err = match err_req.error() {
            Ok(Some(e)) => JsValue::from(e),
            _ => JsValue::from_str("request failed"),
        };
        let _ = reject.call1(&JsValue::NULL, &err);
    });
    request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let result = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop((on_success, on_error));
    result.map_err(|e| js_message(&e))
}

/// Resolves when the transaction commits; rejects when it errors or aborts.
pub(crate) async fn transaction_done(tx: &IdbTransaction) -> Result<(), DraftError> {
    let mut callbacks: Option<(Function, Function)> = None;
    let promise = Promise::new(&mut |resolve, reject| callbacks = Some((resolve, reject)));
    let (resolve, reject) =
        callbacks.ok_or_else(|| DraftError::Transaction("no promise callbacks".into()))?;
    let on_complete = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let _ = resolve.call0(&JsValue::NULL);
    });
    let err_tx = tx.clone();
    let on_fail = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let err = err_tx
            .error()
            .map(JsValue::from)
            .unwrap_or_else(|| JsValue::from_str("transaction aborted"));
        let _ = reject.call1(&JsValue::NULL, &err);
    });
    tx.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
    tx.set_onerror(Some(on_fail.as_ref().unchecked_ref()));
    tx.set_onabort(Some(on_fail.as_ref().unchecked_ref()));
    let result = JsFuture::from(promise).await;
    tx.set_oncomplete(None);
    tx.set_onerror(None);
    tx.set_onabort(None);
    drop((on_complete, on_fail));
    result
        .map(|_| ())
        .map_err(|e| DraftError::Transaction(js_message(&e)))
}

/// Schema upgrades, one step per version, from whatever version the browser had.
fn upgrade(db: &IdbDatabase, old_version: u32) -> Result<(), JsValue> {
    if old_version < 1 {
        db.create_object_store(DRAFTS_STORE)?;
    }
    if old_version < 2 {
        for store in crate::storage::saved::V2_STORES {
            db.create_object_store(store)?;
        }
    }
    // if old_version < 3 { ... next schema change ... }
    Ok(())
}

/// An open drafts database.
#[derive(Clone, Debug)]
pub struct DraftStore {
    db: IdbDatabase,
}

impl DraftStore {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<Self, DraftError> {
        let factory = web_sys::window()
            .ok_or(DraftError::Unavailable)?
            .indexed_db()
            .map_err(|_| DraftError::Unavailable)?
            .ok_or(DraftError::Unavailable)?;
        let request: IdbOpenDbRequest = factory
            .open_with_u32(name, DB_VERSION)
            .map_err(|e| DraftError::Open(js_message(&e)))?;

        let upgrade_req = request.clone();
        let on_upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
            move |ev: web_sys::IdbVersionChangeEvent| {
                let old = ev.old_version() as u32;
                let Ok(result) = upgrade_req.result() else {
                    return;
                };
                let db: IdbDatabase = result.unchecked_into();
                if let Err(e) = upgrade(&db, old) {
                    // Aborting the version-change transaction makes `open` fail with an error.
                    web_sys::console::error_1(&e);
                    if let Some(tx) = upgrade_req.transaction() {
                        let _ = tx.abort();
                    }
                }
            },
        );
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));

        let blocked = std::rc::Rc::new(std::cell::Cell::new(false));
        let blocked_flag = blocked.clone();
        let on_blocked = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            blocked_flag.set(true);
        });
        request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));

        let result = request_done(&request).await;
        request.set_onupgradeneeded(None);
        request.set_onblocked(None);
        drop((on_upgrade, on_blocked));

        let db: IdbDatabase = match result {
            Ok(v) => v.unchecked_into(),
            Err(_) if blocked.get() => return Err(DraftError::Blocked),
            Err(e) => return Err(DraftError::Open(e)),
        };
        // Let newer versions (another tab after an update) upgrade instead of being blocked.
        let closing = db.clone();
        let on_version_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| closing.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget(); // lives as long as the connection; one per open
        Ok(DraftStore { db })
    }

    /// The database name.
    pub fn name(&self) -> String {
        self.db.name()
    }

    /// The connection, shared by the other stores of this database.
    pub fn db(&self) -> &IdbDatabase {
        &self.db
    }

    /// Closes the connection; the store must not be used afterwards.
    pub fn close(&self) {
        self.db.set_onversionchange(None);
        self.db.close();
    }

    fn transaction(&self, mode: IdbTransactionMode) -> Result<IdbTransaction, DraftError> {
        self.db
            .transaction_with_str_and_mode(DRAFTS_STORE, mode)
            .map_err(|e| DraftError::Transaction(js_message(&e)))
    }

    /// The draft of a conversation, if any.
    pub async fn load(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Option<String>, DraftError> {
        let tx = self.transaction(IdbTransactionMode::Readonly)?;
        let store = tx
            .object_store(DRAFTS_STORE)
            .map_err(|e| DraftError::Transaction(js_message(&e)))?;
        let request = store
            .get(&JsValue::from_str(&draft_key(user, conversation)))
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        let value = request_done(&request).await.map_err(DraftError::Request)?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        value.as_string().map(Some).ok_or(DraftError::InvalidValue)
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
        let tx = self.transaction(IdbTransactionMode::Readwrite)?;
        let store = tx
            .object_store(DRAFTS_STORE)
            .map_err(|e| DraftError::Transaction(js_message(&e)))?;
        store
            .put_with_key(
                &JsValue::from_str(text),
                &JsValue::from_str(&draft_key(user, conversation)),
            )
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        transaction_done(&tx).await
    }

    /// Deletes a draft (no error when there is none).
    pub async fn delete(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<(), DraftError> {
        let tx = self.transaction(IdbTransactionMode::Readwrite)?;
        let store = tx
            .object_store(DRAFTS_STORE)
            .map_err(|e| DraftError::Transaction(js_message(&e)))?;
        store
            .delete(&JsValue::from_str(&draft_key(user, conversation)))
            .map_err(|e| DraftError::Request(js_message(&e)))?;
        transaction_done(&tx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_user_then_conversation() {
        assert_eq!(draft_key(3, 17), "3:17");
        assert_ne!(draft_key(1, 23), draft_key(12, 3));
    }
}
