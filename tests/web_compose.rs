//! Browser tests of the message views' attachments (the compose box's storage, saved messages
//! and canned responses, is tested in `web_storage.rs`).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn picture() -> messenger_protocol::Attachment {
    messenger_protocol::Attachment {
        id: "ab12".into(),
        name: "Team_photo.png".into(),
        mime: "image/png".into(),
        size: 1000,
        width: 800,
        height: 400,
        url: "/files/ab12/Team_photo.png".into(),
        thumbnail_url: "/files/ab12/thumb.jpg".into(),
    }
}

fn message_with(
    picture: messenger_protocol::Attachment,
) -> messenger_widget::core::session::TimelineItem {
    use messenger_protocol::Importance;
    use messenger_widget::core::session::{Delivery, TimelineItem};
    TimelineItem {
        contact: false,
        note: false,
        key: "k".into(),
        message_id: Some(9),
        client_id: None,
        sender_id: 2,
        text: String::new(),
        created_at: 1_700_000_000_000,
        own: false,
        delivery: Delivery::Read,
        error: None,
        importance: Importance::High,
        system: None,
        attachments: vec![picture],
    }
}

/// The token the fake file server accepts.
const FILE_TOKEN: &str = "tok-files";

/// Replaces `window.fetch` for `/files/…` (the real one kept in `__mwRealFetch`): with
/// `Authorization: Bearer tok-files` the answer is a one-pixel PNG, without it 401, like
/// the reference server. Every request lands in `__mwFetches` as `{url, auth}`.
const FAKE_FILES: &str = r#"
(function () {
  window.__mwRealFetch = window.__mwRealFetch || window.fetch;
  window.__mwFetches = [];
  const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP438AAAAQBAYD718vxAAAAAElFTkSuQmCC'), (c) => c.charCodeAt(0));
  window.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.includes('/files/')) return window.__mwRealFetch(input, init);
    const auth = request.headers.get('Authorization');
    window.__mwFetches.push({ url: request.url, auth });
    if (auth !== 'Bearer tok-files') return new Response('{"code":"unauthorized"}', { status: 401 });
    return new Response(new Blob([png], { type: 'image/png' }));
  };
})();
"#;

/// The session the views read the server and the token from.
fn provide_auth(token: &str) {
    use leptos::prelude::*;
    use messenger_widget::storage::token::StoredSession;
    use messenger_widget::ui::embed::Embed;
    provide_context(messenger_widget::ui::Auth {
        session: RwSignal::new(Some(StoredSession {
            token: token.into(),
            user_id: Some(1),
        })),
        notice: RwSignal::new(None),
        server: StoredValue::new("http://files.test/".into()),
        db_name: StoredValue::new(unique("files")),
        embed: Embed {
            mode: Default::default(),
            open: RwSignal::new(true),
            host: RwSignal::new(Default::default()),
            want: RwSignal::new(None),
            locale: RwSignal::new(None),
            sound: None,
        },
    });
}

