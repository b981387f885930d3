//! The mailbox view's logic: the pages of `list_mailbox` kept per folder, the rows each
//! folder shows (who, bold or not, who has not read a sent message, when an unread one
//! expires) and the keyboard's moves. The views only draw [`Row`]s.

use messenger_protocol::{
    AckResult, ClientFrame, CommandId, ConversationId, Event, Importance, MailFolder, Message,
    MessageId, ServerFrame, Timestamp, UserId,
};

use super::session::{Delivery, Session, TimelineItem};
use super::state::{AppState, Conversation};
use super::timeline::receipt;

/// Messages asked for per page.
pub const MAILBOX_PAGE: u32 = 50;
/// Characters of a message's text a row shows.
const PREVIEW_CHARS: usize = 80;

/// Which of the two views shows the messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Chat,
    Mailbox,
}

impl View {
    pub fn parse(s: &str) -> Option<View> {
        match s {
            "chat" => Some(View::Chat),
            "mailbox" => Some(View::Mailbox),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            View::Chat => "chat",
            View::Mailbox => "mailbox",
        }
    }
}

/// Where the mailbox's reading pane sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    #[default]
    Bottom,
    Right,
    Off,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Bottom, Pane::Right, Pane::Off];

    /// Its place in [`Pane::ALL`] (the views keep it in a signal type they already have).
    pub fn index(self) -> i32 {
        self as i32
    }

    pub fn from_index(i: i32) -> Pane {
        Pane::ALL.get(i as usize).copied().unwrap_or_default()
    }

    pub fn parse(s: &str) -> Option<Pane> {
        match s {
            "bottom" => Some(Pane::Bottom),
            "right" => Some(Pane::Right),
            "off" => Some(Pane::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Pane::Bottom => "bottom",
            Pane::Right => "right",
            Pane::Off => "off",
        }
    }
}

/// A folder of the mailbox; Drafts are this device's own (IndexedDB), not the server's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Folder {
    #[default]
    Inbox,
    Sent,
    Drafts,
}

impl Folder {
    pub const ALL: [Folder; 3] = [Folder::Inbox, Folder::Sent, Folder::Drafts];

    /// Its place in [`Folder::ALL`] (see [`Pane::index`]).
    pub fn index(self) -> i32 {
        self as i32
    }

    pub fn from_index(i: i32) -> Folder {
        Folder::ALL.get(i as usize).copied().unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Inbox => "inbox",
            Folder::Sent => "sent",
            Folder::Drafts => "drafts",
        }
    }

    pub fn server(self) -> Option<MailFolder> {
        match self {
            Folder::Inbox => Some(MailFolder::Inbox),
            Folder::Sent => Some(MailFolder::Sent),
            Folder::Drafts => None,
        }
    }
}

/// One server folder as loaded so far: newest first, unique by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pages {
    pub messages: Vec<Message>,
    /// `None` until the first page came; then whether older messages exist.
    pub has_more: Option<bool>,
}

impl Pages {
    fn insert(&mut self, message: Message) {
        // Newest first: a probe with a larger id comes before.
        if let Err(at) = self
            .messages
            .binary_search_by(|probe| message.id.cmp(&probe.id))
        {
            self.messages.insert(at, message);
        }
    }

    fn remove_where(&mut self, gone: &dyn Fn(&Message) -> bool) {
        self.messages.retain(|m| !gone(m));
    }
}

/// The Inbox and Sent folders as the server listed them, kept current by the events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mailbox {
    pub inbox: Pages,
    pub sent: Pages,
    /// `list_mailbox` commands on their way (a few at most).
    pending: Vec<(CommandId, MailFolder)>,
    /// The Drafts folder's texts, as last read from the drafts database.
    pub drafts: Vec<(ConversationId, String)>,
}

impl Mailbox {
    pub fn pages(&self, folder: MailFolder) -> &Pages {
        match folder {
            MailFolder::Inbox => &self.inbox,
            MailFolder::Sent => &self.sent,
        }
    }

    fn pages_mut(&mut self, folder: MailFolder) -> &mut Pages {
        match folder {
            MailFolder::Inbox => &mut self.inbox,
            MailFolder::Sent => &mut self.sent,
        }
    }

    pub fn is_loading(&self, folder: MailFolder) -> bool {
        self.pending.iter().any(|(_, f)| *f == folder)
    }

    /// Asks for the first page of `folder`, or (`older`) the page after what is loaded.
    /// `None` when that page is on its way or there is nothing older.
    pub fn request(
        &mut self,
        id: CommandId,
        folder: MailFolder,
        older: bool,
    ) -> Option<ClientFrame> {
        let pages = self.pages(folder);
        let before = match (older, pages.has_more) {
            (_, None) => None,
            (false, Some(_)) => return None,
            (true, Some(false)) => return None,
            (true, Some(true)) => pages.messages.last().map(|m| m.id),
        };
        if self.is_loading(folder) {
            return None;
        }
        self.pending.push((id.clone(), folder));
        Some(ClientFrame::ListMailbox {
            id,
            folder,
            before,
            limit: MAILBOX_PAGE,
        })
    }

