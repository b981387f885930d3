//! Wire types of the messenger-widget protocol, shared by the widget and the reference server.
//!
//! Every frame is a JSON text frame with a `type` field. `docs/protocol.md` is the contract a
//! backend author implements; these types are its executable form and the two must agree.

use serde::{Deserialize, Serialize};

mod by_tag;
mod mirror;

/// The protocol version this crate speaks. A server refuses a `hello` with any other version.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame, in bytes, a server must accept. Bigger frames get `frame_too_large`.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Hard cap on one WebSocket message, in bytes. A frame between [`MAX_FRAME_BYTES`] and this
/// gets `frame_too_large` and the connection stays open; a bigger one gets `frame_too_large`
/// (when it can be read at all) and then the close code [`CLOSE_MESSAGE_TOO_BIG`].
pub const MAX_SOCKET_FRAME_BYTES: usize = 2 * MAX_FRAME_BYTES;

/// Largest message text, in bytes of UTF-8. Longer texts get `message_too_large`.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Largest attachment upload, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// Image types the reference server accepts as attachments.
pub const ATTACHMENT_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// WebSocket close code sent after an `unauthorized` error on `hello`.
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// WebSocket close code sent after an `unsupported_version` error on `hello`.
pub const CLOSE_UNSUPPORTED_VERSION: u16 = 4002;
/// WebSocket close code sent after a `bad_frame` error on a `hello` whose fields do not parse
/// (a bad `resume`, say): the client is at fault, not its token, which stays good.
pub const CLOSE_BAD_HELLO: u16 = 4003;
/// WebSocket close code (RFC 6455 "message too big") for a frame above
/// `limits.max_socket_frame_bytes`, or a `hello` above `limits.max_frame_bytes`.
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

pub type UserId = i64;
pub type DepartmentId = i64;
pub type ConversationId = i64;
pub type MessageId = i64;
pub type NotificationId = i64;
/// An external person an agent talks to (an SMS number or a web visitor), not a user.
pub type ContactId = i64;
pub type AttachmentId = String;
/// Client-generated command id (a UUID or any unique string). Resending the same id is safe.
pub type CommandId = String;
/// Milliseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Where a client stands in its user's event stream: the last event it applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumePosition {
    pub epoch: String,
    pub seq: u64,
}

