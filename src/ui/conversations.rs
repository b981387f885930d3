//! Conversations, most recent activity first.

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::ConversationId;

use super::ctx::Ctx;
use super::i18n::{text, use_i18n};
use super::nav::roving::{Roving, RowKey};
use crate::core::color::participant_color;
use crate::core::format::{initials, unread_label};
use crate::core::i18n::{Catalog, K};
use crate::core::listing::conversation_preview;
use crate::core::session::Session;
use crate::ui::bool_text;
use crate::ui::erased::memo;
use crate::ui::handler::handler;
use crate::ui::keyed::id_list;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Row {
    title: String,
    preview: String,
    system: bool,
    unread: u32,
    color_of: i64,
}

fn row_of(s: &Session, id: ConversationId, tr: &Catalog) -> Row {
    let st = &s.state;
    let Some(c) = st.conversations.get(&id) else {
        return Row::default();
    };
    let me = st.me_id().unwrap_or_default();
    let last = c.messages.last().or(c.last_message.as_ref());
    let (preview, system) = last
        .map(|m| conversation_preview(m, me, tr, st))
        .unwrap_or_default();
    Row {
        title: st.title(id),
        preview,
        system,
        unread: c.unread,
        color_of: c.other_member(me).unwrap_or(id),
    }
}

#[component]
pub fn ConversationList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // The order only: each row follows its own conversation.
    let ids = memo(move |_| {
        ctx.session.with(|s| {
            let mut ids = Vec::new();
            for c in s.state.conversations_by_activity() {
                ids.push(c.id);
            }
            ids
        })
    });
    let roving = Roving::new(Signal::derive(move || {
        ids.with(|ids| ids.iter().map(|id| RowKey::Item(*id)).collect())
    }));
    view! {
        <div class="mw-section">
            <h2 class="mw-section-title">{text(K::ConversationsTitle)}</h2>
            <p class="mw-empty" hidden=move || !ids.with(Vec::is_empty)>
                {text(K::ConversationsEmpty)}
            </p>
            <ul
                class="mw-conversations"
                role="listbox"
                aria-label=text(K::ConversationsTitle)
            >
                {id_list(move || ids.get(), move |id| view! { <ConversationRow id=id roving=roving /> })}
            </ul>
        </div>
    }
}

#[component]
fn ConversationRow(id: ConversationId, roving: Roving) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let row = memo(move |_| i18n.with(|tr| ctx.session.with(|s| row_of(s, id, tr))));
    // A draft waits here (the open conversation's shows in its compose box).
    let draft = memo(move |_| {
        ctx.selected.get() != Some(id) && ctx.drafted.with(|d| d.binary_search(&id).is_ok())
    });
    let active = Signal::derive(move || ctx.selected.get() == Some(id));
    let key = RowKey::Item(id);
    let li = NodeRef::<html::Li>::new();
    roving.follow(key, Box::new(move || li.get().map(Into::into)));
    view! {
        <li
            node_ref=li
            class="mw-conversation"
            class:mw-active=move || active.get()
            data-testid="conversation"
            data-conversation-id=id.to_string()
            role="option"
            aria-selected=move || bool_text(active.get())
            tabindex=roving.tab_index(key)
            on:click=handler(move |_| ctx.open(id))
            on:focus=handler(move |_| roving.focused(key))
            on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" {
                    ctx.open(id);
                } else if roving.arrow(key, &ev) {
                    ev.prevent_default();
                }
            })
        >
            {move || {
                row.with(|r| {
                    view! {
                        <span
                            class="mw-avatar"
                            aria-hidden="true"
                            style:background=participant_color(r.color_of)
                        >
                            {initials(&r.title)}
                        </span>
                        <span class="mw-conv-body">
                            <span class="mw-conv-title">{r.title.clone()}</span>
                            <span
                                class="mw-conv-draft"
                                data-testid="conversation-draft"
                                hidden=move || !draft.get()
                            >
                                {text(K::ConversationsDraft)}
                            </span>
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
                    }
                })
            }}
        </li>
    }
}
