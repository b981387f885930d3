//! 10,000 malformed frames from a seeded generator against a real server: every one is
//! answered (or the connection is closed for a reason the protocol allows), the server keeps
//! serving, and the database holds nothing but what was acknowledged.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{login, start, Client};
use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{
    AckResult, ClientFrame, EmailMode, ErrorCode, Importance, Presence, ServerFrame, SettingsPatch,
    CLOSE_MESSAGE_TOO_BIG, MAX_FRAME_BYTES, MAX_SOCKET_FRAME_BYTES, PROTOCOL_VERSION,
};
use rusqlite::types::ValueRef;
use serde_json::Value;
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const FRAMES: usize = 10_000;
/// Below the protocol's default command burst, so a rate-limiting server still parses every
/// frame of a batch instead of refusing it unread.
const FRAMES_PER_CONNECTION: usize = 50;
const SEED: u64 = 0x5eed_f00d_cafe_d00d;
/// Past the hard cap the server answers `frame_too_large` and closes with 1009.
const SOCKET_LIMIT: usize = MAX_SOCKET_FRAME_BYTES;

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a fuzz frame is allowed to cause besides an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Answer,
    /// Not UTF-8 inside a text frame: the WebSocket layer itself may end the connection.
    AnswerOrClose,
    /// Past the hard cap: `frame_too_large`, then close code 1009.
    ErrorThenClose,
}

/// Well-formed commands (as the fuzz user, alice) that mutations start from. Commands that
/// change membership of existing conversations are left out so the database check stays
/// exact; everything they share with these (ids, numbers, nesting) is still exercised.
fn templates() -> Vec<String> {
    let id = || "fz-1".to_owned();
    let frames = vec![
        ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token: "t".into(),
            resume: None,
        },
        ClientFrame::SendMessage {
            note: false,
            id: id(),
            conversation_id: 1,
            text: "fuzz".into(),
            importance: Importance::High,
            attachments: vec!["00112233445566778899aabbccddeeff".into()],
        },
        ClientFrame::OpenDirect {
            id: id(),
            user_id: 2,
        },
        ClientFrame::CreateGroup {
            id: id(),
            title: "g".into(),
            members: vec![2, 3],
        },
        ClientFrame::CreateChannel {
            id: id(),
            title: "c".into(),
        },
        ClientFrame::ListChannels { id: id() },
        ClientFrame::MarkRead {
            id: id(),
            conversation_id: 1,
            message_id: 1,
        },
        ClientFrame::LoadHistory {
            id: id(),
            conversation_id: 1,
            before: Some(5),
            limit: 10,
        },
        ClientFrame::Typing {
            id: id(),
            conversation_id: 1,
        },
        ClientFrame::SetPresence {
            id: id(),
            presence: Presence::Away,
        },
        ClientFrame::ListNotifications {
            id: id(),
            before: None,
            limit: 5,
        },
        ClientFrame::MarkNotificationRead {
            id: id(),
            notification_id: 1,
        },
        ClientFrame::MarkAllNotificationsRead { id: id() },
        ClientFrame::MarkConversationNotificationsRead {
            id: id(),
            conversation_id: 1,
        },
        ClientFrame::SetReminder {
            id: id(),
            at: 1,
            text: "r".into(),
            conversation_id: Some(1),
        },
        ClientFrame::UpdateSettings {
            id: id(),
            settings: SettingsPatch {
                email_mode: Some(EmailMode::Digest),
                digest_minutes: Some(5),
                ..SettingsPatch::default()
            },
        },
        ClientFrame::MarkChannelsSeen { id: id(), up_to: 3 },
    ];
    frames
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect()
}

const WRONG_VALUES: &[&str] = &[
    "null",
    "true",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "-1",
    "0",
    "1.5",
    "1e999",
    "-1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "[1,[2,[3]]]",
    "{\"a\":{\"b\":null}}",
    "\"\\ud800\"",
];

