//! The WebSocket adapter: connect, `hello` with the resume position, feed frames to a
//! handler, reconnect with backoff.
//!
//! It knows nothing about the UI. The handler gets every parsed frame (and its text, for the
//! local copy and the other tabs) and returns the frames to send in answer (the session's
//! outbox resend after a welcome, for example). A reconnect waits for the backoff, except
//! when the browser says the network is back or the page comes into view: then at once.
//!
//! When WebSockets never open (two attempts in a row) but the server answers HTTP, the
//! adapter falls back to polling `GET /api/events` at the interval the server sets and
//! posting commands to `/api/commands` ([`super::http_link`]); the frames are the same, so
//! nothing above notices but the status. The socket keeps being tried in the background and
//! takes over again as soon as one opens.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use messenger_protocol::{
    ClientFrame, ErrorCode, ResumePosition, ServerFrame, CLOSE_UNAUTHORIZED,
    CLOSE_UNSUPPORTED_VERSION, PROTOCOL_VERSION,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::http_link::{self, HttpLinkError};
use crate::config::ws_url;
use crate::core::backoff::Backoff;

pub use crate::core::tabs::Status;

/// Socket attempts in a row that never opened before HTTP is tried.
const FALLBACK_AFTER: u32 = 2;

/// Why a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// Network or server went away: reconnecting.
    Lost,
    /// The token was refused: not reconnecting.
    Unauthorized,
    /// The server speaks another protocol version: not reconnecting.
    Unsupported,
}

/// Takes a frame and its text; returns the frames to send back.
pub type FrameHandler = Box<dyn Fn(ServerFrame, &str) -> Vec<ClientFrame>>;

pub struct Handlers {
    /// Every frame from the server, with its text.
    pub on_frame: FrameHandler,
    /// The status, and when `Offline`, the time (ms since the epoch) of the next attempt.
    pub on_status: Box<dyn Fn(Status, Option<f64>)>,
    pub on_closed: Box<dyn Fn(Closed)>,
    /// Where the state stands, for the `hello` (none: ask for a full welcome).
    pub position: Box<dyn Fn() -> Option<ResumePosition>>,
}

