//! Watching an element's height with a `ResizeObserver` whose closure the watch owns.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ResizeObserver};

/// Reports the element's height (CSS pixels) whenever it changes; dropping the watch
/// disconnects the observer and frees its closure.
pub struct HeightWatch {
    observer: ResizeObserver,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl HeightWatch {
    pub fn new(el: &HtmlElement, on_height: impl Fn(i32) + 'static) -> Option<HeightWatch> {
        let target = el.clone();
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries| {
            on_height(target.offset_height());
        });
        let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(el);
        Some(HeightWatch {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for HeightWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
