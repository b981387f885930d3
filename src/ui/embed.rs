//! The bridge between the host page and one mounted widget: the options' open state, mode,
//! theme and counters become signals the views read; `messengerCommand`s set them; what the
//! host listens for (`onEvent(name, detail)`) is sent from here.

use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use messenger_protocol::{ConversationId, Importance, Notification};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::embed::{
    clean_counters, conversation_from, count_from, Command, HostCounter, Mode, Theme, Unread,
};
use crate::core::i18n::Locale;
use crate::ui::erased::effect;

/// The host's handle on a widget: made by [`crate::mount`], which keeps it in the list of
/// mounted widgets so commands reach it; the views find it in [`super::Auth`] and `Ctx`.
#[derive(Clone, Copy)]
pub struct Embed {
    pub mode: Mode,
    /// The whole widget shows; closed, only its toasts and the high-importance dialog do.
    pub open: RwSignal<bool>,
    /// The theme and the host's counters: one signal (each signal type is compiled on its
    /// own; bundle size).
    pub host: RwSignal<Host>,
    /// A conversation the host asked to show, kept until the messenger knows it.
    pub want: RwSignal<Option<ConversationId>>,
    /// A language the host asked for (`setLocale`), applied by the `App`.
    pub locale: RwSignal<Option<Locale>>,
    /// The host's choice for sound; `None`: the user's setting.
    pub sound: Option<bool>,
}

/// What the host sets of the widget's look: its theme and its counters in the rail.
#[derive(Clone, Default)]
pub struct Host {
    pub theme: Theme,
    pub counters: Vec<HostCounter>,
}

impl Embed {
    pub fn new(config: &crate::Config) -> Embed {
        Embed {
            mode: config.mode,
            open: RwSignal::new(config.mode.starts_open(config.open)),
            host: RwSignal::new(Host {
                theme: config.theme,
                counters: config.counters.clone(),
            }),
            want: RwSignal::new(None),
            locale: RwSignal::new(None),
            sound: config.sound,
        }
    }

    /// The host's `onEvent`, if it gave one (and the widget is still there). Kept with the
    /// mounted widget rather than in a stored value of its own (bundle size).
    pub fn listener(self) -> Option<Function> {
        crate::listener_of(self)
    }

    /// Tells the host `name` with `detail` (see [`call_host`]).
    pub fn emit(self, name: &'static str, detail: Object) {
        if let Some(f) = self.listener() {
            call_host(f, name, detail);
        }
    }

    pub fn emit_unread(self, u: Unread) {
        self.emit(
            "unread",
            detail(&[
                ("messages", u.messages.into()),
                ("notifications", u.notifications.into()),
                ("channels", u.channels.into()),
                ("total", u.total().into()),
                ("live", u.live.into()),
            ]),
        );
    }

    pub fn emit_notification(self, n: &Notification) {
        let importance = match n.importance {
            Importance::High => "high",
            Importance::Normal => "normal",
        };
        self.emit(
            "notification",
            detail(&[
                ("id", JsValue::from_f64(n.id as f64)),
                ("title", n.title.as_str().into()),
                ("body", n.body.as_str().into()),
                ("importance", importance.into()),
                (
                    "conversation",
                    n.conversation_id
                        .map_or(JsValue::NULL, |c| JsValue::from_f64(c as f64)),
                ),
            ]),
        );
    }

    /// Runs a `messengerCommand` other than `shutdown` (the caller unmounts for that one).
    /// A bad argument changes nothing and says why.
    pub fn command(self, command: Command, arg: &JsValue) -> Result<(), &'static str> {
        let open = match command {
            Command::Open => true,
            Command::Close => false,
            Command::Toggle => !self.open.get_untracked(),
            Command::OpenConversation => {
                let id = arg
                    .as_f64()
                    .and_then(conversation_from)
                    .ok_or("openConversation: a conversation id")?;
                self.want.set(Some(id));
                true
            }
            Command::SetLocale => {
                let locale = arg
                    .as_string()
                    .and_then(|code| Locale::from_tag(&code))
                    .ok_or("setLocale: en, fr, ru, vi or pl")?;
                self.locale.set(Some(locale));
                return Ok(());
            }
            Command::SetTheme => {
                let theme = arg
                    .as_string()
                    .and_then(|t| Theme::parse(&t))
                    .ok_or("setTheme: light, dark or auto")?;
                self.host.update(|h| h.theme = theme);
                return Ok(());
            }
            Command::SetCounters => {
                let counters = counters_from(arg)?;
                self.host.update(|h| h.counters = counters);
                return Ok(());
            }
            Command::Shutdown => return Ok(()),
        };
        self.open.set(open);
        Ok(())
    }
}

/// `"true"`/`"false"` for a `data-` attribute: one closure type for every such flag, so tachys
/// compiles the attribute once.
pub fn flag(s: RwSignal<bool>) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || super::bool_text(s.get())
}

/// Calls the host's `onEvent(name, detail)` on a later microtask: never inside an effect, so
/// whatever it reads or does (a command, even unmounting the widget) runs outside reactive
/// tracking; what it throws is logged, the widget goes on.
pub fn call_host(f: Function, name: &'static str, detail: Object) {
    queue_microtask(move || {
        if let Err(e) = f.call2(&JsValue::NULL, &JsValue::from_str(name), &detail) {
            web_sys::console::error_2(&"messenger: onEvent threw".into(), &e);
        }
    });
}

