//! The Leptos views. They read the session through signals and call the core for commands.

pub mod attachments;
mod browser_notify;
mod channels;
mod chat;
mod compose;
mod contacts;
mod conversations;
mod ctx;
mod desk;
pub mod embed;
mod erased;
mod focus;
mod forward;
mod handler;
pub mod i18n;
mod intl;
mod keyed;
mod link;
mod login;
pub mod message;
mod messenger;
mod nav;
mod notifications;
mod pending;
mod resize;
mod settings;
mod shell;
mod sidebar;
mod timeline;

use leptos::prelude::*;

use crate::config::Config;
use crate::core::i18n::Notice;
use crate::storage::token::{self, StoredSession};
use crate::ui::erased::effect;

pub use ctx::Ctx;
pub use login::LoginForm;
pub use message::MessageView;

/// Sign-in state shared by the login form and the messenger.
#[derive(Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<StoredSession>>,
    /// Why the login form is shown again (expired token...).
    pub notice: RwSignal<Option<Notice>>,
    pub server: StoredValue<String>,
    pub db_name: StoredValue<String>,
    /// The host page's controls; here rather than a context of its own (bundle size).
    pub embed: embed::Embed,
}

impl Auth {
    /// Forgets the token and returns to the login form.
    pub fn sign_out(&self, notice: Option<Notice>) {
        token::clear();
        self.notice.set(notice);
        self.session.set(None);
    }
}

fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A changing CSS value for `style:prop=` / `style=("--var", ..)`, which set it through the
/// CSSOM (a page whose policy is `style-src 'self'` refuses `style` attributes). One value
/// type for every such style: tachys compiles its style code once per type.
pub fn css(f: impl Fn() -> String + Send + Sync + 'static) -> Signal<Option<String>> {
    let f: Box<dyn Fn() -> String + Send + Sync> = Box::new(f);
    Signal::derive(move || Some(f()))
}

/// `"true"` or `"false"`, for an ARIA state or a `data-` flag. Written as `attr=move ||
/// bool_text(..)`, every such attribute has one value type (the view macro shares one closure
/// type per output type), so tachys compiles each attribute once rather than once per signal
/// type it was given.
pub fn bool_text(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

/// The text size, in percent (80–150), kept per device.
#[derive(Clone, Copy)]
pub struct TextZoom(pub RwSignal<u16>);

/// The whole widget.
#[component]
pub fn App(config: Config, embed: embed::Embed) -> impl IntoView {
    let server = crate::config::normalize_base(&config.server.clone().unwrap_or_else(page_origin));
    let initial = match &config.token {
        Some(t) => Some(StoredSession {
            token: t.clone(),
            user_id: config.user_id,
        }),
        None => token::load(),
    };
    let auth = Auth {
        session: RwSignal::new(initial),
        notice: RwSignal::new(None),
        server: StoredValue::new(server),
        db_name: StoredValue::new(config.db_name()),
        embed,
    };
    provide_context(auth);
    let i18n = i18n::I18n::new(auth.server.get_value());
    i18n.load(i18n::initial_locale(config.locale.as_deref()));
    provide_context(i18n);
    let zoom = TextZoom(RwSignal::new(crate::storage::prefs::text_zoom()));
    provide_context(zoom);
    effect(move |first: Option<()>| {
        let percent = zoom.0.get();
        if first.is_some() {
            crate::storage::prefs::set_text_zoom(i64::from(percent));
        }
    });
    let signed_in = move || auth.session.with(Option::is_some);
    embed::follow_host(embed, i18n, auth);
    view! {
        <div
            class="mw-root"
            lang=move || i18n.locale().code()
            data-open=embed::flag(embed.open)
            style=("--mw-zoom", css(move || zoom.0.get().to_string()))
        >
            // The first language file is awaited before anything is drawn, so the widget
            // never flashes English before its own language.
            <Show when=move || !i18n.starting()>
                <Show when=signed_in fallback=|| view! { <LoginForm /> }>
                    <messenger::Messenger />
                </Show>
            </Show>
        </div>
    }
}
