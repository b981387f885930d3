//! `transfer_interaction`, `answer_transfer`, `close_interaction`, `contact_history`.

use messenger_protocol::{
    AckResult, ContactId, ConversationId, DepartmentId, ErrorCode, InteractionState, SystemEvent,
    TransferOffer, UserId,
};

use super::{announce_to_members, line, remove_members, InteractionRow, NOBODY};
use crate::app::{Core, Tx};
use crate::commands::CommandError;
use crate::conversations::announce_added;
use crate::store::StoreError;

/// A refusal reason is a sentence for the offering agent, not a message.
const MAX_REASON_CHARS: usize = 500;
const MAX_HISTORY: u32 = 100;

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::InvalidArgument, message)
}

fn no_such_interaction() -> CommandError {
    CommandError::new(ErrorCode::NotFound, "no such interaction")
}

/// The interaction, if `user` is one of its members; strangers and members of other kinds
/// of conversation get the same answer as for an id that does not exist.
fn member_interaction(
    tx: &Tx<'_>,
    conversation: ConversationId,
    user: UserId,
) -> Result<InteractionRow, CommandError> {
    if !tx.store.is_member(conversation, user)? {
        return Err(no_such_interaction());
    }
    tx.store
        .interaction_row(conversation)?
        .ok_or_else(no_such_interaction)
}

/// [`member_interaction`], for the command only its agent may give.
fn own_interaction(
    tx: &Tx<'_>,
    conversation: ConversationId,
    user: UserId,
    what: &str,
) -> Result<InteractionRow, CommandError> {
    let row = member_interaction(tx, conversation, user)?;
    if row.agent != Some(user) {
        return Err(CommandError::new(
            ErrorCode::Forbidden,
            format!("only the interaction's agent may {what} it"),
        ));
    }
    if row.state == InteractionState::Done {
        return Err(invalid("the interaction is done"));
    }
    Ok(row)
}

pub fn transfer_interaction(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    to_user: Option<UserId>,
    to_department: Option<DepartmentId>,
) -> Result<AckResult, CommandError> {
    if to_user.is_some() == to_department.is_some() {
        return Err(invalid("give exactly one of to_user and to_department"));
    }
    core.write(|tx| {
        let row = own_interaction(tx, conversation, user, "transfer")?;
        if row.offer.is_some() {
            return Err(invalid(
                "a transfer is already waiting for an answer; only one at a time",
            ));
        }
        let (targets, target_name) = match (to_user, to_department) {
            (Some(target), _) => (vec![target], user_target(tx, user, target)?),
            (_, Some(department)) => department_targets(tx, user, department)?,
            (None, None) => unreachable!("checked above"),
        };
        let offer = TransferOffer {
            from: user,
            to_user,
            to_department,
        };
        tx.store.set_offer(conversation, Some(&offer))?;
        for &target in &targets {
            tx.store.add_member(conversation, target)?;
        }
        let name = tx.store.display_name(user)?;
        let event = SystemEvent::TransferOffered {
            by: user,
            to_user,
            to_department,
        };
        let text = format!("{name} offered the interaction to {target_name}");
        let line = tx
            .store
            .insert_system_message(conversation, user, &event, &text, tx.now)?;
        announce_added(tx, conversation, &targets)?;
        crate::delivery::publish_message(tx, &line)?;
        crate::conversations::announce_updated(tx, conversation, &[user])?;
        Ok(AckResult::Done)
    })
}

/// The one agent an interaction is offered to; returns their name.
fn user_target(tx: &Tx<'_>, user: UserId, target: UserId) -> Result<String, CommandError> {
    if target == user {
        return Err(invalid("the interaction is already yours"));
    }
    if !tx.store.is_agent(target)? {
        return Err(invalid(format!("user {target} is not an agent")));
    }
    Ok(tx.store.display_name(target)?)
}

/// Every agent of `department` but the caller, and the department's name.
fn department_targets(
    tx: &Tx<'_>,
    user: UserId,
    department: DepartmentId,
) -> Result<(Vec<UserId>, String), CommandError> {
    let Some(name) = tx.store.department_name(department)? else {
        return Err(invalid(format!("there is no department {department}")));
    };
    let agents: Vec<UserId> = tx
        .store
        .agents_with_load(Some(department))?
        .into_iter()
        .map(|(agent, _)| agent)
        .filter(|&agent| agent != user)
        .collect();
    if agents.is_empty() {
        return Err(invalid(format!("{name} has no other agent")));
    }
    Ok((agents, name))
}

