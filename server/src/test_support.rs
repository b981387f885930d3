//! Seeding for the benchmark and out-of-crate tests. Not an API: it may change any time.

use std::path::Path;

use messenger_protocol::{ConversationId, ConversationKind};

use crate::app::now_ms;
use crate::store::Store;

pub struct Seeded {
    /// One session token per user, in creation order.
    pub tokens: Vec<String>,
    /// Group conversations; user `i` is a member of `groups[i / group_size]`.
    pub groups: Vec<ConversationId>,
}

/// Creates `users` users (`user0`…, password `bench`) with a session each, split into
/// groups of `group_size`, in the database at `db` (created and migrated if needed). Run it
/// before `start` on the same file, with `seed_demo` off.
pub fn seed_users_in_groups(
    db: &Path,
    users: usize,
    group_size: usize,
) -> Result<Seeded, crate::Error> {
    let store = Store::open(db)?;
    let tx = store.transaction()?;
    let now = now_ms();
    let mut ids = Vec::with_capacity(users);
    let mut tokens = Vec::with_capacity(users);
    for i in 0..users {
        let id = store.create_user(&format!("user{i}"), &format!("User {i}"), None, "bench")?;
        tokens.push(store.create_session(id, now)?);
        ids.push(id);
    }
    let mut groups = Vec::new();
    for (n, members) in ids.chunks(group_size.max(1)).enumerate() {
        let title = format!("Group {n}");
        groups.push(store.create_conversation(
            ConversationKind::Group,
            Some(&title),
            None,
            members,
            now,
        )?);
    }
    tx.commit()?;
    Ok(Seeded { tokens, groups })
}