/// A plain object of the given fields.
pub fn detail(fields: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(key), value);
    }
    o
}

/// `options[key]`; `undefined` for anything that is not an object.
pub fn field(options: &JsValue, key: &str) -> JsValue {
    if !options.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(options, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(v: JsValue) -> String {
    v.as_string().unwrap_or_default()
}

/// The host's counters from `[{id, label, icon, count, url}, ...]`; an id may be a string or a
/// whole number. Entries without an id are left out.
pub fn counters_from(list: &JsValue) -> Result<Vec<HostCounter>, &'static str> {
    if !Array::is_array(list) {
        return Err("counters: an array of {id, label, icon, count, url}");
    }
    let mut out = Vec::new();
    for item in list.unchecked_ref::<Array>().iter() {
        let id = field(&item, "id");
        let id = id.as_string().or_else(|| {
            id.as_f64()
                .and_then(conversation_from)
                .map(|n| n.to_string())
        });
        out.push(HostCounter {
            id: id.unwrap_or_default(),
            label: text(field(&item, "label")),
            icon: text(field(&item, "icon")),
            count: field(&item, "count").as_f64().map_or(0, count_from),
            url: field(&item, "url").as_string(),
            key: 0,
        });
    }
    Ok(clean_counters(out))
}

/// Logs what the host got wrong; the widget carries on.
pub fn warn(what: &str) {
    web_sys::console::warn_1(&format!("messenger: {what}").into());
}

/// `shutdown`: the portal's user signed out, and the next person at this browser must find
/// nothing of theirs. The protocol has no sign-out (a session token is simply no longer used),
/// so nothing goes to the server: the token and the preferences are forgotten, the widget is
/// unmounted (its socket, tabs and database connection close), its IndexedDB database is
/// deleted, and then the host hears `signedOut` and the returned Promise resolves.
pub fn shutdown(host: web_sys::HtmlElement, embed: Embed, db_name: String) -> js_sys::Promise {
    let listener = embed.listener();
    crate::storage::wipe::forget_local();
    crate::unmount(&host);
    js_sys::Promise::new(&mut move |resolve: Function, _| {
        let (db_name, listener) = (db_name.clone(), listener.clone());
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::storage::wipe::delete_database(&db_name).await {
                warn(&e.to_string());
            }
            if let Some(f) = listener {
                call_host(f, "signedOut", detail(&[]));
            }
            let _ = resolve.call0(&JsValue::NULL);
        });
    })
}

/// What the host hears from the whole widget, signed in or not: `ready` once the first
/// language is in place (the widget is drawn), `opened`/`closed` on every change of the open
/// state whatever changed it, `signedOut` when a signed-in user leaves through the widget's
/// own sign-out or because the server ended the session. Also applies `setLocale`.
///
/// One effect for all of it: every effect is compiled on its own (bundle size).
pub fn follow_host(embed: Embed, i18n: super::i18n::I18n, auth: super::Auth) {
    type Seen = (bool, bool, bool);
    let mut was: Option<Seen> = None;
    effect(move |_| {
        let now: Seen = (
            !i18n.starting(),
            embed.open.get(),
            auth.session.with(Option::is_some),
        );
        let before = was.unwrap_or((false, now.1, false));
        if now.0 && !before.0 {
            embed.emit("ready", detail(&[]));
        }
        if now.1 != before.1 {
            embed.emit(if now.1 { "opened" } else { "closed" }, detail(&[]));
        }
        if before.2 && !now.2 {
            embed.emit("signedOut", detail(&[]));
        }
        // The host's language wins over the user's saved choice until the user picks one
        // again in the settings (which saves it): a portal switching its own language
        // mid-page expects the widget to follow. At the next start the saved choice wins over
        // the `locale` option again (`initial_locale`), as it always did. Taken, so the same
        // request again (after the user chose another language) applies again.
        if let Some(locale) = embed.locale.get() {
            i18n.load(locale);
            embed.locale.set(None);
        }
        was = Some(now);
    });
}

/// What the host hears from a signed-in messenger: `unread` once the state is known (from the
/// local copy or the server's welcome: a start never says 0 before it knows) and on each
/// change, `notification` for each pop-up raised; and the conversation it asked to open, shown
/// once the messenger knows it. One effect (see [`follow_host`]).
pub fn tell_host(ctx: super::Ctx) {
    let embed = ctx.embed;
    let nav = expect_context::<super::nav::NavCtx>();
    let mut was: Option<Unread> = None;
    effect(move |_| {
        ctx.session.track();
        let want = embed.want.get();
        let (unread, news, known, online) = ctx
            .session
            .try_update_untracked(|s| {
                let st = &s.state;
                let unread = st.epoch.is_some().then(|| Unread {
                    messages: st.total_unread(),
                    notifications: st.unread_notifications,
                    channels: st.new_channels,
                    live: s.live(),
                });
                let news = std::mem::take(&mut s.nav.notifications.announced);
                let known = want.is_some_and(|c| st.conversations.contains_key(&c));
                (unread, news, known, s.online)
            })
            .unwrap_or_default();
        if let Some(u) = unread.filter(|u| was != Some(*u)) {
            embed.emit_unread(u);
        }
        for n in &news {
            embed.emit_notification(n);
        }
        if let Some(c) = want.filter(|_| known || online) {
            if known {
                nav.panel.set(super::nav::Panel::Home);
                ctx.open(c);
            } else {
                warn("openConversation: no such conversation");
            }
            embed.want.set(None);
        }
        was = unread;
    });
}
