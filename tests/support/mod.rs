//! Helpers shared by the browser test files (each file is its own test binary, so not every
//! helper is used by every file).
#![allow(dead_code)]

use std::cell::Cell;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

thread_local! {
    static COUNTER: Cell<u32> = const { Cell::new(0) };
}

/// A name no other test (or earlier run) uses: databases and storage keys stay apart.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!(
        "{prefix}-{}-{n}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A new element in the page to mount one widget into. English is installed first: the
/// tests have no server to fetch `locales/en.json` from.
pub fn fresh_host() -> HtmlElement {
    messenger_widget::ui::i18n::install_english();
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (up to about 2 s) until `cond` holds.
pub async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        sleep(10).await;
    }
    panic!("timed out waiting for {what}");
}

/// Lets effects run and the browser lay out what they drew.
pub async fn settle() {
    leptos::task::tick().await;
    sleep(20).await;
}

/// The text of the first element under `host` matching `selector`.
pub fn text(host: &HtmlElement, selector: &str) -> Option<String> {
    host.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
}

/// An attribute of the first element under `host` matching `selector`.
pub fn attr(host: &HtmlElement, selector: &str, name: &str) -> Option<String> {
    host.query_selector(selector)
        .unwrap()
        .and_then(|e| e.get_attribute(name))
}

/// How many elements under `host` match `selector`.
pub fn count(host: &HtmlElement, selector: &str) -> u32 {
    host.query_selector_all(selector).unwrap().length()
}

/// A scripted fake WebSocket, installed with `js(FAKE_WS)`: `window.WebSocket` is replaced (the
/// real one kept in `__mwRealWebSocket`), each socket the widget opens lands in
/// `window.__mwSockets`, records what it is sent, and the test answers through
/// `serverSend(frame)` or ends it with `serverClose(code)`.
pub const FAKE_WS: &str = r#"
(function () {
  window.__mwRealWebSocket = window.__mwRealWebSocket || window.WebSocket;
  window.__mwSockets = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url; this.readyState = 0; this.sent = [];
      window.__mwSockets.push(this);
      setTimeout(() => { this.readyState = 1; if (this.onopen) this.onopen({}); }, 0);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code) { this.readyState = 3; this.closedByClient = code || 1000; }
    serverSend(frame) { if (this.onmessage) this.onmessage({ data: JSON.stringify(frame) }); }
    serverClose(code) { this.readyState = 3; if (this.onclose) this.onclose({ code: code }); }
  }
  FakeWebSocket.CONNECTING = 0; FakeWebSocket.OPEN = 1; FakeWebSocket.CLOSING = 2; FakeWebSocket.CLOSED = 3;
  window.WebSocket = FakeWebSocket;
})();
"#;

/// Runs `code` in the page; a failure fails the test with the code and the error.
pub fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("eval failed: {code}: {e:?}"))
}
