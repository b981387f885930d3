//! Browser notifications and the sound: what is news, and which one tab of the user's tabs
//! tells it. The leader tab (the one holding the connection) hears every frame first; it
//! raises a browser notification only while none of the user's tabs is visible (a visible
//! tab shows a toast instead), and plays the tone whenever the sound is on. So three tabs
//! still make one notification and one tone per event.

use messenger_protocol::{ConversationId, MessageId, NotificationId};

use super::format::preview;
use super::session::Session;

/// What a click on a browser notification opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Conversation(ConversationId),
    /// A notification about no conversation: the notification center.
    Notifications,
}

/// One piece of news, in the words a browser notification shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub title: String,
    pub body: String,
    /// The same event raised twice (a reload, a second look) replaces the first.
    pub tag: String,
    pub target: Target,
}

/// What this tab has already seen: the last live message it heard and the pop-ups it had.
/// The first look takes everything as seen (the local copy, a page just loaded).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    started: bool,
    heard: u64,
    popups: Vec<NotificationId>,
    /// The messages told lately: a mention is a message and a notification about it, one
    /// piece of news (whichever arrives first tells it).
    told: Vec<MessageId>,
}

/// How many told messages [`Seen`] remembers.
const TOLD: usize = 16;

impl Seen {
    /// Whether `message` is news not told yet; remembers it.
    fn first_time(&mut self, message: Option<MessageId>) -> bool {
        let Some(m) = message else {
            return true;
        };
        if self.told.contains(&m) {
            return false;
        }
        if self.told.len() == TOLD {
            self.told.remove(0);
        }
        self.told.push(m);
        true
    }

    /// The news since the last call: a new notification, a message someone else wrote.
    pub fn news(&mut self, s: &Session) -> Vec<Alert> {
        let mut out = Vec::new();
        let first = !std::mem::replace(&mut self.started, true);
        let popups = &s.nav.notifications.popups;
        for n in popups {
            if !first && !self.popups.contains(&n.id) && self.first_time(n.message_id) {
                out.push(Alert {
                    title: n.title.clone(),
                    body: preview(&n.body, 120),
                    tag: format!("mw-n{}", n.id),
                    target: n
                        .conversation_id
                        .map_or(Target::Notifications, Target::Conversation),
                });
            }
        }
        self.popups = popups.iter().map(|n| n.id).collect();
        let heard = s.heard.as_ref().map_or(0, |h| h.seq);
        if let Some(h) = s.heard.as_ref().filter(|_| heard > self.heard && !first) {
            let m = &h.message;
            if self.first_time(Some(m.id)) {
                let sender = s.state.sender_name(m);
                let title = match s.state.conversations.get(&m.conversation_id) {
                    Some(c)
                        if c.interaction.is_none()
                            && c.title.as_ref().is_some_and(|t| !t.trim().is_empty()) =>
                    {
                        format!("{sender} · {}", s.state.title(m.conversation_id))
                    }
                    _ => sender,
                };
                out.push(Alert {
                    title,
                    body: preview(&m.text, 120),
                    tag: format!("mw-m{}", m.id),
                    target: Target::Conversation(m.conversation_id),
                });
            }
        }
        self.heard = heard;
        out
    }
}

/// Which of the user's other tabs are visible, as they last said (`TabMsg::Visible`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TabsVisible {
    visible: Vec<String>,
}

impl TabsVisible {
    pub fn set(&mut self, tab: &str, visible: bool) {
        self.visible.retain(|t| t != tab);
        if visible {
            self.visible.push(tab.to_string());
        }
    }

    pub fn any(&self) -> bool {
        !self.visible.is_empty()
    }
}

/// What this tab does about news.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tell {
    pub notify: bool,
    pub sound: bool,
}

