//! Compose-box decisions that need no browser: which key sends, whether a file may be
//! attached, the SMS counter's text.

use messenger_protocol::{SendKey, ATTACHMENT_TYPES};

use super::i18n::{Catalog, Locale, K};
use super::sms;

/// The fields of a `keydown` that matter for sending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyPress<'a> {
    pub key: &'a str,
    pub shift: bool,
    pub ctrl: bool,
    /// Cmd on a Mac.
    pub meta: bool,
    pub alt: bool,
    /// An IME composition is active (`isComposing`, or the legacy key code 229).
    pub composing: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    Send,
    /// Let the browser insert its newline (or do whatever the key does).
    Default,
}

/// Enter mode: Enter sends, Shift+Enter is a newline. Ctrl+Enter mode: Ctrl/Cmd+Enter sends,
/// Enter and Shift+Enter are newlines. Never while composing (Enter confirms the IME).
pub fn key_action(k: KeyPress<'_>, mode: SendKey) -> KeyAction {
    if k.key != "Enter" || k.composing || k.alt || k.shift {
        return KeyAction::Default;
    }
    // Ctrl/Cmd+Enter sends in both modes: nothing else uses it in a textarea.
    if k.ctrl || k.meta || mode == SendKey::Enter {
        KeyAction::Send
    } else {
        KeyAction::Default
    }
}

/// A thumbnail's size: the image scaled down to fit `max`×`max` (as the server makes it),
/// never up, never 0.
pub fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    let (w, h) = (width.max(1) as u64, height.max(1) as u64);
    let scale_to = |a: u64, b: u64| ((a * max as u64).div_ceil(b)).max(1) as u32;
    if w <= max as u64 && h <= max as u64 {
        (w as u32, h as u32)
    } else if w >= h {
        (max, scale_to(h, w).min(max))
    } else {
        (scale_to(w, h).min(max), max)
    }
}

pub fn send_hint(mode: SendKey) -> K {
    match mode {
        SendKey::Enter => K::ComposeHintEnter,
        SendKey::CtrlEnter => K::ComposeHintCtrl,
    }
}

/// Why a file cannot be attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttachError {
    TooBig { name: String, size: u64, max: u64 },
    WrongType { name: String },
    TooMany { max: usize },
}

/// The server takes at most this many attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;

/// A size in megabytes with one decimal, rounded up, with the language's decimal mark.
fn megabytes(bytes: u64, tr: &Catalog) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    let mark = if matches!(tr.locale, Locale::En) {
        "."
    } else {
        ","
    };
    let value = format!("{}{mark}{}", tr.locale.count(tenths / 10), tenths % 10);
    tr.f(K::AttachMegabytes, &[("value", &value)])
}

impl AttachError {
    pub fn text(&self, tr: &Catalog) -> String {
        match self {
            AttachError::TooBig { name, size, max } => tr.f(
                K::AttachTooBig,
                &[
                    ("name", name),
                    ("size", &megabytes(*size, tr)),
                    ("max", &megabytes(*max, tr)),
                ],
            ),
            AttachError::WrongType { name } => tr.f(K::AttachWrongType, &[("name", name)]),
            AttachError::TooMany { max } => {
                tr.f(K::AttachTooMany, &[("max", &tr.locale.count(*max as u64))])
            }
        }
    }
}

/// Checks a picked or pasted file before uploading it: its type as the browser reports it,
/// its size against `limits.max_attachment_bytes`, and how many are already attached.
pub fn check_attachment(
    name: &str,
    mime: &str,
    size: u64,
    max_bytes: usize,
    already: usize,
) -> Result<(), AttachError> {
    let name = if name.trim().is_empty() {
        "image"
    } else {
        name
    };
    if !ATTACHMENT_TYPES.contains(&mime.trim().to_ascii_lowercase().as_str()) {
        return Err(AttachError::WrongType { name: name.into() });
    }
    if size > max_bytes as u64 {
        return Err(AttachError::TooBig {
            name: name.into(),
            size,
            max: max_bytes as u64,
        });
    }
    if already >= MAX_ATTACHMENTS {
        return Err(AttachError::TooMany {
            max: MAX_ATTACHMENTS,
        });
    }
    Ok(())
}

