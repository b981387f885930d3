//! The chat timeline: every loaded message stays in the session, but only the rows near the
//! viewport are in the DOM (see [`crate::core::viewport`]); spacers above and below stand in
//! for the rest. Rows are measured after they render and the measurements replace the
//! estimates, and the row at the top of the viewport is kept in place whenever rows above it
//! are added or re-measured.
//!
//! Size matters here: every closure passed to `with`, `Memo::new` or `Effect::new` is a new
//! copy of generic reactive code in the bundle. So the memos hold `Arc`s read with `get`,
//! session reads go through a few plain functions, and the non-reactive state sits in one
//! `RefCell`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{ConversationId, ConversationKind, MessageId};

use super::ctx::Ctx;
use super::message::{format_time, MessageView};
use crate::core::color::participant_color;
use crate::core::session::{Delivery, Session, TimelineItem};
use crate::core::timeline::{self as tl, Line, Seen};
use crate::core::typing::typing_text;
use crate::core::viewport::{at_bottom, Layout, Window};

/// Rows in the DOM at most, whatever the history length.
const MAX_ROWS: usize = 200;
/// Rows rendered beyond each edge of the viewport, so fast scrolling rarely shows a gap.
const OVERSCAN_PX: f64 = 700.0;
/// Older messages are fetched when the viewport's top is this close to the list's top.
const LOAD_OLDER_PX: f64 = 1_000.0;
const BOTTOM_SLACK_PX: f64 = 40.0;

#[derive(Clone)]
enum RowKind {
    /// A centred line: day separator, "New messages" divider or system line.
    Line {
        class: &'static str,
        testid: &'static str,
        text: String,
        id: Option<MessageId>,
        at: Option<i64>,
    },
    Message {
        item: Box<TimelineItem>,
        name: String,
        color: String,
        read_by: Option<(String, String)>,
    },
}

#[derive(Clone)]
struct Row {
    /// Stable across re-renders of the same row: the key of its measured height.
    key: i64,
    /// Changes whenever the row must be rendered again.
    render: String,
    estimate: f64,
    kind: RowKind,
}

/// `render` says everything the row shows, so comparing it is enough (and much less code
/// than comparing every field).
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.key == other.key && self.render == other.render
    }
}

/// What the view remembers between renders without re-rendering for it.
#[derive(Default)]
struct Cache {
    /// Measured row heights in quarter pixels, by row key.
    heights: BTreeMap<i64, i64>,
    /// The row at the viewport's top and how far below its top the viewport starts.
    anchor: Option<(i64, f64)>,
    /// The layout the scroll position was last put in place for.
    placed: Option<Arc<Layout>>,
}

/// The local day of a timestamp, in the zone in force at that instant.
fn day_of(ms: i64) -> i64 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let offset = date.get_timezone_offset();
    tl::local_day(ms, if offset.is_finite() { offset as i64 } else { 0 })
}

/// Row keys: message ids are positive; local echoes, days and the divider get negatives.
fn echo_key(client_id: &str) -> i64 {
    let h = client_id
        .bytes()
        .fold(0i64, |h, b| h.wrapping_mul(31).wrapping_add(i64::from(b)));
    i64::MIN / 2 + h.rem_euclid(1 << 40)
}

fn line(key: i64, class: &'static str, testid: &'static str, text: String) -> Row {
    Row {
        render: format!("{key}{text}"),
        key,
        estimate: 36.0,
        kind: RowKind::Line {
            class,
            testid,
            text,
            id: None,
            at: None,
        },
    }
}

fn system_line(key: i64, item: &TimelineItem, text: String) -> Row {
    let mut row = line(key, "mw-tl-system", "system-line", text);
    if let RowKind::Line { id, at, .. } = &mut row.kind {
        *id = item.message_id;
        *at = Some(item.created_at);
    }
    row
}

