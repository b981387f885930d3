//! The compose box's own state, shared by its parts through one context of signals.

use leptos::html::Textarea;
use leptos::prelude::*;
use messenger_protocol::{Attachment, ConversationId, Importance};

use super::super::ctx::Ctx;
use super::super::Auth;
use crate::core::canned::{self, Canned};
use crate::core::i18n::{Notice, K};
use crate::core::session::ComposeError;
use crate::ui::erased::memo;

/// An image attached in the compose box.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub key: u32,
    pub conversation: ConversationId,
    pub name: String,
    /// An object URL of the local file, revoked when the pick goes.
    pub preview: String,
    /// `None` while uploading.
    pub uploaded: Option<Attachment>,
}

/// Which list a panel shows: saved messages or canned replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelKind {
    Saved = 0,
    Canned = 1,
}

/// Suggestions shown at most (as many as `canned_popup::OPTION_IDS`).
const POPUP_ROWS: usize = 6;

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

#[derive(Clone, Copy)]
pub struct ComposeCtx {
    pub app: Ctx,
    /// The server and token for uploads.
    pub auth: Option<Auth>,
    pub input: NodeRef<Textarea>,
    /// The caret in UTF-16 units, as the textarea reports it; `usize::MAX` is the end (where
    /// the browser puts it when the text is replaced from outside, e.g. a restored draft).
    pub caret: RwSignal<usize>,
    pub picks: RwSignal<Vec<Pick>>,
    pub next_key: StoredValue<u32>,
    /// The last attachment problem, until the next pick, removal or send.
    pub error: RwSignal<Option<Notice>>,
    /// High importance is set for one conversation at a time.
    pub high: RwSignal<Option<ConversationId>>,
    /// The next message of this interaction is a private note.
    pub note: RwSignal<Option<ConversationId>>,
    /// Escape closed the canned-reply popup until the next input.
    pub dismissed: RwSignal<bool>,
    /// The highlighted suggestion.
    pub active: RwSignal<usize>,
    pub panel: RwSignal<Option<PanelKind>>,
    /// Saved messages and canned replies, by [`PanelKind`].
    pub lists: [RwSignal<Vec<Canned>>; 2],
    /// The canned replies matching the `/shortcut` at the caret.
    pub suggestions: Memo<Vec<Canned>>,
    /// A text with misspelled words the user is asked about before it is sent.
    pub spell_warn: RwSignal<Option<String>>,
    /// A text whose send waits for its spell check.
    pub spell_wait: RwSignal<Option<String>>,
    /// The text the user chose to send with its misspelled words.
    pub spell_ok: StoredValue<String>,
    /// The next spell check (or the end of a send's wait for one).
    pub spell_timer: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage>,
    /// The underline layer, scrolled with the textarea.
    pub spell_layer: NodeRef<leptos::html::Div>,
}

impl ComposeCtx {
    pub fn new(app: Ctx, auth: Option<Auth>) -> Self {
        let caret = RwSignal::new(usize::MAX);
        let dismissed = RwSignal::new(false);
        let canned_list = RwSignal::new(Vec::new());
        let suggestions = memo(move |_| {
            if dismissed.get() {
                return Vec::new();
            }
            let cursor = caret.get();
            app.compose.with(|text| {
                let Some(t) = canned::trigger(text, canned::utf16_to_byte(text, cursor)) else {
                    return Vec::new();
                };
                canned_list.with(|list| {
                    canned::matches(list, &t.prefix)
                        .into_iter()
                        .take(POPUP_ROWS)
                        .cloned()
                        .collect()
                })
            })
        });
        ComposeCtx {
            app,
            auth,
            input: NodeRef::new(),
            caret,
            picks: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
            error: RwSignal::new(None),
            high: RwSignal::new(None),
            note: RwSignal::new(None),
            dismissed,
            active: RwSignal::new(0),
            panel: RwSignal::new(None),
            lists: [RwSignal::new(Vec::new()), canned_list],
            suggestions,
            spell_warn: RwSignal::new(None),
            spell_wait: RwSignal::new(None),
            spell_ok: StoredValue::new(String::new()),
            spell_timer: StoredValue::new_local(None),
            spell_layer: NodeRef::new(),
        }
    }

