//! Link detection in message text: a hand-written, linear scanner (no regex crate: bundle
//! size) that splits a message into plain text and links. Each rule is here because a user
//! would otherwise be misled or annoyed:
//!
//! **Where a link goes.** A link's text is exactly the matched text of the message and its
//! `href` is derived from that text alone, so markup such as `[click](url)` cannot disguise a
//! target. An `href` only ever has the `http://`, `https://`, `mailto:` or `tel:` scheme;
//! `javascript:`, `data:`, `file:` and the rest stay plain text. Where the browser would go
//! somewhere the text does not plainly show, the link carries a `warning` (see [`Segment`])
//! naming the real host, which the view shows beside it:
//! - a host with non-ASCII characters (`https://аррӏе.com/` can pass for `apple.com`): the
//!   warning and the `href` use the host's ASCII form, lower case with Punycode (RFC 3492)
//!   `xn--` labels (`xn--80ak6aa92e.com`). Full-width ASCII is folded as UTS #46 folds it; no
//!   other UTS #46 mapping or normalisation is done, so an unusual host at worst fails to
//!   open rather than opens elsewhere;
//! - user info before the host (`https://paypal.com@evil.example/`): the warning names
//!   `evil.example`. The last `@` before `/`, `?`, `#` or `\` ends the user info, as in the
//!   browser's URL parser, which also reads `\` as `/`.
//!
//! **Where a URL ends.** Letters of any script, zero-width (non-)joiners (inside emoji
//! sequences) and the quotes `'` `"` belong to a path, query or fragment. It ends at white
//! space, control and invisible characters (bidi embeddings, overrides, isolates and marks,
//! zero-width spaces: they could reorder or hide what the link shows), `<` `>` `` ` ``,
//! typographic quotes and dashes, and CJK and full-width punctuation (`。` `、` `，` `）` `「`
//! `】` `《`, U+3000…), which those scripts put right after an address without a space.
//! Sentence punctuation at its end (`.` `,` `:` `;` `!` `?` `*`, and the Arabic and
//! Devanagari ones) is not part of it. A closing bracket belongs to it only when it closes
//! one opened inside it (`(https://en.wikipedia.org/wiki/Rust_(programming_language))`); a
//! closing quote only when the URL holds an even number of that quote and was not opened by
//! it (`"https://x.org/a"` links `https://x.org/a`).
//!
//! **What is an address at all.** An address glued to a preceding letter, digit or `_`
//! (`foohttps://evil.example`, `abcwww.example.com`) or to a host or path character
//! (`mail.www.example.com`) is part of a longer word and is not linked; letters of scripts
//! written without spaces (Han, kana, Thai…) do not glue (`日本語https://example.jp`). A
//! host ends where ASCII meets such a script (`https://example.jpです`). Bare addresses
//! need `www.`, a third label and a plausible top-level domain (two or more ASCII letters,
//! an `xn--` label, or a label wholly in another script: `рф`, `中国`); `example.com` alone
//! stays text. No label may start or end with `-` or `_` (`www.example_`,
//! `https://example_.com`); `_` is only accepted inside a label after a scheme.
//!
//! **E-mail** links the whole address as shown, or none of it. The local part may hold
//! ASCII letters and digits, `. _ % + - '` (`john.o'brien@example.com`) and letters of any
//! script (internationalised mail, RFC 6531: `josé@example.com`, `用户@例子.广告`); it may not
//! start or end with `.` or hold `..`. If the address touches another character of RFC
//! 5322's local parts (`! # $ & * / = ? ^ { | } ~`), `\` or `@` (`o!brien@example.com`,
//! `a/b@x.org`), or is followed by `_ % + / = # …` or a `:port`, nothing of it is linked:
//! never a tail such as `brien@example.com`. A non-ASCII domain gets the same warning and
//! Punycode `href` as a web host; a non-ASCII local part does not (it names a mailbox, not
//! a host).
//!
//! **Phone numbers** are only numbers written the way phone numbers are: 7 to 15 digits
//! (E.164), with a leading `+` or in groups separated by one space, `-` or `.`, or by
//! parentheses around 1–5 digits (`+1 415 555 0100`, `(415) 555-0100`,
//! `+7 (495) 123-45-67`, `8 800 555-35-35`, `555-0100`). Not numbers: a bare run of digits
//! without `+` (`1234567`: an order, an amount, a timestamp), amounts and thousands
//! (`1 234 567`, `1.234.567`, `$1,234,567.00`, `12,500`, `1 234 567,89 €`), decimals
//! (`3.14159265`), IPv4 addresses and versions, dates (`2024-11-27`, `27.11.2024`,
//! `11/27/2024`) and year ranges (`1990-2024`), times, numbers after `ISBN`/`ISSN`, ZIP+4
//! codes and US social security numbers (`12345-6789`, `123-45-6789`), numbers with more
//! than one one-digit group (`1 2 3 4 5 6 7`, `0-306-40615-2`), lists of one- and two-digit
//! numbers without a trunk `0` (`10 20 30 40`), the tail of a longer digit sequence that is
//! no phone number (`4111 1111 1111 1111`), and numbers glued to letters, to an invisible
//! character or to `# $ € % / @ …` (`order#12345678`). Numbers written in three-digit groups
//! without `+` (`612 345 678`) read as amounts and stay text; `+34 612 345 678` is a number.
//! A `tel:` href is `+` and digits only.