fn build_rows(s: &Session, c: ConversationId) -> Vec<Row> {
    let Some(conv) = s.state.conversations.get(&c) else {
        return Vec::new();
    };
    let items = s.timeline(c);
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
    let mut rows = Vec::with_capacity(items.len() + 8);
    for entry in tl::lines(&days, divider) {
        let row = match entry {
            Line::Day(day) => line(
                -10 - day.rem_euclid(1 << 30),
                "mw-tl-day",
                "day-separator",
                tl::day_label(day, today),
            ),
            Line::NewMessages => line(
                -1,
                "mw-tl-new",
                "new-messages-divider",
                "New messages".into(),
            ),
            Line::Item(i) => {
                let Some(item) = items.get_mut(i).and_then(Option::take) else {
                    continue;
                };
                let key = match (&item.message_id, &item.client_id) {
                    (Some(id), _) => *id,
                    (None, Some(cid)) => echo_key(cid),
                    (None, None) => 0,
                };
                if let Some(event) = &item.system {
                    let text = tl::system_text(event, |u| s.state.display_name(u));
                    system_line(key, &item, text)
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
                            "{}|{name}|{}|{}|{}",
                            item.key,
                            read_by.as_ref().map_or("", |r| r.0.as_str()),
                            read_by.as_ref().map_or("", |r| r.1.as_str()),
                            item.error.as_deref().unwrap_or("")
                        ),
                        key,
                        estimate: 46.0 + 20.0 * lines as f64 + if item.own { 16.0 } else { 0.0 },
                        kind: RowKind::Message {
                            color: participant_color(item.sender_id),
                            item: Box::new(item),
                            name,
                            read_by,
                        },
                    }
                }
            }
        };
        rows.push(row);
    }
    rows
}

fn render_row(row: Row, retry: Callback<String>) -> impl IntoView {
    match row.kind {
        RowKind::Line {
            class,
            testid,
            text,
            id,
            at,
        } => Either::Left(view! {
            <li class=class data-testid=testid data-message-id=id.map(|id| id.to_string())>
                <span>{text}</span>
                {at.map(|at| {
                    let (iso, short) = format_time(at);
                    view! { <time datetime=iso>{short}</time> }
                })}
            </li>
        }),
        RowKind::Message {
            item,
            name,
            color,
            read_by,
        } => Either::Right(view! {
            <MessageView item=*item sender_name=name color on_retry=retry read_by=read_by />
        }),
    }
}

/// Reads the heights of the rendered rows into the cache; true when one changed. The list's
/// children are the shown rows in order (checked by count and message id).
fn measure(list: &web_sys::HtmlElement, shown: &[Row], cache: &mut Cache) -> bool {
    let children = list.children();
    if children.length() as usize != shown.len() {
        return false;
    }
    let mut changed = false;
    for (i, row) in shown.iter().enumerate() {
        let Some(el) = children.item(i as u32) else {
            break;
        };
        if let RowKind::Message { item, .. } = &row.kind {
            if el.get_attribute("data-message-id") != item.message_id.map(|id| id.to_string()) {
                break; // the DOM does not show this list yet
            }
        }
        let h = el.get_bounding_client_rect().height();
        if !h.is_finite() {
            continue;
        }
        let quarters = (h * 4.0).round() as i64;
        if cache.heights.get(&row.key) != Some(&quarters) {
            cache.heights.insert(row.key, quarters);
            changed = true;
        }
    }
    changed
}

/// The list's padding stands in for the rows above and below the window. Whole pixels,
/// since formatting an `f64` would bring float printing into the bundle.
fn padding(w: Window) -> String {
    format!(
        "padding-top:{}px;padding-bottom:{}px",
        w.top.round() as i64,
        w.bottom.round() as i64
    )
}

/// The rows of `window`.
fn shown(rows: &[Row], w: Window) -> &[Row] {
    rows.get(w.start..w.end).unwrap_or_default()
}

/// `(older messages exist, a page is loading)` for the open conversation.
fn paging(ctx: Ctx) -> (bool, bool) {
    let c = ctx.selected.get();
    ctx.session.with(|s| {
        let more = c
            .and_then(|c| s.state.conversations.get(&c))
            .is_some_and(|c| c.has_more == Some(true));
        (more, c.is_some_and(|c| s.is_loading_history(c)))
    })
}

