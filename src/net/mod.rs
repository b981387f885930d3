//! Thin browser network adapters: the WebSocket connection, the tabs sharing it and the login
//! request.

pub mod files;
pub mod http_link;
pub mod locale;
pub mod login;
pub mod socket;
pub mod tabs;
pub mod upload;

/// A random prefix for command ids, unique across tabs and reloads.
pub fn random_id_prefix() -> String {
    let r1 = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let r2 = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let now = js_sys::Date::now() as u64;
    format!("{now:x}-{r1:08x}{r2:08x}")
}
