//! The session's delivery guarantees: a windowed, ordered outbox that survives drops,
//! reloads and refusals, confirmed by the server's replay before anything is resent.

use messenger_protocol::{
    AckResult, ClientFrame, ErrorCode, Event, Presence, ResumePosition, ServerFrame,
};

use super::outbox::{Hold, PendingState, WINDOW};
use super::session::{Delivery, Session};
use super::state::tests::{msg, welcome};

fn online() -> Session {
    let mut s = Session::new("t");
    s.receive(welcome(), None);
    s
}

fn ids(frames: &[ClientFrame]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| matches!(f, ClientFrame::SendMessage { .. }))
        .map(|f| f.command_id().unwrap().to_string())
        .collect()
}

fn ack(s: &mut Session, id: &str, message_id: i64) -> Vec<ClientFrame> {
    let mut m = msg(message_id, 10, 1, "x");
    m.client_id = Some(id.to_string());
    s.receive(
        ServerFrame::Ack {
            id: id.to_string(),
            result: AckResult::MessageSent { message: m },
        },
        None,
    )
    .send
}

fn echo(seq: u64, id: &str, message_id: i64) -> ServerFrame {
    let mut m = msg(message_id, 10, 1, "x");
    m.client_id = Some(id.to_string());
    ServerFrame::Event {
        seq,
        event: Event::MessageCreated { message: m },
    }
}

#[test]
fn at_most_a_window_in_flight_and_each_ack_sends_the_next() {
    let mut s = online();
    let mut sent = Vec::new();
    for i in 0..20 {
        sent.extend(ids(&s.send_text(10, &format!("m{i}"), i).unwrap()));
    }
    assert_eq!(sent.len(), WINDOW, "only a window goes out at once");
    let next = ids(&ack(&mut s, &sent[0], 100));
    assert_eq!(next.len(), 1);
    assert_eq!(s.outbox.items()[WINDOW - 1].client_id, next[0], "in order");
}

#[test]
fn ids_sort_in_the_order_they_were_made() {
    let mut s = Session::new("tab");
    let a = s.next_id();
    for _ in 0..10 {
        s.next_id();
    }
    let b = s.next_id();
    assert!(a < b, "{a} < {b}");
    assert!(s.is_mine(&a));
    assert!(!s.is_mine("tabby-000001"));
    assert!(!s.is_mine("other-000001"));
}

#[test]
fn after_a_resume_the_replay_confirms_before_anything_is_resent() {
    let mut s = online();
    let first = ids(&s.send_text(10, "stored before the drop", 1).unwrap());
    let second = ids(&s.send_text(10, "lost with the drop", 2).unwrap());
    s.disconnected();
    assert_eq!(
        s.resume_position(),
        Some(ResumePosition {
            epoch: "e1".into(),
            seq: 10
        })
    );
    // The server stored the first (seq 11) and has more events up to 12.
    let out = s.receive(
        ServerFrame::Resumed {
            epoch: "e1".into(),
            seq: 10,
            until: 12,
        },
        None,
    );
    assert!(out.resumed);
    assert!(
        ids(&out.send).is_empty(),
        "nothing resent before the replay"
    );
    assert!(ids(&s.receive(echo(11, &first[0], 50), None).send).is_empty());
    let out = s.receive(
        ServerFrame::Event {
            seq: 12,
            event: Event::ReadUpTo {
                conversation_id: 10,
                user_id: 2,
                message_id: 5,
            },
        },
        None,
    );
    assert_eq!(
        ids(&out.send),
        second,
        "only what the replay did not confirm"
    );
}

#[test]
fn a_resume_with_nothing_missed_resends_at_once() {
    let mut s = online();
    let first = ids(&s.send_text(10, "one", 1).unwrap());
    s.disconnected();
    let out = s.receive(
        ServerFrame::Resumed {
            epoch: "e1".into(),
            seq: 10,
            until: 10,
        },
        None,
    );
    assert_eq!(ids(&out.send), first);
}

#[test]
fn a_refusal_fails_one_message_and_the_queue_goes_on() {
    let mut s = online();
    let sent = ids(&s.send_text(10, "a", 1).unwrap());
    s.send_text(10, "b", 2).unwrap();
    let out = s.receive(
        ServerFrame::Error {
            id: Some(sent[0].clone()),
            code: ErrorCode::Forbidden,
            message: "you are no longer a member".into(),
        },
        None,
    );
    assert_eq!(out.outbox.updated.len(), 1, "the failure is stored");
    let t = s.timeline(10);
    assert_eq!(t[0].delivery, Delivery::Failed);
    assert_eq!(t[0].error.as_deref(), Some("you are no longer a member"));
    assert_eq!(t[1].delivery, Delivery::Pending);
    // A reconnect never resends a failed one by itself.
    s.disconnected();
    let out = s.receive(welcome(), None);
    assert_eq!(ids(&out.send).len(), 1);
    assert_ne!(ids(&out.send)[0], sent[0]);
}

