//! The reading pane: the selected message drawn by the chat view's own message line (links,
//! thumbnails, importance), and the chat view's compose box to answer it or, in Drafts, to
//! finish and send the draft.

use leptos::prelude::*;

use super::{read, MailUi};
use crate::core::color::participant_color;
use crate::core::i18n::K;
use crate::core::mailbox::{item, Folder};
use crate::ui::compose::Compose;
use crate::ui::erased::memo;
use crate::ui::i18n::{text, use_i18n};
use crate::ui::message::MessageView;

#[component]
pub fn ReadingPane(ui: MailUi) -> impl IntoView {
    let prefs = ui.prefs;
    let ctx = ui.ctx;
    let i18n = use_i18n();
    // The selected row while it is listed (an expired message leaves the pane empty).
    let at = move || prefs.at.get().filter(|k| ui.reached.get() == Some(*k));
    // The shown message's line key: it changes when the line must be drawn again.
    let shown = memo(move |_| {
        let Some(key) = at() else {
            return String::new();
        };
        read(ctx, |s| item(&s.state, &s.mailbox, key).map(|it| it.key))
            .flatten()
            .unwrap_or_default()
    });
    let heading = move || {
        let key = at()?;
        let title = ui.text(key, |r| r.title.clone());
        if prefs.folder() == Folder::Inbox {
            return Some(title);
        }
        let to = i18n.f(
            K::MailToNames,
            &[("names", &ui.text(key, |r| r.who.clone()))],
        );
        Some(format!("{title} · {to}"))
    };
    let body = move || {
        shown.track();
        let key = at()?;
        let (it, name) = ctx
            .peek(|s| {
                let it = item(&s.state, &s.mailbox, key)?;
                let name = s.state.display_name(it.sender_id);
                Some((it, name))
            })
            .flatten()?;
        let color = participant_color(it.sender_id);
        Some(view! {
            <ul class="mw-mail-message">
                <MessageView item=it sender_name=name color />
            </ul>
        })
    };
    // The reply box follows the selection: it is bound to the open conversation.
    let reply = move || at().is_some() && ctx.selected.with(Option::is_some);
    view! {
        <section class="mw-mail-pane" data-testid="mail-pane" aria-label=text(K::MailPane)>
            <p class="mw-mail-none" hidden=move || at().is_some()>
                {text(K::MailNone)}
            </p>
            <h2 class="mw-mail-heading" data-testid="mail-heading">{heading}</h2>
            {body}
            <Show when=reply>
                <div class="mw-mail-reply" data-testid="mail-reply">
                    <Compose />
                </div>
            </Show>
        </section>
    }
}
