//! Link detection in message text: a hand-written scanner (no regex crate, ASCII-only case
//! handling) that splits a message into plain text and links.
//!
//! Safety rules:
//! - a link's displayed text is exactly the matched text of the message, so no text can
//!   disguise a link's target (markup such as `[click](url)` is not interpreted);
//! - an `href` is only ever built with the `http://`, `https://`, `mailto:` or `tel:` scheme;
//!   anything else (`javascript:`, `data:`, `file:`, `vbscript:`, …) stays plain text;
//! - invisible formatting characters (bidi overrides, zero-width characters) end a URL, so
//!   they can never be part of a link's text.

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
        /// Exactly the matched text of the message (the real address).
        text: String,
        /// The target; always `http://`, `https://`, `mailto:` or `tel:`.
        href: String,
        kind: LinkKind,
    },
}

/// Splits `text` into plain text and links, in order. Concatenating the `Text` contents and
/// the links' `text` gives back `text` unchanged.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some((end, href, kind)) = link_at(text, i) {
            if plain_start < i {
                out.push(Segment::Text(text[plain_start..i].to_string()));
            }
            out.push(Segment::Link {
                text: text[i..end].to_string(),
                href,
                kind,
            });
            i = end;
            plain_start = end;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_start < text.len() {
        out.push(Segment::Text(text[plain_start..].to_string()));
    }
    out
}

/// A link starting at byte `i`: `(end, href, kind)`.
fn link_at(text: &str, i: usize) -> Option<(usize, String, LinkKind)> {
    let b = text.as_bytes();
    let prev = if i == 0 { None } else { Some(b[i - 1]) };
    let word_start = prev.is_none_or(|p| !p.is_ascii_alphanumeric());
    let rest = &b[i..];
    if word_start {
        for scheme in ["https://", "http://"] {
            if starts_with_ci(rest, scheme) {
                let end = web_url_end(text, i + scheme.len())?;
                return Some((end, text[i..end].to_string(), LinkKind::Web));
            }
        }
        if starts_with_ci(rest, "mailto:") {
            if let Some(end) = email_end(text, i + 7) {
                let href = format!("mailto:{}", &text[i + 7..end]);
                return Some((end, href, LinkKind::Email));
            }
        }
        if starts_with_ci(rest, "tel:") {
            if let Some((end, href)) = phone(text, i + 4) {
                return Some((end, href, LinkKind::Phone));
            }
        }
    }
    if prev.is_none_or(|p| !is_local_char(p)) {
        if let Some(end) = email_end(text, i) {
            return Some((end, format!("mailto:{}", &text[i..end]), LinkKind::Email));
        }
    }
    if word_start
        && !matches!(prev, Some(b'.' | b'-' | b'@' | b'/' | b':' | b'_'))
        && starts_with_ci(rest, "www.")
    {
        if let Some(end) = www_end(text, i) {
            return Some((end, format!("https://{}", &text[i..end]), LinkKind::Web));
        }
    }
    if !matches!(
        prev,
        Some(p) if p.is_ascii_alphanumeric() || b"+-./:,_@#$%&=".contains(&p)
    ) {
        if let Some((end, href)) = phone(text, i) {
            return Some((end, href, LinkKind::Phone));
        }
    }
    None
}

fn starts_with_ci(s: &[u8], prefix: &str) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Invisible characters that could reorder or hide parts of an address.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn ends_url(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_invisible(c) || matches!(c, '<' | '>' | '"' | '`')
}

