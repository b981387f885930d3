//! Keys this server shares with another system to check HMAC signatures: the portal's
//! sign-in tokens and the inbound webhook's requests.

/// Shorter secrets are refused at start: an HMAC key is only as strong as its length.
pub const MIN_SECRET_BYTES: usize = 32;

/// `secret` as key bytes, or why it is refused; `what` names it in the message ("portal").
pub(crate) fn key_bytes(what: &str, secret: &str) -> Result<Vec<u8>, String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "the {what} secret is {} bytes long; it must be at least {MIN_SECRET_BYTES} \
             (e.g. `openssl rand -hex 32`)",
            secret.len()
        ));
    }
    Ok(secret.as_bytes().to_vec())
}
