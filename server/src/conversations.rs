//! Groups and open channels: creating, listing, joining, leaving, adding members.
//!
//! Every membership change is also a system line in the conversation (`Message.system`),
//! sent to the members like any message, so everyone sees who came and went and when.

use crate::db::{params, OptionalExtension};
use messenger_protocol::{
    AckResult, ChannelInfo, ConversationId, ConversationKind, ConversationSummary, ErrorCode,
    Event, Importance, Message, SystemEvent, Timestamp, UserId,
};

use crate::app::{Core, Tx};
use crate::commands::CommandError;
use crate::delivery::publish_message;
use crate::store::{kind_from_sql, kind_to_sql, Store, StoreError};

/// Long enough for any real team name, short enough for a sidebar.
const MAX_TITLE_CHARS: usize = 100;

pub fn create_group(
    core: &mut Core,
    user: UserId,
    title: &str,
    members: &[UserId],
) -> Result<AckResult, CommandError> {
    let title = check_title(title)?;
    let mut members: Vec<UserId> = members.iter().copied().chain([user]).collect();
    members.sort_unstable();
    members.dedup();
    core.write(|tx| {
        check_users_exist(tx, &members)?;
        let conversation = tx.store.create_conversation(
            ConversationKind::Group,
            Some(title),
            None,
            &members,
            tx.now,
        )?;
        let name = tx.store.display_name(user)?;
        let line = tx.store.insert_system_message(
            conversation,
            user,
            &SystemEvent::Created { by: user },
            &format!("{name} created the group"),
            tx.now,
        )?;
        announce_added(tx, conversation, &members)?;
        publish_message(tx, &line)?;
        for &member in &members {
            if member != user {
                crate::notifications::on_added_to_conversation(tx, conversation, member, user)?;
            }
        }
        conversation_ack(tx, conversation, user)
    })
}

pub fn create_channel(
    core: &mut Core,
    user: UserId,
    title: &str,
) -> Result<AckResult, CommandError> {
    let title = check_title(title)?;
    core.write(|tx| {
        let conversation = tx.store.create_conversation(
            ConversationKind::Channel,
            Some(title),
            None,
            &[user],
            tx.now,
        )?;
        let name = tx.store.display_name(user)?;
        let line = tx.store.insert_system_message(
            conversation,
            user,
            &SystemEvent::Created { by: user },
            &format!("{name} created the channel"),
            tx.now,
        )?;
        announce_added(tx, conversation, &[user])?;
        publish_message(tx, &line)?;
        for someone in tx.store.user_ids()? {
            if let Some(channel) = tx.store.channel_info(conversation, someone)? {
                tx.emit(someone, Event::ChannelCreated { channel })?;
            }
        }
        conversation_ack(tx, conversation, user)
    })
}

pub fn list_channels(core: &mut Core, user: UserId) -> Result<AckResult, CommandError> {
    Ok(AckResult::Channels {
        channels: core.store.channels(user)?,
    })
}

pub fn join_channel(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        let member = tx.store.is_member(conversation, user)?;
        match tx.store.conversation_kind(conversation)? {
            Some(ConversationKind::Channel) => {}
            // A member may learn what kind it is; anyone else learns nothing.
            Some(_) if member => {
                return Err(CommandError::new(
                    ErrorCode::Forbidden,
                    "only open channels can be joined; a member must add you to a group",
                ))
            }
            _ => return Err(CommandError::no_such_conversation()),
        }
        if member {
            return conversation_ack(tx, conversation, user);
        }
        let before = tx.store.members(conversation)?;
        tx.store.add_member(conversation, user)?;
        let name = tx.store.display_name(user)?;
        let line = tx.store.insert_system_message(
            conversation,
            user,
            &SystemEvent::Joined { user_id: user },
            &format!("{name} joined"),
            tx.now,
        )?;
        announce_added(tx, conversation, &[user])?;
        publish_message(tx, &line)?;
        announce_updated(tx, conversation, &before)?;
        conversation_ack(tx, conversation, user)
    })
}

pub fn leave(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        if !tx.store.is_member(conversation, user)? {
            return Err(CommandError::no_such_conversation());
        }
        match tx.store.conversation_kind(conversation)? {
            Some(ConversationKind::Direct) => {
                return Err(CommandError::new(
                    ErrorCode::InvalidArgument,
                    "a direct conversation cannot be left",
                ))
            }
            Some(ConversationKind::Interaction) => {
                return Err(CommandError::new(
                    ErrorCode::InvalidArgument,
                    "an interaction is handed on with transfer_interaction or ended with \
                     close_interaction",
                ))
            }
            _ => {}
        }
        let name = tx.store.display_name(user)?;
        let line = tx.store.insert_system_message(
            conversation,
            user,
            &SystemEvent::Left { user_id: user },
            &format!("{name} left"),
            tx.now,
        )?;
        // The leaver sees their own "left" line before the conversation goes away.
        publish_message(tx, &line)?;
        remove_member(tx, conversation, user)?;
        let remaining = tx.store.members(conversation)?;
        announce_updated(tx, conversation, &remaining)?;
        Ok(AckResult::Done)
    })
}

