//! The mailbox view: the same messages as folders (Inbox, Sent, Drafts), a list with one
//! row per message and a reading pane below it, beside it or off. What is in a folder and
//! how a row looks is decided in [`crate::core::mailbox`]; this draws it.
//!
//! Bundle size: the state lives in signals of types the widget already has, and every read
//! of the session or of the rows goes through one closure type ([`read`], [`rows_dyn`]):
//! each closure given to a signal's `with` compiles the reactive read code anew.

mod pane;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ctx::Ctx;
use super::i18n::{text, use_i18n};
use super::intl;
use super::nav::{NavCtx, Panel};
use crate::core::format::unread_label;
use crate::core::i18n::K;
use crate::core::mailbox::{folder_rows, inbox_count, step, Folder, Pane, Row, View};
use crate::core::session::Session;
use crate::storage::prefs::{self, PANE_KEY, VIEW_KEY};
use crate::ui::bool_text;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;
use crate::ui::keyed::id_list;
use messenger_protocol::ClientFrame;

/// The view and reading-pane choices (kept on this device) and the mailbox's own state,
/// kept while signed in so a visit to the chat view or a panel comes back to the same row.
#[derive(Clone, Copy)]
pub struct MailPrefs {
    /// The mailbox is the view chosen in the settings (or by the host page, this session).
    pub chosen: RwSignal<bool>,
    /// The mailbox shows now: false while a message is open in the chat view.
    pub showing: RwSignal<bool>,
    /// [`Pane::index`].
    pane: RwSignal<i32>,
    /// [`Folder::index`].
    folder: RwSignal<i32>,
    /// The selected row's key (see [`Row::key`]).
    at: RwSignal<Option<i64>>,
}

impl MailPrefs {
    /// The host page's `view` option wins over the device's choice for this session.
    pub fn provide(host: Option<View>) -> MailPrefs {
        let stored = prefs::choice(VIEW_KEY).and_then(|v| View::parse(&v));
        let mailbox = host.or(stored) == Some(View::Mailbox);
        let pane = prefs::choice(PANE_KEY)
            .and_then(|p| Pane::parse(&p))
            .unwrap_or_default();
        let m = MailPrefs {
            chosen: RwSignal::new(mailbox),
            showing: RwSignal::new(mailbox),
            pane: RwSignal::new(pane.index()),
            folder: RwSignal::new(0),
            at: RwSignal::new(None),
        };
        provide_context(m);
        m
    }

    pub fn view(self) -> View {
        if self.chosen.get() {
            View::Mailbox
        } else {
            View::Chat
        }
    }

    pub fn choose(self, view: View) {
        prefs::set_choice(VIEW_KEY, view.as_str());
        let mailbox = view == View::Mailbox;
        self.chosen.set(mailbox);
        self.showing.set(mailbox);
    }

    pub fn pane(self) -> Pane {
        Pane::from_index(self.pane.get())
    }

    fn pane_untracked(self) -> Pane {
        Pane::from_index(self.pane.get_untracked())
    }

    pub fn set_pane(self, pane: Pane) {
        prefs::set_choice(PANE_KEY, pane.as_str());
        self.pane.set(pane.index());
    }

    fn folder(self) -> Folder {
        Folder::from_index(self.folder.get())
    }

    /// Whether the mailbox fills the widget now (not while a panel has the list column).
    pub fn shown(self, nav: NavCtx) -> bool {
        self.showing.get() && nav.panel.get() == Panel::Home
    }

    /// Whether the mailbox is the view in use, for what the chat view does on its own
    /// (marking the open conversation read).
    pub fn in_use(self) -> bool {
        self.showing.get_untracked()
    }
}

/// Reads the session, tracked (see the module's note on bundle size).
fn read<R>(ctx: Ctx, f: impl FnOnce(&Session) -> R) -> Option<R> {
    let mut f = Some(f);
    let mut out = None;
    read_dyn(ctx, &mut |s| out = f.take().map(|f| f(s)));
    out
}

fn read_dyn(ctx: Ctx, f: &mut dyn FnMut(&Session)) {
    ctx.session.with(|s| f(s));
}

/// Runs a change of the session and sends the command it makes, through one closure type.
/// `shown`: the change shows on screen, so the views hear of it (a request on its way does
/// not: the effect that asks for a folder reads the session and would run again).
fn change(ctx: Ctx, shown: bool, f: &mut dyn FnMut(&mut Session) -> Option<ClientFrame>) {
    let frame = ctx.session.try_update_untracked(|s| f(s)).flatten();
    if shown {
        ctx.session.notify();
    }
    ctx.send(frame);
}

