//! The chat timeline: every loaded message stays in the session, but only the rows near the
//! viewport are in the DOM (see [`crate::core::viewport`]); the list's padding stands in for
//! the rest. Rows are measured after they render and the measurements replace the
//! estimates, and the row at the top of the viewport is kept in place whenever rows above it
//! are added or re-measured.
//!
//! Work per change is split by cost: the layout of the whole history
//! ([`Session::timeline_entries`], [`layout_rows`]) copies no text and runs on every change;
//! rows are built in full ([`Session::timeline_item`]) only for the window on screen.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{ConversationId, ConversationKind, MessageId};

use super::ctx::Ctx;
use super::i18n::use_i18n;
use super::intl;
use super::message::{MessageView, TimeLabel, Unsent};
use crate::core::color::participant_color;
use crate::core::i18n::{Catalog, K};
use crate::core::session::{Entry, Session, TimelineItem};
use crate::core::timeline::{self as tl, layout_rows, DayName, Estimates, Line, RowMeta};
use crate::core::viewport::{at_bottom, Layout, Window};
use crate::ui::handler::handler;

mod parts;
use crate::ui::erased::{effect, memo};
use parts::{JumpToLatest, LoadOlder, TypingLine};

/// Rows in the DOM at most, whatever the history length.
const MAX_ROWS: usize = 50;
/// Rows rendered beyond each edge of the viewport, so fast scrolling rarely shows a gap.
const OVERSCAN_PX: f64 = 400.0;
/// Older messages are fetched when the viewport's top is this close to the list's top.
const LOAD_OLDER_PX: f64 = 1_000.0;
const BOTTOM_SLACK_PX: f64 = 40.0;
/// How long to wait before asking again for an older page that did not come.
const RETRY_OLDER_MS: u32 = 500;

/// A row on screen, built in full.
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
    /// The row's key in the layout: its measured height is stored under it.
    key: i64,
    meta: RowMeta,
    /// Changes whenever the row must be rendered again.
    render: String,
    kind: RowKind,
}

/// `render` says everything the row shows, so comparing it is enough.
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
    /// Heights of rows not measured yet.
    estimates: Estimates,
    /// The zone's offset (minutes, as `getTimezoneOffset`) per UTC hour: one call into
    /// JavaScript per hour of history instead of one per message and redraw. The same map
    /// type as `heights`, so its code is in the bundle once.
    offsets: BTreeMap<i64, i64>,
}

impl Cache {
    /// The local day of an instant, in the zone in force at that instant.
    fn day_of(&mut self, ms: i64) -> i64 {
        let offset = *self
            .offsets
            .entry(ms.div_euclid(3_600_000))
            .or_insert_with(|| {
                let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
                let offset = date.get_timezone_offset();
                if offset.is_finite() {
                    offset as i64
                } else {
                    0
                }
            });
        tl::local_day(ms, offset)
    }
}

fn line_row(meta: RowMeta, class: &'static str, testid: &'static str, text: String) -> Row {
    let key = meta.key;
    Row {
        render: format!("{key}{text}"),
        key,
        meta,
        kind: RowKind::Line {
            class,
            testid,
            text,
            id: None,
            at: None,
        },
    }
}

