//! What the list column shows (conversations and people, channels, notifications or
//! settings), and the per-session view state of the contacts tree.

use leptos::prelude::*;
use messenger_protocol::DepartmentId;

use super::channels::ChannelList;
use super::contacts::Contacts;
use super::conversations::ConversationList;
use super::ctx::Ctx;
use super::notifications::NotificationCenter;
use super::settings::SettingsPanel;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    #[default]
    Home,
    Channels,
    Notifications,
    Settings,
}

#[derive(Clone, Copy)]
pub struct NavCtx {
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
}

/// Milliseconds now and the local zone's offset east of UTC, in minutes.
pub fn now_and_offset() -> (i64, i32) {
    let d = js_sys::Date::new_0();
    (d.get_time() as i64, -(d.get_timezone_offset() as i32))
}

/// Requests what the shown panel needs, again after a reconnect.
fn load_panel(ctx: Ctx, nav: NavCtx) {
    let online = Memo::new(move |_| ctx.session.with(|s| s.online));
    Effect::new(move |_| {
        let panel = nav.panel.get();
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

#[component]
pub fn ListColumn() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    load_panel(ctx, nav);
    // Every panel stays mounted and only the shown one is visible: switching is instant and
    // costs one view type per panel, not a type-erased view each.
    let hidden = move |p: Panel| move || nav.panel.get() != p;
    view! {
        <div class="mw-list-scroll" prop:hidden=hidden(Panel::Home)>
            <ConversationList />
            <Contacts />
        </div>
        <div class="mw-panel" data-testid="channel-list" prop:hidden=hidden(Panel::Channels)>
            <ChannelList />
        </div>
        <div
            class="mw-panel"
            data-testid="notification-center"
            prop:hidden=hidden(Panel::Notifications)
        >
            <NotificationCenter />
        </div>
        <div class="mw-panel" data-testid="settings-panel" prop:hidden=hidden(Panel::Settings)>
            <SettingsPanel />
        </div>
    }
}

/// A panel's header with its way back.
#[component]
pub fn PanelHead(title: &'static str, children: Children) -> impl IntoView {
    let nav = expect_context::<NavCtx>();
    view! {
        <header class="mw-panel-head">
            <button
                type="button"
                class="mw-back"
                data-testid="panel-back"
                aria-label="Back to conversations"
                title="Back"
                on:click=move |_| nav.panel.set(Panel::Home)
            >
                "‹"
            </button>
            <h2 class="mw-panel-title">{title}</h2>
            {children()}
        </header>
    }
}
