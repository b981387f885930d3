//! `GET /api/unread`: the sidebar's counters without the widget, and its long poll.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::session::start_with;
use common::{http, login, user_id, Client};
use messenger_protocol::{Event, Presence, UnreadCounts, Welcome};

async fn unread(addr: SocketAddr, token: &str, query: &str) -> UnreadCounts {
    let response = http(
        addr,
        "GET",
        &format!("/api/unread{query}"),
        &format!("Authorization: Bearer {token}\r\n"),
        "",
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// What the widget's sidebar shows after this welcome: (messages, notifications, channels).
fn sidebar(welcome: &Welcome) -> (u32, u32, u32) {
    (
        welcome.conversations.iter().map(|c| c.unread).sum(),
        welcome.unread_notifications,
        welcome.new_channels,
    )
}

fn counters(counts: &UnreadCounts) -> (u32, u32, u32) {
    (counts.messages, counts.notifications, counts.channels)
}

#[tokio::test]
async fn counts_are_what_the_sidebar_shows_and_follow_new_messages() {
    let (server, _db) = start_with("unread-counts", |_| {}).await;
    let addr = server.local_addr();
    let alice_token = login(addr, "alice").await;
    let (mut bob, bob_view) = Client::login(addr, "bob").await;
    let alice = user_id(&bob_view, "alice");
    let (_, welcome) = Client::hello(addr, &alice_token).await;
    let before = unread(addr, &alice_token, "").await;
    assert_eq!(counters(&before), sidebar(&welcome));
    // Connecting itself may add events (delivery receipts) after the snapshot.
    assert!(before.version >= welcome.seq);
    assert!(before.messages >= 1, "Dave's greeting in Engineering");

    // A mention: an unread message and a notification; a channel: one more to discover.
    let direct = bob.open_direct(alice).await.id;
    bob.send_message(direct, "@alice the numbers are in").await;
    bob.create_channel("Announcements").await;
    // Alice's stream has the events once bob's commands are acked; her welcome now says:
    let (_, welcome) = Client::hello(addr, &alice_token).await;
    let after = unread(addr, &alice_token, "").await;
    assert_eq!(counters(&after), sidebar(&welcome));
    assert_eq!(after.messages, before.messages + 1);
    assert_eq!(after.notifications, before.notifications + 1);
    assert_eq!(after.channels, before.channels + 1);
    assert!(after.version > before.version);

    // A stale version is answered at once, whatever the wait.
    let started = Instant::now();
    let stale = unread(
        addr,
        &alice_token,
        &format!("?after={}&wait_ms=20000", before.version),
    )
    .await;
    assert_eq!(counters(&stale), counters(&after));
    assert!(started.elapsed() < Duration::from_secs(5));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_held_request_answers_on_the_next_event_or_after_wait_ms() {
    let (server, _db) = start_with("unread-wait", |_| {}).await;
    let addr = server.local_addr();
    let alice_token = login(addr, "alice").await;
    let (mut bob, bob_view) = Client::login(addr, "bob").await;
    let alice = user_id(&bob_view, "alice");
    let direct = bob.open_direct(alice).await.id;
    let now = unread(addr, &alice_token, "").await;

    // Nothing happens: the answer comes after wait_ms, unchanged.
    let started = Instant::now();
    let quiet = unread(
        addr,
        &alice_token,
        &format!("?after={}&wait_ms=600", now.version),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(quiet, now);

    // Something happens while held: the answer carries it.
    let token = alice_token.clone();
    let version = now.version;
    let held = tokio::spawn(async move {
        unread(addr, &token, &format!("?after={version}&wait_ms=20000")).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Holding the request does not make Alice a connection: Bob does not see her online.
    let (_bob2, view) = Client::login(addr, "bob").await;
    let alice_seen = view.users.iter().find(|u| u.id == alice).unwrap();
    assert_eq!(alice_seen.presence, Presence::Offline);
    bob.send_message(direct, "are you there?").await;
    let changed = tokio::time::timeout(Duration::from_secs(5), held)
        .await
        .expect("answered on the event, long before wait_ms")
        .unwrap();
    assert_eq!(changed.messages, now.messages + 1);
    assert!(changed.version > now.version);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_tokens_and_queries_are_refused() {
    let (server, _db) = start_with("unread-bad", |_| {}).await;
    let addr = server.local_addr();
    for headers in [
        "",
        "Authorization: Bearer nope\r\n",
        "Authorization: Basic x\r\n",
    ] {
        let response = http(addr, "GET", "/api/unread", headers, "").await;
        assert_eq!(response.status, 401, "{headers:?}");
        assert!(
            response.body.contains("\"unauthorized\""),
            "{}",
            response.body
        );
    }
    let token = login(addr, "alice").await;
    let auth = format!("Authorization: Bearer {token}\r\n");
    for query in ["?wait_ms=30001", "?after=soon", "?wait_ms=-5"] {
        let response = http(addr, "GET", &format!("/api/unread{query}"), &auth, "").await;
        assert_eq!(response.status, 400, "{query}: {}", response.body);
        assert!(
            response.body.contains("invalid_argument"),
            "{}",
            response.body
        );
    }
    server.shutdown().await.unwrap();
}

/// One plain message from someone else is one more on the badge (`messages + notifications`),
/// whether the recipient was connected or not and whether the direct chat was new or not, and
/// the welcome a widget would start from counts it the same.
#[tokio::test]
async fn a_plain_message_counts_once_connected_or_not() {
    let (server, _db) = start_with("unread-once", |_| {}).await;
    let addr = server.local_addr();
    let alice_token = login(addr, "alice").await;
    let (mut bob, bob_view) = Client::login(addr, "bob").await;
    let alice = user_id(&bob_view, "alice");
    let total = |c: &UnreadCounts| c.messages + c.notifications;
    let start = unread(addr, &alice_token, "").await;

    // Alice is not connected; the direct chat does not exist yet: opening it makes no
    // "added you" notification (a group would), the message counts once.
    let direct = bob.open_direct(alice).await.id;
    assert_eq!(
        unread(addr, &alice_token, "").await,
        UnreadCounts {
            version: start.version + 1,
            ..start
        }
    );
    bob.send_message(direct, "hello while you are away").await;
    let away = unread(addr, &alice_token, "").await;
    assert_eq!(
        counters(&away),
        (start.messages + 1, start.notifications, start.channels)
    );
    assert_eq!(total(&away), total(&start) + 1);

    // Her widget connects: its welcome counts the same.
    let (mut alice_ws, welcome) = Client::hello(addr, &alice_token).await;
    assert_eq!(sidebar(&welcome), counters(&away));

    // Connected, in the existing chat: one message event, no notification.
    bob.send_message(direct, "hello while you are here").await;
    let events = alice_ws.drain_events().await;
    let kinds: Vec<_> = events
        .iter()
        .filter(|(_, e)| !matches!(e, Event::Presence { .. } | Event::DeliveredUpTo { .. }))
        .map(|(_, e)| e)
        .collect();
    assert!(
        matches!(kinds.as_slice(), [Event::MessageCreated { .. }]),
        "{kinds:?}"
    );
    let here = unread(addr, &alice_token, "").await;
    assert_eq!(
        counters(&here),
        (away.messages + 1, away.notifications, away.channels)
    );
    let (_, welcome) = Client::hello(addr, &alice_token).await;
    assert_eq!(sidebar(&welcome), counters(&here));
    server.shutdown().await.unwrap();
}
