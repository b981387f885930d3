//! Frames above the hard cap end the connection with close code 1009 (RFC 6455 "message too
//! big") and a reason naming the limit, instead of a bare TCP close that a client resending
//! from its outbox would meet again and again.

mod common;

use common::{login, start, user_id, Client};
use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{
    ClientFrame, ErrorCode, ServerFrame, CLOSE_MESSAGE_TOO_BIG, MAX_FRAME_BYTES,
    MAX_SOCKET_FRAME_BYTES, PROTOCOL_VERSION,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn send_message_of(id: &str, conversation_id: i64, bytes: usize) -> String {
    format!(
        r#"{{"type":"send_message","id":"{id}","conversation_id":{conversation_id},"text":"{}"}}"#,
        "z".repeat(bytes)
    )
}

/// The close frame, skipping what comes before it; its code and reason.
async fn close_of(client: &mut Client) -> (u16, String) {
    loop {
        match client.recv_ws().await {
            Some(WsMessage::Close(Some(frame))) => {
                return (u16::from(frame.code), frame.reason.to_string())
            }
            Some(WsMessage::Text(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_frame_above_the_hard_cap_is_refused_with_close_1009_and_others_keep_working() {
    let (server, _db) = start("frame-hard-cap").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    assert_eq!(
        welcome.limits.max_socket_frame_bytes, MAX_SOCKET_FRAME_BYTES,
        "the welcome announces the hard cap"
    );
    assert_eq!(MAX_SOCKET_FRAME_BYTES, 131_072);
    let (mut bob, _) = Client::login(addr, "bob").await;
    let group = alice.open_direct(user_id(&welcome, "bob")).await.id;

    // Between the two limits: an error, and the connection stays open.
    alice
        .send_text(&send_message_of("medium", group, 100 * 1024))
        .await;
    assert!(matches!(
        alice.answer_to("medium").await,
        ServerFrame::Error {
            code: ErrorCode::FrameTooLarge,
            ..
        }
    ));
    assert_eq!(
        alice.send_message(group, "still open").await.text,
        "still open"
    );

    // 200 KB: the command is named, then the connection closes with 1009.
    alice
        .send_text(&send_message_of("huge", group, 200 * 1024))
        .await;
    match alice.answer_to("huge").await {
        ServerFrame::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::FrameTooLarge);
            assert!(message.contains("131072"), "{message}");
        }
        other => panic!("expected frame_too_large, got {other:?}"),
    }
    let (code, reason) = close_of(&mut alice).await;
    assert_eq!(code, CLOSE_MESSAGE_TOO_BIG);
    assert!(
        reason.contains("131072"),
        "the reason names the limit: {reason}"
    );
    assert!(alice.recv_ws().await.is_none(), "the connection is over");

    // Bob's connection never noticed; a new one for Alice works, and nothing was stored.
    assert_eq!(bob.send_message(group, "hello").await.text, "hello");
    let (mut alice, _) = Client::login(addr, "alice").await;
    let (history, _) = alice.history(group, None, 10).await;
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(&texts[texts.len() - 2..], ["still open", "hello"]);
    assert!(history
        .iter()
        .all(|m| m.client_id.as_deref() != Some("huge")));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_frame_too_big_to_read_at_all_still_gets_close_1009() {
    let (server, _db) = start("frame-cut-off").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    let (mut sink, mut stream) = ws.split();
    let hello = ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        token,
        resume: None,
    };
    sink.send(WsMessage::text(serde_json::to_string(&hello).unwrap()))
        .await
        .unwrap();
    // 4 MiB: far beyond what the server reads whole. Sent from its own task, since the
    // server stops reading it; the close frame arrives meanwhile.
    let writing = tokio::spawn(async move {
        let _ = sink
            .send(WsMessage::text(send_message_of("enormous", 1, 4 << 20)))
            .await;
    });
    let close = tokio::time::timeout(common::TIMEOUT, async {
        while let Some(Ok(message)) = stream.next().await {
            if let WsMessage::Close(frame) = message {
                return frame;
            }
        }
        None
    })
    .await
    .expect("closed in time")
    .expect("a close frame, not a bare TCP close");
    assert_eq!(u16::from(close.code), CLOSE_MESSAGE_TOO_BIG);
    assert!(close.reason.contains("131072"), "{}", close.reason);
    writing.abort();

    let (mut bob, welcome) = Client::login(addr, "bob").await;
    let direct = bob.open_direct(user_id(&welcome, "alice")).await.id;
    assert_eq!(bob.send_message(direct, "fine").await.text, "fine");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_hello_above_the_frame_limit_gets_frame_too_large_and_close_1009() {
    let (server, _db) = start("hello-too-large").await;
    let addr = server.local_addr();
    for size in [MAX_FRAME_BYTES + 1, 200 * 1024] {
        let mut client = Client::connect(addr).await;
        let hello = ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token: "t".repeat(size),
            resume: None,
        };
        client.send(&hello).await;
        match client.recv().await {
            ServerFrame::Error { id, code, message } => {
                assert_eq!((id, code), (None, ErrorCode::FrameTooLarge));
                assert!(message.contains("65536"), "{message}");
            }
            other => panic!("expected frame_too_large, got {other:?}"),
        }
        let (code, reason) = close_of(&mut client).await;
        assert_eq!(code, CLOSE_MESSAGE_TOO_BIG, "hello of {size} bytes");
        assert!(reason.starts_with("hello is"), "{reason}");
    }
    let (_, welcome) = Client::login(addr, "carol").await;
    assert_eq!(welcome.me.username, "carol");
    server.shutdown().await.unwrap();
}
