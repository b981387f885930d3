//! Web addresses: `http(s)://…` and bare `www.…`.

use super::chars::{at, before, ends_sentence, ends_url, glues_address, starts_with_ci};
use super::host::{self, Host, Rules};
use super::{Found, LinkKind};

/// An `http://` or `https://` URL starting at byte `i`.
pub fn scheme_url(text: &str, i: usize, prev: Option<char>) -> Option<Found> {
    if prev.is_some_and(glues_address) {
        return None;
    }
    let rest = &text[i..];
    let authority = i + if starts_with_ci(rest, "https://") {
        8
    } else if starts_with_ci(rest, "http://") {
        7
    } else {
        return None;
    };
    // The authority ends where the browser ends it: at `/`, `?`, `#` or `\` (which it reads
    // as `/`). Its last `@` ends the user info, so what follows is the real host.
    let mut authority_end = authority;
    while let Some(c) = at(text, authority_end) {
        if matches!(c, '/' | '?' | '#' | '\\') || ends_url(c) {
            break;
        }
        authority_end += c.len_utf8();
    }
    let user = text[authority..authority_end].rfind('@');
    let host_start = user.map_or(authority, |p| authority + p + 1);
    let host = host::scan(text, host_start, Rules::Scheme)?;
    let end = address_end(text, i, &host, authority_end)?;
    let href = host.href("", text, i, end);
    let warning = match (host.idn, user) {
        (Some(idn), _) => Some(idn),
        (None, Some(_)) => Some(text[host.name.0..host.name.1].to_ascii_lowercase()),
        (None, None) => None,
    };
    Some(Found {
        start: i,
        end,
        href,
        kind: LinkKind::Web,
        warning,
    })
}

/// A bare `www.` address starting at byte `i`; its link is `https://`.
pub fn www(text: &str, i: usize, prev: Option<char>) -> Option<Found> {
    if prev.is_some_and(glues_address) || !starts_with_ci(&text[i..], "www.") {
        return None;
    }
    let host = host::scan(text, i, Rules::Bare)?;
    // `www.` and a top-level domain alone (`www.com`) name no site.
    if text[host.name.0..host.name.1]
        .bytes()
        .filter(|&b| b == b'.')
        .count()
        < 2
    {
        return None;
    }
    let end = address_end(text, i, &host, host.end)?;
    Some(Found {
        start: i,
        end,
        href: host.href("https://", text, i, end),
        kind: LinkKind::Web,
        warning: host.idn,
    })
}

/// Where the address whose host is `host` ends: after its path, query and fragment if one
/// follows the host, otherwise right after the host. `None` if the host is glued to
/// something that makes it a different address (`www.example_`, `example.com%2F…`).
fn address_end(text: &str, start: usize, host: &Host, authority_end: usize) -> Option<usize> {
    let next = at(text, host.end);
    if matches!(next, Some('_' | '@' | '%')) {
        return None;
    }
    if host.end == authority_end && matches!(next, Some('/' | '?' | '#' | '\\')) {
        let opener = before(text, start);
        return Some(path_end(text, host.end, opener));
    }
    Some(host.end)
}

/// End of a path (with query and fragment) starting at byte `from`. Sentence punctuation at
/// the end is left out; a closing bracket only belongs to the URL when it closes one opened
/// inside it (`…/Rust_(programming_language)`); a quote at the end belongs to it only when
/// the URL has an even number of them and was not opened by the same quote (`"https://…"`).
fn path_end(text: &str, from: usize, opener: Option<char>) -> usize {
    let mut depth = [0usize; 3];
    let mut quotes = [0usize; 2];
    let mut end = from;
    while let Some(c) = at(text, end) {
        if ends_url(c) {
            break;
        }
        match c {
            '(' => depth[0] += 1,
            '[' => depth[1] += 1,
            '{' => depth[2] += 1,
            ')' | ']' | '}' => {
                let k = usize::from(c == ']') + 2 * usize::from(c == '}');
                if depth[k] == 0 {
                    break;
                }
                depth[k] -= 1;
            }
            '\'' => quotes[0] += 1,
            '"' => quotes[1] += 1,
            _ => {}
        }
        end += c.len_utf8();
    }
    while end > from {
        let Some(c) = before(text, end) else { break };
        let quote = match c {
            '\'' => Some(0),
            '"' => Some(1),
            _ => None,
        };
        let drop = match quote {
            Some(k) => quotes[k] % 2 == 1 || opener == Some(c),
            None => ends_sentence(c),
        };
        if !drop {
            break;
        }
        if let Some(k) = quote {
            quotes[k] -= 1;
        }
        end -= c.len_utf8();
    }
    end
}
