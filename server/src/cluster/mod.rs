//! Cluster mode: several nodes on one PostgreSQL database, told of each other's events,
//! typing and presence through NATS (`--bus nats://…`).
//!
//! Subjects: every committed batch of events goes out as ONE message on [`FRAMES`]
//! (`user seq frame` lines, seq 0 for frames outside the stream such as typing), and every
//! node takes what concerns its own connections. One subject with batches rather than one
//! per user: the writer already commits in batches, so a busy node publishes one message
//! per commit instead of one per recipient, and no node has to (un)subscribe as users come
//! and go. Every node reads every batch, which is fine for the handful of nodes a
//! reference server runs. Presence changes go on [`PRESENCE`] as `node kind user`.
//!
//! Order is restored per connection by the hub (`Hub::send_event`); a gap that stays open
//! is filled from the database ([`order`]). Presence is recorded in PostgreSQL as well
//! ([`registry`]), with a heartbeat per node, so the users of a node that died go offline.

mod order;
mod registry;
mod tasks;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use messenger_protocol::UserId;
use tokio::sync::mpsc;

use crate::hub::NodeId;
use crate::store::{Store, StoreError};

pub use tasks::connect;

const FRAMES: &str = "messenger.frames";
const PRESENCE: &str = "messenger.presence";

/// How a node joins a cluster.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `nats://host:port`
    pub bus_url: String,
    /// How often a node says it is alive.
    pub heartbeat: Duration,
    /// A node silent for this long is dead: its users go offline.
    pub node_timeout: Duration,
    /// How long a connection waits for a missing seq before reading it from the database.
    pub gap_wait: Duration,
}

impl ClusterConfig {
    pub fn new(bus_url: String) -> ClusterConfig {
        ClusterConfig {
            bus_url,
            heartbeat: Duration::from_secs(1),
            node_timeout: Duration::from_secs(5),
            gap_wait: Duration::from_millis(200),
        }
    }
}

/// What the write path uses to tell the other nodes. Publishing only queues: a task sends.
pub struct Link {
    node: NodeId,
    outgoing: mpsc::UnboundedSender<(&'static str, Bytes)>,
    /// This node holds [`LEADER_LOCK`].
    leader: AtomicBool,
}

/// A presence change as sent on [`PRESENCE`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Change {
    /// The node has its user's first connection.
    Join,
    /// The node closed its user's last connection.
    Leave,
    Away,
    Back,
    /// The named node is dead; its connections are gone (user is 0).
    Gone,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Join => "join",
            Change::Leave => "leave",
            Change::Away => "away",
            Change::Back => "back",
            Change::Gone => "gone",
        }
    }

    fn parse(word: &str) -> Option<Change> {
        Some(match word {
            "join" => Change::Join,
            "leave" => Change::Leave,
            "away" => Change::Away,
            "back" => Change::Back,
            "gone" => Change::Gone,
            _ => return None,
        })
    }
}

impl Link {
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether this node runs the jobs that must run once per cluster. The lock is a
    /// session lock: it goes with the node's connection when the node dies, and the next
    /// node to ask takes it over.
    pub fn is_leader(&self, store: &Store) -> Result<bool, StoreError> {
        if self.leader.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let taken: bool = store.conn.query_row(
            &format!("SELECT pg_try_advisory_lock({LEADER_LOCK})"),
            [],
            |r| r.get(0),
        )?;
        self.leader.store(taken, Ordering::Relaxed);
        Ok(taken)
    }

    /// A committed batch of events, for the other nodes' connections.
    pub fn publish_events(&self, events: &[crate::app::Outgoing]) {
        if events.is_empty() {
            return;
        }
        let mut lines = String::with_capacity(events.iter().map(|e| e.2.len() + 24).sum());
        for (user, seq, frame) in events {
            let _ = writeln!(lines, "{user} {seq} {frame}");
        }
        let _ = self.outgoing.send((FRAMES, Bytes::from(lines)));
    }

    /// A frame outside the event stream (typing) for `users`' connections on other nodes.
    pub fn publish_ephemeral(&self, users: &[UserId], frame: &str) {
        let mut lines = String::new();
        for user in users {
            let _ = writeln!(lines, "{user} 0 {frame}");
        }
        if !lines.is_empty() {
            let _ = self.outgoing.send((FRAMES, Bytes::from(lines)));
        }
    }

    fn publish_change(&self, node: &str, change: Change, user: UserId) {
        let text = format!("{node} {} {user}", change.word());
        let _ = self.outgoing.send((PRESENCE, Bytes::from(text)));
    }

    /// `user`'s first connection on this node opened (and [`mark_connected`] committed).
    pub fn joined(&self, user: UserId) {
        self.publish_change(&self.node, Change::Join, user);
    }

