//! The settings panel's controls as plain values: what each control shows for the server's
//! settings, the patch a changed control asks for, and the text sizes (kept per device, not
//! on the server).

use messenger_protocol::{EmailMode, SendKey, SettingsPatch};

use super::i18n::K;

/// Text sizes offered, in percent of the widget's normal size.
pub const TEXT_SIZES: [u16; 6] = [80, 90, 100, 110, 125, 150];
pub const DEFAULT_TEXT_SIZE: u16 = 100;

/// A control of the settings panel that the server keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    SendKey,
    EmailMode,
    DigestMinutes,
    ForwardOffline,
    WarnMisspelled,
}

pub fn send_key_value(key: SendKey) -> &'static str {
    match key {
        SendKey::Enter => "enter",
        SendKey::CtrlEnter => "ctrl_enter",
    }
}

pub fn email_mode_value(mode: EmailMode) -> &'static str {
    match mode {
        EmailMode::Off => "off",
        EmailMode::Immediately => "immediately",
        EmailMode::Digest => "digest",
    }
}

/// The patch a changed control asks for (`checked` is the checkbox's state), or why its
/// value is refused.
pub fn patch(control: Control, value: &str, checked: bool) -> Result<SettingsPatch, K> {
    let mut p = SettingsPatch::default();
    match control {
        Control::SendKey => {
            p.send_key = Some(match value {
                "enter" => SendKey::Enter,
                "ctrl_enter" => SendKey::CtrlEnter,
                _ => return Err(K::SettingsPickKey),
            })
        }
        Control::EmailMode => {
            p.email_mode = Some(match value {
                "off" => EmailMode::Off,
                "immediately" => EmailMode::Immediately,
                "digest" => EmailMode::Digest,
                _ => return Err(K::SettingsPickEmail),
            })
        }
        Control::DigestMinutes => match value.trim().parse::<u32>() {
            Ok(m) if (1..=1440).contains(&m) => p.digest_minutes = Some(m),
            _ => return Err(K::SettingsMinutesRange),
        },
        Control::ForwardOffline => p.always_forward_offline = Some(checked),
        Control::WarnMisspelled => p.warn_misspelled = Some(checked),
    }
    Ok(p)
}

/// A text size picked in the panel, when it is one of [`TEXT_SIZES`].
pub fn text_size(value: &str) -> Option<u16> {
    let size = value.trim().parse::<u16>().ok()?;
    TEXT_SIZES.contains(&size).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_show_the_values_they_send() {
        for key in [SendKey::Enter, SendKey::CtrlEnter] {
            let p = patch(Control::SendKey, send_key_value(key), false).unwrap();
            assert_eq!(p.send_key, Some(key));
            assert_eq!(p.email_mode, None, "one field per change");
        }
        for mode in [EmailMode::Off, EmailMode::Immediately, EmailMode::Digest] {
            let p = patch(Control::EmailMode, email_mode_value(mode), false).unwrap();
            assert_eq!(p.email_mode, Some(mode));
        }
        let p = patch(Control::ForwardOffline, "on", true).unwrap();
        assert_eq!(p.always_forward_offline, Some(true));
        let p = patch(Control::ForwardOffline, "on", false).unwrap();
        assert_eq!(p.always_forward_offline, Some(false));
    }

    #[test]
    fn digest_minutes_are_checked_before_sending() {
        assert_eq!(
            patch(Control::DigestMinutes, " 30 ", false)
                .unwrap()
                .digest_minutes,
            Some(30)
        );
        assert!(patch(Control::DigestMinutes, "1440", false).is_ok());
        for bad in ["0", "1441", "", "ten", "-5", "2.5"] {
            let e = patch(Control::DigestMinutes, bad, false).unwrap_err();
            assert_eq!(e, K::SettingsMinutesRange, "{bad}");
        }
        assert!(patch(Control::SendKey, "shift", false).is_err());
        assert!(patch(Control::EmailMode, "weekly", false).is_err());
    }

    #[test]
    fn text_sizes_are_the_offered_ones() {
        assert_eq!(text_size("125"), Some(125));
        assert_eq!(text_size("80"), Some(80));
        assert_eq!(text_size("100"), Some(DEFAULT_TEXT_SIZE));
        for bad in ["79", "151", "120", "", "big"] {
            assert_eq!(text_size(bad), None, "{bad}");
        }
    }
}
