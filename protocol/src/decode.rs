//! A small JSON decoder for [`ServerFrame`] and the widget's HTTP answers, without serde.
//!
//! `serde_json` plus the derived `Deserialize` impls cost the widget's wasm tens of kilobytes
//! (serde buffers internally tagged enums into a generic `Content` tree, and `serde_json`
//! brings float parsing and printing). The widget therefore decodes with this module: the
//! text is parsed once into a [`json::Value`](crate::json::Value) tree by the strict parser
//! in [`crate::json`], and each type is read from that tree by a hand-written [`FromJson`]
//! impl that follows what the derived impl accepts:
//!
//! - required fields must be present; `#[serde(default)]` fields may be absent (the type's
//!   default, `Limits`' default functions, `Settings` and `Features` defaults); `null` is
//!   accepted only for `Option` fields, as with serde;
//! - unknown fields are ignored; tags (`type`, `kind`, `action`) may come at any position;
//! - a duplicate of a field the type reads (tags included) is an error, as in the derived
//!   impl; duplicates of unknown fields are ignored;
//! - enum names are the snake_case strings; integers must be integers in the field's range
//!   (no fraction, exponent, or out-of-range value).
//!
//! - numbers are checked as `serde_json` checks them, even in ignored fields: `-0` is a
//!   float (no integer field takes it) and a number beyond the `f64` range is an error.
//!
//! Intentional differences from `serde_json` + derives, none of which a conforming server
//! sends (see `intentional_differences_from_serde` in the tests): a struct written as a
//! JSON array (serde accepts `[1, "x", ...]` for a struct) and a unit enum value, `action`
//! included, written as an object (`{"high": null}`) are errors here, and a nested `kind`
//! tag must be a string (serde also takes a variant index there).
//!
//! The native tests check this decoder against the derived `Deserialize` impls, which stay
//! the oracle: same value or both an error, on fixtures for every variant, with fields
//! dropped, nulled, reordered or duplicated, and on 20,000 random mutations of them.
//!
//! Adding a variant to [`ServerFrame`], [`AckResult`] or [`Event`], or a field to any wire
//! type, means adding it here too; the exhaustive `match` in the tests stops compiling until
//! the test fixtures name a new variant, and the fixtures set every field.

use crate::json::{self, DecodeError, Num, Value};
use crate::{
    AckResult, Attachment, ChannelInfo, ConversationKind, ConversationSummary, Department,
    EmailMode, ErrorCode, Event, Features, HttpError, Importance, Limits, LoginResponse,
    MemberState, Message, Notification, NotificationKind, Presence, ResetReason, ResumePosition,
    SendKey, ServerFrame, Settings, SettingsPatch, SystemEvent, User, Welcome,
};

type Result<T> = std::result::Result<T, DecodeError>;

/// A type read from a parsed JSON value, as its derived `Deserialize` impl would read it.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self>;
}

/// Parses `text` and reads a `T` from it.
fn from_str<T: FromJson>(text: &str) -> Result<T> {
    T::from_json(&json::parse(text)?)
}

/// Decodes one server frame, as `serde_json::from_str::<ServerFrame>` would.
pub fn server_frame_from_str(text: &str) -> Result<ServerFrame> {
    from_str(text)
}

/// Decodes an [`Attachment`] (the `POST /api/attachments` answer).
pub fn attachment_from_str(text: &str) -> Result<Attachment> {
    from_str(text)
}

/// Decodes a [`LoginResponse`] (the `POST /api/login` answer).
pub fn login_response_from_str(text: &str) -> Result<LoginResponse> {
    from_str(text)
}

/// Decodes an [`HttpError`] body of the reference server's `/api/*` routes.
pub fn http_error_from_str(text: &str) -> Result<HttpError> {
    from_str(text)
}

fn as_str(v: &Value) -> Result<&str> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(DecodeError::expected("a string")),
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self> {
        as_str(v).map(str::to_owned)
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(DecodeError::expected("a boolean")),
        }
    }
}

