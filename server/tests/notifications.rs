//! Notifications, reminders and settings as a user sees them over the socket.

mod common;

use std::time::Duration;

use common::notifications::{engineering, fast_config, now_ms, start_with, TempDir};
use common::{login, user_id, Client};
use messenger_protocol::{
    AckResult, ClientFrame, EmailMode, ErrorCode, Event, Importance, NotificationKind, SendKey,
    Settings, SettingsPatch,
};

#[tokio::test]
async fn high_importance_and_mentions_notify_other_members_once() {
    let dir = TempDir::new("kinds");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let team = engineering(&welcome);

    alice.send_message(team, "plain news").await;
    assert!(dave.created_notifications().await.is_empty());

    let high = alice
        .send_with(team, "deploy freeze now", Importance::High)
        .await;
    let got = dave.created_notifications().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::HighImportanceMessage);
    assert_eq!(got[0].importance, Importance::High);
    assert_eq!(
        got[0].title,
        "High-importance message from Alice Martin in Engineering"
    );
    assert_eq!(got[0].body, "deploy freeze now");
    assert_eq!(got[0].conversation_id, Some(team));
    assert_eq!(got[0].message_id, Some(high.id));
    assert!(!got[0].read);

    let mention = alice.send_message(team, "@Dave, please review").await;
    let got = dave.created_notifications().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::Mention);
    assert_eq!(got[0].importance, Importance::Normal);
    assert_eq!(got[0].title, "Alice Martin mentioned you in Engineering");
    assert_eq!(got[0].message_id, Some(mention.id));

    // High importance and a mention: one notification, a mention of high importance.
    alice
        .send_with(team, "urgent @dave", Importance::High)
        .await;
    let got = dave.created_notifications().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, NotificationKind::Mention);
    assert_eq!(got[0].importance, Importance::High);

    // Not mentions: an address, a longer name.
    alice
        .send_message(team, "mail dave@example.com or @daveed")
        .await;
    assert!(dave.created_notifications().await.is_empty());
    // The sender is never notified of their own message, even mentioning themselves.
    assert!(alice.created_notifications().await.is_empty());
    alice
        .send_with(team, "note to @alice", Importance::High)
        .await;
    assert!(alice.created_notifications().await.is_empty());

    let (_, welcome) = Client::login(addr, "dave").await;
    assert_eq!(welcome.unread_notifications, 4);
    let (_, welcome) = Client::login(addr, "alice").await;
    assert_eq!(welcome.unread_notifications, 0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn notifications_page_newest_first_with_unread_count() {
    let dir = TempDir::new("paging");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let team = engineering(&welcome);
    for n in 1..=5 {
        alice.send_message(team, &format!("@dave item {n}")).await;
    }

    let (page, has_more, unread) = dave.notifications(None, 2).await;
    assert_eq!(unread, 5);
    assert!(has_more);
    let bodies: Vec<&str> = page.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(bodies, ["@dave item 5", "@dave item 4"]);
    let (page2, has_more, _) = dave.notifications(Some(page[1].id), 2).await;
    assert!(has_more);
    assert_eq!(page2[0].body, "@dave item 3");
    let (page3, has_more, _) = dave.notifications(Some(page2[1].id), 2).await;
    assert!(!has_more);
    assert_eq!(page3.len(), 1);
    assert_eq!(page3[0].body, "@dave item 1");

    // A page of nothing is refused; a page above 100 is served as 100.
    let empty = ClientFrame::ListNotifications {
        id: dave.new_id(),
        before: None,
        limit: 0,
    };
    assert_eq!(dave.error(empty).await, ErrorCode::InvalidArgument);
    let (all, has_more, _) = dave.notifications(None, 100_000).await;
    assert_eq!((all.len(), has_more), (5, false));
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");

    let (none, has_more, unread) = alice.notifications(None, 50).await;
    assert!(none.is_empty() && !has_more && unread == 0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn marking_read_reaches_every_tab_and_is_idempotent() {
    let dir = TempDir::new("mark");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let dave_token = login(addr, "dave").await;
    let (mut tab1, _) = Client::hello(addr, &dave_token).await;
    let (mut tab2, _) = Client::hello(addr, &dave_token).await;
    let team = engineering(&welcome);
    for n in 1..=3 {
        alice.send_message(team, &format!("@dave {n}")).await;
    }
    let created = tab2.created_notifications().await;
    assert_eq!(created.len(), 3, "the other tab hears of each one too");
    let first = created[0].id;

    let mark = |id: &str| ClientFrame::MarkNotificationRead {
        id: id.to_owned(),
        notification_id: first,
    };
    assert_eq!(tab1.ack(mark("m1")).await, AckResult::Done);
    let read_events = |events: Vec<(u64, Event)>| -> Vec<Event> {
        events
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, Event::NotificationsRead { .. }))
            .collect()
    };
    let expected = Event::NotificationsRead {
        notification_ids: vec![first],
        all: false,
        unread: 2,
    };
    assert_eq!(
        read_events(tab2.drain_events().await),
        vec![expected.clone()]
    );
    assert_eq!(read_events(tab1.drain_events().await), [expected]);

    // Again (a resend, or another tab lagging): acked, nothing changes, nothing announced.
    assert_eq!(tab1.ack(mark("m1")).await, AckResult::Done);
    assert_eq!(tab2.ack(mark("m2")).await, AckResult::Done);
    assert!(read_events(tab1.drain_events().await).is_empty());
    let (list, _, unread) = tab2.notifications(None, 10).await;
    assert_eq!(unread, 2);
    assert_eq!(
        list.iter().map(|n| n.read).collect::<Vec<_>>(),
        [false, false, true]
    );

    let all = ClientFrame::MarkAllNotificationsRead { id: "all-1".into() };
    assert_eq!(tab2.ack(all.clone()).await, AckResult::Done);
    let expected = Event::NotificationsRead {
        notification_ids: Vec::new(),
        all: true,
        unread: 0,
    };
    assert_eq!(read_events(tab1.drain_events().await), [expected]);
    assert_eq!(tab2.ack(all).await, AckResult::Done);
    assert_eq!(read_events(tab2.drain_events().await).len(), 1, "once only");
    let (list, _, unread) = tab1.notifications(None, 10).await;
    assert!(unread == 0 && list.iter().all(|n| n.read));

    let (_, welcome) = Client::hello(addr, &dave_token).await;
    assert_eq!(welcome.unread_notifications, 0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn another_users_notification_is_not_found() {
    let dir = TempDir::new("authz");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    alice
        .send_message(engineering(&welcome), "@dave secret plans")
        .await;
    let daves = dave.created_notifications().await[0].id;

    for target in [daves, daves + 1000, -1] {
        let frame = ClientFrame::MarkNotificationRead {
            id: bob.new_id(),
            notification_id: target,
        };
        assert_eq!(bob.error(frame).await, ErrorCode::NotFound);
    }
    let (list, _, unread) = bob.notifications(None, 100).await;
    assert!(list.is_empty() && unread == 0, "nothing of dave's shows");
    // Bob's mark-all touches only his own.
    let all = ClientFrame::MarkAllNotificationsRead { id: bob.new_id() };
    assert_eq!(bob.ack(all).await, AckResult::Done);
    let (list, _, unread) = dave.notifications(None, 100).await;
    assert_eq!(unread, 1);
    assert!(!list[0].read);
    assert!(dave.drain_events().await.is_empty(), "dave heard nothing");
    server.shutdown().await.unwrap();
}

fn notifications_read(events: Vec<(u64, Event)>) -> Vec<Event> {
    events
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| matches!(e, Event::NotificationsRead { .. }))
        .collect()
}

fn mark_conversation(id: &str, conversation_id: i64) -> ClientFrame {
    ClientFrame::MarkConversationNotificationsRead {
        id: id.to_owned(),
        conversation_id,
    }
}

#[tokio::test]
async fn reading_a_conversations_notifications_reaches_every_tab_once() {
    let dir = TempDir::new("conversation-read");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let dave_token = login(addr, "dave").await;
    let (mut tab1, _) = Client::hello(addr, &dave_token).await;
    let (mut tab2, _) = Client::hello(addr, &dave_token).await;
    let team = engineering(&welcome);
    let direct = alice.open_direct(user_id(&welcome, "dave")).await.id;

    // Four notifications about the team (a reminder, a high-importance message, a mention,
    // a high-importance mention) and one about the direct conversation.
    tab1.ack(reminder(
        "rem-team",
        now_ms() + 100,
        "check the build",
        Some(team),
    ))
    .await;
    tab1.wait_for(|event| match event {
        Event::NotificationCreated { notification } => Some(notification),
        _ => None,
    })
    .await;
    alice
        .send_with(team, "deploy freeze", Importance::High)
        .await;
    alice.send_message(team, "@dave review please").await;
    alice.send_with(team, "@dave now", Importance::High).await;
    alice.send_with(direct, "call me", Importance::High).await;
    let created = tab2.created_notifications().await;
    assert_eq!(created.len(), 5, "{created:?}");
    let about_team: Vec<_> = created
        .iter()
        .filter(|n| n.conversation_id == Some(team))
        .map(|n| n.id)
        .collect();
    assert_eq!(about_team.len(), 4);
    tab1.drain_events().await;

    assert_eq!(
        tab1.ack(mark_conversation("cr-1", team)).await,
        AckResult::Done
    );
    let expected = Event::NotificationsRead {
        notification_ids: about_team,
        all: false,
        unread: 1,
    };
    assert_eq!(
        notifications_read(tab1.drain_events().await),
        vec![expected.clone()]
    );
    assert_eq!(notifications_read(tab2.drain_events().await), [expected]);
    let (list, _, unread) = tab2.notifications(None, 10).await;
    assert_eq!(unread, 1);
    for n in &list {
        assert_eq!(n.read, n.conversation_id == Some(team), "{n:?}");
    }

    // A resend, then another tab asking again: acked, nothing changes or is announced.
    assert_eq!(
        tab1.ack(mark_conversation("cr-1", team)).await,
        AckResult::Done
    );
    assert_eq!(
        tab2.ack(mark_conversation("cr-2", team)).await,
        AckResult::Done
    );
    assert!(notifications_read(tab1.drain_events().await).is_empty());
    assert!(notifications_read(tab2.drain_events().await).is_empty());

    // Only what existed is read: a later one about the team is unread again.
    alice.send_message(team, "@dave one more").await;
    let later = tab2.created_notifications().await;
    assert_eq!(later.len(), 1);
    let (_, welcome) = Client::hello(addr, &dave_token).await;
    assert_eq!(welcome.unread_notifications, 2);
    assert_eq!(
        tab2.ack(mark_conversation("cr-3", team)).await,
        AckResult::Done
    );
    assert_eq!(
        notifications_read(tab2.drain_events().await),
        [Event::NotificationsRead {
            notification_ids: vec![later[0].id],
            all: false,
            unread: 1,
        }]
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn reading_a_conversations_notifications_needs_membership_and_stays_with_the_caller() {
    let dir = TempDir::new("conversation-read-authz");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let team = engineering(&welcome);
    alice.send_message(team, "@dave @alice secret plans").await;
    assert_eq!(dave.created_notifications().await.len(), 1);

    // Bob is not in the team; an id that does not exist looks the same.
    for (i, conversation) in [team, team + 1000, -1, i64::MAX].into_iter().enumerate() {
        let frame = mark_conversation(&format!("x-{i}"), conversation);
        assert_eq!(bob.error(frame).await, ErrorCode::NotFound);
    }
    // Alice is a member with nothing about it unread: acked, nothing announced, and
    // dave's notification stays his and unread.
    assert_eq!(
        alice.ack(mark_conversation("a-1", team)).await,
        AckResult::Done
    );
    assert!(notifications_read(alice.drain_events().await).is_empty());
    assert!(dave.drain_events().await.is_empty(), "dave heard nothing");
    let (list, _, unread) = dave.notifications(None, 10).await;
    assert_eq!(unread, 1);
    assert!(!list[0].read);
    server.shutdown().await.unwrap();
}

fn reminder(id: &str, at: i64, text: &str, conversation_id: Option<i64>) -> ClientFrame {
    ClientFrame::SetReminder {
        id: id.to_owned(),
        at,
        text: text.to_owned(),
        conversation_id,
    }
}

#[tokio::test]
async fn reminders_are_validated() {
    let dir = TempDir::new("reminder-checks");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let team = engineering(&welcome);
    let soon = now_ms() + 60_000;
    let year = 366 * 24 * 3600 * 1000;

    let cases = [
        (
            reminder("r1", now_ms() - 1, "late", None),
            ErrorCode::InvalidArgument,
        ),
        (
            reminder("r2", now_ms() + year + 60_000, "far", None),
            ErrorCode::InvalidArgument,
        ),
        (reminder("r3", soon, "  ", None), ErrorCode::InvalidArgument),
        (
            reminder("r4", soon, "x", Some(987_654)),
            ErrorCode::NotFound,
        ),
    ];
    for (frame, code) in cases {
        assert_eq!(alice.error(frame).await, code);
    }
    // A conversation bob is not in is as unknown to him as one that does not exist.
    assert_eq!(
        bob.error(reminder("r5", soon, "spy", Some(team))).await,
        ErrorCode::NotFound
    );
    match alice
        .request(reminder("r6", soon, "fine", Some(team)))
        .await
    {
        messenger_protocol::ServerFrame::Ack {
            result: AckResult::Reminder { at, .. },
            ..
        } => assert_eq!(at, soon),
        other => panic!("expected a reminder ack, got {other:?}"),
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn reminder_fires_once_and_a_resend_sets_nothing_new() {
    let dir = TempDir::new("reminder-fires");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let team = engineering(&welcome);
    let at = now_ms() + 200;
    let frame = reminder("rem-1", at, "stand-up in Engineering", Some(team));
    let first = alice.ack(frame.clone()).await;
    let AckResult::Reminder {
        reminder_id,
        at: acked,
    } = first
    else {
        panic!("expected a reminder ack, got {first:?}");
    };
    assert_eq!(acked, at);
    assert_eq!(
        alice.ack(frame).await,
        AckResult::Reminder { reminder_id, at },
        "a resend answers as the first time did"
    );

    let fired = alice
        .wait_for(|event| match event {
            Event::NotificationCreated { notification } => Some(notification),
            _ => None,
        })
        .await;
    assert!(now_ms() >= at, "not before its time");
    assert_eq!(fired.kind, NotificationKind::Reminder);
    assert_eq!(fired.title, "Reminder");
    assert_eq!(fired.body, "stand-up in Engineering");
    assert_eq!(fired.conversation_id, Some(team));

    // Several more job runs: still one.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(alice.created_notifications().await.is_empty());
    let (list, _, unread) = alice.notifications(None, 10).await;
    assert_eq!((list.len(), unread), (1, 1));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn reminder_due_while_down_fires_on_start_and_only_once() {
    let dir = TempDir::new("reminder-restart");
    let mut config = fast_config(&dir);
    // This run never gets to look again after its first (immediate) pass.
    config.reminder_interval = Duration::from_secs(3600);
    let server = start_with(config).await;
    let addr = server.local_addr();
    let token = login(addr, "alice").await;
    let (mut alice, _) = Client::hello(addr, &token).await;
    let at = now_ms() + 150;
    alice
        .ack(reminder("rem-down", at, "water the plants", None))
        .await;
    drop(alice);
    server.shutdown().await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(now_ms() > at);

    for _ in 0..2 {
        let server = start_with(fast_config(&dir)).await;
        let addr = server.local_addr();
        let (mut alice, _) = Client::hello(addr, &token).await;
        let deadline = now_ms() + 5_000;
        let list = loop {
            let (list, _, _) = alice.notifications(None, 10).await;
            if !list.is_empty() || now_ms() > deadline {
                break list;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(list.len(), 1, "fired once, across restarts: {list:?}");
        assert_eq!(list[0].body, "water the plants");
        // A few job runs on this start, to give a second firing its chance.
        tokio::time::sleep(Duration::from_millis(150)).await;
        drop(alice);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn settings_are_validated_shared_with_other_tabs_and_kept() {
    let dir = TempDir::new("settings");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let token = login(addr, "bob").await;
    let (mut tab1, welcome) = Client::hello(addr, &token).await;
    let (mut tab2, _) = Client::hello(addr, &token).await;
    assert_eq!(welcome.settings, Settings::default());

    let patch = SettingsPatch {
        email_mode: Some(EmailMode::Digest),
        digest_minutes: Some(15),
        send_key: Some(SendKey::CtrlEnter),
        ..Default::default()
    };
    let expected = Settings {
        warn_misspelled: true,
        email_mode: EmailMode::Digest,
        digest_minutes: 15,
        always_forward_offline: false,
        send_key: SendKey::CtrlEnter,
    };
    assert_eq!(tab1.update_settings(patch.clone()).await, expected);
    let changed = tab2
        .wait_for(|event| match event {
            Event::SettingsChanged { settings } => Some(settings),
            _ => None,
        })
        .await;
    assert_eq!(changed, expected);

    for minutes in [0, 1441] {
        let frame = ClientFrame::UpdateSettings {
            id: tab1.new_id(),
            settings: SettingsPatch {
                digest_minutes: Some(minutes),
                email_mode: Some(EmailMode::Off),
                ..Default::default()
            },
        };
        assert_eq!(tab1.error(frame).await, ErrorCode::InvalidArgument);
    }
    // Nothing changed: the same patch again is acked but not announced.
    assert_eq!(tab1.update_settings(patch).await, expected);
    let settings_events = |events: Vec<(u64, Event)>| {
        events
            .into_iter()
            .filter(|(_, e)| matches!(e, Event::SettingsChanged { .. }))
            .count()
    };
    assert_eq!(settings_events(tab2.drain_events().await), 0);
    let forward = SettingsPatch {
        always_forward_offline: Some(true),
        ..Default::default()
    };
    assert!(tab2.update_settings(forward).await.always_forward_offline);
    drop((tab1, tab2));
    server.shutdown().await.unwrap();

    let server = start_with(fast_config(&dir)).await;
    let (_, welcome) = Client::hello(server.local_addr(), &token).await;
    assert_eq!(
        welcome.settings,
        Settings {
            always_forward_offline: true,
            ..expected
        }
    );
    let alice = user_id(&welcome, "alice");
    let (_, alice_welcome) = Client::login(server.local_addr(), "alice").await;
    assert_eq!(alice_welcome.me.id, alice);
    assert_eq!(alice_welcome.settings, Settings::default(), "per user");
    server.shutdown().await.unwrap();
}
