//! The tasks of a cluster node: publishing, the two subscriptions, the heartbeat that also
//! reaps dead nodes, and the gap filler.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use messenger_protocol::{Event, UserId};
use tokio::sync::{mpsc, Notify};

use super::{new_node_id, registry, Change, ClusterConfig, Link, FRAMES, PRESENCE};
use crate::app::{now_ms, App, Core, Tx};
use crate::store::{Store, StoreError};
use crate::Error;

/// A node connected to the bus, before the App exists.
pub struct Bus {
    client: async_nats::Client,
    frames: async_nats::Subscriber,
    presence: async_nats::Subscriber,
    outgoing: mpsc::UnboundedReceiver<(&'static str, Bytes)>,
    config: ClusterConfig,
    /// Told when frames may have been lost: a reconnect, or this node reading too slowly.
    lost: Arc<Notify>,
}

/// Connects to NATS, subscribes, registers this node and loads who is connected where.
/// Subscribing first means no presence change is missed between the load and the stream.
pub async fn connect(
    config: &ClusterConfig,
    store: &Store,
) -> Result<(Link, Bus, Vec<(String, i64)>), Error> {
    let lost = Arc::new(Notify::new());
    let told = lost.clone();
    let client = async_nats::ConnectOptions::new()
        // A node hears only the others: its own frames were delivered before publishing.
        .no_echo()
        .event_callback(move |event| {
            let told = told.clone();
            async move {
                match event {
                    async_nats::Event::Connected | async_nats::Event::SlowConsumer(_) => {
                        tracing::info!("bus: {event}; catching up every connection");
                        told.notify_one();
                    }
                    async_nats::Event::Disconnected => tracing::warn!("bus: {event}"),
                    _ => {}
                }
            }
        })
        .connect(config.bus_url.as_str())
        .await
        .map_err(|e| format!("connecting to the bus at {}: {e}", config.bus_url))?;
    let frames = client.subscribe(FRAMES).await?;
    let presence = client.subscribe(PRESENCE).await?;
    client.flush().await?;
    let node = new_node_id();
    registry::prepare(store, &node, now_ms())?;
    let elsewhere = registry::elsewhere(store, &node)?;
    let (tx, outgoing) = mpsc::unbounded_channel();
    tracing::info!("cluster node {node} on the bus at {}", config.bus_url);
    Ok((
        Link {
            node,
            outgoing: tx,
            leader: Default::default(),
        },
        Bus {
            client,
            frames,
            presence,
            outgoing,
            config: config.clone(),
            lost,
        },
        elsewhere,
    ))
}

/// Hands each message of `subscription` to `handle` under the server lock, until the
/// server is gone.
fn listen(
    app: &Arc<App>,
    mut subscription: async_nats::Subscriber,
    what: &'static str,
    handle: fn(&mut Core, &str),
) {
    let weak = Arc::downgrade(app);
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let Some(app) = weak.upgrade() else { return };
            match std::str::from_utf8(&message.payload) {
                Ok(text) => handle(&mut app.lock(), text),
                Err(_) => tracing::warn!("ignoring a cluster {what} that is not UTF-8"),
            }
        }
    });
}

