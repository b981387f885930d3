//! Browser storage adapters: the session token and per-device preferences in localStorage;
//! drafts, saved messages and canned responses in one IndexedDB database.

mod connection;
pub mod drafts;
pub mod error;
pub mod keys;
pub mod prefs;
pub mod saved;
pub mod schema;
pub mod token;
