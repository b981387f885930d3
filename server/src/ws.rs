//! One WebSocket connection: the hello handshake, then commands in and events out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::stream::{FuturesOrdered, StreamExt};
use messenger_protocol::{
    ClientFrame, CommandId, ErrorCode, Limits, ResumePosition, ServerFrame, UserId,
    CLOSE_BAD_HELLO, CLOSE_MESSAGE_TOO_BIG, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION,
    MAX_FRAME_BYTES, PROTOCOL_VERSION,
};
use tokio::sync::{mpsc, watch};

use crate::app::{App, Connected};
use crate::commands;
use crate::hub::ConnId;

/// The WebSocket layer reads messages up to this many times the hard cap
/// (`limits.max_socket_frame_bytes`) whole, so a frame above the cap is answered and the
/// connection closed with a complete handshake. Beyond it the layer gives up mid-frame: the
/// close frame still goes out, but the unread rest of the frame may make the TCP close a
/// reset. It bounds what one connection makes the server buffer.
const READ_WHOLE_FACTOR: usize = 8;
/// An unauthenticated socket holds resources; it has this long to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the client's answer to our close frame before dropping the socket.
/// Browsers answer at once; this only bounds how long an unresponsive peer delays shutdown.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
const CLOSE_GOING_AWAY: u16 = 1001;
/// Commands a connection may have unanswered before it is read no further (TCP then
/// slows the client down).
const MAX_IN_FLIGHT: usize = 16;
const BINARY_REFUSED: &str = "binary frames are not supported; send JSON text";
const CLOSE_INTERNAL_ERROR: u16 = 1011;
/// What one read from a socket takes at most. tungstenite zeroes this much of its buffer
/// before every read: at its default of 128 KiB that memset was the biggest item of the
/// socket tasks' time (perf, `--example bench`), for frames of a few hundred bytes. Longer
/// frames are read in several reads.
pub const READ_BUFFER: usize = 16 * 1024;

pub async fn upgrade(State(app): State<Arc<App>>, ws: WebSocketUpgrade) -> Response {
    let read_limit = hard_cap(&app).saturating_mul(READ_WHOLE_FACTOR);
    ws.max_message_size(read_limit)
        .max_frame_size(read_limit)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve(app, socket))
}

async fn serve(app: Arc<App>, mut socket: WebSocket) {
    let mut shutdown = app.shutdown.clone();
    let (outbound, mut events) = mpsc::unbounded_channel();
    let Some((user, conn)) = handshake(&app, &mut socket, &mut shutdown, outbound).await else {
        return;
    };
    run(&app, &mut socket, &mut shutdown, &mut events, (user, conn)).await;
    if let Err(e) = app.lock().disconnect(user, conn) {
        tracing::error!("recording disconnect of user {user}: {e}");
    }
}

