//! One message line. Text is rendered as text nodes, never as HTML; detected links become
//! anchors whose text is their real address (see [`crate::core::linkify`]).

use leptos::prelude::*;

use crate::core::format::hhmm;
use crate::core::linkify::{segments, Segment};
use crate::core::session::{Delivery, TimelineItem};

/// `(ISO 8601 UTC, local HH:MM)` for a timestamp in milliseconds.
pub fn format_time(ms: i64) -> (String, String) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if date.get_time().is_nan() {
        return (String::new(), String::new());
    }
    (
        String::from(date.to_iso_string()),
        hhmm(date.get_hours(), date.get_minutes()),
    )
}

/// A time of day as `<time>`, with the full instant in `datetime`.
#[component]
pub fn TimeLabel(at: i64) -> impl IntoView {
    let (iso, short) = format_time(at);
    view! { <time datetime=iso>{short}</time> }
}

fn delivery_label(d: Delivery) -> &'static str {
    match d {
        Delivery::Pending => "Sending…",
        Delivery::Sent => "Sent",
        Delivery::Delivered => "Delivered",
        Delivery::Read => "Read",
        Delivery::Failed => "Not sent",
    }
}

/// The message text as text nodes and link anchors. The anchor's text is the matched
/// address itself and its `href` is always `http(s):`, `mailto:` or `tel:`.
fn message_body(text: &str) -> Vec<AnyView> {
    segments(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.into_any(),
            Segment::Link {
                text,
                href,
                kind,
                warning,
            } => view! { <MessageLink text href kind=kind.as_str() warning /> }.into_any(),
        })
        .collect()
}

/// A detected link, left to right and isolated from the bidi text around it. When its text
/// could pass for another host (a non-ASCII host, or `user@` before the host), the real
/// host follows it, in the form the browser will resolve.
#[component]
fn MessageLink(
    text: String,
    href: String,
    kind: &'static str,
    warning: Option<String>,
) -> impl IntoView {
    view! {
        <a
            class="mw-msg-link"
            href=href.clone()
            title=href
            dir="ltr"
            target="_blank"
            rel="noopener noreferrer"
            data-testid="message-link"
            data-kind=kind
        >
            {text}
        </a>
        {warning
            .map(|host| {
                view! {
                    <span
                        class="mw-link-warning"
                        data-testid="link-warning"
                        dir="ltr"
                        title="This link goes to another address than it may seem to"
                    >
                        {format!("⚠ {host}")}
                    </span>
                }
            })}
    }
}

/// A message of the chat pane. `on_retry` is called for a failed own message.
#[component]
pub fn MessageView(
    item: TimelineItem,
    sender_name: String,
    color: String,
    #[prop(optional, into)] on_retry: Option<Callback<String>>,
    /// For an own message in a group: ("Read by 1 of 3", "Not yet read by: Carol, Dave").
    #[prop(default = None)]
    read_by: Option<(String, String)>,
) -> impl IntoView {
    let important = item.importance == messenger_protocol::Importance::High;
    let (iso, short) = format_time(item.created_at);
    let state = item.delivery.as_str();
    let retry = item
        .error
        .clone()
        .zip(item.client_id.clone())
        .map(|(error, cid)| {
            view! {
                <span class="mw-msg-error" role="alert">
                    {error}
                    {on_retry
                        .map(|cb| {
                            let cid = cid.clone();
                            view! {
                                <button
                                    type="button"
                                    class="mw-link"
                                    on:click=move |_| cb.run(cid.clone())
                                >
                                    "Retry"
                                </button>
                            }
                        })}
                </span>
            }
        });
    view! {
        <li
            class="mw-msg"
            class:mw-own=item.own
            class:mw-important=important
            data-importance=important.then_some("high")
            data-testid="message"
            data-message-id=item.message_id.map(|id| id.to_string())
            data-state=state
        >
            <div class="mw-bubble">
                <div class="mw-msg-meta">
                    <span class="mw-msg-sender" data-testid="message-sender" style=format!("color:{color}")>
                        {sender_name}
                    </span>
                    {important.then(|| view! {
                        <span class="mw-msg-important" data-testid="message-important">
                            "Important"
                        </span>
                    })}
                    <time class="mw-msg-time" data-testid="message-time" datetime=iso>
                        {short}
                    </time>
                </div>
                <div class="mw-msg-text" data-testid="message-text">
                    {message_body(&item.text)}
                </div>
                {(!item.attachments.is_empty()).then(|| view! { <super::attachments::Attachments items=item.attachments.clone() /> })}
                {item.own.then(|| {
                    // Groups say how many have read it, unless it is not sent yet.
                    let (label, title) = match (&read_by, item.delivery) {
                        (_, Delivery::Pending | Delivery::Failed) | (None, _) => {
                            let l = delivery_label(item.delivery);
                            (l.to_string(), l.to_string())
                        }
                        (Some((label, title)), _) => (label.clone(), title.clone()),
                    };
                    view! {
                        <div class="mw-msg-state" data-testid="message-state" title=title.clone() aria-label=title>
                            {label}
                        </div>
                    }
                })}
                {retry}
            </div>
        </li>
    }
}
