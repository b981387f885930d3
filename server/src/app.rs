//! Shared server state and the operations that must see the database and the hub together.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use messenger_protocol::{
    ClientFrame, Event, Features, Presence, ResetReason, ResumePosition, ServerFrame, Timestamp,
    UserId, Welcome, PROTOCOL_VERSION,
};
use tokio::sync::{mpsc, watch};

use crate::hub::{ConnId, Hub, Outbound};
use crate::seqs::Seqs;
use crate::store::{Store, StoreError};
use crate::Config;

pub struct App {
    core: Arc<CoreCell>,
    /// Mutating commands, run in batches by the writer thread (group commit).
    commands: crate::writer::Submit,
    pub config: Arc<Config>,
    /// Flips to `true` when the server shuts down; connection tasks then close their sockets.
    pub shutdown: watch::Receiver<bool>,
    /// Failed password logins (in memory).
    throttle: Mutex<crate::throttle::Throttle>,
    /// The same dictionaries as the core's, reached without its lock.
    pub spelling: Arc<crate::spelling::Dictionaries>,
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
        cluster: Option<crate::cluster::Link>,
    ) -> std::io::Result<App> {
        let config = Arc::new(config);
        let mut core = Core::new(store, config.clone());
        core.cluster = cluster;
        let spelling = core.spelling.clone();
        let core = Arc::new(CoreCell(Mutex::new(core)));
        let commands = crate::writer::spawn(core.clone(), alive.clone())?;
        Ok(App {
            core,
            commands,
            config,
            shutdown,
            throttle: Mutex::default(),
            spelling,
            _alive: alive,
        })
    }

    /// Queues a command for the writer thread, which commits the commands that queued up
    /// meanwhile in one transaction; the future is its answer.
    pub fn submit(
        &self,
        user: UserId,
        frame: ClientFrame,
    ) -> impl std::future::Future<Output = ServerFrame> + Send + 'static {
        self.commands.queue(user, frame)
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
        self.core.lock()
    }
}

/// The one [`Core`], shared by the [`App`] and the writer thread.
pub struct CoreCell(Mutex<Core>);