pub fn add_members(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    user_ids: &[UserId],
) -> Result<AckResult, CommandError> {
    if user_ids.is_empty() {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            "user_ids is empty",
        ));
    }
    core.write(|tx| {
        if !tx.store.is_member(conversation, user)? {
            return Err(CommandError::no_such_conversation());
        }
        match tx.store.conversation_kind(conversation)? {
            Some(ConversationKind::Direct) => {
                return Err(CommandError::new(
                    ErrorCode::InvalidArgument,
                    "nobody can be added to a direct conversation; create a group instead",
                ))
            }
            Some(ConversationKind::Interaction) => {
                return Err(CommandError::new(
                    ErrorCode::InvalidArgument,
                    "agents join an interaction through transfer_interaction",
                ))
            }
            _ => {}
        }
        check_users_exist(tx, user_ids)?;
        let before = tx.store.members(conversation)?;
        let mut added: Vec<UserId> = user_ids
            .iter()
            .copied()
            .filter(|u| !before.contains(u))
            .collect();
        added.sort_unstable();
        added.dedup();
        if added.is_empty() {
            return conversation_ack(tx, conversation, user);
        }
        let by = tx.store.display_name(user)?;
        let mut lines = Vec::with_capacity(added.len());
        for &new in &added {
            tx.store.add_member(conversation, new)?;
            let name = tx.store.display_name(new)?;
            lines.push(tx.store.insert_system_message(
                conversation,
                user,
                &SystemEvent::Added {
                    user_id: new,
                    by: user,
                },
                &format!("{by} added {name}"),
                tx.now,
            )?);
        }
        announce_added(tx, conversation, &added)?;
        for line in &lines {
            publish_message(tx, line)?;
        }
        announce_updated(tx, conversation, &before)?;
        for &new in &added {
            crate::notifications::on_added_to_conversation(tx, conversation, new, user)?;
        }
        conversation_ack(tx, conversation, user)
    })
}

pub fn mark_channels_seen(
    core: &mut Core,
    user: UserId,
    up_to: ConversationId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        tx.store.set_channels_seen(user, up_to)?;
        // The user's other tabs and local copies learn the count from the stream, so a
        // client that resumes (instead of starting from a welcome) shows it right.
        let new_channels = tx.store.new_channels(user)?;
        tx.emit(
            user,
            Event::ChannelsSeen {
                up_to,
                new_channels,
            },
        )?;
        Ok(AckResult::Done)
    })
}

fn check_title(title: &str) -> Result<&str, CommandError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            "title is empty",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            format!("title is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title)
}

fn check_users_exist(tx: &Tx<'_>, users: &[UserId]) -> Result<(), CommandError> {
    for &user in users {
        if !tx.store.user_exists(user)? {
            return Err(CommandError::new(
                ErrorCode::NotFound,
                format!("no such user: {user}"),
            ));
        }
    }
    Ok(())
}

/// `conversation_added` to each of `users`, as each of them sees it.
pub(crate) fn announce_added(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    users: &[UserId],
) -> Result<(), StoreError> {
    announce(tx, conversation, users, |conversation| {
        Event::ConversationAdded { conversation }
    })
}

/// `conversation_updated` (the new member list) to those of `users` still members.
pub(crate) fn announce_updated(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    users: &[UserId],
) -> Result<(), StoreError> {
    announce(tx, conversation, users, |conversation| {
        Event::ConversationUpdated { conversation }
    })
}

/// Each user gets the conversation as they see it (their own unread count and read
/// position); users no longer in it get nothing.
fn announce(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    users: &[UserId],
    event: impl Fn(ConversationSummary) -> Event,
) -> Result<(), StoreError> {
    for &user in users {
        if let Some(summary) = tx.store.summary(conversation, user)? {
            tx.emit(user, event(summary))?;
        }
    }
    Ok(())
}

fn conversation_ack(
    tx: &Tx<'_>,
    conversation: ConversationId,
    user: UserId,
) -> Result<AckResult, CommandError> {
    match tx.store.summary(conversation, user)? {
        Some(conversation) => Ok(AckResult::Conversation { conversation }),
        None => Err(CommandError::no_such_conversation()),
    }
}

impl Store {
    pub fn conversation_kind(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<ConversationKind>, StoreError> {
        let kind: Option<String> = self
            .conn
            .query_row(
                "SELECT kind FROM conversations WHERE id = ?1",
                [conversation],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kind.as_deref().map(kind_from_sql))
    }

    /// For system lines and error messages; a missing user reads as their id.
    pub fn display_name(&self, user: UserId) -> Result<String, StoreError> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT display_name FROM users WHERE id = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()?;
        Ok(name.unwrap_or_else(|| format!("user {user}")))
    }

