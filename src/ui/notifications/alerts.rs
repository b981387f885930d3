//! News beyond the widget: a browser notification while no tab of the user is in view and a
//! tone when the sound is on, both from one tab only (`core::alerts` decides), and the
//! pop-ups carried over to the portal's next page (`core::carry`).
//!
//! The state lives in plain `Rc<RefCell<…>>`s owned by the effect and the cleanup, not in
//! reactive stored values: each stored value type adds its own copy of the arena's code.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use leptos::prelude::*;
use messenger_protocol::NotificationId;
use send_wrapper::SendWrapper;
use web_sys::AudioContext;

use crate::core::alerts::{tell, Alert, Seen, Target};
use crate::core::carry;
use crate::storage::prefs::{self, NOTIFY_KEY, SOUND_KEY};
use crate::ui::browser_notify::{self, Permission, Shown};
use crate::ui::ctx::Ctx;
use crate::ui::erased::effect;
use crate::ui::nav::{NavCtx, Panel};

/// Browser notifications kept clickable; older ones forget their click.
const KEEP_SHOWN: usize = 5;

/// When each toast on screen ends (ms since the epoch), shared by the toasts.
pub type Until = SendWrapper<Rc<RefCell<Vec<(NotificationId, i64)>>>>;

#[derive(Default)]
struct Watch {
    seen: Seen,
    shown: Vec<Shown>,
    audio: Option<AudioContext>,
    /// What this tab last told the others about its visibility.
    said_visible: Option<bool>,
    /// Keeps the pop-ups when the page goes away.
    _pagehide: Option<EventListener>,
}

/// Raises the news of each batch of frames on the one tab that should, tells the other tabs
/// when this one comes into view or leaves it, and carries the pop-ups across pages.
pub fn watch_news(ctx: Ctx, nav: NavCtx, until: Until, full_ms: i64) {
    let watch = Rc::new(RefCell::new(Watch {
        _pagehide: carry_over(ctx, until, full_ms),
        ..Watch::default()
    }));
    let w = watch.clone();
    // Created after the carried pop-ups are back: its first look takes them as seen.
    effect(move |_| {
        let visible = ctx.visible.get();
        let link = ctx.link.try_get_value().flatten();
        let mut w = w.borrow_mut();
        if w.said_visible.replace(visible) != Some(visible) {
            if let Some(l) = &link {
                l.say_visible(false);
            }
        }
        let news = ctx.session.with(|s| w.seen.news(s));
        if news.is_empty() {
            return;
        }
        let what = tell(
            ctx.leader.get_untracked(),
            visible || link.is_some_and(|l| l.others_visible()),
            prefs::switch(NOTIFY_KEY) && browser_notify::permission() == Permission::Granted,
            ctx.embed.sound.unwrap_or_else(|| prefs::switch(SOUND_KEY)),
        );
        if what.sound {
            if w.audio.is_none() {
                w.audio = AudioContext::new().ok();
            }
            if let Some(a) = &w.audio {
                let _ = browser_notify::tone(a);
            }
        }
        if what.notify {
            for alert in news {
                if let Some(s) = notify(ctx, nav, alert) {
                    if w.shown.len() >= KEEP_SHOWN {
                        w.shown.remove(0);
                    }
                    w.shown.push(s);
                }
            }
        }
    });
    let watch = SendWrapper::new(watch);
    on_cleanup(move || {
        // Drops the notifications' clicks and the page-hide listener with it.
        let w = std::mem::take(&mut *watch.take().borrow_mut());
        if let Some(a) = w.audio {
            let _ = a.close();
        }
    });
}

fn notify(ctx: Ctx, nav: NavCtx, alert: Alert) -> Option<Shown> {
    let target = alert.target;
    let on_click = Box::new(move || {
        // A floating widget closed on its launcher opens to show what was clicked.
        ctx.embed.open.set(true);
        match target {
            Target::Conversation(c) => {
                nav.panel.set(Panel::Home);
                ctx.open(c);
            }
            Target::Notifications => nav.panel.set(Panel::Notifications),
        }
    });
    browser_notify::show(&alert.title, &alert.body, &alert.tag, on_click)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Shows again what the previous page still showed, and keeps what this page shows when it
/// goes away (`sessionStorage`: the tab's pages share it, per user). A toast not drawn yet
/// gets `full_ms`.
fn carry_over(ctx: Ctx, until: Until, full_ms: i64) -> Option<EventListener> {
    let key = format!("messenger.popups.{}", ctx.me_id()?);
    let store = session_storage()?;
    if let Ok(Some(text)) = store.get_item(&key) {
        let _ = store.remove_item(&key);
        let back = carry::restore(&text, js_sys::Date::now() as i64);
        until
            .borrow_mut()
            .extend(back.iter().filter_map(|c| Some((c.n.id, c.until?))));
        ctx.session.update(|s| {
            for c in back {
                s.nav.notifications.created(c.n);
            }
        });
    }
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "pagehide", move |_| {
        let now = js_sys::Date::now() as i64;
        let text = ctx.session.with_untracked(|s| {
            carry::keep(&s.nav.notifications.popups, &until.borrow(), now, full_ms)
        });
        let _ = if text.is_empty() {
            store.remove_item(&key)
        } else {
            store.set_item(&key, &text)
        };
    }))
}
