//! One signed-in session: the reducer state, the outbox and the commands in flight.
//!
//! The socket adapter feeds every frame into [`Session::receive`] and writes out the frames it
//! returns; the views call the command methods and send what they return.

use std::collections::BTreeMap;

use messenger_protocol::{
    AckResult, Attachment, ClientFrame, CommandId, ConversationId, ConversationKind, ErrorCode,
    Event, Importance, Message, MessageId, Presence, ServerFrame, SystemEvent, Timestamp, UserId,
};

use super::i18n::{Catalog, K};
use super::outbox::{Changes, Hold, Outbox, PendingMessage, PendingState};
use super::state::AppState;
use super::timeline::{receipt, OpenMark};
use super::typing::Typing;

/// Messages per history page.
pub const HISTORY_PAGE: u32 = 50;

/// Least time between two `mark_read`s of one conversation.
pub const MARK_READ_EVERY_MS: i64 = 1_000;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    OpenDirect(UserId),
    /// A history page; `true` for the newest page (the one the local copy keeps).
    LoadHistory(ConversationId, bool),
    MarkRead,
}

/// What the adapter must do after a frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Frames to send now.
    pub send: Vec<ClientFrame>,
    /// A conversation to show (an `open_direct` finished).
    pub open: Option<ConversationId>,
    /// This was a welcome: the connection is usable.
    pub welcomed: bool,
    /// The token is not valid: sign out.
    pub unauthorized: bool,
    /// The server speaks another protocol version: stop reconnecting.
    pub unsupported: bool,
    /// This was `resumed`: the connection is usable and the state was kept.
    pub resumed: bool,
    /// An event the state had not seen: the local copy appends it.
    pub new_event: bool,
    /// The newest history page of this conversation: the local copy keeps it.
    pub newest_page: Option<ConversationId>,
    /// What the frame did to the outbox (storage follows it).
    pub outbox: Changes,
    /// The user is no longer in this conversation (left, removed): close it if open.
    pub removed: Option<ConversationId>,
}

/// What reading a conversation asks of the connection.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadSync {
    /// Send this `mark_read` now.
    Send(ClientFrame),
    /// Call again in this many milliseconds.
    Wait(i64),
    /// Nothing to tell the server.
    Idle,
}

/// Why the compose box refused a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComposeError {
    Empty,
    TooLong { bytes: usize, max: usize },
}

impl ComposeError {
    pub fn text(&self, tr: &Catalog) -> String {
        match self {
            ComposeError::Empty => tr.t(K::ComposeEmpty),
            ComposeError::TooLong { bytes, max } => tr.f(
                K::ComposeTooLong,
                &[
                    ("bytes", &tr.locale.count(*bytes as u64)),
                    ("max", &tr.locale.count(*max as u64)),
                ],
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Pending,
    Sent,
    /// Reached every other member, not read by all yet.
    Delivered,
    Read,
    Failed,
    /// Kept for an offline recipient (the "Pending send" list).
    Held,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Failed => "failed",
            Delivery::Held => "held",
        }
    }
}

/// One line of the chat pane: a stored message or a local echo.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineItem {
    /// Unique and changes whenever the rendering must change.
    pub key: String,
    pub message_id: Option<MessageId>,
    pub client_id: Option<CommandId>,
    pub sender_id: UserId,
    pub text: String,
    pub created_at: Timestamp,
    pub own: bool,
    pub delivery: Delivery,
    pub error: Option<String>,
    pub importance: Importance,
    /// A membership change line ("Bob joined") rather than something someone wrote.
    pub system: Option<SystemEvent>,
    pub attachments: Vec<Attachment>,
    /// Written by the contact of an interaction, not a user.
    pub contact: bool,
    /// A private note among agents.
    pub note: bool,
}

/// The newest message someone else wrote that arrived live (not a history page, not one's
/// own, not a system line): what a screen reader announces. `seq` counts them, so the same
/// text twice is two announcements.
#[derive(Clone, Debug, PartialEq)]
pub struct Heard {
    pub seq: u64,
    pub message: Message,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    pub state: AppState,
    pub outbox: Outbox,
    /// True between a welcome and the end of that connection.
    pub online: bool,
    id_prefix: String,
    counter: u64,
    pending: BTreeMap<CommandId, Pending>,
    /// The read position the server knows per conversation: from the welcome, our own
    /// `mark_read`s and reads in other tabs.
    marked: BTreeMap<ConversationId, MessageId>,
    /// When the last `mark_read` of each conversation went out.
    marked_at: BTreeMap<ConversationId, Timestamp>,
    /// A direct chat the user asked for while offline.
    want_direct: Option<UserId>,
    /// Who is typing, and when we last said we were.
    pub typing: Typing,
    /// The open conversation and where its reading stood when it was opened.
    open_mark: Option<(ConversationId, OpenMark)>,
    /// Channel list, notification center and settings requests.
    pub nav: super::nav::Nav,
    /// Interaction actions, contact history and spell checks.
    pub desk: super::desk::Desk,
    pub heard: Option<Heard>,
    /// After `resumed`: the seq the replay ends at. The outbox waits for it, so what the
    /// server stored before the drop is confirmed by the replay rather than sent again.
    replay_until: Option<u64>,
    /// Another tab holds the connection: this one never sends the outbox (the leader does).
    pub follower: bool,
}

impl Session {
    /// `id_prefix` must make command ids unique across tabs and reloads (the adapter passes
    /// something random).
    pub fn new(id_prefix: impl Into<String>) -> Self {
        Session {
            id_prefix: id_prefix.into(),
            ..Session::default()
        }
    }

    /// Padded so a tab's ids sort in the order they were made (the stored outbox is read back
    /// in key order).
    pub fn next_id(&mut self) -> CommandId {
        self.counter += 1;
        format!("{}-{:06}", self.id_prefix, self.counter)
    }

