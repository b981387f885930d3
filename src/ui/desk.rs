//! The agent's bar above an interaction's transcript: the contact (call, e-mail, recent
//! interactions), where the interaction stands, and what the agent may do with it: transfer
//! it, mark it done with a disposition, or answer a transfer offered to them.

use leptos::prelude::*;
use messenger_protocol::{ContactChannel, ConversationId, Interaction, InteractionState};

use super::ctx::Ctx;
use super::i18n::{text, use_i18n};
use super::intl::{format, Style};
use super::settings::{Choice, Label};
use crate::core::desk::{self, Role, Target};
use crate::core::i18n::K;
use crate::ui::erased::{effect, memo};
use crate::ui::handler::handler;

/// The open conversation's interaction and the user's role in it, when it is one.
pub fn current(ctx: Ctx) -> Memo<Option<(ConversationId, Interaction, Role)>> {
    memo(move |_| {
        let c = ctx.selected.get()?;
        ctx.session
            .with(|s| open_interaction(s, c).map(|(i, role)| (c, i.clone(), role)))
    })
}

/// Conversation `c`'s interaction and the user's role in it (tracked by the caller).
fn open_interaction(
    s: &crate::core::session::Session,
    c: ConversationId,
) -> Option<(&Interaction, Role)> {
    let i = s.state.conversations.get(&c)?.interaction.as_deref()?;
    let me = s.state.me.as_ref()?;
    Some((i, desk::role(i, me.id, me.department_id)))
}

/// The user's role in the open conversation, when it is an interaction.
fn open_role(ctx: Ctx) -> Option<Role> {
    let c = ctx.selected.get()?;
    ctx.session
        .with(|s| open_interaction(s, c).map(|(_, role)| role))
}

/// What the agent picked or typed in the bar, kept while the bar is drawn again (each
/// message changes the interaction's times) and cleared when another conversation opens.
#[derive(Clone, Copy)]
struct Picks {
    target: RwSignal<String>,
    disposition: RwSignal<String>,
    reason: RwSignal<String>,
}

#[component]
pub fn DeskBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let current = current(ctx);
    let picks = Picks {
        target: RwSignal::new(String::new()),
        disposition: RwSignal::new(String::new()),
        reason: RwSignal::new(String::new()),
    };
    effect(move |_| {
        ctx.selected.track();
        for s in [picks.target, picks.disposition, picks.reason] {
            s.set(String::new());
        }
    });
    move || {
        current
            .get()
            .map(|(c, i, role)| view! { <Bar c i role picks /> })
    }
}

#[component]
fn Bar(c: ConversationId, i: Interaction, role: Role, picks: Picks) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let contact = i.contact.clone();
    let contact_id = contact.id;
    let channel = match contact.channel {
        ContactChannel::Sms => K::DeskSms,
        ContactChannel::Web => K::DeskWeb,
    };
    let call = contact.phone.clone().map(|p| {
        let label = i18n.f(K::DeskCall, &[("number", &p)]);
        view! { <a class="mw-desk-link" data-testid="desk-call" href=format!("tel:{p}") title=label.clone() aria-label=label>"☎"</a> }
    });
    let mail = contact.email.clone().map(|e| {
        let label = i18n.f(K::DeskEmail, &[("address", &e)]);
        view! { <a class="mw-desk-link" data-testid="desk-email" href=format!("mailto:{e}") title=label.clone() aria-label=label>"✉"</a> }
    });
    let history_open = memo(move |_| {
        ctx.session
            .with(|s| s.desk.history.as_ref().map(|(id, _)| *id))
            == Some(contact_id)
    });
    let toggle_history = move |_| {
        let open = !history_open.get_untracked();
        let frame = ctx
            .session
            .try_update(|s| s.contact_history(open.then_some(contact_id)))
            .flatten();
        ctx.send(frame);
    };
    let recent = i.recent_interactions.to_string();
    let state = state_text(ctx, &i);
    let error = memo(move |_| {
        ctx.session.with(|s| {
            s.desk
                .error
                .as_ref()
                .filter(|(e, _)| *e == c)
                .map(|(_, n)| n.clone())
        })
    });
    let closes = memo(move |_| {
        ctx.session
            .with(|s| s.state.conversations.get(&c).and_then(desk::closing_at))
    });
    let closes_text = move || {
        let at = closes.get()?;
        let time = format(i18n.locale(), Style::Time, at as f64);
        Some(i18n.f(K::DeskClosesAt, &[("time", &time)]))
    };
    let actions = match role {
        Role::Owner => view! { <OwnerActions c offered=i.offer.is_some() picks /> }.into_any(),
        Role::Offered => {
            let by = i.offer.as_ref().map_or(0, |o| o.from);
            view! { <OfferAnswer c by reason=picks.reason /> }.into_any()
        }
        Role::Reader => ().into_any(),
    };
    view! {
        <section class="mw-desk" data-testid="desk" aria-label=text(K::DeskRegion)>
            <div class="mw-desk-contact">
                <span class="mw-desk-channel">{text(channel)}</span>
                <span class="mw-desk-address" data-testid="desk-address">{contact.address.clone()}</span>
                {call}
                {mail}
                <button
                    type="button"
                    class="mw-tool"
                    data-testid="desk-recent"
                    aria-expanded=move || if history_open.get() { "true" } else { "false" }
                    on:click=handler(toggle_history)
                >
                    {move || i18n.f(K::DeskRecent, &[("count", &recent)])}
                </button>
            </div>
            {move || history_open.get().then(|| view! { <History /> })}
            <p class="mw-desk-state" data-testid="desk-state" hidden=state.is_empty()>{state.clone()}</p>
            <p class="mw-desk-warning" data-testid="desk-closes" role="status" hidden=move || closes.get().is_none()>
                {closes_text}
            </p>
            <p class="mw-desk-error" data-testid="desk-error" role="alert" hidden=move || error.with(Option::is_none)>
                {move || error.get().map(|n| i18n.with(|tr| n.render(tr)))}
            </p>
            {actions}
        </section>
    }
    .into_any()
}