mod chars;
mod email;
mod host;
mod phone;
mod punycode;
mod web;

#[cfg(test)]
mod tests;

/// What a link points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `http://` / `https://` (a bare `www.` host gets `https://`).
    Web,
    /// `mailto:`.
    Email,
    /// `tel:`.
    Phone,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Web => "web",
            LinkKind::Email => "email",
            LinkKind::Phone => "phone",
        }
    }
}

/// A piece of a message: plain text or a detected link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Link {
        /// Exactly the matched text of the message.
        text: String,
        /// The target; always `http://`, `https://`, `mailto:` or `tel:`.
        href: String,
        kind: LinkKind,
        /// The host the link really goes to, in ASCII (Punycode) form, when the text does not
        /// plainly show it: a host with non-ASCII characters, or user info before the host.
        /// The view shows it visibly beside the link.
        warning: Option<String>,
    },
}

/// A link found in the text: its byte range and target.
struct Found {
    start: usize,
    end: usize,
    href: String,
    kind: LinkKind,
    warning: Option<String>,
}

/// Splits `text` into plain text and links, in order. Concatenating the `Text` contents and
/// the links' `text` gives back `text` unchanged.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut prev = None;
    let mut i = 0;
    while let Some(c) = chars::at(text, i) {
        let Some(found) = link_at(text, i, c, prev, plain_start) else {
            prev = Some(c);
            i += c.len_utf8();
            continue;
        };
        if plain_start < found.start {
            out.push(Segment::Text(text[plain_start..found.start].to_string()));
        }
        out.push(Segment::Link {
            text: text[found.start..found.end].to_string(),
            href: found.href,
            kind: found.kind,
            warning: found.warning,
        });
        i = found.end;
        plain_start = found.end;
        prev = chars::before(text, i);
    }
    if plain_start < text.len() {
        out.push(Segment::Text(text[plain_start..].to_string()));
    }
    out
}

/// A link starting at byte `i`, whose character is `c`, or just after it (past an opening
/// quote); the last link ended at byte `link_end`. Every scanner it calls looks only as far
/// as the address it tries, and only where one can start, so the whole scan stays linear.
fn link_at(text: &str, i: usize, c: char, prev: Option<char>, link_end: usize) -> Option<Found> {
    match c {
        'h' | 'H' => web::scheme_url(text, i, prev),
        'w' | 'W' => web::www(text, i, prev),
        'm' | 'M' => email::mailto(text, i, prev),
        't' | 'T' => phone::tel(text, i, prev),
        _ => None,
    }
    .or_else(|| email::bare(text, i, c, prev))
    .or_else(|| phone::number(text, i, c, prev, link_end))
}
