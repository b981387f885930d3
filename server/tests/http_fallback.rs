//! The HTTP fallback (`GET /api/events`, `POST /api/commands`) for clients whose WebSocket
//! is blocked: the same frames, ids, idempotency and presence as on a socket.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::session::{start_with, without_presence};
use common::{http, login, start, text_message, user_id, Client, HttpResponse};
use messenger_protocol::{
    AckResult, ClientFrame, ErrorCode, Event, PolledEvents, Presence, ResetReason, ResumePosition,
    ServerFrame,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

async fn get_events(addr: SocketAddr, token: &str, query: &str) -> HttpResponse {
    let headers = format!("Authorization: Bearer {token}\r\n");
    http(addr, "GET", &format!("/api/events{query}"), &headers, "").await
}

async fn poll(addr: SocketAddr, token: &str, query: &str) -> PolledEvents {
    let response = get_events(addr, token, query).await;
    assert_eq!(response.status, 200, "{}", response.body);
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("not a poll answer ({e}): {}", response.body))
}

fn position_query(position: &ResumePosition) -> String {
    format!("?epoch={}&seq={}", position.epoch, position.seq)
}

async fn post_raw(addr: SocketAddr, token: &str, body: &str) -> HttpResponse {
    let headers = format!("Authorization: Bearer {token}\r\nContent-Type: application/json\r\n");
    http(addr, "POST", "/api/commands", &headers, body).await
}

