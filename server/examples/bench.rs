//! Throughput of one server instance: many connected clients on loopback, some of them
//! sending into shared group conversations as fast as acks come back.
//!
//! cargo run --profile server -p messenger-server --example bench -- [--clients 100]
//!     [--senders 100] [--group-size 10] [--messages 20000] [--seconds 30] [--window 4]
//!
//! Prints messages acked per second, message events delivered per second and ack latency.

/// The same allocator as the server binary (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{ClientFrame, Event, Importance, ServerFrame, PROTOCOL_VERSION};
use messenger_server::{test_support, Config};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Options {
    clients: usize,
    senders: usize,
    group_size: usize,
    messages: usize,
    seconds: u64,
    window: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        clients: 100,
        senders: 100,
        group_size: 10,
        messages: 20_000,
        seconds: 30,
        window: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: usize = args
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{flag} needs a number"))?;
        match flag.as_str() {
            "--clients" => o.clients = value.max(1),
            "--senders" => o.senders = value,
            "--group-size" => o.group_size = value.max(1),
            "--messages" => o.messages = value,
            "--seconds" => o.seconds = value as u64,
            "--window" => o.window = value.max(1),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    o.senders = o.senders.min(o.clients);
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<(), messenger_server::Error> {
    let o = options()?;
    let dir = std::env::temp_dir().join(format!("messenger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.sqlite3");
    let seeded = test_support::seed_users_in_groups(&db, o.clients, o.group_size)?;
    let mut config = Config::new("127.0.0.1:0".parse()?, db);
    config.seed_demo = false;
    // The per-connection rate limit protects a real server; here it would be what is measured.
    config.limits.commands_per_second = 1_000_000;
    config.limits.command_burst = 1_000_000;
    let server = messenger_server::start(config).await?;
    let url = format!("ws://{}/ws", server.local_addr());

    let mut conns = Vec::new();
    for token in &seeded.tokens {
        conns.push(hello(&url, token).await?);
    }
    println!(
        "{} clients connected, {} senders, groups of {}, window {} per sender",
        o.clients, o.senders, o.group_size, o.window
    );

    let events = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let started = Instant::now();
    let per_sender = o.messages / o.senders.max(1);
    let mut senders = Vec::new();
    let mut listeners = Vec::new();
    let stop = Arc::new(tokio::sync::Notify::new());
    for (i, ws) in conns.into_iter().enumerate() {
        let events = events.clone();
        if i < o.senders {
            let group = seeded.groups[i / o.group_size];
            senders.push(tokio::spawn(send_loop(
                ws, i, group, per_sender, o.window, deadline, events,
            )));
        } else {
            let stop = stop.clone();
            listeners.push(tokio::spawn(listen(ws, events, stop)));
        }
    }
    let mut latencies = Vec::new();
    for sender in senders {
        latencies.extend(sender.await??);
    }
    let sending = started.elapsed();
    let acked = latencies.len() as u64;
    // Every member of the group gets the event, the sender included.
    let expected = acked * o.group_size as u64;
    let drain_deadline = Instant::now() + Duration::from_secs(10);
    while events.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivering = started.elapsed();
    let delivered = events.load(Ordering::Relaxed);
    stop.notify_waiters();
    for listener in listeners {
        let _ = listener.await;
    }

    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "messages acked:    {acked} in {:.2} s = {:.0} messages/s",
        sending.as_secs_f64(),
        acked as f64 / sending.as_secs_f64()
    );
    println!(
        "events delivered:  {delivered} of {expected} in {:.2} s = {:.0} events/s",
        delivering.as_secs_f64(),
        delivered as f64 / delivering.as_secs_f64()
    );
    println!(
        "ack latency:       p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn hello(url: &str, token: &str) -> Result<Ws, messenger_server::Error> {
    // Nagle off, as a browser's WebSocket has it: otherwise the bench measures delayed ACKs.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    let hello = ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        token: token.to_owned(),
        resume: None,
    };
    ws.send(WsMessage::text(serde_json::to_string(&hello)?))
        .await?;
    loop {
        match next_frame(&mut ws).await {
            Some(ServerFrame::Welcome(_)) => return Ok(ws),
            Some(ServerFrame::Event { .. }) => continue,
            other => return Err(format!("hello answered with {other:?}").into()),
        }
    }
}

async fn next_frame(ws: &mut Ws) -> Option<ServerFrame> {
    loop {
        match ws.next().await? {
            Ok(WsMessage::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

fn count(frame: &ServerFrame, events: &AtomicU64) {
    if let ServerFrame::Event {
        event: Event::MessageCreated { .. },
        ..
    } = frame
    {
        events.fetch_add(1, Ordering::Relaxed);
    }
}

/// Keeps up to `window` messages in flight; returns the ack latency of each.
async fn send_loop(
    mut ws: Ws,
    me: usize,
    group: i64,
    quota: usize,
    window: usize,
    deadline: Instant,
    events: Arc<AtomicU64>,
) -> Result<Vec<Duration>, messenger_server::Error> {
    let mut in_flight = std::collections::HashMap::new();
    let mut latencies = Vec::with_capacity(quota);
    let mut sent = 0;
    loop {
        while in_flight.len() < window && sent < quota && Instant::now() < deadline {
            let id = format!("b{me}-{sent}");
            let frame = ClientFrame::SendMessage {
                id: id.clone(),
                conversation_id: group,
                text: format!("benchmark message {sent} from user{me}"),
                importance: Importance::Normal,
                attachments: Vec::new(),
            };
            ws.send(WsMessage::text(serde_json::to_string(&frame)?))
                .await?;
            in_flight.insert(id, Instant::now());
            sent += 1;
        }
        if in_flight.is_empty() {
            break;
        }
        match next_frame(&mut ws).await {
            Some(ServerFrame::Ack { id, .. }) => {
                if let Some(at) = in_flight.remove(&id) {
                    latencies.push(at.elapsed());
                }
            }
            Some(ServerFrame::Error { id, code, message }) => {
                return Err(format!("{id:?} refused: {code:?} {message}").into())
            }
            Some(frame) => count(&frame, &events),
            None => return Err("the server closed a sender's connection".into()),
        }
    }
    // The sender's own connection keeps receiving the group's events.
    tokio::spawn(listen(ws, events, Arc::new(tokio::sync::Notify::new())));
    Ok(latencies)
}

async fn listen(mut ws: Ws, events: Arc<AtomicU64>, stop: Arc<tokio::sync::Notify>) {
    loop {
        tokio::select! {
            frame = next_frame(&mut ws) => match frame {
                Some(frame) => count(&frame, &events),
                None => return,
            },
            () = stop.notified() => return,
        }
    }
}