    /// What this tab's command ids start with (it names the tab to the others).
    pub fn id_prefix(&self) -> &str {
        &self.id_prefix
    }

    /// Whether a command id was made by this tab.
    pub fn is_mine(&self, id: &str) -> bool {
        id.strip_prefix(self.id_prefix.as_str())
            .is_some_and(|rest| rest.starts_with('-'))
    }

    /// Whether the outbox may send now: connected, and any replay after a resume is done.
    pub fn can_send(&self) -> bool {
        self.live() && !self.follower
    }

    /// Whether the state is caught up with the server: connected, and any replay after a
    /// resume is done. A follower is told the link is up after the leader's catch-up.
    pub fn live(&self) -> bool {
        self.online && self.replay_until.is_none()
    }

    /// A follower tab heard that the leader's connection is up.
    pub fn link_up(&mut self) {
        self.online = true;
    }

    /// Whether this tab should take a command's answer: its own commands and the outbox's
    /// (another tab's answers would set this tab's errors and pending requests).
    pub fn accepts(&self, frame: &ServerFrame) -> bool {
        match frame {
            ServerFrame::Ack { id, .. } | ServerFrame::Error { id: Some(id), .. } => {
                self.is_mine(id) || self.outbox.contains(id)
            }
            _ => true,
        }
    }

    /// An outbox entry written or changed in another tab.
    pub fn upsert_outbox(&mut self, message: PendingMessage) -> Vec<ClientFrame> {
        match self
            .outbox
            .items()
            .iter()
            .position(|p| p.client_id == message.client_id)
        {
            Some(_) => {
                let mut message = message;
                if let Some(here) = self.outbox.discard(&message.client_id) {
                    // In flight on this tab's connection: queueing it again would send it twice.
                    if here.state == PendingState::InFlight && message.state == PendingState::Queued
                    {
                        message.state = PendingState::InFlight;
                    }
                }
                self.outbox.add(message);
            }
            None => {
                self.restore_outbox([message]);
            }
        }
        self.flush_outbox()
    }

    /// Where to resume from after a drop or a reload: the last event the state applied.
    pub fn resume_position(&self) -> Option<messenger_protocol::ResumePosition> {
        Some(messenger_protocol::ResumePosition {
            epoch: self.state.epoch.clone()?,
            seq: self.state.seq,
        })
    }

    /// Draws a frame from the local copy (or from the leader tab's history): the state takes
    /// it as if it came from the server, but nothing is sent and the session stays offline.
    pub fn restore(&mut self, frame: ServerFrame) {
        let online = self.online;
        let pending = std::mem::take(&mut self.pending);
        let _ = self.receive_quietly(frame, None);
        self.online = online;
        self.pending = pending;
    }

    /// [`Session::receive`] for what was already shown elsewhere (the local copy, another
    /// tab's catch-up): the state takes it, but it is not news: nothing is announced and no
    /// notification pops up.
    pub fn receive_quietly(&mut self, frame: ServerFrame, open: Option<ConversationId>) -> Outcome {
        let heard = self.heard.clone();
        let popups = self.nav.notifications.popups.clone();
        let announced = self.nav.notifications.announced.len();
        let out = self.receive(frame, open);
        self.heard = heard;
        self.nav.notifications.popups = popups;
        self.nav.notifications.announced.truncate(announced);
        out
    }

    /// Adds outbox entries read back from storage or written in another tab.
    /// Returns the ids of those the server already stored (their echo is in the local copy):
    /// nothing to send, and their records can go.
    pub fn restore_outbox(
        &mut self,
        items: impl IntoIterator<Item = PendingMessage>,
    ) -> Vec<CommandId> {
        let mut stored = Vec::new();
        for p in items {
            if self.state.has_client_id(&p) {
                stored.push(p.client_id);
            } else {
                self.outbox.add(p.stored());
            }
        }
        stored
    }

    /// What the outbox may send now (after a passing refusal's pause, or a new entry from
    /// another tab).
    pub fn flush_outbox(&mut self) -> Vec<ClientFrame> {
        if !self.can_send() {
            return Vec::new();
        }
        // Read back from storage or written before the server announced its limits: one the
        // server would refuse fails here, with the same words, rather than going out.
        let max = self.state.limits.max_message_bytes;
        self.outbox.fail_longer_than(max);
        self.outbox.take_sendable()
    }

