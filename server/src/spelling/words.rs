//! Splitting a text into the words a dictionary should see, with UTF-16 offsets.
//!
//! Words follow Unicode word boundaries (UAX #29), which keep elisions and contractions
//! whole ("aujourd'hui", "l'école", "don't"). Whitespace-separated pieces that are web or
//! e-mail addresses or `@mentions` are skipped whole; so are words with a digit (numbers,
//! phone numbers, "2nd") or an inner dot (host names like "example.com", "e.g").

use messenger_protocol::TextRange;
use unicode_segmentation::UnicodeSegmentation;

/// One word: its text and where it is in the whole text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Word<'a> {
    pub text: &'a str,
    /// Byte offset into the whole text.
    pub start: usize,
}

impl Word<'_> {
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// Words joined by hyphens ("peut-être", "va-t-il"), in order: the dictionary sees the
/// whole first, since some parts are only words inside it. Most groups hold one word.
pub fn groups(text: &str) -> Vec<Vec<Word<'_>>> {
    let mut groups: Vec<Vec<Word<'_>>> = Vec::new();
    for (chunk_start, chunk) in chunks(text) {
        if is_address(chunk) {
            continue;
        }
        // Whether the last piece was a hyphen right after a word of the current group.
        let mut joinable = false;
        let mut open = false;
        for (offset, piece) in chunk.split_word_bound_indices() {
            if is_hyphen(piece) && open && !joinable {
                joinable = true;
                continue;
            }
            if is_checkable(piece) {
                let word = Word {
                    text: piece,
                    start: chunk_start + offset,
                };
                match groups.last_mut() {
                    Some(group) if open && joinable => group.push(word),
                    _ => groups.push(vec![word]),
                }
                open = true;
            } else {
                open = false;
            }
            joinable = false;
        }
    }
    groups
}

/// The whitespace-separated pieces of `text` with their byte offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|chunk| !chunk.is_empty())
        .map(move |chunk| (chunk.as_ptr() as usize - text.as_ptr() as usize, chunk))
}

fn is_hyphen(piece: &str) -> bool {
    matches!(piece, "-" | "\u{2010}")
}

/// A word with a letter, no digit and no inner dot.
fn is_checkable(piece: &str) -> bool {
    piece.chars().any(char::is_alphabetic) && !piece.chars().any(|c| c.is_numeric() || c == '.')
}

/// A web or e-mail address or an `@mention`, once the punctuation around it is set aside.
fn is_address(chunk: &str) -> bool {
    let core = chunk.trim_matches(|c: char| !(c.is_alphanumeric() || c == '@'));
    let lower = core.to_lowercase();
    core.starts_with('@')
        || core.contains("://")
        || lower.starts_with("www.")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || core.contains('@')
}

/// Converts ascending byte offsets of one text into UTF-16 offsets, reading the text once.
pub struct Utf16Offsets<'a> {
    text: &'a str,
    byte: usize,
    unit: usize,
}

impl<'a> Utf16Offsets<'a> {
    pub fn new(text: &'a str) -> Self {
        Utf16Offsets {
            text,
            byte: 0,
            unit: 0,
        }
    }

    /// The UTF-16 offset of byte `byte`, which is not before the last one asked for.
    fn at(&mut self, byte: usize) -> u32 {
        self.unit += self.text[self.byte..byte]
            .chars()
            .map(char::len_utf16)
            .sum::<usize>();
        self.byte = byte;
        // MAX_MESSAGE_BYTES keeps texts far below u32::MAX.
        u32::try_from(self.unit).unwrap_or(u32::MAX)
    }

    pub fn range(&mut self, word: &Word<'_>) -> TextRange {
        TextRange {
            start: self.at(word.start),
            end: self.at(word.end()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<&str>> {
        groups(text)
            .into_iter()
            .map(|g| g.into_iter().map(|w| w.text).collect())
            .collect()
    }

    fn flat(text: &str) -> Vec<&str> {
        words(text).into_iter().flatten().collect()
    }

    #[test]
    fn elisions_and_contractions_stay_whole() {
        assert_eq!(
            flat("Aujourd'hui, l'école d’été n'ouvre pas."),
            ["Aujourd'hui", "l'école", "d’été", "n'ouvre", "pas"]
        );
        assert_eq!(flat("Don't panic!"), ["Don't", "panic"]);
    }

    #[test]
    fn hyphenated_words_form_one_group() {
        assert_eq!(
            words("peut-être va-t-il - non -x y-"),
            [
                vec!["peut", "être"],
                vec!["va", "t", "il"],
                vec!["non"],
                vec!["x"],
                vec!["y"]
            ]
        );
    }

    #[test]
    fn numbers_addresses_phones_and_mentions_are_not_words() {
        let text = "Call +48 601-234-567 or (555) 0199, see https://exemple.fr/a?b=c \
                    and www.example.com/x, example.org, write to jean.dupont@exemple.fr \
                    or mailto:a@b.c, ask @alice, (@bob) 3.14 2nd 10h30 COVID-19 fine";
        assert_eq!(
            flat(text),
            ["Call", "or", "see", "and", "write", "to", "or", "ask", "COVID", "fine"]
        );
    }

    #[test]
    fn emoji_and_punctuation_are_not_words() {
        assert_eq!(flat("🙂 « Salut » — ça va ? 👍🏽"), ["Salut", "ça", "va"]);
    }

    #[test]
    fn offsets_count_utf16_units() {
        // "é" is one unit, "🙂" two (a surrogate pair), "👍🏽" four.
        let text = "é🙂 👍🏽 café docmuent";
        let mut offsets = Utf16Offsets::new(text);
        let ranges: Vec<(u32, u32)> = groups(text)
            .iter()
            .flatten()
            .map(|w| offsets.range(w))
            .map(|r| (r.start, r.end))
            .collect();
        assert_eq!(ranges, [(0, 1), (9, 13), (14, 22)]);
        let utf16: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&utf16[9..13]).unwrap(), "café");
        assert_eq!(String::from_utf16(&utf16[14..22]).unwrap(), "docmuent");
    }

    #[test]
    fn the_protocol_example_has_its_documented_range() {
        let text = "Bonjour, je vous envoie le documment";
        let mut offsets = Utf16Offsets::new(text);
        let last = *groups(text).last().unwrap().last().unwrap();
        let range = offsets.range(&last);
        assert_eq!((last.text, range.start, range.end), ("documment", 27, 36));
    }
}
