//! Toasts: notifications of normal importance arriving live, bottom right, each gone after
//! a few seconds. A toast owns its timer: unmounting it (dismissed, opened, signed out)
//! cancels the timer. A toast still up when the page goes away comes back on the next page
//! for the rest of its time; the toasts' owner also raises the news outside the page
//! (browser notification, tone: [`super::alerts`]).

use leptos::prelude::*;
use messenger_protocol::{Importance, NotificationId};
use send_wrapper::SendWrapper;

use super::{dismiss, open_notification};
use crate::core::format::preview;
use crate::core::i18n::K;
use crate::ui::ctx::Ctx;
use crate::ui::handler::handler;
use crate::ui::i18n::text;
use crate::ui::nav::NavCtx;

use super::alerts::Until;
use crate::ui::erased::memo;
use crate::ui::keyed::id_list;

/// How long a toast stays.
const TOAST_MS: u32 = 6_000;

#[component]
pub fn Toasts() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let until: Until = SendWrapper::new(Default::default());
    super::alerts::watch_news(
        ctx,
        expect_context::<NavCtx>(),
        until.clone(),
        i64::from(TOAST_MS),
    );
    let ids = memo(move |_| {
        ctx.session.with(|s| {
            let mut ids = Vec::new();
            for n in &s.nav.notifications.popups {
                if n.importance == Importance::Normal {
                    ids.push(n.id);
                }
            }
            ids
        })
    });
    view! {
        <div class="mw-toasts" aria-live="polite">
            {id_list(move || ids.get(), move |id| view! { <Toast id=id until=until.clone() /> })}
        </div>
    }
}

#[component]
fn Toast(id: NotificationId, until: Until) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    // What a toast says does not change.
    let (title, body) = ctx.session.with_untracked(|s| {
        s.nav
            .notifications
            .get(id)
            .map(|n| (n.title.clone(), preview(&n.body, 90)))
            .unwrap_or_default()
    });
    let now = js_sys::Date::now() as i64;
    let end = until
        .borrow()
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, t)| *t);
    let end = end.unwrap_or_else(|| {
        let end = now + i64::from(TOAST_MS);
        until.borrow_mut().push((id, end));
        end
    });
    // The callback outlives no toast: dropping the Timeout clears it.
    let left = (end - now).clamp(0, i64::from(TOAST_MS)) as u32;
    let timer = SendWrapper::new(crate::timer::after(left, move || dismiss(ctx, id)));
    on_cleanup(move || {
        drop(timer);
        until.borrow_mut().retain(|(i, _)| *i != id);
    });
    view! {
        // A click anywhere on the toast opens it; the keyboard reaches its two buttons.
        <div
            class="mw-toast"
            data-testid="notification-toast"
            on:click=handler(move |_| open_notification(ctx, nav, id))
        >
            <button type="button" class="mw-conv-body mw-toast-open">
                <span class="mw-notification-title">{title}</span>
                <span class="mw-conv-preview">{body}</span>
            </button>
            <button
                type="button"
                class="mw-toast-close"
                aria-label=text(K::NotificationsDismiss)
                data-testid="notification-toast-close"
                on:click=handler(move |ev: leptos::ev::MouseEvent| {
                    ev.stop_propagation();
                    dismiss(ctx, id);
                })
            >
                "×"
            </button>
        </div>
    }
}
