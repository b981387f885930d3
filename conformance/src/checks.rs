//! The checks, each a scenario a real client lives through. Every check opens its own
//! connections and closes them, so they can run in any order and alone (`--only`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use messenger_protocol::{
    AckResult, ClientFrame, ConversationId, ErrorCode, Event, Importance, Message, MessageId,
    Notification, NotificationId, ResetReason, ResumePosition, ServerFrame, UserId, Welcome,
    CLOSE_BAD_HELLO, CLOSE_MESSAGE_TOO_BIG, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION,
    PROTOCOL_VERSION,
};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::client::{brief, Check, Conn, HelloAnswer};
use crate::http::{self, BaseUrl};
use crate::{Credential, Target};
use fallback::{http_commands, http_events};
use files::file_reads;
use interactions::interaction_refusals;
use mailbox::mailbox_listing;
use ranges::{binary_frames_cost_tokens, mark_read_rules, out_of_range_values};
use spelling::spell_check_arguments;

pub type BoxCheck<'a> = Pin<Box<dyn Future<Output = Check> + Send + 'a>>;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        pub const ALL: &[(&str, for<'a> fn(&'a Ctx) -> BoxCheck<'a>)] = &[
            $((stringify!($name), {
                fn boxed(ctx: &Ctx) -> BoxCheck<'_> {
                    Box::pin($name(ctx))
                }
                boxed
            }),)*
        ];
    };
}

checks![
    handshake,
    bad_token,
    malformed_hello,
    version_mismatch,
    send_ack,
    idempotent_resend,
    resume_after_drop,
    resume_nothing_missed,
    resume_wrong_epoch,
    history_paging,
    authorization,
    conversation_notifications_read,
    message_too_large,
    frame_too_large,
    frame_over_hard_cap,
    rate_limit,
    malformed_frames,
    out_of_range_values,
    mark_read_rules,
    binary_frames_cost_tokens,
    http_events,
    http_commands,
    file_reads,
    spell_check_arguments,
    interaction_refusals,
    mailbox_listing,
    server_still_accepts,
];

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

// After `ensure!`, which they use.
mod fallback;
mod files;
mod interactions;
mod mailbox;
mod ranges;
mod spelling;

/// The three users, logged in, with their ids.
pub struct Ctx {
    base: BaseUrl,
    /// Each user's node's WebSocket; anonymous connections go to the first.
    ws_urls: Vec<String>,
    tokens: Vec<String>,
    ids: Vec<UserId>,
    /// Makes command ids and texts unique across runs against a long-lived server.
    run: String,
    counter: AtomicU64,
}

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

impl Ctx {
    pub async fn login(target: &Target) -> Check<Ctx> {
        ensure!(
            target.users.len() >= 3,
            "three users are needed (--user or --token three times), got {}",
            target.users.len()
        );
        let ws_urls: Vec<String> = (0..3).map(|i| target.node_of(i).ws_url()).collect();
        let mut tokens = Vec::new();
        let mut ids = Vec::new();
        for (i, credential) in target.users[..3].iter().enumerate() {
            let token = token_for(target.node_of(i), credential).await?;
            let (conn, welcome) = Conn::welcome(&ws_urls[i], &token)
                .await
                .map_err(|e| format!("hello as {}: {e}", credential.name()))?;
            conn.close().await;
            ensure!(
                !ids.contains(&welcome.me.id),
                "{} is the same user as an earlier one; three distinct users are needed",
                credential.name()
            );
            tokens.push(token);
            ids.push(welcome.me.id);
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Ok(Ctx {
            base: target.base.clone(),
            ws_urls,
            tokens,
            ids,
            run: format!("{:x}{:x}", nanos & 0xffff_ffff_ffff, std::process::id()),
            counter: AtomicU64::new(0),
        })
    }

    /// A command id no earlier run used.
    fn id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("conformance-{}-{n}", self.run)
    }

    async fn connect(&self, user: usize) -> Check<(Conn, Welcome)> {
        Conn::welcome(&self.ws_urls[user], &self.tokens[user]).await
    }