/// Where the interaction stands, in words: done (with its disposition), offered to whom,
/// or a page waiting for a reply.
fn state_text(ctx: Ctx, i: &Interaction) -> String {
    let i18n = use_i18n();
    ctx.session.with_untracked(|s| {
        let names = &s.state;
        use crate::core::timeline::Names;
        if i.state == InteractionState::Done {
            return match &i.disposition {
                Some(d) => i18n.f(K::DeskDoneWith, &[("disposition", &names.disposition(d))]),
                None => i18n.t(K::DeskDoneState),
            };
        }
        if let Some(o) = &i.offer {
            let to = names.target(o.to_user, o.to_department);
            return i18n.f(K::DeskOfferPending, &[("name", &to)]);
        }
        if i.mode == messenger_protocol::InteractionMode::Page {
            return i18n.t(K::DeskPageMode);
        }
        String::new()
    })
}

/// The contact's interactions, newest first, as the server answered.
#[component]
fn History() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    move || {
        let rows = ctx.session.with(|s| {
            let (_, list) = s.desk.history.as_ref()?;
            let list = list.as_ref()?;
            Some(
                list.iter()
                    .map(|summary| {
                        let i = summary.interaction.as_deref();
                        let done = i.is_some_and(|i| i.state == InteractionState::Done);
                        let when = summary
                            .last_message
                            .as_ref()
                            .map(|m| {
                                format(i18n.locale(), Style::ShortDateYear, m.created_at as f64)
                            })
                            .unwrap_or_default();
                        let what = summary
                            .last_message
                            .as_ref()
                            .map(|m| crate::core::format::preview(&m.text, 60))
                            .unwrap_or_default();
                        let state = match i.and_then(|i| i.disposition.as_deref()) {
                            Some(d) if done => {
                                use crate::core::timeline::Names;
                                (&s.state).disposition(d)
                            }
                            _ if done => i18n.t(K::DeskDoneState),
                            _ => i18n.t(K::DeskOpen),
                        };
                        format!("{when} · {state} · {what}")
                    })
                    .collect::<Vec<_>>(),
            )
        });
        match rows {
            None => view! { <p class="mw-desk-history" data-testid="desk-history">{text(K::DeskHistoryLoading)}</p> }.into_any(),
            Some(rows) if rows.is_empty() => view! { <p class="mw-desk-history" data-testid="desk-history">{text(K::DeskHistoryEmpty)}</p> }.into_any(),
            Some(rows) => view! {
                <ol class="mw-desk-history" data-testid="desk-history">
                    {rows.into_iter().map(|r| view! { <li data-testid="desk-history-row">{r}</li> }).collect_view()}
                </ol>
            }
            .into_any(),
        }
    }
}

