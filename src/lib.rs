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
    static MOUNTED: std::cell::RefCell<Vec<(HtmlElement, Box<dyn std::any::Any>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Mounts the widget into `host` (its existing children are kept; the widget is appended).
/// A host that already holds a widget gets a fresh one in its place.
pub fn mount(host: HtmlElement, config: Config) {
    unmount(&host);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        leptos::prelude::view! { <ui::App config=config /> }
    });
    MOUNTED.with(|m| m.borrow_mut().push((host, Box::new(handle))));
}

/// Removes the widget from `host`: its views, connection, timers and listeners go with it.
/// Nothing happens when `host` holds no widget.
pub fn unmount(host: &HtmlElement) {
    let gone: Vec<_> = MOUNTED.with(|m| {
        let mut m = m.borrow_mut();
        let (gone, kept) = m.drain(..).partition(|(h, _)| h == host);
        *m = kept;
        gone
    });
    // Dropped outside the borrow: unmounting runs cleanups that may mount again.
    drop(gone);
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Reads a configuration from the host element's `data-*` attributes.
pub fn config_from_element(el: &web_sys::Element) -> Config {
    Config {
        server: non_empty(el.get_attribute("data-server")),
        token: non_empty(el.get_attribute("data-token")),
        locale: non_empty(el.get_attribute("data-locale")),
        db_name: non_empty(el.get_attribute("data-db-name")),
    }
}

/// Reads a configuration from a JS options object `{server, token, locale, dbName}`.
pub fn config_from_options(options: &JsValue) -> Config {
    let get = |key: &str| -> Option<String> {
        if options.is_undefined() || options.is_null() {
            return None;
        }
        non_empty(
            js_sys::Reflect::get(options, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string()),
        )
    };
    Config {
        server: get("server"),
        token: get("token"),
        locale: get("locale"),
        db_name: get("dbName"),
    }
}

/// JS entry point for portals: `mountMessenger(element, {server, token, locale, dbName})`.
#[wasm_bindgen(js_name = mountMessenger)]
pub fn mount_messenger(host: HtmlElement, options: JsValue) {
    mount(host, config_from_options(&options));
}

/// JS entry point for portals: `unmountMessenger(element)`.
#[wasm_bindgen(js_name = unmountMessenger)]
pub fn unmount_messenger(host: HtmlElement) {
    unmount(&host);
}

/// Mounts the widget into every `[data-messenger-autostart]` element of the page.
#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(hosts) = document.query_selector_all("[data-messenger-autostart]") else {
        return;
    };
    for i in 0..hosts.length() {
        if let Some(el) = hosts.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
            let config = config_from_element(&el);
            mount(el, config);
        }
    }
}