/// Frames a client sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Must be the first frame on a connection.
    Hello {
        protocol_version: u32,
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<ResumePosition>,
    },
    SendMessage {
        id: CommandId,
        conversation_id: ConversationId,
        text: String,
        #[serde(default)]
        importance: Importance,
        /// Ids returned by `POST /api/attachments`, uploaded by the sender.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentId>,
        /// In an interaction: a private note for agents, never sent to the contact.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        note: bool,
    },
    /// Finds or creates the direct conversation between the caller and `user_id`.
    OpenDirect {
        id: CommandId,
        user_id: UserId,
    },
    /// A group with the caller and `members`; only members see it.
    CreateGroup {
        id: CommandId,
        title: String,
        members: Vec<UserId>,
    },
    /// An open channel: everyone may list and join it.
    CreateChannel {
        id: CommandId,
        title: String,
    },
    /// Open channels, newest first, with whether the caller has joined each.
    ListChannels {
        id: CommandId,
    },
    /// Joins an open channel.
    JoinChannel {
        id: CommandId,
        conversation_id: ConversationId,
    },
    /// Leaves a group or channel (not a direct conversation).
    LeaveConversation {
        id: CommandId,
        conversation_id: ConversationId,
    },
    /// A member adds people to a group or channel.
    AddMembers {
        id: CommandId,
        conversation_id: ConversationId,
        user_ids: Vec<UserId>,
    },
    /// Marks everything up to and including `message_id` as read by the caller.
    MarkRead {
        id: CommandId,
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// Messages older than `before`, at most `limit`, returned oldest first.
    LoadHistory {
        id: CommandId,
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<MessageId>,
        limit: u32,
    },
    /// The caller is typing in `conversation_id`; other members get a `typing` frame.
    Typing {
        id: CommandId,
        conversation_id: ConversationId,
    },
    /// `online` or `away` (offline is having no connection).
    SetPresence {
        id: CommandId,
        presence: Presence,
    },
    /// Notifications older than `before`, newest first.
    ListNotifications {
        id: CommandId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<NotificationId>,
        limit: u32,
    },
    MarkNotificationRead {
        id: CommandId,
        notification_id: NotificationId,
    },
    MarkAllNotificationsRead {
        id: CommandId,
    },
    /// Marks read every notification of the caller about `conversation_id` (a client that
    /// opens a conversation from a notification has not necessarily loaded them all).
    MarkConversationNotificationsRead {
        id: CommandId,
        conversation_id: ConversationId,
    },
    /// A reminder notification for the caller at `at`.
    SetReminder {
        id: CommandId,
        at: Timestamp,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
    },
    /// Changes the fields that are present; the answer holds all settings.
    UpdateSettings {
        id: CommandId,
        settings: SettingsPatch,
    },
    /// The caller has looked at the channel list up to `up_to` (the newest channel id seen).
    MarkChannelsSeen {
        id: CommandId,
        up_to: ConversationId,
    },
    /// The assigned agent offers an interaction to another agent or to a department's
    /// agents (exactly one of the two). It stays the caller's until the offer is answered.
    TransferInteraction {
        id: CommandId,
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_user: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_department: Option<DepartmentId>,
    },
    /// A target of a transfer offer takes the interaction, or refuses it (with a reason the
    /// offering agent sees).
    AnswerTransfer {
        id: CommandId,
        conversation_id: ConversationId,
        accept: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The assigned agent marks an interaction done, with a disposition code from
    /// `welcome.contact_center.dispositions` (required when `require_disposition`).
    CloseInteraction {
        id: CommandId,
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disposition: Option<String>,
    },
    /// A contact's interactions, newest first (open ones included).
    ContactHistory {
        id: CommandId,
        contact_id: ContactId,
        limit: u32,
    },
    /// The caller's messages across conversations, newest first, for the mailbox view:
    /// `inbox` (from others) or `sent` (the caller's own), older than `before`.
    ListMailbox {
        id: CommandId,
        folder: MailFolder,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<MessageId>,
        limit: u32,
    },
    /// Words of `text` not in the `lang` dictionary (one of the interface languages).
    CheckSpelling {
        id: CommandId,
        lang: String,
        text: String,
    },
}

impl ClientFrame {
    /// The command id, for every frame but `hello`.
    pub fn command_id(&self) -> Option<&str> {
        match self {
            ClientFrame::Hello { .. } => None,
            ClientFrame::SendMessage { id, .. }
            | ClientFrame::OpenDirect { id, .. }
            | ClientFrame::CreateGroup { id, .. }
            | ClientFrame::CreateChannel { id, .. }
            | ClientFrame::ListChannels { id }
            | ClientFrame::JoinChannel { id, .. }
            | ClientFrame::LeaveConversation { id, .. }
            | ClientFrame::AddMembers { id, .. }
            | ClientFrame::MarkRead { id, .. }
            | ClientFrame::LoadHistory { id, .. }
            | ClientFrame::Typing { id, .. }
            | ClientFrame::SetPresence { id, .. }
            | ClientFrame::ListNotifications { id, .. }
            | ClientFrame::MarkNotificationRead { id, .. }
            | ClientFrame::MarkAllNotificationsRead { id }
            | ClientFrame::MarkConversationNotificationsRead { id, .. }
            | ClientFrame::SetReminder { id, .. }
            | ClientFrame::UpdateSettings { id, .. }
            | ClientFrame::MarkChannelsSeen { id, .. }
            | ClientFrame::TransferInteraction { id, .. }
            | ClientFrame::AnswerTransfer { id, .. }
            | ClientFrame::CloseInteraction { id, .. }
            | ClientFrame::ContactHistory { id, .. }
            | ClientFrame::ListMailbox { id, .. }
            | ClientFrame::CheckSpelling { id, .. } => Some(id),
        }
    }
}

/// Frames a server sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to a `hello` without a usable resume position: the whole state the client needs.
    Welcome(Box<Welcome>),
    /// Answer to a `hello` whose resume position the server could honour: the events
    /// `seq + 1 ..= until` follow, in order, then live events. The client keeps its state.
    Resumed {
        epoch: String,
        /// The client's position, echoed.
        seq: u64,
        /// The user's seq when the backlog was read: the replay ends with this event
        /// (`until == seq` when nothing was missed). Once it has applied `until`, a client
        /// knows everything the server stored before this connection, so it resends only
        /// the outbox entries whose `message_created` it has not seen.
        until: u64,
    },
    /// A command succeeded.
    Ack { id: CommandId, result: AckResult },
    /// A command (or the connection, when `id` is absent) failed.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<CommandId>,
        code: ErrorCode,
        message: String,
    },
    /// Something happened that this user may see. `seq` grows by one per event per user.
    Event { seq: u64, event: Event },
    /// Ephemeral, not numbered and not replayed: `user_id` is typing in `conversation_id`.
    /// Clients show it for a few seconds unless it is repeated.
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol_version: u32,
    pub epoch: String,
    /// Sequence number of the last event already reflected in this snapshot.
    pub seq: u64,
    /// Why a `resume` in the hello was not honoured, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<ResetReason>,
    pub me: User,
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub conversations: Vec<ConversationSummary>,
    /// Open channels that the user has not joined and has not yet seen in the channel list.
    #[serde(default)]
    pub new_channels: u32,
    #[serde(default)]
    pub unread_notifications: u32,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub features: Features,
    pub limits: Limits,
    /// Present for agents only: what the contact-center views need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_center: Option<ContactCenter>,
}