    /// Feeds one frame from the server.
    pub fn receive(&mut self, frame: ServerFrame, open: Option<ConversationId>) -> Outcome {
        let mut out = Outcome {
            outbox: self.outbox.apply(&frame),
            ..Outcome::default()
        };
        match &frame {
            ServerFrame::Welcome(w) => {
                out.welcomed = true;
                if w.reset.is_some() {
                    // The copy we resumed from is gone on the server: start clean.
                    self.state = AppState::default();
                }
            }
            ServerFrame::Resumed { until, .. } => {
                out.resumed = true;
                self.replay_until = Some(*until).filter(|until| *until > self.state.seq);
            }
            ServerFrame::Event { seq, event } => {
                out.new_event = self.state.epoch.is_none() || *seq > self.state.seq;
                if let Event::ConversationRemoved { conversation_id } = event {
                    out.removed = Some(*conversation_id);
                }
            }
            ServerFrame::Ack { id, result } => {
                let pending = self.pending.remove(id);
                match (pending, result) {
                    (Some(Pending::OpenDirect(_)), AckResult::Conversation { conversation }) => {
                        out.open = Some(conversation.id);
                    }
                    (Some(Pending::LoadHistory(c, true)), AckResult::History { .. }) => {
                        out.newest_page = Some(c);
                    }
                    _ => {}
                }
            }
            ServerFrame::Error { id: None, code, .. } => match code {
                ErrorCode::Unauthorized => out.unauthorized = true,
                ErrorCode::UnsupportedVersion => out.unsupported = true,
                _ => {}
            },
            ServerFrame::Error { id: Some(id), .. } => {
                self.pending.remove(id);
            }
            _ => {}
        }
        // Inserted, not collected (see `AppState::apply`).
        let mut server_reads: BTreeMap<ConversationId, MessageId> = BTreeMap::new();
        if let ServerFrame::Welcome(w) = &frame {
            server_reads.extend(
                w.conversations
                    .iter()
                    .filter_map(|c| Some((c.id, c.last_read_message_id?))),
            );
        }
        if let ServerFrame::Event {
            event:
                Event::ReadUpTo {
                    conversation_id,
                    user_id,
                    message_id,
                },
            ..
        } = &frame
        {
            // Read in another tab: the server knows it already.
            if self.state.me_id() == Some(*user_id) {
                let known = self.marked.entry(*conversation_id).or_default();
                *known = (*known).max(*message_id);
            }
        }
        let nav = self.nav.receive(&frame, &mut self.state);
        self.desk.receive(&frame);
        let newest = |st: &AppState, c: ConversationId| {
            st.conversations
                .get(&c)
                .and_then(|c| c.last_message.as_ref())
                .map(|m| m.id)
        };
        let heard = match &frame {
            ServerFrame::Event {
                event: Event::MessageCreated { message },
                ..
            } if message.system.is_none()
                && Some(message.sender_id) != self.state.me_id()
                && newest(&self.state, message.conversation_id) != Some(message.id) =>
            {
                Some(message.clone())
            }
            _ => None,
        };
        let came_online = match &frame {
            ServerFrame::Event {
                event:
                    Event::Presence {
                        user_id,
                        presence: Presence::Online | Presence::Away,
                        ..
                    },
                ..
            } => Some(*user_id),
            _ => None,
        };
        self.state.apply(frame);
        // News only if the state took it as its newest message (not a replay or a duplicate).
        if let Some(message) =
            heard.filter(|m| newest(&self.state, m.conversation_id) == Some(m.id))
        {
            let seq = self.heard.as_ref().map_or(1, |h| h.seq + 1);
            self.heard = Some(Heard { seq, message });
        }
        self.after_nav(nav, &mut out);
        if out.welcomed {
            self.replay_until = None;
            // What the server already knows needs no mark_read.
            self.marked = server_reads;
        }
        if out.welcomed || out.resumed {
            self.online = true;
            if let Some(conv) = open.filter(|c| self.state.conversations.contains_key(c)) {
                out.send.extend(self.load_history(conv, None));
            }
            if let Some(user) = self.want_direct.take() {
                let (existing, frame) = self.open_direct(user);
                out.send.extend(frame);
                out.open = out.open.or(existing);
            }
        }
        if let Some(user_id) = &came_online {
            // Messages held for this person go out now that they are online.
            let me = self.state.me_id();
            let directs: Vec<ConversationId> = self
                .state
                .conversations
                .values()
                .filter(|c| {
                    c.kind == ConversationKind::Direct
                        && me.and_then(|me| c.other_member(me)) == Some(*user_id)
                })
                .map(|c| c.id)
                .collect();
            for c in directs {
                out.outbox.updated.extend(self.outbox.release(c));
            }
        }
        if self
            .replay_until
            .is_some_and(|until| self.state.seq >= until)
        {
            self.replay_until = None;
        }
        if self.online && (out.welcomed || out.resumed || !out.outbox.confirmed.is_empty()) {
            out.send.extend(self.flush_outbox());
        } else if self.online && out.new_event && self.replay_until.is_none() {
            // The replay just ended: the outbox goes on where it stopped.
            out.send.extend(self.flush_outbox());
        }
        out
    }

    /// [`Session::receive`] for the socket adapter, which also knows the time: typing
    /// indicators start with a `typing` frame and end with that user's message.
    pub fn receive_at(
        &mut self,
        frame: ServerFrame,
        open: Option<ConversationId>,
        now: Timestamp,
    ) -> Outcome {
        match &frame {
            ServerFrame::Typing {
                conversation_id,
                user_id,
            } if Some(*user_id) != self.state.me_id() => {
                self.typing.heard(*conversation_id, *user_id, now);
            }
            ServerFrame::Event {
                event: Event::MessageCreated { message },
                ..
            } => self
                .typing
                .stopped(message.conversation_id, message.sender_id),
            _ => {}
        }
        self.receive(frame, open)
    }

    /// The user typed in the compose box of `conversation`: a `typing` frame to send, at
    /// most one every few seconds.
    pub fn notify_typing(
        &mut self,
        conversation: ConversationId,
        now: Timestamp,
    ) -> Option<ClientFrame> {
        if !self.online || !self.typing.should_send(conversation, now) {
            return None;
        }
        Some(ClientFrame::Typing {
            id: self.next_id(),
            conversation_id: conversation,
        })
    }

    /// The user opened `conversation`: remembers the read position before it gets marked
    /// read, for the "New messages" divider.
    pub fn opened(&mut self, conversation: ConversationId) {
        let mark = self
            .state
            .conversations
            .get(&conversation)
            .map(|c| OpenMark {
                read_up_to: c.my_read,
                unread: c.unread,
            })
            .unwrap_or_default();
        self.open_mark = Some((conversation, mark));
    }

    /// The read position when `conversation` was opened (nothing unread if it was not).
    pub fn open_mark(&self, conversation: ConversationId) -> OpenMark {
        self.open_mark
            .filter(|(c, _)| *c == conversation)
            .map(|(_, m)| m)
            .unwrap_or_default()
    }

    /// The connection ended (any reason).
    pub fn disconnected(&mut self) {
        self.online = false;
        self.replay_until = None;
        self.outbox.disconnected();
        self.pending.clear();
        self.nav.disconnected();
        self.desk.disconnected();
    }

