//! The machine's ceiling: a bare axum WebSocket fan-out with no storage, no seq and no
//! guarantees. It speaks just enough of the protocol for the bench's clients: a minimal
//! welcome for a hello, and for each `send_message` an ack to the sender and a
//! `message_created` event (the same frames as ours, `seq` 0) to every member of the group,
//! the sender included, as our server does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use messenger_protocol::{
    AckResult, ClientFrame, Event, Limits, Message, ServerFrame, PROTOCOL_VERSION,
};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::load::{self, Figures, Load};

/// The ceiling under load `l`: started, loaded, stopped, and its figures printed.
pub async fn measure(l: &Load) -> Result<Figures, messenger_server::Error> {
    let ceiling = Ceiling::start(l.group_size).await?;
    let tokens: Vec<String> = (0..l.clients).map(token).collect();
    let groups = groups(l.clients, l.group_size);
    println!("bare axum fan-out (the ceiling):");
    let figures = load::run(&[ceiling.url()], &tokens, &groups, l).await;
    ceiling.stop();
    let figures = figures?;
    figures.print();
    Ok(figures)
}

/// Client `i` says hello with the token `token(i)` and is in group `group(i)`.
fn token(i: usize) -> String {
    format!("u{i}")
}

fn groups(clients: usize, group_size: usize) -> Vec<i64> {
    (0..clients.div_ceil(group_size) as i64)
        .map(|g| g + 1)
        .collect()
}

struct Hub {
    group_size: usize,
    members: Mutex<HashMap<i64, Vec<mpsc::UnboundedSender<Utf8Bytes>>>>,
    next_message: AtomicI64,
    closing: watch::Receiver<bool>,
}

pub struct Ceiling {
    addr: SocketAddr,
    closing: watch::Sender<bool>,
    serve: JoinHandle<std::io::Result<()>>,
}

impl Ceiling {
    pub async fn start(group_size: usize) -> std::io::Result<Ceiling> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // As on our server: small frames go out at once.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                eprintln!("TCP_NODELAY not set on a connection: {e}");
            }
        });
        let (closing, closing_rx) = watch::channel(false);
        let hub = Arc::new(Hub {
            group_size: group_size.max(1),
            members: Mutex::default(),
            next_message: AtomicI64::new(1),
            closing: closing_rx,
        });
        let router = Router::new().route("/ws", get(upgrade)).with_state(hub);
        let serve = tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Ceiling {
            addr,
            closing,
            serve,
        })
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Closes every socket and stops accepting.
    pub fn stop(self) {
        let _ = self.closing.send(true);
        self.serve.abort();
    }
}

async fn upgrade(ws: WebSocketUpgrade, State(hub): State<Arc<Hub>>) -> Response {
    // The same read buffer as the server's, so the two sides differ only in what they do.
    ws.read_buffer_size(messenger_server::WS_READ_BUFFER)
        .on_upgrade(move |socket| serve_socket(socket, hub))
}

async fn serve_socket(mut socket: WebSocket, hub: Arc<Hub>) {
    let Some(client) = hello(&mut socket).await else {
        return;
    };
    let user_id = client as i64 + 1;
    let group = (client / hub.group_size) as i64 + 1;
    let (outbound, mut inbound) = mpsc::unbounded_channel();
    hub.members
        .lock()
        .unwrap()
        .entry(group)
        .or_default()
        .push(outbound.clone());
    let mut closing = hub.closing.clone();
    if socket.send(WsMessage::Text(welcome(client))).await.is_ok() {
        loop {
            tokio::select! {
                frame = socket.recv() => match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        let Some(ack) = fan_out(&hub, user_id, &text) else { continue };
                        if socket.send(WsMessage::Text(ack)).await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break,
                },
                // What is queued goes out in one write, as the server does (ws.rs).
                Some(frame) = inbound.recv() => {
                    if send_queued(&mut socket, frame, &mut inbound).await.is_err() {
                        break;
                    }
                }
                _ = closing.changed() => break,
            }
        }
    }
    if let Some(members) = hub.members.lock().unwrap().get_mut(&group) {
        members.retain(|member| !member.same_channel(&outbound));
    }
}

async fn send_queued(
    socket: &mut WebSocket,
    first: Utf8Bytes,
    inbound: &mut mpsc::UnboundedReceiver<Utf8Bytes>,
) -> Result<(), axum::Error> {
    use futures_util::SinkExt;
    socket.feed(WsMessage::Text(first)).await?;
    for _ in 1..64 {
        let Ok(frame) = inbound.try_recv() else { break };
        socket.feed(WsMessage::Text(frame)).await?;
    }
    socket.flush().await
}

/// The client number from the hello's token.
async fn hello(socket: &mut WebSocket) -> Option<usize> {
    loop {
        match socket.recv().await? {
            Ok(WsMessage::Text(text)) => {
                return match serde_json::from_str(&text) {
                    Ok(ClientFrame::Hello { token, .. }) => token.strip_prefix('u')?.parse().ok(),
                    _ => None,
                }
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

fn welcome(client: usize) -> Utf8Bytes {
    serde_json::json!({
        "type": "welcome",
        "protocol_version": PROTOCOL_VERSION,
        "epoch": "ceiling",
        "seq": 0,
        "me": {"id": client + 1, "username": format!("user{client}"), "display_name": format!("User {client}")},
        "users": [],
        "departments": [],
        "conversations": [],
        "limits": Limits::default(),
    })
    .to_string()
    .into()
}

/// Sends the message's event to every member of its group; returns the sender's ack.
fn fan_out(hub: &Hub, sender_id: i64, text: &str) -> Option<Utf8Bytes> {
    let ClientFrame::SendMessage {
        id,
        conversation_id,
        text,
        importance,
        ..
    } = serde_json::from_str(text).ok()?
    else {
        return None;
    };
    let message = Message {
        contact_id: None,
        note: false,
        id: hub.next_message.fetch_add(1, Ordering::Relaxed),
        conversation_id,
        sender_id,
        text,
        importance,
        created_at: now_ms(),
        client_id: Some(id.clone()),
        system: None,
        attachments: Vec::new(),
    };
    let event: Utf8Bytes = serde_json::to_string(&ServerFrame::Event {
        seq: 0,
        event: Event::MessageCreated {
            message: message.clone(),
        },
    })
    .ok()?
    .into();
    if let Some(members) = hub.members.lock().unwrap().get(&conversation_id) {
        for member in members {
            let _ = member.send(event.clone());
        }
    }
    let ack = ServerFrame::Ack {
        id,
        result: AckResult::MessageSent { message },
    };
    Some(serde_json::to_string(&ack).ok()?.into())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
