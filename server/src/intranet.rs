//! The demo intranet (`--demo-intranet DIR`): static pages at `/intranet/`, and with a
//! portal secret a stand-in for a portal's own backend: a sign-in cookie and
//! `/intranet/token`, which signs a fresh portal token for the cookie's user.

use std::path::Path;
use std::sync::Arc;

use crate::db::{params, OptionalExtension};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::app::{now_ms, App};
use crate::portal::{self, PortalClaims};
use crate::store::{Store, StoreError};

const COOKIE: &str = "intranet_user";
/// A token from `/intranet/token` is for signing in right away.
const TOKEN_LIFETIME_SECS: u64 = 120;

pub fn routes(dir: &Path, with_portal: bool) -> Router<Arc<App>> {
    let router = Router::new().route(
        "/intranet",
        get(|| async { Redirect::permanent("/intranet/") }),
    );
    let router = if with_portal {
        router
            .route("/intranet/sign-in", get(sign_in))
            .route("/intranet/sign-out", get(sign_out))
            .route("/intranet/token", get(token))
    } else {
        router
    };
    router.nest_service("/intranet/", crate::web::static_files(dir, false))
}

#[derive(Deserialize)]
struct SignIn {
    user: String,
}

async fn sign_in(query: Result<Query<SignIn>, QueryRejection>) -> Response {
    let Some(Query(SignIn { user })) = query.ok().filter(|q| portal::valid_login(&q.user)) else {
        return (
            StatusCode::BAD_REQUEST,
            "give ?user=<login name>, [a-z0-9._-]{1,64}\n",
        )
            .into_response();
    };
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!("{COOKIE}={user}; HttpOnly; SameSite=Lax; Path=/intranet"),
            ),
            (header::LOCATION, "/intranet/".to_owned()),
        ],
    )
        .into_response()
}

async fn sign_out() -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!("{COOKIE}=; HttpOnly; SameSite=Lax; Path=/intranet; Max-Age=0"),
            ),
            (header::LOCATION, "/intranet/".to_owned()),
        ],
    )
        .into_response()
}

fn cookie_user(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|user| portal::valid_login(user))
}

async fn token(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let plain = |status: StatusCode, body: String| {
        (
            status,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    };
    let Some(secret) = app.config.portal_secret.clone() else {
        return plain(StatusCode::NOT_FOUND, "no portal secret\n".into());
    };
    let Some(user) = cookie_user(&headers) else {
        return plain(
            StatusCode::UNAUTHORIZED,
            "not signed in to the intranet\n".into(),
        );
    };
    let profile = app.lock().store.portal_profile(&user);
    let claims = match profile {
        Ok(Some(profile)) => profile,
        Ok(None) => {
            return plain(
                StatusCode::UNAUTHORIZED,
                format!("no messenger user {user:?}\n"),
            )
        }
        Err(e) => {
            tracing::error!("intranet token: {e}");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n".into());
        }
    };
    let jti = match crate::auth::random_hex() {
        Ok(jti) => jti,
        Err(e) => {
            tracing::error!("intranet token: {e}");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n".into());
        }
    };
    let now = (now_ms() / 1000) as u64;
    let claims = PortalClaims {
        exp: now + TOKEN_LIFETIME_SECS,
        iat: now,
        jti,
        ..claims
    };
    match portal::sign(&claims, &secret) {
        Ok(jwt) => plain(StatusCode::OK, jwt),
        Err(e) => {
            tracing::error!("intranet token: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n".into())
        }
    }
}

impl Store {
    /// What a portal would put in a token for `username` (times and jti left empty).
    fn portal_profile(&self, username: &str) -> Result<Option<PortalClaims>, StoreError> {
        let row: Option<(String, Option<String>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT display_name, email, department_id FROM users WHERE username = ?1",
                params![username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, email, department)) = row else {
            return Ok(None);
        };
        let dept = department.map(|d| self.department_names(d)).transpose()?;
        Ok(Some(PortalClaims {
            sub: username.to_owned(),
            name,
            email,
            dept,
            exp: 0,
            iat: 0,
            jti: String::new(),
        }))
    }
}
