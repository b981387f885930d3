//! The shared handles of a signed-in messenger view.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use messenger_protocol::{ClientFrame, ConversationId, UserId};

use super::link::Link;
use crate::core::outbox::{Hold, PendingMessage, PendingState};
use crate::core::session::{ComposeError, Session};
use crate::core::tabs::Status;
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
    pub compose_error: RwSignal<Option<crate::core::session::ComposeError>>,
    /// When the next connection attempt is due (ms since the epoch), while offline.
    pub retry_at: RwSignal<Option<f64>>,
    /// This tab holds the connection for the user's tabs.
    pub leader: RwSignal<bool>,
    /// IndexedDB refused a write (or is missing): unsent messages live in memory only.
    pub storage_failed: RwSignal<bool>,
    pub link: StoredValue<Option<Link>, LocalStorage>,
    /// A message held while the user is asked whether the server should keep it for an
    /// offline person: (client id, that person, the conversation).
    pub forward_ask: RwSignal<Option<(String, UserId, ConversationId)>>,
    /// The compose text as last set from outside this tab's typing (a loaded draft, another
    /// tab's draft): while the box still holds it, the user has not typed here since.
    pub compose_synced: StoredValue<String, LocalStorage>,
    /// The answers given this session, per conversation (true: forward).
    pub forward_choice: RwSignal<Vec<(ConversationId, bool)>>,
    pub drafts: StoredValue<Option<DraftStore>, LocalStorage>,
    pub drafts_ready: RwSignal<bool>,
    /// Conversations holding a saved draft, ascending (the list marks them).
    pub drafted: RwSignal<Vec<ConversationId>>,
    /// The redraw waiting for the next animation frame, if one is scheduled.
    pub redraw: StoredValue<Option<Redraw>, LocalStorage>,
    /// Draft writes not done yet.
    pub draft_queue: StoredValue<DraftQueue, LocalStorage>,
    /// The user id known before the welcome (from the login answer).
    pub known_user: Option<UserId>,
    /// The interface language, for handlers that run outside a view.
    pub i18n: super::i18n::I18n,
    /// The host page's controls (open state...).
    pub embed: super::embed::Embed,
}

impl Ctx {
    /// Applies what the server sent at once, but lets the views see it once per animation
    /// frame: a burst of frames (hundreds a second on a busy group) costs one redraw, not one
    /// per frame. Without an owner (the messenger is gone) it does nothing.
    pub fn receive<R>(&self, apply: impl FnOnce(&mut Session) -> R) -> Option<R> {
        let mut apply = Some(apply);
        let mut result = None;
        self.receive_dyn(&mut |s| result = apply.take().map(|f| f(s)));
        result
    }

    /// Reads the session without subscribing (handlers and socket callbacks).
    pub fn peek<R>(&self, f: impl FnOnce(&Session) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut result = None;
        self.peek_dyn(&mut |s| result = f.take().map(|f| f(s)));
        result
    }

    fn peek_dyn(&self, f: &mut dyn FnMut(&Session)) {
        self.session.try_with_untracked(|s| f(s));
    }

    /// [`Ctx::receive`]'s body, compiled once rather than once per caller's closure.
    fn receive_dyn(&self, apply: &mut dyn FnMut(&mut Session)) {
        if self.session.try_update_untracked(|s| apply(s)).is_none() {
            return;
        }
        if self.redraw.try_with_value(Option::is_none) == Some(true) {
            let ctx = *self;
            let show = move || {
                // The handle is dropped from inside its own callback: wasm-bindgen defers
                // freeing a closure that is running.
                ctx.redraw.try_set_value(None);
                ctx.session.notify();
            };
            // A hidden page draws no frames; a timer still runs, so counters and
            // notifications keep up in a background tab.
            let pending = if self.visible.get_untracked() {
                Redraw::Frame(gloo_render::request_animation_frame(move |_| show()))
            } else {
                Redraw::Timer(crate::timer::after(0, show))
            };
            self.redraw.try_set_value(Some(pending));
        }
    }