/// Waits for `hello`; on success the connection is registered and the welcome sent.
async fn handshake(
    app: &App,
    socket: &mut WebSocket,
    shutdown: &mut watch::Receiver<bool>,
    outbound: mpsc::UnboundedSender<String>,
) -> Option<(UserId, ConnId)> {
    let deadline = tokio::time::sleep(HELLO_TIMEOUT);
    tokio::pin!(deadline);
    let first = loop {
        tokio::select! {
            _ = shutdown.changed() => return None,
            _ = &mut deadline => {
                let message = "no hello within 10 seconds";
                refuse(socket, shutdown, ErrorCode::Unauthorized, message, CLOSE_UNAUTHORIZED).await;
                return None;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => break Some(text),
                Some(Ok(Message::Binary(_))) => break None,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) => {
                    let _ = futures_util::SinkExt::flush(socket).await;
                    return None;
                }
                Some(Err(e)) => {
                    if is_too_big(e) {
                        cut_off(socket, shutdown, hard_cap(app)).await;
                    }
                    return None;
                }
                None => return None,
            },
        }
    };
    if let Some(size) = first.as_ref().map(|text| text.len()) {
        if size > MAX_FRAME_BYTES {
            let message = format!("hello is {size} bytes; the limit is {MAX_FRAME_BYTES}");
            refuse(
                socket,
                shutdown,
                ErrorCode::FrameTooLarge,
                &message,
                CLOSE_MESSAGE_TOO_BIG,
            )
            .await;
            return None;
        }
    }
    if let Some(asked) = first.as_deref().and_then(requested_version) {
        if asked != u64::from(PROTOCOL_VERSION) {
            let message =
                format!("server speaks protocol {PROTOCOL_VERSION}, client asked for {asked}");
            refuse(
                socket,
                shutdown,
                ErrorCode::UnsupportedVersion,
                &message,
                CLOSE_UNSUPPORTED_VERSION,
            )
            .await;
            return None;
        }
    }
    let (token, resume) = match first.as_deref().map(read_hello) {
        Some(Ok(hello)) => hello,
        Some(Err(HelloError::Malformed(why))) => {
            let message = format!("malformed hello: {why}");
            refuse(
                socket,
                shutdown,
                ErrorCode::BadFrame,
                &message,
                CLOSE_BAD_HELLO,
            )
            .await;
            return None;
        }
        Some(Err(HelloError::NotHello)) | None => {
            refuse(
                socket,
                shutdown,
                ErrorCode::Unauthorized,
                "the first frame must be hello",
                CLOSE_UNAUTHORIZED,
            )
            .await;
            return None;
        }
    };
    let connected = app.lock().connect(&token, outbound, resume.as_ref());
    let Connected { user, conn, frames } = match connected {
        Ok(Some(connected)) => connected,
        Ok(None) => {
            refuse(
                socket,
                shutdown,
                ErrorCode::Unauthorized,
                "invalid or expired token",
                CLOSE_UNAUTHORIZED,
            )
            .await;
            return None;
        }
        Err(e) => {
            tracing::error!("hello failed in the store: {e}");
            refuse(
                socket,
                shutdown,
                ErrorCode::Internal,
                "internal server error",
                CLOSE_INTERNAL_ERROR,
            )
            .await;
            return None;
        }
    };
    tracing::debug!("user {user} connected as connection {conn}");
    // Live events wait in the connection's queue meanwhile, so they follow the replay.
    for frame in frames {
        if socket.send(Message::Text(frame.into())).await.is_err() {
            if let Err(e) = app.lock().disconnect(user, conn) {
                tracing::error!("recording disconnect of user {user}: {e}");
            }
            return None;
        }
    }
    Some((user, conn))
}

