//! Live fan-out: which users have open connections, and a way to push frames to them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use messenger_protocol::{Presence, UserId};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

pub type ConnId = u64;

/// Serialized server frames. Unbounded so a sender never waits on a slow reader while it
/// holds the server lock; a reference server accepts the memory risk of a stalled client.
pub type Outbound = UnboundedSender<String>;

/// A cluster node's id (see `crate::cluster`).
pub type NodeId = String;

#[derive(Default)]
pub struct Hub {
    next_conn: ConnId,
    connections: HashMap<UserId, Vec<Connection>>,
    /// Connected users who said they are away. Presence lives with the connections: it is
    /// what the server sees now, not something to keep across restarts.
    away: HashSet<UserId>,
    /// In a cluster: the other nodes each user has connections on.
    remote: HashMap<UserId, HashSet<NodeId>>,
    /// Told of every frame sent to their user, without being a connection of it (no
    /// presence, no delivery): held `GET /api/unread` requests.
    watchers: HashMap<UserId, watch::Sender<()>>,
}

struct Connection {
    id: ConnId,
    outbound: Outbound,
    /// Only in a cluster, where events of one user reach this node from several writers in
    /// any order: what this connection was given so far and what waits for a gap to close.
    order: Option<Order>,
}

struct Order {
    last: u64,
    held: BTreeMap<u64, String>,
    /// When the oldest gap opened.
    since: Option<Instant>,
}

impl Order {
    fn offer(&mut self, seq: u64, frame: &str, outbound: &Outbound) {
        if seq <= self.last {
            return;
        }
        if seq > self.last + 1 {
            self.held.insert(seq, frame.to_owned());
            self.since.get_or_insert_with(Instant::now);
            return;
        }
        let _ = outbound.send(frame.to_owned());
        self.last = seq;
        while let Some(next) = self.held.remove(&(self.last + 1)) {
            let _ = outbound.send(next);
            self.last += 1;
        }
        self.held.retain(|&held, _| held > self.last);
        if self.held.is_empty() {
            self.since = None;
        }
    }
}

impl Hub {
    /// Returns the connection's id and whether it made the user come online on this node.
    pub fn register(&mut self, user: UserId, outbound: Outbound) -> (ConnId, bool) {
        self.next_conn += 1;
        let id = self.next_conn;
        let list = self.connections.entry(user).or_default();
        let first = list.is_empty();
        list.push(Connection {
            id,
            outbound,
            order: None,
        });
        (id, first)
    }

    /// Returns whether this was the user's last connection on this node.
    pub fn unregister(&mut self, user: UserId, conn: ConnId) -> bool {
        let Some(list) = self.connections.get_mut(&user) else {
            return false;
        };
        let before = list.len();
        list.retain(|c| c.id != conn);
        let removed = list.len() < before;
        if list.is_empty() {
            self.connections.remove(&user);
            if !self.remote.contains_key(&user) {
                self.away.remove(&user);
            }
        }
        removed && !self.connections.contains_key(&user)
    }

    /// Connected to this node or, in a cluster, to any other.
    pub fn is_online(&self, user: UserId) -> bool {
        self.connections.contains_key(&user) || self.is_online_elsewhere(user)
    }

    pub fn is_online_here(&self, user: UserId) -> bool {
        self.connections.contains_key(&user)
    }

    pub fn is_online_elsewhere(&self, user: UserId) -> bool {
        // Not even a hash on a single server.
        !self.remote.is_empty() && self.remote.contains_key(&user)
    }

    pub fn presence(&self, user: UserId) -> Presence {
        if !self.is_online(user) {
            Presence::Offline
        } else if self.away.contains(&user) {
            Presence::Away
        } else {
            Presence::Online
        }
    }

    /// Sets a connected user online or away; returns whether that changed anything.
    pub fn set_away(&mut self, user: UserId, away: bool) -> bool {
        if !self.is_online(user) {
            return false;
        }
        if away {
            self.away.insert(user)
        } else {
            self.away.remove(&user)
        }
    }

    pub fn online_users(&self) -> Vec<UserId> {
        let mut users: Vec<UserId> = self.connections.keys().copied().collect();
        users.extend(
            self.remote
                .keys()
                .filter(|u| !self.connections.contains_key(u)),
        );
        users
    }

    /// Another node says `user` has a connection there (`true`) or no longer has (`false`).
    /// Returns whether that changed the user's cluster-wide presence.
    pub fn set_remote(&mut self, user: UserId, node: &str, connected: bool) -> bool {
        let was = self.is_online(user);
        if connected {
            self.remote.entry(user).or_default().insert(node.to_owned());
        } else if let Some(nodes) = self.remote.get_mut(&user) {
            nodes.remove(node);
            if nodes.is_empty() {
                self.remote.remove(&user);
            }
        }
        if !self.is_online(user) {
            self.away.remove(&user);
        }
        was != self.is_online(user)
    }

    /// Replaces what this node knows of the others' connections with `connections`
    /// (node, user), as the cluster's record has it.
    pub fn replace_remote(&mut self, connections: Vec<(NodeId, UserId)>) {
        let before: Vec<UserId> = self.remote.keys().copied().collect();
        self.remote.clear();
        for (node, user) in connections {
            self.remote.entry(user).or_default().insert(node);
        }
        for user in before {
            if !self.is_online(user) {
                self.away.remove(&user);
            }
        }
    }

    /// Forgets every connection of a dead node.
    pub fn forget_node(&mut self, node: &str) {
        let users: Vec<UserId> = self.remote.keys().copied().collect();
        for user in users {
            self.set_remote(user, node, false);
        }
    }

