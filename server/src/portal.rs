//! Portal identity: `POST /api/portal-login` takes a JWT that the portal's backend signed
//! for its signed-in user (HS256, shared secret) and answers as a password login would.
//! The user is created on first sight and updated from the claims on every login.

use std::sync::Arc;

use crate::db::{params, OptionalExtension};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use messenger_protocol::{DepartmentId, ErrorCode, LoginResponse, PortalLoginRequest, UserId};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::http::api_error;
use crate::store::{Store, StoreError};

/// Clock difference tolerated between the portal and this server.
pub const LEEWAY_SECS: u64 = 30;
/// Longest lifetime (`exp - iat`) accepted: a portal token is for signing in now.
pub const MAX_LIFETIME_SECS: u64 = 600;
pub use crate::secret::MIN_SECRET_BYTES;
const MAX_JTI_CHARS: usize = 128;
const MAX_NAME_CHARS: usize = 128;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_DEPT_DEPTH: usize = 16;

/// The HMAC key shared with the portal. Its `Debug` does not print it.
#[derive(Clone)]
pub struct PortalSecret(Vec<u8>);

impl PortalSecret {
    pub fn new(secret: &str) -> Result<PortalSecret, String> {
        crate::secret::key_bytes("portal", secret).map(PortalSecret)
    }
}

impl std::fmt::Debug for PortalSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortalSecret(..)")
    }
}

/// What a portal token says about its user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalClaims {
    /// The login name in the messenger: `[a-z0-9._-]{1,64}`.
    pub sub: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Department names, outermost first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<Vec<String>>,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Expired,
    Invalid(String),
    Replayed,
}

/// Checks signature, algorithm, expiry and every claim. `now` is in seconds since the epoch.
pub fn verify(token: &str, secret: &PortalSecret, now: u64) -> Result<PortalClaims, Refused> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let claims = jsonwebtoken::decode::<PortalClaims>(
        token,
        &DecodingKey::from_secret(&secret.0),
        &validation,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => Refused::Expired,
        ErrorKind::InvalidSignature => Refused::Invalid("the signature does not match".into()),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            Refused::Invalid("only HS256 tokens are accepted".into())
        }
        _ => Refused::Invalid(format!("not a valid portal token: {e}")),
    })?
    .claims;
    // The library checks exp against its own clock; this one is the caller's.
    if claims.exp.saturating_add(LEEWAY_SECS) < now {
        return Err(Refused::Expired);
    }
    check_claims(&claims, now).map_err(Refused::Invalid)?;
    Ok(claims)
}

fn check_claims(c: &PortalClaims, now: u64) -> Result<(), String> {
    if c.iat > now.saturating_add(LEEWAY_SECS) {
        return Err("iat is in the future".into());
    }
    if c.exp < c.iat || c.exp - c.iat > MAX_LIFETIME_SECS {
        return Err(format!(
            "exp - iat must be between 0 and {MAX_LIFETIME_SECS} seconds"
        ));
    }
    if c.jti.is_empty() || c.jti.chars().count() > MAX_JTI_CHARS {
        return Err(format!("jti must be 1 to {MAX_JTI_CHARS} characters"));
    }
    if !valid_login(&c.sub) {
        return Err("sub must match [a-z0-9._-]{1,64}".into());
    }
    if !valid_text(&c.name, MAX_NAME_CHARS) {
        return Err(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters, not blank"
        ));
    }
    if let Some(email) = &c.email {
        let plausible = email.contains('@') && !email.chars().any(char::is_whitespace);
        if !plausible || email.chars().count() > MAX_EMAIL_CHARS {
            return Err("email is not an e-mail address".into());
        }
    }
    if let Some(dept) = &c.dept {
        if dept.len() > MAX_DEPT_DEPTH || !dept.iter().all(|d| valid_text(d, MAX_NAME_CHARS)) {
            return Err(format!(
                "dept must be at most {MAX_DEPT_DEPTH} names of 1 to {MAX_NAME_CHARS} characters"
            ));
        }
    }
    Ok(())
}

/// A login name as the portal may give it: `[a-z0-9._-]{1,64}`.
pub fn valid_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn valid_text(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

/// Signs `claims` as a portal would (the demo intranet stands in for one).
pub fn sign(claims: &PortalClaims, secret: &PortalSecret) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(&secret.0),
    )
    .map_err(|e| e.to_string())
}

