//! Groups and open channels: creation, joining, leaving, adding, system lines, refusals.

mod common;

use common::{start, user_id, Client};
use messenger_protocol::{
    AckResult, ClientFrame, ConversationKind, ErrorCode, Event, Message, SystemEvent,
};

/// Events about membership and messages: presence and delivery positions are left out.
fn membership_events(events: Vec<(u64, Event)>) -> Vec<(u64, Event)> {
    events
        .into_iter()
        .filter(|(_, e)| !matches!(e, Event::Presence { .. } | Event::DeliveredUpTo { .. }))
        .collect()
}

fn system_line(event: &Event) -> Option<&Message> {
    match event {
        Event::MessageCreated { message } if message.system.is_some() => Some(message),
        _ => None,
    }
}

#[tokio::test]
async fn creating_a_group_adds_everyone_with_a_created_line() {
    let (server, _db) = start("group").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let (alice_id, bob_id, carol_id) = (
        welcome.me.id,
        user_id(&welcome, "bob"),
        user_id(&welcome, "carol"),
    );
    bob.drain_events().await;

    let group = alice
        .create_group("  Launch  ", &[bob_id, carol_id, bob_id])
        .await;
    assert_eq!(group.kind, ConversationKind::Group);
    assert_eq!(group.title.as_deref(), Some("Launch"));
    assert_eq!(group.members, vec![alice_id, bob_id, carol_id]);
    assert_eq!(group.member_states.len(), 3);
    let created = group.last_message.clone().expect("the created line");
    assert_eq!(created.system, Some(SystemEvent::Created { by: alice_id }));
    assert_eq!(created.text, "Alice Martin created the group");
    assert_eq!(group.unread, 0, "system lines are not unread");

    let events = membership_events(bob.drain_events().await);
    let Event::ConversationAdded { conversation } = &events[0].1 else {
        panic!("bob is told about the group first: {events:?}");
    };
    assert_eq!(conversation.id, group.id);
    assert_eq!(conversation.unread, 0);
    assert_eq!(system_line(&events[1].1), Some(&created));

    // Carol was offline; her welcome has the group.
    let (_, carol_welcome) = Client::login(addr, "carol").await;
    assert!(carol_welcome.conversations.iter().any(|c| c.id == group.id));

    let nobody = ClientFrame::CreateGroup {
        id: alice.new_id(),
        title: "Ghosts".into(),
        members: vec![bob_id, 999_999],
    };
    assert_eq!(alice.error(nobody).await, ErrorCode::NotFound);
    let untitled = ClientFrame::CreateGroup {
        id: alice.new_id(),
        title: " ".into(),
        members: vec![bob_id],
    };
    assert_eq!(alice.error(untitled).await, ErrorCode::InvalidArgument);
    let long = ClientFrame::CreateGroup {
        id: alice.new_id(),
        title: "x".repeat(101),
        members: vec![],
    };
    assert_eq!(alice.error(long).await, ErrorCode::InvalidArgument);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn channels_are_listed_joined_and_left_with_system_lines() {
    let (server, _db) = start("channels").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let (alice_id, carol_id) = (welcome.me.id, user_id(&welcome, "carol"));
    carol.drain_events().await;

    let older = alice.create_channel("Random").await;
    let channel = alice.create_channel("Releases").await;
    assert_eq!(channel.kind, ConversationKind::Channel);
    assert_eq!(channel.members, vec![alice_id]);

    // Everyone hears about new channels, and the welcome counts the unseen ones.
    let created: Vec<_> = membership_events(carol.drain_events().await)
        .into_iter()
        .filter_map(|(_, e)| match e {
            Event::ChannelCreated { channel } => Some(channel),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 2);
    assert!(!created[1].joined);
    assert_eq!(created[1].title, "Releases");
    let (_, dave_welcome) = Client::login(addr, "dave").await;
    assert_eq!(dave_welcome.new_channels, 2);

    let list = ClientFrame::ListChannels { id: carol.new_id() };
    let AckResult::Channels { channels } = carol.ack(list).await else {
        panic!("expected channels");
    };
    let ids: Vec<_> = channels.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![channel.id, older.id], "newest first");
    assert_eq!(channels[0].member_count, 1);

    let (mut dave, _) = Client::login(addr, "dave").await;
    let seen = ClientFrame::MarkChannelsSeen {
        id: dave.new_id(),
        up_to: older.id,
    };
    assert_eq!(dave.ack(seen).await, AckResult::Done);
    // Dave's other tabs (and a client resuming instead of starting from a welcome) hear the
    // new count.
    let dave_events = dave.drain_events().await;
    assert!(
        dave_events.iter().any(|(_, e)| matches!(e,
            Event::ChannelsSeen { up_to, new_channels: 1 } if *up_to == older.id)),
        "{dave_events:?}"
    );
    let (_, dave_welcome) = Client::login(addr, "dave").await;
    assert_eq!(dave_welcome.new_channels, 1, "only Releases is new");

    // Carol joins: she gets the conversation, then everyone gets her "joined" line.
    alice.drain_events().await;
    let joined = carol.join_channel(channel.id).await;
    assert_eq!(joined.members, vec![alice_id, carol_id]);
    let carol_events = membership_events(carol.drain_events().await);
    assert!(
        matches!(&carol_events[0].1, Event::ConversationAdded { conversation } if conversation.id == channel.id)
    );
    let line = system_line(&carol_events[1].1)
        .expect("carol sees her joined line")
        .clone();
    assert_eq!(line.system, Some(SystemEvent::Joined { user_id: carol_id }));
    assert_eq!(line.text, "Carol Kowalski joined");
    let alice_events = membership_events(alice.drain_events().await);
    assert_eq!(system_line(&alice_events[0].1), Some(&line));
    assert!(alice_events.iter().any(|(_, e)| matches!(e,
        Event::ConversationUpdated { conversation } if conversation.members == vec![alice_id, carol_id])));

    // Joining again changes nothing.
    assert_eq!(carol.join_channel(channel.id).await.id, channel.id);
    assert!(membership_events(alice.drain_events().await).is_empty());
    let (_, carol_welcome) = Client::login(addr, "carol").await;
    assert_eq!(
        carol_welcome.new_channels, 1,
        "Random only: Releases is joined"
    );

    // Carol leaves: her "left" line, then the conversation goes away for her.
    let leave = ClientFrame::LeaveConversation {
        id: carol.new_id(),
        conversation_id: channel.id,
    };
    assert_eq!(carol.ack(leave).await, AckResult::Done);
    let carol_events = membership_events(carol.drain_events().await);
    let left = system_line(&carol_events[0].1)
        .expect("the left line")
        .clone();
    assert_eq!(left.system, Some(SystemEvent::Left { user_id: carol_id }));
    assert_eq!(left.text, "Carol Kowalski left");
    assert_eq!(
        carol_events[1].1,
        Event::ConversationRemoved {
            conversation_id: channel.id
        }
    );
    let alice_events = membership_events(alice.drain_events().await);
    assert_eq!(system_line(&alice_events[0].1), Some(&left));
    assert!(matches!(&alice_events[1].1,
        Event::ConversationUpdated { conversation } if conversation.members == vec![alice_id]));
    let (history, _) = alice.history(channel.id, None, 10).await;
    let texts: Vec<_> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Alice Martin created the channel",
            "Carol Kowalski joined",
            "Carol Kowalski left"
        ]
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn members_add_people_who_then_see_the_conversation() {
    let (server, _db) = start("add-members").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let (mut erin, _) = Client::login(addr, "erin").await;
    let (alice_id, dave_id, erin_id) = (
        welcome.me.id,
        user_id(&welcome, "dave"),
        user_id(&welcome, "erin"),
    );
    let engineering = welcome.conversations[0].id;
    dave.drain_events().await;
    erin.drain_events().await;

    let add = ClientFrame::AddMembers {
        id: alice.new_id(),
        conversation_id: engineering,
        user_ids: vec![erin_id, dave_id],
    };
    let AckResult::Conversation { conversation } = alice.ack(add).await else {
        panic!("expected conversation");
    };
    assert_eq!(conversation.members, vec![alice_id, dave_id, erin_id]);

    let erin_events = membership_events(erin.drain_events().await);
    let Event::ConversationAdded {
        conversation: added,
    } = &erin_events[0].1
    else {
        panic!("erin is added first: {erin_events:?}");
    };
    assert_eq!(
        added.unread, 0,
        "history from before she came is not unread"
    );
    let line = system_line(&erin_events[1].1).expect("the added line");
    assert_eq!(
        line.system,
        Some(SystemEvent::Added {
            user_id: erin_id,
            by: alice_id
        })
    );
    assert_eq!(line.text, "Alice Martin added Erin Petit");
    let (history, _) = erin.history(engineering, None, 10).await;
    assert!(history.len() >= 2, "erin may read the history");

    let dave_events = membership_events(dave.drain_events().await);
    assert!(dave_events.iter().any(|(_, e)| system_line(e).is_some()));
    assert!(dave_events.iter().any(|(_, e)| matches!(e,
        Event::ConversationUpdated { conversation } if conversation.members.contains(&erin_id))));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn outsiders_and_wrong_kinds_are_refused() {
    let (server, _db) = start("conversation-refusals").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let engineering = welcome.conversations[0].id;
    let bob_id = user_id(&welcome, "bob");
    let direct = alice.open_direct(bob_id).await.id;
    let channel = alice.create_channel("Open").await.id;

    macro_rules! refused {
        ($client:expr, $code:expr, $frame:expr) => {{
            let frame = $frame;
            assert_eq!($client.error(frame.clone()).await, $code, "{frame:?}");
        }};
    }
    for conversation in [engineering, direct, 999_999] {
        refused!(
            carol,
            ErrorCode::NotFound,
            ClientFrame::JoinChannel {
                id: carol.new_id(),
                conversation_id: conversation
            }
        );
        refused!(
            carol,
            ErrorCode::NotFound,
            ClientFrame::LeaveConversation {
                id: carol.new_id(),
                conversation_id: conversation
            }
        );
        refused!(
            carol,
            ErrorCode::NotFound,
            ClientFrame::AddMembers {
                id: carol.new_id(),
                conversation_id: conversation,
                user_ids: vec![welcome.me.id]
            }
        );
        refused!(
            carol,
            ErrorCode::NotFound,
            ClientFrame::Typing {
                id: carol.new_id(),
                conversation_id: conversation
            }
        );
    }
    // A channel carol has not joined: visible in the list, but not hers to change.
    refused!(
        carol,
        ErrorCode::NotFound,
        ClientFrame::AddMembers {
            id: carol.new_id(),
            conversation_id: channel,
            user_ids: vec![bob_id]
        }
    );
    refused!(
        carol,
        ErrorCode::NotFound,
        ClientFrame::LeaveConversation {
            id: carol.new_id(),
            conversation_id: channel
        }
    );
    // Members learn why instead.
    refused!(
        alice,
        ErrorCode::Forbidden,
        ClientFrame::JoinChannel {
            id: alice.new_id(),
            conversation_id: engineering
        }
    );
    refused!(
        alice,
        ErrorCode::InvalidArgument,
        ClientFrame::LeaveConversation {
            id: alice.new_id(),
            conversation_id: direct
        }
    );
    refused!(
        alice,
        ErrorCode::InvalidArgument,
        ClientFrame::AddMembers {
            id: alice.new_id(),
            conversation_id: direct,
            user_ids: vec![welcome.me.id]
        }
    );
    refused!(
        alice,
        ErrorCode::InvalidArgument,
        ClientFrame::AddMembers {
            id: alice.new_id(),
            conversation_id: engineering,
            user_ids: vec![]
        }
    );
    refused!(
        alice,
        ErrorCode::NotFound,
        ClientFrame::AddMembers {
            id: alice.new_id(),
            conversation_id: engineering,
            user_ids: vec![999_999]
        }
    );
    let (_, fresh) = Client::login(addr, "alice").await;
    let group = fresh
        .conversations
        .iter()
        .find(|c| c.id == engineering)
        .unwrap();
    assert_eq!(
        group.members.len(),
        2,
        "nothing was added by the refused commands"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_seen_position_beyond_every_conversation_does_not_hide_later_channels() {
    let (server, _db) = start("channels-seen-beyond").await;
    let addr = server.local_addr();
    let (mut alice, _) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    let seen = ClientFrame::MarkChannelsSeen {
        id: dave.new_id(),
        up_to: i64::MAX,
    };
    assert_eq!(dave.ack(seen).await, AckResult::Done);
    let later = alice.create_channel("Made later").await;
    let (_, dave_welcome) = Client::login(addr, "dave").await;
    assert_eq!(
        dave_welcome.new_channels, 1,
        "channel {} came after dave's up_to and is new",
        later.id
    );
    server.shutdown().await.unwrap();
}
