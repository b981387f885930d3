//! The HTTP fallback: `GET /api/events` answers what a `hello` would, `POST /api/commands`
//! runs commands with the socket's ids and idempotency.

use messenger_protocol::{ClientFrame, PolledEvents, ResumePosition, ServerFrame};

use super::{created, is_message, sent, Ctx, ALICE, BOB};
use crate::client::{brief, Check};
use crate::http;

async fn get(ctx: &Ctx, token: &str, query: &str) -> Check<http::Response> {
    let auth = format!("Bearer {token}");
    http::request(
        &ctx.base,
        "GET",
        &format!("/api/events{query}"),
        &[("Authorization", &auth)],
        b"",
    )
    .await
}

async fn post(ctx: &Ctx, token: &str, body: &str) -> Check<http::Response> {
    let auth = format!("Bearer {token}");
    http::request(
        &ctx.base,
        "POST",
        "/api/commands",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

fn body_text(response: &http::Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

/// The `code` of a JSON error body with the given status.
fn error_code(response: &http::Response, status: u16, what: &str) -> Check<String> {
    let text = body_text(response);
    if response.status != status {
        return Err(format!(
            "{what}: expected status {status}, got {}: {text}",
            response.status
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("{what}: the error body is not JSON ({e}): {text}"))?;
    value["code"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{what}: the error body has no code: {text}"))
}

async fn poll(ctx: &Ctx, token: &str, query: &str) -> Check<PolledEvents> {
    let response = get(ctx, token, query).await?;
    let text = body_text(&response);
    ensure!(
        response.status == 200,
        "GET /api/events{query} answered {}: {text}",
        response.status
    );
    serde_json::from_slice(&response.body)
        .map_err(|e| format!("GET /api/events answer does not parse ({e}): {text}"))
}

pub async fn http_events(ctx: &Ctx) -> Check {
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
    for i in 0..2 {
        let text = format!("polled {i} {}", ctx.run);
        missed.push(ctx.send(&mut alice, conversation, &text).await?.id);
    }
    let token = &ctx.tokens[BOB];
    let query = format!("?epoch={}&seq={}", position.epoch, position.seq);
    let polled = poll(ctx, token, &query).await?;
    ensure!(
        polled.poll_after_ms > 0,
        "poll_after_ms is {}",
        polled.poll_after_ms
    );
    let until = match polled.frames.first() {
        Some(ServerFrame::Resumed { epoch, seq, until }) => {
            ensure!(
                *epoch == position.epoch && *seq == position.seq,
                "resumed at {epoch}/{seq}, asked for {}/{}",
                position.epoch,
                position.seq
            );
            *until
        }
        Some(other) => return Err(format!("the poll began with {}", brief(other))),
        None => return Err("the poll answered no frames".into()),
    };
    let mut expected = position.seq;
    let mut got = Vec::new();
    for frame in &polled.frames[1..] {
        let ServerFrame::Event { seq, event } = frame else {
            return Err(format!("after resumed came {}", brief(frame)));
        };
        expected += 1;
        ensure!(*seq == expected, "event seq {seq}, expected {expected}");
        if let Some(message) = created(event).filter(|m| m.conversation_id == conversation) {
            got.push(message.id);
        }
    }
    ensure!(
        expected == until,
        "the poll held events up to seq {expected}, but resumed.until is {until}"
    );
    ensure!(
        got == missed,
        "messages polled: {got:?}, expected {missed:?}"
    );

    let fresh = poll(ctx, token, "").await?;
    match &fresh.frames[..] {
        [ServerFrame::Welcome(w)] => ensure!(
            w.me.id == ctx.ids[BOB] && w.reset.is_none(),
            "a poll without position got the welcome of user {} (reset {:?})",
            w.me.id,
            w.reset
        ),
        other => {
            return Err(format!(
                "a poll without position got {} frames",
                other.len()
            ))
        }
    }
    let code = error_code(
        &get(ctx, &format!("no-such-token-{}", ctx.run), "").await?,
        401,
        "GET /api/events with an unknown token",
    )?;
    ensure!(code == "unauthorized", "unknown token: code {code}");
    let code = error_code(
        &get(ctx, token, "?epoch=x").await?,
        400,
        "GET /api/events with epoch but no seq",
    )?;
    ensure!(code == "invalid_argument", "epoch without seq: code {code}");
    alice.close().await;
    Ok(())
}

pub async fn http_commands(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    ctx.drain(&mut bob).await?;
    let frame = ctx.send_frame(conversation, &format!("posted {}", ctx.run));
    let id = frame.command_id().unwrap_or_default().to_owned();
    let bad_id = ctx.id();
    let body = format!(
        r#"[{},{{"type":"launch_rockets","id":"{bad_id}"}}]"#,
        serde_json::to_string(&frame).map_err(|e| e.to_string())?
    );
    let token = &ctx.tokens[ALICE];
    let response = post(ctx, token, &body).await?;
    let text = body_text(&response);
    ensure!(
        response.status == 200,
        "POST /api/commands answered {}: {text}",
        response.status
    );
    let answers: Vec<ServerFrame> = serde_json::from_slice(&response.body)
        .map_err(|e| format!("the answer is not an array of frames ({e}): {text}"))?;
    ensure!(answers.len() == 2, "2 commands, {} answers", answers.len());
    let message = match &answers[0] {
        ServerFrame::Ack { id: got, result } if *got == id => sent(result.clone())?,
        other => return Err(format!("send_message was answered with {}", brief(other))),
    };
    ensure!(
        message.client_id.as_deref() == Some(id.as_str()),
        "the stored message has client_id {:?}",
        message.client_id
    );
    match &answers[1] {
        ServerFrame::Error { id: Some(got), .. } if *got == bad_id => {}
        other => {
            return Err(format!(
                "an unknown command was answered with {}",
                brief(other)
            ))
        }
    }
    let events = bob.events_until(is_message(message.id)).await?;
    ensure!(
        created(&events.last().ok_or("no event")?.1) == Some(&message),
        "bob got a different message than alice's ack"
    );

    // The same id over the socket, then over HTTP again: the stored ack, nothing new.
    let again = sent(alice.ack(&frame).await?)?;
    ensure!(again == message, "resent over the socket: {again:?}");
    let response = post(
        ctx,
        token,
        &format!(
            "[{}]",
            serde_json::to_string(&frame).map_err(|e| e.to_string())?
        ),
    )
    .await?;
    let answers: Vec<ServerFrame> = serde_json::from_slice(&response.body)
        .map_err(|e| format!("{e}: {}", body_text(&response)))?;
    match answers.first() {
        Some(ServerFrame::Ack { result, .. }) => {
            ensure!(
                sent(result.clone())? == message,
                "resent over HTTP: another message"
            )
        }
        other => return Err(format!("resent over HTTP: {other:?}")),
    }
    let after = ctx.drain(&mut bob).await?;
    let copies = after
        .iter()
        .filter(|(_, e)| created(e).is_some_and(|m| m.client_id.as_deref() == Some(id.as_str())))
        .count();
    ensure!(
        copies == 0,
        "bob got {copies} more copies after the resends"
    );

    let hello_only = [ClientFrame::Hello {
        protocol_version: messenger_protocol::PROTOCOL_VERSION,
        token: token.clone(),
        resume: None,
    }];
    let response = post(
        ctx,
        token,
        &serde_json::to_string(&hello_only).map_err(|e| e.to_string())?,
    )
    .await?;
    let answers: Vec<ServerFrame> = serde_json::from_slice(&response.body)
        .map_err(|e| format!("a hello element ({e}): {}", body_text(&response)))?;
    ensure!(
        matches!(&answers[..], [ServerFrame::Error { .. }]),
        "a hello element was answered with {answers:?}, expected an error"
    );
    let code = error_code(
        &post(ctx, &format!("no-such-token-{}", ctx.run), "[]").await?,
        401,
        "POST /api/commands with an unknown token",
    )?;
    ensure!(code == "unauthorized", "unknown token: code {code}");
    let code = error_code(
        &post(ctx, token, "{}").await?,
        400,
        "POST /api/commands with an object body",
    )?;
    ensure!(code == "bad_frame", "an object body: code {code}");
    alice.close().await;
    bob.close().await;
    Ok(())
}