/// The counter under an SMS conversation's compose box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsLabel {
    /// What the current (last) SMS holds of what it can hold, and how many SMS the message
    /// takes: `12/160 · 1 SMS`, `8/153 · 2 SMS`, `6/70 · 1 SMS (Unicode)`.
    pub text: String,
    /// How it is counted: the encoding and why, the capacity per SMS, what counts as two.
    pub tooltip: String,
}

/// The SMS counter for `text`. It always shows one unit, the one the SMS is billed in
/// (GSM-7 septets, or UTF-16 code units once a character outside the GSM alphabet makes it
/// Unicode), for the current SMS: a 161st character starts SMS 2 at `8/153`, since every
/// part of a longer message holds 153 (67 in Unicode). Empty text is `0/160 · 0 SMS`.
pub fn sms_counter(text: &str, tr: &Catalog) -> SmsLabel {
    let count = sms::count(text);
    // The capacities in the texts are the constants of `sms` (fixed by 3GPP TS 23.040).
    let (label, tooltip) = match count.first_non_gsm {
        None => (K::SmsCounter, tr.t(K::SmsGsm)),
        Some(c) => (
            K::SmsCounterUnicode,
            tr.f(K::SmsUnicode, &[("char", &describe(c))]),
        ),
    };
    let n = |v: usize| tr.locale.count(v as u64);
    SmsLabel {
        text: tr.f(
            label,
            &[
                ("used", &n(count.used_in_segment())),
                ("capacity", &n(count.per_segment)),
                ("count", &n(count.segments)),
            ],
        ),
        tooltip,
    }
}

