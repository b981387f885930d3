//! The settings panel: send key, notification e-mail, forwarding. Values are the server's;
//! a change is sent as a patch and shown once the server confirms it.

use messenger_protocol::{EmailMode, SendKey, Settings, SettingsPatch};
use wasm_bindgen::JsCast;

use super::dom::{add, set};

/// A `<select>` inside a labelled field; options are `(value, label)`.
fn select(parent: &web_sys::Element, label: &str, key: &str, options: &[(&str, &str)]) {
    let field = add(parent, "label", "mw-field", label);
    let s = add(&field, "select", "", "");
    set(&s, "data-testid", &format!("settings-{key}"));
    set(&s, "data-setting", key);
    for (value, text) in options {
        let o = add(&s, "option", "", text);
        set(&o, "value", value);
    }
}

fn section(parent: &web_sys::Element, title: &str) -> web_sys::Element {
    let s = add(parent, "section", "mw-setting", "");
    add(&s, "h3", "mw-setting-title", title);
    s
}

/// The form, built once; [`show`] puts the server's values in.
fn build(root: &web_sys::Element) {
    let sending = section(root, "Sending messages");
    select(
        &sending,
        "Send with",
        "send-key",
        &[
            ("enter", "Enter (Shift+Enter for a new line)"),
            ("ctrl_enter", "Ctrl+Enter (Enter for a new line)"),
        ],
    );
    let mail = section(root, "E-mail notifications");
    select(
        &mail,
        "Send e-mail",
        "email-mode",
        &[
            ("off", "Never"),
            ("immediately", "Immediately, one per message"),
            ("digest", "As a digest"),
        ],
    );
    let field = add(&mail, "label", "mw-field", "Digest every (minutes)");
    set(&field, "data-digest-field", "");
    let n = add(&field, "input", "", "");
    for (k, v) in [
        ("type", "number"),
        ("min", "1"),
        ("max", "1440"),
        ("data-testid", "settings-digest-minutes"),
        ("data-setting", "digest-minutes"),
    ] {
        set(&n, k, v);
    }
    let offline = section(root, "Offline recipients");
    let check = add(&offline, "label", "mw-check", "");
    let c = add(&check, "input", "", "");
    set(&c, "type", "checkbox");
    set(&c, "data-testid", "settings-forward-offline");
    set(&c, "data-setting", "forward-offline");
    add(
        &check,
        "span",
        "",
        "Always forward messages to offline people without asking",
    );
    let note = add(
        &offline,
        "p",
        "mw-setting-note",
        "This server does not store messages for offline people.",
    );
    set(&note, "data-forwarding-note", "");
    let error = add(root, "p", "mw-setting-error", "");
    set(&error, "data-testid", "settings-error");
}

fn find<T: JsCast>(root: &web_sys::Element, selector: &str) -> Option<T> {
    root.query_selector(selector).ok()??.dyn_into().ok()
}

fn show(root: &web_sys::Element, s: &Settings, forwarding: bool, error: &str) {
    let send_key = match s.send_key {
        SendKey::Enter => "enter",
        SendKey::CtrlEnter => "ctrl_enter",
    };
    let email = match s.email_mode {
        EmailMode::Off => "off",
        EmailMode::Immediately => "immediately",
        EmailMode::Digest => "digest",
    };
    // `<select>.value` through the input element binding: both have a `value` property.
    for (key, value) in [("send-key", send_key), ("email-mode", email)] {
        if let Some(sel) = find::<web_sys::Element>(root, &format!("[data-setting={key}]")) {
            set(&sel, "data-value", value);
            sel.unchecked_into::<web_sys::HtmlInputElement>()
                .set_value(value);
        }
    }
    if let Some(i) = find::<web_sys::HtmlInputElement>(root, "[data-setting=digest-minutes]") {
        i.set_value(&s.digest_minutes.to_string());
    }
    if let Some(i) = find::<web_sys::HtmlInputElement>(root, "[data-setting=forward-offline]") {
        i.set_checked(s.always_forward_offline);
    }
    let toggle = |selector: &str, hidden: bool| {
        if let Some(e) = find::<web_sys::HtmlElement>(root, selector) {
            e.set_hidden(hidden);
        }
    };
    toggle("[data-digest-field]", s.email_mode != EmailMode::Digest);
    toggle("[data-forwarding-note]", forwarding);
    if let Some(e) = find::<web_sys::Element>(root, "[data-testid=settings-error]") {
        e.set_text_content(Some(error));
    }
}

/// The patch a changed control asks for, or why its value is refused.
fn patch_for(key: &str, value: &str, checked: bool) -> Result<SettingsPatch, &'static str> {
    let mut p = SettingsPatch::default();
    match key {
        "send-key" => {
            p.send_key = Some(if value == "ctrl_enter" {
                SendKey::CtrlEnter
            } else {
                SendKey::Enter
            })
        }
        "email-mode" => {
            p.email_mode = Some(match value {
                "immediately" => EmailMode::Immediately,
                "digest" => EmailMode::Digest,
                _ => EmailMode::Off,
            })
        }
        "digest-minutes" => match value.trim().parse::<u32>() {
            Ok(m) if (1..=1440).contains(&m) => p.digest_minutes = Some(m),
            _ => return Err("Enter a number of minutes from 1 to 1440."),
        },
        "forward-offline" => p.always_forward_offline = Some(checked),
        _ => return Err(""),
    }
    Ok(p)
}

/// The settings form into `body` with the server's values (see `nav::PanelView`).
pub fn render(body: &web_sys::Element, s: &Settings, forwarding: bool, error: &str) {
    let form = add(body, "div", "mw-settings", "");
    build(&form);
    show(&form, s, forwarding, error);
}

/// A control changed: the patch to send, or why the value is refused.
pub fn changed(ev: &web_sys::Event) -> Option<Result<SettingsPatch, &'static str>> {
    let t: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let key = t.get_attribute("data-setting")?;
    // A `<select>` too: `value` is read by name, so the input binding serves both.
    let input = t.unchecked_into::<web_sys::HtmlInputElement>();
    let checked = key == "forward-offline" && input.checked();
    Some(patch_for(&key, &input.value(), checked))
}
