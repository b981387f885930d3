//! Externally tagged mirrors of the internally tagged enums, for [`crate::by_tag`]: the
//! same variants and fields (the compiler checks it through `remote`), read as
//! `{"variant": {...}}`. The tag field inside the object is an unknown field to them, and
//! ignored. Keep each in step with its enum: a field missing here does not compile.

use serde::Deserialize;

use crate::*;

#[derive(Deserialize)]
#[serde(remote = "ServerFrame", rename_all = "snake_case")]
pub(crate) enum ServerFrameDef {
    Welcome(Box<Welcome>),
    Resumed {
        epoch: String,
        seq: u64,
        until: u64,
    },
    Ack {
        id: CommandId,
        result: AckResult,
    },
    Error {
        #[serde(default)]
        id: Option<CommandId>,
        code: ErrorCode,
        message: String,
    },
    Event {
        seq: u64,
        event: Event,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
}

#[derive(Deserialize)]
#[serde(remote = "AckResult", rename_all = "snake_case")]
pub(crate) enum AckResultDef {
    MessageSent {
        message: Message,
    },
    Conversation {
        conversation: ConversationSummary,
    },
    History {
        conversation_id: ConversationId,
        messages: Vec<Message>,
        has_more: bool,
    },
    Channels {
        channels: Vec<ChannelInfo>,
    },
    Notifications {
        notifications: Vec<Notification>,
        has_more: bool,
        unread: u32,
    },
    Reminder {
        reminder_id: i64,
        at: Timestamp,
    },
    Settings {
        settings: Settings,
    },
    Interactions {
        interactions: Vec<ConversationSummary>,
    },
    Mailbox {
        folder: MailFolder,
        messages: Vec<Message>,
        has_more: bool,
    },
    Spelling {
        misspelled: Vec<TextRange>,
    },
    Done,
}

#[derive(Deserialize)]
#[serde(remote = "Event", rename_all = "snake_case")]
pub(crate) enum EventDef {
    MessageCreated {
        message: Message,
    },
    ConversationAdded {
        conversation: ConversationSummary,
    },
    ConversationUpdated {
        conversation: ConversationSummary,
    },
    ConversationRemoved {
        conversation_id: ConversationId,
    },
    ReadUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    DeliveredUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    Presence {
        user_id: UserId,
        presence: Presence,
        #[serde(default)]
        last_seen: Option<Timestamp>,
    },
    ChannelCreated {
        channel: ChannelInfo,
    },
    ChannelsSeen {
        up_to: ConversationId,
        new_channels: u32,
    },
    NotificationCreated {
        notification: Notification,
    },
    NotificationsRead {
        #[serde(default)]
        notification_ids: Vec<NotificationId>,
        #[serde(default)]
        all: bool,
        unread: u32,
    },
    SettingsChanged {
        settings: Settings,
    },
    MessagesExpired {
        conversation_id: ConversationId,
        message_ids: Vec<MessageId>,
    },
}

#[derive(Deserialize)]
#[serde(remote = "SystemEvent", rename_all = "snake_case")]
pub(crate) enum SystemEventDef {
    Joined {
        user_id: UserId,
    },
    Left {
        user_id: UserId,
    },
    Added {
        user_id: UserId,
        by: UserId,
    },
    Created {
        by: UserId,
    },
    TransferOffered {
        by: UserId,
        #[serde(default)]
        to_user: Option<UserId>,
        #[serde(default)]
        to_department: Option<DepartmentId>,
    },
    TransferAccepted {
        user_id: UserId,
    },
    TransferRefused {
        user_id: UserId,
        #[serde(default)]
        reason: Option<String>,
    },
    InactivityWarning {
        closes_at: Timestamp,
    },
    Closed {
        #[serde(default)]
        by: Option<UserId>,
        #[serde(default)]
        disposition: Option<String>,
    },
}