    pub fn list(self, kind: PanelKind) -> RwSignal<Vec<Canned>> {
        self.lists[kind as usize]
    }

    /// The caret as the textarea has it now (UTF-16 units).
    pub fn dom_caret(self) -> usize {
        self.input
            .get_untracked()
            .and_then(|el| el.selection_start().ok().flatten())
            .map_or(usize::MAX, |c| c as usize)
    }

    /// Follows the caret (typing, arrow keys, clicks, selection changes): the popup shows
    /// the suggestions for the shortcut at the new place.
    pub fn caret_moved(self) {
        let caret = self.dom_caret();
        if self.caret.get_untracked() != caret {
            self.caret.set(caret);
            self.active.set(0);
        }
    }

    /// Puts the keyboard in the message box.
    pub fn focus(self) {
        if let Some(el) = self.input.get_untracked() {
            let _ = el.focus();
        }
    }

    /// Replaces the text and puts the caret at `at` (a byte offset), in the box and the draft.
    pub fn set_text(self, text: String, at: usize) {
        let units = canned::byte_to_utf16(&text, at);
        if let Some(el) = self.input.get_untracked() {
            // Now, not when the value binding next runs: the caret is placed in this text.
            el.set_value(&text);
            let _ = el.set_selection_range(units as u32, units as u32);
            let _ = el.focus();
        }
        self.caret.set(units);
        self.app.compose.set(text.clone());
        if let Some(c) = self.app.selected.get_untracked() {
            self.app.save_draft(c, text);
        }
    }

    /// Inserts `snippet` at the caret.
    pub fn insert(self, snippet: &str) {
        let text = self.app.compose.get_untracked();
        let at = canned::utf16_to_byte(&text, self.dom_caret());
        let joined = format!("{}{snippet}{}", &text[..at], &text[at..]);
        self.set_text(joined, at + snippet.len());
    }

    /// Replaces the `/shortcut` at the caret with `reply`.
    pub fn pick(self, reply: &str) {
        let text = self.app.compose.get_untracked();
        let at = canned::utf16_to_byte(&text, self.dom_caret());
        if let Some(t) = canned::trigger(&text, at) {
            let (text, at) = canned::apply(&text, &t, reply);
            self.set_text(text, at);
        }
        self.active.set(0);
    }

    /// An image of the open conversation is still uploading.
    pub fn uploading(self) -> bool {
        let c = self.app.selected.get();
        self.picks.with(|p| {
            p.iter()
                .any(|p| Some(p.conversation) == c && p.uploaded.is_none())
        })
    }

    /// Sends the text, importance and uploaded images of the open conversation.
    pub fn send(self) {
        let app = self.app;
        let Some(c) = app.selected.get_untracked() else {
            return;
        };
        let files: Vec<Pick> = self
            .picks
            .with_untracked(|p| p.iter().filter(|p| p.conversation == c).cloned().collect());
        let attachments: Option<Vec<Attachment>> =
            files.iter().map(|p| p.uploaded.clone()).collect();
        let Some(attachments) = attachments else {
            self.error.set(Some(Notice::Text(K::ComposeWaitUpload)));
            return;
        };
        let importance = if self.high.get_untracked() == Some(c) {
            Importance::High
        } else {
            Importance::Normal
        };
        let text = app.compose.get_untracked();
        let note = self.note.get_untracked() == Some(c);
        // A note never leaves the agents: nothing to warn about.
        if !note && super::spelling::holds_send(self, &text) {
            return;
        }
        match app.send_message(c, &text, importance, attachments, note) {
            Ok(()) => {
                app.compose.set(String::new());
                app.compose_error.set(None);
                app.save_draft(c, String::new());
                files.iter().for_each(|p| revoke(&p.preview));
                self.picks.update(|p| p.retain(|p| p.conversation != c));
                self.high.set(None);
                self.note.set(None);
                self.error.set(None);
            }
            Err(ComposeError::Empty) => {}
            Err(e) => app.compose_error.set(Some(e)),
        }
    }
}
