//! Browser storage adapters: the session token and per-device preferences in localStorage;
//! drafts, saved messages, canned responses, the outbox and the local copy in one IndexedDB
//! database.

mod connection;
pub mod copy;
pub mod drafts;
pub mod error;
pub mod keys;
pub mod outbox;
pub mod prefs;
pub mod saved;
pub mod schema;
pub mod token;
pub mod wipe;