/// "Bob is typing…" for the open conversation. While one shows, `tick` is bumped when the
/// earliest indicator runs out, so the text is read again then.
fn typing(ctx: Ctx, tick: RwSignal<u64>) -> Option<String> {
    tick.track();
    let c = ctx.selected.get()?;
    let now = js_sys::Date::now() as i64;
    let (text, next) = ctx.session.with(|s| {
        let names: Vec<String> = s
            .typing
            .typists(c, now)
            .into_iter()
            .map(|u| s.state.display_name(u))
            .collect();
        (typing_text(&names), s.typing.next_expiry(c, now))
    });
    if let Some(at) = next {
        let wait = at.saturating_sub(now).clamp(0, 10_000) as u64 + 20;
        set_timeout(
            move || {
                let _ = tick.try_update(|t| *t += 1);
            },
            std::time::Duration::from_millis(wait),
        );
    }
    text
}

/// The newest message's id, and the client id of the newest row if it is an own message
/// still on its way.
fn newest(rows: &[Row]) -> (Option<MessageId>, Option<String>) {
    let id = rows.iter().rev().find_map(|r| match &r.kind {
        RowKind::Message { item, .. } => item.message_id,
        _ => None,
    });
    let pending = match rows.last().map(|r| &r.kind) {
        Some(RowKind::Message { item, .. }) if item.delivery == Delivery::Pending => {
            item.client_id.clone()
        }
        _ => None,
    };
    (id, pending)
}

/// Messages from others after `since`.
fn arrived_since(rows: &[Row], since: MessageId) -> usize {
    rows.iter()
        .rev()
        .filter_map(|row| match &row.kind {
            RowKind::Message { item, .. } => Some(item),
            _ => None,
        })
        .take_while(|item| item.message_id.is_none_or(|id| id > since))
        .filter(|item| !item.own)
        .count()
}

