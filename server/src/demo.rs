//! Demo organisation seeded into an empty database, so a fresh checkout has someone to
//! talk to.

use messenger_protocol::{ConversationKind, Importance, Timestamp, UserId};

use crate::store::{Result, Store};

pub const DEMO_PASSWORD: &str = "demo";

/// Minutes between two messages of the long history: about 30 a day, so a page of history
/// crosses a day or two and shows the day separators.
const HISTORY_STEP_MS: Timestamp = 47 * 60 * 1000;
/// Messages at the end of the long history that Alice has not read yet.
const HISTORY_UNREAD: u32 = 3;

/// Expects an empty database; everything is created in one transaction. `history` messages
/// alternating between Alice and Bob are added to their direct conversation (0: no such
/// conversation, the end-to-end tests open it themselves).
pub fn seed(store: &Store, now: Timestamp, history: u32) -> Result<()> {
    let tx = store.transaction()?;
    let head_office = store.create_department("Head office", None)?;
    let engineering = store.create_department("Engineering", Some(head_office))?;
    let sales = store.create_department("Sales", Some(head_office))?;
    let support = store.create_department("Support", Some(head_office))?;

    // One argon2id hash for all: the demo password is public, so a salt per user would
    // protect nothing, and each hash costs tens of milliseconds at every fresh start.
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let user = |username: &str, name: &str, department| {
        store.create_user_hashed(username, name, Some(department), &hash)
    };
    let alice = user("alice", "Alice Martin", engineering)?;
    let bob = user("bob", "Bob Nguyen", sales)?;
    let carol = user("carol", "Carol Kowalski", support)?;
    let dave = user("dave", "Dave Ivanov", engineering)?;
    let erin = user("erin", "Erin Petit", head_office)?;
    // The contact center's agents, after everyone else so the ids above stay as they were.
    user("anna", "Anna Lefèvre", support)?;
    user("bruno", "Bruno Costa", support)?;
    store.make_agents(&["anna".to_owned(), "bruno".to_owned()])?;
    store.set_demo_emails()?;

    // Deliberately no alice–bob direct chat unless a long history was asked for: the
    // end-to-end test creates it by clicking Bob.
    if history > 0 {
        seed_history(store, alice, bob, now, history)?;
    }
    let team = store.create_conversation(
        ConversationKind::Group,
        Some("Engineering"),
        None,
        &[alice, dave],
        now,
    )?;
    store.insert_message(
        team,
        dave,
        "Welcome to the Engineering chat, Alice! Builds, reviews and lunch plans go here.",
        Importance::Normal,
        None,
        now,
    )?;
    // Members of an SMS conversation read it on their phones: the compose box counts segments.
    // A moment older than the Engineering greeting, so Engineering stays the newest.
    let field = store.create_conversation(
        ConversationKind::Group,
        Some("SMS: Field team"),
        None,
        &[alice, carol, erin],
        now - 1,
    )?;
    store.set_sms(field, true)?;
    tx.commit()?;
    Ok(())
}

/// A long direct conversation for tests and screenshots. Everything but the last few
/// messages is read by both, so the expiry job (which removes old unread messages) leaves it.
fn seed_history(
    store: &Store,
    alice: UserId,
    bob: UserId,
    now: Timestamp,
    count: u32,
) -> Result<()> {
    let key = format!("{}:{}", alice.min(bob), alice.max(bob));
    let direct = store.create_conversation(
        ConversationKind::Direct,
        None,
        Some(&key),
        &[alice, bob],
        now - Timestamp::from(count) * HISTORY_STEP_MS,
    )?;
    let mut newest = None;
    let mut alice_read = None;
    for i in 0..count {
        let (sender, who) = if i % 2 == 0 {
            (bob, "Bob")
        } else {
            (alice, "Alice")
        };
        let n = i + 1;
        let importance = if n % 100 == 0 {
            Importance::High
        } else {
            Importance::Normal
        };
        let at = now - Timestamp::from(count - i) * HISTORY_STEP_MS;
        let message = store.insert_message(
            direct,
            sender,
            &format!("History message {n} of {count} from {who}."),
            importance,
            None,
            at,
        )?;
        if i + HISTORY_UNREAD < count {
            alice_read = Some(message.id);
        }
        newest = Some(message.id);
    }
    if let Some(newest) = newest {
        store.advance_read(direct, bob, newest)?;
        store.advance_delivered(direct, bob, newest)?;
        store.advance_delivered(direct, alice, newest)?;
    }
    if let Some(read) = alice_read {
        store.advance_read(direct, alice, read)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_history_is_read_alternating_and_paged() {
        let dir = std::env::temp_dir().join(format!("mw-demo-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("seed.sqlite3");
        let _ = std::fs::remove_file(&db);
        let store = Store::open(&db).unwrap();
        let now = 1_800_000_000_000;
        seed(&store, now, 120).unwrap();
        let direct = store
            .direct_conversation("1:2")
            .unwrap()
            .expect("alice–bob chat");
        let (page, has_more) = store.history(direct, None, 50).unwrap();
        assert!(has_more);
        assert_eq!(page.len(), 50);
        assert_eq!(page[49].text, "History message 120 of 120 from Alice.");
        assert_eq!(page[48].sender_id, 2);
        assert!(page[49].created_at < now);
        assert!(page.windows(2).all(|w| w[0].created_at < w[1].created_at));
        let alice = store.summary(direct, 1).unwrap().unwrap();
        assert_eq!(
            alice.unread, 1,
            "Bob's message among the last three is unread"
        );
        let bob = store.summary(direct, 2).unwrap().unwrap();
        assert_eq!(bob.unread, 0);
        assert!(bob
            .member_states
            .iter()
            .all(|m| m.delivered_up_to == Some(page[49].id)));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
