//! Browser tests of the navigation views (sidebar counters, channel list, notification
//! center and pop-ups, settings, contacts tree) against a scripted fake WebSocket.
#![cfg(target_arch = "wasm32")]

use messenger_widget::Config;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn sent_of_type(ty: &str) -> Vec<Value> {
    let text = js("JSON.stringify(window.__mwSockets[0].sent)")
        .as_string()
        .unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.into_iter().filter(|f| f["type"] == ty).collect()
}

fn server_send(frame: Value) {
    js(&format!("window.__mwSockets[0].serverSend({frame})"));
}

fn welcome() -> Value {
    let an_hour_ago = js_sys::Date::now() as i64 - 3_600_000;
    json!({
        "type": "welcome", "protocol_version": 1, "epoch": "e1", "seq": 1,
        "me": {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 2, "presence": "online"},
        "users": [
            {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 2, "presence": "online"},
            {"id": 2, "username": "bob", "display_name": "Bob Nguyen", "department_id": 3, "presence": "online"},
            {"id": 3, "username": "emile", "display_name": "Émile Zola", "department_id": 2, "presence": "offline", "last_seen": an_hour_ago},
            {"id": 4, "username": "erin", "display_name": "Erin", "department_id": 1, "presence": "away"}
        ],
        "departments": [{"id": 1, "name": "Head office"}, {"id": 2, "name": "Engineering", "parent_id": 1},
                        {"id": 3, "name": "Sales", "parent_id": 1}],
        "conversations": [
            {"id": 10, "kind": "direct", "members": [1, 2], "unread": 0,
             "last_message": {"id": 5, "conversation_id": 10, "sender_id": 1, "text": "see you", "created_at": 1700000005000_i64}},
            {"id": 11, "kind": "group", "title": "Team", "members": [1, 2], "unread": 0,
             "last_message": {"id": 6, "conversation_id": 11, "sender_id": 2, "text": "Bob joined", "created_at": 1700000004000_i64,
                              "system": {"action": "joined", "user_id": 2}}}
        ],
        "new_channels": 120, "unread_notifications": 3,
        "settings": {"email_mode": "digest", "digest_minutes": 30, "always_forward_offline": true, "send_key": "ctrl_enter"},
        "limits": {"max_frame_bytes": 65536, "max_message_bytes": 16384}
    })
}

fn notification(id: i64, importance: &str, read: bool) -> Value {
    json!({"id": id, "kind": "mention", "title": format!("Bob mentioned you ({id})"), "body": "<b>hey</b>",
           "importance": importance, "conversation_id": 10, "created_at": js_sys::Date::now() as i64, "read": read})
}

