//! The WebSocket protocol as a client sees it: handshake, commands, events, bad input.

mod common;

use common::{login, start, text_message, user_id, Client};
use messenger_protocol::{
    AckResult, ClientFrame, ConversationKind, ErrorCode, Event, Importance, Presence, ServerFrame,
    CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn hello(token: &str, protocol_version: u32) -> ClientFrame {
    ClientFrame::Hello {
        protocol_version,
        token: token.to_owned(),
        resume: None,
    }
}

fn expect_error(frame: ServerFrame, code: ErrorCode) -> String {
    match frame {
        ServerFrame::Error {
            code: got,
            message,
            id: None,
        } if got == code => message,
        other => panic!("expected a {code:?} error without id, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_token_is_refused_with_close_4001() {
    let (server, _db) = start("bad-token").await;
    let mut client = Client::connect(server.local_addr()).await;
    client.send(&hello("not-a-token", 1)).await;
    let message = expect_error(client.recv().await, ErrorCode::Unauthorized);
    assert_eq!(message, "invalid or expired token");
    assert_eq!(client.recv_close_code().await, CLOSE_UNAUTHORIZED);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn anything_before_hello_is_refused_with_close_4001() {
    let (server, _db) = start("no-hello").await;
    let addr = server.local_addr();
    let mut client = Client::connect(addr).await;
    client.send(&text_message("c1", 1, "hi")).await;
    expect_error(client.recv().await, ErrorCode::Unauthorized);
    assert_eq!(client.recv_close_code().await, CLOSE_UNAUTHORIZED);

    let mut client = Client::connect(addr).await;
    client.send_text("{not json").await;
    expect_error(client.recv().await, ErrorCode::Unauthorized);
    assert_eq!(client.recv_close_code().await, CLOSE_UNAUTHORIZED);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn other_protocol_version_is_refused_with_close_4002() {
    let (server, _db) = start("version").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let mut client = Client::connect(addr).await;
    client.send(&hello(&token, 2)).await;
    let message = expect_error(client.recv().await, ErrorCode::UnsupportedVersion);
    assert_eq!(message, "server speaks protocol 1, client asked for 2");
    assert_eq!(client.recv_close_code().await, CLOSE_UNSUPPORTED_VERSION);

    // A newer client's hello may not even have our shape; it still learns about the version.
    let mut client = Client::connect(addr).await;
    client
        .send_text(r#"{"type":"hello","protocol_version":7,"credentials":{"sso":"x"}}"#)
        .await;
    let message = expect_error(client.recv().await, ErrorCode::UnsupportedVersion);
    assert_eq!(message, "server speaks protocol 1, client asked for 7");
    assert_eq!(client.recv_close_code().await, CLOSE_UNSUPPORTED_VERSION);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn welcome_shows_the_demo_organisation() {
    let (server, _db) = start("welcome").await;
    let (_alice, welcome) = Client::login(server.local_addr(), "alice").await;

    assert_eq!(welcome.protocol_version, 1);
    assert!(!welcome.epoch.is_empty());
    assert_eq!(welcome.me.username, "alice");
    assert_eq!(welcome.me.display_name, "Alice Martin");
    assert_eq!(welcome.me.presence, Presence::Online);
    let names: Vec<&str> = welcome
        .users
        .iter()
        .map(|u| u.display_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Alice Martin",
            "Bob Nguyen",
            "Carol Kowalski",
            "Dave Ivanov",
            "Erin Petit",
            "Anna Lefèvre",
            "Bruno Costa"
        ]
    );
    let bob = welcome.users.iter().find(|u| u.username == "bob").unwrap();
    assert_eq!(bob.presence, Presence::Offline);

    let departments: Vec<(&str, Option<&str>)> = welcome
        .departments
        .iter()
        .map(|d| {
            let parent = d.parent_id.map(|p| {
                welcome
                    .departments
                    .iter()
                    .find(|x| x.id == p)
                    .unwrap()
                    .name
                    .as_str()
            });
            (d.name.as_str(), parent)
        })
        .collect();
    assert_eq!(
        departments,
        [
            ("Head office", None),
            ("Engineering", Some("Head office")),
            ("Sales", Some("Head office")),
            ("Support", Some("Head office")),
        ]
    );
    let engineering = welcome
        .departments
        .iter()
        .find(|d| d.name == "Engineering")
        .unwrap();
    assert_eq!(welcome.me.department_id, Some(engineering.id));

    assert_eq!(
        welcome.conversations.len(),
        2,
        "the Engineering group and the SMS group"
    );
    let sms = welcome
        .conversations
        .iter()
        .find(|c| c.sms)
        .expect("an SMS conversation");
    assert_eq!(sms.title.as_deref(), Some("SMS: Field team"));
    assert_eq!(sms.unread, 0);
    let group = welcome
        .conversations
        .iter()
        .find(|c| c.title.as_deref() == Some("Engineering"))
        .unwrap();
    assert!(!group.sms);
    assert_eq!(group.kind, ConversationKind::Group);
    assert_eq!(group.title.as_deref(), Some("Engineering"));
    assert_eq!(
        group.members,
        vec![welcome.me.id, user_id(&welcome, "dave")]
    );
    assert_eq!(group.unread, 1);
    let greeting = group.last_message.as_ref().unwrap();
    assert_eq!(greeting.sender_id, user_id(&welcome, "dave"));
    assert_eq!(welcome.limits.max_message_bytes, MAX_MESSAGE_BYTES);
    assert_eq!(welcome.limits.max_frame_bytes, MAX_FRAME_BYTES);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn presence_follows_connections() {
    let (server, _db) = start("presence").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let bob_id = user_id(&welcome, "bob");
    // Connecting delivered the Engineering greeting; only presence matters here.
    alice.drain_events().await;

    let bob_token = login(addr, "bob").await;
    let (bob1, bob_welcome) = Client::hello(addr, &bob_token).await;
    let alice_in_bobs_list = bob_welcome
        .users
        .iter()
        .find(|u| u.id == welcome.me.id)
        .unwrap();
    assert_eq!(alice_in_bobs_list.presence, Presence::Online);
    assert_eq!(
        alice.next_event().await.1,
        Event::Presence {
            user_id: bob_id,
            presence: Presence::Online,
            last_seen: None,
        }
    );

    // A second tab neither announces nor, when closed, ends Bob's presence.
    let (bob2, _) = Client::hello(addr, &bob_token).await;
    drop(bob2);
    assert!(alice.drain_events().await.is_empty());

    // Bob closes politely and the server completes the closing handshake.
    let mut bob1 = bob1;
    bob1.send_raw(WsMessage::Close(None)).await;
    assert!(matches!(bob1.recv_ws().await, Some(WsMessage::Close(_))));
    match alice.next_event().await.1 {
        Event::Presence {
            user_id,
            presence: Presence::Offline,
            last_seen: Some(_),
        } => assert_eq!(user_id, bob_id),
        other => panic!("expected bob offline with last_seen, got {other:?}"),
    }
    let (_, welcome) = Client::login(addr, "carol").await;
    let bob = welcome.users.iter().find(|u| u.id == bob_id).unwrap();
    assert_eq!(bob.presence, Presence::Offline);
    assert!(bob.last_seen.is_some());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn direct_message_reaches_bob_and_read_state_reaches_alice() {
    let (server, _db) = start("direct").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let alice_id = welcome.me.id;
    let bob_id = user_id(&welcome, "bob");
    let bob_token = login(addr, "bob").await;
    let (mut bob, _) = Client::hello(addr, &bob_token).await;
    alice.drain_events().await;

    let conversation = alice.open_direct(bob_id).await;
    assert_eq!(conversation.kind, ConversationKind::Direct);
    assert_eq!(conversation.title, None);
    let mut members = vec![alice_id, bob_id];
    members.sort();
    assert_eq!(conversation.members, members);
    assert_eq!(conversation.unread, 0);
    let Event::ConversationAdded {
        conversation: added,
    } = bob.next_non_presence_event().await.1
    else {
        panic!("bob should learn about the new conversation");
    };
    assert_eq!(added.id, conversation.id);
    let Event::ConversationAdded {
        conversation: added,
    } = alice.next_non_presence_event().await.1
    else {
        panic!("alice's other tabs should learn about the new conversation");
    };
    assert_eq!(added.id, conversation.id);
    // Opening again finds the same conversation, from either side.
    assert_eq!(alice.open_direct(bob_id).await.id, conversation.id);
    assert_eq!(bob.open_direct(alice_id).await.id, conversation.id);

    let before = messenger_now();
    let sent = alice.send_message(conversation.id, "hello Bob").await;
    assert!(sent.id > 0);
    assert!(sent.created_at >= before && sent.created_at <= messenger_now());
    assert_eq!(sent.sender_id, alice_id);
    assert_eq!(sent.text, "hello Bob");

    let (seq, event) = bob.next_non_presence_event().await;
    assert_eq!(
        event,
        Event::MessageCreated {
            message: sent.clone()
        }
    );
    // The sender's own connection gets the event too; it dedups by client_id.
    let (_, echo) = alice.next_non_presence_event().await;
    assert_eq!(
        echo,
        Event::MessageCreated {
            message: sent.clone()
        }
    );
    // Bob was connected, so the message reached him; both sides learn it.
    let delivered = Event::DeliveredUpTo {
        conversation_id: conversation.id,
        user_id: bob_id,
        message_id: sent.id,
    };
    assert_eq!(alice.next_non_presence_event().await.1, delivered);
    assert_eq!(bob.next_non_presence_event().await.1, delivered);

    let (_, fresh) = Client::hello(addr, &bob_token).await;
    assert!(fresh.seq >= seq);
    let summary = fresh
        .conversations
        .iter()
        .find(|c| c.id == conversation.id)
        .unwrap();
    assert_eq!(summary.unread, 1);
    assert_eq!(summary.last_message.as_ref(), Some(&sent));
    assert_eq!(
        fresh.conversations[0].id, conversation.id,
        "most recent first"
    );

    let mark = ClientFrame::MarkRead {
        id: bob.new_id(),
        conversation_id: conversation.id,
        message_id: sent.id,
    };
    let done = bob.ack(mark).await;
    assert_eq!(done, AckResult::Done);
    let read = Event::ReadUpTo {
        conversation_id: conversation.id,
        user_id: bob_id,
        message_id: sent.id,
    };
    assert_eq!(alice.next_non_presence_event().await.1, read);
    assert_eq!(bob.next_non_presence_event().await.1, read);

    let (_, fresh) = Client::hello(addr, &bob_token).await;
    let summary = fresh
        .conversations
        .iter()
        .find(|c| c.id == conversation.id)
        .unwrap();
    assert_eq!(summary.unread, 0);
    assert_eq!(summary.last_read_message_id, Some(sent.id));
    server.shutdown().await.unwrap();
}

fn messenger_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn resending_a_command_id_creates_nothing_new() {
    let (server, _db) = start("idempotent").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let conversation = alice.open_direct(user_id(&welcome, "bob")).await.id;
    bob.drain_events().await;

    let first = alice
        .ack(text_message("same-id", conversation, "only once"))
        .await;
    let second = alice
        .ack(text_message("same-id", conversation, "only once"))
        .await;
    assert_eq!(first, second);
    let AckResult::MessageSent { message } = first else {
        panic!("expected message_sent");
    };
    assert_eq!(message.client_id.as_deref(), Some("same-id"));

    let created: Vec<_> = bob
        .drain_events()
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, Event::MessageCreated { .. }))
        .collect();
    assert_eq!(created.len(), 1, "bob got {created:?}");
    let (messages, _) = bob.history(conversation, None, 100).await;
    assert_eq!(messages, vec![message]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn strangers_cannot_touch_a_conversation() {
    let (server, _db) = start("stranger").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let conversation = alice.open_direct(user_id(&welcome, "bob")).await.id;
    let secret = alice.send_message(conversation, "just between us").await;

    let (mut carol, carol_welcome) = Client::login(addr, "carol").await;
    assert!(carol_welcome
        .conversations
        .iter()
        .all(|c| c.id != conversation));
    let id = carol.new_id();
    let missing = carol
        .request(text_message(&id, conversation, "let me in"))
        .await;
    let unknown = carol
        .request(text_message("c-unknown", 999_999, "let me in"))
        .await;
    // Same answer whether the conversation exists or not.
    let strip = |frame: ServerFrame| match frame {
        ServerFrame::Error { code, message, .. } => (code, message),
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(
        strip(missing),
        (ErrorCode::NotFound, "no such conversation".into())
    );
    assert_eq!(
        strip(unknown),
        (ErrorCode::NotFound, "no such conversation".into())
    );
    let history = ClientFrame::LoadHistory {
        id: carol.new_id(),
        conversation_id: conversation,
        before: None,
        limit: 10,
    };
    assert_eq!(carol.error(history).await, ErrorCode::NotFound);
    let mark = ClientFrame::MarkRead {
        id: carol.new_id(),
        conversation_id: conversation,
        message_id: secret.id,
    };
    assert_eq!(carol.error(mark).await, ErrorCode::NotFound);

    let (messages, _) = alice.history(conversation, None, 100).await;
    assert_eq!(messages, vec![secret]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_commands_get_specific_errors() {
    let (server, _db) = start("invalid").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let group = welcome.conversations[0].id;

    let too_long = "x".repeat(MAX_MESSAGE_BYTES + 1);
    let id = alice.new_id();
    assert_eq!(
        alice.error(text_message(&id, group, &too_long)).await,
        ErrorCode::MessageTooLarge
    );
    let id = alice.new_id();
    assert_eq!(
        alice.error(text_message(&id, group, " \n\t ")).await,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        alice.error(text_message("", group, "hi")).await,
        ErrorCode::InvalidArgument
    );
    let at_limit = "é".repeat(MAX_MESSAGE_BYTES / 2);
    let stored = alice.send_message(group, &at_limit).await;
    assert_eq!(stored.text, at_limit);

    let me = ClientFrame::OpenDirect {
        id: alice.new_id(),
        user_id: welcome.me.id,
    };
    assert_eq!(alice.error(me).await, ErrorCode::InvalidArgument);
    let nobody = ClientFrame::OpenDirect {
        id: alice.new_id(),
        user_id: 424_242,
    };
    assert_eq!(alice.error(nobody).await, ErrorCode::NotFound);
    let wrong_message = ClientFrame::MarkRead {
        id: alice.new_id(),
        conversation_id: group,
        message_id: 424_242,
    };
    assert_eq!(alice.error(wrong_message).await, ErrorCode::NotFound);

    let again = hello("whatever", 1);
    alice.send(&again).await;
    assert!(matches!(
        alice.recv().await,
        ServerFrame::Error {
            id: None,
            code: ErrorCode::InvalidArgument,
            ..
        }
    ));

    // Important messages keep their importance.
    let urgent = ClientFrame::SendMessage {
        note: false,
        id: alice.new_id(),
        conversation_id: group,
        text: "build is red".into(),
        importance: Importance::High,
        attachments: Vec::new(),
    };
    let AckResult::MessageSent { message } = alice.ack(urgent).await else {
        panic!("expected message_sent");
    };
    assert_eq!(message.importance, Importance::High);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn broken_frames_get_errors_and_the_connection_keeps_working() {
    let (server, _db) = start("bad-frames").await;
    let (mut alice, welcome) = Client::login(server.local_addr(), "alice").await;
    let group = welcome.conversations[0].id;
    alice.drain_events().await;

    alice.send_text("{this is not json").await;
    assert!(matches!(
        alice.recv().await,
        ServerFrame::Error {
            id: None,
            code: ErrorCode::BadFrame,
            ..
        }
    ));

    alice
        .send_text(r#"{"type":"launch_rockets","id":"r1"}"#)
        .await;
    match alice.recv().await {
        ServerFrame::Error { id, code, message } => {
            assert_eq!((id.as_deref(), code), (Some("r1"), ErrorCode::BadFrame));
            assert!(message.contains("launch_rockets"), "{message}");
        }
        other => panic!("expected bad_frame, got {other:?}"),
    }

    alice
        .send_text(r#"{"type":"send_message","id":"m1","conversation_id":"x"}"#)
        .await;
    assert!(matches!(
        alice.recv().await,
        ServerFrame::Error { id: Some(id), code: ErrorCode::BadFrame, .. } if id == "m1"
    ));

    alice.send_raw(WsMessage::binary(vec![1u8, 2, 3])).await;
    assert!(matches!(
        alice.recv().await,
        ServerFrame::Error {
            id: None,
            code: ErrorCode::BadFrame,
            ..
        }
    ));

    let huge = format!(
        r#"{{"type":"send_message","id":"big","conversation_id":{group},"text":"{}"}}"#,
        "y".repeat(MAX_FRAME_BYTES)
    );
    alice.send_text(&huge).await;
    assert!(matches!(
        alice.recv().await,
        ServerFrame::Error { id: Some(id), code: ErrorCode::FrameTooLarge, .. } if id == "big"
    ));

    let message = alice.send_message(group, "still here").await;
    assert_eq!(message.text, "still here");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_pages_back_without_gaps_or_duplicates() {
    let (server, _db) = start("history").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let conversation = alice.open_direct(user_id(&welcome, "erin")).await.id;
    let mut sent = Vec::new();
    for n in 0..30 {
        sent.push(
            alice
                .send_message(conversation, &format!("message {n}"))
                .await,
        );
    }

    let (mut erin, _) = Client::login(addr, "erin").await;
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let (page, has_more) = erin.history(conversation, before, 10).await;
        assert!(page.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
        before = page.first().map(|m| m.id);
        pages.push(page);
        if !has_more {
            break;
        }
    }
    assert_eq!(pages.len(), 3);
    pages.reverse();
    let all: Vec<_> = pages.into_iter().flatten().collect();
    assert_eq!(all, sent);

    let (clamped, has_more) = erin.history(conversation, None, 1000).await;
    assert_eq!((clamped.len(), has_more), (30, false));
    // A page of nothing is a client bug, refused rather than quietly made a page of one.
    let empty = ClientFrame::LoadHistory {
        id: erin.new_id(),
        conversation_id: conversation,
        before: None,
        limit: 0,
    };
    assert_eq!(erin.error(empty).await, ErrorCode::InvalidArgument);
    let (none, has_more) = erin.history(conversation, Some(sent[0].id), 10).await;
    assert!(none.is_empty() && !has_more);
    server.shutdown().await.unwrap();
}
