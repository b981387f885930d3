//! Helpers for the core protocol tests: servers with a tuned config, resuming, and
//! commands beyond messaging.

use std::net::SocketAddr;

use messenger_protocol::{
    AckResult, ClientFrame, ConversationId, ConversationSummary, Event, ResumePosition,
    ServerFrame, UserId, PROTOCOL_VERSION,
};
use messenger_server::{Config, RunningServer};

use super::{Client, TempDb};

/// A demo server on a fresh database with `tune` applied to its config.
pub async fn start_with(name: &str, tune: impl FnOnce(&mut Config)) -> (RunningServer, TempDb) {
    let db = TempDb::new(name);
    let mut config = db.config();
    tune(&mut config);
    let server = messenger_server::start(config)
        .await
        .expect("server starts");
    (server, db)
}

impl Client {
    /// Says hello with a resume position and returns the first answer (welcome or resumed).
    pub async fn hello_resume(
        addr: SocketAddr,
        token: &str,
        resume: ResumePosition,
    ) -> (Client, ServerFrame) {
        let mut client = Client::connect(addr).await;
        client
            .send(&ClientFrame::Hello {
                protocol_version: PROTOCOL_VERSION,
                token: token.to_owned(),
                resume: Some(resume),
            })
            .await;
        let first = client.recv().await;
        (client, first)
    }

    /// The next event for which `wanted` holds; others before it are dropped.
    pub async fn wait_for_event(&mut self, wanted: impl Fn(&Event) -> bool) -> (u64, Event) {
        loop {
            let (seq, event) = self.next_event().await;
            if wanted(&event) {
                return (seq, event);
            }
        }
    }

    pub async fn conversation(&mut self, frame: ClientFrame) -> ConversationSummary {
        match self.ack(frame).await {
            AckResult::Conversation { conversation } => conversation,
            other => panic!("expected conversation, got {other:?}"),
        }
    }

    pub async fn create_group(&mut self, title: &str, members: &[UserId]) -> ConversationSummary {
        let frame = ClientFrame::CreateGroup {
            id: self.new_id(),
            title: title.to_owned(),
            members: members.to_vec(),
        };
        self.conversation(frame).await
    }

    pub async fn create_channel(&mut self, title: &str) -> ConversationSummary {
        let frame = ClientFrame::CreateChannel {
            id: self.new_id(),
            title: title.to_owned(),
        };
        self.conversation(frame).await
    }

    pub async fn join_channel(&mut self, conversation_id: ConversationId) -> ConversationSummary {
        let frame = ClientFrame::JoinChannel {
            id: self.new_id(),
            conversation_id,
        };
        self.conversation(frame).await
    }

    pub async fn mark_read(&mut self, conversation_id: ConversationId, message_id: i64) {
        let frame = ClientFrame::MarkRead {
            id: self.new_id(),
            conversation_id,
            message_id,
        };
        assert_eq!(self.ack(frame).await, AckResult::Done);
    }
}

/// The events of `events` that are not presence changes (other users come and go).
pub fn without_presence(events: Vec<(u64, Event)>) -> Vec<(u64, Event)> {
    events
        .into_iter()
        .filter(|(_, e)| !matches!(e, Event::Presence { .. }))
        .collect()
}
