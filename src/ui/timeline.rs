//! The chat timeline: every loaded message stays in the session, but only the rows near the
//! viewport are in the DOM (see [`crate::core::viewport`]); spacers above and below stand in
//! for the rest. Rows are measured after they render and the measurements replace the
//! estimates, and the row at the top of the viewport is kept in place whenever rows above it
//! are added or re-measured.

use std::collections::HashMap;

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{ConversationId, ConversationKind, MessageId};

use super::ctx::Ctx;
use super::message::{format_time, MessageView};
use crate::core::color::participant_color;
use crate::core::session::{Delivery, Session, TimelineItem};
use crate::core::timeline::{self as tl, Line, Seen};
use crate::core::typing::typing_text;
use crate::core::viewport::{at_bottom, Layout};

/// Rows in the DOM at most, whatever the history length.
const MAX_ROWS: usize = 200;
/// Rows rendered beyond each edge of the viewport, so fast scrolling rarely shows a gap.
const OVERSCAN_PX: f64 = 700.0;
/// Older messages are fetched when the viewport's top is this close to the list's top.
const LOAD_OLDER_PX: f64 = 1_000.0;
const BOTTOM_SLACK_PX: f64 = 40.0;

#[derive(Clone, Debug, PartialEq)]
enum RowKind {
    Day(String),
    NewMessages,
    System {
        id: Option<MessageId>,
        text: String,
        at: i64,
    },
    Message {
        item: Box<TimelineItem>,
        name: String,
        color: String,
        read_by: Option<(String, String)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    /// Stable across re-renders of the same row: the key of its measured height.
    key: String,
    /// Changes whenever the row must be rendered again.
    render: String,
    estimate: f64,
    kind: RowKind,
}

/// The local day of a timestamp, in the zone in force at that instant.
fn day_of(ms: i64) -> i64 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let offset = date.get_timezone_offset();
    tl::local_day(ms, if offset.is_finite() { offset as i64 } else { 0 })
}

fn build_rows(s: &Session, c: ConversationId) -> Vec<Row> {
    let items = s.timeline(c);
    let Some(conv) = s.state.conversations.get(&c) else {
        return Vec::new();
    };
    let me = s.state.me_id().unwrap_or_default();
    let group = conv.kind != ConversationKind::Direct;
    let divider = tl::first_unread(
        items.iter().map(|i| Seen {
            id: i.message_id,
            from_other: !i.own,
            system: i.system.is_some(),
        }),
        s.open_mark(c),
    );
    let days: Vec<i64> = items.iter().map(|i| day_of(i.created_at)).collect();
    let today = day_of(js_sys::Date::now() as i64);
    let mut items: Vec<Option<TimelineItem>> = items.into_iter().map(Some).collect();
    tl::lines(&days, divider)
        .into_iter()
        .filter_map(|line| {
            Some(match line {
                Line::Day(day) => Row {
                    key: format!("d{day}"),
                    render: format!("d{day}-{today}"),
                    estimate: 40.0,
                    kind: RowKind::Day(tl::day_label(day, today)),
                },
                Line::NewMessages => Row {
                    key: "new".into(),
                    render: "new".into(),
                    estimate: 36.0,
                    kind: RowKind::NewMessages,
                },
                Line::Item(i) => {
                    let item = items.get_mut(i)?.take()?;
                    let stable = match (&item.message_id, &item.client_id) {
                        (Some(id), _) => format!("m{id}"),
                        (None, Some(cid)) => format!("p{cid}"),
                        (None, None) => item.key.clone(),
                    };
                    if let Some(event) = &item.system {
                        let text = tl::system_text(event, |u| s.state.display_name(u));
                        Row {
                            render: format!("{stable}-{text}"),
                            key: stable,
                            estimate: 32.0,
                            kind: RowKind::System {
                                id: item.message_id,
                                text,
                                at: item.created_at,
                            },
                        }
                    } else {
                        let name = s.state.display_name(item.sender_id);
                        let read_by = item.message_id.filter(|_| group && item.own).map(|id| {
                            let r = tl::receipt(conv, id, me);
                            let names: Vec<String> = r
                                .unread_by
                                .iter()
                                .map(|u| s.state.display_name(*u))
                                .collect();
                            (tl::read_by_label(&r), tl::unread_by_label(&names))
                        });
                        let lines = 1 + item.text.len() / 60 + item.text.matches('\n').count();
                        Row {
                            render: format!(
                                "{}|{name}|{}",
                                item.key,
                                read_by.as_ref().map(|r| r.1.as_str()).unwrap_or("")
                            ),
                            key: stable,
                            estimate: 46.0
                                + 20.0 * lines as f64
                                + if item.own { 16.0 } else { 0.0 },
                            kind: RowKind::Message {
                                color: participant_color(item.sender_id),
                                item: Box::new(item),
                                name,
                                read_by,
                            },
                        }
                    }
                }
            })
        })
        .collect()
}