    /// Queues a text for sending. Returns the frame to send now, if connected.
    pub fn send_text(
        &mut self,
        conversation: ConversationId,
        text: &str,
        now: Timestamp,
    ) -> Result<Vec<ClientFrame>, ComposeError> {
        self.send_message(conversation, text, Importance::Normal, Vec::new(), now)
    }

    /// Queues a message with its importance and uploaded attachments. With an attachment the
    /// text may be empty (the server accepts image-only messages).
    pub fn send_message(
        &mut self,
        conversation: ConversationId,
        text: &str,
        importance: Importance,
        attachments: Vec<Attachment>,
        now: Timestamp,
    ) -> Result<Vec<ClientFrame>, ComposeError> {
        let message = self.prepare_message(conversation, text, importance, attachments, now)?;
        Ok(self.queue(message))
    }

    /// Checks a message against the server's limits and gives it its id, without queueing it
    /// (the adapter stores it first, then calls [`Session::queue`]).
    pub fn prepare_message(
        &mut self,
        conversation: ConversationId,
        text: &str,
        importance: Importance,
        attachments: Vec<Attachment>,
        now: Timestamp,
    ) -> Result<PendingMessage, ComposeError> {
        if text.trim().is_empty() && attachments.is_empty() {
            return Err(ComposeError::Empty);
        }
        let max = self.state.limits.max_message_bytes;
        if text.len() > max {
            return Err(ComposeError::TooLong {
                bytes: text.len(),
                max,
            });
        }
        Ok(PendingMessage {
            client_id: self.next_id(),
            conversation_id: conversation,
            text: text.to_string(),
            created_at: now,
            state: PendingState::Queued,
            importance,
            attachments,
            note: false,
            writing: false,
        })
    }

    /// Queues a prepared message; returns what may be sent now.
    pub fn queue(&mut self, message: PendingMessage) -> Vec<ClientFrame> {
        let conversation = message.conversation_id;
        self.outbox.add(message);
        self.note_sent(conversation);
        self.flush_outbox()
    }

    /// The user sent a message in `conversation`: no longer typing, and replying means the
    /// new messages were seen (the "New messages" divider goes).
    pub fn note_sent(&mut self, conversation: ConversationId) {
        self.typing.sent_message(conversation);
        // Replying means the new messages were seen: the "New messages" divider goes.
        if let Some((open, mark)) = &mut self.open_mark {
            if *open == conversation {
                mark.unread = 0;
            }
        }
    }

    /// Retries a failed message (or sends a held one now).
    pub fn retry(&mut self, client_id: &str) -> Vec<ClientFrame> {
        self.outbox.retry(client_id);
        self.flush_outbox()
    }

    /// The person to ask about before sending in `conversation`: the other member of a
    /// direct chat who is offline, when the server would store the message for them and the
    /// user has not said "always" (the CAM document's "Forward to the server?").
    pub fn offline_recipient(&self, conversation: ConversationId) -> Option<UserId> {
        if !self.online
            || !self.state.features.forwarding
            || self.state.settings.always_forward_offline
        {
            return None;
        }
        let c = self.state.conversations.get(&conversation)?;
        if c.kind != ConversationKind::Direct {
            return None;
        }
        let other = c.other_member(self.state.me_id()?)?;
        (self.state.users.get(&other)?.presence == Presence::Offline).then_some(other)
    }

    /// Keeps a message for an offline recipient.
    pub fn hold(&mut self, client_id: &str, hold: Hold) -> Option<PendingMessage> {
        self.outbox.hold(client_id, hold)
    }

    /// Opens the direct conversation with `user`: returns the known one to show right away
    /// and the `open_direct` frame (the ack's conversation is shown when it arrives).
    pub fn open_direct(&mut self, user: UserId) -> (Option<ConversationId>, Option<ClientFrame>) {
        let existing = self.state.direct_with(user);
        if !self.online {
            if existing.is_none() {
                self.want_direct = Some(user);
            }
            return (existing, None);
        }
        let id = self.next_id();
        self.pending.insert(id.clone(), Pending::OpenDirect(user));
        (
            existing,
            Some(ClientFrame::OpenDirect { id, user_id: user }),
        )
    }

    pub fn is_loading_history(&self, conversation: ConversationId) -> bool {
        self.pending
            .values()
            .any(|p| matches!(p, Pending::LoadHistory(c, _) if *c == conversation))
    }

    /// A history page: the newest one (`before: None`) or the one before a message.
    pub fn load_history(
        &mut self,
        conversation: ConversationId,
        before: Option<MessageId>,
    ) -> Option<ClientFrame> {
        if !self.online {
            return None;
        }
        let id = self.next_id();
        self.pending.insert(
            id.clone(),
            Pending::LoadHistory(conversation, before.is_none()),
        );
        Some(ClientFrame::LoadHistory {
            id,
            conversation_id: conversation,
            before,
            limit: HISTORY_PAGE,
        })
    }

    /// The next older page of the conversation, if there is one.
    pub fn load_older(&mut self, conversation: ConversationId) -> Option<ClientFrame> {
        let c = self.state.conversations.get(&conversation)?;
        if c.has_more != Some(true) || self.is_loading_history(conversation) {
            return None;
        }
        let before = c.oldest_loaded();
        self.load_history(conversation, before)
    }