pub async fn login(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let Some(secret) = app.config.portal_secret.clone() else {
        return api_error(
            StatusCode::NOT_FOUND,
            ErrorCode::PortalLoginDisabled,
            "this server has no portal secret (--portal-secret): portal sign-in is off",
        );
    };
    let request: PortalLoginRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidArgument,
                format!("expected {{\"token\":\"<JWT>\"}}: {e}"),
            )
        }
    };
    let now = (crate::app::now_ms() / 1000) as u64;
    let claims = match verify(&request.token, &secret, now) {
        Ok(claims) => claims,
        Err(refused) => return refusal(refused),
    };
    match app.lock().write(|tx| sign_in(tx.store, &claims, tx.now)) {
        Ok(Ok(response)) => Json(response).into_response(),
        Ok(Err(refused)) => refusal(refused),
        Err(e) => {
            tracing::error!("portal login failed in the store: {e}");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "internal server error",
            )
        }
    }
}

fn refusal(refused: Refused) -> Response {
    match refused {
        Refused::Expired => api_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "the portal token has expired; ask the portal for a new one",
        ),
        Refused::Replayed => api_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenReplayed,
            "this portal token was already used; each token signs in once",
        ),
        Refused::Invalid(message) => {
            api_error(StatusCode::UNAUTHORIZED, ErrorCode::TokenInvalid, message)
        }
    }
}

/// Spends the token's jti, creates or updates its user and opens a session, in the caller's
/// transaction.
fn sign_in(
    store: &Store,
    claims: &PortalClaims,
    now_ms: i64,
) -> Result<Result<LoginResponse, Refused>, StoreError> {
    let keep_until = (claims.exp + LEEWAY_SECS) as i64 * 1000;
    if !store.use_token_id(&claims.jti, keep_until)? {
        return Ok(Err(Refused::Replayed));
    }
    let user = store.upsert_portal_user(claims)?;
    let token = store.create_session(user, now_ms)?;
    Ok(Ok(LoginResponse {
        token,
        user_id: user,
    }))
}

