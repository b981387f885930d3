//! One message line. Text is rendered as text nodes, never as HTML; detected links become
//! anchors whose text is their real address (see [`crate::core::linkify`]).

use leptos::prelude::*;

use super::i18n::use_i18n;
use super::intl;
use crate::core::i18n::{Locale, K};
use crate::core::linkify::{segments, Segment};
use crate::core::session::{Delivery, TimelineItem};
use crate::ui::handler::handler;

/// `(ISO 8601 UTC, local time of day in the language's form)` for a timestamp in ms.
pub fn format_time(ms: i64, locale: Locale) -> (String, String) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if date.get_time().is_nan() {
        return (String::new(), String::new());
    }
    (
        String::from(date.to_iso_string()),
        intl::format(locale, intl::Style::Time, ms as f64),
    )
}

/// A time of day as `<time>`, with the full instant in `datetime`.
#[component]
pub fn TimeLabel(at: i64) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let (iso, short) = format_time(at, i18n.locale());
        view! { <time datetime=iso>{short}</time> }
    }
}

fn label_id(act: Unsent) -> &'static str {
    match act {
        Unsent::Retry => "retry",
        Unsent::Edit => "edit",
        Unsent::Delete => "delete",
    }
}

pub fn delivery_label(d: Delivery) -> K {
    match d {
        Delivery::Pending => K::DeliveryPending,
        Delivery::Sent => K::DeliverySent,
        Delivery::Delivered => K::DeliveryDelivered,
        Delivery::Read => K::DeliveryRead,
        Delivery::Failed => K::DeliveryFailed,
        Delivery::Held => K::DeliveryHeld,
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
                        title=super::i18n::text(K::MessageLinkWarning)
                    >
                        {format!("⚠ {host}")}
                    </span>
                }
            })}
    }
}

/// What the user can do with an own message the server has not taken (failed or held).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsent {
    /// Send it again (failed), or now (held).
    Retry,
    /// Take it back into the compose box.
    Edit,
    Delete,
}

/// A message of the chat pane. `on_unsent` is called with the client id for the actions on
/// a failed or held own message.
#[component]
pub fn MessageView(
    item: TimelineItem,
    sender_name: String,
    color: String,
    #[prop(optional, into)] on_unsent: Option<Callback<(String, Unsent)>>,
    /// For an own message in a group: ("Read by 1 of 3", "Not yet read by: Carol, Dave").
    #[prop(default = None)]
    read_by: Option<(String, String)>,
) -> impl IntoView {
    // Not tracked: the timeline draws its rows again when the language changes.
    let tr = use_i18n();
    let important = item.importance == messenger_protocol::Importance::High;
    let (iso, short) = format_time(item.created_at, tr.with_untracked(|c| c.locale));
    let state = item.delivery.as_str();
    let unsent = matches!(item.delivery, Delivery::Failed | Delivery::Held);
    let retry = item.client_id.clone().filter(|_| unsent).map(|cid| {
        let action = move |act: Unsent, label: K| {
            let cid = cid.clone();
            on_unsent.map(|cb| {
                view! {
                    <button
                        type="button"
                        class="mw-link"
                        data-testid=format!("unsent-{}", label_id(act))
                        on:click=handler(move |_| cb.run((cid.clone(), act)))
                    >
                        {tr.with_untracked(|c| c.t(label))}
                    </button>
                }
            })
        };
        view! {
            <span class="mw-msg-error" role=item.error.is_some().then_some("alert")>
                {item.error.clone()}
                {action(Unsent::Retry, K::MessageRetry)}
                {action(Unsent::Edit, K::MessageEdit)}
                {action(Unsent::Delete, K::MessageDelete)}
            </span>
        }
    });
    view! {
        <li
            class="mw-msg"
            class:mw-own=item.own
            class:mw-important=important
            class:mw-note=item.note
            class:mw-contact=item.contact
            data-importance=important.then_some("high")
            data-note=item.note.then_some("true")
            data-testid="message"
            data-message-id=item.message_id.map(|id| id.to_string())
            data-state=state
        >
            <div class="mw-bubble">
                <div class="mw-msg-meta">
                    <span class="mw-msg-sender" data-testid="message-sender" style:color=color>
                        {sender_name}
                    </span>
                    {item.note.then(|| view! {
                        <span class="mw-msg-important" data-testid="message-note">
                            {tr.with_untracked(|c| c.t(K::TimelineNote))}
                        </span>
                    })}
                    {important.then(|| view! {
                        <span class="mw-msg-important" data-testid="message-important">
                            {tr.with_untracked(|c| c.t(K::MessageImportant))}
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
                        (_, Delivery::Pending | Delivery::Failed | Delivery::Held) | (None, _) => {
                            let l = tr.with_untracked(|c| c.t(delivery_label(item.delivery)));
                            (l.clone(), l)
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
