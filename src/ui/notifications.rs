//! The notification center, and the live pop-ups: a toast for normal importance, a dialog
//! that must be dismissed for high importance.

use leptos::prelude::*;
use messenger_protocol::{Importance, Notification, NotificationId};

use super::ctx::Ctx;
use super::dom::{add, el, replace, set};
use super::nav::{now_and_offset, NavCtx, Panel};
use crate::core::format::preview;
use crate::core::org::when_label;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// How long a toast stays.
const TOAST_MS: u64 = 6_000;

/// Shows a notification's conversation, if it has one we know, and marks read every
/// notification about it (or just this one).
pub fn activate(ctx: Ctx, nav: NavCtx, id: NotificationId) {
    let (frame, conversation) = ctx
        .session
        .try_update(|s| s.open_notification(id))
        .unwrap_or_default();
    ctx.send(frame);
    if let Some(c) = conversation {
        if nav.panel.get_untracked() != Panel::Notifications {
            nav.panel.set(Panel::Home);
        }
        ctx.open(c);
    }
}

fn row(n: &Notification, now: i64, offset: i32) -> web_sys::Element {
    let high = n.importance == Importance::High;
    let mut class = String::from("mw-notification");
    if !n.read {
        class.push_str(" mw-notification-unread");
    }
    if high {
        class.push_str(" mw-notification-high");
    }
    let li = el("li", &class);
    set(&li, "data-testid", "notification");
    set(&li, "data-notification-id", &n.id.to_string());
    set(&li, "data-act", "notification");
    set(&li, "data-id", &n.id.to_string());
    set(&li, "data-read", &n.read.to_string());
    set(&li, "data-importance", if high { "high" } else { "normal" });
    set(&li, "role", "button");
    set(&li, "tabindex", "0");
    add(&li, "span", "mw-notification-dot", "");
    let body = add(&li, "span", "mw-conv-body", "");
    let title = add(&body, "span", "mw-notification-title", &n.title);
    set(&title, "data-testid", "notification-title");
    add(&body, "span", "mw-conv-preview", &preview(&n.body, 120));
    add(
        &li,
        "span",
        "mw-notification-time",
        &when_label(n.created_at, now, offset),
    );
    li
}

/// The notification center's list into `body` (see `nav::PanelView`).
pub fn render(body: &Element, items: &[Notification], loaded: bool, has_more: bool, loading: bool) {
    let (now, offset) = now_and_offset();
    let ul = add(body, "ul", "mw-notifications", "");
    for n in items {
        let _ = ul.append_child(&row(n, now, offset));
    }
    if items.is_empty() {
        let text = if loaded {
            "No notifications yet."
        } else {
            "Loading notifications…"
        };
        let li = add(&ul, "li", "mw-empty", text);
        set(&li, "data-testid", "notifications-empty");
    }
    if has_more {
        let li = add(&ul, "li", "mw-older", "");
        let label = if loading { "Loading…" } else { "Show older" };
        let b = add(&li, "button", "mw-link", label);
        set(&b, "type", "button");
        set(&b, "data-testid", "notifications-older");
        set(&b, "data-act", "older");
    }
}

fn render_toast(n: &Notification) -> web_sys::Element {
    let t = el("div", "mw-toast");
    set(&t, "data-testid", "notification-toast");
    set(&t, "data-act", "notification");
    set(&t, "data-id", &n.id.to_string());
    set(&t, "role", "button");
    set(&t, "tabindex", "0");
    let body = add(&t, "span", "mw-conv-body", "");
    add(&body, "span", "mw-notification-title", &n.title);
    add(&body, "span", "mw-conv-preview", &preview(&n.body, 90));
    let close = add(&t, "button", "mw-toast-close", "×");
    set(&close, "type", "button");
    set(&close, "aria-label", "Dismiss");
    set(&close, "data-act", "dismiss");
    set(&close, "data-id", &n.id.to_string());
    t
}

fn render_dialog(n: &Notification) -> web_sys::Element {
    let overlay = el("div", "mw-overlay");
    let d = add(&overlay, "div", "mw-dialog", "");
    set(&d, "role", "alertdialog");
    set(&d, "aria-modal", "true");
    set(&d, "aria-label", &n.title);
    set(&d, "data-testid", "notification-dialog");
    add(&d, "p", "mw-dialog-kicker", "High importance");
    add(&d, "h2", "mw-dialog-title", &n.title);
    add(&d, "p", "mw-dialog-body", &n.body);
    let actions = add(&d, "div", "mw-dialog-actions", "");
    let dismiss = add(&actions, "button", "mw-chip", "Dismiss");
    set(&dismiss, "type", "button");
    set(&dismiss, "data-testid", "notification-dismiss");
    set(&dismiss, "data-act", "dismiss");
    set(&dismiss, "data-id", &n.id.to_string());
    let open = add(&actions, "button", "mw-chip mw-chip-primary", "Open");
    set(&open, "type", "button");
    set(&open, "data-testid", "notification-open");
    set(&open, "data-act", "notification");
    set(&open, "data-id", &n.id.to_string());
    overlay
}

/// Toasts (bottom right) and the high-importance dialog for notifications arriving live,
/// into `host`, when they differ from `shown`.
pub fn draw_popups(ctx: Ctx, host: &Element, shown: &mut Vec<Notification>) {
    let now = ctx.session.with(|s| s.nav.notifications.popups.clone());
    if *shown == now {
        return;
    }
    let toasts = el("div", "mw-toasts");
    set(&toasts, "aria-live", "polite");
    let mut rows = vec![toasts.clone()];
    for n in &now {
        if n.importance == Importance::High {
            // One dialog at a time, the oldest first.
            if rows.len() == 1 {
                rows.push(render_dialog(n));
            }
            continue;
        }
        let _ = toasts.append_child(&render_toast(n));
        if !shown.iter().any(|p| p.id == n.id) {
            let id = n.id;
            // No reactive owner in a timer: try_ calls are no-ops once unmounted.
            set_timeout(
                move || {
                    ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
                },
                std::time::Duration::from_millis(TOAST_MS),
            );
        }
    }
    let new_dialog = rows.len() > 1 && !shown.iter().any(|p| Some(p) == first_high(&now));
    replace(host, &rows);
    *shown = now;
    // A modal dialog takes the keyboard, so Escape and Enter reach it at once.
    if new_dialog {
        if let Some(button) = host
            .query_selector("[data-testid=notification-open]")
            .ok()
            .flatten()
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = button.focus();
        }
    }
}

fn first_high(list: &[Notification]) -> Option<&Notification> {
    list.iter().find(|n| n.importance == Importance::High)
}

/// The high-importance notification whose dialog is showing, for Escape.
pub fn open_dialog(ctx: Ctx) -> Option<NotificationId> {
    ctx.session
        .with_untracked(|s| first_high(&s.nav.notifications.popups).map(|n| n.id))
}
