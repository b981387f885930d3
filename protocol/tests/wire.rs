//! The documented wire shapes, checked through `serde_json` and the derived impls: the one
//! definition of each type that the widget, the server and the conformance suite share.

use messenger_protocol::{
    AckResult, Attachment, ClientFrame, EmailMode, ErrorCode, Event, Features, HttpError,
    Importance, Limits, LoginRequest, LoginResponse, Notification, PortalLoginRequest, Presence,
    ResumePosition, SendKey, ServerFrame, Settings, SettingsPatch, SystemEvent, UnreadCounts,
};
use serde_json::Value;

const PROTOCOL_MD: &str = include_str!("../../docs/protocol.md");

/// Compile-time guard: no wildcard arm, so a new command does not compile until it is named
/// here, given a fixture in [`one_of_each_command`] and documented.
fn command_type(frame: &ClientFrame) -> &'static str {
    match frame {
        ClientFrame::Hello { .. } => "hello",
        ClientFrame::SendMessage { .. } => "send_message",
        ClientFrame::OpenDirect { .. } => "open_direct",
        ClientFrame::CreateGroup { .. } => "create_group",
        ClientFrame::CreateChannel { .. } => "create_channel",
        ClientFrame::ListChannels { .. } => "list_channels",
        ClientFrame::JoinChannel { .. } => "join_channel",
        ClientFrame::LeaveConversation { .. } => "leave_conversation",
        ClientFrame::AddMembers { .. } => "add_members",
        ClientFrame::MarkRead { .. } => "mark_read",
        ClientFrame::LoadHistory { .. } => "load_history",
        ClientFrame::Typing { .. } => "typing",
        ClientFrame::SetPresence { .. } => "set_presence",
        ClientFrame::ListNotifications { .. } => "list_notifications",
        ClientFrame::MarkNotificationRead { .. } => "mark_notification_read",
        ClientFrame::MarkAllNotificationsRead { .. } => "mark_all_notifications_read",
        ClientFrame::MarkConversationNotificationsRead { .. } => {
            "mark_conversation_notifications_read"
        }
        ClientFrame::SetReminder { .. } => "set_reminder",
        ClientFrame::UpdateSettings { .. } => "update_settings",
        ClientFrame::MarkChannelsSeen { .. } => "mark_channels_seen",
        ClientFrame::TransferInteraction { .. } => "transfer_interaction",
        ClientFrame::AnswerTransfer { .. } => "answer_transfer",
        ClientFrame::CloseInteraction { .. } => "close_interaction",
        ClientFrame::ContactHistory { .. } => "contact_history",
        ClientFrame::ListMailbox { .. } => "list_mailbox",
        ClientFrame::CheckSpelling { .. } => "check_spelling",
    }
}

