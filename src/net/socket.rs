//! The WebSocket adapter: connect, `hello` with the resume position, feed frames to a
//! handler, reconnect with backoff.
//!
//! It knows nothing about the UI. The handler gets every parsed frame (and its text, for the
//! local copy and the other tabs) and returns the frames to send in answer (the session's
//! outbox resend after a welcome, for example). A reconnect waits for the backoff, except
//! when the browser says the network is back or the page comes into view: then at once.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use messenger_protocol::{
    ClientFrame, ErrorCode, ResumePosition, ServerFrame, CLOSE_UNAUTHORIZED,
    CLOSE_UNSUPPORTED_VERSION, PROTOCOL_VERSION,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use gloo_timers::callback::Timeout;

use crate::core::backoff::Backoff;

pub use crate::core::tabs::Status;

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

struct Inner {
    url: String,
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
    _wake: Vec<EventListener>,
}

/// A live connection handle. Dropping it does not stop it: call [`Socket::stop`].
#[derive(Clone)]
pub struct Socket {
    inner: Rc<RefCell<Inner>>,
}

impl Socket {
    /// Connects to `url` and keeps connected until [`Socket::stop`] or a refusal.
    pub fn start(url: String, token: String, handlers: Handlers) -> Socket {
        let socket = Socket {
            inner: Rc::new(RefCell::new(Inner {
                url,
                token,
                ws: None,
                closures: None,
                backoff: Backoff::default(),
                stopped: false,
                refusal: None,
                timer: None,
                handlers: Rc::new(handlers),
                _wake: Vec::new(),
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
        socket.inner.borrow_mut()._wake = listeners.into_iter().flatten().collect();
        connect(&socket.inner);
        socket
    }

    /// Connects now if the connection is down and waiting for its next attempt (the "retry
    /// now" button, the network coming back, the page coming into view).
    pub fn retry_now(&self) {
        let waiting = {
            let inner = self.inner.borrow();
            !inner.stopped && inner.ws.is_none() && inner.timer.is_some()
        };
        if waiting && !document_hidden() {
            connect(&self.inner);
        }
    }

    /// Sends a frame already written as JSON (from another tab) if the connection is open.
    pub fn send_text(&self, text: &str) -> bool {
        let ws = self.inner.borrow().ws.clone();
        matches!(ws, Some(ws) if ws.ready_state() == WebSocket::OPEN && ws.send_with_str(text).is_ok())
    }

    /// Sends a frame if the connection is open; false otherwise.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        let ws = self.inner.borrow().ws.clone();
        match ws {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => {
                serde_json::to_string(frame).is_ok_and(|text| ws.send_with_str(&text).is_ok())
            }
            _ => false,
        }
    }

    pub fn send_all(&self, frames: &[ClientFrame]) {
        for f in frames {
            self.send(f);
        }
    }

    /// Closes the connection for good.
    pub fn stop(&self) {
        let (ws, timer, wake) = {
            let mut inner = self.inner.borrow_mut();
            inner.stopped = true;
            (
                inner.ws.take(),
                inner.timer.take(),
                std::mem::take(&mut inner._wake),
            )
        };
        drop(timer);
        drop(wake);
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
        let status = if inner.backoff.attempt() == 0 {
            Status::Connecting
        } else {
            Status::Reconnecting
        };
        (inner.url.clone(), inner.handlers.clone(), status)
    };
    (handlers.on_status)(status, None);
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
            on_text(&weak, &text);
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
        let inner = inner_rc.borrow();
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

fn on_text(weak: &Weak<RefCell<Inner>>, text: &str) {
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
            inner_rc.borrow_mut().backoff.reset();
            (handlers.on_status)(Status::Online, None);
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
    let (handlers, reason) = {
        let mut inner = inner_rc.borrow_mut();
        inner.ws = None;
        let reason = match code {
            CLOSE_UNAUTHORIZED => Closed::Unauthorized,
            CLOSE_UNSUPPORTED_VERSION => Closed::Unsupported,
            _ => inner.refusal.unwrap_or(Closed::Lost),
        };
        if reason != Closed::Lost {
            inner.stopped = true;
        }
        (inner.handlers.clone(), reason)
    };
    (handlers.on_closed)(reason);
    schedule_reconnect(&inner_rc);
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

fn schedule_reconnect(inner_rc: &Rc<RefCell<Inner>>) {
    let (delay, handlers) = {
        let mut inner = inner_rc.borrow_mut();
        if inner.stopped {
            (inner.handlers.clone().on_status)(Status::Offline, None);
            return;
        }
        (
            inner.backoff.next_delay(js_sys::Math::random()),
            inner.handlers.clone(),
        )
    };
    (handlers.on_status)(
        Status::Offline,
        Some(js_sys::Date::now() + f64::from(delay)),
    );
    let weak = Rc::downgrade(inner_rc);
    let timer = Timeout::new(delay, move || {
        if let Some(inner_rc) = weak.upgrade() {
            connect(&inner_rc);
        }
    });
    inner_rc.borrow_mut().timer = Some(timer);
}
