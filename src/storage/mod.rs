//! Browser storage adapters: the token in localStorage, drafts in IndexedDB.

pub mod drafts;
pub mod token;
