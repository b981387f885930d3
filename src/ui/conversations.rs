//! Conversations, most recent activity first.

use leptos::prelude::*;
use messenger_protocol::ConversationId;

use super::ctx::Ctx;
use crate::core::color::participant_color;
use crate::core::format::{initials, unread_label};
use crate::core::listing::conversation_preview;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Row {
    id: ConversationId,
    title: String,
    preview: String,
    system: bool,
    unread: u32,
    color_of: i64,
}

#[component]
pub fn ConversationList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = Memo::new(move |_| {
        ctx.session.with(|s| {
            let st = &s.state;
            let me = st.me_id().unwrap_or_default();
            st.conversations_by_activity()
                .into_iter()
                .map(|c| {
                    let last = c.messages.last().or(c.last_message.as_ref());
                    let (preview, system) = last
                        .map(|m| conversation_preview(m, me))
                        .unwrap_or_default();
                    Row {
                        id: c.id,
                        title: st.title(c.id),
                        preview,
                        system,
                        unread: c.unread,
                        color_of: c.other_member(me).unwrap_or(c.id),
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <div class="mw-section">
            <h2 class="mw-section-title">"Conversations"</h2>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="mw-empty">"No conversations yet. Pick someone below."</p>
            </Show>
            <ul class="mw-conversations">
                <For
                    each=move || rows.get()
                    key=|r| r.clone()
                    children=move |r| {
                        let id = r.id;
                        view! {
                            <li
                                class="mw-conversation"
                                class:mw-active=move || ctx.selected.get() == Some(id)
                                data-testid="conversation"
                                data-conversation-id=id.to_string()
                                role="button"
                                tabindex="0"
                                on:click=move |_| ctx.open(id)
                                on:keydown=move |ev: web_sys::KeyboardEvent| {
                                    if ev.key() == "Enter" {
                                        ctx.open(id);
                                    }
                                }
                            >
                                <span
                                    class="mw-avatar"
                                    style=format!("background:{}", participant_color(r.color_of))
                                >
                                    {initials(&r.title)}
                                </span>
                                <span class="mw-conv-body">
                                    <span class="mw-conv-title">{r.title.clone()}</span>
                                    <span
                                        class="mw-conv-preview"
                                        class:mw-conv-system=r.system
                                        data-testid="conversation-preview"
                                    >
                                        {r.preview.clone()}
                                    </span>
                                </span>
                                {(r.unread > 0)
                                    .then(|| {
                                        view! {
                                            <span class="mw-badge" data-testid="conversation-unread">
                                                {unread_label(r.unread)}
                                            </span>
                                        }
                                    })}
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}
