//! What each client command does: checks, the write, the events it causes, the ack.

use messenger_protocol::{
    AckResult, AttachmentId, ClientFrame, ConversationId, ConversationKind, ErrorCode, Event,
    Importance, InteractionState, Message, MessageId, Presence, ServerFrame, UserId,
    MAX_MESSAGE_BYTES,
};

use crate::app::Core;
use crate::contact_center;
use crate::conversations;
use crate::store::StoreError;

/// Command ids are stored with each message; a UUID needs 36 bytes, so this is generous.
const MAX_COMMAND_ID_BYTES: usize = 128;
const MAX_HISTORY_PAGE: u32 = 100;

pub struct CommandError {
    code: ErrorCode,
    message: String,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }

    #[cfg(test)]
    pub(crate) fn code(&self) -> ErrorCode {
        self.code
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Members and strangers get the same answer, so probing ids reveals nothing.
    pub(crate) fn no_such_conversation() -> Self {
        CommandError::new(ErrorCode::NotFound, "no such conversation")
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        tracing::error!("command failed in the store: {e}");
        CommandError::new(ErrorCode::Internal, "internal server error")
    }
}

/// Runs a command for `user` and returns the ack or error frame to send back.
pub fn handle(core: &mut Core, user: UserId, frame: ClientFrame) -> ServerFrame {
    let Some(id) = frame.command_id().map(str::to_owned) else {
        return ServerFrame::Error {
            id: None,
            code: ErrorCode::InvalidArgument,
            message: HELLO_TWICE.into(),
        };
    };
    let result = check_command_id(&id).and_then(|()| {
        if changes_nothing(&frame) {
            run(core, user, &id, frame)
        } else {
            core.atomically(|core| run_once(core, user, &id, frame))
        }
    });
    reply(id, result)
}

/// `check_spelling` needs neither the store nor the hub: the socket task runs it on the
/// blocking pool through this, so loading a dictionary holds up no one else.
pub(crate) fn check_spelling(
    dictionaries: &crate::spelling::Dictionaries,
    id: String,
    lang: &str,
    text: &str,
) -> ServerFrame {
    let result =
        check_command_id(&id).and_then(|()| crate::spelling::check(dictionaries, lang, text));
    reply(id, result)
}

fn reply(id: String, result: Result<AckResult, CommandError>) -> ServerFrame {
    match result {
        Ok(result) => ServerFrame::Ack { id, result },
        Err(e) => ServerFrame::Error {
            id: Some(id),
            code: e.code,
            message: e.message,
        },
    }
}

const HELLO_TWICE: &str = "hello was already accepted on this connection";

/// Commands that store nothing are simply run again when resent. (`typing` only sends an
/// ephemeral frame; repeating it is harmless.)
pub(crate) fn changes_nothing(frame: &ClientFrame) -> bool {
    matches!(
        frame,
        ClientFrame::Hello { .. }
            | ClientFrame::LoadHistory { .. }
            | ClientFrame::ListChannels { .. }
            | ClientFrame::ListNotifications { .. }
            | ClientFrame::ContactHistory { .. }
            | ClientFrame::ListMailbox { .. }
            | ClientFrame::Typing { .. }
            | ClientFrame::CheckSpelling { .. }
    )
}

/// Runs a mutating command at most once per (user, command id): the ack is stored in the
/// same transaction as the command's effects, and a resend gets the stored ack. Errors are
/// not stored, since the command changed nothing and may succeed when retried.
fn run_once(
    core: &mut Core,
    user: UserId,
    id: &str,
    frame: ClientFrame,
) -> Result<AckResult, CommandError> {
    // A message is stored with its command id and `send_message` answers a resend from it
    // (the same message, nothing created): storing its ack as well would write every
    // message twice.
    if matches!(frame, ClientFrame::SendMessage { .. }) {
        return run(core, user, id, frame);
    }
    if let Some(result) = core.store.command_result(user, id)? {
        return Ok(result);
    }
    let result = run(core, user, id, frame)?;
    core.store
        .save_command_result(user, id, &result, crate::app::now_ms())?;
    Ok(result)
}

