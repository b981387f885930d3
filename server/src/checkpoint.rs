//! WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs in the
//! connection that commits: the writer thread copied the log back into the database file,
//! and fsynced it, every few batches. Here a second connection does that while the writer
//! goes on committing.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{mpsc, watch};

/// Short enough that the log stays a few megabytes under a steady load.
const INTERVAL: Duration = Duration::from_millis(200);

/// `alive` is held until the thread has closed its connection, so a shutdown that waits
/// for it leaves the file free to reopen.
pub fn spawn(
    db: PathBuf,
    mut shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("messenger-checkpoint".into())
        .spawn(move || {
            let _alive = alive;
            let conn = match Connection::open(&db) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!("checkpoints: opening {}: {e}", db.display());
                    return;
                }
            };
            while !stopping(&mut shutdown) {
                std::thread::sleep(INTERVAL);
                // PASSIVE never waits for the writer: what it cannot copy now, it copies
                // next time.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("checkpoint: {e}");
                }
            }
        })?;
    Ok(())
}

fn stopping(shutdown: &mut watch::Receiver<bool>) -> bool {
    *shutdown.borrow_and_update()
}