    pub fn user_ids(&self) -> Result<Vec<UserId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM users WHERE id <> 0 ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(ids)
    }

    /// A newcomer starts as having read (and received) everything already there: joining a
    /// busy channel should not light up hundreds of unread messages, nor make its history
    /// count as unread for expiry.
    pub fn add_member(&self, conversation: ConversationId, user: UserId) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO conversation_members
                 (conversation_id, user_id, last_read_message_id, delivered_up_to)
             SELECT ?1, ?2, MAX(id), MAX(id) FROM messages WHERE conversation_id = ?1
             ON CONFLICT DO NOTHING",
            params![conversation, user],
        )?;
        Ok(())
    }

    pub fn remove_member(
        &self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM conversation_members WHERE conversation_id = ?1 AND user_id = ?2",
            params![conversation, user],
        )?;
        Ok(())
    }

    /// A system line by `actor`; `text` is what clients that do not know the event show.
    pub fn insert_system_message(
        &self,
        conversation: ConversationId,
        actor: UserId,
        event: &SystemEvent,
        text: &str,
        now: Timestamp,
    ) -> Result<Message, StoreError> {
        let id = self.conn.query_row(
            "INSERT INTO messages (conversation_id, sender_id, text, importance, created_at, system)
             VALUES (?1, ?2, ?3, 'normal', ?4, ?5) RETURNING id",
            params![conversation, actor, text, now, serde_json::to_string(event)?],
            |r| r.get(0),
        )?;
        Ok(Message {
            contact_id: None,
            note: false,
            id,
            conversation_id: conversation,
            sender_id: actor,
            text: text.to_owned(),
            importance: Importance::Normal,
            created_at: now,
            client_id: None,
            system: Some(event.clone()),
            attachments: Vec::new(),
        })
    }

    /// Every open channel, newest first, as `viewer` sees it.
    pub fn channels(&self, viewer: UserId) -> Result<Vec<ChannelInfo>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{CHANNEL_COLUMNS} WHERE c.kind = ?2 ORDER BY c.id DESC"
        ))?;
        let channels = stmt
            .query_map(
                params![viewer, kind_to_sql(ConversationKind::Channel)],
                channel_from_row,
            )?
            .collect::<crate::db::Result<_>>()?;
        Ok(channels)
    }

    pub fn channel_info(
        &self,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Option<ChannelInfo>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("{CHANNEL_COLUMNS} WHERE c.kind = ?2 AND c.id = ?3"),
                params![viewer, kind_to_sql(ConversationKind::Channel), conversation],
                channel_from_row,
            )
            .optional()?)
    }

    /// The position only moves forward, so a lagging tab cannot bring "new" back. It stops
    /// at the newest conversation, so an id from nowhere cannot hide channels made later.
    pub fn set_channels_seen(&self, user: UserId, up_to: ConversationId) -> Result<(), StoreError> {
        // Two statements: SQLite's two-argument MAX/MIN are GREATEST/LEAST in PostgreSQL.
        let newest: ConversationId =
            self.conn
                .query_row("SELECT COALESCE(MAX(id), 0) FROM conversations", [], |r| {
                    r.get(0)
                })?;
        self.conn.execute(
            "UPDATE users SET channels_seen_up_to = ?2 WHERE id = ?1 AND channels_seen_up_to < ?2",
            params![user, up_to.min(newest)],
        )?;
        Ok(())
    }

    /// Channels the user has neither joined nor seen in the channel list.
    pub fn new_channels(&self, user: UserId) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM conversations c
             WHERE c.kind = ?2
               AND c.id > (SELECT channels_seen_up_to FROM users WHERE id = ?1)
               AND NOT EXISTS (SELECT 1 FROM conversation_members m
                               WHERE m.conversation_id = c.id AND m.user_id = ?1)",
            params![user, kind_to_sql(ConversationKind::Channel)],
            |r| r.get(0),
        )?)
    }
}

/// `?1` is the viewer, for `joined`.
const CHANNEL_COLUMNS: &str = "SELECT c.id, c.title, c.created_at,
        (SELECT COUNT(*) FROM conversation_members m WHERE m.conversation_id = c.id),
        EXISTS(SELECT 1 FROM conversation_members m
               WHERE m.conversation_id = c.id AND m.user_id = ?1)
    FROM conversations c";

fn channel_from_row(r: &crate::db::Row<'_>) -> crate::db::Result<ChannelInfo> {
    Ok(ChannelInfo {
        id: r.get(0)?,
        title: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
        created_at: r.get(2)?,
        member_count: r.get(3)?,
        joined: r.get(4)?,
    })
}

/// Takes `user` out of `conversation` and tells them (their other tabs close it).
pub(crate) fn remove_member(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    user: UserId,
) -> Result<(), StoreError> {
    tx.store.remove_member(conversation, user)?;
    tx.emit(
        user,
        Event::ConversationRemoved {
            conversation_id: conversation,
        },
    )
}
