//! A lean JSON decoder for [`ServerFrame`], for clients where code size matters.
//!
//! `serde_json::from_str::<ServerFrame>` works, but serde reads an internally tagged enum
//! (`#[serde(tag = "type")]`) by first buffering the whole object into a generic `Content`
//! tree, then deserializing every variant's fields from that tree. In a WebAssembly build
//! that buffering machinery, instantiated for every nested type, costs tens of kilobytes.
//!
//! [`server_frame_from_str`] accepts the same objects and builds the same values without
//! that buffering: it reads each tagged object once into a flat struct of raw JSON fields
//! (the tag among them, in any position), then decodes only the fields of the variant the
//! tag names. `welcome`, whose fields sit beside the tag, is read again as a [`Welcome`],
//! which ignores the tag like any unknown field. The tests below check it against the
//! derived `Deserialize` impl on every variant.
//!
//! Adding a variant to [`ServerFrame`], [`AckResult`] or [`Event`] means adding it here too;
//! the exhaustive `match` in the tests stops compiling until the test fixtures name it.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::{AckResult, Event, ServerFrame, Welcome};

type Result<T> = serde_json::Result<T>;

/// One field's raw JSON, `null` included (so `null` fails where the derived impl fails);
/// `None` when the field is absent.
#[derive(Clone, Copy, Default)]
struct Raw<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|raw| Raw(Some(raw)))
    }
}

impl<'a> Raw<'a> {
    /// A required field: absent is an error, as in the derived impl.
    fn req<T: Deserialize<'a>>(self, name: &'static str) -> Result<T> {
        match self.0 {
            Some(raw) => parse(raw),
            None => Err(serde_json::Error::missing_field(name)),
        }
    }

    /// A `#[serde(default)]` field (every `Option` in these variants is one): absent gives
    /// the default; present, even `null`, is decoded as the field's type.
    fn or_default<T: Deserialize<'a> + Default>(self) -> Result<T> {
        self.0.map(parse).transpose().map(Option::unwrap_or_default)
    }
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Result<T> {
    serde_json::from_str(raw.get())
}

/// Decodes one server frame, as `serde_json::from_str::<ServerFrame>` would.
pub fn server_frame_from_str(json: &str) -> Result<ServerFrame> {
    /// In `ServerFrame`'s declaration order, as the derived tag identifier.
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Type {
        Welcome,
        Resumed,
        Ack,
        Error,
        Event,
        Typing,
    }
    /// Every field of every variant but `welcome`.
    #[derive(Default, Deserialize)]
    #[serde(default)]
    struct Fields<'a> {
        #[serde(rename = "type", borrow)]
        tag: Raw<'a>,
        #[serde(borrow)]
        epoch: Raw<'a>,
        #[serde(borrow)]
        seq: Raw<'a>,
        #[serde(borrow)]
        id: Raw<'a>,
        #[serde(borrow)]
        result: Raw<'a>,
        #[serde(borrow)]
        code: Raw<'a>,
        #[serde(borrow)]
        message: Raw<'a>,
        #[serde(borrow)]
        event: Raw<'a>,
        #[serde(borrow)]
        conversation_id: Raw<'a>,
        #[serde(borrow)]
        user_id: Raw<'a>,
    }

    let f: Fields = serde_json::from_str(json)?;
    Ok(match f.tag.req::<Type>("type")? {
        Type::Welcome => ServerFrame::Welcome(Box::new(serde_json::from_str::<Welcome>(json)?)),
        Type::Resumed => ServerFrame::Resumed {
            epoch: f.epoch.req("epoch")?,
            seq: f.seq.req("seq")?,
        },
        Type::Ack => ServerFrame::Ack {
            id: f.id.req("id")?,
            result: ack_result(f.result.req("result")?)?,
        },
        Type::Error => ServerFrame::Error {
            id: f.id.or_default()?,
            code: f.code.req("code")?,
            message: f.message.req("message")?,
        },
        Type::Event => ServerFrame::Event {
            seq: f.seq.req("seq")?,
            event: event(f.event.req("event")?)?,
        },
        Type::Typing => ServerFrame::Typing {
            conversation_id: f.conversation_id.req("conversation_id")?,
            user_id: f.user_id.req("user_id")?,
        },
    })
}

