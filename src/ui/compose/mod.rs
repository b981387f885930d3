//! The compose box: the send key from the user's settings, drafts saved as you type,
//! importance, image attachments (picked or pasted, uploaded at once), canned replies
//! offered on `/shortcut` at the caret, a panel each for saved messages and canned replies,
//! and an SMS counter in SMS conversations.
//!
//! The parts share [`ComposeCtx`], a context of signals provided by [`Compose`].

mod attach;
mod canned_popup;
mod lists;
mod panel;
mod spelling;
mod state;
mod tools;

use leptos::prelude::*;

use super::ctx::Ctx;
use super::i18n::text;
use super::nav::keyboard_focus;
use super::Auth;
use crate::core::compose::{key_action, KeyAction, KeyPress};
use crate::core::i18n::K;
use crate::ui::erased::effect;
use crate::ui::handler::handler;
use attach::{AttachButton, AttachmentTray};
use canned_popup::{popup_key, CannedPopup, OPTION_IDS};
use panel::ListPanel;
use state::{ComposeCtx, PanelKind};
use tools::{ComposeError, FlagToggle, PanelToggle, SendHint, SmsCounter};

#[component]
pub fn Compose() -> impl IntoView {
    let app = expect_context::<Ctx>();
    let cc = ComposeCtx::new(app, use_context::<Auth>());
    provide_context(cc);
    lists::load_when_ready(cc);
    // Another conversation's text (or a restored draft) has the caret at its end; opened
    // from the keyboard, the keyboard is there to answer (the row that opened it may be
    // gone: one column hides it).
    effect(move |_| {
        app.selected.track();
        cc.caret.set(usize::MAX);
        cc.dismissed.set(false);
        if keyboard_focus() {
            cc.focus();
        }
    });
    let notes = super::desk::owns_interaction(app);
    let noting = move || {
        let c = app.selected.get();
        c.is_some() && cc.note.get() == c
    };
    let panel = move || {
        cc.panel
            .get()
            .map(|kind| view! { <ListPanel kind /> }.into_any())
    };
    view! {
        <form
            class="mw-compose"
            class:mw-compose-note=noting
            on:submit=handler(move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                cc.send();
            })
            // Escape closes the open panel (the suggestions take it first, see `popup_key`).
            on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" && !ev.default_prevented()
                    && cc.panel.get_untracked().is_some()
                {
                    ev.prevent_default();
                    cc.panel.set(None);
                    cc.focus();
                }
            })
        >
            <ComposeError />
            <spelling::SpellWarning />
            {panel}
            <AttachmentTray />
            <div class="mw-compose-row">
                <CannedPopup />
                <MessageInput />
                <button
                    type="submit"
                    class="mw-send"
                    data-testid="compose-send"
                    disabled=move || cc.uploading()
                >
                    {text(K::ComposeSend)}
                </button>
            </div>
            <div class="mw-compose-tools">
                <AttachButton />
                <FlagToggle flag=cc.high testid="compose-importance" label=K::ComposeImportance short=K::ComposeImportanceShort />
                <span class="mw-tool-wrap" hidden=move || !notes.get()>
                    <FlagToggle flag=cc.note testid="compose-note" label=K::ComposeNotePlaceholder short=K::ComposeNote />
                </span>
                <PanelToggle kind=PanelKind::Saved testid="compose-saved-toggle" label=K::ComposeSavedToggle />
                <PanelToggle kind=PanelKind::Canned testid="compose-canned-toggle" label=K::ComposeCannedToggle />
                <SendHint />
                <SmsCounter />
            </div>
        </form>
    }
    .into_any()
}

/// The textarea: typing saves the draft and tells the others; the send key sends (never
/// while an IME composition is open); keys go to the canned-reply popup while it shows.
#[component]
fn MessageInput() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let app = cc.app;
    let i18n = super::i18n::use_i18n();
    let on_input = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        if app.compose_error.with_untracked(Option::is_some) {
            let max = app
                .session
                .with_untracked(|s| s.state.limits.max_message_bytes);
            if value.len() <= max {
                app.compose_error.set(None);
            }
        }
        cc.dismissed.set(false);
        cc.active.set(0);
        cc.caret_moved();
        app.compose.set(value.clone());
        spelling::check_soon(cc);
        if let Some(c) = app.selected.get_untracked() {
            app.notify_typing(c);
            app.save_draft(c, value);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let composing = ev.is_composing() || ev.key_code() == 229;
        let key = ev.key();
        if !composing && popup_key(cc, &key) {
            ev.prevent_default();
            return;
        }
        let press = KeyPress {
            key: &key,
            shift: ev.shift_key(),
            ctrl: ev.ctrl_key(),
            meta: ev.meta_key(),
            alt: ev.alt_key(),
            composing,
        };
        let mode = app.session.with_untracked(|s| s.state.settings.send_key);
        if key_action(press, mode) == KeyAction::Send {
            ev.prevent_default();
            cc.send();
        }
    };
    view! {
        <div class="mw-compose-field">
        <textarea
            class="mw-compose-input"
            data-testid="compose-input"
            rows="1"
            placeholder=move || {
                let c = app.selected.get();
                let note = c.is_some() && cc.note.get() == c;
                i18n.t(if note { K::ComposeNotePlaceholder } else { K::ComposePlaceholder })
            }
            aria-label=text(K::ComposeLabel)
            aria-autocomplete="list"
            // The highlighted suggestion, which a screen reader reads as the arrows move it.
            aria-controls="mw-canned"
            aria-activedescendant=move || {
                cc.suggestions.with(|l| {
                    let last = l.len().checked_sub(1)?;
                    OPTION_IDS.get(cc.active.get().min(last)).copied()
                })
            }
            node_ref=cc.input
            prop:value=move || app.compose.get()
            on:input=handler(on_input)
            on:keydown=handler(on_keydown)
            on:keyup=handler(move |_| cc.caret_moved())
            on:click=handler(move |_| cc.caret_moved())
            on:selectionchange=handler(move |_| cc.caret_moved())
            on:paste=handler(move |ev| attach::on_paste(cc, ev))
            on:scroll=handler(move |ev: web_sys::Event| {
                let top = event_target::<web_sys::HtmlElement>(&ev).scroll_top();
                if let Some(layer) = cc.spell_layer.get_untracked() {
                    layer.set_scroll_top(top);
                }
            })
        ></textarea>
        <spelling::SpellOverlay />
        </div>
    }
    .into_any()
}