fn out_of_range() -> DecodeError {
    DecodeError::new("invalid value: integer out of range")
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Result<Self> {
        match v {
            Value::Num(Num::Pos(n)) => Ok(*n),
            Value::Num(Num::Neg(_)) => Err(out_of_range()),
            _ => Err(DecodeError::expected("an integer")),
        }
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<Self> {
        u32::try_from(u64::from_json(v)?).map_err(|_| out_of_range())
    }
}

impl FromJson for usize {
    fn from_json(v: &Value) -> Result<Self> {
        usize::try_from(u64::from_json(v)?).map_err(|_| out_of_range())
    }
}

impl FromJson for i64 {
    fn from_json(v: &Value) -> Result<Self> {
        match v {
            Value::Num(Num::Pos(n)) => i64::try_from(*n).map_err(|_| out_of_range()),
            Value::Num(Num::Neg(n)) => Ok(*n),
            _ => Err(DecodeError::expected("an integer")),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self> {
        match v {
            Value::Arr(items) => items.iter().map(T::from_json).collect(),
            _ => Err(DecodeError::expected("an array")),
        }
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(v: &Value) -> Result<Self> {
        T::from_json(v).map(Box::new)
    }
}

/// The fields of a JSON object.
struct Obj<'a>(&'a [(String, Value)]);

impl<'a> Obj<'a> {
    fn of(v: &'a Value) -> Result<Self> {
        match v {
            Value::Obj(fields) => Ok(Obj(fields)),
            _ => Err(DecodeError::expected("an object")),
        }
    }

    /// The field named `key`; a second field of that name is an error.
    fn get(&self, key: &str) -> Result<Option<&'a Value>> {
        let mut found = None;
        for (k, v) in self.0 {
            if k == key {
                if found.is_some() {
                    return Err(DecodeError::duplicate(key));
                }
                found = Some(v);
            }
        }
        Ok(found)
    }

    /// A required field (an `Option` one may still be `null`).
    fn req<T: FromJson>(&self, key: &str) -> Result<T> {
        match self.get(key)? {
            Some(v) => T::from_json(v),
            None => Err(DecodeError::missing(key)),
        }
    }

    /// A `#[serde(default)]` field: absent gives the default; present is read as `T`.
    fn def<T: FromJson + Default>(&self, key: &str) -> Result<T> {
        self.or(key, T::default)
    }

    /// A field with a default given by `default`.
    fn or<T: FromJson>(&self, key: &str, default: impl FnOnce() -> T) -> Result<T> {
        match self.get(key)? {
            Some(v) => T::from_json(v),
            None => Ok(default()),
        }
    }

    /// The tag field `key` of an internally tagged enum, as its index in `names`.
    fn tag(&self, key: &str, names: &[&str]) -> Result<usize> {
        let v = self.get(key)?.ok_or_else(|| DecodeError::missing(key))?;
        variant(v, names)
    }
}

/// A unit variant name, as its index in `names`.
fn variant(v: &Value, names: &[&str]) -> Result<usize> {
    let s = as_str(v)?;
    names
        .iter()
        .position(|n| *n == s)
        .ok_or_else(|| DecodeError::unknown_variant(s))
}

/// `FromJson` for an enum of unit variants written as snake_case strings.
macro_rules! unit_enum {
    ($ty:ident { $($name:literal => $variant:ident,)* }) => {
        impl FromJson for $ty {
            fn from_json(v: &Value) -> Result<Self> {
                const NAMES: &[&str] = &[$($name),*];
                const VALUES: &[$ty] = &[$($ty::$variant),*];
                Ok(VALUES[variant(v, NAMES)?])
            }
        }
    };
}

unit_enum!(ResetReason {
    "epoch_changed" => EpochChanged,
    "too_old" => TooOld,
});
unit_enum!(ErrorCode {
    "bad_frame" => BadFrame,
    "frame_too_large" => FrameTooLarge,
    "message_too_large" => MessageTooLarge,
    "unauthorized" => Unauthorized,
    "unsupported_version" => UnsupportedVersion,
    "not_found" => NotFound,
    "forbidden" => Forbidden,
    "invalid_argument" => InvalidArgument,
    "rate_limited" => RateLimited,
    "recipient_offline" => RecipientOffline,
    "internal" => Internal,
});
unit_enum!(Importance {
    "normal" => Normal,
    "high" => High,
});
unit_enum!(Presence {
    "online" => Online,
    "away" => Away,
    "offline" => Offline,
});
unit_enum!(ConversationKind {
    "direct" => Direct,
    "group" => Group,
    "channel" => Channel,
});
unit_enum!(NotificationKind {
    "added_to_conversation" => AddedToConversation,
    "high_importance_message" => HighImportanceMessage,
    "mention" => Mention,
    "reminder" => Reminder,
});
unit_enum!(EmailMode {
    "off" => Off,
    "immediately" => Immediately,
    "digest" => Digest,
});
unit_enum!(SendKey {
    "enter" => Enter,
    "ctrl_enter" => CtrlEnter,
});

impl FromJson for ServerFrame {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        const TYPES: &[&str] = &["welcome", "resumed", "ack", "error", "event", "typing"];
        Ok(match o.tag("type", TYPES)? {
            // Welcome's fields sit beside the tag, which it ignores like any unknown field.
            0 => ServerFrame::Welcome(FromJson::from_json(v)?),
            1 => ServerFrame::Resumed {
                epoch: o.req("epoch")?,
                seq: o.req("seq")?,
            },
            2 => ServerFrame::Ack {
                id: o.req("id")?,
                result: o.req("result")?,
            },
            3 => ServerFrame::Error {
                id: o.def("id")?,
                code: o.req("code")?,
                message: o.req("message")?,
            },
            4 => ServerFrame::Event {
                seq: o.req("seq")?,
                event: o.req("event")?,
            },
            _ => ServerFrame::Typing {
                conversation_id: o.req("conversation_id")?,
                user_id: o.req("user_id")?,
            },
        })
    }
}

impl FromJson for Welcome {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Welcome {
            protocol_version: o.req("protocol_version")?,
            epoch: o.req("epoch")?,
            seq: o.req("seq")?,
            reset: o.def("reset")?,
            me: o.req("me")?,
            users: o.req("users")?,
            departments: o.req("departments")?,
            conversations: o.req("conversations")?,
            new_channels: o.def("new_channels")?,
            unread_notifications: o.def("unread_notifications")?,
            settings: o.def("settings")?,
            features: o.def("features")?,
            limits: o.req("limits")?,
        })
    }
}

