//! `GET /api/unread`: the sidebar's counters for a launcher that has not loaded the widget,
//! held open until they may have changed (a long poll, as `GET /api/events` waits).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::db::params;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use messenger_protocol::{ErrorCode, UnreadCounts, UserId};
use tokio::time::Instant;

use crate::app::App;
use crate::http::api_error;
use crate::store::{Store, StoreError};

/// Longest `wait_ms` accepted.
pub const MAX_WAIT_MS: u64 = 30_000;

struct UnreadQuery {
    after: Option<u64>,
    wait: Duration,
}

fn parse_query(query: &HashMap<String, String>) -> Result<UnreadQuery, String> {
    let number = |name: &str| crate::fallback::query_number(query, name);
    let wait_ms = number("wait_ms")?.unwrap_or(0);
    if wait_ms > MAX_WAIT_MS {
        return Err(format!("wait_ms={wait_ms} is above {MAX_WAIT_MS}"));
    }
    Ok(UnreadQuery {
        after: number("after")?,
        wait: Duration::from_millis(wait_ms),
    })
}

pub async fn unread(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => parse_query(&query),
        Err(e) => Err(e.body_text()),
    };
    let query = match query {
        Ok(query) => query,
        Err(message) => {
            return api_error(StatusCode::BAD_REQUEST, ErrorCode::InvalidArgument, message)
        }
    };
    let user = match crate::fallback::authenticate(&app, &headers) {
        Ok((user, _)) => user,
        Err(response) => return *response,
    };
    let deadline = Instant::now() + query.wait;
    let mut shutdown = app.shutdown.clone();
    loop {
        // Subscribed before reading, so an event between the two is not missed.
        let read = {
            let mut core = app.lock();
            let wake = core.hub.watch(user);
            core.store.unread_counts(user).map(|counts| (counts, wake))
        };
        let (counts, mut wake) = match read {
            Ok(read) => read,
            Err(e) => return crate::fallback::internal("GET /api/unread", e),
        };
        if query.after != Some(counts.version) || Instant::now() >= deadline {
            return Json(counts).into_response();
        }
        tokio::select! {
            _ = wake.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.changed() => return Json(counts).into_response(),
        }
    }
}

impl Store {
    /// The numbers the widget's sidebar shows after a welcome: the sum of the conversations'
    /// `unread` (as [`Store::summary`] counts it), `unread_notifications` and `new_channels`.
    /// A launcher's badge is `messages + notifications`, as the widget's `unread` event
    /// totals them (`core::embed::Unread::total`), so both sources agree on every count: a
    /// message from someone else adds one to `messages` whether or not the user is connected
    /// (opening a direct chat notifies nobody), and to `notifications` only when it raised one
    /// (a mention or high importance).
    pub fn unread_counts(&self, user: UserId) -> Result<UnreadCounts, StoreError> {
        let messages: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM conversation_members m
             JOIN messages msg ON msg.conversation_id = m.conversation_id
             WHERE m.user_id = ?1 AND msg.sender_id <> ?1
               AND msg.id > COALESCE(m.last_read_message_id, 0) AND msg.system IS NULL",
            params![user],
            |r| r.get(0),
        )?;
        Ok(UnreadCounts {
            messages,
            notifications: self.unread_notifications(user)?,
            channels: self.new_channels(user)?,
            version: self.current_seq(user)?,
        })
    }
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
    fn after_is_optional_and_the_wait_is_bounded() {
        let q = parse_query(&query(&[])).unwrap();
        assert_eq!((q.after, q.wait), (None, Duration::ZERO));
        let q = parse_query(&query(&[("after", "7"), ("wait_ms", "30000")])).unwrap();
        assert_eq!((q.after, q.wait), (Some(7), Duration::from_secs(30)));
        for bad in [
            &[("wait_ms", "30001")][..],
            &[("wait_ms", "-1")],
            &[("after", "x")],
        ] {
            assert!(parse_query(&query(bad)).is_err(), "{bad:?}");
        }
    }
}
