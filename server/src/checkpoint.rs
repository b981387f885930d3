//! WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs in the
//! connection that commits: the writer thread copied the log back into the database file,
//! and fsynced it, every few batches. Here a second connection does that while the writer
//! goes on committing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{mpsc, watch};

use crate::app::App;

/// Short enough that the log stays a few megabytes under a steady load.
const INTERVAL: Duration = Duration::from_millis(200);
/// A log this long (about 16 MB) is brought back to its start.
const RESTART_FRAMES: i64 = 4096;
/// What may be left to copy while the writer is held back.
const HELD_FRAMES: i64 = 256;
/// The log file is cut back to this after it starts over.
pub const LOG_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// `alive` is held until the thread has closed its connection, so a shutdown that waits
/// for it leaves the file free to reopen.
pub fn spawn(
    db: PathBuf,
    app: Arc<App>,
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
                if let Err(e) = checkpoint(&conn, &app) {
                    tracing::warn!("checkpoint: {e}");
                }
            }
        })?;
    Ok(())
}

/// PASSIVE never waits for the writer: what it cannot copy now, it copies next time. But
/// the log only starts over when the writer begins a transaction with every frame copied,
/// and under a steady load the writer always has frames the last pass did not see: the log
/// grew without end (1.6 GB in the bench's 14 s) and every write landed past the end of the
/// file, which the file system had to allocate and zero first. So once the log is long,
/// passes copy what they can until little is left, and the last one holds the writer back
/// between two batches, so its next transaction starts the log over.
fn checkpoint(conn: &Connection, app: &App) -> rusqlite::Result<()> {
    let (mut log, mut copied) = passive(conn)?;
    if log < RESTART_FRAMES {
        return Ok(());
    }
    for _ in 0..8 {
        if log - copied <= HELD_FRAMES {
            break;
        }
        (log, copied) = passive(conn)?;
    }
    let _writer = app.lock();
    passive(conn)?;
    Ok(())
}

/// The log's length and how much of it is copied into the database, in frames.
fn passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

fn stopping(shutdown: &mut watch::Receiver<bool>) -> bool {
    *shutdown.borrow_and_update()
}