#[component]
pub fn Timeline() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let scroller = NodeRef::<html::Div>::new();
    let list = NodeRef::<html::Ol>::new();

    let rows = Memo::new(move |_| {
        let c = ctx.selected.get();
        Arc::new(
            ctx.session
                .with(|s| c.map(|c| build_rows(s, c)).unwrap_or_default()),
        )
    });
    let cache = StoredValue::new_local(Rc::new(RefCell::new(Cache::default())));
    // Bumped when a measurement changed; `tick` when a typing indicator may have run out.
    let measured = RwSignal::new(0u64);
    let tick = RwSignal::new(0u64);
    let layout = Memo::new(move |_| {
        measured.track();
        let rows = rows.get();
        let cache = cache.get_value();
        let c = cache.borrow();
        Arc::new(Layout::new(rows.iter().map(|r| {
            c.heights
                .get(&r.key)
                .map_or(r.estimate, |q| *q as f64 / 4.0)
        })))
    });
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(800.0f64);
    let window = Memo::new(move |_| {
        layout
            .get()
            .window(scroll_top.get(), viewport.get(), OVERSCAN_PX, MAX_ROWS)
    });

    // Whether the view follows the newest message (else the anchor stays put).
    let stick = RwSignal::new(true);
    // The newest message when the user scrolled away from the bottom.
    let left_at = RwSignal::new(None::<MessageId>);

    let load_older = move || {
        if let (Some(c), (true, false)) = (ctx.selected.get_untracked(), untrack(|| paging(ctx))) {
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
        let anchor = cache.get_value().borrow().anchor;
        let target = if stick.get_untracked() {
            Some(f64::from(el.scroll_height()))
        } else {
            anchor.and_then(|(key, offset)| {
                let i = rows.get_untracked().iter().position(|r| r.key == key)?;
                Some(layout.get_untracked().top(i) + offset)
            })
        };
        if let Some(target) = target {
            if (f64::from(el.scroll_top()) - target).abs() >= 1.0 {
                el.set_scroll_top(target.round() as i32);
            }
        }
        cache.get_value().borrow_mut().placed = Some(layout.get_untracked());
        let top = f64::from(el.scroll_top());
        let vh = f64::from(el.client_height());
        if scroll_top.get_untracked() != top {
            scroll_top.set(top);
        }
        if vh > 0.0 && viewport.get_untracked() != vh {
            viewport.set(vh);
        }
        if top < LOAD_OLDER_PX {
            load_older();
        }
    };
    // After every render: position, then measure what rendered. A changed height moves the
    // rows below it, so position again once the DOM shows the new layout (a task queued now
    // runs after the render effects the change schedules, before the next paint).
    let settle = move || {
        place();
        let Some(ol) = list.get_untracked() else {
            return;
        };
        let rows = rows.get_untracked();
        let shown = shown(&rows, window.get_untracked());
        let changed = measure(&ol, shown, &mut cache.get_value().borrow_mut());
        if changed {
            measured.update(|n| *n += 1);
            leptos::task::spawn_local(async move { place() });
        }
    };
    // Also: a newly opened conversation starts at its newest message, and sending follows
    // the message down wherever the user was.
    Effect::new(
        move |prev: Option<(Option<ConversationId>, Option<String>)>| {
            window.track();
            let open = ctx.selected.get();
            let (_, pending) = newest(&rows.get());
            let (was_open, was_pending) = prev.unwrap_or_default();
            if was_open != open || (pending.is_some() && pending != was_pending) {
                stick.set(true);
                if was_open != open {
                    left_at.set(None);
                    cache.get_value().borrow_mut().anchor = None;
                }
            }
            request_animation_frame(settle);
            (open, pending)
        },
    );

    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        // A scroll event queued before the rows changed (our own correction, say) arrives
        // after they rendered: its position is stale, so put the anchor back first.
        let current = layout.get_untracked();
        let stale = cache
            .get_value()
            .borrow()
            .placed
            .as_ref()
            .is_none_or(|p| !Arc::ptr_eq(p, &current));
        if stale {
            place();
        }
        let top = f64::from(el.scroll_top());
        let vh = f64::from(el.client_height());
        scroll_top.set(top);
        let rows = rows.get_untracked();
        let bottom = at_bottom(top, vh, f64::from(el.scroll_height()), BOTTOM_SLACK_PX);
        if bottom != stick.get_untracked() {
            stick.set(bottom);
            left_at.set(if bottom { None } else { newest(&rows).0 });
        }
        let anchor = current
            .anchor(top)
            .and_then(|(i, offset)| rows.get(i).map(|r| (r.key, offset)));
        cache.get_value().borrow_mut().anchor = anchor;
        if top < LOAD_OLDER_PX {
            load_older();
        }
    };

    let jump_label = move || {
        let arrived = left_at
            .get()
            .map_or(0, |since| arrived_since(&rows.get(), since));
        match arrived {
            0 => "↓ Latest".to_string(),
            1 => "↓ 1 new message".to_string(),
            n => format!("↓ {n} new messages"),
        }
    };
    let jump = move |_| {
        stick.set(true);
        left_at.set(None);
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };

    // Elements hidden rather than `Show`n, and text rather than optional views: each kind of
    // reactive view is more generic code in the bundle.
    view! {
        <div class="mw-timeline">
            <div
                class="mw-messages mw-tl-scroll"
                data-testid="timeline"
                data-rows=move || rows.get().len().to_string()
                node_ref=scroller
                on:scroll=on_scroll
            >
                <ol
                    class="mw-message-list mw-tl-list"
                    style=move || padding(window.get())
                    node_ref=list
                >
                    <For
                        each=move || shown(&rows.get(), window.get()).to_vec()
                        key=|row| row.render.clone()
                        children=move |row| render_row(row, retry)
                    />
                </ol>
            </div>
            <div class="mw-older mw-tl-older" hidden=move || !paging(ctx).0>
                <button
                    type="button"
                    class="mw-link"
                    data-testid="load-older"
                    disabled=move || paging(ctx).1
                    on:click=move |_| load_older()
                >
                    {move || if paging(ctx).1 { "Loading…" } else { "Load older" }}
                </button>
            </div>
            <button
                type="button"
                class="mw-tl-jump"
                data-testid="jump-latest"
                hidden=move || stick.get()
                on:click=jump
            >
                {jump_label}
            </button>
            <div class="mw-tl-typing" data-testid="typing" aria-live="polite">
                {move || typing(ctx, tick).unwrap_or_default()}
            </div>
        </div>
    }
}
