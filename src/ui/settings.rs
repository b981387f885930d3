//! The settings panel: send key, notification e-mail, forwarding (the server's values: a
//! change is sent as a patch and shown once the server confirms it), the text size, browser
//! notifications and the sound (kept on this device).

use leptos::prelude::*;
use messenger_protocol::{EmailMode, Settings};

use super::ctx::Ctx;
use super::i18n::{text, use_i18n};
use super::nav::PanelHeader;
use super::TextZoom;
use crate::core::i18n::{Locale, K};
use crate::core::settings_form::{
    email_mode_value, patch, send_key_value, text_size, Control, TEXT_SIZES,
};
use crate::storage::prefs::{self, NOTIFY_KEY, SOUND_KEY};
use crate::ui::browser_notify::{permission, request, Permission};
use crate::ui::erased::memo;
use crate::ui::handler::handler;

const SEND_KEYS: [(&str, K); 2] = [
    ("enter", K::SettingsKeyEnter),
    ("ctrl_enter", K::SettingsKeyCtrl),
];
const EMAIL_MODES: [(&str, K); 3] = [
    ("off", K::SettingsEmailNever),
    ("immediately", K::SettingsEmailImmediately),
    ("digest", K::SettingsEmailDigest),
];

/// An option's text: one of the interface's, or a name that stays as it is.
#[derive(Clone)]
pub(crate) enum Label {
    Text(K),
    Name(String),
}

fn keyed(options: &[(&str, K)]) -> Vec<(String, Label)> {
    options
        .iter()
        .map(|(v, k)| (v.to_string(), Label::Text(*k)))
        .collect()
}

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // With the server's error: a refused change puts the controls back to what it holds.
    let server = memo(move |_| {
        ctx.session
            .with(|s| (s.state.settings.clone(), s.nav.settings_error.clone()))
    });
    let saving = memo(move |_| ctx.session.with(|s| s.nav.is_saving_settings()));
    let forwarding = memo(move |_| ctx.session.with(|s| s.state.features.forwarding));
    let local_error = RwSignal::new(None::<K>);
    let i18n = use_i18n();
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
    let digest = setting(|s| s.digest_minutes.to_string());
    let error = Signal::derive(move || match local_error.get() {
        Some(e) => i18n.t(e),
        None => server.with(|s| {
            s.1.as_ref()
                .map(|n| i18n.with(|tr| n.render(tr)))
                .unwrap_or_default()
        }),
    });
    view! {
        <section class="mw-navpanel" data-testid="settings-panel">
            <PanelHeader title=K::SettingsTitle>
                <span class="mw-saving">
                    {move || if saving.get() { i18n.t(K::SettingsSaving) } else { String::new() }}
                </span>
            </PanelHeader>
            <div class="mw-navpanel-body mw-settings">
                <section class="mw-setting">
                    <h3 class="mw-setting-title">{text(K::SettingsSending)}</h3>
                    <Choice
                        label=K::SettingsSendWith
                        testid="settings-send-key"
                        options=keyed(&SEND_KEYS)
                        value=setting(|s| send_key_value(s.send_key).into())
                        on_pick=Callback::new(move |v| change(Control::SendKey, v, false))
                    />
                    <label class="mw-check">
                        <input
                            type="checkbox"
                            data-testid="settings-warn-misspelled"
                            prop:checked=move || server.with(|s| s.0.warn_misspelled)
                            on:change=handler(move |ev| {
                                change(Control::WarnMisspelled, String::new(), event_target_checked(&ev))
                            })
                        />
                        <span>{text(K::SettingsWarnMisspelled)}</span>
                    </label>
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">{text(K::SettingsEmail)}</h3>
                    <Choice
                        label=K::SettingsSendEmail
                        testid="settings-email-mode"
                        options=keyed(&EMAIL_MODES)
                        value=setting(|s| email_mode_value(s.email_mode).into())
                        on_pick=Callback::new(move |v| change(Control::EmailMode, v, false))
                    />
                    <label
                        class="mw-field"
                        hidden=move || {
                            server.with(|s| s.0.email_mode != EmailMode::Digest)
                        }
                    >
                        {text(K::SettingsDigestMinutes)}
                        <input
                            type="number"
                            min="1"
                            max="1440"
                            data-testid="settings-digest-minutes"
                            prop:value=move || digest.get()
                            on:change=handler(move |ev| {
                                change(Control::DigestMinutes, event_target_value(&ev), false)
                            })
                        />
                    </label>
                </section>
                <section class="mw-setting">
                    <h3 class="mw-setting-title">{text(K::SettingsOffline)}</h3>
                    <label class="mw-check">
                        <input
                            type="checkbox"
                            data-testid="settings-forward-offline"
                            prop:checked=move || {
                                server.with(|s| s.0.always_forward_offline)
                            }
                            on:change=handler(move |ev| {
                                change(Control::ForwardOffline, String::new(), event_target_checked(&ev))
                            })
                        />
                        <span>{text(K::SettingsForward)}</span>
                    </label>
                    <p class="mw-setting-note" hidden=move || forwarding.get()>
                        {text(K::SettingsNoOfflineStore)}
                    </p>
                </section>
                <Alerts />
                <Display />
                <p class="mw-setting-error" data-testid="settings-error" role="alert">
                    {error}
                </p>
            </div>
        </section>
    }
}