/// The row of an entry, in full: names, receipts, text.
fn item_row(
    (s, tr): (&Session, &Catalog),
    c: ConversationId,
    meta: RowMeta,
    item: TimelineItem,
) -> Row {
    let key = meta.key;
    if let Some(event) = &item.system {
        let text = tl::system_text(event, &s.state, tr);
        return Row {
            render: format!("{key}{text}"),
            key,
            meta,
            kind: RowKind::Line {
                class: "mw-tl-system",
                testid: "system-line",
                text,
                id: item.message_id,
                at: Some(item.created_at),
            },
        };
    }
    let me = s.state.me_id().unwrap_or_default();
    let conv = s.state.conversations.get(&c);
    // Read counts are for groups and channels; in an interaction the other side is a contact.
    let group =
        conv.is_some_and(|c| matches!(c.kind, ConversationKind::Group | ConversationKind::Channel));
    let name = if item.contact {
        s.state.title(c)
    } else {
        s.state.display_name(item.sender_id)
    };
    let read_by = item
        .message_id
        .filter(|_| group && item.own)
        .zip(conv)
        .map(|(id, conv)| {
            let r = tl::receipt(conv, id, me);
            let names: Vec<String> = r
                .unread_by
                .iter()
                .map(|u| s.state.display_name(*u))
                .collect();
            (tl::read_by_label(&r, tr), tl::unread_by_label(&names, tr))
        });
    Row {
        // With the language: a message's own words (state, "Important") follow it.
        render: format!(
            "{}|{}|{name}|{}|{}|{}",
            item.key,
            tr.locale.code(),
            read_by.as_ref().map_or("", |r| r.0.as_str()),
            read_by.as_ref().map_or("", |r| r.1.as_str()),
            item.error.as_deref().unwrap_or("")
        ),
        key,
        meta,
        kind: RowKind::Message {
            color: participant_color(item.sender_id),
            item: Box::new(item),
            name,
            read_by,
        },
    }
}

/// A day separator's words, in the interface language.
fn day_text(tr: &Catalog, day: i64, today: i64) -> String {
    match tl::day_name(day, today) {
        DayName::Today => tr.t(K::DayToday),
        DayName::Yesterday => tr.t(K::DayYesterday),
        DayName::ThisYear => intl::day(tr.locale, day, true),
        DayName::WithYear => intl::day(tr.locale, day, false),
    }
}

/// The rows of `window` in full.
fn build_shown(
    (s, tr): (&Session, &Catalog),
    c: ConversationId,
    entries: &[Entry],
    rows: &[RowMeta],
    w: Window,
    today: i64,
) -> Vec<Row> {
    rows.get(w.start..w.end)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| match r.line {
            Line::Day(day) => Some(line_row(
                *r,
                "mw-tl-day",
                "day-separator",
                day_text(tr, day, today),
            )),
            Line::NewMessages => Some(line_row(
                *r,
                "mw-tl-new",
                "new-messages-divider",
                tr.t(K::TimelineNewMessages),
            )),
            Line::Item(i) => {
                let item = s.timeline_item(c, entries.get(i)?.at)?;
                Some(item_row((s, tr), c, *r, item))
            }
        })
        .collect()
}

