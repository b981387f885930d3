//! Roving focus for the lists of the list column: one row is in the Tab order, the arrow
//! keys move the focus between rows (the WAI-ARIA "roving tabindex" pattern).

use crate::ui::erased::{effect, memo};
use leptos::prelude::*;
use web_sys::{HtmlElement, KeyboardEvent};

/// A row's identity in its list. Department lines of the contacts tree have their own ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    Dept(i64),
    Item(i64),
}

#[derive(Clone, Copy)]
pub struct Roving {
    /// The rows, in display order.
    order: Signal<Vec<RowKey>>,
    /// The row last focused.
    current: RwSignal<Option<RowKey>>,
    /// The row Tab reaches: the current one while listed, else the first.
    reached: Memo<Option<RowKey>>,
    /// A row the keyboard moved to, until its element took the focus.
    pending: RwSignal<Option<RowKey>>,
}

impl Roving {
    pub fn new(order: Signal<Vec<RowKey>>) -> Self {
        let current = RwSignal::new(None);
        // Once per change of the list, not once per row.
        let reached = memo(move |_| {
            let current = current.get();
            order.with(|o| match current {
                Some(c) if o.contains(&c) => Some(c),
                _ => o.first().copied(),
            })
        });
        Roving {
            order,
            current,
            reached,
            pending: RwSignal::new(None),
        }
    }

    /// `tabindex` of a row: 0 for the row Tab reaches, else -1.
    pub fn tab_index(self, key: RowKey) -> Signal<i32> {
        Signal::derive(move || {
            if self.reached.get() == Some(key) {
                0
            } else {
                -1
            }
        })
    }

    /// A row took the focus (click, Tab, arrows): Tab comes back to it.
    pub fn focused(self, key: RowKey) {
        if self.current.get_untracked() != Some(key) {
            self.current.set(Some(key));
        }
    }

    /// Moves the keyboard focus to `key`'s row.
    pub fn move_to(self, key: RowKey) {
        self.current.set(Some(key));
        self.pending.set(Some(key));
    }

    /// The first row, e.g. on ArrowDown in a search box. False for an empty list.
    pub fn to_first(self) -> bool {
        let first = self.order.with_untracked(|o| o.first().copied());
        first.map(|k| self.move_to(k)).is_some()
    }

    /// ArrowUp, ArrowDown, Home and End on row `key`. True when the focus moved: the caller
    /// then prevents the key's default (scrolling).
    pub fn arrow(self, key: RowKey, ev: &KeyboardEvent) -> bool {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return false;
        }
        self.go(key, &ev.key())
    }

    /// Moves the focus from row `key` as the named key would ("ArrowDown"...).
    pub fn go(self, key: RowKey, name: &str) -> bool {
        let target = self.order.with_untracked(|o| {
            let at = o.iter().position(|k| *k == key)?;
            let to = match name {
                "ArrowDown" => at + 1,
                "ArrowUp" => at.checked_sub(1)?,
                "Home" => 0,
                "End" => o.len().checked_sub(1)?,
                _ => return None,
            };
            o.get(to).copied()
        });
        target.map(|k| self.move_to(k)).is_some()
    }

    /// Focuses the row's element when the keyboard moves to `key`. (A boxed getter: one
    /// effect type for every list.)
    pub fn follow(self, key: RowKey, el: Box<dyn Fn() -> Option<HtmlElement>>) {
        let pending = self.pending;
        effect(move |_| {
            if pending.get() != Some(key) {
                return;
            }
            if let Some(el) = el() {
                let _ = el.focus();
                // Done: a row drawn again later must not take the focus back.
                pending.set(None);
            }
        });
    }
}