fn check_command_id(id: &str) -> Result<(), CommandError> {
    if id.is_empty() || id.len() > MAX_COMMAND_ID_BYTES {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            format!("command id must be 1 to {MAX_COMMAND_ID_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn run(
    core: &mut Core,
    user: UserId,
    id: &str,
    frame: ClientFrame,
) -> Result<AckResult, CommandError> {
    match frame {
        ClientFrame::Hello { .. } => {
            Err(CommandError::new(ErrorCode::InvalidArgument, HELLO_TWICE))
        }
        ClientFrame::SendMessage {
            conversation_id,
            text,
            importance,
            attachments,
            note,
            ..
        } => send_message(
            core,
            user,
            id,
            conversation_id,
            &text,
            importance,
            &attachments,
            note,
        )
        .map(|message| AckResult::MessageSent { message }),
        ClientFrame::OpenDirect { user_id, .. } => open_direct(core, user, user_id),
        ClientFrame::MarkRead {
            conversation_id,
            message_id,
            ..
        } => mark_read(core, user, conversation_id, message_id),
        ClientFrame::LoadHistory {
            conversation_id,
            before,
            limit,
            ..
        } => load_history(core, user, conversation_id, before, limit),
        ClientFrame::CreateGroup { title, members, .. } => {
            conversations::create_group(core, user, &title, &members)
        }
        ClientFrame::CreateChannel { title, .. } => {
            conversations::create_channel(core, user, &title)
        }
        ClientFrame::ListChannels { .. } => conversations::list_channels(core, user),
        ClientFrame::JoinChannel {
            conversation_id, ..
        } => conversations::join_channel(core, user, conversation_id),
        ClientFrame::LeaveConversation {
            conversation_id, ..
        } => conversations::leave(core, user, conversation_id),
        ClientFrame::AddMembers {
            conversation_id,
            user_ids,
            ..
        } => conversations::add_members(core, user, conversation_id, &user_ids),
        ClientFrame::MarkChannelsSeen { up_to, .. } => {
            conversations::mark_channels_seen(core, user, up_to)
        }
        // Normally answered off the lock (`check_spelling` above); this is the same answer.
        ClientFrame::CheckSpelling { lang, text, .. } => {
            crate::spelling::check(&core.spelling, &lang, &text)
        }
        ClientFrame::TransferInteraction {
            conversation_id,
            to_user,
            to_department,
            ..
        } => contact_center::transfer_interaction(
            core,
            user,
            conversation_id,
            to_user,
            to_department,
        ),
        ClientFrame::AnswerTransfer {
            conversation_id,
            accept,
            reason,
            ..
        } => {
            contact_center::answer_transfer(core, user, conversation_id, accept, reason.as_deref())
        }
        ClientFrame::CloseInteraction {
            conversation_id,
            disposition,
            ..
        } => contact_center::close_interaction(core, user, conversation_id, disposition.as_deref()),
        ClientFrame::ContactHistory {
            contact_id, limit, ..
        } => contact_center::contact_history(core, user, contact_id, limit),
        ClientFrame::ListMailbox {
            folder,
            before,
            limit,
            ..
        } => crate::mailbox::list(core, user, folder, before, limit),
        ClientFrame::Typing {
            conversation_id, ..
        } => typing(core, user, conversation_id),
        ClientFrame::SetPresence { presence, .. } => set_presence(core, user, presence),
        ClientFrame::ListNotifications { before, limit, .. } => {
            crate::notifications::list(core, user, before, limit)
        }
        ClientFrame::MarkNotificationRead {
            notification_id, ..
        } => crate::notifications::mark_read(core, user, notification_id),
        ClientFrame::MarkAllNotificationsRead { .. } => {
            crate::notifications::mark_all_read(core, user)
        }
        ClientFrame::MarkConversationNotificationsRead {
            conversation_id, ..
        } => crate::notifications::mark_conversation_read(core, user, conversation_id),
        ClientFrame::SetReminder {
            at,
            text,
            conversation_id,
            ..
        } => crate::notifications::set_reminder(core, user, id, at, &text, conversation_id),
        ClientFrame::UpdateSettings { settings, .. } => {
            crate::settings::update(core, user, settings)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn send_message(
    core: &mut Core,
    user: UserId,
    command_id: &str,
    conversation: ConversationId,
    text: &str,
    importance: Importance,
    attachments: &[AttachmentId],
    note: bool,
) -> Result<Message, CommandError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(CommandError::new(
            ErrorCode::MessageTooLarge,
            format!(
                "message is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
                text.len()
            ),
        ));
    }
    // A picture can speak for itself: only a message with nothing at all is refused.
    if text.trim().is_empty() && attachments.is_empty() {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            "message text is empty",
        ));
    }
    let forwarding = core.config.forwarding;
    core.write(|tx| {
        if !tx.store.is_member(conversation, user)? {
            return Err(CommandError::no_such_conversation());
        }
        // A resend after a lost ack: answer as the first time did, create and announce nothing.
        if let Some(existing) = tx.store.message_by_client_id(user, command_id)? {
            return Ok(existing);
        }
        let interaction = tx.store.interaction_row(conversation)?;
        match &interaction {
            None if note => {
                return Err(CommandError::new(
                    ErrorCode::InvalidArgument,
                    "notes are for interactions; this conversation is not one",
                ))
            }
            Some(row) => check_interaction_message(row, user, note)?,
            None => {}
        }
        if !forwarding {
            refuse_if_recipient_offline(tx, user, conversation)?;
        }
        let mut message = match interaction {
            Some(_) => tx.store.insert_interaction_message(
                conversation,
                user,
                None,
                text,
                importance,
                Some(command_id),
                note,
                tx.now,
            )?,
            None => tx.store.insert_message(
                conversation,
                user,
                text,
                importance,
                Some(command_id),
                tx.now,
            )?,
        };
        message.attachments = crate::attachments::claim(tx, user, message.id, attachments)?;
        crate::delivery::publish_message(tx, &message)?;
        crate::notifications::on_message(tx, &message)?;
        if interaction.is_some() {
            contact_center::on_agent_message(tx, &message)?;
        }
        Ok(message)
    })
}

/// A done interaction is read-only; only its agent writes to the contact, while anyone in
/// it (a transfer's targets too) may add a note.
fn check_interaction_message(
    row: &contact_center::InteractionRow,
    user: UserId,
    note: bool,
) -> Result<(), CommandError> {
    if row.state == InteractionState::Done {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            "the interaction is done; nothing more can be sent in it",
        ));
    }
    if !note && row.agent != Some(user) {
        return Err(CommandError::new(
            ErrorCode::Forbidden,
            "only the interaction's agent writes to the contact; add a note instead",
        ));
    }
    Ok(())
}