    /// Changes whenever a frame is sent to `user` (the value means nothing).
    pub fn watch(&mut self, user: UserId) -> watch::Receiver<()> {
        self.watchers.retain(|_, w| w.receiver_count() > 0);
        self.watchers
            .entry(user)
            .or_insert_with(|| watch::channel(()).0)
            .subscribe()
    }

    /// A frame outside the event stream (typing), or any frame on a single server.
    /// A connection whose task has ended is simply skipped; it unregisters itself.
    pub fn send(&self, user: UserId, frame: &str) {
        if let Some(watcher) = self.watchers.get(&user) {
            watcher.send_replace(());
        }
        for connection in self.connections.get(&user).into_iter().flatten() {
            let _ = connection.outbound.send(frame.to_owned());
        }
    }

    /// Event `seq` of `user`'s stream. Connections that keep order get it exactly once and
    /// only after every earlier seq; the others get it as it comes.
    pub fn send_event(&mut self, user: UserId, seq: u64, frame: &str) {
        if let Some(watcher) = self.watchers.get(&user) {
            watcher.send_replace(());
        }
        for connection in self.connections.get_mut(&user).into_iter().flatten() {
            match &mut connection.order {
                Some(order) => order.offer(seq, frame, &connection.outbound),
                None => {
                    let _ = connection.outbound.send(frame.to_owned());
                }
            }
        }
    }

    /// From now on the connection keeps order: it was given every event up to `seq`.
    pub fn keep_order(&mut self, user: UserId, conn: ConnId, seq: u64) {
        if let Some(c) = self.find(user, conn) {
            c.order = Some(Order {
                last: seq,
                held: BTreeMap::new(),
                since: None,
            });
        }
    }

    /// The last seq an ordered connection was given.
    pub fn position(&mut self, user: UserId, conn: ConnId) -> Option<u64> {
        self.find(user, conn)?.order.as_ref().map(|o| o.last)
    }

    /// Ordered connections with a gap open for longer than `wait`: (user, last seq given).
    pub fn stalled(&self, wait: Duration) -> Vec<(UserId, u64)> {
        let now = Instant::now();
        self.ordered(|order| order.since.is_some_and(|since| now - since >= wait))
    }

    /// Every ordered connection: (user, last seq given).
    pub fn positions(&self) -> Vec<(UserId, u64)> {
        self.ordered(|_| true)
    }

    fn ordered(&self, wanted: impl Fn(&Order) -> bool) -> Vec<(UserId, u64)> {
        let mut found = Vec::new();
        for (&user, list) in &self.connections {
            for c in list {
                if let Some(order) = c.order.as_ref().filter(|o| wanted(o)) {
                    found.push((user, order.last));
                }
            }
        }
        found
    }

    fn find(&mut self, user: UserId, conn: ConnId) -> Option<&mut Connection> {
        self.connections
            .get_mut(&user)?
            .iter_mut()
            .find(|c| c.id == conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    #[test]
    fn user_is_online_while_any_connection_is_open() {
        let mut hub = Hub::default();
        let (tx1, mut rx1) = unbounded_channel();
        let (tx2, mut rx2) = unbounded_channel();
        let (c1, first) = hub.register(7, tx1);
        assert!(first);
        let (c2, first) = hub.register(7, tx2);
        assert!(!first);
        hub.send(7, "x");
        assert_eq!(rx1.try_recv().unwrap(), "x");
        assert_eq!(rx2.try_recv().unwrap(), "x");
        assert!(!hub.unregister(7, c1));
        assert!(hub.is_online(7));
        assert!(!hub.unregister(7, c1), "unregistering twice is harmless");
        assert!(hub.set_away(7, true));
        assert!(!hub.set_away(7, true), "already away");
        assert_eq!(hub.presence(7), Presence::Away);
        assert!(hub.unregister(7, c2));
        assert!(!hub.is_online(7));
        assert_eq!(hub.presence(7), Presence::Offline);
        assert!(hub.online_users().is_empty());
        let (tx3, _rx3) = unbounded_channel();
        hub.register(7, tx3);
        assert_eq!(
            hub.presence(7),
            Presence::Online,
            "away ends with the last connection"
        );
    }

    #[test]
    fn an_ordered_connection_gets_each_seq_once_and_in_order() {
        let mut hub = Hub::default();
        let (tx, mut rx) = unbounded_channel();
        let (conn, _) = hub.register(7, tx);
        hub.keep_order(7, conn, 10);
        for seq in [9, 10, 12, 11, 11, 14] {
            hub.send_event(7, seq, &seq.to_string());
        }
        let got: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, ["11", "12"], "old and repeated seqs dropped, 14 held");
        assert_eq!(hub.position(7, conn), Some(12));
        assert!(hub.stalled(Duration::ZERO).contains(&(7, 12)));
        assert_eq!(hub.positions(), vec![(7, 12)]);
        hub.send_event(7, 13, "13");
        let got: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, ["13", "14"]);
        assert!(hub.stalled(Duration::ZERO).is_empty(), "the gap closed");
        hub.send(7, "typing");
        assert_eq!(rx.try_recv().unwrap(), "typing", "frames without seq pass");
    }

    #[test]
    fn a_user_on_another_node_is_online_until_that_node_says_otherwise() {
        let mut hub = Hub::default();
        assert!(hub.set_remote(5, "b", true));
        assert!(!hub.set_remote(5, "c", true), "already online");
        assert!(hub.is_online(5) && !hub.is_online_here(5));
        assert_eq!(hub.online_users(), vec![5]);
        assert!(hub.set_away(5, true));
        assert_eq!(hub.presence(5), Presence::Away);
        assert!(!hub.set_remote(5, "b", false), "still on c");
        hub.forget_node("c");
        assert!(!hub.is_online(5));
        assert_eq!(hub.presence(5), Presence::Offline);
    }
}
