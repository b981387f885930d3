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
const MAX_BATCH: usize = 256;

struct Job {
    user: UserId,
    frame: ClientFrame,
    reply: oneshot::Sender<ServerFrame>,
}

/// Hands commands to the writer thread. The thread ends once every `Submit` is dropped.
pub struct Submit(mpsc::UnboundedSender<Job>);

impl Submit {
    /// Queues the command at once, so commands queued one after another run in that order,
    /// and returns its answer to await.
    pub fn queue(
        &self,
        user: UserId,
        frame: ClientFrame,
    ) -> impl std::future::Future<Output = ServerFrame> + Send + 'static {
        let id = frame.command_id().map(str::to_owned);
        let (reply, answer) = oneshot::channel();
        let queued = self.0.send(Job { user, frame, reply }).is_ok();
        async move {
            if !queued {
                return internal(id);
            }
            answer.await.unwrap_or_else(|_| internal(id))
        }
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
        let answers = match outcome {
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
        };
        if let Err(e) = core.store.restart_log_if_wanted() {
            tracing::warn!("finishing a checkpoint: {e}");
        }
        answers
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

#[cfg(test)]
mod tests {

    use messenger_protocol::{
        AckResult, ConversationId, ConversationKind, ErrorCode, Event, ServerFrame, UserId,
    };
    use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

    use crate::app::Core;
    use crate::commands;

    use crate::test_core::{core, core_on};

    fn send(id: &str, conversation: i64, attachments: &[&str]) -> messenger_protocol::ClientFrame {
        serde_json::from_value(serde_json::json!({
            "type": "send_message", "id": id, "conversation_id": conversation,
            "text": format!("text of {id}"),
            "attachments": attachments,
        }))
        .unwrap()
    }

    /// The seq of every event frame queued for a connection, and the texts of the messages
    /// among them.
    fn received(frames: &mut UnboundedReceiver<String>) -> (Vec<u64>, Vec<String>) {
        let (mut seqs, mut texts) = (Vec::new(), Vec::new());
        while let Ok(frame) = frames.try_recv() {
            if let ServerFrame::Event { seq, event } = serde_json::from_str(&frame).unwrap() {
                seqs.push(seq);
                if let Event::MessageCreated { message } = event {
                    texts.push(message.text);
                }
            }
        }
        (seqs, texts)
    }

    /// Alice and bob, and their group "Team".
    fn team(core: &Core) -> (UserId, UserId, ConversationId) {
        let alice = core
            .store
            .create_user("alice", "Alice", None, "pw")
            .unwrap();
        let bob = core.store.create_user("bob", "Bob", None, "pw").unwrap();
        let team = core
            .store
            .create_conversation(
                ConversationKind::Group,
                Some("Team"),
                None,
                &[alice, bob],
                0,
            )
            .unwrap();
        (alice, bob, team)
    }

    #[test]
    fn a_failing_command_undoes_only_itself_and_its_events_and_seqs() {
        let (mut core, _dir) = core("writer-savepoints");
        let (alice, bob, team) = team(&core);
        let carol = core
            .store
            .create_user("carol", "Carol", None, "pw")
            .unwrap();
        let private = core
            .store
            .create_conversation(
                ConversationKind::Group,
                Some("Private"),
                None,
                &[bob, carol],
                0,
            )
            .unwrap();
        let (outbound, mut bob_frames) = unbounded_channel();
        core.hub.register(bob, outbound);

        let batch = vec![
            Some((alice, send("m1", team, &[]))),
            // Not a member: refused before writing anything.
            Some((alice, send("m2", private, &[]))),
            // Inserts the message, then fails on the attachment: the insert must go too.
            Some((
                alice,
                send("m3", team, &["0123456789abcdef0123456789abcdef"]),
            )),
            // Emits to bob, then fails: neither the event nor its seq may remain.
            None,
            Some((alice, send("m4", team, &[]))),
        ];
        let replies = core
            .run_batch(batch, |core, job| match job {
                Some((user, frame)) => Ok(commands::handle(core, user, frame)),
                None => {
                    let failed = core.atomically(|core| {
                        core.write(|tx| {
                            tx.emit(
                                bob,
                                Event::Presence {
                                    user_id: carol,
                                    presence: messenger_protocol::Presence::Online,
                                    last_seen: None,
                                },
                            )
                        })?;
                        Err::<(), _>(crate::store::StoreError::TooNew(0))
                    });
                    assert!(failed.is_err());
                    Ok(ServerFrame::Error {
                        id: None,
                        code: ErrorCode::Internal,
                        message: String::new(),
                    })
                }
            })
            .unwrap();

        let codes: Vec<Option<ErrorCode>> = replies
            .iter()
            .map(|reply| match reply {
                ServerFrame::Ack {
                    result: AckResult::MessageSent { .. },
                    ..
                } => None,
                ServerFrame::Error { code, .. } => Some(*code),
                other => panic!("unexpected reply {other:?}"),
            })
            .collect();
        assert_eq!(codes[0], None);
        assert_eq!(codes[1], Some(ErrorCode::NotFound));
        assert!(codes[2].is_some(), "an unknown attachment is refused");
        assert_eq!(codes[4], None);

        let (history, _) = core.store.history(team, None, 10).unwrap();
        let mut texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
        texts.sort();
        assert_eq!(texts, ["text of m1", "text of m4"]);

        let (seqs, texts) = received(&mut bob_frames);
        assert_eq!(texts, ["text of m1", "text of m4"]);
        // No seq was spent on the rolled-back message: the stream has no hole.
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected);
        assert_eq!(core.store.current_seq(bob).unwrap(), seqs.len() as u64);
        let stored: Vec<u64> = core
            .store
            .events_after(bob, 0)
            .unwrap()
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        assert_eq!(stored, seqs, "what was sent is what is stored");
    }

    #[test]
    fn seqs_go_on_from_the_database_after_a_restart() {
        let (mut core, dir) = core("writer-restart");
        let (alice, bob, team) = team(&core);
        let run = |core: &mut Core, id: &str| {
            core.run_batch(vec![(alice, send(id, team, &[]))], |core, (user, frame)| {
                Ok(commands::handle(core, user, frame))
            })
            .unwrap()
        };
        run(&mut core, "m1");
        let before = core.store.current_seq(bob).unwrap();
        drop(core);
        let mut core = core_on(&dir);
        let (outbound, mut bob_frames) = unbounded_channel();
        core.hub.register(bob, outbound);
        run(&mut core, "m2");
        let (seqs, texts) = received(&mut bob_frames);
        assert_eq!(texts, ["text of m2"]);
        assert_eq!(seqs[0], before + 1);
    }
}
