//! The open-channel list: join a channel, or open one already joined.

use leptos::prelude::*;
use messenger_protocol::ChannelInfo;

use super::ctx::Ctx;
use super::nav::{NavCtx, Panel, PanelHead};

#[component]
pub fn ChannelList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let list = Memo::new(move |_| ctx.session.with(|s| s.nav.channels.items.clone()));
    let loaded = Memo::new(move |_| ctx.session.with(|s| s.nav.channels.loaded));
    let open_or_join = move |c: &ChannelInfo| {
        let id = c.id;
        let known = ctx.session.with_untracked(|s| s.state.conversations.contains_key(&id));
        if c.joined && known {
            nav.panel.set(Panel::Home);
            ctx.open(id);
        } else {
            // The ack opens it (see Session::join_channel).
            let frame = ctx.session.try_update(|s| s.join_channel(id)).flatten();
            ctx.send(frame);
        }
    };
    view! {
        <div class="mw-panel" data-testid="channel-list">
            <PanelHead title="Channels">{()}</PanelHead>
            <div class="mw-list-scroll">
                <Show when=move || !loaded.get()>
                    <p class="mw-empty">"Loading channels…"</p>
                </Show>
                <Show when=move || loaded.get() && list.with(Vec::is_empty)>
                    <p class="mw-empty">"No open channels yet."</p>
                </Show>
                <ul class="mw-channels">
                    <For
                        each=move || list.get()
                        key=|c| (c.id, c.joined, c.member_count, c.title.clone())
                        children=move |c| {
                            let joining = Memo::new(move |_| {
                                ctx.session.with(|s| s.nav.is_joining(c.id))
                            });
                            let members = match c.member_count {
                                1 => "1 member".to_string(),
                                n => format!("{n} members"),
                            };
                            let info = c.clone();
                            view! {
                                <li
                                    class="mw-channel"
                                    data-testid="channel"
                                    data-channel-id=c.id.to_string()
                                    data-joined=c.joined.to_string()
                                >
                                    <span class="mw-avatar mw-channel-mark" aria-hidden="true">
                                        "#"
                                    </span>
                                    <span class="mw-conv-body">
                                        <span class="mw-conv-title" data-testid="channel-title">
                                            {c.title.clone()}
                                        </span>
                                        <span class="mw-conv-preview">
                                            {members}
                                            {c.joined.then_some(" · joined")}
                                        </span>
                                    </span>
                                    <button
                                        type="button"
                                        class="mw-chip"
                                        class:mw-chip-primary=!c.joined
                                        data-testid=if c.joined { "channel-open" } else { "channel-join" }
                                        disabled=move || joining.get()
                                        on:click=move |_| open_or_join(&info)
                                    >
                                        {if c.joined { "Open" } else { "Join" }}
                                    </button>
                                </li>
                            }
                        }
                    />
                </ul>
            </div>
        </div>
    }
}
