//! The agent's side of contact-center interactions: who may do what with an interaction,
//! the commands (transfer, answer an offer, done, contact history) and their answers.
//! Spell-check answers for the compose box are tracked here too: like these, they are
//! requests whose answers only the views read.

use messenger_protocol::{
    AckResult, ClientFrame, CommandId, ContactId, ConversationId, ConversationSummary,
    DepartmentId, Interaction, InteractionState, ServerFrame, SystemEvent, TextRange, UserId,
};

use super::i18n::Notice;
use super::session::Session;
use super::state::Conversation;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    /// Transfer, answer or done on this conversation.
    Act(ConversationId),
    History(ContactId),
    /// A spell check of this text.
    Spell(String),
}

/// Where a transfer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Agent(UserId),
    Department(DepartmentId),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Desk {
    pending: Vec<(CommandId, Pending)>,
    /// Why the last action on an interaction was refused, with the interaction.
    pub error: Option<(ConversationId, Notice)>,
    /// The contact whose interactions were asked for, and the answer once it came.
    pub history: Option<(ContactId, Option<Vec<ConversationSummary>>)>,
    /// The last spell check answered: the text and its misspelled words (UTF-16 ranges).
    pub spelling: Option<(String, Vec<TextRange>)>,
}

/// What the user may do with an interaction, as the action bar offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The assigned agent: reply, note, transfer, done.
    Owner,
    /// A target of the pending transfer offer: accept or refuse.
    Offered,
    /// Done, or someone else's: read only.
    Reader,
}

/// The user's role in `i`, for `me` in department `dept`.
pub fn role(i: &Interaction, me: UserId, dept: Option<DepartmentId>) -> Role {
    if i.state == InteractionState::Done {
        return Role::Reader;
    }
    if let Some(o) = &i.offer {
        let to_me = o.to_user == Some(me) || (o.to_department.is_some() && o.to_department == dept);
        if to_me && o.from != me {
            return Role::Offered;
        }
    }
    if i.agent_id == Some(me) {
        Role::Owner
    } else {
        Role::Reader
    }
}

/// When an open session closes for inactivity, once the server has warned about it: the
/// warning is the newest line of the conversation, so any message since has re-armed it.
pub fn closing_at(c: &Conversation) -> Option<i64> {
    let i = c.interaction.as_deref()?;
    if i.state != InteractionState::Open {
        return None;
    }
    let newest = c
        .messages
        .iter()
        .rev()
        .find(|m| !m.note)
        .or(c.last_message.as_ref())?;
    match newest.system {
        Some(SystemEvent::InactivityWarning { closes_at }) => {
            Some(i.closes_at.unwrap_or(closes_at))
        }
        _ => None,
    }
}

/// `text` cut at the misspelled `ranges` (UTF-16, in order): each piece, and whether it is
/// a misspelled word. Ranges outside the text or overlapping an earlier one are skipped.
pub fn spell_segments(text: &str, ranges: &[TextRange]) -> Vec<(String, bool)> {
    use super::canned::utf16_to_byte;
    let mut out = Vec::new();
    let mut at = 0;
    for r in ranges {
        let (start, end) = (
            utf16_to_byte(text, r.start as usize),
            utf16_to_byte(text, r.end as usize),
        );
        if start < at || end <= start {
            continue;
        }
        if start > at {
            out.push((text[at..start].to_string(), false));
        }
        out.push((text[start..end].to_string(), true));
        at = end;
    }
    if at < text.len() || out.is_empty() {
        out.push((text[at..].to_string(), false));
    }
    out
}

impl Desk {
    fn answered(&mut self, id: &str) -> Option<Pending> {
        let at = self.pending.iter().position(|(c, _)| c == id)?;
        Some(self.pending.remove(at).1)
    }

    /// An action on `conversation` is on its way.
    pub fn is_busy(&self, conversation: ConversationId) -> bool {
        self.pending
            .iter()
            .any(|(_, p)| *p == Pending::Act(conversation))
    }

    /// The misspelled words of `text`, when its check has been answered.
    pub fn misspelled(&self, text: &str) -> Option<&[TextRange]> {
        self.spelling
            .as_ref()
            .filter(|(t, _)| t == text)
            .map(|(_, r)| r.as_slice())
    }

    /// Whether `text` is being checked.
    pub fn is_checking(&self, text: &str) -> bool {
        self.pending
            .iter()
            .any(|(_, p)| matches!(p, Pending::Spell(t) if t == text))
    }

