//! Effects and memos whose closures are boxed before they reach `reactive_graph`.
//!
//! `Effect::new` and `Memo::new` are generic over the closure, so every call site got its own
//! copy of the effect's scheduling loop and of the memo's compare-and-notify code: 22 effects
//! weighed about 25 KB and 46 memos about 26 KB of optimized wasm (twiggy). Boxed, the
//! closures of one value type share a single copy; the boxed call costs one indirect call
//! per run, nothing a user can notice.

use leptos::prelude::*;

/// `Effect::new` with its closure boxed (see the module comment).
pub fn effect<T: 'static>(f: impl FnMut(Option<T>) -> T + 'static) -> Effect<LocalStorage> {
    let f: Box<dyn FnMut(Option<T>) -> T> = Box::new(f);
    Effect::new(f)
}

/// A memo's computation, given its previous value.
type MemoFn<T> = Box<dyn Fn(Option<&T>) -> T + Send + Sync>;

/// `Memo::new` with its closure boxed (see the module comment).
pub fn memo<T>(f: impl Fn(Option<&T>) -> T + Send + Sync + 'static) -> Memo<T>
where
    T: PartialEq + Send + Sync + 'static,
{
    let f: MemoFn<T> = Box::new(f);
    Memo::new(f)
}
