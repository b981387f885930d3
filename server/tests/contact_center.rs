//! The contact center against a real server and database: the signed webhook, routing,
//! replies through the folder gateway (across a restart too), notes, transfers, closing
//! with a disposition, a contact's history, the inactivity timeout and MMS images.

mod common;

use std::time::Duration;

use base64::Engine;
use common::attachments::{get, png, FilesDir};
use common::contact_center::{
    all_files, config, gateway_files, now_secs, page, post, post_raw, post_signed_at, signature,
    sms, start, stored, wait_for_files, SECRET,
};
use common::{login, text_message, user_id, Client, TempDb};
use messenger_protocol::{
    AckResult, ClientFrame, ContactChannel, ConversationKind, ConversationSummary, ErrorCode,
    Event, Interaction, InteractionMode, InteractionState, MailFolder, SystemEvent, TransferOffer,
};
use serde_json::json;

fn interaction(summary: &ConversationSummary) -> &Interaction {
    summary
        .interaction
        .as_deref()
        .unwrap_or_else(|| panic!("not an interaction: {summary:?}"))
}

fn transfer(client: &mut Client, conversation_id: i64, to_user: Option<i64>) -> ClientFrame {
    ClientFrame::TransferInteraction {
        id: client.new_id(),
        conversation_id,
        to_user,
        to_department: None,
    }
}

fn answer(client: &mut Client, conversation_id: i64, accept: bool, reason: &str) -> ClientFrame {
    ClientFrame::AnswerTransfer {
        id: client.new_id(),
        conversation_id,
        accept,
        reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
    }
}

fn close(client: &mut Client, conversation_id: i64, disposition: Option<&str>) -> ClientFrame {
    ClientFrame::CloseInteraction {
        id: client.new_id(),
        conversation_id,
        disposition: disposition.map(str::to_owned),
    }
}

fn history_of(client: &mut Client, contact_id: i64, limit: u32) -> ClientFrame {
    ClientFrame::ContactHistory {
        id: client.new_id(),
        contact_id,
        limit,
    }
}

/// The next system line of `conversation` on `client`.
async fn next_line(client: &mut Client, conversation: i64) -> SystemEvent {
    loop {
        let message = client.next_message_in(conversation).await;
        if let Some(event) = message.system {
            return event;
        }
    }
}

async fn wait_removed(client: &mut Client, conversation: i64) {
    client
        .wait_for_event(|e| {
            matches!(e, Event::ConversationRemoved { conversation_id } if *conversation_id == conversation)
        })
        .await;
}

