//! Messages the user sent that the server has not confirmed yet.
//!
//! Each is keyed by its client command id. It is shown as a local echo ("pending"), written to
//! IndexedDB by the adapter before it shows, sent when connected, resent with the SAME id after
//! every reconnect or reload (the server dedups by id), and removed only when the server
//! confirms it: an ack for that id, or a `message_created` whose `client_id` is that id.
//!
//! At most [`WINDOW`] are in flight at once and the next goes out as each is acked, so on a
//! link that drops every few frames the queue still advances, and a burst never meets the
//! server's rate limit. A refusal that will not change by itself (too large, not a member)
//! marks only that message failed; the rest of the queue goes on. A refusal that will
//! (rate limited, server trouble) puts it back in the queue for a later try.

use messenger_protocol::{
    AckResult, Attachment, ClientFrame, CommandId, ConversationId, ErrorCode, Event, Importance,
    Message, ServerFrame, Timestamp,
};
use serde::{Deserialize, Serialize};

/// Messages in flight at once on one connection.
pub const WINDOW: usize = 8;

/// Why a message waits for its recipient rather than going to the server now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hold {
    /// Goes out by itself when presence says the recipient is online.
    WhenOnline,
    /// Waits for the user to press Send (once the recipient is online).
    Confirm,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PendingState {
    /// Waiting for a connection (or for its turn in the window).
    Queued,
    /// Written to the current connection, waiting for the ack.
    InFlight,
    /// The server refused it (too large, forbidden...): kept so the text is not lost, never
    /// resent by itself.
    Failed(String),
    /// Kept in the "Pending send" list for an offline recipient.
    Held(Hold),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingMessage {
    pub client_id: CommandId,
    pub conversation_id: ConversationId,
    pub text: String,
    pub created_at: Timestamp,
    pub state: PendingState,
    pub importance: Importance,
    /// Uploaded already; kept whole so the local echo can show them. Resends list the same ids.
    pub attachments: Vec<Attachment>,
    /// A private note in an interaction (never sent to the contact).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
    /// Being written to storage by this tab: not shown and not sent yet, and nothing after
    /// it is sent either, so the queue keeps the order the messages were written in.
    #[serde(skip)]
    pub writing: bool,
}

impl PendingMessage {
    pub fn frame(&self) -> ClientFrame {
        ClientFrame::SendMessage {
            note: self.note,
            id: self.client_id.clone(),
            conversation_id: self.conversation_id,
            text: self.text.clone(),
            importance: self.importance,
            attachments: self.attachments.iter().map(|a| a.id.clone()).collect(),
        }
    }

    /// As stored: a message in flight when the page went away is queued again.
    pub fn stored(&self) -> PendingMessage {
        let mut p = self.clone();
        if p.state == PendingState::InFlight {
            p.state = PendingState::Queued;
        }
        p
    }

    pub fn is_failed(&self) -> bool {
        matches!(self.state, PendingState::Failed(_))
    }
}

/// What a server refusal means for the message.
fn is_transient(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RateLimited | ErrorCode::Internal | ErrorCode::RecipientOffline
    )
}

/// What a frame did to the outbox, for the adapter (storage, timers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Confirmed by the server: delete from storage.
    pub confirmed: Vec<CommandId>,
    /// Changed state worth storing (failed, held).
    pub updated: Vec<PendingMessage>,
    /// A message was put back after a passing refusal: try again after a pause.
    pub retry_later: bool,
    /// The server refused a direct message because its recipient is offline.
    pub recipient_offline: Vec<CommandId>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    items: Vec<PendingMessage>,
}

impl Outbox {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[PendingMessage] {
        &self.items
    }

    pub fn get(&self, client_id: &str) -> Option<&PendingMessage> {
        self.items.iter().find(|p| p.client_id == client_id)
    }

    pub fn contains(&self, client_id: &str) -> bool {
        self.get(client_id).is_some()
    }

    pub fn for_conversation(
        &self,
        conversation: ConversationId,
    ) -> impl Iterator<Item = &PendingMessage> {
        self.items
            .iter()
            .filter(move |p| p.conversation_id == conversation)
    }

