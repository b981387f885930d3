//! The signed-in messenger: creates the shared state, wires the link to the server (local
//! copy, tabs, socket), the drafts database and the page's visibility into it, then draws the
//! [`Shell`].

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use messenger_protocol::UserId;

use super::attachments::ViewerCtx;
use super::ctx::Ctx;
use super::link::Link;
use super::nav::NavCtx;
use super::shell::Shell;
use super::Auth;
use crate::core::session::{ReadSync, Session};
use crate::core::tabs::Status;
use crate::storage::drafts::DraftStore;
use crate::storage::prefs;
use crate::ui::erased::{effect, memo};

fn document_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
        .unwrap_or(true)
}

#[component]
pub fn Messenger() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let stored =
        auth.session
            .get_untracked()
            .unwrap_or_else(|| crate::storage::token::StoredSession {
                token: String::new(),
                user_id: None,
            });
    let ctx = Ctx {
        session: RwSignal::new(Session::new(crate::net::random_id_prefix())),
        status: RwSignal::new(Status::Connecting),
        selected: RwSignal::new(None),
        visible: RwSignal::new(document_visible()),
        compose: RwSignal::new(String::new()),
        compose_error: RwSignal::new(None),
        retry_at: RwSignal::new(None),
        leader: RwSignal::new(false),
        storage_failed: RwSignal::new(false),
        link: StoredValue::new_local(None),
        compose_synced: StoredValue::new_local(String::new()),
        forward_ask: RwSignal::new(None),
        forward_choice: RwSignal::new(Vec::new()),
        drafts: StoredValue::new_local(None),
        drafts_ready: RwSignal::new(false),
        drafted: RwSignal::new(Vec::new()),
        redraw: StoredValue::new_local(None),
        draft_queue: StoredValue::new_local(Default::default()),
        known_user: stored.user_id,
        i18n: super::i18n::use_i18n(),
        embed: auth.embed,
    };
    provide_context(ctx);
    NavCtx::provide();
    ViewerCtx::provide();

    watch_visibility(ctx);
    start(ctx, auth, stored.token);
    // The signed-in user: known from the sign-in before the server's welcome says it.
    let me_id = memo(move |_| ctx.session.with(|s| s.state.me_id()).or(ctx.known_user));
    follow_selection(ctx, me_id);
    remember_open_conversation(ctx);
    load_drafted(ctx, me_id);
    mark_read_while_shown(ctx);
    super::embed::tell_host(ctx);

    view! { <Shell /> }
}

/// Tracks whether the page is visible: mark-read waits for it.
fn watch_visibility(ctx: Ctx) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let listener = EventListener::new(&doc, "visibilitychange", move |_| {
        ctx.visible.set(document_visible());
    });
    // Dropped, and so removed from the document, when the messenger unmounts.
    let listener = StoredValue::new_local(Some(listener));
    on_cleanup(move || {
        listener.try_update_value(|l| l.take());
    });
}

/// Opens the database, then starts the link: the local copy is drawn before any connection.
/// Without IndexedDB the messenger works from memory, with a warning.
fn start(ctx: Ctx, auth: Auth, token: String) {
    let db_name = auth.db_name.get_value();
    leptos::task::spawn_local(async move {
        let store = match DraftStore::open(&db_name).await {
            Ok(store) => {
                if ctx.drafts.try_set_value(Some(store.clone())).is_some() {
                    store.close(); // unmounted meanwhile
                    return;
                }
                let _ = ctx.drafts_ready.try_set(true);
                Some(store)
            }
            Err(e) => {
                web_sys::console::warn_1(&format!("messenger: storage disabled: {e}").into());
                let _ = ctx.storage_failed.try_set(true);
                None
            }
        };
        match ctx.known_user {
            Some(user) => Link::start(ctx, auth, user, token, store),
            // Signed in by an older version that did not keep the user id: nothing to key
            // the copy by, so the outbox stays in memory.
            None => Link::start(ctx, auth, 0, token, None),
        }
    });
    on_cleanup(move || {
        if let Some(Some(link)) = ctx.link.try_get_value() {
            link.stop();
        }
        if let Some(Some(store)) = ctx.drafts.try_get_value() {
            store.close();
        }
    });
}

