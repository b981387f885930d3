//! Shared server state and the operations that must see the database and the hub together.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use messenger_protocol::{
    Event, Features, Presence, ResetReason, ResumePosition, ServerFrame, Timestamp, UserId,
    Welcome, PROTOCOL_VERSION,
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
    /// Failed password logins (in memory).
    throttle: Mutex<crate::throttle::Throttle>,
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
            core: Mutex::new(Core::new(store, config.clone())),
            config,
            shutdown,
            throttle: Mutex::default(),
            _alive: alive,
        }
    }

    pub fn throttle(&self) -> MutexGuard<'_, crate::throttle::Throttle> {
        // Counters only: whatever a panic left half-updated is still usable.
        self.throttle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One lock over store and hub, so an event's seq order is also its delivery order and a
    /// welcome snapshot cannot miss or duplicate an event. Critical sections never await.
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic elsewhere must not take every later connection down with it; SQLite keeps
        // the data consistent on its own, since the panicking transaction was rolled back.
        match self.core.lock() {
            Ok(core) => core,
            Err(poisoned) => {
                let mut core = poisoned.into_inner();
                core.recover_after_panic();
                self.core.clear_poison();
                core
            }
        }
    }
}

pub struct Core {
    pub store: Store,
    pub hub: Hub,
    pub config: Arc<Config>,
    /// Clients on the HTTP fallback, by token digest: their presence lease and rate limit.
    pub polls: crate::fallback::Polls,
    /// Inside [`Core::atomically`]: the events of the writes so far, held until the one
    /// transaction around them commits.
    deferred: Option<Vec<(UserId, String)>>,
}

/// A write in progress: the store inside an open transaction, plus the events to deliver
/// once it commits.
pub struct Tx<'a> {
    pub store: &'a Store,
    /// Who is connected right now (delivery state, forwarding). Read-only: frames go
    /// through [`Tx::emit`] so they wait for the commit.
    pub hub: &'a Hub,
    pub now: Timestamp,
    outbox: Vec<(UserId, String)>,
}

/// What a successful hello gets, as serialized frames to send in order.
pub struct Connected {
    pub user: UserId,
    pub conn: ConnId,
    /// A `welcome`, or `resumed` followed by every stored event after the client's seq.
    pub frames: Vec<String>,
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
    pub fn new(store: Store, config: Arc<Config>) -> Core {
        Core {
            store,
            hub: Hub::default(),
            polls: Default::default(),
            config,
            deferred: None,
        }
    }

