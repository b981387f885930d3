//! Images of a message: thumbnails under the text; a click opens the full-size viewer.
//!
//! The viewer is one overlay rendered once at the top of the messenger, not inside the
//! message row: the timeline is virtualized and may unmount a row while the viewer is open.
//! Thumbnails open it through [`ViewerCtx`].
//!
//! Files are read with the session token ([`crate::net::files`]), so images show from blob
//! object URLs that live as long as the view showing them.

use leptos::prelude::*;
use messenger_protocol::Attachment;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::Auth;
use crate::core::compose::fit;
use crate::ui::erased::effect;
use crate::ui::handler::handler;

/// Thumbnails are shown at most this big (CSS pixels), like the server makes them.
const THUMB: u32 = 240;

/// A server file being fetched for a view: `None` while loading, then its object URL, or
/// an empty string if it could not be had. (An `Option<String>` signal rather than an enum
/// of its own: the widget has that signal type already; bundle size.)
type FileUrl = RwSignal<Option<String>>;

/// Starts fetching `path` with the session token; the object URL is revoked when the
/// calling view goes away (or at once, if it went away before the bytes came).
fn fetch_file(path: String) -> FileUrl {
    let url: FileUrl = RwSignal::new(None);
    // Read as the compose box's uploads read them (one copy of these calls in the wasm).
    let auth = use_context::<Auth>();
    let server = auth.map(|a| a.server.get_value()).unwrap_or_default();
    let token = auth
        .and_then(|a| a.session.get_untracked())
        .map(|s| s.token);
    leptos::task::spawn_local(async move {
        let fetched = match token {
            Some(token) => crate::net::files::blob_url(&server, &token, &path).await,
            None => None,
        };
        if let Some(Some(late)) = url.try_set(Some(fetched.unwrap_or_default())) {
            revoke(&late);
        }
    });
    // Cleanups run before the owner's signals are disposed, so the URL is still readable.
    on_cleanup(move || {
        if let Some(Some(shown)) = url.try_get_untracked() {
            revoke(&shown);
        }
    });
    url
}

fn revoke(url: &str) {
    if !url.is_empty() {
        let _ = web_sys::Url::revoke_object_url(url);
    }
}

/// The object URL once there, else empty: `src=""` loads nothing. (A `String` attribute,
/// like many others; an `Option<String>` one would be a new attribute type: bundle size.)
fn ready(url: FileUrl) -> String {
    url.get().unwrap_or_default()
}

/// What the viewer shows.
#[derive(Clone, Debug)]
pub struct ViewerItem {
    /// The full image's path on the server (`/files/…`).
    pub url: String,
    pub name: String,
    /// The thumbnail that opened the viewer: the focus goes back to it.
    pub opener: Option<HtmlElement>,
}

/// Opens and closes the image viewer; provided once per messenger.
#[derive(Clone, Copy)]
pub struct ViewerCtx {
    pub open: RwSignal<Option<ViewerItem>, LocalStorage>,
}

impl ViewerCtx {
    pub fn provide() {
        provide_context(ViewerCtx {
            open: RwSignal::new_local(None),
        });
    }

    /// Closes the viewer and gives the focus back to the thumbnail that opened it (if that
    /// is still on the page: the timeline may have unmounted its row meanwhile).
    fn close(self) {
        let shown = self.open.try_update(Option::take).flatten();
        if let Some(el) = shown.and_then(|s| s.opener).filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    }
}

