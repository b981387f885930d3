//! The notification center: newest first, a page at a time; a row opens its conversation.

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{Importance, NotificationId};

use super::open_notification;
use crate::core::format::preview;
use crate::core::i18n::K;
use crate::ui::bool_text;
use crate::ui::ctx::Ctx;
use crate::ui::erased::memo;
use crate::ui::handler::handler;
use crate::ui::i18n::{text, use_i18n};
use crate::ui::intl::when_text;
use crate::ui::keyed::id_list;
use crate::ui::nav::roving::{Roving, RowKey};
use crate::ui::nav::{now_and_offset, NavCtx, PanelHeader};

#[component]
pub fn NotificationCenter() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let ids = memo(move |_| {
        ctx.session.with(|s| {
            let mut ids = Vec::new();
            for n in &s.nav.notifications.items {
                ids.push(n.id);
            }
            ids
        })
    });
    // (loaded, has_more, loading, unread)
    let status = memo(move |_| {
        ctx.session.with(|s| {
            let n = &s.nav.notifications;
            (
                n.loaded,
                n.has_more,
                s.nav.is_loading_notifications(),
                s.state.unread_notifications,
            )
        })
    });
    let roving = Roving::new(Signal::derive(move || {
        ids.with(|ids| ids.iter().map(|id| RowKey::Item(*id)).collect())
    }));
    let send = move |frame| ctx.send(frame);
    let i18n = use_i18n();
    view! {
        <section class="mw-navpanel" data-testid="notification-center">
            <PanelHeader title=K::NotificationsTitle>
                <button
                    type="button"
                    class="mw-link"
                    data-testid="mark-all-read"
                    disabled=move || status.with(|s| s.3 == 0)
                    on:click=handler(move |_| {
                        send(ctx.session.try_update(|s| s.mark_all_notifications_read()).flatten())
                    })
                >
                    {text(K::NotificationsMarkAll)}
                </button>
            </PanelHeader>
            <div class="mw-navpanel-body">
                <ul
                    class="mw-notifications"
                    role="listbox"
                    aria-label=text(K::NotificationsTitle)
                >
                    {id_list(move || ids.get(), move |id| view! { <NotificationRow id=id roving=roving /> })}
                </ul>
                <p
                    class="mw-empty"
                    data-testid="notifications-empty"
                    hidden=move || !ids.with(Vec::is_empty)
                >
                    {move || {
                        i18n.t(if status.with(|s| s.0) { K::NotificationsEmpty } else { K::NotificationsLoading })
                    }}
                </p>
                <p class="mw-older" hidden=move || !status.with(|s| s.1)>
                    <button
                            type="button"
                            class="mw-link"
                            data-testid="notifications-older"
                            on:click=handler(move |_| {
                                send(ctx.session.try_update(|s| s.list_notifications(true)).flatten())
                            })
                        >
                            {move || {
                                i18n.t(if status.with(|s| s.2) { K::NotificationsLoadingMore } else { K::NotificationsOlder })
                            }}
                    </button>
                </p>
            </div>
        </section>
    }
}

#[component]
fn NotificationRow(id: NotificationId, roving: Roving) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let nav = expect_context::<NavCtx>();
    let n = memo(move |_| {
        ctx.session.with(|s| {
            s.nav
                .notifications
                .items
                .iter()
                .find(|n| n.id == id)
                .cloned()
        })
    });
    let read = Signal::derive(move || n.with(|n| n.as_ref().is_none_or(|n| n.read)));
    let high = Signal::derive(move || {
        n.with(|n| n.as_ref().is_some_and(|n| n.importance == Importance::High))
    });
    let key = RowKey::Item(id);
    let li = NodeRef::<html::Li>::new();
    roving.follow(key, Box::new(move || li.get().map(Into::into)));
    view! {
        <li
            node_ref=li
            class="mw-notification"
            class:mw-notification-unread=move || !read.get()
            class:mw-notification-high=move || high.get()
            data-testid="notification"
            data-notification-id=id.to_string()
            data-read=move || bool_text(read.get())
            data-importance=move || if high.get() { "high" } else { "normal" }
            role="option"
            tabindex=roving.tab_index(key)
            on:click=handler(move |_| open_notification(ctx, nav, id))
            on:focus=handler(move |_| roving.focused(key))
            on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" {
                    open_notification(ctx, nav, id);
                } else if roving.arrow(key, &ev) {
                    ev.prevent_default();
                }
            })
        >
            <span class="mw-notification-dot"></span>
            {move || {
                n.with(|n| {
                    let n = n.as_ref()?;
                    let (now, offset) = now_and_offset();
                    Some(
                        view! {
                            <span class="mw-conv-body">
                                <span class="mw-notification-title" data-testid="notification-title">
                                    {n.title.clone()}
                                </span>
                                <span class="mw-conv-preview">{preview(&n.body, 120)}</span>
                            </span>
                            <span class="mw-notification-time">
                                {i18n.with(|tr| when_text(tr, n.created_at, now, offset))}
                            </span>
                        },
                    )
                })
            }}
        </li>
    }
}
