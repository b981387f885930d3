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
//! derived `Deserialize` impl.

use serde::de::Error as _;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{AckResult, Event, ServerFrame, Welcome};

type Raw<'a> = Option<&'a RawValue>;

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
    /// Every field of every variant but `welcome`.
    #[derive(Deserialize)]
    struct Fields<'a> {
        #[serde(rename = "type", borrow)]
        tag: Raw<'a>,
        #[serde(borrow)]
        id: Raw<'a>,
        #[serde(borrow)]
        result: Raw<'a>,
        #[serde(borrow)]
        code: Raw<'a>,
        #[serde(borrow)]
        message: Raw<'a>,
        #[serde(borrow)]
        seq: Raw<'a>,
        #[serde(borrow)]
        event: Raw<'a>,
    }

    let f: Fields = serde_json::from_str(json)?;
    Ok(match field::<Type>(f.tag, "type")? {
        Type::Welcome => ServerFrame::Welcome(Box::new(serde_json::from_str::<Welcome>(json)?)),
        Type::Ack => ServerFrame::Ack {
            id: field(f.id, "id")?,
            result: ack_result_from_str(field::<&RawValue>(f.result, "result")?.get())?,
        },
        Type::Error => ServerFrame::Error {
            id: f.id.map(parse).transpose()?,
            code: field(f.code, "code")?,
            message: field(f.message, "message")?,
        },
        Type::Event => ServerFrame::Event {
            seq: field(f.seq, "seq")?,
            event: event_from_str(field::<&RawValue>(f.event, "event")?.get())?,
        },
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
    }

    let f: Fields = serde_json::from_str(json)?;
    Ok(match field::<Kind>(f.kind, "kind")? {
        Kind::MessageSent => AckResult::MessageSent {
            message: field(f.message, "message")?,
        },
        Kind::Conversation => AckResult::Conversation {
            conversation: field(f.conversation, "conversation")?,
        },
        Kind::History => AckResult::History {
            conversation_id: field(f.conversation_id, "conversation_id")?,
            messages: field(f.messages, "messages")?,
            has_more: field(f.has_more, "has_more")?,
        },
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
    }

    let f: Fields = serde_json::from_str(json)?;
    Ok(match field::<Kind>(f.kind, "kind")? {
        Kind::MessageCreated => Event::MessageCreated {
            message: field(f.message, "message")?,
        },
        Kind::ConversationAdded => Event::ConversationAdded {
            conversation: field(f.conversation, "conversation")?,
        },
        Kind::ReadUpTo => Event::ReadUpTo {
            conversation_id: field(f.conversation_id, "conversation_id")?,
            user_id: field(f.user_id, "user_id")?,
            message_id: field(f.message_id, "message_id")?,
        },
        Kind::Presence => Event::Presence {
            user_id: field(f.user_id, "user_id")?,
            presence: field(f.presence, "presence")?,
        },
    })
}

/// A required field of the variant: absent or `null` is an error, as in the derived impl
/// (none of these fields is an `Option`).
fn field<'a, T: Deserialize<'a>>(raw: Raw<'a>, name: &'static str) -> serde_json::Result<T> {
    parse(raw.ok_or_else(|| serde_json::Error::missing_field(name))?)
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> serde_json::Result<T> {
    serde_json::from_str(raw.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ConversationKind, ConversationSummary, Department, ErrorCode, Importance, Limits, Message,
        MessageId, Presence, User, UserId,
    };

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