struct WsClosures {
    _open: Closure<dyn FnMut(web_sys::Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

/// The HTTP fallback while it is in use.
struct Polling {
    /// The next poll; dropping it cancels it.
    timer: Option<Timeout>,
    /// A request is on its way.
    busy: bool,
    backoff: Backoff,
}

struct Inner {
    server: String,
    token: String,
    ws: Option<WebSocket>,
    closures: Option<WsClosures>,
    backoff: Backoff,
    /// No more reconnects (signed out, or the server refused us for good).
    stopped: bool,
    /// Why the server is about to close us, learnt from an error frame.
    refusal: Option<Closed>,
    /// The pending reconnect; dropping it cancels it.
    timer: Option<Timeout>,
    handlers: Rc<Handlers>,
    /// `online` on the window and `visibilitychange` on the document: reconnect at once.
    wake: Vec<EventListener>,
    /// The current socket reached `open`.
    opened: bool,
    /// Socket attempts in a row that never opened.
    unopened: u32,
    polling: Option<Polling>,
    /// Finding out whether HTTP works.
    probing: bool,
    /// Commands waiting for the fallback's POST, and whether one is on its way: one at a
    /// time, so the server runs them in the order they were written.
    to_post: Vec<String>,
    posting: bool,
}

/// A live connection handle. Dropping it does not stop it: call [`Socket::stop`].
#[derive(Clone)]
pub struct Socket {
    inner: Rc<RefCell<Inner>>,
}

impl Socket {
    /// Connects to the server at `server` and keeps connected until [`Socket::stop`] or a
    /// refusal.
    pub fn start(server: String, token: String, handlers: Handlers) -> Socket {
        let socket = Socket {
            inner: Rc::new(RefCell::new(Inner {
                server,
                token,
                ws: None,
                closures: None,
                backoff: Backoff::default(),
                stopped: false,
                refusal: None,
                timer: None,
                handlers: Rc::new(handlers),
                wake: Vec::new(),
                opened: false,
                unopened: 0,
                polling: None,
                probing: false,
                to_post: Vec::new(),
                posting: false,
            })),
        };
        let wake = |target: Option<web_sys::EventTarget>, event: &'static str| {
            let weak = Rc::downgrade(&socket.inner);
            target.map(|t| {
                EventListener::new(&t, event, move |_| {
                    if let Some(inner) = weak.upgrade() {
                        Socket { inner }.retry_now();
                    }
                })
            })
        };
        let window = web_sys::window();
        let document = window.as_ref().and_then(|w| w.document());
        let listeners = [
            wake(window.map(Into::into), "online"),
            wake(document.map(Into::into), "visibilitychange"),
        ];
        socket.inner.borrow_mut().wake = listeners.into_iter().flatten().collect();
        connect(&socket.inner);
        socket
    }

    /// Connects now if the connection is down and waiting for its next attempt (the "retry
    /// now" button, the network coming back, the page coming into view). With the HTTP
    /// fallback, polls at once ("check now").
    pub fn retry_now(&self) {
        let (waiting, polling) = {
            let inner = self.inner.borrow();
            (
                !inner.stopped && inner.ws.is_none() && inner.timer.is_some(),
                inner.polling.is_some(),
            )
        };
        if polling {
            poll(&self.inner);
        } else if waiting && !document_hidden() {
            connect(&self.inner);
        }
    }

    /// Sends frames already written as JSON: on the socket when it is open, else over HTTP
    /// when the fallback is in use, else not at all (the outbox sends again once connected).
    pub fn send_texts(&self, texts: Vec<String>) {
        if texts.is_empty() {
            return;
        }
        let (ws, polling) = {
            let inner = self.inner.borrow();
            (inner.ws.clone(), inner.polling.is_some())
        };
        match ws {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => {
                for t in &texts {
                    let _ = ws.send_with_str(t);
                }
            }
            _ if polling => post(&self.inner, texts),
            _ => {}
        }
    }

    /// Sends a frame already written as JSON (from another tab).
    pub fn send_text(&self, text: &str) {
        self.send_texts(vec![text.to_string()]);
    }

    pub fn send_all(&self, frames: &[ClientFrame]) {
        self.send_texts(
            frames
                .iter()
                .filter_map(|f| serde_json::to_string(f).ok())
                .collect(),
        );
    }

    /// Closes the connection for good.
    pub fn stop(&self) {
        let (ws, timer, wake, polling) = {
            let mut inner = self.inner.borrow_mut();
            inner.stopped = true;
            (
                inner.ws.take(),
                inner.timer.take(),
                std::mem::take(&mut inner.wake),
                inner.polling.take(),
            )
        };
        drop((timer, wake, polling));
        if let Some(ws) = ws {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close_with_code_and_reason(1000, "sign out");
        }
    }
}

fn connect(inner_rc: &Rc<RefCell<Inner>>) {
    let (url, handlers, status) = {
        let mut inner = inner_rc.borrow_mut();
        if inner.stopped {
            return;
        }
        inner.timer = None;
        inner.refusal = None;
        inner.opened = false;
        let status = if inner.backoff.attempt() == 0 {
            Status::Connecting
        } else {
            Status::Reconnecting
        };
        (ws_url(&inner.server), inner.handlers.clone(), status)
    };
    report(inner_rc, &handlers, status, None);
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => {
            schedule_reconnect(inner_rc);
            return;
        }
    };

    let weak = Rc::downgrade(inner_rc);
    let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_open(&weak));
    let weak = Rc::downgrade(inner_rc);
    let message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some(text) = ev.data().as_string() {
            on_text(&weak, &text, false);
        }
    });
    let weak = Rc::downgrade(inner_rc);
    let close =
        Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| on_close(&weak, ev.code()));
    ws.set_onopen(Some(open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(close.as_ref().unchecked_ref()));

    let mut inner = inner_rc.borrow_mut();
    inner.ws = Some(ws);
    // The previous connection's closures are not running now (we are in a timer or start).
    inner.closures = Some(WsClosures {
        _open: open,
        _message: message,
        _close: close,
    });
}

fn on_open(weak: &Weak<RefCell<Inner>>) {
    let Some(inner_rc) = weak.upgrade() else {
        return;
    };
    let (ws, token, handlers) = {
        let mut inner = inner_rc.borrow_mut();
        inner.opened = true;
        inner.unopened = 0;
        (
            inner.ws.clone(),
            inner.token.clone(),
            inner.handlers.clone(),
        )
    };
    let hello = ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        token,
        resume: (handlers.position)(),
    };
    if let (Some(ws), Ok(text)) = (ws, serde_json::to_string(&hello)) {
        let _ = ws.send_with_str(&text);
    }
}

