//! News beyond the widget: a browser notification while no tab of the user is in view and a
//! tone when the sound is on, both from one tab only (`core::alerts` decides), and the
//! pop-ups carried over to the portal's next page (`core::carry`).

use gloo_events::EventListener;
use leptos::prelude::*;
use messenger_protocol::NotificationId;
use web_sys::AudioContext;

use crate::core::alerts::{tell, Alert, Seen, Target};
use crate::core::carry;
use crate::storage::prefs::{self, NOTIFY_KEY, SOUND_KEY};
use crate::ui::browser_notify::{self, Permission, Shown};
use crate::ui::ctx::Ctx;
use crate::ui::nav::{NavCtx, Panel};

/// Browser notifications kept clickable; older ones forget their click.
const KEEP_SHOWN: usize = 5;

/// Raises the news of each batch of frames, on the one tab that should.
pub fn watch_news(ctx: Ctx, nav: NavCtx) {
    let seen = StoredValue::new_local(Seen::default());
    let shown = StoredValue::new_local(Vec::<Shown>::new());
    let audio = StoredValue::new_local(None::<AudioContext>);
    Effect::new(move |_| {
        let news = ctx
            .session
            .with(|s| seen.try_update_value(|seen| seen.news(s)))
            .unwrap_or_default();
        if news.is_empty() {
            return;
        }
        let others = ctx
            .link
            .with_value(|l| l.as_ref().is_some_and(|l| l.others_visible()));
        let what = tell(
            ctx.leader.get_untracked(),
            ctx.visible.get_untracked() || others,
            prefs::switch(NOTIFY_KEY) && browser_notify::permission() == Permission::Granted,
            prefs::switch(SOUND_KEY),
        );
        if what.sound {
            if audio.with_value(Option::is_none) {
                audio.set_value(AudioContext::new().ok());
            }
            let _ = audio.with_value(|a| a.as_ref().map(browser_notify::tone));
        }
        if what.notify {
            for alert in news {
                notify(ctx, nav, shown, alert);
            }
        }
    });
    // The other tabs learn when this one comes into view or leaves it.
    Effect::new(move |first: Option<()>| {
        ctx.visible.track();
        if first.is_some() {
            if let Some(link) = ctx.link.get_value() {
                link.say_visible(false);
            }
        }
    });
    on_cleanup(move || {
        if let Some(Some(a)) = audio.try_update_value(Option::take) {
            let _ = a.close();
        }
        shown.try_update_value(Vec::clear);
    });
}

fn notify(ctx: Ctx, nav: NavCtx, shown: StoredValue<Vec<Shown>, LocalStorage>, alert: Alert) {
    let target = alert.target;
    let on_click = Box::new(move || match target {
        Target::Conversation(c) => {
            nav.panel.set(Panel::Home);
            ctx.open(c);
        }
        Target::Notifications => nav.panel.set(Panel::Notifications),
    });
    if let Some(s) = browser_notify::show(&alert.title, &alert.body, &alert.tag, on_click) {
        shown.update_value(|list| {
            if list.len() >= KEEP_SHOWN {
                list.remove(0);
            }
            list.push(s);
        });
    }
}

/// The pop-ups' store in `sessionStorage`, per user: one tab's pages share it.
fn carry_key(ctx: Ctx) -> Option<String> {
    ctx.me_id().map(|u| format!("messenger.popups.{u}"))
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Shows again what the previous page still showed, and keeps what this page shows when it
/// goes away. `until` holds each toast's end; a toast not drawn yet gets `full_ms`.
pub fn carry_over(
    ctx: Ctx,
    until: StoredValue<Vec<(NotificationId, i64)>, LocalStorage>,
    full_ms: i64,
) {
    let (Some(key), Some(store)) = (carry_key(ctx), session_storage()) else {
        return;
    };
    let now = js_sys::Date::now() as i64;
    if let Ok(Some(text)) = store.get_item(&key) {
        let _ = store.remove_item(&key);
        let back = carry::restore(&text, now);
        until.update_value(|u| u.extend(back.iter().filter_map(|c| Some((c.n.id, c.until?)))));
        ctx.session.update(|s| {
            for c in back {
                s.nav.notifications.created(c.n);
            }
        });
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = EventListener::new(&window, "pagehide", move |_| {
        let now = js_sys::Date::now() as i64;
        let text = ctx.session.with_untracked(|s| {
            until.with_value(|u| carry::keep(&s.nav.notifications.popups, u, now, full_ms))
        });
        let _ = if text.is_empty() {
            store.remove_item(&key)
        } else {
            store.set_item(&key, &text)
        };
    });
    let listener = StoredValue::new_local(Some(listener));
    on_cleanup(move || {
        listener.try_update_value(Option::take);
    });
}
