//! Phone numbers: `tel:` and numbers written the way phone numbers are written.

use super::chars::{at, glues_address, is_invisible, is_word, starts_with_ci};
use super::{Found, LinkKind};

/// E.164 allows 15 digits; fewer than 7 is a local extension at best.
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;
/// Each group has a digit, so there are never more groups than digits.
const MAX_GROUPS: usize = MAX_DIGITS;

/// `tel:` and a number, starting at byte `i`.
pub fn tel(text: &str, i: usize, prev: Option<char>) -> Option<Found> {
    if prev.is_some_and(glues_address) || !starts_with_ci(&text[i..], "tel:") {
        return None;
    }
    let (end, href) = number_at(text, i + 4, true)?;
    Some(found(i, end, href))
}

/// A phone number starting at byte `i` with `c` (`+`, `(` or a digit); the last link ended
/// at byte `link_end`.
pub fn number(text: &str, i: usize, c: char, prev: Option<char>, link_end: usize) -> Option<Found> {
    // A number one space after a number just linked is the next one of a list.
    let next_in_list = link_end > 0 && prev.is_some_and(|p| link_end + p.len_utf8() == i);
    if !matches!(c, '+' | '(' | '0'..='9')
        || prev.is_some_and(|p| !next_in_list && glued_before(&text[..i], p, c))
        || after_isbn(&text[..i])
    {
        return None;
    }
    let (end, href) = number_at(text, i, false)?;
    Some(found(i, end, href))
}

fn found(start: usize, end: usize, href: String) -> Found {
    Found {
        start,
        end,
        href,
        kind: LinkKind::Phone,
        warning: None,
    }
}

/// A character before a number that makes it part of something else: a word, an amount
/// (`$`, `€`…), a reference (`#`, `№`), a path, a list of numbers (`,`), a decimal or a
/// time (`.`/`:` after a digit), or the rest of a longer digit sequence that was no phone
/// number (a card number, an IBAN: `4111 1111 1111 1111`). `Tel.:` and `Tel:` are fine, and
/// so is a `+` or `(` after a space: it starts a number of its own.
fn glued_before(before: &str, p: char, c: char) -> bool {
    match p {
        _ if is_invisible(p) => true,
        ' ' | '\u{A0}' | '\u{202F}' if !c.is_ascii_digit() => false,
        ':' | '.' | ' ' | '\u{A0}' | '\u{202F}' => {
            let k = before.len() - p.len_utf8();
            k > 0 && before.as_bytes()[k - 1].is_ascii_digit()
        }
        _ => {
            is_word(p)
                || matches!(
                    p,
                    '+' | '-'
                        | '/'
                        | '\\'
                        | ','
                        | '@'
                        | '#'
                        | '$'
                        | '%'
                        | '&'
                        | '='
                        | '*'
                        | '^'
                        | '~'
                        | '|'
                        | '€'
                        | '£'
                        | '¥'
                        | '₽'
                        | '¢'
                        | '№'
                )
        }
    }
}

/// A character right after the last digit that makes the number part of something else.
fn glued_after(c: char, next: Option<char>) -> bool {
    is_word(c)
        || is_invisible(c)
        || matches!(
            c,
            '@' | '/'
                | '\\'
                | '%'
                | '€'
                | '$'
                | '£'
                | '¥'
                | '₽'
                | '#'
                | '&'
                | '='
                | '+'
                | '*'
                | '^'
                | '~'
                | '|'
        )
        || (matches!(c, ':' | ',') && next.is_some_and(|n| n.is_ascii_digit()))
}

/// `ISBN 978-…`, `ISBN-13: 978-…`, `ISSN 0317-8471`: book and serial numbers.
fn after_isbn(before: &str) -> bool {
    let s = before.trim_end_matches([' ', ':', '\u{A0}']);
    let s = ["-10", "-13", "10", "13"]
        .iter()
        .find_map(|suffix| s.strip_suffix(suffix))
        .unwrap_or(s);
    let b = s.as_bytes();
    b.len() >= 4
        && ["isbn", "issn"]
            .iter()
            .any(|w| b[b.len() - 4..].eq_ignore_ascii_case(w.as_bytes()))
        && (b.len() == 4 || !b[b.len() - 5].is_ascii_alphanumeric())
}

/// Separator kinds between two digit groups, weakest first: a run of separators takes the
/// strongest kind in it.
const SPACE: u8 = 1;
const DASH: u8 = 2;
const DOT: u8 = 3;
const PAREN: u8 = 4;

/// How a number is written: its digit groups and what separates them.
struct Shape {
    groups: [u8; MAX_GROUPS],
    /// `seps[k]` separates group `k - 1` from group `k`.
    seps: [u8; MAX_GROUPS],
    len: usize,
    plus: bool,
    parens: bool,
}