#[wasm_bindgen_test]
async fn counters_panels_popups_and_tree() {
    js(FAKE_WS);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.token", "tok-nav").unwrap();
    storage.set_item("messenger.user_id", "1").unwrap();
    let host: HtmlElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap()
        .unchecked_into();
    host.set_id("nav-host");
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .body()
        .unwrap()
        .append_child(&host)
        .unwrap();
    messenger_widget::mount(
        host.clone(),
        Config {
            server: Some("http://chat.test:8080/".into()),
            db_name: Some(format!("nav-{}", js_sys::Math::random())),
            ..Config::default()
        },
    );
    let qa = |sel: &str| count(&host, sel);
    let text_of = |sel: &str| text(&host, sel).unwrap_or_default();
    let attr = |sel: &str, name: &str| support::attr(&host, sel, name);
    let click = |sel: &str| {
        let el: HtmlElement = host
            .query_selector(sel)
            .unwrap()
            .unwrap_or_else(|| panic!("no {sel}"))
            .unchecked_into();
        el.click();
    };
    let has_class = |sel: &str, class: &str| {
        host.query_selector(sel)
            .unwrap()
            .is_some_and(|e| e.class_list().contains(class))
    };

    wait_for("hello", || {
        js("window.__mwSockets.length").as_f64() == Some(1.0) && !sent_of_type("hello").is_empty()
    })
    .await;
    server_send(welcome());
    settle().await;

    // Counters: capped at 99+, a zero is muted.
    assert_eq!(text_of("[data-testid=channels-counter]"), "99+");
    assert_eq!(text_of("[data-testid=notifications-counter]"), "3");
    assert_eq!(text_of("[data-testid=unread-counter]"), "0");
    assert!(has_class("[data-testid=unread-counter]", "mw-nav-zero"));
    assert!(!has_class("[data-testid=channels-counter]", "mw-nav-zero"));

    // Conversation previews: own messages and system lines.
    assert_eq!(
        text_of("[data-conversation-id='10'] [data-testid=conversation-preview]"),
        "You: see you"
    );
    assert!(has_class(
        "[data-conversation-id='11'] [data-testid=conversation-preview]",
        "mw-conv-system"
    ));

    // Contacts tree: nested, last seen for offline people, collapsible.
    assert_eq!(qa("[data-testid=department]"), 3);
    assert_eq!(qa("[data-testid=contact]"), 3);
    assert!(text_of("[data-testid=contact][data-username=emile]").contains("last seen "));
    click("[data-testid=department][data-department-id='2']");
    settle().await;
    assert_eq!(qa("[data-testid=contact][data-username=emile]"), 0);
    assert_eq!(qa("[data-testid=contact]"), 2);
    click("[data-testid=department][data-department-id='1']");
    settle().await;
    assert_eq!(qa("[data-testid=contact]"), 0);
    assert_eq!(qa("[data-testid=department]"), 1);
    click("[data-testid=department][data-department-id='1']");
    settle().await;
    click("[data-testid=department][data-department-id='2']");
    settle().await;
    assert_eq!(qa("[data-testid=contact]"), 3);

    // Search: accents and case ignored, department path shown, empty result said.
    let search = |text: &str| {
        js(&format!(
            "(() => {{ const t = document.querySelector('#nav-host [data-testid=contact-search]'); \
             t.value = {}; t.dispatchEvent(new Event('input', {{bubbles: true}})); }})()",
            serde_json::to_string(text).unwrap()
        ));
    };
    search("EMI");
    settle().await;
    assert_eq!(qa("[data-testid=contact]"), 1);
    assert!(text_of("[data-testid=contact]").contains("Head office / Engineering"));
    search("nobody");
    settle().await;
    assert_eq!(qa("[data-testid=contact]"), 0);
    assert_eq!(qa("[data-testid=contact-search-empty]"), 1);
    search("");
    settle().await;
    assert_eq!(qa("[data-testid=contact]"), 3);

    // Channel list: asked for, marks the channels seen, joins.
    click("[data-testid=channels-counter]");
    settle().await;
    assert_eq!(
        qa("[hidden] [data-testid=contact-search]"),
        1,
        "replaces the home list"
    );
    let list = sent_of_type("list_channels");
    assert_eq!(list.len(), 1);
    server_send(
        json!({"type": "ack", "id": list[0]["id"], "result": {"kind": "channels", "channels": [
            {"id": 30, "title": "Releases", "member_count": 3, "joined": false, "created_at": 1},
            {"id": 20, "title": "Random", "member_count": 1, "joined": true, "created_at": 1}
        ]}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=channel]"), 2);
    assert!(text_of("[data-channel-id='30']").contains("3 members"));
    let seen = sent_of_type("mark_channels_seen");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["up_to"], 30);
    assert_eq!(text_of("[data-testid=channels-counter]"), "0");
    server_send(json!({"type": "ack", "id": seen[0]["id"], "result": {"kind": "done"}}));
    click("[data-channel-id='30'] [data-testid=channel-join]");
    settle().await;
    let join = sent_of_type("join_channel");
    assert_eq!(join.len(), 1);
    assert_eq!(join[0]["conversation_id"], 30);
    server_send(
        json!({"type": "ack", "id": join[0]["id"], "result": {"kind": "conversation", "conversation":
        {"id": 30, "kind": "channel", "title": "Releases", "members": [1, 2, 3, 4], "unread": 0}}}),
    );
    settle().await;
    assert_eq!(text_of("[data-testid=chat-title]"), "Releases");
    assert_eq!(
        attr("[data-channel-id='30']", "data-joined").as_deref(),
        Some("true")
    );
    click("[data-testid=panel-back]");
    settle().await;
    assert_eq!(qa("[hidden] [data-testid=contact-search]"), 0);
    assert_eq!(qa("[data-testid=channel-list]:not([hidden])"), 0);

    // Live notifications: a toast for normal importance, a dialog for high.
    server_send(
        json!({"type": "event", "seq": 2, "event": {"kind": "notification_created",
        "notification": notification(41, "normal", false)}}),
    );
    server_send(
        json!({"type": "event", "seq": 3, "event": {"kind": "notification_created",
        "notification": notification(42, "high", false)}}),
    );
    settle().await;
    assert_eq!(text_of("[data-testid=notifications-counter]"), "5");
    assert_eq!(qa("[data-testid=notification-toast]"), 1);
    assert_eq!(qa("[data-testid=notification-dialog]"), 1);
    assert_eq!(
        qa("[data-testid=notification-dialog] b"),
        0,
        "text, not HTML"
    );
    click("[data-testid=notification-dismiss]");
    settle().await;
    assert_eq!(qa("[data-testid=notification-dialog]"), 0);
    assert_eq!(text_of("[data-testid=notifications-counter]"), "5");

    // The center: a page, click marks read, mark all.
    click("[data-testid=notifications-counter]");
    settle().await;
    let lists = sent_of_type("list_notifications");
    assert_eq!(lists.len(), 1);
    assert!(lists[0].get("before").is_none());
    server_send(
        json!({"type": "ack", "id": lists[0]["id"], "result": {"kind": "notifications",
        "notifications": [notification(42, "high", false), notification(41, "normal", false),
                          notification(40, "normal", true)],
        "has_more": true, "unread": 5}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=notification]"), 3);
    assert_eq!(qa("[data-testid=notification][data-read=false]"), 2);
    click("[data-testid=notifications-older]");
    settle().await;
    let lists = sent_of_type("list_notifications");
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[1]["before"], 40);
    // Opening Bob's conversation from one notification reads every one about it, the
    // high-importance one included.
    click("[data-testid=notification][data-notification-id='41']");
    settle().await;
    let marks = sent_of_type("mark_conversation_notifications_read");
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0]["conversation_id"], 10);
    assert!(sent_of_type("mark_notification_read").is_empty());
    assert_eq!(text_of("[data-testid=notifications-counter]"), "3");
    assert_eq!(qa("[data-testid=notification][data-read=false]"), 0);
    assert_eq!(qa("[data-testid=notification-toast]"), 0, "read: no toast");
    assert_eq!(text_of("[data-testid=chat-title]"), "Bob Nguyen");
    // Opening it went back to the conversations (no trap in the panel).
    assert_eq!(qa("[data-testid=notification-center]"), 0);
    assert_eq!(qa("[hidden] [data-testid=contact-search]"), 0);
    click("[data-testid=notifications-counter]");
    settle().await;
    assert_eq!(
        sent_of_type("list_notifications").len(),
        2,
        "the list is kept, not asked for again"
    );
    assert_eq!(
        attr("[data-notification-id='41']", "data-read").as_deref(),
        Some("true")
    );
    // Live while open: on top.
    server_send(
        json!({"type": "event", "seq": 4, "event": {"kind": "notification_created",
        "notification": notification(43, "normal", false)}}),
    );
    settle().await;
    assert_eq!(
        attr("[data-testid=notification]", "data-notification-id").as_deref(),
        Some("43")
    );
    click("[data-testid=mark-all-read]");
    settle().await;
    assert_eq!(sent_of_type("mark_all_notifications_read").len(), 1);
    assert_eq!(text_of("[data-testid=notifications-counter]"), "0");
    assert!(has_class(
        "[data-testid=notifications-counter]",
        "mw-nav-zero"
    ));
    assert_eq!(qa("[data-testid=notification][data-read=false]"), 0);

    // Settings: the server's values, a change sent as a patch.
    click("[data-testid=settings-button]");
    settle().await;
    let value = |sel: &str| {
        js(&format!(
            "document.querySelector('#nav-host [data-testid={sel}]').value"
        ))
        .as_string()
        .unwrap()
    };
    assert_eq!(value("settings-send-key"), "ctrl_enter");
    assert_eq!(value("settings-email-mode"), "digest");
    assert_eq!(value("settings-digest-minutes"), "30");
    assert_eq!(
        js("document.querySelector('#nav-host [data-testid=settings-forward-offline]').checked"),
        wasm_bindgen::JsValue::TRUE
    );
    js(
        "(() => { const s = document.querySelector('#nav-host [data-testid=settings-send-key]'); \
        s.value = 'enter'; s.dispatchEvent(new Event('change', {bubbles: true})); })()",
    );
    settle().await;
    let updates = sent_of_type("update_settings");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["settings"], json!({"send_key": "enter"}));
    server_send(
        json!({"type": "ack", "id": updates[0]["id"], "result": {"kind": "settings", "settings":
        {"email_mode": "digest", "digest_minutes": 30, "always_forward_offline": true, "send_key": "enter"}}}),
    );
    settle().await;
    assert_eq!(
        attr("[data-testid=settings-send-key]", "data-value").as_deref(),
        Some("enter")
    );
    // Out of range: refused in the panel, nothing sent.
    js("(() => { const s = document.querySelector('#nav-host [data-testid=settings-digest-minutes]'); \
        s.value = '0'; s.dispatchEvent(new Event('change', {bubbles: true})); })()");
    settle().await;
    assert_eq!(sent_of_type("update_settings").len(), 1);
    assert!(text_of("[data-testid=settings-panel]").contains("from 1 to 1440"));
}

