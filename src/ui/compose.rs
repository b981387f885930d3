//! The compose box: Enter sends, Shift+Enter adds a newline; drafts saved as you type.

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::core::session::ComposeError;

#[component]
pub fn Compose() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let send = move || {
        let Some(c) = ctx.selected.get_untracked() else {
            return;
        };
        let text = ctx.compose.get_untracked();
        let now = js_sys::Date::now() as i64;
        match ctx.session.try_update(|s| s.send_text(c, &text, now)) {
            Some(Ok(frames)) => {
                ctx.send(frames);
                ctx.compose.set(String::new());
                ctx.compose_error.set(None);
                ctx.save_draft_now(c, String::new());
            }
            Some(Err(ComposeError::Empty)) | None => {}
            Some(Err(e)) => ctx.compose_error.set(Some(e.to_string())),
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
        if let Some(c) = ctx.selected.get_untracked() {
            ctx.notify_typing(c);
            ctx.save_draft_debounced(c, value);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
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
                    .map(|e| {
                        view! {
                            <p class="mw-compose-error" data-testid="compose-error" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
            <div class="mw-compose-row">
                <textarea
                    class="mw-compose-input"
                    data-testid="compose-input"
                    rows="1"
                    placeholder="Write a message…"
                    aria-label="Message"
                    prop:value=move || ctx.compose.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <button type="submit" class="mw-send" data-testid="compose-send">
                    "Send"
                </button>
            </div>
        </form>
    }
}