fn render_row(row: Row, retry: Callback<String>) -> AnyView {
    match row.kind {
        RowKind::Day(label) => view! {
            <li class="mw-tl-day" data-testid="day-separator" role="separator">
                <span>{label}</span>
            </li>
        }
        .into_any(),
        RowKind::NewMessages => view! {
            <li class="mw-tl-new" data-testid="new-messages-divider" role="separator">
                <span>"New messages"</span>
            </li>
        }
        .into_any(),
        RowKind::System { id, text, at } => {
            let (iso, short) = format_time(at);
            view! {
                <li
                    class="mw-tl-system"
                    data-testid="system-line"
                    data-message-id=id.map(|id| id.to_string())
                >
                    <span>{text}</span>
                    " · "
                    <time datetime=iso>{short}</time>
                </li>
            }
            .into_any()
        }
        RowKind::Message {
            item,
            name,
            color,
            read_by,
        } => view! {
            <MessageView item=*item sender_name=name color on_retry=retry read_by=read_by />
        }
        .into_any(),
    }
}

/// Whole pixels: formatting an `f64` would pull float printing into the bundle.
fn spacer(height: f64) -> String {
    format!("height:{}px", height.round() as i64)
}

/// Reads the heights of the rendered rows into `heights`; true when one changed. The list's
/// children are the visible rows in order (checked by count and message id).
fn measure(
    list: &web_sys::HtmlElement,
    visible: &[Row],
    heights: &mut HashMap<String, f64>,
) -> bool {
    let children = list.children();
    if children.length() as usize != visible.len() {
        return false;
    }
    let mut changed = false;
    for (i, row) in visible.iter().enumerate() {
        let Some(el) = children.item(i as u32) else {
            return changed;
        };
        if let RowKind::Message { item, .. } = &row.kind {
            let id = el.get_attribute("data-message-id");
            if id != item.message_id.map(|id| id.to_string()) {
                return changed; // the DOM is not this list yet
            }
        }
        let h = el.get_bounding_client_rect().height();
        if h.is_finite()
            && heights
                .get(&row.key)
                .is_none_or(|old| (old - h).abs() > 0.25)
        {
            heights.insert(row.key.clone(), h);
            changed = true;
        }
    }
    changed
}

