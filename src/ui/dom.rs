//! A few plain DOM calls for the navigation lists. They are rebuilt from data in one effect
//! and handle clicks by delegation: far less wasm than a keyed view per list, and text is
//! always set as text (`textContent`), never parsed as HTML.

use wasm_bindgen::JsCast;
use web_sys::Element;

/// A new element with `class` (empty for none).
pub fn el(tag: &str, class: &str) -> Element {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let e = doc.create_element(tag).expect("a valid tag name");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// Appends a new element to `parent`, with `text` as its text.
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Element {
    let e = el(tag, class);
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    let _ = parent.append_child(&e);
    e
}

pub fn set(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Replaces the children of `parent`.
pub fn replace(parent: &Element, children: &[Element]) {
    parent.set_text_content(None);
    for c in children {
        let _ = parent.append_child(c);
    }
}

/// The closest element (from the event's target up) that has attribute `name`, and its value.
pub fn target_with(ev: &web_sys::Event, name: &str) -> Option<(Element, String)> {
    let t: Element = ev.target()?.dyn_into().ok()?;
    let found = t.closest(&format!("[{name}]")).ok()??;
    let value = found.get_attribute(name)?;
    Some((found, value))
}

/// Enter on a focused row acts like a click (a button does that by itself).
pub fn is_activation(ev: &web_sys::KeyboardEvent) -> bool {
    ev.key() == "Enter"
        && ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .is_some_and(|e| e.tag_name() != "BUTTON")
}
