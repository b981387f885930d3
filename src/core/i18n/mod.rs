//! The interface's words in five languages: which language, its texts, plurals and counts.
//!
//! Texts live in `locales/<code>.json`, one file per language, keyed by [`K`]'s ids: a
//! text is a string, or an object of plural forms (`one`, `few`, `many`, `other`) for a
//! count. `{name}` in a text is filled in from the arguments; `{count}` is the count,
//! grouped as the language writes numbers. English is a file fetched like the others (not
//! compiled into the wasm, for its size); a text a file lacks reads as its id (a test makes
//! sure none does).

mod keys;
pub mod plural;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

pub use keys::K;
pub use plural::Category;

/// An interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Fr,
    Ru,
    Vi,
    Pl,
}

impl Locale {
    pub const ALL: [Locale; 5] = [Locale::En, Locale::Fr, Locale::Ru, Locale::Vi, Locale::Pl];

    /// The BCP 47 language code, also the name of its file.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Ru => "ru",
            Locale::Vi => "vi",
            Locale::Pl => "pl",
        }
    }

    /// The language's name in itself, as a language picker shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Ru => "Русский",
            Locale::Vi => "Tiếng Việt",
            Locale::Pl => "Polski",
        }
    }

    /// The language of a BCP 47 tag (`ru-RU` → Russian), if it is one of ours.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first of the preferred tags that is one of ours, else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Locale {
        preferred
            .into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or(Locale::En)
    }

    /// A whole number as the language writes it: `1,234` (en), `1 234` (fr, ru, pl from five
    /// digits on), `1.234` (vi).
    pub fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let separator = match self {
            Locale::En => ",",
            Locale::Fr => "\u{202f}",
            Locale::Ru | Locale::Pl => "\u{a0}",
            Locale::Vi => ".",
        };
        // Polish leaves four-digit numbers whole (CLDR's minimumGroupingDigits = 2).
        if digits.len() <= 3 || (self == Locale::Pl && digits.len() == 4) {
            return digits;
        }
        let mut out = String::with_capacity(digits.len() + 8);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(ch);
        }
        out
    }
}

/// One text of a language file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Plain(String),
    Plural(Forms),
}

// By hand rather than `#[serde(untagged)]`, which buffers each value before trying the
// variants (serde's `Content`, a few KB of wasm for this one type).
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text, or an object of plural forms")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::Plain(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                Forms::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Text::Plural)
            }
        }
        d.deserialize_any(TextVisitor)
    }
}

/// The plural forms of a text with a count.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Forms {
    pub one: Option<String>,
    pub few: Option<String>,
    pub many: Option<String>,
    pub other: Option<String>,
}

impl Forms {
    pub fn get(&self, c: Category) -> Option<&str> {
        match c {
            Category::One => self.one.as_deref(),
            Category::Few => self.few.as_deref(),
            Category::Many => self.many.as_deref(),
            Category::Other => self.other.as_deref(),
        }
    }
}

/// Why a language file could not be read.
#[derive(Debug)]
pub struct CatalogError(pub String);

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The texts of one language, with English behind them.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub locale: Locale,
    /// By [`K`]'s position: a table, not a map keyed by strings (less wasm, no hashing).
    texts: Vec<Option<Text>>,
    /// Ids in the file that are no text of the interface (a test wants none).
    unknown: Vec<String>,
}

/// The English file (tests and [`Catalog::english`]).
pub const ENGLISH_JSON: &str = include_str!("../../../locales/en.json");

/// A language file read into [`K`]'s order.
struct Table(Vec<Option<Text>>, Vec<String>);

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Table, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = Table;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of texts by id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
                let mut table = Table(vec![None; K::ALL.len()], Vec::new());
                while let Some(id) = map.next_key::<String>()? {
                    let text = map.next_value::<Text>()?;
                    match K::ALL.iter().position(|k| k.id() == id) {
                        Some(i) => table.0[i] = Some(text),
                        None => table.1.push(id),
                    }
                }
                Ok(table)
            }
        }
        d.deserialize_map(TableVisitor)
    }
}

