//! Reference backend for messenger-widget: the WebSocket protocol of `messenger-protocol`
//! served by axum, with everything stored in one SQLite file.
//!
//! [`start`] binds and serves in the background, so tests run it in-process on port 0.

mod app;
mod attachments;
mod auth;
mod checkpoint;
mod cluster;
mod commands;
mod contact_center;
mod conversations;
mod db;
mod delivery;
mod demo;
mod expiry;
mod fallback;
mod http;
mod hub;
mod intranet;
mod jobs;
mod mail;
mod mailbox;
mod notifications;
mod portal;
mod schema;
mod secret;
mod seqs;
mod settings;
mod spelling;
mod store;
#[cfg(test)]
mod test_core;
#[doc(hidden)]
pub mod test_support;
mod throttle;
mod unread;
mod web;
mod writer;
mod ws;

/// How much one read from a WebSocket takes at most (see `ws.rs`); the bench's clients
/// and ceiling use the same.
pub use ws::READ_BUFFER as WS_READ_BUFFER;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use cluster::{ClusterConfig, WRITE_LOCK as CLUSTER_WRITE_LOCK};
pub use contact_center::{
    parse_dispositions, ContactCenterConfig, FolderGateway, Gateway, InboundSecret,
    OutboundMessage, SharedGateway, MIN_SECRET_BYTES as MIN_INBOUND_SECRET_BYTES,
};
pub use db::is_postgres_url;
pub use demo::DEMO_PASSWORD;
pub use portal::{PortalSecret, MIN_SECRET_BYTES as MIN_PORTAL_SECRET_BYTES};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// The SQLite file, created with its parent directory if missing. Unused with
    /// `postgres_url`, but its folder still holds mail and attachments by default.
    pub db_path: PathBuf,
    /// `postgres://…`: the store is on this PostgreSQL database instead.
    pub postgres_url: Option<String>,
    /// The built widget; without it, non-API paths answer 404 with a hint.
    pub static_dir: Option<PathBuf>,
    /// Seed the demo organisation, only ever into a database without users.
    pub seed_demo: bool,
    /// With `seed_demo`: this many messages between Alice and Bob (tests, screenshots).
    pub demo_history: u32,
    /// Store messages to offline users and deliver them later. An administrator may turn
    /// this off; a direct message to an offline user is then refused (`recipient_offline`).
    pub forwarding: bool,
    /// Unread messages older than this are removed.
    pub message_lifetime: Duration,
    /// How often the expiry job looks for such messages (and the orphan job for unsent
    /// uploads).
    pub expiry_interval: Duration,
    /// Uploads no message claimed within this long are deleted.
    pub orphan_grace: Duration,
    pub mail: MailConfig,
    /// Uploaded images and their thumbnails.
    pub attachments_dir: PathBuf,
    /// Sizes and command rates announced in the welcome and enforced per connection.
    pub limits: messenger_protocol::Limits,
    /// How often the reminders job looks for due reminders.
    pub reminder_interval: Duration,
    /// The key portal tokens are signed with; without it `POST /api/portal-login` is off.
    pub portal_secret: Option<PortalSecret>,
    /// Static pages served at `/intranet/` (the demo intranet).
    pub demo_intranet: Option<PathBuf>,
    /// Run as one node of a cluster: needs `postgres_url`, shared by all nodes.
    pub cluster: Option<ClusterConfig>,
    /// Hunspell dictionaries (`en_US.aff`/`.dic`, …) for `check_spelling`.
    pub dictionaries_dir: PathBuf,
    /// Agents, interactions with external contacts, the inbound webhook and the gateway.
    pub contact_center: ContactCenterConfig,
}

/// Where notification e-mails go.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `smtp://[user:pass@]host[:port]`: plain SMTP, for a relay on loopback (no TLS stack
    /// is built in). Without it, each mail is written as an `.eml` file into `outbox_dir`.
    pub smtp_url: Option<String>,
    pub outbox_dir: PathBuf,
    pub from: String,
    /// How often the mail job runs (the "Notifications" job of the AMODIT document).
    pub interval: Duration,
    /// What one of a user's `digest_minutes` lasts: a minute, except in tests.
    pub digest_unit: Duration,
}