    async fn direct(&self, conn: &mut Conn, with: usize) -> Check<ConversationId> {
        let frame = ClientFrame::OpenDirect {
            id: self.id(),
            user_id: self.ids[with],
        };
        match conn.ack(&frame).await? {
            AckResult::Conversation { conversation } => Ok(conversation.id),
            other => Err(format!("open_direct acked with {other:?}")),
        }
    }

    fn send_frame(&self, conversation: ConversationId, text: &str) -> ClientFrame {
        ClientFrame::SendMessage {
            note: false,
            id: self.id(),
            conversation_id: conversation,
            text: text.to_owned(),
            importance: Importance::Normal,
            attachments: Vec::new(),
        }
    }

    async fn send(
        &self,
        conn: &mut Conn,
        conversation: ConversationId,
        text: &str,
    ) -> Check<Message> {
        sent(conn.ack(&self.send_frame(conversation, text)).await?)
    }

    async fn drain(&self, conn: &mut Conn) -> Check<Vec<(u64, Event)>> {
        conn.drain(&self.id()).await
    }
}

async fn token_for(base: &BaseUrl, credential: &Credential) -> Check<String> {
    let (username, password) = match credential {
        Credential::Token { token, .. } => return Ok(token.clone()),
        Credential::Password { username, password } => (username, password),
    };
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let response = http::request(
        base,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await?;
    let text = String::from_utf8_lossy(&response.body);
    ensure!(
        response.status == 200,
        "login of {username} answered {}: {text}",
        response.status
    );
    let value: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("login answer is not JSON ({e}): {text}"))?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("login answer has no token: {text}"))
}

fn sent(result: AckResult) -> Check<Message> {
    match result {
        AckResult::MessageSent { message } => Ok(message),
        other => Err(format!("send_message acked with {other:?}")),
    }
}

fn created(event: &Event) -> Option<&Message> {
    match event {
        Event::MessageCreated { message } => Some(message),
        _ => None,
    }
}

fn is_message(id: MessageId) -> impl Fn(&Event) -> bool {
    move |event| created(event).is_some_and(|m| m.id == id)
}

fn expect_code(got: (ErrorCode, String), want: ErrorCode, what: &str) -> Check {
    ensure!(
        got.0 == want,
        "{what}: expected {want:?}, got {:?} ({})",
        got.0,
        got.1
    );
    Ok(())
}

async fn handshake(ctx: &Ctx) -> Check {
    let (conn, welcome) = ctx.connect(ALICE).await?;
    conn.close().await;
    ensure!(
        welcome.protocol_version == PROTOCOL_VERSION,
        "welcome.protocol_version is {}",
        welcome.protocol_version
    );
    ensure!(!welcome.epoch.is_empty(), "welcome.epoch is empty");
    ensure!(
        welcome.me.id == ctx.ids[ALICE],
        "welcome.me changed between connections"
    );
    ensure!(
        welcome.users.iter().any(|u| u.id == welcome.me.id),
        "welcome.users does not include me"
    );
    for conversation in &welcome.conversations {
        ensure!(
            conversation.members.contains(&welcome.me.id),
            "conversation {} is listed but I am not a member",
            conversation.id
        );
    }
    ensure!(
        welcome.limits.max_frame_bytes > welcome.limits.max_message_bytes,
        "limits: max_frame_bytes {} must exceed max_message_bytes {}",
        welcome.limits.max_frame_bytes,
        welcome.limits.max_message_bytes
    );
    Ok(())
}

/// The answer to a refused `hello`: the error `code` without a command id, then the close
/// code `close`.
async fn hello_refused(conn: &mut Conn, code: ErrorCode, close: u16) -> Check {
    let (got, id) = conn.connection_error().await?;
    ensure!(got == code, "expected {code:?}, got {got:?}");
    ensure!(id.is_none(), "the hello error carries an id {id:?}");
    let closed = conn.recv_close_code().await?;
    ensure!(closed == close, "closed with {closed}, expected {close}");
    Ok(())
}

