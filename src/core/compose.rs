//! Compose-box decisions that need no browser: which key sends, whether a file may be
//! attached, the SMS counter's text.

use messenger_protocol::{SendKey, ATTACHMENT_TYPES};

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

pub fn send_hint(mode: SendKey) -> &'static str {
    match mode {
        SendKey::Enter => "Enter to send, Shift+Enter for a new line",
        SendKey::CtrlEnter => "Ctrl+Enter to send, Enter for a new line",
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

fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachError::TooBig { name, size, max } => write!(
                f,
                "“{name}” is too big ({}): images up to {} can be sent.",
                megabytes(*size),
                megabytes(*max)
            ),
            AttachError::WrongType { name } => write!(
                f,
                "“{name}” cannot be sent: only PNG, JPEG, GIF and WebP images are accepted."
            ),
            AttachError::TooMany { max } => write!(f, "At most {max} images per message."),
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

/// The counter under an SMS conversation's compose box: "142/160 · 1 SMS",
/// "75 chars · 8/67 · 2 SMS (UCS-2)".
pub fn sms_counter(text: &str) -> String {
    let count = sms::count(text);
    let chars = text.chars().count();
    let ucs2 = match count.encoding {
        sms::Encoding::Gsm7 => "",
        sms::Encoding::Ucs2 => " (UCS-2)",
    };
    let segments = count.segments.max(1);
    if segments == 1 {
        format!("{}/{} · 1 SMS{ucs2}", count.units, count.per_segment)
    } else {
        format!(
            "{chars} chars · {}/{} · {segments} SMS{ucs2}",
            count.used_in_segment(),
            count.per_segment
        )
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
        assert!(send_hint(m).starts_with("Ctrl+Enter"));
        assert!(send_hint(SendKey::Enter).starts_with("Enter"));
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
            big.to_string(),
            "“big.png” is too big (5.1 MB): images up to 5.0 MB can be sent."
        );
        let pdf = check_attachment("doc.pdf", "application/pdf", 10, max, 0).unwrap_err();
        assert_eq!(
            pdf,
            AttachError::WrongType {
                name: "doc.pdf".into()
            }
        );
        assert!(pdf.to_string().contains("only PNG, JPEG, GIF and WebP"));
        assert!(check_attachment("x.svg", "image/svg+xml", 10, max, 0).is_err());
        assert!(check_attachment("", "", 10, max, 0)
            .unwrap_err()
            .to_string()
            .contains("“image”"));
        assert_eq!(
            check_attachment("a.png", "image/png", 1, max, 10),
            Err(AttachError::TooMany { max: 10 })
        );
    }

    #[test]
    fn sms_counter_text() {
        assert_eq!(sms_counter(""), "0/160 · 1 SMS");
        assert_eq!(sms_counter(&"a".repeat(142)), "142/160 · 1 SMS");
        assert_eq!(sms_counter(&"a".repeat(161)), "161 chars · 8/153 · 2 SMS");
        assert_eq!(sms_counter("€"), "2/160 · 1 SMS");
        assert_eq!(sms_counter("привет"), "6/70 · 1 SMS (UCS-2)");
        assert_eq!(
            sms_counter(&"я".repeat(75)),
            "75 chars · 8/67 · 2 SMS (UCS-2)"
        );
    }
}
