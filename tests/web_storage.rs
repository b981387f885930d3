//! Browser tests of the storage adapters in headless Chromium: drafts, saved messages and
//! canned responses in a real IndexedDB (schema, upgrades, connections), and the per-device
//! preferences in localStorage. Every test uses its own database.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use messenger_widget::core::canned::{self, Canned};
use messenger_widget::storage::drafts::{DraftError, DraftStore, DB_VERSION};
use messenger_widget::storage::prefs;
use messenger_widget::storage::saved::{new_id, Lists, SavedMessage};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn defaults() -> Vec<Canned> {
    canned::defaults(&messenger_widget::core::i18n::Catalog::english())
}

/// Databases written with plain `web_sys` IndexedDB calls, the way earlier versions of the
/// widget wrote them, independent of the code under test.
mod raw {
    use gloo_events::EventListener;
    use js_sys::{Array, Promise};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{EventTarget, IdbDatabase, IdbTransactionMode};

    /// Waits until `target` fires `ok`; `error` or `abort` fail with the event type.
    async fn event(target: &EventTarget, ok: &'static str) -> Result<(), String> {
        let mut callbacks = None;
        let promise = Promise::new(&mut |resolve, reject| callbacks = Some((resolve, reject)));
        let (resolve, reject) = callbacks.unwrap();
        let _ok = EventListener::once(target, ok, move |_| {
            resolve.call0(&JsValue::NULL).unwrap();
        });
        let fail = |kind: &'static str| {
            let reject = reject.clone();
            EventListener::once(target, kind, move |_| {
                reject.call1(&JsValue::NULL, &kind.into()).unwrap();
            })
        };
        let (_error, _abort) = (fail("error"), fail("abort"));
        JsFuture::from(promise)
            .await
            .map(drop)
            .map_err(|e| e.as_string().unwrap_or_default())
    }

    /// Opens `name` at `version`, running `upgrade` on `upgradeneeded`.
    pub async fn open(
        name: &str,
        version: u32,
        upgrade: impl FnOnce(&IdbDatabase) + 'static,
    ) -> Result<IdbDatabase, String> {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open_with_u32(name, version).unwrap();
        let upgrading = request.clone();
        let _upgrade = EventListener::once(&request, "upgradeneeded", move |_| {
            upgrade(&upgrading.result().unwrap().unchecked_into());
        });
        event(&request, "success").await?;
        Ok(request.result().unwrap().unchecked_into())
    }

    /// The version of `name` as the browser has it (without upgrading it).
    pub async fn version(name: &str) -> f64 {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open(name).unwrap();
        event(&request, "success").await.unwrap();
        let db: IdbDatabase = request.result().unwrap().unchecked_into();
        let version = db.version();
        db.close();
        version
    }

    pub fn create_stores(db: &IdbDatabase, stores: &[&str]) {
        for store in stores {
            db.create_object_store(store).unwrap();
        }
    }

    /// Writes `(store, key, value)` rows in one transaction and waits for it to commit.
    pub async fn put(db: &IdbDatabase, rows: &[(&str, &str, JsValue)]) {
        let names: Array = rows.iter().map(|(s, _, _)| JsValue::from_str(s)).collect();
        let tx = db
            .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)
            .unwrap();
        for (store, key, value) in rows {
            tx.object_store(store)
                .unwrap()
                .put_with_key(value, &JsValue::from_str(key))
                .unwrap();
        }
        event(&tx, "complete").await.unwrap();
    }

    /// The value under `key` in `store`.
    pub async fn get(db: &IdbDatabase, store: &str, key: &str) -> JsValue {
        let tx = db.transaction_with_str(store).unwrap();
        let request = tx.object_store(store).unwrap().get(&key.into()).unwrap();
        event(&request, "success").await.unwrap();
        request.result().unwrap()
    }

    /// Writes rows into database `name` as it is, then closes it.
    pub async fn put_into(name: &str, rows: &[(&str, &str, JsValue)]) {
        let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
        let request = factory.open(name).unwrap();
        event(&request, "success").await.unwrap();
        let db: IdbDatabase = request.result().unwrap().unchecked_into();
        put(&db, rows).await;
        db.close();
    }
}

