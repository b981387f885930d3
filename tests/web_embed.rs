//! Browser tests of the widget embedded in a portal page: mounted inside an open shadow root
//! (as the loader does), with the widget's stylesheet adopted there, under a `style-src 'self'`
//! policy; driven through `mountMessenger` options and `messengerCommand`, and heard through
//! `onEvent`. The server is a scripted fake WebSocket.
#![cfg(target_arch = "wasm32")]

use messenger_widget::storage::copy::CopyStore;
use messenger_widget::storage::drafts::DraftStore;
use messenger_widget::storage::outbox::OutboxStore;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

/// The page's policy for styles, as the reference server sends it, and a record of what the
/// browser refuses under it. A policy added by a `<meta>` applies from then on, to the whole
/// page (every test of this file).
const CSP: &str = r#"
(function () {
  if (window.__mwViolations) return;
  window.__mwViolations = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__mwViolations.push(e.violatedDirective + ' ' + e.sample));
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = "style-src 'self'";
  document.head.appendChild(meta);
})();
"#;

/// A host element inside an open shadow root, with the widget's stylesheet adopted by that
/// root (the loader links it there) and a size of its own.
const SHADOW_HOST: &str = r#"
(function (id) {
  const outer = document.createElement('div');
  outer.id = id;
  document.body.appendChild(outer);
  const root = outer.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(window.__mwCss + '\n.test-host { width: 800px; height: 560px; }');
  root.adoptedStyleSheets = [sheet];
  const host = document.createElement('div');
  host.className = 'test-host';
  root.appendChild(host);
  return host;
})
"#;

/// Language files, answered from the repository instead of a server.
const LOCALES: &str = r#"
(function (fr) {
  if (window.__mwRealFetch) return;
  window.__mwRealFetch = window.fetch;
  window.fetch = (url, init) => String(url).endsWith('/locales/fr.json')
    ? Promise.resolve(new Response(fr, { headers: { 'Content-Type': 'application/json' } }))
    : window.__mwRealFetch(url, init);
})
"#;

fn call(code: &str, arg: &str) -> JsValue {
    js(code)
        .unchecked_into::<js_sys::Function>()
        .call1(&JsValue::NULL, &arg.into())
        .unwrap()
}

/// Everything a test needs: the fake server, the policy, a shadow-root host, a stored session.
fn setup(id: &str) -> HtmlElement {
    // No server here to fetch locales/en.json from.
    messenger_widget::ui::i18n::install_english();
    js(CSP);
    js("window.__mwViolations.length = 0");
    js(FAKE_WS);
    call(LOCALES, include_str!("../locales/fr.json"));
    js_sys::Reflect::set(
        &web_sys::window().unwrap(),
        &"__mwCss".into(),
        &include_str!("../style/messenger.css").into(),
    )
    .unwrap();
    js("window.__mwEvents = []");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.token", "tok-embed").unwrap();
    storage.set_item("messenger.user_id", "1").unwrap();
    call(SHADOW_HOST, id).unchecked_into()
}

/// `mountMessenger(host, options)` with `onEvent` recording what the host hears.
fn mount(host: &HtmlElement, db_name: &str, options: &str) {
    let options = js(&format!(
        "({{ server: 'http://chat.test:8080/', dbName: {db_name:?}, \
         onEvent: (name, detail) => window.__mwEvents.push([name, JSON.parse(JSON.stringify(detail))]), \
         {options} }})"
    ));
    messenger_widget::mount_messenger(host.clone(), options);
}

fn command(host: &HtmlElement, name: &str, arg: &str) -> JsValue {
    messenger_widget::messenger_command(host.clone(), name.into(), js(&format!("({arg})")))
}

/// What the host heard, in order.
fn events() -> Vec<(String, Value)> {
    let text = js("JSON.stringify(window.__mwEvents)").as_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

fn heard(name: &str) -> Vec<Value> {
    events()
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, d)| d)
        .collect()
}