    /// Reads `conversation` up to its newest message from others: on screen at once (the
    /// counters drop), and to the server now, or after a wait when the last `mark_read` of
    /// this conversation went out less than [`MARK_READ_EVERY_MS`] ago: a chat read live
    /// while messages pour in is marked now and then, not once per message, since servers
    /// limit the commands a connection may send.
    pub fn read_conversation(&mut self, conversation: ConversationId, now: Timestamp) -> ReadSync {
        let Some(me) = self.state.me_id() else {
            return ReadSync::Idle;
        };
        if let Some(newest) = self.unread_target(conversation, me) {
            self.state.read_up_to(conversation, me, newest);
        }
        let Some(read) = self
            .state
            .conversations
            .get(&conversation)
            .and_then(|c| c.my_read)
        else {
            return ReadSync::Idle;
        };
        if !self.online || self.marked.get(&conversation).is_some_and(|m| *m >= read) {
            return ReadSync::Idle;
        }
        let wait = self
            .marked_at
            .get(&conversation)
            .map_or(0, |at| at + MARK_READ_EVERY_MS - now);
        if wait > 0 {
            return ReadSync::Wait(wait);
        }
        self.flush_read(conversation, now)
            .map_or(ReadSync::Idle, ReadSync::Send)
    }

    /// Tells the server at once what was read in `conversation` and it has not heard of: the
    /// page is being hidden or closed, so a waiting `mark_read` must not be left behind.
    pub fn flush_read(
        &mut self,
        conversation: ConversationId,
        now: Timestamp,
    ) -> Option<ClientFrame> {
        let read = self.state.conversations.get(&conversation)?.my_read?;
        if !self.online || self.marked.get(&conversation).is_some_and(|m| *m >= read) {
            return None;
        }
        self.marked.insert(conversation, read);
        self.marked_at.insert(conversation, now);
        let id = self.next_id();
        self.pending.insert(id.clone(), Pending::MarkRead);
        Some(ClientFrame::MarkRead {
            id,
            conversation_id: conversation,
            message_id: read,
        })
    }

    /// The newest message from others when it is not read yet.
    fn unread_target(&self, conversation: ConversationId, me: UserId) -> Option<MessageId> {
        let c = self.state.conversations.get(&conversation)?;
        let newest = c.newest_from_others(me)?;
        (c.my_read.is_none_or(|r| newest > r) || c.unread > 0).then_some(newest)
    }

    /// Whether `conversation` is known to hold nothing yet: its history was loaded and came
    /// back empty, and nothing is on its way (the chat then says how to start).
    pub fn is_empty_conversation(&self, conversation: ConversationId) -> bool {
        self.state
            .conversations
            .get(&conversation)
            .is_some_and(|c| {
                c.has_more == Some(false) && c.messages.is_empty() && c.last_message.is_none()
            })
            && self.outbox.for_conversation(conversation).next().is_none()
    }

    /// The chat pane's entries, without their contents: stored messages, then local echoes
    /// not yet confirmed. A message is never listed twice, even when its ack and its echo
    /// both arrived. Cheap (nothing is copied): it is rebuilt for the whole history on every
    /// change, and only the rows on screen are built in full with [`Session::timeline_item`].
    pub fn timeline_entries(&self, conversation: ConversationId) -> Vec<Entry> {
        let me = self.state.me_id().unwrap_or_default();
        let pending: Vec<(usize, &super::outbox::PendingMessage)> = self
            .outbox
            .items()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.conversation_id == conversation && !p.writing)
            .collect();
        let mut confirmed = vec![false; pending.len()];
        let mut out = Vec::new();
        if let Some(c) = self.state.conversations.get(&conversation) {
            out.reserve(c.messages.len() + pending.len());
            for (i, m) in c.messages.iter().enumerate() {
                if let Some(cid) = &m.client_id {
                    for (j, (_, p)) in pending.iter().enumerate() {
                        confirmed[j] |= p.client_id == *cid;
                    }
                }
                out.push(Entry {
                    at: EntryRef::Stored(i),
                    key: m.id,
                    message_id: Some(m.id),
                    created_at: m.created_at,
                    own: m.sender_id == me,
                    system: m.system.is_some(),
                    text_len: m.text.len(),
                });
            }
        }
        for ((i, p), done) in pending.into_iter().zip(confirmed) {
            if !done {
                out.push(Entry {
                    at: EntryRef::Pending(i),
                    key: echo_key(&p.client_id),
                    message_id: None,
                    created_at: p.created_at,
                    own: true,
                    system: false,
                    text_len: p.text.len(),
                });
            }
        }
        out
    }

    /// One entry of [`Session::timeline_entries`] in full.
    pub fn timeline_item(
        &self,
        conversation: ConversationId,
        at: EntryRef,
    ) -> Option<TimelineItem> {
        let me = self.state.me_id().unwrap_or_default();
        match at {
            EntryRef::Stored(i) => {
                let c = self.state.conversations.get(&conversation)?;
                let m = c.messages.get(i)?;
                let own = m.sender_id == me;
                let delivery = if own {
                    let r = receipt(c, m.id, me);
                    if r.all_read() {
                        Delivery::Read
                    } else if r.all_delivered() {
                        Delivery::Delivered
                    } else {
                        Delivery::Sent
                    }
                } else {
                    Delivery::Read
                };
                Some(TimelineItem {
                    key: format!("m{}-{}", m.id, delivery.as_str()),
                    message_id: Some(m.id),
                    client_id: m.client_id.clone(),
                    sender_id: m.sender_id,
                    text: m.text.clone(),
                    created_at: m.created_at,
                    own,
                    delivery,
                    error: None,
                    importance: m.importance,
                    system: m.system.clone(),
                    attachments: m.attachments.clone(),
                    contact: m.contact_id.is_some(),
                    note: m.note,
                })
            }
            EntryRef::Pending(i) => {
                let p = self.outbox.items().get(i)?;
                let (delivery, error) = match &p.state {
                    PendingState::Failed(e) => (Delivery::Failed, Some(e.clone())),
                    PendingState::Held(_) => (Delivery::Held, None),
                    _ => (Delivery::Pending, None),
                };
                Some(TimelineItem {
                    key: format!("p{}-{}", p.client_id, delivery.as_str()),
                    message_id: None,
                    client_id: Some(p.client_id.clone()),
                    sender_id: me,
                    text: p.text.clone(),
                    created_at: p.created_at,
                    own: true,
                    delivery,
                    error,
                    importance: p.importance,
                    system: None,
                    attachments: p.attachments.clone(),
                    contact: false,
                    note: p.note,
                })
            }
        }
    }

    /// The chat pane's lines in full (see [`Session::timeline_entries`]).
    pub fn timeline(&self, conversation: ConversationId) -> Vec<TimelineItem> {
        self.timeline_entries(conversation)
            .iter()
            .filter_map(|e| self.timeline_item(conversation, e.at))
            .collect()
    }
}

