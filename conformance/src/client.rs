//! A protocol client that reports every surprise as an error string instead of panicking,
//! since the server under test may be anyone's.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use messenger_protocol::{
    AckResult, ClientFrame, ErrorCode, Event, ResumePosition, ServerFrame, Welcome,
    PROTOCOL_VERSION,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single answer may take.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

pub type Check<T = ()> = Result<T, String>;

pub struct Conn {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Events that arrived while waiting for something else, in order.
    pub events: VecDeque<(u64, Event)>,
    /// The seq of the last event received, for a later `resume`.
    pub last_seq: u64,
}

/// What a hello was answered with.
pub enum HelloAnswer {
    Welcome(Box<Welcome>),
    Resumed { epoch: String, seq: u64, until: u64 },
}

impl Conn {
    pub async fn open(ws_url: &str) -> Check<Conn> {
        let (ws, _) =
            tokio::time::timeout(ANSWER_TIMEOUT, tokio_tungstenite::connect_async(ws_url))
                .await
                .map_err(|_| format!("WebSocket upgrade at {ws_url} timed out"))?
                .map_err(|e| format!("WebSocket upgrade at {ws_url}: {e}"))?;
        Ok(Conn {
            ws,
            events: VecDeque::new(),
            last_seq: 0,
        })
    }

    /// Connects and says hello; anything but an answer to it is an error.
    pub async fn hello(
        ws_url: &str,
        token: &str,
        resume: Option<ResumePosition>,
    ) -> Check<(Conn, HelloAnswer)> {
        let mut conn = Conn::open(ws_url).await?;
        conn.send(&ClientFrame::Hello {
            protocol_version: PROTOCOL_VERSION,
            token: token.to_owned(),
            resume,
        })
        .await?;
        let answer = match conn.recv().await? {
            ServerFrame::Welcome(welcome) => {
                conn.last_seq = welcome.seq;
                HelloAnswer::Welcome(welcome)
            }
            ServerFrame::Resumed { epoch, seq, until } => {
                conn.last_seq = seq;
                HelloAnswer::Resumed { epoch, seq, until }
            }
            other => return Err(format!("hello was answered with {}", brief(&other))),
        };
        Ok((conn, answer))
    }