/// Reads the rows, tracked or not.
fn rows_dyn(rows: Memo<Vec<Row>>, tracked: bool, f: &mut dyn FnMut(&[Row])) {
    if tracked {
        rows.with(|r| f(r));
    } else {
        rows.with_untracked(|r| f(r));
    }
}

/// What the parts of the mailbox share.
#[derive(Clone, Copy)]
pub(crate) struct MailUi {
    ctx: Ctx,
    nav: NavCtx,
    prefs: MailPrefs,
    rows: Memo<Vec<Row>>,
    /// The row Tab reaches: the selected one while listed, else the first.
    reached: Memo<Option<i64>>,
    list: NodeRef<html::Ul>,
}

impl MailUi {
    fn row(self, key: i64) -> Option<Row> {
        let mut found = None;
        rows_dyn(self.rows, false, &mut |r| {
            found = r.iter().find(|x| x.key == key).cloned();
        });
        found
    }

    /// One field of the row `key`, tracked ("" or false once it is gone).
    fn text(self, key: i64, f: fn(&Row) -> String) -> String {
        let mut out = String::new();
        rows_dyn(self.rows, true, &mut |r| {
            if let Some(x) = r.iter().find(|x| x.key == key) {
                out = f(x);
            }
        });
        out
    }

    fn flag(self, key: i64, f: fn(&Row) -> bool) -> bool {
        let mut out = false;
        rows_dyn(self.rows, true, &mut |r| {
            out = r.iter().find(|x| x.key == key).is_some_and(f);
        });
        out
    }

    fn number(self, key: i64, f: fn(&Row) -> i64) -> i64 {
        let mut out = 0;
        rows_dyn(self.rows, true, &mut |r| {
            out = r.iter().find(|x| x.key == key).map_or(0, f);
        });
        out
    }

    fn keys(self, tracked: bool) -> Vec<i64> {
        let mut keys = Vec::new();
        rows_dyn(self.rows, tracked, &mut |r| {
            keys = r.iter().map(|x| x.key).collect();
        });
        keys
    }

    /// Selects a row; with the reading pane on, opens its message there (reading it, as
    /// opening a chat does) and binds the reply box to its conversation.
    fn select(self, key: i64) {
        self.prefs.at.set(Some(key));
        if self.prefs.pane_untracked() == Pane::Off {
            return;
        }
        let Some(row) = self.row(key) else {
            return;
        };
        self.ctx.open(row.conversation);
        if row.bold && Folder::from_index(self.prefs.folder.get_untracked()) == Folder::Inbox {
            let now = js_sys::Date::now() as i64;
            change(self.ctx, true, &mut |s| {
                s.read_message(row.conversation, key, now)
            });
        }
    }

    /// Enter: with the pane off the conversation opens in the chat view (the rail's
    /// conversations button comes back); with it on, the reply box takes the keyboard.
    fn open(self, key: i64) {
        let Some(row) = self.row(key) else {
            return;
        };
        if self.prefs.pane_untracked() == Pane::Off {
            self.prefs.showing.set(false);
            self.nav.panel.set(Panel::Home);
            self.ctx.open(row.conversation);
        } else {
            self.select(key);
            self.focus_later(".mw-compose-input");
        }
    }

    /// Focuses the row of `key`, now and again once the reply box has followed the new
    /// selection (it takes the keyboard's focus when its conversation changes).
    fn focus_row(self, key: i64) {
        let selector = format!("[data-key='{key}']");
        self.focus(&selector);
        self.focus_later(selector);
    }

    /// After the effects the last change woke (they run first, in the order they were
    /// woken): the reply box's own focus on a new conversation is among them. A timer would
    /// come too late: the browser hands it the next key press first.
    fn focus_later(self, selector: impl Into<String>) {
        let selector = selector.into();
        leptos::task::spawn_local(async move { self.focus(&selector) });
    }

    /// Found from the list: the widget may live in a shadow root, out of `document`'s reach.
    fn focus(self, selector: &str) {
        let el = self
            .list
            .get_untracked()
            .and_then(|l| l.closest(".mw-mailbox").ok().flatten())
            .and_then(|m| m.query_selector(selector).ok().flatten())
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    }
}

