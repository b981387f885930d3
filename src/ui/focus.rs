//! Where the keyboard focus is, wherever the widget is mounted: `document.activeElement` stops
//! at the host of a shadow root (a portal may mount the widget inside one), so the search goes
//! on down through every open shadow root to the element that really has the focus.

use web_sys::Element;

/// The focused element, inside shadow roots too; `None` when nothing has the focus.
pub fn active_element() -> Option<Element> {
    let mut el = web_sys::window()?.document()?.active_element()?;
    while let Some(inner) = el.shadow_root().and_then(|root| root.active_element()) {
        el = inner;
    }
    Some(el)
}