/// A character as the tooltip names it: itself in quotes when it is visible, and always its
/// code point, since a tab or a no-break space cannot be seen.
fn describe(c: char) -> String {
    let visible = !c.is_whitespace()
        && !c.is_control()
        && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}');
    if visible {
        format!("“{c}” (U+{:04X})", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str) -> KeyPress<'_> {
        KeyPress {
            key,
            ..KeyPress::default()
        }
    }

    #[test]
    fn enter_mode() {
        let m = SendKey::Enter;
        assert_eq!(key_action(key("Enter"), m), KeyAction::Send);
        let shift = KeyPress {
            shift: true,
            ..key("Enter")
        };
        assert_eq!(key_action(shift, m), KeyAction::Default);
        let composing = KeyPress {
            composing: true,
            ..key("Enter")
        };
        assert_eq!(key_action(composing, m), KeyAction::Default);
        assert_eq!(key_action(key("a"), m), KeyAction::Default);
        let ctrl = KeyPress {
            ctrl: true,
            ..key("Enter")
        };
        assert_eq!(key_action(ctrl, m), KeyAction::Send);
        let alt = KeyPress {
            alt: true,
            ..key("Enter")
        };
        assert_eq!(key_action(alt, m), KeyAction::Default);
    }

    #[test]
    fn thumbnail_fit() {
        assert_eq!(fit(800, 400, 320), (320, 160));
        assert_eq!(fit(400, 800, 320), (160, 320));
        assert_eq!(fit(100, 50, 320), (100, 50), "never scaled up");
        assert_eq!(fit(0, 0, 320), (1, 1));
        assert_eq!(fit(10_000, 1, 320), (320, 1));
        assert_eq!(fit(u32::MAX, u32::MAX, 320), (320, 320));
    }

    #[test]
    fn ctrl_enter_mode() {
        let m = SendKey::CtrlEnter;
        assert_eq!(key_action(key("Enter"), m), KeyAction::Default);
        let ctrl = KeyPress {
            ctrl: true,
            ..key("Enter")
        };
        assert_eq!(key_action(ctrl, m), KeyAction::Send);
        let cmd = KeyPress {
            meta: true,
            ..key("Enter")
        };
        assert_eq!(key_action(cmd, m), KeyAction::Send);
        let composing = KeyPress {
            composing: true,
            ..ctrl
        };
        assert_eq!(key_action(composing, m), KeyAction::Default);
        let shift = KeyPress {
            shift: true,
            ..ctrl
        };
        assert_eq!(key_action(shift, m), KeyAction::Default);
        let en = Catalog::english();
        assert!(en.t(send_hint(m)).starts_with("Ctrl+Enter"));
        assert!(en.t(send_hint(SendKey::Enter)).starts_with("Enter"));
    }

    #[test]
    fn attachment_checks() {
        let max = 5 * 1024 * 1024;
        assert_eq!(check_attachment("a.png", "image/png", 10, max, 0), Ok(()));
        assert_eq!(
            check_attachment("a.jpg", "IMAGE/JPEG", max as u64, max, 9),
            Ok(())
        );
        let big = check_attachment("big.png", "image/png", max as u64 + 1, max, 0).unwrap_err();
        assert!(matches!(big, AttachError::TooBig { .. }));
        assert_eq!(
            big.text(&Catalog::english()),
            "“big.png” is too big (5.1 MB): images up to 5.0 MB can be sent."
        );
        let pdf = check_attachment("doc.pdf", "application/pdf", 10, max, 0).unwrap_err();
        assert_eq!(
            pdf,
            AttachError::WrongType {
                name: "doc.pdf".into()
            }
        );
        assert!(pdf
            .text(&Catalog::english())
            .contains("only PNG, JPEG, GIF and WebP"));
        assert!(check_attachment("x.svg", "image/svg+xml", 10, max, 0).is_err());
        assert!(check_attachment("", "", 10, max, 0)
            .unwrap_err()
            .text(&Catalog::english())
            .contains("“image”"));
        assert_eq!(
            check_attachment("a.png", "image/png", 1, max, 10),
            Err(AttachError::TooMany { max: 10 })
        );
    }

    fn counter(text: &str) -> String {
        sms_counter(text).text
    }

    fn sms_counter(text: &str) -> SmsLabel {
        super::sms_counter(text, &Catalog::english())
    }

    fn a(n: usize) -> String {
        "a".repeat(n)
    }

    #[test]
    fn sms_counter_shows_the_current_sms_in_one_unit() {
        assert_eq!(counter(""), "0/160 · 0 SMS");
        assert_eq!(counter(&a(12)), "12/160 · 1 SMS");
        assert_eq!(counter(&a(160)), "160/160 · 1 SMS");
        assert_eq!(counter(&a(161)), "8/153 · 2 SMS");
        assert_eq!(counter(&a(306)), "153/153 · 2 SMS");
        assert_eq!(counter(&a(307)), "1/153 · 3 SMS");
        assert_eq!(counter(&a(459)), "153/153 · 3 SMS");
        assert_eq!(counter(&a(460)), "1/153 · 4 SMS");
    }

    #[test]
    fn sms_counter_bills_extension_characters_as_two() {
        assert_eq!(counter("€"), "2/160 · 1 SMS");
        assert_eq!(counter("{[]}"), "8/160 · 1 SMS");
        // 158 + € = 160 septets: still one SMS; one more character makes two.
        assert_eq!(counter(&format!("{}€", a(158))), "160/160 · 1 SMS");
        assert_eq!(counter(&format!("{}€a", a(158))), "8/153 · 2 SMS");
        // 152 + € + 7 = 161 septets: the escape pair cannot straddle part one's last
        // septet, so part one ends at 152 and part two holds the € (2) and the 7 letters.
        assert_eq!(counter(&format!("{}€{}", a(152), a(7))), "9/153 · 2 SMS");
        // 151 + € fills part one exactly.
        assert_eq!(counter(&format!("{}€{}", a(151), a(10))), "10/153 · 2 SMS");
        // The same at the end of part two: after 305 letters the € starts part three.
        assert_eq!(counter(&format!("{}€", a(305))), "2/153 · 3 SMS");
        assert_eq!(counter(&format!("{}€", a(304))), "153/153 · 2 SMS");
    }

    #[test]
    fn sms_counter_in_unicode() {
        assert_eq!(counter("привет"), "6/70 · 1 SMS (Unicode)");
        assert_eq!(counter(&"я".repeat(70)), "70/70 · 1 SMS (Unicode)");
        assert_eq!(counter(&"я".repeat(71)), "4/67 · 2 SMS (Unicode)");
        assert_eq!(counter(&"я".repeat(134)), "67/67 · 2 SMS (Unicode)");
        assert_eq!(counter(&"я".repeat(135)), "1/67 · 3 SMS (Unicode)");
        // One non-GSM character switches the whole message: 159 letters and an ă is
        // 160 units, three Unicode SMS.
        assert_eq!(counter(&format!("{}ă", a(159))), "26/67 · 3 SMS (Unicode)");
        // In Unicode the € is one unit like any other character of the BMP.
        assert_eq!(counter("€ ă"), "3/70 · 1 SMS (Unicode)");
    }

    #[test]
    fn sms_counter_never_splits_an_emoji() {
        assert_eq!(counter("😀"), "2/70 · 1 SMS (Unicode)");
        assert_eq!(
            counter(&format!("{}😀", "я".repeat(68))),
            "70/70 · 1 SMS (Unicode)"
        );
        // 69 + 2 = 71 units: part one holds 67 letters, part two 2 letters and the emoji.
        assert_eq!(
            counter(&format!("{}😀", "я".repeat(69))),
            "4/67 · 2 SMS (Unicode)"
        );
        // 66 + 2 + 3 = 71: the surrogate pair cannot straddle part one's last unit, so
        // part one ends at 66 and part two holds the emoji and the 3 letters.
        assert_eq!(
            counter(&format!("{}😀яяя", "я".repeat(66))),
            "5/67 · 2 SMS (Unicode)"
        );
        // 65 + 2 fills part one exactly.
        assert_eq!(
            counter(&format!("{}😀яяяя", "я".repeat(65))),
            "4/67 · 2 SMS (Unicode)"
        );
    }

    #[test]
    fn sms_counter_tooltip_says_how_it_counts() {
        let gsm = sms_counter(&a(161)).tooltip;
        assert_eq!(
            gsm,
            "Counted in GSM characters: 160 fit in one SMS, 153 in each SMS of a longer \
             message. ^ { } [ ] ~ \\ | € and a form feed count as two."
        );
        assert_eq!(sms_counter("").tooltip, gsm);
        let capacities = |single, part| format!("{single} fit in one SMS, {part} in each SMS");
        assert!(gsm.contains(&capacities(sms::GSM7_SINGLE, sms::GSM7_PART)));
        let unicode = sms_counter("Hello ă 😀").tooltip;
        assert_eq!(
            unicode,
            "Counted in Unicode (UCS-2) units, because “ă” (U+0103) is not in the GSM \
             alphabet: 70 fit in one SMS, 67 in each SMS of a longer message. Emoji and \
             other characters beyond the Basic Multilingual Plane count as two."
        );
        assert!(unicode.contains(&capacities(sms::UCS2_SINGLE, sms::UCS2_PART)));
        assert!(sms_counter("Hi 😀")
            .tooltip
            .contains("because “😀” (U+1F600) is not"));
        assert!(sms_counter("a\tb")
            .tooltip
            .contains("because U+0009 is not"));
        assert!(sms_counter("a\u{A0}b")
            .tooltip
            .contains("because U+00A0 is not"));
    }
}
