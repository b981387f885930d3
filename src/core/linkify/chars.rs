//! Character classes the scanners share.

/// Characters that can make text look different from what it is: bidi embeddings,
/// overrides, isolates and marks, zero-width spaces, soft hyphens. The zero-width (non-)joiners
/// U+200C/U+200D are not among them: they belong inside emoji sequences and Persian words.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Characters that end a URL (and an e-mail address or a phone number) wherever they stand:
/// white space, controls, invisible characters, `<` `>` `` ` ``, typographic quotes, dashes
/// and ellipses, and the CJK and full-width punctuation that text in those scripts puts
/// right after an address, without a space.
pub fn ends_url(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_whitespace() || c.is_ascii_control() || matches!(c, '<' | '>' | '`');
    }
    c.is_whitespace()
        || c.is_control()
        || is_invisible(c)
        || matches!(
            c,
            '«' | '»'
                | '\u{2010}'..='\u{2027}'
                | '\u{2030}'..='\u{205E}'
                | '\u{3000}'..='\u{3004}'
                | '\u{3008}'..='\u{3020}'
                | '\u{3030}'
                | '\u{FE10}'..='\u{FE1F}'
                | '\u{FE30}'..='\u{FE6F}'
                | '\u{FF01}'..='\u{FF0F}'
                | '\u{FF1A}'..='\u{FF20}'
                | '\u{FF3B}'..='\u{FF40}'
                | '\u{FF5B}'..='\u{FF65}'
        )
}

/// Punctuation that ends a sentence or a clause: not part of an address it follows.
pub fn ends_sentence(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ':'
            | ';'
            | '!'
            | '?'
            | '*'
            | '\u{037E}' // Greek question mark
            | '\u{0589}' // Armenian full stop
            | '\u{060C}' // Arabic comma
            | '\u{061B}' // Arabic semicolon
            | '\u{061F}' // Arabic question mark
            | '\u{06D4}' // Arabic full stop
            | '\u{0964}' // Devanagari danda
            | '\u{0965}'
    )
}

/// Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar):
/// an address glued to them is still a separate word.
pub fn is_spaceless(c: char) -> bool {
    matches!(
        c,
        '\u{0E00}'..='\u{0EFF}'
            | '\u{1000}'..='\u{109F}'
            | '\u{1780}'..='\u{17FF}'
            | '\u{3040}'..='\u{30FF}'
            | '\u{31F0}'..='\u{31FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FF66}'..='\u{FF9F}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

/// A letter, digit or `_` of a script that separates words with spaces: an address glued
/// to one (`foohttps://…`, `abcwww.…`) is part of a longer word, not an address.
pub fn is_word(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric() || (is_foreign_letter(c) && !is_spaceless(c))
}

/// Where ASCII letters meet a space-less script (`連絡先はjohn@example.comです`), one word
/// ends and the next begins.
pub fn script_break(a: char, b: char) -> bool {
    (is_spaceless(a) && b.is_ascii_alphanumeric()) || (a.is_ascii_alphanumeric() && is_spaceless(b))
}

/// Characters before `www.` or a scheme that make it the tail of something else: a word, a
/// host (`mail.www.example.com`), a path or an address.
pub fn glues_address(c: char) -> bool {
    is_word(c) || matches!(c, '.' | '-' | '@' | '/' | '\\' | '%')
}

/// A non-ASCII character that can be part of a word in a host name or a mailbox: a letter,
/// digit or mark of any script, or a zero-width (non-)joiner. Emoji, symbols and punctuation
/// are not (`https://example.com👍` ends before the thumb). Told apart by blocks rather than
/// by Unicode's letter tables, which would cost the bundle about 2 KB; a rare symbol outside
/// these blocks is taken for a letter, which at worst puts it in a host that is then shown
/// in its Punycode form.
pub fn is_foreign_letter(c: char) -> bool {
    !c.is_ascii() && !ends_url(c) && !ends_sentence(c) && !is_symbol(c)
}

/// Non-ASCII punctuation and symbols: the Latin-1 ones, the general punctuation, symbol,
/// arrow and shape blocks (but the zero-width joiners in them), supplemental punctuation,
/// private use, variation selectors, specials, emoji and tags.
fn is_symbol(c: char) -> bool {
    matches!(
        c,
        '\u{0080}'..='\u{00A9}'
            | '\u{00AB}'..='\u{00B4}'
            | '\u{00B6}'..='\u{00B9}'
            | '\u{00BB}'..='\u{00BF}'
            | '×'
            | '÷'
            | '\u{2000}'..='\u{200B}'
            | '\u{200E}'..='\u{2BFF}'
            | '\u{2E00}'..='\u{2E7F}'
            | '\u{E000}'..='\u{F8FF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFF0}'..='\u{FFFF}'
            | '\u{1F000}'..='\u{1FBFF}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The character at byte `i`. The scanners walk the text through this and [`before`] rather
/// than each through its own `chars()` loop: one UTF-8 decoder in the bundle instead of one
/// per loop.
#[inline(never)]
pub fn at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

/// The character ending at byte `i`.
#[inline(never)]
pub fn before(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

/// ASCII case-insensitive prefix test.
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}
