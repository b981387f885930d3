//! What the list column shows (conversations and people, channels, notifications or
//! settings), and the per-session view state of the contacts tree.

use leptos::prelude::*;
use messenger_protocol::DepartmentId;

use leptos::html;
use messenger_protocol::{ChannelInfo, Notification, Settings};
use web_sys::Element;

use super::contacts::Contacts;
use super::conversations::ConversationList;
use super::ctx::Ctx;
use super::dom::{add, is_activation, set, target_with};

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

/// The list column: conversations and people, or a panel (channels, notifications,
/// settings), and the live notification pop-ups. Lists are drawn with plain DOM calls in one
/// effect and handled by one delegated handler per event kind: far less wasm than a view
/// per list.
#[component]
pub fn ListColumn() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    load_panel(ctx, nav);
    let root = NodeRef::<html::Div>::new();
    let local_error = RwSignal::new("");
    let mut contacts = None;
    let mut panel: Option<PanelData> = None;
    let mut popups = Vec::new();
    Effect::new(move |_| {
        let Some(root) = root.get() else { return };
        let part = |name: &str| root.query_selector(&format!("[{name}]")).ok().flatten();
        if let Some(ul) = part("data-contacts") {
            super::contacts::draw(ctx, nav, &ul, &mut contacts);
        }
        if let Some(div) = part("data-panel") {
            let data = panel_data(ctx, nav, local_error.get());
            if panel.as_ref() != Some(&data) {
                draw(&div, &data);
                panel = Some(data);
            }
        }
        if let Some(div) = part("data-popups") {
            super::notifications::draw_popups(ctx, &div, &mut popups);
        }
    });
    let act = move |ev: &web_sys::Event| {
        let Some((target, what)) = target_with(ev, "data-act") else {
            return;
        };
        let id = target
            .get_attribute("data-id")
            .and_then(|i| i.parse::<i64>().ok());
        match (what.as_str(), id) {
            ("back", _) => nav.panel.set(Panel::Home),
            ("person", Some(id)) => ctx.open_direct(id),
            ("dept", Some(id)) => nav.collapsed.update(|c| {
                if let Some(at) = c.iter().position(|x| *x == id) {
                    c.remove(at);
                } else {
                    c.push(id);
                }
            }),
            ("channel", Some(id)) => super::channels::open_or_join(ctx, nav, id),
            ("notification", Some(id)) => super::notifications::activate(ctx, nav, id),
            ("dismiss", Some(id)) => {
                ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
            }
            ("older", _) => {
                let frame = ctx
                    .session
                    .try_update(|s| s.list_notifications(true))
                    .flatten();
                ctx.send(frame);
            }
            ("mark-all", _) => {
                let frame = ctx
                    .session
                    .try_update(|s| s.mark_all_notifications_read())
                    .flatten();
                ctx.send(frame);
            }
            _ => {}
        }
    };
    let on_change = move |ev: web_sys::Event| match super::settings::changed(&ev) {
        Some(Ok(patch)) => {
            local_error.set("");
            let frame = ctx
                .session
                .try_update(|s| s.update_settings(patch))
                .flatten();
            ctx.send(frame);
        }
        Some(Err(e)) => local_error.set(e),
        None => {}
    };
    view! {
        <div
            class="mw-list-body"
            node_ref=root
            on:click=move |ev| act(&ev)
            on:change=on_change
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    if let Some(id) = super::notifications::open_dialog(ctx) {
                        ctx.session.try_update(|s| s.nav.notifications.dismiss(id));
                        return;
                    }
                }
                // Buttons turn Enter into a click themselves.
                if is_activation(&ev) {
                    act(&ev);
                }
            }
        >
            <div class="mw-list-scroll" prop:hidden=move || nav.panel.get() != Panel::Home>
                <ConversationList />
                <Contacts />
            </div>
            <div class="mw-panel" data-panel prop:hidden=move || nav.panel.get() == Panel::Home></div>
            <div class="mw-popups" data-popups></div>
        </div>
    }
}

/// What a panel shows; it is redrawn when this changes.
#[derive(Clone, PartialEq)]
enum PanelData {
    Home,
    Channels(Vec<ChannelInfo>, bool, Vec<bool>),
    Notifications(Vec<Notification>, bool, bool, bool, u32),
    Settings(Settings, bool, String, bool),
}

fn panel_data(ctx: Ctx, nav: NavCtx, local_error: &'static str) -> PanelData {
    let panel = nav.panel.get();
    ctx.session.with(|s| match panel {
        Panel::Home => PanelData::Home,
        Panel::Channels => {
            let items = s.nav.channels.items.clone();
            let mut joining = Vec::new();
            for c in &items {
                joining.push(s.nav.is_joining(c.id));
            }
            PanelData::Channels(items, s.nav.channels.loaded, joining)
        }
        Panel::Notifications => {
            let n = &s.nav.notifications;
            PanelData::Notifications(
                n.items.clone(),
                n.loaded,
                n.has_more,
                s.nav.is_loading_notifications(),
                s.state.unread_notifications,
            )
        }
        Panel::Settings => {
            let error = if local_error.is_empty() {
                s.nav.settings_error.clone().unwrap_or_default()
            } else {
                local_error.to_string()
            };
            PanelData::Settings(
                s.state.settings.clone(),
                s.state.features.forwarding,
                error,
                s.nav.is_saving_settings(),
            )
        }
    })
}

/// The panel's header: back, title, and an action or status.
fn head(root: &Element, title: &str) -> Element {
    let h = add(root, "header", "mw-panel-head", "");
    let back = add(&h, "button", "mw-back", "‹");
    set(&back, "type", "button");
    set(&back, "data-testid", "panel-back");
    set(&back, "data-act", "back");
    set(&back, "aria-label", "Back to conversations");
    set(&back, "title", "Back");
    add(&h, "h2", "mw-panel-title", title);
    h
}

fn draw(root: &Element, data: &PanelData) {
    root.set_text_content(None);
    let (testid, title) = match data {
        PanelData::Home => return,
        PanelData::Channels(..) => ("channel-list", "Channels"),
        PanelData::Notifications(..) => ("notification-center", "Notifications"),
        PanelData::Settings(..) => ("settings-panel", "Settings"),
    };
    set(root, "data-testid", testid);
    let h = head(root, title);
    let body = add(root, "div", "mw-list-scroll", "");
    match data {
        PanelData::Home => {}
        PanelData::Channels(items, loaded, joining) => {
            super::channels::render(&body, items, *loaded, joining)
        }
        PanelData::Notifications(items, loaded, has_more, loading, unread) => {
            let b = add(&h, "button", "mw-link", "Mark all read");
            set(&b, "type", "button");
            set(&b, "data-testid", "mark-all-read");
            set(&b, "data-act", "mark-all");
            if *unread == 0 {
                set(&b, "disabled", "");
            }
            super::notifications::render(&body, items, *loaded, *has_more, *loading)
        }
        PanelData::Settings(settings, forwarding, error, saving) => {
            add(
                &h,
                "span",
                "mw-saving",
                if *saving { "Saving…" } else { "" },
            );
            super::settings::render(&body, settings, *forwarding, error)
        }
    }
}
