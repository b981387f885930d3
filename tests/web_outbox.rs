//! Browser tests of the outbox and the local copy in a real IndexedDB (headless Chromium):
//! what a reload or a crash must find again. Every test uses its own database.
#![cfg(target_arch = "wasm32")]

use messenger_widget::core::outbox::{Hold, PendingMessage, PendingState};
use messenger_widget::storage::copy::{CopyStore, CopyWrite};
use messenger_widget::storage::drafts::DraftStore;
use messenger_widget::storage::outbox::OutboxStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn pending(id: &str, at: i64, state: PendingState) -> PendingMessage {
    PendingMessage {
        note: false,
        client_id: id.into(),
        conversation_id: 7,
        text: format!("text of {id}"),
        created_at: at,
        state,
        importance: Default::default(),
        attachments: Vec::new(),
        writing: false,
    }
}

#[wasm_bindgen_test]
async fn the_outbox_survives_closing_and_comes_back_in_writing_order() {
    let name = unique("outbox");
    let store = DraftStore::open(&name).await.unwrap();
    let outbox = OutboxStore::from(&store);
    // Written out of order, by two tabs; one failed, one held, one in flight when it closed.
    outbox
        .put(1, &pending("b-000001", 20, PendingState::InFlight))
        .await
        .unwrap();
    outbox
        .put(
            1,
            &pending("a-000002", 10, PendingState::Failed("too large".into())),
        )
        .await
        .unwrap();
    outbox
        .put(
            1,
            &pending("a-000001", 10, PendingState::Held(Hold::Confirm)),
        )
        .await
        .unwrap();
    outbox
        .put(2, &pending("z-000001", 5, PendingState::Queued))
        .await
        .unwrap();
    store.close();

    let again = DraftStore::open(&name).await.unwrap();
    let outbox = OutboxStore::from(&again);
    let items = outbox.load(1).await.unwrap();
    let ids: Vec<&str> = items.iter().map(|p| p.client_id.as_str()).collect();
    assert_eq!(
        ids,
        ["a-000001", "a-000002", "b-000001"],
        "another user's stay apart"
    );
    assert_eq!(items[0].state, PendingState::Held(Hold::Confirm));
    assert_eq!(items[1].state, PendingState::Failed("too large".into()));
    assert_eq!(
        items[2].state,
        PendingState::Queued,
        "in flight comes back queued"
    );
    assert_eq!(items[2].text, "text of b-000001");

    outbox
        .delete(1, &["a-000001".into(), "b-000001".into()])
        .await
        .unwrap();
    let left: Vec<String> = outbox
        .load(1)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.client_id)
        .collect();
    assert_eq!(left, ["a-000002"]);
    assert_eq!(outbox.load(2).await.unwrap().len(), 1);
    again.close();
}

#[wasm_bindgen_test]
async fn the_copy_keeps_one_welcome_its_events_in_seq_order_and_pages() {
    let name = unique("copy");
    let store = DraftStore::open(&name).await.unwrap();
    let copy = CopyStore::from(&store);
    copy.write(
        3,
        &[
            CopyWrite::Welcome("w1".into()),
            CopyWrite::Event(9, "e9".into()),
            CopyWrite::Event(10, "e10".into()),
            CopyWrite::Page(7, "p7".into()),
        ],
    )
    .await
    .unwrap();
    copy.write(3, &[CopyWrite::Event(100, "e100".into())])
        .await
        .unwrap();
    copy.write(4, &[CopyWrite::Welcome("other user".into())])
        .await
        .unwrap();
    let c = copy.load(3).await.unwrap();
    assert_eq!(c.welcome.as_deref(), Some("w1"));
    assert_eq!(c.events, ["e9", "e10", "e100"], "seq order, not text order");
    assert_eq!(c.pages, ["p7"]);

    // A new welcome starts a new copy.
    copy.write(
        3,
        &[
            CopyWrite::Welcome("w2".into()),
            CopyWrite::Event(101, "e101".into()),
        ],
    )
    .await
    .unwrap();
    let c = copy.load(3).await.unwrap();
    assert_eq!(c.welcome.as_deref(), Some("w2"));
    assert_eq!(c.events, ["e101"]);
    assert!(c.pages.is_empty());
    assert_eq!(
        copy.load(4).await.unwrap().welcome.as_deref(),
        Some("other user")
    );
    copy.clear(3).await.unwrap();
    assert_eq!(copy.load(3).await.unwrap().welcome, None);
    store.close();
}

#[wasm_bindgen_test]
fn a_struct_written_as_an_array_is_refused_with_an_error() {
    // The patched serde_json reads structs from objects only in the browser (vendor/README.md).
    let as_object =
        r#"{"type":"event","seq":3,"event":{"kind":"presence","user_id":2,"presence":"online"}}"#;
    assert!(serde_json::from_str::<messenger_protocol::ServerFrame>(as_object).is_ok());
    let stored = r#"{"client_id":"t-1","conversation_id":7,"text":"x","created_at":1,"state":"Queued","importance":"normal","attachments":[]}"#;
    assert!(serde_json::from_str::<PendingMessage>(stored).is_ok());
    let as_array = r#"["t-1",7,"x",1,"Queued","normal",[]]"#;
    let err = serde_json::from_str::<PendingMessage>(as_array).unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
}
