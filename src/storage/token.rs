//! The session token in `localStorage` (`messenger.token`, `messenger.user_id`).

use messenger_protocol::UserId;

pub const TOKEN_KEY: &str = "messenger.token";
pub const USER_ID_KEY: &str = "messenger.user_id";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub token: String,
    pub user_id: Option<UserId>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load() -> Option<StoredSession> {
    let s = storage()?;
    let token = s.get_item(TOKEN_KEY).ok().flatten()?;
    if token.is_empty() {
        return None;
    }
    let user_id = s
        .get_item(USER_ID_KEY)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok());
    Some(StoredSession { token, user_id })
}

pub fn save(session: &StoredSession) {
    if let Some(s) = storage() {
        let _ = s.set_item(TOKEN_KEY, &session.token);
        match session.user_id {
            Some(id) => {
                let _ = s.set_item(USER_ID_KEY, &id.to_string());
            }
            None => {
                let _ = s.remove_item(USER_ID_KEY);
            }
        }
    }
}

pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(TOKEN_KEY);
        let _ = s.remove_item(USER_ID_KEY);
    }
}
