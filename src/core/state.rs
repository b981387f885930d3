//! The reducer: everything the server told us, folded into one plain value.

use std::collections::BTreeMap;

use messenger_protocol::{
    AckResult, ConversationId, ConversationKind, ConversationSummary, Department, ErrorCode, Event,
    Features, Limits, Message, MessageId, ServerFrame, Settings, User, UserId,
};

/// One conversation as the client knows it: the server's summary plus the messages loaded so
/// far and the read positions of the other members.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub members: Vec<UserId>,
    pub last_message: Option<Message>,
    /// Messages from others after my read position.
    pub unread: u32,
    /// My read position.
    pub my_read: Option<MessageId>,
    /// Loaded messages, oldest first, unique by id.
    pub messages: Vec<Message>,
    /// `None` until history was loaded; then whether older messages exist on the server.
    pub has_more: Option<bool>,
    /// Read positions of other members, from `read_up_to` events.
    pub read_positions: BTreeMap<UserId, MessageId>,
    /// Delivery positions of the members, from `member_states` and `delivered_up_to`.
    pub delivered_positions: BTreeMap<UserId, MessageId>,
    /// Messages here go out as SMS (the compose box counts segments).
    pub sms: bool,
    /// An interaction with an external contact (agents only).
    pub interaction: Option<Box<messenger_protocol::Interaction>>,
}

impl Conversation {
    pub fn from_summary(s: ConversationSummary) -> Self {
        let mut c = Conversation {
            id: s.id,
            kind: s.kind,
            title: s.title,
            members: s.members,
            last_message: s.last_message,
            unread: s.unread,
            my_read: s.last_read_message_id,
            messages: Vec::new(),
            has_more: None,
            read_positions: BTreeMap::new(),
            delivered_positions: BTreeMap::new(),
            sms: s.sms,
            interaction: s.interaction,
        };
        c.apply_member_states(&s.member_states);
        c
    }

    /// Positions only move forward, so a snapshot older than a live event changes nothing.
    fn apply_member_states(&mut self, states: &[messenger_protocol::MemberState]) {
        for m in states {
            if let Some(r) = m.read_up_to {
                advance(&mut self.read_positions, m.user_id, r);
            }
            if let Some(d) = m.delivered_up_to {
                advance(&mut self.delivered_positions, m.user_id, d);
            }
        }
    }

    /// Takes the server's (newer) summary, keeping what we loaded.
    fn update_from_summary(&mut self, s: ConversationSummary) {
        self.apply_member_states(&s.member_states);
        self.kind = s.kind;
        self.title = s.title;
        self.sms = s.sms;
        self.interaction = s.interaction;
        self.members = s.members;
        self.unread = s.unread;
        self.my_read = max_opt(self.my_read, s.last_read_message_id);
        if let Some(last) = s.last_message {
            // A snapshot newer than our cache means we may have missed messages in between:
            // drop the cache (the open conversation reloads its history after a welcome).
            if self.newest_loaded().is_some_and(|n| n < last.id) {
                self.messages.clear();
                self.has_more = None;
            }
            if self.last_message.as_ref().is_none_or(|l| l.id <= last.id) {
                self.last_message = Some(last);
            }
        }
    }

    /// Time of the last activity, for sorting (0 when there never was a message).
    pub fn last_activity(&self) -> i64 {
        let loaded = self.messages.last().map(|m| m.created_at);
        let last = self.last_message.as_ref().map(|m| m.created_at);
        loaded.max(last).unwrap_or(0)
    }

    pub fn newest_loaded(&self) -> Option<MessageId> {
        self.messages.last().map(|m| m.id)
    }

    pub fn oldest_loaded(&self) -> Option<MessageId> {
        self.messages.first().map(|m| m.id)
    }

    /// The newest message known from someone other than `me`.
    pub fn newest_from_others(&self, me: UserId) -> Option<MessageId> {
        let loaded = self
            .messages
            .iter()
            .rev()
            .find(|m| m.sender_id != me)
            .map(|m| m.id);
        let last = self
            .last_message
            .as_ref()
            .filter(|m| m.sender_id != me)
            .map(|m| m.id);
        loaded.max(last)
    }