async fn bad_token(ctx: &Ctx) -> Check {
    let mut conn = Conn::open(&ctx.ws_urls[ALICE]).await?;
    conn.send(&ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION,
        token: format!("not-a-token-{}", ctx.run),
        resume: None,
    })
    .await?;
    hello_refused(&mut conn, ErrorCode::Unauthorized, CLOSE_UNAUTHORIZED).await
}

/// A `hello` whose fields do not parse is the client's bug, not its token's: `bad_frame`, close
/// 4003, and the same token still opens a session.
async fn malformed_hello(ctx: &Ctx) -> Check {
    let mut conn = Conn::open(&ctx.ws_urls[ALICE]).await?;
    let hello = serde_json::json!({
        "type": "hello",
        "protocol_version": PROTOCOL_VERSION,
        "token": ctx.tokens[ALICE],
        "resume": {"epoch": "e", "seq": "not a number"},
    });
    conn.send_text(hello.to_string()).await?;
    hello_refused(&mut conn, ErrorCode::BadFrame, CLOSE_BAD_HELLO).await?;
    let (again, _) = Conn::welcome(&ctx.ws_urls[ALICE], &ctx.tokens[ALICE]).await?;
    again.close().await;
    Ok(())
}

async fn version_mismatch(ctx: &Ctx) -> Check {
    let mut conn = Conn::open(&ctx.ws_urls[ALICE]).await?;
    conn.send(&ClientFrame::Hello {
        protocol_version: PROTOCOL_VERSION + 98,
        token: ctx.tokens[ALICE].clone(),
        resume: None,
    })
    .await?;
    hello_refused(
        &mut conn,
        ErrorCode::UnsupportedVersion,
        CLOSE_UNSUPPORTED_VERSION,
    )
    .await
}

async fn send_ack(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let frame = ctx.send_frame(conversation, &format!("hello bob {}", ctx.run));
    let id = frame.command_id().unwrap_or_default().to_owned();
    let message = sent(alice.ack(&frame).await?)?;
    ensure!(
        message.client_id.as_deref() == Some(id.as_str()),
        "message.client_id is {:?}, expected the command id {id}",
        message.client_id
    );
    ensure!(
        message.conversation_id == conversation,
        "message.conversation_id is {}",
        message.conversation_id
    );
    ensure!(
        message.sender_id == ctx.ids[ALICE],
        "message.sender_id is {}",
        message.sender_id
    );
    ensure!(
        message.text == format!("hello bob {}", ctx.run),
        "message.text changed: {:?}",
        message.text
    );
    let events = bob.events_until(is_message(message.id)).await?;
    let delivered = created(&events[events.len() - 1].1);
    ensure!(
        delivered == Some(&message),
        "the recipient got {delivered:?}, the sender's ack said {message:?}"
    );
    let own = ctx.drain(&mut alice).await?;
    ensure!(
        own.iter()
            .filter(|(_, e)| is_message(message.id)(e))
            .count()
            == 1,
        "the sender's other tabs need the message_created event too; got {own:?}"
    );
    alice.close().await;
    bob.close().await;
    Ok(())
}

async fn idempotent_resend(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let frame = ctx.send_frame(conversation, "sent twice, stored once");
    let first = sent(alice.ack(&frame).await?)?;
    // As after a lost ack: the same frame on a new connection.
    alice.close().await;
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let again = sent(alice.ack(&frame).await?)?;
    ensure!(
        again == first,
        "the resend answered {again:?}, the first send {first:?}"
    );
    let marker = ctx.send(&mut alice, conversation, "marker").await?;
    let events = bob.events_until(is_message(marker.id)).await?;
    let copies = events
        .iter()
        .filter(|(_, e)| is_message(first.id)(e))
        .count();
    ensure!(
        copies == 1,
        "the recipient got {copies} message_created events for one message"
    );
    let (history, _) = history_page(ctx, &mut bob, conversation, None, 10).await?;
    let stored = history
        .iter()
        .filter(|m| m.client_id == first.client_id)
        .count();
    ensure!(
        stored == 1,
        "history holds {stored} copies of the resent message"
    );
    alice.close().await;
    bob.close().await;
    Ok(())
}

