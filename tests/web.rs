//! Browser tests: real headless Chromium, real IndexedDB (the storage adapters themselves are
//! tested in `web_storage.rs`).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use messenger_widget::core::session::{Delivery, TimelineItem};
use messenger_widget::storage::drafts::DraftStore;
use messenger_widget::ui::MessageView;
use messenger_widget::Config;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

/// The plural rules and number grouping written in Rust (so the wasm carries no CLDR data)
/// agree with the browser's `Intl` for every language of the interface.
#[wasm_bindgen_test]
fn plural_rules_and_counts_match_intl() {
    use js_sys::{Array, Intl, Object};
    use messenger_widget::core::i18n::Locale;
    for locale in Locale::ALL {
        let tags = Array::of1(&locale.code().into());
        let rules = Intl::PluralRules::new(&tags, &Object::new());
        for n in 0..=1000u64 {
            let intl = String::from(rules.select(n as f64));
            assert_eq!(locale.plural(n).name(), intl, "{locale:?} {n}");
        }
        let numbers = Intl::NumberFormat::new(&tags, &Object::new());
        let format = numbers.format();
        for n in [0u64, 7, 999, 1000, 1234, 12_345, 123_456, 1_234_567] {
            let intl = format.call1(&numbers, &(n as f64).into()).unwrap();
            assert_eq!(locale.count(n), intl.as_string().unwrap(), "{locale:?} {n}");
        }
    }
}

/// The browser's case mapping (used to keep Rust's Unicode tables out of the wasm) agrees
/// with the standard library's.
#[wasm_bindgen_test]
fn case_mapping_matches_std() {
    use messenger_widget::core::case::{lowercase, uppercase};
    use messenger_widget::core::format::initials;
    for s in [
        "",
        "Bob",
        "ÉMILE Öz",
        "straße",
        "ΟΔΟΣ ΣΑΣ",
        "İstanbul",
        "ǅemal",
        "Ωmega ﬁ",
        "日本 😀",
    ] {
        assert_eq!(lowercase(s), s.to_lowercase(), "{s}");
        assert_eq!(uppercase(s), s.to_uppercase(), "{s}");
    }
    assert_eq!(initials("émile zola"), "ÉZ");
    assert_eq!(initials("ßa x"), "SSX");
}

#[wasm_bindgen_test]
async fn mount_without_token_shows_login_form() {
    if let Some(s) = web_sys::window().unwrap().local_storage().unwrap() {
        s.remove_item("messenger.token").unwrap();
    }
    let host = fresh_host();
    messenger_widget::mount(
        host.clone(),
        Config {
            server: Some("http://127.0.0.1:9".into()),
            db_name: Some(unique("mount")),
            ..Config::default()
        },
    );
    settle().await;
    let q = |sel: &str| host.query_selector(sel).unwrap();
    assert!(q(".mw-root").is_some());
    for id in ["login-username", "login-password", "login-submit"] {
        assert!(
            q(&format!("[data-testid={id}]")).is_some(),
            "missing {id}: {}",
            host.inner_html()
        );
    }
    assert!(q("[data-testid=login-error]").is_none());
    assert!(q("[data-testid=unread-counter]").is_none());
}

#[wasm_bindgen_test]
async fn empty_login_shows_an_error() {
    if let Some(s) = web_sys::window().unwrap().local_storage().unwrap() {
        s.remove_item("messenger.token").unwrap();
    }
    let host = fresh_host();
    messenger_widget::mount(host.clone(), Config::default());
    settle().await;
    let button: HtmlElement = host
        .query_selector("[data-testid=login-submit]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    settle().await;
    let err = host
        .query_selector("[data-testid=login-error]")
        .unwrap()
        .expect("error shown");
    assert!(err.text_content().unwrap().contains("username"));
}

#[wasm_bindgen_test]
async fn mount_messenger_reads_js_options() {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"server".into(), &"https://x.example/".into()).unwrap();
    js_sys::Reflect::set(&options, &"dbName".into(), &"db1".into()).unwrap();
    js_sys::Reflect::set(&options, &"locale".into(), &"de".into()).unwrap();
    let c = messenger_widget::config_from_options(&options.into());
    assert_eq!(c.server.as_deref(), Some("https://x.example/"));
    assert_eq!(c.db_name.as_deref(), Some("db1"));
    assert_eq!(c.locale.as_deref(), Some("de"));
    assert_eq!(c.token, None);
    assert_eq!(
        messenger_widget::config_from_options(&wasm_bindgen::JsValue::UNDEFINED),
        Config::default()
    );
}

