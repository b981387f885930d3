//! `list_mailbox`: the caller's messages across all their conversations, newest first, for
//! a client's mailbox view (folders Inbox and Sent; drafts are the client's own).

use messenger_protocol::{AckResult, ErrorCode, MailFolder, Message, MessageId, UserId};

use crate::app::Core;
use crate::commands::CommandError;
use crate::db::params;
use crate::store::{message_from_row, Result, Store};

/// The protocol's bound: unlike `load_history` a larger page is refused, not cut.
const MAX_MAILBOX_PAGE: u32 = 100;

/// The message columns in `message_from_row`'s order, for queries naming `messages m`.
const COLUMNS: &str = "SELECT m.id, m.conversation_id, m.sender_id, m.text, m.importance, \
     m.created_at, m.client_id, m.system, m.contact_id, m.note FROM messages m";

/// Only conversations the caller is in: someone who left (or never joined) sees none of it.
/// Written as `EXISTS` so SQLite walks `messages` newest first and stops after a page,
/// instead of gathering every message of every conversation and sorting them.
const MEMBER: &str = "EXISTS (SELECT 1 FROM conversation_members cm \
     WHERE cm.conversation_id = m.conversation_id AND cm.user_id = ?1)";

pub fn list(
    core: &Core,
    user: UserId,
    folder: MailFolder,
    before: Option<MessageId>,
    limit: u32,
) -> std::result::Result<AckResult, CommandError> {
    if !(1..=MAX_MAILBOX_PAGE).contains(&limit) {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            format!("limit is {limit}; it must be 1 to {MAX_MAILBOX_PAGE}"),
        ));
    }
    let (messages, has_more) = core.store.mailbox(user, folder, before, limit)?;
    Ok(AckResult::Mailbox {
        folder,
        messages,
        has_more,
    })
}

impl Store {
    /// Up to `limit` of `user`'s messages in `folder` with id below `before`, newest first,
    /// and whether older ones exist. System lines ("Bob joined") are in neither folder.
    pub fn mailbox(
        &self,
        user: UserId,
        folder: MailFolder,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool)> {
        // Notes are in neither folder. A contact's messages have sender 0: in the Inbox.
        let sender = match folder {
            MailFolder::Inbox => "m.sender_id <> ?1",
            MailFolder::Sent => "m.sender_id = ?1",
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "{COLUMNS} WHERE {sender} AND m.system IS NULL AND m.note = 0 AND m.id < ?2 AND {MEMBER}
             ORDER BY m.id DESC LIMIT ?3"
        ))?;
        // One extra row tells whether there is more without a second query.
        let mut messages: Vec<Message> = stmt
            .query_map(
                params![user, before.unwrap_or(i64::MAX), i64::from(limit) + 1],
                message_from_row,
            )?
            .collect::<crate::db::Result<_>>()?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        self.fill_attachments(&mut messages)?;
        Ok((messages, has_more))
    }
}