    pub(crate) fn receive(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::Ack { id, result } => match (self.answered(id), result) {
                (Some(Pending::Act(c)), _) if self.error.as_ref().is_some_and(|(e, _)| *e == c) => {
                    self.error = None;
                }
                (Some(Pending::History(contact)), AckResult::Interactions { interactions })
                    if self.history.as_ref().is_some_and(|(h, _)| *h == contact) =>
                {
                    self.history = Some((contact, Some(interactions.clone())));
                }
                (Some(Pending::Spell(text)), AckResult::Spelling { misspelled }) => {
                    self.spelling = Some((text, misspelled.clone()));
                }
                _ => {}
            },
            ServerFrame::Error {
                id: Some(id),
                message,
                ..
            } => match self.answered(id) {
                Some(Pending::Act(c)) => self.error = Some((c, Notice::Server(message.clone()))),
                // Not checked (a language without a dictionary, say): nothing to underline.
                Some(Pending::Spell(text)) => self.spelling = Some((text, Vec::new())),
                _ => {}
            },
            _ => {}
        }
    }

    pub(crate) fn disconnected(&mut self) {
        self.pending.clear();
    }
}

impl Session {
    fn desk_command(&mut self, pending: Pending) -> Option<CommandId> {
        if !self.online {
            return None;
        }
        let id = self.next_id();
        self.desk.pending.push((id.clone(), pending));
        Some(id)
    }

    /// Offers the interaction to another agent or to a department's agents.
    pub fn transfer_interaction(
        &mut self,
        conversation: ConversationId,
        to: Target,
    ) -> Option<ClientFrame> {
        let id = self.desk_command(Pending::Act(conversation))?;
        let (to_user, to_department) = match to {
            Target::Agent(u) => (Some(u), None),
            Target::Department(d) => (None, Some(d)),
        };
        Some(ClientFrame::TransferInteraction {
            id,
            conversation_id: conversation,
            to_user,
            to_department,
        })
    }

    /// Takes or refuses the interaction offered to the user.
    pub fn answer_transfer(
        &mut self,
        conversation: ConversationId,
        accept: bool,
        reason: &str,
    ) -> Option<ClientFrame> {
        let id = self.desk_command(Pending::Act(conversation))?;
        let reason = reason.trim();
        Some(ClientFrame::AnswerTransfer {
            id,
            conversation_id: conversation,
            accept,
            reason: (!accept && !reason.is_empty()).then(|| reason.to_string()),
        })
    }

    /// Marks the interaction done, with a disposition code when one was chosen.
    pub fn close_interaction(
        &mut self,
        conversation: ConversationId,
        disposition: &str,
    ) -> Option<ClientFrame> {
        let id = self.desk_command(Pending::Act(conversation))?;
        Some(ClientFrame::CloseInteraction {
            id,
            conversation_id: conversation,
            disposition: (!disposition.is_empty()).then(|| disposition.to_string()),
        })
    }

    /// Asks for a contact's interactions (`None` closes the list).
    pub fn contact_history(&mut self, contact: Option<ContactId>) -> Option<ClientFrame> {
        self.desk.history = contact.map(|c| (c, None));
        let contact = contact?;
        let id = self.desk_command(Pending::History(contact))?;
        Some(ClientFrame::ContactHistory {
            id,
            contact_id: contact,
            limit: 20,
        })
    }

