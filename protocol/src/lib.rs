//! Wire types of the messenger-widget protocol, shared by the widget and the reference server.
//!
//! Every frame is a JSON text frame with a `type` field. `docs/protocol.md` is the contract a
//! backend author implements; these types are its executable form and the two must agree.

use serde::{Deserialize, Serialize};

/// The protocol version this crate speaks. A server refuses a `hello` with any other version.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame, in bytes, a server must accept. Bigger frames get `frame_too_large`.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Largest message text, in bytes of UTF-8. Longer texts get `message_too_large`.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// WebSocket close code sent after an `unauthorized` error on `hello`.
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// WebSocket close code sent after an `unsupported_version` error on `hello`.
pub const CLOSE_UNSUPPORTED_VERSION: u16 = 4002;

pub type UserId = i64;
pub type DepartmentId = i64;
pub type ConversationId = i64;
pub type MessageId = i64;
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
    },
    /// Finds or creates the direct conversation between the caller and `user_id`.
    OpenDirect { id: CommandId, user_id: UserId },
    /// Marks everything up to and including `message_id` as read by the caller.
    MarkRead {
        id: CommandId,
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// Messages older than `before` (newest first from the server's view, returned oldest
    /// first), at most `limit`.
    LoadHistory {
        id: CommandId,
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<MessageId>,
        limit: u32,
    },
}

impl ClientFrame {
    /// The command id, for every frame but `hello`.
    pub fn command_id(&self) -> Option<&str> {
        match self {
            ClientFrame::Hello { .. } => None,
            ClientFrame::SendMessage { id, .. }
            | ClientFrame::OpenDirect { id, .. }
            | ClientFrame::MarkRead { id, .. }
            | ClientFrame::LoadHistory { id, .. } => Some(id),
        }
    }
}

/// Frames a server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to a good `hello`: the whole state the client needs to draw its screens.
    Welcome(Box<Welcome>),
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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol_version: u32,
    pub epoch: String,
    /// Sequence number of the last event already reflected in this snapshot.
    pub seq: u64,
    pub me: User,
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub conversations: Vec<ConversationSummary>,
    pub limits: Limits,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: MAX_FRAME_BYTES,
            max_message_bytes: MAX_MESSAGE_BYTES,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AckResult {
    /// `send_message`: the stored message (with its server id and time).
    MessageSent { message: Message },
    /// `open_direct`: the conversation, new or existing.
    Conversation { conversation: ConversationSummary },
    /// `load_history`: oldest first; `has_more` tells whether older ones exist.
    History {
        conversation_id: ConversationId,
        messages: Vec<Message>,
        has_more: bool,
    },
    /// `mark_read`.
    Done,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    MessageCreated {
        message: Message,
    },
    /// The user was added to a conversation (a new direct chat, say).
    ConversationAdded {
        conversation: ConversationSummary,
    },
    /// `user_id` has read `conversation_id` up to `message_id`. Sent to every member, so
    /// senders see read state and the reader's other tabs clear their counters.
    ReadUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    Presence {
        user_id: UserId,
        presence: Presence,
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
    Internal,
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
    fn unknown_frame_type_is_a_parse_error_not_a_panic() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"launch_rockets"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>("not json").is_err());
    }
}