impl FromJson for ResumePosition {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(ResumePosition {
            epoch: o.req("epoch")?,
            seq: o.req("seq")?,
        })
    }
}

impl FromJson for Limits {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        let d = Limits::default();
        Ok(Limits {
            max_frame_bytes: o.req("max_frame_bytes")?,
            max_message_bytes: o.req("max_message_bytes")?,
            max_attachment_bytes: o.or("max_attachment_bytes", || d.max_attachment_bytes)?,
            commands_per_second: o.or("commands_per_second", || d.commands_per_second)?,
            command_burst: o.or("command_burst", || d.command_burst)?,
        })
    }
}

impl FromJson for Features {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Features {
            forwarding: o.req("forwarding")?,
            message_lifetime_secs: o.def("message_lifetime_secs")?,
        })
    }
}

impl FromJson for AckResult {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        const KINDS: &[&str] = &[
            "message_sent",
            "conversation",
            "history",
            "channels",
            "notifications",
            "reminder",
            "settings",
            "done",
        ];
        Ok(match o.tag("kind", KINDS)? {
            0 => AckResult::MessageSent {
                message: o.req("message")?,
            },
            1 => AckResult::Conversation {
                conversation: o.req("conversation")?,
            },
            2 => AckResult::History {
                conversation_id: o.req("conversation_id")?,
                messages: o.req("messages")?,
                has_more: o.req("has_more")?,
            },
            3 => AckResult::Channels {
                channels: o.req("channels")?,
            },
            4 => AckResult::Notifications {
                notifications: o.req("notifications")?,
                has_more: o.req("has_more")?,
                unread: o.req("unread")?,
            },
            5 => AckResult::Reminder {
                reminder_id: o.req("reminder_id")?,
                at: o.req("at")?,
            },
            6 => AckResult::Settings {
                settings: o.req("settings")?,
            },
            _ => AckResult::Done,
        })
    }
}

impl FromJson for Event {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        const KINDS: &[&str] = &[
            "message_created",
            "conversation_added",
            "conversation_updated",
            "conversation_removed",
            "read_up_to",
            "delivered_up_to",
            "presence",
            "channel_created",
            "notification_created",
            "notifications_read",
            "settings_changed",
            "messages_expired",
        ];
        Ok(match o.tag("kind", KINDS)? {
            0 => Event::MessageCreated {
                message: o.req("message")?,
            },
            1 => Event::ConversationAdded {
                conversation: o.req("conversation")?,
            },
            2 => Event::ConversationUpdated {
                conversation: o.req("conversation")?,
            },
            3 => Event::ConversationRemoved {
                conversation_id: o.req("conversation_id")?,
            },
            4 => Event::ReadUpTo {
                conversation_id: o.req("conversation_id")?,
                user_id: o.req("user_id")?,
                message_id: o.req("message_id")?,
            },
            5 => Event::DeliveredUpTo {
                conversation_id: o.req("conversation_id")?,
                user_id: o.req("user_id")?,
                message_id: o.req("message_id")?,
            },
            6 => Event::Presence {
                user_id: o.req("user_id")?,
                presence: o.req("presence")?,
                last_seen: o.def("last_seen")?,
            },
            7 => Event::ChannelCreated {
                channel: o.req("channel")?,
            },
            8 => Event::NotificationCreated {
                notification: o.req("notification")?,
            },
            9 => Event::NotificationsRead {
                notification_ids: o.def("notification_ids")?,
                all: o.def("all")?,
                unread: o.req("unread")?,
            },
            10 => Event::SettingsChanged {
                settings: o.req("settings")?,
            },
            _ => Event::MessagesExpired {
                conversation_id: o.req("conversation_id")?,
                message_ids: o.req("message_ids")?,
            },
        })
    }
}

impl FromJson for User {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(User {
            id: o.req("id")?,
            username: o.req("username")?,
            display_name: o.req("display_name")?,
            department_id: o.def("department_id")?,
            presence: o.def("presence")?,
            last_seen: o.def("last_seen")?,
        })
    }
}

impl FromJson for Department {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Department {
            id: o.req("id")?,
            name: o.req("name")?,
            parent_id: o.def("parent_id")?,
        })
    }
}

impl FromJson for ConversationSummary {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(ConversationSummary {
            id: o.req("id")?,
            kind: o.req("kind")?,
            title: o.def("title")?,
            members: o.req("members")?,
            last_message: o.def("last_message")?,
            unread: o.req("unread")?,
            last_read_message_id: o.def("last_read_message_id")?,
            member_states: o.def("member_states")?,
            sms: o.def("sms")?,
        })
    }
}

impl FromJson for MemberState {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(MemberState {
            user_id: o.req("user_id")?,
            read_up_to: o.def("read_up_to")?,
            delivered_up_to: o.def("delivered_up_to")?,
        })
    }
}

impl FromJson for ChannelInfo {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(ChannelInfo {
            id: o.req("id")?,
            title: o.req("title")?,
            member_count: o.req("member_count")?,
            joined: o.req("joined")?,
            created_at: o.req("created_at")?,
        })
    }
}

impl FromJson for Message {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Message {
            id: o.req("id")?,
            conversation_id: o.req("conversation_id")?,
            sender_id: o.req("sender_id")?,
            text: o.req("text")?,
            importance: o.def("importance")?,
            created_at: o.req("created_at")?,
            client_id: o.def("client_id")?,
            system: o.def("system")?,
            attachments: o.def("attachments")?,
        })
    }
}

