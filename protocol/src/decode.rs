//! A lean JSON decoder for [`ServerFrame`], for clients where code size matters.
//!
//! `serde_json::from_str::<ServerFrame>` works, but serde reads an internally tagged enum
//! (`#[serde(tag = "type")]`) by first buffering the whole object into a generic `Content`
//! tree, then deserializing every variant's fields from that tree. In a WebAssembly build
//! that buffering machinery, instantiated for every nested type, costs tens of kilobytes.
//!
//! [`server_frame_from_str`] accepts the same objects and builds the same values without
//! that buffering: it reads the tag first (skipping the other fields), then reads the object
//! again as the variant's own struct, which ignores the tag as an unknown field. Nested
//! tagged enums (`result`, `event`) are kept as raw JSON text and decoded the same way.
//! The tests below check it against the derived `Deserialize` impl.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::{
    AckResult, CommandId, ConversationId, ConversationSummary, ErrorCode, Event, Message,
    MessageId, Presence, ServerFrame, UserId, Welcome,
};

/// Decodes one server frame, as `serde_json::from_str::<ServerFrame>` would.
pub fn server_frame_from_str(json: &str) -> serde_json::Result<ServerFrame> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Type {
        Welcome,
        Ack,
        Error,
        Event,
    }
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        tag: Type,
    }
    #[derive(Deserialize)]
    struct Ack {
        id: CommandId,
        result: Nested<AckResult>,
    }
    #[derive(Deserialize)]
    struct Error {
        #[serde(default)]
        id: Option<CommandId>,
        code: ErrorCode,
        message: String,
    }
    #[derive(Deserialize)]
    struct EventFrame {
        seq: u64,
        event: Nested<Event>,
    }

    Ok(match serde_json::from_str::<Tag>(json)?.tag {
        Type::Welcome => ServerFrame::Welcome(Box::new(from_str::<Welcome>(json)?)),
        Type::Ack => {
            let Ack { id, result } = from_str(json)?;
            ServerFrame::Ack {
                id,
                result: result.0,
            }
        }
        Type::Error => {
            let Error { id, code, message } = from_str(json)?;
            ServerFrame::Error { id, code, message }
        }
        Type::Event => {
            let EventFrame { seq, event } = from_str(json)?;
            ServerFrame::Event {
                seq,
                event: event.0,
            }
        }
    })
}

fn ack_result_from_str(json: &str) -> serde_json::Result<AckResult> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        MessageSent,
        Conversation,
        History,
        Done,
    }
    #[derive(Deserialize)]
    struct MessageSent {
        message: Message,
    }
    #[derive(Deserialize)]
    struct Conversation {
        conversation: ConversationSummary,
    }
    #[derive(Deserialize)]
    struct History {
        conversation_id: ConversationId,
        messages: Vec<Message>,
        has_more: bool,
    }

    Ok(match kind::<Kind>(json)? {
        Kind::MessageSent => {
            let MessageSent { message } = from_str(json)?;
            AckResult::MessageSent { message }
        }
        Kind::Conversation => {
            let Conversation { conversation } = from_str(json)?;
            AckResult::Conversation { conversation }
        }
        Kind::History => {
            let History {
                conversation_id,
                messages,
                has_more,
            } = from_str(json)?;
            AckResult::History {
                conversation_id,
                messages,
                has_more,
            }
        }
        Kind::Done => AckResult::Done,
    })
}

fn event_from_str(json: &str) -> serde_json::Result<Event> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        MessageCreated,
        ConversationAdded,
        ReadUpTo,
        Presence,
    }
    #[derive(Deserialize)]
    struct MessageCreated {
        message: Message,
    }
    #[derive(Deserialize)]
    struct ConversationAdded {
        conversation: ConversationSummary,
    }
    #[derive(Deserialize)]
    struct ReadUpTo {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    }
    #[derive(Deserialize)]
    struct PresenceEvent {
        user_id: UserId,
        presence: Presence,
    }

    Ok(match kind::<Kind>(json)? {
        Kind::MessageCreated => {
            let MessageCreated { message } = from_str(json)?;
            Event::MessageCreated { message }
        }
        Kind::ConversationAdded => {
            let ConversationAdded { conversation } = from_str(json)?;
            Event::ConversationAdded { conversation }
        }
        Kind::ReadUpTo => {
            let ReadUpTo {
                conversation_id,
                user_id,
                message_id,
            } = from_str(json)?;
            Event::ReadUpTo {
                conversation_id,
                user_id,
                message_id,
            }
        }
        Kind::Presence => {
            let PresenceEvent { user_id, presence } = from_str(json)?;
            Event::Presence { user_id, presence }
        }
    })
}

/// The whole frame (or nested object) read as one variant's struct; the tag is ignored there
/// like any unknown field.
fn from_str<T: DeserializeOwned>(json: &str) -> serde_json::Result<T> {
    serde_json::from_str(json)
}

/// The `kind` tag of a nested object, skipping its other fields.
fn kind<K: DeserializeOwned>(json: &str) -> serde_json::Result<K> {
    #[derive(Deserialize)]
    struct Kind<K> {
        kind: K,
    }
    Ok(serde_json::from_str::<Kind<K>>(json)?.kind)
}

/// A nested tagged enum, kept as raw JSON while its parent is read, then decoded on its own.
struct Nested<T>(T);

trait NestedFromStr: Sized {
    fn nested_from_str(json: &str) -> serde_json::Result<Self>;
}

impl NestedFromStr for AckResult {
    fn nested_from_str(json: &str) -> serde_json::Result<Self> {
        ack_result_from_str(json)
    }
}

impl NestedFromStr for Event {
    fn nested_from_str(json: &str) -> serde_json::Result<Self> {
        event_from_str(json)
    }
}

