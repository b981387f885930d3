//! `POST /api/inbound`: an SMS provider or web-chat front end posts each message a contact
//! sends. Signed with HMAC-SHA256 over `timestamp + "." + body`; a provider's retry (same
//! `message_id`) stores nothing and gets the first answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use messenger_protocol::{
    ContactChannel, ConversationId, ErrorCode, Event, HttpError, Importance, InteractionMode,
    MessageId, UserId, ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, MAX_MESSAGE_BYTES,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::NOBODY;
use crate::app::{now_ms, App, Core, Tx};
use crate::attachments::{Prepared, StoredAttachment};
use crate::commands::CommandError;
use crate::store::StoreError;

/// A request signed this long before or after the server's clock is refused, so a captured
/// request cannot be replayed later.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Bodies are read whole before the signature is checked: this bounds what an unsigned
/// request can make the server hold. Room for a few full-size images in base64.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
const MAX_PROVIDER_ID_BYTES: usize = 128;
const MAX_NAME_CHARS: usize = 128;
/// Web visitors' ids; phone numbers are shorter (E.164: at most 15 digits).
const MAX_ADDRESS_BYTES: usize = 128;

/// Unknown fields are ignored, as in the protocol's frames: a provider may send more.
#[derive(Debug, Deserialize)]
struct InboundMessage {
    message_id: String,
    channel: ContactChannel,
    from: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    mode: Option<InteractionMode>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Debug, Deserialize)]
struct Media {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    mime: Option<String>,
    data: String,
}

#[derive(Clone, Copy, Debug, Serialize)]
struct Stored {
    conversation_id: ConversationId,
    message_id: MessageId,
}

fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = HttpError {
        code: code.to_owned(),
        message: message.into(),
        retry_after_secs: None,
    };
    (status, Json(body)).into_response()
}

fn invalid(message: impl Into<String>) -> Response {
    refuse(StatusCode::BAD_REQUEST, "invalid_argument", message)
}

fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("inbound message: {what}: {e}");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal server error",
    )
}

pub async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let Some(secret) = app.config.contact_center.inbound_secret.clone() else {
        return crate::http::api_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such API endpoint",
        );
    };
    let Some(body) = read_limited(body).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("an inbound message is at most {MAX_BODY_BYTES} bytes"),
        );
    };
    let now_secs = now_ms().div_euclid(1000);
    if let Err((code, message)) = verify(secret.bytes(), &headers, &body, now_secs) {
        return refuse(StatusCode::UNAUTHORIZED, code, message);
    }
    let inbound: InboundMessage = match serde_json::from_slice(&body) {
        Ok(inbound) => inbound,
        Err(e) => return invalid(format!("not an inbound message: {e}")),
    };
    let address = match check(&inbound) {
        Ok(address) => address,
        Err(message) => return invalid(message),
    };
    // A provider's retry: answered before any image is looked at.
    match app.lock().store.inbound_result(&inbound.message_id) {
        Ok(Some((conversation_id, message_id))) => {
            return Json(Stored {
                conversation_id,
                message_id,
            })
            .into_response()
        }
        Ok(None) => {}
        Err(e) => return internal("looking up the provider id", e),
    }
    let images = match prepare_media(&app, &inbound.media).await {
        Ok(images) => images,
        Err(refused) => return refused,
    };
    let stored = store(&mut app.lock(), &inbound, &address, &images);
    let remove_images = || {
        for image in &images {
            crate::attachments::remove_files(&app.config.attachments_dir, &image.attachment.id);
        }
    };
    match stored {
        Ok(Outcome::Stored(stored)) => Json(stored).into_response(),
        Ok(Outcome::Repeat(stored)) => {
            remove_images();
            Json(stored).into_response()
        }
        Err(Failure::NoAgent) => {
            remove_images();
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_agent",
                "no agent can take this contact's messages; try again later",
            )
        }
        Err(Failure::Store(e)) => {
            remove_images();
            internal("storing", e)
        }
        Err(Failure::Claim(e)) => {
            remove_images();
            internal("attaching the images", e)
        }
    }
}

