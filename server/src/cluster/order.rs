//! What a node does with what other nodes send, and how a connection's stream is kept
//! contiguous when frames from several writers arrive in any order.

use std::time::Duration;

use messenger_protocol::UserId;

use super::{parse_change, parse_frame_line, Change};
use crate::app::Core;
use crate::hub::ConnId;
use crate::store::StoreError;

impl Core {
    /// A [`super::FRAMES`] message: the frames for users connected here go to them.
    pub(crate) fn deliver_remote(&mut self, payload: &str) {
        for line in payload.lines() {
            let Some((user, seq, frame)) = parse_frame_line(line) else {
                tracing::warn!("ignoring a malformed cluster frame line");
                continue;
            };
            // Also for users without a connection here: held `GET /api/unread` requests
            // watch them.
            if seq == 0 {
                self.hub.send(user, frame);
            } else {
                self.hub.send_event(user, seq, frame);
            }
        }
    }

    /// A [`super::PRESENCE`] message from another node.
    pub(crate) fn apply_change(&mut self, payload: &str) {
        let Some((node, change, user)) = parse_change(payload) else {
            tracing::warn!("ignoring a malformed cluster presence message");
            return;
        };
        match change {
            Change::Join => {
                self.hub.set_remote(user, node, true);
            }
            Change::Leave => {
                self.hub.set_remote(user, node, false);
            }
            Change::Away => {
                self.hub.set_away(user, true);
            }
            Change::Back => {
                self.hub.set_away(user, false);
            }
            Change::Gone => self.hub.forget_node(node),
        }
    }

    /// Whether the jobs that must run once per cluster (mail) run here: always on a single
    /// server. A failure to ask counts as no: the job runs on its next tick or elsewhere.
    pub fn leads_cluster_jobs(&self) -> bool {
        match &self.cluster {
            None => true,
            Some(link) => link.is_leader(&self.store).unwrap_or_else(|e| {
                tracing::error!("asking for the cluster's job lock: {e}");
                false
            }),
        }
    }

    /// Gives the connection every committed event of `user` it has not had yet, so an
    /// answer sent next follows them, as on a single server (an ack comes after the events
    /// of everything acked before it, whichever node stored them).
    pub fn catch_up(&mut self, user: UserId, conn: ConnId) -> Result<(), StoreError> {
        let Some(last) = self.hub.position(user, conn) else {
            return Ok(());
        };
        if self.store.current_seq(user)? > last {
            self.replay_after(user, last)?;
        }
        Ok(())
    }

    /// Connections that waited longer than `wait` for a missing seq get it from the
    /// database: the event was committed (a later one arrived), its message was late or lost.
    pub(crate) fn fill_gaps(&mut self, wait: Duration) -> Result<(), StoreError> {
        for (user, last) in self.hub.stalled(wait) {
            self.replay_after(user, last)?;
        }
        Ok(())
    }

    /// After the bus connection was lost (or this node read too slowly), frames may be
    /// missing with nothing later to reveal the gap: every ordered connection is brought
    /// up to date from the database.
    pub(crate) fn catch_up_everyone(&mut self) -> Result<(), StoreError> {
        for (user, last) in self.hub.positions() {
            if self.store.current_seq(user)? > last {
                self.replay_after(user, last)?;
            }
        }
        Ok(())
    }

    fn replay_after(&mut self, user: UserId, last: u64) -> Result<(), StoreError> {
        for (seq, event) in self.store.events_after(user, last)? {
            let frame = format!(r#"{{"type":"event","seq":{seq},"event":{event}}}"#);
            self.hub.send_event(user, seq, &frame);
        }
        Ok(())
    }
}