fn generate(rng: &mut Rng, templates: &[String]) -> (WsMessage, Expect) {
    let text = |s: String| (WsMessage::text(s), Expect::Answer);
    let template = rng.pick(templates).clone();
    match rng.below(20) {
        0 | 1 => {
            let n = rng.below(200);
            text(String::from_utf8_lossy(&rng.bytes(n)).into_owned())
        }
        2 => {
            let n = rng.below(200);
            (WsMessage::binary(rng.bytes(n)), Expect::Answer)
        }
        3 | 4 => {
            let cut = rng.below(template.len());
            text(template[..cut].to_owned())
        }
        5..=7 => {
            // ASCII in, ASCII out: the frame stays valid UTF-8.
            let mut bytes = template.into_bytes();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = b' ' + rng.below(95) as u8;
            }
            text(String::from_utf8(bytes).unwrap())
        }
        8..=10 => {
            let mut value: Value = serde_json::from_str(&template).unwrap();
            let object = value.as_object_mut().unwrap();
            let keys: Vec<String> = object.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            let wrong = *rng.pick(WRONG_VALUES);
            let mut out = serde_json::to_string(&value).unwrap();
            // Spliced as text, since 1e999 and friends are not representable as a Value.
            let field = format!("\"{key}\":");
            if let Some(start) = out.find(&field) {
                let value_start = start + field.len();
                let rest = &out[value_start..];
                let end = value_end(rest);
                out.replace_range(value_start..value_start + end, wrong);
            }
            text(out)
        }
        11 => {
            let mut value: Value = serde_json::from_str(&template).unwrap();
            let object = value.as_object_mut().unwrap();
            let keys: Vec<String> = object.keys().cloned().collect();
            object.remove(rng.pick(&keys));
            text(value.to_string())
        }
        12 => {
            let depth = 100 + rng.below(5_000);
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let frame = if rng.below(2) == 0 {
                nested
            } else {
                format!(
                    r#"{{"type":"send_message","id":"deep","conversation_id":1,"text":{nested}}}"#
                )
            };
            text(frame)
        }
        13 => {
            let n = rng.below(100);
            let mut bytes = rng.bytes(n);
            bytes.extend_from_slice(&[0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);
            (WsMessage::binary(bytes), Expect::Answer)
        }
        14 => {
            // Invalid UTF-8 inside a text frame, rarely: the WebSocket layer closes (1007).
            if rng.below(20) == 0 {
                let frame =
                    Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
                (WsMessage::Frame(frame), Expect::AnswerOrClose)
            } else {
                text(format!(
                    r#"{{"type":"{}","id":"u{}"}}"#,
                    rng.next(),
                    rng.next()
                ))
            }
        }
        // Oversized frames are costly to mask and parse in a debug build: 1 in 100.
        15 if rng.below(5) == 0 => {
            let size = MAX_FRAME_BYTES + 1 + rng.below(MAX_FRAME_BYTES - 1);
            let frame = format!(
                r#"{{"type":"send_message","id":"big","conversation_id":1,"text":"{}"}}"#,
                "a".repeat(size)
            );
            if rng.below(5) == 0 {
                let huge = "b".repeat(SOCKET_LIMIT + rng.below(1000));
                (WsMessage::text(huge), Expect::ErrorThenClose)
            } else {
                text(frame)
            }
        }
        16 => text(
            rng.pick(&[
                "null",
                "1",
                "\"send_message\"",
                "[]",
                "[{}]",
                "{}",
                "",
                " ",
                "\u{0}",
            ])
            .to_string(),
        ),
        17 => {
            // Duplicate keys, the second one wrong.
            let mut out = template;
            out.insert_str(1, r#""type":"hello","#);
            text(out)
        }
        18 => {
            let escaped = format!(
                r#"{{"type":"send_message","id":"e","conversation_id":1,"text":"\u{}"}}"#,
                rng.pick(&["d800", "zzzz", "0", "dfff\\ud800"])
            );
            text(escaped)
        }
        _ => {
            // A whole valid template with a huge number in every numeric field.
            let mut out = String::new();
            let mut digits = false;
            for c in template.chars() {
                if c.is_ascii_digit() {
                    if !digits {
                        out.push_str("340282366920938463463374607431768211456");
                    }
                    digits = true;
                } else {
                    digits = false;
                    out.push(c);
                }
            }
            text(out)
        }
    }
}

/// Length of the JSON value at the start of `rest` (scalar, string or bracketed).
fn value_end(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b',' | b'}' | b']' if depth == 0 => return i,
            _ => {}
        }
    }
    bytes.len()
}

/// Rows that only acknowledged commands may change, as comparable strings.
fn snapshot(db: &Path) -> BTreeSet<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let queries = [
        "SELECT 'user', id, username, display_name, department_id FROM users",
        "SELECT 'department', id, name, parent_id FROM departments",
        "SELECT 'conversation', id, kind, title, direct_key FROM conversations",
        "SELECT 'member', conversation_id, user_id, NULL, NULL FROM conversation_members",
        "SELECT 'message', id, conversation_id, sender_id, text, importance, client_id FROM messages",
        "SELECT 'attachment', id, message_id, uploader_id FROM attachments",
    ];
    let mut rows = BTreeSet::new();
    for sql in queries {
        let mut stmt = conn.prepare(sql).unwrap();
        let columns = stmt.column_count();
        let mut query = stmt.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let fields: Vec<String> = (0..columns)
                .map(|i| match row.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_owned(),
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) => x.to_string(),
                    ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => format!("{b:?}"),
                })
                .collect();
            rows.insert(fields.join("|"));
        }
    }
    rows
}

