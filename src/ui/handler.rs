//! Event handlers, one type per event.
//!
//! tachys compiles its attribute code (build, rebuild, clone, erase) once per handler type,
//! and every closure is a type of its own. Boxed, the handlers of one event (`click`,
//! `keydown`...) share one type and that code exists once per event instead of once per
//! `on:` in the views.

/// `on:click=handler(move |_| ...)`.
pub fn handler<E: 'static>(f: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(f)
}