async fn resume_after_drop(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let (mut bob, welcome) = ctx.connect(BOB).await?;
    ctx.drain(&mut bob).await?;
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: bob.last_seq,
    };
    bob.close().await;
    let mut missed = Vec::new();
    for i in 0..3 {
        missed.push(
            ctx.send(
                &mut alice,
                conversation,
                &format!("while you were away {i}"),
            )
            .await?
            .id,
        );
    }
    let (mut bob, answer) =
        Conn::hello(&ctx.ws_urls[BOB], &ctx.tokens[BOB], Some(position.clone())).await?;
    let until = match answer {
        HelloAnswer::Resumed { epoch, seq, until } => {
            ensure!(epoch == position.epoch, "resumed in epoch {epoch}, asked for {}", position.epoch);
            ensure!(seq == position.seq, "resumed at seq {seq}, asked for {}", position.seq);
            ensure!(
                until >= seq + missed.len() as u64,
                "resumed.until is {until}, but {} messages were missed after seq {seq}",
                missed.len()
            );
            until
        }
        HelloAnswer::Welcome(welcome) => {
            return Err(format!(
                "a resume from a position the server must still know was answered with a welcome (reset: {:?})",
                welcome.reset
            ))
        }
    };
    let marker = ctx.send(&mut alice, conversation, "welcome back").await?.id;
    let events = bob.events_until(is_message(marker)).await?;
    // The replay is `seq + 1 ..= until`: it holds every missed message, and its last event
    // is `until`; the marker, sent after the resume, comes live after it.
    for (seq, event) in &events {
        let Some(message) = created(event) else {
            continue;
        };
        if missed.contains(&message.id) {
            ensure!(
                *seq <= until,
                "missed message {} came at seq {seq}, after resumed.until {until}",
                message.id
            );
        } else if message.id == marker {
            ensure!(
                *seq > until,
                "a message sent after the resume came at seq {seq}, inside the replay up to resumed.until {until}"
            );
        }
    }
    ensure!(
        events.iter().any(|(seq, _)| *seq == until),
        "no event with seq resumed.until ({until}) arrived before the live message"
    );
    for (expected, (seq, event)) in (position.seq + 1..).zip(&events) {
        ensure!(
            *seq == expected,
            "after seq {} came seq {seq} ({event:?}): a gap or a duplicate",
            expected - 1
        );
    }
    let replayed: Vec<MessageId> = events
        .iter()
        .filter_map(|(_, e)| created(e))
        .filter(|m| m.conversation_id == conversation)
        .map(|m| m.id)
        .collect();
    let mut want = missed.clone();
    want.push(marker);
    ensure!(
        replayed == want,
        "messages replayed then live: {replayed:?}, expected {want:?}"
    );
    alice.close().await;
    bob.close().await;
    Ok(())
}

async fn resume_nothing_missed(ctx: &Ctx) -> Check {
    let (mut bob, welcome) = ctx.connect(BOB).await?;
    ctx.drain(&mut bob).await?;
    let position = ResumePosition {
        epoch: welcome.epoch.clone(),
        seq: bob.last_seq,
    };
    bob.close().await;
    let (mut bob, answer) =
        Conn::hello(&ctx.ws_urls[BOB], &ctx.tokens[BOB], Some(position.clone())).await?;
    match answer {
        HelloAnswer::Resumed { seq, until, .. } => ensure!(
            seq == position.seq && until == seq,
            "nothing happened to bob since seq {}, yet resumed says seq {seq}, until {until}",
            position.seq
        ),
        HelloAnswer::Welcome(welcome) => {
            return Err(format!(
                "a resume at the current position was answered with a welcome (reset: {:?})",
                welcome.reset
            ))
        }
    }
    // And the replay is indeed empty: the first event, if any, is a live one after `until`.
    let events = ctx.drain(&mut bob).await?;
    if let Some((seq, event)) = events.first() {
        ensure!(
            *seq == position.seq + 1,
            "after an empty replay came seq {seq} ({event:?}), expected {}",
            position.seq + 1
        );
    }
    bob.close().await;
    Ok(())
}

