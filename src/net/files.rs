//! `GET {server}/files/{id}/{name}` with the session token as a bearer: files are read
//! only by the conversation they were sent to, so an `<img src>` (which cannot send the
//! header) is not enough. The bytes become a blob object URL; the caller revokes it.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Request, RequestInit, Response, Url};

/// The file at `path` (as the server gave it, `/files/…`) as an object URL, or `None` if
/// the network, the server (401, 404…) or the browser failed.
pub async fn blob_url(server: &str, token: &str, path: &str) -> Option<String> {
    let url = format!("{}{path}", crate::config::normalize_base(server));
    let request = Request::new_with_str_and_init(&url, &RequestInit::new()).ok()?;
    request
        .headers()
        .set("Authorization", &format!("Bearer {token}"))
        .ok()?;
    let response: Response = JsFuture::from(web_sys::window()?.fetch_with_request(&request))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let blob: Blob = JsFuture::from(response.blob().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    Url::create_object_url_with_blob(&blob).ok()
}
