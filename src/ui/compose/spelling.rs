//! Spell check in the compose box: the text is checked by the server a moment after typing
//! stops, misspelled words are underlined by a layer drawn under the textarea (text nodes
//! only: the text is never HTML), and with the user's `warn_misspelled` setting a message
//! with misspelled words waits for a "send anyway" before it goes.

use leptos::prelude::*;

use super::state::ComposeCtx;
use crate::core::desk::spell_segments;
use crate::core::i18n::K;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;
use crate::ui::i18n::{text, use_i18n};

/// How long typing must pause before the text is checked.
const CHECK_AFTER_MS: u32 = 600;
/// A send waits this long at most for its check: a slow server does not hold a message.
const SEND_WAIT_MS: u32 = 3000;

/// Checks the compose text once typing pauses.
pub fn check_soon(cc: ComposeCtx) {
    let timer = crate::timer::after(CHECK_AFTER_MS, move || {
        cc.spell_timer.try_set_value(None);
        check_now(cc);
    });
    cc.spell_timer.try_set_value(Some(timer));
}

fn check_now(cc: ComposeCtx) {
    let app = cc.app;
    if app
        .session
        .try_with_untracked(|s| s.state.features.spell_check)
        != Some(true)
    {
        return;
    }
    let lang = app.i18n.locale().code();
    let Some(text) = app.compose.try_get_untracked() else {
        return;
    };
    let frame = app
        .session
        .try_update_untracked(|s| s.check_spelling(lang, &text))
        .flatten();
    app.send(frame);
}

/// Whether sending `text` must wait: the user asked to be warned, and its words are not
/// known to be right (or the user chose to send it anyway). Starts the check when it was
/// not asked yet; the send goes once the answer comes (see [`SpellWarning`]).
pub fn holds_send(cc: ComposeCtx, text: &str) -> bool {
    let app = cc.app;
    // Only a server that checks spelling is waited on: another backend never answers.
    let (warn, online, known) = app.session.with_untracked(|s| {
        (
            s.state.settings.warn_misspelled && s.state.features.spell_check,
            s.online,
            s.desk.misspelled(text).map(|r| !r.is_empty()),
        )
    });
    if !warn || !online || text.trim().is_empty() || cc.spell_ok.get_value() == text {
        return false;
    }
    match known {
        Some(false) => false,
        Some(true) => {
            cc.spell_warn.set(Some(text.to_string()));
            true
        }
        None => {
            check_now(cc);
            cc.spell_wait.set(Some(text.to_string()));
            let give_up = crate::timer::after(SEND_WAIT_MS, move || {
                cc.spell_timer.try_set_value(None);
                if cc.spell_wait.try_get_untracked().flatten().is_some() {
                    cc.spell_wait.set(None);
                    send_anyway(cc);
                }
            });
            cc.spell_timer.try_set_value(Some(give_up));
            true
        }
    }
}

fn send_anyway(cc: ComposeCtx) {
    cc.spell_ok.set_value(cc.app.compose.get_untracked());
    cc.spell_warn.set(None);
    cc.send();
}

/// The underline layer: the same text in the same box, the misspelled words marked.
#[component]
pub fn SpellOverlay() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let app = cc.app;
    let pieces = memo(move |_| {
        app.compose.with(|text| {
            app.session.with(|s| {
                s.desk
                    .misspelled(text)
                    .filter(|r| !r.is_empty())
                    .map(|r| spell_segments(text, r))
            })
        })
    });
    move || {
        pieces.get().map(|pieces| {
            view! {
                <div class="mw-spell" aria-hidden="true" node_ref=cc.spell_layer>
                    {pieces
                        .into_iter()
                        .map(|(t, bad)| if bad {
                            view! { <mark data-testid="misspelled">{t}</mark> }.into_any()
                        } else {
                            t.into_any()
                        })
                        .collect_view()}
                    // A final newline has a line of its own in the textarea.
                    " "
                </div>
            }
        })
    }
}

/// The question before a message with misspelled words goes, with the words.
#[component]
pub fn SpellWarning() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let app = cc.app;
    let i18n = use_i18n();
    // The answer to a send that waited for its check.
    effect(move |_| {
        let Some(waiting) = cc.spell_wait.get() else {
            return;
        };
        let bad = app
            .session
            .with(|s| s.desk.misspelled(&waiting).map(|r| !r.is_empty()));
        match bad {
            Some(true) => {
                cc.spell_wait.set(None);
                cc.spell_warn.set(Some(waiting));
            }
            Some(false) => {
                cc.spell_wait.set(None);
                send_anyway(cc);
            }
            None => {}
        }
    });
    // Shown while the text is the one it is about.
    let words = memo(move |_| {
        let warned = cc.spell_warn.get()?;
        if app.compose.with(|t| *t != warned) {
            return None;
        }
        app.session.with(|s| {
            let ranges = s.desk.misspelled(&warned)?;
            let words: Vec<String> = spell_segments(&warned, ranges)
                .into_iter()
                .filter(|(_, bad)| *bad)
                .map(|(w, _)| w)
                .collect();
            Some(words.join(", "))
        })
    });
    move || {
        words.get().map(|words| {
            view! {
                <div class="mw-spell-warning" data-testid="spell-warning" role="alertdialog" aria-live="assertive">
                    <span>{i18n.f(K::SpellWarn, &[("words", &words)])}</span>
                    <button type="button" class="mw-tool" data-testid="spell-send-anyway" on:click=handler(move |_| send_anyway(cc))>
                        {text(K::SpellSendAnyway)}
                    </button>
                    <button
                        type="button"
                        class="mw-tool"
                        data-testid="spell-edit"
                        on:click=handler(move |_| {
                            cc.spell_warn.set(None);
                            cc.focus();
                        })
                    >
                        {text(K::SpellEdit)}
                    </button>
                </div>
            }
        })
    }
}