fn ack_result(raw: &RawValue) -> Result<AckResult> {
    /// In `AckResult`'s declaration order.
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        MessageSent,
        Conversation,
        History,
        Channels,
        Notifications,
        Reminder,
        Settings,
        Done,
    }
    #[derive(Default, Deserialize)]
    #[serde(default)]
    struct Fields<'a> {
        #[serde(borrow)]
        kind: Raw<'a>,
        #[serde(borrow)]
        message: Raw<'a>,
        #[serde(borrow)]
        conversation: Raw<'a>,
        #[serde(borrow)]
        conversation_id: Raw<'a>,
        #[serde(borrow)]
        messages: Raw<'a>,
        #[serde(borrow)]
        has_more: Raw<'a>,
        #[serde(borrow)]
        channels: Raw<'a>,
        #[serde(borrow)]
        notifications: Raw<'a>,
        #[serde(borrow)]
        unread: Raw<'a>,
        #[serde(borrow)]
        reminder_id: Raw<'a>,
        #[serde(borrow)]
        at: Raw<'a>,
        #[serde(borrow)]
        settings: Raw<'a>,
    }

    let f: Fields = parse(raw)?;
    Ok(match f.kind.req::<Kind>("kind")? {
        Kind::MessageSent => AckResult::MessageSent {
            message: f.message.req("message")?,
        },
        Kind::Conversation => AckResult::Conversation {
            conversation: f.conversation.req("conversation")?,
        },
        Kind::History => AckResult::History {
            conversation_id: f.conversation_id.req("conversation_id")?,
            messages: f.messages.req("messages")?,
            has_more: f.has_more.req("has_more")?,
        },
        Kind::Channels => AckResult::Channels {
            channels: f.channels.req("channels")?,
        },
        Kind::Notifications => AckResult::Notifications {
            notifications: f.notifications.req("notifications")?,
            has_more: f.has_more.req("has_more")?,
            unread: f.unread.req("unread")?,
        },
        Kind::Reminder => AckResult::Reminder {
            reminder_id: f.reminder_id.req("reminder_id")?,
            at: f.at.req("at")?,
        },
        Kind::Settings => AckResult::Settings {
            settings: f.settings.req("settings")?,
        },
        Kind::Done => AckResult::Done,
    })
}

fn event(raw: &RawValue) -> Result<Event> {
    /// In `Event`'s declaration order.
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        MessageCreated,
        ConversationAdded,
        ConversationUpdated,
        ConversationRemoved,
        ReadUpTo,
        DeliveredUpTo,
        Presence,
        ChannelCreated,
        NotificationCreated,
        NotificationsRead,
        SettingsChanged,
        MessagesExpired,
    }
    #[derive(Default, Deserialize)]
    #[serde(default)]
    struct Fields<'a> {
        #[serde(borrow)]
        kind: Raw<'a>,
        #[serde(borrow)]
        message: Raw<'a>,
        #[serde(borrow)]
        conversation: Raw<'a>,
        #[serde(borrow)]
        conversation_id: Raw<'a>,
        #[serde(borrow)]
        user_id: Raw<'a>,
        #[serde(borrow)]
        message_id: Raw<'a>,
        #[serde(borrow)]
        presence: Raw<'a>,
        #[serde(borrow)]
        last_seen: Raw<'a>,
        #[serde(borrow)]
        channel: Raw<'a>,
        #[serde(borrow)]
        notification: Raw<'a>,
        #[serde(borrow)]
        notification_ids: Raw<'a>,
        #[serde(borrow)]
        all: Raw<'a>,
        #[serde(borrow)]
        unread: Raw<'a>,
        #[serde(borrow)]
        settings: Raw<'a>,
        #[serde(borrow)]
        message_ids: Raw<'a>,
    }

    let f: Fields = parse(raw)?;
    Ok(match f.kind.req::<Kind>("kind")? {
        Kind::MessageCreated => Event::MessageCreated {
            message: f.message.req("message")?,
        },
        Kind::ConversationAdded => Event::ConversationAdded {
            conversation: f.conversation.req("conversation")?,
        },
        Kind::ConversationUpdated => Event::ConversationUpdated {
            conversation: f.conversation.req("conversation")?,
        },
        Kind::ConversationRemoved => Event::ConversationRemoved {
            conversation_id: f.conversation_id.req("conversation_id")?,
        },
        Kind::ReadUpTo => Event::ReadUpTo {
            conversation_id: f.conversation_id.req("conversation_id")?,
            user_id: f.user_id.req("user_id")?,
            message_id: f.message_id.req("message_id")?,
        },
        Kind::DeliveredUpTo => Event::DeliveredUpTo {
            conversation_id: f.conversation_id.req("conversation_id")?,
            user_id: f.user_id.req("user_id")?,
            message_id: f.message_id.req("message_id")?,
        },
        Kind::Presence => Event::Presence {
            user_id: f.user_id.req("user_id")?,
            presence: f.presence.req("presence")?,
            last_seen: f.last_seen.or_default()?,
        },
        Kind::ChannelCreated => Event::ChannelCreated {
            channel: f.channel.req("channel")?,
        },
        Kind::NotificationCreated => Event::NotificationCreated {
            notification: f.notification.req("notification")?,
        },
        Kind::NotificationsRead => Event::NotificationsRead {
            notification_ids: f.notification_ids.or_default()?,
            all: f.all.or_default()?,
            unread: f.unread.req("unread")?,
        },
        Kind::SettingsChanged => Event::SettingsChanged {
            settings: f.settings.req("settings")?,
        },
        Kind::MessagesExpired => Event::MessagesExpired {
            conversation_id: f.conversation_id.req("conversation_id")?,
            message_ids: f.message_ids.req("message_ids")?,
        },
    })
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
}
