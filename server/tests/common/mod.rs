//! Test harness: a server on a temporary SQLite file, raw HTTP for login and a WebSocket
//! client that speaks the protocol types.

#![allow(dead_code)] // Each test binary uses a different part of this module.

pub mod attachments;
pub mod contact_center;
pub mod notifications;
pub mod portal;
pub mod session;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{
    AckResult, ClientFrame, ConversationId, ErrorCode, Event, Importance, Message, ServerFrame,
    Welcome, PROTOCOL_VERSION,
};
use messenger_server::{Config, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A database file in the temp dir, removed (with its WAL files) when dropped. With
/// `MESSENGER_TEST_DATABASE=postgres` servers started through [`TempDb::config`] use a
/// throwaway PostgreSQL instead (the file's folder still holds mail and attachments).
pub struct TempDb(PathBuf, Option<messenger_services::Postgres>);

impl TempDb {
    pub fn new(name: &str) -> TempDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let postgres = (std::env::var("MESSENGER_TEST_DATABASE").as_deref() == Ok("postgres"))
            .then(|| messenger_services::Postgres::start().expect("PostgreSQL starts"));
        TempDb(
            std::env::temp_dir().join(format!(
                "messenger-server-test-{name}-{}-{n}-{nanos}.sqlite3",
                std::process::id()
            )),
            postgres,
        )
    }

    /// The defaults for a server on this database, on a free port.
    pub fn config(&self) -> Config {
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), self.0.clone());
        config.postgres_url = self.1.as_ref().map(|p| p.url());
        config
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

pub async fn start_on(db: &TempDb, static_dir: Option<PathBuf>) -> RunningServer {
    let mut config = db.config();
    config.static_dir = static_dir;
    messenger_server::start(config)
        .await
        .expect("server starts")
}

/// A demo server on a fresh database.
pub async fn start(name: &str) -> (RunningServer, TempDb) {
    let db = TempDb::new(name);
    let server = start_on(&db, None).await;
    (server, db)
}

/// A demo server whose store is a fresh PostgreSQL cluster (stopped and removed when the
/// returned guard drops); mail and attachments go to a temp folder beside it.
pub async fn start_postgres(name: &str) -> (RunningServer, messenger_services::Postgres) {
    let postgres = tokio::task::spawn_blocking(messenger_services::Postgres::start)
        .await
        .unwrap()
        .expect("PostgreSQL starts (cargo xtask installs it)");
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        postgres.dir().join(format!("{name}-files/unused.sqlite3")),
    );
    config.postgres_url = Some(postgres.url());
    let server = messenger_server::start(config)
        .await
        .expect("server starts on PostgreSQL");
    (server, postgres)
}

/// A cluster in-process: `nodes` servers on one fresh PostgreSQL, joined through a fresh
/// nats-server. The services stop when the returned guards drop.
pub struct Cluster {
    pub nodes: Vec<RunningServer>,
    pub postgres: messenger_services::Postgres,
    /// `None` while a test has it stopped.
    pub nats: Option<messenger_services::Nats>,
}

/// PostgreSQL and nats-server, each in a temporary folder on a free port.
pub async fn start_services() -> (messenger_services::Postgres, messenger_services::Nats) {
    tokio::task::spawn_blocking(|| {
        let postgres = messenger_services::Postgres::start().expect("PostgreSQL starts");
        let nats = messenger_services::Nats::start().expect("nats-server starts");
        (postgres, nats)
    })
    .await
    .unwrap()
}

pub async fn start_cluster(name: &str, nodes: usize) -> Cluster {
    start_cluster_with(name, nodes, |_| {}).await
}

