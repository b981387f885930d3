//! E-mail addresses, bare or after `mailto:`: the whole address as shown, or nothing.

use super::chars::{at, glues_address, is_foreign_letter, script_break, starts_with_ci};
use super::host::{self, Rules};
use super::{Found, LinkKind};

/// Characters of a local part: ASCII letters and digits, `. _ % + - '`, and letters of any
/// other script (internationalised addresses, RFC 6531).
fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
        || is_foreign_letter(c)
}

/// The rest of RFC 5322's local-part characters, not accepted here, and `@` and `\`: a local
/// part touching one is not linked at all, so that no tail of it (`brien@…` of
/// `o!brien@…`) is.
fn glued_before(c: char) -> bool {
    matches!(
        c,
        '!' | '#'
            | '$'
            | '&'
            | '*'
            | '/'
            | '='
            | '?'
            | '^'
            | '`'
            | '{'
            | '|'
            | '}'
            | '~'
            | '\\'
            | '@'
    )
}

/// What cannot follow an address without making it something else: more address characters,
/// a path, a query, another `@`.
fn glued_after(c: char) -> bool {
    matches!(
        c,
        '_' | '%' | '+' | '@' | '/' | '\\' | '=' | '#' | '&' | '~' | '^' | '|' | '$' | '`'
    )
}

/// `mailto:` and an address, starting at byte `i`.
pub fn mailto(text: &str, i: usize, prev: Option<char>) -> Option<Found> {
    if prev.is_some_and(glues_address) || !starts_with_ci(&text[i..], "mailto:") {
        return None;
    }
    let mut found = address(text, i + 7)?;
    found.start = i;
    Some(found)
}

/// A bare address whose local part starts at byte `i` (after an opening `'` or `*`, if that
/// is what stands at `i`). Only tried where a run of address characters begins, so that the
/// tail of a longer run is never taken for an address.
pub fn bare(text: &str, i: usize, c: char, prev: Option<char>) -> Option<Found> {
    let starts_run = match prev {
        None => true,
        Some(p) => (!is_local(p) && !glued_before(p)) || script_break(p, c),
    };
    if !starts_run {
        return None;
    }
    address(text, if matches!(c, '\'' | '*') { i + 1 } else { i })
}

/// An address `local@domain` starting exactly at byte `start`.
fn address(text: &str, start: usize) -> Option<Found> {
    let mut sign = start;
    let mut prev = None;
    while let Some(c) = at(text, sign) {
        if !is_local(c) || prev.is_some_and(|p| script_break(p, c)) {
            break;
        }
        prev = Some(c);
        sign += c.len_utf8();
    }
    let local = &text[start..sign];
    if local.is_empty()
        || !text[sign..].starts_with('@')
        || local.starts_with(['.', '\''])
        || local.ends_with('.')
        || local.contains("..")
    {
        return None;
    }
    let domain = host::scan(text, sign + 1, Rules::Bare)?;
    let end = domain.name.1;
    // A port, a path or another address glued on makes it something else.
    if domain.end != end || at(text, end).is_some_and(glued_after) {
        return None;
    }
    Some(Found {
        start,
        end,
        href: domain.href("mailto:", text, start, end),
        kind: LinkKind::Email,
        warning: domain.idn,
    })
}
