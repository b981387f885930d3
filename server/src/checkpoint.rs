//! WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs in the
//! connection that commits: the writer thread copied the log back into the database file,
//! and fsynced it, every few batches. Here a second connection does that while the writer
//! goes on committing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{mpsc, watch};

/// Short enough that the log stays a few megabytes under a steady load.
const INTERVAL: Duration = Duration::from_millis(200);
/// A log this long (about 16 MB) is brought back to its start.
const RESTART_FRAMES: i64 = 4096;
/// The log file is cut back to this after it starts over.
pub const LOG_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// `restart` is the writer's flag ([`crate::store::Store::restart_log_if_wanted`]).
/// `alive` is held until the thread has closed its connection, so a shutdown that waits
/// for it leaves the file free to reopen.
pub fn spawn(
    db: PathBuf,
    restart: Arc<AtomicBool>,
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
                if let Err(e) = checkpoint(&conn, RESTART_FRAMES, &restart) {
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
/// the writer is asked to copy the rest between two batches, so that its next transaction
/// starts the log over.
fn checkpoint(
    conn: &Connection,
    restart_frames: i64,
    restart: &AtomicBool,
) -> rusqlite::Result<()> {
    let (log, _) = passive(conn)?;
    if log < restart_frames {
        return Ok(());
    }
    // What the writer added while that pass copied the bulk is left for the writer: more
    // passes here would let it add as much again each time.
    restart.store(true, Ordering::Release);
    // No pass of this connection while the writer copies the rest: the two would take
    // turns failing to, and the log would go on growing.
    for _ in 0..1000 {
        if !restart.load(Ordering::Acquire) {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that never pauses (as under a steady load) still gets a log that starts
    /// over: the file stays near the restart length instead of growing with every write.
    #[test]
    fn the_log_starts_over_under_a_writer_that_never_pauses() {
        let (store, file) = crate::store::tests::temp_store("checkpoint");
        let path = file.path().to_owned();
        let restart = store.leave_checkpoints_to_another_connection().unwrap();
        store
            .conn
            .execute_batch("CREATE TABLE t (b BLOB NOT NULL)")
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let writer = {
            let done = done.clone();
            std::thread::spawn(move || {
                // 96 MB through the log, 64 KB a transaction, back to back, as the
                // writer thread commits its batches.
                for _ in 0..1536 {
                    store.conn.execute_batch("BEGIN").unwrap();
                    for _ in 0..16 {
                        store
                            .conn
                            .execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                            .unwrap();
                    }
                    store.conn.execute_batch("COMMIT").unwrap();
                    store.restart_log_if_wanted().unwrap();
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let conn = Connection::open(&path).unwrap();
        let wal = path.with_extension("sqlite3-wal");
        let mut longest = 0;
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
            // 256 frames: about 1 MB.
            checkpoint(&conn, 256, &restart).unwrap();
            longest = longest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        writer.join().unwrap();
        assert!(longest > 0, "the log was seen");
        // Without the restart the file grows to more than what was written.
        assert!(
            longest < 48 << 20,
            "the log file reached {longest} bytes for 96 MB written"
        );
    }
}
