//! Getting messages to people: store-and-forward, the forwarding switch, delivery state,
//! typing, presence, rate limits and expiry.

mod common;

use std::time::Duration;

use common::session::{start_with, without_presence};
use common::{login, start, text_message, user_id, Client};
use messenger_protocol::{AckResult, ClientFrame, ErrorCode, Event, Limits, Presence, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn without_forwarding_a_direct_message_to_someone_offline_is_refused_and_not_stored() {
    let (server, _db) = start_with("no-forwarding", |c| c.forwarding = false).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    assert!(!welcome.features.forwarding);
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;

    let id = alice.new_id();
    match alice
        .request(text_message(id.clone(), direct, "are you there?"))
        .await
    {
        ServerFrame::Error {
            id: Some(err_id),
            code: ErrorCode::RecipientOffline,
            message,
        } => {
            assert_eq!(err_id, id);
            assert_eq!(
                message,
                "Bob Nguyen is offline and this server does not forward messages; \
                 keep it and send when they are online"
            );
        }
        other => panic!("expected recipient_offline, got {other:?}"),
    }
    let (history, _) = alice.history(direct, None, 10).await;
    assert!(history.is_empty(), "nothing stored");

    // Groups are always stored, even with Dave offline.
    let engineering = welcome.conversations[0].id;
    alice.send_message(engineering, "for later").await;

    // Once Bob is online, the same command id goes through.
    let (_bob, _) = Client::login(addr, "bob").await;
    let AckResult::MessageSent { message } =
        alice.ack(text_message(id, direct, "are you there?")).await
    else {
        panic!("expected message_sent");
    };
    assert_eq!(alice.history(direct, None, 10).await.0, vec![message]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn with_forwarding_a_message_waits_for_bob_and_alice_sees_it_delivered() {
    let (server, _db) = start("forwarding").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    assert!(welcome.features.forwarding);
    let bob_id = user_id(&welcome, "bob");
    let direct = alice.open_direct(bob_id).await.id;
    alice.drain_events().await;

    let sent = alice.send_message(direct, "see you tomorrow").await;
    let delivered_before = without_presence(alice.drain_events().await)
        .into_iter()
        .any(|(_, e)| matches!(e, Event::DeliveredUpTo { .. }));
    assert!(!delivered_before, "bob is offline: not delivered yet");

    let (_bob, bob_welcome) = Client::login(addr, "bob").await;
    let summary = bob_welcome
        .conversations
        .iter()
        .find(|c| c.id == direct)
        .unwrap();
    assert_eq!(summary.unread, 1);
    assert_eq!(summary.last_message.as_ref(), Some(&sent));

    let (_, event) = alice
        .wait_for_event(|e| matches!(e, Event::DeliveredUpTo { .. }))
        .await;
    assert_eq!(
        event,
        Event::DeliveredUpTo {
            conversation_id: direct,
            user_id: bob_id,
            message_id: sent.id
        }
    );
    // Read state lives beside it in every summary.
    let (_, fresh) = Client::login(addr, "alice").await;
    let bob_state = fresh
        .conversations
        .iter()
        .find(|c| c.id == direct)
        .unwrap()
        .member_states
        .iter()
        .find(|m| m.user_id == bob_id)
        .cloned()
        .unwrap();
    assert_eq!(bob_state.delivered_up_to, Some(sent.id));
    assert_eq!(bob_state.read_up_to, None, "delivered, not yet read");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn typing_reaches_the_other_member_only() {
    let (server, _db) = start("typing").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;
    bob.drain_events().await;
    carol.drain_events().await;

    let typing = ClientFrame::Typing {
        id: alice.new_id(),
        conversation_id: direct,
    };
    assert_eq!(alice.ack(typing).await, AckResult::Done);
    assert_eq!(
        bob.recv().await,
        ServerFrame::Typing {
            conversation_id: direct,
            user_id: welcome.me.id
        }
    );
    // drain_events fails on any frame that is not an event or the probe's answer.
    alice.drain_events().await;
    carol.drain_events().await;
    // Typing is not an event: nothing is stored, so a resume would not replay it.
    let (_, fresh) = Client::login(addr, "bob").await;
    let (_, again) = Client::login(addr, "bob").await;
    assert_eq!(fresh.seq, again.seq);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn away_is_broadcast_and_shown_in_welcomes() {
    let (server, _db) = start("away").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    bob.drain_events().await;

    let away = ClientFrame::SetPresence {
        id: alice.new_id(),
        presence: Presence::Away,
    };
    assert_eq!(alice.ack(away).await, AckResult::Done);
    let (_, event) = bob
        .wait_for_event(|e| matches!(e, Event::Presence { .. }))
        .await;
    assert_eq!(
        event,
        Event::Presence {
            user_id: welcome.me.id,
            presence: Presence::Away,
            last_seen: None
        }
    );
    let (_, carol_welcome) = Client::login(addr, "carol").await;
    let shown = carol_welcome
        .users
        .iter()
        .find(|u| u.id == welcome.me.id)
        .unwrap();
    assert_eq!(shown.presence, Presence::Away);

    let offline = ClientFrame::SetPresence {
        id: alice.new_id(),
        presence: Presence::Offline,
    };
    assert_eq!(alice.error(offline).await, ErrorCode::InvalidArgument);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn too_many_commands_are_refused_with_their_id_and_the_connection_survives() {
    let limits = Limits {
        commands_per_second: 5,
        command_burst: 10,
        ..Limits::default()
    };
    let (server, _db) = start_with("rate-limit", |c| c.limits = limits.clone()).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    assert_eq!(welcome.limits.command_burst, 10);
    alice.drain_events().await; // one command of the burst
    let engineering = welcome.conversations[0].id;

    let ids: Vec<String> = (0..30).map(|n| format!("burst-{n}")).collect();
    for id in &ids {
        alice.send(&text_message(id.clone(), engineering, id)).await;
    }
    let (mut acked, mut limited) = (Vec::new(), Vec::new());
    while acked.len() + limited.len() < ids.len() {
        match alice.recv().await {
            ServerFrame::Ack { id, .. } => acked.push(id),
            ServerFrame::Error {
                id: Some(id),
                code: ErrorCode::RateLimited,
                ..
            } => limited.push(id),
            ServerFrame::Event { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        (9..=11).contains(&acked.len()),
        "about the burst goes through: {acked:?}"
    );
    assert_eq!(acked, ids[..acked.len()], "the first ones, in order");

    // After a pause the connection works again, and a refused id may be retried.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (history, _) = alice.history(engineering, None, 100).await;
    let stored = history
        .iter()
        .filter(|m| m.text.starts_with("burst-"))
        .count();
    assert_eq!(stored, acked.len(), "refused commands did nothing");
    let retried = limited[0].clone();
    assert!(matches!(
        alice
            .ack(text_message(retried.clone(), engineering, &retried))
            .await,
        AckResult::MessageSent { .. }
    ));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unread_messages_expire_and_clients_are_told() {
    let (server, _db) = start_with("expiry", |c| {
        c.message_lifetime = Duration::from_millis(600);
        c.expiry_interval = Duration::from_millis(100);
    })
    .await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let bob_token = login(addr, "bob").await;
    let (mut bob, _) = Client::hello(addr, &bob_token).await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;
    let read = alice.send_message(direct, "read in time").await;
    let unread = alice.send_message(direct, "never read").await;
    let mark = ClientFrame::MarkRead {
        id: bob.new_id(),
        conversation_id: direct,
        message_id: read.id,
    };
    assert_eq!(bob.ack(mark).await, AckResult::Done);

    let expired = |e: &Event| matches!(e, Event::MessagesExpired { conversation_id, .. } if *conversation_id == direct);
    let (_, event) = bob.wait_for_event(expired).await;
    assert_eq!(
        event,
        Event::MessagesExpired {
            conversation_id: direct,
            message_ids: vec![unread.id]
        }
    );
    assert_eq!(alice.wait_for_event(expired).await.1, event);
    let (history, _) = bob.history(direct, None, 10).await;
    assert_eq!(history, vec![read.clone()]);

    // A message the recipient has read stays however old it gets.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bob.history(direct, None, 10).await.0, vec![read]);
    bob.send_raw(WsMessage::Close(None)).await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn in_a_group_only_the_sender_and_the_recipient_hear_of_a_live_delivery() {
    let (server, _db) = start("group-delivery").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let (bob_id, carol_id) = (user_id(&welcome, "bob"), user_id(&welcome, "carol"));
    let group = alice.create_group("Launch", &[bob_id, carol_id]).await.id;
    for client in [&mut alice, &mut bob, &mut carol] {
        client.drain_events().await;
    }

    let sent = alice.send_message(group, "ship it").await;
    let delivered_to = |events: Vec<(u64, Event)>| -> Vec<i64> {
        let mut users: Vec<i64> = events
            .into_iter()
            .filter_map(|(_, e)| match e {
                Event::DeliveredUpTo {
                    user_id,
                    message_id,
                    ..
                } if message_id == sent.id => Some(user_id),
                _ => None,
            })
            .collect();
        users.sort();
        users
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Alice, whose message it is, learns it reached both; each recipient hears only of
    // their own delivery (for their other tabs), not of each other's.
    let mut both = vec![bob_id, carol_id];
    both.sort();
    assert_eq!(delivered_to(alice.drain_events().await), both);
    assert_eq!(delivered_to(bob.drain_events().await), vec![bob_id]);
    assert_eq!(delivered_to(carol.drain_events().await), vec![carol_id]);
    server.shutdown().await.unwrap();
}
