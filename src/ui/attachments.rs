//! Images of a message: thumbnails under the text; a click opens the full-size viewer.
//!
//! The viewer is built by hand with one listener for its clicks and keys: it is opened
//! rarely, and as a reactive view it cost several kilobytes of wasm.

use leptos::prelude::*;
use messenger_protocol::Attachment;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::compose::add;
use super::Auth;
use crate::core::compose::fit;

/// Thumbnails are shown at most this big (CSS pixels), like the server makes them.
const THUMB: u32 = 240;

#[component]
pub fn Attachments(items: Vec<Attachment>) -> impl IntoView {
    // The image URLs are relative to the server's base URL.
    let base = use_context::<Auth>()
        .and_then(|a| a.server.try_get_value())
        .unwrap_or_default();
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
                    data-index=i.to_string()
                    title=a.name.clone()
                >
                    <img
                        src=format!("{base}{}", a.thumbnail_url)
                        width=w
                        height=h
                        alt=a.name.clone()
                        loading="lazy"
                    />
                </button>
            }
        })
        .collect_view();
    view! {
        <div
            class="mw-atts"
            data-testid="attachments"
            on:click=move |ev| {
                open_viewer(&ev, &items, &base);
            }
        >
            {thumbs}
        </div>
    }
}

/// Opens the viewer of the clicked thumbnail: the image at `url`, its name, Save (a
/// download link) and Close. Escape, Close or a click beside the image closes it and gives
/// the focus back to the thumbnail.
fn open_viewer(ev: &web_sys::MouseEvent, items: &[Attachment], base: &str) -> Option<()> {
    let target: Element = ev.target()?.dyn_into().ok()?;
    let thumb: HtmlElement = target.closest("[data-index]").ok()??.dyn_into().ok()?;
    let a = items.get(thumb.get_attribute("data-index")?.parse::<usize>().ok()?)?;
    let container: Element = ev.current_target()?.dyn_into().ok()?;
    let url = format!("{base}{}", a.url);
    let attrs = [
        ("class", "mw-viewer"),
        ("role", "dialog"),
        ("aria-modal", "true"),
        ("aria-label", &a.name),
        ("data-testid", "attachment-viewer"),
        ("tabindex", "-1"),
    ];
    let overlay = add(&container, "div", &attrs, "")?;
    let attrs = [
        ("class", "mw-viewer-img"),
        ("data-testid", "viewer-image"),
        ("src", &url),
        ("alt", &a.name),
    ];
    add(&overlay, "img", &attrs, "")?;
    let bar = add(&overlay, "div", &[("class", "mw-viewer-bar")], "")?;
    add(&bar, "span", &[("data-testid", "viewer-name")], &a.name)?;
    let attrs = [
        ("class", "mw-button"),
        ("data-testid", "viewer-download"),
        ("href", &url),
        ("download", &a.name),
    ];
    add(&bar, "a", &attrs, "Save")?;
    let attrs = [
        ("type", "button"),
        ("class", "mw-button"),
        ("data-testid", "viewer-close"),
    ];
    let close: HtmlElement = add(&bar, "button", &attrs, "Close")?.dyn_into().ok()?;

    let shown = overlay.clone();
    let on_event = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let hit = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        let closes = match ev.dyn_ref::<web_sys::KeyboardEvent>() {
            Some(key) => key.key() == "Escape",
            None => hit.is_some_and(|t| {
                t == shown || t.get_attribute("data-testid").as_deref() == Some("viewer-close")
            }),
        };
        // Clicks inside must not reach the thumbnails' handler either way.
        ev.stop_propagation();
        if closes {
            ev.prevent_default();
            shown.remove();
            let _ = thumb.focus();
        }
    });
    for kind in ["click", "keydown"] {
        let _ = overlay.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
    }
    // Owned by the overlay from now on; it is small and only made when a user opens an image.
    on_event.forget();
    let _ = close.focus();
    Some(())
}
