//! Notifications: the center (a panel of the list column), and the live pop-ups: a toast
//! for normal importance, a dialog that must be answered for high importance.

mod alerts;
mod center;
mod dialog;
mod toasts;

use leptos::prelude::*;
use messenger_protocol::NotificationId;

use super::ctx::Ctx;
use super::nav::{NavCtx, Panel};

pub use center::NotificationCenter;
pub use dialog::ImportanceDialog;
pub use toasts::Toasts;

/// Opens a notification (center row, toast, dialog's Open): shows its conversation, if it
/// has one we know, with the conversation list beside it, and marks read every notification
/// about that conversation (or just this one). The one place a notification is opened.
pub fn open_notification(ctx: Ctx, nav: NavCtx, id: NotificationId) {
    // A toast or the dialog clicked while the widget is closed: the user wants to see it.
    ctx.embed.open.set(true);
    let (frame, conversation) = ctx
        .session
        .try_update(|s| s.open_notification(id))
        .unwrap_or_default();
    ctx.send(frame);
    if let Some(c) = conversation {
        nav.panel.set(Panel::Home);
        ctx.open(c);
    }
}

/// Hides a pop-up; the notification stays unread.
pub fn dismiss(ctx: Ctx, id: NotificationId) {
    ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
}
