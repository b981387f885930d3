//! The attachment queries, kept beside the feature rather than in the shared store.

use std::collections::HashMap;

use crate::db::{params, OptionalExtension, Row};
use messenger_protocol::{Attachment, Message, MessageId, Timestamp, UserId};

use crate::store::{Result, Store};

/// An attachment row as the server sees it, with who may claim it and where it went.
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub uploader: UserId,
    pub message: Option<MessageId>,
    pub thumb_mime: String,
}

const COLUMNS: &str = "SELECT id, name, mime, size, width, height, thumb_mime, uploader_id,
                              message_id FROM attachments";

fn from_row(r: &Row<'_>) -> crate::db::Result<StoredAttachment> {
    let id: String = r.get(0)?;
    let name: String = r.get(1)?;
    let thumb_mime: String = r.get(6)?;
    Ok(StoredAttachment {
        attachment: Attachment {
            url: file_url(&id, &name),
            thumbnail_url: file_url(&id, thumb_name(&thumb_mime)),
            id,
            name,
            mime: r.get(2)?,
            size: r.get(3)?,
            width: r.get(4)?,
            height: r.get(5)?,
        },
        uploader: r.get(7)?,
        message: r.get(8)?,
        thumb_mime,
    })
}

pub fn file_url(id: &str, name: &str) -> String {
    format!("/files/{id}/{name}")
}

/// The last path segment of a thumbnail; uploads are never given these names.
pub fn thumb_name(thumb_mime: &str) -> &'static str {
    if thumb_mime == "image/png" {
        "thumb.png"
    } else {
        "thumb.jpg"
    }
}

impl Store {
    pub fn insert_attachment(
        &self,
        stored: &StoredAttachment,
        created_at: Timestamp,
    ) -> Result<()> {
        let a = &stored.attachment;
        self.conn.execute(
            "INSERT INTO attachments (id, uploader_id, name, mime, size, width, height,
                                      thumb_mime, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                a.id,
                stored.uploader,
                a.name,
                a.mime,
                a.size,
                a.width,
                a.height,
                stored.thumb_mime,
                created_at
            ],
        )?;
        Ok(())
    }

    pub fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>> {
        Ok(self
            .conn
            .query_row(&format!("{COLUMNS} WHERE id = ?1"), [id], from_row)
            .optional()?)
    }

    /// The attachment if `user` may read it: they uploaded it, or they are a member of the
    /// conversation of the message that carries it, or they are an agent and it is an
    /// interaction (agents may read any contact's history). `None` either way otherwise.
    pub fn readable_attachment(&self, id: &str, user: UserId) -> Result<Option<StoredAttachment>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "{COLUMNS} WHERE id = ?1 AND (uploader_id = ?2 OR EXISTS (
                         SELECT 1 FROM messages msg
                         JOIN conversation_members m ON m.conversation_id = msg.conversation_id
                         WHERE msg.id = attachments.message_id AND m.user_id = ?2) OR EXISTS (
                         SELECT 1 FROM messages msg
                         JOIN interactions i ON i.conversation_id = msg.conversation_id
                         JOIN users u ON u.id = ?2 AND u.agent <> 0
                         WHERE msg.id = attachments.message_id))"
                ),
                params![id, user],
                from_row,
            )
            .optional()?)
    }

    /// Deletes the rows of uploads no message claimed that were made before `cutoff`, and
    /// returns their ids (the caller removes the files).
    pub fn delete_orphans(&self, cutoff: Timestamp) -> Result<Vec<String>> {
        let ids = self
            .conn
            .prepare_cached(
                "DELETE FROM attachments WHERE message_id IS NULL AND created_at < ?1
                 RETURNING id",
            )?
            .query_map([cutoff], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(ids)
    }

    /// The ids of the attachments `messages` carry. An attachment belongs to at most one
    /// message (a claim takes only unclaimed uploads), so these go with those messages.
    pub fn attachments_of(&self, messages: &[MessageId]) -> Result<Vec<String>> {
        let ids = self
            .conn
            .prepare_cached(&format!(
                "SELECT id FROM attachments WHERE message_id IN ({})",
                self.ids_in_json_at(1)
            ))?
            .query_map([serde_json::to_string(messages)?], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(ids)
    }

    pub fn attach(&self, id: &str, message: MessageId, position: usize) -> Result<()> {
        self.conn.execute(
            "UPDATE attachments SET message_id = ?2, position = ?3 WHERE id = ?1",
            params![id, message, position as i64],
        )?;
        Ok(())
    }

    /// Sets `attachments` of every message in `messages` from the database, in one query.
    pub fn fill_attachments(&self, messages: &mut [Message]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
        let ids_in = self.ids_in_json_at(1);
        let mut stmt = self.conn.prepare_cached(&format!(
            "{COLUMNS} WHERE message_id IN ({ids_in})
             ORDER BY message_id, position"
        ))?;
        let mut by_message: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
        for row in stmt.query_map([serde_json::to_string(&ids)?], from_row)? {
            let stored = row?;
            if let Some(message) = stored.message {
                by_message
                    .entry(message)
                    .or_default()
                    .push(stored.attachment);
            }
        }
        for message in messages {
            message.attachments = by_message.remove(&message.id).unwrap_or_default();
        }
        Ok(())
    }
}
