//! The settings panel: send key, notification e-mail, forwarding. Values are the server's;
//! a change is sent as a patch and shown once the server confirms it.

use leptos::prelude::*;
use messenger_protocol::{EmailMode, SendKey, SettingsPatch};

use super::ctx::Ctx;
use super::nav::PanelHead;

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let settings = Memo::new(move |_| ctx.session.with(|s| s.state.settings.clone()));
    let forwarding = Memo::new(move |_| ctx.session.with(|s| s.state.features.forwarding));
    let error = Memo::new(move |_| ctx.session.with(|s| s.nav.settings_error.clone()));
    let saving = Memo::new(move |_| ctx.session.with(|s| s.nav.is_saving_settings()));
    let digest_error = RwSignal::new(None::<&'static str>);
    let save = move |patch: SettingsPatch| {
        let frame = ctx.session.try_update(|s| s.update_settings(patch)).flatten();
        ctx.send(frame);
    };
    let on_send_key = move |ev: web_sys::Event| {
        let key = match event_target_value(&ev).as_str() {
            "ctrl_enter" => SendKey::CtrlEnter,
            _ => SendKey::Enter,
        };
        save(SettingsPatch {
            send_key: Some(key),
            ..SettingsPatch::default()
        });
    };
    let on_email = move |ev: web_sys::Event| {
        let mode = match event_target_value(&ev).as_str() {
            "immediately" => EmailMode::Immediately,
            "digest" => EmailMode::Digest,
            _ => EmailMode::Off,
        };
        save(SettingsPatch {
            email_mode: Some(mode),
            ..SettingsPatch::default()
        });
    };
    let on_digest = move |ev: web_sys::Event| match event_target_value(&ev).trim().parse::<u32>() {
        Ok(m) if (1..=1440).contains(&m) => {
            digest_error.set(None);
            save(SettingsPatch {
                digest_minutes: Some(m),
                ..SettingsPatch::default()
            });
        }
        _ => digest_error.set(Some("Enter a number of minutes from 1 to 1440.")),
    };
    let on_forward = move |ev: web_sys::Event| {
        save(SettingsPatch {
            always_forward_offline: Some(event_target_checked(&ev)),
            ..SettingsPatch::default()
        });
    };
    let send_key = move || settings.with(|s| s.send_key);
    let email = move || settings.with(|s| s.email_mode);
    view! {
        <div class="mw-panel" data-testid="settings-panel">
            <PanelHead title="Settings">
                <span class="mw-saving" aria-live="polite">
                    {move || if saving.get() { "Saving…" } else { "" }}
                </span>
            </PanelHead>
            <div class="mw-list-scroll mw-settings">
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"Sending messages"</h3>
                    <label class="mw-field">
                        "Send with"
                        <select
                            data-testid="settings-send-key"
                            data-value=move || match send_key() {
                                SendKey::Enter => "enter",
                                SendKey::CtrlEnter => "ctrl_enter",
                            }
                            on:change=on_send_key
                        >
                            <option value="enter" prop:selected=move || send_key() == SendKey::Enter>
                                "Enter (Shift+Enter for a new line)"
                            </option>
                            <option
                                value="ctrl_enter"
                                prop:selected=move || send_key() == SendKey::CtrlEnter
                            >
                                "Ctrl+Enter (Enter for a new line)"
                            </option>
                        </select>
                    </label>
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"E-mail notifications"</h3>
                    <label class="mw-field">
                        "Send e-mail"
                        <select data-testid="settings-email-mode" on:change=on_email>
                            <option value="off" prop:selected=move || email() == EmailMode::Off>
                                "Never"
                            </option>
                            <option
                                value="immediately"
                                prop:selected=move || email() == EmailMode::Immediately
                            >
                                "Immediately, one per message"
                            </option>
                            <option value="digest" prop:selected=move || email() == EmailMode::Digest>
                                "As a digest"
                            </option>
                        </select>
                    </label>
                    <Show when=move || email() == EmailMode::Digest>
                        <label class="mw-field">
                            "Digest every (minutes)"
                            <input
                                type="number"
                                min="1"
                                max="1440"
                                data-testid="settings-digest-minutes"
                                prop:value=move || settings.with(|s| s.digest_minutes.to_string())
                                on:change=on_digest
                            />
                        </label>
                    </Show>
                    {move || digest_error.get().map(|e| view! { <p class="mw-setting-error">{e}</p> })}
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"Offline recipients"</h3>
                    <label class="mw-check">
                        <input
                            type="checkbox"
                            data-testid="settings-forward-offline"
                            prop:checked=move || settings.with(|s| s.always_forward_offline)
                            on:change=on_forward
                        />
                        "Always forward messages to offline people without asking"
                    </label>
                    <Show when=move || !forwarding.get()>
                        <p class="mw-setting-note">
                            "This server does not store messages for offline people."
                        </p>
                    </Show>
                </section>
                {move || {
                    error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="mw-setting-error" data-testid="settings-error">
                                    {e}
                                </p>
                            }
                        })
                }}
            </div>
        </div>
    }
}