fn saved(id: impl Into<String>, text: impl Into<String>) -> SavedMessage {
    Canned {
        id: id.into(),
        shortcut: String::new(),
        text: text.into(),
    }
}

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// Runs `fut` in the background and reports whether it finished within `ms`.
async fn finishes_within(ms: u32, fut: impl std::future::Future<Output = ()> + 'static) -> bool {
    let done = Rc::new(Cell::new(false));
    let flag = done.clone();
    wasm_bindgen_futures::spawn_local(async move {
        fut.await;
        flag.set(true);
    });
    for _ in 0..ms / 10 {
        if done.get() {
            break;
        }
        sleep(10).await;
    }
    done.get()
}

// --- drafts ---------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn draft_round_trip_overwrite_delete() {
    let name = unique("drafts");
    let store = DraftStore::open(&name).await.expect("open");
    assert_eq!(store.name(), name);
    assert_eq!(store.load(1, 10).await, Ok(None));
    store.save(1, 10, "hello\nworld").await.unwrap();
    assert_eq!(store.load(1, 10).await, Ok(Some("hello\nworld".into())));
    store.save(1, 10, "changed").await.unwrap();
    assert_eq!(store.load(1, 10).await, Ok(Some("changed".into())));
    store.delete(1, 10).await.unwrap();
    assert_eq!(store.load(1, 10).await, Ok(None));
    // Deleting what is not there is fine; saving blank text deletes.
    store.delete(1, 10).await.unwrap();
    store.save(1, 10, "x").await.unwrap();
    store.save(1, 10, "   ").await.unwrap();
    assert_eq!(store.load(1, 10).await, Ok(None));
    store.close();
}

#[wasm_bindgen_test]
async fn drafts_survive_closing_and_reopening() {
    let name = unique("reopen");
    let store = DraftStore::open(&name).await.unwrap();
    store.save(7, 3, "keep me").await.unwrap();
    store.close();
    let again = DraftStore::open(&name).await.unwrap();
    assert_eq!(again.load(7, 3).await, Ok(Some("keep me".into())));
    again.close();
    assert_eq!(DB_VERSION, 3);
}

#[wasm_bindgen_test]
async fn conversations_and_users_keep_separate_drafts() {
    let name = unique("separate");
    let store = DraftStore::open(&name).await.unwrap();
    store.save(1, 10, "for ten").await.unwrap();
    store.save(1, 11, "for eleven").await.unwrap();
    store.save(2, 10, "other user").await.unwrap();
    assert_eq!(store.load(1, 10).await, Ok(Some("for ten".into())));
    assert_eq!(store.load(1, 11).await, Ok(Some("for eleven".into())));
    assert_eq!(store.load(2, 10).await, Ok(Some("other user".into())));
    store.delete(1, 10).await.unwrap();
    assert_eq!(store.load(1, 11).await, Ok(Some("for eleven".into())));
    store.close();
}

#[wasm_bindgen_test]
async fn conversations_with_drafts_lists_one_users_drafted_conversations_in_order() {
    let name = unique("with-drafts");
    let store = DraftStore::open(&name).await.unwrap();
    assert_eq!(store.conversations_with_drafts(1).await, Ok(vec![]));
    for (user, conversation) in [(1, 10), (1, 2), (1, 3), (11, 5), (2, 4)] {
        store.save(user, conversation, "text").await.unwrap();
    }
    store.save(1, 3, "  ").await.unwrap(); // blank: no draft any more
    store.close();
    // A key in the user's range that is no conversation id is not listed.
    raw::put_into(&name, &[("drafts", "1:notes", text("?"))]).await;

    let store = DraftStore::open(&name).await.unwrap();
    assert_eq!(store.conversations_with_drafts(1).await, Ok(vec![2, 10]));
    assert_eq!(store.conversations_with_drafts(11).await, Ok(vec![5]));
    assert_eq!(store.conversations_with_drafts(7).await, Ok(vec![]));
    store.delete(1, 10).await.unwrap();
    assert_eq!(store.conversations_with_drafts(1).await, Ok(vec![2]));
    store.close();
}

