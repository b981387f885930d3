//! Browser tests of the message views' attachments (the compose box's storage, saved messages
//! and canned responses, is tested in `web_storage.rs`).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

#[wasm_bindgen_test]
async fn attachments_show_as_thumbnails_and_open_in_a_viewer() {
    use leptos::prelude::*;
    use messenger_protocol::{Attachment, Importance};
    use messenger_widget::core::session::{Delivery, TimelineItem};
    use messenger_widget::ui::MessageView;

    let picture = Attachment {
        id: "ab12".into(),
        name: "Team_photo.png".into(),
        mime: "image/png".into(),
        size: 1000,
        width: 800,
        height: 400,
        url: "/files/ab12/Team_photo.png".into(),
        thumbnail_url: "/files/ab12/thumb.jpg".into(),
    };
    let item = TimelineItem {
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
    };
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        view! { <ul><MessageView item sender_name="Bob".to_string() color="red".to_string() /></ul> }
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
    let viewer = q("[data-testid=attachment-viewer]").expect("viewer opens");
    assert_eq!(viewer.get_attribute("role").as_deref(), Some("dialog"));
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
    let doc = web_sys::window().unwrap().document().unwrap();
    let close = q("[data-testid=viewer-close]").unwrap();
    assert_eq!(doc.active_element(), Some(close.clone()), "focus on Close");

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    close.dispatch_event(&esc).unwrap();
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
    let close: web_sys::HtmlElement = q("[data-testid=viewer-close]").unwrap().unchecked_into();
    close.click();
    assert!(q("[data-testid=attachment-viewer]").is_none());
    drop(handle);
}
