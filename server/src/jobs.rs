//! Background jobs: they run for the life of the server and stop with it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use crate::app::App;

/// Keeps a zero period from spinning (or tokio's interval from refusing it).
const MIN_PERIOD: Duration = Duration::from_millis(10);

/// Runs `job` now and then every `period` until the server stops, even halfway through a
/// run that awaits. A run that takes longer than `period` delays the next one rather than
/// making several follow at once.
pub async fn every<F, Fut>(app: &App, period: Duration, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut shutdown = app.shutdown.clone();
    let mut ticks = tokio::time::interval(period.max(MIN_PERIOD));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            _ = ticks.tick() => {}
        }
        tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => return,
            () = job() => {}
        }
    }
}

pub fn spawn_all(app: &Arc<App>) {
    tokio::spawn(crate::expiry::run(app.clone()));
    tokio::spawn(crate::attachments::sweep::run(app.clone()));
    tokio::spawn(crate::mail::run(app.clone()));
    tokio::spawn(crate::notifications::run_reminders(app.clone()));
    tokio::spawn(crate::contact_center::run_gateway(app.clone()));
    tokio::spawn(crate::contact_center::run_inactivity(app.clone()));
}
