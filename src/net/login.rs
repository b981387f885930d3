//! `POST {server}/api/login` with `{username, password}` → `{token, user_id}`.

use crate::core::i18n::{Notice, K};
use messenger_protocol::{HttpError, LoginRequest, LoginResponse};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong username or password (401), with the server's message.
    Rejected(String),
    /// Any other HTTP status.
    Http(u16, String),
    /// The server could not be reached.
    Network(String),
    /// The answer was not the expected JSON.
    BadResponse,
}

impl LoginError {
    /// What the sign-in form says; for a refusal other than wrong credentials, with the
    /// server's own words.
    pub fn notice(&self) -> Notice {
        match self {
            LoginError::Rejected(_) => Notice::Text(K::LoginRejected),
            LoginError::Http(status, m) if !m.is_empty() => Notice::With(
                K::LoginFailed,
                vec![("status", status.to_string()), ("message", m.clone())],
            ),
            LoginError::Http(status, _) => {
                Notice::With(K::LoginHttp, vec![("status", status.to_string())])
            }
            LoginError::Network(_) => Notice::Text(K::LoginNetwork),
            LoginError::BadResponse => Notice::Text(K::LoginBadResponse),
        }
    }
}

async fn body_text(resp: &Response) -> Option<String> {
    let promise = resp.text().ok()?;
    JsFuture::from(promise).await.ok()?.as_string()
}

pub async fn login(
    server: &str,
    username: &str,
    password: &str,
) -> Result<LoginResponse, LoginError> {
    let body = serde_json::to_string(&LoginRequest {
        username: username.to_string(),
        password: password.to_string(),
    })
    .map_err(|_| LoginError::BadResponse)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    let request = Request::new_with_str_and_init(&crate::config::login_url(server), &init)
        .map_err(|e| LoginError::Network(format!("{e:?}")))?;
    request
        .headers()
        .set("Content-Type", "application/json")
        .map_err(|e| LoginError::Network(format!("{e:?}")))?;
    let window = web_sys::window().ok_or(LoginError::Network("no window".into()))?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| LoginError::Network(format!("{e:?}")))?
        .dyn_into()
        .map_err(|_| LoginError::BadResponse)?;
    let status = resp.status();
    let text = body_text(&resp).await.unwrap_or_default();
    if resp.ok() {
        return serde_json::from_str::<LoginResponse>(&text).map_err(|_| LoginError::BadResponse);
    }
    // The reference server's error body; anything else shows the generic message.
    let message = serde_json::from_str::<HttpError>(&text)
        .map(|b| b.message)
        .unwrap_or_default();
    if status == 401 {
        Err(LoginError::Rejected(message))
    } else {
        Err(LoginError::Http(status, message))
    }
}
