//! The timeline's small parts: "Load older", "Jump to latest" and the typing line.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::{arrived_since, Scroll};
use crate::core::i18n::K;
use crate::core::typing::typing_text;
use crate::ui::ctx::Ctx;
use crate::ui::handler::handler;
use crate::ui::i18n::use_i18n;

/// Shown while older messages exist on the server; `paging` is (more exist, loading).
#[component]
pub(super) fn LoadOlder(paging: Signal<(bool, bool)>, on_load: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mw-older mw-tl-older" hidden=move || !paging.get().0>
            <button
                type="button"
                class="mw-link"
                data-testid="load-older"
                disabled=move || paging.get().1
                on:click=handler(move |_| on_load.run(()))
            >
                {move || i18n.t(if paging.get().1 { K::TimelineLoading } else { K::TimelineLoadOlder })}
            </button>
        </div>
    }
}

/// Shown once the user scrolled away from the newest message, with how many arrived since.
#[component]
pub(super) fn JumpToLatest(state: Scroll) -> impl IntoView {
    let i18n = use_i18n();
    let label = move || {
        let arrived = state
            .left_at
            .get()
            .map_or(0, |since| arrived_since(&state.model.entries.get(), since));
        match arrived {
            0 => i18n.t(K::TimelineLatest),
            n => i18n.n(K::TimelineNewCount, n as u64, &[]),
        }
    };
    let jump = move |_| {
        state.stick.set(true);
        state.left_at.set(None);
        if let Some(el) = state.scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    view! {
        <button
            type="button"
            class="mw-tl-jump"
            data-testid="jump-latest"
            hidden=move || state.stick.get()
            title=move || i18n.t(K::TimelineJump)
            on:click=handler(jump)
        >
            {label}
        </button>
    }
}

/// "Bob is typing…" for the open conversation, gone when the indicator runs out: a timer
/// set for the earliest expiry reads it again (one timer at a time; a newer one replaces
/// and so cancels it).
#[component]
pub(super) fn TypingLine() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let tick = RwSignal::new(0u64);
    let timer = StoredValue::new_local(None::<Timeout>);
    let text = move || {
        tick.track();
        let c = ctx.selected.get()?;
        let now = js_sys::Date::now() as i64;
        let (text, next) = ctx.session.with(|s| {
            let names: Vec<String> = s
                .typing
                .typists(c, now)
                .into_iter()
                .map(|u| s.state.display_name(u))
                .collect();
            (
                i18n.with(|tr| typing_text(&names, tr)),
                s.typing.next_expiry(c, now),
            )
        });
        let again = next.map(|at| {
            let wait = at.saturating_sub(now).clamp(0, 10_000) as u32 + 20;
            crate::timer::after(wait, move || {
                let _ = tick.try_update(|t| *t += 1);
            })
        });
        timer.set_value(again);
        text
    };
    view! {
        <div class="mw-tl-typing" data-testid="typing" aria-live="polite">
            {move || text().unwrap_or_default()}
        </div>
    }
}
