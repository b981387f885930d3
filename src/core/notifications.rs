//! The notification center's list and the live pop-ups, as a plain reducer.

use messenger_protocol::{ConversationId, Importance, Notification, NotificationId};

/// How many notifications a page asks for.
pub const NOTIFICATION_PAGE: u32 = 20;
/// Toasts shown at once; older ones give way.
const MAX_POPUPS: usize = 3;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NotificationList {
    /// Newest first, unique by id.
    pub items: Vec<Notification>,
    /// A first page arrived (the list reflects the server).
    pub loaded: bool,
    /// Older notifications exist on the server.
    pub has_more: bool,
    /// Live arrivals to pop up (toast for normal importance, dialog for high), oldest first.
    pub popups: Vec<Notification>,
    /// Pop-ups raised since the host page was last told (its `notification` event), oldest
    /// first; the view takes them.
    pub announced: Vec<Notification>,
}

impl NotificationList {
    fn insert(&mut self, n: Notification) {
        match self.items.binary_search_by(|x| n.id.cmp(&x.id)) {
            Ok(at) => self.items[at] = n,
            Err(at) => self.items.insert(at, n),
        }
    }

    /// A page of `list_notifications`: the newest (`older == false`) or an older one.
    pub fn page(&mut self, page: Vec<Notification>, has_more: bool, older: bool) {
        if !older {
            // Keep what arrived live after the page was cut; drop the rest, the page is newer.
            let newest = page.iter().map(|n| n.id).max();
            self.items.retain(|x| newest.is_some_and(|m| x.id > m));
            self.loaded = true;
            self.has_more = has_more;
        } else if let Some(oldest) = page.iter().map(|n| n.id).min() {
            // `has_more` describes what is older than this page.
            if self.oldest().is_none_or(|o| oldest < o) {
                self.has_more = has_more;
            }
        } else {
            self.has_more = has_more;
        }
        for n in page {
            self.insert(n);
        }
    }

    pub fn oldest(&self) -> Option<NotificationId> {
        self.items.last().map(|n| n.id)
    }

    /// `notification_created`: listed at the top and popped up when unread.
    pub fn created(&mut self, n: Notification) {
        if !n.read && !self.popups.iter().any(|p| p.id == n.id) {
            self.popups.push(n.clone());
            self.announced.push(n.clone());
            let toasts = self
                .popups
                .iter()
                .filter(|p| p.importance == Importance::Normal)
                .count();
            if toasts > MAX_POPUPS {
                if let Some(at) = self
                    .popups
                    .iter()
                    .position(|p| p.importance == Importance::Normal)
                {
                    self.popups.remove(at);
                }
            }
        }
        if self.loaded {
            self.insert(n);
        }
    }

    /// Notifications became read (here, in another tab, or all of them).
    pub fn read(&mut self, ids: &[NotificationId], all: bool) {
        for n in &mut self.items {
            if all || ids.contains(&n.id) {
                n.read = true;
            }
        }
        self.popups.retain(|p| !all && !ids.contains(&p.id));
    }

    /// Whether the notification is known and unread.
    pub fn is_unread(&self, id: NotificationId) -> bool {
        self.items
            .iter()
            .chain(&self.popups)
            .any(|n| n.id == id && !n.read)
    }

    pub fn get(&self, id: NotificationId) -> Option<&Notification> {
        self.items.iter().chain(&self.popups).find(|n| n.id == id)
    }

    pub fn dismiss(&mut self, id: NotificationId) {
        self.popups.retain(|p| p.id != id);
    }

