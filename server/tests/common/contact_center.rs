//! A contact-center server (inbound secret, gateway folder, quick jobs), signed webhook
//! requests and the gateway folder's files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hmac::{Hmac, Mac};
use messenger_protocol::{AckResult, ClientFrame, ConversationSummary, Event, Message};
use messenger_server::{Config, RunningServer};
use sha2::Sha256;

use super::attachments::{request, BinaryResponse, FilesDir};
use super::{Client, TempDb, TIMEOUT};

pub const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

/// A server with the webhook on, its files (attachments, gateway) in a folder removed at
/// the end, and jobs that run every 50 ms.
pub struct CcServer {
    pub server: RunningServer,
    pub db: TempDb,
    pub files: FilesDir,
}

impl CcServer {
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub fn gateway_dir(&self) -> PathBuf {
        self.files.0.join("outbound")
    }
}

/// The configuration [`start`] uses, on `db`, with files in `files`.
pub fn config(db: &TempDb, files: &Path) -> Config {
    let mut config = db.config();
    config.attachments_dir = files.join("attachments");
    let center = &mut config.contact_center;
    center.inbound_secret = Some(messenger_server::InboundSecret::new(SECRET).unwrap());
    center.gateway_dir = files.join("outbound");
    center.gateway_interval = Duration::from_millis(50);
    center.inactivity_interval = Duration::from_millis(50);
    config
}

pub async fn start(name: &str, adjust: impl FnOnce(&mut Config)) -> CcServer {
    let db = TempDb::new(name);
    let files = FilesDir(db.path().with_extension("files"));
    let mut config = config(&db, &files.0);
    adjust(&mut config);
    let server = messenger_server::start(config)
        .await
        .expect("server starts");
    CcServer { server, db, files }
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `sha256=<hex>` of HMAC-SHA256(secret, timestamp + "." + body).
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// `POST /api/inbound` with exactly `headers` (CRLF-terminated lines).
pub async fn post_raw(addr: SocketAddr, headers: &str, body: &[u8]) -> BinaryResponse {
    let headers = format!("Content-Type: application/json\r\n{headers}");
    request(addr, "POST", "/api/inbound", &headers, body.to_vec()).await
}

/// `body` signed now with the test secret.
pub async fn post(addr: SocketAddr, body: &serde_json::Value) -> BinaryResponse {
    post_signed_at(addr, body, now_secs()).await
}

pub async fn post_signed_at(
    addr: SocketAddr,
    body: &serde_json::Value,
    timestamp: i64,
) -> BinaryResponse {
    let body = body.to_string();
    let timestamp = timestamp.to_string();
    let headers = format!(
        "X-Messenger-Timestamp: {timestamp}\r\nX-Messenger-Signature: {}\r\n",
        signature(SECRET, &timestamp, body.as_bytes())
    );
    post_raw(addr, &headers, body.as_bytes()).await
}

/// An SMS from `from`, stored: returns (conversation id, message id).
pub async fn sms(addr: SocketAddr, provider_id: &str, from: &str, text: &str) -> (i64, i64) {
    let body = serde_json::json!({
        "message_id": provider_id, "channel": "sms", "from": from, "text": text,
    });
    stored(post(addr, &body).await)
}

/// A page-mode SMS (an interaction of its own).
pub async fn page(addr: SocketAddr, provider_id: &str, from: &str, text: &str) -> (i64, i64) {
    let body = serde_json::json!({
        "message_id": provider_id, "channel": "sms", "from": from, "text": text,
        "mode": "page",
    });
    stored(post(addr, &body).await)
}

pub fn stored(response: BinaryResponse) -> (i64, i64) {
    assert_eq!(
        response.status,
        200,
        "inbound message: {}",
        String::from_utf8_lossy(&response.body)
    );
    let answer = response.json();
    (
        answer["conversation_id"].as_i64().unwrap(),
        answer["message_id"].as_i64().unwrap(),
    )
}

/// The `.json` files the folder gateway wrote, parsed, by name. Hidden files (one being
/// written) are left out, as a reader of the folder would; a visible file that is not
/// whole JSON fails the test.
pub fn gateway_files(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, serde_json::Value)> = entries
        .filter_map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            assert!(name.ends_with(".json"), "{name}");
            let json = serde_json::from_slice(&std::fs::read(entry.path()).unwrap())
                .unwrap_or_else(|e| panic!("{name} is not whole: {e}"));
            Some((name, json))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Every file of the folder, hidden ones too.
pub fn all_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.count())
        .unwrap_or(0)
}

/// Waits until the gateway folder holds `count` files, then returns them.
pub async fn wait_for_files(dir: &Path, count: usize) -> Vec<(String, serde_json::Value)> {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let files = gateway_files(dir);
        if files.len() >= count {
            assert_eq!(files.len(), count, "{files:?}");
            return files;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gateway folder has {} files, not {count}",
            files.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Client {
    /// The next `conversation_added` / `conversation_updated` of `conversation`.
    pub async fn next_summary_of(&mut self, conversation: i64) -> ConversationSummary {
        loop {
            match self.next_event().await.1 {
                Event::ConversationAdded { conversation: c }
                | Event::ConversationUpdated { conversation: c }
                    if c.id == conversation =>
                {
                    return c
                }
                _ => {}
            }
        }
    }

    /// The next `message_created` of `conversation`.
    pub async fn next_message_in(&mut self, conversation: i64) -> Message {
        loop {
            if let Event::MessageCreated { message } = self.next_event().await.1 {
                if message.conversation_id == conversation {
                    return message;
                }
            }
        }
    }

    pub async fn note(&mut self, conversation_id: i64, text: &str) -> Message {
        let frame = ClientFrame::SendMessage {
            note: true,
            id: self.new_id(),
            conversation_id,
            text: text.to_owned(),
            importance: messenger_protocol::Importance::Normal,
            attachments: Vec::new(),
        };
        match self.ack(frame).await {
            AckResult::MessageSent { message } => message,
            other => panic!("expected message_sent, got {other:?}"),
        }
    }
}
