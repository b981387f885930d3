//! The compose box: the send key from the user's settings, drafts saved as you type,
//! importance, image attachments (picked or pasted, uploaded at once), canned responses
//! offered on `/shortcut`, a panel each for saved messages and canned responses, and an SMS
//! counter in SMS conversations.
//!
//! Written for a small wasm: the state is one `RefCell` plus a trigger, one effect draws
//! what changes with plain DOM calls (text always as text nodes), and one delegated click
//! handler reads the `data-act` / `data-id` of the clicked button: in Leptos every handler,
//! reactive closure and signal access is a separate generic instantiation. The panel's
//! editor fields are plain uncontrolled inputs, read and written through the DOM.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use messenger_protocol::{Attachment, ConversationId, Importance};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

use super::ctx::Ctx;
use super::Auth;
use crate::core::canned::{self, normalize_shortcut, Canned};
use crate::core::compose::{
    check_attachment, key_action, send_hint, sms_counter, KeyAction, KeyPress,
};
use crate::core::session::ComposeError;
use crate::storage::saved::{new_id, saved_message, Lists, PANEL_STORES};

/// An image attached in the compose box.
#[derive(Clone, Debug, PartialEq)]
struct Pick {
    key: u32,
    conversation: ConversationId,
    name: String,
    /// An object URL of the local file, revoked when the pick goes.
    preview: String,
    /// `None` while uploading.
    uploaded: Option<Attachment>,
}

const SAVED: usize = 0;
const CANNED: usize = 1;

#[derive(Clone, Debug, Default, PartialEq)]
struct Ui {
    picks: Vec<Pick>,
    next_key: u32,
    /// The last attachment problem, until the next pick, removal or send.
    error: Option<String>,
    /// High importance is set for one conversation; switching away resets it.
    high: Option<ConversationId>,
    /// Escape closed the canned-response popup until the next input.
    dismissed: bool,
    active: usize,
    /// The open panel: `SAVED` or `CANNED`.
    panel: Option<usize>,
    /// Saved messages and canned responses.
    lists: [Vec<Canned>; 2],
    /// The entry in the panel's editor; `None` adds a new one.
    editing: Option<String>,
    panel_error: &'static str,
    /// The lists were requested from the database.
    loaded: bool,
}