/// `leader`: this tab holds the connection; `seen`: this tab or another is visible;
/// `notify`/`sound`: the user turned them on (and the browser allows notifications).
pub fn tell(leader: bool, seen: bool, notify: bool, sound: bool) -> Tell {
    Tell {
        notify: leader && notify && !seen,
        sound: leader && sound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notifications::tests::notif;
    use crate::core::state::tests::{direct, msg, welcome};
    use messenger_protocol::{Event, Importance, ServerFrame};

    /// Me = Alice (1); Bob = 2; conversation 10 is direct with Bob, 12 the group "Sales".
    fn session_with_bob() -> Session {
        let mut welcome = welcome();
        if let ServerFrame::Welcome(w) = &mut welcome {
            let mut group = direct(12, 1, 2, 0);
            group.kind = messenger_protocol::ConversationKind::Group;
            group.title = Some("Sales".into());
            w.conversations.push(group);
        }
        let mut s = Session::new("t");
        s.receive(welcome, None);
        s
    }

    fn message(s: &mut Session, seq: u64, id: i64, conversation: i64, from: i64, text: &str) {
        s.receive(
            ServerFrame::Event {
                seq,
                event: Event::MessageCreated {
                    message: msg(id, conversation, from, text),
                },
            },
            None,
        );
    }

    fn notification(s: &mut Session, seq: u64, n: messenger_protocol::Notification) {
        s.receive(
            ServerFrame::Event {
                seq,
                event: Event::NotificationCreated { notification: n },
            },
            None,
        );
    }

    #[test]
    fn a_message_from_someone_else_is_news_once() {
        let mut s = session_with_bob();
        let mut seen = Seen::default();
        assert!(seen.news(&s).is_empty(), "the first look is the baseline");
        message(&mut s, 11, 100, 10, 2, "hello\nsecond line");
        let news = seen.news(&s);
        assert_eq!(
            news,
            [Alert {
                title: "Bob".into(),
                body: "hello".into(),
                tag: "mw-m100".into(),
                target: Target::Conversation(10),
            }]
        );
        assert!(seen.news(&s).is_empty(), "not twice");
        // In a group: who wrote and where.
        message(&mut s, 12, 101, 12, 2, "numbers");
        assert_eq!(seen.news(&s)[0].title, "Bob · Sales");
        // One's own message is no news.
        message(&mut s, 13, 102, 10, 1, "mine");
        assert!(seen.news(&s).is_empty());
    }

    #[test]
    fn a_contacts_message_is_news_under_the_contacts_name() {
        let mut s = session_with_bob();
        let mut desk = direct(40, 1, 1, 0);
        desk.members = vec![1];
        desk.kind = messenger_protocol::ConversationKind::Interaction;
        desk.title = Some("+33612345678".into());
        desk.interaction = Some(Box::new(crate::core::desk::tests::interaction(
            Some(1),
            None,
        )));
        if let Some(i) = desk.interaction.as_mut() {
            i.contact.display_name = Some("Mme Durand".into());
        }
        s.receive(
            ServerFrame::Event {
                seq: 11,
                event: Event::ConversationAdded { conversation: desk },
            },
            None,
        );
        let mut seen = Seen::default();
        seen.news(&s);
        let mut from_contact = msg(100, 40, 0, "Où est mon colis ?");
        from_contact.contact_id = Some(9);
        s.receive(
            ServerFrame::Event {
                seq: 12,
                event: Event::MessageCreated {
                    message: from_contact,
                },
            },
            None,
        );
        assert_eq!(seen.news(&s)[0].title, "Mme Durand");
    }

    #[test]
    fn what_was_there_at_the_first_look_is_not_news() {
        let mut s = session_with_bob();
        message(&mut s, 11, 100, 10, 2, "old");
        notification(&mut s, 12, notif(5, Importance::High, false));
        let mut seen = Seen::default();
        assert!(seen.news(&s).is_empty());
    }

    #[test]
    fn a_new_notification_is_news_and_opens_its_conversation_or_the_center() {
        let mut s = session_with_bob();
        let mut seen = Seen::default();
        seen.news(&s);
        notification(&mut s, 11, notif(5, Importance::Normal, false));
        let mut about_nothing = notif(6, Importance::High, false);
        about_nothing.conversation_id = None;
        about_nothing.body = "Read the policy".into();
        notification(&mut s, 12, about_nothing);
        let news = seen.news(&s);
        assert_eq!(news.len(), 2);
        assert_eq!(
            (news[0].tag.as_str(), news[0].target),
            ("mw-n5", Target::Conversation(7))
        );
        assert_eq!(
            (
                news[1].title.as_str(),
                news[1].body.as_str(),
                news[1].target
            ),
            ("n6", "Read the policy", Target::Notifications)
        );
        // Dismissed and still listed: nothing new.
        s.nav.notifications.dismiss(5);
        assert!(seen.news(&s).is_empty());
        // An already read one does not pop up, so it is no news either.
        notification(&mut s, 13, notif(9, Importance::Normal, true));
        assert!(seen.news(&s).is_empty());
    }

    #[test]
    fn a_mention_is_one_piece_of_news_whichever_part_comes_first() {
        let mut s = session_with_bob();
        let mut seen = Seen::default();
        seen.news(&s);
        let about = |id, message| messenger_protocol::Notification {
            message_id: Some(message),
            conversation_id: Some(10),
            ..notif(id, Importance::Normal, false)
        };
        // Message and notification in one batch: the notification tells it.
        message(&mut s, 11, 100, 10, 2, "@alice look");
        notification(&mut s, 12, about(5, 100));
        let news = seen.news(&s);
        assert_eq!(news.len(), 1);
        assert_eq!(news[0].tag, "mw-n5");
        // The message first, its notification in the next batch: told once.
        message(&mut s, 13, 101, 10, 2, "@alice again");
        assert_eq!(seen.news(&s)[0].tag, "mw-m101");
        notification(&mut s, 14, about(6, 101));
        assert!(seen.news(&s).is_empty());
    }

    #[test]
    fn tabs_report_their_visibility() {
        let mut v = TabsVisible::default();
        assert!(!v.any());
        v.set("a", true);
        v.set("b", true);
        v.set("a", true);
        v.set("b", false);
        assert!(v.any());
        v.set("a", false);
        assert!(!v.any());
    }

    #[test]
    fn only_the_leader_tells_and_notifies_only_when_no_tab_is_seen() {
        // Three tabs, all hidden: the leader notifies, the others do not.
        assert_eq!(
            tell(true, false, true, false),
            Tell {
                notify: true,
                sound: false
            }
        );
        assert_eq!(tell(false, false, true, true), Tell::default());
        // One tab visible (this or another): a toast shows there instead.
        assert!(!tell(true, true, true, false).notify);
        // The sound plays whether or not a tab is visible, on the leader only.
        assert!(tell(true, true, false, true).sound);
        assert!(!tell(true, false, false, false).notify, "not allowed");
    }
}