fn violations() -> Vec<String> {
    let text = js("JSON.stringify(window.__mwViolations)")
        .as_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sent_of_type(ty: &str) -> Vec<Value> {
    let text = js("JSON.stringify((window.__mwSockets[0] || { sent: [] }).sent)")
        .as_string()
        .unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.into_iter().filter(|f| f["type"] == ty).collect()
}

fn server_send(frame: Value) {
    js(&format!("window.__mwSockets[0].serverSend({frame})"));
}

fn welcome() -> Value {
    json!({
        "type": "welcome", "protocol_version": 1, "epoch": "e1", "seq": 1,
        "me": {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 1, "presence": "online"},
        "users": [
            {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 1, "presence": "online"},
            {"id": 2, "username": "bob", "display_name": "Bob", "department_id": 1, "presence": "online"}
        ],
        "departments": [{"id": 1, "name": "Head office"}],
        "conversations": [
            {"id": 10, "kind": "direct", "members": [1, 2], "unread": 2, "last_read_message_id": 3,
             "last_message": {"id": 5, "conversation_id": 10, "sender_id": 2, "text": "are you there?", "created_at": 1700000005000_i64}}
        ],
        "new_channels": 1, "unread_notifications": 0,
        "limits": {"max_frame_bytes": 65536, "max_message_bytes": 16384}
    })
}

fn notification(id: i64, importance: &str) -> Value {
    json!({"type": "event", "seq": id, "event": {"kind": "notification_created", "notification":
        {"id": id, "kind": "mention", "title": format!("Bob mentioned you ({id})"), "body": "look",
         "importance": importance, "conversation_id": 10, "created_at": js_sys::Date::now() as i64, "read": false}}})
}

fn q(host: &HtmlElement, sel: &str) -> Option<web_sys::Element> {
    host.query_selector(sel).unwrap()
}

fn click(host: &HtmlElement, sel: &str) {
    q(host, sel)
        .unwrap_or_else(|| panic!("no {sel}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

/// The open state as the widget's element says it.
fn open_attr(host: &HtmlElement) -> Option<String> {
    attr(host, "[data-testid=app]", "data-open")
}

/// Width × height the element takes on screen.
fn area(host: &HtmlElement, sel: &str) -> f64 {
    let r = q(host, sel).unwrap().get_bounding_client_rect();
    r.width() * r.height()
}

fn page_visible() -> bool {
    js("document.visibilityState").as_string().unwrap() == "visible"
}

async fn the_csp_of_these_tests_reports_a_style_attribute() {
    // The other tests assert that the widget causes no violation: this shows one is seen.
    setup("csp-check");
    let el = js(
        "(() => { const d = document.createElement('div'); document.body.appendChild(d); \
                 d.setAttribute('style', 'color: red'); return d; })()",
    )
    .unchecked_into::<HtmlElement>();
    wait_for("a violation", || !violations().is_empty()).await;
    assert!(
        violations()[0].starts_with("style-src"),
        "{:?}",
        violations()
    );
    assert_eq!(
        el.style().get_property_value("color").unwrap(),
        "",
        "blocked"
    );
    el.remove();
}

async fn a_floating_widget_in_a_shadow_root_follows_commands_and_tells_the_host() {
    assert!(page_visible(), "mark-read needs a visible page");
    let host = setup("embed-commands");
    let db = unique("embed-commands");
    mount(
        &host,
        &db,
        "mode: 'floating', theme: 'auto', counters: [{id: 'stream', label: 'Activity stream', \
         icon: '★', count: 3, url: '/intranet/stream'}]",
    );
    settle().await;
    assert_eq!(heard("ready").len(), 1);
    assert_eq!(
        open_attr(&host).as_deref(),
        Some("false"),
        "floating starts closed"
    );
    assert_eq!(
        attr(&host, "[data-testid=app]", "data-mode").as_deref(),
        Some("floating")
    );
    assert_eq!(
        attr(&host, "[data-testid=app]", "data-theme").as_deref(),
        Some("auto")
    );
    assert!(heard("unread").is_empty(), "no count before one is known");
    wait_for("hello", || !sent_of_type("hello").is_empty()).await;
    server_send(welcome());
    settle().await;
    assert_eq!(
        heard("unread"),
        [json!({"messages": 2, "notifications": 0, "channels": 1, "total": 2, "live": true})]
    );
    // Closed: nothing of the messenger takes room on the page.
    assert_eq!(area(&host, ".mw-list"), 0.0);
    assert_eq!(area(&host, ".mw-root"), 0.0);

    command(&host, "open", "undefined");
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("true"));
    assert!(area(&host, ".mw-list") > 0.0);
    assert_eq!(heard("opened").len(), 1);
    // The close button of a floating widget, named for screen readers.
    assert_eq!(
        attr(&host, "[data-testid=close-widget]", "aria-label").as_deref(),
        Some("Close the messenger")
    );
    click(&host, "[data-testid=close-widget]");
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("false"));
    assert_eq!(heard("closed").len(), 1);
    command(&host, "toggle", "undefined");
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("true"));
    assert_eq!(heard("opened").len(), 2);

    // openConversation shows it; open and visible, it is read.
    command(&host, "close", "undefined");
    command(&host, "openConversation", "10");
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("true"));
    assert_eq!(
        text(&host, "[data-testid=chat-title]").as_deref(),
        Some("Bob")
    );
    wait_for("mark_read", || sent_of_type("mark_read").len() == 1).await;
    wait_for("unread 0", || {
        heard("unread").last()
            == Some(&json!({"messages": 0, "notifications": 0, "channels": 1, "total": 0, "live": true}))
    })
    .await;

    // Closed, a message in the open conversation is counted, not read.
    command(&host, "close", "undefined");
    settle().await;
    server_send(
        json!({"type": "event", "seq": 2, "event": {"kind": "message_created",
        "message": {"id": 9, "conversation_id": 10, "sender_id": 2, "text": "still there?", "created_at": 1700000009000_i64}}}),
    );
    wait_for("unread 1", || {
        heard("unread").last()
            == Some(&json!({"messages": 1, "notifications": 0, "channels": 1, "total": 1, "live": true}))
    })
    .await;
    sleep(1_200).await;
    assert_eq!(
        sent_of_type("mark_read").len(),
        1,
        "nothing read while closed"
    );
    command(&host, "open", "undefined");
    wait_for("read on opening", || sent_of_type("mark_read").len() == 2).await;
    assert_eq!(sent_of_type("mark_read")[1]["message_id"], 9);

    // Theme and language.
    command(&host, "setTheme", "'dark'");
    command(&host, "setTheme", "'neon'");
    settle().await;
    assert_eq!(
        attr(&host, "[data-testid=app]", "data-theme").as_deref(),
        Some("dark")
    );
    command(&host, "setLocale", "'fr-CA'");
    wait_for("French", || {
        attr(&host, ".mw-root", "lang").as_deref() == Some("fr")
    })
    .await;
    settle().await;
    assert_eq!(
        attr(&host, "[data-testid=close-widget]", "aria-label").as_deref(),
        Some("Fermer la messagerie")
    );
    command(&host, "setLocale", "'xx'");
    settle().await;
    assert_eq!(attr(&host, ".mw-root", "lang").as_deref(), Some("fr"));
    // The user picks English in the settings; the host's next request still applies.
    click(&host, "[data-testid=settings-button]");
    settle().await;
    js(
        "(() => { const s = document.getElementById('embed-commands').shadowRoot\
        .querySelector('[data-testid=settings-language]'); s.value = 'en'; \
        s.dispatchEvent(new Event('change')); })()",
    );
    wait_for("English", || {
        attr(&host, ".mw-root", "lang").as_deref() == Some("en")
    })
    .await;
    command(&host, "setLocale", "'fr'");
    wait_for("French again", || {
        attr(&host, ".mw-root", "lang").as_deref() == Some("fr")
    })
    .await;
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .remove_item("messenger.locale")
        .unwrap();
    click(&host, "[data-testid=settings-button]");
    settle().await;

    // Host counters: a link when there is one, else a button the host hears about.
    let link = "[data-testid=host-counter][data-counter-id=stream]";
    assert_eq!(q(&host, link).unwrap().tag_name(), "A");
    assert_eq!(
        attr(&host, link, "href").as_deref(),
        Some("/intranet/stream")
    );
    assert_eq!(
        attr(&host, link, "aria-label").as_deref(),
        Some("Activity stream\u{a0}: 3")
    );
    assert_eq!(
        text(&host, &format!("{link} .mw-nav-count")).as_deref(),
        Some("3")
    );
    command(
        &host,
        "setCounters",
        "[{id: 'stream', label: 'Activity stream', icon: '★', count: 0, url: '/intranet/stream'}, \
         {id: 7, label: 'Tasks', icon: '✓', count: 120}, {label: 'no id'}, \
         {id: 'bad', label: 'Bad', url: 'javascript:alert(1)'}]",
    );
    settle().await;
    assert_eq!(count(&host, "[data-testid=host-counter]"), 3);
    assert_eq!(
        attr(&host, link, "aria-label").as_deref(),
        Some("Activity stream")
    );
    assert!(q(&host, &format!("{link} .mw-nav-count[hidden]")).is_some());
    let tasks = "[data-testid=host-counter][data-counter-id='7']";
    assert_eq!(q(&host, tasks).unwrap().tag_name(), "BUTTON");
    assert_eq!(
        attr(&host, tasks, "aria-label").as_deref(),
        Some("Tasks\u{a0}: 99+")
    );
    let bad = "[data-testid=host-counter][data-counter-id=bad]";
    assert_eq!(
        q(&host, bad).unwrap().tag_name(),
        "BUTTON",
        "no javascript: link"
    );
    click(&host, tasks);
    settle().await;
    assert_eq!(heard("counter"), [json!({"id": "7"})]);
    command(&host, "setCounters", "'not a list'");
    settle().await;
    assert_eq!(count(&host, "[data-testid=host-counter]"), 3, "unchanged");

    // What the page gets wrong is a warning, never a panic.
    command(&host, "explode", "1");
    command(&host, "openConversation", "'ten'");
    messenger_widget::messenger_command(fresh_host(), "open".into(), JsValue::UNDEFINED);
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("true"));

    // The widget's own sign-out is heard too.
    click(&host, "[data-testid=sign-out]");
    settle().await;
    assert_eq!(heard("signedOut").len(), 1);
    assert!(violations().is_empty(), "{:?}", violations());
    messenger_widget::unmount(&host);
}