impl Config {
    /// The defaults for a database at `db_path`: data files live beside it.
    pub fn new(addr: SocketAddr, db_path: PathBuf) -> Config {
        let data_dir = db_path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        Config {
            addr,
            static_dir: None,
            seed_demo: true,
            demo_history: 0,
            forwarding: true,
            message_lifetime: Duration::from_secs(7 * 24 * 3600),
            expiry_interval: Duration::from_secs(60),
            orphan_grace: Duration::from_secs(24 * 3600),
            mail: MailConfig {
                smtp_url: None,
                outbox_dir: data_dir.join("mail"),
                from: "Messenger <messenger@localhost>".into(),
                interval: Duration::from_secs(60),
                digest_unit: Duration::from_secs(60),
            },
            attachments_dir: data_dir.join("attachments"),
            limits: messenger_protocol::Limits::default(),
            reminder_interval: Duration::from_secs(5),
            portal_secret: None,
            demo_intranet: None,
            cluster: None,
            dictionaries_dir: PathBuf::from(spelling::DEFAULT_DIR),
            contact_center: ContactCenterConfig::new(data_dir.join("outbound")),
            db_path,
            postgres_url: None,
        }
    }
}

/// A server bound and serving. Dropping it starts the same shutdown as
/// [`RunningServer::shutdown`] without waiting for it to finish.
pub struct RunningServer {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    serve: JoinHandle<std::io::Result<()>>,
    /// Yields `None` once the App, and with it the database connection, is gone.
    app_gone: mpsc::Receiver<()>,
}

/// Opens (or creates) the database, seeds it if asked, binds `config.addr` and starts
/// serving in a background task.
pub async fn start(config: Config) -> Result<RunningServer, Error> {
    if config.cluster.is_some() && config.postgres_url.is_none() {
        return Err(
            "a cluster (--bus) needs a PostgreSQL database (--database postgres://…) \
                    that all its nodes share"
                .into(),
        );
    }
    config.contact_center.check()?;
    let mut store = match &config.postgres_url {
        Some(url) => store::Store::open_postgres(url)?,
        None => {
            if let Some(parent) = config.db_path.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            store::Store::open(&config.db_path)?
        }
    };
    if config.seed_demo && !store.has_users()? {
        demo::seed(&store, app::now_ms(), config.demo_history)?;
        tracing::info!("seeded the demo organisation");
    }
    contact_center::prepare_store(&mut store, &config.contact_center)?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let (alive, app_gone) = mpsc::channel(1);
    if config.postgres_url.is_none() {
        let restart = store.leave_checkpoints_to_another_connection()?;
        checkpoint::spawn(
            config.db_path.clone(),
            restart,
            shutdown_rx.clone(),
            alive.clone(),
        )?;
    }
    let (link, bus, elsewhere) = match &config.cluster {
        Some(cluster) => {
            let (link, bus, elsewhere) = cluster::connect(cluster, &store).await?;
            (Some(link), Some(bus), elsewhere)
        }
        None => (None, None, Vec::new()),
    };
    let app = Arc::new(app::App::new(
        store,
        config.clone(),
        shutdown_rx.clone(),
        alive,
        link,
    )?);
    if let Some(bus) = bus {
        let mut core = app.lock();
        for (node, user) in elsewhere {
            core.hub.set_remote(user, &node, true);
        }
        drop(core);
        bus.spawn(&app);
    }
    jobs::spawn_all(&app);

    let listener = TcpListener::bind(config.addr).await?;
    let local_addr = listener.local_addr()?;
    // Small frames go out at once: with Nagle's algorithm on, an ack waited for the client's
    // delayed ACK, about 40 ms a round trip on Linux.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("TCP_NODELAY not set on a connection: {e}");
        }
    });
    let router = http::router(app);
    let mut stop = shutdown_rx;
    let serve = tokio::spawn(async move {
        // The peer address counts failed logins per client.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            })
            .await
    });
    Ok(RunningServer {
        local_addr,
        shutdown,
        serve,
        app_gone,
    })
}

impl RunningServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `signal` completes, then shuts down gracefully. Returns early with the
    /// error if the server fails on its own.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        tokio::select! {
            () = signal => self.shutdown().await,
            served = &mut self.serve => Ok(served??),
        }
    }

    /// Stops accepting, closes every WebSocket with 1001 (going away) and returns once all
    /// connections are gone and the database is closed, so the same file can be reopened.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        let _ = self.shutdown.send(true);
        let served = (&mut self.serve).await;
        while self.app_gone.recv().await.is_some() {}
        Ok(served??)
    }
}
