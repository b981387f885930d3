//! The chat pane: header, messages with paging, compose box.

use leptos::html;
use leptos::prelude::*;

use super::compose::Compose;
use super::contacts::presence_str;
use super::ctx::Ctx;
use super::message::MessageView;
use crate::core::color::participant_color;

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
    let can_load_older = Memo::new(move |_| {
        let Some(c) = ctx.selected.get() else {
            return false;
        };
        ctx.session.with(|s| {
            s.state
                .conversations
                .get(&c)
                .is_some_and(|c| c.has_more == Some(true))
        })
    });
    let loading = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.is_some_and(|c| s.is_loading_history(c)))
    });
    let lines = Memo::new(move |_| {
        let Some(c) = ctx.selected.get() else {
            return Vec::new();
        };
        ctx.session.with(|s| {
            s.timeline(c)
                .into_iter()
                .map(|item| {
                    let name = s.state.display_name(item.sender_id);
                    let color = participant_color(item.sender_id);
                    (item, name, color)
                })
                .collect::<Vec<_>>()
        })
    });
    let load_older = move |_| {
        if let Some(c) = ctx.selected.get_untracked() {
            let frame = ctx.session.try_update(|s| s.load_older(c)).flatten();
            ctx.send(frame);
        }
    };
    let retry = Callback::new(move |cid: String| {
        let frames = ctx
            .session
            .try_update(|s| s.retry(&cid))
            .unwrap_or_default();
        ctx.send(frames);
    });

    // Keep the newest message in view when one arrives (not when older ones load).
    let list_ref = NodeRef::<html::Div>::new();
    let newest = Memo::new(move |_| lines.with(|l| l.last().map(|(i, _, _)| i.key.clone())));
    Effect::new(move |_| {
        newest.track();
        ctx.selected.track();
        request_animation_frame(move || {
            if let Some(el) = list_ref.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
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
        <div class="mw-messages" node_ref=list_ref>
            <Show when=move || can_load_older.get()>
                <div class="mw-older">
                    <button
                        type="button"
                        class="mw-link"
                        data-testid="load-older"
                        disabled=move || loading.get()
                        on:click=load_older
                    >
                        {move || if loading.get() { "Loading…" } else { "Load older" }}
                    </button>
                </div>
            </Show>
            <ol class="mw-message-list">
                <For
                    each=move || lines.get()
                    key=|(item, name, _)| (item.key.clone(), name.clone())
                    children=move |(item, name, color)| {
                        view! { <MessageView item sender_name=name color on_retry=retry /> }
                    }
                />
            </ol>
        </div>
        <Compose />
    }
}
