//! The panel above the compose box for saved messages or canned replies: the list (Insert,
//! Edit, Delete per entry) and an editor to add or change one.

use leptos::prelude::*;

use super::lists;
use super::state::{ComposeCtx, PanelKind};
use crate::core::canned::{check_entry, Canned};
use crate::core::i18n::K;
use crate::storage::saved::{new_id, saved_message};
use crate::ui::handler::handler;
use crate::ui::i18n::{text, use_i18n};

/// The editor's fields (controlled inputs) and state.
#[derive(Clone, Copy)]
struct Editor {
    shortcut: RwSignal<String>,
    text: RwSignal<String>,
    /// The entry being changed; `None` adds a new one.
    editing: RwSignal<Option<String>>,
    error: RwSignal<Option<K>>,
}

impl Editor {
    fn new() -> Self {
        Editor {
            shortcut: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
            editing: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    fn clear(self) {
        self.shortcut.set(String::new());
        self.text.set(String::new());
        self.editing.set(None);
        self.error.set(None);
    }

    fn edit(self, entry: &Canned) {
        self.shortcut.set(entry.shortcut.clone());
        self.text.set(entry.text.clone());
        self.editing.set(Some(entry.id.clone()));
        self.error.set(None);
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
            Err(e) => self.error.set(Some(e.text())),
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
    let title = text(if saved {
        K::PanelSavedTitle
    } else {
        K::PanelCannedTitle
    });
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
                                on:click=handler(move |_| save_current_text(cc))
                            >
                                {text(K::PanelSaveCurrent)}
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
    let (body, inserted, id) = (entry.text.clone(), entry.text.clone(), entry.id.clone());
    view! {
        <li class="mw-list-item" data-testid="panel-item">
            <span class="mw-list-text" data-testid="panel-item-text">
                {shortcut.map(|s| view! { <b>{s}</b> })}
                <span>{body}</span>
            </span>
            <button type="button" class="mw-tool" on:click=handler(move |_| cc.insert(&inserted))>
                {text(K::PanelInsert)}
            </button>
            <button type="button" class="mw-tool" on:click=handler(move |_| editor.edit(&entry))>
                {text(K::PanelEdit)}
            </button>
            <button
                type="button"
                class="mw-tool"
                on:click=handler(move |_| lists::remove(cc, kind, id.clone()))
            >
                {text(K::PanelDelete)}
            </button>
        </li>
    }
    .into_any()
}

#[component]
fn PanelEditor(kind: PanelKind, editor: Editor) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let i18n = use_i18n();
    let save_label = move || {
        i18n.t(if editor.editing.with(Option::is_some) {
            K::PanelSaveChanges
        } else {
            K::PanelAdd
        })
    };
    view! {
        <div class="mw-canned-form" data-testid="panel-editor">
            {(kind == PanelKind::Canned)
                .then(|| {
                    view! {
                        <input
                            class="mw-panel-input mw-panel-shortcut"
                            data-testid="panel-shortcut"
                            placeholder=text(K::PanelShortcutPlaceholder)
                            aria-label=text(K::PanelShortcut)
                            bind:value=editor.shortcut
                        />
                    }
                })}
            <textarea
                class="mw-panel-input"
                data-testid="panel-text"
                aria-label=text(K::PanelText)
                bind:value=editor.text
            ></textarea>
            <button
                type="button"
                class="mw-tool"
                data-testid="panel-save"
                on:click=handler(move |_| editor.save(cc, kind))
            >
                {save_label}
            </button>
            <button type="button" class="mw-tool" on:click=handler(move |_| editor.clear())>
                {text(K::PanelClear)}
            </button>
            <p class="mw-compose-error" role="alert" data-testid="panel-error">
                {move || editor.error.get().map(|k| i18n.t(k))}
            </p>
        </div>
    }
    .into_any()
}
