//! `POST /api/attachments` and `GET /files/{id}/{name}`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use messenger_protocol::{Attachment, HttpError, ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES};

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
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let user = match token.map(|t| app.lock().store.session_user(t)) {
        Some(Ok(Some(user))) => user,
        Some(Err(e)) => return internal("session lookup", e),
        None | Some(Ok(None)) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the session token as `Authorization: Bearer <token>`",
            )
        }
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

    let checked =
        tokio::task::spawn_blocking(move || picture::check(&bytes).map(|checked| (checked, bytes)))
            .await;
    let (checked, bytes) = match checked {
        Ok(Ok(done)) => done,
        Ok(Err(Refused(message))) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                message,
            )
        }
        Err(e) => return internal("image check task", e),
    };
    let id = match auth::random_hex() {
        Ok(id) => id,
        Err(e) => return internal("random id", e),
    };
    let stored = describe(&id, user, requested_name.as_deref(), &checked, bytes.len());
    let dir = app.config.attachments_dir.clone();
    let written = {
        let id = id.clone();
        tokio::task::spawn_blocking(move || write_files(&dir, &id, &bytes, &checked.thumbnail))
            .await
    };
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return internal("writing files", e),
        Err(e) => return internal("file task", e),
    }
    let inserted = app.lock().store.insert_attachment(&stored, now_ms());
    if let Err(e) = inserted {
        remove_files(&app.config.attachments_dir, &id);
        return internal("storing metadata", e);
    }
    (StatusCode::CREATED, Json(stored.attachment)).into_response()
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

fn original_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(id)
}

fn thumb_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.thumb"))
}

fn write_files(dir: &Path, id: &str, original: &[u8], thumb: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let written = std::fs::write(original_path(dir, id), original)
        .and_then(|()| std::fs::write(thumb_path(dir, id), thumb));
    if written.is_err() {
        remove_files(dir, id);
    }
    written
}

fn remove_files(dir: &Path, id: &str) {
    let _ = std::fs::remove_file(original_path(dir, id));
    let _ = std::fs::remove_file(thumb_path(dir, id));
}

/// Anyone with the URL may fetch: an `<img>` cannot send an Authorization header, so the
/// 128-bit random id is the capability. Only ids the database knows are served.
pub async fn serve_file(
    State(app): State<Arc<App>>,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "not_found", "no such file");
    // Ids are ours (lowercase hex), so nothing else ever reaches the file system.
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return not_found();
    }
    let stored = match app.lock().store.attachment(&id) {
        Ok(Some(stored)) => stored,
        Ok(None) => return not_found(),
        Err(e) => return internal("attachment lookup", e),
    };
    let dir = &app.config.attachments_dir;
    let (path, mime) = if name == thumb_name(&stored.thumb_mime) {
        (thumb_path(dir, &id), stored.thumb_mime)
    } else if name == stored.attachment.name {
        (original_path(dir, &id), stored.attachment.mime)
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
    if let Ok(mime) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
