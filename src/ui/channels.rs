//! The open-channel list: join a channel, or open one already joined. Rendered into the
//! list column's panel (see `nav::PanelView`).

use leptos::prelude::*;
use messenger_protocol::{ChannelInfo, ConversationId};
use web_sys::Element;

use super::ctx::Ctx;
use super::dom::{add, el, set};
use super::nav::{NavCtx, Panel};

fn row(c: &ChannelInfo, joining: bool) -> Element {
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
    add(
        &body,
        "span",
        "mw-conv-preview",
        &format!("{members}{joined}"),
    );
    let (class, testid, label) = if c.joined {
        ("mw-chip", "channel-open", "Open")
    } else {
        ("mw-chip mw-chip-primary", "channel-join", "Join")
    };
    let b = add(&li, "button", class, label);
    set(&b, "type", "button");
    set(&b, "data-testid", testid);
    set(&b, "data-act", "channel");
    set(&b, "data-id", &c.id.to_string());
    if joining {
        set(&b, "disabled", "");
    }
    li
}

/// The list into `body`; `joining[i]` tells whether `items[i]` is being joined.
pub fn render(body: &Element, items: &[ChannelInfo], loaded: bool, joining: &[bool]) {
    let ul = add(body, "ul", "mw-channels", "");
    for (i, c) in items.iter().enumerate() {
        let _ = ul.append_child(&row(c, joining.get(i).copied().unwrap_or(false)));
    }
    if items.is_empty() {
        let text = if loaded {
            "No open channels yet."
        } else {
            "Loading channels…"
        };
        add(&ul, "li", "mw-empty", text);
    }
}

/// Opens a joined channel, or joins it (the ack opens it, see `Session::join_channel`).
pub fn open_or_join(ctx: Ctx, nav: NavCtx, id: ConversationId) {
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
