//! The WebSocket adapter: connect, `hello`, feed frames to a handler, reconnect with backoff.
//!
//! It knows nothing about the UI. The handler gets every parsed frame and returns the frames
//! to send in answer (the session's outbox resend after a welcome, for example).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use messenger_protocol::{
    ClientFrame, ErrorCode, ServerFrame, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION,
    PROTOCOL_VERSION,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use gloo_timers::callback::Timeout;

use crate::core::backoff::Backoff;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The first attempt of this session.
    Connecting,
    /// Trying again after the connection was lost or could not be made.
    Reconnecting,
    Online,
    Offline,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Reconnecting => "reconnecting",
            Status::Online => "online",
            Status::Offline => "offline",
        }
    }
}

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

pub struct Handlers {
    /// Every frame from the server; returns frames to send back.
    pub on_frame: Box<dyn Fn(ServerFrame) -> Vec<ClientFrame>>,
    pub on_status: Box<dyn Fn(Status)>,
    pub on_closed: Box<dyn Fn(Closed)>,
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
            })),
        };
        connect(&socket.inner);
        socket
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
        let (ws, timer) = {
            let mut inner = self.inner.borrow_mut();
            inner.stopped = true;
            (inner.ws.take(), inner.timer.take())
        };
        drop(timer);
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
    (handlers.on_status)(status);
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => {
            (handlers.on_status)(Status::Offline);
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
    let (ws, token) = {
        let inner = inner_rc.borrow();
        (inner.ws.clone(), inner.token.clone())
    };
    let hello = ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        token,
        resume: None,
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
        ServerFrame::Welcome(_) => {
            inner_rc.borrow_mut().backoff.reset();
            (handlers.on_status)(Status::Online);
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
    let replies = (handlers.on_frame)(frame);
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
    (handlers.on_status)(Status::Offline);
    (handlers.on_closed)(reason);
    schedule_reconnect(&inner_rc);
}

fn schedule_reconnect(inner_rc: &Rc<RefCell<Inner>>) {
    let delay = {
        let mut inner = inner_rc.borrow_mut();
        if inner.stopped {
            return;
        }
        inner.backoff.next_delay(js_sys::Math::random())
    };
    let weak = Rc::downgrade(inner_rc);
    let timer = Timeout::new(delay, move || {
        if let Some(inner_rc) = weak.upgrade() {
            connect(&inner_rc);
        }
    });
    inner_rc.borrow_mut().timer = Some(timer);
}
