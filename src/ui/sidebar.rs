//! The narrow sidebar: brand, total unread counter, sign-out.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::Auth;
use crate::core::format::unread_label;

#[component]
pub fn Sidebar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let auth = expect_context::<Auth>();
    let total = Memo::new(move |_| ctx.session.with(|s| s.state.total_unread()));
    let open_unread = move |_| {
        if let Some(c) = ctx.session.with_untracked(|s| s.state.most_recent_unread()) {
            ctx.open(c);
        }
    };
    view! {
        <nav class="mw-sidebar" aria-label="Messenger">
            <div class="mw-brand" aria-hidden="true">
                "M"
            </div>
            <button
                type="button"
                class="mw-unread"
                class:mw-unread-zero=move || total.get() == 0
                data-testid="unread-counter"
                title=move || format!("{} unread messages", total.get())
                on:click=open_unread
            >
                {move || unread_label(total.get())}
            </button>
            <div class="mw-sidebar-fill"></div>
            <button
                type="button"
                class="mw-signout"
                data-testid="sign-out"
                title="Sign out"
                on:click=move |_| auth.sign_out(None)
            >
                "Sign out"
            </button>
        </nav>
    }
}