#[tokio::test]
async fn a_signed_sms_reaches_an_agent_and_unsigned_stale_or_repeated_ones_store_nothing() {
    let cc = start("inbound", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, welcome) = Client::login(addr, "anna").await;
    let anna_id = welcome.me.id;
    let settings = welcome
        .contact_center
        .expect("an agent's welcome has the settings");
    assert_eq!(settings.session_timeout_secs, 900);
    assert_eq!(settings.session_warning_secs, 120);
    assert_eq!(settings.dispositions[0].code, "resolved");
    let (_carol, welcome) = Client::login(addr, "carol").await;
    assert!(welcome.contact_center.is_none(), "not for other users");
    assert!(
        welcome.users.iter().all(|u| u.id != 0),
        "the contacts' stand-in is nobody's contact"
    );

    let body = json!({
        "message_id": "prov-1", "channel": "sms", "from": "+33 6 12 34 56 78",
        "text": "Bonjour", "display_name": "Mme Durand",
    });
    let text = body.to_string();
    let now = now_secs().to_string();
    let refusals = [
        (
            "no signature",
            format!("X-Messenger-Timestamp: {now}\r\n"),
            "bad_signature",
        ),
        (
            "another key",
            format!(
                "X-Messenger-Timestamp: {now}\r\nX-Messenger-Signature: {}\r\n",
                signature(&"k".repeat(40), &now, text.as_bytes())
            ),
            "bad_signature",
        ),
        (
            "another body",
            format!(
                "X-Messenger-Timestamp: {now}\r\nX-Messenger-Signature: {}\r\n",
                signature(SECRET, &now, b"{}")
            ),
            "bad_signature",
        ),
    ];
    for (what, headers, code) in refusals {
        let response = post_raw(addr, &headers, text.as_bytes()).await;
        assert_eq!(response.status, 401, "{what}");
        assert_eq!(response.json()["code"], code, "{what}");
    }
    for skew in [-301, 400] {
        let response = post_signed_at(addr, &body, now_secs() + skew).await;
        assert_eq!(response.status, 401, "signed {skew} s away");
        assert_eq!(response.json()["code"], "stale_request");
    }

    let (conversation, message_id) = stored(post(addr, &body).await);
    let summary = anna.next_summary_of(conversation).await;
    assert_eq!(summary.kind, ConversationKind::Interaction);
    assert!(summary.sms);
    assert_eq!(summary.members, [anna_id]);
    assert_eq!(summary.unread, 1);
    let info = interaction(&summary);
    assert_eq!(info.contact.channel, ContactChannel::Sms);
    assert_eq!(info.contact.address, "+33612345678");
    assert_eq!(info.contact.phone.as_deref(), Some("+33612345678"));
    assert_eq!(info.contact.display_name.as_deref(), Some("Mme Durand"));
    assert_eq!(
        (info.mode, info.state, info.agent_id),
        (
            InteractionMode::Session,
            InteractionState::Open,
            Some(anna_id)
        )
    );
    assert_eq!(info.offer, None);
    assert_eq!(info.closes_at, Some(info.last_activity + 900_000));
    assert_eq!(info.recent_interactions, 1);
    let message = anna.next_message_in(conversation).await;
    assert_eq!(message.id, message_id);
    assert_eq!((message.sender_id, message.text.as_str()), (0, "Bonjour"));
    assert_eq!(message.contact_id, Some(info.contact.id));

    // The provider retries: the same answer, nothing stored twice.
    assert_eq!(stored(post(addr, &body).await), (conversation, message_id));
    // A session: the contact's next message joins it.
    let (same, second) = sms(addr, "prov-2", "+33612345678", "Vous êtes là ?").await;
    assert_eq!(same, conversation);
    assert_eq!(anna.next_message_in(conversation).await.id, second);
    let (messages, _) = anna.history(conversation, None, 10).await;
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Bonjour", "Vous êtes là ?"]);
    // Unread for the agent, as any message from someone else.
    let (_again, welcome) = Client::login(addr, "anna").await;
    let listed = welcome
        .conversations
        .iter()
        .find(|c| c.id == conversation)
        .expect("the interaction is in the agent's list");
    assert_eq!(listed.unread, 2);

    let bad = [
        json!({"message_id": "x1", "channel": "sms", "from": "not a number", "text": "a"}),
        json!({"message_id": "x2", "channel": "sms", "from": "+331234", "text": " "}),
        json!({"message_id": "", "channel": "web", "from": "v1", "text": "a"}),
        json!({"message_id": "x3", "channel": "fax", "from": "v1", "text": "a"}),
    ];
    for body in bad {
        let response = post(addr, &body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.json()["code"], "invalid_argument");
    }
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_secret_the_webhook_is_not_there() {
    let cc = start("no-secret", |c| c.contact_center.inbound_secret = None).await;
    let body = json!({"message_id": "p", "channel": "sms", "from": "+331234", "text": "a"});
    let response = post(cc.addr(), &body).await;
    assert_eq!(response.status, 404);
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn new_interactions_go_to_the_least_busy_agent_online_first_and_pages_never_join() {
    let cc = start("routing", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, welcome) = Client::login(addr, "anna").await;
    let (anna_id, bruno_id) = (welcome.me.id, user_id(&welcome, "bruno"));

    // Bruno is offline: both pages go to Anna, each an interaction of its own.
    let (first, _) = page(addr, "p1", "+331111", "one").await;
    let (second, _) = page(addr, "p2", "+331111", "two").await;
    assert_ne!(first, second);
    for conversation in [first, second] {
        let summary = anna.next_summary_of(conversation).await;
        assert_eq!(interaction(&summary).mode, InteractionMode::Page);
        assert_eq!(interaction(&summary).agent_id, Some(anna_id));
        assert_eq!(
            interaction(&summary).closes_at,
            None,
            "pages never time out"
        );
    }
    // Online now, with nothing open: Bruno takes the next ones.
    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let (third, _) = page(addr, "p3", "+332222", "three").await;
    assert_eq!(
        interaction(&bruno.next_summary_of(third).await).agent_id,
        Some(bruno_id)
    );
    let (session, _) = sms(addr, "s1", "+333333", "four").await;
    assert_eq!(
        interaction(&bruno.next_summary_of(session).await).agent_id,
        Some(bruno_id)
    );
    let (joined, _) = sms(addr, "s2", "+333333", "five").await;
    assert_eq!(
        joined, session,
        "a session takes the contact's next messages"
    );
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_reply_goes_out_once_through_the_gateway_and_a_note_never() {
    let cc = start("gateway", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let (conversation, _) = sms(addr, "g1", "+33612345678", "Ma commande ?").await;
    anna.next_message_in(conversation).await;

    let command = anna.new_id();
    let reply = match anna
        .ack(text_message(command.clone(), conversation, "Je regarde"))
        .await
    {
        AckResult::MessageSent { message } => message,
        other => panic!("{other:?}"),
    };
    let files = wait_for_files(&cc.gateway_dir(), 1).await;
    assert_eq!(files[0].0, format!("{}.json", reply.id));
    assert_eq!(
        files[0].1,
        json!({
            "message_id": reply.id, "channel": "sms", "to": "+33612345678",
            "text": "Je regarde", "attachments": [],
        })
    );
    // The same command again (its ack was lost): the stored message, nothing queued.
    match anna
        .ack(text_message(command, conversation, "Je regarde"))
        .await
    {
        AckResult::MessageSent { message } => assert_eq!(message.id, reply.id),
        other => panic!("{other:?}"),
    }
    let note = anna
        .note(conversation, "Client fidèle, geste possible")
        .await;
    assert!(note.note);
    // Any agent reads the interaction, the note marked as one.
    let (messages, _) = bruno.history(conversation, None, 10).await;
    let shown: Vec<(&str, bool, Option<i64>)> = messages
        .iter()
        .map(|m| (m.text.as_str(), m.note, m.contact_id))
        .collect();
    assert_eq!(
        shown[1..],
        [
            ("Je regarde", false, None),
            ("Client fidèle, geste possible", true, None)
        ]
    );
    assert!(shown[0].2.is_some(), "the contact's message");
    // Many gateway runs later, still the one reply.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(gateway_files(&cc.gateway_dir()).len(), 1);
    assert_eq!(
        all_files(&cc.gateway_dir()),
        1,
        "no temporary file left behind"
    );
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_reply_queued_at_shutdown_goes_out_after_the_restart_exactly_once() {
    let db = TempDb::new("gateway-restart");
    let files = FilesDir(db.path().with_extension("files"));
    let gateway_dir = files.0.join("outbound");
    let mut first = config(&db, &files.0);
    // The job runs once at start, then not again before the shutdown.
    first.contact_center.gateway_interval = Duration::from_secs(3600);
    let server = messenger_server::start(first).await.unwrap();
    let addr = server.local_addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let (conversation, _) = sms(addr, "r1", "+33612345678", "Allô ?").await;
    let reply = anna.send_message(conversation, "Oui, je suis là").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(gateway_files(&gateway_dir).is_empty(), "still queued");
    drop(anna);
    server.shutdown().await.unwrap();

    for _ in 0..2 {
        let server = messenger_server::start(config(&db, &files.0))
            .await
            .unwrap();
        let written = wait_for_files(&gateway_dir, 1).await;
        assert_eq!(written[0].1["message_id"], reply.id);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(gateway_files(&gateway_dir).len(), 1, "never written twice");
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_transfer_to_an_agent_can_be_refused_then_accepted() {
    let cc = start("transfer", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, welcome) = Client::login(addr, "anna").await;
    let (anna_id, bruno_id) = (welcome.me.id, user_id(&welcome, "bruno"));
    let carol_id = user_id(&welcome, "carol");
    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    let (conversation, _) = sms(addr, "t1", "+33612345678", "Bonjour").await;
    assert_eq!(
        interaction(&anna.next_summary_of(conversation).await).agent_id,
        Some(anna_id),
        "both online and idle: the lowest id"
    );

    let frame = transfer(&mut carol, conversation, Some(bruno_id));
    assert_eq!(carol.error(frame).await, ErrorCode::NotFound, "not hers");
    for (to_user, to_department) in [(None, None), (Some(bruno_id), Some(4))] {
        let frame = ClientFrame::TransferInteraction {
            id: anna.new_id(),
            conversation_id: conversation,
            to_user,
            to_department,
        };
        assert_eq!(anna.error(frame).await, ErrorCode::InvalidArgument);
    }
    for target in [carol_id, anna_id, 9999] {
        let frame = transfer(&mut anna, conversation, Some(target));
        assert_eq!(
            anna.error(frame).await,
            ErrorCode::InvalidArgument,
            "{target}"
        );
    }

    let frame = transfer(&mut anna, conversation, Some(bruno_id));
    assert_eq!(anna.ack(frame).await, AckResult::Done);
    let offered = bruno.next_summary_of(conversation).await;
    assert_eq!(offered.members, [anna_id, bruno_id]);
    let offer = TransferOffer {
        from: anna_id,
        to_user: Some(bruno_id),
        to_department: None,
    };
    assert_eq!(interaction(&offered).offer, Some(offer));
    assert_eq!(
        interaction(&offered).agent_id,
        Some(anna_id),
        "still Anna's"
    );
    assert_eq!(
        next_line(&mut anna, conversation).await,
        SystemEvent::TransferOffered {
            by: anna_id,
            to_user: Some(bruno_id),
            to_department: None
        }
    );
    let frame = transfer(&mut anna, conversation, Some(bruno_id));
    assert_eq!(
        anna.error(frame).await,
        ErrorCode::InvalidArgument,
        "one at a time"
    );
    let frame = transfer(&mut bruno, conversation, Some(anna_id));
    assert_eq!(
        bruno.error(frame).await,
        ErrorCode::Forbidden,
        "not his yet"
    );
    let frame = close(&mut bruno, conversation, None);
    assert_eq!(bruno.error(frame).await, ErrorCode::Forbidden);
    let frame = answer(&mut anna, conversation, true, "");
    assert_eq!(
        anna.error(frame).await,
        ErrorCode::Forbidden,
        "not offered to her"
    );
    let frame = text_message(bruno.new_id(), conversation, "Bonjour, Bruno ici");
    assert_eq!(
        bruno.error(frame).await,
        ErrorCode::Forbidden,
        "he may only add notes"
    );
    bruno.note(conversation, "Je regarde le dossier").await;

    let frame = answer(&mut bruno, conversation, false, "En ligne avec un client");
    assert_eq!(bruno.ack(frame).await, AckResult::Done);
    loop {
        if let SystemEvent::TransferRefused { user_id, reason } =
            next_line(&mut anna, conversation).await
        {
            assert_eq!(user_id, bruno_id);
            assert_eq!(reason.as_deref(), Some("En ligne avec un client"));
            break;
        }
    }
    wait_removed(&mut bruno, conversation).await;
    let kept = anna.next_summary_of(conversation).await;
    assert_eq!(kept.members, [anna_id]);
    assert_eq!(interaction(&kept).offer, None);
    assert_eq!(interaction(&kept).agent_id, Some(anna_id));
    let frame = answer(&mut bruno, conversation, true, "");
    assert_eq!(
        bruno.error(frame).await,
        ErrorCode::NotFound,
        "no longer his to see"
    );
    let frame = answer(&mut anna, conversation, true, "");
    assert_eq!(
        anna.error(frame).await,
        ErrorCode::InvalidArgument,
        "nothing pending"
    );

    let frame = transfer(&mut anna, conversation, Some(bruno_id));
    anna.ack(frame).await;
    bruno.next_summary_of(conversation).await;
    let frame = answer(&mut bruno, conversation, true, "");
    assert_eq!(bruno.ack(frame).await, AckResult::Done);
    loop {
        if let SystemEvent::TransferAccepted { user_id } = next_line(&mut anna, conversation).await
        {
            assert_eq!(user_id, bruno_id);
            break;
        }
    }
    wait_removed(&mut anna, conversation).await;
    let taken = bruno.next_summary_of(conversation).await;
    assert_eq!(taken.members, [bruno_id]);
    assert_eq!(interaction(&taken).agent_id, Some(bruno_id));
    let frame = text_message(anna.new_id(), conversation, "encore moi");
    assert_eq!(anna.error(frame).await, ErrorCode::NotFound);
    let reply = bruno
        .send_message(conversation, "Bruno a repris votre demande")
        .await;
    let files = wait_for_files(&cc.gateway_dir(), 1).await;
    assert_eq!(files[0].1["message_id"], reply.id);
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_transfer_to_a_department_reaches_its_agents_only() {
    let cc = start("transfer-department", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, welcome) = Client::login(addr, "anna").await;
    let bruno_id = user_id(&welcome, "bruno");
    let department = |name: &str| {
        welcome
            .departments
            .iter()
            .find(|d| d.name == name)
            .unwrap()
            .id
    };
    let (support, engineering) = (department("Support"), department("Engineering"));
    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let (mut carol, _) = Client::login(addr, "carol").await;
    // Anna online, Bruno too: the lowest id, Anna, gets it.
    let (conversation, _) = sms(addr, "d1", "+33612345678", "Bonjour").await;
    anna.next_summary_of(conversation).await;

    for department in [engineering, 9999] {
        let frame = ClientFrame::TransferInteraction {
            id: anna.new_id(),
            conversation_id: conversation,
            to_user: None,
            to_department: Some(department),
        };
        assert_eq!(
            anna.error(frame).await,
            ErrorCode::InvalidArgument,
            "no agent there"
        );
    }
    let frame = ClientFrame::TransferInteraction {
        id: anna.new_id(),
        conversation_id: conversation,
        to_user: None,
        to_department: Some(support),
    };
    assert_eq!(anna.ack(frame).await, AckResult::Done);
    let offered = bruno.next_summary_of(conversation).await;
    assert_eq!(
        interaction(&offered).offer.as_ref().unwrap().to_department,
        Some(support)
    );
    let frame = answer(&mut bruno, conversation, true, "");
    assert_eq!(bruno.ack(frame).await, AckResult::Done);
    let taken = bruno.next_summary_of(conversation).await;
    assert_eq!(interaction(&taken).agent_id, Some(bruno_id));
    // Carol works in Support but is no agent: she never saw it.
    let seen: Vec<Event> = carol
        .drain_events()
        .await
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| !matches!(e, Event::Presence { .. }))
        .collect();
    assert!(seen.is_empty(), "{seen:?}");
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn closing_takes_a_known_disposition_and_leaves_the_interaction_read_only() {
    let cc = start("close", |c| c.contact_center.require_disposition = true).await;
    let addr = cc.addr();
    let (mut anna, welcome) = Client::login(addr, "anna").await;
    let (anna_id, bruno_id) = (welcome.me.id, user_id(&welcome, "bruno"));
    assert!(welcome.contact_center.unwrap().require_disposition);
    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let (conversation, _) = sms(addr, "c1", "+33612345678", "Merci !").await;
    anna.next_summary_of(conversation).await;

    let frame = close(&mut bruno, conversation, Some("resolved"));
    assert_eq!(bruno.error(frame).await, ErrorCode::NotFound);
    for disposition in [None, Some("sold"), Some("")] {
        let frame = close(&mut anna, conversation, disposition);
        assert_eq!(
            anna.error(frame).await,
            ErrorCode::InvalidArgument,
            "{disposition:?}"
        );
    }
    // A pending offer is withdrawn by the close.
    let frame = transfer(&mut anna, conversation, Some(bruno_id));
    anna.ack(frame).await;
    bruno.next_summary_of(conversation).await;
    let closing = close(&mut anna, conversation, Some("resolved"));
    assert_eq!(anna.ack(closing.clone()).await, AckResult::Done);
    let offered = next_line(&mut bruno, conversation).await;
    assert!(matches!(offered, SystemEvent::TransferOffered { .. }));
    assert_eq!(
        next_line(&mut bruno, conversation).await,
        SystemEvent::Closed {
            by: Some(anna_id),
            disposition: Some("resolved".into())
        }
    );
    wait_removed(&mut bruno, conversation).await;
    let done = loop {
        let summary = anna.next_summary_of(conversation).await;
        if interaction(&summary).state == InteractionState::Done {
            break summary;
        }
    };
    let info = interaction(&done);
    assert_eq!(info.disposition.as_deref(), Some("resolved"));
    assert_eq!((info.offer.as_ref(), info.closes_at), (None, None));
    assert_eq!(done.members, [anna_id]);

    assert_eq!(
        anna.ack(closing).await,
        AckResult::Done,
        "a resend: the first answer"
    );
    let frame = close(&mut anna, conversation, Some("resolved"));
    assert_eq!(
        anna.error(frame).await,
        ErrorCode::InvalidArgument,
        "already done"
    );
    let frame = text_message(anna.new_id(), conversation, "Autre chose ?");
    assert_eq!(
        anna.error(frame).await,
        ErrorCode::InvalidArgument,
        "read-only"
    );
    // The contact writes again: a new session.
    let (next, _) = sms(addr, "c2", "+33612345678", "Encore une question").await;
    assert_ne!(next, conversation);
    assert_eq!(
        interaction(&anna.next_summary_of(next).await).recent_interactions,
        2
    );
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_contacts_history_is_for_agents_newest_first() {
    let cc = start("history", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let mut conversations = Vec::new();
    for n in 1..=3 {
        let (conversation, _) =
            page(addr, &format!("h{n}"), "+33612345678", &format!("page {n}")).await;
        conversations.push(conversation);
    }
    let newest = anna.next_summary_of(conversations[2]).await;
    let contact = interaction(&newest).contact.id;
    assert_eq!(interaction(&newest).recent_interactions, 3);

    let (mut bruno, _) = Client::login(addr, "bruno").await;
    let frame = history_of(&mut bruno, contact, 10);
    let AckResult::Interactions { interactions } = bruno.ack(frame).await else {
        panic!("expected interactions");
    };
    let listed: Vec<(i64, String)> = interactions
        .iter()
        .map(|s| (s.id, s.last_message.as_ref().unwrap().text.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            (conversations[2], "page 3".to_owned()),
            (conversations[1], "page 2".to_owned()),
            (conversations[0], "page 1".to_owned()),
        ]
    );
    assert!(
        interactions.iter().all(|s| s.unread == 0),
        "not his to read"
    );
    let frame = history_of(&mut bruno, contact, 2);
    let AckResult::Interactions { interactions } = bruno.ack(frame).await else {
        panic!("expected interactions");
    };
    assert_eq!(interactions.len(), 2);
    // Any agent reads the messages too, member or not.
    let (messages, _) = bruno.history(conversations[0], None, 10).await;
    assert_eq!(messages[0].text, "page 1");

    let (mut carol, _) = Client::login(addr, "carol").await;
    let frame = history_of(&mut carol, contact, 10);
    assert_eq!(carol.error(frame).await, ErrorCode::Forbidden);
    let frame = ClientFrame::LoadHistory {
        id: carol.new_id(),
        conversation_id: conversations[0],
        before: None,
        limit: 10,
    };
    assert_eq!(carol.error(frame).await, ErrorCode::NotFound);
    let frame = history_of(&mut anna, 99_999, 10);
    assert_eq!(anna.error(frame).await, ErrorCode::NotFound);
    let frame = history_of(&mut anna, contact, 0);
    assert_eq!(anna.error(frame).await, ErrorCode::InvalidArgument);
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_silent_session_is_warned_then_closed_and_any_message_restarts_the_clock() {
    let cc = start("inactivity", |c| {
        c.contact_center.session_timeout = Duration::from_millis(2000);
        c.contact_center.session_warning = Duration::from_millis(1000);
    })
    .await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let (pages, _) = page(addr, "i0", "+331111", "une page").await;
    let (session, _) = sms(addr, "i1", "+33612345678", "Bonjour").await;
    let started = anna.next_summary_of(session).await;
    let first_activity = interaction(&started).last_activity;

    let SystemEvent::InactivityWarning { closes_at } = next_line(&mut anna, session).await else {
        panic!("expected the warning first");
    };
    assert_eq!(closes_at, first_activity + 2000);
    // A reply restarts the clock, and re-arms the warning.
    let reply = anna.send_message(session, "Je suis là").await;
    let SystemEvent::InactivityWarning { closes_at } = next_line(&mut anna, session).await else {
        panic!("expected a second warning");
    };
    assert_eq!(closes_at, reply.created_at + 2000);
    assert_eq!(
        next_line(&mut anna, session).await,
        SystemEvent::Closed {
            by: None,
            disposition: None
        }
    );
    let closed = loop {
        let summary = anna.next_summary_of(session).await;
        if interaction(&summary).state == InteractionState::Done {
            break summary;
        }
    };
    assert!(interaction(&closed).closes_at.is_none());
    // The page, older than the timeout by now, stays open.
    let (_again, welcome) = Client::login(addr, "anna").await;
    let page = welcome
        .conversations
        .iter()
        .find(|c| c.id == pages)
        .unwrap();
    assert_eq!(interaction(page).state, InteractionState::Open);
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_mms_image_arrives_as_an_attachment_with_a_thumbnail_and_a_bad_one_stores_nothing() {
    let cc = start("mms", |_| {}).await;
    let addr = cc.addr();
    let anna_token = login(addr, "anna").await;
    let (mut anna, _) = Client::hello(addr, &anna_token).await;
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let body = json!({
        "message_id": "m1", "channel": "sms", "from": "+33612345678", "text": "",
        "media": [{"name": "colis.png", "mime": "image/png", "data": base64(&png(40, 30))}],
    });
    let (conversation, _) = stored(post(addr, &body).await);
    let message = anna.next_message_in(conversation).await;
    assert_eq!(message.attachments.len(), 1);
    let image = &message.attachments[0];
    assert_eq!(
        (
            image.mime.as_str(),
            image.width,
            image.height,
            image.name.as_str()
        ),
        ("image/png", 40, 30, "colis.png")
    );
    let thumbnail = get(addr, &anna_token, &image.thumbnail_url).await;
    assert_eq!(thumbnail.status, 200);
    assert!(thumbnail
        .header("content-type")
        .unwrap()
        .starts_with("image/"));
    let bruno = login(addr, "bruno").await;
    assert_eq!(
        get(addr, &bruno, &image.url).await.status,
        200,
        "agents read interactions"
    );
    let carol = login(addr, "carol").await;
    assert_eq!(get(addr, &carol, &image.url).await.status, 404);

    let files_before = std::fs::read_dir(cc.files.0.join("attachments"))
        .unwrap()
        .count();
    let bad = [
        (base64(b"this is no picture"), "unsupported_type"),
        ("%%% not base64".to_owned(), "bad_media"),
    ];
    for (n, (data, code)) in bad.into_iter().enumerate() {
        let body = json!({
            "message_id": format!("bad{n}"), "channel": "sms", "from": "+33612345678",
            "text": "regardez", "media": [{"name": "x.png", "data": data}],
        });
        let response = post(addr, &body).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["code"], code);
    }
    let (messages, _) = anna.history(conversation, None, 10).await;
    assert_eq!(messages.len(), 1, "nothing stored");
    let files_after = std::fs::read_dir(cc.files.0.join("attachments"))
        .unwrap()
        .count();
    assert_eq!(files_after, files_before, "no file left behind");
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn interaction_commands_refuse_strangers_unknown_ids_and_misuse() {
    let cc = start("refusals", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let (mut carol, welcome) = Client::login(addr, "carol").await;
    let field = welcome
        .conversations
        .iter()
        .find(|c| c.sms)
        .expect("carol's SMS group")
        .id;
    let (conversation, _) = sms(addr, "e1", "+33612345678", "Bonjour").await;
    anna.next_summary_of(conversation).await;

    for id in [conversation, 99_999, field] {
        let frames = [
            transfer(&mut carol, id, Some(1)),
            answer(&mut carol, id, true, ""),
            close(&mut carol, id, None),
        ];
        for frame in frames {
            assert_eq!(carol.error(frame).await, ErrorCode::NotFound, "{id}");
        }
    }
    let note = ClientFrame::SendMessage {
        note: true,
        id: carol.new_id(),
        conversation_id: field,
        text: "pas une interaction".into(),
        importance: messenger_protocol::Importance::Normal,
        attachments: Vec::new(),
    };
    assert_eq!(carol.error(note).await, ErrorCode::InvalidArgument);
    let leave = ClientFrame::LeaveConversation {
        id: anna.new_id(),
        conversation_id: conversation,
    };
    assert_eq!(anna.error(leave).await, ErrorCode::InvalidArgument);
    let add = ClientFrame::AddMembers {
        id: anna.new_id(),
        conversation_id: conversation,
        user_ids: vec![1],
    };
    assert_eq!(anna.error(add).await, ErrorCode::InvalidArgument);
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_web_visitor_is_no_sms_contact_and_its_replies_say_web() {
    let cc = start("web", |c| {
        c.contact_center.inbound_mode = InteractionMode::Page
    })
    .await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let body = json!({
        "message_id": "w1", "channel": "web", "from": "visitor-42", "text": "Hello?",
        "future_field": {"ignored": true},
    });
    let (conversation, _) = stored(post(addr, &body).await);
    let summary = anna.next_summary_of(conversation).await;
    assert!(!summary.sms);
    assert_eq!(summary.title.as_deref(), Some("visitor-42"));
    let info = interaction(&summary);
    assert_eq!(info.contact.channel, ContactChannel::Web);
    assert_eq!(info.contact.phone, None);
    assert_eq!(
        info.mode,
        InteractionMode::Page,
        "the server's default mode"
    );
    anna.send_message(conversation, "Hi, how can I help?").await;
    let files = wait_for_files(&cc.gateway_dir(), 1).await;
    assert_eq!(files[0].1["channel"], "web");
    assert_eq!(files[0].1["to"], "visitor-42");
    cc.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_agents_or_inbound_department_stop_the_server_from_starting() {
    let db = TempDb::new("cc-config");
    let files = FilesDir(db.path().with_extension("files"));
    let mut bad_agent = config(&db, &files.0);
    bad_agent.contact_center.agents = vec!["anna".into(), "nobody".into()];
    let error = messenger_server::start(bad_agent).await.err().unwrap();
    assert!(
        error.to_string().contains("no user named nobody"),
        "{error}"
    );
    let mut bad_department = config(&db, &files.0);
    bad_department.contact_center.inbound_department = Some(999);
    let error = messenger_server::start(bad_department).await.err().unwrap();
    assert!(error.to_string().contains("no department 999"), "{error}");
    // --agents makes Carol one: her welcome says so.
    let mut with_carol = config(&db, &files.0);
    with_carol.contact_center.agents = vec!["carol".into()];
    let server = messenger_server::start(with_carol).await.unwrap();
    let (_carol, welcome) = Client::login(server.local_addr(), "carol").await;
    assert!(welcome.contact_center.is_some());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_mailbox_shows_a_contacts_messages_and_replies_but_no_note() {
    let cc = start("mailbox", |_| {}).await;
    let addr = cc.addr();
    let (mut anna, _) = Client::login(addr, "anna").await;
    let (conversation, _) = sms(addr, "m1", "+33612345678", "Où est mon colis ?").await;
    anna.next_message_in(conversation).await;
    let reply = text_message(anna.new_id(), conversation, "Je regarde");
    anna.ack(reply).await;
    anna.note(conversation, "Deuxième retard ce mois-ci").await;
    let inbox = ClientFrame::ListMailbox {
        id: anna.new_id(),
        folder: MailFolder::Inbox,
        before: None,
        limit: 50,
    };
    let sent = ClientFrame::ListMailbox {
        id: anna.new_id(),
        folder: MailFolder::Sent,
        before: None,
        limit: 50,
    };
    let texts = |result: AckResult| match result {
        AckResult::Mailbox { messages, .. } => messages
            .into_iter()
            .map(|m| (m.text, m.contact_id.is_some(), m.note))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        texts(anna.ack(inbox).await),
        [("Où est mon colis ?".to_string(), true, false)]
    );
    assert_eq!(
        texts(anna.ack(sent).await),
        [("Je regarde".to_string(), false, false)],
        "the note is in no folder"
    );
    cc.server.shutdown().await.unwrap();
}