async fn resume_wrong_epoch(ctx: &Ctx) -> Check {
    let (conn, welcome) = ctx.connect(BOB).await?;
    conn.close().await;
    let cases = [
        (
            ResumePosition {
                epoch: format!("not-an-epoch-{}", ctx.run),
                seq: 1,
            },
            ResetReason::EpochChanged,
            "another epoch",
        ),
        (
            ResumePosition {
                epoch: welcome.epoch.clone(),
                seq: welcome.seq + 1_000_000,
            },
            ResetReason::TooOld,
            "a seq ahead of the server",
        ),
    ];
    for (position, reason, what) in cases {
        let (conn, answer) =
            Conn::hello(&ctx.ws_urls[BOB], &ctx.tokens[BOB], Some(position)).await?;
        conn.close().await;
        match answer {
            HelloAnswer::Welcome(welcome) => ensure!(
                welcome.reset == Some(reason),
                "resume from {what}: welcome.reset is {:?}, expected {reason:?}",
                welcome.reset
            ),
            HelloAnswer::Resumed { .. } => {
                return Err(format!("resume from {what} was answered with resumed"))
            }
        }
    }
    Ok(())
}

async fn history_page(
    ctx: &Ctx,
    conn: &mut Conn,
    conversation: ConversationId,
    before: Option<MessageId>,
    limit: u32,
) -> Check<(Vec<Message>, bool)> {
    let frame = ClientFrame::LoadHistory {
        id: ctx.id(),
        conversation_id: conversation,
        before,
        limit,
    };
    match conn.ack(&frame).await? {
        AckResult::History {
            messages, has_more, ..
        } => Ok((messages, has_more)),
        other => Err(format!("load_history acked with {other:?}")),
    }
}

async fn history_paging(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, CAROL).await?;
    let mut mine = Vec::new();
    for i in 0..7 {
        mine.push(
            ctx.send(&mut alice, conversation, &format!("page me {i}"))
                .await?
                .id,
        );
    }
    let (whole, _) = history_page(ctx, &mut alice, conversation, None, 20).await?;
    let mut paged: Vec<MessageId> = Vec::new();
    let mut before = None;
    for _ in 0..10 {
        let (page, has_more) = history_page(ctx, &mut alice, conversation, before, 3).await?;
        ensure!(page.len() <= 3, "asked for 3, got {}", page.len());
        let ids: Vec<MessageId> = page.iter().map(|m| m.id).collect();
        ensure!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "a page is not oldest first: {ids:?}"
        );
        if let (Some(last), Some(older)) = (ids.last(), paged.first()) {
            ensure!(
                last < older,
                "page {ids:?} overlaps or follows the newer page starting at {older}"
            );
        }
        paged.splice(0..0, ids.iter().copied());
        before = ids.first().copied();
        if !has_more || page.is_empty() || paged.len() >= whole.len() {
            break;
        }
    }
    let whole: Vec<MessageId> = whole.iter().map(|m| m.id).collect();
    let tail = &paged[paged.len().saturating_sub(whole.len())..];
    ensure!(
        tail == whole,
        "paging by 3 gave {tail:?}, one page of 20 gave {whole:?}"
    );
    ensure!(
        whole.ends_with(&mine),
        "the 7 messages just sent are not the newest, in order: {whole:?} vs {mine:?}"
    );
    alice.close().await;
    Ok(())
}