/// [`start_cluster`] with each node's cluster settings changed by `configure` (shorter
/// heartbeats and timeouts).
pub async fn start_cluster_with(
    name: &str,
    nodes: usize,
    configure: impl Fn(&mut messenger_server::ClusterConfig),
) -> Cluster {
    let (postgres, nats) = start_services().await;
    let mut servers = Vec::new();
    for n in 0..nodes {
        let mut config = Config::new(
            "127.0.0.1:0".parse().unwrap(),
            postgres
                .dir()
                .join(format!("{name}-{n}-files/unused.sqlite3")),
        );
        config.postgres_url = Some(postgres.url());
        let mut cluster = messenger_server::ClusterConfig::new(nats.url());
        configure(&mut cluster);
        config.cluster = Some(cluster);
        servers.push(
            messenger_server::start(config)
                .await
                .expect("cluster node starts"),
        );
    }
    Cluster {
        nodes: servers,
        postgres,
        nats: Some(nats),
    }
}

pub struct HttpResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request on a fresh connection; the server closes it after answering.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut raw))
        .await
        .expect("HTTP answer in time")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("HTTP head");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    HttpResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

pub async fn login_response(addr: SocketAddr, username: &str, password: &str) -> HttpResponse {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    http(
        addr,
        "POST",
        "/api/login",
        "Content-Type: application/json\r\n",
        &body,
    )
    .await
}