    /// Connects without resuming and expects a welcome.
    pub async fn welcome(ws_url: &str, token: &str) -> Check<(Conn, Welcome)> {
        match Conn::hello(ws_url, token, None).await? {
            (conn, HelloAnswer::Welcome(welcome)) => Ok((conn, *welcome)),
            (_, HelloAnswer::Resumed { .. }) => {
                Err("a hello without resume was answered with resumed".into())
            }
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) -> Check {
        let text = serde_json::to_string(frame).map_err(|e| e.to_string())?;
        self.send_text(text).await
    }

    pub async fn send_text(&mut self, text: String) -> Check {
        self.send_ws(WsMessage::text(text)).await
    }

    pub async fn send_ws(&mut self, message: WsMessage) -> Check {
        self.ws
            .send(message)
            .await
            .map_err(|e| format!("sending a frame: {e}"))
    }

    /// The next non-ping message, or `None` when the connection ended.
    pub async fn recv_ws(&mut self) -> Check<Option<WsMessage>> {
        loop {
            let next = tokio::time::timeout(ANSWER_TIMEOUT, self.ws.next())
                .await
                .map_err(|_| format!("the server sent nothing for {ANSWER_TIMEOUT:?}"))?;
            match next {
                None => return Ok(None),
                Some(Err(e)) => return Err(format!("reading from the WebSocket: {e}")),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                Some(Ok(message)) => return Ok(Some(message)),
            }
        }
    }

    /// The next frame; events also advance `last_seq`.
    pub async fn recv(&mut self) -> Check<ServerFrame> {
        match self.recv_ws().await? {
            Some(WsMessage::Text(text)) => {
                let frame: ServerFrame = serde_json::from_str(&text).map_err(|e| {
                    format!("the server sent a frame that does not parse ({e}): {text}")
                })?;
                if let ServerFrame::Event { seq, .. } = &frame {
                    self.last_seq = *seq;
                }
                Ok(frame)
            }
            Some(other) => Err(format!("expected a text frame, got {other:?}")),
            None => Err("the server closed the connection".into()),
        }
    }

    /// The close code the server ends the connection with.
    pub async fn recv_close_code(&mut self) -> Check<u16> {
        match self.recv_ws().await? {
            Some(WsMessage::Close(Some(frame))) => Ok(u16::from(frame.code)),
            Some(WsMessage::Close(None)) => Err("closed without a close code".into()),
            Some(other) => Err(format!("expected a close frame, got {other:?}")),
            None => Err("the connection ended without a close frame".into()),
        }
    }

    /// The ack or error answering command `id`; events met on the way are kept.
    pub async fn answer_to(&mut self, id: &str) -> Check<ServerFrame> {
        loop {
            match self.recv().await? {
                ServerFrame::Event { seq, event } => self.events.push_back((seq, event)),
                ServerFrame::Typing { .. } => {}
                ServerFrame::Ack { id: got, result } if got == id => {
                    return Ok(ServerFrame::Ack { id: got, result })
                }
                ServerFrame::Error {
                    id: Some(got),
                    code,
                    message,
                } if got == id => {
                    return Ok(ServerFrame::Error {
                        id: Some(got),
                        code,
                        message,
                    })
                }
                other => {
                    return Err(format!(
                        "waiting for the answer to {id}, got {}",
                        brief(&other)
                    ))
                }
            }
        }
    }

    pub async fn request(&mut self, frame: &ClientFrame) -> Check<ServerFrame> {
        let id = frame.command_id().unwrap_or_default().to_owned();
        self.send(frame).await?;
        self.answer_to(&id).await
    }

    pub async fn ack(&mut self, frame: &ClientFrame) -> Check<AckResult> {
        match self.request(frame).await? {
            ServerFrame::Ack { result, .. } => Ok(result),
            other => Err(format!(
                "{} was answered with {}",
                frame_type(frame),
                brief(&other)
            )),
        }
    }

    /// Expects an error answering `frame`; returns its code and message.
    pub async fn refusal(&mut self, frame: &ClientFrame) -> Check<(ErrorCode, String)> {
        match self.request(frame).await? {
            ServerFrame::Error { code, message, .. } => Ok((code, message)),
            other => Err(format!(
                "{} should have been refused, got {}",
                frame_type(frame),
                brief(&other)
            )),
        }
    }

    /// Expects an error frame without id next (after any events).
    pub async fn connection_error(&mut self) -> Check<(ErrorCode, Option<String>)> {
        loop {
            match self.recv().await? {
                ServerFrame::Event { seq, event } => self.events.push_back((seq, event)),
                ServerFrame::Typing { .. } => {}
                ServerFrame::Error { id, code, .. } => return Ok((code, id)),
                other => return Err(format!("expected an error, got {}", brief(&other))),
            }
        }
    }

    /// Every event already caused by anything answered before this call: the server sends
    /// queued events before the answer to a later command, so a harmless probe flushes them.
    pub async fn drain(&mut self, probe_id: &str) -> Check<Vec<(u64, Event)>> {
        let probe = ClientFrame::OpenDirect {
            id: probe_id.to_owned(),
            user_id: -1,
        };
        self.request(&probe).await?;
        Ok(self.events.drain(..).collect())
    }

    /// Events until `stop` matches one (inclusive), taking buffered ones first.
    pub async fn events_until(
        &mut self,
        mut stop: impl FnMut(&Event) -> bool,
    ) -> Check<Vec<(u64, Event)>> {
        let mut seen = Vec::new();
        loop {
            let next = match self.events.pop_front() {
                Some(event) => event,
                None => match self.recv().await? {
                    ServerFrame::Event { seq, event } => (seq, event),
                    ServerFrame::Typing { .. } => continue,
                    other => {
                        return Err(format!("expected events, got {}", brief(&other)));
                    }
                },
            };
            let done = stop(&next.1);
            seen.push(next);
            if done {
                return Ok(seen);
            }
        }
    }

    /// Closes politely and waits (briefly) for the server to finish the handshake.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }
}

fn frame_type(frame: &ClientFrame) -> String {
    serde_json::to_value(frame)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "command".into())
}

/// A frame shortened for a failure line.
pub fn brief(frame: &ServerFrame) -> String {
    let text = serde_json::to_string(frame).unwrap_or_else(|_| format!("{frame:?}"));
    if text.len() > 300 {
        let mut end = 300;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end])
    } else {
        text
    }
}
