//! Notifications: created by events, listed, counted, marked read; reminders.

mod mentions;

use std::sync::Arc;

use crate::db::{params, OptionalExtension, Row};
use messenger_protocol::{
    AckResult, ConversationId, ErrorCode, Event, Importance, Message, MessageId, Notification,
    NotificationId, NotificationKind, Timestamp, UserId, MAX_MESSAGE_BYTES,
};

use crate::app::{App, Core, Tx};
use crate::commands::CommandError;
use crate::mail::{self, MailItem};
use crate::store::{Store, StoreError};

const MAX_PAGE: u32 = 100;
/// How far ahead a reminder may be set.
const MAX_REMINDER_AHEAD_MS: Timestamp = 366 * 24 * 3600 * 1000;
/// Notification bodies quote at most this much of a message.
const EXCERPT_CHARS: usize = 200;

/// A notification about to be stored.
struct New {
    kind: NotificationKind,
    title: String,
    body: String,
    importance: Importance,
    conversation_id: Option<ConversationId>,
    message_id: Option<MessageId>,
}

/// Stores a notification for `user`, announces it and returns its id. `by_mail` is false
/// when the cause already puts an item in the user's mail queue (a message mentioning
/// them), so one event never makes two mails.
fn create(
    tx: &mut Tx<'_>,
    user: UserId,
    new: New,
    by_mail: bool,
) -> Result<NotificationId, StoreError> {
    let notification = tx.store.insert_notification(user, &new, tx.now)?;
    let id = notification.id;
    if by_mail {
        let label = match new.conversation_id {
            Some(c) => Some(conversation_label(tx.store, c, user)?),
            None => None,
        };
        let line = join_nonempty(&new.title, &new.body);
        let body = if new.body.is_empty() {
            format!("{}\n", new.title)
        } else {
            format!("{}\n\n{}\n", new.title, new.body)
        };
        mail::enqueue(
            tx,
            user,
            MailItem {
                kind: mail::ItemKind::Notification,
                conversation_id: new.conversation_id,
                conversation_label: label,
                subject: excerpt(&line),
                line,
                body,
            },
        )?;
    }
    tx.emit(user, Event::NotificationCreated { notification })?;
    Ok(id)
}

/// Called inside the transaction that stored `message`. Each other member hears of it once:
/// a `mention` notification if the text names them (with the message's importance), else a
/// `high_importance_message` one if it is high, and one mail item (if they get mail).
pub fn on_message(tx: &mut Tx<'_>, message: &Message) -> Result<(), StoreError> {
    if message.system.is_some() {
        return Ok(());
    }
    let high = message.importance == Importance::High;
    // Names, place and excerpt are only looked up once someone is to be told: most messages
    // notify nobody and mail nobody.
    let mut wording: Option<(String, String, String)> = None;
    for recipient in recipients(tx.store, message.conversation_id, message.sender_id)? {
        let member = recipient.id;
        let mentioned = mentions::mentions(&message.text, &recipient.username);
        let mails = recipient.has_email && mail::mode(tx, member)?.is_some();
        if !mentioned && !high && !mails {
            continue;
        }
        let (sender, place, excerpt) = match &wording {
            Some(wording) => wording.clone(),
            None => {
                let sender = display_name(tx.store, message.sender_id)?;
                let place = conversation_title(tx.store, message.conversation_id)?
                    .map(|t| format!(" in {t}"))
                    .unwrap_or_default();
                let found = (sender, place, excerpt(&message.text));
                wording = Some(found.clone());
                found
            }
        };
        let headline = if mentioned {
            format!("{sender} mentioned you{place}")
        } else if high {
            format!("High-importance message from {sender}{place}")
        } else {
            format!("New message from {sender}{place}")
        };
        if mentioned || high {
            let kind = if mentioned {
                NotificationKind::Mention
            } else {
                NotificationKind::HighImportanceMessage
            };
            let new = New {
                kind,
                title: headline.clone(),
                body: excerpt.clone(),
                importance: message.importance,
                conversation_id: Some(message.conversation_id),
                message_id: Some(message.id),
            };
            create(tx, member, new, false)?;
        }
        if !mails {
            continue;
        }
        let mut marks = String::new();
        if high {
            marks.push_str(" [high importance]");
        }
        if mentioned {
            marks.push_str(" [mentions you]");
        }
        mail::enqueue(
            tx,
            member,
            MailItem {
                kind: mail::ItemKind::Message,
                conversation_id: Some(message.conversation_id),
                conversation_label: Some(conversation_label(
                    tx.store,
                    message.conversation_id,
                    member,
                )?),
                line: format!("{sender}: {}{marks}", one_line(&excerpt)),
                // A mention headline does not tell the importance; the others do.
                subject: if high && mentioned {
                    format!("[High importance] {headline}")
                } else {
                    headline.clone()
                },
                body: format!("{headline}:\n\n{}\n", message.text),
            },
        )?;
    }
    Ok(())
}