async fn authorization(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let (mut carol, welcome) = ctx.connect(CAROL).await?;
    ensure!(
        welcome.conversations.iter().all(|c| c.id != conversation),
        "carol's welcome lists alice and bob's direct conversation"
    );
    let secret = ctx.send(&mut alice, conversation, "between us").await?;
    let refused = carol
        .refusal(&ctx.send_frame(conversation, "let me in"))
        .await?;
    expect_code(refused, ErrorCode::NotFound, "send_message by a non-member")?;
    let frame = ClientFrame::LoadHistory {
        id: ctx.id(),
        conversation_id: conversation,
        before: None,
        limit: 10,
    };
    expect_code(
        carol.refusal(&frame).await?,
        ErrorCode::NotFound,
        "load_history by a non-member",
    )?;
    let frame = ClientFrame::MarkRead {
        id: ctx.id(),
        conversation_id: conversation,
        message_id: secret.id,
    };
    expect_code(
        carol.refusal(&frame).await?,
        ErrorCode::NotFound,
        "mark_read by a non-member",
    )?;
    // Probing an id that does not exist must look the same as one that is not yours.
    let frame = ClientFrame::LoadHistory {
        id: ctx.id(),
        conversation_id: i64::MAX - 7,
        before: None,
        limit: 10,
    };
    expect_code(
        carol.refusal(&frame).await?,
        ErrorCode::NotFound,
        "load_history of a missing conversation",
    )?;
    let leaked: Vec<_> = ctx
        .drain(&mut carol)
        .await?
        .into_iter()
        .filter(|(_, e)| created(e).is_some_and(|m| m.conversation_id == conversation))
        .collect();
    ensure!(
        leaked.is_empty(),
        "carol was sent messages of a conversation she is not in: {leaked:?}"
    );
    alice.close().await;
    carol.close().await;
    Ok(())
}

impl Ctx {
    fn mark_conversation(&self, conversation: ConversationId) -> ClientFrame {
        ClientFrame::MarkConversationNotificationsRead {
            id: self.id(),
            conversation_id: conversation,
        }
    }

    /// `(newest notifications, unread count)`.
    async fn notifications(&self, conn: &mut Conn) -> Check<(Vec<Notification>, u32)> {
        let frame = ClientFrame::ListNotifications {
            id: self.id(),
            before: None,
            limit: 20,
        };
        match conn.ack(&frame).await? {
            AckResult::Notifications {
                notifications,
                unread,
                ..
            } => Ok((notifications, unread)),
            other => Err(format!("list_notifications acked with {other:?}")),
        }
    }
}

fn notifications_read(event: &Event) -> Option<(&[NotificationId], bool, u32)> {
    match event {
        Event::NotificationsRead {
            notification_ids,
            all,
            unread,
        } => Some((notification_ids, *all, *unread)),
        _ => None,
    }
}

async fn conversation_notifications_read(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let (mut other_tab, _) = ctx.connect(ALICE).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    let (mut carol, _) = ctx.connect(CAROL).await?;
    let with_bob = ctx.direct(&mut bob, ALICE).await?;
    let with_carol = ctx.direct(&mut carol, ALICE).await?;
    // What an earlier run may have left unread about these must not count.
    for conversation in [with_bob, with_carol] {
        alice.ack(&ctx.mark_conversation(conversation)).await?;
    }
    ctx.drain(&mut alice).await?;
    ctx.drain(&mut other_tab).await?;

    let high = |conversation, text: &str| ClientFrame::SendMessage {
        note: false,
        id: ctx.id(),
        conversation_id: conversation,
        text: format!("{text} {}", ctx.run),
        importance: Importance::High,
        attachments: Vec::new(),
    };
    sent(bob.ack(&high(with_bob, "urgent")).await?)?;
    sent(bob.ack(&high(with_bob, "still urgent")).await?)?;
    sent(carol.ack(&high(with_carol, "urgent too")).await?)?;
    let mut about_bob = Vec::new();
    let mut about_carol = Vec::new();
    alice
        .events_until(|event| {
            if let Event::NotificationCreated { notification } = event {
                if notification.conversation_id == Some(with_bob) {
                    about_bob.push(notification.id);
                } else if notification.conversation_id == Some(with_carol) {
                    about_carol.push(notification.id);
                }
            }
            about_bob.len() == 2 && about_carol.len() == 1
        })
        .await
        .map_err(|e| format!("waiting for a notification of each high-importance message: {e}"))?;
    about_bob.sort_unstable();
    let (_, before) = ctx.notifications(&mut alice).await?;

    alice.ack(&ctx.mark_conversation(with_bob)).await?;
    for (who, conn) in [
        ("the tab that asked", &mut alice),
        ("another tab", &mut other_tab),
    ] {
        let events = ctx.drain(conn).await?;
        let read: Vec<_> = events
            .iter()
            .filter_map(|(_, e)| notifications_read(e))
            .collect();
        let [(ids, all, unread)] = read.as_slice() else {
            return Err(format!(
                "{who} got {} notifications_read events, expected one: {read:?}",
                read.len()
            ));
        };
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ensure!(
            ids == about_bob && !all,
            "{who}: notifications_read lists {ids:?} (all: {all}), expected {about_bob:?}"
        );
        ensure!(
            *unread == before.saturating_sub(2),
            "{who}: notifications_read says {unread} unread; {before} before, 2 read"
        );
    }
    let (listed, _) = ctx.notifications(&mut alice).await?;
    for n in listed.iter().filter(|n| about_bob.contains(&n.id)) {
        ensure!(
            n.read,
            "notification {} about the conversation is not read",
            n.id
        );
    }
    let other = listed.iter().find(|n| n.id == about_carol[0]);
    ensure!(
        other.is_some_and(|n| !n.read),
        "the notification about another conversation is read or gone: {other:?}"
    );

    alice.ack(&ctx.mark_conversation(with_bob)).await?;
    let again: Vec<_> = ctx
        .drain(&mut alice)
        .await?
        .into_iter()
        .filter(|(_, e)| notifications_read(e).is_some())
        .collect();
    ensure!(
        again.is_empty(),
        "with nothing left to read, notifications_read was still sent: {again:?}"
    );
    expect_code(
        carol.refusal(&ctx.mark_conversation(with_bob)).await?,
        ErrorCode::NotFound,
        "mark_conversation_notifications_read by a non-member",
    )?;
    expect_code(
        carol.refusal(&ctx.mark_conversation(i64::MAX - 7)).await?,
        ErrorCode::NotFound,
        "mark_conversation_notifications_read of a missing conversation",
    )?;
    alice.ack(&ctx.mark_conversation(with_carol)).await?;
    for conn in [alice, other_tab, bob, carol] {
        conn.close().await;
    }
    Ok(())
}