#[wasm_bindgen_test]
async fn non_text_value_is_a_typed_error() {
    // Values no version of the widget writes, put under draft keys behind the store's back.
    let name = unique("typed");
    DraftStore::open(&name).await.unwrap().close();
    let object = js_sys::Object::new();
    js_sys::Reflect::set(&object, &"text".into(), &"hi".into()).unwrap();
    raw::put_into(
        &name,
        &[
            ("drafts", "5:6", JsValue::from(42)),
            ("drafts", "5:7", object.into()),
            ("drafts", "5:8", text("fine")),
        ],
    )
    .await;
    let store = DraftStore::open(&name).await.unwrap();
    assert_eq!(store.load(5, 6).await, Err(DraftError::InvalidValue));
    assert_eq!(store.load(5, 7).await, Err(DraftError::InvalidValue));
    assert_eq!(store.load(5, 8).await, Ok(Some("fine".into())));
    store.close();
}

// --- schema upgrades ------------------------------------------------------------------------

/// A database exactly as the v2 code before `indexed_db_futures` left it: the four stores,
/// string drafts, `Canned::encode` strings, and the seeded flag of user 1.
#[wasm_bindgen_test]
async fn v2_database_of_an_existing_user_reads_back_unchanged() {
    let name = unique("v2-existing");
    let own_saved = [
        saved("1700000000000-00aa", "first saved"),
        saved("1700000000001-00bb", "second\nsaved, ünïcode 😀"),
    ];
    // The user kept one default (edited), deleted the others, and added one.
    let own_canned = [
        Canned {
            id: "1700000000002-00cc".into(),
            shortcut: "bye".into(),
            text: "Have a nice day.".into(),
        },
        Canned {
            id: "default-0".into(),
            shortcut: "thanks".into(),
            text: "Thanks a lot!".into(),
        },
    ];
    let db = raw::open(&name, 2, |db| {
        raw::create_stores(db, &["drafts", "saved", "canned", "meta"])
    })
    .await
    .unwrap();
    let mut rows = vec![
        ("drafts", "1:10".to_string(), text("draft of ten")),
        ("drafts", "1:2".into(), text("line one\nline two 😀")),
        ("drafts", "2:10".into(), text("another user's draft")),
        ("meta", "1:canned_seeded".into(), JsValue::TRUE),
    ];
    for e in &own_saved {
        rows.push(("saved", format!("1:{}", e.id), text(&e.encode())));
    }
    for e in &own_canned {
        rows.push(("canned", format!("1:{}", e.id), text(&e.encode())));
    }
    let rows: Vec<_> = rows
        .iter()
        .map(|(s, k, v)| (*s, k.as_str(), v.clone()))
        .collect();
    raw::put(&db, &rows).await;
    db.close();

    let store = DraftStore::open(&name).await.expect("open the v2 database");
    assert_eq!(store.load(1, 10).await, Ok(Some("draft of ten".into())));
    assert_eq!(
        store.load(1, 2).await,
        Ok(Some("line one\nline two 😀".into()))
    );
    assert_eq!(
        store.load(2, 10).await,
        Ok(Some("another user's draft".into()))
    );
    assert_eq!(store.conversations_with_drafts(1).await, Ok(vec![2, 10]));
    let lists = Lists::from(&store);
    assert_eq!(lists.saved(1).await.unwrap(), own_saved);
    // Seeded before: the deleted defaults do not come back.
    assert_eq!(lists.canned(1, &defaults()).await.unwrap(), own_canned);
    // A user who never opened the lists still gets the defaults.
    assert_eq!(
        lists.canned(2, &defaults()).await.unwrap().len(),
        defaults().len()
    );
    store.close();
    assert_eq!(raw::version(&name).await, f64::from(DB_VERSION));
}

#[wasm_bindgen_test]
async fn v1_database_upgrades_and_keeps_its_drafts() {
    assert_eq!(DB_VERSION, 3);
    let name = unique("upgrade");
    let db = raw::open(&name, 1, |db| raw::create_stores(db, &["drafts"]))
        .await
        .unwrap();
    raw::put(
        &db,
        &[
            ("drafts", "4:9", text("written before the update")),
            ("drafts", "4:12", text("and another")),
        ],
    )
    .await;
    db.close();

    let store = DraftStore::open(&name).await.expect("upgrade to v2");
    assert_eq!(
        store.load(4, 9).await,
        Ok(Some("written before the update".into()))
    );
    assert_eq!(store.load(4, 12).await, Ok(Some("and another".into())));
    assert_eq!(store.conversations_with_drafts(4).await, Ok(vec![9, 12]));
    let names: Vec<String> = store.db().object_store_names().collect();
    for s in ["drafts", "saved", "canned", "meta"] {
        assert!(names.iter().any(|n| n == s), "store {s} after the upgrade");
    }
    // The new stores work on the upgraded database.
    let lists = Lists::from(&store);
    let entry = saved(new_id(), "hello");
    lists.put_saved(4, &entry).await.unwrap();
    assert_eq!(lists.saved(4).await.unwrap(), [entry]);
    assert_eq!(
        lists.canned(4, &defaults()).await.unwrap().len(),
        defaults().len()
    );
    store.close();
    assert_eq!(raw::version(&name).await, f64::from(DB_VERSION));
}