impl Store {
    /// Records `jti` as used; `false` if it already was.
    pub fn use_token_id(&self, jti: &str, expires_at: i64) -> Result<bool, StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO used_token_ids (jti, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![jti, expires_at],
        )?;
        Ok(inserted == 1)
    }

    /// Forgets jtis of tokens that have expired anyway; returns how many.
    pub fn purge_used_token_ids(&self, now: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM used_token_ids WHERE expires_at < ?1", [now])?)
    }

    /// The user named `claims.sub`, created without a password if new; name, e-mail and
    /// department follow the claims (an absent optional claim leaves the field as it is).
    pub fn upsert_portal_user(&self, claims: &PortalClaims) -> Result<UserId, StoreError> {
        let department = match &claims.dept {
            Some(path) => Some(self.department_path(path)?),
            None => None,
        };
        let existing: Option<UserId> = self
            .conn
            .query_row(
                "SELECT id FROM users WHERE username = ?1",
                [&claims.sub],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(user) => {
                self.conn.execute(
                    "UPDATE users SET display_name = ?2,
                         email = COALESCE(?3, email),
                         department_id = CASE WHEN ?5 THEN ?4 ELSE department_id END
                     WHERE id = ?1",
                    params![
                        user,
                        claims.name,
                        claims.email,
                        department.flatten(),
                        claims.dept.is_some()
                    ],
                )?;
                Ok(user)
            }
            None => {
                Ok(self.conn.query_row(
                    "INSERT INTO users
                         (username, display_name, department_id, email, password_salt, password_hash)
                     VALUES (?1, ?2, ?3, ?4, '', '') RETURNING id",
                    params![claims.sub, claims.name, department.flatten(), claims.email],
                    |r| r.get(0),
                )?)
            }
        }
    }

    /// The department at `path` (outermost first), creating the missing ones; `None` for an
    /// empty path.
    pub fn department_path(&self, path: &[String]) -> Result<Option<DepartmentId>, StoreError> {
        let mut parent: Option<DepartmentId> = None;
        for name in path {
            let name = name.trim();
            let found: Option<DepartmentId> = self
                .conn
                .query_row(
                    "SELECT id FROM departments WHERE name = ?1 AND parent_id IS NOT DISTINCT FROM ?2
                     ORDER BY id LIMIT 1",
                    params![name, parent],
                    |r| r.get(0),
                )
                .optional()?;
            parent = Some(match found {
                Some(id) => id,
                None => self.create_department(name, parent)?,
            });
        }
        Ok(parent)
    }

    /// The department names from the outermost down to `department`.
    pub fn department_names(&self, department: DepartmentId) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        let mut next = Some(department);
        // Bounded: a hand-edited cycle must not hang the server.
        while let Some(id) = next.filter(|_| names.len() < MAX_DEPT_DEPTH) {
            let (name, parent): (String, Option<DepartmentId>) = self.conn.query_row(
                "SELECT name, parent_id FROM departments WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            names.push(name);
            next = parent;
        }
        names.reverse();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::temp_store;

    fn secret() -> PortalSecret {
        PortalSecret::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn claims(now: u64) -> PortalClaims {
        PortalClaims {
            sub: "zoe".into(),
            name: "Zoe Adams".into(),
            email: Some("zoe@portal.example".into()),
            dept: Some(vec!["Head office".into(), "Legal".into()]),
            exp: now + 120,
            iat: now,
            jti: "j1".into(),
        }
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert!(PortalSecret::new("short")
            .unwrap_err()
            .contains("at least 32"));
        assert_eq!(format!("{:?}", secret()), "PortalSecret(..)");
    }

    #[test]
    fn a_signed_token_verifies_and_bad_claims_do_not() {
        // The library also checks exp against the real clock.
        let now = (crate::app::now_ms() / 1000) as u64;
        let token = sign(&claims(now), &secret()).unwrap();
        assert_eq!(verify(&token, &secret(), now), Ok(claims(now)));
        assert_eq!(
            verify(&token, &secret(), now + 120 + LEEWAY_SECS + 1),
            Err(Refused::Expired)
        );
        let other = PortalSecret::new(&"x".repeat(32)).unwrap();
        assert!(matches!(
            verify(&token, &other, now),
            Err(Refused::Invalid(_))
        ));
        let bad: [fn(&mut PortalClaims); 7] = [
            |c| c.sub = "Zoe".into(),
            |c| c.sub = String::new(),
            |c| c.name = "  ".into(),
            |c| c.jti = "j".repeat(129),
            |c| c.exp = c.iat + MAX_LIFETIME_SECS + 1,
            |c| c.email = Some("not an address".into()),
            |c| c.dept = Some(vec![String::new()]),
        ];
        for change in bad {
            let mut c = claims(now);
            change(&mut c);
            let token = sign(&c, &secret()).unwrap();
            assert!(
                matches!(verify(&token, &secret(), now), Err(Refused::Invalid(_))),
                "{c:?}"
            );
        }
    }

    #[test]
    fn users_and_departments_are_created_once_and_follow_the_claims() {
        let (store, _file) = temp_store("portal");
        let head = store.create_department("Head office", None).unwrap();
        let c = claims(0);
        let user = store.upsert_portal_user(&c).unwrap();
        let legal = store.department_path(&c.dept.clone().unwrap()).unwrap();
        assert_eq!(
            store.department_names(legal.unwrap()).unwrap(),
            c.dept.clone().unwrap()
        );
        assert_eq!(store.departments().unwrap().len(), 2, "Head office reused");
        assert_eq!(
            store.departments().unwrap()[1].parent_id,
            Some(head),
            "Legal under it"
        );
        let mut moved = c.clone();
        moved.name = "Zoe Adams-Berg".into();
        moved.dept = Some(vec!["Head office".into()]);
        moved.email = None;
        assert_eq!(store.upsert_portal_user(&moved).unwrap(), user);
        let row = store
            .users()
            .unwrap()
            .into_iter()
            .find(|u| u.id == user)
            .unwrap();
        assert_eq!(row.display_name, "Zoe Adams-Berg");
        assert_eq!(row.department_id, Some(head));
        assert_eq!(
            store.stored_password("zoe").unwrap().unwrap().1,
            crate::auth::StoredPassword::None
        );
        assert!(store.use_token_id("j1", 10).unwrap());
        assert!(!store.use_token_id("j1", 10).unwrap());
        assert_eq!(store.purge_used_token_ids(11).unwrap(), 1);
        assert!(store.use_token_id("j1", 10).unwrap());
    }
}
