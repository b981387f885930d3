//! Values a client may get wrong: out-of-range integers, wrong types, unknown ids. Each gets
//! the documented error code and the connection stays open. Also `mark_read`'s rules and
//! binary frames against the rate limit.

use messenger_protocol::{AckResult, ClientFrame, ErrorCode, Event, ServerFrame};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{expect_code, Ctx, ALICE, BOB, CAROL};
use crate::client::{brief, Check, Conn};

/// One day in milliseconds, for reminder times.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Sends `frame` (a JSON object without `id`) with a fresh id; expects `want` naming it.
async fn expect_refused(ctx: &Ctx, conn: &mut Conn, mut frame: Value, want: ErrorCode) -> Check {
    let id = ctx.id();
    frame["id"] = json!(id);
    let text = frame.to_string();
    conn.send_text(text.clone()).await?;
    match conn.answer_to(&id).await? {
        ServerFrame::Error { code, message, .. } => expect_code((code, message), want, &text),
        other => Err(format!("{text}: expected {want:?}, got {}", brief(&other))),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub(super) async fn out_of_range_values(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let message = ctx.send(&mut alice, conversation, "range probe").await?;
    let huge = 9_007_199_254_740_991_i64; // 2^53 - 1: an integer every JSON reader keeps
    use ErrorCode::{BadFrame, InvalidArgument, NotFound};
    let cases = [
        // Ids that cannot exist, or that the caller cannot see: not_found.
        (json!({"type":"open_direct","user_id":0}), NotFound),
        (json!({"type":"open_direct","user_id":-3}), NotFound),
        (json!({"type":"open_direct","user_id":huge}), NotFound),
        (
            json!({"type":"load_history","conversation_id":0,"limit":10}),
            NotFound,
        ),
        (
            json!({"type":"load_history","conversation_id":-1,"limit":10}),
            NotFound,
        ),
        (
            json!({"type":"load_history","conversation_id":huge,"limit":10}),
            NotFound,
        ),
        (
            json!({"type":"send_message","conversation_id":0,"text":"x"}),
            NotFound,
        ),
        (
            json!({"type":"mark_read","conversation_id":conversation,"message_id":0}),
            NotFound,
        ),
        (
            json!({"type":"mark_read","conversation_id":conversation,"message_id":-1}),
            NotFound,
        ),
        (json!({"type":"join_channel","conversation_id":0}), NotFound),
        (
            json!({"type":"leave_conversation","conversation_id":-1}),
            NotFound,
        ),
        (
            json!({"type":"add_members","conversation_id":huge,"user_ids":[1]}),
            NotFound,
        ),
        (json!({"type":"typing","conversation_id":0}), NotFound),
        (
            json!({"type":"mark_notification_read","notification_id":0}),
            NotFound,
        ),
        (
            json!({"type":"mark_conversation_notifications_read","conversation_id":-1}),
            NotFound,
        ),
        (
            json!({"type":"set_reminder","at":now_ms() + DAY_MS,"text":"x","conversation_id":0}),
            NotFound,
        ),
        // Parsed values outside their range: invalid_argument.
        (
            json!({"type":"load_history","conversation_id":conversation,"limit":0}),
            InvalidArgument,
        ),
        (
            json!({"type":"list_notifications","limit":0}),
            InvalidArgument,
        ),
        (
            json!({"type":"update_settings","settings":{"digest_minutes":0}}),
            InvalidArgument,
        ),
        (
            json!({"type":"update_settings","settings":{"digest_minutes":1441}}),
            InvalidArgument,
        ),
        (
            json!({"type":"set_reminder","at":0,"text":"x"}),
            InvalidArgument,
        ),
        (
            json!({"type":"set_reminder","at":now_ms() + 400 * DAY_MS,"text":"x"}),
            InvalidArgument,
        ),
        (
            json!({"type":"set_presence","presence":"offline"}),
            InvalidArgument,
        ),
        // Values that do not parse as the field's type: bad_frame, naming the command.
        (
            json!({"type":"load_history","conversation_id":conversation,"limit":-1}),
            BadFrame,
        ),
        (
            json!({"type":"load_history","conversation_id":conversation,"limit":4_294_967_296_u64}),
            BadFrame,
        ),
        (
            json!({"type":"load_history","conversation_id":"7","limit":10}),
            BadFrame,
        ),
        (
            json!({"type":"load_history","conversation_id":1.5,"limit":10}),
            BadFrame,
        ),
        (
            json!({"type":"load_history","conversation_id":conversation}),
            BadFrame,
        ),
        (json!({"type":"open_direct","user_id":null}), BadFrame),
        (
            json!({"type":"update_settings","settings":{"digest_minutes":-5}}),
            BadFrame,
        ),
        (
            json!({"type":"send_message","conversation_id":conversation,"text":"x","importance":"urgent"}),
            BadFrame,
        ),
    ];
    for (frame, want) in cases {
        expect_refused(ctx, &mut alice, frame, want).await?;
    }
    // A command id that is not a string cannot be named in the answer.
    alice
        .send_text(r#"{"type":"list_channels","id":7}"#.into())
        .await?;
    let (code, id) = alice.connection_error().await?;
    ensure!(
        code == BadFrame && id.is_none(),
        "a numeric command id: expected bad_frame without id, got {code:?} with {id:?}"
    );
    for id in [String::new(), "x".repeat(129)] {
        let frame = ClientFrame::ListChannels { id };
        expect_code(
            alice.refusal(&frame).await?,
            InvalidArgument,
            "a command id of 0 or 129 bytes",
        )?;
    }
    // Too large a page is served as the largest page, not refused.
    let frame = ClientFrame::LoadHistory {
        id: ctx.id(),
        conversation_id: conversation,
        before: None,
        limit: 1000,
    };
    match alice.ack(&frame).await? {
        AckResult::History { messages, .. } => ensure!(
            messages.len() <= 100 && messages.last().map(|m| m.id) == Some(message.id),
            "load_history with limit 1000 gave {} messages ending with {:?}, expected at most 100 ending with {}",
            messages.len(),
            messages.last().map(|m| m.id),
            message.id
        ),
        other => return Err(format!("load_history acked with {other:?}")),
    }
    ctx.direct(&mut alice, BOB)
        .await
        .map_err(|e| format!("the connection no longer works after refused values: {e}"))?;
    alice.close().await;
    Ok(())
}

fn read_up_to(events: &[(u64, Event)]) -> Vec<(i64, i64)> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::ReadUpTo {
                user_id,
                message_id,
                ..
            } => Some((*user_id, *message_id)),
            _ => None,
        })
        .collect()
}

