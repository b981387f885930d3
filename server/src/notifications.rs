//! Notifications: created by events, listed, counted, marked read; reminders.

use std::sync::Arc;

use messenger_protocol::{ConversationId, Message, UserId};

use crate::app::{App, Tx};
use crate::store::{Store, StoreError};

/// TODO(issue 3, notifications helper): reminders job.
pub async fn run_reminders(_app: Arc<App>) {}

/// Called inside the transaction that stored `message` (high importance, mentions).
pub fn on_message(_tx: &mut Tx<'_>, _message: &Message) -> Result<(), StoreError> {
    Ok(())
}

/// Called inside the transaction that added `user` to `conversation`.
pub fn on_added_to_conversation(
    _tx: &mut Tx<'_>,
    _conversation: ConversationId,
    _user: UserId,
    _by: UserId,
) -> Result<(), StoreError> {
    Ok(())
}

impl Store {
    pub fn unread_notifications(&self, _user: UserId) -> Result<u32, StoreError> {
        Ok(0)
    }
}