#[test]
fn a_passing_refusal_queues_it_again_for_later() {
    let mut s = online();
    let sent = ids(&s.send_text(10, "a", 1).unwrap());
    let out = s.receive(
        ServerFrame::Error {
            id: Some(sent[0].clone()),
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        None,
    );
    assert!(out.outbox.retry_later);
    assert_eq!(s.outbox.items()[0].state, PendingState::Queued);
    assert_eq!(ids(&s.flush_outbox()), sent, "same id on the next try");
}

#[test]
fn held_for_an_offline_recipient_until_they_come_online() {
    let mut s = online();
    let sent = ids(&s.send_text(10, "for Bob", 1).unwrap());
    let out = s.receive(
        ServerFrame::Error {
            id: Some(sent[0].clone()),
            code: ErrorCode::RecipientOffline,
            message: "Bob is offline".into(),
        },
        None,
    );
    assert_eq!(out.outbox.recipient_offline, sent);
    assert_eq!(s.timeline(10)[0].delivery, Delivery::Held);
    // Somebody else comes online: still held.
    let carol = ServerFrame::Event {
        seq: 11,
        event: Event::Presence {
            user_id: 3,
            presence: Presence::Online,
            last_seen: None,
        },
    };
    assert!(ids(&s.receive(carol, None).send).is_empty());
    // Bob (the other member of conversation 10) does.
    let bob = ServerFrame::Event {
        seq: 12,
        event: Event::Presence {
            user_id: 2,
            presence: Presence::Online,
            last_seen: None,
        },
    };
    assert_eq!(ids(&s.receive(bob, None).send), sent);
}

#[test]
fn held_for_confirmation_waits_for_the_user() {
    let mut s = online();
    let sent = ids(&s.send_text(10, "ask me", 1).unwrap());
    s.disconnected();
    s.hold(&sent[0], Hold::Confirm);
    s.receive(welcome(), None);
    let bob = ServerFrame::Event {
        seq: 11,
        event: Event::Presence {
            user_id: 2,
            presence: Presence::Online,
            last_seen: None,
        },
    };
    assert!(ids(&s.receive(bob, None).send).is_empty());
    assert_eq!(ids(&s.retry(&sent[0])), sent, "sent when the user says so");
}

#[test]
fn a_restored_copy_is_not_news_and_sends_nothing() {
    let mut s = Session::new("t");
    s.restore(welcome());
    let mut m = msg(6, 10, 2, "old news");
    m.client_id = None;
    s.restore(ServerFrame::Event {
        seq: 11,
        event: Event::MessageCreated { message: m },
    });
    assert!(s.heard.is_none(), "nothing announced");
    assert!(!s.online);
    assert!(s.send_text(10, "written offline", 1).unwrap().is_empty());
    assert_eq!(s.resume_position().unwrap().seq, 11);
}

#[test]
fn a_follower_never_sends_the_outbox() {
    let mut s = online();
    s.follower = true;
    assert!(s.send_text(10, "via the leader", 1).unwrap().is_empty());
    assert_eq!(s.timeline(10)[0].delivery, Delivery::Pending);
}

#[test]
fn answers_to_other_tabs_commands_are_not_taken() {
    let mut s = online();
    let other = ServerFrame::Error {
        id: Some("othertab-000001".into()),
        code: ErrorCode::NotFound,
        message: "no such conversation".into(),
    };
    assert!(!s.accepts(&other));
    let sent = ids(&s.send_text(10, "mine", 1).unwrap());
    let mine = ServerFrame::Error {
        id: Some(sent[0].clone()),
        code: ErrorCode::Forbidden,
        message: "no".into(),
    };
    assert!(s.accepts(&mine));
    assert!(
        s.accepts(&echo(11, "othertab-000002", 60)),
        "events are for every tab"
    );
}

#[test]
fn a_message_from_another_tab_or_storage_is_queued_in_order_once() {
    let mut a = online();
    let mut b = online();
    b.follower = true;
    let m = a
        .prepare_message(10, "from tab a", Default::default(), Vec::new(), 5)
        .unwrap();
    b.upsert_outbox(m.clone());
    b.upsert_outbox(m.clone());
    assert_eq!(b.outbox.len(), 1);
    // Already stored on the server (its echo is known): not queued again.
    let mut c = online();
    c.receive(echo(11, &m.client_id, 70), None);
    c.restore_outbox([m]);
    assert!(c.outbox.is_empty());
}

#[test]
fn a_welcome_after_a_reset_drops_the_old_copy() {
    let mut s = online();
    s.receive(echo(11, "t-x", 60), None);
    assert!(s.state.conversations[&10]
        .messages
        .iter()
        .any(|m| m.id == 60));
    let ServerFrame::Welcome(mut w) = welcome() else {
        unreachable!()
    };
    w.epoch = "e2".into();
    w.seq = 3;
    w.reset = Some(messenger_protocol::ResetReason::EpochChanged);
    s.receive(ServerFrame::Welcome(w), None);
    assert!(s.state.conversations[&10]
        .messages
        .iter()
        .all(|m| m.id != 60));
    assert_eq!(s.resume_position().unwrap().epoch, "e2");
}

#[test]
fn a_message_being_written_holds_back_the_ones_after_it() {
    let mut s = online();
    let mut first = s
        .prepare_message(
            10,
            "typed first, still being written",
            Default::default(),
            Vec::new(),
            1,
        )
        .unwrap();
    first.writing = true;
    assert!(ids(&s.upsert_outbox(first.clone())).is_empty());
    assert!(s.timeline(10).is_empty(), "not shown before it is stored");
    // Typed a moment later in another tab: waits behind the first.
    let second = s
        .prepare_message(10, "typed second", Default::default(), Vec::new(), 2)
        .unwrap();
    assert!(ids(&s.upsert_outbox(second.clone())).is_empty());
    s.outbox.written(&first.client_id);
    assert_eq!(
        ids(&s.flush_outbox()),
        [first.client_id.clone(), second.client_id.clone()]
    );
    assert_eq!(s.timeline(10).len(), 2);
}

#[test]
fn asks_before_sending_to_an_offline_person_only_when_it_matters() {
    let mut s = online();
    let bob_offline = ServerFrame::Event {
        seq: 12,
        event: Event::Presence {
            user_id: 2,
            presence: Presence::Offline,
            last_seen: Some(1),
        },
    };
    s.state.features.forwarding = true;
    s.receive(
        ServerFrame::Event {
            seq: 11,
            event: Event::Presence {
                user_id: 2,
                presence: Presence::Online,
                last_seen: None,
            },
        },
        None,
    );
    assert_eq!(s.offline_recipient(10), None, "Bob is online");
    s.receive(bob_offline, None);
    assert_eq!(s.offline_recipient(10), Some(2));
    s.state.settings.always_forward_offline = true;
    assert_eq!(s.offline_recipient(10), None, "the user said always");
    s.state.settings.always_forward_offline = false;
    s.state.features.forwarding = false;
    assert_eq!(s.offline_recipient(10), None, "the server refuses instead");
}

#[test]
fn a_stored_message_over_the_servers_limit_fails_here_and_the_rest_goes() {
    let mut s = online();
    let max = s.state.limits.max_message_bytes;
    let mut big = s
        .prepare_message(10, "x", Default::default(), Vec::new(), 1)
        .unwrap();
    big.text = "x".repeat(max + 1);
    s.disconnected();
    s.restore_outbox([big.clone()]);
    s.send_text(10, "small", 2).unwrap();
    let out = s.receive(welcome(), None);
    assert_eq!(ids(&out.send).len(), 1, "only the small one goes");
    assert!(s.outbox.get(&big.client_id).unwrap().is_failed());
}

#[test]
fn leaving_a_conversation_removes_it_and_says_so() {
    let mut s = online();
    let out = s.receive(
        ServerFrame::Event {
            seq: 11,
            event: Event::ConversationRemoved {
                conversation_id: 11,
            },
        },
        None,
    );
    assert_eq!(out.removed, Some(11));
    assert!(!s.state.conversations.contains_key(&11));
}

#[test]
fn live_only_once_caught_up_with_the_server() {
    // The count a host is told is marked live only when it cannot be behind the server's.
    let mut s = Session::new("t");
    s.restore(welcome());
    assert!(!s.live(), "a restored copy may be behind");
    s.receive(
        ServerFrame::Resumed {
            epoch: "e1".into(),
            seq: 10,
            until: 11,
        },
        None,
    );
    assert!(!s.live(), "the replay is not done");
    s.receive(echo(11, "other-1", 50), None);
    assert!(s.live(), "the replay is done");
    s.disconnected();
    assert!(!s.live());
    s.receive(welcome(), None);
    assert!(s.live(), "a welcome carries the whole state");
}
