//! Widget configuration, from the host element's data attributes or `mountMessenger` options.

use crate::core::embed::{HostCounter, Mode, Theme};

/// Default IndexedDB database name.
pub const DEFAULT_DB_NAME: &str = "messenger-widget";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// HTTP(S) base URL of the server; `None` means the page's origin.
    pub server: Option<String>,
    /// A token handed over by a portal (skips the login form).
    pub token: Option<String>,
    /// Whose `token` it is: the outbox and the local copy are kept per user, so without it a
    /// portal's session works from memory only.
    pub user_id: Option<messenger_protocol::UserId>,
    /// BCP 47 locale for the UI (`lang` attribute); `None` uses the page's.
    pub locale: Option<String>,
    /// IndexedDB database name for drafts; `None` means [`DEFAULT_DB_NAME`].
    pub db_name: Option<String>,
    pub theme: Theme,
    pub mode: Mode,
    /// Whether the widget starts open; `None`: as its mode starts ([`Mode::starts_open`]).
    pub open: Option<bool>,
    /// Sound on new messages; `None`: the user's own setting.
    pub sound: Option<bool>,
    /// The host's own counters in the rail.
    pub counters: Vec<HostCounter>,
}

impl Config {
    pub fn db_name(&self) -> String {
        self.db_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DB_NAME.to_string())
    }
}

/// `http://host:port/base/` → `http://host:port/base` (no trailing slash).
pub fn normalize_base(server: &str) -> String {
    server.trim().trim_end_matches('/').to_string()
}

/// The WebSocket URL for a server base: `http` → `ws`, `https` → `wss`, plus `/ws`.
pub fn ws_url(server: &str) -> String {
    let base = normalize_base(server);
    let swapped = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base
    };
    format!("{swapped}/ws")
}

/// The login endpoint for a server base.
pub fn login_url(server: &str) -> String {
    format!("{}/api/login", normalize_base(server))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ws_url("http://localhost:8080"), "ws://localhost:8080/ws");
        assert_eq!(
            ws_url("https://chat.example.com/"),
            "wss://chat.example.com/ws"
        );
        assert_eq!(ws_url("https://x.org/base/"), "wss://x.org/base/ws");
        assert_eq!(login_url("http://a:1/"), "http://a:1/api/login");
    }

    #[test]
    fn db_name_default() {
        assert_eq!(Config::default().db_name(), DEFAULT_DB_NAME);
        let c = Config {
            db_name: Some("x".into()),
            ..Config::default()
        };
        assert_eq!(c.db_name(), "x");
    }
}
