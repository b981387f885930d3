//! The "Pending send" list: every message the server has not taken yet, one tab for direct
//! messages and one for group chats (the CAM document). A message for an offline person
//! waits here, marked "send when they are online" or "send after my confirmation"; any entry
//! can be sent now, taken back to edit, or deleted. The same messages also show in their
//! chat: this list is where the ones waiting for someone are handled together.

use leptos::prelude::*;
use messenger_protocol::{ConversationId, ConversationKind};

use super::ctx::Ctx;
use super::handler::handler;
use super::i18n::{text, use_i18n};
use super::message::Unsent;
use super::nav::{NavCtx, Panel, PanelHeader};
use crate::core::i18n::K;
use crate::core::outbox::{Hold, PendingState};
use crate::core::session::Delivery;
use crate::ui::bool_text;
use crate::ui::erased::memo;

/// One line of the list.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    client_id: String,
    conversation: ConversationId,
    title: String,
    text: String,
    hold: Option<Hold>,
    state: Delivery,
    error: Option<String>,
}

#[component]
pub fn PendingList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let groups = RwSignal::new(false);
    let rows = memo(move |_| {
        ctx.session.with(|s| {
            s.outbox
                .items()
                .iter()
                .filter(|p| !p.writing)
                .map(|p| {
                    // A conversation the user is no longer in still lists its messages (in
                    // the groups tab), so they can be copied out or deleted.
                    let direct = s
                        .state
                        .conversations
                        .get(&p.conversation_id)
                        .is_some_and(|c| c.kind == ConversationKind::Direct);
                    let (state, hold, error) = match &p.state {
                        PendingState::Held(h) => (Delivery::Held, Some(*h), None),
                        PendingState::Failed(e) => (Delivery::Failed, None, Some(e.clone())),
                        _ => (Delivery::Pending, None, None),
                    };
                    (
                        direct,
                        Row {
                            client_id: p.client_id.clone(),
                            conversation: p.conversation_id,
                            title: Some(s.state.title(p.conversation_id))
                                .filter(|t| !t.is_empty())
                                .unwrap_or_else(|| format!("#{}", p.conversation_id)),
                            text: p.text.clone(),
                            hold,
                            state,
                            error,
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let count = move |direct: bool| rows.with(|r| r.iter().filter(|(d, _)| *d == direct).count());
    // Opens on the tab that has something, direct messages first.
    groups.set(count(true) == 0 && count(false) > 0);
    let shown = move || {
        let want_direct = !groups.get();
        rows.with(|r| {
            r.iter()
                .filter(|(d, _)| *d == want_direct)
                .map(|(_, row)| row.clone())
                .collect::<Vec<_>>()
        })
    };
    let i18n = use_i18n();
    let tab = move |is_groups: bool, label: K| {
        view! {
            <button
                type="button"
                role="tab"
                class="mw-chip"
                class:mw-chip-primary=move || groups.get() == is_groups
                aria-selected=move || bool_text(groups.get() == is_groups)
                data-testid=if is_groups { "pending-tab-groups" } else { "pending-tab-direct" }
                on:click=handler(move |_| groups.set(is_groups))
            >
                {move || format!("{} ({})", i18n.t(label), count(!is_groups))}
            </button>
        }
    };
    view! {
        <section class="mw-navpanel" data-testid="pending-list">
            <PanelHeader title=K::PendingTitle>""</PanelHeader>
            <div class="mw-pending-tabs" role="tablist">
                {tab(false, K::PendingDirect)}
                {tab(true, K::PendingGroups)}
            </div>
            <div class="mw-navpanel-body">
                <p class="mw-empty" data-testid="pending-empty" hidden=move || !shown().is_empty()>{text(K::PendingEmpty)}</p>
                <ul class="mw-pending" role="list">
                    <For each=shown key=|r| format!("{}:{}:{}", r.client_id, r.state.as_str(), r.hold == Some(Hold::Confirm)) let:row>
                        <PendingRow row=row />
                    </For>
                </ul>
            </div>
        </section>
    }
}

#[component]
fn PendingRow(row: Row) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let i18n = use_i18n();
    let id = row.client_id.clone();
    let act = move |what: Unsent| {
        let id = id.clone();
        move |_| match what {
            Unsent::Retry => ctx.retry_message(&id),
            Unsent::Edit => {
                nav.panel.set(Panel::Home);
                ctx.edit_message(&id);
            }
            Unsent::Delete => ctx.delete_message(&id),
        }
    };
    let mode = row.hold.map(|hold| {
        let id = row.client_id.clone();
        view! {
            <label class="mw-pending-mode">
                <span class="mw-sr">{text(K::PendingMode)}</span>
                <select
                    data-testid="pending-mode"
                    on:change=handler(move |ev| {
                        let hold = if event_target_value(&ev) == "confirm" {
                            Hold::Confirm
                        } else {
                            Hold::WhenOnline
                        };
                        ctx.hold_message(&id, hold);
                    })
                >
                    <option value="online" selected=hold == Hold::WhenOnline>
                        {text(K::PendingWhenOnline)}
                    </option>
                    <option value="confirm" selected=hold == Hold::Confirm>
                        {text(K::PendingConfirm)}
                    </option>
                </select>
            </label>
        }
    });
    let state = i18n.with_untracked(|c| c.t(super::message::delivery_label(row.state)));
    let conversation = row.conversation;
    view! {
        <li class="mw-pending-item" data-testid="pending-item" data-state=row.state.as_str()>
            <button type="button" class="mw-link mw-pending-title" on:click=handler(move |_| {
                nav.panel.set(Panel::Home);
                ctx.open(conversation);
            })>
                {row.title}
            </button>
            <p class="mw-pending-text" data-testid="pending-text">{row.text}</p>
            <p class="mw-pending-state">{state} {row.error.map(|e| format!(": {e}"))}</p>
            {mode}
            <div class="mw-pending-actions">
                <button type="button" class="mw-chip" data-testid="pending-send-now" on:click=handler(act(Unsent::Retry))>
                    {text(K::PendingSendNow)}
                </button>
                <button type="button" class="mw-chip" data-testid="pending-edit" on:click=handler(act(Unsent::Edit))>
                    {text(K::MessageEdit)}
                </button>
                <button type="button" class="mw-chip" data-testid="pending-delete" on:click=handler(act(Unsent::Delete))>
                    {text(K::MessageDelete)}
                </button>
            </div>
        </li>
    }
}
