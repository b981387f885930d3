//! Who a message text mentions with `@username`.

/// Whether `text` mentions `username` as `@username`: case-insensitive, and only as a whole
/// word, so `@bobby`, `bob@example.com` and `x@bob` do not mention bob, while `@Bob,` and
/// `(@bob)` do. A dot or hyphen counts as part of the word only when a letter or digit
/// follows it, so a sentence may end right after a mention: `thanks @bob.`
pub fn mentions(text: &str, username: &str) -> bool {
    // Most texts mention nobody: they are not lowercased for each member.
    if username.is_empty() || !text.contains('@') {
        return false;
    }
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let name: Vec<char> = username.chars().flat_map(char::to_lowercase).collect();
    (0..text.len()).any(|at| {
        text[at] == '@'
            && (at == 0 || !is_word(text[at - 1]))
            && text[at + 1..].starts_with(&name)
            && !continues_word(&text[at + 1 + name.len()..])
    })
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '-'
}

fn continues_word(rest: &[char]) -> bool {
    match rest {
        [c, ..] if c.is_alphanumeric() || *c == '_' => true,
        ['.' | '-', c, ..] => c.is_alphanumeric() || *c == '_',
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn whole_word_case_insensitive_mentions() {
        assert!(mentions("@bob hi", "bob"));
        assert!(mentions("hi @Bob, look", "bob"));
        assert!(mentions("(@BOB)", "bob"));
        assert!(mentions("thanks @bob.", "bob"));
        assert!(mentions("ping @bob", "Bob"));
        assert!(mentions("ask @john.doe please", "john.doe"));

        assert!(!mentions("@bobby", "bob"));
        assert!(!mentions("bob@example.com", "bob"));
        assert!(!mentions("mail x@bob now", "bob"));
        assert!(!mentions("bob", "bob"));
        assert!(!mentions("@bob.smith", "bob"));
        assert!(!mentions("@bob_2", "bob"));
        assert!(!mentions("@", "bob"));
        assert!(!mentions("@bob", ""));
    }
}
