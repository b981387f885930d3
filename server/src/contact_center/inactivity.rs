//! Session-mode interactions close after `session_timeout` without a message from the
//! contact or an agent, with a warning line `session_warning` before. Page mode never
//! times out. Runs on every node of a cluster: the writes are serialized, and a warning or
//! a close already made is not made again.

use std::sync::Arc;

use messenger_protocol::SystemEvent;

use super::commands::finish;
use super::{line, millis, NOBODY};
use crate::app::{App, Core};
use crate::store::StoreError;

pub async fn run(app: Arc<App>) {
    let app = &*app;
    let interval = app.config.contact_center.inactivity_interval;
    crate::jobs::every(app, interval, || async {
        if let Err(e) = run_once(&mut app.lock()) {
            tracing::error!("inactivity job: {e}");
        }
    })
    .await;
}

/// One pass: warns the sessions due a warning, closes those due to close.
pub fn run_once(core: &mut Core) -> Result<(), StoreError> {
    let timeout = millis(core.config.contact_center.session_timeout);
    let warning = millis(core.config.contact_center.session_warning);
    let minutes = (timeout + 59_999) / 60_000;
    core.write(|tx| {
        if warning > 0 {
            for row in tx.store.sessions_to_warn(tx.now - (timeout - warning))? {
                // Due to close in this same pass: the `closed` line says it all.
                if row.last_activity <= tx.now - timeout {
                    continue;
                }
                if !tx.store.mark_warned(row.conversation)? {
                    continue;
                }
                let closes_at = row.last_activity + timeout;
                let left = ((closes_at - tx.now).max(0) + 59_999) / 60_000;
                let text = format!(
                    "No message for a while: this interaction closes in {left} min \
                     unless someone writes"
                );
                let event = SystemEvent::InactivityWarning { closes_at };
                line(tx, row.conversation, NOBODY, event, &text)?;
            }
        }
        for row in tx.store.sessions_to_close(tx.now - timeout)? {
            let text = format!("Closed after {minutes} min without a message");
            finish(tx, &row, None, None, &text)?;
        }
        Ok(())
    })
}
