//! Saved messages and canned replies live in the drafts database: loaded once it is open,
//! written back in the background after each change.

use leptos::prelude::*;

use super::state::{ComposeCtx, PanelKind};
use crate::core::canned::Canned;
use crate::storage::saved::{Lists, PANEL_STORES};
use crate::ui::erased::{effect, memo};

fn lists(cc: ComposeCtx) -> Option<Lists> {
    cc.app
        .drafts
        .try_get_value()
        .flatten()
        .map(|d| Lists::from(&d))
}

/// Loads both lists as soon as the database and the user are known (once).
pub fn load_when_ready(cc: ComposeCtx) {
    let app = cc.app;
    let me = memo(move |_| app.session.with(|s| s.state.me_id()).or(app.known_user));
    effect(move |loaded: Option<bool>| {
        if loaded == Some(true) {
            return true;
        }
        let (true, Some(user), Some(store)) = (app.drafts_ready.get(), me.get(), lists(cc)) else {
            return false;
        };
        leptos::task::spawn_local(async move {
            let defaults = app.i18n.with_untracked(crate::core::canned::defaults);
            let canned = store.canned(user, &defaults).await;
            let saved = store.saved(user).await;
            let _ = cc
                .list(PanelKind::Canned)
                .try_set(canned.unwrap_or_default());
            let _ = cc.list(PanelKind::Saved).try_set(saved.unwrap_or_default());
        });
        true
    });
}

/// Stores `entry` (`Ok`) or deletes the entry with that id (`Err`); a failure is logged and
/// the list on screen stays as it is.
pub fn persist(cc: ComposeCtx, kind: PanelKind, entry: Result<Canned, String>) {
    let (Some(store), Some(user)) = (lists(cc), cc.app.me_id()) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let name = PANEL_STORES[kind as usize];
        let done = match &entry {
            Ok(e) => store.put(name, user, &e.id, e).await,
            Err(id) => store.delete(name, user, id).await,
        };
        if let Err(e) = done {
            web_sys::console::warn_1(&format!("messenger: {e}").into());
        }
    });
}

/// Adds `entry` to the list on screen, or replaces the one with its id, and stores it.
pub fn upsert(cc: ComposeCtx, kind: PanelKind, entry: Canned) {
    cc.list(kind)
        .update(|list| match list.iter_mut().find(|x| x.id == entry.id) {
            Some(x) => *x = entry.clone(),
            None => list.push(entry.clone()),
        });
    persist(cc, kind, Ok(entry));
}

pub fn remove(cc: ComposeCtx, kind: PanelKind, id: String) {
    cc.list(kind).update(|list| list.retain(|e| e.id != id));
    persist(cc, kind, Err(id));
}
