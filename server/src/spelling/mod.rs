//! `check_spelling`: Hunspell dictionaries of the interface languages, through spellbook.
//!
//! A dictionary is read on its first use and kept; loading the big ones (Polish, Russian)
//! takes a while, so checks run on the blocking pool, never under the store's lock or on
//! the writer thread (see `ws.rs`).

mod load;
mod words;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use messenger_protocol::{AckResult, ErrorCode, TextRange, MAX_MESSAGE_BYTES};
use spellbook::Dictionary;
use unicode_normalization::{is_nfc, UnicodeNormalization};

use crate::commands::CommandError;
use load::FILES;
use words::Utf16Offsets;

/// Where Debian's hunspell-* packages put their dictionaries.
pub const DEFAULT_DIR: &str = "/usr/share/hunspell";

/// The dictionaries of the interface languages, each loaded on first use.
pub struct Dictionaries {
    dir: PathBuf,
    /// By [`FILES`] index. A failed load is not kept, so a dictionary installed while the
    /// server runs is found on the next check; the lock makes concurrent first checks of
    /// one language wait for a single load rather than each read the files.
    loaded: [Mutex<Option<Arc<Dictionary>>>; FILES.len()],
}

impl Dictionaries {
    pub fn new(dir: PathBuf) -> Dictionaries {
        Dictionaries {
            dir,
            loaded: Default::default(),
        }
    }

    /// The dictionary of `lang`, loading it if this is its first use. Blocks while loading.
    fn get(&self, lang: &str) -> Result<Arc<Dictionary>, CommandError> {
        let Some(index) = FILES.iter().position(|(code, _)| *code == lang) else {
            let known: Vec<&str> = FILES.iter().map(|(code, _)| *code).collect();
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                format!("lang {lang:?} is not one of {}", known.join(", ")),
            ));
        };
        let mut slot = self.loaded[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(dictionary) = &*slot {
            return Ok(dictionary.clone());
        }
        let started = Instant::now();
        match load::load(&self.dir, FILES[index].1) {
            Ok(dictionary) => {
                tracing::info!(
                    "loaded the {lang} spelling dictionary in {} ms",
                    started.elapsed().as_millis()
                );
                let dictionary = Arc::new(dictionary);
                *slot = Some(dictionary.clone());
                Ok(dictionary)
            }
            Err(reason) => {
                tracing::error!("spell check in {lang} is unavailable: {reason}");
                Err(CommandError::new(
                    ErrorCode::Internal,
                    format!("spell check in {lang} is unavailable: this server has no dictionary for it"),
                ))
            }
        }
    }
}

/// `check_spelling`.
pub fn check(
    dictionaries: &Dictionaries,
    lang: &str,
    text: &str,
) -> Result<AckResult, CommandError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(CommandError::new(
            ErrorCode::MessageTooLarge,
            format!(
                "text is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
                text.len()
            ),
        ));
    }
    let dictionary = dictionaries.get(lang)?;
    Ok(AckResult::Spelling {
        misspelled: misspelled(&dictionary, text),
    })
}

/// The words of `text` the dictionary does not know, in order.
fn misspelled(dictionary: &Dictionary, text: &str) -> Vec<TextRange> {
    let mut offsets = Utf16Offsets::new(text);
    let mut ranges = Vec::new();
    for group in words::groups(text) {
        if let [first, .., last] = group.as_slice() {
            // Hunspell splits at hyphens itself, and knows parts like the "t" of "va-t-il"
            // only inside the whole.
            if knows(dictionary, &text[first.start..last.end()]) {
                continue;
            }
        }
        for word in group {
            if !knows(dictionary, word.text) {
                ranges.push(offsets.range(&word));
            }
        }
    }
    ranges
}

