//! Forgetting what the widget keeps in this browser, for the host's `shutdown` (a portal's
//! user signs out, and the next person at this browser must find nothing of theirs).

use indexed_db_futures::database::Database;

use super::error::{self, DraftError};

/// The prefix of every `localStorage` key of the widget (token, user id, preferences).
pub const KEY_PREFIX: &str = "messenger.";

/// Deletes the IndexedDB database `name`: drafts, saved messages, canned responses, the outbox
/// and the local copy. The widget's own connection must be closed first (unmounting closes
/// it); other tabs close theirs when the deletion asks them to (see `connection`).
pub async fn delete_database(name: &str) -> Result<(), DraftError> {
    Database::delete_by_name(name)
        .map_err(error::open)?
        .await
        .map_err(error::request)
}

/// Removes the session token and every preference of the widget from `localStorage`.
pub fn forget_local() {
    let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    let n = s.length().unwrap_or(0);
    let ours: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(KEY_PREFIX))
        .collect();
    for key in ours {
        let _ = s.remove_item(&key);
    }
}