fn one_of_each_command() -> Vec<ClientFrame> {
    let id = || "c-1".to_owned();
    vec![
        ClientFrame::Hello {
            protocol_version: 1,
            token: "t".into(),
            resume: Some(ResumePosition {
                epoch: "e".into(),
                seq: u64::MAX,
            }),
        },
        ClientFrame::SendMessage {
            note: false,
            id: id(),
            conversation_id: 7,
            text: "é \"q\" \\ / \u{1F600} \n\t\u{0}</script>".into(),
            importance: Importance::High,
            attachments: vec!["a1".into()],
        },
        ClientFrame::OpenDirect {
            id: id(),
            user_id: i64::MIN,
        },
        ClientFrame::CreateGroup {
            id: id(),
            title: "Launch".into(),
            members: vec![2, 3],
        },
        ClientFrame::CreateChannel {
            id: id(),
            title: "general".into(),
        },
        ClientFrame::ListChannels { id: id() },
        ClientFrame::JoinChannel {
            id: id(),
            conversation_id: 9,
        },
        ClientFrame::LeaveConversation {
            id: id(),
            conversation_id: 9,
        },
        ClientFrame::AddMembers {
            id: id(),
            conversation_id: 9,
            user_ids: vec![5],
        },
        ClientFrame::MarkRead {
            id: id(),
            conversation_id: 7,
            message_id: 12,
        },
        ClientFrame::LoadHistory {
            id: id(),
            conversation_id: 7,
            before: Some(40),
            limit: 50,
        },
        ClientFrame::Typing {
            id: id(),
            conversation_id: 7,
        },
        ClientFrame::SetPresence {
            id: id(),
            presence: Presence::Away,
        },
        ClientFrame::ListNotifications {
            id: id(),
            before: None,
            limit: 20,
        },
        ClientFrame::MarkNotificationRead {
            id: id(),
            notification_id: 31,
        },
        ClientFrame::MarkAllNotificationsRead { id: id() },
        ClientFrame::MarkConversationNotificationsRead {
            id: id(),
            conversation_id: 4,
        },
        ClientFrame::SetReminder {
            id: id(),
            at: 1_764_100_800_000,
            text: "Call the supplier".into(),
            conversation_id: Some(4),
        },
        ClientFrame::UpdateSettings {
            id: id(),
            settings: SettingsPatch {
                warn_misspelled: None,
                email_mode: Some(EmailMode::Digest),
                digest_minutes: Some(30),
                always_forward_offline: Some(true),
                send_key: Some(SendKey::CtrlEnter),
            },
        },
        ClientFrame::MarkChannelsSeen {
            id: id(),
            up_to: 12,
        },
        ClientFrame::TransferInteraction {
            id: id(),
            conversation_id: 40,
            to_user: None,
            to_department: Some(3),
        },
        ClientFrame::AnswerTransfer {
            id: id(),
            conversation_id: 40,
            accept: false,
            reason: Some("on a call".into()),
        },
        ClientFrame::CloseInteraction {
            id: id(),
            conversation_id: 40,
            disposition: Some("resolved".into()),
        },
        ClientFrame::ContactHistory {
            id: id(),
            contact_id: 9,
            limit: 20,
        },
        ClientFrame::ListMailbox {
            id: id(),
            folder: messenger_protocol::MailFolder::Sent,
            before: Some(900),
            limit: 50,
        },
        ClientFrame::CheckSpelling {
            id: id(),
            lang: "fr".into(),
            text: "Bonjour, je vous envoie le documment".into(),
        },
    ]
}

#[test]
fn every_command_is_documented_tagged_by_its_type_and_round_trips() {
    let frames = one_of_each_command();
    let mut names: Vec<&str> = frames.iter().map(command_type).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), frames.len(), "one fixture per command");
    for frame in frames {
        let name = command_type(&frame);
        let text = serde_json::to_string(&frame).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], name, "{text}");
        assert_eq!(serde_json::from_str::<ClientFrame>(&text).unwrap(), frame);
        assert_eq!(frame.command_id().is_none(), name == "hello", "{text}");
        assert!(
            PROTOCOL_MD.contains(&format!("`{name}`")),
            "docs/protocol.md does not name the command `{name}`"
        );
    }
}

/// Top-level JSON objects in `block`, found by bracket depth outside strings.
fn objects(block: &str) -> Vec<&str> {
    let (mut found, mut depth, mut start) = (Vec::new(), 0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for (i, c) in block.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    found.push(&block[start..=i]);
                }
            }
            _ => {}
        }
    }
    found
}

/// Every field the docs show is in what the types produce, with the same value: nothing in
/// an example is silently dropped or shaped differently. (The types may add defaults.)
fn shown_fields_survive(doc: &Value, ours: &Value, path: &str) {
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            for (key, value) in d {
                let Some(mine) = o.get(key) else {
                    panic!("{path}.{key} is in the docs but not in the decoded value");
                };
                shown_fields_survive(value, mine, &format!("{path}.{key}"));
            }
        }
        (Value::Array(d), Value::Array(o)) => {
            assert_eq!(d.len(), o.len(), "{path}");
            for (i, (a, b)) in d.iter().zip(o).enumerate() {
                shown_fields_survive(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(doc, ours, "{path}"),
    }
}

fn reencoded<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Value {
    let parsed: T = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("documented example does not decode ({e}): {text}"));
    serde_json::to_value(&parsed).unwrap()
}