impl CoreCell {
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic elsewhere must not take every later connection down with it; SQLite keeps
        // the data consistent on its own, since the panicking transaction was rolled back.
        match self.0.lock() {
            Ok(core) => core,
            Err(poisoned) => {
                let mut core = poisoned.into_inner();
                core.recover_after_panic();
                self.0.clear_poison();
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
    /// Inside [`Core::atomically`] or a batch: the events of the writes so far, held until
    /// the one transaction around them commits.
    deferred: Option<Vec<Outgoing>>,
    /// Where [`Core::atomically`] stands in the transaction nesting.
    nesting: Nesting,
    seqs: Seqs,
    /// In a cluster: this node's link to the others.
    pub cluster: Option<crate::cluster::Link>,
    pub spelling: Arc<crate::spelling::Dictionaries>,
}

/// An event for one user's stream: (user, seq, serialized frame).
pub type Outgoing = (UserId, u64, String);

/// A batch is one transaction holding one savepoint per command, so a failing command
/// undoes only its own writes.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Nesting {
    Idle,
    Batch,
    Command,
}

/// A write in progress: the store inside an open transaction, plus the events to deliver
/// once it commits.
pub struct Tx<'a> {
    pub store: &'a Store,
    /// Who is connected right now (delivery state, forwarding). Read-only: frames go
    /// through [`Tx::emit`] so they wait for the commit.
    pub hub: &'a Hub,
    pub now: Timestamp,
    outbox: &'a mut Vec<Outgoing>,
    seqs: &'a mut Seqs,
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
        self.emit_to(&[user], &event)
    }

    /// Appends one `event` to each of `users`' streams. The event is serialized once, not
    /// once per user and again per frame.
    pub fn emit_to(&mut self, users: &[UserId], event: &Event) -> Result<(), StoreError> {
        let json = serde_json::to_string(event)?;
        if self.store.is_shared() && users.len() > 1 && distinct(users) {
            let seqs = self.store.append_event_to_all(users, self.now, &json)?;
            for (&user, seq) in users.iter().zip(seqs) {
                let frame = format!(r#"{{"type":"event","seq":{seq},"event":{json}}}"#);
                self.outbox.push((user, seq, frame));
            }
            return Ok(());
        }
        if users.is_empty() {
            return Ok(());
        }
        let id = self.store.insert_event(self.now, &json)?;
        for &user in users {
            let seq = self.seqs.next(self.store, user)?;
            self.store.insert_event_ref(user, seq, id)?;
            // The shape serde gives `ServerFrame::Event`, spliced rather than re-serialized.
            let frame = format!(r#"{{"type":"event","seq":{seq},"event":{json}}}"#);
            self.outbox.push((user, seq, frame));
        }
        Ok(())
    }

    /// `user` has just gone offline: their last-seen time is stored and `others` are told.
    pub fn announce_offline(&mut self, user: UserId, others: &[UserId]) -> Result<(), StoreError> {
        self.store.set_last_seen(user, self.now)?;
        self.emit_to(
            others,
            &Event::Presence {
                user_id: user,
                presence: Presence::Offline,
                last_seen: Some(self.now),
            },
        )
    }
}

fn distinct(users: &[UserId]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(users.len());
    users.iter().all(|user| seen.insert(*user))
}

impl Core {
    pub fn new(store: Store, config: Arc<Config>) -> Core {
        let spelling = crate::spelling::Dictionaries::new(config.dictionaries_dir.clone());
        Core {
            store,
            hub: Hub::default(),
            polls: Default::default(),
            config,
            deferred: None,
            nesting: Nesting::Idle,
            seqs: Seqs::default(),
            cluster: None,
            spelling: Arc::new(spelling),
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
        let own_transaction = self.deferred.is_none();
        if own_transaction {
            self.begin_deferred().map_err(E::from)?;
        }
        let outbox = self.deferred.get_or_insert_with(Vec::new);
        let mut tx = Tx {
            store: &self.store,
            hub: &self.hub,
            now: now_ms(),
            outbox,
            seqs: &mut self.seqs,
        };
        let result = f(&mut tx);
        if own_transaction {
            self.finish_deferred(result)
        } else {
            result
        }
    }

    /// Runs `f`, and every [`Core::write`] it makes, as one transaction: all of it commits
    /// and its events go out, or none of it happens. Commands run this way so their stored
    /// result (idempotency) commits together with their effects.
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Core) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.nesting {
            Nesting::Command => f(self),
            Nesting::Batch => self.in_savepoint(f),
            Nesting::Idle => {
                self.begin_deferred().map_err(E::from)?;
                self.nesting = Nesting::Command;
                let result = f(self);
                self.finish_deferred(result)
            }
        }
    }

    /// Runs `f` as one command of a batch: its writes and events are undone if it fails,
    /// while the batch's other commands stand.
    fn in_savepoint<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Core) -> Result<T, E>,
    ) -> Result<T, E> {
        self.store
            .conn
            .execute_cached("SAVEPOINT command")
            .map_err(StoreError::from)?;
        let events_before = self.deferred.as_ref().map_or(0, Vec::len);
        let seqs_before = self.seqs.mark();
        self.nesting = Nesting::Command;
        let result = f(self);
        self.nesting = Nesting::Batch;
        let conn = &self.store.conn;
        // A savepoint that cannot be closed leaves the batch in an unknown state: the
        // error makes the caller roll all of it back.
        if result.is_err() {
            if let Some(events) = &mut self.deferred {
                events.truncate(events_before);
            }
            self.seqs.rewind(seqs_before);
            conn.execute_cached("ROLLBACK TO command")
                .map_err(StoreError::from)?;
        }
        conn.execute_cached("RELEASE command")
            .map_err(StoreError::from)?;
        result
    }

    /// Runs every command of `batch` in one transaction and commits once: the commands that
    /// queued up while the last commit was written share the next one. Each reply is only
    /// handed out after the commit, so an ack always means "stored".
    pub fn run_batch<J>(
        &mut self,
        batch: Vec<J>,
        mut run: impl FnMut(&mut Core, J) -> Result<ServerFrame, StoreError>,
    ) -> Result<Vec<ServerFrame>, StoreError> {
        self.begin_deferred()?;
        self.nesting = Nesting::Batch;
        let mut replies = Vec::with_capacity(batch.len());
        let mut result = Ok(());
        for job in batch {
            match run(self, job) {
                Ok(reply) => replies.push(reply),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.finish_deferred(result.map(|()| replies))
    }

    fn begin_deferred(&mut self) -> Result<(), StoreError> {
        if self.cluster.is_some() {
            crate::cluster::begin_write(&self.store)?;
        } else {
            self.store.conn.execute_batch("BEGIN")?;
        }
        self.deferred = Some(Vec::new());
        Ok(())
    }

    /// Commits (or on an error rolls back) the transaction [`Core::begin_deferred`] opened,
    /// then sends its events.
    fn finish_deferred<T, E: From<StoreError>>(&mut self, result: Result<T, E>) -> Result<T, E> {
        self.nesting = Nesting::Idle;
        let outbox = self.deferred.take().unwrap_or_default();
        let committed = result.and_then(|value| {
            self.seqs.flush(&self.store)?;
            self.store
                .conn
                .execute_batch("COMMIT")
                .map_err(StoreError::from)?;
            Ok(value)
        });
        match committed {
            Ok(value) => {
                self.seqs.committed();
                for (user, seq, frame) in &outbox {
                    self.hub.send_event(*user, *seq, frame);
                }
                if let Some(cluster) = &self.cluster {
                    cluster.publish_events(&outbox);
                }
                Ok(value)
            }
            Err(e) => {
                self.seqs.rolled_back();
                if let Err(rollback) = self.store.conn.execute_batch("ROLLBACK") {
                    tracing::error!("rolling back a failed command: {rollback}");
                }
                Err(e)
            }
        }
    }

    /// A panic inside [`Core::atomically`] leaves its transaction open; the next user of
    /// the lock rolls it back so the half-done command is forgotten, not committed later.
    pub(crate) fn recover_after_panic(&mut self) {
        self.deferred = None;
        self.nesting = Nesting::Idle;
        self.seqs.rolled_back();
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
        let result = self.greeting_at(user, resume).and_then(|greeting| {
            let Some((frames, seq)) = greeting else {
                return Ok(None);
            };
            if self.cluster.is_some() {
                // Other nodes' events reach this one in any order; from here on the
                // connection takes each seq once and in order.
                self.hub.keep_order(user, conn, seq);
            }
            self.announce_online(user, first)?;
            // Only after the snapshot: these events have seqs above it, so they follow it.
            crate::delivery::deliver_on_connect(self, user)?;
            Ok(Some(frames))
        });
        match result {
            Ok(Some(frames)) => Ok(Some(Connected { user, conn, frames })),
            Ok(None) => {
                self.unregister_failed(user, conn);
                Ok(None)
            }
            Err(e) => {
                self.unregister_failed(user, conn);
                Err(e)
            }
        }
    }

    /// Forgets a connection that never got going; in a cluster also its record, if made.
    fn unregister_failed(&mut self, user: UserId, conn: ConnId) {
        if self.hub.unregister(user, conn) {
            if let Some(cluster) = &self.cluster {
                let _ = crate::cluster::mark_disconnected(&self.store, cluster.node(), user);
                cluster.left(user);
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
        Ok(self.greeting_at(user, resume)?.map(|(frames, _)| frames))
    }

    /// [`Core::greeting`] and the seq it brings the client up to.
    fn greeting_at(
        &self,
        user: UserId,
        resume: Option<&ResumePosition>,
    ) -> Result<Option<(Vec<String>, u64)>, StoreError> {
        let reset = match resume {
            None => None,
            Some(position) => match self.replay(user, position)? {
                Ok(replayed) => return Ok(Some(replayed)),
                Err(reason) => Some(reason),
            },
        };
        let Some(mut welcome) = self.welcome(user)? else {
            return Ok(None);
        };
        welcome.reset = reset;
        let seq = welcome.seq;
        let frame = serde_json::to_string(&ServerFrame::Welcome(Box::new(welcome)))?;
        Ok(Some((vec![frame], seq)))
    }

    /// The frames that bring a client at `position` up to date, or why that is impossible.
    fn replay(
        &self,
        user: UserId,
        position: &ResumePosition,
    ) -> Result<Result<(Vec<String>, u64), ResetReason>, StoreError> {
        if position.epoch != self.store.epoch() {
            return Ok(Err(ResetReason::EpochChanged));
        }
        let current = self.store.current_seq(user)?;
        if position.seq > current {
            return Ok(Err(ResetReason::TooOld));
        }
        // Another cluster node may commit more between the two reads; those follow live.
        let mut missed = self.store.events_after(user, position.seq)?;
        missed.retain(|(seq, _)| *seq <= current);
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
        Ok(Ok((frames, current)))
    }

    pub(crate) fn announce_online(&mut self, user: UserId, first: bool) -> Result<(), StoreError> {
        if !first {
            return Ok(());
        }
        let node = self.cluster.as_ref().map(|c| c.node().to_owned());
        let others: Vec<UserId> = self
            .hub
            .online_users()
            .into_iter()
            .filter(|u| *u != user)
            .collect();
        self.write(|tx| {
            if let Some(node) = &node {
                if !crate::cluster::mark_connected(tx.store, node, user)? {
                    return Ok(());
                }
            }
            tx.emit_to(
                &others,
                &Event::Presence {
                    user_id: user,
                    presence: Presence::Online,
                    last_seen: None,
                },
            )
        })?;
        if let Some(cluster) = &self.cluster {
            cluster.joined(user);
        }
        Ok(())
    }

    /// Drops the connection; on the user's last one, records last_seen and tells the others.
    pub fn disconnect(&mut self, user: UserId, conn: ConnId) -> Result<(), StoreError> {
        if !self.hub.unregister(user, conn) {
            return Ok(());
        }
        let node = self.cluster.as_ref().map(|c| c.node().to_owned());
        let others = self.hub.online_users();
        let written = self.write(|tx| {
            if let Some(node) = &node {
                if !crate::cluster::mark_disconnected(tx.store, node, user)? {
                    return Ok(());
                }
            }
            tx.announce_offline(user, &others)
        });
        if let Some(cluster) = &self.cluster {
            cluster.left(user);
        }
        written
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
        let contact_center = if self.store.is_agent(user)? {
            let agents = self.store.agents_with_load(None)?;
            Some(
                self.config
                    .contact_center
                    .for_agents(agents.into_iter().map(|(id, _)| id).collect()),
            )
        } else {
            None
        };
        Ok(Some(Welcome {
            contact_center,
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
                spell_check: true,
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
