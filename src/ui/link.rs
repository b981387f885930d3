//! The messenger's link to the server: the local copy, the shared outbox, the tabs and the
//! connection, wired to the [`Session`](crate::core::session::Session).
//!
//! Start-up draws the local copy (IndexedDB) before anything else, then joins the user's
//! tabs. The leader tab opens the socket and resumes from the copy's seq; it passes every
//! frame to the other tabs and sends what they hand it. Every outbox entry is stored before
//! it shows, shared with the other tabs, sent only by the leader and deleted when the server
//! confirms it. The decisions live in `core` (session, outbox, journal, tabs); this module
//! only moves texts between the socket, the channel, IndexedDB and the session.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use messenger_protocol::{ClientFrame, ServerFrame, UserId};

use super::ctx::Ctx;
use super::Auth;
use crate::core::alerts::TabsVisible;
use crate::core::i18n::{Notice, K};
use crate::core::journal::{CopyWrite, Journal};
use crate::core::outbox::PendingMessage;
use crate::core::session::{Outcome, Session};
use crate::core::tabs::{Relay, Status, TabMsg};
use crate::net::socket::{Closed, Handlers, Socket};
use crate::net::tabs::Tabs;
use crate::storage::copy::CopyStore;
use crate::storage::drafts::DraftStore;
use crate::storage::outbox::OutboxStore;

/// A refused-for-now message (rate limited, server trouble) is tried again after this long.
const RETRY_LATER_MS: u32 = 1_500;

struct Inner {
    ctx: Ctx,
    auth: Auth,
    user: UserId,
    token: String,
    socket: Option<Socket>,
    tabs: Option<Tabs>,
    leader: bool,
    journal: Journal,
    relay: Relay,
    outbox: Option<OutboxStore>,
    copy: Option<CopyStore>,
    /// IndexedDB writes waiting for the worker, and whether it runs.
    writes: Vec<Write>,
    writing: bool,
    retry_timer: Option<Timeout>,
    stopped: bool,
    /// Which other tabs of the user are visible (browser notifications wait for none).
    visible: TabsVisible,
}

/// One IndexedDB write.
enum Write {
    /// A new or changed outbox entry that shows (and goes) once written.
    Queued(PendingMessage),
    Put(PendingMessage),
    Delete(Vec<String>),
    Copy(CopyWrite),
}

/// The shared handle; clones share one link.
#[derive(Clone)]
pub struct Link {
    inner: Rc<RefCell<Inner>>,
}

impl Link {
    /// Restores the local copy, then joins the tabs (the leader connects).
    pub fn start(ctx: Ctx, auth: Auth, user: UserId, token: String, store: Option<DraftStore>) {
        let link = Link {
            inner: Rc::new(RefCell::new(Inner {
                ctx,
                auth,
                user,
                token,
                socket: None,
                tabs: None,
                leader: false,
                journal: Journal::default(),
                relay: Relay::default(),
                outbox: store.as_ref().map(OutboxStore::from),
                copy: store.as_ref().map(CopyStore::from),
                writes: Vec::new(),
                writing: false,
                retry_timer: None,
                stopped: false,
                visible: TabsVisible::default(),
            })),
        };
        ctx.link.set_value(Some(link.clone()));
        ctx.receive(|s| s.follower = true);
        leptos::task::spawn_local(async move {
            link.restore().await;
            link.join_tabs();
        });
    }

    fn ctx(&self) -> Ctx {
        self.inner.borrow().ctx
    }

