//! Background jobs: they run for the life of the server and stop with it.

use std::sync::Arc;

use crate::app::App;

pub fn spawn_all(app: &Arc<App>) {
    tokio::spawn(crate::expiry::run(app.clone()));
    tokio::spawn(crate::attachments::sweep::run(app.clone()));
    tokio::spawn(crate::mail::run(app.clone()));
    tokio::spawn(crate::notifications::run_reminders(app.clone()));
}
