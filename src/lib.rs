//! messenger-widget: an embeddable messenger (Leptos, WebAssembly).
//!
//! - [`core`]: the client core (reducer, outbox, backoff...), plain Rust, no browser types.
//! - [`net`], [`storage`]: thin browser adapters (WebSocket, login fetch, localStorage,
//!   IndexedDB drafts).
//! - [`ui`]: the Leptos views.
//!
//! Entry points: the `start` function mounts the widget into every element carrying
//! `data-messenger-autostart`; portals call `mountMessenger(hostElement, options)` from JS;
//! Rust hosts call [`mount`].

pub mod config;
pub mod core;
pub mod net;
pub mod storage;
pub(crate) mod timer;
pub mod ui;

pub use config::Config;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

thread_local! {
    /// The widgets on this page, by host element; a widget lives until it is unmounted.
    static MOUNTED: std::cell::RefCell<Vec<Mounted>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Mounted {
    host: HtmlElement,
    /// The mounted view (dropping it unmounts).
    _view: Box<dyn std::any::Any>,
    embed: ui::embed::Embed,
    /// The host's `onEvent`.
    on_event: Option<js_sys::Function>,
    /// Its IndexedDB database (`shutdown` deletes it).
    db_name: String,
}

/// Mounts the widget into `host` (its existing children are kept; the widget is appended).
/// A host that already holds a widget gets a fresh one in its place.
pub fn mount(host: HtmlElement, config: Config) {
    mount_with_events(host, config, None);
}

/// [`mount`], telling `on_event(name, detail)` what happens (the `onEvent` option).
pub fn mount_with_events(host: HtmlElement, config: Config, on_event: Option<js_sys::Function>) {
    unmount(&host);
    let db_name = config.db_name();
    let made = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = made.clone();
    let view = leptos::mount::mount_to(host.clone(), move || {
        let embed = ui::embed::Embed::new(&config);
        slot.set(Some(embed));
        leptos::prelude::view! { <ui::App config=config embed=embed /> }
    });
    if let Some(embed) = made.take() {
        MOUNTED.with(|m| {
            m.borrow_mut().push(Mounted {
                host,
                _view: Box::new(view),
                embed,
                on_event,
                db_name,
            })
        });
    }
}

/// Removes the widget from `host`: its views, connection, timers and listeners go with it.
/// Nothing happens when `host` holds no widget.
pub fn unmount(host: &HtmlElement) {
    // One widget per host (`mount` unmounts first), so the first one found is the one.
    let gone = MOUNTED.with(|m| {
        let mut m = m.borrow_mut();
        let at = m.iter().position(|w| w.host == *host)?;
        Some(m.swap_remove(at))
    });
    // Dropped outside the borrow: unmounting runs cleanups that may mount again.
    drop(gone);
}

fn mounted(host: &HtmlElement) -> Option<(ui::embed::Embed, String)> {
    MOUNTED.with(|m| {
        let m = m.borrow();
        let w = m.iter().find(|w| w.host == *host)?;
        Some((w.embed, w.db_name.clone()))
    })
}

/// The `onEvent` of the mounted widget `embed` belongs to; `None` once it is unmounted.
pub(crate) fn listener_of(embed: ui::embed::Embed) -> Option<js_sys::Function> {
    MOUNTED.with(|m| {
        let m = m.borrow();
        m.iter()
            .find(|w| w.embed.open == embed.open)
            .and_then(|w| w.on_event.clone())
    })
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Reads a configuration from the host element's `data-*` attributes.
pub fn config_from_element(el: &web_sys::Element) -> Config {
    Config {
        server: non_empty(el.get_attribute("data-server")),
        token: non_empty(el.get_attribute("data-token")),
        user_id: el
            .get_attribute("data-user-id")
            .and_then(|v| v.trim().parse().ok()),
        locale: non_empty(el.get_attribute("data-locale")),
        db_name: non_empty(el.get_attribute("data-db-name")),
        ..Config::default()
    }
}

/// Reads a configuration from a JS options object `{server, token, locale, dbName, theme,
/// mode, open, sound, counters}` (see the README); what is missing or of the wrong kind is left
/// at its default, with a console warning for a value the widget does not know.
pub fn config_from_options(options: &JsValue) -> Config {
    use crate::core::embed::{Mode, Theme};
    use ui::embed::{counters_from, field, warn};
    let get = |key: &str| non_empty(field(options, key).as_string());
    let flag = |key: &str| field(options, key).as_bool();
    let known = |key: &str, parsed: Option<()>, what: &str| {
        if parsed.is_none() && get(key).is_some() {
            warn(what);
        }
    };
    let theme = get("theme").and_then(|t| Theme::parse(&t));
    let mode = get("mode").and_then(|m| Mode::parse(&m));
    known("theme", theme.map(drop), "unknown theme");
    known("mode", mode.map(drop), "unknown mode");
    let counters = field(options, "counters");
    let counters = if counters.is_undefined() {
        Vec::new()
    } else {
        counters_from(&counters).unwrap_or_else(|e| {
            warn(e);
            Vec::new()
        })
    };
    Config {
        server: get("server"),
        token: get("token"),
        user_id: field(options, "userId")
            .as_f64()
            .filter(|v| v.fract() == 0.0 && *v > 0.0)
            .map(|v| v as messenger_protocol::UserId),
        locale: get("locale"),
        db_name: get("dbName"),
        theme: theme.unwrap_or_default(),
        mode: mode.unwrap_or_default(),
        open: flag("open"),
        sound: flag("sound"),
        counters,
    }
}

/// JS entry point for portals: `mountMessenger(element, options)`; `options.onEvent(name,
/// detail)` hears what happens.
#[wasm_bindgen(js_name = mountMessenger)]
pub fn mount_messenger(host: HtmlElement, options: JsValue) {
    let on_event = ui::embed::field(&options, "onEvent").dyn_into().ok();
    mount_with_events(host, config_from_options(&options), on_event);
}

/// JS entry point for portals: `messengerCommand(element, name, arg)` drives the widget
/// mounted in `element`: `open`, `close`, `toggle`, `openConversation`, `setLocale`,
/// `setTheme`, `setCounters`, and `shutdown`, which returns a Promise. An unknown command, a
/// bad argument or an element without a widget is a console warning.
#[wasm_bindgen(js_name = messengerCommand)]
pub fn messenger_command(host: HtmlElement, name: JsValue, arg: JsValue) -> JsValue {
    use crate::core::embed::Command;
    let Some((embed, db_name)) = mounted(&host) else {
        ui::embed::warn("no widget in this element");
        return JsValue::UNDEFINED;
    };
    let name = name.as_string().unwrap_or_default();
    let Some(command) = Command::parse(&name) else {
        ui::embed::warn(&format!("unknown command {name}"));
        return JsValue::UNDEFINED;
    };
    if command == Command::Shutdown {
        return ui::embed::shutdown(host, embed, db_name).into();
    }
    if let Err(e) = embed.command(command, &arg) {
        ui::embed::warn(e);
    }
    JsValue::UNDEFINED
}

/// JS entry point for portals: `unmountMessenger(element)`.
#[wasm_bindgen(js_name = unmountMessenger)]
pub fn unmount_messenger(host: HtmlElement) {
    unmount(&host);
}

/// Mounts the widget into every `[data-messenger-autostart]` element of the page that the
/// loader has not claimed (`data-messenger-claimed`): the loader mounts those itself, with the
/// page's events.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = "[data-messenger-autostart]:not([data-messenger-claimed])";
    let Ok(hosts) = document.query_selector_all(selector) else {
        return;
    };
    for i in 0..hosts.length() {
        if let Some(el) = hosts.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
            let config = config_from_element(&el);
            mount(el, config);
        }
    }
}
