//! Browser storage adapters: the token in localStorage, drafts in IndexedDB.

pub mod drafts;
pub mod saved;
pub mod token;