#[wasm_bindgen_test]
async fn failed_upgrade_is_a_typed_error_and_keeps_the_old_version() {
    // A v1 database that already has a store v2 wants to create: the upgrade step fails.
    let name = unique("bad-upgrade");
    let db = raw::open(&name, 1, |db| raw::create_stores(db, &["drafts", "canned"]))
        .await
        .unwrap();
    raw::put(&db, &[("drafts", "1:1", text("still here"))]).await;
    db.close();

    match DraftStore::open(&name).await {
        Err(DraftError::Open(message)) => assert!(!message.is_empty()),
        other => panic!("expected an open error, got {other:?}"),
    }
    // The aborted upgrade changed nothing.
    assert_eq!(raw::version(&name).await, 1.0);
    let db = raw::open(&name, 1, |_| {}).await.unwrap();
    assert!(!db.object_store_names().contains("saved"));
    db.close();
}

// --- connections ----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn two_connections_see_each_others_writes() {
    let name = unique("two-tabs");
    let a = DraftStore::open(&name).await.unwrap();
    let b = DraftStore::open(&name).await.unwrap();
    a.save(1, 1, "from a").await.unwrap();
    assert_eq!(b.load(1, 1).await, Ok(Some("from a".into())));
    Lists::from(&b)
        .put_saved(1, &saved("x", "from b"))
        .await
        .unwrap();
    assert_eq!(
        Lists::from(&a).saved(1).await.unwrap(),
        [saved("x", "from b")]
    );
    // Closing one connection leaves the other working.
    a.close();
    assert!(a.load(1, 1).await.is_err());
    assert_eq!(b.load(1, 1).await, Ok(Some("from a".into())));
    b.close();
}

#[wasm_bindgen_test]
async fn a_newer_version_elsewhere_closes_this_connection_instead_of_blocking() {
    let name = unique("newer");
    let store = DraftStore::open(&name).await.unwrap();
    store.save(3, 4, "before the update").await.unwrap();
    let lists = Lists::from(&store);

    // Another tab with a newer widget opens version 3 while this connection is open.
    let newer: Rc<Cell<Option<web_sys::IdbDatabase>>> = Rc::default();
    let slot = newer.clone();
    let upgrade_name = name.clone();
    let opened = finishes_within(5000, async move {
        let db = raw::open(&upgrade_name, DB_VERSION + 1, |db| {
            raw::create_stores(db, &["future"])
        })
        .await
        .expect("newer version opens");
        slot.set(Some(db));
    })
    .await;
    assert!(
        opened,
        "the newer version was blocked by the open connection"
    );

    // This connection is closed now: typed errors, not a panic or a hang.
    assert!(matches!(
        store.load(3, 4).await,
        Err(DraftError::Transaction(_))
    ));
    assert!(lists.saved(3).await.is_err());
    // And this (old) code cannot open the newer database.
    assert_eq!(
        DraftStore::open(&name).await.err(),
        Some(DraftError::Outdated)
    );
    store.close();

    // The upgrade kept the data for the newer code.
    let db = newer.take().unwrap();
    assert_eq!(raw::get(&db, "drafts", "3:4").await, "before the update");
    db.close();
}