    /// Queues a message. Nothing is sent yet: call [`Outbox::take_sendable`] when connected.
    pub fn push(
        &mut self,
        client_id: CommandId,
        conversation_id: ConversationId,
        text: String,
        created_at: Timestamp,
    ) {
        self.push_with(
            client_id,
            conversation_id,
            text,
            Importance::Normal,
            Vec::new(),
            created_at,
        );
    }

    /// [`Outbox::push`] with an importance and uploaded attachments.
    pub fn push_with(
        &mut self,
        client_id: CommandId,
        conversation_id: ConversationId,
        text: String,
        importance: Importance,
        attachments: Vec<Attachment>,
        created_at: Timestamp,
    ) {
        self.add(PendingMessage {
            note: false,
            client_id,
            conversation_id,
            text,
            created_at,
            state: PendingState::Queued,
            importance,
            attachments,
            writing: false,
        });
    }

    /// Adds a message written in another tab or read back from storage; one already known
    /// is left as it is. The queue stays in the order the messages were written.
    pub fn add(&mut self, message: PendingMessage) {
        if self.contains(&message.client_id) {
            return;
        }
        let at = self
            .items
            .iter()
            .rposition(|p| (p.created_at, &p.client_id) <= (message.created_at, &message.client_id))
            .map_or(0, |i| i + 1);
        self.items.insert(at, message);
    }

    /// Frames for the oldest queued messages, now marked in flight, keeping at most
    /// [`WINDOW`] in flight.
    pub fn take_sendable(&mut self) -> Vec<ClientFrame> {
        let mut room = WINDOW.saturating_sub(
            self.items
                .iter()
                .filter(|p| p.state == PendingState::InFlight)
                .count(),
        );
        let mut frames = Vec::new();
        for p in &mut self.items {
            if room == 0 || (p.writing && p.state == PendingState::Queued) {
                break;
            }
            if p.state == PendingState::Queued {
                p.state = PendingState::InFlight;
                frames.push(p.frame());
                room -= 1;
            }
        }
        frames
    }

    /// The connection is gone: whatever was in flight must be resent (same ids) later.
    pub fn disconnected(&mut self) {
        for p in &mut self.items {
            if p.state == PendingState::InFlight {
                p.state = PendingState::Queued;
            }
        }
    }

    /// Puts a failed or held message back in the queue.
    pub fn retry(&mut self, client_id: &str) -> Option<PendingMessage> {
        let p = self.items.iter_mut().find(|p| p.client_id == client_id)?;
        if matches!(p.state, PendingState::Failed(_) | PendingState::Held(_)) {
            p.state = PendingState::Queued;
        }
        Some(p.clone())
    }

    /// Keeps a message for an offline recipient (or changes how it waits).
    pub fn hold(&mut self, client_id: &str, hold: Hold) -> Option<PendingMessage> {
        let p = self.items.iter_mut().find(|p| p.client_id == client_id)?;
        if p.state != PendingState::InFlight {
            p.state = PendingState::Held(hold);
        }
        Some(p.clone())
    }

    /// Held messages of `conversation` that go out by themselves, queued now (the recipient
    /// came online).
    pub fn release(&mut self, conversation: ConversationId) -> Vec<PendingMessage> {
        let mut released = Vec::new();
        for p in &mut self.items {
            if p.conversation_id == conversation && p.state == PendingState::Held(Hold::WhenOnline)
            {
                p.state = PendingState::Queued;
                released.push(p.clone());
            }
        }
        released
    }

    /// Marks queued messages longer than `max` bytes failed (the server would refuse them).
    pub fn fail_longer_than(&mut self, max: usize) {
        for p in &mut self.items {
            if p.state == PendingState::Queued && p.text.len() > max {
                p.state = PendingState::Failed(format!(
                    "message is {} bytes; the limit is {max}",
                    p.text.len()
                ));
            }
        }
    }

    /// The message is in storage now: it may show and go.
    pub fn written(&mut self, client_id: &str) {
        if let Some(p) = self.items.iter_mut().find(|p| p.client_id == client_id) {
            p.writing = false;
        }
    }

    /// Drops a message the user gave up on (or took back to edit).
    pub fn discard(&mut self, client_id: &str) -> Option<PendingMessage> {
        let at = self.items.iter().position(|p| p.client_id == client_id)?;
        Some(self.items.remove(at))
    }

