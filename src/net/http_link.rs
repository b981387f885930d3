//! The HTTP fallback for when no WebSocket can be opened (a proxy blocks the upgrade):
//! `GET /api/events` brings the frames a `hello` would, `POST /api/commands` carries
//! commands and brings back their answers (docs/protocol.md, "HTTP fallback"). Frames come
//! back as the server's texts, so the socket adapter handles them exactly like socket frames.

use messenger_protocol::ResumePosition;
use serde::Deserialize;
use serde_json::value::RawValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::config::normalize_base;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpLinkError {
    /// The token was refused (401): signing in again is the only way on.
    Unauthorized,
    /// The server could not be reached, or answered something else.
    Failed,
}

#[derive(Deserialize)]
struct Events<'a> {
    #[serde(borrow)]
    frames: Vec<&'a RawValue>,
    poll_after_ms: u32,
}

async fn call(url: &str, token: &str, body: Option<&str>) -> Result<String, HttpLinkError> {
    let init = RequestInit::new();
    init.set_method(if body.is_some() { "POST" } else { "GET" });
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| HttpLinkError::Failed)?;
    let headers = request.headers();
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    if body.is_some() {
        let _ = headers.set("Content-Type", "application/json");
    }
    let window = web_sys::window().ok_or(HttpLinkError::Failed)?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| HttpLinkError::Failed)?
        .dyn_into()
        .map_err(|_| HttpLinkError::Failed)?;
    if resp.status() == 401 {
        return Err(HttpLinkError::Unauthorized);
    }
    if !resp.ok() {
        return Err(HttpLinkError::Failed);
    }
    let text = JsFuture::from(resp.text().map_err(|_| HttpLinkError::Failed)?)
        .await
        .map_err(|_| HttpLinkError::Failed)?;
    text.as_string().ok_or(HttpLinkError::Failed)
}

/// The frames since `position` (a welcome without one) and when to ask again, in ms.
pub async fn events(
    server: &str,
    token: &str,
    position: Option<ResumePosition>,
) -> Result<(Vec<String>, u32), HttpLinkError> {
    let mut url = format!("{}/api/events", normalize_base(server));
    if let Some(p) = position {
        let epoch = js_sys::encode_uri_component(&p.epoch);
        url.push_str(&format!("?epoch={epoch}&seq={}", p.seq));
    }
    let text = call(&url, token, None).await?;
    let events: Events = serde_json::from_str(&text).map_err(|_| HttpLinkError::Failed)?;
    Ok((
        events.frames.iter().map(|f| f.get().to_string()).collect(),
        events.poll_after_ms,
    ))
}

/// Posts commands (already JSON) in order; returns their answers' texts, in the same order.
pub async fn commands(
    server: &str,
    token: &str,
    frames: &[String],
) -> Result<Vec<String>, HttpLinkError> {
    let body = format!("[{}]", frames.join(","));
    let url = format!("{}/api/commands", normalize_base(server));
    let text = call(&url, token, Some(&body)).await?;
    let answers: Vec<&RawValue> = serde_json::from_str(&text).map_err(|_| HttpLinkError::Failed)?;
    Ok(answers.iter().map(|a| a.get().to_string()).collect())
}
