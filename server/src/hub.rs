//! Live fan-out: which users have open connections, and a way to push frames to them.

use std::collections::{HashMap, HashSet};

use messenger_protocol::{Presence, UserId};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

pub type ConnId = u64;

/// Serialized server frames. Unbounded so a sender never waits on a slow reader while it
/// holds the server lock; a reference server accepts the memory risk of a stalled client.
pub type Outbound = UnboundedSender<String>;

#[derive(Default)]
pub struct Hub {
    next_conn: ConnId,
    connections: HashMap<UserId, Vec<(ConnId, Outbound)>>,
    /// Connected users who said they are away. Presence lives with the connections: it is
    /// what the server sees now, not something to keep across restarts.
    away: HashSet<UserId>,
    /// Told of every frame sent to their user, without being a connection of it (no
    /// presence, no delivery): held `GET /api/unread` requests.
    watchers: HashMap<UserId, watch::Sender<()>>,
}

impl Hub {
    /// Returns the connection's id and whether it made the user come online.
    pub fn register(&mut self, user: UserId, outbound: Outbound) -> (ConnId, bool) {
        self.next_conn += 1;
        let conn = self.next_conn;
        let list = self.connections.entry(user).or_default();
        let first = list.is_empty();
        list.push((conn, outbound));
        (conn, first)
    }

    /// Returns whether this was the user's last connection.
    pub fn unregister(&mut self, user: UserId, conn: ConnId) -> bool {
        let Some(list) = self.connections.get_mut(&user) else {
            return false;
        };
        let before = list.len();
        list.retain(|(id, _)| *id != conn);
        let removed = list.len() < before;
        if list.is_empty() {
            self.connections.remove(&user);
            self.away.remove(&user);
        }
        removed && !self.connections.contains_key(&user)
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.connections.contains_key(&user)
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
        self.connections.keys().copied().collect()
    }

    /// Changes whenever a frame is sent to `user` (the value means nothing).
    pub fn watch(&mut self, user: UserId) -> watch::Receiver<()> {
        self.watchers.retain(|_, w| w.receiver_count() > 0);
        self.watchers
            .entry(user)
            .or_insert_with(|| watch::channel(()).0)
            .subscribe()
    }

    /// A connection whose task has ended is simply skipped; it unregisters itself.
    pub fn send(&self, user: UserId, frame: &str) {
        if let Some(watcher) = self.watchers.get(&user) {
            watcher.send_replace(());
        }
        for (_, outbound) in self.connections.get(&user).into_iter().flatten() {
            let _ = outbound.send(frame.to_owned());
        }
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
}
