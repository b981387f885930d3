//! The client side of the bench, the same against our server and against the ceiling: the
//! clients compete with the server for the same cores, so only the server may differ.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{ClientFrame, Event, Importance, ServerFrame, PROTOCOL_VERSION};
use messenger_server::Error;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Load {
    pub clients: usize,
    pub senders: usize,
    pub group_size: usize,
    pub messages: usize,
    pub seconds: u64,
    pub window: usize,
}

/// What one run measured.
pub struct Figures {
    pub acked: u64,
    pub sending: Duration,
    pub delivered: u64,
    pub expected: u64,
    pub delivering: Duration,
    /// Ack latencies, sorted.
    pub latencies: Vec<Duration>,
}

impl Figures {
    pub fn messages_per_second(&self) -> f64 {
        self.acked as f64 / self.sending.as_secs_f64()
    }

    pub fn events_per_second(&self) -> f64 {
        self.delivered as f64 / self.delivering.as_secs_f64()
    }

    pub fn latency(&self, p: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        self.latencies
            .get(((self.latencies.len() as f64 * p) as usize).min(last))
            .copied()
            .unwrap_or_default()
    }

    pub fn print(&self) {
        println!(
            "  messages acked:    {} in {:.2} s = {:.0} messages/s",
            self.acked,
            self.sending.as_secs_f64(),
            self.messages_per_second()
        );
        println!(
            "  events delivered:  {} of {} in {:.2} s = {:.0} events/s",
            self.delivered,
            self.expected,
            self.delivering.as_secs_f64(),
            self.events_per_second()
        );
        println!(
            "  ack latency:       p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.latency(0.50)),
            ms(self.latency(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default())
        );
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Connects one client per token; client `i` is in `groups[i / group_size]` and the first
/// `senders` of them send into their group as fast as acks come back.
/// Client `i` connects to `urls[i % urls.len()]`: spread over a cluster's nodes.
pub async fn run(
    urls: &[String],
    tokens: &[String],
    groups: &[i64],
    load: &Load,
) -> Result<Figures, Error> {
    let connecting = Instant::now();
    // A few hellos at a time: a welcome is built per connection and lists every user.
    let conns: Vec<Ws> = futures_util::stream::iter(tokens.iter().enumerate())
        .map(|(i, token)| hello(&urls[i % urls.len()], token.as_str()))
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    println!(
        "  {} clients connected in {:.2} s",
        conns.len(),
        connecting.elapsed().as_secs_f64()
    );

    let events = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let deadline = Instant::now() + Duration::from_secs(load.seconds);
    let started = Instant::now();
    let per_sender = load.messages / load.senders.max(1);
    let mut senders = Vec::new();
    let mut listeners = Vec::new();
    for (i, ws) in conns.into_iter().enumerate() {
        if i < load.senders {
            let group = groups[i / load.group_size];
            senders.push(tokio::spawn(send_loop(
                ws,
                i,
                group,
                per_sender,
                load.window,
                deadline,
                events.clone(),
            )));
        } else {
            listeners.push(tokio::spawn(listen(ws, events.clone(), stopped.clone())));
        }
    }
    let mut latencies = Vec::new();
    for sender in senders {
        let (ws, sent) = sender.await??;
        latencies.extend(sent);
        // The sender's own connection keeps receiving the group's events.
        listeners.push(tokio::spawn(listen(ws, events.clone(), stopped.clone())));
    }
    let sending = started.elapsed();
    let acked = latencies.len() as u64;
    // Every member of the group gets the event, the sender included.
    let expected = acked * load.group_size as u64;
    let drain_deadline = Instant::now() + Duration::from_secs(10);
    while events.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivering = started.elapsed();
    let delivered = events.load(Ordering::Relaxed);
    let _ = stop.send(true);
    for listener in listeners {
        let _ = listener.await;
    }
    latencies.sort_unstable();
    Ok(Figures {
        acked,
        sending,
        delivered,
        expected,
        delivering,
        latencies,
    })
}

async fn hello(url: &str, token: &str) -> Result<Ws, Error> {
    // Nagle off, as a browser's WebSocket has it: otherwise the bench measures delayed ACKs.
    // A small read buffer, as the server has: tungstenite zeroes it before every read.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(messenger_server::WS_READ_BUFFER);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
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

/// Keeps up to `window` messages in flight; returns the connection and the ack latency of
/// each message.
async fn send_loop(
    mut ws: Ws,
    me: usize,
    group: i64,
    quota: usize,
    window: usize,
    deadline: Instant,
    events: Arc<AtomicU64>,
) -> Result<(Ws, Vec<Duration>), Error> {
    let mut in_flight = std::collections::HashMap::new();
    let mut latencies = Vec::with_capacity(quota);
    let mut sent = 0;
    loop {
        while in_flight.len() < window && sent < quota && Instant::now() < deadline {
            let id = format!("b{me}-{sent}");
            let frame = ClientFrame::SendMessage {
                note: false,
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
            return Ok((ws, latencies));
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
}

async fn listen(mut ws: Ws, events: Arc<AtomicU64>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            frame = next_frame(&mut ws) => match frame {
                Some(frame) => count(&frame, &events),
                None => return,
            },
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}