    pub fn send(&self, frames: impl IntoIterator<Item = ClientFrame>) {
        let frames: Vec<ClientFrame> = frames.into_iter().collect();
        if frames.is_empty() {
            return;
        }
        if let Some(Some(link)) = self.link.try_get_value() {
            link.send(frames);
        }
    }

    /// Checks and queues a message: stored first, then shown as pending and sent.
    pub fn send_message(
        &self,
        conversation: ConversationId,
        text: &str,
        importance: messenger_protocol::Importance,
        attachments: Vec<messenger_protocol::Attachment>,
        note: bool,
    ) -> Result<(), ComposeError> {
        let now = js_sys::Date::now() as i64;
        let (message, recipient) = self
            .session
            .try_update_untracked(|s| {
                let m = s.prepare_message(conversation, text, importance, attachments, now)?;
                Ok::<_, ComposeError>((m, s.offline_recipient(conversation)))
            })
            .ok_or(ComposeError::Empty)??;
        let choice = self.forward_choice.with_untracked(|list| {
            list.iter()
                .find(|(c, _)| *c == conversation)
                .map(|(_, yes)| *yes)
        });
        let mut message = message;
        message.note = note;
        // Offline and not asked yet, or told "no": it waits in the pending list (stored, so
        // nothing is lost while the question is open).
        if recipient.is_some() && choice != Some(true) {
            message.state = PendingState::Held(Hold::WhenOnline);
        }
        self.session.update(|s| s.note_sent(conversation));
        if let (Some(user), None) = (recipient, choice) {
            self.forward_ask
                .set(Some((message.client_id.clone(), user, conversation)));
        }
        self.requeue(message);
        Ok(())
    }

    /// The answer to "Forward to the server?": `Some(true)` always, `Some(false)` yes this
    /// time (and for this conversation this session), `None` no.
    pub fn answer_forward(&self, answer: Option<bool>) {
        let Some((id, _, conversation)) = self.forward_ask.get_untracked() else {
            return;
        };
        self.forward_ask.set(None);
        self.forward_choice
            .update(|list| list.push((conversation, answer.is_some())));
        if answer.is_some() {
            self.retry_message(&id);
        }
        if answer == Some(true) {
            let frame = self
                .session
                .try_update(|s| {
                    s.update_settings(messenger_protocol::SettingsPatch {
                        always_forward_offline: Some(true),
                        ..Default::default()
                    })
                })
                .flatten();
            self.send(frame);
        }
    }

    fn requeue(&self, message: PendingMessage) {
        match self.link.try_get_value().flatten() {
            Some(link) => link.queue(message),
            None => {
                let frames = self.session.try_update(|s| s.upsert_outbox(message));
                self.send(frames.unwrap_or_default());
            }
        }
    }

    /// Sends a failed or held message again now.
    pub fn retry_message(&self, client_id: &str) {
        let message = self
            .session
            .try_update(|s| s.outbox.retry(client_id))
            .flatten();
        if let Some(m) = message {
            self.requeue(m);
        }
    }

    /// Changes how a message for an offline recipient waits.
    pub fn hold_message(&self, client_id: &str, hold: Hold) {
        if let Some(Some(m)) = self.session.try_update(|s| s.hold(client_id, hold)) {
            self.requeue(m);
        }
    }

    /// Deletes an unsent message.
    pub fn delete_message(&self, client_id: &str) {
        match self.link.try_get_value().flatten() {
            Some(link) => link.forget(client_id.to_string()),
            None => {
                self.session.try_update(|s| s.outbox.discard(client_id));
            }
        }
    }

    /// Takes an unsent message back into the compose box of its conversation.
    pub fn edit_message(&self, client_id: &str) {
        let Some(Some(p)) = self.peek(|s| s.outbox.get(client_id).cloned()) else {
            return;
        };
        self.delete_message(client_id);
        self.open(p.conversation_id);
        self.compose.set(p.text);
    }

    /// Reconnects now.
    pub fn retry_now(&self) {
        if let Some(Some(link)) = self.link.try_get_value() {
            link.retry_now();
        }
    }