    /// `user`'s last connection on this node closed (and [`mark_disconnected`] committed).
    pub fn left(&self, user: UserId) {
        self.publish_change(&self.node, Change::Leave, user);
    }

    /// `user` set themselves away (or back); every node keeps the same state.
    pub fn set_away(&self, user: UserId, away: bool) {
        let change = if away { Change::Away } else { Change::Back };
        self.publish_change(&self.node, change, user);
    }
}

/// Held for life by the one node that runs the jobs which must not run twice (mail).
const LEADER_LOCK: i64 = 7_283_904;

/// Records `user`'s first connection on `node`; returns whether the user was offline on
/// every node until now, so this node announces them. Inside a write transaction, which
/// holds the cluster's write lock: of two nodes where the user arrives at once, exactly
/// one sees no other record.
pub fn mark_connected(store: &Store, node: &str, user: UserId) -> Result<bool, StoreError> {
    let elsewhere = registry::connected(store, user)?;
    registry::add(store, node, user)?;
    Ok(!elsewhere)
}

/// Removes the record of `user`'s connections on `node`; returns whether none is left on
/// any node, so this node says the user went offline. Under the write lock like
/// [`mark_connected`]: of two nodes where the user leaves at once, the later one sees no
/// record left and says it.
pub fn mark_disconnected(store: &Store, node: &str, user: UserId) -> Result<bool, StoreError> {
    registry::remove(store, node, user)?;
    Ok(!registry::connected(store, user)?)
}

/// Taken by every write transaction of every node until it ends.
/// The PostgreSQL advisory lock every node's writes take (public for tests).
pub const WRITE_LOCK: i64 = 7_283_903;

/// Begins a write transaction on a cluster node. Writes are serialized over the whole
/// cluster: a transaction locks the counter rows of every user it sends an event to (their
/// seqs), in whatever order its commands need, so two nodes writing at once could each
/// hold a row the other waits for (a deadlock PostgreSQL breaks by failing one, losing
/// its events). A node still commits whole batches at a time (group commit).
pub fn begin_write(store: &Store) -> Result<(), StoreError> {
    store.conn.execute_batch("BEGIN")?;
    let locked = store
        .conn
        .execute_batch(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"));
    if let Err(e) = locked {
        let _ = store.conn.execute_batch("ROLLBACK");
        return Err(e.into());
    }
    Ok(())
}

/// One line of a [`FRAMES`] message: (user, seq, frame).
fn parse_frame_line(line: &str) -> Option<(UserId, u64, &str)> {
    let (user, rest) = line.split_once(' ')?;
    let (seq, frame) = rest.split_once(' ')?;
    Some((user.parse().ok()?, seq.parse().ok()?, frame))
}

fn parse_change(text: &str) -> Option<(&str, Change, UserId)> {
    let mut words = text.split(' ');
    let node = words.next()?;
    let change = Change::parse(words.next()?)?;
    let user = words.next()?.parse().ok()?;
    Some((node, change, user))
}

/// A random id for this process: a restarted node is a new node.
fn new_node_id() -> NodeId {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Only uniqueness matters; the clock and pid are a fallback.
        let nanos = crate::app::now_ms() as u64;
        bytes = (nanos ^ u64::from(std::process::id()) << 32).to_le_bytes();
    }
    bytes.iter().fold(String::with_capacity(16), |mut id, b| {
        let _ = write!(id, "{b:02x}");
        id
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lines_and_presence_changes_round_trip() {
        let (outgoing, mut sent) = mpsc::unbounded_channel();
        let link = Link {
            node: "n1".into(),
            outgoing,
            leader: AtomicBool::new(false),
        };
        link.publish_events(&[
            (
                3,
                7,
                r#"{"type":"event","seq":7,"event":{"text":"a b"}}"#.into(),
            ),
            (4, 1, "{}".into()),
        ]);
        let (subject, payload) = sent.try_recv().unwrap();
        assert_eq!(subject, FRAMES);
        let text = std::str::from_utf8(&payload).unwrap();
        let lines: Vec<_> = text.lines().map(parse_frame_line).collect();
        assert_eq!(
            lines,
            vec![
                Some((3, 7, r#"{"type":"event","seq":7,"event":{"text":"a b"}}"#)),
                Some((4, 1, "{}"))
            ]
        );
        link.publish_events(&[]);
        assert!(sent.try_recv().is_err(), "nothing to send, nothing sent");

        link.set_away(9, true);
        let (subject, payload) = sent.try_recv().unwrap();
        assert_eq!(subject, PRESENCE);
        let text = std::str::from_utf8(&payload).unwrap();
        assert_eq!(parse_change(text), Some(("n1", Change::Away, 9)));
        assert_eq!(parse_change("n1 vanish 9"), None);
        assert_eq!(parse_frame_line("x 1 {}"), None);
    }

    #[test]
    fn node_ids_differ() {
        let a = new_node_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_node_id());
    }
}