#[wasm_bindgen_test]
async fn an_upgrade_waits_for_an_old_connection_and_completes_when_it_closes() {
    // An old tab holds v1 open and (unlike this code) ignores versionchange.
    let name = unique("blocked");
    let old = raw::open(&name, 1, |db| raw::create_stores(db, &["drafts"]))
        .await
        .unwrap();
    raw::put(&old, &[("drafts", "1:1", text("from the old tab"))]).await;

    let result: Rc<Cell<Option<Result<DraftStore, DraftError>>>> = Rc::default();
    let slot = result.clone();
    let open_name = name.clone();
    let done = finishes_within(300, async move {
        slot.set(Some(DraftStore::open(&open_name).await));
    })
    .await;
    assert!(!done, "the upgrade must wait while v1 is open");
    old.close();
    for _ in 0..500 {
        if let Some(r) = result.take() {
            let store = r.expect("opens once the old connection closed");
            assert_eq!(store.load(1, 1).await, Ok(Some("from the old tab".into())));
            store.close();
            return;
        }
        sleep(10).await;
    }
    panic!("the upgrade did not complete after the old connection closed");
}

// --- saved messages and canned responses ------------------------------------------------------

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
    let first = lists.canned(5, &defaults()).await.unwrap();
    assert_eq!(first.len(), defaults().len());
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
    assert_eq!(
        lists.canned(5, &defaults()).await.unwrap(),
        [added.clone(), changed]
    );
    // Deleting everything does not bring the defaults back.
    lists.delete_canned(5, &thanks.id).await.unwrap();
    lists.delete_canned(5, &added.id).await.unwrap();
    assert_eq!(lists.canned(5, &defaults()).await.unwrap(), []);
    // Another user gets their own defaults.
    assert_eq!(
        lists.canned(6, &defaults()).await.unwrap().len(),
        defaults().len()
    );
    store.close();
}

#[wasm_bindgen_test]
async fn an_unreadable_entry_is_skipped() {
    let name = unique("junk");
    DraftStore::open(&name).await.unwrap().close();
    raw::put_into(
        &name,
        &[
            ("saved", "3:bad", text("no separators")),
            ("saved", "3:number", JsValue::from(7)),
        ],
    )
    .await;
    let store = DraftStore::open(&name).await.unwrap();
    let lists = Lists::from(&store);
    let ok = saved("x", "fine");
    lists.put_saved(3, &ok).await.unwrap();
    assert_eq!(lists.saved(3).await.unwrap(), [ok]);
    store.close();
}

// --- per-device preferences -------------------------------------------------------------------

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

#[wasm_bindgen_test]
fn last_conversation_is_kept_per_user() {
    // Ids no other test uses: localStorage is shared by the whole test page.
    let (a, b) = (910_001, 910_002);
    prefs::clear_last_conversation(a);
    prefs::clear_last_conversation(b);
    assert_eq!(prefs::last_conversation(a), None);
    prefs::set_last_conversation(a, 5);
    prefs::set_last_conversation(b, 77);
    assert_eq!(prefs::last_conversation(a), Some(5));
    assert_eq!(prefs::last_conversation(b), Some(77));
    prefs::set_last_conversation(a, 6);
    assert_eq!(prefs::last_conversation(a), Some(6));
    prefs::clear_last_conversation(a);
    assert_eq!(prefs::last_conversation(a), None);
    assert_eq!(prefs::last_conversation(b), Some(77));
    // A value this code did not write is ignored.
    let key = format!("{}{b}", prefs::LAST_CONVERSATION_KEY);
    local_storage().set_item(&key, "not an id").unwrap();
    assert_eq!(prefs::last_conversation(b), None);
    prefs::clear_last_conversation(b);
}

#[wasm_bindgen_test]
fn text_zoom_defaults_clamps_and_ignores_bad_values() {
    let s = local_storage();
    s.remove_item(prefs::TEXT_ZOOM_KEY).unwrap();
    assert_eq!(prefs::text_zoom(), 100);
    assert_eq!(prefs::set_text_zoom(120), 120);
    assert_eq!(prefs::text_zoom(), 120);
    assert_eq!(prefs::set_text_zoom(400), 150);
    assert_eq!(prefs::text_zoom(), 150);
    assert_eq!(prefs::set_text_zoom(10), 80);
    assert_eq!(prefs::text_zoom(), 80);
    for bad in ["", "big", "12.5"] {
        s.set_item(prefs::TEXT_ZOOM_KEY, bad).unwrap();
        assert_eq!(prefs::text_zoom(), 100, "{bad:?}");
    }
    s.set_item(prefs::TEXT_ZOOM_KEY, "999").unwrap();
    assert_eq!(prefs::text_zoom(), 150, "out of range is clamped");
    s.remove_item(prefs::TEXT_ZOOM_KEY).unwrap();
}