/// The files the widget asked the fake server for, as (url, Authorization).
fn file_requests() -> Vec<(String, String)> {
    let list: js_sys::Array = js("window.__mwFetches").unchecked_into();
    list.iter()
        .map(|r| {
            let field = |name: &str| {
                js_sys::Reflect::get(&r, &name.into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            (field("url"), field("auth"))
        })
        .collect()
}

/// Whether the page can still read `url` (a revoked object URL cannot be fetched).
async fn readable(url: &str) -> bool {
    let promise = js(&format!(
        "window.__mwRealFetch({url:?}).then(() => true, () => false)"
    ));
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

/// A keydown on the window, as the keyboard sends it; `true` unless a listener cancelled it.
fn press(target: &web_sys::EventTarget, key: &str, shift: bool) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap()
}

/// Uncaught errors from now on (a panicking listener shows up here, not in the test).
fn page_errors() -> impl Fn() -> Vec<String> {
    js_sys::eval(
        "window.__mwErrors = []; \
         window.addEventListener('error', (e) => { window.__mwErrors.push(String(e.message)); });",
    )
    .unwrap();
    || {
        let list: js_sys::Array = js_sys::eval("window.__mwErrors").unwrap().unchecked_into();
        list.iter().filter_map(|e| e.as_string()).collect()
    }
}

#[wasm_bindgen_test]
async fn attachments_show_as_thumbnails_and_open_in_a_viewer() {
    use leptos::prelude::*;
    use messenger_widget::ui::attachments::{ImageViewer, ViewerCtx};
    use messenger_widget::ui::MessageView;

    js(FAKE_FILES);
    let item = message_with(picture());
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        provide_auth(FILE_TOKEN);
        ViewerCtx::provide();
        view! {
            <ul><MessageView item sender_name="Bob".to_string() color="red".to_string() /></ul>
            <ImageViewer />
        }
    });
    settle().await;
    let q = |sel: &str| host.query_selector(sel).unwrap();
    let msg = q("[data-testid=message]").unwrap();
    assert_eq!(
        msg.get_attribute("data-importance").as_deref(),
        Some("high")
    );
    let img = q("[data-testid=attachment-thumb] img").unwrap();
    wait_for("the thumbnail", || {
        attr(&host, "[data-testid=attachment-thumb]", "data-state").as_deref() == Some("ready")
    })
    .await;
    // Read with the session token, shown from the fetched bytes.
    assert_eq!(
        file_requests(),
        vec![(
            "http://files.test/files/ab12/thumb.jpg".to_owned(),
            format!("Bearer {FILE_TOKEN}")
        )]
    );
    let thumb_url = img.get_attribute("src").unwrap();
    assert!(thumb_url.starts_with("blob:"), "{thumb_url}");
    wait_for("the picture to decode", || {
        js_sys::Reflect::get(&img, &"naturalWidth".into()).ok() == Some(1.into())
    })
    .await;
    assert_eq!(
        img.get_attribute("width").as_deref(),
        Some("240"),
        "reserved size"
    );
    assert_eq!(img.get_attribute("height").as_deref(), Some("120"));
    assert!(q("[data-testid=attachment-viewer]").is_none());

    let thumb: web_sys::HtmlElement = q("[data-testid=attachment-thumb]")
        .unwrap()
        .unchecked_into();
    thumb.click();
    settle().await;
    let viewer = q("[data-testid=attachment-viewer]").expect("viewer opens");
    assert_eq!(viewer.get_attribute("role").as_deref(), Some("dialog"));
    assert!(
        viewer.closest("[data-testid=message]").unwrap().is_none(),
        "the overlay is not inside the message row"
    );
    let full = q("[data-testid=viewer-image]").unwrap();
    wait_for("the full image", || {
        viewer.get_attribute("data-state").as_deref() == Some("ready")
    })
    .await;
    assert_eq!(
        file_requests()[1],
        (
            "http://files.test/files/ab12/Team_photo.png".to_owned(),
            format!("Bearer {FILE_TOKEN}")
        )
    );
    let full_url = full.get_attribute("src").unwrap();
    assert!(full_url.starts_with("blob:"), "{full_url}");
    let save = q("[data-testid=viewer-download]").unwrap();
    assert_eq!(save.tag_name().to_lowercase(), "a");
    assert_eq!(
        save.get_attribute("href"),
        Some(full_url.clone()),
        "Save keeps the bytes already fetched"
    );
    assert_eq!(save.get_attribute("hidden"), None);
    assert_eq!(
        save.get_attribute("download").as_deref(),
        Some("Team_photo.png")
    );
    assert_eq!(
        text(&host, "[data-testid=viewer-name]").as_deref(),
        Some("Team_photo.png")
    );
    let doc = web_sys::window().unwrap().document().unwrap();
    let close = q("[data-testid=viewer-close]").unwrap();
    assert_eq!(doc.active_element(), Some(close.clone()), "focus on Close");

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    close.dispatch_event(&esc).unwrap();
    settle().await;
    assert!(
        q("[data-testid=attachment-viewer]").is_none(),
        "Escape closes"
    );
    assert!(
        !readable(&full_url).await,
        "the viewer's object URL is revoked"
    );
    assert!(readable(&thumb_url).await, "the thumbnail's is still shown");
    assert_eq!(
        doc.active_element(),
        Some(thumb.clone().into()),
        "focus back"
    );

    // Close by the button, too.
    thumb.click();
    settle().await;
    let close: web_sys::HtmlElement = q("[data-testid=viewer-close]").unwrap().unchecked_into();
    close.click();
    settle().await;
    assert!(q("[data-testid=attachment-viewer]").is_none());
    assert_eq!(doc.active_element(), Some(thumb.clone().into()));
    drop(handle);
    settle().await;
    assert!(!readable(&thumb_url).await, "unmounted: revoked too");
}