/// The assigned agent's actions: transfer (unless an offer is pending) and done.
#[component]
fn OwnerActions(c: ConversationId, offered: bool, picks: Picks) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let busy = memo(move |_| ctx.session.with(|s| s.desk.is_busy(c)));
    let (targets, dispositions, required) = ctx.session.with_untracked(|s| {
        let st = &s.state;
        let me = st.me_id();
        let mut targets = vec![(String::new(), Label::Text(K::DeskTransferPick))];
        let Some(cc) = &st.contact_center else {
            return (targets, Vec::new(), false);
        };
        for a in cc.agents.iter().filter(|a| Some(**a) != me) {
            targets.push((format!("u{a}"), Label::Name(st.display_name(*a))));
        }
        let dept = i18n.t(K::DeskDepartments);
        for d in &st.departments {
            targets.push((
                format!("d{}", d.id),
                Label::Name(format!("{dept}: {}", d.name)),
            ));
        }
        let first = if cc.require_disposition {
            K::DeskChooseDisposition
        } else {
            K::DeskNoDisposition
        };
        let mut dispositions = vec![(String::new(), Label::Text(first))];
        dispositions.extend(
            cc.dispositions
                .iter()
                .map(|d| (d.code.clone(), Label::Name(d.label.clone()))),
        );
        (targets, dispositions, cc.require_disposition)
    });
    let Picks {
        target,
        disposition,
        ..
    } = picks;
    let transfer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = target.get_untracked();
        let to = match value.split_at_checked(1) {
            Some(("u", id)) => id.parse().ok().map(Target::Agent),
            Some(("d", id)) => id.parse().ok().map(Target::Department),
            _ => None,
        };
        if let Some(to) = to {
            let frame = ctx
                .session
                .try_update(|s| s.transfer_interaction(c, to))
                .flatten();
            ctx.send(frame);
        }
    };
    let done = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = disposition.get_untracked();
        let frame = ctx
            .session
            .try_update(|s| s.close_interaction(c, &code))
            .flatten();
        ctx.send(frame);
    };
    let has_dispositions = dispositions.len() > 1;
    view! {
        <div class="mw-desk-actions">
            <form class="mw-desk-form" hidden=offered on:submit=handler(transfer)>
                <Choice
                    label=K::DeskTransferTo
                    testid="desk-transfer-target"
                    options=targets
                    value=target.into()
                    on_pick=Callback::new(move |v| target.set(v))
                />
                <button
                    type="submit"
                    class="mw-tool"
                    data-testid="desk-transfer"
                    disabled=move || busy.get() || target.with(String::is_empty)
                >
                    {text(K::DeskTransfer)}
                </button>
            </form>
            <form class="mw-desk-form" on:submit=handler(done)>
                {has_dispositions.then(|| view! {
                    <Choice
                        label=K::DeskDisposition
                        testid="desk-disposition"
                        options=dispositions
                        value=disposition.into()
                        on_pick=Callback::new(move |v| disposition.set(v))
                    />
                })}
                <button
                    type="submit"
                    class="mw-tool"
                    data-testid="desk-done"
                    disabled=move || busy.get() || (required && disposition.with(String::is_empty))
                >
                    {text(K::DeskDone)}
                </button>
            </form>
        </div>
    }
    .into_any()
}

/// A transfer offered to the user: accept it, or refuse it with an optional reason.
#[component]
fn OfferAnswer(
    c: ConversationId,
    by: messenger_protocol::UserId,
    reason: RwSignal<String>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let i18n = use_i18n();
    let busy = memo(move |_| ctx.session.with(|s| s.desk.is_busy(c)));
    let answer = move |accept: bool| {
        let why = reason.get_untracked();
        let frame = ctx
            .session
            .try_update(|s| s.answer_transfer(c, accept, &why))
            .flatten();
        ctx.send(frame);
    };
    let from = ctx.session.with_untracked(|s| s.state.display_name(by));
    view! {
        <div class="mw-desk-actions" data-testid="desk-offer">
            <p>{move || i18n.f(K::DeskOffered, &[("by", &from)])}</p>
            <input
                class="mw-desk-reason"
                data-testid="desk-reason"
                placeholder=text(K::DeskReason)
                aria-label=text(K::DeskReason)
                prop:value=move || reason.get()
                on:input=handler(move |ev| reason.set(event_target_value(&ev)))
            />
            <button type="button" class="mw-tool" data-testid="desk-accept" disabled=move || busy.get() on:click=handler(move |_| answer(true))>
                {text(K::DeskAccept)}
            </button>
            <button type="button" class="mw-tool" data-testid="desk-refuse" disabled=move || busy.get() on:click=handler(move |_| answer(false))>
                {text(K::DeskRefuse)}
            </button>
        </div>
    }
    .into_any()
}

/// Whether the user may write in the open conversation: everywhere but in an interaction
/// they do not own (done, someone else's, or only offered to them).
pub fn may_write(ctx: Ctx) -> Memo<bool> {
    memo(move |_| open_role(ctx).is_none_or(|role| role == Role::Owner))
}

/// Whether the open conversation is an interaction the user owns (notes may be written).
pub fn owns_interaction(ctx: Ctx) -> Memo<bool> {
    memo(move |_| open_role(ctx) == Some(Role::Owner))
}