async fn post(addr: SocketAddr, token: &str, frames: &[ClientFrame]) -> Vec<ServerFrame> {
    let response = post_raw(addr, token, &serde_json::to_string(frames).unwrap()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

fn sent_message(frame: &ServerFrame) -> &messenger_protocol::Message {
    match frame {
        ServerFrame::Ack {
            result: AckResult::MessageSent { message },
            ..
        } => message,
        other => panic!("expected message_sent, got {other:?}"),
    }
}

/// Closes and waits for the server's close reply, so the connection is gone server-side.
async fn hang_up(mut client: Client) {
    client.send_raw(WsMessage::Close(None)).await;
    while let Some(message) = client.recv_ws().await {
        if matches!(message, WsMessage::Close(_)) {
            break;
        }
    }
}

#[tokio::test]
async fn events_over_http_are_what_a_socket_hello_gets() {
    let (server, _db) = start("http-events").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut alice, welcome) = Client::hello(addr, &token).await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let direct = bob.open_direct(welcome.me.id).await.id;
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: alice
            .drain_events()
            .await
            .last()
            .map_or(welcome.seq, |(seq, _)| *seq),
    };
    hang_up(alice).await;
    for text in ["one", "two", "three"] {
        bob.send_message(direct, text).await;
    }

    let polled = poll(addr, &token, &position_query(&position)).await;
    assert_eq!(polled.poll_after_ms, 3000);
    let ServerFrame::Resumed { seq, until, .. } = polled.frames[0].clone() else {
        panic!("expected resumed first, got {:?}", polled.frames[0]);
    };
    assert_eq!(seq, position.seq);
    assert_eq!(
        until,
        polled.frames.len() as u64 - 1 + seq,
        "the events seq+1..=until"
    );
    let texts: Vec<&str> = polled.frames[1..]
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Event {
                event: Event::MessageCreated { message },
                ..
            } => Some(message.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);

    // A socket resuming from the same position gets exactly the same frames.
    let (mut socket, first) = Client::hello_resume(addr, &token, position.clone()).await;
    let mut replay = vec![first];
    for _ in seq..until {
        let (seq, event) = socket.next_event().await;
        replay.push(ServerFrame::Event { seq, event });
    }
    assert_eq!(replay, polled.frames);

    // No position: a plain welcome; a position from elsewhere: a welcome with the reason.
    let fresh = poll(addr, &token, "").await;
    match &fresh.frames[..] {
        [ServerFrame::Welcome(w)] => {
            assert_eq!(w.reset, None);
            assert_eq!(w.me.presence, Presence::Online);
            assert_eq!(w.limits.poll_interval_ms, 3000);
        }
        other => panic!("expected one welcome, got {other:?}"),
    }
    let elsewhere = ResumePosition {
        epoch: "another-server".into(),
        seq: 3,
    };
    match &poll(addr, &token, &position_query(&elsewhere)).await.frames[..] {
        [ServerFrame::Welcome(w)] => assert_eq!(w.reset, Some(ResetReason::EpochChanged)),
        other => panic!("expected a welcome with reset, got {other:?}"),
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn commands_over_http_are_answered_in_order_and_share_idempotency_with_the_socket() {
    let (server, _db) = start("http-commands").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut bob, bob_welcome) = Client::login(addr, "bob").await;
    let alice_id = user_id(&bob_welcome, "alice");
    let open = ClientFrame::OpenDirect {
        id: "h-open".into(),
        user_id: bob_welcome.me.id,
    };
    let direct = match &post(addr, &token, &[open]).await[..] {
        [ServerFrame::Ack {
            result: AckResult::Conversation { conversation },
            ..
        }] => conversation.id,
        other => panic!("expected the conversation, got {other:?}"),
    };
    bob.drain_events().await;

    let body = format!(
        r#"[{},{},{{"type":"launch_rockets","id":"x1"}},{{"type":"hello","protocol_version":1,"token":"t"}},{}]"#,
        serde_json::to_string(&text_message("h-1", direct, "over http")).unwrap(),
        serde_json::to_string(&ClientFrame::Typing {
            id: "h-typing".into(),
            conversation_id: direct
        })
        .unwrap(),
        serde_json::to_string(&text_message("h-1", direct, "over http")).unwrap(),
    );
    let response = post_raw(addr, &token, &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let answers: Vec<ServerFrame> = serde_json::from_str(&response.body).unwrap();
    assert_eq!(answers.len(), 5);
    let message = sent_message(&answers[0]).clone();
    assert_eq!(message.client_id.as_deref(), Some("h-1"));
    assert!(
        matches!(&answers[1], ServerFrame::Ack { id, result: AckResult::Done } if id == "h-typing")
    );
    assert!(matches!(&answers[2],
        ServerFrame::Error { id: Some(id), code: ErrorCode::BadFrame, .. } if id == "x1"));
    assert!(matches!(
        &answers[3],
        ServerFrame::Error {
            id: None,
            code: ErrorCode::InvalidArgument,
            ..
        }
    ));
    assert_eq!(sent_message(&answers[4]), &message, "the stored ack, once");

    // Bob's socket got the message once, and the typing frame.
    let mut typing = false;
    let mut created = false;
    while !(typing && created) {
        match bob.recv().await {
            ServerFrame::Typing {
                user_id,
                conversation_id,
            } => {
                assert_eq!((user_id, conversation_id), (alice_id, direct));
                typing = true;
            }
            ServerFrame::Event {
                event: Event::MessageCreated { message: got },
                ..
            } => {
                assert_eq!(got, message);
                created = true;
            }
            ServerFrame::Event { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // The same id over the socket: the stored ack; and a socket id resent over HTTP.
    let (mut alice, _) = Client::hello(addr, &token).await;
    match alice
        .request(text_message("h-1", direct, "over http"))
        .await
    {
        ServerFrame::Ack {
            result: AckResult::MessageSent { message: again },
            ..
        } => assert_eq!(again, message),
        other => panic!("expected the stored ack, got {other:?}"),
    }
    let ws_message = match alice.request(text_message("w-1", direct, "over ws")).await {
        ServerFrame::Ack {
            result: AckResult::MessageSent { message },
            ..
        } => message,
        other => panic!("expected an ack, got {other:?}"),
    };
    let answers = post(addr, &token, &[text_message("w-1", direct, "over ws")]).await;
    assert_eq!(sent_message(&answers[0]), &ws_message);

    let created: Vec<String> = without_presence(bob.drain_events().await)
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::MessageCreated { message } => Some(message.text),
            _ => None,
        })
        .collect();
    assert_eq!(created, ["over ws"], "bob: {created:?}");
    assert!(typing, "bob saw alice typing");
    let (history, _) = bob.history(direct, None, 10).await;
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["over http", "over ws"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_poller_is_online_while_it_polls_and_goes_offline_after_the_lease() {
    let (server, _db) = start_with("http-presence", |config| {
        config.limits.poll_interval_ms = 200;
    })
    .await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut bob, bob_welcome) = Client::login(addr, "bob").await;
    let alice_id = user_id(&bob_welcome, "alice");
    let direct = bob.open_direct(alice_id).await.id;
    let waiting = bob.send_message(direct, "while you were away").await;

    let first = poll(addr, &token, "").await;
    assert_eq!(first.poll_after_ms, 200);
    let ServerFrame::Welcome(welcome) = &first.frames[0] else {
        panic!("expected a welcome, got {:?}", first.frames[0]);
    };
    // Delivery at connect, as for a hello, and online for the others.
    let mut online = false;
    let mut delivered = false;
    while !(online && delivered) {
        match bob.next_event().await.1 {
            Event::Presence {
                user_id,
                presence: Presence::Online,
                ..
            } if user_id == alice_id => online = true,
            Event::DeliveredUpTo {
                user_id,
                message_id,
                ..
            } if user_id == alice_id => {
                assert_eq!(message_id, waiting.id);
                delivered = true;
            }
            _ => {}
        }
    }
    // Polling every 150 ms (within the 400 ms lease) for a second keeps her online.
    let mut position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: welcome.seq,
    };
    for _ in 0..7 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let polled = poll(addr, &token, &position_query(&position)).await;
        if let Some(ServerFrame::Event { seq, .. }) = polled.frames.last() {
            position.seq = *seq;
        }
    }
    let events = bob.drain_events().await;
    assert!(
        !events
            .iter()
            .any(|(_, e)| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id)),
        "alice stayed online: {events:?}"
    );
    // She stops: offline with last_seen once the lease is over.
    let stopped = Instant::now();
    let (_, offline) = bob
        .wait_for_event(|e| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id))
        .await;
    let waited = stopped.elapsed();
    match offline {
        Event::Presence {
            presence: Presence::Offline,
            last_seen: Some(_),
            ..
        } => {}
        other => panic!("expected offline with last_seen, got {other:?}"),
    }
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(3),
        "offline {waited:?} after the last poll; the lease is 400 ms"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_something_happens() {
    let (server, _db) = start("http-long-poll").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut bob, bob_welcome) = Client::login(addr, "bob").await;
    let direct = bob.open_direct(user_id(&bob_welcome, "alice")).await.id;
    let first = poll(addr, &token, "").await;
    let ServerFrame::Welcome(welcome) = &first.frames[0] else {
        panic!("expected a welcome");
    };
    // Whatever the first poll caused (delivery) is fetched, so the next one is caught up.
    let caught_up = poll(
        addr,
        &token,
        &position_query(&ResumePosition {
            epoch: welcome.epoch.clone(),
            seq: welcome.seq,
        }),
    )
    .await;
    let ServerFrame::Resumed { until, .. } = caught_up.frames[0] else {
        panic!("expected resumed");
    };
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: until,
    };
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let message = bob.send_message(direct, "wake up").await;
        (bob, message)
    });
    let started = Instant::now();
    let polled = poll(
        addr,
        &token,
        &format!("{}&wait_ms=4000", position_query(&position)),
    )
    .await;
    let took = started.elapsed();
    // Bob stays connected: his going offline would be news for the quiet poll below.
    let (_bob, message) = sender.await.unwrap();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(3500),
        "held until the message came: {took:?}"
    );
    assert!(polled.frames[1..].iter().any(|f| matches!(f,
        ServerFrame::Event { event: Event::MessageCreated { message: m }, .. } if m.id == message.id)));

    // With nothing happening, it answers when the wait is over, with just `resumed`.
    let ServerFrame::Event { seq, .. } = polled.frames.last().unwrap() else {
        panic!("ends with an event");
    };
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: *seq,
    };
    let started = Instant::now();
    let quiet = poll(
        addr,
        &token,
        &format!("{}&wait_ms=300", position_query(&position)),
    )
    .await;
    assert_eq!(quiet.frames.len(), 1, "{:?}", quiet.frames);
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_tokens_parameters_and_bodies_get_json_errors() {
    let (server, _db) = start_with("http-errors", |config| {
        config.limits.command_burst = 3;
        config.limits.commands_per_second = 1;
    })
    .await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let code = |response: &HttpResponse| -> String {
        let value: serde_json::Value = serde_json::from_str(&response.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.body));
        assert!(value["message"].as_str().is_some_and(|m| !m.is_empty()));
        value["code"].as_str().unwrap().to_owned()
    };
    for response in [
        get_events(addr, "not-a-token", "").await,
        http(addr, "GET", "/api/events", "", "").await,
        post_raw(addr, "not-a-token", "[]").await,
    ] {
        assert_eq!(response.status, 401, "{}", response.body);
        assert_eq!(code(&response), "unauthorized");
    }
    for query in [
        "?epoch=e",
        "?seq=4",
        "?epoch=e&seq=-1",
        "?epoch=e&seq=x",
        "?wait_ms=later",
    ] {
        let response = get_events(addr, &token, query).await;
        assert_eq!(response.status, 400, "{query}: {}", response.body);
        assert_eq!(code(&response), "invalid_argument");
    }
    for body in ["", "{}", "[1,", "not json"] {
        let response = post_raw(addr, &token, body).await;
        assert_eq!(response.status, 400, "{body}: {}", response.body);
        assert_eq!(code(&response), "bad_frame");
    }
    let too_many = post_raw(addr, &token, &format!("[{}1]", "1,".repeat(3))).await;
    assert_eq!(too_many.status, 400);
    assert_eq!(code(&too_many), "invalid_argument");
    let huge = format!(r#"["{}"]"#, "x".repeat(200 * 1024));
    let response = post_raw(addr, &token, &huge).await;
    assert_eq!(response.status, 413);
    assert_eq!(code(&response), "frame_too_large");

    // Elements that are not commands get errors in place; the bucket is per token.
    let answers: Vec<ServerFrame> = serde_json::from_str(
        &post_raw(addr, &token, r#"[1, {"id":"n1"}, "x"]"#)
            .await
            .body,
    )
    .unwrap();
    assert!(answers.iter().all(|a| matches!(
        a,
        ServerFrame::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    )));
    assert!(matches!(&answers[1], ServerFrame::Error { id: Some(id), .. } if id == "n1"));
    let list = |id: &str| ClientFrame::ListChannels { id: id.into() };
    let answers = post(addr, &token, &[list("l1"), list("l2")]).await;
    assert!(
        matches!(
            &answers[..],
            [ServerFrame::Error { id: Some(id), code: ErrorCode::RateLimited, .. }, _] if id == "l1"
        ),
        "{answers:?}"
    );
    server.shutdown().await.unwrap();
}