impl<'de, T: NestedFromStr> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(deserializer)?;
        T::nested_from_str(raw.get())
            .map(Nested)
            .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConversationKind, Department, Importance, Limits, User};

    fn message(id: MessageId) -> Message {
        Message {
            id,
            conversation_id: 7,
            sender_id: 2,
            text: "hé \"quoted\" \\ \u{1F600}".into(),
            importance: Importance::High,
            created_at: 1_764_097_100_000,
            client_id: Some("c1".into()),
        }
    }

    fn conversation() -> ConversationSummary {
        ConversationSummary {
            id: 7,
            kind: ConversationKind::Group,
            title: Some("Team".into()),
            members: vec![1, 2, 3],
            last_message: Some(message(11)),
            unread: 1,
            last_read_message_id: Some(10),
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

    fn all_frames() -> Vec<ServerFrame> {
        let mut frames = vec![
            ServerFrame::Welcome(Box::new(Welcome {
                protocol_version: 1,
                epoch: "a1b2".into(),
                seq: 41,
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
                limits: Limits::default(),
            })),
            ServerFrame::Ack {
                id: "c1".into(),
                result: AckResult::MessageSent {
                    message: message(12),
                },
            },
            ServerFrame::Ack {
                id: "c2".into(),
                result: AckResult::Conversation {
                    conversation: conversation(),
                },
            },
            ServerFrame::Ack {
                id: "c3".into(),
                result: AckResult::History {
                    conversation_id: 7,
                    messages: vec![message(3), message(4)],
                    has_more: true,
                },
            },
            ServerFrame::Ack {
                id: "c4".into(),
                result: AckResult::Done,
            },
            ServerFrame::Error {
                id: None,
                code: ErrorCode::Unauthorized,
                message: "invalid or expired token".into(),
            },
            ServerFrame::Error {
                id: Some("c5".into()),
                code: ErrorCode::MessageTooLarge,
                message: "too long".into(),
            },
        ];
        let events = [
            Event::MessageCreated {
                message: message(13),
            },
            Event::ConversationAdded {
                conversation: conversation(),
            },
            Event::ReadUpTo {
                conversation_id: 7,
                user_id: 2,
                message_id: 13,
            },
            Event::Presence {
                user_id: 2,
                presence: Presence::Online,
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

    #[test]
    fn decodes_every_frame_like_the_derived_impl() {
        for frame in all_frames() {
            let json = serde_json::to_string(&frame).unwrap();
            assert_eq!(agree(&json), Some(frame.clone()));
            // Field order on the wire is free: the tag may come last.
            let value = serde_json::to_value(&frame).unwrap();
            let mut fields: Vec<(String, serde_json::Value)> =
                value.as_object().unwrap().clone().into_iter().collect();
            fields.reverse();
            let reordered = format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            assert_eq!(agree(&reordered), Some(frame));
        }
    }

    #[test]
    fn documented_examples_and_defaults() {
        let cases = [
            r#"{"type":"welcome","protocol_version":1,"epoch":"a1b2","seq":41,
               "me":{"id":1,"username":"alice","display_name":"Alice Martin","department_id":2,"presence":"online"},
               "users":[{"id":2,"username":"bob","display_name":"Bob Nguyen","department_id":3,"presence":"offline","last_seen":1764097000000}],
               "departments":[{"id":1,"name":"Head office"},{"id":2,"name":"Engineering","parent_id":1}],
               "conversations":[{"id":7,"kind":"direct","members":[1,2],"unread":1,"last_read_message_id":10,
                 "last_message":{"id":11,"conversation_id":7,"sender_id":2,"text":"hi","importance":"normal","created_at":1764097100000}}],
               "limits":{"max_frame_bytes":65536,"max_message_bytes":16384},"future_field":[1,{"a":null}]}"#,
            r#"{"type":"error","code":"unsupported_version","message":"server speaks protocol 1"}"#,
            r#"{"type":"error","id":null,"code":"bad_frame","message":""}"#,
            r#"{"type":"event","seq":42,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5}}}"#,
            r#"{"type":"event","seq":43,"event":{"kind":"presence","user_id":2,"presence":"away","extra":true}}"#,
            r#"{"event":{"presence":"online","user_id":2,"kind":"presence"},"seq":44,"type":"event"}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done"}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"done","extra":1}}"#,
            r#"{"type":"ack","result":{"messages":[],"kind":"history","conversation_id":1,"has_more":false},"id":"c9"}"#,
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
            "not json",
            "{}",
            r#"{"type":"launch_rockets"}"#,
            r#"{"type":"ack","id":"c1"}"#,
            r#"{"type":"ack","id":"c1","result":null}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"nope"}}"#,
            r#"{"type":"ack","id":"c1","result":{}}"#,
            r#"{"type":"ack","id":"c1","result":{"kind":"history","messages":[]}}"#,
            r#"{"type":"ack","id":7,"result":{"kind":"done"}}"#,
            r#"{"type":"event","seq":-1,"event":{"kind":"presence","user_id":2,"presence":"away"}}"#,
            r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":"asleep"}}"#,
            r#"{"type":"event","seq":1}"#,
            r#"{"type":"error","code":"nope","message":""}"#,
            r#"{"type":"error","message":""}"#,
            r#"{"type":"welcome","protocol_version":1}"#,
            r#"{"type":"error","code":"internal","message":"x"} trailing"#,
            r#"{"type":"error","type":"error","code":"internal","message":"x"}"#,
            r#"{"type":"event","seq":1,"seq":2,"event":{"kind":"presence","user_id":2,"presence":"away"}}"#,
        ];
        for json in cases {
            assert_eq!(agree(json), None, "{json}");
        }
    }
}