/// Whether `word` is spelled right, whichever apostrophe it was typed with and whether the
/// keyboard composed its accents or not.
fn knows(dictionary: &Dictionary, word: &str) -> bool {
    if dictionary.check(word) {
        return true;
    }
    let composed: String;
    let word = if is_nfc(word) {
        word
    } else {
        composed = word.nfc().collect();
        if dictionary.check(&composed) {
            return true;
        }
        &composed
    };
    let typographic = word.contains('\u{2019}');
    let straight = word.contains('\'');
    (typographic && dictionary.check(&word.replace('\u{2019}', "'")))
        || (straight && dictionary.check(&word.replace('\'', "\u{2019}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionaries() -> Dictionaries {
        Dictionaries::new(PathBuf::from(DEFAULT_DIR))
    }

    fn flagged(dictionaries: &Dictionaries, lang: &str, text: &str) -> Vec<String> {
        let utf16: Vec<u16> = text.encode_utf16().collect();
        match check(dictionaries, lang, text) {
            Ok(AckResult::Spelling { misspelled }) => misspelled
                .iter()
                .map(|r| String::from_utf16(&utf16[r.start as usize..r.end as usize]).unwrap())
                .collect(),
            Ok(other) => panic!("unexpected answer {other:?}"),
            Err(e) => panic!("{lang}: {}", e.message()),
        }
    }

    /// The process's resident memory, in KiB (Linux).
    fn rss_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Also the measurements the README quotes: run alone (`--lib spelling -- --nocapture
    /// --test-threads 1`) for meaningful memory figures.
    #[test]
    fn each_language_loads_and_checks_a_thousand_words_quickly() {
        let dictionaries = dictionaries();
        let samples = [
            ("en", "The weather is nice today", "zqxwvy"),
            ("fr", "Aujourd'hui, l'école est fermée", "zqxwvy"),
            ("pl", "Dzień dobry, jak się masz", "zqxwvy"),
            ("ru", "Сегодня хорошая погода", "зщхъыж"),
            ("vi", "Hôm nay trời đẹp quá", "zqxwvy"),
        ];
        for (lang, correct, garbage) in samples {
            let before = rss_kib();
            let started = Instant::now();
            let dictionary = dictionaries
                .get(lang)
                .unwrap_or_else(|e| panic!("{lang}: {} (apt-get install hunspell-*)", e.message()));
            let loaded = started.elapsed();
            let grown = rss_kib().saturating_sub(before);
            let text = format!("{correct} {garbage}. ").repeat(1000 / 6 + 1);
            let started = Instant::now();
            let misspelled = misspelled(&dictionary, &text);
            let checked = started.elapsed();
            eprintln!(
                "spelling {lang}: loaded in {} ms, RSS +{} MiB; {} words checked in {:.1} ms",
                loaded.as_millis(),
                grown / 1024,
                words::groups(&text).len(),
                checked.as_secs_f64() * 1000.0
            );
            assert_eq!(flagged(&dictionaries, lang, correct), Vec::<String>::new());
            assert_eq!(flagged(&dictionaries, lang, garbage), [garbage]);
            assert_eq!(
                misspelled.len(),
                1000 / 6 + 1,
                "{lang}: one garbage word each"
            );
        }
    }

    #[test]
    fn french_elisions_hyphens_and_apostrophes_are_understood() {
        let dictionaries = dictionaries();
        let text = "Aujourd’hui l'école d'été, va-t-il venir ? Peut-être. C'est-à-dire non";
        assert_eq!(flagged(&dictionaries, "fr", text), Vec::<String>::new());
        assert_eq!(
            flagged(&dictionaries, "fr", "Bonjour, je vous envoie le documment"),
            ["documment"]
        );
        assert_eq!(
            flagged(&dictionaries, "fr", "l'écolle peut-etre"),
            ["l'écolle", "etre"]
        );
    }

    #[test]
    fn decomposed_accents_are_checked_like_composed_ones() {
        let dictionaries = dictionaries();
        // "trời đẹp" typed with combining marks, as some keyboards send it.
        let decomposed: String = "Hôm nay trời đẹp".nfd().collect();
        assert_ne!(decomposed, "Hôm nay trời đẹp");
        assert_eq!(
            flagged(&dictionaries, "vi", &decomposed),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_missing_dictionary_is_an_internal_error_not_a_panic() {
        let empty = std::env::temp_dir().join("messenger-no-dictionaries");
        let dictionaries = Dictionaries::new(empty);
        let e = check(&dictionaries, "fr", "Bonjour").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Internal);
        assert!(e.message().contains("fr"), "{}", e.message());
    }
}