#[test]
fn every_complete_example_in_the_protocol_docs_decodes_as_shown() {
    let commands: Vec<&str> = one_of_each_command().iter().map(command_type).collect();
    let mut checked = 0;
    let mut in_json = false;
    let mut block = String::new();
    for line in PROTOCOL_MD.lines() {
        if !in_json {
            in_json = line.trim() == "```json";
            continue;
        }
        if line.trim() != "```" {
            block.push_str(line);
            block.push('\n');
            continue;
        }
        in_json = false;
        // A fragment (`"member_states":[…]`) and examples shortened with `…` are
        // illustrations, not frames.
        let complete = block.trim_start().starts_with('{');
        let examples = objects(&block)
            .into_iter()
            .filter(|t| complete && !t.contains('…'));
        for text in examples {
            let doc: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("documented example is not JSON ({e}): {text}"));
            // `typing` goes both ways: the command carries an `id`, the server's frame not.
            let command =
                |t: &str| commands.contains(&t) && (t != "typing" || doc["id"].is_string());
            let ours = match doc["type"].as_str() {
                Some(t) if command(t) => reencoded::<ClientFrame>(text),
                Some(_) => reencoded::<ServerFrame>(text),
                None if doc.get("thumbnail_url").is_some() => reencoded::<Attachment>(text),
                None if doc.get("read").is_some() => reencoded::<Notification>(text),
                None => panic!("an example of an unknown type: {text}"),
            };
            shown_fields_survive(&doc, &ours, "");
            checked += 1;
        }
        block.clear();
    }
    assert!(checked >= 40, "only {checked} examples found");
}

#[test]
fn absent_optional_fields_take_their_documented_defaults() {
    let welcome = r#"{"type":"welcome","protocol_version":1,"epoch":"a1b2","seq":41,
        "me":{"id":1,"username":"alice","display_name":"Alice Martin"},
        "users":[],"departments":[],"conversations":[],
        "limits":{"max_frame_bytes":65536,"max_message_bytes":16384},"future_field":[1,{"a":null}]}"#;
    let ServerFrame::Welcome(w) = serde_json::from_str(welcome).unwrap() else {
        panic!("not a welcome");
    };
    assert_eq!(w.limits, Limits::default());
    assert_eq!(w.settings, Settings::default());
    assert_eq!(w.features, Features::default());
    assert_eq!((w.new_channels, w.unread_notifications), (0, 0));
    assert_eq!(w.me.presence, Presence::Offline);
    assert!(w.reset.is_none());

    let read = r#"{"type":"event","seq":45,"event":{"kind":"notifications_read","unread":3}}"#;
    assert_eq!(
        serde_json::from_str::<ServerFrame>(read).unwrap(),
        ServerFrame::Event {
            seq: 45,
            event: Event::NotificationsRead {
                notification_ids: Vec::new(),
                all: false,
                unread: 3
            }
        }
    );
    // Tags anywhere in the object; unknown fields ignored; `null` for an optional field.
    let message = r#"{"event":{"message":{"system":{"by":1,"user_id":3,"action":"added"},
        "created_at":5,"text":"x","sender_id":2,"conversation_id":7,"id":1,"client_id":null,
        "future_note":{"a":[1]}},"kind":"message_created"},"seq":42,"type":"event"}"#;
    let ServerFrame::Event {
        event: Event::MessageCreated { message },
        ..
    } = serde_json::from_str(message).unwrap()
    else {
        panic!("not a message_created event");
    };
    assert_eq!(
        message.system,
        Some(SystemEvent::Added { user_id: 3, by: 1 })
    );
    assert_eq!(message.importance, Importance::Normal);
    assert!(message.client_id.is_none() && message.attachments.is_empty());
    let done = r#"{"type":"ack","id":"c1","result":{"kind":"done","extra":1}}"#;
    assert!(matches!(
        serde_json::from_str(done).unwrap(),
        ServerFrame::Ack {
            result: AckResult::Done,
            ..
        }
    ));
}

