//! The interface language as a context: the texts of the chosen language, swapped in place
//! when the user picks another one (every text that reads them redraws).

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::i18n::{Catalog, Locale, K};

#[derive(Clone, Copy)]
pub struct I18n {
    catalog: RwSignal<Arc<Catalog>>,
    /// Where the language files are served (the server's base URL).
    base: StoredValue<String>,
    /// The language whose file is on its way, if any.
    pub loading: RwSignal<Option<Locale>>,
    /// The first language is in place (its file arrived, or could not be had).
    ready: RwSignal<bool>,
}

thread_local! {
    /// English given in advance (tests, views mounted on their own); else it is fetched.
    static ENGLISH: std::cell::RefCell<Option<Arc<Catalog>>> = const { std::cell::RefCell::new(None) };
}

/// Makes English available without a fetch, for every widget mounted afterwards on this page.
pub fn install_english() {
    ENGLISH.with(|e| *e.borrow_mut() = Some(Arc::new(Catalog::english())));
}

fn installed_english() -> Option<Arc<Catalog>> {
    ENGLISH.with(|e| e.borrow().clone())
}

impl I18n {
    pub fn new(base: String) -> I18n {
        I18n {
            catalog: RwSignal::new(
                installed_english().unwrap_or_else(|| Arc::new(Catalog::empty(Locale::En))),
            ),
            base: StoredValue::new(base),
            loading: RwSignal::new(None),
            ready: RwSignal::new(false),
        }
    }

    /// The widget's first language is still on its way.
    pub fn starting(self) -> bool {
        !self.ready.get()
    }

    // Every read goes through `get` on the one signal type (an `Arc` clone): a generic
    // `with` per call site would instantiate the signal's read path once per closure
    // (about 2 KB of wasm each, measured with twiggy).
    pub fn t(self, key: K) -> String {
        self.catalog.get().t(key)
    }

    pub fn f(self, key: K, args: &[(&str, &str)]) -> String {
        self.catalog.get().f(key, args)
    }

    pub fn n(self, key: K, count: u64, args: &[(&str, &str)]) -> String {
        self.catalog.get().n(key, count, args)
    }

    pub fn locale(self) -> Locale {
        self.catalog.get().locale
    }

    /// Reads the texts (tracked: the caller redraws when the language changes).
    pub fn with<R>(self, f: impl FnOnce(&Catalog) -> R) -> R {
        f(&self.catalog.get())
    }

    /// Reads the texts without subscribing (event handlers, socket callbacks).
    pub fn with_untracked<R>(self, f: impl FnOnce(&Catalog) -> R) -> R {
        f(&self.catalog.get_untracked())
    }

    /// Switches to `locale`: English at once, another language once its file arrived. A
    /// file that cannot be fetched or read leaves the current language and says why in the
    /// console.
    pub fn load(self, locale: Locale) {
        if let Some(english) = installed_english().filter(|_| locale == Locale::En) {
            self.loading.set(None);
            self.catalog.set(english);
            self.ready.set(true);
            return;
        }
        self.loading.set(Some(locale));
        let base = self.base.get_value();
        leptos::task::spawn_local(async move {
            let loaded = crate::net::locale::fetch(&base, locale)
                .await
                .and_then(|json| Catalog::parse(locale, &json).map_err(|e| e.to_string()));
            // A later choice wins over a file that arrives late.
            if self.loading.try_get_untracked().flatten() != Some(locale) {
                return;
            }
            match loaded {
                Ok(c) => self.catalog.set(Arc::new(c)),
                Err(e) => web_sys::console::warn_1(&format!("messenger: {e}").into()),
            }
            self.loading.set(None);
            self.ready.set(true);
        });
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A text of the interface, for a view: redrawn when the language changes.
pub fn text(key: K) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(key)
}

/// The language for this widget: the user's own choice on this device, else the host's
/// (`data-locale` / `locale` option), else the browser's preferred languages.
pub fn initial_locale(configured: Option<&str>) -> Locale {
    if let Some(chosen) = crate::storage::prefs::locale() {
        return chosen;
    }
    if let Some(l) = configured.and_then(Locale::from_tag) {
        return l;
    }
    let languages: Vec<String> = web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    Locale::negotiate(languages.iter().map(String::as_str))
}

/// Provides English texts, for views mounted on their own (tests, a host drawing one part).
pub fn provide_english() -> I18n {
    install_english();
    let i18n = I18n::new(String::new());
    i18n.ready.set(true);
    provide_context(i18n);
    i18n
}