#[component]
pub fn Attachments(items: Vec<Attachment>) -> impl IntoView {
    let viewer = use_context::<ViewerCtx>();
    let thumbs = items
        .into_iter()
        .map(|a| {
            let (w, h) = fit(a.width, a.height, THUMB);
            let src = fetch_file(a.thumbnail_url);
            let url = a.url;
            let name = a.name.clone();
            let title = a.name.clone();
            let open = move |ev: web_sys::MouseEvent| {
                let opener = ev.current_target().and_then(|t| t.dyn_into().ok());
                if let Some(v) = viewer {
                    v.open.set(Some(ViewerItem {
                        url: url.clone(),
                        name: name.clone(),
                        opener,
                    }));
                }
            };
            view! {
                <button
                    type="button"
                    class="mw-att"
                    data-testid="attachment-thumb"
                    data-state=move || state(src)
                    title=title
                    on:click=handler(open)
                >
                    <img src=move || ready(src) width=w height=h alt=a.name />
                    <FailedNote />
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="mw-atts" data-testid="attachments">
            {thumbs}
        </div>
    }
    .into_any()
}

/// `loading`, `ready` or `failed`: styles the placeholder, and tests wait on it.
fn state(url: FileUrl) -> &'static str {
    url.with(|u| match u.as_deref() {
        None => "loading",
        Some("") => "failed",
        Some(_) => "ready",
    })
}

/// Says, in words, that the file could not be loaded; shown by the stylesheet only under a
/// `data-state="failed"` (always rendered: no reactive view of its own, bundle size).
#[component]
fn FailedNote() -> impl IntoView {
    view! {
        <span class="mw-att-failed" data-testid="attachment-failed">
            {crate::ui::i18n::text(crate::core::i18n::K::ViewerFailed)}
        </span>
    }
}

/// The viewer overlay, shown while [`ViewerCtx::open`] holds an image. Render it once, at
/// the top level (it needs `ViewerCtx` from an ancestor).
#[component]
pub fn ImageViewer() -> impl IntoView {
    let viewer = use_context::<ViewerCtx>();
    move || {
        let v = viewer?;
        let item = v.open.get()?;
        Some(view! { <ViewerOverlay item viewer=v /> }.into_any())
    }
}

/// Tab and Shift+Tab cycle through `controls` (the overlay's, in Tab order) only.
fn trap_tab(controls: &[HtmlElement], ev: &web_sys::KeyboardEvent) {
    if controls.is_empty() {
        return;
    }
    ev.prevent_default();
    let active =
        super::focus::active_element().and_then(|a| controls.iter().position(|c| **c == a));
    let n = controls.len();
    let next = match (active, ev.shift_key()) {
        (Some(i), false) => (i + 1) % n,
        (Some(i), true) => (i + n - 1) % n,
        (None, false) => 0,
        (None, true) => n - 1,
    };
    let _ = controls[next].focus();
}

/// The open viewer: the full image, its name, Save (a download link) and Close. Escape,
/// Close or a click on the backdrop closes it; the focus stays inside while it is open.
#[component]
fn ViewerOverlay(item: ViewerItem, viewer: ViewerCtx) -> impl IntoView {
    let overlay = NodeRef::<leptos::html::Div>::new();
    let save = NodeRef::<leptos::html::A>::new();
    let close_button = NodeRef::<leptos::html::Button>::new();
    // Window listeners while the overlay is mounted, removed by `close` or on unmount
    // (sign-out while open): nothing stays registered after the viewer is gone.
    let listeners = StoredValue::new(Vec::<WindowListenerHandle>::new());
    let remove_listeners = move || {
        for handle in listeners
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            handle.remove();
        }
    };
    let close = move || {
        remove_listeners();
        viewer.close();
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Tab" => {
            let save = save.get_untracked().map(HtmlElement::from);
            let close = close_button.get_untracked().map(HtmlElement::from);
            let controls: Vec<HtmlElement> = save.into_iter().chain(close).collect();
            trap_tab(&controls, &ev);
        }
        _ => {}
    });
    // Focus moved out some other way (a click beside the widget, a script): take it back,
    // after this event (focusing from inside the listener would re-enter it).
    // The focused element, not the event's target: seen from the window, a target inside a
    // shadow root is its host.
    let focus = window_event_listener(leptos::ev::focusin, move |_| {
        let Some(el) = overlay.get_untracked() else {
            return;
        };
        let inside = super::focus::active_element().is_some_and(|t| el.contains(Some(&t)));
        if !inside {
            queue_microtask(move || {
                let open = listeners.try_with_value(|l| !l.is_empty()) == Some(true);
                if let Some(button) = close_button.get_untracked().filter(|_| open) {
                    let _ = button.focus();
                }
            });
        }
    });
    listeners.set_value(vec![keys, focus]);
    on_cleanup(remove_listeners);
    effect(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    let on_backdrop = move |ev: web_sys::MouseEvent| {
        if ev.target() == ev.current_target() {
            close();
        }
    };
    let ViewerItem { url, name, .. } = item;
    let file = fetch_file(url);
    let (label, alt, shown) = (name.clone(), name.clone(), name.clone());
    view! {
        <div
            class="mw-viewer"
            role="dialog"
            aria-modal="true"
            aria-label=label
            data-testid="attachment-viewer"
            data-state=move || state(file)
            tabindex="-1"
            node_ref=overlay
            on:click=handler(on_backdrop)
        >
            <img
                class="mw-viewer-img"
                data-testid="viewer-image"
                src=move || ready(file)
                alt=alt
            />
            <FailedNote />
            <div class="mw-viewer-bar">
                <span data-testid="viewer-name">{shown}</span>
                // The saved file is the bytes already fetched: no second, tokenless request.
                <a
                    class="mw-button"
                    data-testid="viewer-download"
                    href=move || ready(file)
                    hidden=move || ready(file).is_empty()
                    download=name
                    node_ref=save
                >
                    {crate::ui::i18n::text(crate::core::i18n::K::ViewerSave)}
                </a>
                <button
                    type="button"
                    class="mw-button"
                    data-testid="viewer-close"
                    node_ref=close_button
                    on:click=handler(move |_| close())
                >
                    {crate::ui::i18n::text(crate::core::i18n::K::ViewerClose)}
                </button>
            </div>
        </div>
    }
    .into_any()
}
