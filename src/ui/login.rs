//! The sign-in form.

use leptos::prelude::*;

use super::i18n::{text, use_i18n};
use super::Auth;
use crate::core::i18n::{Notice, K};
use crate::net::login::login;
use crate::storage::token::{self, StoredSession};
use crate::ui::handler::handler;

#[component]
pub fn LoginForm() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // An expired session explains itself in the same place as a failed sign-in.
    let error = RwSignal::new(auth.notice.get_untracked());

    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let user = username.get_untracked().trim().to_string();
        let pass = password.get_untracked();
        if user.is_empty() || pass.is_empty() {
            error.set(Some(Notice::Text(K::LoginMissing)));
            return;
        }
        busy.set(true);
        error.set(None);
        let server = auth.server.get_value();
        leptos::task::spawn_local(async move {
            let result = login(&server, &user, &pass).await;
            let _ = busy.try_set(false);
            match result {
                Ok(resp) => {
                    let session = StoredSession {
                        token: resp.token,
                        user_id: Some(resp.user_id),
                    };
                    token::save(&session);
                    auth.notice.set(None);
                    auth.session.set(Some(session));
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.notice()));
                }
            }
        });
    };

    view! {
        <main class="mw-login">
            <form class="mw-login-card" on:submit=handler(submit)>
                <div class="mw-brand mw-brand-lg" aria-hidden="true">
                    "M"
                </div>
                <h1 class="mw-login-title">{text(K::LoginTitle)}</h1>
                <label class="mw-field">
                    <span>{text(K::LoginUsername)}</span>
                    <input
                        type="text"
                        name="username"
                        autocomplete="username"
                        data-testid="login-username"
                        prop:value=move || username.get()
                        on:input=handler(move |ev| username.set(event_target_value(&ev)))
                    />
                </label>
                <label class="mw-field">
                    <span>{text(K::LoginPassword)}</span>
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        data-testid="login-password"
                        prop:value=move || password.get()
                        on:input=handler(move |ev| password.set(event_target_value(&ev)))
                    />
                </label>
                {move || {
                    error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="mw-login-error" data-testid="login-error" role="alert">
                                    {move || i18n.with(|tr| e.render(tr))}
                                </p>
                            }
                        })
                }}
                <button
                    type="submit"
                    class="mw-primary"
                    data-testid="login-submit"
                    disabled=move || busy.get()
                >
                    {move || i18n.t(if busy.get() { K::LoginBusy } else { K::LoginSubmit })}
                </button>
            </form>
        </main>
    }
}
