//! The contact center: conversations of kind `interaction` between agents and external
//! contacts (an SMS number, a web visitor).
//!
//! Inbound messages arrive over a signed webhook (`inbound`), agents' replies leave through
//! a queue and a [`Gateway`] (`gateway`), agents transfer and close interactions
//! (`commands`), and session-mode interactions close after a silence (`inactivity`). The
//! queries are in `store`.

mod commands;
mod gateway;
mod inactivity;
mod inbound;
mod store;

use std::path::PathBuf;
use std::time::Duration;

use messenger_protocol::{
    ContactCenter, ConversationId, DepartmentId, Disposition, InteractionMode, Message,
    SystemEvent, Timestamp, UserId,
};

use crate::app::Tx;
use crate::store::{Store, StoreError};

pub use commands::{answer_transfer, close_interaction, contact_history, transfer_interaction};
pub use gateway::{run as run_gateway, FolderGateway, Gateway, OutboundMessage, SharedGateway};
pub use inactivity::run as run_inactivity;
pub use inbound::receive as inbound_webhook;
pub use store::InteractionRow;

/// What `sender_id` holds for a contact's messages and for the server's own lines in an
/// interaction: no user (migration 008 keeps a row for it, which user lists leave out).
pub const NOBODY: UserId = 0;

pub use crate::secret::MIN_SECRET_BYTES;

/// The key inbound webhook requests are signed with. Its `Debug` does not print it.
#[derive(Clone)]
pub struct InboundSecret(Vec<u8>);

impl InboundSecret {
    pub fn new(secret: &str) -> Result<InboundSecret, String> {
        crate::secret::key_bytes("inbound", secret).map(InboundSecret)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for InboundSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InboundSecret(..)")
    }
}

/// The administrator's contact-center settings.
#[derive(Clone, Debug)]
pub struct ContactCenterConfig {
    /// Without it `POST /api/inbound` answers 404.
    pub inbound_secret: Option<InboundSecret>,
    /// For inbound messages that do not say.
    pub inbound_mode: InteractionMode,
    /// New interactions go to this department's agents; `None`: to any agent.
    pub inbound_department: Option<DepartmentId>,
    /// Where the default [`FolderGateway`] writes replies.
    pub gateway_dir: PathBuf,
    /// Another gateway instead of the folder (an SMS provider's API).
    pub gateway: Option<SharedGateway>,
    /// How often the outbound queue is handed to the gateway.
    pub gateway_interval: Duration,
    pub session_timeout: Duration,
    /// The warning comes this long before the timeout; zero: no warning.
    pub session_warning: Duration,
    /// How often the inactivity job looks for silent sessions.
    pub inactivity_interval: Duration,
    pub dispositions: Vec<Disposition>,
    pub require_disposition: bool,
    /// Usernames made agents at start (others keep what the database says).
    pub agents: Vec<String>,
}

impl ContactCenterConfig {
    /// The defaults, with replies written into `gateway_dir`.
    pub fn new(gateway_dir: PathBuf) -> ContactCenterConfig {
        ContactCenterConfig {
            inbound_secret: None,
            inbound_mode: InteractionMode::Session,
            inbound_department: None,
            gateway_dir,
            gateway: None,
            gateway_interval: Duration::from_secs(1),
            session_timeout: Duration::from_secs(900),
            session_warning: Duration::from_secs(120),
            inactivity_interval: Duration::from_secs(5),
            dispositions: parse_dispositions("resolved=Resolved,callback=Call back")
                .unwrap_or_default(),
            require_disposition: false,
            agents: Vec::new(),
        }
    }

    /// Settings that cannot work together, said plainly.
    pub fn check(&self) -> Result<(), String> {
        if self.session_timeout.is_zero() {
            return Err("the session timeout must be at least one second".into());
        }
        if self.session_warning >= self.session_timeout {
            return Err(format!(
                "the inactivity warning ({} s) must come before the timeout ({} s)",
                self.session_warning.as_secs(),
                self.session_timeout.as_secs()
            ));
        }
        if self.require_disposition && self.dispositions.is_empty() {
            return Err("--require-disposition needs at least one disposition code".into());
        }
        Ok(())
    }

    /// What an agent's welcome carries, with every agent's id.
    pub fn for_agents(&self, agents: Vec<messenger_protocol::UserId>) -> ContactCenter {
        ContactCenter {
            agents,
            dispositions: self.dispositions.clone(),
            require_disposition: self.require_disposition,
            session_timeout_secs: self.session_timeout.as_secs(),
            session_warning_secs: self.session_warning.as_secs(),
        }
    }
}

