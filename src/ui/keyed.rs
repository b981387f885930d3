//! Keyed lists of ids whose closures are type-erased before `<For>` sees them.
//!
//! `<For>` is generic over its `each`, `key` and `children` closures, so every list of ids
//! compiled its own copy of the keyed diff and of row mounting, although all of them list
//! `i64` ids keyed by themselves. Boxed here, they share one copy.

use std::sync::Arc;

use leptos::prelude::*;

/// What is listed: the ids, in order.
type Ids = Arc<dyn Fn() -> Vec<i64> + Send + Sync>;
/// What one id draws.
type Row = Arc<dyn Fn(i64) -> AnyView + Send + Sync>;

/// A keyed list of the rows `row` draws for the ids `each` returns, in that order.
pub fn id_list<V: IntoView + 'static>(
    each: impl Fn() -> Vec<i64> + Send + Sync + 'static,
    row: impl Fn(i64) -> V + Send + Sync + 'static,
) -> AnyView {
    erased(Arc::new(each), Arc::new(move |id| row(id).into_any()))
}

fn erased(each: Ids, row: Row) -> AnyView {
    view! { <For each=move || each() key=|id| *id children=move |id| row(id) /> }.into_any()
}