    fn contains(&self, id: MessageId) -> bool {
        self.messages.binary_search_by_key(&id, |m| m.id).is_ok()
    }

    /// Inserts in id order; returns false when it was already there.
    fn insert(&mut self, message: Message) -> bool {
        match self.messages.binary_search_by_key(&message.id, |m| m.id) {
            Ok(_) => false,
            Err(at) => {
                self.messages.insert(at, message);
                true
            }
        }
    }

    /// True when every member other than `me` and the sender has read up to `message`.
    pub fn is_read_by_others(&self, message: &Message, me: UserId) -> bool {
        let mut others = self
            .members
            .iter()
            .filter(|u| **u != me && **u != message.sender_id)
            .peekable();
        if others.peek().is_none() {
            // Nobody else to read it (a message to oneself, or an incoming one in a direct chat).
            return message.sender_id != me;
        }
        others.all(|u| self.read_positions.get(u).is_some_and(|r| *r >= message.id))
    }

    /// The other member of a direct conversation.
    pub fn other_member(&self, me: UserId) -> Option<UserId> {
        self.members.iter().copied().find(|u| *u != me)
    }

    fn apply_my_read(&mut self, message_id: MessageId, me: UserId) {
        self.my_read = max_opt(self.my_read, Some(message_id));
        if self
            .last_message
            .as_ref()
            .is_none_or(|l| l.id <= message_id)
            && self.newest_loaded().is_none_or(|n| n <= message_id)
        {
            self.unread = 0;
        } else if self.oldest_loaded().is_some_and(|o| o <= message_id) {
            // The loaded range covers everything after the read position: count exactly.
            let left = self
                .messages
                .iter()
                .filter(|m| m.id > message_id && m.sender_id != me)
                .count() as u32;
            self.unread = self.unread.min(left);
        }
    }
}

impl super::timeline::Names for &AppState {
    fn user(&self, user: UserId) -> String {
        self.display_name(user)
    }

    fn department(&self, department: messenger_protocol::DepartmentId) -> String {
        self.departments
            .iter()
            .find(|d| d.id == department)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }

    fn disposition(&self, code: &str) -> String {
        self.contact_center
            .as_ref()
            .and_then(|cc| cc.dispositions.iter().find(|d| d.code == code))
            .map_or_else(|| code.to_string(), |d| d.label.clone())
    }
}

/// A contact's name, or its number or visitor id when the name is not known.
pub fn contact_name(contact: &messenger_protocol::Contact) -> String {
    contact
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| contact.address.clone())
}

fn max_opt(a: Option<MessageId>, b: Option<MessageId>) -> Option<MessageId> {
    a.max(b)
}

fn advance(positions: &mut BTreeMap<UserId, MessageId>, user: UserId, to: MessageId) {
    let pos = positions.entry(user).or_insert(to);
    *pos = (*pos).max(to);
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    pub me: Option<User>,
    pub epoch: Option<String>,
    /// Last event applied.
    pub seq: u64,
    pub users: BTreeMap<UserId, User>,
    pub departments: Vec<Department>,
    pub conversations: BTreeMap<ConversationId, Conversation>,
    pub limits: Limits,
    pub features: Features,
    /// The user's server-side settings (send key, e-mail mode...).
    pub settings: Settings,
    /// Open channels created since the user last looked at the channel list.
    pub new_channels: u32,
    pub unread_notifications: u32,
    /// The last error the server reported (for a command or the connection).
    pub last_error: Option<(Option<String>, ErrorCode, String)>,
    /// The administrator's contact-center settings, when the user is an agent.
    pub contact_center: Option<messenger_protocol::ContactCenter>,
}

impl AppState {
    pub fn me_id(&self) -> Option<UserId> {
        self.me.as_ref().map(|u| u.id)
    }

