//! The panel above the compose box for saved messages or canned replies: the list (Insert,
//! Edit, Delete per entry) and an editor to add or change one.

use leptos::prelude::*;

use super::lists;
use super::state::{ComposeCtx, PanelKind};
use crate::core::canned::{check_entry, Canned};
use crate::storage::saved::{new_id, saved_message};

/// The editor's fields (controlled inputs) and state.
#[derive(Clone, Copy)]
struct Editor {
    shortcut: RwSignal<String>,
    text: RwSignal<String>,
    /// The entry being changed; `None` adds a new one.
    editing: RwSignal<Option<String>>,
    error: RwSignal<&'static str>,
}

impl Editor {
    fn new() -> Self {
        Editor {
            shortcut: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
            editing: RwSignal::new(None),
            error: RwSignal::new(""),
        }
    }

    fn clear(self) {
        self.shortcut.set(String::new());
        self.text.set(String::new());
        self.editing.set(None);
        self.error.set("");
    }

    fn edit(self, entry: &Canned) {
        self.shortcut.set(entry.shortcut.clone());
        self.text.set(entry.text.clone());
        self.editing.set(Some(entry.id.clone()));
        self.error.set("");
    }

    /// Stores the entry in the editor (new or changed) if it is valid.
    fn save(self, cc: ComposeCtx, kind: PanelKind) {
        let text = self.text.get_untracked();
        let id = self.editing.get_untracked().unwrap_or_else(new_id);
        let raw = (kind == PanelKind::Canned).then(|| self.shortcut.get_untracked());
        let checked = cc
            .list(kind)
            .with_untracked(|list| check_entry(list, &id, raw.as_deref(), &text));
        match checked {
            Ok(shortcut) => {
                lists::upsert(cc, kind, Canned { id, shortcut, text });
                self.clear();
            }
            Err(e) => self.error.set(e.message()),
        }
    }
}

/// Stores the compose box's text as a new saved message.
fn save_current_text(cc: ComposeCtx) {
    let text = cc.app.compose.get_untracked();
    if !text.trim().is_empty() {
        lists::upsert(cc, PanelKind::Saved, saved_message(text));
    }
}

#[component]
pub fn ListPanel(kind: PanelKind) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let editor = Editor::new();
    let saved = kind == PanelKind::Saved;
    let title = if saved {
        "Saved messages"
    } else {
        "Canned replies: type / and the shortcut in the message"
    };
    let list = cc.list(kind);
    view! {
        <div
            class="mw-compose-panel"
            data-testid="compose-panel"
            data-kind=if saved { "saved" } else { "canned" }
        >
            <div class="mw-compose-panel-head">
                <b>{title}</b>
                {saved
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="mw-tool"
                                data-testid="saved-add"
                                on:click=move |_| save_current_text(cc)
                            >
                                "Save current text"
                            </button>
                        }
                    })}
            </div>
            <ul class="mw-panel-list">
                // Keyed on the content too: an edited entry is drawn again.
                <For
                    each=move || list.get()
                    key=Canned::encode
                    let(entry)
                >
                    <PanelItem entry kind editor />
                </For>
            </ul>
            <PanelEditor kind editor />
        </div>
    }
    .into_any()
}

#[component]
fn PanelItem(entry: Canned, kind: PanelKind, editor: Editor) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let shortcut = (!entry.shortcut.is_empty()).then(|| format!("/{} ", entry.shortcut));
    let (text, inserted, id) = (entry.text.clone(), entry.text.clone(), entry.id.clone());
    view! {
        <li class="mw-list-item" data-testid="panel-item">
            <span class="mw-list-text" data-testid="panel-item-text">
                {shortcut.map(|s| view! { <b>{s}</b> })}
                <span>{text}</span>
            </span>
            <button type="button" class="mw-tool" on:click=move |_| cc.insert(&inserted)>
                "Insert"
            </button>
            <button type="button" class="mw-tool" on:click=move |_| editor.edit(&entry)>
                "Edit"
            </button>
            <button
                type="button"
                class="mw-tool"
                on:click=move |_| lists::remove(cc, kind, id.clone())
            >
                "Delete"
            </button>
        </li>
    }
    .into_any()
}

#[component]
fn PanelEditor(kind: PanelKind, editor: Editor) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let save_label = move || {
        if editor.editing.with(Option::is_some) {
            "Save changes"
        } else {
            "Add"
        }
    };
    view! {
        <div class="mw-canned-form" data-testid="panel-editor">
            {(kind == PanelKind::Canned)
                .then(|| {
                    view! {
                        <input
                            class="mw-panel-input mw-panel-shortcut"
                            data-testid="panel-shortcut"
                            placeholder="/shortcut"
                            aria-label="Shortcut"
                            bind:value=editor.shortcut
                        />
                    }
                })}
            <textarea
                class="mw-panel-input"
                data-testid="panel-text"
                aria-label="Text"
                bind:value=editor.text
            ></textarea>
            <button
                type="button"
                class="mw-tool"
                data-testid="panel-save"
                on:click=move |_| editor.save(cc, kind)
            >
                {save_label}
            </button>
            <button type="button" class="mw-tool" on:click=move |_| editor.clear()>
                "Clear"
            </button>
            <p class="mw-compose-error" role="alert" data-testid="panel-error">
                {editor.error}
            </p>
        </div>
    }
    .into_any()
}
