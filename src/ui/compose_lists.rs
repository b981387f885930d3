//! The compose box's panels: saved messages and the canned-response manager. Both edit a
//! list signal first and persist in the background (a failed write is logged).

use leptos::prelude::*;

use super::compose::lists;
use super::ctx::Ctx;
use crate::core::canned::{normalize_shortcut, Canned};
use crate::storage::saved::{new_id, Lists, SavedMessage};

fn persist<F>(ctx: Ctx, op: impl FnOnce(Lists, i64) -> F + 'static)
where
    F: std::future::Future<Output = Result<(), crate::storage::saved::StoreError>> + 'static,
{
    let (Some(lists), Some(user)) = (lists(ctx), ctx.me_id()) else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Err(e) = op(lists, user).await {
            web_sys::console::warn_1(&format!("messenger: {e}").into());
        }
    });
}

#[component]
pub fn SavedPanel(list: RwSignal<Vec<SavedMessage>>, on_insert: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let editing = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let put = move |entry: SavedMessage| {
        list.update(|l| match l.iter_mut().find(|e| e.id == entry.id) {
            Some(e) => *e = entry.clone(),
            None => l.push(entry.clone()),
        });
        persist(ctx, move |lists, user| async move { lists.put_saved(user, &entry).await });
    };
    let save_current = move |_| {
        let text = ctx.compose.get_untracked();
        if !text.trim().is_empty() {
            put(SavedMessage { id: new_id(), text });
        }
    };
    let row = move |e: SavedMessage| {
        let id = e.id.clone();
        let is_editing = {
            let id = id.clone();
            move || editing.get().as_deref() == Some(&*id)
        };
        let (text, id2, id3) = (e.text.clone(), id.clone(), id.clone());
        view! {
            <li class="mw-list-item" data-testid="saved-item">
                {move || {
                    if is_editing() {
                        let id = id.clone();
                        view! {
                            <textarea
                                class="mw-panel-input"
                                data-testid="saved-edit-text"
                                prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev))
                            ></textarea>
                            <button
                                type="button"
                                class="mw-tool"
                                data-testid="saved-edit-save"
                                on:click=move |_| {
                                    let text = draft.get_untracked();
                                    if !text.trim().is_empty() {
                                        put(SavedMessage { id: id.clone(), text });
                                    }
                                    editing.set(None);
                                }
                            >
                                "Save"
                            </button>
                            <button type="button" class="mw-tool" on:click=move |_| editing.set(None)>
                                "Cancel"
                            </button>
                        }
                            .into_any()
                    } else {
                        let text = text.clone();
                        let (t2, t3, id2) = (text.clone(), text.clone(), id.clone());
                        view! {
                            <span class="mw-list-text" data-testid="saved-text">{text}</span>
                            <button
                                type="button"
                                class="mw-tool"
                                data-testid="saved-insert"
                                on:click=move |_| on_insert.run(t2.clone())
                            >
                                "Insert"
                            </button>
                            <button
                                type="button"
                                class="mw-tool"
                                data-testid="saved-edit"
                                on:click=move |_| {
                                    draft.set(t3.clone());
                                    editing.set(Some(id2.clone()));
                                }
                            >
                                "Edit"
                            </button>
                        }
                            .into_any()
                    }
                }}
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="saved-delete"
                    on:click=move |_| {
                        let id = id2.clone();
                        list.update(|l| l.retain(|e| e.id != id));
                        persist(ctx, move |lists, user| async move { lists.delete_saved(user, &id).await });
                    }
                    aria-label="Delete"
                    title=format!("Delete {id3}")
                >
                    "Delete"
                </button>
            </li>
        }
    };
    view! {
        <div class="mw-panel" data-testid="saved-panel">
            <div class="mw-panel-head">
                <b>"Saved messages"</b>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="saved-add"
                    disabled=move || ctx.compose.with(|t| t.trim().is_empty())
                    on:click=save_current
                >
                    "Save current text"
                </button>
            </div>
            <ul class="mw-panel-list">
                <For each=move || list.get() key=|e| (e.id.clone(), e.text.clone()) children=row />
            </ul>
            {move || list.with(Vec::is_empty).then(|| view! { <p class="mw-muted">"Nothing saved yet."</p> })}
        </div>
    }
}

#[component]
pub fn CannedPanel(list: RwSignal<Vec<Canned>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // The id being edited; `None` adds a new reply.
    let editing = RwSignal::new(None::<String>);
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let reset = move || {
        editing.set(None);
        shortcut.set(String::new());
        text.set(String::new());
        error.set(None);
    };
    let submit = move |ev: web_sys::MouseEvent| {
        ev.prevent_default();
        let Some(short) = normalize_shortcut(&shortcut.get_untracked()) else {
            error.set(Some("A shortcut is one word: letters, digits, - or _."));
            return;
        };
        let body = text.get_untracked();
        if body.trim().is_empty() {
            error.set(Some("Write the reply text."));
            return;
        }
        let id = editing.get_untracked().unwrap_or_else(new_id);
        if list.with_untracked(|l| l.iter().any(|c| c.shortcut == short && c.id != id)) {
            error.set(Some("That shortcut is already used."));
            return;
        }
        let entry = Canned {
            id,
            shortcut: short,
            text: body,
        };
        list.update(|l| {
            l.retain(|c| c.id != entry.id);
            l.push(entry.clone());
            l.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        });
        persist(ctx, move |lists, user| async move { lists.put_canned(user, &entry).await });
        reset();
    };
    let row = move |c: Canned| {
        let (c2, id) = (c.clone(), c.id.clone());
        view! {
            <li class="mw-list-item" data-testid="canned-item">
                <b data-testid="canned-item-shortcut">{format!("/{}", c.shortcut)}</b>
                <span class="mw-list-text" data-testid="canned-item-text">{c.text.clone()}</span>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="canned-edit"
                    on:click=move |_| {
                        editing.set(Some(c2.id.clone()));
                        shortcut.set(c2.shortcut.clone());
                        text.set(c2.text.clone());
                        error.set(None);
                    }
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="canned-delete"
                    on:click=move |_| {
                        let id = id.clone();
                        list.update(|l| l.retain(|c| c.id != id));
                        persist(ctx, move |lists, user| async move { lists.delete_canned(user, &id).await });
                    }
                >
                    "Delete"
                </button>
            </li>
        }
    };
    view! {
        <div class="mw-panel" data-testid="canned-panel">
            <div class="mw-panel-head">
                <b>"Canned replies"</b>
                <span class="mw-muted">"Type / and the shortcut in the message box."</span>
            </div>
            <ul class="mw-panel-list">
                <For each=move || list.get() key=|c| c.clone() children=row />
            </ul>
            <div class="mw-canned-form">
                <input
                    class="mw-panel-input"
                    data-testid="canned-shortcut"
                    placeholder="/shortcut"
                    aria-label="Shortcut"
                    prop:value=move || shortcut.get()
                    on:input=move |ev| shortcut.set(event_target_value(&ev))
                />
                <textarea
                    class="mw-panel-input"
                    data-testid="canned-text"
                    placeholder="Reply text"
                    aria-label="Reply text"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
                <button type="button" class="mw-tool" data-testid="canned-save" on:click=submit>
                    {move || if editing.get().is_some() { "Save reply" } else { "Add reply" }}
                </button>
                {move || editing.get().is_some().then(|| view! {
                    <button type="button" class="mw-tool" on:click=move |_| reset()>"Cancel"</button>
                })}
                {move || error.get().map(|e| view! { <p class="mw-compose-error" role="alert" data-testid="canned-error">{e}</p> })}
            </div>
        </div>
    }
}
