//! The narrow sidebar: brand, the counters (unread messages, new channels, notifications),
//! settings and sign-out.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::nav::{NavCtx, Panel};
use super::Auth;
use crate::core::format::unread_label;

/// 20×20 outline icons (stroke paths).
const ICON_CHAT: &str = "M4 5h12v8H9l-4 3v-3H4z";
const ICON_HASH: &str = "M8 3 6 17M14 3l-2 14M3 7h14M3 13h14";
const ICON_BELL: &str = "M5 14V9a5 5 0 0 1 10 0v5l1.5 2h-13zM8.5 18h3";
const ICON_GEAR: &str = "M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v3M10 15v3M2 10h3M15 10h3M4.3 4.3l2.1 2.1M13.6 13.6l2.1 2.1M4.3 15.7l2.1-2.1M13.6 6.4l2.1-2.1";

fn icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="mw-icon" viewBox="0 0 20 20" aria-hidden="true">
            <path d=path />
        </svg>
    }
}

/// A counter button; `panel` is what it shows (`Home` for the unread counter, which opens the
/// most recent chat with unread messages instead).
#[component]
fn Counter(
    testid: &'static str,
    icon_path: &'static str,
    label: &'static str,
    count: Memo<u32>,
    panel: Panel,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let on_click = move || {
        if panel != Panel::Home {
            nav.toggle(panel);
        } else if let Some(c) = ctx.session.with_untracked(|s| s.state.most_recent_unread()) {
            nav.panel.set(Panel::Home);
            ctx.open(c);
        }
    };
    view! {
        <button
            type="button"
            class="mw-nav-btn"
            class:mw-nav-zero=move || count.get() == 0
            class:mw-nav-active=move || panel != Panel::Home && nav.panel.get() == panel
            data-testid=testid
            title=label
            on:click=move |_| on_click()
        >
            {icon(icon_path)}
            <span class="mw-nav-count">{move || unread_label(count.get())}</span>
        </button>
    }
}

#[component]
pub fn Sidebar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let auth = expect_context::<Auth>();
    let nav = expect_context::<NavCtx>();
    let total = Memo::new(move |_| ctx.session.with(|s| s.state.total_unread()));
    let channels = Memo::new(move |_| ctx.session.with(|s| s.state.new_channels));
    let notifications = Memo::new(move |_| ctx.session.with(|s| s.state.unread_notifications));
    view! {
        <nav class="mw-sidebar" aria-label="Messenger">
            <div class="mw-brand" aria-hidden="true">
                "M"
            </div>
            <Counter
                testid="unread-counter"
                icon_path=ICON_CHAT
                label="Unread messages"
                count=total
                panel=Panel::Home
            />
            <Counter
                testid="channels-counter"
                icon_path=ICON_HASH
                label="Open channels"
                count=channels
                panel=Panel::Channels
            />
            <Counter
                testid="notifications-counter"
                icon_path=ICON_BELL
                label="Notifications"
                count=notifications
                panel=Panel::Notifications
            />
            <div class="mw-sidebar-fill"></div>
            <button
                type="button"
                class="mw-nav-btn mw-nav-settings"
                class:mw-nav-active=move || nav.panel.get() == Panel::Settings
                data-testid="settings-button"
                title="Settings"
                aria-label="Settings"
                on:click=move |_| nav.toggle(Panel::Settings)
            >
                {icon(ICON_GEAR)}
            </button>
            <button
                type="button"
                class="mw-signout"
                data-testid="sign-out"
                title="Sign out"
                on:click=move |_| auth.sign_out(None)
            >
                "Sign out"
            </button>
        </nav>
    }
}
