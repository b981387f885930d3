//! The signed-in layout: the rail, the list column and the chat, three columns when the
//! widget is wide and one below ~640 px (the list, or the open chat with a back button).
//!
//! The breakpoint is a CSS container query on the widget's own width, not the window's: a
//! portal may give the widget a narrow box on a wide screen.

use leptos::prelude::*;
use messenger_protocol::{ConversationKind, Importance};

use super::i18n::{text, use_i18n};
use crate::core::i18n::K;

use super::attachments::ImageViewer;
use super::chat::ChatPane;
use super::ctx::Ctx;
use super::handler::handler;
use super::nav::ListColumn;
use super::notifications::{ImportanceDialog, Toasts};
use super::sidebar::Sidebar;
use crate::core::embed::Mode;
use crate::core::format::arrival;
use crate::core::tabs::Status;
use crate::ui::erased::{effect, memo};
use crate::ui::keyed::id_list;

/// The height of the chat's footer (the compose box), so pop-ups can stay above it.
#[derive(Clone, Copy)]
pub struct ChatFoot(pub RwSignal<i32>);

#[component]
pub fn Shell() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let foot = ChatFoot(RwSignal::new(0));
    provide_context(foot);
    let view_name = move || {
        if ctx.selected.with(Option::is_some) {
            "chat"
        } else {
            "list"
        }
    };
    let embed = ctx.embed;
    view! {
        <div
            class="mw-app"
            data-testid="app"
            data-open=super::embed::flag(embed.open)
            data-mode=embed.mode.as_str()
            data-theme=move || embed.host.with(|h| h.theme.as_str())
            data-view=view_name
            data-leader=super::embed::flag(ctx.leader)
            data-outbox=move || ctx.session.with(|s| s.outbox.len().to_string())
            style=("--mw-foot-h", super::css(move || format!("{}px", foot.0.get())))
        >
            <ConnectionBanner />
            <Sidebar />
            <section class="mw-list" aria-label=text(K::ShellList)>
                <ListHeader />
                <ListColumn />
            </section>
            <ChatPane />
            // Overlays, positioned against the whole widget (whatever column is shown).
            <Toasts />
            <ImportanceDialog />
            <super::forward::ForwardDialog />
            <ImageViewer />
            <Announcer />
        </div>
    }
}

/// Says each new message from someone else to screen readers: politely, or at once when it
/// is of high importance. Each message is a fresh `<span>` (keyed by the message's place in
/// the event stream), so the same words twice are read twice: an unchanged node would be
/// skipped. The other region empties, so it never repeats an older message.
#[component]
fn Announcer() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let seq = memo(move |_| ctx.session.with(|s| s.heard.as_ref().map(|h| h.seq)));
    // (seq, high importance, what is said), read when a new message is heard.
    let said = memo(move |_| {
        let seq = seq.get()?;
        ctx.session.with_untracked(|s| {
            let m = &s.heard.as_ref()?.message;
            let st = &s.state;
            let group = st
                .conversations
                .get(&m.conversation_id)
                .is_some_and(|c| {
                    matches!(c.kind, ConversationKind::Group | ConversationKind::Channel)
                })
                .then(|| st.title(m.conversation_id));
            let (key, text) = arrival(group.is_some(), &m.text);
            let sender = st.sender_name(m);
            let group = group.unwrap_or_default();
            let text = i18n.f(
                key,
                &[("sender", &sender), ("group", &group), ("text", &text)],
            );
            Some((seq, m.importance == Importance::High, text))
        })
    });
    let region = move |high: bool| {
        id_list(
            move || {
                said.with(|s| {
                    s.iter()
                        .filter(|s| s.1 == high)
                        .map(|s| s.0 as i64)
                        .collect()
                })
            },
            move |_| view! { <span>{said.with_untracked(|s| s.as_ref().map(|s| s.2.clone()))}</span> },
        )
    };
    view! {
        <div class="mw-sr" aria-live="polite" data-testid="announce-polite">
            {region(false)}
        </div>
        <div class="mw-sr" aria-live="assertive" data-testid="announce-assertive">
            {region(true)}
        </div>
    }
}