/// A widget signed in against a fresh fake socket (`__mwSockets[0]`), welcomed.
async fn welcomed_widget(id: &str) -> HtmlElement {
    js(FAKE_WS);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.token", "tok-nav").unwrap();
    storage.set_item("messenger.user_id", "1").unwrap();
    let host = fresh_host();
    host.set_id(id);
    messenger_widget::mount(
        host.clone(),
        Config {
            server: Some("http://chat.test:8080/".into()),
            db_name: Some(unique("nav")),
            ..Config::default()
        },
    );
    wait_for("hello", || {
        js("window.__mwSockets.length").as_f64() == Some(1.0) && !sent_of_type("hello").is_empty()
    })
    .await;
    server_send(welcome());
    settle().await;
    host
}

fn click_in(host: &HtmlElement, sel: &str) {
    let el: HtmlElement = host
        .query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no {sel}"))
        .unchecked_into();
    el.click();
}

fn focused_testid() -> Option<String> {
    js("document.activeElement && document.activeElement.dataset.testid").as_string()
}

#[wasm_bindgen_test]
async fn channels_empty_state_offers_to_create_one() {
    let host = welcomed_widget("nav-channels").await;
    let qa = |sel: &str| count(&host, sel);
    let text_of = |sel: &str| text(&host, sel).unwrap_or_default();
    click_in(&host, "[data-testid=channels-counter]");
    settle().await;
    assert_eq!(text_of("[data-testid=channels-empty]"), "Loading channels…");
    // Shown: the button in an element that is not hidden.
    let offered = || qa(":not([hidden]) > [data-testid=channel-create-first]");
    assert_eq!(offered(), 0, "not before the answer");
    let list = sent_of_type("list_channels");
    server_send(
        json!({"type": "ack", "id": list[0]["id"], "result": {"kind": "channels", "channels": []}}),
    );
    settle().await;
    assert_eq!(
        text_of("[data-testid=channels-empty]"),
        "No open channels yet."
    );
    assert_eq!(offered(), 1);

    click_in(&host, "[data-testid=channel-create-first]");
    settle().await;
    assert_eq!(qa("[data-testid=channel-form]"), 1);
    assert_eq!(offered(), 0, "the form is open");
    assert_eq!(focused_testid().as_deref(), Some("channel-title-input"));
    // A blank name is refused here, with the reason; nothing is sent.
    click_in(&host, "[data-testid=channel-create]");
    settle().await;
    assert_eq!(
        text_of("[data-testid=channel-create-error]"),
        "Give the channel a name."
    );
    assert!(sent_of_type("create_channel").is_empty());

    js("(() => { const t = document.querySelector('#nav-channels [data-testid=channel-title-input]'); \
        t.value = '  Design reviews '; t.dispatchEvent(new Event('input', {bubbles: true})); })()");
    click_in(&host, "[data-testid=channel-create]");
    settle().await;
    let create = sent_of_type("create_channel");
    assert_eq!(create.len(), 1);
    assert_eq!(create[0]["title"], "Design reviews");
    assert_eq!(text_of("[data-testid=channel-create-error]"), "");
    assert_eq!(text_of("[data-testid=channel-create]"), "Creating…");
    server_send(
        json!({"type": "event", "seq": 2, "event": {"kind": "channel_created", "channel":
        {"id": 50, "title": "Design reviews", "member_count": 1, "joined": true, "created_at": 1}}}),
    );
    server_send(
        json!({"type": "ack", "id": create[0]["id"], "result": {"kind": "conversation", "conversation":
        {"id": 50, "kind": "channel", "title": "Design reviews", "members": [1], "unread": 0}}}),
    );
    settle().await;
    assert_eq!(
        text_of("[data-testid=chat-title]"),
        "Design reviews",
        "the new channel opens"
    );
    assert_eq!(qa("[data-testid=channel-form]"), 0, "the form closed");
    assert_eq!(
        support::attr(&host, "[data-channel-id='50']", "data-joined").as_deref(),
        Some("true")
    );
    assert_eq!(qa("[data-testid=channels-empty]:not([hidden])"), 0);

    // The header's action opens the form again; the server's refusal is shown in it.
    click_in(&host, "[data-testid=channel-new]");
    settle().await;
    js("(() => { const t = document.querySelector('#nav-channels [data-testid=channel-title-input]'); \
        t.value = 'Design reviews'; t.dispatchEvent(new Event('input', {bubbles: true})); })()");
    click_in(&host, "[data-testid=channel-create]");
    settle().await;
    let create = sent_of_type("create_channel");
    assert_eq!(create.len(), 2);
    server_send(
        json!({"type": "error", "id": create[1]["id"], "code": "invalid_argument",
        "message": "title is longer than 100 characters"}),
    );
    settle().await;
    assert_eq!(
        qa("[data-testid=channel-form]"),
        1,
        "kept open to fix the name"
    );
    assert_eq!(
        text_of("[data-testid=channel-create-error]"),
        "title is longer than 100 characters"
    );
    assert_eq!(text_of("[data-testid=channel-create]"), "Create");
    click_in(&host, "[data-testid=panel-back]");
    settle().await;
}

