//! Uploads nobody sent: after `Config.orphan_grace` their rows and files are deleted. (The
//! files of expired messages go with them in the expiry job, see `expiry.rs`.)

use std::sync::Arc;
use std::time::Duration;

use crate::app::{App, Core};
use crate::store::StoreError;

pub async fn run(app: Arc<App>) {
    let app = &*app;
    crate::jobs::every(app, app.config.expiry_interval, || async {
        let removed = delete_orphans(&mut app.lock(), app.config.orphan_grace);
        match removed {
            // The rows are gone and committed: no reader can be served these files any
            // more, so removing them outside the lock is safe.
            Ok(ids) => {
                for id in ids {
                    super::disk::remove_files(&app.config.attachments_dir, &id);
                }
            }
            Err(e) => tracing::error!("orphan attachments job: {e}"),
        }
    })
    .await;
}

/// Deletes the rows of uploads older than `grace` that no message claimed; returns their
/// ids so the caller removes the files.
pub fn delete_orphans(core: &mut Core, grace: Duration) -> Result<Vec<String>, StoreError> {
    core.write(|tx| {
        let grace = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        tx.store.delete_orphans(tx.now.saturating_sub(grace))
    })
}