async fn run(
    app: &App,
    socket: &mut WebSocket,
    shutdown: &mut watch::Receiver<bool>,
    events: &mut mpsc::UnboundedReceiver<String>,
    (user, conn): (UserId, ConnId),
) {
    let clustered = app.config.cluster.is_some();
    let mut bucket = TokenBucket::new(&app.config.limits, Instant::now());
    let hard_cap = hard_cap(app);
    // Commands read but not answered yet, answered in the order they came: a client may
    // send several without waiting, and the writer commits them together. Answers that do
    // not come from the writer (errors, reads) wait their turn too.
    let mut replies: FuturesOrdered<PendingReply> = FuturesOrdered::new();
    loop {
        // Biased towards events so everything queued before a command's ack goes out first.
        let sent = tokio::select! {
            biased;
            _ = shutdown.changed() => {
                close(socket, shutdown, CLOSE_GOING_AWAY, "server shutting down").await;
                return;
            }
            Some(frame) = events.recv() => {
                send_events(socket, Some(frame), events, EVENTS_PER_WRITE).await.is_ok()
            }
            Some(reply) = replies.next(), if !replies.is_empty() => {
                if clustered && !flush_events_first(app, socket, events, (user, conn)).await {
                    return;
                }
                send(socket, &reply).await.is_ok()
            }
            incoming = socket.recv(), if replies.len() < MAX_IN_FLIGHT => match incoming {
                Some(Ok(Message::Text(text))) if text.len() > hard_cap => {
                    let id = command_id_of(&text);
                    too_big(socket, shutdown, text.len(), hard_cap, id).await;
                    return;
                }
                Some(Ok(Message::Binary(data))) if data.len() > hard_cap => {
                    too_big(socket, shutdown, data.len(), hard_cap, None).await;
                    return;
                }
                Some(Ok(Message::Text(text))) => {
                    let reply = if bucket.take(Instant::now()) {
                        start_reply(app, user, &text, !replies.is_empty())
                    } else {
                        ready(rate_limited(&app.config.limits, &text))
                    };
                    replies.push_back(reply);
                    true
                }
                // A binary frame costs a token like any frame, so it cannot flood the server.
                Some(Ok(Message::Binary(_))) => {
                    let reply = if bucket.take(Instant::now()) {
                        error(None, ErrorCode::BadFrame, BINARY_REFUSED)
                    } else {
                        rate_limited(&app.config.limits, "")
                    };
                    replies.push_back(ready(reply));
                    true
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => true,
                Some(Ok(Message::Close(_))) => {
                    // Sends the close reply tungstenite queued, completing the handshake.
                    let _ = futures_util::SinkExt::flush(socket).await;
                    return;
                }
                Some(Err(e)) => {
                    if is_too_big(e) {
                        cut_off(socket, shutdown, hard_cap).await;
                    }
                    return;
                }
                None => return,
            },
        };
        if !sent {
            return;
        }
    }
}

/// Most events queued together at most, written at once, so a steady stream of events
/// does not keep the connection from reading.
const EVENTS_PER_WRITE: usize = 64;

/// Sends `first` (if any) and up to `most` events queued behind it in one write: a
/// committed batch queues several at once, and a write (a system call, a TCP segment) each
/// was the socket tasks' biggest cost after the read buffer (perf, `--example bench`).
async fn send_events(
    socket: &mut WebSocket,
    first: Option<String>,
    events: &mut mpsc::UnboundedReceiver<String>,
    most: usize,
) -> Result<(), axum::Error> {
    use futures_util::SinkExt;
    let queued = std::iter::from_fn(|| events.try_recv().ok());
    for frame in first.into_iter().chain(queued).take(most) {
        socket.feed(Message::Text(frame.into())).await?;
    }
    socket.flush().await
}

/// In a cluster, events stored by other nodes may still be on their way: they are read from
/// the database and sent before the answer, so an answer still follows every event caused
/// by what was answered before it. Returns false if the socket failed.
async fn flush_events_first(
    app: &App,
    socket: &mut WebSocket,
    events: &mut mpsc::UnboundedReceiver<String>,
    (user, conn): (UserId, ConnId),
) -> bool {
    if let Err(e) = app.lock().catch_up(user, conn) {
        tracing::error!("catching up user {user}'s events: {e}");
    }
    send_events(socket, None, events, usize::MAX).await.is_ok()
}

/// Commands per connection (or per token on the HTTP fallback): `commands_per_second`
/// sustained, `command_burst` at once.
/// Every frame after hello counts, text or binary, parsable or not, so garbage cannot be
/// used to load the server.
pub(crate) struct TokenBucket {
    tokens: f64,
    capacity: f64,
    per_second: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(limits: &Limits, now: Instant) -> TokenBucket {
        let capacity = f64::from(limits.command_burst.max(1));
        TokenBucket {
            tokens: capacity,
            capacity,
            per_second: f64::from(limits.commands_per_second),
            last: now,
        }
    }

    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub(crate) fn rate_limited(limits: &Limits, text: &str) -> ServerFrame {
    let message = format!(
        "more than {} commands per second (bursts of {}); nothing was done, retry later",
        limits.commands_per_second, limits.command_burst
    );
    error(command_id_of(text), ErrorCode::RateLimited, &message)
}

/// The answer to one text frame after hello. Input problems become error frames; the
/// connection stays open.
pub(crate) async fn respond(app: &App, user: UserId, text: &str) -> ServerFrame {
    start_reply(app, user, text, false).await
}

/// An answer on its way: the frame is parsed and, if it changes something, queued for the
/// writer now; the future yields the reply.
type PendingReply = std::pin::Pin<Box<dyn std::future::Future<Output = ServerFrame> + Send>>;

/// Starts answering one text frame. With `behind_writes` (earlier commands of this client
/// still unanswered), even a read-only command goes through the writer, so it sees their
/// effects just as it would had the client waited for their acks.
fn start_reply(app: &App, user: UserId, text: &str, behind_writes: bool) -> PendingReply {
    if text.len() > MAX_FRAME_BYTES {
        let message = format!(
            "frame is {} bytes; the limit is {MAX_FRAME_BYTES}",
            text.len()
        );
        return ready(error(
            command_id_of(text),
            ErrorCode::FrameTooLarge,
            &message,
        ));
    }
    match serde_json::from_str::<ClientFrame>(text) {
        // Reads nothing the writer writes, so it need not wait behind earlier commands.
        Ok(ClientFrame::CheckSpelling { id, lang, text }) => {
            Box::pin(check_spelling(app.spelling.clone(), id, lang, text))
        }
        Ok(frame) if commands::changes_nothing(&frame) && !behind_writes => {
            ready(commands::handle(&mut app.lock(), user, frame))
        }
        Ok(frame) => Box::pin(app.submit(user, frame)),
        Err(e) => ready(error(
            command_id_of(text),
            ErrorCode::BadFrame,
            &e.to_string(),
        )),
    }
}

/// On the blocking pool: the first check in a language loads its dictionary, which takes
/// long enough to stall the other connections served by this runtime thread.
async fn check_spelling(
    dictionaries: Arc<crate::spelling::Dictionaries>,
    id: CommandId,
    lang: String,
    text: String,
) -> ServerFrame {
    let command = id.clone();
    tokio::task::spawn_blocking(move || {
        commands::check_spelling(&dictionaries, command, &lang, &text)
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!("a spell check failed: {e}");
        error(Some(id), ErrorCode::Internal, "internal server error")
    })
}

fn ready(frame: ServerFrame) -> PendingReply {
    Box::pin(std::future::ready(frame))
}

/// Why the first frame did not open a session.
#[derive(Debug, PartialEq)]
enum HelloError {
    /// Not a `hello` at all: another command, or not a JSON object.
    NotHello,
    /// A `hello` whose fields do not parse: a client bug, not a bad token.
    Malformed(String),
}

/// The token and resume position of a `hello`.
fn read_hello(text: &str) -> Result<(String, Option<ResumePosition>), HelloError> {
    #[derive(serde::Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        kind: String,
    }
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(ClientFrame::Hello { token, resume, .. }) => Ok((token, resume)),
        Ok(_) => Err(HelloError::NotHello),
        Err(e) => match serde_json::from_str::<TypeOnly>(text) {
            Ok(head) if head.kind == "hello" => Err(HelloError::Malformed(e.to_string())),
            _ => Err(HelloError::NotHello),
        },
    }
}