    /// Another tab saved a draft: shown here too, unless the user has typed something else
    /// in this tab's box since it was last set (their own words win).
    pub fn draft_elsewhere(&self, conversation: ConversationId, text: String) {
        self.mark_drafted(conversation, !text.trim().is_empty());
        if self.selected.try_get_untracked() != Some(Some(conversation)) {
            return;
        }
        let untouched = self
            .compose_synced
            .try_with_value(|synced| self.compose.with_untracked(|now| now == synced));
        if untouched == Some(true) {
            self.set_compose_from_outside(text);
        }
    }

    /// Sets the compose text from a stored or another tab's draft.
    pub fn set_compose_from_outside(&self, text: String) {
        self.compose_synced.set_value(text.clone());
        self.compose.set(text);
    }

    pub fn me_id(&self) -> Option<UserId> {
        self.peek(|s| s.state.me_id()).flatten().or(self.known_user)
    }

    /// Shows a conversation (draft handling follows from the selection change). Opening the
    /// one already shown still tells its followers: the message box takes the keyboard.
    pub fn open(&self, conversation: ConversationId) {
        if self.selected.get_untracked() != Some(conversation) {
            // Before the selection changes, so mark-read cannot move the read position first.
            self.session.update(|s| s.opened(conversation));
            self.selected.set(Some(conversation));
        } else {
            self.selected.notify();
        }
    }

    /// Closes the open conversation (the one-column layout shows the list again); its draft
    /// is saved by the selection change.
    pub fn close_chat(&self) {
        self.selected.set(None);
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

    /// Saves the draft of `conversation` (an empty text deletes it). Writes go out one at a
    /// time as fast as IndexedDB takes them; a text typed meanwhile replaces the one still
    /// waiting for that conversation, so a burst of keystrokes costs a few writes, and the
    /// newest text is never more than one write behind.
    pub fn save_draft(&self, conversation: ConversationId, text: String) {
        let start = self.draft_queue.try_update_value(|q| {
            match q.waiting.iter_mut().find(|(c, _)| *c == conversation) {
                Some(waiting) => waiting.1 = text,
                None => q.waiting.push((conversation, text)),
            }
            !std::mem::replace(&mut q.writing, true)
        });
        if start == Some(true) {
            let ctx = *self;
            leptos::task::spawn_local(async move { ctx.write_drafts().await });
        }
    }

    async fn write_drafts(self) {
        loop {
            let (Some(store), Some(user)) = (self.drafts.try_get_value().flatten(), self.me_id())
            else {
                // Not open yet (or gone): what waits is written with the next keystroke.
                self.draft_queue.try_update_value(|q| q.writing = false);
                return;
            };
            let next = self.draft_queue.try_update_value(|q| {
                let next = (!q.waiting.is_empty()).then(|| q.waiting.remove(0));
                q.writing = next.is_some();
                next
            });
            let Some(Some((conversation, text))) = next else {
                return;
            };
            match store.save(user, conversation, &text).await {
                Ok(()) => {
                    self.mark_drafted(conversation, !text.trim().is_empty());
                    if let Some(Some(link)) = self.link.try_get_value() {
                        link.draft_saved(conversation, text);
                    }
                }
                Err(e) => web_sys::console::warn_1(&format!("messenger: {e}").into()),
            }
        }
    }

    /// Records whether `conversation` holds a saved draft.
    fn mark_drafted(&self, conversation: ConversationId, has_draft: bool) {
        self.drafted.try_update(
            |list| match (list.binary_search(&conversation), has_draft) {
                (Err(at), true) => list.insert(at, conversation),
                (Ok(at), false) => {
                    list.remove(at);
                }
                _ => {}
            },
        );
    }
}

/// A scheduled redraw; dropping it cancels it.
pub enum Redraw {
    Frame(gloo_render::AnimationFrame),
    Timer(Timeout),
}

/// Drafts waiting to be written: the newest text per conversation, in order.
#[derive(Default)]
pub struct DraftQueue {
    writing: bool,
    waiting: Vec<(ConversationId, String)>,
}
