//! The canned-reply popup: the replies whose shortcut starts with the `/prefix` at the caret.
//! Arrow keys move the highlight, Enter or Tab picks, Escape closes it until the next input,
//! a click picks. It follows the caret: moving it onto another shortcut shows that one's.

use leptos::prelude::*;

use super::state::ComposeCtx;
use crate::core::canned::Canned;
use crate::ui::erased::memo;
use crate::ui::handler::handler;

/// The ids of the suggestions, one per row the popup shows at most (`POPUP_ROWS`): the
/// message box names the highlighted one as its active descendant.
pub const OPTION_IDS: [&str; 6] = [
    "mw-canned-0",
    "mw-canned-1",
    "mw-canned-2",
    "mw-canned-3",
    "mw-canned-4",
    "mw-canned-5",
];

/// Handles a key of the textarea while the popup shows; `true` if it was the popup's.
pub fn popup_key(cc: ComposeCtx, key: &str) -> bool {
    let list = cc.suggestions.get_untracked();
    if list.is_empty() {
        return false;
    }
    let n = list.len();
    let active = cc.active.get_untracked().min(n - 1);
    match key {
        "ArrowDown" => cc.active.set((active + 1) % n),
        "ArrowUp" => cc.active.set((active + n - 1) % n),
        "Enter" | "Tab" => cc.pick(&list[active].text),
        "Escape" => cc.dismissed.set(true),
        _ => return false,
    }
    true
}

#[component]
pub fn CannedPopup() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let rows = move || cc.suggestions.get().into_iter().enumerate();
    let highlighted = memo(move |_| {
        let n = cc.suggestions.with(Vec::len);
        cc.active.get().min(n.saturating_sub(1))
    });
    view! {
        <ul
            id="mw-canned"
            class="mw-canned-popup"
            role="listbox"
            aria-label=crate::ui::i18n::text(crate::core::i18n::K::CannedList)
            data-testid="canned-suggestions"
            hidden=move || cc.suggestions.with(Vec::is_empty)
            // Keeps the focus (and the caret) in the textarea while a row is clicked.
            on:mousedown=handler(|ev: leptos::ev::MouseEvent| ev.prevent_default())
        >
            <For each=rows key=|(i, c)| format!("{i}:{}", c.id) let((index, reply))>
                <Suggestion index reply highlighted />
            </For>
        </ul>
    }
    .into_any()
}

#[component]
fn Suggestion(index: usize, reply: Canned, highlighted: Memo<usize>) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let Canned { shortcut, text, .. } = reply;
    let picked = text.clone();
    view! {
        <li
            id=OPTION_IDS.get(index).copied()
            role="option"
            aria-selected=move || if highlighted.get() == index { "true" } else { "false" }
            data-testid="canned-suggestion"
            on:click=handler(move |_| cc.pick(&picked))
        >
            <b>{format!("/{shortcut} ")}</b>
            <span>{text}</span>
        </li>
    }
    .into_any()
}
