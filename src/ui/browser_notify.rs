//! The browser's part of alerts: the Notification API and a short tone (a WebAudio
//! oscillator, no sound file). Which tab raises them and for what is `core::alerts`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AudioContext, NotificationOptions, NotificationPermission};

/// Whether the browser shows this page's notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Granted,
    Denied,
    /// Not asked yet.
    Ask,
    /// No Notification API (an old or embedded browser, an insecure page).
    Unsupported,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Granted => "granted",
            Permission::Denied => "denied",
            Permission::Ask => "default",
            Permission::Unsupported => "unsupported",
        }
    }
}

pub fn permission() -> Permission {
    let supported = web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()) == Ok(true));
    if !supported {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// Asks the browser for the permission (only ever from the settings button's click).
pub async fn request() -> Permission {
    if permission() == Permission::Ask {
        if let Ok(p) = web_sys::Notification::request_permission() {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        }
    }
    permission()
}

/// A notification on screen and its click handler; dropped, it forgets the click (the
/// notification itself stays with the system).
pub struct Shown {
    note: web_sys::Notification,
    _click: Closure<dyn FnMut()>,
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.note.set_onclick(None);
    }
}

/// Shows a notification; a click brings this window to the front and runs `on_click`.
pub fn show(title: &str, body: &str, tag: &str, on_click: Box<dyn Fn()>) -> Option<Shown> {
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let note = web_sys::Notification::new_with_options(title, &options).ok()?;
    let shown = note.clone();
    let click = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        shown.close();
        on_click();
    });
    note.set_onclick(Some(click.as_ref().unchecked_ref()));
    Some(Shown {
        note,
        _click: click,
    })
}

/// One short, quiet tone on `audio` (made once per page and kept).
pub fn tone(audio: &AudioContext) -> Result<(), JsValue> {
    // Suspended until the page has had a user gesture; resuming is allowed after one.
    let _ = audio.resume();
    let osc = audio.create_oscillator()?;
    let gain = audio.create_gain()?;
    let t = audio.current_time();
    osc.frequency().set_value(880.0);
    gain.gain().set_value_at_time(0.08, t)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.001, t + 0.18)?;
    osc.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&audio.destination())?;
    osc.start()?;
    osc.stop_with_when(t + 0.2)
}