async fn message_too_large(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let limit = welcome.limits.max_message_bytes;
    let frame = ctx.send_frame(conversation, &"é".repeat(limit / 2 + 1));
    expect_code(
        alice.refusal(&frame).await?,
        ErrorCode::MessageTooLarge,
        "a text one byte over max_message_bytes",
    )?;
    let fits = ctx
        .send(&mut alice, conversation, &"x".repeat(limit))
        .await?;
    ensure!(
        fits.text.len() == limit,
        "a text of exactly max_message_bytes came back with {} bytes",
        fits.text.len()
    );
    alice.close().await;
    Ok(())
}

async fn frame_too_large(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let id = ctx.id();
    let padding = "x".repeat(welcome.limits.max_frame_bytes);
    let text = format!(
        r#"{{"type":"load_history","id":"{id}","conversation_id":1,"limit":1,"padding":"{padding}"}}"#
    );
    alice.send_text(text).await?;
    let (code, got_id) = alice.connection_error().await?;
    ensure!(
        code == ErrorCode::FrameTooLarge,
        "expected frame_too_large, got {code:?}"
    );
    ensure!(
        got_id.is_none() || got_id.as_deref() == Some(id.as_str()),
        "the error names command {got_id:?}, not {id}"
    );
    ctx.direct(&mut alice, BOB)
        .await
        .map_err(|e| format!("the connection no longer works after frame_too_large: {e}"))?;
    alice.close().await;
    Ok(())
}