#[component]
pub fn Mailbox() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let prefs = expect_context::<MailPrefs>();
    let rows = memo(move |_| {
        let folder = prefs.folder();
        let drafted = ctx.drafted.get();
        read(ctx, |s| folder_rows(&s.state, &s.mailbox, folder, &drafted)).unwrap_or_default()
    });
    let reached = memo(move |_| {
        let at = prefs.at.get();
        let mut out = None;
        rows_dyn(rows, true, &mut |r| {
            out = match at {
                Some(a) if r.iter().any(|x| x.key == a) => Some(a),
                _ => r.first().map(|x| x.key),
            };
        });
        out
    });
    let ui = MailUi {
        ctx,
        nav: expect_context::<NavCtx>(),
        prefs,
        rows,
        reached,
        list: NodeRef::new(),
    };
    load_folders(ctx, prefs);
    load_draft_texts(ctx, prefs);
    view! {
        <section
            class="mw-mailbox"
            data-testid="mailbox"
            data-pane=move || prefs.pane().as_str()
            aria-label=text(K::MailRegion)
        >
            <Folders />
            <div class="mw-mail-main">
                <MailList ui />
                {move || (prefs.pane() != Pane::Off).then(|| view! { <pane::ReadingPane ui /> })}
            </div>
        </section>
    }
}

/// Asks the server for the folder shown, once per connection (the events keep it current;
/// the request is refused while one is on its way or the folder is loaded).
fn load_folders(ctx: Ctx, prefs: MailPrefs) {
    effect(move |_| {
        let Some(folder) = prefs.folder().server() else {
            return;
        };
        let wanted = read(ctx, |s| {
            s.online && s.mailbox.pages(folder).has_more.is_none()
        });
        if wanted == Some(true) {
            change(ctx, false, &mut |s| s.list_mailbox(folder, false));
        }
    });
}

/// The Drafts folder's texts, read from the drafts database when it shows.
fn load_draft_texts(ctx: Ctx, prefs: MailPrefs) {
    effect(move |_| {
        let drafted = ctx.drafted.get();
        if prefs.folder() != Folder::Drafts || !ctx.drafts_ready.get() {
            return;
        }
        let (Some(store), Some(me)) = (ctx.drafts.get_value(), ctx.me_id()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let mut texts = Vec::with_capacity(drafted.len());
            for c in drafted {
                if let Ok(Some(t)) = store.load(me, c).await {
                    texts.push((c, t));
                }
            }
            let mut texts = Some(texts);
            change(ctx, true, &mut |s| {
                s.mailbox.drafts = texts.take().unwrap_or_default();
                None
            });
        });
    });
}

#[component]
fn Folders() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let prefs = expect_context::<MailPrefs>();
    let unread = memo(move |_| read(ctx, |s| inbox_count(&s.state)).unwrap_or_default());
    let i18n = use_i18n();
    let button = move |folder: Folder, label: K| {
        let count = move || {
            if folder == Folder::Inbox {
                unread.get()
            } else {
                0
            }
        };
        let name = move || match count() {
            0 => i18n.t(label),
            n => i18n.f(
                K::RailWithCount,
                &[("label", &i18n.t(label)), ("count", &unread_label(n))],
            ),
        };
        view! {
            <button
                type="button"
                class="mw-mail-folder"
                class:mw-mail-bold=move || { count() > 0 }
                data-testid=format!("mail-folder-{}", folder.as_str())
                data-count=move || count().to_string()
                aria-current=move || (prefs.folder() == folder).then_some("page")
                aria-label=name
                on:click=handler(move |_| {
                    prefs.folder.set(folder.index());
                    prefs.at.set(None);
                })
            >
                <span aria-hidden="true">{text(label)}</span>
                <span class="mw-nav-count" aria-hidden="true" hidden=move || count() == 0>
                    {move || unread_label(count())}
                </span>
            </button>
        }
    };
    view! {
        <nav class="mw-mail-folders" aria-label=text(K::MailFolders)>
            {button(Folder::Inbox, K::MailInbox)}
            {button(Folder::Sent, K::MailSent)}
            {button(Folder::Drafts, K::MailDrafts)}
        </nav>
    }
}

