//! Browser tests of the compose box's storage: saved messages and canned responses in
//! IndexedDB (schema v2), and the v1 → v2 upgrade keeping drafts.
#![cfg(target_arch = "wasm32")]

use messenger_widget::core::canned::{self, Canned};
use messenger_widget::storage::drafts::{DraftStore, DB_VERSION};
use messenger_widget::storage::saved::{new_id, Lists, SavedMessage};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn saved(id: impl Into<String>, text: impl Into<String>) -> SavedMessage {
    Canned {
        id: id.into(),
        shortcut: String::new(),
        text: text.into(),
    }
}

/// Creates database `name` as schema v1 left it: only `drafts`, with one draft.
async fn create_v1_with_draft(name: &str, key: &str, text: &str) {
    let f = js_sys::Function::new_with_args(
        "name, key, text",
        "return new Promise((resolve, reject) => {
            const r = indexedDB.open(name, 1);
            r.onupgradeneeded = () => r.result.createObjectStore('drafts');
            r.onerror = () => reject(r.error);
            r.onsuccess = () => {
                const db = r.result;
                const tx = db.transaction('drafts', 'readwrite');
                tx.objectStore('drafts').put(text, key);
                tx.oncomplete = () => { db.close(); resolve(); };
                tx.onerror = () => reject(tx.error);
            };
        });",
    );
    let promise = f
        .call3(
            &wasm_bindgen::JsValue::NULL,
            &name.into(),
            &key.into(),
            &text.into(),
        )
        .unwrap();
    JsFuture::from(promise.unchecked_into::<js_sys::Promise>())
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn v1_database_upgrades_and_keeps_its_drafts() {
    assert_eq!(DB_VERSION, 2);
    let name = unique("upgrade");
    create_v1_with_draft(&name, "4:9", "written before the update").await;
    let store = DraftStore::open(&name).await.expect("upgrade to v2");
    assert_eq!(
        store.load(4, 9).await,
        Ok(Some("written before the update".into()))
    );
    let names = store.db().object_store_names();
    for s in ["drafts", "saved", "canned", "meta"] {
        assert!(names.contains(s), "store {s} after the upgrade");
    }
    // The new stores work on the upgraded database.
    let lists = Lists::from(&store);
    let entry = saved(new_id(), "hello");
    lists.put_saved(4, &entry).await.unwrap();
    assert_eq!(lists.saved(4).await.unwrap(), [entry]);
    store.close();
}

#[wasm_bindgen_test]
async fn saved_messages_crud_per_user_and_after_reopen() {
    let name = unique("saved");
    let store = DraftStore::open(&name).await.unwrap();
    let lists = Lists::from(&store);
    assert_eq!(lists.saved(1).await.unwrap(), []);
    let a = saved("0001", "first\nline two");
    let b = saved("0002", "second");
    lists.put_saved(1, &a).await.unwrap();
    lists.put_saved(1, &b).await.unwrap();
    // Another user's entry (and a user id that is a prefix of another) stays apart.
    lists
        .put_saved(11, &saved("0001", "user 11"))
        .await
        .unwrap();
    assert_eq!(lists.saved(1).await.unwrap(), [a.clone(), b.clone()]);
    let edited = saved(a.id.clone(), "first, edited");
    lists.put_saved(1, &edited).await.unwrap();
    lists.delete_saved(1, &b.id).await.unwrap();
    lists.delete_saved(1, "missing").await.unwrap();
    store.close();

    let store = DraftStore::open(&name).await.unwrap();
    let lists = Lists::from(&store);
    assert_eq!(lists.saved(1).await.unwrap(), [edited]);
    assert_eq!(lists.saved(11).await.unwrap()[0].text, "user 11");
    store.close();
}

#[wasm_bindgen_test]
async fn canned_defaults_are_seeded_once_then_edited_and_kept() {
    let name = unique("canned");
    let store = DraftStore::open(&name).await.unwrap();
    let lists = Lists::from(&store);
    let first = lists.canned(5).await.unwrap();
    assert_eq!(first.len(), canned::defaults().len());
    assert!(first.iter().any(|c| c.shortcut == "thanks"));

    let thanks = first.iter().find(|c| c.shortcut == "thanks").unwrap();
    let changed = Canned {
        text: "Thanks a lot!".into(),
        ..thanks.clone()
    };
    lists.put_canned(5, &changed).await.unwrap();
    let added = Canned {
        id: new_id(),
        shortcut: "bye".into(),
        text: "Have a nice day.".into(),
    };
    lists.put_canned(5, &added).await.unwrap();
    for c in &first {
        if c.shortcut != "thanks" {
            lists.delete_canned(5, &c.id).await.unwrap();
        }
    }
    store.close();

    let store = DraftStore::open(&name).await.unwrap();
    let lists = Lists::from(&store);
    assert_eq!(lists.canned(5).await.unwrap(), [added.clone(), changed]);
    // Deleting everything does not bring the defaults back.
    lists.delete_canned(5, &thanks.id).await.unwrap();
    lists.delete_canned(5, &added.id).await.unwrap();
    assert_eq!(lists.canned(5).await.unwrap(), []);
    // Another user gets their own defaults.
    assert_eq!(
        lists.canned(6).await.unwrap().len(),
        canned::defaults().len()
    );
    store.close();
}

#[wasm_bindgen_test]
async fn an_unreadable_entry_is_skipped() {
    let name = unique("junk");
    let store = DraftStore::open(&name).await.unwrap();
    let tx = store
        .db()
        .transaction_with_str_and_mode("saved", web_sys::IdbTransactionMode::Readwrite)
        .unwrap();
    tx.object_store("saved")
        .unwrap()
        .put_with_key(&"no separators".into(), &"3:bad".into())
        .unwrap();
    let done = js_sys::Promise::new(&mut |resolve, _| {
        tx.set_oncomplete(Some(&resolve));
    });
    JsFuture::from(done).await.unwrap();
    let lists = Lists::from(&store);
    let ok = saved("x", "fine");
    lists.put_saved(3, &ok).await.unwrap();
    assert_eq!(lists.saved(3).await.unwrap(), [ok]);
    store.close();
}

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

    let item = message_with(picture());
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
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
    assert_eq!(
        img.get_attribute("src").as_deref(),
        Some("/files/ab12/thumb.jpg")
    );
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
    assert_eq!(
        full.get_attribute("src").as_deref(),
        Some("/files/ab12/Team_photo.png")
    );
    let save = q("[data-testid=viewer-download]").unwrap();
    assert_eq!(save.tag_name().to_lowercase(), "a");
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
}

#[wasm_bindgen_test]
async fn the_viewer_traps_the_focus_and_leaves_no_listener_behind() {
    use leptos::prelude::*;
    use messenger_widget::ui::attachments::{ImageViewer, ViewerCtx};
    use messenger_widget::ui::MessageView;

    let errors = page_errors();
    let shown = RwSignal::new(true);
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
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
