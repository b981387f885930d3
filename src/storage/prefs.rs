//! Per-device preferences in `localStorage`: the last open conversation of each user, the
//! text zoom, the interface language, browser notifications and the sound. Reads never fail: a missing, unreadable or foreign
//! value reads as "no preference".

use std::ops::RangeInclusive;

use crate::core::i18n::Locale;
use crate::core::settings_form::{DEFAULT_TEXT_SIZE, TEXT_SIZES};

use messenger_protocol::{ConversationId, UserId};

/// Key prefix of the last open conversation; the user id follows.
pub const LAST_CONVERSATION_KEY: &str = "messenger.last_conversation.";
pub const TEXT_ZOOM_KEY: &str = "messenger.text_zoom";
/// The interface language the user picked in the settings, as its code.
pub const LOCALE_KEY: &str = "messenger.locale";
/// "1" once the user turned browser notifications on in the settings (the browser's
/// permission alone is not enough: a page never notifies before that click).
pub const NOTIFY_KEY: &str = "messenger.notify";
/// "1": a tone for each new message or notification (off unless set).
pub const SOUND_KEY: &str = "messenger.sound";

/// Text zoom in percent.
pub const TEXT_ZOOM_RANGE: RangeInclusive<u16> = TEXT_SIZES[0]..=TEXT_SIZES[TEXT_SIZES.len() - 1];
pub const TEXT_ZOOM_DEFAULT: u16 = DEFAULT_TEXT_SIZE;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        // Full or disabled storage: the preference is simply not kept.
        let _ = s.set_item(key, value);
    }
}

fn last_conversation_key(user: UserId) -> String {
    format!("{LAST_CONVERSATION_KEY}{user}")
}

/// The conversation `user` had open last on this device.
pub fn last_conversation(user: UserId) -> Option<ConversationId> {
    get(&last_conversation_key(user))?.trim().parse().ok()
}

pub fn set_last_conversation(user: UserId, conversation: ConversationId) {
    set(&last_conversation_key(user), &conversation.to_string());
}

/// Forgets the last conversation of `user` (e.g. it was left).
pub fn clear_last_conversation(user: UserId) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&last_conversation_key(user));
    }
}

/// The nearest zoom in [`TEXT_ZOOM_RANGE`].
pub fn clamp_text_zoom(percent: i64) -> u16 {
    let (min, max) = (*TEXT_ZOOM_RANGE.start(), *TEXT_ZOOM_RANGE.end());
    percent.clamp(i64::from(min), i64::from(max)) as u16
}

/// A stored zoom: whole percent, clamped; anything else is ignored.
pub fn parse_text_zoom(stored: &str) -> Option<u16> {
    stored.trim().parse::<i64>().ok().map(clamp_text_zoom)
}

/// The text zoom in percent ([`TEXT_ZOOM_DEFAULT`] unless set).
pub fn text_zoom() -> u16 {
    get(TEXT_ZOOM_KEY)
        .as_deref()
        .and_then(parse_text_zoom)
        .unwrap_or(TEXT_ZOOM_DEFAULT)
}

/// Stores the zoom, clamped into [`TEXT_ZOOM_RANGE`]; returns what was stored.
pub fn set_text_zoom(percent: i64) -> u16 {
    let zoom = clamp_text_zoom(percent);
    set(TEXT_ZOOM_KEY, &zoom.to_string());
    zoom
}

/// The language the user picked on this device, if any.
pub fn locale() -> Option<Locale> {
    Locale::from_tag(&get(LOCALE_KEY)?)
}

pub fn set_locale(locale: Locale) {
    set(LOCALE_KEY, locale.code());
}

/// A switch kept on this device: on when stored as "1".
pub fn switch(key: &str) -> bool {
    get(key).as_deref() == Some("1")
}

pub fn set_switch(key: &str, on: bool) {
    set(key, if on { "1" } else { "0" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_is_clamped_into_range() {
        assert_eq!(clamp_text_zoom(100), 100);
        assert_eq!(clamp_text_zoom(80), 80);
        assert_eq!(clamp_text_zoom(150), 150);
        assert_eq!(clamp_text_zoom(79), 80);
        assert_eq!(clamp_text_zoom(151), 150);
        assert_eq!(clamp_text_zoom(-5), 80);
        assert_eq!(clamp_text_zoom(i64::MAX), 150);
    }

    #[test]
    fn stored_zoom_parses_whole_percent_or_nothing() {
        assert_eq!(parse_text_zoom("120"), Some(120));
        assert_eq!(parse_text_zoom(" 90 "), Some(90));
        assert_eq!(parse_text_zoom("400"), Some(150));
        for bad in ["", "abc", "12.5", "NaN", "1e2", "99999999999999999999"] {
            assert_eq!(parse_text_zoom(bad), None, "{bad:?}");
        }
    }
}
