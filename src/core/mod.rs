//! The client core: plain Rust, free of UI and browser types, unit-tested natively.
//!
//! The browser adapters (`net`, `storage`) and the views (`ui`) only feed frames into
//! [`session::Session`] and render what it holds.

pub mod alerts;
pub mod backoff;
pub mod canned;
pub mod carry;
pub mod case;
pub mod channels;
pub mod color;
pub mod compose;
#[cfg(test)]
mod delivery_tests;
pub mod desk;
pub mod embed;
pub mod format;
pub mod i18n;
pub mod journal;
pub mod linkify;
pub mod listing;
pub mod nav;
pub mod notifications;
pub mod org;
pub mod outbox;
pub mod session;
pub mod settings_form;
pub mod sms;
pub mod state;
pub mod tabs;
pub mod timeline;
pub mod typing;
pub mod viewport;
