//! HTTP routes: login, the WebSocket endpoint, the HTTP fallback, health check and the built
//! widget.

use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use messenger_protocol::{ErrorCode, LoginRequest, LoginResponse};
use serde::Serialize;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::app::{now_ms, App};
use crate::ws;

pub fn router(app: Arc<App>, static_dir: Option<&Path>) -> Router {
    // The widget may be embedded in a portal served from another origin. Tokens travel in
    // the body, never in cookies, so allowing any origin exposes nothing.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE]);
    let router = Router::new()
        .route("/api/login", post(login).layer(cors))
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
        .route("/files/{id}/{name}", get(crate::attachments::serve_file));
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
    let router = match static_dir {
        // Unknown paths get index.html so client-side routes survive a page reload.
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => router.fallback(widget_not_built),
    };
    router.with_state(app)
}

#[derive(Serialize)]
struct ApiError {
    code: ErrorCode,
    message: String,
}

pub(crate) fn api_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    let body = ApiError {
        code,
        message: message.into(),
    };
    (status, Json(body)).into_response()
}

/// Takes the raw body rather than `Json<_>` so a missing content type still works (a
/// cross-origin `text/plain` POST needs no preflight) and errors keep the API's JSON shape.
async fn login(State(app): State<Arc<App>>, body: Bytes) -> Response {
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
    let result = {
        let core = app.lock();
        core.store
            .check_password(&request.username, &request.password)
            .and_then(|user| match user {
                Some(user) => core.store.create_session(user, now_ms()).map(|token| {
                    Some(LoginResponse {
                        token,
                        user_id: user,
                    })
                }),
                None => Ok(None),
            })
    };
    match result {
        Ok(Some(response)) => Json(response).into_response(),
        Ok(None) => api_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "wrong username or password",
        ),
        Err(e) => {
            tracing::error!("login failed in the store: {e}");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "internal server error",
            )
        }
    }
}

async fn widget_not_built() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "Not found. The messenger widget is not built, so there is nothing to serve here: \
         `cargo xtask run` builds it and starts this server, or pass --static-dir DIR.\n",
    )
}
