//! The notification center, and the live pop-ups: a toast for normal importance, a dialog
//! that must be dismissed for high importance.

use leptos::prelude::*;
use messenger_protocol::{Importance, Notification, NotificationId};

use super::ctx::Ctx;
use super::nav::{now_and_offset, NavCtx, Panel, PanelHead};
use crate::core::format::preview;
use crate::core::org::when_label;

/// How long a toast stays.
const TOAST_MS: u64 = 6_000;

/// Marks a notification read and shows its conversation, if it has one we know.
fn activate(ctx: Ctx, nav: NavCtx, id: NotificationId) {
    let (frame, conversation) = ctx
        .session
        .try_update(|s| {
            let conversation = s
                .nav
                .notifications
                .get(id)
                .and_then(|n| n.conversation_id)
                .filter(|c| s.state.conversations.contains_key(c));
            (s.mark_notification_read(id), conversation)
        })
        .unwrap_or_default();
    ctx.send(frame);
    if let Some(c) = conversation {
        if nav.panel.get_untracked() != Panel::Notifications {
            nav.panel.set(Panel::Home);
        }
        ctx.open(c);
    }
}

#[component]
pub fn NotificationCenter() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let items = Memo::new(move |_| ctx.session.with(|s| s.nav.notifications.items.clone()));
    let loaded = Memo::new(move |_| ctx.session.with(|s| s.nav.notifications.loaded));
    let has_more = Memo::new(move |_| ctx.session.with(|s| s.nav.notifications.has_more));
    let loading = Memo::new(move |_| ctx.session.with(|s| s.nav.is_loading_notifications()));
    let unread = Memo::new(move |_| ctx.session.with(|s| s.state.unread_notifications));
    let mark_all = move |_| {
        let frame = ctx
            .session
            .try_update(|s| s.mark_all_notifications_read())
            .flatten();
        ctx.send(frame);
    };
    let older = move |_| {
        let frame = ctx
            .session
            .try_update(|s| s.list_notifications(true))
            .flatten();
        ctx.send(frame);
    };
    view! {
        <div class="mw-panel" data-testid="notification-center">
            <PanelHead title="Notifications">
                <button
                    type="button"
                    class="mw-link"
                    data-testid="mark-all-read"
                    disabled=move || unread.get() == 0
                    on:click=mark_all
                >
                    "Mark all read"
                </button>
            </PanelHead>
            <div class="mw-list-scroll">
                <Show when=move || !loaded.get()>
                    <p class="mw-empty">"Loading notifications…"</p>
                </Show>
                <Show when=move || loaded.get() && items.with(Vec::is_empty)>
                    <p class="mw-empty" data-testid="notifications-empty">
                        "No notifications yet."
                    </p>
                </Show>
                <ul class="mw-notifications">
                    <For
                        each=move || items.get()
                        key=|n| (n.id, n.read)
                        children=move |n| view! { <NotificationRow n=n /> }
                    />
                </ul>
                <Show when=move || has_more.get()>
                    <div class="mw-older">
                        <button
                            type="button"
                            class="mw-link"
                            data-testid="notifications-older"
                            disabled=move || loading.get()
                            on:click=older
                        >
                            {move || if loading.get() { "Loading…" } else { "Show older" }}
                        </button>
                    </div>
                </Show>
            </div>
        </div>
    }
}

#[component]
fn NotificationRow(n: Notification) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let id = n.id;
    let (now, offset) = now_and_offset();
    let high = n.importance == Importance::High;
    view! {
        <li
            class="mw-notification"
            class:mw-notification-unread=!n.read
            class:mw-notification-high=high
            data-testid="notification"
            data-notification-id=id.to_string()
            data-read=n.read.to_string()
            data-importance=if high { "high" } else { "normal" }
            role="button"
            tabindex="0"
            on:click=move |_| activate(ctx, nav, id)
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Enter" {
                    activate(ctx, nav, id);
                }
            }
        >
            <span class="mw-notification-dot" aria-hidden="true"></span>
            <span class="mw-conv-body">
                <span class="mw-notification-title" data-testid="notification-title">
                    {n.title.clone()}
                </span>
                {(!n.body.trim().is_empty())
                    .then(|| {
                        view! { <span class="mw-conv-preview">{preview(&n.body, 120)}</span> }
                    })}
            </span>
            <span class="mw-notification-time">{when_label(n.created_at, now, offset)}</span>
        </li>
    }
}

/// Toasts (bottom right) and the high-importance dialog, for notifications arriving live.
#[component]
pub fn NotificationPopups() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let toasts = Memo::new(move |_| {
        ctx.session.with(|s| {
            s.nav
                .notifications
                .popups
                .iter()
                .filter(|p| p.importance == Importance::Normal)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let dialog = Memo::new(move |_| {
        ctx.session.with(|s| {
            s.nav
                .notifications
                .popups
                .iter()
                .find(|p| p.importance == Importance::High)
                .cloned()
        })
    });
    let dismiss = move |id: NotificationId| {
        ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
    };
    view! {
        <div class="mw-toasts" aria-live="polite">
            <For
                each=move || toasts.get()
                key=|n| n.id
                children=move |n| {
                    let id = n.id;
                    // No reactive owner in a timer: try_ calls are no-ops once unmounted.
                    set_timeout(
                        move || {
                            ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
                        },
                        std::time::Duration::from_millis(TOAST_MS),
                    );
                    view! {
                        <div
                            class="mw-toast"
                            data-testid="notification-toast"
                            role="button"
                            tabindex="0"
                            on:click=move |_| activate(ctx, nav, id)
                        >
                            <span class="mw-conv-body">
                                <span class="mw-notification-title">{n.title.clone()}</span>
                                <span class="mw-conv-preview">{preview(&n.body, 90)}</span>
                            </span>
                            <button
                                type="button"
                                class="mw-toast-close"
                                aria-label="Dismiss"
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    dismiss(id);
                                }
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
        {move || {
            dialog
                .get()
                .map(|n| {
                    let id = n.id;
                    view! {
                        <div class="mw-overlay">
                            <div
                                class="mw-dialog"
                                role="alertdialog"
                                aria-modal="true"
                                aria-labelledby="mw-dialog-title"
                                data-testid="notification-dialog"
                            >
                                <p class="mw-dialog-kicker">"High importance"</p>
                                <h2 class="mw-dialog-title" id="mw-dialog-title">
                                    {n.title.clone()}
                                </h2>
                                <p class="mw-dialog-body">{n.body.clone()}</p>
                                <div class="mw-dialog-actions">
                                    <button
                                        type="button"
                                        class="mw-chip"
                                        data-testid="notification-dismiss"
                                        on:click=move |_| dismiss(id)
                                    >
                                        "Dismiss"
                                    </button>
                                    <button
                                        type="button"
                                        class="mw-chip mw-chip-primary"
                                        data-testid="notification-open"
                                        on:click=move |_| activate(ctx, nav, id)
                                    >
                                        "Open"
                                    </button>
                                </div>
                            </div>
                        </div>
                    }
                })
        }}
    }
}
