//! `list_mailbox`: the caller's messages from all their conversations, as a mailbox shows them.

mod common;

use common::{start, user_id, Client};
use messenger_protocol::{AckResult, ClientFrame, ErrorCode, MailFolder, Message};

async fn mailbox(
    client: &mut Client,
    folder: MailFolder,
    before: Option<i64>,
    limit: u32,
) -> (Vec<Message>, bool) {
    let frame = ClientFrame::ListMailbox {
        id: client.new_id(),
        folder,
        before,
        limit,
    };
    match client.ack(frame).await {
        AckResult::Mailbox {
            folder: answered,
            messages,
            has_more,
        } => {
            assert_eq!(answered, folder);
            (messages, has_more)
        }
        other => panic!("expected mailbox, got {other:?}"),
    }
}

async fn texts(client: &mut Client, folder: MailFolder) -> Vec<String> {
    let (messages, has_more) = mailbox(client, folder, None, 100).await;
    assert!(!has_more);
    messages.into_iter().map(|m| m.text).collect()
}

const DAVE_GREETING: &str =
    "Welcome to the Engineering chat, Alice! Builds, reviews and lunch plans go here.";

#[tokio::test]
async fn inbox_and_sent_gather_every_conversation_newest_first() {
    let (server, _db) = start("mailbox-folders").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let [alice_id, bob_id, carol_id] = ["alice", "bob", "carol"].map(|u| user_id(&welcome, u));

    let direct = bob.open_direct(alice_id).await.id;
    bob.send_message(direct, "b1 lunch?").await;
    // Creating the group writes a "Carol created the group" line: a system line, in no folder.
    let plans = carol.create_group("Plans", &[alice_id, bob_id]).await.id;
    carol.send_message(plans, "c1 agenda attached").await;
    alice.send_message(direct, "a1 yes, noon").await;
    alice.send_message(plans, "a2 thanks Carol").await;
    // Alice is in neither conversation: nothing of it reaches her folders.
    let private = dave.open_direct(carol_id).await.id;
    dave.send_message(private, "d1 just between us").await;

    assert_eq!(
        texts(&mut alice, MailFolder::Inbox).await,
        ["c1 agenda attached", "b1 lunch?", DAVE_GREETING]
    );
    assert_eq!(
        texts(&mut alice, MailFolder::Sent).await,
        ["a2 thanks Carol", "a1 yes, noon"]
    );
    assert_eq!(
        texts(&mut bob, MailFolder::Inbox).await,
        ["a2 thanks Carol", "a1 yes, noon", "c1 agenda attached"]
    );
    assert_eq!(texts(&mut bob, MailFolder::Sent).await, ["b1 lunch?"]);
    assert_eq!(
        texts(&mut carol, MailFolder::Inbox).await,
        ["d1 just between us", "a2 thanks Carol"]
    );

    // A message carries what a row needs: its conversation, sender and time.
    let (inbox, _) = mailbox(&mut alice, MailFolder::Inbox, None, 1).await;
    assert_eq!(inbox[0].conversation_id, plans);
    assert_eq!(inbox[0].sender_id, carol_id);
    assert!(inbox[0].system.is_none());

    // Leaving a group takes its messages out of the mailbox with it.
    let frame = ClientFrame::LeaveConversation {
        id: bob.new_id(),
        conversation_id: plans,
    };
    bob.ack(frame).await;
    assert_eq!(texts(&mut bob, MailFolder::Inbox).await, ["a1 yes, noon"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn pages_go_back_with_before_until_has_more_is_false() {
    let (server, _db) = start("mailbox-pages").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let alice_id = user_id(&welcome, "alice");
    let with_bob = bob.open_direct(alice_id).await.id;
    let with_carol = carol.open_direct(alice_id).await.id;
    for n in 0..5 {
        bob.send_message(with_bob, &format!("bob {n}")).await;
        carol.send_message(with_carol, &format!("carol {n}")).await;
    }

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let (page, has_more) = mailbox(&mut alice, MailFolder::Inbox, before, 4).await;
        assert!(page.len() <= 4);
        assert!(page.windows(2).all(|w| w[0].id > w[1].id), "newest first");
        before = page.last().map(|m| m.id);
        seen.extend(page.into_iter().map(|m| m.text));
        if !has_more {
            break;
        }
    }
    let mut expected: Vec<String> = (0..5)
        .rev()
        .flat_map(|n| [format!("carol {n}"), format!("bob {n}")])
        .collect();
    expected.push(DAVE_GREETING.to_owned());
    assert_eq!(seen, expected, "11 messages in pages of 4, 4 and 3");

    // Exactly a page left: no promise of more.
    let (page, has_more) = mailbox(&mut bob, MailFolder::Sent, None, 5).await;
    assert_eq!(page.len(), 5);
    assert!(!has_more);
    let (page, has_more) = mailbox(&mut bob, MailFolder::Sent, Some(page[1].id), 5).await;
    assert_eq!(
        page.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["bob 2", "bob 1", "bob 0"]
    );
    assert!(!has_more);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_limit_outside_1_to_100_is_refused() {
    let (server, _db) = start("mailbox-limit").await;
    let addr = server.local_addr();
    let (mut alice, _) = Client::login(addr, "alice").await;
    for limit in [0, 101, u32::MAX] {
        let frame = ClientFrame::ListMailbox {
            id: alice.new_id(),
            folder: MailFolder::Sent,
            before: None,
            limit,
        };
        assert_eq!(
            alice.error(frame).await,
            ErrorCode::InvalidArgument,
            "{limit}"
        );
    }
    // Both ends of the range are served.
    for limit in [1, 100] {
        let (messages, has_more) = mailbox(&mut alice, MailFolder::Inbox, None, limit).await;
        assert_eq!((messages.len(), has_more), (1, false));
    }
    server.shutdown().await.unwrap();
}