/// Called inside the transaction that added `user` to `conversation`.
pub fn on_added_to_conversation(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    user: UserId,
    by: UserId,
) -> Result<(), StoreError> {
    if user == by {
        return Ok(());
    }
    let by_name = display_name(tx.store, by)?;
    let title = match conversation_title(tx.store, conversation)? {
        Some(t) => format!("{by_name} added you to {t}"),
        None => format!("{by_name} added you to a conversation"),
    };
    let new = New {
        kind: NotificationKind::AddedToConversation,
        title,
        body: String::new(),
        importance: Importance::Normal,
        conversation_id: Some(conversation),
        message_id: None,
    };
    create(tx, user, new, true).map(drop)
}

/// `list_notifications`: newest first, older than `before` when given.
pub fn list(
    core: &mut Core,
    user: UserId,
    before: Option<NotificationId>,
    limit: u32,
) -> Result<AckResult, CommandError> {
    let limit = crate::commands::page_size(limit, MAX_PAGE)?;
    let (notifications, has_more) = core.store.notifications_page(user, before, limit)?;
    Ok(AckResult::Notifications {
        notifications,
        has_more,
        unread: core.store.unread_notifications(user)?,
    })
}

/// `mark_notification_read`: idempotent; only a change is announced.
pub fn mark_read(
    core: &mut Core,
    user: UserId,
    notification: NotificationId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        let Some(was_read) = tx.store.notification_read(user, notification)? else {
            // Someone else's notification is as unknown as one that never existed.
            return Err(CommandError::new(
                ErrorCode::NotFound,
                "no such notification",
            ));
        };
        if !was_read {
            tx.store.set_notification_read(notification)?;
            let unread = tx.store.unread_notifications(user)?;
            tx.emit(
                user,
                Event::NotificationsRead {
                    notification_ids: vec![notification],
                    all: false,
                    unread,
                },
            )?;
        }
        Ok(AckResult::Done)
    })
}

/// `mark_all_notifications_read`: every notification created before it; only a change is
/// announced.
pub fn mark_all_read(core: &mut Core, user: UserId) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        if tx.store.set_all_notifications_read(user)? > 0 {
            tx.emit(
                user,
                Event::NotificationsRead {
                    notification_ids: Vec::new(),
                    all: true,
                    unread: 0,
                },
            )?;
        }
        Ok(AckResult::Done)
    })
}

/// `mark_conversation_notifications_read`: every unread notification of the caller about a
/// conversation they are in; only a change is announced, listing what changed.
pub fn mark_conversation_read(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        if !tx.store.is_member(conversation, user)? {
            return Err(CommandError::no_such_conversation());
        }
        let changed = tx
            .store
            .set_conversation_notifications_read(user, conversation)?;
        if !changed.is_empty() {
            let unread = tx.store.unread_notifications(user)?;
            tx.emit(
                user,
                Event::NotificationsRead {
                    notification_ids: changed,
                    all: false,
                    unread,
                },
            )?;
        }
        Ok(AckResult::Done)
    })
}