/// A frame from the server, from the socket or (`via_http`) the fallback.
fn on_text(weak: &Weak<RefCell<Inner>>, text: &str, via_http: bool) {
    let Some(inner_rc) = weak.upgrade() else {
        return;
    };
    let frame = match serde_json::from_str::<ServerFrame>(text) {
        Ok(f) => f,
        Err(e) => {
            web_sys::console::warn_1(&format!("messenger: ignoring bad frame: {e}").into());
            return;
        }
    };
    let handlers = inner_rc.borrow().handlers.clone();
    match &frame {
        ServerFrame::Welcome(_) | ServerFrame::Resumed { .. } => {
            let left_http = {
                let mut inner = inner_rc.borrow_mut();
                inner.backoff.reset();
                // The socket works again: the fallback stops.
                !via_http && inner.polling.take().is_some()
            };
            if left_http {
                // What went out over HTTP and is not answered yet goes again, in order, on
                // the socket (same ids: nothing is stored twice).
                (handlers.on_closed)(Closed::Lost);
            }
            let status = if via_http {
                Status::Polling
            } else {
                Status::Online
            };
            (handlers.on_status)(status, None);
        }
        ServerFrame::Error { id: None, code, .. } => {
            let refusal = match code {
                ErrorCode::Unauthorized => Some(Closed::Unauthorized),
                ErrorCode::UnsupportedVersion => Some(Closed::Unsupported),
                _ => None,
            };
            if refusal.is_some() {
                let mut inner = inner_rc.borrow_mut();
                inner.refusal = refusal;
                inner.stopped = true;
            }
        }
        _ => {}
    }
    let replies = (handlers.on_frame)(frame, text);
    Socket { inner: inner_rc }.send_all(&replies);
}

fn on_close(weak: &Weak<RefCell<Inner>>, code: u16) {
    let Some(inner_rc) = weak.upgrade() else {
        return;
    };
    let (handlers, reason, polling) = {
        let mut inner = inner_rc.borrow_mut();
        inner.ws = None;
        inner.unopened = if inner.opened { 0 } else { inner.unopened + 1 };
        let reason = match code {
            CLOSE_UNAUTHORIZED => Closed::Unauthorized,
            CLOSE_UNSUPPORTED_VERSION => Closed::Unsupported,
            _ => inner.refusal.unwrap_or(Closed::Lost),
        };
        if reason != Closed::Lost {
            inner.stopped = true;
        }
        (inner.handlers.clone(), reason, inner.polling.is_some())
    };
    // A socket attempt failing while the fallback carries the link changes nothing.
    if !polling || reason != Closed::Lost {
        (handlers.on_closed)(reason);
    }
    schedule_reconnect(&inner_rc);
}

