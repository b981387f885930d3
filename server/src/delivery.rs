//! Publishing messages to members, and per-recipient delivery state: a message counts as
//! delivered to a member once it was pushed to one of their connections, or once they
//! connected after it was stored (store-and-forward).

use crate::db::params;
use messenger_protocol::{ConversationId, Event, Message, MessageId, UserId};

use crate::app::{Core, Tx};
use crate::store::{Store, StoreError};

/// Sends `message` to every member, then records it as delivered to the recipients who are
/// connected. Only the sender (whose message it is) and the recipient (for their other
/// tabs) hear of it: telling every member would cost members² events per message in a
/// large group, for state that only the sender shows.
pub fn publish_message(tx: &mut Tx<'_>, message: &Message) -> Result<(), StoreError> {
    let conversation = message.conversation_id;
    let members = tx.store.members(conversation)?;
    tx.emit_to(
        &members,
        &Event::MessageCreated {
            message: message.clone(),
        },
    )?;
    let online: Vec<UserId> = members
        .into_iter()
        .filter(|&m| m != message.sender_id && tx.hub.is_online(m))
        .collect();
    if online.is_empty() {
        return Ok(());
    }
    for recipient in tx
        .store
        .advance_delivered_all(conversation, &online, message.id)?
    {
        // A contact's message (or the server's line) has no sender to tell.
        let both = [message.sender_id, recipient];
        let audience = if message.sender_id == crate::contact_center::NOBODY {
            &both[1..]
        } else {
            &both[..]
        };
        tx.emit_to(
            audience,
            &Event::DeliveredUpTo {
                conversation_id: conversation,
                user_id: recipient,
                message_id: message.id,
            },
        )?;
    }
    Ok(())
}

/// A connection of `user` has just received its welcome or replay, which covers every
/// message stored so far: all of them are delivered now. Messages from several senders may
/// be covered at once, so every member hears of it.
pub fn deliver_on_connect(core: &mut Core, user: UserId) -> Result<(), StoreError> {
    core.write(|tx| {
        for (conversation, newest) in tx.store.undelivered(user)? {
            let members = tx.store.members(conversation)?;
            advance(tx, conversation, user, newest, &members)?;
        }
        Ok(())
    })
}

fn advance(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    user: UserId,
    message: MessageId,
    audience: &[UserId],
) -> Result<(), StoreError> {
    if !tx.store.advance_delivered(conversation, user, message)? {
        return Ok(());
    }
    tx.emit_to(
        audience,
        &Event::DeliveredUpTo {
            conversation_id: conversation,
            user_id: user,
            message_id: message,
        },
    )
}

impl Store {
    /// Moves the delivery position forward (never back); returns whether it moved.
    pub fn advance_delivered(
        &self,
        conversation: ConversationId,
        user: UserId,
        message: MessageId,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE conversation_members SET delivered_up_to = ?3
             WHERE conversation_id = ?1 AND user_id = ?2 AND COALESCE(delivered_up_to, 0) < ?3",
            )?
            .execute(params![conversation, user, message])?;
        Ok(changed > 0)
    }

    /// [`Store::advance_delivered`] for several members in one statement; returns those
    /// whose position moved, in id order.
    pub fn advance_delivered_all(
        &self,
        conversation: ConversationId,
        users: &[UserId],
        message: MessageId,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut moved: Vec<UserId> = self
            .conn
            .prepare_cached(&format!(
                "UPDATE conversation_members SET delivered_up_to = ?2
                 WHERE conversation_id = ?1 AND user_id IN ({})
                   AND COALESCE(delivered_up_to, 0) < ?2
                 RETURNING user_id",
                self.ids_in_json_at(3)
            ))?
            .query_map(
                params![conversation, message, serde_json::to_string(users)?],
                |r| r.get(0),
            )?
            .collect::<crate::db::Result<_>>()?;
        moved.sort_unstable();
        Ok(moved)
    }

    /// The user's conversations holding messages from others beyond the user's delivery
    /// position, with the newest such message.
    fn undelivered(&self, user: UserId) -> Result<Vec<(ConversationId, MessageId)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT conversation_id, newest FROM (
                 SELECT m.conversation_id, m.delivered_up_to,
                        (SELECT MAX(id) FROM messages
                         WHERE conversation_id = m.conversation_id AND sender_id <> ?1) AS newest
                 FROM conversation_members m WHERE m.user_id = ?1) AS member
             WHERE newest > COALESCE(delivered_up_to, 0)
             ORDER BY conversation_id",
        )?;
        let rows = stmt
            .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::db::Result<_>>()?;
        Ok(rows)
    }
}
