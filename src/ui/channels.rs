//! The open-channel list: join a channel, or open one already joined.

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::ChannelInfo;

use super::ctx::Ctx;
use super::dom::{add, el, replace, set, target_with};
use super::nav::{NavCtx, Panel, PanelHead};

fn render(c: &ChannelInfo, joining: bool) -> web_sys::Element {
    let li = el("li", "mw-channel");
    set(&li, "data-testid", "channel");
    set(&li, "data-channel-id", &c.id.to_string());
    set(&li, "data-joined", &c.joined.to_string());
    add(&li, "span", "mw-avatar mw-channel-mark", "#");
    let body = add(&li, "span", "mw-conv-body", "");
    let title = add(&body, "span", "mw-conv-title", &c.title);
    set(&title, "data-testid", "channel-title");
    let members = match c.member_count {
        1 => "1 member".to_string(),
        n => format!("{n} members"),
    };
    let joined = if c.joined { " · joined" } else { "" };
    add(&body, "span", "mw-conv-preview", &format!("{members}{joined}"));
    let (class, testid, label) = if c.joined {
        ("mw-chip", "channel-open", "Open")
    } else {
        ("mw-chip mw-chip-primary", "channel-join", "Join")
    };
    let b = add(&li, "button", class, label);
    set(&b, "type", "button");
    set(&b, "data-testid", testid);
    set(&b, "data-act", &c.id.to_string());
    if joining {
        set(&b, "disabled", "");
    }
    li
}

#[component]
pub fn ChannelList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let list = NodeRef::<html::Ul>::new();
    Effect::new(move |prev: Option<Option<(Vec<ChannelInfo>, bool, Vec<bool>)>>| {
        let ul = list.get()?;
        let now = ctx.session.with(|s| {
            let items = s.nav.channels.items.clone();
            let joining = items.iter().map(|c| s.nav.is_joining(c.id)).collect();
            (items, s.nav.channels.loaded, joining)
        });
        if prev.flatten().as_ref() != Some(&now) {
            let (items, loaded, joining) = &now;
            let mut rows: Vec<_> = items
                .iter()
                .zip(joining)
                .map(|(c, j)| render(c, *j))
                .collect();
            if items.is_empty() {
                let text = if *loaded {
                    "No open channels yet."
                } else {
                    "Loading channels…"
                };
                let p = el("li", "mw-empty");
                p.set_text_content(Some(text));
                rows.push(p);
            }
            replace(&ul, &rows);
        }
        Some(now)
    });
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some((_, id)) = target_with(&ev, "data-act") else {
            return;
        };
        let Ok(id) = id.parse() else { return };
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
            // The ack opens it (see Session::join_channel).
            let frame = ctx.session.try_update(|s| s.join_channel(id)).flatten();
            ctx.send(frame);
        }
    };
    view! {
        <PanelHead title="Channels">{()}</PanelHead>
        <div class="mw-list-scroll">
            <ul class="mw-channels" node_ref=list on:click=on_click></ul>
        </div>
    }
}