fn item(text: &str, id: Option<i64>, delivery: Delivery) -> TimelineItem {
    TimelineItem {
        contact: false,
        note: false,
        key: "k".into(),
        message_id: id,
        client_id: None,
        sender_id: 2,
        text: text.into(),
        created_at: 1_700_000_000_000,
        own: false,
        delivery,
        error: None,
        importance: Default::default(),
        system: None,
        attachments: Vec::new(),
    }
}

#[wasm_bindgen_test]
async fn message_text_is_rendered_as_text_not_html() {
    let host = fresh_host();
    let evil = "<img src=x onerror=alert(1)>\nsecond line";
    let it = item(evil, Some(5), Delivery::Sent);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! { <ul><MessageView item=it sender_name="Bob <b>".to_string() color="red".to_string() /></ul> }
    });
    settle().await;
    assert!(host.query_selector("img").unwrap().is_none());
    assert!(host.query_selector("b").unwrap().is_none());
    let text = host
        .query_selector("[data-testid=message-text]")
        .unwrap()
        .unwrap();
    assert_eq!(text.text_content().unwrap(), evil);
    let msg = host
        .query_selector("[data-testid=message]")
        .unwrap()
        .unwrap();
    assert_eq!(msg.get_attribute("data-message-id").as_deref(), Some("5"));
    assert_eq!(msg.get_attribute("data-state").as_deref(), Some("sent"));
    let time = host
        .query_selector("[data-testid=message-time]")
        .unwrap()
        .unwrap();
    assert_eq!(time.tag_name().to_lowercase(), "time");
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2023-11-14T22:13:20.000Z")
    );
    // The time of day as the browser's Intl writes it in the interface language.
    let intl = js_sys::eval(
        "new Intl.DateTimeFormat('en', {hour: '2-digit', minute: '2-digit'})\
         .format(new Date('2023-11-14T22:13:20.000Z'))",
    )
    .unwrap()
    .as_string()
    .unwrap();
    assert_eq!(time.text_content().unwrap(), intl);
    assert!(intl.contains(':'), "{intl}");
    assert_eq!(
        host.query_selector("[data-testid=message-sender]")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("Bob <b>")
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn links_are_anchors_showing_their_real_address() {
    let host = fresh_host();
    let text = "see https://en.wikipedia.org/wiki/Rust_(programming_language).\n\
                [click](javascript:alert(1)) <img src=x onerror=alert(1)> \
                www.example.com, bob@example.com or +49 30 1234567";
    let it = item(text, Some(9), Delivery::Sent);
    let _handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! { <ul><MessageView item=it sender_name="Bob".to_string() color="red".to_string() /></ul> }
    });
    settle().await;
    let body = host
        .query_selector("[data-testid=message-text]")
        .unwrap()
        .unwrap();
    // The text is unchanged and no markup from it became an element.
    assert_eq!(body.text_content().unwrap(), text);
    assert!(host.query_selector("img").unwrap().is_none());
    assert!(host.query_selector("[onerror]").unwrap().is_none());
    assert!(host
        .query_selector("a[href^=javascript], a[href*=alert]")
        .unwrap()
        .is_none());
    let links = body.query_selector_all("a").unwrap();
    let expected = [
        (
            "https://en.wikipedia.org/wiki/Rust_(programming_language)",
            "https://en.wikipedia.org/wiki/Rust_(programming_language)",
            "web",
        ),
        ("www.example.com", "https://www.example.com", "web"),
        ("bob@example.com", "mailto:bob@example.com", "email"),
        ("+49 30 1234567", "tel:+49301234567", "phone"),
    ];
    assert_eq!(links.length() as usize, expected.len());
    for (i, (shown, href, kind)) in expected.iter().enumerate() {
        let a: web_sys::Element = links.get(i as u32).unwrap().unchecked_into();
        assert_eq!(
            a.get_attribute("data-testid").as_deref(),
            Some("message-link")
        );
        assert_eq!(a.text_content().as_deref(), Some(*shown));
        assert_eq!(a.get_attribute("href").as_deref(), Some(*href));
        assert_eq!(a.get_attribute("title").as_deref(), Some(*href));
        assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
        assert_eq!(
            a.get_attribute("rel").as_deref(),
            Some("noopener noreferrer")
        );
        assert_eq!(a.get_attribute("data-kind").as_deref(), Some(*kind));
        assert_eq!(a.child_element_count(), 0, "only text inside, no element");
    }
    // The container keeps its class, which carries `white-space: pre-wrap`.
    assert!(body.class_list().contains("mw-msg-text"));
}