/// Selection changes: flush the previous draft, load history, restore the new one's draft.
fn follow_selection(ctx: Ctx, me_id: Memo<Option<UserId>>) {
    effect(move |prev: Option<Option<i64>>| {
        let current = ctx.selected.get();
        if let Some(Some(prev)) = prev {
            if Some(prev) != current {
                ctx.save_draft(prev, ctx.compose.get_untracked());
                ctx.set_compose_from_outside(String::new());
                ctx.compose_error.set(None);
            }
        }
        if let Some(c) = current {
            if prev != Some(current) {
                let frame = ctx
                    .session
                    .try_update(|s| s.load_history(c, None))
                    .flatten();
                ctx.send(frame);
            }
        }
        current
    });

    // Only runs when the conversation, the database or the user changes (not on every frame).
    effect(move |_| {
        let (Some(c), true, Some(me)) = (ctx.selected.get(), ctx.drafts_ready.get(), me_id.get())
        else {
            return;
        };
        let Some(store) = ctx.drafts.get_value() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(Some(text)) = store.load(me, c).await {
                let still_here = ctx.selected.try_get_untracked() == Some(Some(c));
                if still_here && ctx.compose.with_untracked(String::is_empty) {
                    ctx.set_compose_from_outside(text);
                }
            }
        });
    });
}

/// Which conversations hold a draft, read once the database and the user are known.
fn load_drafted(ctx: Ctx, me_id: Memo<Option<UserId>>) {
    effect(move |_| {
        let (true, Some(me)) = (ctx.drafts_ready.get(), me_id.get()) else {
            return;
        };
        let Some(store) = ctx.drafts.get_value() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(list) = store.conversations_with_drafts(me).await {
                let _ = ctx.drafted.try_set(list);
            }
        });
    });
}

/// A reload reopens the conversation that was open (per device, in localStorage); closing
/// the chat forgets it.
fn remember_open_conversation(ctx: Ctx) {
    let restored = RwSignal::new(false);
    effect(move |_| {
        if restored.get() {
            return;
        }
        // Once the server said which conversations exist.
        let Some(last) = ctx.session.with(|s| {
            let user = s.state.me_id().filter(|_| s.online)?;
            Some(prefs::last_conversation(user).filter(|c| s.state.conversations.contains_key(c)))
        }) else {
            return;
        };
        if let (Some(c), None) = (last, ctx.selected.get_untracked()) {
            ctx.open(c);
        }
        restored.set(true);
    });
    effect(move |_| {
        let current = ctx.selected.get();
        if !restored.get() {
            return;
        }
        let Some(user) = ctx.me_id() else {
            return;
        };
        match current {
            Some(c) => prefs::set_last_conversation(user, c),
            None => prefs::clear_last_conversation(user),
        }
    });
}

/// Reads the open conversation while the page is visible and the widget open; while messages
/// pour in the server is told now and then (see [`Session::read_conversation`]), with a timer for the rest.
fn mark_read_while_shown(ctx: Ctx) {
    let mark_key = memo(move |_| {
        let c = ctx.selected.get()?;
        ctx.session.with(|s| {
            let me = s.state.me_id()?;
            let conv = s.state.conversations.get(&c)?;
            Some((c, conv.newest_from_others(me), conv.unread, s.online))
        })
    });
    // Bumped by the timer when a throttled mark is due.
    let due = RwSignal::new(0u32);
    let timer = StoredValue::new_local(None::<Timeout>);
    effect(move |_| {
        due.track();
        let key = mark_key.get();
        let visible = ctx.visible.get() && ctx.embed.open.get();
        let Some((c, _, _, true)) = key else {
            return;
        };
        let now = js_sys::Date::now() as i64;
        if !visible {
            // Hidden or being closed: what was read goes out now, not after the wait.
            let frame = ctx.session.try_update(|s| s.flush_read(c, now)).flatten();
            ctx.send(frame);
            return;
        }
        match ctx.session.try_update(|s| s.read_conversation(c, now)) {
            Some(ReadSync::Send(frame)) => ctx.send([frame]),
            Some(ReadSync::Wait(wait)) => {
                timer.set_value(Some(crate::timer::after(wait as u32, move || {
                    let _ = due.try_update(|n| *n += 1);
                })))
            }
            _ => {}
        }
    });
}
