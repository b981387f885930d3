//! Reconnecting: replay after `resume`, resets, and idempotent resends across connections.

mod common;

use common::session::without_presence;
use common::{login, start, user_id, Client};
use messenger_protocol::{
    AckResult, ClientFrame, Event, Presence, ResetReason, ResumePosition, ServerFrame,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Closes politely and waits for the server's close reply, so the server has unregistered
/// the connection before the test goes on.
async fn hang_up(mut client: Client) {
    client.send_raw(WsMessage::Close(None)).await;
    while let Some(message) = client.recv_ws().await {
        if matches!(message, WsMessage::Close(_)) {
            break;
        }
    }
}

#[tokio::test]
async fn resume_replays_what_was_missed_then_live_events_without_gap_or_duplicate() {
    let (server, _db) = start("resume").await;
    let addr = server.local_addr();
    let alice_token = login(addr, "alice").await;
    let (mut alice, welcome) = Client::hello(addr, &alice_token).await;
    let bob_id = user_id(&welcome, "bob");
    let mut last_seq = welcome.seq;
    for (seq, _) in alice.drain_events().await {
        assert_eq!(seq, last_seq + 1);
        last_seq = seq;
    }
    let (mut bob, _) = Client::login(addr, "bob").await;
    for (seq, _) in alice.drain_events().await {
        assert_eq!(seq, last_seq + 1);
        last_seq = seq;
    }
    hang_up(alice).await;
    bob.wait_for_event(|e| {
        matches!(e, Event::Presence { user_id, presence: Presence::Offline, .. }
                 if *user_id == welcome.me.id)
    })
    .await;

    // While Alice is away, Bob opens a chat with her and writes three messages.
    let conversation = bob.open_direct(welcome.me.id).await.id;
    let mut sent = Vec::new();
    for text in ["one", "two", "three"] {
        sent.push(bob.send_message(conversation, text).await.id);
    }

    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: last_seq,
    };
    let (mut alice, first) = Client::hello_resume(addr, &alice_token, position.clone()).await;
    // What she missed: the conversation and Bob's three messages, and nothing else.
    let until = last_seq + 4;
    assert_eq!(
        first,
        ServerFrame::Resumed {
            epoch: position.epoch.clone(),
            seq: last_seq,
            until,
        }
    );
    // And one more once she is back: it must follow the replay directly.
    sent.push(bob.send_message(conversation, "four").await.id);

    let mut received = Vec::new();
    let mut added = 0;
    let mut delivered_to_alice = None;
    while received.len() < sent.len() || delivered_to_alice != sent.last().copied() {
        let (seq, event) = alice.next_event().await;
        assert_eq!(seq, last_seq + 1, "no gap, no duplicate: {event:?}");
        last_seq = seq;
        if seq == until + 1 {
            assert_eq!(
                (added, &received[..]),
                (1, &sent[..3]),
                "the replay up to `until` held everything she missed"
            );
        }
        match event {
            Event::ConversationAdded { conversation: c } => {
                assert_eq!(c.id, conversation);
                added += 1;
            }
            Event::MessageCreated { message } => received.push(message.id),
            Event::DeliveredUpTo {
                user_id,
                message_id,
                ..
            } if user_id == welcome.me.id => delivered_to_alice = Some(message_id),
            _ => {}
        }
    }
    assert_eq!(added, 1);
    assert_eq!(received, sent, "each message once, in order");
    assert!(alice.drain_events().await.iter().all(|(seq, _)| {
        let next = *seq == last_seq + 1;
        last_seq = *seq;
        next
    }));

    // Bob saw his messages reach Alice: the replay delivered the first three at once.
    let delivered: Vec<i64> = without_presence(bob.drain_events().await)
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::DeliveredUpTo {
                user_id,
                message_id,
                ..
            } if user_id == welcome.me.id => Some(message_id),
            _ => None,
        })
        .collect();
    assert_eq!(delivered, vec![sent[2], sent[3]]);
    assert_ne!(bob_id, welcome.me.id);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn resume_from_another_epoch_or_ahead_of_the_server_gets_a_fresh_welcome() {
    let (server, _db) = start("resume-reset").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (alice, welcome) = Client::hello(addr, &token).await;
    drop(alice);

    let other_epoch = ResumePosition {
        epoch: "not-this-server".into(),
        seq: welcome.seq,
    };
    match Client::hello_resume(addr, &token, other_epoch).await.1 {
        ServerFrame::Welcome(w) => {
            assert_eq!(w.reset, Some(ResetReason::EpochChanged));
            assert_eq!(w.epoch, welcome.epoch);
            assert_eq!(w.me.username, "alice");
        }
        other => panic!("expected a welcome, got {other:?}"),
    }

    let ahead = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: welcome.seq + 1000,
    };
    match Client::hello_resume(addr, &token, ahead).await.1 {
        ServerFrame::Welcome(w) => assert_eq!(w.reset, Some(ResetReason::TooOld)),
        other => panic!("expected a welcome, got {other:?}"),
    }

    // Without resume there is nothing to reset.
    let (_, plain) = Client::hello(addr, &token).await;
    assert_eq!(plain.reset, None);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn resume_at_the_current_position_replays_nothing() {
    let (server, _db) = start("resume-current").await;
    let addr = server.local_addr();
    let token = login(addr, "erin").await;
    let (erin, welcome) = Client::hello(addr, &token).await;
    hang_up(erin).await;
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: welcome.seq,
    };
    let (mut erin, first) = Client::hello_resume(addr, &token, position).await;
    assert_eq!(
        first,
        ServerFrame::Resumed {
            epoch: welcome.epoch.clone(),
            seq: welcome.seq,
            until: welcome.seq
        },
        "nothing missed: the replay is empty"
    );
    assert!(without_presence(erin.drain_events().await).is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn resending_create_group_after_a_reconnect_creates_one_group() {
    let (server, _db) = start("idempotent-group").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut alice, welcome) = Client::hello(addr, &token).await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    bob.drain_events().await;
    let frame = ClientFrame::CreateGroup {
        id: "group-once".into(),
        title: "Launch".into(),
        members: vec![user_id(&welcome, "bob")],
    };
    let first = alice.ack(frame.clone()).await;
    let again = alice.ack(frame.clone()).await;
    assert_eq!(first, again);
    drop(alice);

    // The ack was "lost"; a new connection sends the same command again.
    let (mut alice, _) = Client::hello(addr, &token).await;
    assert_eq!(alice.ack(frame).await, first);
    let AckResult::Conversation { conversation } = first else {
        panic!("expected conversation, got {first:?}");
    };

    let added: Vec<_> = bob
        .drain_events()
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, Event::ConversationAdded { .. }))
        .collect();
    assert_eq!(added.len(), 1, "bob got {added:?}");
    let (_, fresh) = Client::hello(addr, &token).await;
    let launches: Vec<_> = fresh
        .conversations
        .iter()
        .filter(|c| c.title.as_deref() == Some("Launch"))
        .collect();
    assert_eq!(launches.len(), 1);
    assert_eq!(launches[0].id, conversation.id);

    // A failed command is not remembered: fixing it and resending the same id works.
    let bad = ClientFrame::CreateGroup {
        id: "group-retry".into(),
        title: "  ".into(),
        members: vec![],
    };
    assert_eq!(
        alice.error(bad).await,
        messenger_protocol::ErrorCode::InvalidArgument
    );
    let fixed = ClientFrame::CreateGroup {
        id: "group-retry".into(),
        title: "Retry".into(),
        members: vec![],
    };
    assert!(matches!(
        alice.ack(fixed).await,
        AckResult::Conversation { .. }
    ));
    server.shutdown().await.unwrap();
}