    /// Runs `f` in one transaction. Events reach sockets only after the commit, so a client
    /// never sees something that a failure then rolled back.
    /// Inside [`Core::atomically`] the surrounding transaction is used and the events wait
    /// for its commit.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let transaction = match self.deferred {
            Some(_) => None,
            None => Some(self.store.transaction()?),
        };
        let mut tx = Tx {
            store: &self.store,
            hub: &self.hub,
            now: now_ms(),
            outbox: Vec::new(),
        };
        let value = f(&mut tx)?;
        let outbox = tx.outbox;
        match transaction {
            Some(transaction) => {
                transaction.commit().map_err(StoreError::from)?;
                for (user, frame) in outbox {
                    self.hub.send(user, &frame);
                }
            }
            None => self.deferred.get_or_insert_with(Vec::new).extend(outbox),
        }
        Ok(value)
    }

    /// Runs `f`, and every [`Core::write`] it makes, as one transaction: all of it commits
    /// and its events go out, or none of it happens. Commands run this way so their stored
    /// result (idempotency) commits together with their effects.
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Core) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.deferred.is_some() {
            return f(self);
        }
        self.store
            .conn
            .execute_batch("BEGIN")
            .map_err(StoreError::from)?;
        self.deferred = Some(Vec::new());
        let result = f(self);
        let outbox = self.deferred.take().unwrap_or_default();
        let committed = result.and_then(|value| {
            self.store
                .conn
                .execute_batch("COMMIT")
                .map_err(StoreError::from)?;
            Ok(value)
        });
        match committed {
            Ok(value) => {
                for (user, frame) in outbox {
                    self.hub.send(user, &frame);
                }
                Ok(value)
            }
            Err(e) => {
                if let Err(rollback) = self.store.conn.execute_batch("ROLLBACK") {
                    tracing::error!("rolling back a failed command: {rollback}");
                }
                Err(e)
            }
        }
    }

    /// A panic inside [`Core::atomically`] leaves its transaction open; the next user of
    /// the lock rolls it back so the half-done command is forgotten, not committed later.
    fn recover_after_panic(&mut self) {
        self.deferred = None;
        if !self.store.conn.is_autocommit() {
            if let Err(e) = self.store.conn.execute_batch("ROLLBACK") {
                tracing::error!("rolling back after a panic: {e}");
            }
        }
    }

    /// Authenticates `token` and registers the connection. `None` means the token is unknown.
    ///
    /// Everything happens under the one lock: the connection is registered before the
    /// snapshot or backlog is read, so an event is either in it or queued on the connection,
    /// never both and never neither.
    pub fn connect(
        &mut self,
        token: &str,
        outbound: Outbound,
        resume: Option<&ResumePosition>,
    ) -> Result<Option<Connected>, StoreError> {
        let Some(user) = self.store.session_user(token)? else {
            return Ok(None);
        };
        let (conn, first) = self.hub.register(user, outbound);
        let result = self.greeting(user, resume).and_then(|frames| {
            self.announce_online(user, first)?;
            // Only after the snapshot: these events have seqs above it, so they follow it.
            crate::delivery::deliver_on_connect(self, user)?;
            Ok(frames)
        });
        match result {
            Ok(Some(frames)) => Ok(Some(Connected { user, conn, frames })),
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

    /// `resumed` plus the missed events when `resume` can be honoured, else a welcome
    /// saying why not. `None` if the user no longer exists.
    pub(crate) fn greeting(
        &self,
        user: UserId,
        resume: Option<&ResumePosition>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let reset = match resume {
            None => None,
            Some(position) => match self.replay(user, position)? {
                Ok(frames) => return Ok(Some(frames)),
                Err(reason) => Some(reason),
            },
        };
        let Some(mut welcome) = self.welcome(user)? else {
            return Ok(None);
        };
        welcome.reset = reset;
        let frame = serde_json::to_string(&ServerFrame::Welcome(Box::new(welcome)))?;
        Ok(Some(vec![frame]))
    }

    /// The frames that bring a client at `position` up to date, or why that is impossible.
    fn replay(
        &self,
        user: UserId,
        position: &ResumePosition,
    ) -> Result<Result<Vec<String>, ResetReason>, StoreError> {
        if position.epoch != self.store.epoch() {
            return Ok(Err(ResetReason::EpochChanged));
        }
        let current = self.store.current_seq(user)?;
        if position.seq > current {
            return Ok(Err(ResetReason::TooOld));
        }
        let missed = self.store.events_after(user, position.seq)?;
        // Seqs are unique and all at most `current`, so the count tells whether any is gone.
        if missed.len() as u64 != current - position.seq {
            return Ok(Err(ResetReason::TooOld));
        }
        let mut frames = Vec::with_capacity(missed.len() + 1);
        frames.push(serde_json::to_string(&ServerFrame::Resumed {
            epoch: position.epoch.clone(),
            seq: position.seq,
            until: current,
        })?);
        for (seq, event) in missed {
            // Stored as the serialized `Event`, so it is spliced in rather than re-parsed.
            frames.push(format!(r#"{{"type":"event","seq":{seq},"event":{event}}}"#));
        }
        Ok(Ok(frames))
    }

    pub(crate) fn announce_online(&mut self, user: UserId, first: bool) -> Result<(), StoreError> {
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
            u.presence = self.hub.presence(u.id);
        }
        let Some(me) = users.iter().find(|u| u.id == user).cloned() else {
            return Ok(None);
        };
        Ok(Some(Welcome {
            protocol_version: PROTOCOL_VERSION,
            epoch: self.store.epoch().to_owned(),
            // The snapshot reflects every event so far, so the client starts from here.
            seq: self.store.current_seq(user)?,
            me,
            users,
            departments: self.store.departments()?,
            conversations: self.store.conversations_of(user)?,
            reset: None,
            new_channels: self.store.new_channels(user)?,
            unread_notifications: self.store.unread_notifications(user)?,
            settings: self.store.settings(user)?,
            features: Features {
                forwarding: self.config.forwarding,
                message_lifetime_secs: Some(self.config.message_lifetime.as_secs()),
            },
            limits: self.config.limits.clone(),
        }))
    }
}

pub fn now_ms() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Timestamp)
        .unwrap_or(0)
}