/// Who is signed in, and the connection at a glance.
#[component]
fn ListHeader() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let name = memo(move |_| {
        ctx.session.with(|s| {
            s.state
                .me
                .as_ref()
                .map(|m| {
                    if m.display_name.trim().is_empty() {
                        m.username.clone()
                    } else {
                        m.display_name.clone()
                    }
                })
                .unwrap_or_default()
        })
    });
    let i18n = use_i18n();
    let status = move || i18n.t(status_text(ctx.status.get()));
    view! {
        <header class="mw-list-head">
            <span class="mw-avatar mw-avatar-me" aria-hidden="true">
                {move || crate::core::format::initials(&name.get())}
            </span>
            <span class="mw-me" data-testid="me">{move || name.get()}</span>
            <span
                class="mw-status"
                data-testid="connection-status"
                data-state=move || ctx.status.get().as_str()
                title=status
            >
                {status}
            </span>
            {(ctx.embed.mode == Mode::Floating).then(|| view! {
                <button
                    type="button"
                    class="mw-close"
                    data-testid="close-widget"
                    title=text(K::EmbedClose)
                    aria-label=text(K::EmbedClose)
                    on:click=handler(move |_| ctx.embed.open.set(false))
                >
                    "×"
                </button>
            })}
        </header>
    }
}

fn status_text(status: Status) -> K {
    match status {
        Status::Online => K::StatusOnline,
        Status::Polling => K::StatusPolling,
        Status::Connecting => K::StatusConnecting,
        Status::Reconnecting => K::StatusReconnecting,
        Status::Offline => K::StatusOffline,
    }
}

/// A strip across the widget while the connection is down, so being offline is plain at a
/// glance: when the next attempt is due, and a button to try now. The first connection
/// attempt stays quiet: a normal start shows nothing. Also says when unsent messages cannot
/// be stored in this browser.
#[component]
fn ConnectionBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let now = RwSignal::new(js_sys::Date::now());
    // Ticks once a second while a reconnect is scheduled, for the countdown.
    let ticker = StoredValue::new_local(None::<gloo_timers::callback::Interval>);
    effect(move |_| {
        let waiting = ctx.retry_at.get().is_some();
        now.set(js_sys::Date::now());
        ticker.set_value(waiting.then(|| {
            crate::timer::every(1_000, move || {
                let _ = now.try_set(js_sys::Date::now());
            })
        }));
    });
    on_cleanup(move || ticker.set_value(None));
    let browser_online = move || {
        now.track();
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    };
    let text = move || match ctx.status.get() {
        Status::Offline | Status::Reconnecting if !browser_online() => i18n.t(K::BannerOffline),
        Status::Offline => match ctx.retry_at.get() {
            Some(at) => {
                let seconds = ((at - now.get()) / 1000.0).ceil().max(0.0) as u64;
                i18n.f(
                    K::StatusReconnectingIn,
                    &[("seconds", &seconds.to_string())],
                )
            }
            None => i18n.t(K::BannerOffline),
        },
        Status::Reconnecting => i18n.t(K::BannerReconnecting),
        Status::Polling => i18n.t(K::StatusPolling),
        Status::Connecting | Status::Online => String::new(),
    };
    let can_retry = move || match ctx.status.get() {
        Status::Offline => ctx.retry_at.get().is_some(),
        Status::Polling => true,
        _ => false,
    };
    let retry_label = move || match ctx.status.get() {
        Status::Polling => i18n.t(K::StatusCheckNow),
        _ => i18n.t(K::StatusRetryNow),
    };
    view! {
        <div class="mw-banners">
        <div class="mw-offline" data-testid="offline-banner" role="status" hidden=move || text().is_empty()>
            <span>{text}</span>
            <button
                type="button"
                class="mw-link"
                data-testid="retry-now"
                hidden=move || !can_retry()
                on:click=handler(move |_| ctx.retry_now())
            >
                {retry_label}
            </button>
        </div>
        <PendingStrip />
        <div class="mw-offline mw-storage-warning" data-testid="storage-warning" role="alert" hidden=move || !ctx.storage_failed.get()>
            {move || i18n.t(K::StorageWarning)}
        </div>
        </div>
    }
}

/// Says how many messages are not sent yet whenever some wait for something other than the
/// next ack (a person to come online, a decision, a connection), with the way to the list.
#[component]
fn PendingStrip() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<super::nav::NavCtx>();
    let i18n = use_i18n();
    let waiting = memo(move |_| {
        ctx.session.with(|s| {
            let stuck = s.outbox.items().iter().any(|p| {
                matches!(
                    p.state,
                    crate::core::outbox::PendingState::Held(_)
                        | crate::core::outbox::PendingState::Failed(_)
                )
            });
            if stuck || !s.online {
                s.outbox.items().iter().filter(|p| !p.writing).count()
            } else {
                0
            }
        })
    });
    view! {
        <div class="mw-offline mw-pending-strip" data-testid="pending-strip" role="status" hidden=move || waiting.get() == 0>
            <span>{move || i18n.f(K::PendingShow, &[("count", &waiting.get().to_string())])}</span>
            <button
                type="button"
                class="mw-link"
                data-testid="pending-open"
                on:click=handler(move |_| nav.panel.set(super::nav::Panel::Pending))
            >
                {move || i18n.t(K::PendingOpen)}
            </button>
        </div>
    }
}