fn render_row(row: Row, retry: Callback<(String, Unsent)>) -> AnyView {
    match row.kind {
        RowKind::Line {
            class,
            testid,
            text,
            id,
            at,
        } => view! {
            <li class=class data-testid=testid data-message-id=id.map(|id| id.to_string())>
                <span>{text}</span>
                {at.map(|at| view! { <TimeLabel at=at /> })}
            </li>
        }
        .into_any(),
        RowKind::Message {
            item,
            name,
            color,
            read_by,
        } => view! {
            <MessageView item=*item sender_name=name color on_unsent=retry read_by=read_by />
        }
        .into_any(),
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
        cache.estimates.measured(&row.meta, h);
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
fn px(length: f64) -> String {
    format!("{}px", length.round() as i64)
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

/// The newest message's id, and the key of the newest entry if it is an own message still
/// on its way.
fn newest(entries: &[Entry]) -> (Option<MessageId>, Option<i64>) {
    let id = entries.iter().rev().find_map(|e| e.message_id);
    let pending = entries
        .last()
        .filter(|e| e.message_id.is_none())
        .map(|e| e.key);
    (id, pending)
}

/// Messages from others after `since`.
fn arrived_since(entries: &[Entry], since: MessageId) -> usize {
    entries
        .iter()
        .rev()
        .take_while(|e| e.message_id.is_none_or(|id| id > since))
        .filter(|e| !e.own)
        .count()
}

/// What the timeline derives from the session: the layout of the whole history and the
/// rows on screen.
#[derive(Clone, Copy)]
struct Model {
    entries: Memo<Arc<Vec<Entry>>>,
    rows: Memo<Arc<Vec<RowMeta>>>,
    layout: Memo<Arc<Layout>>,
    window: Memo<Window>,
    shown: Memo<Vec<Row>>,
    /// Bumped when a measurement changed.
    measured: RwSignal<u64>,
    scroll_top: RwSignal<f64>,
    viewport: RwSignal<f64>,
    cache: StoredValue<Rc<RefCell<Cache>>, LocalStorage>,
}

impl Model {
    fn new(ctx: Ctx) -> Model {
        let i18n = use_i18n();
        let cache = StoredValue::new_local(Rc::new(RefCell::new(Cache::default())));
        let entries = memo(move |_| {
            let c = ctx.selected.get();
            Arc::new(
                ctx.session
                    .with(|s| c.map(|c| s.timeline_entries(c)).unwrap_or_default()),
            )
        });
        let rows = memo(move |_| {
            let entries = entries.get();
            let mark = ctx
                .selected
                .get()
                .map(|c| ctx.session.with(|s| s.open_mark(c)));
            let cache = cache.get_value();
            let mut cache = cache.borrow_mut();
            Arc::new(layout_rows(&entries, mark.unwrap_or_default(), |ms| {
                cache.day_of(ms)
            }))
        });
        let measured = RwSignal::new(0u64);
        let layout = memo(move |_| {
            measured.track();
            let rows = rows.get();
            let cache = cache.get_value();
            let c = cache.borrow();
            Arc::new(Layout::new(rows.iter().map(|r| {
                c.heights
                    .get(&r.key)
                    .map_or_else(|| c.estimates.height(r), |q| *q as f64 / 4.0)
            })))
        });
        let scroll_top = RwSignal::new(0.0f64);
        let viewport = RwSignal::new(800.0f64);
        let window = memo(move |_| {
            layout
                .get()
                .window(scroll_top.get(), viewport.get(), OVERSCAN_PX, MAX_ROWS)
        });
        let shown = memo(move |_| {
            let (Some(c), entries, rows, w) =
                (ctx.selected.get(), entries.get(), rows.get(), window.get())
            else {
                return Vec::new();
            };
            let today = cache
                .get_value()
                .borrow_mut()
                .day_of(js_sys::Date::now() as i64);
            i18n.with(|tr| {
                ctx.session
                    .with(|s| build_shown((s, tr), c, &entries, &rows, w, today))
            })
        });
        Model {
            entries,
            rows,
            layout,
            window,
            shown,
            measured,
            scroll_top,
            viewport,
            cache,
        }
    }
}

/// Keeps the view where the reader expects it: at the newest message while they follow it,
/// else on the row they were reading while rows above it change; pages back near the top.
#[derive(Clone, Copy)]
struct Scroll {
    ctx: Ctx,
    model: Model,
    /// Whether the view follows the newest message (else the anchor stays put).
    stick: RwSignal<bool>,
    /// The newest message when the user scrolled away from the bottom.
    left_at: RwSignal<Option<MessageId>>,
    scroller: NodeRef<html::Div>,
    list: NodeRef<html::Ol>,
}

impl Scroll {
    /// Whether the reader moved the view up since the position was last read. The browser
    /// also lowers the position when the list gets shorter, but then only down to the end of
    /// the list: a position above the end is the reader's.
    fn reader_scrolled_up(self, el: &web_sys::HtmlElement) -> bool {
        let m = self.model;
        let top = el.scroll_top();
        f64::from(top) < m.scroll_top.get_untracked() - 1.0
            && top + el.client_height() < el.scroll_height() - 1
    }

    /// Records the position as read.
    fn remember(self, el: &web_sys::HtmlElement) {
        let m = self.model;
        let top = f64::from(el.scroll_top());
        if m.scroll_top.get_untracked() != top {
            m.scroll_top.set(top);
        }
    }

    /// The row the view holds still while rows change: the first one in view whose height
    /// is known. A row that only now renders (a jump further than the overscan) still has
    /// an estimated height; holding it would let the rows the reader was looking at move
    /// by the estimate's error once it is measured.
    fn anchor_at(self, top: f64, viewport: f64) -> Option<(i64, f64)> {
        let m = self.model;
        let layout = m.layout.get_untracked();
        let (first, _) = layout.anchor(top)?;
        let cache = m.cache.get_value();
        let cache = cache.borrow();
        m.rows.with_untracked(|rows| {
            let key_at = |i: usize| rows.get(i).map(|r| r.key);
            let measured = (first..rows.len())
                .take_while(|&i| layout.top(i) < top + viewport)
                .find(|&i| key_at(i).is_some_and(|k| cache.heights.contains_key(&k)))
                .unwrap_or(first);
            key_at(measured).map(|k| (k, top - layout.top(measured)))
        })
    }

    fn load_older(self) {
        let ctx = self.ctx;
        if let (Some(c), (true, false)) = (ctx.selected.get_untracked(), untrack(|| paging(ctx))) {
            let frame = ctx.session.try_update(|s| s.load_older(c)).flatten();
            ctx.send(frame);
        }
    }

    /// Puts the scroll position where it belongs for the layout the DOM shows now: at the
    /// bottom while following the newest message, else on the anchor row; plus whatever the
    /// user scrolled since the position was last read, so their scroll is never undone.
    fn place(self) {
        // Also run from a queued task or frame, which may come after the timeline is gone
        // (the chat closed): then there is nothing to place.
        let Some(el) = self.scroller.try_get_untracked().flatten() else {
            return;
        };
        let m = self.model;
        let moved = f64::from(el.scroll_top()) - m.scroll_top.get_untracked();
        let shown_bottom = at_bottom(
            f64::from(el.scroll_top()),
            f64::from(el.client_height()),
            f64::from(el.scroll_height()),
            BOTTOM_SLACK_PX,
        );
        if self.stick.get_untracked() && self.reader_scrolled_up(&el) && !shown_bottom {
            // The reader scrolls up (its scroll event is still on its way): stop following.
            self.stick.set(false);
            self.left_at.set(newest(&m.entries.get_untracked()).0);
        }
        // Following: the bottom, however the rows grew. Else the anchor row where it was,
        // moved by the reader's own scroll.
        let anchor = m.cache.get_value().borrow().anchor;
        let target = if self.stick.get_untracked() {
            Some(f64::from(el.scroll_height() - el.client_height()))
        } else {
            anchor.and_then(|(key, offset)| {
                let i = m.rows.get_untracked().iter().position(|r| r.key == key)?;
                Some(m.layout.get_untracked().top(i) + offset + moved)
            })
        };
        if let Some(target) = target {
            if (f64::from(el.scroll_top()) - target).abs() >= 1.0 {
                el.set_scroll_top(target.round() as i32);
            }
        }
        m.cache.get_value().borrow_mut().placed = Some(m.layout.get_untracked());
        self.remember(&el);
        let top = f64::from(el.scroll_top());
        let vh = f64::from(el.client_height());
        if moved.abs() >= 1.0 && !self.stick.get_untracked() {
            // The reader's scroll is taken in here, before its scroll event: hold the row it
            // brought into view, or the next placing would put the old one back.
            let anchor = self.anchor_at(top, vh);
            m.cache.get_value().borrow_mut().anchor = anchor;
        }
        if vh > 0.0 && m.viewport.get_untracked() != vh {
            m.viewport.set(vh);
        }
        if top <= LOAD_OLDER_PX {
            self.load_older();
        }
    }

    /// After every render: position, then measure what rendered. A changed height moves the
    /// rows below it, so position again once the DOM shows the new layout (a task queued now
    /// runs after the render effects the change schedules, before the next paint).
    fn settle(self) {
        self.place();
        let Some(ol) = self.list.try_get_untracked().flatten() else {
            return;
        };
        let m = self.model;
        let changed = m
            .shown
            .with_untracked(|shown| measure(&ol, shown, &mut m.cache.get_value().borrow_mut()));
        if changed {
            m.measured.update(|n| *n += 1);
            leptos::task::spawn_local(async move { self.place() });
        }
    }

    fn on_scroll(self) {
        let Some(el) = self.scroller.try_get_untracked().flatten() else {
            return;
        };
        let m = self.model;
        // The rows changed since the position was last put in place (rows added above,
        // heights measured): put it in place first, keeping what the user scrolled.
        let current = m.layout.get_untracked();
        let stale = m
            .cache
            .get_value()
            .borrow()
            .placed
            .as_ref()
            .is_none_or(|p| !Arc::ptr_eq(p, &current));
        let scrolled_up = self.reader_scrolled_up(&el);
        if stale {
            self.place();
        }
        self.remember(&el);
        let top = f64::from(el.scroll_top());
        let vh = f64::from(el.client_height());
        let bottom = at_bottom(top, vh, f64::from(el.scroll_height()), BOTTOM_SLACK_PX);
        if self.stick.get_untracked() && !bottom && !scrolled_up {
            // Rows below grew as they rendered (their height was only estimated): still
            // following, so back to the newest message. Only the reader scrolling up
            // stops following.
            self.place();
        } else if bottom != self.stick.get_untracked() {
            self.stick.set(bottom);
            self.left_at.set(if bottom {
                None
            } else {
                newest(&m.entries.get_untracked()).0
            });
        }
        let top = f64::from(el.scroll_top());
        let anchor = self.anchor_at(top, vh);
        m.cache.get_value().borrow_mut().anchor = anchor;
        if top <= LOAD_OLDER_PX {
            self.load_older();
        }
    }
}

#[component]
pub fn Timeline() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let model = Model::new(ctx);
    let state = Scroll {
        ctx,
        model,
        stick: RwSignal::new(true),
        left_at: RwSignal::new(None),
        scroller: NodeRef::new(),
        list: NodeRef::new(),
    };
    let retry = Callback::new(move |(cid, act): (String, Unsent)| match act {
        Unsent::Retry => ctx.retry_message(&cid),
        Unsent::Edit => ctx.edit_message(&cid),
        Unsent::Delete => ctx.delete_message(&cid),
    });
    // A newly opened conversation starts at its newest message, and sending follows the
    // message down wherever the user was; then the rows rendered are measured.
    effect(move |prev: Option<(Option<ConversationId>, Option<i64>)>| {
        model.shown.track();
        let open = ctx.selected.get();
        let (_, pending) = newest(&model.entries.get());
        let (was_open, was_pending) = prev.unwrap_or_default();
        if was_open != open || (pending.is_some() && pending != was_pending) {
            state.stick.set(true);
            if was_open != open {
                state.left_at.set(None);
                model.cache.get_value().borrow_mut().anchor = None;
            }
        }
        request_animation_frame(move || state.settle());
        (open, pending)
    });

    // A page the server did not send (it refused it: rate limited, or the link dropped) is
    // asked for again while the reader is still at the top: nothing else would ask, since
    // the view does not move.
    let again = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    effect(move |was_loading: Option<bool>| {
        let (more, loading) = paging(ctx);
        if was_loading == Some(true) && !loading && more {
            let retry = crate::timer::after(RETRY_OLDER_MS, move || {
                let near_top = state
                    .scroller
                    .try_get_untracked()
                    .flatten()
                    .is_some_and(|el| f64::from(el.scroll_top()) <= LOAD_OLDER_PX);
                if near_top {
                    state.load_older();
                }
            });
            again.set_value(Some(retry));
        }
        loading
    });

    view! {
        <div class="mw-timeline">
            <div
                class="mw-messages mw-tl-scroll"
                data-testid="timeline"
                // Reached by Tab, so the arrow keys and Page Up scroll the history.
                tabindex="0"
                role="region"
                aria-label=crate::ui::i18n::text(K::TimelineLabel)
                data-rows=move || model.rows.with(|r| r.len().to_string())
                node_ref=state.scroller
                on:scroll=handler(move |_| state.on_scroll())
            >
                <ol
                    class="mw-message-list mw-tl-list"
                    style:padding-top=crate::ui::css(move || px(model.window.get().top))
                    style:padding-bottom=crate::ui::css(move || px(model.window.get().bottom))
                    node_ref=state.list
                >
                    <For
                        each=move || model.shown.get()
                        key=|row| row.render.clone()
                        children=move |row| render_row(row, retry)
                    />
                </ol>
            </div>
            <LoadOlder
                paging=Signal::derive(move || paging(ctx))
                on_load=Callback::new(move |()| state.load_older())
            />
            <JumpToLatest state=state />
            <TypingLine />
        </div>
    }
}