impl Ui {
    /// `cursor` is the caret in UTF-16 units, as the textarea reports it.
    fn suggestions(&self, text: &str, cursor: usize) -> Vec<Canned> {
        if self.dismissed {
            return Vec::new();
        }
        let at = canned::utf16_to_byte(text, cursor);
        canned::trigger(text, at)
            .map(|t| {
                canned::matches(&self.lists[CANNED], &t.prefix)
                    .into_iter()
                    .take(6)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The state behind a plain `RefCell` plus one trigger: each closure passed to a signal's
/// `update`/`with` would instantiate the signal machinery again.
#[derive(Clone, Copy)]
struct UiState {
    cell: StoredValue<Rc<RefCell<Ui>>, LocalStorage>,
    changed: Trigger,
}

impl UiState {
    // Not inlined: one copy of the arena lookup instead of one per caller.
    #[inline(never)]
    fn get(self) -> Option<Rc<RefCell<Ui>>> {
        self.cell.try_get_value()
    }

    fn read<R: Default>(self, f: impl FnOnce(&Ui) -> R) -> R {
        self.get().map(|c| f(&c.borrow())).unwrap_or_default()
    }

    /// Changes the state and redraws; nothing once the box is gone.
    fn update(self, f: impl FnOnce(&mut Ui)) {
        if let Some(c) = self.get() {
            f(&mut c.borrow_mut());
            self.changed.notify();
        }
    }
}

fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

fn lists(ctx: Ctx) -> Option<Lists> {
    ctx.drafts
        .try_get_value()
        .flatten()
        .map(|d| Lists::from(&d))
}

/// Writes to the database in the background; a failure is logged (the list shown stays).
fn persist(ctx: Ctx, panel: usize, entry: Result<Canned, String>) {
    let (Some(lists), Some(user)) = (lists(ctx), ctx.me_id()) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let store = PANEL_STORES[panel];
        let done = match &entry {
            Ok(e) => lists.put(store, user, &e.id, e).await,
            Err(id) => lists.delete(store, user, id).await,
        };
        if let Err(e) = done {
            web_sys::console::warn_1(&format!("messenger: {e}").into());
        }
    });
}

/// The `value` of an input or textarea of the form, by `data-testid`.
fn field(form: &Element, testid: &str) -> Option<Element> {
    form.query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
}

fn get_value(form: &Element, testid: &str) -> String {
    field(form, testid)
        .and_then(|el| js_sys::Reflect::get(&el, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn set_value(form: &Element, testid: &str, value: &str) {
    if let Some(el) = field(form, testid) {
        let _ = js_sys::Reflect::set(&el, &"value".into(), &JsValue::from_str(value));
    }
}

#[component]
pub fn Compose() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let auth = use_context::<Auth>();
    let input = NodeRef::<leptos::html::Textarea>::new();
    let ui = UiState {
        cell: StoredValue::new_local(Rc::default()),
        changed: Trigger::new(),
    };
    let caret = move || {
        input
            .get_untracked()
            .and_then(|el| el.selection_start().ok().flatten())
            .unwrap_or(0) as usize
    };
    let selected = move || ctx.selected.get_untracked();

    // Replaces the text and puts the caret at `at` (a byte offset).
    let set_text = move |text: String, at: usize| {
        let units = canned::byte_to_utf16(&text, at);
        if let Some(el) = input.get_untracked() {
            el.set_value(&text);
            let _ = el.set_selection_range(units as u32, units as u32);
            let _ = el.focus();
        }
        ctx.compose.set(text.clone());
        if let Some(c) = selected() {
            ctx.save_draft_debounced(c, text);
        }
    };
    let pick_canned = move |reply: &Canned| {
        let text = ctx.compose.get_untracked();
        let at = canned::utf16_to_byte(&text, caret());
        if let Some(t) = canned::trigger(&text, at) {
            let (text, at) = canned::apply(&text, &t, &reply.text);
            set_text(text, at);
        }
    };

    let send = move || {
        let Some(c) = selected() else {
            return;
        };
        let (files, importance) = ui.read(|u| {
            let files: Vec<Pick> = u
                .picks
                .iter()
                .filter(|p| p.conversation == c)
                .cloned()
                .collect();
            let high = u.high == Some(c);
            (
                files,
                if high {
                    Importance::High
                } else {
                    Importance::Normal
                },
            )
        });
        let attachments: Option<Vec<Attachment>> =
            files.iter().map(|p| p.uploaded.clone()).collect();
        let Some(attachments) = attachments else {
            ui.update(|u| u.error = Some("Wait for the image upload to finish.".into()));
            return;
        };
        let text = ctx.compose.get_untracked();
        let now = js_sys::Date::now() as i64;
        match ctx
            .session
            .try_update(|s| s.send_message(c, &text, importance, attachments, now))
        {
            Some(Ok(frames)) => {
                ctx.send(frames);
                ctx.compose.set(String::new());
                ctx.compose_error.set(None);
                ctx.save_draft_now(c, String::new());
                files.iter().for_each(|p| revoke(&p.preview));
                ui.update(|u| {
                    u.picks.retain(|p| p.conversation != c);
                    u.high = None;
                    u.error = None;
                });
            }
            Some(Err(ComposeError::Empty)) | None => {}
            Some(Err(e)) => ctx.compose_error.set(Some(e.to_string())),
        }
    };

    let add_files = move |files: Vec<web_sys::File>| {
        let Some(c) = selected() else {
            return;
        };
        let max = ctx
            .session
            .with_untracked(|s| s.state.limits.max_attachment_bytes);
        let server = auth.map(|a| a.server.get_value()).unwrap_or_default();
        let token = auth
            .and_then(|a| a.session.get_untracked())
            .map(|s| s.token)
            .unwrap_or_default();
        ui.update(|u| u.error = None);
        for file in files {
            let name = file.name();
            let already = ui.read(|u| u.picks.iter().filter(|p| p.conversation == c).count());
            if let Err(e) = check_attachment(&name, &file.type_(), file.size() as u64, max, already)
            {
                ui.update(|u| u.error = Some(e.to_string()));
                continue;
            }
            let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
            let mut key = 0;
            ui.update(|u| {
                key = u.next_key;
                u.next_key += 1;
                u.picks.push(Pick {
                    key,
                    conversation: c,
                    name,
                    preview,
                    uploaded: None,
                });
            });
            let (server, token) = (server.clone(), token.clone());
            leptos::task::spawn_local(async move {
                let result = crate::net::upload::upload(&server, &token, &file).await;
                ui.update(|u| {
                    let Some(i) = u.picks.iter().position(|p| p.key == key) else {
                        return; // removed meanwhile
                    };
                    match result {
                        Ok(a) => u.picks[i].uploaded = Some(a),
                        Err(e) => {
                            revoke(&u.picks.remove(i).preview);
                            u.error = Some(e);
                        }
                    }
                });
            });
        }
    };

    let on_input = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        if ctx.compose_error.with_untracked(Option::is_some) {
            let max = ctx
                .session
                .with_untracked(|s| s.state.limits.max_message_bytes);
            if value.len() <= max {
                ctx.compose_error.set(None);
            }
        }
        ctx.compose.set(value.clone());
        ui.update(|u| {
            u.dismissed = false;
            u.active = 0;
        });
        if let Some(c) = selected() {
            ctx.notify_typing(c);
            ctx.save_draft_debounced(c, value);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let composing = ev.is_composing() || ev.key_code() == 229;
        let key = ev.key();
        let list = ui.read(|u| u.suggestions(&ctx.compose.get_untracked(), caret()));
        if !list.is_empty() && !composing {
            let n = list.len();
            let active = ui.read(|u| u.active.min(n - 1));
            let step = match key.as_str() {
                "ArrowDown" => Some(1),
                "ArrowUp" => Some(n - 1),
                "Enter" | "Tab" => {
                    pick_canned(&list[active]);
                    Some(0)
                }
                "Escape" => {
                    ui.update(|u| u.dismissed = true);
                    Some(0)
                }
                _ => None,
            };
            if let Some(step) = step {
                ev.prevent_default();
                if step > 0 {
                    ui.update(|u| u.active = (active + step) % n);
                }
                return;
            }
        }
        let press = KeyPress {
            key: &key,
            shift: ev.shift_key(),
            ctrl: ev.ctrl_key(),
            meta: ev.meta_key(),
            alt: ev.alt_key(),
            composing,
        };
        let mode = ctx.session.with_untracked(|s| s.state.settings.send_key);
        if key_action(press, mode) == KeyAction::Send {
            ev.prevent_default();
            send();
        }
    };
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let Some(list) = ev.clipboard_data().and_then(|d| d.files()) else {
            return;
        };
        let images: Vec<web_sys::File> = (0..list.length())
            .filter_map(|i| list.get(i))
            .filter(|f| f.type_().starts_with("image/"))
            .collect();
        if !images.is_empty() {
            ev.prevent_default();
            add_files(images);
        }
    };
    let on_file = move |ev: web_sys::Event| {
        let el = event_target::<web_sys::HtmlInputElement>(&ev);
        let files = el
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        // Picking the same file again must fire `change` again.
        el.set_value("");
        add_files(files);
    };

    // Every button of the box: `data-act` says what, `data-id` which.
    let on_click = move |ev: web_sys::MouseEvent| {
        let (Some(form), Some(target)) = (
            ev.current_target()
                .and_then(|t| t.dyn_into::<Element>().ok()),
            ev.target().and_then(|t| t.dyn_into::<Element>().ok()),
        ) else {
            return;
        };
        let Some(button) = target.closest("[data-act]").ok().flatten() else {
            return;
        };
        let act = button.get_attribute("data-act").unwrap_or_default();
        let id = button.get_attribute("data-id").unwrap_or_default();
        let panel = ui.read(|u| u.panel).unwrap_or(SAVED);
        let entry = ui.read(|u| u.lists[panel].iter().find(|e| e.id == id).cloned());
        match act.as_str() {
            "remove" => ui.update(|u| {
                if let Some(i) = u.picks.iter().position(|p| p.key.to_string() == id) {
                    revoke(&u.picks.remove(i).preview);
                }
                u.error = None;
            }),
            "high" => {
                let c = selected();
                ui.update(|u| u.high = if u.high == c { None } else { c });
            }
            "panel" => ui.update(|u| {
                let p = id.parse().ok();
                u.panel = if u.panel == p { None } else { p };
                u.editing = None;
                u.panel_error = "";
            }),
            "pick" => {
                let list = ui.read(|u| u.suggestions(&ctx.compose.get_untracked(), caret()));
                if let Some(c) = id.parse::<usize>().ok().and_then(|i| list.get(i)) {
                    pick_canned(c);
                }
            }
            "add" => {
                let text = ctx.compose.get_untracked();
                if !text.trim().is_empty() {
                    let e = saved_message(text);
                    ui.update(|u| u.lists[SAVED].push(e.clone()));
                    persist(ctx, SAVED, Ok(e));
                }
            }
            "insert" => {
                if let Some(e) = entry {
                    let text = ctx.compose.get_untracked();
                    let at = canned::utf16_to_byte(&text, caret());
                    set_text(
                        format!("{}{}{}", &text[..at], e.text, &text[at..]),
                        at + e.text.len(),
                    );
                }
            }
            "edit" => {
                if let Some(e) = entry {
                    set_value(&form, "panel-shortcut", &e.shortcut);
                    set_value(&form, "panel-text", &e.text);
                    ui.update(|u| {
                        u.editing = Some(e.id);
                        u.panel_error = "";
                    });
                }
            }
            "delete" => {
                ui.update(|u| u.lists[panel].retain(|e| e.id != id));
                persist(ctx, panel, Err(id));
            }
            "clear" | "save" => {
                let text = get_value(&form, "panel-text");
                let shortcut = if panel == CANNED {
                    normalize_shortcut(&get_value(&form, "panel-shortcut"))
                } else {
                    Some(String::new())
                };
                let editing = ui.read(|u| u.editing.clone());
                let error = match (act.as_str(), shortcut) {
                    ("clear", _) => "",
                    (_, None) => "A shortcut is one word: letters, digits, - or _.",
                    _ if text.trim().is_empty() => "Write the text first.",
                    (_, Some(shortcut)) => {
                        let id = editing.unwrap_or_else(new_id);
                        let taken = ui.read(|u| {
                            panel == CANNED
                                && u.lists[CANNED]
                                    .iter()
                                    .any(|c| c.shortcut == shortcut && c.id != id)
                        });
                        if taken {
                            "That shortcut is already used."
                        } else {
                            let e = Canned { id, shortcut, text };
                            ui.update(|u| {
                                let list = &mut u.lists[panel];
                                match list.iter_mut().find(|x| x.id == e.id) {
                                    Some(x) => *x = e.clone(),
                                    None => list.push(e.clone()),
                                }
                            });
                            persist(ctx, panel, Ok(e));
                            ""
                        }
                    }
                };
                if error.is_empty() {
                    set_value(&form, "panel-shortcut", "");
                    set_value(&form, "panel-text", "");
                    ui.update(|u| u.editing = None);
                }
                ui.update(|u| u.panel_error = error);
            }
            _ => {}
        }
    };

    // The parts that change with the state are drawn by hand into the static markup below:
    // one effect instead of a reactive closure (and its generic code) per part.
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let conv_facts = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session.with(|s| {
            let sms = c
                .and_then(|c| s.state.conversations.get(&c))
                .is_some_and(|c| c.sms);
            (s.state.settings.send_key, sms, s.state.me_id())
        })
    });
    Effect::new(move |_| {
        let Some(form) = form_ref.get() else {
            return;
        };
        let c = ctx.selected.get();
        let text = ctx.compose.get();
        let error = ctx.compose_error.get();
        let (mode, sms, me) = conv_facts.get();
        // The lists live in the drafts database: load them once it is open.
        let want = ctx.drafts_ready.get() && !ui.read(|u| u.loaded);
        if let (true, Some(user), Some(lists)) = (want, me.or(ctx.known_user), lists(ctx)) {
            ui.update(|u| u.loaded = true);
            leptos::task::spawn_local(async move {
                let canned = lists.canned(user).await;
                let saved = lists.saved(user).await;
                ui.update(|u| u.lists = [saved.unwrap_or_default(), canned.unwrap_or_default()]);
            });
        }
        ui.changed.track();
        let sms = sms.then(|| sms_counter(&text).text);
        let cursor = caret();
        let facts = Facts {
            text: &text,
            cursor,
            conversation: c,
            compose_error: error,
            sms,
            hint: send_hint(mode),
        };
        ui.read(|u| render(&form, u, facts));
    });

    view! {
        <form
            class="mw-compose"
            node_ref=form_ref
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
            on:click=on_click
        >
            <div data-testid="compose-top"></div>
            <div class="mw-canned-form" data-testid="panel-editor" hidden>
                <input
                    class="mw-panel-input"
                    data-testid="panel-shortcut"
                    placeholder="/shortcut"
                    aria-label="Shortcut"
                />
                <textarea class="mw-panel-input" data-testid="panel-text" aria-label="Text"></textarea>
                <button type="button" class="mw-tool" data-act="save" data-testid="panel-save">
                    "Save"
                </button>
                <button type="button" class="mw-tool" data-act="clear">
                    "Clear"
                </button>
                <p class="mw-compose-error" role="alert" data-testid="panel-error"></p>
            </div>
            <div class="mw-compose-files" data-testid="compose-files"></div>
            <ul class="mw-canned-popup" role="listbox" data-testid="canned-suggestions" hidden></ul>
            <div class="mw-compose-row">
                <textarea
                    class="mw-compose-input"
                    data-testid="compose-input"
                    rows="1"
                    placeholder="Write a message…"
                    aria-label="Message"
                    node_ref=input
                    prop:value=move || ctx.compose.get()
                    on:input=on_input
                    on:keydown=on_keydown
                    on:paste=on_paste
                ></textarea>
                <button type="submit" class="mw-send" data-testid="compose-send">
                    "Send"
                </button>
            </div>
            <div class="mw-compose-tools">
                <label class="mw-tool" title="Attach an image">
                    "Image"
                    <input
                        type="file"
                        class="mw-hidden-file"
                        data-testid="compose-file"
                        accept="image/png,image/jpeg,image/gif,image/webp"
                        multiple
                        on:change=on_file
                    />
                </label>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="compose-importance"
                    data-act="high"
                    title="High importance"
                    aria-pressed="false"
                >
                    "! High"
                </button>
                <button type="button" class="mw-tool" data-testid="compose-saved-toggle" data-act="panel" data-id="0">
                    "Saved"
                </button>
                <button type="button" class="mw-tool" data-testid="compose-canned-toggle" data-act="panel" data-id="1">
                    "Replies"
                </button>
                <span class="mw-compose-hint" data-testid="compose-hint"></span>
                <span class="mw-sms-counter" data-testid="sms-counter" aria-live="polite" hidden></span>
            </div>
        </form>
    }
}

/// Appends `<tag attrs…>text</tag>` to `parent`. Text is always a text node.
pub(super) fn add(
    parent: &Element,
    tag: &str,
    attrs: &[(&str, &str)],
    text: &str,
) -> Option<Element> {
    let el = parent.owner_document()?.create_element(tag).ok()?;
    for (k, v) in attrs {
        el.set_attribute(k, v).ok()?;
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    parent.append_child(&el).ok()?;
    Some(el)
}

fn button(parent: &Element, act: &str, id: &str, label: &str) -> Option<Element> {
    add(
        parent,
        "button",
        &[
            ("type", "button"),
            ("class", "mw-tool"),
            ("data-act", act),
            ("data-id", id),
        ],
        label,
    )
}

fn set_flag(form: &Element, testid: &str, name: &str, on: bool) {
    if let Some(el) = field(form, testid) {
        let _ = if on {
            el.set_attribute(name, "")
        } else {
            el.remove_attribute(name)
        };
    }
}

fn set_text_of(form: &Element, testid: &str, text: &str) {
    if let Some(el) = field(form, testid) {
        if el.text_content().as_deref() != Some(text) {
            el.set_text_content(Some(text));
        }
    }
}

/// Draws the state into the form: error, open panel, attachment previews, suggestions,
/// toggles, hint and SMS counter.
/// What the drawing needs besides the state.
struct Facts<'a> {
    text: &'a str,
    /// The caret, in UTF-16 units.
    cursor: usize,
    conversation: Option<ConversationId>,
    compose_error: Option<String>,
    sms: Option<String>,
    hint: &'static str,
}

fn render(form: &Element, u: &Ui, facts: Facts<'_>) -> Option<()> {
    let Facts {
        text,
        cursor,
        conversation,
        compose_error,
        sms,
        hint,
    } = facts;
    let top = field(form, "compose-top")?;
    top.set_text_content(None);
    if let Some(e) = compose_error.or_else(|| u.error.clone()) {
        let attrs = [
            ("class", "mw-compose-error"),
            ("data-testid", "compose-error"),
            ("role", "alert"),
        ];
        add(&top, "p", &attrs, &e)?;
    }
    set_flag(form, "panel-editor", "hidden", u.panel.is_none());
    if let Some(p) = u.panel {
        let kind = if p == SAVED { "saved" } else { "canned" };
        let attrs = [
            ("class", "mw-panel"),
            ("data-testid", "compose-panel"),
            ("data-kind", kind),
        ];
        let panel = add(&top, "div", &attrs, "")?;
        let head = add(&panel, "div", &[("class", "mw-panel-head")], "")?;
        let title = if p == SAVED {
            "Saved messages"
        } else {
            "Canned replies: type / and the shortcut in the message"
        };
        add(&head, "b", &[], title)?;
        if p == SAVED {
            button(&head, "add", "", "Save current text")?
                .set_attribute("data-testid", "saved-add")
                .ok()?;
        }
        let ul = add(&panel, "ul", &[("class", "mw-panel-list")], "")?;
        for e in &u.lists[p] {
            let li = add(
                &ul,
                "li",
                &[("class", "mw-list-item"), ("data-testid", "panel-item")],
                "",
            )?;
            let span = add(
                &li,
                "span",
                &[
                    ("class", "mw-list-text"),
                    ("data-testid", "panel-item-text"),
                ],
                "",
            )?;
            if !e.shortcut.is_empty() {
                add(&span, "b", &[], &format!("/{} ", e.shortcut))?;
            }
            add(&span, "span", &[], &e.text)?;
            button(&li, "insert", &e.id, "Insert")?;
            button(&li, "edit", &e.id, "Edit")?;
            button(&li, "delete", &e.id, "Delete")?;
        }
        set_flag(form, "panel-shortcut", "hidden", p != CANNED);
        let save = if u.editing.is_some() {
            "Save changes"
        } else {
            "Add"
        };
        set_text_of(form, "panel-save", save);
        set_text_of(form, "panel-error", u.panel_error);
    }

    let files = field(form, "compose-files")?;
    files.set_text_content(None);
    let mut uploading = false;
    for p in u
        .picks
        .iter()
        .filter(|p| Some(p.conversation) == conversation)
    {
        uploading |= p.uploaded.is_none();
        let state = if p.uploaded.is_some() {
            "ready"
        } else {
            "uploading"
        };
        let attrs = [
            ("class", "mw-compose-file"),
            ("data-testid", "compose-attachment"),
            ("data-state", state),
        ];
        let fig = add(&files, "figure", &attrs, "")?;
        add(&fig, "img", &[("src", &p.preview), ("alt", &p.name)], "")?;
        if p.uploaded.is_none() {
            add(&fig, "figcaption", &[], "Uploading…")?;
        }
        let key = p.key.to_string();
        let label = format!("Remove {}", p.name);
        let attrs = [
            ("type", "button"),
            ("class", "mw-compose-file-remove"),
            ("data-testid", "compose-attachment-remove"),
            ("data-act", "remove"),
            ("data-id", &key),
            ("aria-label", &label),
        ];
        add(&fig, "button", &attrs, "×")?;
    }
    set_flag(form, "compose-send", "disabled", uploading);

    let popup = field(form, "canned-suggestions")?;
    popup.set_text_content(None);
    let list = u.suggestions(text, cursor);
    set_flag(form, "canned-suggestions", "hidden", list.is_empty());
    let active = u.active.min(list.len().saturating_sub(1));
    for (i, c) in list.iter().enumerate() {
        let index = i.to_string();
        let attrs = [
            ("role", "option"),
            ("aria-selected", if i == active { "true" } else { "false" }),
            ("data-testid", "canned-suggestion"),
            ("data-act", "pick"),
            ("data-id", &index),
        ];
        let li = add(&popup, "li", &attrs, "")?;
        add(&li, "b", &[], &format!("/{} ", c.shortcut))?;
        add(&li, "span", &[], &c.text)?;
    }

    let high = conversation.is_some() && u.high == conversation;
    field(form, "compose-importance")?
        .set_attribute("aria-pressed", if high { "true" } else { "false" })
        .ok()?;
    set_text_of(form, "compose-hint", hint);
    set_flag(form, "sms-counter", "hidden", sms.is_none());
    set_text_of(form, "sms-counter", sms.as_deref().unwrap_or_default());
    Some(())
}