#[component]
pub fn Timeline() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let scroller = NodeRef::<html::Div>::new();
    let list = NodeRef::<html::Ol>::new();

    let rows = Memo::new(move |_| {
        let Some(c) = ctx.selected.get() else {
            return Vec::new();
        };
        ctx.session.with(|s| build_rows(s, c))
    });
    let heights = StoredValue::new(HashMap::<String, f64>::new());
    let measured = RwSignal::new(0u64);
    let layout = Memo::new(move |_| {
        measured.track();
        rows.with(|rows| {
            heights.with_value(|h| {
                Layout::new(
                    rows.iter()
                        .map(|r| h.get(&r.key).copied().unwrap_or(r.estimate)),
                )
            })
        })
    });
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(800.0f64);
    let window = Memo::new(move |_| {
        layout.with(|l| l.window(scroll_top.get(), viewport.get(), OVERSCAN_PX, MAX_ROWS))
    });
    let visible = Memo::new(move |_| {
        let w = window.get();
        rows.with(|r| {
            r.get(w.start..w.end)
                .map(<[Row]>::to_vec)
                .unwrap_or_default()
        })
    });

    // Whether the view follows the newest message; else the row kept in place.
    let stick = RwSignal::new(true);
    let anchor = StoredValue::new(None::<(String, f64)>);
    // The newest message when the user scrolled away from the bottom.
    let left_at = RwSignal::new(None::<MessageId>);

    let loaded = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session.with(|s| {
            c.and_then(|c| s.state.conversations.get(&c))
                .map_or(0, |c| c.messages.len())
        })
    });
    let can_load_older = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session.with(|s| {
            c.and_then(|c| s.state.conversations.get(&c))
                .is_some_and(|c| c.has_more == Some(true))
        })
    });
    let loading = Memo::new(move |_| {
        let c = ctx.selected.get();
        ctx.session
            .with(|s| c.is_some_and(|c| s.is_loading_history(c)))
    });
    let load_older = move || {
        let Some(c) = ctx.selected.get_untracked() else {
            return;
        };
        let ready = ctx.session.with_untracked(|s| {
            !s.is_loading_history(c)
                && s.state
                    .conversations
                    .get(&c)
                    .is_some_and(|c| c.has_more == Some(true))
        });
        if ready {
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

    // Puts the scroll position where it belongs for the layout the DOM shows now.
    let place = move || {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let target = if stick.get_untracked() {
            Some(f64::from(el.scroll_height()))
        } else {
            anchor.get_value().and_then(|(key, offset)| {
                let i = rows.with_untracked(|r| r.iter().position(|r| r.key == key))?;
                Some(layout.with_untracked(|l| l.top(i)) + offset)
            })
        };
        if let Some(target) = target {
            if (f64::from(el.scroll_top()) - target).abs() >= 1.0 {
                el.set_scroll_top(target.round() as i32);
            }
        }
        let top = f64::from(el.scroll_top());
        if scroll_top.get_untracked() != top {
            scroll_top.set(top);
        }
        if top < LOAD_OLDER_PX {
            load_older();
        }
    };
    // After every render: position, then measure what rendered; a changed height moves
    // the rows below it, so position again once the DOM shows the new layout.
    let settle = move || {
        place();
        let (Some(ol), Some(el)) = (list.get_untracked(), scroller.get_untracked()) else {
            return;
        };
        let vh = f64::from(el.client_height());
        if vh > 0.0 && viewport.get_untracked() != vh {
            viewport.set(vh);
        }
        let changed = visible.with_untracked(|v| heights.try_update_value(|h| measure(&ol, v, h)));
        if changed == Some(true) {
            measured.update(|n| *n += 1);
            leptos::task::spawn_local(async move { place() });
        }
    };
    Effect::new(move |_| {
        visible.track();
        window.track();
        request_animation_frame(settle);
    });

    // A newly opened conversation starts at its newest message.
    Effect::new(move |_| {
        ctx.selected.track();
        stick.set(true);
        left_at.set(None);
        anchor.set_value(None);
    });
    // Sending follows the message down, wherever the user was.
    let newest_own_pending = Memo::new(move |_| {
        rows.with(|r| match r.last().map(|r| &r.kind) {
            Some(RowKind::Message { item, .. }) if item.delivery == Delivery::Pending => {
                item.client_id.clone()
            }
            _ => None,
        })
    });
    Effect::new(move |_| {
        if newest_own_pending.get().is_some() {
            stick.set(true);
        }
    });

    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let top = f64::from(el.scroll_top());
        let vh = f64::from(el.client_height());
        scroll_top.set(top);
        if vh > 0.0 && viewport.get_untracked() != vh {
            viewport.set(vh);
        }
        let bottom = at_bottom(top, vh, f64::from(el.scroll_height()), BOTTOM_SLACK_PX);
        if bottom != stick.get_untracked() {
            stick.set(bottom);
            let newest = if bottom {
                None
            } else {
                ctx.selected.get_untracked().and_then(|c| {
                    ctx.session.with_untracked(|s| {
                        s.state
                            .conversations
                            .get(&c)
                            .and_then(|c| c.newest_loaded())
                    })
                })
            };
            left_at.set(newest);
        }
        let a = layout
            .with_untracked(|l| l.anchor(top))
            .and_then(|(i, offset)| {
                rows.with_untracked(|r| r.get(i).map(|r| (r.key.clone(), offset)))
            });
        anchor.set_value(a);
        if top < LOAD_OLDER_PX {
            load_older();
        }
    };

    let arrived = Memo::new(move |_| {
        let Some(since) = left_at.get() else {
            return 0;
        };
        rows.with(|r| {
            r.iter()
                .rev()
                .filter_map(|row| match &row.kind {
                    RowKind::Message { item, .. } => Some(item),
                    _ => None,
                })
                .take_while(|item| item.message_id.is_none_or(|id| id > since))
                .filter(|item| !item.own)
                .count()
        })
    });
    let jump = move |_| {
        stick.set(true);
        left_at.set(None);
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };

    // Typing: re-read when the earliest indicator runs out.
    let tick = RwSignal::new(0u32);
    let typing = Memo::new(move |_| {
        tick.track();
        let c = ctx.selected.get()?;
        let now = js_sys::Date::now() as i64;
        ctx.session.with(|s| {
            let names: Vec<String> = s
                .typing
                .typists(c, now)
                .into_iter()
                .map(|u| s.state.display_name(u))
                .collect();
            typing_text(&names)
        })
    });
    Effect::new(move |_| {
        tick.track();
        let now = js_sys::Date::now() as i64;
        let next = ctx
            .selected
            .get()
            .and_then(|c| ctx.session.with(|s| s.typing.next_expiry(c, now)));
        if let Some(at) = next {
            set_timeout(
                move || {
                    let _ = tick.try_update(|t| *t = t.wrapping_add(1));
                },
                std::time::Duration::from_millis(
                    at.saturating_sub(now).clamp(0, 10_000) as u64 + 20,
                ),
            );
        }
    });

    view! {
        <div class="mw-timeline">
            <div
                class="mw-messages mw-tl-scroll"
                data-testid="timeline"
                data-loaded=move || loaded.get()
                node_ref=scroller
                on:scroll=on_scroll
            >
                <div class="mw-tl-spacer" style=move || spacer(window.get().top)></div>
                <ol class="mw-message-list mw-tl-list" node_ref=list>
                    <For
                        each=move || visible.get()
                        key=|row| row.render.clone()
                        children=move |row| render_row(row, retry)
                    />
                </ol>
                <div class="mw-tl-spacer" style=move || spacer(window.get().bottom)></div>
            </div>
            <Show when=move || can_load_older.get()>
                <div class="mw-older mw-tl-older">
                    <button
                        type="button"
                        class="mw-link"
                        data-testid="load-older"
                        disabled=move || loading.get()
                        on:click=move |_| load_older()
                    >
                        {move || if loading.get() { "Loading…" } else { "Load older" }}
                    </button>
                </div>
            </Show>
            <Show when=move || !stick.get()>
                <button type="button" class="mw-tl-jump" data-testid="jump-latest" on:click=jump>
                    {move || match arrived.get() {
                        0 => "↓ Latest".to_string(),
                        1 => "↓ 1 new message".to_string(),
                        n => format!("↓ {n} new messages"),
                    }}
                </button>
            </Show>
            <div class="mw-tl-typing" data-testid="typing" aria-live="polite">
                {move || typing.get()}
            </div>
        </div>
    }
}
