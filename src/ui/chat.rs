//! The chat pane: header, timeline and compose box of the open conversation.

use leptos::html;
use leptos::prelude::*;

use super::compose::Compose;
use super::contacts::{presence_str, presence_text};
use super::ctx::Ctx;
use super::desk::{may_write, DeskBar};
use super::i18n::{text, use_i18n};
use super::resize::HeightWatch;
use super::shell::ChatFoot;
use super::timeline::Timeline;
use crate::core::format::unread_label;
use crate::core::i18n::K;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;

#[component]
pub fn ChatPane() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <main class="mw-chat" aria-label=text(K::ChatRegion)>
            <Show
                when=move || ctx.selected.with(Option::is_some)
                fallback=|| {
                    view! {
                        <div class="mw-chat-empty" data-testid="no-chat">
                            <p>{text(K::ChatNone)}</p>
                        </div>
                    }
                }
            >
                <ChatHeader />
                <DeskBar />
                <EmptyChatHint />
                <Timeline />
                <ChatFooter />
            </Show>
        </main>
    }
}

/// Title, presence of the other person in a direct chat, and (one-column layout) the way
/// back to the list, with the unread count of the other conversations.
#[component]
fn ChatHeader() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let title = memo(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.map(|c| s.state.title(c)).unwrap_or_default())
    });
    let presence = memo(move |_| {
        let c = ctx.selected.get()?;
        ctx.session.with(|s| {
            let me = s.state.me_id()?;
            let conv = s.state.conversations.get(&c)?;
            if conv.kind != messenger_protocol::ConversationKind::Direct {
                return None;
            }
            let other = conv.other_member(me)?;
            let u = s.state.users.get(&other)?;
            Some(if s.online {
                presence_str(u.presence)
            } else {
                "unknown"
            })
        })
    });
    let elsewhere = memo(move |_| {
        let open = ctx.selected.get();
        ctx.session.with(|s| {
            let open_unread = open
                .and_then(|c| s.state.conversations.get(&c))
                .map_or(0, |c| c.unread);
            s.state.total_unread().saturating_sub(open_unread)
        })
    });
    let i18n = use_i18n();
    let back_label = move || match elsewhere.get() {
        0 => i18n.t(K::ChatBack),
        n => i18n.f(K::ChatBackUnread, &[("count", &unread_label(n))]),
    };
    let presence_text = move || presence.get().map(|p| i18n.t(presence_text(p)));
    view! {
        <header class="mw-chat-head">
            <button
                type="button"
                class="mw-chat-back"
                data-testid="chat-back"
                title=back_label
                aria-label=back_label
                on:click=handler(move |_| ctx.close_chat())
            >
                <span aria-hidden="true">"‹"</span>
                <span class="mw-nav-count" aria-hidden="true" hidden=move || elsewhere.get() == 0>
                    {move || unread_label(elsewhere.get())}
                </span>
            </button>
            <h1 class="mw-chat-title" data-testid="chat-title">
                {move || title.get()}
            </h1>
            <span
                class="mw-chat-presence"
                data-presence=move || presence.get()
                hidden=move || presence.get().is_none()
            >
                {presence_text}
            </span>
        </header>
    }
}

/// A conversation with nothing in it says how to start.
#[component]
fn EmptyChatHint() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let empty = memo(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.is_some_and(|c| s.is_empty_conversation(c)))
    });
    let i18n = use_i18n();
    let hint = move || {
        let mode = ctx.session.with(|s| s.state.settings.send_key);
        let how = i18n.t(crate::core::compose::send_hint(mode));
        i18n.f(K::ChatEmpty, &[("hint", &how)])
    };
    view! {
        <p class="mw-chat-hint" data-testid="chat-empty-hint" hidden=move || !empty.get()>
            {hint}
        </p>
    }
}

/// The compose box's container; its height is published so pop-ups stay clear of it.
#[component]
fn ChatFooter() -> impl IntoView {
    let foot = expect_context::<ChatFoot>();
    let node = NodeRef::<html::Footer>::new();
    let watch = StoredValue::new_local(None::<HeightWatch>);
    effect(move |_| {
        if let Some(el) = node.get() {
            let w = HeightWatch::new(&el, move |h| {
                let _ = foot.0.try_set(h);
            });
            watch.set_value(w);
        }
    });
    on_cleanup(move || {
        watch.try_update_value(|w| w.take());
        let _ = foot.0.try_set(0);
    });
    let writable = may_write(expect_context::<super::ctx::Ctx>());
    view! {
        <footer class="mw-chat-foot" node_ref=node>
            <Show
                when=move || writable.get()
                fallback=|| view! { <p class="mw-chat-hint" data-testid="compose-read-only">{text(K::DeskReadOnly)}</p> }
            >
                <Compose />
            </Show>
        </footer>
    }
}