/// `code=Label,code=Label` (the administrator's order is kept). Codes are
/// `[A-Za-z0-9_-]{1,64}`, labels up to 100 characters; an empty text is an empty list.
pub fn parse_dispositions(text: &str) -> Result<Vec<Disposition>, String> {
    let mut list: Vec<Disposition> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((code, label)) = item.split_once('=') else {
            return Err(format!("{item:?} is not code=Label"));
        };
        let (code, label) = (code.trim(), label.trim());
        let code_ok = (1..=64).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !code_ok {
            return Err(format!(
                "disposition code {code:?} must be 1 to 64 letters, digits, _ or -"
            ));
        }
        if label.is_empty() || label.chars().count() > 100 {
            return Err(format!("the label of {code:?} must be 1 to 100 characters"));
        }
        if list.iter().any(|d| d.code == code) {
            return Err(format!("disposition code {code:?} is listed twice"));
        }
        list.push(Disposition {
            code: code.to_owned(),
            label: label.to_owned(),
        });
    }
    Ok(list)
}

/// At start: the `agents` become agents, the inbound department must exist, and
/// summaries learn the session timeout (for `closes_at`).
pub fn prepare_store(store: &mut Store, config: &ContactCenterConfig) -> Result<(), crate::Error> {
    store.session_timeout_ms = millis(config.session_timeout);
    let unknown = store.make_agents(&config.agents)?;
    if !unknown.is_empty() {
        return Err(format!("--agents: there is no user named {}", unknown.join(", ")).into());
    }
    if let Some(department) = config.inbound_department {
        if !store.department_exists(department)? {
            return Err(
                format!("--inbound-department: there is no department {department}").into(),
            );
        }
    }
    Ok(())
}

pub(crate) fn millis(duration: Duration) -> Timestamp {
    Timestamp::try_from(duration.as_millis()).unwrap_or(Timestamp::MAX)
}

/// Stores a system line of an interaction and sends it to its members.
fn line(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    actor: UserId,
    event: SystemEvent,
    text: &str,
) -> Result<Message, StoreError> {
    let line = tx
        .store
        .insert_system_message(conversation, actor, &event, text, tx.now)?;
    crate::delivery::publish_message(tx, &line)?;
    Ok(line)
}

/// Takes `users` out of the conversation; each gets `conversation_removed`.
fn remove_members(
    tx: &mut Tx<'_>,
    conversation: ConversationId,
    users: &[UserId],
) -> Result<(), StoreError> {
    for &user in users {
        crate::conversations::remove_member(tx, conversation, user)?;
    }
    Ok(())
}

/// The interaction as it now stands, to every member.
fn announce_to_members(tx: &mut Tx<'_>, conversation: ConversationId) -> Result<(), StoreError> {
    let members = tx.store.members(conversation)?;
    crate::conversations::announce_updated(tx, conversation, &members)
}

/// Called inside `send_message`'s transaction for a message stored in an interaction: a
/// reply (not a note) counts as activity and goes into the gateway's queue.
pub fn on_agent_message(tx: &mut Tx<'_>, message: &Message) -> Result<(), StoreError> {
    if message.note {
        return Ok(());
    }
    tx.store
        .touch_interaction(message.conversation_id, tx.now)?;
    tx.store.queue_outbound(message.id, tx.now)?;
    announce_to_members(tx, message.conversation_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_keep_their_order_and_bad_lists_are_refused() {
        let list = parse_dispositions(" resolved=Resolved , callback = Call back ,").unwrap();
        let codes: Vec<(&str, &str)> = list
            .iter()
            .map(|d| (d.code.as_str(), d.label.as_str()))
            .collect();
        assert_eq!(codes, [("resolved", "Resolved"), ("callback", "Call back")]);
        assert!(parse_dispositions("").unwrap().is_empty());
        for bad in ["resolved", "=Label", "a b=Label", "x=", "x=A,x=B"] {
            assert!(parse_dispositions(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_warning_after_the_timeout_or_a_short_secret_is_refused() {
        let mut config = ContactCenterConfig::new(PathBuf::from("out"));
        assert!(config.check().is_ok());
        config.session_warning = config.session_timeout;
        assert!(config.check().unwrap_err().contains("before the timeout"));
        config.session_warning = Duration::ZERO;
        config.require_disposition = true;
        config.dispositions.clear();
        assert!(config.check().unwrap_err().contains("disposition"));
        let error = InboundSecret::new("short").unwrap_err();
        assert!(error.contains("at least 32"), "{error}");
        let secret = InboundSecret::new(&"s".repeat(32)).unwrap();
        assert!(!format!("{secret:?}").contains("sss"));
    }
}