/// Counts the 6 s timers the page starts and the timers it clears.
const TIMER_SPY: &str = r#"
(function () {
  if (window.__mwTimers) { window.__mwTimers.toasts = []; window.__mwTimers.cleared = []; return; }
  const t = window.__mwTimers = { toasts: [], cleared: [], errors: [] };
  const set = window.setTimeout, clear = window.clearTimeout, error = console.error;
  window.setTimeout = function (fn, ms, ...rest) {
    const id = set.call(window, fn, ms, ...rest);
    if (ms === 6000) t.toasts.push(id);
    return id;
  };
  window.clearTimeout = function (id) { t.cleared.push(id); return clear.call(window, id); };
  console.error = function (...args) { t.errors.push(args.join(' ')); return error.apply(console, args); };
})();
"#;

/// 6 s timers started and not cleared.
fn running_toast_timers() -> u32 {
    js("window.__mwTimers.toasts.filter((id) => !window.__mwTimers.cleared.includes(id)).length")
        .as_f64()
        .unwrap() as u32
}

#[wasm_bindgen_test]
async fn a_toast_owns_its_timer() {
    js(TIMER_SPY);
    let host = welcomed_widget("nav-toasts").await;
    let qa = |sel: &str| count(&host, sel);
    server_send(
        json!({"type": "event", "seq": 2, "event": {"kind": "notification_created",
        "notification": notification(61, "normal", false)}}),
    );
    server_send(
        json!({"type": "event", "seq": 3, "event": {"kind": "notification_created",
        "notification": notification(62, "normal", false)}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=notification-toast]"), 2);
    assert_eq!(running_toast_timers(), 2, "one timer per toast");
    // Closed by hand: its timer goes with it, and it stays unread.
    click_in(&host, "[data-testid=notification-toast-close]");
    settle().await;
    assert_eq!(qa("[data-testid=notification-toast]"), 1);
    assert_eq!(running_toast_timers(), 1);
    assert!(sent_of_type("mark_notification_read").is_empty());
    assert_eq!(
        text(&host, "[data-testid=notifications-counter]").as_deref(),
        Some("5")
    );

    // Signing out while a toast shows leaves no timer behind, and nothing complains.
    click_in(&host, "[data-testid=sign-out]");
    settle().await;
    assert_eq!(qa("[data-testid=login-username]"), 1);
    assert_eq!(qa("[data-testid=notification-toast]"), 0);
    assert_eq!(running_toast_timers(), 0);
    assert_eq!(js("window.__mwTimers.errors.length").as_f64(), Some(0.0));
}

fn press(key: &str, shift: bool) {
    js(&format!(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', \
         {{key: '{key}', shiftKey: {shift}, bubbles: true, cancelable: true}}))"
    ));
}

#[wasm_bindgen_test]
async fn the_dialog_keeps_and_returns_the_focus() {
    let host = welcomed_widget("nav-dialog").await;
    let qa = |sel: &str| count(&host, sel);
    let search: HtmlElement = host
        .query_selector("[data-testid=contact-search]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    search.focus().unwrap();
    server_send(
        json!({"type": "event", "seq": 2, "event": {"kind": "notification_created",
        "notification": notification(71, "high", false)}}),
    );
    server_send(
        json!({"type": "event", "seq": 3, "event": {"kind": "notification_created",
        "notification": notification(72, "high", false)}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=notification-dialog]"), 1, "one at a time");
    assert_eq!(focused_testid().as_deref(), Some("notification-open"));
    // Tab past the last button and Shift+Tab before the first go round, never out of the
    // dialog (between the two, the browser's own Tab order applies). A focus lost outside
    // comes back on Tab.
    press("Tab", false);
    assert_eq!(focused_testid().as_deref(), Some("notification-dismiss"));
    press("Tab", true);
    assert_eq!(focused_testid().as_deref(), Some("notification-open"));
    js("document.activeElement.blur()");
    assert_eq!(focused_testid(), None);
    press("Tab", false);
    assert_eq!(focused_testid().as_deref(), Some("notification-dismiss"));
    js("document.activeElement.blur()");
    press("Tab", true);
    assert_eq!(focused_testid().as_deref(), Some("notification-open"));

    // Escape: the next one shows and has the focus; neither is marked read.
    press("Escape", false);
    settle().await;
    assert!(text(&host, "[data-testid=notification-dialog]")
        .unwrap()
        .contains("(72)"));
    assert_eq!(focused_testid().as_deref(), Some("notification-open"));
    press("Escape", false);
    settle().await;
    assert_eq!(qa("[data-testid=notification-dialog]"), 0);
    assert!(sent_of_type("mark_notification_read").is_empty());
    assert_eq!(
        text(&host, "[data-testid=notifications-counter]").as_deref(),
        Some("5")
    );
    assert_eq!(
        focused_testid().as_deref(),
        Some("contact-search"),
        "back where it was"
    );

    // Open marks it read, shows the conversation, and leaves a panel for the list.
    click_in(&host, "[data-testid=settings-button]");
    settle().await;
    server_send(
        json!({"type": "event", "seq": 4, "event": {"kind": "notification_created",
        "notification": notification(73, "high", false)}}),
    );
    settle().await;
    click_in(&host, "[data-testid=notification-open]");
    settle().await;
    // Every notification about that conversation is read with it, the dismissed ones too.
    let marks = sent_of_type("mark_conversation_notifications_read");
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0]["conversation_id"], 10);
    assert!(sent_of_type("mark_notification_read").is_empty());
    assert_eq!(
        text(&host, "[data-testid=chat-title]").as_deref(),
        Some("Bob Nguyen")
    );
    assert_eq!(qa("[data-testid=settings-panel]"), 0);
    assert_eq!(qa("[hidden] [data-testid=contact-search]"), 0);
}
