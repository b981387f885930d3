//! The signed-in shell: wires the socket, drafts and visibility into the views.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::attachments::{ImageViewer, ViewerCtx};
use super::chat::ChatPane;
use super::ctx::Ctx;
use super::nav::{ListColumn, NavCtx};
use super::sidebar::Sidebar;
use super::Auth;
use crate::config::ws_url;
use crate::core::session::Session;
use crate::net::socket::{Closed, Handlers, Socket, Status};
use crate::storage::drafts::DraftStore;

const EXPIRED: &str = "Your session has expired or is no longer valid. Please sign in again.";

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
        socket: StoredValue::new_local(None),
        drafts: StoredValue::new_local(None),
        drafts_ready: RwSignal::new(false),
        draft_generation: StoredValue::new(0),
        known_user: stored.user_id,
    };
    provide_context(ctx);
    NavCtx::provide();
    ViewerCtx::provide();

    // Visibility, for mark-read.
    let on_visibility = Closure::<dyn FnMut()>::new(move || ctx.visible.set(document_visible()));
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        );
    }
    let on_visibility = SendWrapper::new(on_visibility);

    // Drafts database.
    let db_name = auth.db_name.get_value();
    leptos::task::spawn_local(async move {
        match DraftStore::open(&db_name).await {
            Ok(store) => {
                if ctx.drafts.try_set_value(Some(store.clone())).is_none() {
                    let _ = ctx.drafts_ready.try_set(true);
                } else {
                    store.close(); // unmounted meanwhile
                }
            }
            Err(e) => web_sys::console::warn_1(&format!("messenger: drafts disabled: {e}").into()),
        }
    });

    // The connection.
    let handlers = Handlers {
        on_frame: Box::new(move |frame| {
            let open = ctx.selected.get_untracked();
            let now = js_sys::Date::now() as i64;
            let Some(outcome) = ctx.session.try_update(|s| s.receive_at(frame, open, now)) else {
                return Vec::new();
            };
            if outcome.unauthorized {
                auth.sign_out(Some(EXPIRED.to_string()));
            }
            if let Some(c) = outcome.open {
                ctx.open(c);
            }
            outcome.send
        }),
        on_status: Box::new(move |status| {
            let _ = ctx.status.try_set(status);
        }),
        on_closed: Box::new(move |closed| {
            ctx.session.try_update(Session::disconnected);
            match closed {
                Closed::Lost => {}
                Closed::Unauthorized => auth.sign_out(Some(EXPIRED.to_string())),
                Closed::Unsupported => {
                    web_sys::console::error_1(
                        &"messenger: the server speaks another protocol version".into(),
                    );
                }
            }
        }),
    };
    let socket = Socket::start(
        ws_url(&auth.server.get_value()),
        stored.token.clone(),
        handlers,
    );
    ctx.socket.set_value(Some(socket.clone()));

    let socket = SendWrapper::new(socket);
    on_cleanup(move || {
        socket.stop();
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let _ = doc.remove_event_listener_with_callback(
                "visibilitychange",
                on_visibility.as_ref().unchecked_ref(),
            );
        }
        drop(on_visibility);
        if let Some(Some(store)) = ctx.drafts.try_get_value() {
            store.close();
        }
    });

    // Selection changes: flush the previous draft, load history, restore the draft.
    Effect::new(move |prev: Option<Option<i64>>| {
        let current = ctx.selected.get();
        if let Some(Some(prev)) = prev {
            if Some(prev) != current {
                ctx.save_draft_now(prev, ctx.compose.get_untracked());
                ctx.compose.set(String::new());
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

    // Restore the draft of the opened conversation once the database is ready. Only runs
    // when the conversation, the database or the user changes (not on every frame).
    let me_id = Memo::new(move |_| ctx.session.with(|s| s.state.me_id()).or(ctx.known_user));
    Effect::new(move |_| {
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
                    ctx.compose.set(text);
                }
            }
        });
    });

    // Mark read while the conversation is open and the page visible.
    let mark_key = Memo::new(move |_| {
        let c = ctx.selected.get()?;
        ctx.session.with(|s| {
            let me = s.state.me_id()?;
            let conv = s.state.conversations.get(&c)?;
            Some((c, conv.newest_from_others(me), conv.unread, s.online))
        })
    });
    Effect::new(move |_| {
        let key = mark_key.get();
        let visible = ctx.visible.get();
        let Some((c, _, _, true)) = key else {
            return;
        };
        if !visible {
            return;
        }
        if ctx.session.with_untracked(|s| s.needs_mark_read(c)) {
            let frame = ctx.session.try_update(|s| s.mark_read(c)).flatten();
            ctx.send(frame);
        }
    });

    view! {
        <div class="mw-app">
            <Sidebar />
            <section class="mw-list">
                <header class="mw-list-head">
                    <span class="mw-avatar mw-avatar-me">
                        {move || crate::core::format::initials(&me_name(ctx))}
                    </span>
                    <span class="mw-me" data-testid="me">{move || me_name(ctx)}</span>
                    <span
                        class="mw-status"
                        data-testid="connection-status"
                        data-state=move || ctx.status.get().as_str()
                        title=move || status_text(ctx.status.get())
                    >
                        {move || status_text(ctx.status.get())}
                    </span>
                </header>
                <ListColumn />
            </section>
            <ChatPane />
            <ImageViewer />
        </div>
    }
}

fn me_name(ctx: Ctx) -> String {
    ctx.session.with(|s| {
        s.state
            .me
            .as_ref()
            .map(|m| {
                if m.display_name.trim().is_empty() {
                    m.username.clone()
                } else {
                    m.display_name.clone()
                }
            })
            .unwrap_or_default()
    })
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Online => "Online",
        Status::Connecting => "Connecting…",
        Status::Offline => "Offline",
    }
}
