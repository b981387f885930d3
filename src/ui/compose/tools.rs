//! The small parts around the textarea: the error line, the tool buttons, the send-key hint
//! and the SMS counter.

use leptos::prelude::*;

use super::state::{ComposeCtx, PanelKind};
use crate::core::compose::{send_hint, sms_counter};
use crate::core::i18n::K;
use crate::ui::erased::memo;
use crate::ui::handler::handler;
use crate::ui::i18n::{text, use_i18n};

/// The message's problem (too long…) or the last attachment problem.
#[component]
pub fn ComposeError() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let i18n = use_i18n();
    move || {
        let error = i18n.with(|tr| match cc.app.compose_error.get() {
            Some(e) => Some(e.text(tr)),
            None => cc.error.get().map(|n| n.render(tr)),
        })?;
        Some(view! {
            <p class="mw-compose-error" data-testid="compose-error" role="alert">
                {error}
            </p>
        })
    }
}

/// A switch for the next message of this conversation only: high importance, or a
/// private note in an interaction.
#[component]
pub fn FlagToggle(
    flag: RwSignal<Option<messenger_protocol::ConversationId>>,
    testid: &'static str,
    label: K,
    short: K,
) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let pressed = move || {
        let c = cc.app.selected.get();
        c.is_some() && flag.get() == c
    };
    let toggle = move |_| {
        let c = cc.app.selected.get_untracked();
        flag.update(|h| *h = if *h == c { None } else { c });
    };
    view! {
        <button
            type="button"
            class="mw-tool"
            data-testid=testid
            title=text(label)
            aria-pressed=move || if pressed() { "true" } else { "false" }
            on:click=handler(toggle)
        >
            {text(short)}
        </button>
    }
    .into_any()
}

/// Opens or closes the panel of `kind`.
#[component]
pub fn PanelToggle(kind: PanelKind, testid: &'static str, label: K) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let open = move || cc.panel.get() == Some(kind);
    view! {
        <button
            type="button"
            class="mw-tool"
            data-testid=testid
            aria-expanded=move || if open() { "true" } else { "false" }
            on:click=handler(move |_| cc.panel.update(|p| *p = if *p == Some(kind) { None } else { Some(kind) }))
        >
            {text(label)}
        </button>
    }
    .into_any()
}

/// Which key sends, from the user's settings.
#[component]
pub fn SendHint() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let i18n = use_i18n();
    let hint = memo(move |_| {
        i18n.t(send_hint(
            cc.app.session.with(|s| s.state.settings.send_key),
        ))
    });
    view! { <span class="mw-compose-hint" data-testid="compose-hint">{hint}</span> }.into_any()
}

/// Characters and segments of the text, in SMS conversations only.
#[component]
pub fn SmsCounter() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let sms = memo(move |_| {
        let c = cc.app.selected.get();
        cc.app.session.with(|s| {
            c.and_then(|c| s.state.conversations.get(&c))
                .is_some_and(|c| c.sms)
        })
    });
    let i18n = use_i18n();
    let label = memo(move |_| i18n.with(|tr| cc.app.compose.with(|t| sms_counter(t, tr))));
    move || {
        sms.get().then(|| {
            view! {
                <span
                    class="mw-sms-counter"
                    data-testid="sms-counter"
                    aria-live="polite"
                    title=move || label.with(|l| l.tooltip.clone())
                >
                    {move || label.with(|l| l.text.clone())}
                </span>
            }
        })
    }
}