    /// Follows one server frame: pages answered, new messages, expired or left ones.
    pub fn receive(&mut self, frame: &ServerFrame, me: Option<UserId>) {
        match frame {
            // A new connection may have missed anything: the folders load again when shown.
            ServerFrame::Welcome(_) => {
                self.inbox = Pages::default();
                self.sent = Pages::default();
                self.pending.clear();
            }
            ServerFrame::Ack { id, result } => {
                self.answered(id);
                match result {
                    AckResult::Mailbox {
                        folder,
                        messages,
                        has_more,
                    } => {
                        let pages = self.pages_mut(*folder);
                        // An older page says whether there is more than it; a first page
                        // arriving after newer messages still describes the oldest end.
                        let oldest = pages.messages.last().map(|m| m.id);
                        let describes_end = match (oldest, messages.last()) {
                            (Some(o), Some(m)) => m.id <= o,
                            _ => true,
                        };
                        for m in messages {
                            pages.insert(m.clone());
                        }
                        if describes_end || pages.has_more.is_none() {
                            pages.has_more = Some(*has_more);
                        }
                    }
                    AckResult::MessageSent { message } => self.created(message, me),
                    _ => {}
                }
            }
            ServerFrame::Error { id: Some(id), .. } => self.answered(id),
            ServerFrame::Event { event, .. } => match event {
                Event::MessageCreated { message } => self.created(message, me),
                Event::MessagesExpired {
                    conversation_id,
                    message_ids,
                } => {
                    let gone = |m: &Message| {
                        m.conversation_id == *conversation_id && message_ids.contains(&m.id)
                    };
                    self.inbox.remove_where(&gone);
                    self.sent.remove_where(&gone);
                }
                Event::ConversationRemoved { conversation_id } => {
                    let gone = |m: &Message| m.conversation_id == *conversation_id;
                    self.inbox.remove_where(&gone);
                    self.sent.remove_where(&gone);
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn answered(&mut self, id: &str) {
        if let Some(at) = self.pending.iter().position(|(p, _)| p == id) {
            self.pending.remove(at);
        }
    }

    /// A message written now goes to the top of its folder, once that folder is loaded.
    fn created(&mut self, message: &Message, me: Option<UserId>) {
        if message.system.is_some() || message.note {
            return;
        }
        let folder = if Some(message.sender_id) == me {
            MailFolder::Sent
        } else {
            MailFolder::Inbox
        };
        let pages = self.pages_mut(folder);
        if pages.has_more.is_some() {
            pages.insert(message.clone());
        }
    }
}

impl Session {
    /// `list_mailbox` for `folder` (see [`Mailbox::request`]).
    pub fn list_mailbox(&mut self, folder: MailFolder, older: bool) -> Option<ClientFrame> {
        if !self.online {
            return None;
        }
        let id = self.next_id();
        self.mailbox.request(id, folder, older)
    }

    /// The user opened `message` of `conversation` in the mailbox: the read position moves
    /// to it (only to it: the rest of the conversation stays as it was) and the server is
    /// told as the chat view tells it.
    pub fn read_message(
        &mut self,
        conversation: ConversationId,
        message: MessageId,
        now: Timestamp,
    ) -> Option<ClientFrame> {
        let me = self.state.me_id()?;
        self.state.read_up_to(conversation, me, message);
        self.flush_read(conversation, now)
    }
}

/// One line of a folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The message id; for a draft, minus its conversation's id (keys never collide).
    pub key: i64,
    pub conversation: ConversationId,
    /// The sender (Inbox), or the recipients (Sent, Drafts).
    pub who: String,
    pub title: String,
    pub preview: String,
    /// 0 for a draft.
    pub created_at: Timestamp,
    pub high: bool,
    /// Unread (Inbox), or not read by every recipient yet (Sent).
    pub bold: bool,
    /// Sent: the recipients who have not read it.
    pub not_read_by: Vec<String>,
    /// Inbox: when an unread message will be removed by the server.
    pub expires_at: Option<Timestamp>,
}

/// The start of a text, on one line.
pub fn preview(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if let Some((at, _)) = out.char_indices().nth(PREVIEW_CHARS) {
        out.truncate(at);
        out.push('…');
    }
    out
}

/// Whether `message` (from someone else) is after the reader's read position.
pub fn is_unread(conv: &Conversation, message: &Message) -> bool {
    conv.my_read.is_none_or(|r| message.id > r)
}

/// The recipients of `message` who have not read it yet, by user id.
pub fn not_read_by(conv: &Conversation, message: &Message) -> Vec<UserId> {
    receipt(conv, message.id, message.sender_id).unread_by
}

/// The members other than me, as names.
fn recipients(state: &AppState, conv: &Conversation, me: UserId) -> String {
    let names: Vec<String> = conv
        .members
        .iter()
        .filter(|u| **u != me)
        .map(|u| state.display_name(*u))
        .collect();
    names.join(", ")
}

/// The rows of a server folder, newest first. A message of a conversation no longer known
/// (left meanwhile) is not shown.
pub fn rows(state: &AppState, mailbox: &Mailbox, folder: MailFolder) -> Vec<Row> {
    let me = state.me_id().unwrap_or_default();
    let lifetime = state.features.message_lifetime_secs;
    mailbox
        .pages(folder)
        .messages
        .iter()
        .filter_map(|m| {
            let conv = state.conversations.get(&m.conversation_id)?;
            let mut row = Row {
                key: m.id,
                conversation: m.conversation_id,
                title: state.title(m.conversation_id),
                preview: preview(&m.text),
                created_at: m.created_at,
                high: m.importance == Importance::High,
                ..Row::default()
            };
            match folder {
                MailFolder::Inbox => {
                    row.who = state.display_name(m.sender_id);
                    row.bold = is_unread(conv, m);
                    row.expires_at = lifetime.filter(|_| row.bold).map(|secs| {
                        m.created_at
                            .saturating_add(secs.saturating_mul(1000) as i64)
                    });
                }
                MailFolder::Sent => {
                    row.who = recipients(state, conv, me);
                    row.bold = !conv.is_read_by_others(m, me);
                    row.not_read_by = not_read_by(conv, m)
                        .into_iter()
                        .map(|u| state.display_name(u))
                        .collect();
                }
            }
            Some(row)
        })
        .collect()
}

/// The rows of the Drafts folder: each conversation with a saved draft (`drafted`), with
/// its text once read from the database (`texts`).
pub fn draft_rows(
    state: &AppState,
    drafted: &[ConversationId],
    texts: &[(ConversationId, String)],
) -> Vec<Row> {
    let me = state.me_id().unwrap_or_default();
    drafted
        .iter()
        .filter_map(|c| {
            let conv = state.conversations.get(c)?;
            let text = texts
                .iter()
                .find(|(t, _)| t == c)
                .map_or("", |t| t.1.as_str());
            Some(Row {
                key: -c,
                conversation: *c,
                who: recipients(state, conv, me),
                title: state.title(*c),
                preview: preview(text),
                ..Row::default()
            })
        })
        .collect()
}

/// The rows of any folder.
pub fn folder_rows(
    state: &AppState,
    mailbox: &Mailbox,
    folder: Folder,
    drafted: &[ConversationId],
) -> Vec<Row> {
    match folder.server() {
        Some(f) => rows(state, mailbox, f),
        None => draft_rows(state, drafted, &mailbox.drafts),
    }
}

/// The Inbox's bold count: the unread messages the rail's counter shows.
pub fn inbox_count(state: &AppState) -> u32 {
    state.total_unread()
}

/// Where a key moves the selection in a list of row keys: ArrowUp/ArrowDown one row (and
/// stay at the ends), Home/End the first/last. `None`: not a moving key (or no rows).
pub fn step(keys: &[i64], at: Option<i64>, key: &str) -> Option<i64> {
    let last = keys.len().checked_sub(1)?;
    let now = at.and_then(|a| keys.iter().position(|k| *k == a));
    let to = match key {
        "ArrowDown" => now.map_or(0, |i| (i + 1).min(last)),
        "ArrowUp" => now.map_or(0, |i| i.saturating_sub(1)),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    Some(keys[to])
}

/// The message a row stands for, as the chat view's message line shows it.
pub fn item(state: &AppState, mailbox: &Mailbox, key: i64) -> Option<TimelineItem> {
    let me = state.me_id().unwrap_or_default();
    let m = mailbox
        .inbox
        .messages
        .iter()
        .chain(&mailbox.sent.messages)
        .find(|m| m.id == key)?;
    let own = m.sender_id == me;
    let delivery = match state.conversations.get(&m.conversation_id) {
        Some(c) if own => {
            let r = receipt(c, m.id, me);
            if r.all_read() {
                Delivery::Read
            } else if r.all_delivered() {
                Delivery::Delivered
            } else {
                Delivery::Sent
            }
        }
        _ => Delivery::Read,
    };
    Some(TimelineItem {
        contact: m.contact_id.is_some(),
        note: m.note,
        // As the chat's lines: a new key when the rendering must change.
        key: format!("m{}-{}", m.id, delivery.as_str()),
        message_id: Some(m.id),
        client_id: m.client_id.clone(),
        sender_id: m.sender_id,
        text: m.text.clone(),
        created_at: m.created_at,
        own,
        delivery,
        error: None,
        importance: m.importance,
        system: None,
        attachments: m.attachments.clone(),
    })
}

#[cfg(test)]
#[path = "mailbox_tests.rs"]
mod tests;
