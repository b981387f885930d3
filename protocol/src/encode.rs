//! JSON encoding of the frames and requests a client sends, without serde.
//!
//! [`client_frame_to_string`] writes exactly what `serde_json::to_string` writes for the
//! derived `Serialize` impl (the tag first, then the fields in declaration order, `None`
//! and empty `Vec`s left out where the derive skips them), byte for byte; the tests check
//! every variant against it. A field added to [`ClientFrame`] must be added here too.

use crate::json::Writer;
use crate::{ClientFrame, EmailMode, Importance, LoginRequest, Presence, SendKey};

fn importance(v: Importance) -> &'static str {
    match v {
        Importance::Normal => "normal",
        Importance::High => "high",
    }
}

fn presence(v: Presence) -> &'static str {
    match v {
        Presence::Online => "online",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

fn email_mode(v: EmailMode) -> &'static str {
    match v {
        EmailMode::Off => "off",
        EmailMode::Immediately => "immediately",
        EmailMode::Digest => "digest",
    }
}

fn send_key(v: SendKey) -> &'static str {
    match v {
        SendKey::Enter => "enter",
        SendKey::CtrlEnter => "ctrl_enter",
    }
}

/// One client frame as JSON text, as `serde_json::to_string(frame)` writes it.
pub fn client_frame_to_string(frame: &ClientFrame) -> String {
    let mut w = Writer::new();
    w.begin_object();
    match frame {
        ClientFrame::Hello {
            protocol_version,
            token,
            resume,
        } => {
            w.str("type", "hello");
            w.u64("protocol_version", u64::from(*protocol_version));
            w.str("token", token);
            if let Some(r) = resume {
                w.key("resume");
                w.begin_object();
                w.str("epoch", &r.epoch);
                w.u64("seq", r.seq);
                w.end_object();
            }
        }
        ClientFrame::SendMessage {
            id,
            conversation_id,
            text,
            importance: imp,
            attachments,
        } => {
            w.str("type", "send_message");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
            w.str("text", text);
            w.str("importance", importance(*imp));
            if !attachments.is_empty() {
                w.str_array("attachments", attachments);
            }
        }
        ClientFrame::OpenDirect { id, user_id } => {
            w.str("type", "open_direct");
            w.str("id", id);
            w.i64("user_id", *user_id);
        }
        ClientFrame::CreateGroup { id, title, members } => {
            w.str("type", "create_group");
            w.str("id", id);
            w.str("title", title);
            w.i64_array("members", members);
        }
        ClientFrame::CreateChannel { id, title } => {
            w.str("type", "create_channel");
            w.str("id", id);
            w.str("title", title);
        }
        ClientFrame::ListChannels { id } => {
            w.str("type", "list_channels");
            w.str("id", id);
        }
        ClientFrame::JoinChannel {
            id,
            conversation_id,
        } => {
            w.str("type", "join_channel");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
        }
        ClientFrame::LeaveConversation {
            id,
            conversation_id,
        } => {
            w.str("type", "leave_conversation");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
        }
        ClientFrame::AddMembers {
            id,
            conversation_id,
            user_ids,
        } => {
            w.str("type", "add_members");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
            w.i64_array("user_ids", user_ids);
        }
        ClientFrame::MarkRead {
            id,
            conversation_id,
            message_id,
        } => {
            w.str("type", "mark_read");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
            w.i64("message_id", *message_id);
        }
        ClientFrame::LoadHistory {
            id,
            conversation_id,
            before,
            limit,
        } => {
            w.str("type", "load_history");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
            if let Some(b) = before {
                w.i64("before", *b);
            }
            w.u64("limit", u64::from(*limit));
        }
        ClientFrame::Typing {
            id,
            conversation_id,
        } => {
            w.str("type", "typing");
            w.str("id", id);
            w.i64("conversation_id", *conversation_id);
        }
        ClientFrame::SetPresence { id, presence: p } => {
            w.str("type", "set_presence");
            w.str("id", id);
            w.str("presence", presence(*p));
        }
        ClientFrame::ListNotifications { id, before, limit } => {
            w.str("type", "list_notifications");
            w.str("id", id);
            if let Some(b) = before {
                w.i64("before", *b);
            }
            w.u64("limit", u64::from(*limit));
        }
        ClientFrame::MarkNotificationRead {
            id,
            notification_id,
        } => {
            w.str("type", "mark_notification_read");
            w.str("id", id);
            w.i64("notification_id", *notification_id);
        }
        ClientFrame::MarkAllNotificationsRead { id } => {
            w.str("type", "mark_all_notifications_read");
            w.str("id", id);
        }
        ClientFrame::SetReminder {
            id,
            at,
            text,
            conversation_id,
        } => {
            w.str("type", "set_reminder");
            w.str("id", id);
            w.i64("at", *at);
            w.str("text", text);
            if let Some(c) = conversation_id {
                w.i64("conversation_id", *c);
            }
        }
        ClientFrame::UpdateSettings { id, settings } => {
            w.str("type", "update_settings");
            w.str("id", id);
            w.key("settings");
            w.begin_object();
            if let Some(m) = settings.email_mode {
                w.str("email_mode", email_mode(m));
            }
            if let Some(d) = settings.digest_minutes {
                w.u64("digest_minutes", u64::from(d));
            }
            if let Some(a) = settings.always_forward_offline {
                w.bool("always_forward_offline", a);
            }
            if let Some(k) = settings.send_key {
                w.str("send_key", send_key(k));
            }
            w.end_object();
        }
        ClientFrame::MarkChannelsSeen { id, up_to } => {
            w.str("type", "mark_channels_seen");
            w.str("id", id);
            w.i64("up_to", *up_to);
        }
    }
    w.end_object();
    w.finish()
}

