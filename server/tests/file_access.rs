//! Who may read an attachment, with which headers, and how long the files live: the
//! uploader and the members of the conversation its message is in; everyone else gets the
//! unknown-id answer. Expired messages and uploads never sent take their files with them.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use common::attachments::{get, get_with, png, start, start_with, upload, BinaryResponse};
use common::{login, user_id, Client};
use messenger_protocol::{AckResult, Attachment, ClientFrame, Importance, Message};

async fn send_image(client: &mut Client, conversation: i64, attachment: &Attachment) -> Message {
    let frame = ClientFrame::SendMessage {
        note: false,
        id: client.new_id(),
        conversation_id: conversation,
        text: "picture".into(),
        importance: Importance::Normal,
        attachments: vec![attachment.id.clone()],
    };
    match client.ack(frame).await {
        AckResult::MessageSent { message } => message,
        other => panic!("{other:?}"),
    }
}

/// Alice connected, her token and bob's, and their direct conversation.
async fn alice_with_bob(addr: SocketAddr) -> (Client, String, String, i64) {
    let alice_token = login(addr, "alice").await;
    let bob_token = login(addr, "bob").await;
    let (mut alice, welcome) = Client::hello(addr, &alice_token).await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;
    (alice, alice_token, bob_token, direct)
}

fn assert_not_found(r: &BinaryResponse, what: &str) {
    assert_eq!(r.status, 404, "{what}: {}", r.head);
    assert_eq!(r.json()["code"], "not_found", "{what}");
    assert_eq!(r.json()["message"], "no such file", "{what}");
}

