//! The schema of the drafts database: its object stores and the stepwise upgrades.
//!
//! Modelled on matrix-sdk-indexeddb: version `n` is what the first `n` steps of [`MIGRATIONS`]
//! build, and opening runs exactly the steps a browser's copy lacks, in order, inside the
//! single `versionchange` transaction (so a failing step leaves the old version untouched).
//! The steps get the plain `web_sys` database: `indexed_db_futures` hands its own upgrade
//! hook's errors to `Display`, and that brings float formatting (~30 KB) into the wasm.
//! To change the schema, append a step; never edit a released one.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbOpenDbRequest};

/// Key `"{user}:{conversation}"`, value the draft's text.
pub const DRAFTS_STORE: &str = "drafts";
/// Key `"{user}:{entry id}"`, value [`Canned::encode`](crate::core::canned::Canned::encode).
pub const SAVED_STORE: &str = "saved";
/// Key `"{user}:{entry id}"`, value [`Canned::encode`](crate::core::canned::Canned::encode).
pub const CANNED_STORE: &str = "canned";
/// Per-user flags, e.g. `"{user}:canned_seeded"` = `true`.
pub const META_STORE: &str = "meta";

/// Key `"{user}:{client id}"`, value the JSON of an unconfirmed message
/// ([`PendingMessage`](crate::core::outbox::PendingMessage)).
pub const OUTBOX_STORE: &str = "outbox";
/// The local copy of what the widget last showed, as the server's own frames: key
/// `"{user}:w"` the welcome it started from, `"{user}:e:{seq}"` each event since, and
/// `"{user}:p:{conversation}"` a conversation's newest history page.
pub const COPY_STORE: &str = "copy";

/// Object stores added by the v1 → v2 upgrade.
pub const V2_STORES: [&str; 3] = [SAVED_STORE, CANNED_STORE, META_STORE];

type Migration = fn(&IdbDatabase) -> Result<(), JsValue>;

/// Step `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: [Migration; 3] = [v0_to_v1, v1_to_v2, v2_to_v3];

/// Current schema version.
pub const DB_VERSION: u32 = MIGRATIONS.len() as u32;

/// v1: drafts.
fn v0_to_v1(db: &IdbDatabase) -> Result<(), JsValue> {
    db.create_object_store(DRAFTS_STORE)?;
    Ok(())
}

/// v2: the compose box's saved messages and canned responses, and per-user flags.
fn v1_to_v2(db: &IdbDatabase) -> Result<(), JsValue> {
    for store in V2_STORES {
        db.create_object_store(store)?;
    }
    Ok(())
}

/// v3: the outbox and the local copy, so a reload or a crash loses no message and starts
/// from what was last shown.
fn v2_to_v3(db: &IdbDatabase) -> Result<(), JsValue> {
    db.create_object_store(OUTBOX_STORE)?;
    db.create_object_store(COPY_STORE)?;
    Ok(())
}

/// The `upgradeneeded` handler of `request`, from the browser's `old_version` (0: new). A
/// failing step aborts the `versionchange` transaction, which fails the open and keeps the old
/// version as it was.
pub(crate) fn upgrade(request: &IdbOpenDbRequest, old_version: f64) {
    let run = || -> Result<(), JsValue> {
        let db: IdbDatabase = request.result()?.dyn_into()?;
        MIGRATIONS
            .iter()
            .skip(old_version as usize)
            .try_for_each(|step| step(&db))
    };
    if let Err(e) = run() {
        web_sys::console::error_2(&"messenger: drafts database upgrade failed:".into(), &e);
        if let Some(tx) = request.transaction() {
            let _ = tx.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_counts_the_steps() {
        assert_eq!(DB_VERSION, 3);
        assert_eq!(MIGRATIONS.len(), DB_VERSION as usize);
    }
}