/// Without forwarding the server keeps nothing for an offline person: a direct message to
/// one is refused so the sender's client keeps it. Groups and channels always store.
fn refuse_if_recipient_offline(
    tx: &crate::app::Tx<'_>,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), CommandError> {
    if tx.store.conversation_kind(conversation)? != Some(ConversationKind::Direct) {
        return Ok(());
    }
    for member in tx.store.members(conversation)? {
        if member != user && !tx.hub.is_online(member) {
            let name = tx.store.display_name(member)?;
            return Err(CommandError::new(
                ErrorCode::RecipientOffline,
                format!(
                    "{name} is offline and this server does not forward messages; \
                     keep it and send when they are online"
                ),
            ));
        }
    }
    Ok(())
}

fn typing(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
) -> Result<AckResult, CommandError> {
    if !core.store.is_member(conversation, user)? {
        return Err(CommandError::no_such_conversation());
    }
    let frame = serde_json::to_string(&ServerFrame::Typing {
        conversation_id: conversation,
        user_id: user,
    })
    .map_err(StoreError::from)?;
    let members: Vec<UserId> = core
        .store
        .members(conversation)?
        .into_iter()
        .filter(|&member| member != user)
        .collect();
    for &member in &members {
        core.hub.send(member, &frame);
    }
    if let Some(cluster) = &core.cluster {
        let elsewhere: Vec<UserId> = members
            .into_iter()
            .filter(|&member| core.hub.is_online_elsewhere(member))
            .collect();
        cluster.publish_ephemeral(&elsewhere, &frame);
    }
    Ok(AckResult::Done)
}