/// Status changes of socket attempts are not news while the fallback carries the link.
fn report(inner_rc: &Rc<RefCell<Inner>>, handlers: &Handlers, status: Status, at: Option<f64>) {
    if inner_rc.borrow().polling.is_none() {
        (handlers.on_status)(status, at);
    }
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

fn schedule_reconnect(inner_rc: &Rc<RefCell<Inner>>) {
    let (delay, handlers, try_http) = {
        let mut inner = inner_rc.borrow_mut();
        let handlers = inner.handlers.clone();
        if inner.stopped {
            drop(inner);
            (handlers.on_status)(Status::Offline, None);
            return;
        }
        let try_http =
            inner.unopened >= FALLBACK_AFTER && inner.polling.is_none() && !inner.probing;
        (
            inner.backoff.next_delay(js_sys::Math::random()),
            handlers,
            try_http,
        )
    };
    report(
        inner_rc,
        &handlers,
        Status::Offline,
        Some(js_sys::Date::now() + f64::from(delay)),
    );
    if try_http {
        inner_rc.borrow_mut().probing = true;
        poll(inner_rc);
    }
    let weak = Rc::downgrade(inner_rc);
    let timer = crate::timer::after(delay, move || {
        if let Some(inner_rc) = weak.upgrade() {
            connect(&inner_rc);
        }
    });
    inner_rc.borrow_mut().timer = Some(timer);
}

/// One `GET /api/events`: on success the fallback is (or stays) in use and the next poll is
/// scheduled at the server's interval; a failure while probing leaves the socket's backoff
/// alone, a failure while polling reports the link lost and polls again after a backoff.
fn poll(inner_rc: &Rc<RefCell<Inner>>) {
    let (server, token, handlers) = {
        let mut inner = inner_rc.borrow_mut();
        if inner.stopped || inner.polling.as_ref().is_some_and(|p| p.busy) {
            return;
        }
        if let Some(p) = inner.polling.as_mut() {
            p.busy = true;
            p.timer = None;
        }
        (
            inner.server.clone(),
            inner.token.clone(),
            inner.handlers.clone(),
        )
    };
    let position = (handlers.position)();
    let weak = Rc::downgrade(inner_rc);
    wasm_bindgen_futures::spawn_local(async move {
        let result = http_link::events(&server, &token, position).await;
        let Some(inner_rc) = weak.upgrade() else {
            return;
        };
        let delay = {
            let mut inner = inner_rc.borrow_mut();
            let probing = std::mem::replace(&mut inner.probing, false);
            if inner.stopped || (!probing && inner.polling.is_none()) {
                return; // the socket took over meanwhile
            }
            let p = inner.polling.get_or_insert_with(|| Polling {
                timer: None,
                busy: false,
                backoff: Backoff::default(),
            });
            p.busy = false;
            match &result {
                Ok((_, after)) => {
                    p.backoff.reset();
                    *after
                }
                Err(HttpLinkError::Failed) if probing => {
                    inner.polling = None;
                    return;
                }
                Err(_) => p.backoff.next_delay(js_sys::Math::random()),
            }
        };
        match result {
            Ok((frames, _)) => {
                for text in frames {
                    on_text(&weak, &text, true);
                }
            }
            Err(HttpLinkError::Unauthorized) => {
                inner_rc.borrow_mut().stopped = true;
                (handlers.on_closed)(Closed::Unauthorized);
                return;
            }
            Err(HttpLinkError::Failed) => {
                (handlers.on_closed)(Closed::Lost);
                (handlers.on_status)(
                    Status::Offline,
                    Some(js_sys::Date::now() + f64::from(delay)),
                );
            }
        }
        let weak = Rc::downgrade(&inner_rc);
        let timer = crate::timer::after(delay, move || {
            if let Some(inner_rc) = weak.upgrade() {
                poll(&inner_rc);
            }
        });
        let mut inner = inner_rc.borrow_mut();
        if let Some(p) = inner.polling.as_mut() {
            p.timer = Some(timer);
        }
    });
}

/// Posts commands over the fallback, one request at a time (in order); their answers are
/// handled like socket frames. On a failure they are not sent: the next poll resumes, and
/// the outbox resends after it.
fn post(inner_rc: &Rc<RefCell<Inner>>, texts: Vec<String>) {
    let start = {
        let mut inner = inner_rc.borrow_mut();
        inner.to_post.extend(texts);
        !std::mem::replace(&mut inner.posting, true)
    };
    if !start {
        return;
    }
    let weak = Rc::downgrade(inner_rc);
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let Some(inner_rc) = weak.upgrade() else {
                return;
            };
            let (server, token, handlers, batch) = {
                let mut inner = inner_rc.borrow_mut();
                let batch = std::mem::take(&mut inner.to_post);
                if batch.is_empty() || inner.stopped || inner.polling.is_none() {
                    inner.posting = false;
                    inner.to_post.clear();
                    return;
                }
                (
                    inner.server.clone(),
                    inner.token.clone(),
                    inner.handlers.clone(),
                    batch,
                )
            };
            drop(inner_rc);
            match http_link::commands(&server, &token, &batch).await {
                Ok(answers) => {
                    for text in answers {
                        on_text(&weak, &text, true);
                    }
                }
                Err(HttpLinkError::Unauthorized) => {
                    (handlers.on_closed)(Closed::Unauthorized);
                }
                Err(HttpLinkError::Failed) => {
                    if let Some(inner_rc) = weak.upgrade() {
                        inner_rc.borrow_mut().to_post.clear();
                        (handlers.on_closed)(Closed::Lost);
                        poll(&inner_rc);
                    }
                }
            }
        }
    });
}
