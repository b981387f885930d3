//! The chat pane: header, timeline, compose box.

use leptos::prelude::*;

use super::compose::Compose;
use super::contacts::presence_str;
use super::ctx::Ctx;
use super::timeline::Timeline;

#[component]
pub fn ChatPane() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <main class="mw-chat">
            <Show
                when=move || ctx.selected.get().is_some()
                fallback=|| {
                    view! {
                        <div class="mw-chat-empty">
                            <p>"Select a conversation or a person to start chatting."</p>
                        </div>
                    }
                }
            >
                <ChatOpen />
            </Show>
        </main>
    }
}

#[component]
fn ChatOpen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let title = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.map(|c| s.state.title(c)).unwrap_or_default())
    });
    let presence = Memo::new(move |_| {
        let c = ctx.selected.get()?;
        ctx.session.with(|s| {
            let me = s.state.me_id()?;
            let conv = s.state.conversations.get(&c)?;
            if conv.kind != messenger_protocol::ConversationKind::Direct {
                return None;
            }
            let other = conv.other_member(me)?;
            s.state.users.get(&other).map(|u| presence_str(u.presence))
        })
    });
    view! {
        <header class="mw-chat-head">
            <h1 class="mw-chat-title" data-testid="chat-title">
                {move || title.get()}
            </h1>
            {move || {
                presence
                    .get()
                    .map(|p| {
                        view! {
                            <span class="mw-chat-presence" data-presence=p>
                                {p}
                            </span>
                        }
                    })
            }}
        </header>
        <Timeline />
        <Compose />
    }
}
