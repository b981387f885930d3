//! The mailbox's folders as a user sees them: what is in each, what is bold, who has not
//! read a sent message, when an unread one expires, and the keyboard's moves.

use messenger_protocol::{
    AckResult, ClientFrame, ConversationSummary, Event, Importance, MailFolder, Message,
    ServerFrame, SystemEvent,
};

use super::*;
use crate::core::state::tests::{direct, msg, welcome};

/// Alice (1) with Bob (2, conversation 10) and Carol (3, conversation 11), plus group 12
/// with Bob and Carol.
fn session() -> Session {
    let mut s = Session::new("t");
    s.receive(welcome(), None);
    let mut group: ConversationSummary = direct(12, 1, 2, 0);
    group.kind = messenger_protocol::ConversationKind::Group;
    group.title = Some("Plans".into());
    group.members = vec![1, 2, 3];
    s.receive(
        event(
            11,
            Event::ConversationAdded {
                conversation: group,
            },
        ),
        None,
    );
    s
}

fn event(seq: u64, event: Event) -> ServerFrame {
    ServerFrame::Event { seq, event }
}

/// Asks for `folder` and answers with `messages` (newest first).
fn load(s: &mut Session, folder: MailFolder, messages: Vec<Message>, has_more: bool) {
    let Some(ClientFrame::ListMailbox { id, .. }) = s.list_mailbox(folder, false) else {
        panic!("no request");
    };
    s.receive(
        ServerFrame::Ack {
            id,
            result: AckResult::Mailbox {
                folder,
                messages,
                has_more,
            },
        },
        None,
    );
}

fn keys(s: &Session, folder: MailFolder) -> Vec<i64> {
    rows(&s.state, &s.mailbox, folder)
        .iter()
        .map(|r| r.key)
        .collect()
}

#[test]
fn inbox_rows_are_bold_until_read_and_name_the_sender() {
    let mut s = session();
    // Conversation 10: read up to 3; 5 is unread. Conversation 11: nothing read.
    load(
        &mut s,
        MailFolder::Inbox,
        vec![
            msg(5, 10, 2, "hi"),
            msg(4, 11, 3, "yo"),
            msg(3, 10, 2, "old"),
        ],
        false,
    );
    let r = rows(&s.state, &s.mailbox, MailFolder::Inbox);
    let seen: Vec<(i64, &str, &str, bool)> = r
        .iter()
        .map(|r| (r.key, r.who.as_str(), r.title.as_str(), r.bold))
        .collect();
    assert_eq!(
        seen,
        [
            (5, "Bob", "Bob", true),
            (4, "Carol", "Carol", true),
            (3, "Bob", "Bob", false)
        ]
    );
    assert_eq!(inbox_count(&s.state), 3, "the rail's sum: 2 + 1");

    // Opening message 4 reads it, and tells the server.
    let frame = s.read_message(11, 4, 0);
    assert!(matches!(
        frame,
        Some(ClientFrame::MarkRead {
            conversation_id: 11,
            message_id: 4,
            ..
        })
    ));
    let bold: Vec<bool> = rows(&s.state, &s.mailbox, MailFolder::Inbox)
        .iter()
        .map(|r| r.bold)
        .collect();
    assert_eq!(bold, [true, false, false]);
}

#[test]
fn a_sent_message_stays_bold_until_every_recipient_read_it() {
    let mut s = session();
    load(
        &mut s,
        MailFolder::Sent,
        vec![msg(20, 12, 1, "agenda")],
        false,
    );
    let row = &rows(&s.state, &s.mailbox, MailFolder::Sent)[0];
    assert_eq!(row.who, "Bob, Carol");
    assert_eq!(row.title, "Plans");
    assert!(row.bold);
    assert_eq!(row.not_read_by, ["Bob", "Carol"]);

    let read = |user| Event::ReadUpTo {
        conversation_id: 12,
        user_id: user,
        message_id: 20,
    };
    s.receive(event(22, read(2)), None);
    let row = &rows(&s.state, &s.mailbox, MailFolder::Sent)[0];
    assert!(row.bold);
    assert_eq!(row.not_read_by, ["Carol"]);

    s.receive(event(23, read(3)), None);
    let row = &rows(&s.state, &s.mailbox, MailFolder::Sent)[0];
    assert!(!row.bold);
    assert!(row.not_read_by.is_empty());
}

#[test]
fn new_messages_go_to_their_folder_and_system_lines_nowhere() {
    let mut s = session();
    // Not loaded yet: nothing is kept for a folder never shown.
    s.receive(
        event(
            21,
            Event::MessageCreated {
                message: msg(30, 10, 2, "early"),
            },
        ),
        None,
    );
    load(&mut s, MailFolder::Inbox, vec![msg(5, 10, 2, "hi")], false);
    load(&mut s, MailFolder::Sent, vec![], false);
    assert_eq!(keys(&s, MailFolder::Inbox), [5]);

    s.receive(
        event(
            22,
            Event::MessageCreated {
                message: msg(31, 11, 3, "new"),
            },
        ),
        None,
    );
    s.receive(
        event(
            23,
            Event::MessageCreated {
                message: msg(32, 12, 1, "mine"),
            },
        ),
        None,
    );
    let mut line = msg(33, 12, 2, "");
    line.system = Some(SystemEvent::Joined { user_id: 2 });
    s.receive(event(24, Event::MessageCreated { message: line }), None);
    // The ack and the echo of the same message: one row.
    s.receive(
        event(
            25,
            Event::MessageCreated {
                message: msg(31, 11, 3, "new"),
            },
        ),
        None,
    );
    assert_eq!(keys(&s, MailFolder::Inbox), [31, 5]);
    assert_eq!(keys(&s, MailFolder::Sent), [32]);
}