/// The version a hello asks for, read on its own: a newer client's hello may not parse as
/// ours, and it should still learn that the version is the problem.
fn requested_version(text: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct HelloHead {
        #[serde(rename = "type")]
        kind: String,
        protocol_version: u64,
    }
    let head = serde_json::from_str::<HelloHead>(text).ok()?;
    (head.kind == "hello").then_some(head.protocol_version)
}

/// The `id` of a frame that did not parse as a command, so the client can fail the right
/// pending request instead of waiting for it to time out.
fn command_id_of(text: &str) -> Option<CommandId> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<CommandId>,
    }
    serde_json::from_str::<IdOnly>(text).ok()?.id
}

pub(crate) fn error(id: Option<CommandId>, code: ErrorCode, message: &str) -> ServerFrame {
    ServerFrame::Error {
        id,
        code,
        message: message.to_owned(),
    }
}

async fn send(socket: &mut WebSocket, frame: &ServerFrame) -> Result<(), axum::Error> {
    match serde_json::to_string(frame) {
        Ok(json) => socket.send(Message::Text(json.into())).await,
        Err(e) => {
            tracing::error!("serializing a server frame: {e}");
            Ok(())
        }
    }
}

fn hard_cap(app: &App) -> usize {
    app.config.limits.max_socket_frame_bytes
}

fn too_big_reason(hard_cap: usize) -> String {
    format!("frame over {hard_cap} bytes (max_socket_frame_bytes)")
}

/// A frame above the hard cap, read whole: the error names the command when its id can be
/// read (so a client fails that outbox entry instead of resending it), then close 1009.
async fn too_big(
    socket: &mut WebSocket,
    shutdown: &mut watch::Receiver<bool>,
    size: usize,
    hard_cap: usize,
    id: Option<CommandId>,
) {
    let message =
        format!("frame is {size} bytes; the hard limit is {hard_cap}, so the connection closes");
    if send(socket, &error(id, ErrorCode::FrameTooLarge, &message))
        .await
        .is_ok()
    {
        close(
            socket,
            shutdown,
            CLOSE_MESSAGE_TOO_BIG,
            &too_big_reason(hard_cap),
        )
        .await;
    }
}

