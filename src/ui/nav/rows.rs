//! Rows keyed by id: the conversation, channel and notification lists and the toasts share
//! this one `<For>` (each keyed list is its own code in the wasm otherwise).

use leptos::prelude::*;

/// One view per id of `ids`, kept while its id stays; `row` draws it.
#[component]
pub fn Rows(ids: Signal<Vec<i64>>, row: Callback<i64, AnyView>) -> impl IntoView {
    view! { <For each=move || ids.get() key=|id| *id children=move |id| row.run(id) /> }
}