/// Scans a URL body from `keep` (the first byte that must remain, after a scheme) to its
/// end, then drops trailing punctuation and unbalanced closing brackets.
fn url_body_end(text: &str, keep: usize) -> usize {
    let mut end = keep;
    // Open `(`, `[`, `{`: a closing bracket without its opener ends the URL.
    let mut depth = [0usize; 3];
    for (off, c) in text[keep..].char_indices() {
        if ends_url(c) {
            break;
        }
        if let Some(k) = "([{".find(c) {
            depth[k] += 1;
        } else if let Some(k) = ")]}".find(c) {
            if depth[k] == 0 {
                break;
            }
            depth[k] -= 1;
        }
        end = keep + off + c.len_utf8();
    }
    while end > keep {
        let s = &text[keep..end];
        let last = s.as_bytes()[s.len() - 1];
        let count = |c: u8| s.bytes().filter(|&x| x == c).count();
        let drop = match last {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            b')' => count(b'(') < count(b')'),
            b']' => count(b'[') < count(b']'),
            b'}' => count(b'{') < count(b'}'),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

/// End of an `http(s)://` URL whose host starts at `host`.
fn web_url_end(text: &str, host: usize) -> Option<usize> {
    let end = url_body_end(text, host);
    let first = *text.as_bytes().get(host)?;
    if end <= host || !(first.is_ascii_alphanumeric() || first == b'[' || first >= 0x80) {
        return None;
    }
    Some(end)
}

/// End of a `www.` address starting at `start`; its host must be a valid domain name.
fn www_end(text: &str, start: usize) -> Option<usize> {
    let end = url_body_end(text, start);
    let host_end = text[start..end]
        .find(['/', '?', '#', ':'])
        .map_or(end, |p| start + p);
    (domain_end(text, start)? == host_end && host_end > start + 4).then_some(end)
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// End of an e-mail address `local@domain.tld` starting at `start`.
fn email_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut at = start;
    while at < b.len() && is_local_char(b[at]) {
        at += 1;
    }
    if at == start || at >= b.len() || b[at] != b'@' || b[start] == b'.' || b[at - 1] == b'.' {
        return None;
    }
    domain_end(text, at + 1)
}

/// End of a domain name (`label(.label)+`, alphabetic TLD of 2+ letters) starting at `start`.
fn domain_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut end = start;
    while end < b.len() && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'-' | b'.')) {
        end += 1;
    }
    while end > start && b[end - 1] == b'.' {
        end -= 1;
    }
    let domain = &text[start..end];
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last()?;
    let ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && tld.len() >= 2
        && tld.bytes().all(|c| c.is_ascii_alphabetic());
    ok.then_some(end)
}