#[derive(Default)]
struct Tally {
    errors: usize,
    acks: usize,
    closes: usize,
    /// Rows in the snapshot that acknowledged commands account for (message and conversation
    /// ids, as they appear in the snapshot's second column).
    acked_messages: BTreeSet<i64>,
    acked_conversations: BTreeSet<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_malformed_frames_are_answered_and_change_nothing() {
    let (server, db) = start("fuzz").await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let before = snapshot(db.path());
    let templates = templates();
    let mut rng = Rng(SEED);
    let mut tally = Tally::default();
    let started = std::time::Instant::now();

    let mut sent = 0;
    while sent < FRAMES {
        let mut client = FuzzConn::hello(addr, &token).await;
        let batch = FRAMES_PER_CONNECTION.min(FRAMES - sent);
        for _ in 0..batch {
            let (frame, expect) = generate(&mut rng, &templates);
            let shown = match &frame {
                WsMessage::Text(t) => t.chars().take(200).collect::<String>(),
                other => format!("{:?}", other).chars().take(200).collect(),
            };
            sent += 1;
            if client.try_send(frame).await.is_err() {
                assert_eq!(expect, Expect::AnswerOrClose, "connection refused {shown}");
                tally.closes += 1;
                break;
            }
            match client.next_frame().await {
                Some(ServerFrame::Error { code, .. }) if expect == Expect::ErrorThenClose => {
                    assert_eq!(code, ErrorCode::FrameTooLarge, "{shown}");
                    assert_eq!(client.close_code().await, Some(CLOSE_MESSAGE_TOO_BIG));
                    tally.errors += 1;
                    break;
                }
                Some(ServerFrame::Error { .. }) => tally.errors += 1,
                Some(ServerFrame::Ack { result, .. }) => {
                    tally.acks += 1;
                    match result {
                        AckResult::MessageSent { message } => {
                            tally.acked_messages.insert(message.id);
                        }
                        AckResult::Conversation { conversation } => {
                            tally.acked_conversations.insert(conversation.id);
                        }
                        _ => {}
                    }
                }
                Some(other) => panic!("{shown} was answered with {other:?}"),
                None => {
                    assert_eq!(
                        expect,
                        Expect::AnswerOrClose,
                        "connection closed after {shown}"
                    );
                    tally.closes += 1;
                    break;
                }
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{FRAMES} frames in {elapsed:?}: {} errors, {} acks, {} connections closed by the server",
        tally.errors, tally.acks, tally.closes
    );
    assert_eq!(tally.errors + tally.acks + tally.closes, FRAMES);
    assert!(
        tally.errors > FRAMES * 9 / 10,
        "most frames are malformed: {}",
        tally.errors
    );

    // The server still works normally.
    let (mut alice, _) = Client::hello(addr, &token).await;
    let message = alice.send_message(1, "still here").await;
    tally.acked_messages.insert(message.id);
    let (history, _) = alice.history(1, None, 1).await;
    assert_eq!(history[0].id, message.id);
    server.shutdown().await.unwrap();

    let after = snapshot(db.path());
    let accounted = |row: &String| {
        let fields: Vec<&str> = row.split('|').collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<i64>().ok());
        match (fields[0], number(1)) {
            ("\"message\"", Some(id)) => {
                tally.acked_messages.contains(&id)
                    || number(2).is_some_and(|c| tally.acked_conversations.contains(&c))
            }
            ("\"conversation\"" | "\"member\"", Some(id)) => {
                tally.acked_conversations.contains(&id)
            }
            _ => false,
        }
    };
    let lost: Vec<&String> = before.difference(&after).collect();
    assert!(lost.is_empty(), "rows changed or removed: {lost:#?}");
    let unexplained: Vec<&String> = after
        .difference(&before)
        .filter(|row| !accounted(row))
        .collect();
    assert!(
        unexplained.is_empty(),
        "rows added without an ack: {unexplained:#?}"
    );
}

/// A bare connection: the fuzz needs to send frames `Client` would never build.
struct FuzzConn(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl FuzzConn {
    async fn hello(addr: SocketAddr, token: &str) -> FuzzConn {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .expect("WebSocket upgrade");
        let mut conn = FuzzConn(ws);
        let hello = ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token: token.to_owned(),
            resume: None,
        };
        conn.try_send(WsMessage::text(serde_json::to_string(&hello).unwrap()))
            .await
            .unwrap();
        match conn.next_frame().await {
            Some(ServerFrame::Welcome(_)) => conn,
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    async fn try_send(&mut self, message: WsMessage) -> Result<(), ()> {
        self.0.send(message).await.map_err(|_| ())
    }

    /// The next frame other than an event or typing, or `None` once the server ended the
    /// connection.
    /// The code of the close frame that comes next, skipping other messages.
    async fn close_code(&mut self) -> Option<u16> {
        loop {
            let message = tokio::time::timeout(common::TIMEOUT, self.0.next())
                .await
                .expect("the server closes in time");
            match message {
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    async fn next_frame(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(common::TIMEOUT, self.0.next())
                .await
                .expect("the server answers every frame in time");
            let text = match message {
                Some(Ok(WsMessage::Text(text))) => text,
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => continue,
            };
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(ServerFrame::Event { .. } | ServerFrame::Typing { .. }) => continue,
                Ok(frame) => return Some(frame),
                Err(e) => panic!("the server sent an unparsable frame ({e}): {text}"),
            }
        }
    }
}