/// `set_reminder`. A resend with the same command id returns the first answer, even once
/// `at` has passed.
pub fn set_reminder(
    core: &mut Core,
    user: UserId,
    command_id: &str,
    at: Timestamp,
    text: &str,
    conversation: Option<ConversationId>,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        if let Some((reminder_id, at)) = tx.store.reminder_by_client_id(user, command_id)? {
            return Ok(AckResult::Reminder { reminder_id, at });
        }
        if at <= tx.now {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                "the reminder time has already passed",
            ));
        }
        if at - tx.now > MAX_REMINDER_AHEAD_MS {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                "a reminder can be set at most one year ahead",
            ));
        }
        if text.trim().is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                "reminder text is empty",
            ));
        }
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                format!(
                    "reminder text is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
                    text.len()
                ),
            ));
        }
        if let Some(conversation) = conversation {
            if !tx.store.is_member(conversation, user)? {
                return Err(CommandError::new(
                    ErrorCode::NotFound,
                    "no such conversation",
                ));
            }
        }
        let reminder_id =
            tx.store
                .insert_reminder(user, at, text, conversation, command_id, tx.now)?;
        Ok(AckResult::Reminder { reminder_id, at })
    })
}

/// Turns due reminders into notifications every `config.reminder_interval`, starting at
/// once so reminders that fell due while the server was down fire on start.
pub async fn run_reminders(app: Arc<App>) {
    let app = &*app;
    crate::jobs::every(app, app.config.reminder_interval, || async {
        if let Err(e) = fire_due_reminders(&mut app.lock()) {
            tracing::error!("reminders job: {e}");
        }
    })
    .await;
}

/// Each due reminder becomes a notification in the same transaction that marks it fired,
/// so it fires exactly once.
fn fire_due_reminders(core: &mut Core) -> Result<(), StoreError> {
    core.write(|tx| {
        for reminder in tx.store.due_reminders(tx.now)? {
            let new = New {
                kind: NotificationKind::Reminder,
                title: "Reminder".into(),
                body: reminder.text,
                importance: Importance::Normal,
                conversation_id: reminder.conversation_id,
                message_id: None,
            };
            let notification = create(tx, reminder.user, new, true)?;
            tx.store.reminder_fired(reminder.id, notification)?;
        }
        Ok(())
    })
}

struct DueReminder {
    id: i64,
    user: UserId,
    text: String,
    conversation_id: Option<ConversationId>,
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Mail subjects and digest lines are single lines.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn join_nonempty(title: &str, body: &str) -> String {
    if body.is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {}", one_line(body))
    }
}

fn display_name(store: &Store, user: UserId) -> Result<String, StoreError> {
    Ok(store
        .conn
        .prepare_cached("SELECT display_name FROM users WHERE id = ?1")?
        .query_row([user], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| format!("user {user}")))
}

/// A member who is told of a message, with what [`on_message`] needs to know of them.
struct Recipient {
    id: UserId,
    username: String,
    has_email: bool,
}

/// The members of `conversation` but `sender`, in one query rather than a few per member.
fn recipients(
    store: &Store,
    conversation: ConversationId,
    sender: UserId,
) -> Result<Vec<Recipient>, StoreError> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT u.id, u.username, u.email IS NOT NULL AND u.email <> ''
         FROM conversation_members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = ?1 AND m.user_id <> ?2
         ORDER BY u.id",
    )?;
    let recipients = stmt
        .query_map(params![conversation, sender], |r| {
            Ok(Recipient {
                id: r.get(0)?,
                username: r.get(1)?,
                has_email: r.get(2)?,
            })
        })?
        .collect::<crate::db::Result<_>>()?;
    Ok(recipients)
}

fn conversation_title(
    store: &Store,
    conversation: ConversationId,
) -> Result<Option<String>, StoreError> {
    Ok(store
        .conn
        .prepare_cached("SELECT title FROM conversations WHERE id = ?1")?
        .query_row([conversation], |r| r.get(0))
        .optional()?
        .flatten())
}

