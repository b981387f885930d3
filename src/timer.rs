//! Timers with one closure type: gloo's `Timeout::new` is compiled once per closure type, and
//! each copy costs wasm on every page; boxed, the widget's timers share one.

use gloo_timers::callback::{Interval, Timeout};

/// `f` after `ms` milliseconds; dropping the handle cancels it.
pub fn after(ms: u32, f: impl FnOnce() + 'static) -> Timeout {
    let f: Box<dyn FnOnce()> = Box::new(f);
    Timeout::new(ms, f)
}

/// `f` every `ms` milliseconds; dropping the handle stops it.
pub fn every(ms: u32, f: impl FnMut() + 'static) -> Interval {
    let f: Box<dyn FnMut()> = Box::new(f);
    Interval::new(ms, f)
}
