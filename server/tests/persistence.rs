//! What survives a restart on the same database file.

mod common;

use common::{login, start_on, user_id, Client, TempDb};
use messenger_protocol::Event;

#[tokio::test]
async fn restart_keeps_history_sessions_epoch_and_seq() {
    let db = TempDb::new("restart");

    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    let alice_token = login(addr, "alice").await;
    let bob_token = login(addr, "bob").await;
    let (mut alice, welcome) = Client::hello(addr, &alice_token).await;
    let bob_id = user_id(&welcome, "bob");
    let conversation = alice.open_direct(bob_id).await.id;
    let first = alice.send_message(conversation, "before restart").await;
    let (bob, bob_welcome) = Client::hello(addr, &bob_token).await;
    let epoch = bob_welcome.epoch.clone();
    let seq_before = bob_welcome.seq;
    assert!(seq_before >= 2, "conversation_added and message_created");
    drop(alice);
    drop(bob);
    server.shutdown().await.unwrap();

    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    // Sessions are in the database, so old tokens still work.
    let (mut bob, welcome) = Client::hello(addr, &bob_token).await;
    assert_eq!(welcome.epoch, epoch, "same database, same epoch");
    assert!(welcome.seq >= seq_before, "seq never goes back");
    let summary = welcome
        .conversations
        .iter()
        .find(|c| c.id == conversation)
        .expect("conversation survives");
    assert_eq!(summary.unread, 1);
    assert_eq!(summary.last_message.as_ref().unwrap().id, first.id);
    let (messages, has_more) = bob.history(conversation, None, 50).await;
    assert_eq!(messages, vec![first.clone()]);
    assert!(!has_more);
    // Seeding only happens into an empty database: still exactly one demo org.
    assert_eq!(welcome.users.len(), 7);

    let (mut alice, _) = Client::hello(addr, &alice_token).await;
    let second = alice.send_message(conversation, "after restart").await;
    assert!(second.id > first.id);
    let (seq, event) = bob.next_non_presence_event().await;
    assert_eq!(event, Event::MessageCreated { message: second });
    assert!(
        seq > welcome.seq,
        "seq {seq} continues after {}",
        welcome.seq
    );

    drop(alice);
    drop(bob);
    server.shutdown().await.unwrap();
}