/// How `viewer` knows the conversation: its title, or the other members of a direct one.
fn conversation_label(
    store: &Store,
    conversation: ConversationId,
    viewer: UserId,
) -> Result<String, StoreError> {
    if let Some(title) = conversation_title(store, conversation)? {
        return Ok(title);
    }
    let mut others = Vec::new();
    for member in store.members(conversation)? {
        if member != viewer {
            others.push(display_name(store, member)?);
        }
    }
    Ok(format!("Direct messages with {}", others.join(", ")))
}

const NOTIFICATION_COLUMNS: &str = "SELECT id, kind, title, body, importance, conversation_id, \
     message_id, created_at, read FROM notifications";

fn notification_from_row(r: &Row<'_>) -> crate::db::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        kind: kind_from_sql(&r.get::<_, String>(1)?),
        title: r.get(2)?,
        body: r.get(3)?,
        importance: if r.get::<_, String>(4)? == "high" {
            Importance::High
        } else {
            Importance::Normal
        },
        conversation_id: r.get(5)?,
        message_id: r.get(6)?,
        created_at: r.get(7)?,
        read: r.get(8)?,
    })
}

fn kind_to_sql(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::AddedToConversation => "added_to_conversation",
        NotificationKind::HighImportanceMessage => "high_importance_message",
        NotificationKind::Mention => "mention",
        NotificationKind::Reminder => "reminder",
    }
}

fn kind_from_sql(kind: &str) -> NotificationKind {
    match kind {
        "added_to_conversation" => NotificationKind::AddedToConversation,
        "high_importance_message" => NotificationKind::HighImportanceMessage,
        "mention" => NotificationKind::Mention,
        _ => NotificationKind::Reminder,
    }
}

