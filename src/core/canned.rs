//! Canned responses: standard replies picked by typing `/` and a shortcut in the compose box.
//!
//! Positions are byte offsets into the text; [`utf16_to_byte`] and [`byte_to_utf16`] convert
//! from and to a textarea's `selectionStart` (UTF-16 code units).

use super::i18n::{Catalog, K};

/// A stored text: a canned response (with a shortcut) or a saved message (shortcut empty).
/// One type for both keeps one set of serde and view code in the wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canned {
    /// Stable storage id.
    pub id: String,
    /// Without the slash, lowercase ASCII `[a-z0-9_-]` (no Unicode tables in the wasm).
    pub shortcut: String,
    pub text: String,
}

/// Separates the fields of a stored entry (no id or shortcut contains it).
const SEP: char = '\u{1f}';

impl Canned {
    /// The stored form, `id␟shortcut␟text`: a plain string, no JSON code in the wasm.
    pub fn encode(&self) -> String {
        format!("{}{SEP}{}{SEP}{}", self.id, self.shortcut, self.text)
    }

    /// `None` for anything [`Canned::encode`] did not make.
    pub fn decode(stored: &str) -> Option<Canned> {
        let (id, rest) = stored.split_once(SEP)?;
        let (shortcut, text) = rest.split_once(SEP)?;
        Some(Canned {
            id: id.into(),
            shortcut: shortcut.into(),
            text: text.into(),
        })
    }
}

/// Offered on first use, in the interface language of that moment; the user may edit or
/// delete them.
pub fn defaults(tr: &Catalog) -> Vec<Canned> {
    [
        ("thanks", K::CannedThanks),
        ("meeting", K::CannedMeeting),
        ("received", K::CannedReceived),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (shortcut, text))| Canned {
        id: format!("default-{i}"),
        shortcut: shortcut.into(),
        text: tr.t(text),
    })
    .collect()
}

/// A `/prefix` being typed: `start` is the byte offset of the slash, `end` of the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub start: usize,
    pub end: usize,
    pub prefix: String,
}

fn shortcut_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The shortcut being typed just before `cursor` (a byte offset): a slash at the start of
/// the text or after whitespace, then shortcut characters up to the cursor.
pub fn trigger(text: &str, cursor: usize) -> Option<Trigger> {
    let before = text.get(..cursor)?;
    let slash = before.rfind('/')?;
    let prefix = &before[slash + 1..];
    if !prefix.chars().all(shortcut_char) {
        return None;
    }
    let at_word_start = before[..slash]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace);
    at_word_start.then(|| Trigger {
        start: slash,
        end: cursor,
        prefix: prefix.to_ascii_lowercase(),
    })
}

/// Replies whose shortcut starts with `prefix` (case-insensitive): an exact match first,
/// then the others in list order (no sort: it would cost wasm for nothing).
pub fn matches<'a>(list: &'a [Canned], prefix: &str) -> Vec<&'a Canned> {
    let prefix = prefix.to_ascii_lowercase();
    let exact = list.iter().filter(|c| c.shortcut == prefix);
    let longer = list
        .iter()
        .filter(|c| c.shortcut != prefix && c.shortcut.starts_with(&prefix));
    exact.chain(longer).collect()
}

/// The text with the shortcut replaced by `reply`, and the byte offset right after it.
pub fn apply(text: &str, trigger: &Trigger, reply: &str) -> (String, usize) {
    let (Some(head), Some(tail)) = (text.get(..trigger.start), text.get(trigger.end..)) else {
        return (text.to_string(), text.len());
    };
    (format!("{head}{reply}{tail}"), head.len() + reply.len())
}

/// A shortcut as the user typed it (`/Thanks `) → `thanks`; `None` if nothing usable is left.
pub fn normalize_shortcut(raw: &str) -> Option<String> {
    let s = raw.trim().trim_start_matches('/').to_ascii_lowercase();
    (!s.is_empty() && s.chars().all(shortcut_char)).then_some(s)
}

/// Why an entry written in the compose box's list editor cannot be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryError {
    Shortcut,
    EmptyText,
    ShortcutTaken,
}

impl EntryError {
    pub fn text(self) -> K {
        match self {
            EntryError::Shortcut => K::EntryShortcut,
            EntryError::EmptyText => K::EntryEmptyText,
            EntryError::ShortcutTaken => K::EntryShortcutTaken,
        }
    }
}

/// Checks an entry from the editor before it replaces entry `id` of `list` (or joins it):
/// `raw_shortcut` is what was typed for a canned reply, `None` for a saved message. Returns
/// the normalized shortcut (empty for a saved message).
pub fn check_entry(
    list: &[Canned],
    id: &str,
    raw_shortcut: Option<&str>,
    text: &str,
) -> Result<String, EntryError> {
    let shortcut = match raw_shortcut {
        Some(raw) => normalize_shortcut(raw).ok_or(EntryError::Shortcut)?,
        None => String::new(),
    };
    if text.trim().is_empty() {
        return Err(EntryError::EmptyText);
    }
    let taken = !shortcut.is_empty() && list.iter().any(|c| c.shortcut == shortcut && c.id != id);
    if taken {
        return Err(EntryError::ShortcutTaken);
    }
    Ok(shortcut)
}

/// A UTF-16 offset (as in `selectionStart`) → byte offset, clamped to the text.
pub fn utf16_to_byte(text: &str, units: usize) -> usize {
    let mut seen = 0;
    for (i, c) in text.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16();
    }
    text.len()
}