/// A phone number starting at `start`: `(end, "tel:" href)`. It starts with `+`, a digit or
/// `(`, has 7–15 digits and may contain single spaces, dashes, dots and parentheses.
fn phone(text: &str, start: usize) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let mut j = start;
    if b.get(j) == Some(&b'+') {
        j += 1;
    }
    if !matches!(b.get(j), Some(c) if c.is_ascii_digit() || *c == b'(') {
        return None;
    }
    let mut sep_run = 0;
    while j < b.len() {
        match b[j] {
            b'0'..=b'9' => sep_run = 0,
            b' ' | b'-' | b'.' | b'(' | b')' => {
                sep_run += 1;
                if sep_run > 2 {
                    break;
                }
            }
            _ => break,
        }
        j += 1;
    }
    // What stops the number must not continue a word, a time or a path.
    if j < b.len() && sep_run == 0 {
        let c = b[j];
        let digit_after = b.get(j + 1).is_some_and(u8::is_ascii_digit);
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'@' | b'/' | b'%') {
            return None;
        }
        if matches!(c, b':' | b',') && digit_after {
            return None;
        }
    }
    let mut end = j;
    while end > start {
        let s = &b[start..end];
        let count = |c: u8| s.iter().filter(|&&x| x == c).count();
        let drop = match s[s.len() - 1] {
            b' ' | b'-' | b'.' | b'(' => true,
            b')' => count(b'(') < count(b')'),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    let s = &text[start..end];
    let opens = s.bytes().filter(|&c| c == b'(').count();
    let closes = s.bytes().filter(|&c| c == b')').count();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if opens != closes || !(7..=15).contains(&digits) || looks_like_date_or_ip(s) {
        return None;
    }
    let href: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    Some((end, format!("tel:{href}")))
}

/// `2024-11-25`, `25.11.2024` and `192.168.0.1` are not phone numbers.
fn looks_like_date_or_ip(s: &str) -> bool {
    let groups: Vec<&str> = s.split(['-', '.']).collect();
    let all_digits = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|c| c.is_ascii_digit()));
    if !all_digits {
        return false;
    }
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    matches!(lens.as_slice(), [4, 2, 2] | [2, 2, 4] | [1 | 2, 1 | 2, 4])
        || (lens.len() == 4 && s.contains('.') && lens.iter().all(|&l| l <= 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Segment {
        Segment::Text(s.into())
    }

    fn web(text: &str, href: &str) -> Segment {
        Segment::Link {
            text: text.into(),
            href: href.into(),
            kind: LinkKind::Web,
        }
    }

    fn email(text: &str, href: &str) -> Segment {
        Segment::Link {
            text: text.into(),
            href: href.into(),
            kind: LinkKind::Email,
        }
    }

    fn phone(text: &str, href: &str) -> Segment {
        Segment::Link {
            text: text.into(),
            href: href.into(),
            kind: LinkKind::Phone,
        }
    }

    fn links(s: &str) -> Vec<Segment> {
        segments(s)
            .into_iter()
            .filter(|s| matches!(s, Segment::Link { .. }))
            .collect()
    }

    /// Every result keeps the text intact and only uses the allowed schemes.
    fn check_invariants(s: &str) {
        let segs = segments(s);
        let mut joined = String::new();
        for seg in &segs {
            match seg {
                Segment::Text(t) => joined.push_str(t),
                Segment::Link { text, href, .. } => {
                    joined.push_str(text);
                    let lower = href.to_ascii_lowercase();
                    assert!(
                        ["http://", "https://", "mailto:", "tel:"]
                            .iter()
                            .any(|p| lower.starts_with(p)),
                        "{href}"
                    );
                }
            }
        }
        assert_eq!(joined, s);
    }

    #[test]
    fn plain_text_is_one_segment() {
        assert_eq!(segments("hello world"), vec![t("hello world")]);
        assert_eq!(segments(""), vec![]);
    }

    #[test]
    fn http_and_https_urls() {
        assert_eq!(
            segments("see https://example.com/a?b=c#d now"),
            vec![
                t("see "),
                web("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
                t(" now")
            ]
        );
        assert_eq!(
            segments("http://x.org"),
            vec![web("http://x.org", "http://x.org")]
        );
        assert_eq!(
            segments("HTTPS://EXAMPLE.COM"),
            vec![web("HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM")]
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_the_url() {
        assert_eq!(
            segments("Go to https://example.com."),
            vec![
                t("Go to "),
                web("https://example.com", "https://example.com"),
                t(".")
            ]
        );
        for p in [",", ";", ":", "!", "?", "!?", "...", "'"] {
            let s = format!("https://example.com/x{p}");
            assert_eq!(
                links(&s),
                vec![web("https://example.com/x", "https://example.com/x")],
                "{s}"
            );
        }
    }

    #[test]
    fn wikipedia_parentheses_are_kept() {
        let url = "https://en.wikipedia.org/wiki/Rust_(programming_language)";
        assert_eq!(segments(url), vec![web(url, url)]);
        assert_eq!(
            segments(&format!("(see {url})")),
            vec![t("(see "), web(url, url), t(")")]
        );
        assert_eq!(
            segments("(https://example.com)."),
            vec![
                t("("),
                web("https://example.com", "https://example.com"),
                t(").")
            ]
        );
        assert_eq!(
            links("[https://example.com/a]"),
            vec![web("https://example.com/a", "https://example.com/a")]
        );
    }

    #[test]
    fn markdown_link_text_cannot_disguise_the_target() {
        assert_eq!(
            segments("[click](https://evil.example/x)"),
            vec![
                t("[click]("),
                web("https://evil.example/x", "https://evil.example/x"),
                t(")")
            ]
        );
        assert_eq!(
            segments("[https://bank.example](https://evil.example)"),
            vec![
                t("["),
                web("https://bank.example", "https://bank.example"),
                t("]("),
                web("https://evil.example", "https://evil.example"),
                t(")")
            ]
        );
    }

    #[test]
    fn dangerous_schemes_stay_text() {
        for s in [
            "[click](javascript:alert(1))",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(document.cookie)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
            "vbscript:msgbox(1)",
            "<a href=\"javascript:alert(1)\">x</a>",
        ] {
            assert_eq!(segments(s), vec![t(s)], "{s}");
        }
    }

    #[test]
    fn html_is_plain_text() {
        let s = "<img src=x onerror=alert(1)>";
        assert_eq!(segments(s), vec![t(s)]);
        assert_eq!(
            segments("<b>https://x.org</b>"),
            vec![t("<b>"), web("https://x.org", "https://x.org"), t("</b>")]
        );
    }

    #[test]
    fn www_hosts_get_https() {
        assert_eq!(
            segments("visit www.example.com/page, thanks"),
            vec![
                t("visit "),
                web("www.example.com/page", "https://www.example.com/page"),
                t(", thanks")
            ]
        );
        assert_eq!(
            links("WWW.Example.org"),
            vec![web("WWW.Example.org", "https://WWW.Example.org")]
        );
        assert_eq!(segments("www.x"), vec![t("www.x")]);
        assert_eq!(segments("awww.example.com"), vec![t("awww.example.com")]);
    }

    #[test]
    fn multiple_links() {
        assert_eq!(
            segments("a https://one.com b http://two.org/x c www.three.net"),
            vec![
                t("a "),
                web("https://one.com", "https://one.com"),
                t(" b "),
                web("http://two.org/x", "http://two.org/x"),
                t(" c "),
                web("www.three.net", "https://www.three.net"),
            ]
        );
        assert_eq!(
            segments("https://a.com\nhttps://b.com"),
            vec![
                web("https://a.com", "https://a.com"),
                t("\n"),
                web("https://b.com", "https://b.com")
            ]
        );
    }

    #[test]
    fn unicode_text_around_links() {
        assert_eq!(
            segments("Привет 👋 https://пример.рф/путь — ok"),
            vec![
                t("Привет 👋 "),
                web("https://пример.рф/путь", "https://пример.рф/путь"),
                t(" — ok")
            ]
        );
        assert_eq!(
            segments("日本語https://example.jp です"),
            vec![
                t("日本語"),
                web("https://example.jp", "https://example.jp"),
                t(" です")
            ]
        );
    }

    #[test]
    fn invisible_characters_end_a_url() {
        assert_eq!(
            segments("https://good.example\u{202E}moc.live"),
            vec![
                web("https://good.example", "https://good.example"),
                t("\u{202E}moc.live")
            ]
        );
        assert_eq!(
            links("https://a.example\u{200B}.b"),
            vec![web("https://a.example", "https://a.example")]
        );
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            segments("mail bob.smith+x@mail.example.com."),
            vec![
                t("mail "),
                email(
                    "bob.smith+x@mail.example.com",
                    "mailto:bob.smith+x@mail.example.com"
                ),
                t(".")
            ]
        );
        assert_eq!(segments("a@b"), vec![t("a@b")]);
        assert_eq!(segments("a@b.c"), vec![t("a@b.c")]);
        assert_eq!(segments("@user"), vec![t("@user")]);
    }

    #[test]
    fn mailto_and_tel_schemes() {
        assert_eq!(
            segments("mailto:bob@example.com"),
            vec![email("mailto:bob@example.com", "mailto:bob@example.com")]
        );
        assert_eq!(
            segments("tel:+1-555-123-4567"),
            vec![phone("tel:+1-555-123-4567", "tel:+15551234567")]
        );
        // A scheme without a valid address is not a link.
        assert_eq!(segments("mailto:nobody"), vec![t("mailto:nobody")]);
        assert_eq!(segments("tel:12"), vec![t("tel:12")]);
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            segments("call +49 30 1234567 now"),
            vec![
                t("call "),
                phone("+49 30 1234567", "tel:+49301234567"),
                t(" now")
            ]
        );
        assert_eq!(
            links("(555) 123-4567."),
            vec![phone("(555) 123-4567", "tel:5551234567")]
        );
        assert_eq!(
            links("555.123.4567"),
            vec![phone("555.123.4567", "tel:5551234567")]
        );
        assert_eq!(
            links("+1 (555) 123-4567"),
            vec![phone("+1 (555) 123-4567", "tel:+15551234567")]
        );
    }

    #[test]
    fn bare_numbers_are_not_phones() {
        for s in [
            "2024",
            "12:30",
            "at 12:30 on 2024-11-25",
            "25.11.2024",
            "ip 192.168.100.200",
            "123456",
            "1234567890123456",
            "v1.2.3",
            "1,234,567",
            "abc1234567",
            "1234567abc",
            "3 apples and 4 pears",
        ] {
            assert_eq!(links(s), vec![], "{s}");
        }
    }

    #[test]
    fn text_is_preserved_exactly() {
        for s in [
            "hello https://x.org/(a)) bob@x.org +1 555 123 4567 www.y.com.",
            "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
            "ünïcödé 😀 https://é.com/ö \u{202E} tel:+123 4567890",
            "((((https://x.org))))]]]]",
            "https://",
            "http://.",
            "www.",
            "@.@.",
            "+",
            "+(",
        ] {
            check_invariants(s);
        }
    }

    #[test]
    fn scheme_only_is_not_a_link() {
        assert_eq!(segments("https:// x"), vec![t("https:// x")]);
        assert_eq!(segments("https://"), vec![t("https://")]);
        assert_eq!(segments("xhttps://a.com"), vec![t("xhttps://a.com")]);
    }
}