/// The body, or `None` once it passes [`MAX_BODY_BYTES`].
async fn read_limited(body: Body) -> Option<Vec<u8>> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return None;
        }
        bytes.extend_from_slice(&chunk);
    }
    Some(bytes)
}

/// The signature first (a stranger learns nothing about the clock), then the timestamp.
fn verify(
    secret: &[u8],
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), (&'static str, String)> {
    let bad = |message: &str| ("bad_signature", message.to_owned());
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(timestamp) = header("x-messenger-timestamp") else {
        return Err(bad("X-Messenger-Timestamp is missing"));
    };
    let Some(signature) = header("x-messenger-signature") else {
        return Err(bad("X-Messenger-Signature is missing"));
    };
    let Some(signature) = signature.strip_prefix("sha256=").and_then(hex) else {
        return Err(bad("X-Messenger-Signature must be sha256=<hex>"));
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| bad("no key"))?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // Compared in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| bad("the signature does not match the body"))?;
    let Ok(signed_at) = timestamp.trim().parse::<i64>() else {
        return Err(bad("X-Messenger-Timestamp must be seconds since 1970"));
    };
    if (now_secs - signed_at).abs() > MAX_CLOCK_SKEW_SECS {
        return Err((
            "stale_request",
            format!(
                "the request was signed at {signed_at}, more than {MAX_CLOCK_SKEW_SECS} s from \
                 the server's clock ({now_secs})"
            ),
        ));
    }
    Ok(())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The message's fields within bounds; returns the contact's address as stored (a phone
/// number without its spaces and dashes).
fn check(inbound: &InboundMessage) -> Result<String, String> {
    if inbound.message_id.is_empty() || inbound.message_id.len() > MAX_PROVIDER_ID_BYTES {
        return Err(format!(
            "message_id must be 1 to {MAX_PROVIDER_ID_BYTES} bytes"
        ));
    }
    if inbound.text.len() > MAX_MESSAGE_BYTES {
        return Err(format!(
            "text is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
            inbound.text.len()
        ));
    }
    if inbound.text.trim().is_empty() && inbound.media.is_empty() {
        return Err("the message has neither text nor media".into());
    }
    if inbound.media.len() > crate::attachments::MAX_PER_MESSAGE {
        return Err(format!(
            "{} media; a message may carry at most {}",
            inbound.media.len(),
            crate::attachments::MAX_PER_MESSAGE
        ));
    }
    if let Some(name) = &inbound.display_name {
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "display_name is longer than {MAX_NAME_CHARS} characters"
            ));
        }
    }
    let from = inbound.from.trim();
    match inbound.channel {
        ContactChannel::Sms => {
            let number: String = from
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
                .collect();
            let digits = number.strip_prefix('+').unwrap_or(&number);
            if !(3..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("from {from:?} is not a phone number"));
            }
            Ok(number)
        }
        ContactChannel::Web => {
            if from.is_empty()
                || from.len() > MAX_ADDRESS_BYTES
                || from.chars().any(char::is_control)
            {
                return Err(format!(
                    "from must be a visitor id of 1 to {MAX_ADDRESS_BYTES} bytes"
                ));
            }
            Ok(from.to_owned())
        }
    }
}

/// Each MMS image decoded, checked and thumbnailed like an upload, its files written; any
/// bad one refuses the whole message (422) and leaves nothing behind.
async fn prepare_media(app: &App, media: &[Media]) -> Result<Vec<StoredAttachment>, Response> {
    let mut images: Vec<StoredAttachment> = Vec::with_capacity(media.len());
    let mut result = Ok(());
    for (n, item) in media.iter().enumerate() {
        match prepare_one(app, n, item).await {
            Ok(image) => images.push(image),
            Err(refused) => {
                result = Err(refused);
                break;
            }
        }
    }
    match result {
        Ok(()) => Ok(images),
        Err(refused) => {
            for image in &images {
                crate::attachments::remove_files(&app.config.attachments_dir, &image.attachment.id);
            }
            Err(refused)
        }
    }
}

