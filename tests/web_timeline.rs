//! Browser tests of the timeline's message rendering: receipts, delivery labels, importance.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use messenger_protocol::Importance;
use messenger_widget::core::session::{Delivery, TimelineItem};
use messenger_widget::ui::MessageView;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn own(delivery: Delivery, importance: Importance) -> TimelineItem {
    TimelineItem {
        contact: false,
        note: false,
        key: format!("m7-{}", delivery.as_str()),
        message_id: Some(7),
        client_id: Some("c-1".into()),
        sender_id: 1,
        text: "Build is green".into(),
        created_at: 1_700_000_000_000,
        own: true,
        delivery,
        error: None,
        importance,
        system: None,
        attachments: Vec::new(),
    }
}

#[wasm_bindgen_test]
async fn direct_message_shows_delivered_and_group_message_who_has_read_it() {
    let host = fresh_host();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! {
            <ul class="direct">
                <MessageView
                    item=own(Delivery::Delivered, Importance::Normal)
                    sender_name="Alice".to_string()
                    color="red".to_string()
                />
            </ul>
            <ul class="group">
                <MessageView
                    item=own(Delivery::Sent, Importance::High)
                    sender_name="Alice".to_string()
                    color="red".to_string()
                    read_by=Some(("Read by 1 of 3".to_string(), "Not yet read by: Carol, Dave".to_string()))
                />
            </ul>
        }
    });
    settle().await;
    assert_eq!(
        attr(&host, ".direct [data-testid=message]", "data-state").as_deref(),
        Some("delivered")
    );
    assert_eq!(
        text(&host, ".direct [data-testid=message-state]").as_deref(),
        Some("Delivered")
    );
    assert!(host
        .query_selector(".direct [data-testid=message-important]")
        .unwrap()
        .is_none());

    assert_eq!(
        text(&host, ".group [data-testid=message-state]").as_deref(),
        Some("Read by 1 of 3")
    );
    assert_eq!(
        attr(&host, ".group [data-testid=message-state]", "title").as_deref(),
        Some("Not yet read by: Carol, Dave")
    );
    assert_eq!(
        attr(&host, ".group [data-testid=message]", "data-importance").as_deref(),
        Some("high")
    );
    assert_eq!(
        text(&host, ".group [data-testid=message-important]").as_deref(),
        Some("Important")
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_message_not_sent_yet_says_so_even_in_a_group() {
    let host = fresh_host();
    let mut item = own(Delivery::Pending, Importance::Normal);
    item.message_id = None;
    let handle = leptos::mount::mount_to(host.clone(), move || {
        messenger_widget::ui::i18n::provide_english();
        view! {
            <ul>
                <MessageView
                    item=item
                    sender_name="Alice".to_string()
                    color="red".to_string()
                    read_by=Some(("Read by 0 of 3".to_string(), "x".to_string()))
                />
            </ul>
        }
    });
    settle().await;
    assert_eq!(
        text(&host, "[data-testid=message-state]").as_deref(),
        Some("Sending…")
    );
    drop(handle);
}
