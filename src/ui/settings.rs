//! The settings panel: send key, notification e-mail, forwarding (the server's values: a
//! change is sent as a patch and shown once the server confirms it), and the text size
//! (kept on this device).

use leptos::prelude::*;
use messenger_protocol::{EmailMode, Settings};

use super::ctx::Ctx;
use super::nav::PanelHeader;
use super::TextZoom;
use crate::core::settings_form::{
    email_mode_value, patch, send_key_value, text_size, Control, TEXT_SIZES,
};

const SEND_KEYS: [(&str, &str); 2] = [
    ("enter", "Enter (Shift+Enter for a new line)"),
    ("ctrl_enter", "Ctrl+Enter (Enter for a new line)"),
];
const EMAIL_MODES: [(&str, &str); 3] = [
    ("off", "Never"),
    ("immediately", "Immediately, one per message"),
    ("digest", "As a digest"),
];

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // With the server's error: a refused change puts the controls back to what it holds.
    let server = Memo::new(move |_| {
        ctx.session
            .with(|s| (s.state.settings.clone(), s.nav.settings_error.clone()))
    });
    let saving = Memo::new(move |_| ctx.session.with(|s| s.nav.is_saving_settings()));
    let forwarding = Memo::new(move |_| ctx.session.with(|s| s.state.features.forwarding));
    let local_error = RwSignal::new(None::<&'static str>);
    let change =
        move |control: Control, value: String, checked: bool| match patch(control, &value, checked)
        {
            Ok(p) => {
                local_error.set(None);
                let frame = ctx.session.try_update(|s| s.update_settings(p)).flatten();
                ctx.send(frame);
            }
            Err(e) => local_error.set(Some(e)),
        };
    let setting =
        move |f: fn(&Settings) -> String| Signal::derive(move || server.with(|s| f(&s.0)));
    let error = Signal::derive(move || match local_error.get() {
        Some(e) => e.to_string(),
        None => server.with(|s| s.1.clone().unwrap_or_default()),
    });
    view! {
        <section class="mw-navpanel" data-testid="settings-panel">
            <PanelHeader title="Settings">
                <span class="mw-saving">
                    {Signal::derive(move || if saving.get() { "Saving…" } else { "" }.to_string())}
                </span>
            </PanelHeader>
            <div class="mw-navpanel-body mw-settings">
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"Sending messages"</h3>
                    <Choice
                        label="Send with"
                        testid="settings-send-key"
                        options=SEND_KEYS.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()
                        value=setting(|s| send_key_value(s.send_key).into())
                        on_pick=Callback::new(move |v| change(Control::SendKey, v, false))
                    />
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"E-mail notifications"</h3>
                    <Choice
                        label="Send e-mail"
                        testid="settings-email-mode"
                        options=EMAIL_MODES.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()
                        value=setting(|s| email_mode_value(s.email_mode).into())
                        on_pick=Callback::new(move |v| change(Control::EmailMode, v, false))
                    />
                    <label
                        class="mw-field"
                        hidden=Signal::derive(move || {
                            server.with(|s| s.0.email_mode != EmailMode::Digest)
                        })
                    >
                        "Digest every (minutes)"
                        <input
                            type="number"
                            min="1"
                            max="1440"
                            data-testid="settings-digest-minutes"
                            prop:value=setting(|s| s.digest_minutes.to_string())
                            on:change=move |ev| {
                                change(Control::DigestMinutes, event_target_value(&ev), false)
                            }
                        />
                    </label>
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">"Offline recipients"</h3>
                    <label class="mw-check">
                        <input
                            type="checkbox"
                            data-testid="settings-forward-offline"
                            prop:checked=Signal::derive(move || {
                                server.with(|s| s.0.always_forward_offline)
                            })
                            on:change=move |ev| {
                                change(Control::ForwardOffline, String::new(), event_target_checked(&ev))
                            }
                        />
                        <span>"Always forward messages to offline people without asking"</span>
                    </label>
                    <p class="mw-setting-note" hidden=forwarding>
                        "This server does not store messages for offline people."
                    </p>
                </section>
                <TextSize />
                <p class="mw-setting-error" data-testid="settings-error" role="alert">
                    {error}
                </p>
            </div>
        </section>
    }
}

/// The text size of the widget on this device ([`TextZoom`]).
#[component]
fn TextSize() -> impl IntoView {
    let zoom = expect_context::<TextZoom>().0;
    let options = TEXT_SIZES
        .iter()
        .map(|z| (z.to_string(), format!("{z} %")))
        .collect();
    view! {
        <section class="mw-setting">
            <h3 class="mw-setting-title">"Display"</h3>
            <Choice
                label="Text size"
                testid="settings-zoom"
                options=options
                value=Signal::derive(move || zoom.get().to_string())
                on_pick=Callback::new(move |v: String| {
                    if let Some(z) = text_size(&v) {
                        zoom.set(z);
                    }
                })
            />
        </section>
    }
}

/// A labelled `<select>` showing `value`; `on_pick` gets the value picked.
#[component]
fn Choice(
    label: &'static str,
    testid: &'static str,
    options: Vec<(String, String)>,
    value: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="mw-field">
            {label}
            <select
                data-testid=testid
                data-value=move || value.get()
                on:change=move |ev| on_pick.run(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, text)| {
                        let selected = v.clone();
                        // Per option: the select's own value would be set before its options exist.
                        view! {
                            <option value=v prop:selected=move || value.with(|x| *x == selected)>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {

    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn js(code: &str) -> wasm_bindgen::JsValue {
        js_sys::eval(code).unwrap_or_else(|e| panic!("eval failed: {code}: {e:?}"))
    }

    const SELECT: &str = "document.querySelector('[data-testid=settings-zoom]')";

    #[wasm_bindgen_test]
    async fn text_size_control_sets_the_zoom() {
        // The only test of this binary that mounts anything: the body is its host.
        let zoom = RwSignal::new(100);
        let body = web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .body()
            .unwrap();
        let handle = leptos::mount::mount_to(body, move || {
            provide_context(TextZoom(zoom));
            view! { <TextSize /> }
        });
        let value = || js(&format!("{SELECT}.value")).as_string().unwrap();
        assert_eq!(zoom.get_untracked(), 100);
        assert_eq!(value(), "100");
        assert_eq!(
            js(&format!("[...{SELECT}.options].map((o) => o.value).join()")).as_string(),
            Some("80,90,100,110,125,150".into())
        );

        js(&format!(
            "(() => {{ const s = {SELECT}; s.value = '125'; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ));
        assert_eq!(zoom.get_untracked(), 125);

        // Set elsewhere (a preference kept on the device): the control follows.
        zoom.set(80);
        leptos::task::tick().await;
        assert_eq!(value(), "80");
        assert_eq!(
            js(&format!("{SELECT}.dataset.value"))
                .as_string()
                .as_deref(),
            Some("80")
        );
        drop(handle);
        assert!(js(SELECT).is_null(), "unmounted");
    }
}