/// The interface language and the text size of the widget on this device ([`TextZoom`]).
#[component]
fn Display() -> impl IntoView {
    let zoom = expect_context::<TextZoom>().0;
    let i18n = use_i18n();
    let options = TEXT_SIZES
        .iter()
        .map(|z| (z.to_string(), Label::Name(format!("{z} %"))))
        .collect();
    let languages = Locale::ALL
        .iter()
        .map(|l| {
            (
                l.code().to_string(),
                Label::Name(l.native_name().to_string()),
            )
        })
        .collect();
    // The language picked shows at once, while its file is on its way.
    let language = Signal::derive(move || {
        i18n.loading
            .get()
            .unwrap_or_else(|| i18n.locale())
            .code()
            .to_string()
    });
    view! {
        <section class="mw-setting">
            <h3 class="mw-setting-title">{text(K::SettingsDisplay)}</h3>
            <Choice
                label=K::SettingsLanguage
                testid="settings-language"
                options=languages
                value=language
                on_pick=Callback::new(move |v: String| {
                    if let Some(l) = Locale::from_tag(&v) {
                        crate::storage::prefs::set_locale(l);
                        i18n.load(l);
                    }
                })
            />
            <Choice
                label=K::SettingsTextSize
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

/// Browser notifications, asked for only by the button (never on page load), and the tone.
#[component]
fn Alerts() -> AnyView {
    let i18n = use_i18n();
    // Turned on by the user; the browser's permission is read each time it shows.
    let chosen = RwSignal::new(prefs::switch(NOTIFY_KEY));
    let on = move || chosen.get() && permission() == Permission::Granted;
    let sound = RwSignal::new(prefs::switch(SOUND_KEY));
    let state = move || match permission() {
        _ if on() => "on",
        p => p.as_str(),
    };
    let note = move || {
        i18n.t(match state() {
            "on" => K::SettingsNotifyOn,
            "denied" => K::SettingsNotifyDenied,
            "unsupported" => K::SettingsNotifyUnsupported,
            _ => return String::new(),
        })
    };
    let click = move |_| {
        if on() {
            prefs::set_switch(NOTIFY_KEY, false);
            chosen.set(false);
            return;
        }
        leptos::task::spawn_local(async move {
            let granted = request().await == Permission::Granted;
            prefs::set_switch(NOTIFY_KEY, granted);
            // Set even when unchanged: the permission shown may have changed.
            let _ = chosen.try_set(granted);
        });
    };
    view! {
        <section class="mw-setting">
            <h3 class="mw-setting-title">{text(K::SettingsAlerts)}</h3>
            <button
                type="button"
                class="mw-chip"
                data-testid="settings-notify"
                data-state=state
                disabled=move || matches!(state(), "denied" | "unsupported")
                on:click=handler(click)
            >
                {move || i18n.t(if on() { K::SettingsNotifyOff } else { K::SettingsNotifyAllow })}
            </button>
            <p class="mw-setting-note" data-testid="settings-notify-state" aria-live="polite">
                {note}
            </p>
            <label class="mw-check">
                <input
                    type="checkbox"
                    data-testid="settings-sound"
                    prop:checked=move || sound.get()
                    on:change=handler(move |ev| {
                        let checked = event_target_checked(&ev);
                        prefs::set_switch(SOUND_KEY, checked);
                        sound.set(checked);
                    })
                />
                <span>{text(K::SettingsSound)}</span>
            </label>
        </section>
    }
    .into_any()
}

/// A labelled `<select>` showing `value`; `on_pick` gets the value picked.
#[component]
pub(crate) fn Choice(
    label: K,
    testid: &'static str,
    options: Vec<(String, Label)>,
    value: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="mw-field">
            {text(label)}
            <select
                data-testid=testid
                data-value=move || value.get()
                on:change=handler(move |ev| on_pick.run(event_target_value(&ev)))
            >
                {options
                    .into_iter()
                    .map(|(v, label)| {
                        let selected = v.clone();
                        let shown = move || match &label {
                            Label::Text(k) => i18n.t(*k),
                            Label::Name(name) => name.clone(),
                        };
                        // Per option: the select's own value would be set before its options exist.
                        view! {
                            <option value=v prop:selected=move || value.with(|x| *x == selected)>
                                {shown}
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
            provide_context(crate::ui::i18n::I18n::new(String::new()));
            view! { <Display /> }
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