/// A frame so large that the WebSocket layer stopped reading it: nothing more can be read,
/// so only the close frame goes out, with a moment to leave before the socket is dropped.
async fn cut_off(socket: &mut WebSocket, shutdown: &mut watch::Receiver<bool>, hard_cap: usize) {
    let frame = CloseFrame {
        code: CLOSE_MESSAGE_TOO_BIG,
        reason: too_big_reason(hard_cap).into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        tokio::select! {
            () = tokio::time::sleep(CLOSE_GRACE) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Whether a read failed because a message exceeded the WebSocket layer's size limit.
fn is_too_big(e: axum::Error) -> bool {
    e.into_inner()
        .downcast_ref::<tungstenite::Error>()
        .is_some_and(|e| {
            matches!(
                e,
                tungstenite::Error::Capacity(
                    tungstenite::error::CapacityError::MessageTooLong { .. }
                )
            )
        })
}

/// Sends an error without a command id, then closes with `close_code`.
async fn refuse(
    socket: &mut WebSocket,
    shutdown: &mut watch::Receiver<bool>,
    code: ErrorCode,
    message: &str,
    close_code: u16,
) {
    if send(socket, &error(None, code, message)).await.is_ok() {
        close(socket, shutdown, close_code, message).await;
    }
}

async fn close(
    socket: &mut WebSocket,
    shutdown: &mut watch::Receiver<bool>,
    code: u16,
    reason: &str,
) {
    // Close reasons are limited to 123 bytes by RFC 6455; ours are short and ASCII.
    let frame = CloseFrame {
        code,
        reason: reason.chars().take(120).collect::<String>().into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    // Reading until the peer's close reply lets the closing handshake complete cleanly.
    // A shutdown starting meanwhile cuts the wait short.
    let closed = async {
        tokio::select! {
            () = async { while let Some(Ok(_)) = socket.recv().await {} } => {}
            _ = shutdown.changed() => {}
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, closed).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_version_is_read_even_from_an_unfamiliar_hello() {
        let future = r#"{"type":"hello","protocol_version":3,"credentials":{"jwt":"x"}}"#;
        assert_eq!(requested_version(future), Some(3));
        assert_eq!(
            requested_version(r#"{"type":"hello","protocol_version":1,"token":"t"}"#),
            Some(1)
        );
        assert_eq!(
            requested_version(r#"{"type":"send_message","protocol_version":3}"#),
            None
        );
        assert_eq!(requested_version(r#"{"type":"hello"}"#), None);
    }

    #[test]
    fn a_hello_that_does_not_parse_is_malformed_and_anything_else_is_not_a_hello() {
        let ok = read_hello(r#"{"type":"hello","protocol_version":1,"token":"t"}"#);
        assert_eq!(ok, Ok(("t".to_owned(), None)));
        for bad in [
            r#"{"type":"hello","protocol_version":1,"token":"t","resume":{"epoch":"e","seq":"x"}}"#,
            r#"{"type":"hello","protocol_version":1,"token":"t","resume":7}"#,
            r#"{"type":"hello","protocol_version":1}"#,
        ] {
            assert!(
                matches!(read_hello(bad), Err(HelloError::Malformed(_))),
                "{bad}"
            );
        }
        for other in [
            r#"{"type":"list_channels","id":"c1"}"#,
            r#"{"type":"launch_rockets"}"#,
            "not json",
            "[1,2]",
        ] {
            assert_eq!(read_hello(other), Err(HelloError::NotHello), "{other}");
        }
    }

    #[test]
    fn token_bucket_allows_a_burst_then_the_sustained_rate() {
        let limits = Limits {
            commands_per_second: 10,
            command_burst: 3,
            ..Limits::default()
        };
        let start = Instant::now();
        let mut bucket = TokenBucket::new(&limits, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        assert!(!bucket.take(start + Duration::from_millis(50)));
        assert!(bucket.take(start + Duration::from_millis(110)));
        assert!(!bucket.take(start + Duration::from_millis(110)));
        let later = start + Duration::from_secs(60);
        assert!(
            (0..3).all(|_| bucket.take(later)),
            "refills up to the burst"
        );
        assert!(!bucket.take(later));
    }

    #[test]
    fn command_id_is_recovered_from_frames_that_do_not_parse() {
        assert_eq!(
            command_id_of(r#"{"type":"launch_rockets","id":"c7"}"#),
            Some("c7".to_owned())
        );
        assert_eq!(
            command_id_of(r#"{"type":"send_message","id":"c8","text":5}"#),
            Some("c8".to_owned())
        );
        assert_eq!(command_id_of(r#"{"type":"x","id":12}"#), None);
        assert_eq!(command_id_of("not json"), None);
        assert_eq!(command_id_of("[1,2]"), None);
    }
}