impl Catalog {
    /// Reads a language file.
    pub fn parse(locale: Locale, json: &str) -> Result<Catalog, CatalogError> {
        let Table(texts, unknown) = serde_json::from_str(json)
            .map_err(|e| CatalogError(format!("locales/{}.json: {e}", locale.code())))?;
        Ok(Catalog {
            locale,
            texts,
            unknown,
        })
    }

    /// A language with no texts yet (each reads as its id until the file arrives).
    pub fn empty(locale: Locale) -> Catalog {
        Catalog {
            locale,
            texts: vec![None; K::ALL.len()],
            unknown: Vec::new(),
        }
    }

    /// The English texts from the file in the repository: for tests, and for views mounted
    /// on their own. The widget itself fetches `locales/en.json` like any other language,
    /// so these bytes are not in its wasm.
    pub fn english() -> Catalog {
        Catalog::parse(Locale::En, ENGLISH_JSON).unwrap_or(Catalog {
            locale: Locale::En,
            texts: vec![None; K::ALL.len()],
            unknown: Vec::new(),
        })
    }

    /// The ids this file has.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        K::ALL
            .iter()
            .zip(&self.texts)
            .filter(|(_, t)| t.is_some())
            .map(|(k, _)| k.id())
            .chain(self.unknown.iter().map(String::as_str))
    }

    /// The raw text of an id in this file.
    pub fn text(&self, id: &str) -> Option<&Text> {
        let i = K::ALL.iter().position(|k| k.id() == id)?;
        self.texts.get(i)?.as_ref()
    }

    /// The text of `key`, as written (no arguments).
    pub fn t(&self, key: K) -> String {
        self.format(key, None, &[])
    }

    /// The text of `key` with its `{name}`s filled in.
    pub fn f(&self, key: K, args: &[(&str, &str)]) -> String {
        self.format(key, None, args)
    }

    /// The form of `key` for `count`, with `{count}` and the other `{name}`s filled in.
    pub fn n(&self, key: K, count: u64, args: &[(&str, &str)]) -> String {
        self.format(key, Some(count), args)
    }

    fn format(&self, key: K, count: Option<u64>, args: &[(&str, &str)]) -> String {
        // No English behind another language: the widget fetches English like the others
        // (every file has every text: `every_locale_has_every_text`).
        let (text, locale) = match self.texts.get(key as usize).and_then(Option::as_ref) {
            Some(t) => (t, self.locale),
            None => return key.id().to_string(),
        };
        let template = match (text, count) {
            (Text::Plain(s), _) => s.as_str(),
            (Text::Plural(forms), n) => {
                let c = locale.plural(n.unwrap_or(0));
                forms
                    .get(c)
                    .or(forms.other.as_deref())
                    .or(forms.many.as_deref())
                    .unwrap_or_default()
            }
        };
        fill(
            template,
            count.map(|n| self.locale.count(n)).as_deref(),
            args,
        )
    }
}

/// A sentence for the user, put in their language when it is shown: one of ours, or the
/// server's own words (it explains refusals in English).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Text(K),
    With(K, Vec<(&'static str, String)>),
    Server(String),
    /// Already put in the user's language when it was said.
    Said(String),
}

impl Notice {
    pub fn render(&self, tr: &Catalog) -> String {
        match self {
            Notice::Text(k) => tr.t(*k),
            Notice::With(k, args) => {
                let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
                tr.f(*k, &args)
            }
            Notice::Server(s) | Notice::Said(s) => s.clone(),
        }
    }
}

/// Replaces `{name}` with its argument and `{count}` with the count; a brace without an
/// argument of that name stays as written.
pub fn fill(template: &str, count: Option<&str>, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            if !is_name(name) {
                return None;
            }
            let v = count
                .filter(|_| name == "count")
                .or_else(|| args.iter().find(|(n, _)| *n == name).map(|(_, v)| *v));
            v.map(|v| (v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A placeholder's name: lowercase letters and `_` (so "{ }" in a text stays text).
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The `{name}`s a template uses, in order of first use.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !is_name(name) {
                    rest = after;
                    continue;
                }
                if !out.contains(&name) {
                    out.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests;
