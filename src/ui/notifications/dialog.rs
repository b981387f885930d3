//! The high-importance dialog: modal, one notification at a time (the oldest first). It
//! takes the focus and keeps it (Tab cycles its buttons); Escape or Dismiss closes it
//! without marking the notification read, Open marks it read and opens the conversation.
//! The focus goes back where it was once no dialog is left.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{Importance, Notification};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::{dismiss, open_notification};
use crate::core::i18n::K;
use crate::ui::ctx::Ctx;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;
use crate::ui::i18n::text;
use crate::ui::nav::NavCtx;

fn active_element() -> Option<HtmlElement> {
    crate::ui::focus::active_element()?.dyn_into().ok()
}

#[component]
pub fn ImportanceDialog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let shown = memo(move |_| {
        ctx.session.with(|s| {
            s.nav
                .notifications
                .popups
                .iter()
                .find(|n| n.importance == Importance::High)
                .cloned()
        })
    });
    // Where the focus was before the first dialog, to give it back after the last.
    let return_to = StoredValue::new_local(None::<HtmlElement>);
    move || {
        let n = shown.get();
        match (&n, return_to.with_value(Option::is_some)) {
            // Runs before the dialog is drawn: the focus is still where the user left it.
            (Some(_), false) => return_to.set_value(active_element()),
            (None, true) => {
                if let Some(el) = return_to.try_update_value(Option::take).flatten() {
                    if el.is_connected() {
                        let _ = el.focus();
                    }
                }
            }
            _ => {}
        }
        n.map(|n| view! { <DialogBox n=n /> })
    }
}

#[component]
fn DialogBox(n: Notification) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let id = n.id;
    let label = n.title.clone();
    let dialog = NodeRef::<html::Div>::new();
    let first = NodeRef::<html::Button>::new();
    let last = NodeRef::<html::Button>::new();
    effect(move |_| {
        if let Some(b) = last.get() {
            let _ = b.focus();
        }
    });
    // On the window: the keys reach the dialog wherever the focus went.
    let keys = window_event_listener(ev::keydown, move |ev| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            dismiss(ctx, id);
        }
        "Tab" => {
            let (Some(d), Some(first), Some(last)) = (dialog.get(), first.get(), last.get()) else {
                return;
            };
            let active = active_element();
            let inside = active.as_ref().is_some_and(|a| d.contains(Some(a)));
            let at = |b: &web_sys::HtmlButtonElement| active.as_deref() == Some(b.as_ref());
            let to = if ev.shift_key() && (!inside || at(&first)) {
                Some(last)
            } else if !ev.shift_key() && (!inside || at(&last)) {
                Some(first)
            } else {
                None
            };
            if let Some(b) = to {
                ev.prevent_default();
                let _ = b.focus();
            }
        }
        _ => {}
    });
    on_cleanup(move || keys.remove());
    view! {
        // A click outside the box keeps the focus inside it.
        <div class="mw-overlay mw-overlay-alert" on:mousedown=handler(|ev: leptos::ev::MouseEvent| ev.prevent_default())>
            <div
                node_ref=dialog
                class="mw-dialog"
                role="alertdialog"
                aria-modal="true"
                aria-label=label
                data-testid="notification-dialog"
                on:mousedown=handler(|ev: leptos::ev::MouseEvent| ev.stop_propagation())
            >
                <p class="mw-dialog-kicker">{text(K::NotificationsHigh)}</p>
                <h2 class="mw-dialog-title">{n.title}</h2>
                <p class="mw-dialog-body">{n.body}</p>
                <div class="mw-dialog-actions">
                    <button
                        node_ref=first
                        type="button"
                        class="mw-chip"
                        data-testid="notification-dismiss"
                        on:click=handler(move |_| dismiss(ctx, id))
                    >
                        {text(K::NotificationsDismiss)}
                    </button>
                    <button
                        node_ref=last
                        type="button"
                        class="mw-chip mw-chip-primary"
                        data-testid="notification-open"
                        on:click=handler(move |_| open_notification(ctx, nav, id))
                    >
                        {text(K::NotificationsOpen)}
                    </button>
                </div>
            </div>
        </div>
    }
}
