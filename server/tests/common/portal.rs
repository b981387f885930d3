//! Portal tokens as a portal's backend would sign them, and forged ones.

use std::net::SocketAddr;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use messenger_server::{Config, PortalSecret};
use serde_json::{json, Value};

use super::{http, HttpResponse};

pub const SECRET: &str = "test-portal-secret-0123456789-abcdef";

pub fn with_portal(config: &mut Config) {
    config.portal_secret = Some(PortalSecret::new(SECRET).unwrap());
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims for `sub`, valid for two minutes, with a fresh jti.
pub fn claims(sub: &str, name: &str) -> Value {
    let now = now_secs();
    json!({
        "sub": sub,
        "name": name,
        "email": format!("{sub}@portal.example"),
        "dept": ["Head office", "Legal"],
        "iat": now,
        "exp": now + 120,
        "jti": fresh_jti(),
    })
}

pub fn fresh_jti() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "jti-{}-{}-{}",
        std::process::id(),
        now_secs(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn sign(claims: &Value) -> String {
    sign_as(Algorithm::HS256, claims)
}

pub fn sign_as(alg: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// `{"alg":"none"}` with no signature: what an attacker without the secret can make.
pub fn unsigned(claims: &Value) -> String {
    format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(claims.to_string().as_bytes())
    )
}

/// `token`'s header and signature around other claims.
pub fn with_claims(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        base64url(claims.to_string().as_bytes()),
        parts[2]
    )
}

pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

pub async fn portal_login(addr: SocketAddr, token: &str) -> HttpResponse {
    let body = json!({ "token": token }).to_string();
    http(
        addr,
        "POST",
        "/api/portal-login",
        "Content-Type: application/json\r\n",
        &body,
    )
    .await
}

/// The `code` of an error answer.
pub fn code(response: &HttpResponse) -> String {
    let body: Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("JSON body expected ({e}): {}", response.body));
    body["code"].as_str().unwrap_or_default().to_owned()
}