async fn prepare_one(app: &App, n: usize, item: &Media) -> Result<StoredAttachment, Response> {
    let unprocessable =
        |code: &str, message: String| refuse(StatusCode::UNPROCESSABLE_ENTITY, code, message);
    if let Some(mime) = &item.mime {
        if !ATTACHMENT_TYPES.contains(&mime.to_ascii_lowercase().as_str()) {
            return Err(unprocessable(
                "unsupported_type",
                format!(
                    "media {n} is {mime}; images must be one of {}",
                    ATTACHMENT_TYPES.join(", ")
                ),
            ));
        }
    }
    // Base64 is 4 characters for 3 bytes: a longer text cannot decode within the limit.
    if item.data.len() / 4 * 3 > MAX_ATTACHMENT_BYTES + 3 {
        return Err(too_large(n));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(item.data.trim())
        .map_err(|e| unprocessable("bad_media", format!("media {n} is not base64: {e}")))?;
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large(n));
    }
    let dir = app.config.attachments_dir.clone();
    match crate::attachments::prepare(dir, NOBODY, item.name.clone(), bytes).await {
        Ok(image) => Ok(image),
        Err(Prepared::NotAnImage(why)) => Err(unprocessable(
            "unsupported_type",
            format!("media {n}: {why}"),
        )),
        Err(Prepared::Failed(what, e)) => Err(internal(what, e)),
    }
}

fn too_large(n: usize) -> Response {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "attachment_too_large",
        format!("media {n} is larger than {MAX_ATTACHMENT_BYTES} bytes"),
    )
}

enum Outcome {
    Stored(Stored),
    /// Another request with the same provider id got there first.
    Repeat(Stored),
}