#[wasm_bindgen_test]
async fn a_file_the_server_refuses_says_so_instead_of_a_broken_image() {
    use leptos::prelude::*;
    use messenger_widget::ui::attachments::{ImageViewer, ViewerCtx};
    use messenger_widget::ui::MessageView;

    js(FAKE_FILES);
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        provide_auth("not-a-member");
        ViewerCtx::provide();
        view! {
            <ul><MessageView item=message_with(picture()) sender_name="Bob".to_string() color="red".to_string() /></ul>
            <ImageViewer />
        }
    });
    let state = || attr(&host, "[data-testid=attachment-thumb]", "data-state");
    assert_eq!(state().as_deref(), Some("loading"), "a placeholder first");
    assert_eq!(
        attr(&host, "[data-testid=attachment-thumb] img", "width").as_deref(),
        Some("240"),
        "of the thumbnail's size"
    );
    wait_for("the refusal", || state().as_deref() == Some("failed")).await;
    assert_eq!(
        text(
            &host,
            "[data-testid=attachment-thumb] [data-testid=attachment-failed]"
        )
        .as_deref(),
        Some("Image unavailable")
    );
    assert_eq!(
        attr(&host, "[data-testid=attachment-thumb] img", "src").as_deref(),
        Some(""),
        "no broken image: nothing to load"
    );
    let thumb: web_sys::HtmlElement = host
        .query_selector("[data-testid=attachment-thumb]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    thumb.click();
    wait_for("the viewer's refusal", || {
        attr(&host, "[data-testid=attachment-viewer]", "data-state").as_deref() == Some("failed")
    })
    .await;
    assert_eq!(
        text(
            &host,
            "[data-testid=attachment-viewer] [data-testid=attachment-failed]"
        )
        .as_deref(),
        Some("Image unavailable")
    );
    assert!(
        attr(&host, "[data-testid=viewer-download]", "hidden").is_some(),
        "nothing to save"
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn the_viewer_traps_the_focus_and_leaves_no_listener_behind() {
    use leptos::prelude::*;
    use messenger_widget::ui::attachments::{ImageViewer, ViewerCtx};
    use messenger_widget::ui::MessageView;

    js(FAKE_FILES);
    let errors = page_errors();
    let shown = RwSignal::new(true);
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        provide_auth(FILE_TOKEN);
        ViewerCtx::provide();
        view! {
            <Show when=move || shown.get()>
                <ul><MessageView item=message_with(picture()) sender_name="Bob".to_string() color="red".to_string() /></ul>
            </Show>
            <ImageViewer />
        }
    });
    settle().await;
    let q = |sel: &str| host.query_selector(sel).unwrap();
    let doc = document();
    let window: web_sys::EventTarget = web_sys::window().unwrap().into();
    let active = || {
        doc.active_element()
            .and_then(|e| e.get_attribute("data-testid"))
    };
    let thumb: web_sys::HtmlElement = q("[data-testid=attachment-thumb]")
        .unwrap()
        .unchecked_into();
    // Without the viewer, Tab and Escape are nobody's business.
    assert!(press(&window, "Tab", false));
    assert!(press(&window, "Escape", false));

    thumb.focus().unwrap();
    thumb.click();
    settle().await;
    assert_eq!(active().as_deref(), Some("viewer-close"));
    // Save is a link once the bytes are there.
    wait_for("the full image", || {
        attr(&host, "[data-testid=attachment-viewer]", "data-state").as_deref() == Some("ready")
    })
    .await;
    // Tab and Shift+Tab cycle between Save and Close only.
    assert!(
        !press(&doc.active_element().unwrap().into(), "Tab", false),
        "Tab is taken"
    );
    assert_eq!(active().as_deref(), Some("viewer-download"));
    assert!(!press(&doc.active_element().unwrap().into(), "Tab", false));
    assert_eq!(active().as_deref(), Some("viewer-close"));
    assert!(!press(&doc.active_element().unwrap().into(), "Tab", true));
    assert_eq!(active().as_deref(), Some("viewer-download"));
    // Focus moved out by other means comes back.
    thumb.focus().unwrap();
    settle().await;
    assert_eq!(
        active().as_deref(),
        Some("viewer-close"),
        "focus pulled back inside"
    );
    // A click on the image keeps it open; one on the backdrop closes it.
    let image: web_sys::HtmlElement = q("[data-testid=viewer-image]").unwrap().unchecked_into();
    image.click();
    settle().await;
    assert!(q("[data-testid=attachment-viewer]").is_some());
    let backdrop: web_sys::HtmlElement = q("[data-testid=attachment-viewer]")
        .unwrap()
        .unchecked_into();
    backdrop.click();
    settle().await;
    assert!(
        q("[data-testid=attachment-viewer]").is_none(),
        "backdrop closes"
    );
    assert_eq!(
        doc.active_element(),
        Some(thumb.clone().into()),
        "focus back"
    );

    // Closed: the window listeners are gone. Tab and Escape are not cancelled any more,
    // focus may leave, and nothing throws.
    assert!(press(&window, "Tab", false), "Tab is free again");
    assert!(press(&window, "Escape", false));
    assert!(press(&thumb.clone().into(), "Escape", false));
    doc.body().unwrap().focus().unwrap();
    let outside = fresh_host();
    outside.set_tab_index(0);
    outside.focus().unwrap();
    assert_eq!(
        doc.active_element(),
        Some(outside.clone().into()),
        "focus is free"
    );
    outside.remove();
    thumb.focus().unwrap();

    // The message row goes away while the viewer is open (the timeline unmounts rows
    // out of view): the viewer stays, and closes without the thumbnail to go back to.
    thumb.click();
    settle().await;
    shown.set(false);
    settle().await;
    assert!(q("[data-testid=attachment-thumb]").is_none());
    assert!(
        q("[data-testid=attachment-viewer]").is_some(),
        "the viewer outlives its row"
    );
    assert!(!press(&window, "Escape", false));
    settle().await;
    assert!(q("[data-testid=attachment-viewer]").is_none());
    assert!(press(&window, "Tab", false));

    // Unmounted while open (sign-out): its listeners go with it.
    shown.set(true);
    settle().await;
    let thumb: web_sys::HtmlElement = q("[data-testid=attachment-thumb]")
        .unwrap()
        .unchecked_into();
    thumb.click();
    settle().await;
    assert!(q("[data-testid=attachment-viewer]").is_some());
    drop(handle);
    settle().await;
    assert!(press(&window, "Tab", false), "no trap after unmount");
    assert!(press(&window, "Escape", false));
    assert_eq!(errors(), Vec::<String>::new(), "no uncaught error");
}
