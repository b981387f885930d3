//! The writer thread: commands that change something run here in batches, one transaction
//! and one commit per batch (group commit), so a busy server writes its log once for many
//! commands instead of once each.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use messenger_protocol::{ClientFrame, CommandId, ErrorCode, ServerFrame, UserId};
use tokio::sync::{mpsc, oneshot};

use crate::app::CoreCell;
use crate::commands;

/// The most commands one transaction takes: bounds how long a batch holds the lock, and so
/// how long an HTTP request or a connecting client waits behind it.
const MAX_BATCH: usize = 128;

struct Job {
    user: UserId,
    frame: ClientFrame,
    reply: oneshot::Sender<ServerFrame>,
}

/// Hands commands to the writer thread. The thread ends once every `Submit` is dropped.
pub struct Submit(mpsc::UnboundedSender<Job>);

impl Submit {
    pub async fn run(&self, user: UserId, frame: ClientFrame) -> ServerFrame {
        let id = frame.command_id().map(str::to_owned);
        let (reply, answer) = oneshot::channel();
        if self.0.send(Job { user, frame, reply }).is_err() {
            return internal(id);
        }
        answer.await.unwrap_or_else(|_| internal(id))
    }
}

/// `alive` is held until the thread ends: the server's shutdown waits for it, so the
/// database is closed before the same file may be reopened.
pub fn spawn(core: Arc<CoreCell>, alive: mpsc::Sender<()>) -> std::io::Result<Submit> {
    let (submit, jobs) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("messenger-writer".into())
        .spawn(move || {
            let _alive = alive;
            write_loop(&core, jobs);
        })?;
    Ok(Submit(submit))
}

fn write_loop(core: &CoreCell, mut jobs: mpsc::UnboundedReceiver<Job>) {
    // Whatever queued up while the previous batch was being committed forms the next one:
    // an idle server commits each command at once, a busy one many at a time.
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run(core, batch);
    }
}

fn run(core: &CoreCell, batch: Vec<Job>) {
    let mut work = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        replies.push((job.frame.command_id().map(str::to_owned), job.reply));
        work.push((job.user, job.frame));
    }
    let answers = {
        let mut core = core.lock();
        // A panic must not end the thread (every later command would hang): the batch is
        // rolled back and its commands answered with an error the client may retry.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            core.run_batch(work, |core, (user, frame)| {
                Ok(commands::handle(core, user, frame))
            })
        }));
        match outcome {
            Ok(Ok(answers)) => Some(answers),
            Ok(Err(e)) => {
                tracing::error!("a batch of commands was rolled back: {e}");
                None
            }
            Err(_) => {
                tracing::error!("a command panicked; its batch was rolled back");
                core.recover_after_panic();
                None
            }
        }
    };
    match answers {
        Some(answers) => {
            for ((_, reply), answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
        None => {
            for (id, reply) in replies {
                let _ = reply.send(internal(id));
            }
        }
    }
}

fn internal(id: Option<CommandId>) -> ServerFrame {
    ServerFrame::Error {
        id,
        code: ErrorCode::Internal,
        message: "internal server error; nothing was stored, retry the command".into(),
    }
}