async fn frame_over_hard_cap(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let cap = welcome.limits.max_socket_frame_bytes;
    ensure!(
        cap >= welcome.limits.max_frame_bytes,
        "limits: max_socket_frame_bytes {cap} is below max_frame_bytes {}",
        welcome.limits.max_frame_bytes
    );
    let id = ctx.id();
    let padding = "x".repeat(cap);
    let text = format!(
        r#"{{"type":"load_history","id":"{id}","conversation_id":1,"limit":1,"padding":"{padding}"}}"#
    );
    let size = text.len();
    alice.send_text(text).await?;
    // A `frame_too_large` naming the command may come first; then the close frame.
    let mut message = alice.recv_ws().await?;
    if let Some(WsMessage::Text(text)) = &message {
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Error {
                code: ErrorCode::FrameTooLarge,
                id: got,
                ..
            }) if got.is_none() || got.as_deref() == Some(id.as_str()) => {}
            _ => return Err(format!("before the close came {text}")),
        }
        message = alice.recv_ws().await?;
    }
    match message {
        Some(WsMessage::Close(Some(frame))) => ensure!(
            u16::from(frame.code) == CLOSE_MESSAGE_TOO_BIG,
            "a frame of {} bytes (max_socket_frame_bytes {cap}) was closed with {} ({}), expected 1009",
            size,
            u16::from(frame.code),
            frame.reason
        ),
        other => {
            return Err(format!(
                "a frame over max_socket_frame_bytes ({cap}) should end in close code 1009, got {other:?}"
            ))
        }
    }
    let (mut again, _) = ctx.connect(ALICE).await?;
    ctx.direct(&mut again, BOB)
        .await
        .map_err(|e| format!("a new connection after the 1009 close does not work: {e}"))?;
    again.close().await;
    Ok(())
}

async fn rate_limit(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let limits = &welcome.limits;
    let burst = limits.command_burst as usize + 20;
    let mut ids = Vec::new();
    for _ in 0..burst {
        let frame = ClientFrame::LoadHistory {
            id: ctx.id(),
            conversation_id: conversation,
            before: None,
            limit: 1,
        };
        ids.push(frame.command_id().unwrap_or_default().to_owned());
        alice.send(&frame).await?;
    }
    let mut limited = 0;
    for id in &ids {
        match alice.answer_to(id).await? {
            ServerFrame::Ack { .. } => {}
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => {
                return Err(format!(
                    "in a burst, {id} was answered with {}",
                    brief(&other)
                ))
            }
        }
    }
    ensure!(
        limited > 0,
        "{burst} commands at once (command_burst {}) were all accepted; expected rate_limited",
        limits.command_burst
    );
    // Enough for a few tokens to come back.
    let per_command = Duration::from_secs(1) / limits.commands_per_second.max(1);
    tokio::time::sleep((per_command * 3).max(Duration::from_millis(100))).await;
    history_page(ctx, &mut alice, conversation, None, 1)
        .await
        .map_err(|e| format!("after waiting, commands are still refused: {e}"))?;
    alice.close().await;
    Ok(())
}

async fn malformed_frames(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let unknown = ctx.id();
    let wrong = ctx.id();
    let cases: Vec<(String, Option<String>)> = vec![
        ("{not json".into(), None),
        ("[1,2,3]".into(), None),
        (r#"{"no_type":true}"#.into(), None),
        (
            format!(r#"{{"type":"launch_rockets","id":"{unknown}"}}"#),
            Some(unknown),
        ),
        (
            format!(r#"{{"type":"send_message","id":"{wrong}","conversation_id":"one","text":5}}"#),
            Some(wrong),
        ),
    ];
    for (text, id) in cases {
        alice.send_text(text.clone()).await?;
        let (code, got) = alice.connection_error().await?;
        ensure!(
            code == ErrorCode::BadFrame,
            "{text}: expected bad_frame, got {code:?}"
        );
        if let Some(id) = id {
            ensure!(
                got.as_deref() == Some(id.as_str()),
                "{text}: the error should name command {id}, named {got:?}"
            );
        }
    }
    alice
        .send_ws(WsMessage::binary(vec![0xff, 0x00, 0xfe]))
        .await?;
    let (code, _) = alice.connection_error().await?;
    ensure!(
        code == ErrorCode::BadFrame,
        "a binary frame: expected bad_frame, got {code:?}"
    );
    ctx.direct(&mut alice, BOB)
        .await
        .map_err(|e| format!("the connection no longer works after malformed frames: {e}"))?;
    alice.close().await;
    Ok(())
}

async fn server_still_accepts(ctx: &Ctx) -> Check {
    for user in [ALICE, BOB, CAROL] {
        let (mut conn, _) = ctx.connect(user).await?;
        ctx.drain(&mut conn).await?;
        conn.close().await;
    }
    Ok(())
}
