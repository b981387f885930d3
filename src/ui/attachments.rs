//! Images of a message: thumbnails under the text; a click opens the full-size viewer.

use leptos::prelude::*;
use messenger_protocol::Attachment;

use super::Auth;
use crate::core::compose::fit;

/// Thumbnails are shown at most this big (CSS pixels), like the server makes them.
const THUMB: u32 = 240;

/// The image URLs are relative to the server's base URL.
fn absolute(path: &str) -> String {
    let base = use_context::<Auth>()
        .and_then(|a| a.server.try_get_value())
        .unwrap_or_default();
    format!("{base}{path}")
}

#[component]
pub fn Attachments(items: Vec<Attachment>) -> impl IntoView {
    let open = RwSignal::new(None::<usize>);
    // The thumbnail that opened the viewer gets the focus back when it closes.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let close = move || {
        open.set(None);
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    };
    let thumbs = items
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (w, h) = fit(a.width, a.height, THUMB);
            view! {
                <button
                    type="button"
                    class="mw-att"
                    data-testid="attachment-thumb"
                    title=a.name.clone()
                    on:click=move |ev| {
                        opener.set_value(event_target::<web_sys::HtmlElement>(&ev).into());
                        open.set(Some(i));
                    }
                >
                    <img src=absolute(&a.thumbnail_url) width=w height=h alt=a.name.clone() loading="lazy" />
                </button>
            }
        })
        .collect_view();
    let viewer = move || {
        let a = items.get(open.get()?)?.clone();
        let url = absolute(&a.url);
        let (name, label, alt, href) = (a.name.clone(), a.name.clone(), a.name.clone(), url.clone());
        let close_ref = NodeRef::<leptos::html::Button>::new();
        close_ref.on_load(|b| {
            let _ = b.focus();
        });
        Some(view! {
            <div
                class="mw-viewer"
                role="dialog"
                aria-modal="true"
                aria-label=label
                data-testid="attachment-viewer"
                tabindex="-1"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
                on:click=move |ev| {
                    if event_target::<web_sys::Element>(&ev).class_name() == "mw-viewer" {
                        close();
                    }
                }
            >
                <img class="mw-viewer-img" data-testid="viewer-image" src=url alt=alt />
                <div class="mw-viewer-bar">
                    <span data-testid="viewer-name">{name}</span>
                    <a class="mw-button" data-testid="viewer-download" href=href download=a.name>
                        "Save"
                    </a>
                    <button type="button" class="mw-button" data-testid="viewer-close" node_ref=close_ref on:click=move |_| close()>
                        "Close"
                    </button>
                </div>
            </div>
        })
    };
    view! {
        <div class="mw-atts" data-testid="attachments">{thumbs}{viewer}</div>
    }
}
