//! "Forward to the server for delivery when they come online?" (the CAM document): asked on
//! the first message to an offline person when the server would keep it for them. The
//! message waits in the pending list meanwhile, so closing the page loses nothing. "Yes,
//! always" is the "always forward" setting, which the settings panel can undo.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::handler::handler;
use super::i18n::{text, use_i18n};
use crate::core::i18n::K;
use crate::ui::erased::memo;

#[component]
pub fn ForwardDialog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let name = memo(move |_| {
        let (_, user, _) = ctx.forward_ask.get()?;
        Some(ctx.session.with(|s| s.state.display_name(user)))
    });
    move || {
        name.get().map(|name| {
            let title = i18n.f(K::ForwardTitle, &[("name", &name)]);
            let label = title.clone();
            view! {
                <div class="mw-overlay">
                    <div
                        class="mw-dialog"
                        role="alertdialog"
                        aria-modal="true"
                        aria-label=label
                        data-testid="forward-dialog"
                        on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Escape" {
                                ctx.answer_forward(None);
                            }
                        })
                    >
                        <h2 class="mw-dialog-title">{title}</h2>
                        <p class="mw-dialog-body">{text(K::ForwardAsk)}</p>
                        <div class="mw-dialog-actions">
                            <button type="button" class="mw-chip" data-testid="forward-no"
                                on:click=handler(move |_| ctx.answer_forward(None))>
                                {text(K::ForwardNo)}
                            </button>
                            <button type="button" class="mw-chip" data-testid="forward-always"
                                on:click=handler(move |_| ctx.answer_forward(Some(true)))>
                                {text(K::ForwardAlways)}
                            </button>
                            <button type="button" class="mw-chip mw-chip-primary" data-testid="forward-yes"
                                autofocus
                                on:click=handler(move |_| ctx.answer_forward(Some(false)))>
                                {text(K::ForwardYes)}
                            </button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