/// The administrator's contact-center settings, as an agent's client needs them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCenter {
    /// Codes an agent may close an interaction with, in the administrator's order.
    pub dispositions: Vec<Disposition>,
    pub require_disposition: bool,
    /// A session-mode interaction closes after this long without a message either way.
    pub session_timeout_secs: u64,
    /// ...and its agent is warned this long before.
    pub session_warning_secs: u64,
    /// Every agent, for the transfer picker.
    #[serde(default)]
    pub agents: Vec<UserId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    pub code: String,
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The server's event history was reset; sequence numbers started over.
    EpochChanged,
    /// The events after the client's position are no longer kept (or the position is ahead).
    TooOld,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
    #[serde(default = "default_attachment_bytes")]
    pub max_attachment_bytes: usize,
    /// Sustained commands per second per connection; bursts up to `command_burst`.
    #[serde(default = "default_commands_per_second")]
    pub commands_per_second: u32,
    #[serde(default = "default_command_burst")]
    pub command_burst: u32,
    /// Hard cap on one WebSocket message: a bigger one closes the connection with
    /// [`CLOSE_MESSAGE_TOO_BIG`]. A client checks its frames against this before sending.
    #[serde(default = "default_socket_frame_bytes")]
    pub max_socket_frame_bytes: usize,
    /// How often a client on the HTTP fallback polls `GET /api/events`; it counts as
    /// connected while it polled within twice this.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
}

fn default_attachment_bytes() -> usize {
    MAX_ATTACHMENT_BYTES
}
fn default_commands_per_second() -> u32 {
    20
}
fn default_command_burst() -> u32 {
    60
}
fn default_socket_frame_bytes() -> usize {
    MAX_SOCKET_FRAME_BYTES
}
fn default_poll_interval_ms() -> u64 {
    3000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: MAX_FRAME_BYTES,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_attachment_bytes: MAX_ATTACHMENT_BYTES,
            commands_per_second: default_commands_per_second(),
            command_burst: default_command_burst(),
            max_socket_frame_bytes: MAX_SOCKET_FRAME_BYTES,
            poll_interval_ms: default_poll_interval_ms(),
        }
    }
}