fn set_presence(
    core: &mut Core,
    user: UserId,
    presence: Presence,
) -> Result<AckResult, CommandError> {
    let away = match presence {
        Presence::Online => false,
        Presence::Away => true,
        Presence::Offline => {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                "presence can be online or away; offline is having no connection",
            ))
        }
    };
    if !core.hub.set_away(user, away) {
        return Ok(AckResult::Done);
    }
    if let Some(cluster) = &core.cluster {
        cluster.set_away(user, away);
    }
    // Everyone connected, the user's own other tabs included.
    let online = core.hub.online_users();
    core.write(|tx| {
        for other in online {
            tx.emit(
                other,
                Event::Presence {
                    user_id: user,
                    presence,
                    last_seen: None,
                },
            )?;
        }
        Ok(AckResult::Done)
    })
}

fn open_direct(core: &mut Core, user: UserId, other: UserId) -> Result<AckResult, CommandError> {
    if other == user {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            "cannot open a direct conversation with yourself",
        ));
    }
    core.write(|tx| {
        if !tx.store.user_exists(other)? {
            return Err(CommandError::new(ErrorCode::NotFound, "no such user"));
        }
        let pair = [user.min(other), user.max(other)];
        let key = format!("{}:{}", pair[0], pair[1]);
        let conversation = match tx.store.direct_conversation(&key)? {
            Some(id) => id,
            None => {
                let id = tx.store.create_conversation(
                    ConversationKind::Direct,
                    None,
                    Some(&key),
                    &pair,
                    tx.now,
                )?;
                for member in pair {
                    if let Some(conversation) = tx.store.summary(id, member)? {
                        tx.emit(member, Event::ConversationAdded { conversation })?;
                    }
                }
                id
            }
        };
        match tx.store.summary(conversation, user)? {
            Some(conversation) => Ok(AckResult::Conversation { conversation }),
            None => Err(CommandError::no_such_conversation()),
        }
    })
}

fn mark_read(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<AckResult, CommandError> {
    core.write(|tx| {
        if !tx.store.is_member(conversation, user)? {
            return Err(CommandError::no_such_conversation());
        }
        if !tx.store.message_in_conversation(conversation, message)? {
            return Err(CommandError::new(
                ErrorCode::NotFound,
                "no such message in this conversation",
            ));
        }
        // Re-reading an older message (another tab lagging behind) changes nothing.
        if let Some(position) = tx.store.advance_read(conversation, user, message)? {
            for member in tx.store.members(conversation)? {
                tx.emit(
                    member,
                    Event::ReadUpTo {
                        conversation_id: conversation,
                        user_id: user,
                        message_id: position,
                    },
                )?;
            }
        }
        Ok(AckResult::Done)
    })
}

fn load_history(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<AckResult, CommandError> {
    let limit = page_size(limit, MAX_HISTORY_PAGE)?;
    // Agents read any contact's interactions: the one serving a contact needs the context.
    if !core.store.is_member(conversation, user)?
        && !core.store.agent_may_read(conversation, user)?
    {
        return Err(CommandError::no_such_conversation());
    }
    let (messages, has_more) = core.store.history(conversation, before, limit)?;
    Ok(AckResult::History {
        conversation_id: conversation,
        messages,
        has_more,
    })
}

/// A page of nothing is a client bug, so `limit: 0` is refused; a page larger than the
/// server serves is cut to `max` (`has_more` tells the client to ask again).
pub(crate) fn page_size(limit: u32, max: u32) -> Result<u32, CommandError> {
    if limit == 0 {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            format!("limit is 0; it must be 1 or more (pages hold at most {max})"),
        ));
    }
    Ok(limit.min(max))
}
