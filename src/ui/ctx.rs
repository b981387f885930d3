//! The shared handles of a signed-in messenger view.

use leptos::prelude::*;
use messenger_protocol::{ClientFrame, ConversationId, UserId};

use crate::core::session::Session;
use crate::net::socket::{Socket, Status};
use crate::storage::drafts::DraftStore;

#[derive(Clone, Copy)]
pub struct Ctx {
    pub session: RwSignal<Session>,
    pub status: RwSignal<Status>,
    pub selected: RwSignal<Option<ConversationId>>,
    /// `document.visibilityState == "visible"`.
    pub visible: RwSignal<bool>,
    /// The compose box's text (for the selected conversation).
    pub compose: RwSignal<String>,
    pub compose_error: RwSignal<Option<String>>,
    pub socket: StoredValue<Option<Socket>, LocalStorage>,
    pub drafts: StoredValue<Option<DraftStore>, LocalStorage>,
    pub drafts_ready: RwSignal<bool>,
    /// Bumped to cancel a pending debounced draft save.
    pub draft_generation: StoredValue<u64>,
    /// The user id known before the welcome (from the login answer).
    pub known_user: Option<UserId>,
}

impl Ctx {
    pub fn send(&self, frames: impl IntoIterator<Item = ClientFrame>) {
        let frames: Vec<ClientFrame> = frames.into_iter().collect();
        if frames.is_empty() {
            return;
        }
        self.socket.with_value(|s| {
            if let Some(s) = s {
                s.send_all(&frames);
            }
        });
    }

    pub fn me_id(&self) -> Option<UserId> {
        self.session
            .with_untracked(|s| s.state.me_id())
            .or(self.known_user)
    }

    /// Shows a conversation (draft handling follows from the selection change).
    pub fn open(&self, conversation: ConversationId) {
        if self.selected.get_untracked() != Some(conversation) {
            // Before the selection changes, so mark-read cannot move the read position first.
            self.session.update(|s| s.opened(conversation));
            self.selected.set(Some(conversation));
        }
    }

    /// The user typed in the compose box of `conversation`; tells the others now and then.
    pub fn notify_typing(&self, conversation: ConversationId) {
        let now = js_sys::Date::now() as i64;
        // Untracked: only the throttle changes, nothing on screen depends on it.
        let frame = self
            .session
            .try_update_untracked(|s| s.notify_typing(conversation, now))
            .flatten();
        self.send(frame);
    }

    /// Opens the direct conversation with `user` (via `open_direct`).
    pub fn open_direct(&self, user: UserId) {
        let Some((existing, frame)) = self.session.try_update(|s| s.open_direct(user)) else {
            return;
        };
        if let Some(c) = existing {
            self.open(c);
        }
        self.send(frame);
    }

    /// Saves the draft of `conversation` now (no debounce).
    pub fn save_draft_now(&self, conversation: ConversationId, text: String) {
        self.draft_generation.update_value(|g| *g += 1);
        let (Some(store), Some(user)) = (self.drafts.get_value(), self.me_id()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Err(e) = store.save(user, conversation, &text).await {
                web_sys::console::warn_1(&format!("messenger: {e}").into());
            }
        });
    }

    /// Saves the draft of `conversation` after ~200 ms without typing.
    pub fn save_draft_debounced(&self, conversation: ConversationId, text: String) {
        self.draft_generation.update_value(|g| *g += 1);
        let generation = self.draft_generation.get_value();
        let ctx = *self;
        set_timeout(
            move || {
                let current = ctx.draft_generation.try_get_value();
                if current == Some(generation) {
                    ctx.save_draft_now(conversation, text);
                }
            },
            std::time::Duration::from_millis(200),
        );
    }
}
