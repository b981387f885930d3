//! The compose box: the send key from the user's settings, drafts saved as you type,
//! importance, image attachments (picked or pasted, uploaded at once), canned responses
//! offered on `/shortcut`, saved messages, and an SMS counter in SMS conversations.

use leptos::prelude::*;
use messenger_protocol::{Attachment, ConversationId, Importance};
use wasm_bindgen::JsCast;

use super::compose_lists::{CannedPanel, SavedPanel};
use super::ctx::Ctx;
use super::Auth;
use crate::core::canned::{self, Canned};
use crate::core::compose::{check_attachment, key_action, send_hint, sms_counter, KeyAction, KeyPress};
use crate::core::session::ComposeError;
use crate::storage::saved::{Lists, SavedMessage};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Closed,
    Saved,
    Canned,
}

fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// The open database's list stores, once the drafts database is open.
pub fn lists(ctx: Ctx) -> Option<Lists> {
    ctx.drafts.try_get_value().flatten().map(|d| Lists::from(&d))
}

#[component]
pub fn Compose() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let auth = use_context::<Auth>();
    let input = NodeRef::<leptos::html::Textarea>::new();
    let picks = RwSignal::new(Vec::<Pick>::new());
    let next_key = StoredValue::new(0u32);
    let attach_error = RwSignal::new(None::<String>);
    // High importance is set for one conversation; switching away resets it.
    let high_in = RwSignal::new(None::<ConversationId>);
    let high = move || high_in.get().is_some() && high_in.get() == ctx.selected.get();
    let cursor = RwSignal::new(0usize);
    let dismissed = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let panel = RwSignal::new(Panel::Closed);
    let canned_list = RwSignal::new(Vec::<Canned>::new());
    let saved_list = RwSignal::new(Vec::<SavedMessage>::new());

    let send_key = Memo::new(move |_| ctx.session.with(|s| s.state.settings.send_key));
    let is_sms = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.and_then(|c| s.state.conversations.get(&c)).is_some_and(|c| c.sms))
    });
    let me = Memo::new(move |_| ctx.session.with(|s| s.state.me_id()).or(ctx.known_user));
    let mine = move || {
        let c = ctx.selected.get();
        picks.with(|p| p.iter().filter(|p| Some(p.conversation) == c).cloned().collect::<Vec<_>>())
    };
    let uploading = move || mine().iter().any(|p| p.uploaded.is_none());

    // The lists live in the drafts database: load them once it is open.
    Effect::new(move |_| {
        let (true, Some(user)) = (ctx.drafts_ready.get(), me.get()) else {
            return;
        };
        let Some(lists) = lists(ctx) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match lists.canned(user).await {
                Ok(l) => _ = canned_list.try_set(l),
                Err(e) => web_sys::console::warn_1(&format!("messenger: {e}").into()),
            }
            if let Ok(l) = lists.saved(user).await {
                let _ = saved_list.try_set(l);
            }
        });
    });

    let suggestions = Memo::new(move |_| {
        if dismissed.get() {
            return Vec::new();
        }
        let text = ctx.compose.get();
        let at = canned::utf16_to_byte(&text, cursor.get());
        let Some(t) = canned::trigger(&text, at) else {
            return Vec::new();
        };
        canned_list.with(|l| canned::matches(l, &t.prefix).into_iter().take(6).cloned().collect())
    });

    // Replaces the text and puts the caret at `at` (a byte offset).
    let set_text = move |text: String, at: usize| {
        let units = canned::byte_to_utf16(&text, at);
        if let Some(el) = input.get_untracked() {
            el.set_value(&text);
            let _ = el.set_selection_range(units as u32, units as u32);
            let _ = el.focus();
        }
        cursor.set(units);
        ctx.compose.set(text.clone());
        if let Some(c) = ctx.selected.get_untracked() {
            ctx.save_draft_debounced(c, text);
        }
    };
    let pick_canned = move |reply: Canned| {
        let text = ctx.compose.get_untracked();
        let at = canned::utf16_to_byte(&text, cursor.get_untracked());
        if let Some(t) = canned::trigger(&text, at) {
            let (text, at) = canned::apply(&text, &t, &reply.text);
            set_text(text, at);
        }
    };
    let insert = Callback::new(move |snippet: String| {
        let text = ctx.compose.get_untracked();
        let at = canned::utf16_to_byte(&text, cursor.get_untracked());
        let new = format!("{}{snippet}{}", &text[..at], &text[at..]);
        set_text(new, at + snippet.len());
    });

    let send = move || {
        let Some(c) = ctx.selected.get_untracked() else {
            return;
        };
        let files = picks.with_untracked(|p| {
            p.iter().filter(|p| p.conversation == c).cloned().collect::<Vec<_>>()
        });
        if files.iter().any(|p| p.uploaded.is_none()) {
            attach_error.set(Some("Wait for the image upload to finish.".into()));
            return;
        }
        let attachments: Vec<Attachment> = files.iter().filter_map(|p| p.uploaded.clone()).collect();
        let importance = if high_in.get_untracked() == Some(c) {
            Importance::High
        } else {
            Importance::Normal
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
                picks.update(|p| p.retain(|p| p.conversation != c));
                files.iter().for_each(|p| revoke(&p.preview));
                high_in.set(None);
                attach_error.set(None);
            }
            Some(Err(ComposeError::Empty)) | None => {}
            Some(Err(e)) => ctx.compose_error.set(Some(e.to_string())),
        }
    };

    let add_files = move |files: Vec<web_sys::File>| {
        let Some(c) = ctx.selected.get_untracked() else {
            return;
        };
        let max = ctx.session.with_untracked(|s| s.state.limits.max_attachment_bytes);
        let (server, token) = match auth {
            Some(a) => (
                a.server.get_value(),
                a.session.get_untracked().map(|s| s.token).unwrap_or_default(),
            ),
            None => Default::default(),
        };
        attach_error.set(None);
        for file in files {
            let already = picks.with_untracked(|p| p.iter().filter(|p| p.conversation == c).count());
            let name = file.name();
            if let Err(e) = check_attachment(&name, &file.type_(), file.size() as u64, max, already) {
                attach_error.set(Some(e.to_string()));
                continue;
            }
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
            picks.update(|p| {
                p.push(Pick {
                    key,
                    conversation: c,
                    name,
                    preview,
                    uploaded: None,
                })
            });
            let (server, token) = (server.clone(), token.clone());
            leptos::task::spawn_local(async move {
                let result = crate::net::upload::upload(&server, &token, &file).await;
                let _ = picks.try_update(|p| match result {
                    Ok(a) => {
                        if let Some(p) = p.iter_mut().find(|p| p.key == key) {
                            p.uploaded = Some(a);
                        }
                    }
                    Err(e) => {
                        if let Some(i) = p.iter().position(|p| p.key == key) {
                            revoke(&p.remove(i).preview);
                            let _ = attach_error.try_set(Some(e));
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
        let el = event_target::<web_sys::HtmlTextAreaElement>(&ev);
        cursor.set(el.selection_start().ok().flatten().unwrap_or(0) as usize);
        dismissed.set(false);
        active.set(0);
        ctx.compose.set(value.clone());
        if let Some(c) = ctx.selected.get_untracked() {
            ctx.save_draft_debounced(c, value);
        }
    };
    let track_cursor = move |ev: web_sys::Event| {
        let el = event_target::<web_sys::HtmlTextAreaElement>(&ev);
        let at = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        if cursor.get_untracked() != at {
            cursor.set(at);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let composing = ev.is_composing() || ev.key_code() == 229;
        let key = ev.key();
        let list = suggestions.get_untracked();
        if !list.is_empty() && !composing {
            let n = list.len();
            let handled = match key.as_str() {
                "ArrowDown" => {
                    active.update(|i| *i = (*i + 1) % n);
                    true
                }
                "ArrowUp" => {
                    active.update(|i| *i = (*i + n - 1) % n);
                    true
                }
                "Enter" | "Tab" => {
                    pick_canned(list[active.get_untracked().min(n - 1)].clone());
                    true
                }
                "Escape" => {
                    dismissed.set(true);
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
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
        if key_action(press, send_key.get_untracked()) == KeyAction::Send {
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
    let toggle = move |p: Panel| panel.update(|cur| *cur = if *cur == p { Panel::Closed } else { p });

    let popup = move || {
        let list = suggestions.get();
        (!list.is_empty()).then(|| {
            let current = active.get().min(list.len() - 1);
            view! {
                <ul class="mw-canned-popup" role="listbox" data-testid="canned-suggestions">
                    {list
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let shortcut = format!("/{}", c.shortcut);
                            let text = c.text.clone();
                            view! {
                                <li
                                    role="option"
                                    aria-selected=(i == current).to_string()
                                    class:mw-active=i == current
                                    data-testid="canned-suggestion"
                                    on:mousedown=move |ev| {
                                        // Keep the focus (and the caret) in the textarea.
                                        ev.prevent_default();
                                        pick_canned(c.clone());
                                    }
                                >
                                    <b>{shortcut}</b>
                                    " "
                                    {text}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
        })
    };
    let previews = move || {
        mine()
            .into_iter()
            .map(|p| {
                let key = p.key;
                let state = if p.uploaded.is_some() { "ready" } else { "uploading" };
                view! {
                    <figure class="mw-compose-file" data-testid="compose-attachment" data-state=state>
                        <img src=p.preview alt=p.name.clone() />
                        {p.uploaded.is_none().then(|| view! { <figcaption>"Uploading…"</figcaption> })}
                        <button
                            type="button"
                            class="mw-compose-file-remove"
                            data-testid="compose-attachment-remove"
                            aria-label=format!("Remove {}", p.name)
                            on:click=move |_| {
                                picks.update(|l| {
                                    if let Some(i) = l.iter().position(|p| p.key == key) {
                                        revoke(&l.remove(i).preview);
                                    }
                                });
                                attach_error.set(None);
                            }
                        >
                            "×"
                        </button>
                    </figure>
                }
            })
            .collect_view()
    };

    view! {
        <form
            class="mw-compose"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            {move || {
                ctx.compose_error
                    .get()
                    .or_else(|| attach_error.get())
                    .map(|e| {
                        view! {
                            <p class="mw-compose-error" data-testid="compose-error" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
            {move || match panel.get() {
                Panel::Closed => None,
                Panel::Saved => Some(view! { <SavedPanel list=saved_list on_insert=insert /> }.into_any()),
                Panel::Canned => Some(view! { <CannedPanel list=canned_list /> }.into_any()),
            }}
            <div class="mw-compose-files">{previews}</div>
            {popup}
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
                    on:keyup=move |ev| track_cursor(ev.unchecked_into())
                    on:click=move |ev| track_cursor(ev.unchecked_into())
                    on:paste=on_paste
                ></textarea>
                <button
                    type="submit"
                    class="mw-send"
                    data-testid="compose-send"
                    disabled=uploading
                >
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
                    class:mw-on=high
                    data-testid="compose-importance"
                    aria-pressed=move || high().to_string()
                    title="High importance"
                    on:click=move |_| {
                        let c = ctx.selected.get_untracked();
                        high_in.update(|h| *h = if *h == c { None } else { c });
                    }
                >
                    "! High"
                </button>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="compose-saved-toggle"
                    aria-expanded=move || (panel.get() == Panel::Saved).to_string()
                    on:click=move |_| toggle(Panel::Saved)
                >
                    "Saved"
                </button>
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="compose-canned-toggle"
                    aria-expanded=move || (panel.get() == Panel::Canned).to_string()
                    on:click=move |_| toggle(Panel::Canned)
                >
                    "Replies"
                </button>
                <span class="mw-compose-hint" data-testid="compose-hint">
                    {move || send_hint(send_key.get())}
                </span>
                {move || {
                    is_sms
                        .get()
                        .then(|| {
                            view! {
                                <span class="mw-sms-counter" data-testid="sms-counter" aria-live="polite">
                                    {move || sms_counter(&ctx.compose.get())}
                                </span>
                            }
                        })
                }}
            </div>
        </form>
    }
}
