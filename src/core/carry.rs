//! Pop-ups that outlive a page: a portal user who moves to another page of the portal while
//! a toast is still up sees it again on the next page for the rest of its time, and a
//! high-importance dialog not yet answered shows again. The page keeps them in
//! `sessionStorage` (one tab's, across its pages) when it goes away; this is their text.

use messenger_protocol::{Importance, Notification, NotificationId};
use serde::{Deserialize, Serialize};

/// A pop-up and when its toast ends (ms since the epoch; a dialog has none: it waits for
/// an answer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    pub n: Notification,
    #[serde(default)]
    pub until: Option<i64>,
}

/// What to keep of `popups` at `now`: dialogs, and toasts whose time has not run out
/// (`until` gives each shown toast's end; a toast not shown yet gets `full_ms`).
pub fn keep(
    popups: &[Notification],
    until: &[(NotificationId, i64)],
    now: i64,
    full_ms: i64,
) -> String {
    let mut out = Vec::new();
    for n in popups {
        let end = match n.importance {
            Importance::High => None,
            _ => Some(
                until
                    .iter()
                    .find(|(id, _)| *id == n.id)
                    .map_or(now + full_ms, |(_, t)| *t),
            ),
        };
        if end.is_none_or(|t| t > now) {
            out.push(Carried {
                n: n.clone(),
                until: end,
            });
        }
    }
    if out.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&out).unwrap_or_default()
    }
}

/// The pop-ups kept by the previous page that still have time at `now`; anything unreadable
/// is nothing.
pub fn restore(text: &str, now: i64) -> Vec<Carried> {
    let mut list: Vec<Carried> = serde_json::from_str(text).unwrap_or_default();
    list.retain(|c| c.until.is_none_or(|t| t > now) && !c.n.read);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notifications::tests::notif;

    #[test]
    fn a_toast_comes_back_for_the_rest_of_its_time_and_a_dialog_until_answered() {
        let popups = [
            notif(1, Importance::Normal, false),
            notif(2, Importance::High, false),
            notif(3, Importance::Normal, false),
            notif(4, Importance::Normal, false),
        ];
        // Toast 1 ends at 10 s, toast 3 ended already, toast 4 was not drawn yet.
        let text = keep(&popups, &[(1, 10_000), (3, 4_000)], 5_000, 6_000);
        let back = restore(&text, 6_000);
        let shown: Vec<_> = back.iter().map(|c| (c.n.id, c.until)).collect();
        assert_eq!(shown, [(1, Some(10_000)), (2, None), (4, Some(11_000))]);
        assert_eq!(back[1].n, popups[1], "the whole notification");
        // Later: the toasts are over, the dialog still waits.
        let later: Vec<_> = restore(&text, 20_000).iter().map(|c| c.n.id).collect();
        assert_eq!(later, [2]);
    }

    #[test]
    fn nothing_to_keep_is_an_empty_text_and_garbage_is_nothing() {
        assert_eq!(keep(&[], &[], 0, 6_000), "");
        let over = keep(&[notif(1, Importance::Normal, false)], &[(1, 5)], 10, 6_000);
        assert_eq!(over, "");
        for bad in ["", "{", "[1,2]", "null", "[{\"n\":{}}]"] {
            assert!(restore(bad, 0).is_empty(), "{bad:?}");
        }
    }
}
