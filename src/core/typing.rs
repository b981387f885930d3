//! Who is typing where, and when to tell the server that we are. Times are passed in (ms).

use messenger_protocol::{ConversationId, Timestamp, UserId};

use super::i18n::{Catalog, K};

/// How long an indicator stays without a new `typing` frame.
pub const SHOWN_FOR_MS: Timestamp = 5_000;
/// At most one `typing` frame per conversation this often while the user types.
pub const SEND_EVERY_MS: Timestamp = 3_000;

/// Plain lists rather than maps: they hold a handful of entries, and map code for new key
/// types costs bundle size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Typing {
    /// When each (conversation, user) last said they were typing.
    heard: Vec<(ConversationId, UserId, Timestamp)>,
    /// When we last told the server we were typing, per conversation.
    sent: Vec<(ConversationId, Timestamp)>,
}

impl Typing {
    /// A `typing` frame arrived.
    pub fn heard(&mut self, conversation: ConversationId, user: UserId, now: Timestamp) {
        self.heard
            .retain(|(_, _, at)| now.saturating_sub(*at) < SHOWN_FOR_MS);
        match self
            .heard
            .iter_mut()
            .find(|(c, u, _)| (*c, *u) == (conversation, user))
        {
            Some((_, _, at)) => *at = now,
            None => self.heard.push((conversation, user, now)),
        }
    }

    /// `user`'s message arrived: they are done typing it.
    pub fn stopped(&mut self, conversation: ConversationId, user: UserId) {
        self.heard
            .retain(|(c, u, _)| (*c, *u) != (conversation, user));
    }

    /// Who is typing in `conversation` now, the first to start first.
    pub fn typists(&self, conversation: ConversationId, now: Timestamp) -> Vec<UserId> {
        self.heard
            .iter()
            .filter(|(c, _, at)| *c == conversation && now.saturating_sub(*at) < SHOWN_FOR_MS)
            .map(|(_, u, _)| *u)
            .collect()
    }

    /// When the next indicator of `conversation` runs out, so the view knows when to look
    /// again.
    pub fn next_expiry(&self, conversation: ConversationId, now: Timestamp) -> Option<Timestamp> {
        self.heard
            .iter()
            .filter(|(c, _, _)| *c == conversation)
            .map(|(_, _, at)| at.saturating_add(SHOWN_FOR_MS))
            .filter(|end| *end > now)
            .min()
    }

    /// Whether a keystroke at `now` should send a `typing` frame; records it if so.
    pub fn should_send(&mut self, conversation: ConversationId, now: Timestamp) -> bool {
        match self.sent.iter_mut().find(|(c, _)| *c == conversation) {
            Some((_, at)) if now.saturating_sub(*at) < SEND_EVERY_MS && now >= *at => false,
            Some((_, at)) => {
                *at = now;
                true
            }
            None => {
                self.sent.push((conversation, now));
                true
            }
        }
    }

    /// The message was sent: the next keystroke starts a new "typing" at once.
    pub fn sent_message(&mut self, conversation: ConversationId) {
        self.sent.retain(|(c, _)| *c != conversation);
    }
}

/// "Bob is typing…", "Bob and Carol are typing…", "Bob, Carol and 2 others are typing…".
pub fn typing_text(names: &[String], tr: &Catalog) -> Option<String> {
    Some(match names {
        [] => return None,
        [a] => tr.f(K::TypingOne, &[("a", a)]),
        [a, b] => tr.f(K::TypingTwo, &[("a", a), ("b", b)]),
        [a, b, c] => tr.f(K::TypingThree, &[("a", a), ("b", b), ("c", c)]),
        [a, b, rest @ ..] => tr.n(K::TypingMore, rest.len() as u64, &[("a", a), ("b", b)]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_expires_without_a_new_frame() {
        let mut t = Typing::default();
        t.heard(7, 2, 1_000);
        assert_eq!(t.typists(7, 1_000), vec![2]);
        assert_eq!(t.typists(7, 5_999), vec![2]);
        assert_eq!(t.next_expiry(7, 2_000), Some(6_000));
        assert!(t.typists(7, 6_000).is_empty());
        assert_eq!(t.next_expiry(7, 6_000), None);
        // Repeating the frame keeps it up.
        t.heard(7, 2, 5_000);
        assert_eq!(t.typists(7, 9_000), vec![2]);
        assert!(
            t.typists(8, 5_000).is_empty(),
            "other conversations are separate"
        );
    }

    #[test]
    fn several_typists_and_their_messages() {
        let mut t = Typing::default();
        t.heard(7, 4, 0);
        t.heard(7, 2, 100);
        t.heard(9, 3, 100);
        t.heard(7, 4, 150);
        assert_eq!(
            t.typists(7, 200),
            vec![4, 2],
            "the first to start comes first"
        );
        assert_eq!(t.next_expiry(7, 200), Some(5_100));
        t.stopped(7, 4);
        assert_eq!(t.typists(7, 200), vec![2]);
        assert_eq!(t.typists(9, 200), vec![3]);
        // Old entries are dropped when new ones come in.
        t.heard(7, 5, 60_000);
        assert_eq!(t.heard.len(), 1);
    }

    #[test]
    fn sending_is_throttled_per_conversation() {
        let mut t = Typing::default();
        assert!(t.should_send(7, 0));
        assert!(!t.should_send(7, 1_000));
        assert!(!t.should_send(7, 2_999));
        assert!(t.should_send(8, 1_000));
        assert!(t.should_send(7, 3_000));
        assert!(!t.should_send(7, 4_000));
        t.sent_message(7);
        assert!(t.should_send(7, 4_100));
        // A clock that went back does not silence it for long.
        assert!(t.should_send(7, 100));
    }

    #[test]
    fn text_names_who_is_typing() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let en = Catalog::english();
        let typing_text = |names: &[String]| typing_text(names, &en);
        assert_eq!(typing_text(&[]), None);
        assert_eq!(typing_text(&n(&["Bob"])).unwrap(), "Bob is typing…");
        assert_eq!(
            typing_text(&n(&["Bob", "Carol"])).unwrap(),
            "Bob and Carol are typing…"
        );
        assert_eq!(
            typing_text(&n(&["Bob", "Carol", "Dave"])).unwrap(),
            "Bob, Carol and Dave are typing…"
        );
        assert_eq!(
            typing_text(&n(&["Bob", "Carol", "Dave", "Erin"])).unwrap(),
            "Bob, Carol and 2 others are typing…"
        );
    }
}
