//! Small pure text helpers used by the views.

/// The unread counter's text: the exact number, or "99+" above 99.
pub fn unread_label(count: u32) -> String {
    if count > 99 {
        "99+".to_string()
    } else {
        count.to_string()
    }
}

/// `HH:MM`, zero padded.
pub fn hhmm(hours: u32, minutes: u32) -> String {
    format!("{hours:02}:{minutes:02}")
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

/// What a screen reader says when a message arrives: who wrote, where (a group's title; a
/// direct chat is the sender's own) and the message's first line.
pub fn arrival_sentence(sender: &str, group: Option<&str>, text: &str) -> String {
    let text = preview(text, 200);
    match (group, text.is_empty()) {
        (None, true) => format!("New message from {sender}"),
        (None, false) => format!("New message from {sender}: {text}"),
        (Some(group), true) => format!("New message from {sender} in {group}"),
        (Some(group), false) => format!("New message from {sender} in {group}: {text}"),
    }
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
        assert_eq!(hhmm(9, 5), "09:05");
        assert_eq!(hhmm(23, 59), "23:59");
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
    fn arrival_sentence_says_who_where_and_what() {
        assert_eq!(
            arrival_sentence("Bob", None, "hi\nthere"),
            "New message from Bob: hi"
        );
        assert_eq!(
            arrival_sentence("Bob", Some("Releases"), "ship it"),
            "New message from Bob in Releases: ship it"
        );
        // An image alone has no text.
        assert_eq!(arrival_sentence("Bob", None, ""), "New message from Bob");
        assert_eq!(
            arrival_sentence("Bob", Some("Releases"), " "),
            "New message from Bob in Releases"
        );
    }
}
