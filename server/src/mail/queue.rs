//! The mail queue in SQLite.

use crate::db::params;
use messenger_protocol::{EmailMode, Timestamp, UserId};

use super::{ItemKind, MailItem};
use crate::settings::{email_mode_from_sql, email_mode_to_sql};
use crate::store::{Store, StoreError};

/// A queued item that has not gone out yet, with what is needed to address it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub id: i64,
    pub user: UserId,
    pub email: String,
    pub name: String,
    pub digest_minutes: u32,
    pub mode: EmailMode,
    pub item: MailItem,
    pub created_at: Timestamp,
}

impl Store {
    pub(super) fn has_email(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT email IS NOT NULL AND email <> '' FROM users WHERE id = ?1")?
            .query_row([user], |r| r.get(0))?)
    }

    pub(super) fn queue_mail(
        &self,
        user: UserId,
        mode: EmailMode,
        item: &MailItem,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO mail_queue (user_id, mode, kind, conversation_id, conversation_label,
                                     line, subject, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                user,
                email_mode_to_sql(mode),
                match item.kind {
                    ItemKind::Message => "message",
                    ItemKind::Notification => "notification",
                },
                item.conversation_id,
                item.conversation_label,
                item.line,
                item.subject,
                item.body,
                now
            ])?;
        Ok(())
    }

    /// Every unsent item, by user, oldest first. The digest window is the user's current
    /// setting.
    pub(crate) fn pending_mail(&self) -> Result<Vec<Pending>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT q.id, q.user_id, u.email, u.display_name, COALESCE(s.digest_minutes, 60),
                    q.mode, q.kind, q.conversation_id, q.conversation_label, q.line, q.subject,
                    q.body, q.created_at
             FROM mail_queue q
             JOIN users u ON u.id = q.user_id
             LEFT JOIN user_settings s ON s.user_id = q.user_id
             WHERE q.sent_at IS NULL
             ORDER BY q.user_id, q.id",
        )?;
        let pending = stmt
            .query_map([], |r| {
                Ok(Pending {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    email: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    name: r.get(3)?,
                    digest_minutes: r.get(4)?,
                    mode: email_mode_from_sql(&r.get::<_, String>(5)?),
                    item: MailItem {
                        kind: if r.get::<_, String>(6)? == "message" {
                            ItemKind::Message
                        } else {
                            ItemKind::Notification
                        },
                        conversation_id: r.get(7)?,
                        conversation_label: r.get(8)?,
                        line: r.get(9)?,
                        subject: r.get(10)?,
                        body: r.get(11)?,
                    },
                    created_at: r.get(12)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(pending)
    }

    pub(super) fn mark_mail_sent(&self, items: &[i64], now: Timestamp) -> Result<(), StoreError> {
        let tx = self.transaction()?;
        let mut stmt = self
            .conn
            .prepare_cached("UPDATE mail_queue SET sent_at = ?2 WHERE id = ?1")?;
        for item in items {
            stmt.execute(params![item, now])?;
        }
        drop(stmt);
        tx.commit()?;
        Ok(())
    }

    /// Demo users get `username@example.com`.
    pub fn set_demo_emails(&self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE users SET email = username || '@example.com' WHERE email IS NULL",
            )?
            .execute([])?;
        Ok(())
    }
}