/// As the hand-written `Deserialize` impl in `lib.rs`: `user_id` and `by` are read (as
/// optional integers) whatever the action, then the action's fields must be there.
impl FromJson for SystemEvent {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        const ACTIONS: &[&str] = &["joined", "left", "added", "created"];
        let action = o.tag("action", ACTIONS)?;
        let user_id: Option<i64> = o.def("user_id")?;
        let by: Option<i64> = o.def("by")?;
        let user_id = || user_id.ok_or_else(|| DecodeError::missing("user_id"));
        let by = || by.ok_or_else(|| DecodeError::missing("by"));
        Ok(match action {
            0 => SystemEvent::Joined {
                user_id: user_id()?,
            },
            1 => SystemEvent::Left {
                user_id: user_id()?,
            },
            2 => SystemEvent::Added {
                user_id: user_id()?,
                by: by()?,
            },
            _ => SystemEvent::Created { by: by()? },
        })
    }
}

impl FromJson for Attachment {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Attachment {
            id: o.req("id")?,
            name: o.req("name")?,
            mime: o.req("mime")?,
            size: o.req("size")?,
            width: o.req("width")?,
            height: o.req("height")?,
            url: o.req("url")?,
            thumbnail_url: o.req("thumbnail_url")?,
        })
    }
}

impl FromJson for Notification {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Notification {
            id: o.req("id")?,
            kind: o.req("kind")?,
            title: o.req("title")?,
            body: o.req("body")?,
            importance: o.def("importance")?,
            conversation_id: o.def("conversation_id")?,
            message_id: o.def("message_id")?,
            created_at: o.req("created_at")?,
            read: o.req("read")?,
        })
    }
}

impl FromJson for Settings {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(Settings {
            email_mode: o.req("email_mode")?,
            digest_minutes: o.req("digest_minutes")?,
            always_forward_offline: o.req("always_forward_offline")?,
            send_key: o.req("send_key")?,
        })
    }
}

impl FromJson for SettingsPatch {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(SettingsPatch {
            email_mode: o.def("email_mode")?,
            digest_minutes: o.def("digest_minutes")?,
            always_forward_offline: o.def("always_forward_offline")?,
            send_key: o.def("send_key")?,
        })
    }
}

impl FromJson for LoginResponse {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(LoginResponse {
            token: o.req("token")?,
            user_id: o.req("user_id")?,
        })
    }
}