pub fn answer_transfer(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    accept: bool,
    reason: Option<&str>,
) -> Result<AckResult, CommandError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(invalid(format!(
            "reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    core.write(|tx| {
        let row = member_interaction(tx, conversation, user)?;
        if row.offer.is_none() {
            return Err(invalid("no transfer is waiting for an answer"));
        }
        // While an offer waits, the members are its agent and its targets.
        let Some(agent) = row.agent.filter(|&agent| agent != user) else {
            return Err(CommandError::new(
                ErrorCode::Forbidden,
                "the transfer was not offered to you",
            ));
        };
        let before = tx.store.members(conversation)?;
        tx.store.set_offer(conversation, None)?;
        let name = tx.store.display_name(user)?;
        let (owner, event, text) = if accept {
            tx.store.set_interaction_agent(conversation, user)?;
            let event = SystemEvent::TransferAccepted { user_id: user };
            (user, event, format!("{name} took the interaction"))
        } else {
            let text = match reason {
                Some(reason) => format!("{name} refused the transfer: {reason}"),
                None => format!("{name} refused the transfer"),
            };
            let event = SystemEvent::TransferRefused {
                user_id: user,
                reason: reason.map(str::to_owned),
            };
            (agent, event, text)
        };
        // Everyone who was in it sees how it ended, then only its owner stays.
        line(tx, conversation, user, event, &text)?;
        let leaving: Vec<UserId> = before.into_iter().filter(|&m| m != owner).collect();
        remove_members(tx, conversation, &leaving)?;
        announce_to_members(tx, conversation)?;
        Ok(AckResult::Done)
    })
}

pub fn close_interaction(
    core: &mut Core,
    user: UserId,
    conversation: ConversationId,
    disposition: Option<&str>,
) -> Result<AckResult, CommandError> {
    let config = core.config.contact_center.clone();
    core.write(|tx| {
        let row = own_interaction(tx, conversation, user, "close")?;
        let label = match disposition {
            Some(code) => match config.dispositions.iter().find(|d| d.code == code) {
                Some(known) => Some(known.label.clone()),
                None => return Err(invalid(format!("{code:?} is not a disposition code"))),
            },
            None if config.require_disposition => {
                return Err(invalid("a disposition code is required to close"))
            }
            None => None,
        };
        let name = tx.store.display_name(user)?;
        let text = match &label {
            Some(label) => format!("{name} closed the interaction: {label}"),
            None => format!("{name} closed the interaction"),
        };
        finish(tx, &row, Some(user), disposition, &text)?;
        Ok(AckResult::Done)
    })
}

/// Marks the interaction done (by its agent, or by the timeout with `by` `None`): the
/// `closed` line to everyone in it, then a pending offer's targets lose it.
pub(super) fn finish(
    tx: &mut Tx<'_>,
    row: &InteractionRow,
    by: Option<UserId>,
    disposition: Option<&str>,
    text: &str,
) -> Result<(), StoreError> {
    let conversation = row.conversation;
    let before = tx.store.members(conversation)?;
    tx.store.finish_interaction(conversation, disposition)?;
    let event = SystemEvent::Closed {
        by,
        disposition: disposition.map(str::to_owned),
    };
    line(tx, conversation, by.unwrap_or(NOBODY), event, text)?;
    let targets: Vec<UserId> = before
        .into_iter()
        .filter(|&m| Some(m) != row.agent)
        .collect();
    remove_members(tx, conversation, &targets)?;
    announce_to_members(tx, conversation)?;
    Ok(())
}

pub fn contact_history(
    core: &mut Core,
    user: UserId,
    contact: ContactId,
    limit: u32,
) -> Result<AckResult, CommandError> {
    if !core.store.is_agent(user)? {
        return Err(CommandError::new(
            ErrorCode::Forbidden,
            "only agents may read a contact's history",
        ));
    }
    let limit = crate::commands::page_size(limit, MAX_HISTORY)?;
    if core.store.contact(contact)?.is_none() {
        return Err(CommandError::new(ErrorCode::NotFound, "no such contact"));
    }
    let mut interactions = Vec::new();
    for conversation in core.store.contact_interactions(contact, limit)? {
        if let Some(summary) = core.store.interaction_summary(conversation, user)? {
            interactions.push(summary);
        }
    }
    Ok(AckResult::Interactions { interactions })
}
