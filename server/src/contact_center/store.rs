//! The contact center's queries, beside the feature rather than in the shared store.

use crate::db::{params, OptionalExtension, Row};
use messenger_protocol::{
    Contact, ContactChannel, ContactId, ConversationId, ConversationKind, ConversationSummary,
    DepartmentId, Importance, Interaction, InteractionMode, InteractionState, Message, MessageId,
    Timestamp, TransferOffer, UserId,
};

use crate::store::{kind_to_sql, message_from_row, Result, Store, MESSAGE_COLUMNS};

/// "Recent" interactions of a contact, as the interaction object counts them.
const RECENT_MS: Timestamp = 30 * 24 * 3600 * 1000;

/// An interaction's row, as the commands and jobs need it.
#[derive(Clone, Debug)]
pub struct InteractionRow {
    pub conversation: ConversationId,
    pub contact: ContactId,
    pub mode: InteractionMode,
    pub state: InteractionState,
    pub agent: Option<UserId>,
    pub offer: Option<TransferOffer>,
    pub last_activity: Timestamp,
}

const ROW_COLUMNS: &str = "SELECT conversation_id, contact_id, mode, state, agent_id,
        offer_from, offer_to_user, offer_to_department, last_activity FROM interactions";

fn row_from(r: &Row<'_>) -> crate::db::Result<InteractionRow> {
    let offer_from: Option<UserId> = r.get(5)?;
    Ok(InteractionRow {
        conversation: r.get(0)?,
        contact: r.get(1)?,
        mode: mode_from_sql(&r.get::<_, String>(2)?),
        state: state_from_sql(&r.get::<_, String>(3)?),
        agent: r.get(4)?,
        offer: match offer_from {
            Some(from) => Some(TransferOffer {
                from,
                to_user: r.get(6)?,
                to_department: r.get(7)?,
            }),
            None => None,
        },
        last_activity: r.get(8)?,
    })
}

pub(crate) fn mode_to_sql(mode: InteractionMode) -> &'static str {
    match mode {
        InteractionMode::Page => "page",
        InteractionMode::Session => "session",
    }
}

fn mode_from_sql(mode: &str) -> InteractionMode {
    match mode {
        "page" => InteractionMode::Page,
        _ => InteractionMode::Session,
    }
}

fn state_from_sql(state: &str) -> InteractionState {
    match state {
        "done" => InteractionState::Done,
        _ => InteractionState::Open,
    }
}

pub(crate) fn channel_to_sql(channel: ContactChannel) -> &'static str {
    match channel {
        ContactChannel::Sms => "sms",
        ContactChannel::Web => "web",
    }
}

fn channel_from_sql(channel: &str) -> ContactChannel {
    match channel {
        "web" => ContactChannel::Web,
        _ => ContactChannel::Sms,
    }
}

/// One reply waiting for the gateway, with where it goes.
pub struct PendingReply {
    pub message: Message,
    pub channel: ContactChannel,
    pub address: String,
}

impl Store {
    pub fn is_agent(&self, user: UserId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT agent <> 0 FROM users WHERE id = ?1 AND id <> 0")?
            .query_row([user], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Makes the users called `usernames` agents, unless a name is nobody's: then nothing
    /// changes and those names are returned.
    pub fn make_agents(&self, usernames: &[String]) -> Result<Vec<String>> {
        let mut unknown = Vec::new();
        for name in usernames {
            let known: bool = self
                .conn
                .prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE username = ?1 AND id <> 0)",
                )?
                .query_row([name], |r| r.get(0))?;
            if !known {
                unknown.push(name.clone());
            }
        }
        if unknown.is_empty() {
            for name in usernames {
                self.conn
                    .prepare_cached("UPDATE users SET agent = 1 WHERE username = ?1")?
                    .execute([name])?;
            }
        }
        Ok(unknown)
    }