/// What this server does, so a client can adapt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    /// Messages to offline users are stored and delivered when they connect. When false
    /// (an administrator's choice) a direct message to an offline user is refused with
    /// `recipient_offline` and the client keeps it in its own pending list.
    pub forwarding: bool,
    /// Unread messages older than this many seconds are removed from the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_lifetime_secs: Option<u64>,
    /// The server answers `check_spelling`: clients underline misspelled words and may hold a
    /// send for its check. Without it they never wait on a check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spell_check: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features {
            forwarding: true,
            message_lifetime_secs: None,
            spell_check: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AckResult {
    /// `send_message`: the stored message (with its server id and time).
    MessageSent { message: Message },
    /// `open_direct`, `create_group`, `create_channel`, `join_channel`, `add_members`.
    Conversation { conversation: ConversationSummary },
    /// `load_history`: oldest first; `has_more` tells whether older ones exist.
    History {
        conversation_id: ConversationId,
        messages: Vec<Message>,
        has_more: bool,
    },
    /// `list_channels`.
    Channels { channels: Vec<ChannelInfo> },
    /// `list_notifications`: newest first.
    Notifications {
        notifications: Vec<Notification>,
        has_more: bool,
        unread: u32,
    },
    /// `set_reminder`: when it will fire.
    Reminder { reminder_id: i64, at: Timestamp },
    /// `update_settings`: the settings now in force.
    Settings { settings: Settings },
    /// `contact_history`: newest first.
    Interactions {
        interactions: Vec<ConversationSummary>,
    },
    /// `list_mailbox`: newest first; `has_more` tells whether older ones exist.
    Mailbox {
        folder: MailFolder,
        messages: Vec<Message>,
        has_more: bool,
    },
    /// `check_spelling`: the misspelled words, as UTF-16 offsets into the text (what a
    /// browser's text fields count in), in order.
    Spelling { misspelled: Vec<TextRange> },
    /// Every other command.
    Done,
}

/// A folder of the mailbox view (drafts are the client's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailFolder {
    Inbox,
    Sent,
}