    /// Draws what was last shown and the unsent messages, before any connection.
    async fn restore(&self) {
        let (user, copy, outbox) = {
            let i = self.inner.borrow();
            (i.user, i.copy.clone(), i.outbox.clone())
        };
        let ctx = self.ctx();
        if let Some(copy) = copy {
            match copy.load(user).await {
                Ok(saved) => {
                    let texts = saved
                        .welcome
                        .into_iter()
                        .chain(saved.events)
                        .chain(saved.pages);
                    for text in texts {
                        let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
                            continue;
                        };
                        self.inner.borrow_mut().journal.restore(&frame, &text);
                        ctx.receive(|s| s.restore(frame));
                    }
                }
                Err(e) => warn(&e.to_string()),
            }
        }
        if let Some(outbox) = outbox {
            match outbox.load(user).await {
                Ok(items) => {
                    let stale = ctx.receive(|s| s.restore_outbox(items));
                    self.delete_stored(stale.unwrap_or_default());
                }
                Err(e) => warn(&e.to_string()),
            }
        }
    }

    fn channel_name(&self) -> String {
        let i = self.inner.borrow();
        format!(
            "messenger:{}:{}:{}",
            i.auth.server.get_value(),
            i.auth.db_name.get_value(),
            i.user
        )
    }

    fn join_tabs(&self) {
        if self.inner.borrow().stopped {
            return;
        }
        let name = self.channel_name();
        let on_msg = {
            let link = self.clone();
            move |msg| link.tab_message(msg)
        };
        let on_leader = {
            let link = self.clone();
            move || link.lead()
        };
        let tabs = Tabs::start(&name, on_msg, on_leader);
        self.inner.borrow_mut().tabs = Some(tabs);
        self.say_visible(true);
        // Not the leader yet (or not at all): ask the leader for what the copy lacks.
        if !self.inner.borrow().leader {
            self.ask_catch_up();
        }
    }

    fn post(&self, msg: &TabMsg) {
        let tabs = self.inner.borrow().tabs.clone();
        if let Some(t) = tabs {
            t.post(msg);
        }
    }

    fn ask_catch_up(&self) {
        let ctx = self.ctx();
        let Some((tab, epoch, seq)) = ctx.peek(|s| {
            (
                s.id_prefix().to_string(),
                s.state.epoch.clone(),
                s.state.seq,
            )
        }) else {
            return;
        };
        self.inner.borrow_mut().relay.asked();
        self.post(&TabMsg::CatchUp { tab, epoch, seq });
    }

    /// This tab holds the lock now: it opens the connection.
    fn lead(&self) {
        let (ctx, auth, token, held) = {
            let mut i = self.inner.borrow_mut();
            if i.stopped {
                return;
            }
            i.leader = true;
            // Whatever waited for a catch-up is applied as it is: the connection resumes
            // from this tab's own position anyway.
            let held = i.relay.caught_up(Vec::new());
            (i.ctx, i.auth, i.token.clone(), held)
        };
        for text in held {
            self.follower_frame(&text, false);
        }
        ctx.receive(|s| {
            s.disconnected();
            s.follower = false;
        });
        let _ = ctx.leader.try_set(true);
        let link = self.clone();
        let on_frame = move |frame: ServerFrame, text: &str| link.server_frame(frame, text);
        let link = self.clone();
        let on_status = move |status: Status, at: Option<f64>| link.set_status(status, at);
        let link = self.clone();
        let on_closed = move |closed: Closed| {
            let ctx = link.ctx();
            ctx.receive(Session::disconnected);
            match closed {
                Closed::Lost => {}
                Closed::Unauthorized => auth.sign_out(Some(Notice::Text(K::SessionExpired))),
                Closed::Unsupported => warn("the server speaks another protocol version"),
            }
        };
        let link = self.clone();
        let position = move || {
            if link.inner.borrow().journal.wants_compaction() {
                return None;
            }
            link.ctx().peek(Session::resume_position).flatten()
        };
        let handlers = Handlers {
            on_frame: Box::new(on_frame),
            on_status: Box::new(on_status),
            on_closed: Box::new(on_closed),
            position: Box::new(position),
        };
        let socket = Socket::start(auth.server.get_value(), token, handlers);
        self.inner.borrow_mut().socket = Some(socket);
    }

    fn set_status(&self, status: Status, at: Option<f64>) {
        let ctx = self.ctx();
        let _ = ctx.status.try_set(status);
        let _ = ctx.retry_at.try_set(at);
        self.post(&TabMsg::Status(status, at));
    }

    /// The leader's socket handler: every frame goes to the other tabs as the server wrote it.
    fn server_frame(&self, frame: ServerFrame, text: &str) -> Vec<ClientFrame> {
        self.post(&TabMsg::Frame(text.to_string()));
        self.apply(frame, text, false)
            .map(|o| o.send)
            .unwrap_or_default()
    }

    /// Applies a server frame to this tab's session, keeps the journal (and, on the leader,
    /// the local copy and the stored outbox) in step.
    fn apply(&self, frame: ServerFrame, text: &str, quiet: bool) -> Option<Outcome> {
        let ctx = self.ctx();
        if ctx.peek(|s| s.accepts(&frame)) != Some(true) {
            return None;
        }
        let open = ctx.selected.try_get_untracked().flatten();
        let now = js_sys::Date::now() as i64;
        let kind = Journal::kind(&frame);
        let outcome = ctx.receive(|s| {
            if quiet {
                s.receive_quietly(frame, open)
            } else {
                s.receive_at(frame, open, now)
            }
        })?;
        let (leader, write) = {
            let mut i = self.inner.borrow_mut();
            let write = i.journal.record(kind, text, &outcome);
            (i.leader, write)
        };
        if leader {
            if let Some(w) = write {
                self.write(Write::Copy(w));
            }
            self.store_changes(&outcome.outbox.updated);
            if outcome.outbox.retry_later {
                self.retry_later();
            }
        }
        // Every tab deletes what the server confirmed: the tab that wrote an entry may finish
        // writing it after the leader deleted it.
        self.delete_stored(outcome.outbox.confirmed.clone());
        if outcome.unauthorized {
            let auth = self.inner.borrow().auth;
            auth.sign_out(Some(Notice::Text(K::SessionExpired)));
        }
        if let Some(c) = outcome.open {
            ctx.open(c);
        }
        if outcome.removed.is_some()
            && outcome.removed == ctx.selected.try_get_untracked().flatten()
        {
            ctx.close_chat();
        }
        Some(outcome)
    }

    /// A frame relayed by the leader (`quiet`: from a catch-up, already shown by the others).
    fn follower_frame(&self, text: &str, quiet: bool) {
        let Ok(frame) = serde_json::from_str::<ServerFrame>(text) else {
            warn("ignoring a bad frame from the leader tab");
            return;
        };
        self.follower_apply(frame, text, quiet);
    }

    fn follower_apply(&self, frame: ServerFrame, text: &str, quiet: bool) {
        if let Some(outcome) = self.apply(frame, text, quiet) {
            self.send(outcome.send);
        }
    }

    fn tab_message(&self, msg: TabMsg) {
        let (leader, ctx) = {
            let i = self.inner.borrow();
            (i.leader, i.ctx)
        };
        match msg {
            TabMsg::Frame(text) if !leader => {
                let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
                    warn("ignoring a bad frame from the leader tab");
                    return;
                };
                let seq = match &frame {
                    ServerFrame::Event { seq, .. } => Some(*seq),
                    _ => None,
                };
                let applied = ctx
                    .peek(|s| s.state.epoch.as_ref().map(|_| s.state.seq))
                    .flatten();
                let relayed = self
                    .inner
                    .borrow_mut()
                    .relay
                    .live(text.clone(), seq, applied);
                if relayed.ask {
                    self.ask_catch_up();
                }
                if relayed.now {
                    self.follower_apply(frame, &text, false);
                }
            }
            TabMsg::Frames { tab, frames } if !leader => {
                if ctx.peek(|s| s.id_prefix() == tab) != Some(true) {
                    return;
                }
                let caught_up = frames.len();
                let all = self.inner.borrow_mut().relay.caught_up(frames);
                for (i, t) in all.iter().enumerate() {
                    self.follower_frame(t, i < caught_up);
                }
            }
            TabMsg::Status(status, at) if !leader => {
                let _ = ctx.status.try_set(status);
                let _ = ctx.retry_at.try_set(at);
                if matches!(status, Status::Online | Status::Polling) {
                    ctx.receive(Session::link_up);
                } else {
                    ctx.receive(Session::disconnected);
                }
            }
            TabMsg::Send(text) if leader => {
                let socket = self.inner.borrow().socket.clone();
                if let Some(s) = socket {
                    s.send_text(&text);
                }
            }
            TabMsg::RetryNow if leader => self.retry_now(),
            TabMsg::CatchUp { tab, epoch, seq } if leader => {
                let frames = self.inner.borrow().journal.since(epoch.as_deref(), seq);
                self.post(&TabMsg::Frames { tab, frames });
                let (status, at) = (ctx.status.get_untracked(), ctx.retry_at.get_untracked());
                self.post(&TabMsg::Status(status, at));
            }
            TabMsg::Upsert(p) => {
                let frames = ctx.receive(|s| s.upsert_outbox(p)).unwrap_or_default();
                self.send(frames);
            }
            TabMsg::Drop(id) => {
                ctx.receive(|s| s.outbox.discard(&id));
            }
            TabMsg::Draft { conversation, text } => ctx.draft_elsewhere(conversation, text),
            TabMsg::Visible { tab, visible, ask } => {
                self.inner.borrow_mut().visible.set(&tab, visible);
                if ask {
                    self.say_visible(false);
                }
            }
            _ => {}
        }
    }

    /// Sends commands: on the socket (leader) or through the leader.
    pub fn send(&self, frames: Vec<ClientFrame>) {
        if frames.is_empty() {
            return;
        }
        let (leader, socket) = {
            let i = self.inner.borrow();
            (i.leader, i.socket.clone())
        };
        if leader {
            if let Some(s) = socket {
                s.send_all(&frames);
            }
        } else {
            for f in &frames {
                if let Ok(text) = serde_json::to_string(f) {
                    self.post(&TabMsg::Send(text));
                }
            }
        }
    }

    /// The "retry now" button: reconnects at once (through the leader).
    pub fn retry_now(&self) {
        let (leader, socket) = {
            let i = self.inner.borrow();
            (i.leader, i.socket.clone())
        };
        match (leader, socket) {
            (true, Some(s)) => s.retry_now(),
            (false, _) => self.post(&TabMsg::RetryNow),
            _ => {}
        }
    }

    /// Stores a new or changed outbox entry, then shows it and shares it with the other tabs
    /// (the leader sends it). A failed write still keeps it in memory, with a warning.
    ///
    /// On the leader, the entry takes its place in the queue at once but neither shows nor
    /// goes (nor lets anything after it go) before it is written. Another tab hands it to the
    /// leader at once, while it writes it. Either way messages typed in two tabs a moment
    /// apart reach the server in the order they were written.
    pub fn queue(&self, message: PendingMessage) {
        let leader = self.inner.borrow().leader;
        let ctx = self.ctx();
        if leader {
            let mut writing = message.clone();
            writing.writing = true;
            ctx.receive(|s| s.upsert_outbox(writing));
        } else {
            self.post(&TabMsg::Upsert(message.clone()));
        }
        self.write(Write::Queued(message));
    }

    /// A queued message is written (`ok`: really, not only kept in memory).
    fn queued_written(&self, message: PendingMessage, ok: bool) {
        let ctx = self.ctx();
        if !ok {
            let _ = ctx.storage_failed.try_set(true);
        }
        let leader = self.inner.borrow().leader;
        let id = message.client_id.clone();
        let answer = ctx.receive(|s| {
            let frames = if leader {
                s.outbox.written(&id);
                s.flush_outbox()
            } else {
                // Already confirmed (the leader sent it at once) is not queued again.
                s.upsert_outbox(message.clone())
            };
            (frames, s.state.has_client_id(&message))
        });
        let (frames, confirmed) = answer.unwrap_or_default();
        // Confirmed while it was being written: the record just written must go.
        if confirmed {
            self.write(Write::Delete(vec![id]));
        }
        self.send(frames);
        if leader {
            self.post(&TabMsg::Upsert(message));
        }
    }

    /// The user deleted an outbox entry (or took it back to edit).
    pub fn forget(&self, client_id: String) {
        let ctx = self.ctx();
        ctx.receive(|s| s.outbox.discard(&client_id));
        self.post(&TabMsg::Drop(client_id.clone()));
        self.write(Write::Delete(vec![client_id]));
    }

    /// Tells the other tabs a draft changed.
    pub fn draft_saved(&self, conversation: i64, text: String) {
        self.post(&TabMsg::Draft { conversation, text });
    }

    /// Stores outbox entries whose state changed (failed, held).
    fn store_changes(&self, updated: &[PendingMessage]) {
        for p in updated {
            self.write(Write::Put(p.clone()));
        }
    }

    fn delete_stored(&self, client_ids: Vec<String>) {
        if !client_ids.is_empty() {
            self.write(Write::Delete(client_ids));
        }
    }

    /// Queues a write to IndexedDB. One worker applies them in order (a put and a later
    /// delete of the same entry cannot cross), a burst of copy writes in one transaction.
    fn write(&self, w: Write) {
        let start = {
            let mut i = self.inner.borrow_mut();
            i.writes.push(w);
            !std::mem::replace(&mut i.writing, true)
        };
        if !start {
            return;
        }
        let link = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                let (user, outbox, copy, batch) = {
                    let mut i = link.inner.borrow_mut();
                    let batch = std::mem::take(&mut i.writes);
                    if batch.is_empty() {
                        i.writing = false;
                        return;
                    }
                    (i.user, i.outbox.clone(), i.copy.clone(), batch)
                };
                let mut copies = Vec::new();
                for w in batch {
                    let result = match (w, &outbox) {
                        (Write::Copy(c), _) => {
                            copies.push(c);
                            continue;
                        }
                        (Write::Queued(p), Some(store)) => {
                            let result = store.put(user, &p).await;
                            link.queued_written(p, result.is_ok());
                            result
                        }
                        (Write::Queued(p), None) => {
                            link.queued_written(p, false);
                            Ok(())
                        }
                        (Write::Put(p), Some(store)) => store.put(user, &p).await,
                        (Write::Delete(ids), Some(store)) => store.delete(user, &ids).await,
                        _ => Ok(()),
                    };
                    if let Err(e) = result {
                        warn(&e.to_string());
                    }
                }
                if let (Some(store), false) = (&copy, copies.is_empty()) {
                    if let Err(e) = store.write(user, &copies).await {
                        warn(&e.to_string());
                    }
                }
            }
        });
    }

    fn retry_later(&self) {
        let link = self.clone();
        let timer = crate::timer::after(RETRY_LATER_MS, move || {
            let ctx = link.ctx();
            link.inner.borrow_mut().retry_timer = None;
            let frames = ctx.receive(Session::flush_outbox).unwrap_or_default();
            link.send(frames);
        });
        self.inner.borrow_mut().retry_timer = Some(timer);
    }

    /// Tells the other tabs whether this one is visible (`ask`: and to say theirs).
    pub fn say_visible(&self, ask: bool) {
        let ctx = self.ctx();
        let visible = ctx.visible.get_untracked() && !self.inner.borrow().stopped;
        if let Some(tab) = ctx.peek(|s| s.id_prefix().to_string()) {
            self.post(&TabMsg::Visible { tab, visible, ask });
        }
    }

    /// Whether another tab of the user is visible.
    pub fn others_visible(&self) -> bool {
        self.inner.borrow().visible.any()
    }

    /// Signs out or unmounts: closes the connection and leaves the tabs.
    pub fn stop(&self) {
        let (socket, tabs) = {
            let mut i = self.inner.borrow_mut();
            i.stopped = true;
            i.retry_timer = None;
            // A tab that goes away is not in view any more.
            if let (Some(t), Some(tab)) = (&i.tabs, i.ctx.peek(|s| s.id_prefix().to_string())) {
                t.post(&TabMsg::Visible {
                    tab,
                    visible: false,
                    ask: false,
                });
            }
            (i.socket.take(), i.tabs.take())
        };
        if let Some(s) = socket {
            s.stop();
        }
        if let Some(t) = tabs {
            t.stop();
        }
    }
}

fn warn(what: &str) {
    web_sys::console::warn_1(&format!("messenger: {what}").into());
}
