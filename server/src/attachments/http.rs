//! `POST /api/attachments` and `GET /files/{id}/{name}`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use messenger_protocol::{Attachment, HttpError, ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES};

use super::disk;
use super::picture::{self, Checked, Refused};
use super::store::{file_url, thumb_name, StoredAttachment};
use crate::app::{now_ms, App};
use crate::auth;

/// Files never change under an id, so browsers may keep them as long as they like.
const CACHE_FOREVER: &str = "private, max-age=31536000, immutable";

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = HttpError {
        code: code.to_owned(),
        message: message.into(),
        retry_after_secs: None,
    };
    (status, Json(body)).into_response()
}

fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("attachment upload: {what}: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal server error",
    )
}

fn too_large() -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "attachment_too_large",
        format!("attachments are limited to {MAX_ATTACHMENT_BYTES} bytes"),
    )
}

pub async fn upload(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let user = match crate::fallback::authenticate(&app, &headers) {
        Ok((user, _)) => user,
        Err(refused) => return *refused,
    };
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    if !declared
        .as_deref()
        .is_some_and(|t| ATTACHMENT_TYPES.contains(&t))
    {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
            format!(
                "Content-Type must be one of {}",
                ATTACHMENT_TYPES.join(", ")
            ),
        );
    }
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_ATTACHMENT_BYTES as u64) {
        return too_large();
    }
    let Some(bytes) = read_limited(body).await else {
        return too_large();
    };
    let requested_name = headers
        .get("x-filename")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let dir = app.config.attachments_dir.clone();
    let stored = match prepare(dir, user, requested_name, bytes).await {
        Ok(stored) => stored,
        Err(Prepared::NotAnImage(message)) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                message,
            )
        }
        Err(Prepared::Failed(what, e)) => return internal(what, e),
    };
    let inserted = app.lock().store.insert_attachment(&stored, now_ms());
    if let Err(e) = inserted {
        disk::remove_files(&app.config.attachments_dir, &stored.attachment.id);
        return internal("storing metadata", e);
    }
    (StatusCode::CREATED, Json(stored.attachment)).into_response()
}

/// Why [`prepare`] made nothing.
pub enum Prepared {
    /// Not one of the image types, or not a readable image: the sender's mistake.
    NotAnImage(String),
    /// The server's trouble: what failed, and how.
    Failed(&'static str, String),
}

/// Checks an image of `uploader`, makes its thumbnail and writes both files under a new
/// id in `dir`; the caller stores the returned row (or removes the files if it cannot).
/// Shared by uploads and the contact center's MMS images.
pub async fn prepare(
    dir: std::path::PathBuf,
    uploader: i64,
    requested_name: Option<String>,
    bytes: Vec<u8>,
) -> Result<StoredAttachment, Prepared> {
    let checked =
        tokio::task::spawn_blocking(move || picture::check(&bytes).map(|checked| (checked, bytes)))
            .await;
    let (checked, bytes) = match checked {
        Ok(Ok(done)) => done,
        Ok(Err(Refused(message))) => return Err(Prepared::NotAnImage(message)),
        Err(e) => return Err(Prepared::Failed("image check task", e.to_string())),
    };
    let id = auth::random_hex().map_err(|e| Prepared::Failed("random id", e.to_string()))?;
    let stored = describe(
        &id,
        uploader,
        requested_name.as_deref(),
        &checked,
        bytes.len(),
    );
    let written = tokio::task::spawn_blocking(move || {
        disk::write_files(&dir, &id, &bytes, &checked.thumbnail)
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(stored),
        Ok(Err(e)) => Err(Prepared::Failed("writing files", e.to_string())),
        Err(e) => Err(Prepared::Failed("file task", e.to_string())),
    }
}

/// The body, or `None` once it passes the limit: nothing beyond it is buffered.
async fn read_limited(body: Body) -> Option<Vec<u8>> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        // A client that breaks off mid-upload gets no answer anyway.
        let chunk = chunk.ok()?;
        if bytes.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
            return None;
        }
        bytes.extend_from_slice(&chunk);
    }
    Some(bytes)
}

fn describe(
    id: &str,
    uploader: i64,
    requested_name: Option<&str>,
    checked: &Checked,
    size: usize,
) -> StoredAttachment {
    let name = picture::file_name(requested_name, checked.kind);
    StoredAttachment {
        attachment: Attachment {
            id: id.to_owned(),
            url: file_url(id, &name),
            thumbnail_url: file_url(id, thumb_name(checked.thumb_mime)),
            name,
            mime: checked.kind.mime.to_owned(),
            size: size as u64,
            width: checked.width,
            height: checked.height,
        },
        uploader,
        message: None,
        thumb_mime: checked.thumb_mime.to_owned(),
    }
}

/// Only for the uploader and the members of the conversation its message is in; everyone
/// else gets the answer an unknown id gets, so probing ids tells nothing.
pub async fn serve_file(
    State(app): State<Arc<App>>,
    UrlPath((id, name)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "not_found", "no such file");
    // Ids are ours (lowercase hex), so nothing else ever reaches the file system.
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return not_found();
    }
    let user = match crate::fallback::authenticate(&app, &headers) {
        Ok((user, _)) => user,
        Err(refused) => return *refused,
    };
    let stored = {
        let core = app.lock();
        match core.store.readable_attachment(&id, user) {
            Ok(Some(stored)) => stored,
            Ok(None) => return not_found(),
            Err(e) => return internal("attachment lookup", e),
        }
    };
    let dir = &app.config.attachments_dir;
    let (path, mime) = if name == thumb_name(&stored.thumb_mime) {
        (disk::thumb_path(dir, &id), stored.thumb_mime)
    } else if name == stored.attachment.name {
        (disk::original_path(dir, &id), stored.attachment.mime)
    } else {
        return not_found();
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!("attachment {id} is in the database but {path:?} is not: {e}");
            return not_found();
        }
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&mime, &name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    for (name, value) in [
        (header::CACHE_CONTROL, CACHE_FOREVER),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Opened on its own (a new tab), a file can run nothing and load nothing.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ),
        // Other sites cannot embed it with <img src>; the widget reads it with CORS.
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // The same URL answers differently per user: a browser cache must not mix them.
    headers.append(header::VARY, HeaderValue::from_static("authorization"));
    response
}

/// `inline` for the image types the widget shows, `attachment` (download) for anything
/// else; the name as RFC 6266 `filename*` plus a plain ASCII `filename` for old clients.
pub fn content_disposition(mime: &str, name: &str) -> String {
    let kind = if ATTACHMENT_TYPES.contains(&mime) {
        "inline"
    } else {
        "attachment"
    };
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        // RFC 8187 attr-char: everything else is percent-encoded.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn disposition_is_inline_only_for_images_and_names_survive_encoding() {
        assert_eq!(
            content_disposition("image/png", "Team_photo.png"),
            "inline; filename=\"Team_photo.png\"; filename*=UTF-8''Team_photo.png"
        );
        assert_eq!(
            content_disposition("text/html", "a \"b\"\\é.html"),
            "attachment; filename=\"a _b___.html\"; filename*=UTF-8''a%20%22b%22%5C%C3%A9.html"
        );
        assert!(content_disposition("image/svg+xml", "x.svg").starts_with("attachment;"));
    }
}
