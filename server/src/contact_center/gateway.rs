//! Agents' replies to contacts: `send_message` puts each into `outbound_queue` in its own
//! transaction; this job hands the queue to the [`Gateway`] and marks a reply sent once
//! the gateway took it. A reply stays queued across restarts until then.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use messenger_protocol::{Attachment, ContactChannel, MessageId};
use serde::Serialize;

use crate::app::{now_ms, App};

/// Replies handed over per run; the rest wait for the next run.
const BATCH: u32 = 100;

/// One reply as a gateway receives it (and as the folder gateway writes it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutboundMessage {
    pub message_id: MessageId,
    pub channel: ContactChannel,
    /// The contact's address: an E.164 number, or a web visitor's id.
    pub to: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

/// Where replies leave the server: an SMS provider's API, a web chat's front end.
///
/// `deliver` runs on a blocking thread. After a crash between a delivery and its being
/// recorded, the same reply (same `message_id`) is delivered again: a gateway that can
/// tell (as [`FolderGateway`] does) keeps it from reaching the contact twice.
pub trait Gateway: Send + Sync + 'static {
    /// `Ok` once the reply is taken; an error keeps it queued for the next run.
    fn deliver(&self, message: &OutboundMessage) -> Result<(), String>;
}

/// A [`Gateway`] in the configuration (which is `Clone` and `Debug`).
#[derive(Clone)]
pub struct SharedGateway(pub Arc<dyn Gateway>);

impl std::fmt::Debug for SharedGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedGateway(..)")
    }
}

/// The default gateway: one `<message_id>.json` file per reply in a folder, like the mail
/// job's `.eml` files. A file is written under a hidden temporary name and renamed, so a
/// reader of the folder never sees half of one; a reply whose file is already there is not
/// written again.
pub struct FolderGateway {
    dir: PathBuf,
}

impl FolderGateway {
    pub fn new(dir: PathBuf) -> FolderGateway {
        FolderGateway { dir }
    }

    pub fn file_of(dir: &Path, message: MessageId) -> PathBuf {
        dir.join(format!("{message}.json"))
    }
}

impl Gateway for FolderGateway {
    fn deliver(&self, message: &OutboundMessage) -> Result<(), String> {
        let target = FolderGateway::file_of(&self.dir, message.message_id);
        if target.exists() {
            return Ok(());
        }
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let temporary = self.dir.join(format!(".{}.json.tmp", message.message_id));
            let json = serde_json::to_vec_pretty(message)?;
            {
                use std::io::Write;
                let mut file = std::fs::File::create(&temporary)?;
                file.write_all(&json)?;
                file.sync_all()?;
            }
            std::fs::rename(&temporary, &target)
        };
        write().map_err(|e| format!("writing {}: {e}", target.display()))
    }
}

/// The gateway job: runs on one node of a cluster, like the mail job.
pub async fn run(app: Arc<App>) {
    let config = &app.config.contact_center;
    let gateway: Arc<dyn Gateway> = match &config.gateway {
        Some(gateway) => gateway.0.clone(),
        None => Arc::new(FolderGateway::new(config.gateway_dir.clone())),
    };
    let app = &*app;
    crate::jobs::every(app, config.gateway_interval, || {
        deliver_due(app, gateway.clone())
    })
    .await;
}

async fn deliver_due(app: &App, gateway: Arc<dyn Gateway>) {
    if !app.lock().leads_cluster_jobs() {
        return;
    }
    let pending = match app.lock().store.pending_replies(BATCH) {
        Ok(pending) => pending,
        Err(e) => {
            tracing::error!("gateway job: reading the queue: {e}");
            return;
        }
    };
    for reply in pending {
        let outbound = OutboundMessage {
            message_id: reply.message.id,
            channel: reply.channel,
            to: reply.address,
            text: reply.message.text,
            attachments: reply.message.attachments,
        };
        let id = outbound.message_id;
        let gateway = gateway.clone();
        let delivered = tokio::task::spawn_blocking(move || gateway.deliver(&outbound)).await;
        let delivered = delivered.unwrap_or_else(|e| Err(format!("the gateway stopped: {e}")));
        let core = app.lock();
        match delivered {
            Ok(()) => {
                if let Err(e) = core.store.mark_reply_sent(id, now_ms()) {
                    tracing::error!("gateway job: marking reply {id} sent: {e}");
                }
            }
            Err(e) => {
                // The gateway is down or refusing: the others would fare no better now.
                tracing::warn!("gateway refused reply {id}, kept queued: {e}");
                if let Err(e) = core.store.count_reply_attempt(id) {
                    tracing::error!("gateway job: counting an attempt: {e}");
                }
                return;
            }
        }
    }
}