/// Waits (up to a few seconds) until `path` is gone from disk.
async fn wait_until_removed(path: &Path) {
    let started = Instant::now();
    while path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path:?} still on disk"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn members_read_files_with_safe_headers_and_nobody_else_does() {
    let s = start("files-members").await;
    let addr = s.server.local_addr();
    let (mut alice, alice_token, bob_token, direct) = alice_with_bob(addr).await;
    let carol_token = login(addr, "carol").await;
    let original = png(64, 32);
    let a = upload(
        addr,
        &alice_token,
        "image/png",
        "Zdjęcie.png",
        original.clone(),
    )
    .await;

    // Before it is sent only the uploader can read it (the compose tray shows it).
    assert_eq!(get(addr, &alice_token, &a.url).await.status, 200);
    assert_not_found(&get(addr, &bob_token, &a.url).await, "bob before the send");

    send_image(&mut alice, direct, &a).await;
    let file = get_with(
        addr,
        &format!("Authorization: Bearer {bob_token}\r\nOrigin: http://portal.example\r\n"),
        &a.url,
    )
    .await;
    assert_eq!(file.status, 200, "{}", file.head);
    assert_eq!(file.body, original);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(
        file.header("content-disposition"),
        Some(format!(
            "inline; filename=\"{}\"; filename*=UTF-8''{}",
            a.name, a.name
        ))
        .as_deref()
    );
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        file.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(
        file.header("cross-origin-resource-policy"),
        Some("same-origin")
    );
    let cache = file.header("cache-control").unwrap();
    assert!(
        cache.starts_with("private") && !cache.contains("public"),
        "{cache}"
    );
    assert_eq!(file.header("access-control-allow-origin"), Some("*"));
    let thumb = get(addr, &bob_token, &a.thumbnail_url).await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        thumb.header("content-disposition"),
        Some("inline; filename=\"thumb.jpg\"; filename*=UTF-8''thumb.jpg")
    );

    // Carol is not in the conversation: the same answer as an id that does not exist.
    let unknown = format!("/files/{}/{}", "0".repeat(32), a.name);
    let as_carol = get(addr, &carol_token, &a.url).await;
    assert_not_found(&as_carol, "carol");
    assert_eq!(as_carol.body, get(addr, &carol_token, &unknown).await.body);
    assert_not_found(
        &get(addr, &carol_token, &a.thumbnail_url).await,
        "carol's thumbnail",
    );

    // No token, a wrong one, or another scheme: 401, for known and unknown ids alike.
    for headers in [
        String::new(),
        "Authorization: Bearer not-a-token\r\n".to_owned(),
        format!("Authorization: Basic {bob_token}\r\n"),
    ] {
        for path in [&a.url, &unknown] {
            let r = get_with(addr, &headers, path).await;
            assert_eq!(r.status, 401, "{headers:?} {path}");
            assert_eq!(r.json()["code"], "unauthorized");
        }
    }
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_portal_on_another_origin_may_send_the_token_cross_origin() {
    let s = start("files-cors").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let a = upload(addr, &token, "image/png", "a.png", png(8, 8)).await;
    let preflight = common::attachments::request(
        addr,
        "OPTIONS",
        &a.thumbnail_url,
        "Origin: http://portal.example\r\nAccess-Control-Request-Method: GET\r\n\
         Access-Control-Request-Headers: authorization\r\n",
        Vec::new(),
    )
    .await;
    assert!((200..300).contains(&preflight.status), "{}", preflight.head);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{}", preflight.head);
    // A refusal is readable cross-origin too, so the widget can tell 401 from offline.
    let refused = get_with(addr, "Origin: http://portal.example\r\n", &a.url).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"));
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_expired_message_takes_its_files_with_it() {
    let s = start_with("files-expiry", |c| {
        c.message_lifetime = Duration::from_millis(600);
        c.expiry_interval = Duration::from_millis(100);
    })
    .await;
    let addr = s.server.local_addr();
    let (mut alice, alice_token, bob_token, direct) = alice_with_bob(addr).await;
    let a = upload(addr, &alice_token, "image/png", "gone.png", png(16, 16)).await;
    send_image(&mut alice, direct, &a).await;
    let (original, thumb) = (s.dir.0.join(&a.id), s.dir.0.join(format!("{}.thumb", a.id)));
    assert!(original.exists() && thumb.exists());
    assert_eq!(get(addr, &bob_token, &a.url).await.status, 200);

    // Bob never reads it, so it expires.
    wait_until_removed(&original).await;
    wait_until_removed(&thumb).await;
    for token in [&alice_token, &bob_token] {
        assert_not_found(&get(addr, token, &a.url).await, "after expiry");
        assert_not_found(&get(addr, token, &a.thumbnail_url).await, "after expiry");
    }
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_upload_nobody_sent_is_removed_after_the_grace_and_a_sent_one_stays() {
    let s = start_with("files-orphans", |c| {
        c.orphan_grace = Duration::from_millis(700);
        c.expiry_interval = Duration::from_millis(100);
    })
    .await;
    let addr = s.server.local_addr();
    let (mut alice, alice_token, bob_token, direct) = alice_with_bob(addr).await;
    let sent = upload(addr, &alice_token, "image/png", "sent.png", png(8, 8)).await;
    let orphan = upload(addr, &alice_token, "image/png", "left.png", png(8, 8)).await;
    send_image(&mut alice, direct, &sent).await;
    // Within the grace the uploader still has it (a message being written).
    assert_eq!(get(addr, &alice_token, &orphan.url).await.status, 200);

    wait_until_removed(&s.dir.0.join(&orphan.id)).await;
    wait_until_removed(&s.dir.0.join(format!("{}.thumb", orphan.id))).await;
    assert_not_found(&get(addr, &alice_token, &orphan.url).await, "orphan");
    // Nor can it be sent any more.
    let frame = ClientFrame::SendMessage {
        note: false,
        id: alice.new_id(),
        conversation_id: direct,
        text: "late".into(),
        importance: Importance::Normal,
        attachments: vec![orphan.id.clone()],
    };
    assert_eq!(
        alice.error(frame).await,
        messenger_protocol::ErrorCode::NotFound
    );

    // The sent one is older than the grace too, and stays.
    assert!(s.dir.0.join(&sent.id).exists());
    let kept = get(addr, &bob_token, &sent.url).await;
    assert_eq!(kept.status, 200);
    assert_eq!(kept.body, png(8, 8));
    s.server.shutdown().await.unwrap();
}
