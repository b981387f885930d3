//! Shared server state and the operations that must see the database and the hub together.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use messenger_protocol::{
    Event, Features, Limits, Presence, ServerFrame, Timestamp, UserId, Welcome, PROTOCOL_VERSION,
};
use tokio::sync::{mpsc, watch};

use crate::hub::{ConnId, Hub, Outbound};
use crate::store::{Store, StoreError};
use crate::Config;

pub struct App {
    core: Mutex<Core>,
    pub config: Arc<Config>,
    /// Flips to `true` when the server shuts down; connection tasks then close their sockets.
    pub shutdown: watch::Receiver<bool>,
    /// Never used to send: the receiver learns that every task holding the App (and so the
    /// database) has finished once all senders are gone.
    _alive: mpsc::Sender<()>,
}

impl App {
    pub fn new(
        store: Store,
        config: Config,
        shutdown: watch::Receiver<bool>,
        alive: mpsc::Sender<()>,
    ) -> App {
        let config = Arc::new(config);
        App {
            core: Mutex::new(Core {
                store,
                hub: Hub::default(),
                config: config.clone(),
            }),
            config,
            shutdown,
            _alive: alive,
        }
    }

    /// One lock over store and hub, so an event's seq order is also its delivery order and a
    /// welcome snapshot cannot miss or duplicate an event. Critical sections never await.
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic elsewhere must not take every later connection down with it; SQLite keeps
        // the data consistent on its own, since the panicking transaction was rolled back.
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub struct Core {
    pub store: Store,
    pub hub: Hub,
    pub config: Arc<Config>,
}

/// A write in progress: the store inside an open transaction, plus the events to deliver
/// once it commits.
pub struct Tx<'a> {
    pub store: &'a Store,
    pub now: Timestamp,
    outbox: Vec<(UserId, String)>,
}

impl Tx<'_> {
    /// Appends `event` to the user's stream; it goes out to the user's sockets after commit.
    pub fn emit(&mut self, user: UserId, event: Event) -> Result<(), StoreError> {
        let seq = self.store.append_event(user, &event, self.now)?;
        let frame = serde_json::to_string(&ServerFrame::Event { seq, event })?;
        self.outbox.push((user, frame));
        Ok(())
    }
}

impl Core {
    /// Runs `f` in one transaction. Events reach sockets only after the commit, so a client
    /// never sees something that a failure then rolled back.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let transaction = self.store.transaction()?;
        let mut tx = Tx {
            store: &self.store,
            now: now_ms(),
            outbox: Vec::new(),
        };
        let value = f(&mut tx)?;
        let outbox = tx.outbox;
        transaction.commit().map_err(StoreError::from)?;
        for (user, frame) in outbox {
            self.hub.send(user, &frame);
        }
        Ok(value)
    }

    /// Authenticates `token` and registers the connection. `None` means the token is unknown.
    pub fn connect(
        &mut self,
        token: &str,
        outbound: Outbound,
    ) -> Result<Option<(UserId, ConnId, Welcome)>, StoreError> {
        let Some(user) = self.store.session_user(token)? else {
            return Ok(None);
        };
        let (conn, first) = self.hub.register(user, outbound);
        let result = self
            .announce_online(user, first)
            .and_then(|()| self.welcome(user));
        match result {
            Ok(Some(welcome)) => Ok(Some((user, conn, welcome))),
            Ok(None) => {
                self.hub.unregister(user, conn);
                Ok(None)
            }
            Err(e) => {
                self.hub.unregister(user, conn);
                Err(e)
            }
        }
    }

    fn announce_online(&mut self, user: UserId, first: bool) -> Result<(), StoreError> {
        if !first {
            return Ok(());
        }
        let others: Vec<UserId> = self
            .hub
            .online_users()
            .into_iter()
            .filter(|u| *u != user)
            .collect();
        self.write(|tx| {
            for other in others {
                tx.emit(
                    other,
                    Event::Presence {
                        user_id: user,
                        presence: Presence::Online,
                        last_seen: None,
                    },
                )?;
            }
            Ok(())
        })
    }

    /// Drops the connection; on the user's last one, records last_seen and tells the others.
    pub fn disconnect(&mut self, user: UserId, conn: ConnId) -> Result<(), StoreError> {
        if !self.hub.unregister(user, conn) {
            return Ok(());
        }
        let others = self.hub.online_users();
        self.write(|tx| {
            tx.store.set_last_seen(user, tx.now)?;
            for other in others {
                tx.emit(
                    other,
                    Event::Presence {
                        user_id: user,
                        presence: Presence::Offline,
                        last_seen: Some(tx.now),
                    },
                )?;
            }
            Ok(())
        })
    }

    /// The snapshot for a fresh connection; `None` if the user no longer exists.
    fn welcome(&self, user: UserId) -> Result<Option<Welcome>, StoreError> {
        let mut users = self.store.users()?;
        for u in &mut users {
            if self.hub.is_online(u.id) {
                u.presence = Presence::Online;
            }
        }
        let Some(me) = users.iter().find(|u| u.id == user).cloned() else {
            return Ok(None);
        };
        Ok(Some(Welcome {
            protocol_version: PROTOCOL_VERSION,
            epoch: self.store.epoch().to_owned(),
            // The snapshot reflects every event so far, so the client starts from here.
            // Replaying user_events after a client's `resume.seq` would let it skip the
            // snapshot; the events are stored so that can be added without a migration.
            seq: self.store.current_seq(user)?,
            me,
            users,
            departments: self.store.departments()?,
            conversations: self.store.conversations_of(user)?,
            reset: None,
            new_channels: 0,
            unread_notifications: self.store.unread_notifications(user)?,
            settings: self.store.settings(user)?,
            features: Features {
                forwarding: self.config.forwarding,
                message_lifetime_secs: Some(self.config.message_lifetime.as_secs()),
            },
            limits: Limits::default(),
        }))
    }
}

pub fn now_ms() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Timestamp)
        .unwrap_or(0)
}
