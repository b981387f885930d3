//! The open-channel list: join a channel, open one already joined, or create one.

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::ConversationId;

use super::ctx::Ctx;
use super::i18n::{text, use_i18n};
use super::nav::roving::{Roving, RowKey};
use super::nav::{NavCtx, Panel, PanelHeader};
use crate::core::i18n::K;
use crate::core::nav::MAX_CHANNEL_TITLE_CHARS;
use crate::ui::bool_text;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;
use crate::ui::keyed::id_list;

/// Opens a joined channel, or joins it (the ack opens it, see `Session::join_channel`).
fn open_or_join(ctx: Ctx, nav: NavCtx, id: ConversationId) {
    let (joined, known) = ctx.session.with_untracked(|s| {
        (
            s.nav.channels.items.iter().any(|c| c.id == id && c.joined),
            s.state.conversations.contains_key(&id),
        )
    });
    if joined && known {
        nav.panel.set(Panel::Home);
        ctx.open(id);
    } else {
        let frame = ctx.session.try_update(|s| s.join_channel(id)).flatten();
        ctx.send(frame);
    }
}

#[component]
pub fn ChannelList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let ids = memo(move |_| {
        ctx.session.with(|s| {
            s.nav
                .channels
                .items
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        })
    });
    let loaded = memo(move |_| ctx.session.with(|s| s.nav.channels.loaded));
    let roving = Roving::new(Signal::derive(move || {
        ids.with(|ids| ids.iter().map(|id| RowKey::Item(*id)).collect())
    }));
    let form_open = RwSignal::new(false);
    let new_button = NodeRef::<html::Button>::new();
    // Closed (Escape, Cancel, created): the keyboard goes back to the button that opens it.
    let close_form = Callback::new(move |()| {
        form_open.set(false);
        if let Some(b) = new_button.get_untracked() {
            let _ = b.focus();
        }
    });
    let i18n = use_i18n();
    let empty = Signal::derive(move || ids.with(Vec::is_empty));
    view! {
        <section class="mw-navpanel" data-testid="channel-list">
            <PanelHeader title=K::ChannelsTitle>
                <button
                    node_ref=new_button
                    type="button"
                    class="mw-link"
                    data-testid="channel-new"
                    aria-expanded=move || bool_text(form_open.get())
                    on:click=handler(move |_| form_open.update(|o| *o = !*o))
                >
                    {text(K::ChannelsNew)}
                </button>
            </PanelHeader>
            <div class="mw-navpanel-body">
                {move || {
                    form_open
                        .get()
                        .then(|| {
                            view! {
                                <NewChannelForm on_close=close_form />
                            }
                        })
                }}
                <ul class="mw-channels">
                    {id_list(move || ids.get(), move |id| view! { <ChannelRow id=id roving=roving /> })}
                    <li
                        class="mw-empty"
                        data-testid="channels-empty"
                        hidden=move || !empty.get()
                    >
                        {move || {
                            i18n.t(if loaded.get() { K::ChannelsEmpty } else { K::ChannelsLoading })
                        }}
                    </li>
                </ul>
                <p
                    class="mw-navpanel-offer"
                    hidden=move || !(loaded.get() && empty.get()) || form_open.get()
                >
                    <button
                        type="button"
                        class="mw-chip mw-chip-primary"
                        data-testid="channel-create-first"
                        on:click=handler(move |_| form_open.set(true))
                    >
                        {text(K::ChannelsCreateFirst)}
                    </button>
                </p>
            </div>
        </section>
    }
}

