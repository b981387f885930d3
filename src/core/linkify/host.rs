//! Host names: where one ends, whether it is plausible, and the form the browser resolves.

use super::chars::{at, is_foreign_letter, script_break};
use super::punycode;
use crate::core::case::lowercase;

/// How strict a host must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// After `http(s)://`: the scheme already says it is an address, so `localhost`, an IPv4
    /// or `[IPv6]` literal and `_` inside a label are fine.
    Scheme,
    /// `www.…` and e-mail domains: at least two labels, the last one a plausible top-level
    /// domain, no `_`.
    Bare,
}

/// A host found in the text.
pub struct Host {
    /// Byte offset just past the host (and its `:port`, if it has one).
    pub end: usize,
    /// Byte range of the host name itself.
    pub name: (usize, usize),
    /// The host as the browser resolves it (lower case, `xn--` labels), when the text has
    /// non-ASCII characters in it; `None` for an ASCII host.
    pub idn: Option<String>,
}

impl Host {
    /// `prefix` and `text[start..end]`, with a non-ASCII host in the form the browser
    /// resolves.
    pub fn href(&self, prefix: &str, text: &str, start: usize, end: usize) -> String {
        let (from, to) = self.name;
        let name = self.idn.as_deref().unwrap_or(&text[from..to]);
        [prefix, &text[start..from], name, &text[to..end]].concat()
    }
}

fn is_host_char(c: char, rules: Rules) -> bool {
    c.is_ascii_alphanumeric()
        || c == '-'
        || c == '.'
        || (c == '_' && rules == Rules::Scheme)
        || is_foreign_letter(c)
}

/// The host starting at byte `start`, with its `:port`, or `None` if there is no plausible
/// host there. Trailing dots are left out (they end the sentence).
pub fn scan(text: &str, start: usize, rules: Rules) -> Option<Host> {
    let rest = &text[start..];
    let name_end = if rules == Rules::Scheme && rest.starts_with('[') {
        // An IPv6 literal: hex digits, `:` and `.` up to the closing bracket.
        // Bounded, so that a stray `[` does not make the scan look through the whole text.
        let close = rest.bytes().take(48).position(|b| b == b']')?;
        let inner = &rest[1..close];
        let ok = !inner.is_empty()
            && inner.contains(':')
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return None;
        }
        start + close + 1
    } else {
        let mut end = start;
        let mut prev = None;
        while let Some(c) = at(text, end) {
            if !is_host_char(c, rules) || prev.is_some_and(|p| script_break(p, c)) {
                break;
            }
            prev = Some(c);
            end += c.len_utf8();
        }
        while end > start && text.as_bytes()[end - 1] == b'.' {
            end -= 1;
        }
        if !plausible(&text[start..end], rules) {
            return None;
        }
        end
    };
    let mut end = name_end;
    if let Some(port) = text[end..].strip_prefix(':') {
        let digits = port.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=5).contains(&digits) {
            end += 1 + digits;
        }
    }
    let name = &text[start..name_end];
    let idn = if name.is_ascii() {
        None
    } else {
        Some(to_ascii(name)?)
    };
    Some(Host {
        end,
        name: (start, name_end),
        idn,
    })
}

/// Every label non-empty and without `-` or `_` at either end; a bare host also needs two
/// labels and a plausible top-level domain.
fn plausible(name: &str, rules: Rules) -> bool {
    let mut labels = 0;
    let mut last = "";
    for label in name.split('.') {
        let edge = |b: Option<&u8>| matches!(b, None | Some(b'-' | b'_'));
        if edge(label.as_bytes().first()) || edge(label.as_bytes().last()) {
            return false;
        }
        labels += 1;
        last = label;
    }
    rules == Rules::Scheme || (labels >= 2 && plausible_tld(last))
}

/// A top-level domain: two or more ASCII letters, an `xn--` label, or a label written
/// entirely in another script (`рф`, `中国`); never ASCII digits or a mix of ASCII and
/// another script.
fn plausible_tld(tld: &str) -> bool {
    if let Some(puny) = tld
        .strip_prefix("xn--")
        .or_else(|| tld.strip_prefix("XN--"))
    {
        return !puny.is_empty() && puny.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    }
    let all_letters = tld.bytes().all(|b| b.is_ascii_alphabetic());
    let foreign = tld.chars().all(is_foreign_letter);
    (all_letters || foreign) && tld.chars().count() >= 2
}

/// The host the browser resolves: lower case, full-width ASCII folded to ASCII (as UTS #46
/// maps it), each non-ASCII label in Punycode with its `xn--` prefix.
fn to_ascii(name: &str) -> Option<String> {
    let folded: String = lowercase(name)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut out = String::with_capacity(folded.len() + 8);
    for (i, label) in folded.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if label.is_ascii() {
            out.push_str(label);
        } else {
            out.push_str("xn--");
            out.push_str(&punycode::encode(label)?);
        }
    }
    Some(out)
}