    /// Checks `text` in `lang`, unless it was checked or is being checked already.
    pub fn check_spelling(&mut self, lang: &str, text: &str) -> Option<ClientFrame> {
        if text.trim().is_empty()
            || self.desk.misspelled(text).is_some()
            || self.desk.is_checking(text)
        {
            return None;
        }
        let id = self.desk_command(Pending::Spell(text.to_string()))?;
        Some(ClientFrame::CheckSpelling {
            id,
            lang: lang.to_string(),
            text: text.to_string(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::state::tests::welcome;
    use messenger_protocol::{
        Contact, ContactChannel, ConversationKind, ErrorCode, InteractionMode, Message,
        TransferOffer,
    };

    pub fn interaction(agent: Option<UserId>, offer: Option<TransferOffer>) -> Interaction {
        Interaction {
            contact: Contact {
                id: 9,
                channel: ContactChannel::Sms,
                address: "+33612345678".into(),
                display_name: None,
                phone: Some("+33612345678".into()),
                email: None,
            },
            mode: InteractionMode::Session,
            state: InteractionState::Open,
            agent_id: agent,
            offer,
            disposition: None,
            last_activity: 1,
            closes_at: Some(901_000),
            recent_interactions: 2,
        }
    }

    fn online() -> Session {
        let mut s = Session::new("t");
        s.receive(welcome(), None);
        s
    }

    #[test]
    fn the_owner_acts_the_offered_agent_answers_everyone_else_reads() {
        let mine = interaction(Some(1), None);
        assert_eq!(role(&mine, 1, None), Role::Owner);
        assert_eq!(role(&mine, 2, None), Role::Reader);
        let offered = TransferOffer {
            from: 1,
            to_user: Some(2),
            to_department: None,
        };
        let to_bob = interaction(Some(1), Some(offered));
        assert_eq!(role(&to_bob, 2, None), Role::Offered);
        // The offering agent keeps it until the offer is answered.
        assert_eq!(role(&to_bob, 1, None), Role::Owner);
        let to_sales = interaction(
            Some(1),
            Some(TransferOffer {
                from: 1,
                to_user: None,
                to_department: Some(4),
            }),
        );
        assert_eq!(role(&to_sales, 3, Some(4)), Role::Offered);
        assert_eq!(role(&to_sales, 3, Some(5)), Role::Reader);
        let mut done = interaction(Some(1), None);
        done.state = InteractionState::Done;
        assert_eq!(role(&done, 1, None), Role::Reader);
    }

    fn line(id: i64, system: Option<SystemEvent>, note: bool) -> Message {
        Message {
            id,
            conversation_id: 40,
            sender_id: 1,
            text: String::new(),
            importance: Default::default(),
            created_at: id,
            client_id: None,
            system,
            attachments: Vec::new(),
            contact_id: None,
            note,
        }
    }

    #[test]
    fn the_inactivity_warning_shows_until_someone_writes() {
        let mut c = Conversation::from_summary(ConversationSummary {
            id: 40,
            kind: ConversationKind::Interaction,
            title: None,
            members: vec![1],
            last_message: None,
            unread: 0,
            last_read_message_id: None,
            member_states: Vec::new(),
            sms: true,
            interaction: Some(Box::new(interaction(Some(1), None))),
        });
        assert_eq!(closing_at(&c), None);
        let warned = Some(SystemEvent::InactivityWarning { closes_at: 901_000 });
        c.messages.push(line(1, warned, false));
        assert_eq!(closing_at(&c), Some(901_000));
        // A note is not activity: the warning stands.
        c.messages.push(line(2, None, true));
        assert_eq!(closing_at(&c), Some(901_000));
        c.messages.push(line(3, None, false));
        assert_eq!(closing_at(&c), None);
    }

    #[test]
    fn a_refused_action_is_shown_on_its_interaction_until_one_succeeds() {
        let mut s = online();
        let f = s.close_interaction(40, "").unwrap();
        assert!(s.desk.is_busy(40));
        let id = f.command_id().unwrap().to_string();
        s.receive(
            ServerFrame::Error {
                id: Some(id),
                code: ErrorCode::InvalidArgument,
                message: "a disposition is required".into(),
            },
            None,
        );
        assert!(!s.desk.is_busy(40));
        assert_eq!(
            s.desk.error,
            Some((40, Notice::Server("a disposition is required".into())))
        );
        let f = s.close_interaction(40, "resolved").unwrap();
        let ClientFrame::CloseInteraction { disposition, .. } = &f else {
            panic!("{f:?}");
        };
        assert_eq!(disposition.as_deref(), Some("resolved"));
        s.receive(
            ServerFrame::Ack {
                id: f.command_id().unwrap().into(),
                result: AckResult::Done,
            },
            None,
        );
        assert_eq!(s.desk.error, None);
    }

    #[test]
    fn a_refusal_carries_its_reason_an_acceptance_none() {
        let mut s = online();
        let ClientFrame::AnswerTransfer { reason, accept, .. } =
            s.answer_transfer(40, false, "  On a call ").unwrap()
        else {
            panic!("not an answer");
        };
        assert_eq!((accept, reason.as_deref()), (false, Some("On a call")));
        let ClientFrame::AnswerTransfer { reason, .. } =
            s.answer_transfer(40, true, "ignored").unwrap()
        else {
            panic!("not an answer");
        };
        assert_eq!(reason, None);
    }

    #[test]
    fn misspelled_ranges_cut_the_text_in_utf16_units() {
        let r = |start, end| TextRange { start, end };
        // "é" is one UTF-16 unit, the emoji two: the ranges count units, not bytes.
        let text = "é 😀 documment ok";
        assert_eq!(
            spell_segments(text, &[r(5, 14)]),
            vec![
                ("é 😀 ".to_string(), false),
                ("documment".to_string(), true),
                (" ok".to_string(), false)
            ]
        );
        assert_eq!(
            spell_segments("abc", &[r(0, 3), r(1, 2), r(9, 12)]),
            vec![("abc".to_string(), true)]
        );
        assert_eq!(spell_segments("", &[]), vec![(String::new(), false)]);
    }

    #[test]
    fn each_text_is_checked_once_and_its_answer_kept_for_that_text() {
        let mut s = online();
        let f = s.check_spelling("fr", "le documment").unwrap();
        assert!(s.desk.is_checking("le documment"));
        assert_eq!(s.check_spelling("fr", "le documment"), None);
        s.receive(
            ServerFrame::Ack {
                id: f.command_id().unwrap().into(),
                result: AckResult::Spelling {
                    misspelled: vec![TextRange { start: 3, end: 12 }],
                },
            },
            None,
        );
        assert_eq!(
            s.desk.misspelled("le documment"),
            Some(&[TextRange { start: 3, end: 12 }][..])
        );
        assert_eq!(s.desk.misspelled("le document"), None);
        assert_eq!(s.check_spelling("fr", "le documment"), None);
        assert!(s.check_spelling("fr", "   ").is_none());
        // Offline nothing is asked.
        s.disconnected();
        assert_eq!(s.check_spelling("fr", "autre"), None);
    }
}
