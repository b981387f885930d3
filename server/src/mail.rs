//! E-mail notifications: immediate, or one digest per window.
//!
//! Causes (a message, a notification) put items into `mail_queue` inside their own
//! transaction, if the user gets mail at all. The mail job then turns due items into mails
//! every `config.mail.interval` and marks them sent only once the relay (or the outbox
//! folder) accepted the mail, so nothing is lost and, barring a crash between the two
//! steps, nothing is sent twice.

mod compose;
mod queue;
mod transport;

use std::sync::Arc;

use messenger_protocol::{ConversationId, EmailMode, UserId};

use crate::app::{now_ms, App, Tx};
use crate::store::StoreError;

pub use transport::Transport;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Message,
    Notification,
}

/// Something a user should hear about by e-mail.
#[derive(Clone, Debug)]
pub struct MailItem {
    pub kind: ItemKind,
    pub conversation_id: Option<ConversationId>,
    /// How the recipient knows the conversation ("Engineering").
    pub conversation_label: Option<String>,
    /// The item as one line of a digest.
    pub line: String,
    /// The item as a mail of its own.
    pub subject: String,
    pub body: String,
}

/// Queues `item` for `user` unless their e-mail mode is off or they have no address. The
/// mode in force now decides how the item goes out, even if the user changes it later.
pub fn enqueue(tx: &mut Tx<'_>, user: UserId, item: MailItem) -> Result<(), StoreError> {
    match mode(tx, user)? {
        Some(mode) => tx.store.queue_mail(user, mode, &item, tx.now),
        None => Ok(()),
    }
}

/// How `user` wants their mail, or `None` if they get none: callers skip composing an item
/// nobody will send (most users of a busy server, for most messages).
pub fn mode(tx: &Tx<'_>, user: UserId) -> Result<Option<EmailMode>, StoreError> {
    if !tx.store.has_email(user)? {
        return Ok(None);
    }
    let mode = tx.store.settings(user)?.email_mode;
    Ok((mode != EmailMode::Off).then_some(mode))
}

/// The mail job. It stops with the server; a mail being sent then is sent again on the
/// next start (with the same Message-ID, so a receiver can tell).
pub async fn run(app: Arc<App>) {
    let transport = match Transport::new(&app.config.mail) {
        Ok(transport) => transport,
        Err(e) => {
            tracing::error!("mail job not started: {e}");
            return;
        }
    };
    let (app, transport) = (&*app, &transport);
    crate::jobs::every(app, app.config.mail.interval, || send_due(app, transport)).await;
}

async fn send_due(app: &App, transport: &Transport) {
    if !app.lock().leads_cluster_jobs() {
        return;
    }
    let pending = match app.lock().store.pending_mail() {
        Ok(pending) => pending,
        Err(e) => {
            tracing::error!("mail job: reading the queue: {e}");
            return;
        }
    };
    let now = now_ms();
    for mail in compose::due_mails(pending, now, app.config.mail.digest_unit) {
        let message = match compose::build(&mail, &app.config.mail.from) {
            Ok(message) => message,
            Err(e) => {
                // Stays queued: fixing the address (or the From setting) lets it go out.
                tracing::error!("mail to user {}: {e}", mail.user);
                continue;
            }
        };
        match transport.send(message, mail.item_ids[0]).await {
            Ok(()) => {
                if let Err(e) = app.lock().store.mark_mail_sent(&mail.item_ids, now_ms()) {
                    tracing::error!("mail job: marking mail sent: {e}");
                }
            }
            Err(e) if e.try_others => {
                tracing::warn!(
                    "mail to user {} refused, kept queued: {}",
                    mail.user,
                    e.text
                );
            }
            Err(e) => {
                // The relay is unreachable: the rest would fail too; all wait for next run.
                tracing::warn!("mail relay unavailable, kept queued: {}", e.text);
                return;
            }
        }
    }
}