/// Logs in with the demo password and returns the token.
pub async fn login(addr: SocketAddr, username: &str) -> String {
    let response = login_response(addr, username, messenger_server::DEMO_PASSWORD).await;
    assert_eq!(
        response.status, 200,
        "login of {username}: {}",
        response.body
    );
    let value: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    value["token"].as_str().unwrap().to_owned()
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u32,
    /// Command ids are remembered per user, so each client draws from its own range.
    id_prefix: u32,
    /// Events that arrived while waiting for an answer, in order.
    events: Vec<(u64, Event)>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .expect("WebSocket upgrade");
        Client {
            ws,
            next_id: 0,
            id_prefix: {
                static CLIENTS: AtomicU32 = AtomicU32::new(0);
                CLIENTS.fetch_add(1, Ordering::Relaxed)
            },
            events: Vec::new(),
        }
    }

    /// Connects and says hello with `token`; panics unless welcomed.
    pub async fn hello(addr: SocketAddr, token: &str) -> (Client, Welcome) {
        let mut client = Client::connect(addr).await;
        client
            .send(&ClientFrame::Hello {
                protocol_version: PROTOCOL_VERSION,
                token: token.to_owned(),
                resume: None,
            })
            .await;
        match client.recv().await {
            ServerFrame::Welcome(welcome) => (client, *welcome),
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    /// Logs in as `username` and says hello.
    pub async fn login(addr: SocketAddr, username: &str) -> (Client, Welcome) {
        let token = login(addr, username).await;
        Client::hello(addr, &token).await
    }

    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("cmd-{}-{}", self.id_prefix, self.next_id)
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).unwrap()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(WsMessage::text(text.to_owned()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.ws.send(message).await.unwrap();
    }

    /// The next WebSocket message of any kind, or `None` once the stream ends.
    pub async fn recv_ws(&mut self) -> Option<WsMessage> {
        loop {
            let message = tokio::time::timeout(TIMEOUT, self.ws.next())
                .await
                .expect("server answered in time")?
                .ok()?;
            if !matches!(message, WsMessage::Ping(_) | WsMessage::Pong(_)) {
                return Some(message);
            }
        }
    }

    pub async fn recv(&mut self) -> ServerFrame {
        match self.recv_ws().await {
            Some(WsMessage::Text(text)) => serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("server sent unparsable frame {text}: {e}")),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The close code the server ends the connection with.
    pub async fn recv_close_code(&mut self) -> u16 {
        match self.recv_ws().await {
            Some(WsMessage::Close(Some(frame))) => u16::from(frame.code),
            other => panic!("expected a close frame, got {other:?}"),
        }
    }

    /// Sends a command and returns the ack or error answering it, buffering events.
    pub async fn request(&mut self, frame: ClientFrame) -> ServerFrame {
        let id = frame.command_id().unwrap().to_owned();
        self.send(&frame).await;
        self.answer_to(&id).await
    }

    pub async fn answer_to(&mut self, id: &str) -> ServerFrame {
        loop {
            match self.recv().await {
                ServerFrame::Event { seq, event } => self.events.push((seq, event)),
                ServerFrame::Ack { id: ack_id, result } if ack_id == id => {
                    return ServerFrame::Ack { id: ack_id, result }
                }
                ServerFrame::Error {
                    id: Some(err_id),
                    code,
                    message,
                } if err_id == id => {
                    return ServerFrame::Error {
                        id: Some(err_id),
                        code,
                        message,
                    }
                }
                other => panic!("waiting for the answer to {id}, got {other:?}"),
            }
        }
    }

    /// Like `request`, expecting an ack.
    pub async fn ack(&mut self, frame: ClientFrame) -> AckResult {
        match self.request(frame).await {
            ServerFrame::Ack { result, .. } => result,
            other => panic!("expected an ack, got {other:?}"),
        }
    }

    /// Like `request`, expecting an error; returns its code.
    pub async fn error(&mut self, frame: ClientFrame) -> ErrorCode {
        match self.request(frame).await {
            ServerFrame::Error { code, .. } => code,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    pub async fn next_event(&mut self) -> (u64, Event) {
        if !self.events.is_empty() {
            return self.events.remove(0);
        }
        match self.recv().await {
            ServerFrame::Event { seq, event } => (seq, event),
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// The next event that is not about presence (other tests' users come and go).
    pub async fn next_non_presence_event(&mut self) -> (u64, Event) {
        loop {
            let (seq, event) = self.next_event().await;
            if !matches!(event, Event::Presence { .. }) {
                return (seq, event);
            }
        }
    }

    /// Events that arrive before the answer to a harmless probe command. The server
    /// flushes queued events before reading the next command, so this catches every event
    /// caused by anything that was acked to anyone before the call.
    pub async fn drain_events(&mut self) -> Vec<(u64, Event)> {
        let probe = ClientFrame::OpenDirect {
            id: self.new_id(),
            user_id: -1,
        };
        let _ = self.request(probe).await;
        std::mem::take(&mut self.events)
    }

    pub async fn send_message(&mut self, conversation_id: ConversationId, text: &str) -> Message {
        let frame = text_message(self.new_id(), conversation_id, text);
        match self.ack(frame).await {
            AckResult::MessageSent { message } => message,
            other => panic!("expected message_sent, got {other:?}"),
        }
    }

    pub async fn open_direct(&mut self, user_id: i64) -> messenger_protocol::ConversationSummary {
        let frame = ClientFrame::OpenDirect {
            id: self.new_id(),
            user_id,
        };
        match self.ack(frame).await {
            AckResult::Conversation { conversation } => conversation,
            other => panic!("expected conversation, got {other:?}"),
        }
    }

    pub async fn history(
        &mut self,
        conversation_id: ConversationId,
        before: Option<i64>,
        limit: u32,
    ) -> (Vec<Message>, bool) {
        let frame = ClientFrame::LoadHistory {
            id: self.new_id(),
            conversation_id,
            before,
            limit,
        };
        match self.ack(frame).await {
            AckResult::History {
                messages, has_more, ..
            } => (messages, has_more),
            other => panic!("expected history, got {other:?}"),
        }
    }
}

/// A `send_message` of plain `text`, normal importance, no attachments.
pub fn text_message(
    id: impl Into<String>,
    conversation_id: ConversationId,
    text: &str,
) -> ClientFrame {
    ClientFrame::SendMessage {
        note: false,
        id: id.into(),
        conversation_id,
        text: text.to_owned(),
        importance: Importance::Normal,
        attachments: Vec::new(),
    }
}

pub fn user_id(welcome: &Welcome, username: &str) -> i64 {
    welcome
        .users
        .iter()
        .find(|u| u.username == username)
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}