    /// A stored message carrying one of our client ids confirms that pending message.
    fn confirmed(&mut self, message: &Message, changes: &mut Changes) {
        if let Some(cid) = &message.client_id {
            if let Some(at) = self
                .items
                .iter()
                .position(|p| p.client_id == *cid && p.conversation_id == message.conversation_id)
            {
                changes.confirmed.push(self.items.remove(at).client_id);
            }
        }
    }

    /// Watches server frames for confirmations and refusals.
    pub fn apply(&mut self, frame: &ServerFrame) -> Changes {
        let mut changes = Changes::default();
        match frame {
            ServerFrame::Ack {
                id,
                result: AckResult::MessageSent { message },
            } => {
                if let Some(p) = self.discard(id) {
                    changes.confirmed.push(p.client_id);
                }
                self.confirmed(message, &mut changes);
            }
            ServerFrame::Event {
                event: Event::MessageCreated { message },
                ..
            } => self.confirmed(message, &mut changes),
            ServerFrame::Error {
                id: Some(id),
                code,
                message,
            } => {
                if let Some(p) = self.items.iter_mut().find(|p| p.client_id == *id) {
                    if *code == ErrorCode::RecipientOffline {
                        p.state = PendingState::Held(Hold::WhenOnline);
                        changes.recipient_offline.push(id.clone());
                        changes.updated.push(p.clone());
                    } else if is_transient(*code) {
                        p.state = PendingState::Queued;
                        changes.retry_later = true;
                    } else {
                        p.state = PendingState::Failed(message.clone());
                        changes.updated.push(p.clone());
                    }
                }
            }
            _ => {}
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::state::tests::msg;
    use messenger_protocol::ErrorCode;

    fn ids(frames: &[ClientFrame]) -> Vec<String> {
        frames
            .iter()
            .map(|f| f.command_id().unwrap().to_string())
            .collect()
    }

    #[test]
    fn pending_survives_disconnect_and_resends_with_same_ids() {
        let mut o = Outbox::default();
        o.push("c1".into(), 10, "one".into(), 1);
        o.push("c2".into(), 10, "two".into(), 2);
        assert_eq!(ids(&o.take_sendable()), ["c1", "c2"]);
        // Nothing more to send while in flight.
        assert!(o.take_sendable().is_empty());
        o.disconnected();
        o.disconnected();
        assert_eq!(o.len(), 2);
        o.push("c3".into(), 11, "three".into(), 3);
        // After the next welcome: the same ids, in the original order.
        let again = o.take_sendable();
        assert_eq!(ids(&again), ["c1", "c2", "c3"]);
        match &again[0] {
            ClientFrame::SendMessage {
                conversation_id,
                text,
                ..
            } => {
                assert_eq!(*conversation_id, 10);
                assert_eq!(text, "one");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn removed_by_ack_or_by_matching_echo() {
        let mut o = Outbox::default();
        o.push("c1".into(), 10, "one".into(), 1);
        o.push("c2".into(), 10, "two".into(), 2);
        o.take_sendable();
        o.apply(&ServerFrame::Ack {
            id: "c1".into(),
            result: AckResult::MessageSent {
                message: msg(5, 10, 1, "one"),
            },
        });
        assert!(!o.contains("c1"));
        assert!(o.contains("c2"));
        // The echo (say the ack was lost with the connection) also confirms it.
        let mut echo = msg(6, 10, 1, "two");
        echo.client_id = Some("c2".into());
        o.apply(&ServerFrame::Event {
            seq: 1,
            event: Event::MessageCreated { message: echo },
        });
        assert!(o.is_empty());
    }

    #[test]
    fn errors_keep_the_text_as_failed() {
        let mut o = Outbox::default();
        o.push("c1".into(), 10, "big".into(), 1);
        o.take_sendable();
        o.apply(&ServerFrame::Error {
            id: Some("c1".into()),
            code: ErrorCode::MessageTooLarge,
            message: "too large".into(),
        });
        assert_eq!(o.items()[0].state, PendingState::Failed("too large".into()));
        o.disconnected();
        assert!(
            o.take_sendable().is_empty(),
            "failed ones are not resent by themselves"
        );
        o.retry("c1");
        assert_eq!(ids(&o.take_sendable()), ["c1"]);
        o.discard("c1");
        assert!(o.is_empty());
    }
}