#[test]
fn resumed_says_where_the_replay_ends() {
    let json = r#"{"type":"resumed","epoch":"a1b2","seq":41,"until":43}"#;
    let frame = ServerFrame::Resumed {
        epoch: "a1b2".into(),
        seq: 41,
        until: 43,
    };
    assert_eq!(serde_json::from_str::<ServerFrame>(json).unwrap(), frame);
    assert_eq!(serde_json::to_string(&frame).unwrap(), json);
    // Field order is free and unknown fields are ignored, as for every frame.
    let reordered = r#"{"until":41,"later":true,"seq":41,"epoch":"a1b2","type":"resumed"}"#;
    assert_eq!(
        serde_json::from_str::<ServerFrame>(reordered).unwrap(),
        ServerFrame::Resumed {
            epoch: "a1b2".into(),
            seq: 41,
            until: 41
        }
    );
}

#[test]
fn malformed_or_misshaped_server_frames_are_errors() {
    let cases = [
        "",
        "null",
        "[]",
        "not json",
        "{}",
        r#"{"type":null}"#,
        r#"{"type":"launch_rockets"}"#,
        r#"{"type":"Welcome"}"#,
        r#"{"type":"welcome","protocol_version":1}"#,
        r#"{"type":"resumed","epoch":"e"}"#,
        r#"{"type":"resumed","epoch":1,"seq":1}"#,
        r#"{"type":"resumed","epoch":"e","seq":1}"#,
        r#"{"type":"resumed","epoch":"e","seq":1,"until":-1}"#,
        r#"{"type":"resumed","epoch":"e","seq":1,"until":null}"#,
        r#"{"type":"typing","conversation_id":7,"user_id":null}"#,
        r#"{"type":"typing","conversation_id":7,"user_id":2,"user_id":2}"#,
        r#"{"type":"ack","id":"c1"}"#,
        r#"{"type":"ack","id":"c1","result":"done"}"#,
        r#"{"type":"ack","id":"c1","result":{"kind":"nope"}}"#,
        r#"{"type":"ack","id":"c1","result":{"kind":"history","messages":[]}}"#,
        r#"{"type":"ack","id":7,"result":{"kind":"done"}}"#,
        r#"{"type":"ack","id":"c1","result":{"kind":"done"},}"#,
        r#"{"type":"ack","id":"c1\ud800","result":{"kind":"done"}}"#,
        r#"{"type":"error","code":"nope","message":""}"#,
        r#"{"type":"error","code":"internal","message":"x"} trailing"#,
        r#"{"type":"error","type":"error","code":"internal","message":"x"}"#,
        r#"{"type":"event","seq":-1,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
        r#"{"type":"event","seq":1.0,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
        r#"{"type":"event","seq":1e2,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
        r#"{"type":"event","seq":18446744073709551616,"event":{"kind":"conversation_removed","conversation_id":1}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"conversation_removed","conversation_id":9223372036854775808}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"notifications_read","unread":4294967296}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"notifications_read","notification_ids":null,"unread":0}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"presence","user_id":2,"presence":"asleep"}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"added","user_id":3}}}}"#,
        r#"{"type":"event","seq":1,"event":{"kind":"message_created","message":{"id":1,"conversation_id":7,"sender_id":2,"text":"x","created_at":5,"system":{"action":"kicked","user_id":3}}}}"#,
    ];
    for json in cases {
        assert!(
            serde_json::from_str::<ServerFrame>(json).is_err(),
            "accepted: {json}"
        );
    }
}

