//! HTTP routes: login, the WebSocket endpoint, the HTTP fallback, health check and the built
//! widget.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use messenger_protocol::{ErrorCode, HttpError, LoginRequest, LoginResponse};
use tower_http::cors::{Any, CorsLayer};

use crate::app::{now_ms, App};
use crate::auth::{self, Verified};
use crate::ws;

pub fn router(app: Arc<App>) -> Router {
    let config = app.config.clone();
    // The widget may be embedded in a portal served from another origin. Tokens travel in
    // the body, never in cookies, so allowing any origin exposes nothing.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE]);
    let router = Router::new()
        .route("/api/login", post(login).layer(cors.clone()))
        .route("/api/portal-login", post(crate::portal::login).layer(cors))
        // Server to server (an SMS provider, a web-chat front end): no CORS.
        .route("/api/inbound", post(crate::contact_center::inbound_webhook))
        .route(
            "/api/unread",
            get(crate::unread::unread).layer(
                CorsLayer::new()
                    .allow_origin(Any)
                    .allow_methods([Method::GET])
                    .allow_headers([header::AUTHORIZATION]),
            ),
        )
        // Never index.html: a client calling an API this server lacks gets a clear answer.
        .route("/api", axum::routing::any(api_not_found))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/ws", get(ws::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/api/attachments",
            post(crate::attachments::upload).layer(
                CorsLayer::new()
                    .allow_origin(Any)
                    .allow_methods([Method::POST])
                    .allow_headers([
                        header::AUTHORIZATION,
                        header::CONTENT_TYPE,
                        header::HeaderName::from_static("x-filename"),
                    ]),
            ),
        )
        // Any other path under /files is a broken file link, not a page of the app. A widget
        // embedded on another origin reads files with its bearer token: CORS on every
        // answer, errors included, so it can tell a 401 from a network failure.
        .nest(
            "/files",
            Router::new()
                .route("/{id}/{name}", get(crate::attachments::serve_file))
                .fallback(file_not_found)
                .layer(files_cors()),
        )
        .route(
            "/files/",
            axum::routing::any(file_not_found).layer(files_cors()),
        );
    // The HTTP fallback, for clients whose WebSocket a proxy blocks. The bearer token is
    // sent explicitly, never a cookie, so any origin may call it.
    let fallback_cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    let router = router
        .route(
            "/api/events",
            get(crate::fallback::events).layer(fallback_cors.clone()),
        )
        .route(
            "/api/commands",
            post(crate::fallback::commands).layer(fallback_cors),
        );
    let router = match &config.demo_intranet {
        Some(dir) => router.merge(crate::intranet::routes(dir, config.portal_secret.is_some())),
        None => router,
    };
    let router = match &config.static_dir {
        Some(dir) => router.fallback_service(crate::web::static_files(dir, true)),
        None => router.fallback(widget_not_built),
    };
    router
        .layer(axum::middleware::map_response(crate::web::security_headers))
        .with_state(app)
}

async fn api_not_found() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such API endpoint",
    )
}

fn files_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::AUTHORIZATION])
}

async fn file_not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file")
}

pub(crate) fn api_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    error_body(status, code, message.into(), None)
}

fn error_body(
    status: StatusCode,
    code: ErrorCode,
    message: String,
    retry_after_secs: Option<u64>,
) -> Response {
    // The code's wire name, from the same serde derive the WebSocket errors use.
    let code = serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let body = HttpError {
        code,
        message,
        retry_after_secs,
    };
    (status, Json(body)).into_response()
}

/// Takes the raw body rather than `Json<_>` so a missing content type still works (a
/// cross-origin `text/plain` POST needs no preflight) and errors keep the API's JSON shape.
async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let request: LoginRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidArgument,
                format!("expected {{\"username\":…,\"password\":…}}: {e}"),
            )
        }
    };
    let attempt = app
        .throttle()
        .begin(&request.username, peer.ip(), std::time::Instant::now());
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(retry_after_secs) => return too_many_attempts(retry_after_secs),
    };
    let stored = match app.lock().store.stored_password(&request.username) {
        Ok(stored) => stored,
        Err(e) => return internal("login: reading the user", e),
    };
    // argon2id takes tens of milliseconds: neither the lock nor an async thread waits on it.
    let check = stored.clone();
    let password = request.password;
    let verified = tokio::task::spawn_blocking(move || {
        auth::verify_password(check.as_ref().map(|(_, p)| p), &password)
    })
    .await;
    let verified = match verified {
        Ok(Ok(verified)) => verified,
        Ok(Err(e)) => return internal("login: checking the password", e),
        Err(e) => return internal("login: the password check stopped", e),
    };
    let Some((user, old)) = stored.filter(|_| verified != Verified::Wrong) else {
        return api_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "wrong username or password",
        );
    };
    app.throttle().succeeded(attempt);
    let session = {
        let core = app.lock();
        let upgraded = match &verified {
            Verified::RightRehashed(argon2) => core.store.upgrade_password_hash(user, &old, argon2),
            _ => Ok(()),
        };
        upgraded.and_then(|()| core.store.create_session(user, now_ms()))
    };
    match session {
        Ok(token) => Json(LoginResponse {
            token,
            user_id: user,
        })
        .into_response(),
        Err(e) => internal("login: opening a session", e),
    }
}

fn too_many_attempts(retry_after_secs: u64) -> Response {
    let mut response = error_body(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManyAttempts,
        format!("too many failed sign-ins; try again in {retry_after_secs} s"),
        Some(retry_after_secs),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("{what}: {e}");
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal server error",
    )
}

async fn widget_not_built() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "Not found. The messenger widget is not built, so there is nothing to serve here: \
         `cargo xtask run` builds it and starts this server, or pass --static-dir DIR.\n",
    )
}
