//! `POST {server}/api/attachments`: the raw image bytes, the session token as a bearer.

use messenger_protocol::{Attachment, HttpError};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Request, RequestInit, Response};

/// Uploads `file`; `Err` is a message for the user (the server's own when it sent one).
pub async fn upload(server: &str, token: &str, file: &File) -> Result<Attachment, String> {
    let network = |_| "The image could not be uploaded: the server is unreachable.".to_string();
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
    let window = web_sys::window().ok_or("no window")?;
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
            .map_err(|_| "The server sent an unexpected answer to the upload.".to_string());
    }
    let message = serde_json::from_str::<HttpError>(&text)
        .ok()
        .map(|e| e.message)
        .filter(|m| !m.is_empty());
    Err(match message {
        Some(m) => format!("Upload refused: {m}"),
        None => format!("Upload failed (HTTP {}).", resp.status()),
    })
}