impl Store {
    pub fn unread_notifications(&self, user: UserId) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read = 0")?
            .query_row([user], |r| r.get(0))?)
    }

    fn insert_notification(
        &self,
        user: UserId,
        new: &New,
        now: Timestamp,
    ) -> Result<Notification, StoreError> {
        let importance = match new.importance {
            Importance::High => "high",
            Importance::Normal => "normal",
        };
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO notifications
                 (user_id, kind, title, body, importance, conversation_id, message_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            )?
            .query_row(
                params![
                    user,
                    kind_to_sql(new.kind),
                    new.title,
                    new.body,
                    importance,
                    new.conversation_id,
                    new.message_id,
                    now
                ],
                |r| r.get(0),
            )?;
        Ok(Notification {
            id,
            kind: new.kind,
            title: new.title.clone(),
            body: new.body.clone(),
            importance: new.importance,
            conversation_id: new.conversation_id,
            message_id: new.message_id,
            created_at: now,
            read: false,
        })
    }

    /// Newest first; one extra row tells whether older ones exist.
    fn notifications_page(
        &self,
        user: UserId,
        before: Option<NotificationId>,
        limit: u32,
    ) -> Result<(Vec<Notification>, bool), StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{NOTIFICATION_COLUMNS} WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        ))?;
        let mut page: Vec<Notification> = stmt
            .query_map(
                params![user, before.unwrap_or(i64::MAX), i64::from(limit) + 1],
                notification_from_row,
            )?
            .collect::<crate::db::Result<_>>()?;
        let has_more = page.len() > limit as usize;
        page.truncate(limit as usize);
        Ok((page, has_more))
    }

    /// Whether the user's notification is read; `None` if the user has no such notification.
    fn notification_read(
        &self,
        user: UserId,
        notification: NotificationId,
    ) -> Result<Option<bool>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT read FROM notifications WHERE id = ?1 AND user_id = ?2")?
            .query_row(params![notification, user], |r| r.get(0))
            .optional()?)
    }

    fn set_notification_read(&self, notification: NotificationId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE notifications SET read = 1 WHERE id = ?1")?
            .execute([notification])?;
        Ok(())
    }

    fn set_all_notifications_read(&self, user: UserId) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("UPDATE notifications SET read = 1 WHERE user_id = ?1 AND read = 0")?
            .execute([user])?)
    }

    /// Marks the user's unread notifications about `conversation` read; returns their ids,
    /// ascending.
    fn set_conversation_notifications_read(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<Vec<NotificationId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE notifications SET read = 1
             WHERE user_id = ?1 AND conversation_id = ?2 AND read = 0 RETURNING id",
        )?;
        let mut ids = stmt
            .query_map(params![user, conversation], |r| r.get(0))?
            .collect::<crate::db::Result<Vec<NotificationId>>>()?;
        // RETURNING gives no order.
        ids.sort_unstable();
        Ok(ids)
    }

    fn reminder_by_client_id(
        &self,
        user: UserId,
        client_id: &str,
    ) -> Result<Option<(i64, Timestamp)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, at FROM reminders WHERE user_id = ?1 AND client_id = ?2")?
            .query_row(params![user, client_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn insert_reminder(
        &self,
        user: UserId,
        at: Timestamp,
        text: &str,
        conversation: Option<ConversationId>,
        client_id: &str,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO reminders (user_id, at, text, conversation_id, client_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            )?
            .query_row(params![user, at, text, conversation, client_id, now], |r| {
                r.get(0)
            })?)
    }

    fn due_reminders(&self, now: Timestamp) -> Result<Vec<DueReminder>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, user_id, text, conversation_id FROM reminders
             WHERE notification_id IS NULL AND at <= ?1 ORDER BY at, id",
        )?;
        let due = stmt
            .query_map([now], |r| {
                Ok(DueReminder {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    text: r.get(2)?,
                    conversation_id: r.get(3)?,
                })
            })?
            .collect::<crate::db::Result<_>>()?;
        Ok(due)
    }

    fn reminder_fired(
        &self,
        reminder: i64,
        notification: NotificationId,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE reminders SET notification_id = ?2 WHERE id = ?1")?
            .execute(params![reminder, notification])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messenger_protocol::{ConversationKind, EmailMode, ServerFrame};

    use crate::test_core::core;

    #[test]
    fn being_added_notifies_the_user_live_and_by_mail() {
        let (mut core, _dir) = core("notifications-added");
        let alice = core
            .store
            .create_user("alice", "Alice Martin", None, "pw")
            .unwrap();
        let dave = core
            .store
            .create_user("dave", "Dave Ivanov", None, "pw")
            .unwrap();
        core.store.set_demo_emails().unwrap();
        let team = core
            .store
            .create_conversation(
                ConversationKind::Group,
                Some("Engineering"),
                None,
                &[alice, dave],
                0,
            )
            .unwrap();
        let (outbound, mut frames) = tokio::sync::mpsc::unbounded_channel();
        core.hub.register(dave, outbound);
        let patch = messenger_protocol::SettingsPatch {
            email_mode: Some(EmailMode::Immediately),
            ..Default::default()
        };
        crate::settings::update(&mut core, dave, patch)
            .ok()
            .unwrap();
        let _settings_changed = frames.try_recv().unwrap();

        core.write(|tx| on_added_to_conversation(tx, team, dave, alice))
            .unwrap();
        // Adding yourself (joining) is not news to you.
        core.write(|tx| on_added_to_conversation(tx, team, alice, alice))
            .unwrap();

        let frame: ServerFrame = serde_json::from_str(&frames.try_recv().unwrap()).unwrap();
        let ServerFrame::Event {
            event: Event::NotificationCreated { notification },
            ..
        } = frame
        else {
            panic!("expected notification_created, got {frame:?}");
        };
        assert_eq!(notification.kind, NotificationKind::AddedToConversation);
        assert_eq!(notification.title, "Alice Martin added you to Engineering");
        assert_eq!(notification.conversation_id, Some(team));
        assert!(!notification.read);
        assert_eq!(core.store.unread_notifications(dave).unwrap(), 1);
        assert_eq!(core.store.unread_notifications(alice).unwrap(), 0);

        let pending = core.store.pending_mail().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].email, "dave@example.com");
        assert_eq!(
            pending[0].item.subject,
            "Alice Martin added you to Engineering"
        );
    }
}
