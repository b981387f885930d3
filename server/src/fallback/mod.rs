//! The HTTP fallback for clients that cannot open a WebSocket (a proxy blocks it):
//! `GET /api/events` answers what a `hello` would, `POST /api/commands` runs commands as a
//! socket would. Same ids, same idempotency, same limits.

mod lease;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use messenger_protocol::{ErrorCode, ResumePosition, UserId};
use serde_json::value::RawValue;
use tokio::time::Instant;

pub use lease::Polls;

use crate::app::App;
use crate::http::api_error;
use crate::{auth, delivery, ws};

/// Longest `wait_ms` honoured: below common proxy and browser idle timeouts.
pub const MAX_WAIT: Duration = Duration::from_secs(25);

/// The caller's user and session key, or the 401/500 answer.
pub(crate) fn authenticate(
    app: &App,
    headers: &HeaderMap,
) -> Result<(UserId, String), Box<Response>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(Box::new(unauthorized(
            "send the session token as `Authorization: Bearer <token>`",
        )));
    };
    match app.lock().store.session_user(token) {
        Ok(Some(user)) => Ok((user, auth::token_digest(token))),
        Ok(None) => Err(Box::new(unauthorized("invalid or expired token"))),
        Err(e) => Err(Box::new(internal("fallback: session lookup", e))),
    }
}

fn unauthorized(message: &str) -> Response {
    api_error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
}

fn bad_request(code: ErrorCode, message: impl Into<String>) -> Response {
    api_error(StatusCode::BAD_REQUEST, code, message)
}

/// A non-negative integer parameter of a query string, if given.
pub(crate) fn query_number(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<u64>, String> {
    query
        .get(name)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}={v:?} is not a non-negative integer"))
        })
        .transpose()
}

pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("HTTP {what}: {e}");
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal server error",
    )
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /api/events` query: a resume position (both or neither) and an optional wait.
struct EventsQuery {
    resume: Option<ResumePosition>,
    wait: Duration,
}

fn events_query(query: &HashMap<String, String>) -> Result<EventsQuery, String> {
    let number = |name: &str| query_number(query, name);
    let seq = number("seq")?;
    let wait_ms = number("wait_ms")?.unwrap_or(0);
    let resume = match (query.get("epoch"), seq) {
        (Some(epoch), Some(seq)) if !epoch.is_empty() => Some(ResumePosition {
            epoch: epoch.clone(),
            seq,
        }),
        (None, None) => None,
        _ => return Err("give both epoch and seq (a resume position), or neither".into()),
    };
    Ok(EventsQuery {
        resume,
        wait: Duration::from_millis(wait_ms).min(MAX_WAIT),
    })
}

pub async fn events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => events_query(&query),
        Err(e) => Err(e.body_text()),
    };
    let query = match query {
        Ok(query) => query,
        Err(message) => return bad_request(ErrorCode::InvalidArgument, message),
    };
    let (user, key) = match authenticate(&app, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let started = Instant::now();
    let deadline = started + query.wait;
    let mut shutdown = app.shutdown.clone();
    let frames = loop {
        let polled = {
            let mut core = app.lock();
            let lease = lease::lease(&core);
            let renewed = lease::renew(&app, &mut core, &key, user, deadline + lease);
            let mut wake = match renewed {
                Ok(session) => session.wake.clone(),
                Err(e) => return internal("fallback: registering a poll", e),
            };
            wake.borrow_and_update();
            poll(&mut core, user, query.resume.as_ref()).map(|p| (p, wake))
        };
        let ((frames, caught_up), mut wake) = match polled {
            Ok((Some(found), wake)) => (found, wake),
            Ok((None, _)) => return unauthorized("the user no longer exists"),
            Err(e) => return internal("fallback: reading events", e),
        };
        if !caught_up || Instant::now() >= deadline {
            break frames;
        }
        // Nothing missed: hold the request until something for the user happens.
        tokio::select! {
            _ = wake.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.changed() => break frames,
        }
    };
    let poll_after_ms = {
        let mut core = app.lock();
        let lease = lease::lease(&core);
        if let Err(e) = lease::renew(&app, &mut core, &key, user, Instant::now() + lease) {
            return internal("fallback: renewing a poll lease", e);
        }
        core.config.limits.poll_interval_ms
    };
    json(format!(
        r#"{{"frames":[{}],"poll_after_ms":{poll_after_ms}}}"#,
        frames.join(",")
    ))
}

/// What a `hello` at `resume` would get, and whether that is nothing new (a resume at the
/// current position). Counts as delivery at connect, as a hello does; done first, so the
/// `delivered_up_to` events it causes are in this answer.
fn poll(
    core: &mut crate::app::Core,
    user: UserId,
    resume: Option<&ResumePosition>,
) -> Result<Option<(Vec<String>, bool)>, crate::store::StoreError> {
    delivery::deliver_on_connect(core, user)?;
    let caught_up = match resume {
        Some(position) => {
            position.epoch == core.store.epoch() && position.seq == core.store.current_seq(user)?
        }
        None => false,
    };
    Ok(core
        .greeting(user, resume)?
        .map(|frames| (frames, caught_up)))
}

/// `POST /api/commands`: a JSON array of client frames, answered by an array of the same
/// length with each one's `ack` or `error`, in order.
pub async fn commands(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let (user, key) = match authenticate(&app, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let limits = app.config.limits.clone();
    if body.len() > limits.max_socket_frame_bytes {
        let message = format!(
            "the body is {} bytes; the limit is {} (max_socket_frame_bytes): send fewer commands at once",
            body.len(),
            limits.max_socket_frame_bytes
        );
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::FrameTooLarge,
            message,
        );
    }
    let frames: Vec<Box<RawValue>> = match serde_json::from_slice(&body) {
        Ok(frames) => frames,
        Err(e) => {
            return bad_request(
                ErrorCode::BadFrame,
                format!("the body must be a JSON array of commands: {e}"),
            )
        }
    };
    let max = limits.command_burst.max(1) as usize;
    if frames.len() > max {
        return bad_request(
            ErrorCode::InvalidArgument,
            format!(
                "{} commands in one request; at most {max} (command_burst)",
                frames.len()
            ),
        );
    }
    let mut answers = Vec::with_capacity(frames.len());
    for frame in &frames {
        let text = frame.get();
        let allowed = {
            let mut core = app.lock();
            let until = Instant::now() + lease::lease(&core);
            match lease::renew(&app, &mut core, &key, user, until) {
                Ok(session) => session.bucket.take(std::time::Instant::now()),
                Err(e) => return internal("fallback: registering a poster", e),
            }
        };
        let answer = if !allowed {
            ws::rate_limited(&limits, text)
        } else if is_hello(text) {
            ws::error(
                None,
                ErrorCode::InvalidArgument,
                "hello is not a command; GET /api/events does what it does",
            )
        } else {
            ws::respond(&app, user, text).await
        };
        match serde_json::to_string(&answer) {
            Ok(answer) => answers.push(answer),
            Err(e) => return internal("fallback: serializing an answer", e),
        }
    }
    json(format!("[{}]", answers.join(",")))
}

fn is_hello(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_str::<TypeOnly>(text).is_ok_and(|t| t.kind == "hello")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn events_query_takes_a_whole_position_or_none_and_caps_the_wait() {
        let q = events_query(&query(&[("epoch", "e1"), ("seq", "41"), ("x", "y")])).unwrap();
        assert_eq!(
            q.resume,
            Some(ResumePosition {
                epoch: "e1".into(),
                seq: 41
            })
        );
        assert_eq!(q.wait, Duration::ZERO);
        let q = events_query(&query(&[("wait_ms", "999999")])).unwrap();
        assert_eq!((q.resume, q.wait), (None, MAX_WAIT));
        for bad in [
            &[("epoch", "e1")][..],
            &[("seq", "4")],
            &[("epoch", ""), ("seq", "4")],
            &[("epoch", "e1"), ("seq", "-1")],
            &[("epoch", "e1"), ("seq", "1.5")],
            &[("wait_ms", "soon")],
        ] {
            assert!(events_query(&query(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_a_hello_is_recognised_as_one() {
        assert!(is_hello(r#"{"token":"t","type":"hello"}"#));
        assert!(!is_hello(r#"{"type":"typing","id":"c1"}"#));
        assert!(!is_hello("[1]"));
    }
}