/// `start..end` in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new message (system lines included) in one of the user's conversations. Also sent
    /// to the sender; `message.client_id` is the sender's command id.
    MessageCreated {
        message: Message,
    },
    /// The user became a member of a conversation.
    ConversationAdded {
        conversation: ConversationSummary,
    },
    /// Members or title changed.
    ConversationUpdated {
        conversation: ConversationSummary,
    },
    /// The user left (or was removed from) a conversation.
    ConversationRemoved {
        conversation_id: ConversationId,
    },
    /// `user_id` has read `conversation_id` up to `message_id`. Sent to every member, so
    /// senders see read state and the reader's other tabs clear their counters.
    ReadUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    /// Messages up to `message_id` reached a connection of `user_id`.
    DeliveredUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    Presence {
        user_id: UserId,
        presence: Presence,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seen: Option<Timestamp>,
    },
    /// A new open channel exists (sent to every user).
    ChannelCreated {
        channel: ChannelInfo,
    },
    /// The user saw the channel list up to `up_to` (in any tab): `new_channels` is the
    /// sidebar's count now. Sent to that user only.
    ChannelsSeen {
        up_to: ConversationId,
        new_channels: u32,
    },
    NotificationCreated {
        notification: Notification,
    },
    /// Notifications became read: the listed ones, or all up to `up_to` when `all`.
    NotificationsRead {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notification_ids: Vec<NotificationId>,
        #[serde(default)]
        all: bool,
        unread: u32,
    },
    SettingsChanged {
        settings: Settings,
    },
    /// Unread messages past the server's lifetime were removed.
    MessagesExpired {
        conversation_id: ConversationId,
        message_ids: Vec<MessageId>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a known frame.
    BadFrame,
    FrameTooLarge,
    MessageTooLarge,
    /// `hello` was missing or its token is not valid.
    Unauthorized,
    UnsupportedVersion,
    NotFound,
    /// The user may not act on this conversation.
    Forbidden,
    InvalidArgument,
    RateLimited,
    /// Forwarding is disabled and the recipient is offline: keep the message and retry when
    /// the recipient comes online.
    RecipientOffline,
    Internal,
    /// `POST /api/portal-login`: the portal token's `exp` has passed (30 s leeway).
    TokenExpired,
    /// `POST /api/portal-login`: bad signature, malformed, another algorithm than HS256, a
    /// missing or invalid claim, or a lifetime above 600 s.
    TokenInvalid,
    /// `POST /api/portal-login`: this token's `jti` was already used.
    TokenReplayed,
    /// `POST /api/portal-login` on a server configured without a portal secret.
    PortalLoginDisabled,
    /// `POST /api/login` is throttled for this name or address; see `retry_after_secs`.
    TooManyAttempts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    #[default]
    Normal,
    High,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Away,
    #[default]
    Offline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub presence: Presence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<DepartmentId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Direct,
    Group,
    Channel,
    /// An exchange with an external contact, handled by an agent: see `interaction`.
    Interaction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// Absent for direct conversations: clients show the other member's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub members: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
    /// Messages from others after the caller's read position.
    pub unread: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_read_message_id: Option<MessageId>,
    /// Read and delivery positions of every member, so a sender sees who has not read yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_states: Vec<MemberState>,
    /// Messages here go out as SMS: clients show a character and segment counter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sms: bool,
    /// With kind `interaction`: the contact and where the interaction stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction: Option<Box<Interaction>>,
}

/// An external contact's interaction with the contact center. Its conversation's members
/// are the agents who may see it: the assigned agent, and the targets of a pending offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub contact: Contact,
    pub mode: InteractionMode,
    pub state: InteractionState,
    /// The agent who owns it; absent while it waits in a department's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<TransferOffer>,
    /// With state `done`: the code it was closed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    /// The last message from the contact or the agent (notes do not count).
    pub last_activity: Timestamp,
    /// Session mode, while open: when the inactivity timeout closes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<Timestamp>,
    /// The contact's interactions in the last 30 days, this one included.
    pub recent_interactions: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub channel: ContactChannel,
    /// E.164 number for `sms`, the visitor id for `web`.
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Sms,
    Web,
}

/// `page`: one inbound message to answer or handle; `session`: a live exchange the agent
/// owns until done or the inactivity timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionMode {
    Page,
    Session,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionState {
    Open,
    Done,
}

/// A transfer waiting for its target's answer: one agent, or any agent of a department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferOffer {
    pub from: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_user: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_department: Option<DepartmentId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberState {
    pub user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_up_to: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_up_to: Option<MessageId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    pub id: ConversationId,
    pub title: String,
    pub member_count: u32,
    pub joined: bool,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub text: String,
    #[serde(default)]
    pub importance: Importance,
    pub created_at: Timestamp,
    /// The command id the sender used, so its client can match the message to its local echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<CommandId>,
    /// Present on system lines ("joined", "left"); `text` then holds a readable fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemEvent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Sent by this contact (in an interaction); `sender_id` is then 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    /// A private note among agents: never sent to the contact.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
}

