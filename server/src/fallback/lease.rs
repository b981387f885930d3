//! A client on the HTTP fallback has no socket whose end says it left, so it holds a lease:
//! it counts as a connection of its user (online, delivery) until it has not polled for
//! twice the poll interval.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use messenger_protocol::UserId;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::app::{App, Core};
use crate::hub::ConnId;
use crate::store::StoreError;
use crate::ws::TokenBucket;

/// HTTP fallback clients by token digest.
pub type Polls = HashMap<String, PollSession>;

pub struct PollSession {
    pub user: UserId,
    conn: ConnId,
    /// The lease ends here unless a request renews it.
    expires: Instant,
    /// Shared by every request with this token, like a socket's bucket.
    pub bucket: TokenBucket,
    /// Bumped whenever the hub sends this client a frame: a held poll then looks again.
    pub wake: watch::Receiver<u64>,
}

/// Twice the announced poll interval.
pub fn lease(core: &Core) -> Duration {
    Duration::from_millis(core.config.limits.poll_interval_ms.saturating_mul(2))
}

/// The session of `key`, registered as a connection of `user` if it is new (announcing the
/// user online as a socket's hello does), with its lease extended to at least `until`.
pub fn renew<'a>(
    app: &Arc<App>,
    core: &'a mut Core,
    key: &str,
    user: UserId,
    until: Instant,
) -> Result<&'a mut PollSession, StoreError> {
    // A token now signed in as someone else (not possible today) starts afresh.
    if core.polls.get(key).is_some_and(|s| s.user != user) {
        end(core, key);
    }
    if !core.polls.contains_key(key) {
        let (outbound, frames) = mpsc::unbounded_channel();
        let (conn, first) = core.hub.register(user, outbound);
        if let Err(e) = core.announce_online(user, first) {
            core.hub.unregister(user, conn);
            return Err(e);
        }
        let (wake_tx, wake) = watch::channel(0);
        let session = PollSession {
            user,
            conn,
            expires: until,
            bucket: TokenBucket::new(&core.config.limits, std::time::Instant::now()),
            wake,
        };
        core.polls.insert(key.to_owned(), session);
        tokio::spawn(hold(app.clone(), key.to_owned(), frames, wake_tx));
    }
    let session = core
        .polls
        .get_mut(key)
        .expect("the session was just found or inserted");
    session.expires = session.expires.max(until);
    Ok(session)
}

/// Ends a session now, as a closed socket: on the user's last connection the others see
/// them go offline.
fn end(core: &mut Core, key: &str) {
    if let Some(session) = core.polls.remove(key) {
        if let Err(e) = core.disconnect(session.user, session.conn) {
            tracing::error!(
                "recording the end of a poll lease of user {}: {e}",
                session.user
            );
        }
    }
}

/// Runs for the life of a session: turns frames the hub sends into wake-ups for held polls,
/// and ends the session when its lease runs out.
async fn hold(
    app: Arc<App>,
    key: String,
    mut frames: mpsc::UnboundedReceiver<String>,
    wake: watch::Sender<u64>,
) {
    let mut shutdown = app.shutdown.clone();
    loop {
        let Some(expires) = app.lock().polls.get(&key).map(|s| s.expires) else {
            return;
        };
        tokio::select! {
            frame = frames.recv() => match frame {
                // What the frame says is read from the store by the poll itself.
                Some(_) => wake.send_modify(|n| *n = n.wrapping_add(1)),
                None => return,
            },
            () = tokio::time::sleep_until(expires) => {
                let mut core = app.lock();
                let lapsed = core
                    .polls
                    .get(&key)
                    .is_none_or(|s| s.expires <= Instant::now());
                if lapsed {
                    end(&mut core, &key);
                    return;
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