enum Failure {
    NoAgent,
    Store(StoreError),
    /// The images just written could not be tied to the message (never expected).
    Claim(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl From<CommandError> for Failure {
    fn from(e: CommandError) -> Self {
        Failure::Claim(e.message().to_owned())
    }
}

/// The message, its images, the provider id and the routing, in one transaction.
fn store(
    core: &mut Core,
    inbound: &InboundMessage,
    address: &str,
    images: &[StoredAttachment],
) -> Result<Outcome, Failure> {
    let config = core.config.contact_center.clone();
    let online: Vec<UserId> = core.hub.online_users();
    core.write(|tx| {
        if let Some((conversation_id, message_id)) = tx.store.inbound_result(&inbound.message_id)? {
            return Ok(Outcome::Repeat(Stored {
                conversation_id,
                message_id,
            }));
        }
        let display_name = inbound
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let contact_id = tx
            .store
            .contact_for(inbound.channel, address, display_name, tx.now)?;
        let contact = tx
            .store
            .contact(contact_id)?
            .ok_or(Failure::Store(StoreError::Db(crate::db::Error::NoRows)))?;
        let mode = inbound.mode.unwrap_or(config.inbound_mode);
        let session = match mode {
            InteractionMode::Session => tx.store.open_session(contact_id)?,
            InteractionMode::Page => None,
        };
        let (conversation, new) = match session {
            Some(conversation) => (conversation, None),
            None => {
                let agent = pick_agent(tx, config.inbound_department, &online)?;
                let conversation = tx.store.create_interaction(&contact, mode, agent, tx.now)?;
                (conversation, Some(agent))
            }
        };
        let mut message = tx.store.insert_interaction_message(
            conversation,
            NOBODY,
            Some(contact_id),
            inbound.text.trim(),
            Importance::Normal,
            None,
            false,
            tx.now,
        )?;
        let ids: Vec<String> = images.iter().map(|i| i.attachment.id.clone()).collect();
        for image in images {
            tx.store.insert_attachment(image, tx.now)?;
        }
        message.attachments = crate::attachments::claim(tx, NOBODY, message.id, &ids)?;
        tx.store
            .record_inbound(&inbound.message_id, conversation, message.id, tx.now)?;
        tx.store.touch_interaction(conversation, tx.now)?;
        announce(tx, conversation, new, &message)?;
        Ok(Outcome::Stored(Stored {
            conversation_id: conversation,
            message_id: message.id,
        }))
    })
}

/// A new interaction appears in its agent's list with the message; an open session gets
/// the message and its new `last_activity`.
fn announce(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    new_agent: Option<UserId>,
    message: &messenger_protocol::Message,
) -> Result<(), StoreError> {
    if let Some(agent) = new_agent {
        if let Some(summary) = tx.store.summary(conversation, agent)? {
            tx.emit(
                agent,
                Event::ConversationAdded {
                    conversation: summary,
                },
            )?;
        }
        return crate::delivery::publish_message(tx, message);
    }
    crate::delivery::publish_message(tx, message)?;
    super::announce_to_members(tx, conversation)
}

/// The agent of the inbound department (or any) with the fewest open interactions, those
/// online first; ties go to the lowest id.
fn pick_agent(
    tx: &Tx<'_>,
    department: Option<messenger_protocol::DepartmentId>,
    online: &[UserId],
) -> Result<UserId, Failure> {
    tx.store
        .agents_with_load(department)?
        .into_iter()
        .min_by_key(|&(agent, open)| (!online.contains(&agent), open, agent))
        .map(|(agent, _)| agent)
        .ok_or(Failure::NoAgent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &[u8], timestamp: &str, body: &[u8]) -> HeaderMap {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut headers = HeaderMap::new();
        headers.insert("x-messenger-timestamp", timestamp.parse().unwrap());
        headers.insert(
            "x-messenger-signature",
            format!("sha256={hex}").parse().unwrap(),
        );
        headers
    }

    #[test]
    fn signatures_are_checked_before_the_clock() {
        let secret = [7u8; 32];
        let body = br#"{"x":1}"#;
        let headers = signed(&secret, "1000", body);
        assert_eq!(verify(&secret, &headers, body, 1000), Ok(()));
        assert_eq!(verify(&secret, &headers, body, 1300), Ok(()));
        assert_eq!(
            verify(&secret, &headers, body, 1301).unwrap_err().0,
            "stale_request"
        );
        assert_eq!(
            verify(&secret, &headers, body, 699).unwrap_err().0,
            "stale_request"
        );
        // Another body, another key, no header: a bad signature, whatever the clock says.
        assert_eq!(
            verify(&secret, &headers, b"{}", 1).unwrap_err().0,
            "bad_signature"
        );
        assert_eq!(
            verify(&[8u8; 32], &headers, body, 1000).unwrap_err().0,
            "bad_signature"
        );
        assert_eq!(
            verify(&secret, &HeaderMap::new(), body, 1000)
                .unwrap_err()
                .0,
            "bad_signature"
        );
    }

    #[test]
    fn phone_numbers_lose_their_spacing_and_other_senders_are_refused() {
        let message = |channel, from: &str| InboundMessage {
            message_id: "p1".into(),
            channel,
            from: from.into(),
            text: "hi".into(),
            mode: None,
            display_name: None,
            media: Vec::new(),
        };
        assert_eq!(
            check(&message(ContactChannel::Sms, "+33 6 12-34-56-78")).unwrap(),
            "+33612345678"
        );
        assert!(check(&message(ContactChannel::Sms, "+33 six")).is_err());
        assert!(check(&message(ContactChannel::Sms, "12")).is_err());
        assert_eq!(
            check(&message(ContactChannel::Web, " visitor-42 ")).unwrap(),
            "visitor-42"
        );
        assert!(check(&message(ContactChannel::Web, "")).is_err());
        let mut empty = message(ContactChannel::Web, "v");
        empty.text = "  ".into();
        assert!(check(&empty).is_err());
    }
}
