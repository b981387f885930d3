//! Which queued items are due, and the mails that carry them.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Message;
use messenger_protocol::{ConversationId, EmailMode, Timestamp, UserId};

use super::queue::Pending;
use super::ItemKind;

/// Latest lines a digest quotes per conversation.
const DIGEST_LINES: usize = 5;

/// A mail ready to build, and the queue items it carries.
#[derive(Debug)]
pub struct Outgoing {
    pub user: UserId,
    pub email: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    /// Ascending; the first one names the mail (file name, Message-ID).
    pub item_ids: Vec<i64>,
}

/// `immediately` items go out one mail each. A user's `digest` items wait until the oldest
/// is `digest_minutes` old, then all of them go out in one mail.
pub fn due_mails(pending: Vec<Pending>, now: Timestamp, digest_unit: Duration) -> Vec<Outgoing> {
    let mut mails = Vec::new();
    let mut digest: Vec<Pending> = Vec::new();
    // `pending` is ordered by user, so one pass closes each user's digest in turn.
    for item in pending {
        if digest.first().is_some_and(|d| d.user != item.user) {
            mails.extend(digest_if_due(std::mem::take(&mut digest), now, digest_unit));
        }
        match item.mode {
            EmailMode::Digest => digest.push(item),
            _ => mails.push(single(item)),
        }
    }
    mails.extend(digest_if_due(digest, now, digest_unit));
    mails
}

fn single(queued: Pending) -> Outgoing {
    Outgoing {
        user: queued.user,
        subject: queued.item.subject,
        body: format!(
            "{}\n-- \nYou get this mail because your messenger e-mail notifications are set \
             to \"immediately\".\n",
            queued.item.body
        ),
        email: queued.email,
        name: queued.name,
        item_ids: vec![queued.id],
    }
}

