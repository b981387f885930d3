//! Small pure text helpers used by the views.

use super::i18n::K;

/// The unread counter's text: the exact number, or "99+" above 99.
pub fn unread_label(count: u32) -> String {
    if count > 99 {
        "99+".to_string()
    } else {
        count.to_string()
    }
}

/// Up to two initials for an avatar ("Bob Smith" → "BS").
pub fn initials(name: &str) -> String {
    let first: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if first.is_empty() {
        return "?".to_string();
    }
    // Upper-casing the pair equals upper-casing each letter: upper case has no context rules.
    super::case::uppercase(&first)
}

/// The first line of a message, shortened for a one-line preview.
pub fn preview(text: &str, max_chars: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(max_chars).collect();
    if line.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// What a screen reader says when a message arrives: the text to say (who wrote, where: a
/// group's title, a direct chat being the sender's own) and the message's first line to put
/// in it as `{text}` (with `{sender}` and `{group}`).
pub fn arrival(group: bool, text: &str) -> (K, String) {
    let text = preview(text, 200);
    let key = match (group, text.is_empty()) {
        (false, true) => K::AnnounceFrom,
        (false, false) => K::AnnounceFromText,
        (true, true) => K::AnnounceFromIn,
        (true, false) => K::AnnounceFromInText,
    };
    (key, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_label_caps_at_99_plus() {
        assert_eq!(unread_label(0), "0");
        assert_eq!(unread_label(7), "7");
        assert_eq!(unread_label(99), "99");
        assert_eq!(unread_label(100), "99+");
        assert_eq!(unread_label(u32::MAX), "99+");
    }

    #[test]
    fn time_and_initials() {
        assert_eq!(initials("bob smith jr"), "BS");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("émile"), "É");
        assert_eq!(initials("ßa x"), "SSX");
    }

    #[test]
    fn preview_is_one_line() {
        assert_eq!(preview("\nhello\nworld", 10), "hello");
        assert_eq!(preview("abcdefghijkl", 5), "abcde…");
    }

    #[test]
    fn arrival_says_who_where_and_what() {
        let en = super::super::i18n::Catalog::english();
        let say = |group: Option<&str>, text: &str| {
            let (key, text) = arrival(group.is_some(), text);
            let group = group.unwrap_or_default();
            en.f(key, &[("sender", "Bob"), ("group", group), ("text", &text)])
        };
        assert_eq!(say(None, "hi\nthere"), "New message from Bob: hi");
        assert_eq!(
            say(Some("Releases"), "ship it"),
            "New message from Bob in Releases: ship it"
        );
        // An image alone has no text.
        assert_eq!(say(None, ""), "New message from Bob");
        assert_eq!(
            say(Some("Releases"), " "),
            "New message from Bob in Releases"
        );
    }
}
