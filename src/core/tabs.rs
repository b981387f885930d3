//! One connection per browser: what the tabs of one user say to each other.
//!
//! The leader tab (the one holding the Web Lock) owns the connection. It passes every server
//! frame, as the server's text, to the other tabs, which apply it to their own session; they
//! hand it the commands they want sent. The outbox is shared through IndexedDB and these
//! messages, and only the leader ever sends an entry. A tab that joins asks the leader to
//! catch it up from where its local copy stands, and buffers the live frames meanwhile, so
//! it misses nothing and applies nothing twice.
//!
//! Messages are plain strings: a one-letter kind and its payload.

use super::outbox::PendingMessage;

/// The connection as the tabs see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The first attempt of this session.
    Connecting,
    /// Trying again after the connection was lost or could not be made.
    Reconnecting,
    Online,
    /// Connected over the HTTP fallback (no WebSocket could be opened): polled.
    Polling,
    /// Down; the next attempt is scheduled (or the server refused us for good).
    Offline,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Reconnecting => "reconnecting",
            Status::Online => "online",
            Status::Polling => "polling",
            Status::Offline => "offline",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        [
            Status::Connecting,
            Status::Reconnecting,
            Status::Online,
            Status::Polling,
            Status::Offline,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TabMsg {
    /// Leader → tabs: a frame from the server.
    Frame(String),
    /// Leader → tabs: the connection's status and when the next attempt is due.
    Status(Status, Option<f64>),
    /// Tab → leader: send this command (already JSON).
    Send(String),
    /// Tab → tabs: an outbox entry was written or changed (the writer stored it).
    Upsert(PendingMessage),
    /// Tab → tabs: the user deleted (or took back to edit) an outbox entry.
    Drop(String),
    /// Tab → leader: reconnect now (the "retry now" button).
    RetryNow,
    /// New tab → leader: catch `tab` up from its position.
    CatchUp {
        tab: String,
        epoch: Option<String>,
        seq: u64,
    },
    /// Leader → `tab`: the frames it lacks, oldest first.
    Frames { tab: String, frames: Vec<String> },
    /// Tab → tabs: a draft was saved (empty: deleted).
    Draft { conversation: i64, text: String },
    /// Tab → tabs: whether `tab` is visible now (the leader raises a browser notification
    /// only while none is); `ask`: a tab that just joined asks the others to say theirs.
    Visible {
        tab: String,
        visible: bool,
        ask: bool,
    },
}

impl TabMsg {
    pub fn encode(&self) -> String {
        match self {
            TabMsg::Frame(t) => format!("F{t}"),
            TabMsg::Status(s, at) => match at {
                Some(at) => format!("S{}|{}", s.as_str(), *at as i64),
                None => format!("S{}", s.as_str()),
            },
            TabMsg::Send(t) => format!("C{t}"),
            TabMsg::Upsert(p) => format!("U{}", serde_json::to_string(p).unwrap_or_default()),
            TabMsg::Drop(id) => format!("D{id}"),
            TabMsg::RetryNow => "R".into(),
            TabMsg::CatchUp { tab, epoch, seq } => {
                format!("K{tab}\n{seq}\n{}", epoch.as_deref().unwrap_or(""))
            }
            // Frames are compact JSON: a newline only appears escaped inside strings.
            TabMsg::Frames { tab, frames } => {
                let mut out = format!("H{tab}");
                for f in frames {
                    out.push('\n');
                    out.push_str(f);
                }
                out
            }
            TabMsg::Draft { conversation, text } => format!("W{conversation}\n{text}"),
            TabMsg::Visible { tab, visible, ask } => {
                format!("V{}{}{tab}", u8::from(*visible), u8::from(*ask))
            }
        }
    }

    /// `None` for anything else (another version's message, a stray post).
    pub fn decode(s: &str) -> Option<TabMsg> {
        let mut chars = s.chars();
        let kind = chars.next()?;
        let rest = chars.as_str();
        Some(match kind {
            'F' => TabMsg::Frame(rest.into()),
            'S' => {
                let (status, at) = match rest.split_once('|') {
                    Some((s, at)) => (s, Some(at.parse::<i64>().ok()? as f64)),
                    None => (rest, None),
                };
                TabMsg::Status(Status::parse(status)?, at)
            }
            'C' => TabMsg::Send(rest.into()),
            'U' => TabMsg::Upsert(serde_json::from_str(rest).ok()?),
            'D' => TabMsg::Drop(rest.into()),
            'R' => TabMsg::RetryNow,
            'K' => {
                let mut parts = rest.splitn(3, '\n');
                let tab = parts.next()?.to_string();
                let seq = parts.next()?.parse().ok()?;
                let epoch = parts.next().filter(|e| !e.is_empty()).map(String::from);
                TabMsg::CatchUp { tab, epoch, seq }
            }
            'H' => {
                let mut parts = rest.split('\n');
                let tab = parts.next()?.to_string();
                TabMsg::Frames {
                    tab,
                    frames: parts.map(String::from).collect(),
                }
            }
            'W' => {
                let (c, text) = rest.split_once('\n')?;
                TabMsg::Draft {
                    conversation: c.parse().ok()?,
                    text: text.into(),
                }
            }
            'V' => {
                let flag = |c: Option<char>| match c {
                    Some('0') => Some(false),
                    Some('1') => Some(true),
                    _ => None,
                };
                let mut cs = rest.chars();
                let visible = flag(cs.next())?;
                let ask = flag(cs.next())?;
                TabMsg::Visible {
                    tab: cs.as_str().into(),
                    visible,
                    ask,
                }
            }
            _ => return None,
        })
    }
}

/// A follower's view of the leader's frames: applies them in seq order, and when one shows a
/// gap (the tab is behind: it just started, or missed a catch-up), holds the live frames and
/// asks the leader for what is missing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Relay {
    catching_up: bool,
    held: Vec<String>,
}