/// A `POST /api/login` body, as `serde_json::to_string(request)` writes it.
pub fn login_request_to_string(request: &LoginRequest) -> String {
    let mut w = Writer::new();
    w.begin_object();
    w.str("username", &request.username);
    w.str("password", &request.password);
    w.end_object();
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ResumePosition, SettingsPatch};

    fn every_frame() -> Vec<ClientFrame> {
        let texts = [
            "hi",
            "",
            "é \"q\" \\ / \u{1F600} \n\t\r\u{8}\u{c}\u{0}\u{1f}\u{7f}</script>",
        ];
        let mut frames = Vec::new();
        for text in texts {
            let s = text.to_string();
            frames.extend([
                ClientFrame::Hello {
                    protocol_version: 1,
                    token: s.clone(),
                    resume: None,
                },
                ClientFrame::Hello {
                    protocol_version: u32::MAX,
                    token: s.clone(),
                    resume: Some(ResumePosition {
                        epoch: s.clone(),
                        seq: u64::MAX,
                    }),
                },
                ClientFrame::SendMessage {
                    id: s.clone(),
                    conversation_id: -3,
                    text: s.clone(),
                    importance: Importance::Normal,
                    attachments: vec![],
                },
                ClientFrame::SendMessage {
                    id: "c1".into(),
                    conversation_id: i64::MAX,
                    text: s.clone(),
                    importance: Importance::High,
                    attachments: vec!["a".into(), s.clone()],
                },
                ClientFrame::OpenDirect {
                    id: s.clone(),
                    user_id: i64::MIN,
                },
                ClientFrame::CreateGroup {
                    id: s.clone(),
                    title: s.clone(),
                    members: vec![],
                },
                ClientFrame::CreateGroup {
                    id: s.clone(),
                    title: s.clone(),
                    members: vec![1, 22, -333],
                },
                ClientFrame::CreateChannel {
                    id: s.clone(),
                    title: s.clone(),
                },
                ClientFrame::ListChannels { id: s.clone() },
                ClientFrame::JoinChannel {
                    id: s.clone(),
                    conversation_id: 0,
                },
                ClientFrame::LeaveConversation {
                    id: s.clone(),
                    conversation_id: 10,
                },
                ClientFrame::AddMembers {
                    id: s.clone(),
                    conversation_id: 10,
                    user_ids: vec![4],
                },
                ClientFrame::AddMembers {
                    id: s.clone(),
                    conversation_id: 10,
                    user_ids: vec![],
                },
                ClientFrame::MarkRead {
                    id: s.clone(),
                    conversation_id: 10,
                    message_id: 99,
                },
                ClientFrame::LoadHistory {
                    id: s.clone(),
                    conversation_id: 10,
                    before: None,
                    limit: 50,
                },
                ClientFrame::LoadHistory {
                    id: s.clone(),
                    conversation_id: 10,
                    before: Some(1234567890123),
                    limit: 0,
                },
                ClientFrame::Typing {
                    id: s.clone(),
                    conversation_id: 10,
                },
                ClientFrame::SetPresence {
                    id: s.clone(),
                    presence: Presence::Online,
                },
                ClientFrame::SetPresence {
                    id: s.clone(),
                    presence: Presence::Away,
                },
                ClientFrame::SetPresence {
                    id: s.clone(),
                    presence: Presence::Offline,
                },
                ClientFrame::ListNotifications {
                    id: s.clone(),
                    before: None,
                    limit: 20,
                },
                ClientFrame::ListNotifications {
                    id: s.clone(),
                    before: Some(7),
                    limit: 20,
                },
                ClientFrame::MarkNotificationRead {
                    id: s.clone(),
                    notification_id: 5,
                },
                ClientFrame::MarkAllNotificationsRead { id: s.clone() },
                ClientFrame::SetReminder {
                    id: s.clone(),
                    at: 1_764_097_100_000,
                    text: s.clone(),
                    conversation_id: None,
                },
                ClientFrame::SetReminder {
                    id: s.clone(),
                    at: -1,
                    text: s.clone(),
                    conversation_id: Some(3),
                },
                ClientFrame::UpdateSettings {
                    id: s.clone(),
                    settings: SettingsPatch::default(),
                },
                ClientFrame::MarkChannelsSeen {
                    id: s.clone(),
                    up_to: 12,
                },
            ]);
        }
        for (email, key) in [
            (EmailMode::Off, SendKey::Enter),
            (EmailMode::Immediately, SendKey::CtrlEnter),
            (EmailMode::Digest, SendKey::Enter),
        ] {
            frames.push(ClientFrame::UpdateSettings {
                id: "c".into(),
                settings: SettingsPatch {
                    email_mode: Some(email),
                    digest_minutes: Some(15),
                    always_forward_offline: Some(email == EmailMode::Off),
                    send_key: Some(key),
                },
            });
        }
        frames.push(ClientFrame::UpdateSettings {
            id: "c".into(),
            settings: SettingsPatch {
                always_forward_offline: Some(true),
                ..SettingsPatch::default()
            },
        });
        frames
    }

    /// Compile-time guard: a new `ClientFrame` variant must get a fixture in `every_frame`.
    fn variant(frame: &ClientFrame) -> usize {
        match frame {
            ClientFrame::Hello { .. } => 0,
            ClientFrame::SendMessage { .. } => 1,
            ClientFrame::OpenDirect { .. } => 2,
            ClientFrame::CreateGroup { .. } => 3,
            ClientFrame::CreateChannel { .. } => 4,
            ClientFrame::ListChannels { .. } => 5,
            ClientFrame::JoinChannel { .. } => 6,
            ClientFrame::LeaveConversation { .. } => 7,
            ClientFrame::AddMembers { .. } => 8,
            ClientFrame::MarkRead { .. } => 9,
            ClientFrame::LoadHistory { .. } => 10,
            ClientFrame::Typing { .. } => 11,
            ClientFrame::SetPresence { .. } => 12,
            ClientFrame::ListNotifications { .. } => 13,
            ClientFrame::MarkNotificationRead { .. } => 14,
            ClientFrame::MarkAllNotificationsRead { .. } => 15,
            ClientFrame::SetReminder { .. } => 16,
            ClientFrame::UpdateSettings { .. } => 17,
            ClientFrame::MarkChannelsSeen { .. } => 18,
        }
    }

    #[test]
    fn every_client_frame_encodes_like_serde_json() {
        let frames = every_frame();
        let mut seen: Vec<usize> = frames.iter().map(variant).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 19);
        for frame in frames {
            let ours = client_frame_to_string(&frame);
            assert_eq!(ours, serde_json::to_string(&frame).unwrap());
            assert_eq!(serde_json::from_str::<ClientFrame>(&ours).unwrap(), frame);
        }
    }

    #[test]
    fn login_request_encodes_like_serde_json() {
        for (u, p) in [("alice", "secret"), ("", ""), ("é\"\\", "\u{1}\n\u{1F600}")] {
            let r = LoginRequest {
                username: u.into(),
                password: p.into(),
            };
            assert_eq!(
                login_request_to_string(&r),
                serde_json::to_string(&r).unwrap()
            );
        }
    }
}