#[wasm_bindgen_test]
async fn text_without_links_or_with_other_schemes_has_no_anchor() {
    let host = fresh_host();
    let text = "javascript:alert(1) data:text/html,<b>x</b> file:///etc/passwd 2024 12:30";
    let it = item(text, Some(10), Delivery::Sent);
    let _handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! { <ul><MessageView item=it sender_name="Bob".to_string() color="red".to_string() /></ul> }
    });
    settle().await;
    assert!(host.query_selector("a").unwrap().is_none());
    assert!(host.query_selector("b").unwrap().is_none());
    assert_eq!(
        host.query_selector("[data-testid=message-text]")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some(text)
    );
}

#[wasm_bindgen_test]
async fn pending_message_has_no_id() {
    let host = fresh_host();
    let mut it = item("hi", None, Delivery::Pending);
    it.own = true;
    let _handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! { <ul><MessageView item=it sender_name="Me".to_string() color="red".to_string() /></ul> }
    });
    settle().await;
    let msg = host
        .query_selector("[data-testid=message]")
        .unwrap()
        .unwrap();
    assert!(msg.get_attribute("data-message-id").is_none());
    assert_eq!(msg.get_attribute("data-state").as_deref(), Some("pending"));
    assert!(msg.class_list().contains("mw-own"));
}

