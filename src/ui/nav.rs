//! The list column: conversations and people, or one panel (channels, notifications,
//! settings) in their place; and the per-session view state they share ([`NavCtx`]).

pub mod roving;

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{ConversationId, DepartmentId};
use wasm_bindgen::JsCast;

use super::channels::ChannelList;
use super::contacts::ContactsTree;
use super::conversations::ConversationList;
use super::ctx::Ctx;
use super::i18n::text;
use super::notifications::NotificationCenter;
use super::pending::PendingList;
use super::settings::SettingsPanel;
use crate::core::i18n::K;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    #[default]
    Home,
    Channels,
    Notifications,
    Settings,
    /// Messages not sent yet (offline recipients, refusals, no connection).
    Pending,
}

#[derive(Clone, Copy)]
pub struct NavCtx {
    /// What the list column shows.
    pub panel: RwSignal<Panel>,
    /// Departments the user folded (all start open), kept while signed in.
    pub collapsed: RwSignal<Vec<DepartmentId>>,
    pub search: RwSignal<String>,
}

impl NavCtx {
    pub fn provide() -> Self {
        let nav = NavCtx {
            panel: RwSignal::new(Panel::Home),
            collapsed: RwSignal::new(Vec::new()),
            search: RwSignal::new(String::new()),
        };
        provide_context(nav);
        nav
    }

    /// Shows `panel`, or goes back home when it is already shown.
    pub fn toggle(&self, panel: Panel) {
        let next = if self.panel.get_untracked() == panel {
            Panel::Home
        } else {
            panel
        };
        self.panel.set(next);
    }

    /// Folds an open department, or opens a folded one.
    pub fn toggle_department(&self, id: DepartmentId) {
        self.collapsed.update(|c| {
            if let Some(at) = c.iter().position(|x| *x == id) {
                c.remove(at);
            } else {
                c.push(id);
            }
        });
    }
}

/// Milliseconds now and the local zone's offset east of UTC, in minutes.
pub fn now_and_offset() -> (i64, i32) {
    let d = js_sys::Date::new_0();
    (d.get_time() as i64, -(d.get_timezone_offset() as i32))
}

/// Nothing has the keyboard focus: the element that had it was removed or hidden.
pub fn focus_lost() -> bool {
    focus_is(false)
}

/// The focus is lost, or the keyboard put it where it is: the place to type next may take
/// it. (After a click or a tap it stays: on a phone, focusing a text box would bring up the
/// on-screen keyboard.)
pub fn keyboard_focus() -> bool {
    focus_is(true)
}

fn focus_is(or_visible: bool) -> bool {
    match super::focus::active_element() {
        Some(el) => {
            // A focused element that goes away inside a shadow root leaves the focus on the
            // body too.
            el.tag_name() == "BODY" || (or_visible && el.matches(":focus-visible").unwrap_or(false))
        }
        None => true,
    }
}

/// Requests what the shown panel needs, again after a reconnect.
fn load_panel(ctx: Ctx, nav: NavCtx) {
    let online = memo(move |_| ctx.session.with(|s| s.online));
    effect(move |_| {
        // A closed widget shows no list: new channels are not seen meanwhile.
        let panel = if ctx.embed.open.get() {
            nav.panel.get()
        } else {
            Panel::Home
        };
        let online = online.get();
        let frame = ctx
            .session
            .try_update(|s| {
                if panel != Panel::Channels {
                    s.close_channel_list();
                }
                match panel {
                    Panel::Channels if online => s.open_channel_list(),
                    Panel::Notifications if online && !s.nav.notifications.loaded => {
                        s.list_notifications(false)
                    }
                    _ => None,
                }
            })
            .flatten();
        ctx.send(frame);
    });
}

/// The list column. The home list stays mounted (hidden) under a panel, so the search text
/// and its scroll position survive a visit to a panel; a panel is mounted while shown.
#[component]
pub fn ListColumn() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    load_panel(ctx, nav);
    let panel = memo(move |_| nav.panel.get());
    let home = NodeRef::<html::Div>::new();
    // Back to the list, from a panel whose back button is gone with it, or from a chat that
    // filled the widget (one column): the keyboard goes to that chat's row, else to the row
    // Tab reaches in the list.
    effect(move |was: Option<(Panel, Option<ConversationId>)>| {
        let now = (panel.get(), ctx.selected.get());
        let selector = match (was, now) {
            (Some((_, Some(c))), (_, None)) => format!("[data-conversation-id='{c}']"),
            (Some((from, _)), (Panel::Home, _)) if from != Panel::Home && focus_lost() => {
                "[tabindex='0'],input".to_string()
            }
            _ => return now,
        };
        let row = home
            .get_untracked()
            .and_then(|el| el.query_selector(&selector).ok().flatten())
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(row) = row {
            let _ = row.focus();
        }
        now
    });
    view! {
        <div class="mw-list-body">
            <div class="mw-list-scroll" node_ref=home prop:hidden=move || panel.get() != Panel::Home>
                <ConversationList />
                <ContactsTree />
            </div>
            // One closure per panel rather than one match: no type-erased view of each
            // panel's whole tree, which costs more wasm than the two extra effects.
            {move || (panel.get() == Panel::Channels).then(|| view! { <ChannelList /> })}
            {move || (panel.get() == Panel::Notifications).then(|| view! { <NotificationCenter /> })}
            {move || (panel.get() == Panel::Settings).then(|| view! { <SettingsPanel /> })}
            {move || (panel.get() == Panel::Pending).then(|| view! { <PendingList /> })}
        </div>
    }
}

/// A panel's header: back to the conversations, the title, and the panel's own actions.
#[component]
pub fn PanelHeader(title: K, children: Children) -> impl IntoView {
    let nav = expect_context::<NavCtx>();
    view! {
        <header class="mw-navpanel-head">
            <button
                type="button"
                class="mw-back"
                data-testid="panel-back"
                aria-label=text(K::ChatBack)
                title=text(K::PanelBack)
                on:click=handler(move |_| nav.panel.set(Panel::Home))
            >
                "‹"
            </button>
            <h2 class="mw-navpanel-title">{text(title)}</h2>
            {children()}
        </header>
    }
}