fn digest_if_due(items: Vec<Pending>, now: Timestamp, digest_unit: Duration) -> Option<Outgoing> {
    let first = items.first()?;
    let window_ms = digest_unit
        .saturating_mul(first.digest_minutes)
        .as_millis()
        .min(i64::MAX as u128) as i64;
    if now.saturating_sub(first.created_at) < window_ms {
        return None;
    }
    let (user, email, name) = (first.user, first.email.clone(), first.name.clone());

    // Conversations in the order their first item arrived.
    let mut conversations: Vec<(ConversationId, String, Vec<&str>)> = Vec::new();
    let mut notifications = Vec::new();
    for item in items.iter().map(|queued| &queued.item) {
        match (item.kind, item.conversation_id) {
            (ItemKind::Message, Some(id)) => {
                match conversations.iter_mut().find(|(c, _, _)| *c == id) {
                    Some((_, _, lines)) => lines.push(&item.line),
                    None => conversations.push((
                        id,
                        item.conversation_label.clone().unwrap_or_default(),
                        vec![&item.line],
                    )),
                }
            }
            _ => notifications.push(&item.line),
        }
    }
    let messages: usize = conversations.iter().map(|(_, _, lines)| lines.len()).sum();

    let mut body = format!("Hello {name},\n\nHere is what happened in the messenger:\n");
    for (_, label, lines) in &conversations {
        body.push_str(&format!(
            "\n{label}: {}\n",
            count(lines.len(), "new message", "new messages")
        ));
        let skipped = lines.len().saturating_sub(DIGEST_LINES);
        if skipped > 0 {
            body.push_str(&format!("  ... {}\n", count(skipped, "earlier", "earlier")));
        }
        for line in &lines[skipped..] {
            body.push_str(&format!("  {line}\n"));
        }
    }
    if !notifications.is_empty() {
        body.push_str("\nNotifications:\n");
        for line in &notifications {
            body.push_str(&format!("  - {line}\n"));
        }
    }
    body.push_str(&format!(
        "\n-- \nYou get this digest because your messenger e-mail notifications are set to \
         a digest every {} minutes.\n",
        first.digest_minutes
    ));

    let mut parts = Vec::new();
    if messages > 0 {
        parts.push(format!(
            "{} in {}",
            count(messages, "new message", "new messages"),
            count(conversations.len(), "conversation", "conversations")
        ));
    }
    if !notifications.is_empty() {
        parts.push(count(notifications.len(), "notification", "notifications"));
    }
    Some(Outgoing {
        user,
        email,
        name,
        subject: format!("Messenger digest: {}", parts.join(", ")),
        body,
        item_ids: items.iter().map(|i| i.id).collect(),
    })
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The RFC 5322 message. Its Message-ID comes from the first item, so a mail sent again
/// after a crash is recognisably the same mail.
pub fn build(mail: &Outgoing, from: &str) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("sender address {from:?}: {e}"))?;
    let to = mail
        .email
        .parse()
        .map_err(|e| format!("address {:?}: {e}", mail.email))?;
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from)
        .to(Mailbox::new(Some(mail.name.clone()), to))
        .subject(mail.subject.clone())
        .message_id(Some(format!(
            "<messenger-mail-{}-{}@{domain}>",
            mail.item_ids.first().copied().unwrap_or_default(),
            mail.user
        )))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| format!("building the mail: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailItem;

    fn item(id: i64, user: UserId, mode: EmailMode, kind: ItemKind, at: Timestamp) -> Pending {
        Pending {
            id,
            user,
            email: format!("u{user}@example.com"),
            name: format!("User {user}"),
            digest_minutes: 10,
            mode,
            item: MailItem {
                kind,
                conversation_id: (kind == ItemKind::Message).then_some(id % 2),
                conversation_label: Some(format!("Room {}", id % 2)),
                line: format!("line {id}"),
                subject: format!("subject {id}"),
                body: format!("body {id}"),
            },
            created_at: at,
        }
    }

    const UNIT: Duration = Duration::from_millis(100);

    #[test]
    fn immediate_items_go_one_by_one_and_digests_wait_for_their_window() {
        use EmailMode::{Digest, Immediately};
        use ItemKind::{Message as M, Notification as N};
        let pending = vec![
            item(1, 1, Immediately, M, 0),
            item(2, 1, Immediately, N, 0),
            item(3, 2, Digest, M, 0),
            item(4, 2, Digest, M, 500),
            item(5, 2, Digest, N, 900),
            item(6, 2, Digest, M, 950),
            item(7, 3, Digest, M, 500),
        ];
        // Window: 10 minutes of 100 ms = 1000 ms. User 2's oldest is due, user 3's is not.
        let mails = due_mails(pending.clone(), 1000, UNIT);
        assert_eq!(mails.len(), 3);
        assert_eq!(mails[0].item_ids, vec![1]);
        assert_eq!(mails[0].subject, "subject 1");
        assert_eq!(mails[1].item_ids, vec![2]);
        let digest = &mails[2];
        assert_eq!(digest.user, 2);
        assert_eq!(digest.item_ids, vec![3, 4, 5, 6]);
        assert_eq!(
            digest.subject,
            "Messenger digest: 3 new messages in 2 conversations, 1 notification"
        );
        assert!(digest.body.contains("Room 1: 1 new message\n  line 3\n"));
        assert!(digest
            .body
            .contains("Room 0: 2 new messages\n  line 4\n  line 6\n"));
        assert!(digest.body.contains("Notifications:\n  - line 5\n"));

        let mails = due_mails(pending, 999, UNIT);
        assert_eq!(mails.len(), 2, "no digest before its window");
    }

    #[test]
    fn long_digests_quote_the_latest_lines() {
        let pending: Vec<Pending> = (0..8)
            .map(|i| {
                let mut p = item(i * 2, 1, EmailMode::Digest, ItemKind::Message, 0);
                p.item.line = format!("line {i}");
                p
            })
            .collect();
        let mails = due_mails(pending, 10_000, UNIT);
        let body = &mails[0].body;
        assert!(body.contains("8 new messages\n  ... 3 earlier\n  line 3\n"));
        assert!(body.contains("line 7\n"));
        assert!(!body.contains("line 2\n"));
    }

    #[test]
    fn built_mail_has_addresses_subject_and_stable_message_id() {
        let mail = single(item(42, 7, EmailMode::Immediately, ItemKind::Message, 0));
        let message = build(&mail, "Messenger <messenger@localhost>").unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("To: \"User 7\" <u7@example.com>"), "{text}");
        assert!(text.contains("Subject: subject 42"));
        assert!(text.contains("Message-ID: <messenger-mail-42-7@localhost>"));
        assert!(text.contains("body 42"));

        let mut bad = single(item(1, 1, EmailMode::Immediately, ItemKind::Message, 0));
        bad.email = "not an address".into();
        assert!(build(&bad, "messenger@localhost").is_err());
    }
}