    pub fn department_exists(&self, department: DepartmentId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM departments WHERE id = ?1)")?
            .query_row([department], |r| r.get(0))?)
    }

    /// The agents of `department` (of every department with `None`), each with the number
    /// of open interactions they own, by id.
    pub fn agents_with_load(&self, department: Option<DepartmentId>) -> Result<Vec<(UserId, i64)>> {
        let load = "SELECT u.id, (SELECT COUNT(*) FROM interactions i
                                  WHERE i.agent_id = u.id AND i.state = 'open')
                    FROM users u WHERE u.agent <> 0 AND u.id <> 0";
        let rows = match department {
            Some(department) => self
                .conn
                .prepare_cached(&format!("{load} AND u.department_id = ?1 ORDER BY u.id"))?
                .query_map([department], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<crate::db::Result<_>>()?,
            None => self
                .conn
                .prepare_cached(&format!("{load} ORDER BY u.id"))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<crate::db::Result<_>>()?,
        };
        Ok(rows)
    }

    /// The contact for this channel and address, created if new; a display name given now
    /// replaces the one known.
    pub fn contact_for(
        &self,
        channel: ContactChannel,
        address: &str,
        display_name: Option<&str>,
        now: Timestamp,
    ) -> Result<ContactId> {
        let phone = (channel == ContactChannel::Sms).then_some(address);
        let existing: Option<ContactId> = self
            .conn
            .prepare_cached("SELECT id FROM contacts WHERE channel = ?1 AND address = ?2")?
            .query_row(params![channel_to_sql(channel), address], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            if display_name.is_some() {
                self.conn
                    .prepare_cached("UPDATE contacts SET display_name = ?2 WHERE id = ?1")?
                    .execute(params![id, display_name])?;
            }
            return Ok(id);
        }
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO contacts (channel, address, display_name, phone, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            )?
            .query_row(
                params![channel_to_sql(channel), address, display_name, phone, now],
                |r| r.get(0),
            )?)
    }

    pub fn contact(&self, id: ContactId) -> Result<Option<Contact>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, channel, address, display_name, phone, email FROM contacts
                 WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Contact {
                    id: r.get(0)?,
                    channel: channel_from_sql(&r.get::<_, String>(1)?),
                    address: r.get(2)?,
                    display_name: r.get(3)?,
                    phone: r.get(4)?,
                    email: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// The contact's open session, if any (the newest, should there be several).
    pub fn open_session(&self, contact: ContactId) -> Result<Option<ConversationId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT conversation_id FROM interactions
                 WHERE contact_id = ?1 AND state = 'open' AND mode = 'session'
                 ORDER BY conversation_id DESC LIMIT 1",
            )?
            .query_row([contact], |r| r.get(0))
            .optional()?)
    }

    /// A new interaction conversation owned by `agent`, its only member.
    pub fn create_interaction(
        &self,
        contact: &Contact,
        mode: InteractionMode,
        agent: UserId,
        now: Timestamp,
    ) -> Result<ConversationId> {
        let conversation = self.create_conversation(
            ConversationKind::Interaction,
            Some(&contact.address),
            None,
            &[agent],
            now,
        )?;
        self.set_sms(conversation, contact.channel == ContactChannel::Sms)?;
        self.conn
            .prepare_cached(
                "INSERT INTO interactions (conversation_id, contact_id, mode, state, agent_id,
                                           last_activity, created_at)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?5)",
            )?
            .execute(params![
                conversation,
                contact.id,
                mode_to_sql(mode),
                agent,
                now
            ])?;
        Ok(conversation)
    }

    pub fn interaction_row(&self, conversation: ConversationId) -> Result<Option<InteractionRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{ROW_COLUMNS} WHERE conversation_id = ?1"))?
            .query_row([conversation], row_from)
            .optional()?)
    }

    /// The interaction object of a summary.
    pub fn interaction(&self, conversation: ConversationId) -> Result<Option<Interaction>> {
        let Some(row) = self.interaction_row(conversation)? else {
            return Ok(None);
        };
        let Some(contact) = self.contact(row.contact)? else {
            return Ok(None);
        };
        let disposition: Option<String> = self
            .conn
            .prepare_cached("SELECT disposition FROM interactions WHERE conversation_id = ?1")?
            .query_row([conversation], |r| r.get(0))?;
        let recent: u32 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM interactions WHERE contact_id = ?1 AND created_at >= ?2",
            )?
            .query_row(
                params![row.contact, crate::app::now_ms() - RECENT_MS],
                |r| r.get(0),
            )?;
        let open_session =
            row.state == InteractionState::Open && row.mode == InteractionMode::Session;
        Ok(Some(Interaction {
            contact,
            mode: row.mode,
            state: row.state,
            agent_id: row.agent,
            offer: row.offer,
            disposition,
            last_activity: row.last_activity,
            closes_at: open_session.then(|| row.last_activity + self.session_timeout_ms),
            // Counted at least once: this one, whatever the clock did.
            recent_interactions: recent.max(1),
        }))
    }

    /// An interaction as `viewer` (an agent, maybe not a member) sees it.
    pub fn interaction_summary(
        &self,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Option<ConversationSummary>> {
        if let Some(summary) = self.summary(conversation, viewer)? {
            return Ok(Some(summary));
        }
        let head: Option<(String, Option<String>, bool)> = self
            .conn
            .prepare_cached(
                "SELECT kind, title, sms FROM conversations WHERE id = ?1 AND kind = ?2",
            )?
            .query_row(
                params![conversation, kind_to_sql(ConversationKind::Interaction)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((kind, title, sms)) = head else {
            return Ok(None);
        };
        self.summary_from(conversation, viewer, (kind, title, None, sms), false)
            .map(Some)
    }

    /// Whether `user` may read the conversation's history without being a member: an
    /// agent, reading an interaction.
    pub fn agent_may_read(&self, conversation: ConversationId, user: UserId) -> Result<bool> {
        Ok(self.is_agent(user)? && self.interaction_row(conversation)?.is_some())
    }

    /// The contact's interactions, newest first.
    pub fn contact_interactions(
        &self,
        contact: ContactId,
        limit: u32,
    ) -> Result<Vec<ConversationId>> {
        let ids = self
            .conn
            .prepare_cached(
                "SELECT conversation_id FROM interactions WHERE contact_id = ?1
                 ORDER BY created_at DESC, conversation_id DESC LIMIT ?2",
            )?
            .query_map(params![contact, limit], |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        Ok(ids)
    }

    /// A message from the contact (`sender` [`super::NOBODY`], `contact` set) or an agent's
    /// message in an interaction (a note or not).
    #[allow(clippy::too_many_arguments)]
    pub fn insert_interaction_message(
        &self,
        conversation: ConversationId,
        sender: UserId,
        contact: Option<ContactId>,
        text: &str,
        importance: Importance,
        client_id: Option<&str>,
        note: bool,
        now: Timestamp,
    ) -> Result<Message> {
        let mut message =
            self.insert_message(conversation, sender, text, importance, client_id, now)?;
        if contact.is_some() || note {
            self.conn
                .prepare_cached("UPDATE messages SET contact_id = ?2, note = ?3 WHERE id = ?1")?
                .execute(params![message.id, contact, note])?;
        }
        message.contact_id = contact;
        message.note = note;
        Ok(message)
    }

    /// A message from the contact or an agent: the clock restarts and a new warning is due.
    pub fn touch_interaction(&self, conversation: ConversationId, now: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE interactions SET last_activity = ?2, warned = 0 WHERE conversation_id = ?1",
            )?
            .execute(params![conversation, now])?;
        Ok(())
    }

    pub fn set_offer(
        &self,
        conversation: ConversationId,
        offer: Option<&TransferOffer>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE interactions SET offer_from = ?2, offer_to_user = ?3,
                        offer_to_department = ?4
                 WHERE conversation_id = ?1",
            )?
            .execute(params![
                conversation,
                offer.map(|o| o.from),
                offer.and_then(|o| o.to_user),
                offer.and_then(|o| o.to_department)
            ])?;
        Ok(())
    }

    pub fn set_interaction_agent(&self, conversation: ConversationId, agent: UserId) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE interactions SET agent_id = ?2 WHERE conversation_id = ?1")?
            .execute(params![conversation, agent])?;
        Ok(())
    }

    /// Done, with the code it was closed with; a pending offer goes.
    pub fn finish_interaction(
        &self,
        conversation: ConversationId,
        disposition: Option<&str>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE interactions SET state = 'done', disposition = ?2, offer_from = NULL,
                        offer_to_user = NULL, offer_to_department = NULL
                 WHERE conversation_id = ?1",
            )?
            .execute(params![conversation, disposition])?;
        Ok(())
    }

    /// Open sessions silent since `since` or before, not warned yet.
    pub fn sessions_to_warn(&self, since: Timestamp) -> Result<Vec<InteractionRow>> {
        let rows = self
            .conn
            .prepare_cached(&format!(
                "{ROW_COLUMNS} WHERE state = 'open' AND mode = 'session' AND warned = 0
                   AND last_activity <= ?1 ORDER BY conversation_id"
            ))?
            .query_map([since], row_from)?
            .collect::<crate::db::Result<_>>()?;
        Ok(rows)
    }

    /// Records the warning; false if it was already recorded (another node, a rerun).
    pub fn mark_warned(&self, conversation: ConversationId) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE interactions SET warned = 1 WHERE conversation_id = ?1 AND warned = 0",
            )?
            .execute([conversation])?;
        Ok(changed > 0)
    }

    /// Open sessions silent since `since` or before.
    pub fn sessions_to_close(&self, since: Timestamp) -> Result<Vec<InteractionRow>> {
        let rows = self
            .conn
            .prepare_cached(&format!(
                "{ROW_COLUMNS} WHERE state = 'open' AND mode = 'session' AND last_activity <= ?1
                 ORDER BY conversation_id"
            ))?
            .query_map([since], row_from)?
            .collect::<crate::db::Result<_>>()?;
        Ok(rows)
    }

    /// The answer the webhook gave for this provider message id, if it stored it already.
    pub fn inbound_result(&self, provider_id: &str) -> Result<Option<(ConversationId, MessageId)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT conversation_id, message_id FROM inbound_messages WHERE provider_id = ?1",
            )?
            .query_row([provider_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn record_inbound(
        &self,
        provider_id: &str,
        conversation: ConversationId,
        message: MessageId,
        now: Timestamp,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO inbound_messages (provider_id, conversation_id, message_id, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![provider_id, conversation, message, now])?;
        Ok(())
    }

    pub fn queue_outbound(&self, message: MessageId, now: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO outbound_queue (message_id, state, created_at)
                 VALUES (?1, 'pending', ?2) ON CONFLICT DO NOTHING",
            )?
            .execute(params![message, now])?;
        Ok(())
    }

    /// Replies the gateway has not taken yet, oldest first.
    pub fn pending_replies(&self, limit: u32) -> Result<Vec<PendingReply>> {
        let heads: Vec<(MessageId, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT q.message_id, c.channel, c.address FROM outbound_queue q
                 JOIN messages m ON m.id = q.message_id
                 JOIN interactions i ON i.conversation_id = m.conversation_id
                 JOIN contacts c ON c.id = i.contact_id
                 WHERE q.state = 'pending' ORDER BY q.message_id LIMIT ?1",
            )?
            .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<crate::db::Result<_>>()?;
        let mut replies = Vec::with_capacity(heads.len());
        for (id, channel, address) in heads {
            let mut message = self
                .conn
                .prepare_cached(&format!("{MESSAGE_COLUMNS} WHERE id = ?1"))?
                .query_row([id], message_from_row)?;
            self.fill_attachments(std::slice::from_mut(&mut message))?;
            replies.push(PendingReply {
                message,
                channel: channel_from_sql(&channel),
                address,
            });
        }
        Ok(replies)
    }

    pub fn mark_reply_sent(&self, message: MessageId, now: Timestamp) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE outbound_queue SET state = 'sent', sent_at = ?2, attempts = attempts + 1
                 WHERE message_id = ?1",
            )?
            .execute(params![message, now])?;
        Ok(())
    }

    pub fn count_reply_attempt(&self, message: MessageId) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE outbound_queue SET attempts = attempts + 1 WHERE message_id = ?1",
            )?
            .execute([message])?;
        Ok(())
    }

    pub fn department_name(&self, department: DepartmentId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM departments WHERE id = ?1")?
            .query_row([department], |r| r.get(0))
            .optional()?)
    }
}
