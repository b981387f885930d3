//! Durability across `kill -9`: the real server binary on a real SQLite file is killed while
//! clients send, then restarted on the same file. Whatever was acked must be there exactly
//! once, resends must be idempotent and every user's event stream must stay contiguous.
//!
//! A server whose acks or events run ahead of their COMMIT (a commit batched or deferred
//! after the ack went out) fails this: the kill lands in between and the acked message, or
//! the event seen live, is missing after the restart. Checked by committing only every 16th
//! command in a scratch copy: the first round fails.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Client;
use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{
    AckResult, ClientFrame, ConversationId, Event, Importance, Message, ResumePosition,
    ServerFrame, UserId, PROTOCOL_VERSION,
};
use messenger_server::test_support::seed_users_in_groups;
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const USERS: usize = 12;
const GROUP_SIZE: usize = 4;
/// The rate limit is per connection (bursts of 60), so each user sends on several.
const CONNS_PER_USER: usize = 3;
/// Stays under the burst with the hello, so no send is refused as `rate_limited`.
const SENDS_PER_CONN: usize = 48;
const WINDOW: usize = 8;
/// The kill comes once this share of a round's sends is acked: early, midway, late.
const KILL_AT: [f64; 3] = [0.05, 0.4, 0.75];
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_messages_survive_kill_9_exactly_once_with_contiguous_streams() {
    let dir = ScratchDir::new();
    let db = dir.0.join("durable.sqlite3");
    let seeded = seed_users_in_groups(&db, USERS, GROUP_SIZE).expect("seeding");
    let mut server = ServerProcess::start(&db);

    // Everything each user's connections saw live, and every command sent, over all rounds.
    let mut live: HashMap<usize, Vec<ConnLog>> = HashMap::new();
    let mut commands: Vec<SentCommand> = Vec::new();
    let mut epoch = None;
    let mut user_ids = vec![0; USERS];

    for (round, share) in KILL_AT.iter().enumerate() {
        let acks = Arc::new(AtomicUsize::new(0));
        // Nobody sends before every connection is welcomed, so the kill finds them all sending.
        let welcomed = Arc::new(Barrier::new(USERS * CONNS_PER_USER));
        let mut tasks = Vec::new();
        for user in 0..USERS {
            for conn in 0..CONNS_PER_USER {
                tasks.push(tokio::spawn(send_until_killed(
                    server.addr,
                    seeded.tokens[user].clone(),
                    format!("r{round}-u{user}-c{conn}"),
                    seeded.groups[user / GROUP_SIZE],
                    acks.clone(),
                    welcomed.clone(),
                )));
            }
        }
        let total = USERS * CONNS_PER_USER * SENDS_PER_CONN;
        let threshold = (total as f64 * share) as usize;
        let waiting = Instant::now();
        while acks.load(Ordering::Relaxed) < threshold {
            assert!(
                waiting.elapsed() < PATIENCE,
                "round {round}: only {} of {threshold} acks before the kill",
                acks.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.kill();
        let acked_at_kill = acks.load(Ordering::Relaxed);

        let mut round_commands = Vec::new();
        for (n, task) in tasks.into_iter().enumerate() {
            let log = tokio::time::timeout(PATIENCE, task)
                .await
                .expect("clients notice the kill")
                .expect("client task");
            let user = n / CONNS_PER_USER;
            user_ids[user] = log.me;
            assert_eq!(
                *epoch.get_or_insert_with(|| log.epoch.clone()),
                log.epoch,
                "one epoch for the file"
            );
            for (id, text) in &log.sent {
                round_commands.push(SentCommand {
                    user,
                    conn: n,
                    id: id.clone(),
                    text: text.clone(),
                    acked: log.acked.get(id).cloned(),
                });
            }
            live.entry(user).or_default().push(log);
        }
        let acked = round_commands.iter().filter(|c| c.acked.is_some()).count();
        assert!(
            acked < round_commands.len(),
            "round {round}: the kill came after every send was acked; nothing was in flight"
        );
        eprintln!(
            "round {round}: killed at {acked_at_kill} acks; {} sent, {acked} acked",
            round_commands.len()
        );

        let wal = std::fs::metadata(dir.0.join("durable.sqlite3-wal")).map_or(0, |m| m.len());
        assert!(
            wal > 0,
            "round {round}: the kill left a WAL for the restart to recover"
        );
        server = ServerProcess::start(&db);
        let epoch = epoch.clone().unwrap();
        commands.extend(round_commands);
        for user in 0..USERS {
            let replay = replay_from_zero(server.addr, &seeded.tokens[user], &epoch).await;
            check_live_events_were_stored(user, &replay, &live[&user]);
            check_acked_stored_once(user, user_ids[user], &commands, &replay);
        }

        resend_all(server.addr, &seeded.tokens, &mut commands, round).await;
        for (g, &group) in seeded.groups.iter().enumerate() {
            let stored = history(server.addr, &seeded.tokens[g * GROUP_SIZE], group).await;
            check_history(g, group, &stored, &commands, &user_ids);
        }
    }

    // The resends' own events, and those of the restarts, keep every stream contiguous.
    let epoch = epoch.unwrap();
    for user in 0..USERS {
        let replay = replay_from_zero(server.addr, &seeded.tokens[user], &epoch).await;
        check_live_events_were_stored(user, &replay, &live[&user]);
    }
    server.kill();
}

/// One command sent before a kill, and (once resent) the message it stored.
struct SentCommand {
    user: usize,
    /// Which connection sent it, over all rounds: resends go on one fresh connection each.
    conn: usize,
    id: String,
    text: String,
    /// The message of its ack, before the kill or (after the resend) the one now stored.
    acked: Option<Message>,
}

/// What one connection saw between its welcome and the kill.
struct ConnLog {
    me: UserId,
    epoch: String,
    welcome_seq: u64,
    /// Command ids and texts in the order sent.
    sent: Vec<(String, String)>,
    acked: HashMap<String, Message>,
    events: Vec<(u64, Event)>,
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends up to `SENDS_PER_CONN` messages, `WINDOW` in flight, and records acks and events
/// until the connection dies with the server.
async fn send_until_killed(
    addr: SocketAddr,
    token: String,
    tag: String,
    group: ConversationId,
    acks: Arc<AtomicUsize>,
    welcomed: Arc<Barrier>,
) -> ConnLog {
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/ws"), None, true)
            .await
            .expect("WebSocket upgrade");
    send(
        &mut ws,
        &ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token,
            resume: None,
        },
    )
    .await
    .expect("hello sent");
    let welcome = match next_frame(&mut ws).await {
        Some(ServerFrame::Welcome(welcome)) => welcome,
        other => panic!("{tag}: expected a welcome, got {other:?}"),
    };
    let mut log = ConnLog {
        me: welcome.me.id,
        epoch: welcome.epoch.clone(),
        welcome_seq: welcome.seq,
        sent: Vec::new(),
        acked: HashMap::new(),
        events: Vec::new(),
    };
    welcomed.wait().await;
    let mut in_flight = 0;
    loop {
        while in_flight < WINDOW && log.sent.len() < SENDS_PER_CONN {
            let id = format!("{tag}-{}", log.sent.len());
            let text = format!("durable {id}");
            let frame = send_message(&id, group, &text);
            if send(&mut ws, &frame).await.is_err() {
                return log;
            }
            log.sent.push((id, text));
            in_flight += 1;
        }
        match next_frame(&mut ws).await {
            Some(ServerFrame::Ack {
                id,
                result: AckResult::MessageSent { message },
            }) => {
                in_flight -= 1;
                acks.fetch_add(1, Ordering::Relaxed);
                log.acked.insert(id, message);
            }
            Some(ServerFrame::Event { seq, event }) => log.events.push((seq, event)),
            Some(other) => panic!("{tag}: unexpected {other:?}"),
            None => return log,
        }
    }
}

fn send_message(id: &str, group: ConversationId, text: &str) -> ClientFrame {
    ClientFrame::SendMessage {
        note: false,
        id: id.to_owned(),
        conversation_id: group,
        text: text.to_owned(),
        importance: Importance::Normal,
        attachments: Vec::new(),
    }
}

async fn send(
    ws: &mut Ws,
    frame: &ClientFrame,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    ws.send(WsMessage::text(serde_json::to_string(frame).unwrap()))
        .await
}

/// The next text frame, or `None` once the connection is gone (reset by the kill).
async fn next_frame(ws: &mut Ws) -> Option<ServerFrame> {
    loop {
        match ws.next().await? {
            Ok(WsMessage::Text(text)) => {
                return Some(
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("server sent unparsable frame {text}: {e}")),
                )
            }
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// Resumes from seq 0: the server must still hold (and replay) the whole stream, with seqs
/// 1, 2, 3… and nothing else.
async fn replay_from_zero(addr: SocketAddr, token: &str, epoch: &str) -> Vec<Event> {
    let mut client = Client::connect(addr).await;
    client
        .send(&ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token: token.to_owned(),
            resume: Some(ResumePosition {
                epoch: epoch.to_owned(),
                seq: 0,
            }),
        })
        .await;
    let until = match client.recv().await {
        ServerFrame::Resumed { until, .. } => until,
        other => panic!("resume from 0 after the restart: expected resumed, got {other:?}"),
    };
    let mut events = Vec::with_capacity(until as usize);
    for expected in 1..=until {
        match client.recv().await {
            ServerFrame::Event { seq, event } => {
                assert_eq!(seq, expected, "replay: a gap or a duplicate seq");
                events.push(event);
            }
            other => panic!("replay: expected event {expected}, got {other:?}"),
        }
    }
    events
}

/// Every event a connection saw before a kill is in the replay with the same seq, and each
/// connection's live stream went on from its welcome without a gap.
fn check_live_events_were_stored(user: usize, replay: &[Event], logs: &[ConnLog]) {
    for log in logs {
        for (n, (seq, event)) in log.events.iter().enumerate() {
            assert_eq!(
                *seq,
                log.welcome_seq + 1 + n as u64,
                "user{user}: live events went on from the welcome's seq without a gap"
            );
            assert_eq!(
                replay.get(*seq as usize - 1),
                Some(event),
                "user{user}: event {seq} was sent before the kill but is not stored as sent"
            );
        }
    }
}

/// Every acked message of `user` is in the replay exactly once, as acked; no command of
/// theirs is stored twice.
fn check_acked_stored_once(user: usize, me: UserId, commands: &[SentCommand], replay: &[Event]) {
    let mut stored: HashMap<&str, Vec<&Message>> = HashMap::new();
    for event in replay {
        if let Event::MessageCreated { message } = event {
            if message.sender_id == me {
                let id = message.client_id.as_deref().expect("a client id");
                stored.entry(id).or_default().push(message);
            }
        }
    }
    for (id, copies) in &stored {
        assert_eq!(
            copies.len(),
            1,
            "user{user}: {id} stored {} times",
            copies.len()
        );
    }
    for command in commands.iter().filter(|c| c.user == user) {
        if let Some(acked) = &command.acked {
            assert_eq!(
                stored.get(command.id.as_str()).map(|m| m[0]),
                Some(acked),
                "user{user}: {} was acked before the kill but is not stored as acked",
                command.id
            );
        }
    }
}

/// Resends every command of `round`, acked or not, with its id, each connection's on a
/// fresh connection: all are acked, an acked one with the message it was acked with.
async fn resend_all(
    addr: SocketAddr,
    tokens: &[String],
    commands: &mut [SentCommand],
    round: usize,
) {
    let prefix = format!("r{round}-");
    let mut by_conn: HashMap<usize, Vec<&mut SentCommand>> = HashMap::new();
    for command in commands.iter_mut().filter(|c| c.id.starts_with(&prefix)) {
        by_conn.entry(command.conn).or_default().push(command);
    }
    let resends = by_conn.into_values().map(|batch| {
        let token = tokens[batch[0].user].clone();
        resend(addr, token, batch)
    });
    futures_util::future::join_all(resends).await;
}

async fn resend(addr: SocketAddr, token: String, mut batch: Vec<&mut SentCommand>) {
    let (mut client, welcome) = Client::hello(addr, &token).await;
    for command in &batch {
        let conversation = conversation_of(&welcome, &command.id);
        client
            .send(&send_message(&command.id, conversation, &command.text))
            .await;
    }
    let mut answered = 0;
    while answered < batch.len() {
        match client.recv().await {
            ServerFrame::Ack {
                id,
                result: AckResult::MessageSent { message },
            } => {
                let command = batch
                    .iter_mut()
                    .find(|c| c.id == id)
                    .unwrap_or_else(|| panic!("an ack for {id}, which was not resent"));
                if let Some(acked) = &command.acked {
                    assert_eq!(
                        &message, acked,
                        "{id}: the resend of an acked command gives back the same message"
                    );
                }
                assert_eq!(message.text, command.text);
                command.acked = Some(message);
                answered += 1;
            }
            ServerFrame::Event { .. } => {}
            other => panic!("resending: expected acks, got {other:?}"),
        }
    }
}

/// The seeded users each belong to exactly one group.
fn conversation_of(welcome: &messenger_protocol::Welcome, id: &str) -> ConversationId {
    let groups: Vec<_> = welcome.conversations.iter().map(|c| c.id).collect();
    assert_eq!(groups.len(), 1, "{id}: its sender is in one group");
    groups[0]
}

/// The whole history of `group`, newest first, paged 100 at a time.
async fn history(addr: SocketAddr, token: &str, group: ConversationId) -> Vec<Message> {
    let (mut client, _) = Client::hello(addr, token).await;
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let (page, has_more) = client.history(group, before, 100).await;
        before = page.first().map(|m| m.id);
        all.extend(page);
        if !has_more {
            return all;
        }
    }
}

/// After the resends, each command sent into the group is stored exactly once, as the
/// message its (re)send was acked with, and nothing else is.
fn check_history(
    g: usize,
    group: ConversationId,
    stored: &[Message],
    commands: &[SentCommand],
    user_ids: &[UserId],
) {
    let mut by_id: HashMap<(UserId, &str), &Message> = HashMap::new();
    for message in stored.iter().filter(|m| m.system.is_none()) {
        let id = message.client_id.as_deref().expect("a client id");
        let again = by_id.insert((message.sender_id, id), message);
        assert!(again.is_none(), "group {g}: {id} stored twice");
    }
    let sent: Vec<_> = commands
        .iter()
        .filter(|c| c.user / GROUP_SIZE == g)
        .collect();
    assert_eq!(
        by_id.len(),
        sent.len(),
        "group {g}: one stored message per command"
    );
    for command in sent {
        let message = by_id.get(&(user_ids[command.user], command.id.as_str()));
        assert_eq!(
            message.copied(),
            command.acked.as_ref(),
            "group {g} ({group}): {} is stored as acked",
            command.id
        );
    }
}

/// A `messenger-server` process; `kill` is SIGKILL.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    /// Starts the binary on `db` and waits for its listening line: a server that refuses to
    /// open the file after a kill (WAL recovery) fails here.
    fn start(db: &Path) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_messenger-server"))
            .args(["--addr", "127.0.0.1:0", "--no-demo", "--db"])
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("messenger-server starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Keeps draining stdout so the server never writes into a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            let status = child.try_wait();
            let _ = child.kill();
            panic!("the server did not start on {}: {status:?}", db.display())
        });
        let addr = line
            .strip_prefix("messenger-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("an address");
        ServerProcess { child, addr }
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Under cargo's target/tmp, removed with the database, its WAL and the mail dir.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> ScratchDir {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("durability-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