/// Where a timeline entry's content lives: `conversation.messages[i]` or `outbox.items()[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryRef {
    Stored(usize),
    Pending(usize),
}

/// What the timeline's layout needs to know of one entry: no text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub at: EntryRef,
    /// Stable while the entry stays the same message: its id, or for a local echo a
    /// negative key derived from its client id.
    pub key: i64,
    pub message_id: Option<MessageId>,
    pub created_at: Timestamp,
    pub own: bool,
    pub system: bool,
    /// The text's length in bytes, for a height estimate before the row is measured.
    pub text_len: usize,
}

/// A local echo's row key: negative, so it never meets a message id.
fn echo_key(client_id: &str) -> i64 {
    let h = client_id
        .bytes()
        .fold(0i64, |h, b| h.wrapping_mul(31).wrapping_add(i64::from(b)));
    i64::MIN / 2 + h.rem_euclid(1 << 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::state::tests::{msg, welcome};
    use messenger_protocol::{ConversationKind, ConversationSummary, Event};

    fn online() -> Session {
        let mut s = Session::new("t");
        let out = s.receive(welcome(), None);
        assert!(out.welcomed && out.send.is_empty());
        s
    }

    fn sent_id(frames: &[ClientFrame]) -> String {
        frames[0].command_id().unwrap().to_string()
    }

    #[test]
    fn send_shows_pending_then_sent_exactly_once() {
        let mut s = online();
        let frames = s.send_text(10, "hello", 5).unwrap();
        let id = sent_id(&frames);
        let t = s.timeline(10);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].delivery, Delivery::Pending);
        assert_eq!(t[0].message_id, None);

        let mut stored = msg(6, 10, 1, "hello");
        stored.client_id = Some(id.clone());
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated {
                    message: stored.clone(),
                },
            },
            Some(10),
        );
        s.receive(
            ServerFrame::Ack {
                id,
                result: AckResult::MessageSent { message: stored },
            },
            Some(10),
        );
        let t = s.timeline(10);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].message_id, Some(6));
        assert_eq!(t[0].delivery, Delivery::Sent);
        assert!(s.outbox.is_empty());
        // Own message: unread unchanged.
        assert_eq!(s.state.conversations[&10].unread, 2);
    }

    #[test]
    fn offline_send_is_kept_and_resent_with_same_id_after_welcome() {
        let mut s = online();
        let first = s.send_text(10, "one", 1).unwrap();
        let id1 = sent_id(&first);
        s.disconnected();
        assert!(s.send_text(10, "two", 2).unwrap().is_empty());
        assert_eq!(s.timeline(10).len(), 2);
        assert!(s
            .timeline(10)
            .iter()
            .all(|i| i.delivery == Delivery::Pending));
        let out = s.receive(welcome(), Some(10));
        let resent: Vec<_> = out
            .send
            .iter()
            .filter(|f| matches!(f, ClientFrame::SendMessage { .. }))
            .map(|f| f.command_id().unwrap().to_string())
            .collect();
        assert_eq!(resent.len(), 2);
        assert_eq!(resent[0], id1);
        // The open conversation reloads its history after the welcome.
        assert!(out.send.iter().any(|f| matches!(
            f,
            ClientFrame::LoadHistory {
                conversation_id: 10,
                before: None,
                ..
            }
        )));
    }

    fn picture(id: &str) -> Attachment {
        Attachment {
            id: id.into(),
            name: "p.png".into(),
            mime: "image/png".into(),
            size: 10,
            width: 4,
            height: 3,
            url: format!("/files/{id}/p.png"),
            thumbnail_url: format!("/files/{id}/thumb.png"),
        }
    }

    #[test]
    fn importance_and_attachments_survive_a_resend() {
        let mut s = online();
        let frames = s
            .send_message(10, "", Importance::High, vec![picture("ab12")], 5)
            .expect("an image-only message is allowed");
        let ClientFrame::SendMessage {
            id,
            importance,
            attachments,
            ..
        } = frames[0].clone()
        else {
            panic!("{frames:?}");
        };
        assert_eq!(importance, Importance::High);
        assert_eq!(attachments, ["ab12"]);
        let t = s.timeline(10);
        assert_eq!(
            t[0].attachments,
            [picture("ab12")],
            "the local echo shows it"
        );
        assert_eq!(t[0].importance, Importance::High);

        s.disconnected();
        let out = s.receive(welcome(), Some(10));
        let resent = out
            .send
            .iter()
            .find(|f| f.command_id() == Some(id.as_str()))
            .expect("resent after the reconnect");
        assert_eq!(resent, &frames[0], "same id, importance and attachment ids");
        assert_eq!(
            s.send_message(10, " ", Importance::Normal, Vec::new(), 6),
            Err(ComposeError::Empty)
        );
    }

    #[test]
    fn compose_validation() {
        let mut s = online();
        assert_eq!(s.send_text(10, "  \n ", 1), Err(ComposeError::Empty));
        let big = "é".repeat(s.state.limits.max_message_bytes);
        assert!(matches!(
            s.send_text(10, &big, 1),
            Err(ComposeError::TooLong { .. })
        ));
        assert!(s.outbox.is_empty());
    }

    /// The frame a read sends now, if any.
    fn mark(s: &mut Session, c: ConversationId, now: Timestamp) -> Option<ClientFrame> {
        match s.read_conversation(c, now) {
            ReadSync::Send(f) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn mark_read_clears_unread_locally_once() {
        let mut s = online();
        assert_eq!(s.state.total_unread(), 3);
        let f = mark(&mut s, 10, 0).unwrap();
        assert!(matches!(
            f,
            ClientFrame::MarkRead {
                conversation_id: 10,
                message_id: 5,
                ..
            }
        ));
        assert_eq!(s.state.total_unread(), 1);
        assert_eq!(
            s.read_conversation(10, 5_000),
            ReadSync::Idle,
            "not sent twice"
        );
        // A new message from Bob: marked again.
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated {
                    message: msg(9, 10, 2, "new"),
                },
            },
            Some(10),
        );
        assert_eq!(s.state.total_unread(), 2);
        assert!(mark(&mut s, 10, 5_000).is_some());
        assert_eq!(s.state.total_unread(), 1);
    }

    #[test]
    fn reading_offline_drops_the_counter_and_tells_the_server_once_back() {
        let mut s = online();
        s.disconnected();
        assert_eq!(s.read_conversation(10, 0), ReadSync::Idle);
        assert_eq!(s.state.total_unread(), 1, "read on screen at once");
        s.receive(welcome(), None);
        assert!(
            mark(&mut s, 10, 10).is_some(),
            "the server learns it after the welcome"
        );
    }

    #[test]
    fn a_read_in_another_tab_needs_no_mark_read() {
        let mut s = online();
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::ReadUpTo {
                    conversation_id: 10,
                    user_id: 1,
                    message_id: 5,
                },
            },
            Some(10),
        );
        assert_eq!(s.read_conversation(10, 0), ReadSync::Idle);
    }

    #[test]
    fn open_direct_opens_the_acked_conversation() {
        let mut s = online();
        let (existing, frame) = s.open_direct(2);
        assert_eq!(existing, Some(10));
        let (existing, frame2) = s.open_direct(7);
        assert_eq!(existing, None);
        let id = frame2.unwrap().command_id().unwrap().to_string();
        assert!(frame.is_some());
        let out = s.receive(
            ServerFrame::Ack {
                id,
                result: AckResult::Conversation {
                    conversation: ConversationSummary {
                        interaction: None,
                        id: 30,
                        kind: ConversationKind::Direct,
                        title: None,
                        members: vec![1, 7],
                        last_message: None,
                        unread: 0,
                        last_read_message_id: None,
                        member_states: Vec::new(),
                        sms: false,
                    },
                },
            },
            None,
        );
        assert_eq!(out.open, Some(30));
        assert_eq!(s.state.direct_with(7), Some(30));
    }

    #[test]
    fn read_state_of_own_messages() {
        let mut s = online();
        let mut stored = msg(6, 10, 1, "hello");
        stored.client_id = Some("x".into());
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated { message: stored },
            },
            None,
        );
        assert_eq!(s.timeline(10)[0].delivery, Delivery::Sent);
        s.receive(
            ServerFrame::Event {
                seq: 12,
                event: Event::ReadUpTo {
                    conversation_id: 10,
                    user_id: 2,
                    message_id: 6,
                },
            },
            None,
        );
        assert_eq!(s.timeline(10)[0].delivery, Delivery::Read);
    }

    #[test]
    fn own_message_goes_sent_delivered_read() {
        let mut s = online();
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated {
                    message: msg(6, 10, 1, "hello"),
                },
            },
            None,
        );
        let state = |s: &Session| s.timeline(10)[0].delivery;
        assert_eq!(state(&s), Delivery::Sent);
        s.receive(
            ServerFrame::Event {
                seq: 12,
                event: Event::DeliveredUpTo {
                    conversation_id: 10,
                    user_id: 2,
                    message_id: 6,
                },
            },
            None,
        );
        assert_eq!(state(&s), Delivery::Delivered);
        assert_eq!(s.timeline(10)[0].delivery.as_str(), "delivered");
        s.receive(
            ServerFrame::Event {
                seq: 13,
                event: Event::ReadUpTo {
                    conversation_id: 10,
                    user_id: 2,
                    message_id: 6,
                },
            },
            None,
        );
        assert_eq!(state(&s), Delivery::Read);
    }

    #[test]
    fn typing_frames_come_and_go_with_the_message() {
        let mut s = online();
        let typing = |s: &mut Session, user, now| {
            s.receive_at(
                ServerFrame::Typing {
                    conversation_id: 10,
                    user_id: user,
                },
                Some(10),
                now,
            );
        };
        typing(&mut s, 2, 1_000);
        typing(&mut s, 1, 1_000); // my own (another tab): never shown
        assert_eq!(s.typing.typists(10, 2_000), vec![2]);
        s.receive_at(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated {
                    message: msg(6, 10, 2, "done typing"),
                },
            },
            Some(10),
            2_500,
        );
        assert!(s.typing.typists(10, 2_500).is_empty());
        assert_eq!(s.timeline(10).len(), 1, "the frame still reached the state");
    }

    #[test]
    fn typing_is_sent_at_most_every_few_seconds() {
        let mut s = online();
        assert!(matches!(
            s.notify_typing(10, 0),
            Some(ClientFrame::Typing {
                conversation_id: 10,
                ..
            })
        ));
        assert!(s.notify_typing(10, 1_000).is_none());
        assert!(s.notify_typing(10, 3_000).is_some());
        // Sending the message ends it: the next keystroke is news again.
        s.send_text(10, "x", 3_100).unwrap();
        assert!(s.notify_typing(10, 3_200).is_some());
        s.disconnected();
        assert!(s.notify_typing(11, 9_000).is_none(), "not while offline");
    }

    #[test]
    fn open_mark_keeps_the_read_position_from_before_mark_read() {
        let mut s = online();
        s.opened(10);
        mark(&mut s, 10, 0).unwrap();
        let mark = s.open_mark(10);
        assert_eq!(mark.read_up_to, Some(3));
        assert_eq!(mark.unread, 2);
        assert_eq!(s.open_mark(11), OpenMark::default());
        s.opened(11);
        assert_eq!(s.open_mark(10), OpenMark::default());
    }

    #[test]
    fn a_new_chat_is_empty_until_something_is_written() {
        let mut s = online();
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::ConversationAdded {
                    conversation: crate::core::state::tests::direct(12, 1, 3, 0),
                },
            },
            None,
        );
        let frame = s.load_history(12, None).unwrap();
        assert!(
            !s.is_empty_conversation(12),
            "not known before its history came"
        );
        s.receive(
            ServerFrame::Ack {
                id: frame.command_id().unwrap().to_string(),
                result: AckResult::History {
                    conversation_id: 12,
                    messages: Vec::new(),
                    has_more: false,
                },
            },
            Some(12),
        );
        assert!(s.is_empty_conversation(12));
        assert!(
            !s.is_empty_conversation(11),
            "a conversation with a last message is not"
        );
        s.send_text(12, "hello", 1).unwrap();
        assert!(
            !s.is_empty_conversation(12),
            "a pending message is something"
        );
        assert!(
            !s.is_empty_conversation(99),
            "an unknown conversation is not empty"
        );
    }

    #[test]
    fn a_chat_read_live_is_marked_now_and_then_not_per_message() {
        let mut s = online();
        assert!(mark(&mut s, 10, 5_000).is_some());
        assert_eq!(
            s.read_conversation(10, 5_100),
            ReadSync::Idle,
            "nothing new"
        );
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::MessageCreated {
                    message: msg(6, 10, 2, "more"),
                },
            },
            Some(10),
        );
        assert_eq!(s.read_conversation(10, 5_300), ReadSync::Wait(700));
        assert_eq!(
            s.state.conversations[&10].unread, 0,
            "the counter drops at once, only the server waits"
        );
        assert!(mark(&mut s, 10, 6_000).is_some());
        assert!(
            mark(&mut s, 11, 6_000).is_some(),
            "each conversation on its own"
        );
    }

    #[test]
    fn replying_removes_the_new_messages_divider() {
        let mut s = online();
        s.opened(10);
        mark(&mut s, 10, 0).unwrap();
        assert_eq!(s.open_mark(10).unread, 2);
        // A message to another conversation leaves this one's divider alone.
        s.send_text(11, "elsewhere", 1).unwrap();
        assert_eq!(s.open_mark(10).unread, 2);
        s.send_text(10, "thanks", 2).unwrap();
        assert_eq!(s.open_mark(10).unread, 0);
    }

    #[test]
    fn unauthorized_error_is_reported() {
        let mut s = Session::new("t");
        let out = s.receive(
            ServerFrame::Error {
                id: None,
                code: ErrorCode::Unauthorized,
                message: "bad token".into(),
            },
            None,
        );
        assert!(out.unauthorized);
    }

    #[test]
    fn only_live_messages_from_others_are_heard() {
        let mut s = online();
        let created = |seq, m: Message| ServerFrame::Event {
            seq,
            event: Event::MessageCreated { message: m },
        };
        // A history page is not news.
        let f = s.load_history(10, None).unwrap();
        s.receive(
            ServerFrame::Ack {
                id: f.command_id().unwrap().to_string(),
                result: AckResult::History {
                    conversation_id: 10,
                    messages: vec![msg(4, 10, 2, "old"), msg(5, 10, 2, "hi")],
                    has_more: false,
                },
            },
            Some(10),
        );
        assert_eq!(s.heard, None);
        // Bob writes: heard, and counted.
        s.receive(created(11, msg(6, 10, 2, "news")), None);
        let heard = s.heard.clone().unwrap();
        assert_eq!((heard.seq, heard.message.text.as_str()), (1, "news"));
        // One's own message (from another tab too) is not.
        s.receive(created(12, msg(7, 10, 1, "mine")), None);
        assert_eq!(s.heard.as_ref().unwrap().seq, 1);
        // Nor a replay of one already shown, nor a system line.
        s.receive(created(13, msg(6, 10, 2, "news")), None);
        let mut joined = msg(8, 11, 3, "Carol joined");
        joined.system = Some(SystemEvent::Joined { user_id: 3 });
        s.receive(created(14, joined), None);
        assert_eq!(s.heard.as_ref().unwrap().seq, 1);
        // The same words again are a second announcement; importance is kept.
        let mut again = msg(9, 11, 3, "news");
        again.importance = Importance::High;
        s.receive(created(15, again), None);
        let heard = s.heard.clone().unwrap();
        assert_eq!((heard.seq, heard.message.conversation_id), (2, 11));
        assert_eq!(heard.message.importance, Importance::High);
    }

    #[test]
    fn history_paging() {
        let mut s = online();
        let f = s.load_history(10, None).unwrap();
        let id = f.command_id().unwrap().to_string();
        assert!(s.is_loading_history(10));
        assert!(s.load_older(10).is_none());
        s.receive(
            ServerFrame::Ack {
                id,
                result: AckResult::History {
                    conversation_id: 10,
                    messages: vec![msg(4, 10, 2, "a"), msg(5, 10, 2, "b")],
                    has_more: true,
                },
            },
            Some(10),
        );
        match s.load_older(10) {
            Some(ClientFrame::LoadHistory { before, .. }) => assert_eq!(before, Some(4)),
            other => panic!("{other:?}"),
        }
    }
}
