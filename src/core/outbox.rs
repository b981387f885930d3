//! Messages the user sent that the server has not confirmed yet.
//!
//! Each is keyed by its client command id. It is shown as a local echo ("pending"), sent when
//! connected, resent with the SAME id after every reconnect (the server dedups by id), and
//! removed only when the server confirms it: an ack for that id, or a `message_created` whose
//! `client_id` is that id. A disconnect never drops anything.

use messenger_protocol::{
    AckResult, Attachment, ClientFrame, CommandId, ConversationId, Event, Importance, Message,
    ServerFrame, Timestamp,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingState {
    /// Waiting for a connection.
    Queued,
    /// Written to the current connection, waiting for the ack.
    InFlight,
    /// The server refused it (too large, forbidden...): kept so the text is not lost.
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PendingMessage {
    pub client_id: CommandId,
    pub conversation_id: ConversationId,
    pub text: String,
    pub created_at: Timestamp,
    pub state: PendingState,
    pub importance: Importance,
    /// Uploaded already; kept whole so the local echo can show them. Resends list the same ids.
    pub attachments: Vec<Attachment>,
}

impl PendingMessage {
    pub fn frame(&self) -> ClientFrame {
        ClientFrame::SendMessage {
            id: self.client_id.clone(),
            conversation_id: self.conversation_id,
            text: self.text.clone(),
            importance: self.importance,
            attachments: self.attachments.iter().map(|a| a.id.clone()).collect(),
        }
    }
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

    pub fn contains(&self, client_id: &str) -> bool {
        self.items.iter().any(|p| p.client_id == client_id)
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
        self.items.push(PendingMessage {
            client_id,
            conversation_id,
            text,
            created_at,
            state: PendingState::Queued,
            importance,
            attachments,
        });
    }

    /// Frames for everything queued, oldest first, now marked in flight.
    pub fn take_sendable(&mut self) -> Vec<ClientFrame> {
        self.items
            .iter_mut()
            .filter(|p| p.state == PendingState::Queued)
            .map(|p| {
                p.state = PendingState::InFlight;
                p.frame()
            })
            .collect()
    }

    /// The connection is gone: whatever was in flight must be resent (same ids) later.
    pub fn disconnected(&mut self) {
        for p in &mut self.items {
            if p.state == PendingState::InFlight {
                p.state = PendingState::Queued;
            }
        }
    }

    /// Puts a failed message back in the queue.
    pub fn retry(&mut self, client_id: &str) {
        for p in &mut self.items {
            if p.client_id == client_id && matches!(p.state, PendingState::Failed(_)) {
                p.state = PendingState::Queued;
            }
        }
    }

    /// Drops a message the user gave up on.
    pub fn discard(&mut self, client_id: &str) {
        self.items.retain(|p| p.client_id != client_id);
    }

    /// A stored message carrying one of our client ids confirms that pending message.
    fn confirmed(&mut self, message: &Message) {
        if let Some(cid) = &message.client_id {
            self.items
                .retain(|p| !(p.client_id == *cid && p.conversation_id == message.conversation_id));
        }
    }

    /// Watches server frames for confirmations and refusals.
    pub fn apply(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Ack {
                id,
                result: AckResult::MessageSent { message },
            } => {
                self.discard(id);
                self.confirmed(message);
            }
            ServerFrame::Event {
                event: Event::MessageCreated { message },
                ..
            } => self.confirmed(message),
            ServerFrame::Error {
                id: Some(id),
                message,
                ..
            } => {
                for p in &mut self.items {
                    if p.client_id == *id {
                        p.state = PendingState::Failed(message.clone());
                    }
                }
            }
            _ => {}
        }
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