#[component]
fn ChannelRow(id: ConversationId, roving: Roving) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let channel = memo(move |_| {
        ctx.session.with(|s| {
            let c = s.nav.channels.items.iter().find(|c| c.id == id)?;
            Some((
                c.title.clone(),
                c.member_count,
                c.joined,
                s.nav.is_joining(id),
            ))
        })
    });
    let joined = Signal::derive(move || channel.with(|c| c.as_ref().is_some_and(|c| c.2)));
    let i18n = use_i18n();
    let key = RowKey::Item(id);
    let button = NodeRef::<html::Button>::new();
    roving.follow(key, Box::new(move || button.get().map(Into::into)));
    view! {
        <li class="mw-channel" data-testid="channel" data-channel-id=id.to_string() data-joined=move || bool_text(joined.get())>
            <span class="mw-avatar mw-channel-mark">"#"</span>
            {move || {
                channel
                    .with(|c| {
                        let (title, members, joined, _) = c.clone().unwrap_or_default();
                        let members = i18n.n(K::ChannelsMembers, u64::from(members), &[]);
                        let joined = if joined { i18n.t(K::ChannelsJoined) } else { String::new() };
                        view! {
                            <span class="mw-conv-body">
                                <span class="mw-conv-title" data-testid="channel-title">
                                    {title}
                                </span>
                                <span class="mw-conv-preview">{format!("{members}{joined}")}</span>
                            </span>
                        }
                    })
            }}
            <button
                node_ref=button
                type="button"
                class="mw-chip"
                class:mw-chip-primary=move || !joined.get()
                data-testid=move || if joined.get() { "channel-open" } else { "channel-join" }
                disabled=move || channel.with(|c| c.as_ref().is_some_and(|c| c.3))
                tabindex=roving.tab_index(key)
                on:click=handler(move |_| open_or_join(ctx, nav, id))
                on:focus=handler(move |_| roving.focused(key))
                on:keydown=handler(move |ev| {
                    if roving.arrow(key, &ev) {
                        ev.prevent_default();
                    }
                })
            >
                {move || i18n.t(if joined.get() { K::ChannelsOpen } else { K::ChannelsJoin })}
            </button>
        </li>
    }
}

/// A title, sent as `create_channel`; the answer opens the new channel and closes the form.
#[component]
fn NewChannelForm(on_close: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    // What the last form was told does not belong to this one.
    ctx.session.update_untracked(|s| s.nav.channel_error = None);
    let title = RwSignal::new(String::new());
    let creating = memo(move |_| ctx.session.with(|s| s.nav.is_creating_channel()));
    let error = memo(move |_| ctx.session.with(|s| s.nav.channel_error.clone()));
    // Closes once the server said yes: creating went from true to false without an error.
    effect(move |was: Option<bool>| {
        let now = creating.get();
        if was == Some(true) && !now && error.get_untracked().is_none() {
            on_close.run(());
        }
        now
    });
    let input = NodeRef::<html::Input>::new();
    effect(move |_| {
        if let Some(i) = input.get() {
            let _ = i.focus();
        }
    });
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let text = title.get_untracked();
        let frame = ctx
            .session
            .try_update(|s| s.create_channel(&text))
            .flatten();
        ctx.send(frame);
    };
    view! {
        <form class="mw-channel-form" data-testid="channel-form" on:submit=handler(submit)>
            <label class="mw-field">
                {text(K::ChannelsName)}
                <input
                    node_ref=input
                    type="text"
                    data-testid="channel-title-input"
                    maxlength=MAX_CHANNEL_TITLE_CHARS.to_string()
                    prop:value=move || title.get()
                    on:input=handler(move |ev| title.set(event_target_value(&ev)))
                    on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            on_close.run(());
                        }
                    })
                />
            </label>
            <p class="mw-setting-error" data-testid="channel-create-error" role="alert">
                {move || error.get().map(|e| i18n.with(|tr| e.render(tr)))}
            </p>
            <div class="mw-channel-form-actions">
                <button type="button" class="mw-chip" on:click=handler(move |_| on_close.run(()))>
                    {text(K::ChannelsCancel)}
                </button>
                <button
                    type="submit"
                    class="mw-chip mw-chip-primary"
                    data-testid="channel-create"
                    disabled=move || creating.get()
                >
                    {move || i18n.t(if creating.get() { K::ChannelsCreating } else { K::ChannelsCreate })}
                </button>
            </div>
        </form>
    }
}