    /// Whether the server already stored this outbox entry (its message, with the entry's
    /// client id, is known).
    pub fn has_client_id(&self, p: &crate::core::outbox::PendingMessage) -> bool {
        self.conversations.get(&p.conversation_id).is_some_and(|c| {
            c.messages
                .iter()
                .chain(c.last_message.as_ref())
                .any(|m| m.client_id.as_deref() == Some(p.client_id.as_str()))
        })
    }

    /// Folds one server frame into the state.
    pub fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Welcome(w) => {
                let w = *w;
                self.epoch = Some(w.epoch);
                self.seq = w.seq;
                self.limits = w.limits;
                self.features = w.features;
                self.settings = w.settings;
                self.new_channels = w.new_channels;
                self.unread_notifications = w.unread_notifications;
                // Inserted, not collected: collecting into a map sorts with the stable sort,
                // which nothing else in the widget needs (about 3 KB of its bundle).
                self.users.clear();
                self.users.extend(w.users.into_iter().map(|u| (u.id, u)));
                self.users.insert(w.me.id, w.me.clone());
                self.me = Some(w.me);
                self.departments = w.departments;
                self.contact_center = w.contact_center;
                let mut old = std::mem::take(&mut self.conversations);
                for summary in w.conversations {
                    let conv = match old.remove(&summary.id) {
                        Some(mut c) => {
                            c.update_from_summary(summary);
                            c
                        }
                        None => Conversation::from_summary(summary),
                    };
                    self.conversations.insert(conv.id, conv);
                }
                self.last_error = None;
            }
            ServerFrame::Ack { result, .. } => match result {
                AckResult::MessageSent { message } => self.message_created(message),
                AckResult::Conversation { conversation } => self.upsert(conversation),
                AckResult::History {
                    conversation_id,
                    messages,
                    has_more,
                } => {
                    if let Some(c) = self.conversations.get_mut(&conversation_id) {
                        // `has_more` talks about what is older than this page, so it describes
                        // the cache for a first page, an older page, or an empty answer.
                        let prev_oldest = c.oldest_loaded().filter(|_| c.has_more.is_some());
                        let page_oldest = messages.first().map(|m| m.id);
                        let describes_cache = match (prev_oldest, page_oldest) {
                            (None, _) | (_, None) => true,
                            (Some(prev), Some(page)) => page < prev,
                        };
                        for m in messages {
                            c.insert(m);
                        }
                        if describes_cache {
                            c.has_more = Some(has_more);
                        }
                        if let Some(newest) = c.messages.last() {
                            if c.last_message.as_ref().is_none_or(|l| l.id < newest.id) {
                                c.last_message = Some(newest.clone());
                            }
                        }
                    }
                }
                AckResult::Settings { settings } => self.settings = settings,
                AckResult::Notifications { unread, .. } => self.unread_notifications = unread,
                _ => {}
            },
            ServerFrame::Error { id, code, message } => {
                self.last_error = Some((id, code, message));
            }
            ServerFrame::Event { seq, event } => {
                if self.epoch.is_some() && seq <= self.seq {
                    return; // already reflected (snapshot or a duplicate)
                }
                self.seq = seq;
                self.apply_event(event);
            }
            ServerFrame::Resumed { .. } | ServerFrame::Typing { .. } => {}
        }
    }

    fn apply_event(&mut self, event: Event) {
        match event {
            Event::MessageCreated { message } => self.message_created(message),
            Event::ConversationAdded { conversation }
            | Event::ConversationUpdated { conversation } => self.upsert(conversation),
            // Left or removed (here or on another device): it leaves the list, and the local
            // copy replays this too.
            Event::ConversationRemoved { conversation_id } => {
                self.conversations.remove(&conversation_id);
            }
            Event::ReadUpTo {
                conversation_id,
                user_id,
                message_id,
            } => self.read_up_to(conversation_id, user_id, message_id),
            Event::DeliveredUpTo {
                conversation_id,
                user_id,
                message_id,
            } => {
                if let Some(c) = self.conversations.get_mut(&conversation_id) {
                    advance(&mut c.delivered_positions, user_id, message_id);
                }
            }
            Event::Presence {
                user_id,
                presence,
                last_seen,
            } => {
                if let Some(u) = self.users.get_mut(&user_id) {
                    u.presence = presence;
                    u.last_seen = last_seen.or(u.last_seen);
                }
                if let Some(me) = self.me.as_mut().filter(|m| m.id == user_id) {
                    me.presence = presence;
                }
            }
            Event::SettingsChanged { settings } => self.settings = settings,
            Event::NotificationCreated { notification } if !notification.read => {
                self.unread_notifications = self.unread_notifications.saturating_add(1);
            }
            Event::NotificationsRead { unread, .. } => self.unread_notifications = unread,
            // Seen in the channel list, in this tab or another.
            Event::ChannelsSeen { new_channels, .. } => self.new_channels = new_channels,
            // Everyone hears of a new channel; it is news only to those not in it yet.
            Event::ChannelCreated { channel } if !channel.joined => {
                self.new_channels = self.new_channels.saturating_add(1);
            }
            // Shown by later UI work; nothing in this state depends on them yet.
            _ => {}
        }
    }

    fn upsert(&mut self, summary: ConversationSummary) {
        match self.conversations.get_mut(&summary.id) {
            Some(c) => c.update_from_summary(summary),
            None => {
                self.conversations
                    .insert(summary.id, Conversation::from_summary(summary));
            }
        }
    }

    fn message_created(&mut self, message: Message) {
        let me = self.me_id();
        let Some(c) = self.conversations.get_mut(&message.conversation_id) else {
            return; // unknown conversation: the next welcome brings it
        };
        let is_new =
            !c.contains(message.id) && c.last_message.as_ref().is_none_or(|l| message.id > l.id);
        if !is_new {
            // Already known (ack and echo of the same message, or a replay).
            c.insert(message);
            return;
        }
        // System lines ("Bob joined") are news, not messages waiting for an answer: the
        // server does not count them as unread either.
        let from_other = Some(message.sender_id) != me && message.system.is_none();
        if from_other && c.my_read.is_none_or(|r| message.id > r) {
            c.unread = c.unread.saturating_add(1);
        }
        c.last_message = Some(message.clone());
        c.insert(message);
    }

    /// Applies a read position (from the server, or optimistically after sending `mark_read`).
    pub fn read_up_to(&mut self, conversation: ConversationId, user: UserId, message: MessageId) {
        let me = self.me_id();
        let Some(c) = self.conversations.get_mut(&conversation) else {
            return;
        };
        if Some(user) == me {
            c.apply_my_read(message, user);
        } else {
            advance(&mut c.read_positions, user, message);
        }
    }

    pub fn total_unread(&self) -> u32 {
        self.conversations
            .values()
            .fold(0u32, |acc, c| acc.saturating_add(c.unread))
    }

    /// Conversations, most recent activity first.
    pub fn conversations_by_activity(&self) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self.conversations.values().collect();
        // Ties are broken by id, so the unstable sort gives the same order (and the
        // widget carries no stable sort).
        list.sort_unstable_by(|a, b| {
            b.last_activity()
                .cmp(&a.last_activity())
                .then(b.id.cmp(&a.id))
        });
        list
    }

    /// The most recently active conversation that has unread messages.
    pub fn most_recent_unread(&self) -> Option<ConversationId> {
        self.conversations_by_activity()
            .into_iter()
            .find(|c| c.unread > 0)
            .map(|c| c.id)
    }

    /// The direct conversation with `user`, if one is known.
    pub fn direct_with(&self, user: UserId) -> Option<ConversationId> {
        let me = self.me_id()?;
        self.conversations
            .values()
            .find(|c| {
                c.kind == ConversationKind::Direct
                    && c.members.contains(&user)
                    && c.members.iter().all(|m| *m == user || *m == me)
            })
            .map(|c| c.id)
    }

    pub fn display_name(&self, user: UserId) -> String {
        self.users
            .get(&user)
            .map(|u| {
                if u.display_name.trim().is_empty() {
                    u.username.clone()
                } else {
                    u.display_name.clone()
                }
            })
            .unwrap_or_else(|| format!("User {user}"))
    }

    /// Who wrote `message`: a user, or the contact of an interaction.
    pub fn sender_name(&self, message: &Message) -> String {
        match message.contact_id {
            Some(_) => self
                .conversations
                .get(&message.conversation_id)
                .and_then(|c| c.interaction.as_deref())
                .map(|i| contact_name(&i.contact))
                .unwrap_or_default(),
            None => self.display_name(message.sender_id),
        }
    }

    /// The title to show: the conversation's own, or the other member's name for direct ones.
    pub fn title(&self, conversation: ConversationId) -> String {
        let Some(c) = self.conversations.get(&conversation) else {
            return String::new();
        };
        if let Some(i) = &c.interaction {
            return contact_name(&i.contact);
        }
        if let Some(t) = c.title.as_ref().filter(|t| !t.trim().is_empty()) {
            return t.clone();
        }
        let me = self.me_id().unwrap_or_default();
        let others: Vec<String> = c
            .members
            .iter()
            .filter(|m| **m != me)
            .map(|m| self.display_name(*m))
            .collect();
        if others.is_empty() {
            self.me
                .as_ref()
                .map(|m| m.display_name.clone())
                .unwrap_or_default()
        } else {
            others.join(", ")
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use messenger_protocol::{Presence, Welcome};

    pub fn user(id: UserId, name: &str, dept: Option<i64>) -> User {
        User {
            id,
            username: name.to_lowercase(),
            display_name: name.to_string(),
            department_id: dept,
            presence: Presence::Offline,
            last_seen: None,
        }
    }

    pub fn msg(id: MessageId, conv: ConversationId, sender: UserId, text: &str) -> Message {
        Message {
            contact_id: None,
            note: false,
            id,
            conversation_id: conv,
            sender_id: sender,
            text: text.to_string(),
            importance: Default::default(),
            created_at: 1_700_000_000_000 + id * 1000,
            client_id: None,
            system: None,
            attachments: Vec::new(),
        }
    }

    pub fn direct(id: ConversationId, a: UserId, b: UserId, unread: u32) -> ConversationSummary {
        ConversationSummary {
            interaction: None,
            id,
            kind: ConversationKind::Direct,
            title: None,
            members: vec![a, b],
            last_message: None,
            unread,
            last_read_message_id: None,
            member_states: Vec::new(),
            sms: false,
        }
    }

    /// Me = 1 (Alice), Bob = 2, Carol = 3; conversation 10 with Bob (2 unread), 11 with Carol.
    pub fn welcome() -> ServerFrame {
        let mut c10 = direct(10, 1, 2, 2);
        c10.last_message = Some(msg(5, 10, 2, "hi"));
        c10.last_read_message_id = Some(3);
        let mut c11 = direct(11, 1, 3, 1);
        c11.last_message = Some(msg(4, 11, 3, "yo"));
        ServerFrame::Welcome(Box::new(Welcome {
            contact_center: None,
            protocol_version: 1,
            epoch: "e1".into(),
            seq: 10,
            me: user(1, "Alice", Some(1)),
            users: vec![
                user(1, "Alice", Some(1)),
                user(2, "Bob", Some(1)),
                user(3, "Carol", Some(2)),
            ],
            departments: vec![],
            conversations: vec![c10, c11],
            reset: None,
            new_channels: 0,
            unread_notifications: 0,
            settings: Default::default(),
            features: Default::default(),
            limits: Limits::default(),
        }))
    }

    fn event(seq: u64, event: Event) -> ServerFrame {
        ServerFrame::Event { seq, event }
    }

    fn welcomed() -> AppState {
        let mut s = AppState::default();
        s.apply(welcome());
        s
    }

    #[test]
    fn an_updated_conversation_takes_its_new_title_members_and_interaction() {
        let mut s = welcomed();
        let mut c = direct(10, 1, 2, 2);
        c.kind = ConversationKind::Group;
        c.title = Some("Renamed".into());
        c.members = vec![1, 2, 3];
        s.apply(event(11, Event::ConversationUpdated { conversation: c }));
        assert_eq!(s.title(10), "Renamed");
        assert_eq!(s.conversations[&10].members, vec![1, 2, 3]);
        // What was loaded stays.
        assert!(s.conversations[&10].last_message.is_some());
    }

    #[test]
    fn member_states_and_delivery_events_only_move_forward() {
        let mut s = AppState::default();
        let ServerFrame::Welcome(mut w) = welcome() else {
            unreachable!()
        };
        w.conversations[0].member_states = vec![
            messenger_protocol::MemberState {
                user_id: 1,
                read_up_to: Some(3),
                delivered_up_to: Some(5),
            },
            messenger_protocol::MemberState {
                user_id: 2,
                read_up_to: Some(4),
                delivered_up_to: Some(6),
            },
        ];
        s.apply(ServerFrame::Welcome(w.clone()));
        let c = &s.conversations[&10];
        assert_eq!(c.read_positions.get(&2), Some(&4));
        assert_eq!(c.delivered_positions.get(&2), Some(&6));
        s.apply(event(
            11,
            Event::DeliveredUpTo {
                conversation_id: 10,
                user_id: 2,
                message_id: 8,
            },
        ));
        s.apply(event(
            12,
            Event::DeliveredUpTo {
                conversation_id: 10,
                user_id: 2,
                message_id: 7,
            },
        ));
        assert_eq!(s.conversations[&10].delivered_positions.get(&2), Some(&8));
        // An unknown conversation is ignored.
        s.apply(event(
            13,
            Event::DeliveredUpTo {
                conversation_id: 99,
                user_id: 2,
                message_id: 7,
            },
        ));
        // A later snapshot with older positions does not move them back.
        w.seq = 20;
        s.apply(ServerFrame::Welcome(w));
        let c = &s.conversations[&10];
        assert_eq!(c.delivered_positions.get(&2), Some(&8));
        assert_eq!(c.read_positions.get(&2), Some(&4));
    }

    #[test]
    fn welcome_sets_unread_totals() {
        let s = welcomed();
        assert_eq!(s.me_id(), Some(1));
        assert_eq!(s.total_unread(), 3);
        assert_eq!(s.conversations[&10].unread, 2);
        assert_eq!(s.title(10), "Bob");
        assert_eq!(s.direct_with(3), Some(11));
        assert_eq!(s.direct_with(9), None);
        // Conversation 10's last message is newer.
        assert_eq!(s.conversations_by_activity()[0].id, 10);
        assert_eq!(s.most_recent_unread(), Some(10));
    }

    #[test]
    fn message_from_other_increments_unread_own_does_not() {
        let mut s = welcomed();
        s.apply(event(
            11,
            Event::MessageCreated {
                message: msg(6, 11, 3, "again"),
            },
        ));
        assert_eq!(s.conversations[&11].unread, 2);
        assert_eq!(s.total_unread(), 4);
        s.apply(event(
            12,
            Event::MessageCreated {
                message: msg(7, 11, 1, "mine"),
            },
        ));
        assert_eq!(s.conversations[&11].unread, 2);
        assert_eq!(s.total_unread(), 4);
        // Sorted by activity: 11 is now the most recent.
        assert_eq!(s.conversations_by_activity()[0].id, 11);
        assert_eq!(s.most_recent_unread(), Some(11));
    }

    #[test]
    fn system_lines_do_not_count_as_unread() {
        let mut s = welcomed();
        let mut joined = msg(8, 11, 3, "Carol Kowalski joined");
        joined.system = Some(messenger_protocol::SystemEvent::Joined { user_id: 3 });
        s.apply(event(11, Event::MessageCreated { message: joined }));
        assert_eq!(s.conversations[&11].unread, 1);
        assert_eq!(s.total_unread(), 3);
    }

    #[test]
    fn duplicate_events_and_replays_do_not_double_count() {
        let mut s = welcomed();
        let e = event(
            11,
            Event::MessageCreated {
                message: msg(6, 11, 3, "x"),
            },
        );
        s.apply(e.clone());
        s.apply(e); // same seq: ignored
        assert_eq!(s.conversations[&11].unread, 2);
        // Same message under a new seq (a replay): still counted once.
        s.apply(event(
            12,
            Event::MessageCreated {
                message: msg(6, 11, 3, "x"),
            },
        ));
        assert_eq!(s.conversations[&11].unread, 2);
        assert_eq!(s.conversations[&11].messages.len(), 1);
        // Events already in the snapshot (seq <= welcome seq) are ignored.
        s.apply(event(
            3,
            Event::MessageCreated {
                message: msg(99, 11, 3, "old"),
            },
        ));
        assert_eq!(s.conversations[&11].unread, 2);
    }

    #[test]
    fn read_up_to_by_me_clears_unread() {
        let mut s = welcomed();
        s.apply(event(
            11,
            Event::ReadUpTo {
                conversation_id: 10,
                user_id: 1,
                message_id: 5,
            },
        ));
        assert_eq!(s.conversations[&10].unread, 0);
        assert_eq!(s.conversations[&10].my_read, Some(5));
        assert_eq!(s.total_unread(), 1);
        s.read_up_to(11, 1, 4);
        assert_eq!(s.total_unread(), 0);
        // A new message after the read position counts again.
        s.apply(event(
            12,
            Event::MessageCreated {
                message: msg(8, 10, 2, "more"),
            },
        ));
        assert_eq!(s.total_unread(), 1);
    }

    #[test]
    fn partial_read_counts_loaded_messages() {
        let mut s = welcomed();
        s.apply(ServerFrame::Ack {
            id: "h".into(),
            result: AckResult::History {
                conversation_id: 10,
                messages: vec![msg(3, 10, 2, "a"), msg(4, 10, 2, "b"), msg(5, 10, 2, "c")],
                has_more: true,
            },
        });
        assert_eq!(s.conversations[&10].has_more, Some(true));
        s.read_up_to(10, 1, 4);
        assert_eq!(s.conversations[&10].unread, 1);
    }

    #[test]
    fn read_positions_of_others_mark_messages_read() {
        let mut s = welcomed();
        let mine = msg(6, 10, 1, "hello bob");
        s.apply(ServerFrame::Ack {
            id: "c1".into(),
            result: AckResult::MessageSent {
                message: mine.clone(),
            },
        });
        let c = &s.conversations[&10];
        assert!(!c.is_read_by_others(&mine, 1));
        s.apply(event(
            11,
            Event::ReadUpTo {
                conversation_id: 10,
                user_id: 2,
                message_id: 6,
            },
        ));
        let c = &s.conversations[&10];
        assert!(c.is_read_by_others(&mine, 1));
        // Read positions never move back.
        s.read_up_to(10, 2, 2);
        assert_eq!(s.conversations[&10].read_positions[&2], 6);
        // My own read does not touch others' positions and vice versa.
        assert_eq!(s.conversations[&10].unread, 2);
    }

    #[test]
    fn presence_and_conversation_added() {
        let mut s = welcomed();
        s.apply(event(
            11,
            Event::Presence {
                user_id: 2,
                presence: Presence::Online,
                last_seen: None,
            },
        ));
        assert_eq!(s.users[&2].presence, Presence::Online);
        let mut c = direct(12, 1, 4, 0);
        c.last_message = Some(msg(20, 12, 4, "new"));
        s.apply(event(12, Event::ConversationAdded { conversation: c }));
        assert!(s.conversations.contains_key(&12));
        assert_eq!(s.conversations_by_activity()[0].id, 12);
        assert_eq!(s.title(12), "User 4");
    }

    #[test]
    fn presence_keeps_last_seen() {
        let mut s = welcomed();
        let gone = |seq, last_seen| {
            event(
                seq,
                Event::Presence {
                    user_id: 2,
                    presence: Presence::Offline,
                    last_seen,
                },
            )
        };
        s.apply(gone(11, Some(1_700_000_000_000)));
        assert_eq!(s.users[&2].last_seen, Some(1_700_000_000_000));
        s.apply(gone(12, None));
        assert_eq!(s.users[&2].last_seen, Some(1_700_000_000_000), "kept");
    }

    #[test]
    fn rewelcome_keeps_cache_unless_it_fell_behind() {
        let mut s = welcomed();
        s.apply(ServerFrame::Ack {
            id: "h".into(),
            result: AckResult::History {
                conversation_id: 10,
                messages: vec![msg(4, 10, 2, "a"), msg(5, 10, 2, "b")],
                has_more: false,
            },
        });
        s.apply(welcome());
        assert_eq!(s.conversations[&10].messages.len(), 2);
        // A snapshot whose last message is newer than our cache drops the cache.
        let ServerFrame::Welcome(mut w) = welcome() else {
            unreachable!()
        };
        w.conversations[0].last_message = Some(msg(9, 10, 2, "missed"));
        s.apply(ServerFrame::Welcome(w));
        assert!(s.conversations[&10].messages.is_empty());
        assert_eq!(s.conversations[&10].has_more, None);
    }

    #[test]
    fn errors_are_recorded() {
        let mut s = welcomed();
        s.apply(ServerFrame::Error {
            id: Some("x".into()),
            code: ErrorCode::Forbidden,
            message: "no".into(),
        });
        assert_eq!(
            s.last_error,
            Some((Some("x".into()), ErrorCode::Forbidden, "no".into()))
        );
    }

    #[test]
    fn sidebar_counts_and_settings_follow_the_server() {
        use messenger_protocol::{
            ChannelInfo, Importance, Notification, NotificationKind, SendKey, Settings,
        };
        let mut s = AppState::default();
        let ServerFrame::Welcome(mut w) = welcome() else {
            unreachable!()
        };
        w.new_channels = 2;
        w.unread_notifications = 3;
        s.apply(ServerFrame::Welcome(w));
        assert_eq!((s.new_channels, s.unread_notifications), (2, 3));
        assert_eq!(s.settings.send_key, SendKey::Enter);

        let channel = ChannelInfo {
            id: 40,
            title: "Random".into(),
            member_count: 1,
            joined: false,
            created_at: 0,
        };
        s.apply(event(
            11,
            Event::ChannelCreated {
                channel: channel.clone(),
            },
        ));
        assert_eq!(s.new_channels, 3);
        let mine = ChannelInfo {
            id: 41,
            joined: true,
            ..channel
        };
        s.apply(event(12, Event::ChannelCreated { channel: mine }));
        assert_eq!(s.new_channels, 3, "my own channel is not news to me");

        let notification = Notification {
            id: 7,
            kind: NotificationKind::Mention,
            title: "Bob mentioned you".into(),
            body: "@alice".into(),
            importance: Importance::Normal,
            conversation_id: Some(10),
            message_id: None,
            created_at: 0,
            read: false,
        };
        s.apply(event(15, Event::NotificationCreated { notification }));
        assert_eq!(s.unread_notifications, 4);
        s.apply(event(
            16,
            Event::NotificationsRead {
                notification_ids: vec![],
                all: true,
                unread: 0,
            },
        ));
        assert_eq!(s.unread_notifications, 0);

        let settings = Settings {
            send_key: SendKey::CtrlEnter,
            ..Settings::default()
        };
        s.apply(event(17, Event::SettingsChanged { settings }));
        assert_eq!(s.settings.send_key, SendKey::CtrlEnter);
        // A replayed old event changes nothing.
        s.apply(event(
            15,
            Event::SettingsChanged {
                settings: Settings::default(),
            },
        ));
        assert_eq!(s.settings.send_key, SendKey::CtrlEnter);
    }
}