/// What a follower does with a frame from the leader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relayed {
    /// Apply it now (otherwise it is held until the catch-up arrives).
    pub now: bool,
    /// Ask the leader to catch this tab up.
    pub ask: bool,
}

impl Relay {
    pub fn is_catching_up(&self) -> bool {
        self.catching_up
    }

    /// The tab asked to be caught up: hold live frames until the answer.
    pub fn asked(&mut self) {
        self.catching_up = true;
    }

    /// A live frame; `seq` is the event's seq (`None` for other frames) and `applied` the
    /// last seq the tab's state applied (`None` before any snapshot). A frame not applied
    /// now is kept (its text) for [`Relay::caught_up`].
    pub fn live(&mut self, text: String, seq: Option<u64>, applied: Option<u64>) -> Relayed {
        if self.catching_up {
            self.held.push(text);
            return Relayed::default();
        }
        let gap = match (seq, applied) {
            (Some(seq), Some(applied)) => seq > applied + 1,
            (Some(_), None) => true,
            _ => false,
        };
        if gap {
            self.catching_up = true;
            self.held.push(text);
            return Relayed {
                now: false,
                ask: true,
            };
        }
        Relayed {
            now: true,
            ask: false,
        }
    }

    /// The leader's answer: its frames, then the held live ones (the session drops any event
    /// it already has by seq).
    pub fn caught_up(&mut self, frames: Vec<String>) -> Vec<String> {
        self.catching_up = false;
        let mut out = frames;
        out.append(&mut self.held);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::outbox::{Hold, PendingState};
    use messenger_protocol::Importance;

    #[test]
    fn every_message_survives_encoding() {
        let pending = PendingMessage {
            note: false,
            client_id: "t-000001".into(),
            conversation_id: 7,
            text: "two\nlines | and a pipe".into(),
            created_at: 1_764_000_000_000,
            state: PendingState::Held(Hold::Confirm),
            importance: Importance::High,
            attachments: Vec::new(),
            writing: false,
        };
        let all = [
            TabMsg::Frame(r#"{"type":"event","seq":3}"#.into()),
            TabMsg::Status(Status::Offline, Some(1_764_000_000_123.0)),
            TabMsg::Status(Status::Online, None),
            TabMsg::Status(Status::Polling, None),
            TabMsg::Send(r#"{"type":"typing","id":"x","conversation_id":7}"#.into()),
            TabMsg::Upsert(pending),
            TabMsg::Drop("t-000002".into()),
            TabMsg::RetryNow,
            TabMsg::CatchUp {
                tab: "ab12".into(),
                epoch: Some("e1".into()),
                seq: 41,
            },
            TabMsg::CatchUp {
                tab: "ab12".into(),
                epoch: None,
                seq: 0,
            },
            TabMsg::Frames {
                tab: "ab12".into(),
                frames: vec!["{\"a\":\"x\\ny\"}".into(), "{}".into()],
            },
            TabMsg::Frames {
                tab: "ab12".into(),
                frames: Vec::new(),
            },
            TabMsg::Draft {
                conversation: 7,
                text: "line one\nline two".into(),
            },
            TabMsg::Visible {
                tab: "ab12".into(),
                visible: true,
                ask: false,
            },
            TabMsg::Visible {
                tab: "cd34".into(),
                visible: false,
                ask: true,
            },
        ];
        for m in all {
            assert_eq!(TabMsg::decode(&m.encode()), Some(m.clone()), "{m:?}");
        }
        for junk in [
            "",
            "Z",
            "Sbogus",
            "Kab\nnot-a-number",
            "U{",
            "Wnan\nx",
            "V",
            "V1",
            "V2",
            "V12tab",
        ] {
            assert_eq!(TabMsg::decode(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_gap_holds_live_frames_until_the_leader_answers() {
        let mut r = Relay::default();
        // In order: applied at once.
        assert!(r.live("e5".into(), Some(5), Some(4)).now);
        assert!(r.live("ack".into(), None, Some(5)).now);
        // Seq 8 after 5: 6 and 7 are missing.
        let out = r.live("e8".into(), Some(8), Some(5));
        assert!(out.ask && !out.now);
        assert!(r.is_catching_up());
        assert!(!r.live("e9".into(), Some(9), Some(5)).now);
        assert_eq!(
            r.caught_up(vec!["e6".into(), "e7".into(), "e8".into()]),
            ["e6", "e7", "e8", "e8", "e9"]
        );
        assert!(!r.is_catching_up());
    }

    #[test]
    fn a_tab_without_a_snapshot_asks_first() {
        let mut r = Relay::default();
        assert!(r.live("e1".into(), Some(1), None).ask);
        let mut fresh = Relay::default();
        fresh.asked();
        assert!(!fresh.live("e2".into(), Some(2), None).now);
        assert_eq!(fresh.caught_up(vec!["w".into()]), ["w", "e2"]);
    }
}
