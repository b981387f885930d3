//! Keys of the IndexedDB stores: every entry is keyed `"{user_id}:{rest}"`, so one user's
//! entries are one key range.

use std::ops::Range;

use messenger_protocol::{ConversationId, UserId};

/// The key of a draft.
pub fn draft_key(user: UserId, conversation: ConversationId) -> String {
    format!("{user}:{conversation}")
}

/// The key of a saved message or canned response.
pub fn entry_key(user: UserId, id: &str) -> String {
    format!("{user}:{id}")
}

/// The `meta` key remembering that the default canned responses were offered to `user`.
pub fn canned_seeded_key(user: UserId) -> String {
    format!("{user}:canned_seeded")
}

/// All keys `"{user}:…"`: `:` is followed by `;` in code-point order, and the `:` right after
/// the id keeps user 1 apart from user 11.
pub fn user_range(user: UserId) -> Range<String> {
    format!("{user}:")..format!("{user};")
}

/// The conversation of a draft key of `user` (`None` for another user's or a foreign key).
pub fn draft_conversation(user: UserId, key: &str) -> Option<ConversationId> {
    let (owner, conversation) = key.split_once(':')?;
    if owner.parse::<UserId>().ok()? != user {
        return None;
    }
    conversation.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_user_then_conversation() {
        assert_eq!(draft_key(3, 17), "3:17");
        assert_ne!(draft_key(1, 23), draft_key(12, 3));
        assert_eq!(entry_key(3, "0001-ab"), "3:0001-ab");
        assert_eq!(canned_seeded_key(5), "5:canned_seeded");
    }

    #[test]
    fn a_users_range_holds_only_their_keys() {
        let r = user_range(1);
        for key in ["1:", "1:10", "1:canned_seeded", "1:\u{10ffff}"] {
            assert!(r.contains(&key.to_string()), "{key}");
        }
        for key in ["11:5", "10:1", "2:1", "1", "0:9", "1;"] {
            assert!(!r.contains(&key.to_string()), "{key}");
        }
    }

    #[test]
    fn conversation_is_read_back_from_a_draft_key() {
        assert_eq!(draft_conversation(3, &draft_key(3, 17)), Some(17));
        assert_eq!(draft_conversation(3, &draft_key(-2, 17)), None);
        assert_eq!(draft_conversation(3, "3:not-a-number"), None);
        assert_eq!(draft_conversation(3, "3"), None);
        assert_eq!(draft_conversation(-1, "-1:-5"), Some(-5));
    }
}