#[test]
fn expired_and_left_messages_leave_the_list() {
    let mut s = session();
    s.state.features.message_lifetime_secs = Some(60);
    load(
        &mut s,
        MailFolder::Inbox,
        vec![
            msg(6, 12, 3, "plans"),
            msg(5, 10, 2, "hi"),
            msg(3, 10, 2, "read"),
        ],
        false,
    );
    let r = rows(&s.state, &s.mailbox, MailFolder::Inbox);
    assert_eq!(r[1].expires_at, Some(msg(5, 10, 2, "").created_at + 60_000));
    assert_eq!(r[2].expires_at, None, "read messages do not expire");

    s.receive(
        event(
            21,
            Event::MessagesExpired {
                conversation_id: 10,
                message_ids: vec![5],
            },
        ),
        None,
    );
    assert_eq!(keys(&s, MailFolder::Inbox), [6, 3]);
    s.receive(
        event(
            22,
            Event::ConversationRemoved {
                conversation_id: 12,
            },
        ),
        None,
    );
    assert_eq!(keys(&s, MailFolder::Inbox), [3]);
}

#[test]
fn pages_go_back_from_the_oldest_loaded_and_stop_at_the_end() {
    let mut s = session();
    load(
        &mut s,
        MailFolder::Inbox,
        vec![msg(9, 10, 2, "a"), msg(8, 10, 2, "b")],
        true,
    );
    assert_eq!(
        s.list_mailbox(MailFolder::Inbox, false),
        None,
        "loaded already"
    );
    let Some(ClientFrame::ListMailbox {
        id, before, limit, ..
    }) = s.list_mailbox(MailFolder::Inbox, true)
    else {
        panic!("no older page asked");
    };
    assert_eq!((before, limit), (Some(8), MAILBOX_PAGE));
    assert_eq!(
        s.list_mailbox(MailFolder::Inbox, true),
        None,
        "one at a time"
    );
    s.receive(
        ServerFrame::Ack {
            id,
            result: AckResult::Mailbox {
                folder: MailFolder::Inbox,
                messages: vec![msg(4, 11, 3, "c")],
                has_more: false,
            },
        },
        None,
    );
    assert_eq!(keys(&s, MailFolder::Inbox), [9, 8, 4]);
    assert_eq!(
        s.list_mailbox(MailFolder::Inbox, true),
        None,
        "nothing older"
    );

    // A new connection may have missed changes: the folders load again.
    s.receive(welcome(), None);
    assert!(s.mailbox.inbox.messages.is_empty());
    assert!(s.list_mailbox(MailFolder::Inbox, false).is_some());
}

#[test]
fn drafts_are_the_conversations_holding_one() {
    let s = session();
    let r = draft_rows(&s.state, &[11, 12, 99], &[(12, "see you\nat  noon".into())]);
    let seen: Vec<(i64, &str, &str)> = r
        .iter()
        .map(|r| (r.key, r.who.as_str(), r.preview.as_str()))
        .collect();
    assert_eq!(
        seen,
        [(-11, "Carol", ""), (-12, "Bob, Carol", "see you at noon")]
    );
    assert!(r.iter().all(|r| !r.bold));
}

#[test]
fn the_keys_move_the_selection_and_stop_at_the_ends() {
    let k = [9, 8, 4];
    assert_eq!(step(&k, None, "ArrowDown"), Some(9));
    assert_eq!(step(&k, Some(9), "ArrowDown"), Some(8));
    assert_eq!(step(&k, Some(4), "ArrowDown"), Some(4));
    assert_eq!(step(&k, Some(8), "ArrowUp"), Some(9));
    assert_eq!(step(&k, Some(9), "ArrowUp"), Some(9));
    assert_eq!(step(&k, Some(9), "End"), Some(4));
    assert_eq!(step(&k, Some(4), "Home"), Some(9));
    assert_eq!(step(&k, Some(9), "Enter"), None);
    assert_eq!(step(&[], None, "ArrowDown"), None);
    // The selected row went away (expired): the first or the top.
    assert_eq!(step(&k, Some(77), "ArrowDown"), Some(9));
}

#[test]
fn the_reading_pane_shows_the_message_as_the_chat_does() {
    let mut s = session();
    let mut high = msg(20, 12, 1, "see https://example.com");
    high.importance = Importance::High;
    load(&mut s, MailFolder::Sent, vec![high], false);
    let it = item(&s.state, &s.mailbox, 20).unwrap();
    assert!(it.own);
    assert_eq!(it.importance, Importance::High);
    assert_eq!(it.text, "see https://example.com");
    assert_eq!(item(&s.state, &s.mailbox, 21), None);
}

#[test]
fn previews_are_one_short_line() {
    assert_eq!(preview("a\n\n b"), "a b");
    let long = "x".repeat(200);
    assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS + 1);
    assert_eq!(View::parse("mailbox"), Some(View::Mailbox));
    assert_eq!(Pane::parse(Pane::Right.as_str()), Some(Pane::Right));
    assert_eq!(Pane::parse("left"), None);
    for p in Pane::ALL {
        assert_eq!(Pane::from_index(p.index()), p);
    }
    for f in Folder::ALL {
        assert_eq!(Folder::from_index(f.index()), f);
    }
    assert_eq!(Folder::from_index(7), Folder::Inbox);
}