/// Scans a number at `start`: `(end, "tel:" href)`. Digits come in groups separated by one
/// space, `-` or `.`, or by a parenthesis with at most one space (`+7 (495) 123-45-67`). A
/// space after groups joined by `-` ends the number: `555-0100 555-0101` is a list.
/// `tel` relaxes the rule that a number needs a `+` or a separator, since `tel:` already
/// says what it is.
fn number_at(text: &str, start: usize, tel: bool) -> Option<(usize, String)> {
    let plus = text[start..].starts_with('+');
    let mut shape = Shape {
        groups: [0; MAX_GROUPS],
        seps: [0; MAX_GROUPS],
        len: 0,
        plus,
        parens: false,
    };
    let mut href = String::from(if plus { "tel:+" } else { "tel:" });
    let body = start + usize::from(plus);
    let mut end = body;
    // The separators since the last digit: how many, the last one, their kind.
    let (mut run, mut last, mut kind) = (0, '\0', 0);
    let (mut open, mut in_parens) = (false, 0);
    // Where a character other than a separator ends the number right after a digit.
    let mut glued = None;
    let mut digits = 0;
    let mut j = body;
    while let Some(c) = at(text, j) {
        match c {
            '0'..='9' => {
                digits += 1;
                if digits > MAX_DIGITS {
                    return None;
                }
                if run > 0 || shape.len == 0 {
                    shape.seps[shape.len] = kind;
                    shape.len += 1;
                }
                shape.groups[shape.len - 1] += 1;
                in_parens += usize::from(open);
                href.push(c);
                (run, last, kind) = (0, c, 0);
                j += 1;
                end = j;
                continue;
            }
            '(' if !shape.parens && run <= 1 => (open, shape.parens) = (true, true),
            ')' if open && run == 0 && (1..=5).contains(&in_parens) => {
                open = false;
                end = j + 1;
            }
            ' ' | '\u{A0}' | '\u{202F}' if shape.seps[..shape.len].contains(&DASH) => break,
            ' ' | '\u{A0}' | '\u{202F}' | '-' | '.' if shape.len > 0 && !open && c != last => {}
            _ => {
                glued = (run == 0).then_some(j);
                break;
            }
        }
        kind = kind.max(match c {
            '(' | ')' => PAREN,
            '.' => DOT,
            '-' => DASH,
            _ => SPACE,
        });
        last = c;
        run += 1;
        if run > 2 {
            break;
        }
        j += c.len_utf8();
    }
    let number = &text[body..end];
    if number.contains('(') != number.contains(')') {
        return None;
    }
    shape.parens = number.contains('(');
    if let Some(j) = glued {
        let c = at(text, j)?;
        if glued_after(c, at(text, j + c.len_utf8())) {
            return None;
        }
    }
    plausible(&shape, &href[4..], tel).then_some((end, href))
}

/// Whether the groups look like a phone number rather than an amount, a date, an address
/// on a network, a version or a list of small numbers.
fn plausible(shape: &Shape, digits: &str, tel: bool) -> bool {
    if shape.len == 0 {
        return false;
    }
    let groups = &shape.groups[..shape.len];
    let seps = &shape.seps[1..shape.len];
    let n = groups.len();
    let digits = digits.trim_start_matches('+');
    let count = digits.len();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&count) {
        return false;
    }
    // `1234567` alone is an amount, an order or a timestamp as often as a number to call.
    if !tel && !shape.plus && n < 2 {
        return false;
    }
    // `1 2 3 4 5 6 7`, `0-306-40615-2`: one short group (a trunk prefix, `+33 1 …`) is usual.
    let singles = groups
        .iter()
        .skip(usize::from(shape.plus))
        .filter(|&&g| g == 1)
        .count();
    if singles > 1 {
        return false;
    }
    let same = |k: u8| seps.iter().all(|&s| s == k);
    if seps.contains(&DOT) {
        // Dots only with dots (`555.123.4567`), never as a decimal point (`3.14159265`), in
        // an IPv4 address (`192.168.100.200`) or in a version (`10.15.7.1234`).
        if !same(DOT) || n == 2 || singles > 0 || (n == 4 && groups.iter().all(|&g| g <= 3)) {
            return false;
        }
    }
    let plain = !shape.plus && !shape.parens;
    // Thousands: `1 234 567`, `12.500.000`.
    if plain
        && (same(SPACE) || same(DOT))
        && (1..=3).contains(&groups[0])
        && groups[1..].iter().all(|&g| g == 3)
    {
        return false;
    }
    // `10 20 30 40` is a list; `06 12 34 56 78` starts with a trunk prefix.
    if plain && same(SPACE) && groups.iter().all(|&g| g <= 2) && !digits.starts_with('0') {
        return false;
    }
    // Dates: `2024-11-27`, `27.11.2024`, and a date followed by more numbers.
    if !shape.plus && n >= 3 && seps[0] == seps[1] && matches!(seps[0], DASH | DOT) {
        let date = matches!(groups[..3], [4, 1 | 2, 1 | 2] | [1 | 2, 1 | 2, 4]);
        if date {
            return false;
        }
    }
    // A range of years (`1990-2024`), a ZIP+4 code (`12345-6789`), a US social security
    // number (`123-45-6789`).
    let year = |s: &str| s.starts_with("19") || s.starts_with("20");
    if plain && same(DASH) {
        let years = groups == [4, 4] && year(&digits[..4]) && year(&digits[4..]);
        if years || groups == [5, 4] || groups == [3, 2, 4] {
            return false;
        }
    }
    true
}