impl Bus {
    pub fn spawn(self, app: &Arc<App>) {
        let Bus {
            client,
            frames,
            presence,
            mut outgoing,
            config,
            lost,
        } = self;
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((subject, payload)) = outgoing.recv().await {
                if let Err(e) = publisher.publish(subject, payload).await {
                    tracing::error!("publishing to the bus: {e}");
                }
            }
        });
        listen(app, frames, "frame", Core::deliver_remote);
        listen(app, presence, "presence message", Core::apply_change);
        let weak = Arc::downgrade(app);
        let mut shutdown = app.shutdown.clone();
        // The heartbeat has a connection of its own, outside the server lock and the
        // cluster's write lock: a node busy with a long write must not stop beating and be
        // taken for dead (which made the others send all its users offline, then back).
        let beats = app
            .config
            .postgres_url
            .as_deref()
            .map(Store::open_postgres)
            .transpose();
        tokio::spawn(async move {
            let beats = match beats {
                Ok(Some(beats)) => beats,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!("cluster heartbeat: no connection of its own: {e}");
                    return;
                }
            };
            let mut tick = tokio::time::interval(config.heartbeat);
            let mut node = None;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.wait_for(|stopping| *stopping) => return,
                }
                let Some(app) = weak.upgrade() else { return };
                // Read once: beating must not wait for the server lock.
                if node.is_none() {
                    node = app.lock().cluster.as_ref().map(|c| c.node().to_owned());
                }
                let Some(node) = &node else { continue };
                if let Err(e) = heartbeat(&app, &beats, node, config.node_timeout) {
                    tracing::error!("cluster heartbeat: {e}");
                }
            }
        });
        let weak = Arc::downgrade(app);
        tokio::spawn(async move {
            loop {
                lost.notified().await;
                let Some(app) = weak.upgrade() else { return };
                let caught_up = app.lock().catch_up_everyone();
                if let Err(e) = caught_up {
                    tracing::error!("catching up after a bus interruption: {e}");
                }
            }
        });
        let weak = Arc::downgrade(app);
        let mut shutdown = app.shutdown.clone();
        let gap_wait = config.gap_wait;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap_wait / 4);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.wait_for(|stopping| *stopping) => return,
                }
                let Some(app) = weak.upgrade() else { return };
                let filled = app.lock().fill_gaps(gap_wait);
                if let Err(e) = filled {
                    tracing::error!("filling a gap in an event stream: {e}");
                }
            }
        });
    }
}

/// Says this node is alive, and reaps nodes that stopped saying so: the one node whose
/// DELETE removes a dead node's row tells everyone its users went offline, in the same
/// transaction, so it happens once.
fn heartbeat(app: &App, beats: &Store, node: &str, timeout: Duration) -> Result<(), StoreError> {
    let now = crate::app::now_ms();
    let alive = registry::beat(beats, node, now)?;
    let cutoff = now - timeout.as_millis() as i64;
    if alive && !registry::any_silent_since(beats, cutoff)? {
        let elsewhere = registry::elsewhere(beats, node)?;
        app.lock().hub.replace_remote(elsewhere);
        return Ok(());
    }
    let mut core = app.lock();
    let (dead, rejoined) = core.write(|tx| {
        let rejoined = if alive { Vec::new() } else { rejoin(tx, node)? };
        let reaped = registry::reap(tx.store, cutoff)?;
        let mut gone = Vec::new();
        for (_, users) in &reaped {
            for &user in users {
                if !tx.hub.is_online_here(user) && !registry::connected(tx.store, user)? {
                    gone.push(user);
                }
            }
        }
        if !gone.is_empty() {
            let others: Vec<_> = tx
                .hub
                .online_users()
                .into_iter()
                .filter(|u| !gone.contains(u))
                .collect();
            for &user in &gone {
                tx.announce_offline(user, &others)?;
            }
        }
        Ok::<_, StoreError>((reaped, rejoined))
    })?;
    for (dead_node, _) in dead {
        tracing::warn!("cluster node {dead_node} stopped; its users are offline");
        core.hub.forget_node(&dead_node);
        if let Some(link) = &core.cluster {
            link.publish_change(&dead_node, Change::Gone, 0);
        }
    }
    if let Some(link) = &core.cluster {
        for user in rejoined {
            link.publish_change(node, Change::Join, user);
        }
    }
    // NATS delivers at most once: a presence change lost on the way (a reconnect) is
    // corrected from the record at the next beat.
    let elsewhere = registry::elsewhere(&core.store, node)?;
    core.hub.replace_remote(elsewhere);
    Ok(())
}

/// This node's row was gone: the others took it for dead and sent its users offline. It
/// records their connections again and says they are back.
fn rejoin(tx: &mut Tx<'_>, node: &str) -> Result<Vec<UserId>, StoreError> {
    let users: Vec<UserId> = tx
        .hub
        .online_users()
        .into_iter()
        .filter(|&u| tx.hub.is_online_here(u))
        .collect();
    if users.is_empty() {
        return Ok(users);
    }
    tracing::warn!("cluster node {node} was taken for dead; rejoining");
    let everyone = tx.hub.online_users();
    for &user in &users {
        registry::add(tx.store, node, user)?;
        let others: Vec<UserId> = everyone.iter().copied().filter(|&u| u != user).collect();
        tx.emit_to(
            &others,
            &Event::Presence {
                user_id: user,
                presence: tx.hub.presence(user),
                last_seen: None,
            },
        )?;
    }
    Ok(users)
}
