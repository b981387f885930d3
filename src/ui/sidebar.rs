//! The rail: the counters (unread messages, new channels, notifications), settings and
//! sign-out. A vertical strip beside the list when the widget is wide, a bar under the list
//! when it is narrow (hidden while a chat fills the widget).
//!
//! Exactly one button is highlighted: the one whose view the list column shows. A click always
//! goes somewhere: the chat button shows the conversations (and opens the most recent chat
//! with unread messages, if any); a panel button shows its panel, or goes back to the
//! conversations when that panel is already shown.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::embed::detail;
use super::i18n::{text, use_i18n};
use super::nav::{NavCtx, Panel};
use super::Auth;
use crate::core::embed::HostCounter;
use crate::core::format::unread_label;
use crate::core::i18n::K;
use crate::core::session::Session;
use crate::ui::erased::memo;
use crate::ui::handler::handler;
use crate::ui::keyed::id_list;

/// 20×20 outline icons (stroke paths).
const ICON_CHAT: &str = "M4 5h12v8H9l-4 3v-3H4z";
const ICON_HASH: &str = "M8 3 6 17M14 3l-2 14M3 7h14M3 13h14";
const ICON_BELL: &str = "M5 14V9a5 5 0 0 1 10 0v5l1.5 2h-13zM8.5 18h3";
const ICON_GEAR: &str = "M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 2v3M10 15v3M2 10h3M15 10h3M4.3 4.3l2.1 2.1M13.6 13.6l2.1 2.1M4.3 15.7l2.1-2.1M13.6 6.4l2.1-2.1";

#[component]
fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="mw-icon" viewBox="0 0 20 20" aria-hidden="true">
            <path d=path />
        </svg>
    }
}

/// One rail button: `panel` is the list-column view it stands for; `count` is shown when
/// above zero (a zero stays quiet) and is part of the button's accessible name.
#[component]
fn RailButton(
    testid: &'static str,
    icon: &'static str,
    label: K,
    panel: Panel,
    #[prop(optional)] count: Option<Memo<u32>>,
    on_click: Callback<()>,
) -> impl IntoView {
    let nav = expect_context::<NavCtx>();
    let n = move || count.map_or(0, |c| c.get());
    let i18n = use_i18n();
    let name = move || match n() {
        0 => i18n.t(label),
        n => i18n.f(
            K::RailWithCount,
            &[("label", &i18n.t(label)), ("count", &unread_label(n))],
        ),
    };
    view! {
        <button
            type="button"
            class="mw-nav-btn"
            class:mw-nav-zero=move || n() == 0
            class:mw-nav-active=move || nav.panel.get() == panel
            aria-current=move || (nav.panel.get() == panel).then_some("page")
            data-testid=testid
            data-count=move || n().to_string()
            title=name
            aria-label=name
            on:click=handler(move |_| on_click.run(()))
        >
            <Icon path=icon />
            <span class="mw-nav-count" aria-hidden="true" hidden=move || n() == 0>
                {move || unread_label(n())}
            </span>
        </button>
    }
    .into_any()
}

/// One of the rail's counts. A function, not a closure: the three memos are one type, compiled
/// once (bundle size).
fn counter(ctx: Ctx, of: fn(&Session) -> u32) -> Memo<u32> {
    memo(move |_| ctx.session.with(of))
}

/// The keys of the host's counters: numbers, like the other lists' keys (one keyed list type
/// compiled for all; bundle size).
fn host_keys(ctx: Ctx) -> Vec<i64> {
    ctx.embed
        .host
        .with(|h| h.counters.iter().map(|c| c.key).collect())
}

/// A counter of the host page (`counters` option, `setCounters`): its label is its accessible
/// name, its icon a short text; with a link it is one, opened in the page, else a button the
/// host hears about (`counter` event). `key`: see [`HostCounter::key`] (a new link or id is a
/// new element, so neither ever changes).
#[component]
fn HostCounterButton(key: i64) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let embed = ctx.embed;
    let i18n = use_i18n();
    let now = move || {
        embed.host.with(|h| {
            let found = h.counters.iter().find(|c| c.key == key);
            found.cloned().unwrap_or_default()
        })
    };
    let name = move || {
        let c = now();
        match c.count {
            0 => c.label,
            n => i18n.f(
                K::RailWithCount,
                &[("label", &c.label), ("count", &unread_label(n))],
            ),
        }
    };
    // Text and `hidden` follow the host's changes in place: closures of the kinds the other
    // views use (bundle size).
    let body = move || {
        view! {
            <span class="mw-host-icon" aria-hidden="true">{move || now().icon}</span>
            <span class="mw-nav-count" aria-hidden="true" hidden=move || now().count == 0>
                {move || unread_label(now().count)}
            </span>
        }
    };
    let HostCounter { id, url, .. } = now();
    match url {
        Some(url) => view! {
            <a
                class="mw-nav-btn mw-host-counter"
                data-testid="host-counter"
                data-counter-id=id
                href=url
                title=name
                aria-label=name
            >
                {body()}
            </a>
        }
        .into_any(),
        None => {
            let said = id.clone();
            view! {
                <button
                    type="button"
                    class="mw-nav-btn mw-host-counter"
                    data-testid="host-counter"
                    data-counter-id=id
                    title=name
                    aria-label=name
                    on:click=handler(move |_| {
                        embed.emit("counter", detail(&[("id", said.as_str().into())]))
                    })
                >
                    {body()}
                </button>
            }
            .into_any()
        }
    }
}

#[component]
pub fn Sidebar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let auth = expect_context::<Auth>();
    let nav = expect_context::<NavCtx>();
    let total = counter(ctx, |s| s.state.total_unread());
    let channels = counter(ctx, |s| s.state.new_channels);
    let notifications = counter(ctx, |s| s.state.unread_notifications);
    let chats = Callback::new(move |()| {
        nav.panel.set(Panel::Home);
        if let Some(c) = ctx.session.with_untracked(|s| s.state.most_recent_unread()) {
            ctx.open(c);
        }
    });
    let panel = |p: Panel| Callback::new(move |()| nav.toggle(p));
    view! {
        <nav class="mw-sidebar" aria-label=text(K::RailNav)>
            <div class="mw-brand" aria-hidden="true">
                "M"
            </div>
            <RailButton
                testid="unread-counter"
                icon=ICON_CHAT
                label=K::RailConversations
                panel=Panel::Home
                count=total
                on_click=chats
            />
            <RailButton
                testid="channels-counter"
                icon=ICON_HASH
                label=K::RailChannels
                panel=Panel::Channels
                count=channels
                on_click=panel(Panel::Channels)
            />
            <RailButton
                testid="notifications-counter"
                icon=ICON_BELL
                label=K::RailNotifications
                panel=Panel::Notifications
                count=notifications
                on_click=panel(Panel::Notifications)
            />
            {id_list(move || host_keys(ctx), |key| view! { <HostCounterButton key /> })}
            <div class="mw-sidebar-fill"></div>
            <RailButton
                testid="settings-button"
                icon=ICON_GEAR
                label=K::RailSettings
                panel=Panel::Settings
                on_click=panel(Panel::Settings)
            />
            <button
                type="button"
                class="mw-signout"
                data-testid="sign-out"
                title=text(K::RailSignOut)
                on:click=handler(move |_| auth.sign_out(None))
            >
                {text(K::RailSignOut)}
            </button>
        </nav>
    }
}