async fn a_closed_widget_shows_toasts_over_the_page_and_a_click_opens_it() {
    let host = setup("embed-toasts");
    mount(&host, &unique("embed-toasts"), "mode: 'floating'");
    wait_for("hello", || !sent_of_type("hello").is_empty()).await;
    server_send(welcome());
    server_send(notification(2, "normal"));
    settle().await;
    assert_eq!(
        heard("notification"),
        [
            json!({"id": 2, "title": "Bob mentioned you (2)", "body": "look", "importance": "normal", "conversation": 10})
        ]
    );
    // Drawn fixed over the page, on screen, and the topmost thing where it is.
    let toast = q(&host, "[data-testid=notification-toast]").expect("toast");
    let r = toast.get_bounding_client_rect();
    let (w, h) = (
        js("innerWidth").as_f64().unwrap(),
        js("innerHeight").as_f64().unwrap(),
    );
    assert!(
        r.width() > 100.0 && r.height() > 20.0,
        "{} × {}",
        r.width(),
        r.height()
    );
    assert!(r.left() >= 0.0 && r.right() <= w && r.top() >= 0.0 && r.bottom() <= h);
    let hit = js(&format!(
        "document.getElementById('embed-toasts').shadowRoot.elementFromPoint({}, {})\
         .closest('[data-testid=notification-toast]') !== null",
        r.left() + r.width() / 2.0,
        r.top() + r.height() / 2.0
    ));
    assert_eq!(hit.as_bool(), Some(true));
    // The high-importance dialog covers the page.
    server_send(notification(3, "high"));
    settle().await;
    assert_eq!(heard("notification").len(), 2);
    assert_eq!(heard("notification")[1]["importance"], "high");
    let overlay = q(&host, ".mw-overlay").unwrap().get_bounding_client_rect();
    let (cw, ch) = (
        js("document.documentElement.clientWidth").as_f64().unwrap(),
        js("document.documentElement.clientHeight")
            .as_f64()
            .unwrap(),
    );
    assert_eq!(
        (overlay.width(), overlay.height()),
        (cw, ch),
        "the viewport, bar its scrollbars"
    );
    click(&host, "[data-testid=notification-dismiss]");
    settle().await;

    // Clicking the toast opens the widget on its conversation.
    assert!(heard("opened").is_empty());
    click(&host, "[data-testid=notification-toast]");
    settle().await;
    assert_eq!(open_attr(&host).as_deref(), Some("true"));
    assert_eq!(heard("opened").len(), 1);
    assert_eq!(
        text(&host, "[data-testid=chat-title]").as_deref(),
        Some("Bob")
    );
    assert!(violations().is_empty(), "{:?}", violations());
    messenger_widget::unmount(&host);
}