/// A membership change shown as a line in the conversation.
///
/// On the wire an object tagged by `action`, e.g. `{"action":"added","user_id":3,"by":1}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SystemEvent {
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
    /// Interactions: `by` offered it to an agent or a department.
    TransferOffered {
        by: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_user: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_department: Option<DepartmentId>,
    },
    TransferAccepted {
        user_id: UserId,
    },
    TransferRefused {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// No message either way for a while: the interaction closes at `closes_at`.
    InactivityWarning {
        closes_at: Timestamp,
    },
    /// Done, by its agent or (`by` absent) by the inactivity timeout.
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disposition: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// Full-size image, relative to the server's base URL.
    pub url: String,
    pub thumbnail_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    AddedToConversation,
    HighImportanceMessage,
    Mention,
    Reminder,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub importance: Importance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    pub created_at: Timestamp,
    pub read: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    #[default]
    Off,
    Immediately,
    Digest,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKey {
    #[default]
    Enter,
    CtrlEnter,
}

/// Per-user settings kept on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub email_mode: EmailMode,
    /// Window of a digest, with `email_mode: digest`.
    pub digest_minutes: u32,
    /// Forward messages to offline users without asking first.
    pub always_forward_offline: bool,
    pub send_key: SendKey,
    /// Ask before sending a message with misspelled words.
    #[serde(default = "yes")]
    pub warn_misspelled: bool,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            email_mode: EmailMode::Off,
            digest_minutes: 60,
            always_forward_offline: false,
            send_key: SendKey::Enter,
            warn_misspelled: true,
        }
    }
}

/// `update_settings`: absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_mode: Option<EmailMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_forward_offline: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_key: Option<SendKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_misspelled: Option<bool>,
}

/// `POST /api/login` body on the reference server (not part of the WebSocket contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/login` answer: the token to put in `hello`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub user_id: UserId,
}

/// `POST /api/portal-login` body: a JWT the portal's backend signed for its signed-in user
/// (HS256 with the secret it shares with the server). The answer is a [`LoginResponse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalLoginRequest {
    pub token: String,
}

/// `GET /api/unread` answer: the counters the widget's sidebar shows, for a launcher that
/// has not loaded the widget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCounts {
    /// Unread messages summed over the user's conversations.
    pub messages: u32,
    /// Unread notifications.
    pub notifications: u32,
    /// Channels created since the user last looked at the channel list, not joined.
    pub channels: u32,
    /// The user's current event seq: pass it back as `after` to wait for a change.
    pub version: u64,
}

/// `GET /api/events` answer (HTTP fallback): what a `hello` with the same resume position
/// would get on a socket, and when to ask again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolledEvents {
    pub frames: Vec<ServerFrame>,
    pub poll_after_ms: u64,
}

/// Body of an HTTP error from the reference server's `/api/*` routes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpError {
    pub code: String,
    pub message: String,
    /// With `too_many_attempts`: seconds until the next attempt is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

// By hand: see [`by_tag`]. The wire form is the tagged one written by `Serialize`.
impl<'de> Deserialize<'de> for ServerFrame {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        by_tag::deserialize(d, "type", |r| mirror::ServerFrameDef::deserialize(r))
    }
}

// By hand: see [`by_tag`]. The wire form is the tagged one written by `Serialize`.
impl<'de> Deserialize<'de> for AckResult {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        by_tag::deserialize(d, "kind", |r| mirror::AckResultDef::deserialize(r))
    }
}

// By hand: see [`by_tag`]. The wire form is the tagged one written by `Serialize`.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        by_tag::deserialize(d, "kind", |r| mirror::EventDef::deserialize(r))
    }
}

