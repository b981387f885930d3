//! Per-user event seq numbers, handed out in memory and written to `users.event_seq` once
//! per user per transaction, just before it commits. Counting in the database took an
//! UPDATE per event: a message to a group of ten made about thirty of them.
//!
//! Only valid while this process is the database's one writer, which a SQLite file served
//! by one server is. On PostgreSQL, which several servers may share, each seq is taken from
//! the counter row inside the transaction: the row lock orders the writers.

use std::collections::HashMap;

use messenger_protocol::UserId;

use crate::store::{Store, StoreError};

#[derive(Default)]
pub struct Seqs {
    /// The last seq committed for each user seen so far (what `users.event_seq` holds).
    committed: HashMap<UserId, u64>,
    /// Seqs handed out by the open transaction.
    pending: HashMap<UserId, u64>,
}

/// What [`Seqs::mark`] saved, to undo one command of a batch.
pub struct Mark(HashMap<UserId, u64>);

impl Seqs {
    /// The next seq of `user`'s stream, inside the open transaction.
    pub fn next(&mut self, store: &Store, user: UserId) -> Result<u64, StoreError> {
        if store.is_shared() {
            return store.bump_event_seq(user);
        }
        let last = match self.pending.get(&user).or(self.committed.get(&user)) {
            Some(&last) => last,
            None => {
                let last = store.current_seq(user)?;
                self.committed.insert(user, last);
                last
            }
        };
        self.pending.insert(user, last + 1);
        Ok(last + 1)
    }

    /// Writes the open transaction's counters; call it right before COMMIT.
    pub fn flush(&self, store: &Store) -> Result<(), StoreError> {
        for (&user, &seq) in &self.pending {
            store.set_event_seq(user, seq)?;
        }
        Ok(())
    }

    pub fn committed(&mut self) {
        self.committed.extend(self.pending.drain());
    }

    pub fn rolled_back(&mut self) {
        self.pending.clear();
    }

    pub fn mark(&self) -> Mark {
        Mark(self.pending.clone())
    }

    /// Forgets what was handed out since `mark`: its command was rolled back to a savepoint.
    pub fn rewind(&mut self, mark: Mark) {
        self.pending = mark.0;
    }
}