    /// The unread notifications about `conversation` known here (listed or popped up),
    /// ascending.
    pub fn unread_about(&self, conversation: ConversationId) -> Vec<NotificationId> {
        let mut ids: Vec<NotificationId> = self
            .items
            .iter()
            .chain(&self.popups)
            .filter(|n| !n.read && n.conversation_id == Some(conversation))
            .map(|n| n.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Takes down the pop-ups about `conversation`: it is on screen now.
    pub fn dismiss_about(&mut self, conversation: ConversationId) {
        self.popups
            .retain(|p| p.conversation_id != Some(conversation));
    }

    /// A fresh snapshot: the list must be fetched again, pop-ups stay.
    pub fn reset(&mut self) {
        self.items.clear();
        self.loaded = false;
        self.has_more = false;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use messenger_protocol::NotificationKind;

    pub fn notif(id: NotificationId, importance: Importance, read: bool) -> Notification {
        Notification {
            id,
            kind: NotificationKind::Mention,
            title: format!("n{id}"),
            body: String::new(),
            importance,
            conversation_id: Some(7),
            message_id: None,
            created_at: 1_700_000_000_000 + id,
            read,
        }
    }

    fn ids(l: &NotificationList) -> Vec<NotificationId> {
        l.items.iter().map(|n| n.id).collect()
    }

    #[test]
    fn pages_are_newest_first_and_unique() {
        let mut l = NotificationList::default();
        l.page(
            vec![
                notif(9, Importance::Normal, false),
                notif(8, Importance::High, true),
            ],
            true,
            false,
        );
        assert!(l.loaded && l.has_more);
        assert_eq!(l.oldest(), Some(8));
        l.page(
            vec![
                notif(8, Importance::High, true),
                notif(5, Importance::Normal, true),
            ],
            false,
            true,
        );
        assert_eq!(ids(&l), [9, 8, 5]);
        assert!(!l.has_more);
        // A stale older answer does not bring `has_more` back.
        l.page(vec![notif(8, Importance::High, true)], true, true);
        assert!(!l.has_more);
        l.page(Vec::new(), false, true);
        assert_eq!(ids(&l), [9, 8, 5]);
    }

    #[test]
    fn live_ones_go_on_top_and_survive_a_refresh() {
        let mut l = NotificationList::default();
        l.created(notif(3, Importance::Normal, false));
        assert!(l.items.is_empty(), "not listed before the center loaded");
        assert_eq!(l.popups.len(), 1);
        l.page(vec![notif(2, Importance::Normal, false)], false, false);
        l.created(notif(4, Importance::High, false));
        l.created(notif(4, Importance::High, false));
        assert_eq!(ids(&l), [4, 2]);
        assert_eq!(l.popups.len(), 2, "no duplicate pop-up");
        // The first page again (reopened): the live one newer than the page stays.
        l.page(vec![notif(3, Importance::Normal, false)], false, false);
        assert_eq!(ids(&l), [4, 3]);
    }

    #[test]
    fn read_marks_items_and_removes_popups() {
        let mut l = NotificationList::default();
        l.page(Vec::new(), false, false);
        for id in 1..=3 {
            l.created(notif(id, Importance::Normal, false));
        }
        assert!(l.is_unread(2));
        l.read(&[2], false);
        assert!(!l.is_unread(2));
        assert_eq!(l.popups.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 3]);
        l.read(&[], true);
        assert!(l.items.iter().all(|n| n.read));
        assert!(l.popups.is_empty());
        assert!(!l.is_unread(42));
    }

    fn about(id: NotificationId, conversation: Option<ConversationId>, read: bool) -> Notification {
        Notification {
            conversation_id: conversation,
            ..notif(id, Importance::High, read)
        }
    }

    #[test]
    fn unread_about_a_conversation_counts_listed_and_popped_up_once() {
        let mut l = NotificationList::default();
        l.created(about(1, Some(7), false));
        assert_eq!(l.unread_about(7), [1], "popped up, center not loaded yet");
        l.page(
            vec![
                about(4, Some(7), false),
                about(3, Some(8), false),
                about(2, Some(7), true),
                about(1, Some(7), false),
            ],
            false,
            false,
        );
        l.created(about(5, None, false));
        l.created(about(6, Some(7), false));
        assert_eq!(
            l.unread_about(7),
            [1, 4, 6],
            "each once, read and others left out"
        );
        assert_eq!(l.unread_about(8), [3]);
        assert!(l.unread_about(9).is_empty());

        l.dismiss_about(7);
        assert_eq!(l.popups.iter().map(|p| p.id).collect::<Vec<_>>(), [5]);
        assert_eq!(l.unread_about(7), [1, 4, 6], "dismissed is not read");
    }

    #[test]
    fn toasts_are_capped_dialogs_are_not() {
        let mut l = NotificationList::default();
        l.created(notif(1, Importance::High, false));
        for id in 2..=6 {
            l.created(notif(id, Importance::Normal, false));
        }
        l.created(notif(7, Importance::Normal, true));
        let popped: Vec<_> = l.popups.iter().map(|p| p.id).collect();
        assert_eq!(popped, [1, 4, 5, 6]);
        l.dismiss(1);
        assert_eq!(l.popups.len(), 3);
        l.reset();
        assert!(!l.loaded && l.items.is_empty());
        assert_eq!(l.popups.len(), 3);
    }
}
