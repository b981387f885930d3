//! What the local copy and the other tabs need of the server's stream: the welcome the state
//! started from and every event applied since, as the server's own texts.
//!
//! Replaying the journal through a fresh [`Session`](super::session::Session) rebuilds the
//! same state, and its last seq is where a `resume` starts. The leader tab answers a new
//! tab's catch-up request from it; every tab keeps it, so any can take over as leader.

use messenger_protocol::{ConversationId, ServerFrame};

use super::session::Outcome;

/// Events after which the next connection asks for a fresh welcome rather than resuming,
/// so the copy (and a new tab's catch-up) stays small.
pub const COMPACT_AFTER: usize = 2_000;

/// One write of the local copy, in the order they must be applied.
#[derive(Clone, Debug, PartialEq)]
pub enum CopyWrite {
    /// A welcome: the copy starts over from it.
    Welcome(String),
    Event(u64, String),
    /// The newest history page of a conversation.
    Page(ConversationId, String),
}

/// The part of a frame the journal keeps apart: a welcome's epoch and seq, an event's seq.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameKind {
    Welcome(String, u64),
    Event(u64),
    Other,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journal {
    /// The welcome's epoch, seq and text.
    welcome: Option<(String, u64, String)>,
    /// Events after the welcome, in seq order.
    events: Vec<(u64, String)>,
}

impl Journal {
    /// Events since the welcome.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.welcome.is_none()
    }

    /// Whether the next connection should ask for a fresh welcome.
    pub fn wants_compaction(&self) -> bool {
        self.events.len() >= COMPACT_AFTER
    }

    /// What [`Journal::record`] needs of a frame, taken before the session consumes it.
    pub fn kind(frame: &ServerFrame) -> FrameKind {
        match frame {
            ServerFrame::Welcome(w) => FrameKind::Welcome(w.epoch.clone(), w.seq),
            ServerFrame::Event { seq, .. } => FrameKind::Event(*seq),
            _ => FrameKind::Other,
        }
    }

    /// Notes a frame the session just took (with what it made of it); returns what the local
    /// copy must store.
    pub fn record(&mut self, kind: FrameKind, text: &str, outcome: &Outcome) -> Option<CopyWrite> {
        match kind {
            FrameKind::Welcome(epoch, seq) => {
                self.welcome = Some((epoch, seq, text.to_string()));
                self.events.clear();
                Some(CopyWrite::Welcome(text.to_string()))
            }
            FrameKind::Event(seq) if outcome.new_event && self.welcome.is_some() => {
                self.events.push((seq, text.to_string()));
                Some(CopyWrite::Event(seq, text.to_string()))
            }
            _ => outcome
                .newest_page
                .map(|c| CopyWrite::Page(c, text.to_string())),
        }
    }

    /// Rebuilds the journal from a stored copy being replayed (its welcome, then its events).
    pub fn restore(&mut self, frame: &ServerFrame, text: &str) {
        match frame {
            ServerFrame::Welcome(w) => {
                self.welcome = Some((w.epoch.clone(), w.seq, text.to_string()));
                self.events.clear();
            }
            ServerFrame::Event { seq, .. }
                if self.welcome.is_some()
                    && self.events.last().is_none_or(|(last, _)| seq > last) =>
            {
                self.events.push((*seq, text.to_string()));
            }
            _ => {}
        }
    }

    /// What brings a tab whose state stands at `epoch`/`seq` up to date: the events after
    /// `seq`, or the welcome and every event when it started from another snapshot.
    pub fn since(&self, epoch: Option<&str>, seq: u64) -> Vec<String> {
        let Some((our_epoch, welcome_seq, welcome)) = &self.welcome else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let from = if epoch == Some(our_epoch.as_str()) && seq >= *welcome_seq {
            seq
        } else {
            out.push(welcome.clone());
            0
        };
        out.extend(
            self.events
                .iter()
                .filter(|(s, _)| *s > from)
                .map(|(_, t)| t.clone()),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::session::Session;

    fn welcome_text(epoch: &str, seq: u64) -> String {
        format!(
            r#"{{"type":"welcome","protocol_version":1,"epoch":"{epoch}","seq":{seq},"me":{{"id":1,"username":"alice","display_name":"Alice","presence":"online"}},"users":[],"departments":[],"conversations":[{{"id":7,"kind":"direct","title":null,"members":[1,2],"unread":0}}],"limits":{{"max_frame_bytes":65536,"max_message_bytes":16384}}}}"#
        )
    }

    fn event_text(seq: u64, id: u64) -> String {
        format!(
            r#"{{"type":"event","seq":{seq},"event":{{"kind":"message_created","message":{{"id":{id},"conversation_id":7,"sender_id":2,"text":"m{id}","created_at":{id}}}}}}}"#
        )
    }

    fn feed(s: &mut Session, j: &mut Journal, text: &str) -> Option<CopyWrite> {
        let frame: ServerFrame = serde_json::from_str(text).unwrap();
        let kind = Journal::kind(&frame);
        let out = s.receive(frame, None);
        j.record(kind, text, &out)
    }

    #[test]
    fn records_welcome_then_new_events_only() {
        let (mut s, mut j) = (Session::new("t"), Journal::default());
        assert!(matches!(
            feed(&mut s, &mut j, &welcome_text("e1", 4)),
            Some(CopyWrite::Welcome(_))
        ));
        assert_eq!(
            feed(&mut s, &mut j, &event_text(5, 100)),
            Some(CopyWrite::Event(5, event_text(5, 100)))
        );
        // A duplicate (replayed twice) is not recorded again.
        assert_eq!(feed(&mut s, &mut j, &event_text(5, 100)), None);
        assert_eq!(
            feed(&mut s, &mut j, &event_text(6, 101)).map(|_| ()),
            Some(())
        );
        assert_eq!(j.len(), 2);
    }

    #[test]
    fn catch_up_sends_only_what_the_tab_lacks() {
        let (mut s, mut j) = (Session::new("t"), Journal::default());
        feed(&mut s, &mut j, &welcome_text("e1", 4));
        for (seq, id) in [(5, 100), (6, 101), (7, 102)] {
            feed(&mut s, &mut j, &event_text(seq, id));
        }
        assert_eq!(j.since(Some("e1"), 6), vec![event_text(7, 102)]);
        assert!(j.since(Some("e1"), 7).is_empty());
        // Another epoch, or a position before our welcome: everything from the welcome.
        assert_eq!(j.since(Some("e0"), 6).len(), 4);
        assert_eq!(j.since(Some("e1"), 2).len(), 4);
        assert_eq!(j.since(None, 0)[0], welcome_text("e1", 4));
    }

    #[test]
    fn replaying_the_journal_rebuilds_the_same_state() {
        let (mut s, mut j) = (Session::new("t"), Journal::default());
        feed(&mut s, &mut j, &welcome_text("e1", 4));
        for (seq, id) in [(5, 100), (6, 101)] {
            feed(&mut s, &mut j, &event_text(seq, id));
        }
        let mut again = Session::new("u");
        let mut j2 = Journal::default();
        for text in j.since(None, 0) {
            let frame: ServerFrame = serde_json::from_str(&text).unwrap();
            j2.restore(&frame, &text);
            again.restore(frame);
        }
        assert_eq!(again.state, s.state);
        assert_eq!(j2, j);
        assert!(!again.online, "a restored copy is not a connection");
        assert_eq!(again.resume_position().map(|p| p.seq), Some(6));
    }
}