#[wasm_bindgen_test]
async fn stored_token_shows_messenger_and_sign_out_returns_to_login() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.token", "t-123").unwrap();
    storage.set_item("messenger.user_id", "1").unwrap();
    let host = fresh_host();
    messenger_widget::mount(
        host.clone(),
        Config {
            // Nothing listens there: the socket fails and keeps retrying.
            server: Some("http://127.0.0.1:9".into()),
            db_name: Some(unique("signed-in")),
            ..Config::default()
        },
    );
    settle().await;
    let q = |sel: &str| host.query_selector(sel).unwrap();
    let counter = q("[data-testid=unread-counter]").expect("counter always rendered");
    assert_eq!(counter.text_content().as_deref(), Some("0"));
    let status = q("[data-testid=connection-status]").expect("status");
    let state = status.get_attribute("data-state").unwrap();
    assert!(
        ["connecting", "offline"].contains(&state.as_str()),
        "{state}"
    );
    assert!(q("[data-testid=me]").is_some());
    assert!(q("[data-testid=login-username]").is_none());

    let sign_out: HtmlElement = q("[data-testid=sign-out]").unwrap().unchecked_into();
    sign_out.click();
    settle().await;
    assert!(q("[data-testid=login-username]").is_some());
    assert!(q("[data-testid=unread-counter]").is_none());
    assert_eq!(storage.get_item("messenger.token").unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// The whole widget against a scripted fake WebSocket (window.WebSocket replaced during the test).

fn sockets() -> u32 {
    js("window.__mwSockets.length").as_f64().unwrap() as u32
}

/// Frames the widget sent on socket `i`, as JSON text.
fn sent(i: u32) -> Vec<serde_json::Value> {
    let text = js(&format!("JSON.stringify(window.__mwSockets[{i}].sent)"))
        .as_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sent_of_type(i: u32, ty: &str) -> Vec<serde_json::Value> {
    sent(i).into_iter().filter(|f| f["type"] == ty).collect()
}

fn server_send(i: u32, frame: serde_json::Value) {
    js(&format!("window.__mwSockets[{i}].serverSend({frame})"));
}

fn welcome_frame(max_bytes: usize) -> serde_json::Value {
    serde_json::json!({
        "type": "welcome", "protocol_version": 1, "epoch": "e1", "seq": 1,
        "me": {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 1, "presence": "online"},
        "users": [
            {"id": 1, "username": "alice", "display_name": "Alice", "department_id": 1, "presence": "online"},
            {"id": 2, "username": "bob", "display_name": "Bob", "department_id": 1, "presence": "online"},
            {"id": 3, "username": "carol", "display_name": "Carol", "department_id": 2, "presence": "away"}
        ],
        "departments": [{"id": 1, "name": "Engineering"}, {"id": 2, "name": "Sales"}],
        "conversations": [
            {"id": 10, "kind": "direct", "members": [1, 2], "unread": 2, "last_read_message_id": 3,
             "last_message": {"id": 5, "conversation_id": 10, "sender_id": 2, "text": "are you there?", "created_at": 1700000005000_i64}},
            {"id": 11, "kind": "direct", "members": [1, 3], "unread": 0,
             "last_message": {"id": 2, "conversation_id": 11, "sender_id": 3, "text": "hi", "created_at": 1700000001000_i64}}
        ],
        "limits": {"max_frame_bytes": 65536, "max_message_bytes": max_bytes}
    })
}

#[wasm_bindgen_test]
async fn full_flow_against_a_fake_server() {
    js(FAKE_WS);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("messenger.token", "tok-1").unwrap();
    storage.set_item("messenger.user_id", "1").unwrap();
    let db_name = unique("flow");
    let host = fresh_host();
    host.set_id("flow-host");
    messenger_widget::mount(
        host.clone(),
        Config {
            server: Some("http://chat.test:8080/".into()),
            db_name: Some(db_name.clone()),
            ..Config::default()
        },
    );
    let q = |sel: &str| host.query_selector(sel).unwrap();
    let qa = |sel: &str| count(&host, sel);
    let text_of = |sel: &str| text(&host, sel).unwrap_or_default();
    let attr = |sel: &str, name: &str| support::attr(&host, sel, name);
    let type_text = |text: &str| {
        js(&format!(
            "(() => {{ const t = document.querySelector('#flow-host [data-testid=compose-input]'); \
             t.value = {}; t.dispatchEvent(new Event('input', {{bubbles: true}})); }})()",
            serde_json::to_string(text).unwrap()
        ));
    };
    let compose_value = || {
        js("document.querySelector('#flow-host [data-testid=compose-input]').value")
            .as_string()
            .unwrap()
    };
    let click = |sel: &str| {
        let el: HtmlElement = host
            .query_selector(sel)
            .unwrap()
            .unwrap_or_else(|| panic!("no {sel}"))
            .unchecked_into();
        el.click();
    };

    // Connect + hello.
    wait_for("hello", || {
        sockets() == 1 && !sent_of_type(0, "hello").is_empty()
    })
    .await;
    assert_eq!(
        js("window.__mwSockets[0].url").as_string().unwrap(),
        "ws://chat.test:8080/ws"
    );
    let hello = &sent_of_type(0, "hello")[0];
    assert_eq!(hello["token"], "tok-1");
    assert_eq!(hello["protocol_version"], 1);
    assert_eq!(
        attr("[data-testid=connection-status]", "data-state").as_deref(),
        Some("connecting")
    );

    // Welcome: org, conversations, counters.
    server_send(0, welcome_frame(20));
    settle().await;
    assert_eq!(
        attr("[data-testid=connection-status]", "data-state").as_deref(),
        Some("online")
    );
    assert_eq!(text_of("[data-testid=me]"), "Alice");
    assert_eq!(text_of("[data-testid=unread-counter]"), "2");
    assert_eq!(qa("[data-testid=department]"), 2);
    assert_eq!(qa("[data-testid=contact]"), 2, "me is not listed");
    assert_eq!(
        attr("[data-testid=contact][data-username=bob]", "data-presence").as_deref(),
        Some("online")
    );
    assert_eq!(qa("[data-testid=conversation]"), 2);
    assert_eq!(
        attr("[data-testid=conversation]", "data-conversation-id").as_deref(),
        Some("10"),
        "most recent first"
    );
    assert_eq!(text_of("[data-testid=conversation-unread]"), "2");

    // The counter opens the conversation with unread messages; history is requested.
    click("[data-testid=unread-counter]");
    settle().await;
    assert_eq!(text_of("[data-testid=chat-title]"), "Bob");
    let history = sent_of_type(0, "load_history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["conversation_id"], 10);
    assert_eq!(history[0]["limit"], 50);
    server_send(
        0,
        serde_json::json!({"type": "ack", "id": history[0]["id"], "result": {
        "kind": "history", "conversation_id": 10, "has_more": true, "messages": [
            {"id": 4, "conversation_id": 10, "sender_id": 2, "text": "hello", "created_at": 1700000004000_i64},
            {"id": 5, "conversation_id": 10, "sender_id": 2, "text": "are you there?", "created_at": 1700000005000_i64}
        ]}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=message]"), 2);
    assert!(q("[data-testid=load-older]").is_some());
    // Visible page + open conversation: marked read, the counter drops to 0 at once.
    let visible = js("document.visibilityState").as_string().unwrap() == "visible";
    if visible {
        let marks = sent_of_type(0, "mark_read");
        assert_eq!(marks.len(), 1, "{marks:?}");
        assert_eq!(marks[0]["message_id"], 5);
        assert_eq!(text_of("[data-testid=unread-counter]"), "0");
        assert!(q("[data-testid=conversation-unread]").is_none());
    }

    // Load older pages back with `before`.
    click("[data-testid=load-older]");
    settle().await;
    let history = sent_of_type(0, "load_history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["before"], 4);

    // Send: pending echo, then exactly one sent message after both ack and echo.
    type_text("hi bob");
    click("[data-testid=compose-send]");
    settle().await;
    assert_eq!(compose_value(), "");
    let sends = sent_of_type(0, "send_message");
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0]["text"], "hi bob");
    let cid = sends[0]["id"].clone();
    // Drawn once the outbox has it in IndexedDB: a wait on the write, not a fixed delay
    // (the file's other tests run their widgets alongside and slow it down).
    wait_for("the pending message", || {
        qa("[data-testid=message][data-state=pending]") == 1
    })
    .await;
    assert!(attr("[data-state=pending]", "data-message-id").is_none());
    let stored = serde_json::json!({"id": 6, "conversation_id": 10, "sender_id": 1, "text": "hi bob",
        "created_at": 1700000006000_i64, "client_id": cid});
    server_send(
        0,
        serde_json::json!({"type": "event", "seq": 2, "event": {"kind": "message_created", "message": stored}}),
    );
    server_send(
        0,
        serde_json::json!({"type": "ack", "id": cid, "result": {"kind": "message_sent", "message": stored}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=message]"), 3);
    assert_eq!(qa("[data-testid=message][data-message-id='6']"), 1);
    assert_eq!(
        attr("[data-message-id='6']", "data-state").as_deref(),
        Some("sent")
    );
    assert!(host
        .query_selector("[data-message-id='6']")
        .unwrap()
        .unwrap()
        .class_list()
        .contains("mw-own"));
    // Bob reads it.
    server_send(
        0,
        serde_json::json!({"type": "event", "seq": 3, "event": {"kind": "read_up_to",
        "conversation_id": 10, "user_id": 2, "message_id": 6}}),
    );
    settle().await;
    assert_eq!(
        attr("[data-message-id='6']", "data-state").as_deref(),
        Some("read")
    );

    // Enter sends; Shift+Enter does not.
    type_text("line one");
    js("document.querySelector('#flow-host [data-testid=compose-input]').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', shiftKey: true, bubbles: true}))");
    settle().await;
    assert_eq!(sent_of_type(0, "send_message").len(), 1);
    js("document.querySelector('#flow-host [data-testid=compose-input]').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))");
    settle().await;
    assert_eq!(sent_of_type(0, "send_message").len(), 2);
    // Whitespace is not sent.
    type_text("   ");
    click("[data-testid=compose-send]");
    settle().await;
    assert_eq!(sent_of_type(0, "send_message").len(), 2);

    // Too long (limit 20 bytes in this welcome): refused in the box, text kept.
    type_text("this text is longer than twenty bytes");
    click("[data-testid=compose-send]");
    settle().await;
    assert_eq!(sent_of_type(0, "send_message").len(), 2);
    assert!(q("[data-testid=compose-error]").is_some());
    assert_eq!(compose_value(), "this text is longer than twenty bytes");

    // Drafts: switching conversations saves and restores.
    type_text("draft for bob");
    click("[data-testid=conversation][data-conversation-id='11']");
    settle().await;
    assert_eq!(text_of("[data-testid=chat-title]"), "Carol");
    assert_eq!(compose_value(), "");
    let store = DraftStore::open(&db_name).await.unwrap();
    let mut saved = None;
    for _ in 0..50 {
        saved = store.load(1, 10).await.unwrap();
        if saved.is_some() {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(saved.as_deref(), Some("draft for bob"));
    click("[data-testid=conversation][data-conversation-id='10']");
    wait_for("draft restored", || compose_value() == "draft for bob").await;
    // A send clears the draft.
    click("[data-testid=compose-send]");
    settle().await;
    sleep(50).await;
    assert_eq!(store.load(1, 10).await.unwrap(), None);
    store.close();

    // A message from Bob while open and visible: marked read, counter stays 0.
    server_send(
        0,
        serde_json::json!({"type": "event", "seq": 4, "event": {"kind": "message_created",
        "message": {"id": 9, "conversation_id": 10, "sender_id": 2, "text": "<img src=x onerror=alert(1)>", "created_at": 1700000009000_i64}}}),
    );
    settle().await;
    assert!(host.query_selector("img").unwrap().is_none());
    if visible {
        assert_eq!(text_of("[data-testid=unread-counter]"), "0");
        // The server hears of it within a second (one mark_read a second at most).
        wait_for("mark_read of message 9", || {
            sent_of_type(0, "mark_read")
                .iter()
                .any(|m| m["message_id"] == 9)
        })
        .await;
    }
    // A message in the other conversation counts.
    server_send(
        0,
        serde_json::json!({"type": "event", "seq": 5, "event": {"kind": "message_created",
        "message": {"id": 10, "conversation_id": 11, "sender_id": 3, "text": "ping", "created_at": 1700000010000_i64}}}),
    );
    settle().await;
    assert_eq!(
        text_of("[data-testid=unread-counter]"),
        if visible { "1" } else { "3" }
    );
    assert_eq!(
        attr("[data-testid=conversation]", "data-conversation-id").as_deref(),
        Some("11"),
        "resorted by activity"
    );

    // Disconnect: offline, sends are kept as pending and resent with the same id.
    js("window.__mwSockets[0].serverClose(1006)");
    wait_for("offline", || {
        attr("[data-testid=connection-status]", "data-state").as_deref() == Some("offline")
    })
    .await;
    type_text("while offline");
    click("[data-testid=compose-send]");
    settle().await;
    // Two earlier sends were never acked, plus this one: all three wait as pending.
    assert_eq!(qa("[data-testid=message][data-state=pending]"), 3);
    let unacked: Vec<_> = sent_of_type(0, "send_message")[1..]
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(unacked.len(), 2);
    wait_for("reconnect", || {
        sockets() == 2 && !sent_of_type(1, "hello").is_empty()
    })
    .await;
    server_send(1, welcome_frame(20));
    settle().await;
    let resent = sent_of_type(1, "send_message");
    assert_eq!(resent.len(), 3, "{resent:?}");
    // The same ids as before the disconnect (the server dedups by them), in order.
    assert_eq!(resent[0]["id"], unacked[0]);
    assert_eq!(resent[1]["id"], unacked[1]);
    assert_eq!(resent[2]["text"], "while offline");
    assert!(!unacked.contains(&resent[2]["id"]));
    // Confirming by echo only (the ack got lost) still shows it once.
    let echo = serde_json::json!({"id": 11, "conversation_id": 10, "sender_id": 1, "text": "while offline",
        "created_at": 1700000011000_i64, "client_id": resent[2]["id"]});
    server_send(
        1,
        serde_json::json!({"type": "event", "seq": 6, "event": {"kind": "message_created", "message": echo}}),
    );
    settle().await;
    assert_eq!(qa("[data-testid=message][data-state=pending]"), 2);
    assert_eq!(qa("[data-testid=message][data-message-id='11']"), 1);
    assert_eq!(
        attr("[data-testid=connection-status]", "data-state").as_deref(),
        Some("online")
    );
    // The open conversation reloads its history.
    assert!(sent_of_type(1, "load_history")
        .iter()
        .any(|f| f["conversation_id"] == 10));

    // Contacts open direct conversations via open_direct.
    click("[data-testid=contact][data-username=carol]");
    settle().await;
    assert_eq!(text_of("[data-testid=chat-title]"), "Carol");
    let opens = sent_of_type(1, "open_direct");
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0]["user_id"], 3);

    // Unauthorized: back to the login form with a message, token dropped.
    server_send(
        1,
        serde_json::json!({"type": "error", "code": "unauthorized", "message": "token expired"}),
    );
    js("window.__mwSockets[1].serverClose(4001)");
    settle().await;
    assert!(q("[data-testid=login-username]").is_some());
    assert!(text_of("[data-testid=login-error]").contains("sign in again"));
    assert_eq!(storage.get_item("messenger.token").unwrap(), None);
    sleep(600).await;
    assert_eq!(sockets(), 2, "no reconnect after unauthorized");

    js("window.WebSocket = window.__mwRealWebSocket");
}

#[wasm_bindgen_test]
async fn unmount_removes_the_widget_and_it_can_come_back() {
    let host = fresh_host();
    let config = || Config {
        server: Some("http://127.0.0.1:9".into()),
        token: Some("t".into()),
        db_name: Some(unique("unmount")),
        ..Config::default()
    };
    messenger_widget::mount(host.clone(), config());
    settle().await;
    assert_eq!(count(&host, ".mw-root"), 1);
    assert_eq!(count(&host, "[data-testid=unread-counter]"), 1);
    // Mounting into the same host replaces the widget instead of stacking a second one.
    messenger_widget::mount(host.clone(), config());
    settle().await;
    assert_eq!(count(&host, ".mw-root"), 1);
    messenger_widget::unmount(&host);
    settle().await;
    assert_eq!(count(&host, ".mw-root"), 0, "{}", host.inner_html());
    // Unmounting again is harmless, and the widget can be mounted anew.
    messenger_widget::unmount(&host);
    messenger_widget::mount(host.clone(), config());
    settle().await;
    assert_eq!(count(&host, ".mw-root"), 1);
    messenger_widget::unmount(&host);
}