/// `mark_read` moves the position forward only: an older or equal position is acked and
/// announces nothing. Unknown conversations, messages of another conversation and
/// conversations the caller is not in are `not_found`.
pub(super) async fn mark_read_rules(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    let (mut carol, _) = ctx.connect(CAROL).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let elsewhere = ctx.direct(&mut alice, CAROL).await?;
    let first = ctx.send(&mut alice, conversation, "read me first").await?;
    let second = ctx.send(&mut alice, conversation, "read me second").await?;
    let other = ctx.send(&mut alice, elsewhere, "not in that one").await?;
    ctx.drain(&mut alice).await?;
    ctx.drain(&mut bob).await?;

    let mark = |conversation_id, message_id| ClientFrame::MarkRead {
        id: ctx.id(),
        conversation_id,
        message_id,
    };
    expect_code(
        bob.refusal(&mark(i64::MAX - 11, second.id)).await?,
        ErrorCode::NotFound,
        "mark_read in an unknown conversation",
    )?;
    expect_code(
        bob.refusal(&mark(conversation, other.id)).await?,
        ErrorCode::NotFound,
        "mark_read of a message of another conversation",
    )?;
    expect_code(
        carol.refusal(&mark(conversation, second.id)).await?,
        ErrorCode::NotFound,
        "mark_read by a non-member",
    )?;

    let bob_id = ctx.ids[BOB];
    ensure!(
        matches!(
            bob.ack(&mark(conversation, second.id)).await?,
            AckResult::Done
        ),
        "mark_read was not acked with done"
    );
    let seen = read_up_to(&ctx.drain(&mut alice).await?);
    ensure!(
        seen == [(bob_id, second.id)],
        "after bob marked {} read, alice got read_up_to {seen:?}",
        second.id
    );
    let seen = read_up_to(&ctx.drain(&mut bob).await?);
    ensure!(
        seen == [(bob_id, second.id)],
        "after bob marked {} read, bob got read_up_to {seen:?}",
        second.id
    );

    for (older, what) in [(first.id, "an older"), (second.id, "the same")] {
        ensure!(
            matches!(bob.ack(&mark(conversation, older)).await?, AckResult::Done),
            "mark_read of {what} position was not acked with done"
        );
        for (conn, who) in [(&mut alice, "alice"), (&mut bob, "bob")] {
            let seen = read_up_to(&ctx.drain(conn).await?);
            ensure!(
                seen.is_empty(),
                "marking {what} position ({older}, read up to {}) sent {who} read_up_to {seen:?}",
                second.id
            );
        }
    }
    alice.close().await;
    bob.close().await;
    carol.close().await;
    Ok(())
}

/// A binary frame is answered `bad_frame` and costs a rate-limit token like any frame, so
/// a burst of them leaves the next command `rate_limited`.
pub(super) async fn binary_frames_cost_tokens(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let limits = &welcome.limits;
    // Two seconds' worth more than the burst, so refilling while they are read does not
    // leave a token for the command.
    let frames = limits.command_burst as usize + 2 * limits.commands_per_second as usize;
    for _ in 0..frames {
        alice.send_ws(WsMessage::binary(vec![0x01, 0x02])).await?;
    }
    let probe = ClientFrame::ListChannels { id: ctx.id() };
    alice.send(&probe).await?;
    let mut limited = 0;
    for n in 0..frames {
        match alice.connection_error().await? {
            (ErrorCode::BadFrame, None) => {}
            (ErrorCode::RateLimited, None) => limited += 1,
            (code, id) => {
                return Err(format!(
                    "binary frame {n} was answered {code:?} (id {id:?}), expected bad_frame or rate_limited"
                ))
            }
        }
    }
    ensure!(
        limited > 0,
        "{frames} binary frames at once (command_burst {}) were all answered bad_frame: they take no token",
        limits.command_burst
    );
    let id = probe.command_id().unwrap_or_default().to_owned();
    match alice.answer_to(&id).await? {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            ..
        } => {}
        other => {
            return Err(format!(
                "a command right after a burst of binary frames got {}, expected rate_limited",
                brief(&other)
            ))
        }
    }
    let per_command = std::time::Duration::from_secs(1) / limits.commands_per_second.max(1);
    tokio::time::sleep((per_command * 3).max(std::time::Duration::from_millis(100))).await;
    alice
        .ack(&ClientFrame::ListChannels { id: ctx.id() })
        .await
        .map_err(|e| format!("after waiting, commands are still refused: {e}"))?;
    alice.close().await;
    Ok(())
}