/// serde_json's messages for a value of the wrong type (vendor/serde_json spells them out
/// itself instead of through serde's `Display`, which links float printing into the widget).
#[test]
fn a_value_of_the_wrong_type_is_named_in_the_error() {
    let frame = |seq: &str| {
        let json = format!(
            r#"{{"type":"event","seq":{seq},"event":{{"kind":"conversation_removed","conversation_id":1}}}}"#
        );
        serde_json::from_str::<ServerFrame>(&json)
            .expect_err(&json)
            .to_string()
    };
    let cases = [
        (r#""7""#, r#"invalid type: string "7", expected u64"#),
        (r#""a\"b""#, r#"invalid type: string "a\"b", expected u64"#),
        ("1.5", "invalid type: floating point `1.5`, expected u64"),
        ("-3", "invalid value: integer `-3`, expected u64"),
        ("true", "invalid type: boolean `true`, expected u64"),
        ("null", "invalid type: null, expected u64"),
        ("[]", "invalid type: sequence, expected u64"),
        ("{}", "invalid type: map, expected u64"),
    ];
    for (seq, message) in cases {
        let error = frame(seq);
        assert!(error.starts_with(message), "seq {seq}: {error}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for deep in [
        "[".repeat(100_000),
        "{\"a\":".repeat(100_000),
        format!(
            r#"{{"type":"error","code":"bad_frame","message":"m","id":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        ),
    ] {
        assert!(serde_json::from_str::<ServerFrame>(&deep).is_err());
    }
    // A field the frame does not have is skipped whatever it holds, without recursion
    // (serde_json skips values with a loop), so even deep nesting there costs no stack.
    for depth in [100, 200, 10_000] {
        let ignored = format!(
            r#"{{"type":"typing","conversation_id":7,"user_id":2,"x":{}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(
            serde_json::from_str::<ServerFrame>(&ignored).is_ok(),
            "{depth}"
        );
    }
}

#[test]
fn login_and_http_error_bodies_have_the_documented_shape() {
    let request = LoginRequest {
        username: "alice".into(),
        password: "demo".into(),
    };
    assert_eq!(
        serde_json::to_string(&request).unwrap(),
        r#"{"username":"alice","password":"demo"}"#
    );
    assert_eq!(
        serde_json::from_str::<LoginResponse>(r#"{"token":"6f1c","user_id":1}"#).unwrap(),
        LoginResponse {
            token: "6f1c".into(),
            user_id: 1
        }
    );
    assert_eq!(
        serde_json::from_str::<HttpError>(
            r#"{"code":"unauthorized","message":"wrong username or password"}"#
        )
        .unwrap()
        .message,
        "wrong username or password"
    );
    for bad in [
        r#"{"token":"t"}"#,
        r#"{"token":"t","user_id":3.5}"#,
        "<html>",
    ] {
        assert!(serde_json::from_str::<LoginResponse>(bad).is_err(), "{bad}");
    }
    let throttled: HttpError = serde_json::from_str(
        r#"{"code":"too_many_attempts","message":"try later","retry_after_secs":412}"#,
    )
    .unwrap();
    assert_eq!(throttled.retry_after_secs, Some(412));
    assert_eq!(
        serde_json::to_string(&HttpError {
            code: "unauthorized".into(),
            message: "no".into(),
            retry_after_secs: None,
        })
        .unwrap(),
        r#"{"code":"unauthorized","message":"no"}"#
    );
    // The file routes answer a bare code; the widget then shows its own message.
    assert!(serde_json::from_str::<HttpError>(r#"{"code":"not_found"}"#).is_err());
}

#[test]
fn portal_login_and_unread_counters_on_the_wire() {
    assert_eq!(
        serde_json::from_str::<PortalLoginRequest>(r#"{"token":"a.b.c"}"#).unwrap(),
        PortalLoginRequest {
            token: "a.b.c".into()
        }
    );
    assert!(serde_json::from_str::<PortalLoginRequest>(r#"{"jwt":"a.b.c"}"#).is_err());
    let counts = UnreadCounts {
        messages: 3,
        notifications: 1,
        channels: 0,
        version: 58,
    };
    let text = r#"{"messages":3,"notifications":1,"channels":0,"version":58}"#;
    assert_eq!(serde_json::to_string(&counts).unwrap(), text);
    assert_eq!(serde_json::from_str::<UnreadCounts>(text).unwrap(), counts);
    for (code, wire) in [
        (ErrorCode::TokenExpired, "token_expired"),
        (ErrorCode::TokenInvalid, "token_invalid"),
        (ErrorCode::TokenReplayed, "token_replayed"),
        (ErrorCode::PortalLoginDisabled, "portal_login_disabled"),
        (ErrorCode::TooManyAttempts, "too_many_attempts"),
    ] {
        assert_eq!(serde_json::to_value(code).unwrap(), wire);
    }
}