impl FromJson for HttpError {
    fn from_json(v: &Value) -> Result<Self> {
        let o = Obj::of(v)?;
        Ok(HttpError {
            code: o.req("code")?,
            message: o.req("message")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Attachment, ChannelInfo, ConversationKind, ConversationSummary, Department, EmailMode,
        ErrorCode, Features, Importance, Limits, MemberState, Message, MessageId, Notification,
        NotificationKind, Presence, ResetReason, SendKey, Settings, SystemEvent, User, UserId,
    };
    use serde_json::Value;

    /// Compile-time guard: no wildcard arms, so a new variant of `ServerFrame`, `AckResult`,
    /// `Event` or `SystemEvent` stops this from compiling until it is named here, next to
    /// [`VARIANTS`], and given a fixture in [`all_frames`] (checked by
    /// `fixtures_cover_every_variant`). The decoder's own `match`es are over its tag enums,
    /// so they would not notice a new variant by themselves.
    fn variant(frame: &ServerFrame) -> &'static str {
        match frame {
            ServerFrame::Welcome(_) => "welcome",
            ServerFrame::Resumed { .. } => "resumed",
            ServerFrame::Ack { result, .. } => match result {
                AckResult::MessageSent { .. } => "ack/message_sent",
                AckResult::Conversation { .. } => "ack/conversation",
                AckResult::History { .. } => "ack/history",
                AckResult::Channels { .. } => "ack/channels",
                AckResult::Notifications { .. } => "ack/notifications",
                AckResult::Reminder { .. } => "ack/reminder",
                AckResult::Settings { .. } => "ack/settings",
                AckResult::Done => "ack/done",
            },
            ServerFrame::Error { .. } => "error",
            ServerFrame::Event { event, .. } => match event {
                Event::MessageCreated { message } => match &message.system {
                    None => "event/message_created",
                    Some(SystemEvent::Joined { .. }) => "event/message_created/joined",
                    Some(SystemEvent::Left { .. }) => "event/message_created/left",
                    Some(SystemEvent::Added { .. }) => "event/message_created/added",
                    Some(SystemEvent::Created { .. }) => "event/message_created/created",
                },
                Event::ConversationAdded { .. } => "event/conversation_added",
                Event::ConversationUpdated { .. } => "event/conversation_updated",
                Event::ConversationRemoved { .. } => "event/conversation_removed",
                Event::ReadUpTo { .. } => "event/read_up_to",
                Event::DeliveredUpTo { .. } => "event/delivered_up_to",
                Event::Presence { .. } => "event/presence",
                Event::ChannelCreated { .. } => "event/channel_created",
                Event::NotificationCreated { .. } => "event/notification_created",
                Event::NotificationsRead { .. } => "event/notifications_read",
                Event::SettingsChanged { .. } => "event/settings_changed",
                Event::MessagesExpired { .. } => "event/messages_expired",
            },
            ServerFrame::Typing { .. } => "typing",
        }
    }

    /// Every name `variant` can return.
    const VARIANTS: usize = 2 + 8 + 1 + (5 + 11) + 1;

    fn message(id: MessageId, system: Option<SystemEvent>) -> Message {
        Message {
            id,
            conversation_id: 7,
            sender_id: 2,
            text: "hé \"quoted\" \\ \u{1F600}".into(),
            importance: Importance::High,
            created_at: 1_764_097_100_000,
            client_id: Some("c1".into()),
            system,
            attachments: vec![Attachment {
                id: "att-1".into(),
                name: "cat.png".into(),
                mime: "image/png".into(),
                size: 12_345,
                width: 640,
                height: 480,
                url: "/api/attachments/att-1".into(),
                thumbnail_url: "/api/attachments/att-1/thumb".into(),
            }],
        }
    }

    fn conversation() -> ConversationSummary {
        ConversationSummary {
            id: 7,
            kind: ConversationKind::Group,
            title: Some("Team".into()),
            members: vec![1, 2, 3],
            last_message: Some(message(11, None)),
            unread: 1,
            last_read_message_id: Some(10),
            member_states: vec![
                MemberState {
                    user_id: 1,
                    read_up_to: Some(11),
                    delivered_up_to: Some(11),
                },
                MemberState {
                    user_id: 2,
                    read_up_to: None,
                    delivered_up_to: Some(9),
                },
            ],
            sms: true,
        }
    }

    fn user(id: UserId) -> User {
        User {
            id,
            username: format!("u{id}"),
            display_name: format!("User {id}"),
            department_id: Some(2),
            presence: Presence::Away,
            last_seen: Some(1_764_097_000_000),
        }
    }

    fn channel() -> ChannelInfo {
        ChannelInfo {
            id: 9,
            title: "general".into(),
            member_count: 12,
            joined: false,
            created_at: 1_764_000_000_000,
        }
    }

    fn notification() -> Notification {
        Notification {
            id: 5,
            kind: NotificationKind::Mention,
            title: "Bob mentioned you".into(),
            body: "@alice look".into(),
            importance: Importance::High,
            conversation_id: Some(7),
            message_id: Some(13),
            created_at: 1_764_097_200_000,
            read: false,
        }
    }

    fn settings() -> Settings {
        Settings {
            email_mode: EmailMode::Digest,
            digest_minutes: 30,
            always_forward_offline: true,
            send_key: SendKey::CtrlEnter,
        }
    }

    fn all_frames() -> Vec<ServerFrame> {
        let mut frames = vec![
            ServerFrame::Welcome(Box::new(Welcome {
                protocol_version: 1,
                epoch: "a1b2".into(),
                seq: 41,
                reset: Some(ResetReason::TooOld),
                me: user(1),
                users: vec![user(2), user(3)],
                departments: vec![
                    Department {
                        id: 1,
                        name: "Head office".into(),
                        parent_id: None,
                    },
                    Department {
                        id: 2,
                        name: "Engineering".into(),
                        parent_id: Some(1),
                    },
                ],
                conversations: vec![conversation()],
                new_channels: 2,
                unread_notifications: 3,
                settings: settings(),
                features: Features {
                    forwarding: false,
                    message_lifetime_secs: Some(86_400),
                },
                limits: Limits::default(),
            })),
            ServerFrame::Resumed {
                epoch: "a1b2".into(),
                seq: 40,
            },
            ServerFrame::Error {
                id: None,
                code: ErrorCode::Unauthorized,
                message: "invalid or expired token".into(),
            },
            ServerFrame::Error {
                id: Some("c5".into()),
                code: ErrorCode::RecipientOffline,
                message: "offline".into(),
            },
            ServerFrame::Typing {
                conversation_id: 7,
                user_id: 2,
            },
        ];
        let results = [
            AckResult::MessageSent {
                message: message(12, None),
            },
            AckResult::Conversation {
                conversation: conversation(),
            },
            AckResult::History {
                conversation_id: 7,
                messages: vec![message(3, None), message(4, None)],
                has_more: true,
            },
            AckResult::Channels {
                channels: vec![channel(), channel()],
            },
            AckResult::Notifications {
                notifications: vec![notification()],
                has_more: false,
                unread: 4,
            },
            AckResult::Reminder {
                reminder_id: 8,
                at: 1_764_100_000_000,
            },
            AckResult::Settings {
                settings: settings(),
            },
            AckResult::Done,
        ];
        for (i, result) in results.into_iter().enumerate() {
            frames.push(ServerFrame::Ack {
                id: format!("c{i}"),
                result,
            });
        }
        let events = [
            Event::MessageCreated {
                message: message(13, None),
            },
            Event::MessageCreated {
                message: message(14, Some(SystemEvent::Joined { user_id: 3 })),
            },
            Event::MessageCreated {
                message: message(15, Some(SystemEvent::Left { user_id: 3 })),
            },
            Event::MessageCreated {
                message: message(16, Some(SystemEvent::Added { user_id: 3, by: 1 })),
            },
            Event::MessageCreated {
                message: message(17, Some(SystemEvent::Created { by: 1 })),
            },
            Event::ConversationAdded {
                conversation: conversation(),
            },
            Event::ConversationUpdated {
                conversation: conversation(),
            },
            Event::ConversationRemoved { conversation_id: 7 },
            Event::ReadUpTo {
                conversation_id: 7,
                user_id: 2,
                message_id: 13,
            },
            Event::DeliveredUpTo {
                conversation_id: 7,
                user_id: 2,
                message_id: 14,
            },
            Event::Presence {
                user_id: 2,
                presence: Presence::Online,
                last_seen: Some(1_764_097_300_000),
            },
            Event::ChannelCreated { channel: channel() },
            Event::NotificationCreated {
                notification: notification(),
            },
            Event::NotificationsRead {
                notification_ids: vec![5, 6],
                all: true,
                unread: 0,
            },
            Event::SettingsChanged {
                settings: settings(),
            },
            Event::MessagesExpired {
                conversation_id: 7,
                message_ids: vec![1, 2, 3],
            },
        ];
        for (seq, event) in events.into_iter().enumerate() {
            frames.push(ServerFrame::Event {
                seq: seq as u64 + 42,
                event,
            });
        }
        frames
    }

    /// Both decoders agree: same value, or both an error.
    fn agree(json: &str) -> Option<ServerFrame> {
        let derived = serde_json::from_str::<ServerFrame>(json);
        let lean = server_frame_from_str(json);
        match (derived, lean) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{json}");
                Some(b)
            }
            (Err(_), Err(_)) => None,
            (a, b) => panic!("decoders disagree on {json}: derived {a:?}, lean {b:?}"),
        }
    }

    /// `value` as JSON text with the fields of every object in ascending (or, with `rev`,
    /// descending) order of their names, so the tags are not always first.
    fn reordered(value: &Value, rev: bool) -> String {
        match value {
            Value::Object(map) => {
                let mut fields: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reordered(v, rev)))
                    .collect();
                fields.sort_unstable();
                if rev {
                    fields.reverse();
                }
                format!("{{{}}}", fields.join(","))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(|v| reordered(v, rev)).collect();
                format!("[{}]", items.join(","))
            }
            other => other.to_string(),
        }
    }

    #[test]
    fn fixtures_cover_every_variant() {
        let mut names: Vec<&str> = all_frames().iter().map(variant).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARIANTS, "{names:?}");
    }

    #[test]
    fn decodes_every_frame_like_the_derived_impl() {
        for frame in all_frames() {
            let json = serde_json::to_string(&frame).unwrap();
            assert_eq!(agree(&json), Some(frame.clone()), "{json}");
            // Field order on the wire is free: the tags may come anywhere, at every level.
            let value = serde_json::to_value(&frame).unwrap();
            for rev in [false, true] {
                let json = reordered(&value, rev);
                assert_eq!(agree(&json), Some(frame.clone()), "{json}");
            }
        }
    }

    #[test]
    fn every_required_field_is_required_and_extra_fields_are_ignored() {
        for frame in all_frames() {
            let value = serde_json::to_value(&frame).unwrap();
            let nested = ["result", "event"]
                .into_iter()
                .find(|k| value.get(k).is_some());
            // Drop each field in turn (top level and the nested tagged object) and set each
            // to null: both decoders must agree whatever the outcome.
            let mut variants = Vec::new();
            for key in value.as_object().unwrap().keys() {
                let mut v = value.clone();
                v.as_object_mut().unwrap().remove(key);
                variants.push(v);
                let mut v = value.clone();
                v[key] = Value::Null;
                variants.push(v);
            }
            if let Some(n) = nested {
                for key in value[n].as_object().unwrap().keys() {
                    let mut v = value.clone();
                    v[n].as_object_mut().unwrap().remove(key);
                    variants.push(v);
                    let mut v = value.clone();
                    v[n][key] = Value::Null;
                    variants.push(v);
                    let mut v = value.clone();
                    v[n][key] = Value::String("wrong".into());
                    variants.push(v);
                }
                let mut v = value.clone();
                v[n]["future_field"] = serde_json::json!({"a": [1, null]});
                assert!(agree(&v.to_string()).is_some(), "{v}");
            }
            let mut v = value.clone();
            v["future_field"] = serde_json::json!([1, {"a": null}]);
            assert!(agree(&v.to_string()).is_some(), "{v}");
            for v in variants {
                agree(&v.to_string());
            }
        }
    }

    #[test]
    fn documented_examples_and_defaults() {
        let cases = [
            r#"{"type":"welcome","protocol_version":1,"epoch":"a1b2","seq":41,
               "me":{"id":1,"username":"alice","display_name":"Alice Martin","department_id":2,"presence":"online"},
               "users":[{"id":2,"username":"bob","display_name":"Bob Nguyen","department_id":3,"presence":"offline","last_seen":1764097000000}],
               "departments":[{"id":1,"name":"Head office"},{"id":2,"name":"Engineering","parent_id":1}],
               "conversations":[{"id":7,"kind":"direct","members":[1,2],"unread":1,"last_read_message_id":10,"sms":true,
                 "last_message":{"id":11,"conversation_id":7,"sender_id":2,"text":"hi","importance":"normal","created_at":1764097100000}}],
               "limits":{"max_frame_bytes":65536,"max_message_bytes":16384},"future_field":[1,{"a":null}]}"#,
            r#"{"type":"resumed","epoch":"a1b2","seq":40}"#,
            r#"{"seq":0,"epoch":"","type":"resumed"}"#,
            r#"{"type":"typing","conversation_id":7,"user_id":2}"#,
            r#"{"type":"error","code":"unsupported_version","message":"server speaks protocol 1"}"#,
            r#"{"type":"error","id":null,"code":"bad_frame","message":""}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"by":1,"user_id":3,"action":"added"}}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"created","by":1,"note":"x"}}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":null}}}"#,
            r#"{"type":"event","seq":43,"event":{"kind":"presence","user_id":2,"presence":"away","extra":true}}"#,
            r#"{"type":"event","seq":43,"event":{"kind":"presence","user_id":2,"presence":"away","last_seen":null}}"#,
            r#"{"event":{"presence":"online","user_id":2,"kind":"presence"},"seq":44,"type":"event"}"#,
            r#"{"type":"event","seq":45,"event":{"kind":"notifications_read","unread":3}}"#,
            r#"{"type":"event","seq":45,"event":{"kind":"notifications_read","all":true,"unread":0}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done"}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done","extra":1}}"#,
            r#"{"type":"ack","result":{"messages":[],"kind":"history","conversation_id":1,"has_more":false},"id":"c9"}"#,
            r#"{"type":"ack","id":"c2","result":{"kind":"channels","channels":[]}}"#,
            r#"{"type":"ack","id":"c3","result":{"kind":"notifications","notifications":[],"has_more":false,"unread":0}}"#,
            r#"{"type":"\u0061ck","id":"c\n1","result":{"kind":"done"}}"#,
        ];
        for json in cases {
            assert!(agree(json).is_some(), "{json}");
        }
    }

    #[test]
    fn rejects_what_the_derived_impl_rejects() {
        let cases = [
            "",
            "null",
            "[]",
            "not json",
            "{}",
            r#"{"type":null}"#,
            r#"{"type":1}"#,
            r#"{"type":"launch_rockets"}"#,
            r#"{"type":"Welcome"}"#,
            r#"{"type":"resumed","epoch":"e"}"#,
            r#"{"type":"resumed","epoch":1,"seq":1}"#,
            r#"{"type":"typing","conversation_id":7}"#,
            r#"{"type":"typing","conversation_id":7,"user_id":null}"#,
            r#"{"type":"ack","id":"c1"}"#,
            r#"{"type":"ack","id":"c1","result":null}"#,
            r#"{"type":"ack","id":"c1","result":"done"}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"nope"}}"#,
            r#"{"type":"ack","id":"c1","result":{}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"history","messages":[]}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"reminder","reminder_id":1}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"settings","settings":{}}}"#,
            r#"{"type":"ack","id":7,"result":{"kind":"done"}}"#,
            r#"{"type":"event","seq":-1,"event":{"kind":"presence","user_id":2,"presence":"away"}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":"asleep"}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":"away","last_seen":"x"}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"notifications_read","notification_ids":null,"unread":0}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"notifications_read","all":null,"unread":0}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"messages_expired","conversation_id":7}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"conversation_removed"}}"#,
            r#"{"type":"event","seq":1}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"added","user_id":3}}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"kicked","user_id":3}}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"user_id":3}}}}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"joined","user_id":null}}}}"#,
            r#"{"type":"error","code":"nope","message":""}"#,
            r#"{"type":"error","message":""}"#,
            r#"{"type":"welcome","protocol_version":1}"#,
            r#"{"type":"error","code":"internal","message":"x"} trailing"#,
            r#"{"type":"error","type":"error","code":"internal","message":"x"}"#,
            r#"{"type":"event","seq":1,"seq":2,"event":{"kind":"presence","user_id":2,"presence":"away"}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"presence","kind":"presence","user_id":2,"presence":"away"}}"#,
        ];
        for json in cases {
            assert_eq!(agree(json), None, "{json}");
        }
    }

    #[test]
    fn nested_tags_and_duplicates() {
        for json in [
            // Duplicates of fields the variant does not read are ignored, as by serde.
            r#"{"type":"typing","conversation_id":7,"user_id":2,"seq":1,"seq":2}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done","message":1,"message":2}}"#,
            r#"{"type":"typing","conversation_id":7,"user_id":2,"x":1,"x":[]}"#,
            r#"{"type":"resumed","epoch":"e","seq":0,"type2":1}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":"away","last_seen":-5}}"#,
            r#"{"type":"event","seq":18446744073709551615,"event":{"kind":"conversation_removed","conversation_id":-9223372036854775808}}"#,
        ] {
            assert!(agree(json).is_some(), "{json}");
        }
        for json in [
            r#"{"type":"typing","conversation_id":7,"user_id":2,"user_id":2}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done","kind":"done"}}"#,
            r#"{"type":"event","seq":18446744073709551616,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"conversation_removed","conversation_id":9223372036854775808}}"#,
            r#"{"type":"event","seq":-0,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"conversation_removed","conversation_id":-0}}"#,
            r#"{"type":"event","seq":1.0,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
            r#"{"type":"event","seq":1e2,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"notifications_read","unread":4294967296}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done"},}"#,
            r#"{"type":"ack","id":"c1\ud800","result":{"kind":"done"}}"#,
        ] {
            assert_eq!(agree(json), None, "{json}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for deep in [
            "[".repeat(100_000),
            "{\"a\":".repeat(100_000),
            format!(
                r#"{{"type":"typing","conversation_id":7,"user_id":2,"x":{}1{}}}"#,
                "[".repeat(200),
                "]".repeat(200)
            ),
        ] {
            assert!(server_frame_from_str(&deep).is_err());
            assert!(serde_json::from_str::<ServerFrame>(&deep).is_err());
        }
        let ok = format!(
            r#"{{"type":"typing","conversation_id":7,"user_id":2,"x":{}1{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(agree(&ok).is_some());
    }

    #[test]
    fn http_answers_decode_like_the_derived_impls() {
        fn check<T>(json: &str, ours: fn(&str) -> std::result::Result<T, DecodeError>)
        where
            T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            match (serde_json::from_str::<T>(json), ours(json)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{json}"),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("disagree on {json}: derived {a:?}, ours {b:?}"),
            }
        }
        let attachment = serde_json::to_string(&message(1, None).attachments[0]).unwrap();
        assert!(attachment_from_str(&attachment).is_ok());
        for json in [
            attachment.as_str(),
            r#"{"id":"a","name":"n","mime":"image/png","size":1,"width":2,"height":3,"url":"/u","thumbnail_url":"/t","extra":null}"#,
            r#"{"id":"a","name":"n","mime":"image/png","size":1,"width":2,"height":3,"url":"/u"}"#,
            r#"{"id":"a","name":"n","mime":"image/png","size":-1,"width":2,"height":3,"url":"/u","thumbnail_url":"/t"}"#,
            r#"{"id":"a","name":"n","mime":"image/png","size":1,"width":4294967296,"height":3,"url":"/u","thumbnail_url":"/t"}"#,
            "null",
            "",
        ] {
            check(json, attachment_from_str);
        }
        for json in [
            r#"{"token":"t.o\/k","user_id":3}"#,
            r#"{"user_id":3,"token":"t","x":[{}]}"#,
            r#"{"token":"t"}"#,
            r#"{"token":null,"user_id":3}"#,
            r#"{"token":"t","user_id":3.5}"#,
        ] {
            check(json, login_response_from_str);
        }
        assert_eq!(
            login_response_from_str(r#"{"token":"t","user_id":3}"#).unwrap(),
            crate::LoginResponse {
                token: "t".into(),
                user_id: 3
            }
        );
        for json in [
            r#"{"code":"unauthorized","message":"wrong password"}"#,
            r#"{"message":"m"}"#,
            r#"{"code":"c","message":"m","code":"d"}"#,
            "<html>",
        ] {
            check(json, http_error_from_str);
        }
    }

    /// xorshift64*: a small deterministic PRNG, so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Bytes that make mutations interesting for JSON.
    const ALPHABET: &[u8] = b"{}[]:,\"\\ 0123456789-+.eEtruefalsnl\nuab_";

    fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
        let mut b = input.to_vec();
        for _ in 0..1 + rng.below(3) {
            if b.is_empty() {
                break;
            }
            let i = rng.below(b.len());
            match rng.below(6) {
                0 => b[i] = ALPHABET[rng.below(ALPHABET.len())],
                1 => b[i] ^= 1 << rng.below(8),
                2 => b.insert(i, ALPHABET[rng.below(ALPHABET.len())]),
                3 => {
                    b.remove(i);
                }
                4 => b.truncate(i),
                _ => {
                    // Duplicate a short slice (repeats a field, a bracket, a digit...).
                    let end = (i + 1 + rng.below(16)).min(b.len());
                    let piece = b[i..end].to_vec();
                    let at = rng.below(b.len() + 1);
                    b.splice(at..at, piece);
                }
            }
        }
        b
    }

    #[test]
    fn fuzz_agrees_with_the_derived_impl() {
        let mut seeds: Vec<String> = Vec::new();
        for frame in all_frames() {
            seeds.push(serde_json::to_string(&frame).unwrap());
            let value = serde_json::to_value(&frame).unwrap();
            seeds.push(reordered(&value, true));
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut accepted, mut tried) = (0, 0);
        while tried < 20_000 {
            let seed = seeds[rng.below(seeds.len())].as_bytes();
            let Ok(text) = String::from_utf8(mutate(&mut rng, seed)) else {
                continue;
            };
            tried += 1;
            if agree(&text).is_some() {
                accepted += 1;
            }
        }
        // Enough mutants stay valid that the accepting paths are exercised too.
        assert!(accepted > 1_000, "{accepted}");
    }

    /// The documented differences: shapes serde accepts that no server sends.
    #[test]
    fn intentional_differences_from_serde() {
        for json in [
            // A struct as an array of its fields.
            r#"{"type":"event","seq":1,"event":{"kind":"channel_created","channel":[1,"t",2,true,5]}}"#,
            // A unit enum value as an externally tagged object.
            r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":{"away":null}}}"#,
            // A nested tag as a variant index (3: conversation_removed).
            r#"{"type":"event","seq":1,"event":{"kind":3,"conversation_id":7}}"#,
        ] {
            assert!(serde_json::from_str::<ServerFrame>(json).is_ok(), "{json}");
            assert!(server_frame_from_str(json).is_err(), "{json}");
        }
    }
}