async fn the_dialog_gives_the_focus_back_inside_a_shadow_root() {
    let host = setup("embed-focus");
    mount(&host, &unique("embed-focus"), "");
    wait_for("hello", || !sent_of_type("hello").is_empty()).await;
    server_send(welcome());
    settle().await;
    let focused = || {
        js("(document.getElementById('embed-focus').shadowRoot.activeElement || {}).dataset?.testid")
            .as_string()
    };
    q(&host, "[data-testid=settings-button]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .focus()
        .unwrap();
    assert_eq!(focused().as_deref(), Some("settings-button"));
    server_send(notification(2, "high"));
    settle().await;
    assert_eq!(focused().as_deref(), Some("notification-open"));
    // Tab wraps round the dialog.
    js("window.dispatchEvent(new KeyboardEvent('keydown', {key: 'Tab', bubbles: true, cancelable: true}))");
    settle().await;
    assert_eq!(focused().as_deref(), Some("notification-dismiss"));
    js("window.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true, cancelable: true}))");
    settle().await;
    assert_eq!(count(&host, "[data-testid=notification-dialog]"), 0);
    assert_eq!(focused().as_deref(), Some("settings-button"));
    messenger_widget::unmount(&host);
}

async fn shutdown_forgets_the_user_and_the_next_mount_asks_to_sign_in() {
    let host = setup("embed-shutdown");
    let db = unique("embed-shutdown");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.text_zoom", "125").unwrap();
    storage.set_item("other.app.key", "kept").unwrap();
    mount(&host, &db, "");
    wait_for("hello", || !sent_of_type("hello").is_empty()).await;
    server_send(welcome());
    settle().await;
    command(&host, "openConversation", "10");
    settle().await;
    // A draft, an unsent message and the local copy: all in IndexedDB.
    let input = q(&host, "[data-testid=compose-input]")
        .unwrap()
        .unchecked_into::<web_sys::HtmlTextAreaElement>();
    input.set_value("not sent yet");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(&host, "[data-testid=compose-send]");
    settle().await;
    input.set_value("a draft");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let store = DraftStore::open(&db).await.unwrap();
    for _ in 0..100 {
        if store.load(1, 10).await.unwrap().is_some()
            && !OutboxStore::from(&store).load(1).await.unwrap().is_empty()
        {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(store.load(1, 10).await.unwrap().as_deref(), Some("a draft"));
    assert_eq!(OutboxStore::from(&store).load(1).await.unwrap().len(), 1);
    assert!(CopyStore::from(&store)
        .load(1)
        .await
        .unwrap()
        .welcome
        .is_some());
    store.close();

    let done = command(&host, "shutdown", "undefined");
    JsFuture::from(done.dyn_into::<js_sys::Promise>().expect("a Promise"))
        .await
        .unwrap();
    settle().await;
    assert_eq!(heard("signedOut").len(), 1);
    assert_eq!(count(&host, ".mw-root"), 0, "unmounted");
    for key in [
        "messenger.token",
        "messenger.user_id",
        "messenger.text_zoom",
        "messenger.last_conversation.1",
    ] {
        assert_eq!(storage.get_item(key).unwrap(), None, "{key}");
    }
    assert_eq!(
        storage.get_item("other.app.key").unwrap().as_deref(),
        Some("kept")
    );
    let names = JsFuture::from(
        js("indexedDB.databases()")
            .dyn_into::<js_sys::Promise>()
            .unwrap(),
    )
    .await
    .unwrap();
    let names = js_sys::JSON::stringify(&names)
        .unwrap()
        .as_string()
        .unwrap();
    assert!(!names.contains(&db), "database deleted: {names}");

    // The next person at this browser signs in, and finds nothing of the last one.
    mount(&host, &db, "");
    settle().await;
    assert!(q(&host, "[data-testid=login-username]").is_some());
    let store = DraftStore::open(&db).await.unwrap();
    assert_eq!(store.load(1, 10).await.unwrap(), None);
    assert!(OutboxStore::from(&store).load(1).await.unwrap().is_empty());
    assert!(CopyStore::from(&store)
        .load(1)
        .await
        .unwrap()
        .welcome
        .is_none());
    store.close();
    assert!(violations().is_empty(), "{:?}", violations());
    messenger_widget::unmount(&host);
    storage.remove_item("other.app.key").unwrap();
}

// One test: wasm-bindgen-test runs a file's async tests side by side, and these share the page's
// fake socket, event record and policy.
#[wasm_bindgen_test]
async fn embedded() {
    the_csp_of_these_tests_reports_a_style_attribute().await;
    a_floating_widget_in_a_shadow_root_follows_commands_and_tells_the_host().await;
    a_closed_widget_shows_toasts_over_the_page_and_a_click_opens_it().await;
    the_dialog_gives_the_focus_back_inside_a_shadow_root().await;
    shutdown_forgets_the_user_and_the_next_mount_asks_to_sign_in().await;
}