/// The rows of the folder: one Tab stop; the arrows, Home and End move the selection,
/// Enter opens it.
#[component]
fn MailList(ui: MailUi) -> impl IntoView {
    let prefs = ui.prefs;
    let i18n = use_i18n();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        let Some(at) = prefs.at.get_untracked().or(ui.reached.get_untracked()) else {
            return;
        };
        if key == "Enter" {
            ev.prevent_default();
            ui.open(at);
        } else if let Some(to) = step(&ui.keys(false), Some(at), &key) {
            ev.prevent_default();
            ui.select(to);
            ui.focus_row(to);
        }
    };
    let name = |folder: Folder| match folder {
        Folder::Inbox => K::MailInbox,
        Folder::Sent => K::MailSent,
        Folder::Drafts => K::MailDrafts,
    };
    let more = memo(move |_| {
        let Some(folder) = prefs.folder().server() else {
            return false;
        };
        read(ui.ctx, |s| s.mailbox.pages(folder).has_more == Some(true)) == Some(true)
    });
    let older = move |_| {
        if let Some(folder) = Folder::from_index(prefs.folder.get_untracked()).server() {
            change(ui.ctx, false, &mut |s| s.list_mailbox(folder, true));
        }
    };
    view! {
        <div class="mw-mail-listbox">
            <ul
                class="mw-mail-list"
                role="listbox"
                data-testid="mail-list"
                aria-label=move || i18n.t(name(prefs.folder()))
                node_ref=ui.list
                on:keydown=handler(on_key)
            >
                {id_list(move || ui.keys(true), move |key| view! { <MailRow key ui /> })}
            </ul>
            <p class="mw-mail-empty" data-testid="mail-empty" hidden=move || ui.reached.get().is_some()>
                {text(K::MailEmpty)}
            </p>
            <button
                type="button"
                class="mw-link"
                data-testid="mail-older"
                hidden=move || !more.get()
                on:click=handler(older)
            >
                {text(K::TimelineLoadOlder)}
            </button>
        </div>
    }
}

/// A time in the list: the time of day within the last 12 hours, else the date.
fn when(at: i64, locale: crate::core::i18n::Locale) -> String {
    let recent = (js_sys::Date::now() - at as f64).abs() < 12.0 * 3_600_000.0;
    let style = if recent {
        intl::Style::Time
    } else {
        intl::Style::ShortDate
    };
    intl::format(locale, style, at as f64)
}

#[component]
fn MailRow(key: i64, ui: MailUi) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |f: fn(&Row) -> String| move || ui.text(key, f);
    let bold = move || ui.flag(key, |r| r.bold);
    let selected = move || ui.prefs.at.get() == Some(key);
    // A draft has no time.
    let time = move || match ui.number(key, |r| r.created_at) {
        0 => String::new(),
        at => when(at, i18n.locale()),
    };
    let expires = move || {
        let at = ui.number(key, |r| r.expires_at.unwrap_or(0));
        if at == 0 {
            return None;
        }
        let date = intl::format(i18n.locale(), intl::Style::ShortDate, at as f64);
        let time = intl::format(i18n.locale(), intl::Style::Time, at as f64);
        Some(i18n.f(K::MailExpires, &[("when", &format!("{date} {time}"))]))
    };
    view! {
        <li
            class="mw-mail-row"
            class:mw-mail-bold=bold
            role="option"
            data-testid="mail-row"
            data-key=key.to_string()
            aria-selected=move || bool_text(selected())
            tabindex=move || if ui.reached.get() == Some(key) { "0" } else { "-1" }
            on:click=handler(move |_| ui.select(key))
        >
            <span class="mw-mail-who" data-testid="mail-who">{field(|r| r.who.clone())}</span>
            <span class="mw-mail-subject">
                <span class="mw-mail-title" data-testid="mail-title">{field(|r| r.title.clone())}</span>
                <span class="mw-mail-flag" data-testid="mail-important" hidden=move || !ui.flag(key, |r| r.high)>
                    {text(K::MessageImportant)}
                </span>
                <span class="mw-mail-preview" data-testid="mail-preview">{field(|r| r.preview.clone())}</span>
            </span>
            <span class="mw-mail-time">{time}</span>
            <span
                class="mw-mail-nd"
                data-testid="mail-not-delivered"
                hidden=move || !ui.flag(key, |r| !r.not_read_by.is_empty())
            >
                <span class="mw-mail-nd-label">{text(K::MailNotDelivered)}": "</span>
                {field(|r| r.not_read_by.join(", "))}
            </span>
            <span
                class="mw-mail-expires"
                data-testid="mail-expires"
                hidden=move || !ui.flag(key, |r| r.expires_at.is_some())
            >
                {expires}
            </span>
        </li>
    }
}
