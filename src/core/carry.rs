//! Pop-ups that outlive a page: a portal user who moves to another page of the portal while
//! a toast is still up sees it again on the next page for the rest of its time, and a
//! high-importance dialog not yet answered shows again. The page keeps them in
//! `sessionStorage` (one tab's, across its pages) when it goes away; this is their text.
//!
//! One line per pop-up, its fields separated by U+001F (which a title or body never holds:
//! it is dropped from them); hand-written, as serde's code for it costs the bundle more.

use messenger_protocol::{Importance, Notification, NotificationId, NotificationKind};

const SEP: char = '\u{1f}';
const KINDS: [NotificationKind; 4] = [
    NotificationKind::AddedToConversation,
    NotificationKind::HighImportanceMessage,
    NotificationKind::Mention,
    NotificationKind::Reminder,
];

/// A pop-up and when its toast ends (ms since the epoch; a dialog has no end: it waits for
/// an answer).
#[derive(Clone, Debug, PartialEq)]
pub struct Carried {
    pub n: Notification,
    pub until: Option<i64>,
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn clean(s: &str) -> String {
    s.replace([SEP, '\n'], " ")
}

/// What to keep of `popups` at `now`: dialogs, and toasts whose time has not run out
/// (`until` gives each shown toast's end; a toast not shown yet gets `full_ms`).
pub fn keep(
    popups: &[Notification],
    until: &[(NotificationId, i64)],
    now: i64,
    full_ms: i64,
) -> String {
    let mut out = String::new();
    for n in popups {
        let end = (n.importance != Importance::High).then(|| {
            until
                .iter()
                .find(|(id, _)| *id == n.id)
                .map_or(now + full_ms, |(_, t)| *t)
        });
        if end.is_some_and(|t| t <= now) {
            continue;
        }
        let kind = KINDS.iter().position(|k| *k == n.kind).unwrap_or(2);
        let high = u8::from(n.importance == Importance::High);
        out.push_str(&format!(
            "{}{SEP}{kind}{SEP}{high}{SEP}{}{SEP}{}{SEP}{}{SEP}{}{SEP}{}{SEP}{}\n",
            n.id,
            opt(n.conversation_id),
            opt(n.message_id),
            n.created_at,
            opt(end),
            clean(&n.title),
            clean(&n.body),
        ));
    }
    out
}

fn line(text: &str) -> Option<Carried> {
    let f: Vec<&str> = text.split(SEP).collect();
    let [id, kind, high, conversation, message, created, until, title, body] = f[..] else {
        return None;
    };
    let num = |s: &str| s.parse::<i64>().ok();
    let maybe = |s: &str| {
        if s.is_empty() {
            Some(None)
        } else {
            num(s).map(Some)
        }
    };
    Some(Carried {
        n: Notification {
            id: num(id)?,
            kind: *KINDS.get(kind.parse::<usize>().ok()?)?,
            title: title.into(),
            body: body.into(),
            importance: if high == "1" {
                Importance::High
            } else {
                Importance::Normal
            },
            conversation_id: maybe(conversation)?,
            message_id: maybe(message)?,
            created_at: num(created)?,
            read: false,
        },
        until: maybe(until)?,
    })
}

/// The pop-ups kept by the previous page that still have time at `now`; a line that does
/// not read is skipped.
pub fn restore(text: &str, now: i64) -> Vec<Carried> {
    text.lines()
        .filter_map(line)
        .filter(|c| c.until.is_none_or(|t| t > now))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notifications::tests::notif;

    #[test]
    fn a_toast_comes_back_for_the_rest_of_its_time_and_a_dialog_until_answered() {
        let mut dialog = notif(2, Importance::High, false);
        dialog.title = "Server\u{1f}room".into();
        dialog.body = "is flooding\nnow".into();
        dialog.conversation_id = None;
        dialog.message_id = Some(77);
        dialog.kind = NotificationKind::HighImportanceMessage;
        let popups = [
            notif(1, Importance::Normal, false),
            dialog,
            notif(3, Importance::Normal, false),
            notif(4, Importance::Normal, false),
        ];
        // Toast 1 ends at 10 s, toast 3 ended already, toast 4 was not drawn yet.
        let text = keep(&popups, &[(1, 10_000), (3, 4_000)], 5_000, 6_000);
        let back = restore(&text, 6_000);
        let shown: Vec<_> = back.iter().map(|c| (c.n.id, c.until)).collect();
        assert_eq!(shown, [(1, Some(10_000)), (2, None), (4, Some(11_000))]);
        assert_eq!(back[0].n, popups[0], "the whole notification");
        let d = &back[1].n;
        assert_eq!(
            (d.title.as_str(), d.body.as_str(), d.kind, d.importance),
            (
                "Server room",
                "is flooding now",
                NotificationKind::HighImportanceMessage,
                Importance::High
            )
        );
        assert_eq!((d.conversation_id, d.message_id), (None, Some(77)));
        // Later: the toasts are over, the dialog still waits.
        let later: Vec<_> = restore(&text, 20_000).iter().map(|c| c.n.id).collect();
        assert_eq!(later, [2]);
    }

    #[test]
    fn nothing_to_keep_is_an_empty_text_and_garbage_is_nothing() {
        assert_eq!(keep(&[], &[], 0, 6_000), "");
        let over = keep(&[notif(1, Importance::Normal, false)], &[(1, 5)], 10, 6_000);
        assert_eq!(over, "");
        let good = keep(&[notif(1, Importance::High, false)], &[], 0, 6_000);
        for bad in [
            "",
            "{",
            "1\u{1f}2",
            "x\u{1f}2\u{1f}0\u{1f}\u{1f}\u{1f}5\u{1f}\u{1f}t\u{1f}b",
            "1\u{1f}9\u{1f}0\u{1f}\u{1f}\u{1f}5\u{1f}\u{1f}t\u{1f}b",
            "1\u{1f}2\u{1f}0\u{1f}7x\u{1f}\u{1f}5\u{1f}\u{1f}t\u{1f}b",
        ] {
            assert!(restore(bad, 0).is_empty(), "{bad:?}");
            assert_eq!(restore(&format!("{bad}\n{good}"), 0).len(), 1, "{bad:?}");
        }
    }
}