/// A byte offset → UTF-16 offset.
pub fn byte_to_utf16(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .unwrap_or(text)
        .chars()
        .map(char::len_utf16)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(shortcut: &str) -> Canned {
        Canned {
            id: shortcut.into(),
            shortcut: shortcut.into(),
            text: format!("[{shortcut}]"),
        }
    }

    #[test]
    fn trigger_needs_a_slash_at_a_word_start() {
        assert_eq!(
            trigger("/tha", 4),
            Some(Trigger {
                start: 0,
                end: 4,
                prefix: "tha".into()
            })
        );
        assert_eq!(trigger("hi /Tha", 7).unwrap().prefix, "tha");
        assert_eq!(trigger("hi /", 4).unwrap().prefix, "");
        assert_eq!(trigger("a/b", 3), None, "inside a word (a path, a date)");
        assert_eq!(trigger("http://x", 8), None);
        assert_eq!(trigger("/tha nks", 8), None, "a space ends the shortcut");
        assert_eq!(trigger("/thanks more", 4).unwrap().end, 4, "cursor inside");
        assert_eq!(trigger("no slash", 8), None);
        assert_eq!(trigger("/x", 99), None, "cursor past the end");
        assert_eq!(trigger("é/x", 1), None, "not a char boundary");
    }

    #[test]
    fn matching_is_by_prefix_exact_first() {
        let list = [c("thx"), c("thanks"), c("meeting"), c("th")];
        let names = |p: &str| -> Vec<String> {
            matches(&list, p)
                .into_iter()
                .map(|c| c.shortcut.clone())
                .collect()
        };
        assert_eq!(names("tha"), ["thanks"]);
        assert_eq!(names("TH"), ["th", "thx", "thanks"]);
        assert_eq!(names(""), ["thx", "thanks", "meeting", "th"]);
        assert!(names("zzz").is_empty());
    }

    #[test]
    fn apply_replaces_only_the_shortcut() {
        let t = trigger("Hi /tha", 7).unwrap();
        assert_eq!(
            apply("Hi /tha", &t, "Thank you."),
            ("Hi Thank you.".into(), 13)
        );
        let t = trigger("/tha and more", 4).unwrap();
        let (text, at) = apply("/tha and more", &t, "Thanks");
        assert_eq!(text, "Thanks and more");
        assert_eq!(&text[at..], " and more");
    }

    #[test]
    fn shortcuts_are_normalized() {
        assert_eq!(normalize_shortcut(" /Thanks "), Some("thanks".into()));
        assert_eq!(
            normalize_shortcut("out-of_office2"),
            Some("out-of_office2".into())
        );
        assert_eq!(normalize_shortcut("/"), None);
        assert_eq!(normalize_shortcut("two words"), None);
        assert_eq!(normalize_shortcut(""), None);
    }

    #[test]
    fn editor_entries_are_checked() {
        let list = [c("thanks"), c("meeting")];
        assert_eq!(
            check_entry(&list, "new", Some("/ETA"), "soon"),
            Ok("eta".into())
        );
        assert_eq!(
            check_entry(&list, "new", Some("two words"), "soon"),
            Err(EntryError::Shortcut)
        );
        assert_eq!(
            check_entry(&list, "new", Some("eta"), "  \n"),
            Err(EntryError::EmptyText)
        );
        assert_eq!(
            check_entry(&list, "new", Some("Thanks"), "again"),
            Err(EntryError::ShortcutTaken)
        );
        // Editing an entry may keep its own shortcut.
        assert_eq!(
            check_entry(&list, "thanks", Some("thanks"), "edited"),
            Ok("thanks".into())
        );
        // Saved messages have no shortcut; only the text counts.
        assert_eq!(check_entry(&list, "new", None, "hello"), Ok(String::new()));
        assert_eq!(
            check_entry(&list, "new", None, ""),
            Err(EntryError::EmptyText)
        );
        assert!(Catalog::english()
            .t(EntryError::Shortcut.text())
            .contains("one word"));
    }

    #[test]
    fn utf16_offsets() {
        let s = "a😀é /x";
        assert_eq!(utf16_to_byte(s, 0), 0);
        assert_eq!(utf16_to_byte(s, 3), 5);
        assert_eq!(utf16_to_byte(s, 4), 7);
        assert_eq!(utf16_to_byte(s, 100), s.len());
        assert_eq!(byte_to_utf16(s, 7), 4);
        assert_eq!(byte_to_utf16(s, s.len()), 7);
        let t = trigger(s, utf16_to_byte(s, 7)).unwrap();
        assert_eq!(t.prefix, "x");
        assert_eq!(t.start, 8);
    }

    #[test]
    fn stored_form_round_trips() {
        let c = Canned {
            id: "17-ab".into(),
            shortcut: String::new(),
            text: "two\nlines \u{1f} with the separator".into(),
        };
        assert_eq!(Canned::decode(&c.encode()), Some(c));
        assert_eq!(Canned::decode("no separators"), None);
        assert_eq!(Canned::decode("{\"id\":1}"), None);
    }

    #[test]
    fn defaults_are_valid() {
        let d = defaults(&Catalog::english());
        assert!(d.len() >= 2);
        for c in &d {
            assert_eq!(
                normalize_shortcut(&c.shortcut).as_deref(),
                Some(&*c.shortcut)
            );
        }
        assert_eq!(
            matches(&d, "tha")[0].text,
            "Thank you for your message, I will get back to you shortly."
        );
    }
}