// By hand: see [`by_tag`]. The wire form is the tagged one written by `Serialize`.
impl<'de> Deserialize<'de> for SystemEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        by_tag::deserialize(d, "action", |r| mirror::SystemEventDef::deserialize(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_with_documented_shape() {
        let json =
            r#"{"type":"hello","protocol_version":1,"token":"t","resume":{"epoch":"e","seq":4}}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::Hello {
                protocol_version: 1,
                token: "t".into(),
                resume: Some(ResumePosition {
                    epoch: "e".into(),
                    seq: 4
                }),
            }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
    }

    #[test]
    fn send_message_defaults_importance_to_normal() {
        let frame: ClientFrame = serde_json::from_str(
            r#"{"type":"send_message","id":"c1","conversation_id":3,"text":"hi"}"#,
        )
        .unwrap();
        assert_eq!(frame.command_id(), Some("c1"));
        match frame {
            ClientFrame::SendMessage { importance, .. } => {
                assert_eq!(importance, Importance::Normal)
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn event_and_error_frames_use_snake_case_tags() {
        let event = ServerFrame::Event {
            seq: 7,
            event: Event::ReadUpTo {
                conversation_id: 1,
                user_id: 2,
                message_id: 3,
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "event");
        assert_eq!(json["event"]["kind"], "read_up_to");

        let error = ServerFrame::Error {
            id: Some("c9".into()),
            code: ErrorCode::MessageTooLarge,
            message: "too long".into(),
        };
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "message_too_large");
        assert_eq!(json["id"], "c9");
    }

    #[test]
    fn system_event_json_is_unchanged() {
        let cases = [
            (
                SystemEvent::Joined { user_id: 3 },
                r#"{"action":"joined","user_id":3}"#,
            ),
            (
                SystemEvent::Left { user_id: 3 },
                r#"{"action":"left","user_id":3}"#,
            ),
            (
                SystemEvent::Added { user_id: 3, by: 1 },
                r#"{"action":"added","user_id":3,"by":1}"#,
            ),
            (
                SystemEvent::Created { by: 1 },
                r#"{"action":"created","by":1}"#,
            ),
        ];
        for (event, json) in cases {
            assert_eq!(serde_json::to_string(&event).unwrap(), json);
            assert_eq!(serde_json::from_str::<SystemEvent>(json).unwrap(), event);
        }
        // Any field order, unknown fields ignored, unused fields allowed (also as null).
        for (json, event) in [
            (
                r#"{"by":1,"user_id":3,"action":"added"}"#,
                SystemEvent::Added { user_id: 3, by: 1 },
            ),
            (
                r#"{"action":"created","by":1,"user_id":null,"why":"x"}"#,
                SystemEvent::Created { by: 1 },
            ),
            (
                r#"{"action":"joined","user_id":3,"by":9}"#,
                SystemEvent::Joined { user_id: 3 },
            ),
        ] {
            assert_eq!(serde_json::from_str::<SystemEvent>(json).unwrap(), event);
        }
        for json in [
            r#"{"action":"added","user_id":3}"#,
            r#"{"action":"created"}"#,
            r#"{"action":"left","user_id":null}"#,
            r#"{"action":"kicked","user_id":3}"#,
            r#"{"user_id":3}"#,
            r#"{"action":"joined","action":"joined","user_id":3}"#,
            r#"{"action":"joined","user_id":"3"}"#,
            "null",
        ] {
            assert!(serde_json::from_str::<SystemEvent>(json).is_err(), "{json}");
        }
        // Inside a message, as on the wire.
        let message = Message {
            contact_id: None,
            note: false,
            id: 1,
            conversation_id: 2,
            sender_id: 1,
            text: "Carol was added by Alice".into(),
            importance: Importance::Normal,
            created_at: 5,
            client_id: None,
            system: Some(SystemEvent::Added { user_id: 3, by: 1 }),
            attachments: Vec::new(),
        };
        let json = r#"{"id":1,"conversation_id":2,"sender_id":1,"text":"Carol was added by Alice","importance":"normal","created_at":5,"system":{"action":"added","user_id":3,"by":1}}"#;
        assert_eq!(serde_json::to_string(&message).unwrap(), json);
        assert_eq!(serde_json::from_str::<Message>(json).unwrap(), message);
    }

    #[test]
    fn unknown_frame_type_is_a_parse_error_not_a_panic() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"launch_rockets"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>("not json").is_err());
    }
}
