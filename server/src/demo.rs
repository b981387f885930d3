//! Demo organisation seeded into an empty database, so a fresh checkout has someone to
//! talk to.

use messenger_protocol::{ConversationKind, Importance, Timestamp};

use crate::store::{Result, Store};

pub const DEMO_PASSWORD: &str = "demo";

/// Expects an empty database; everything is created in one transaction.
pub fn seed(store: &Store, now: Timestamp) -> Result<()> {
    let tx = store.transaction()?;
    let head_office = store.create_department("Head office", None)?;
    let engineering = store.create_department("Engineering", Some(head_office))?;
    let sales = store.create_department("Sales", Some(head_office))?;
    let support = store.create_department("Support", Some(head_office))?;

    let user = |username: &str, name: &str, department| {
        store.create_user(username, name, Some(department), DEMO_PASSWORD)
    };
    let alice = user("alice", "Alice Martin", engineering)?;
    user("bob", "Bob Nguyen", sales)?;
    let carol = user("carol", "Carol Kowalski", support)?;
    let dave = user("dave", "Dave Ivanov", engineering)?;
    let erin = user("erin", "Erin Petit", head_office)?;
    store.set_demo_emails()?;

    // Deliberately no alice–bob direct chat: the end-to-end test creates it by clicking Bob.
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
