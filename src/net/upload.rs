//! `POST {server}/api/attachments`: the raw image bytes, the session token as a bearer.

use messenger_protocol::{Attachment, HttpError};

use crate::core::i18n::{Notice, K};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Request, RequestInit, Response};

/// Uploads `file`; `Err` is a message for the user (with the server's own words when it
/// sent some).
pub async fn upload(server: &str, token: &str, file: &File) -> Result<Attachment, Notice> {
    let network = |_| Notice::Text(K::UploadUnreachable);
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let url = format!("{}/api/attachments", crate::config::normalize_base(server));
    let request = Request::new_with_str_and_init(&url, &init).map_err(network)?;
    let headers = request.headers();
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    for (k, v) in [
        ("Authorization", format!("Bearer {token}")),
        ("Content-Type", file.type_()),
        ("X-Filename", name),
    ] {
        headers.set(k, &v).map_err(network)?;
    }
    let window = web_sys::window().ok_or(Notice::Text(K::UploadUnreachable))?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    if resp.ok() {
        return serde_json::from_str::<Attachment>(&text)
            .map_err(|_| Notice::Text(K::UploadBadAnswer));
    }
    let message = serde_json::from_str::<HttpError>(&text)
        .ok()
        .map(|e| e.message)
        .filter(|m| !m.is_empty());
    Err(match message {
        Some(m) => Notice::With(K::UploadRefused, vec![("message", m)]),
        None => Notice::With(K::UploadFailed, vec![("status", resp.status().to_string())]),
    })
}
