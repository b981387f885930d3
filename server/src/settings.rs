//! Per-user settings kept on the server.

use crate::db::{params, OptionalExtension};
use messenger_protocol::{
    AckResult, EmailMode, ErrorCode, Event, SendKey, Settings, SettingsPatch, UserId,
};

use crate::app::Core;
use crate::commands::CommandError;
use crate::store::{Store, StoreError};

/// A digest window of one minute up to one day.
pub const DIGEST_MINUTES: std::ops::RangeInclusive<u32> = 1..=1440;

/// `update_settings`: applies the fields present. Only a real change is announced, so a
/// resent command changes nothing and says nothing.
pub fn update(
    core: &mut Core,
    user: UserId,
    patch: SettingsPatch,
) -> Result<AckResult, CommandError> {
    if let Some(minutes) = patch.digest_minutes {
        if !DIGEST_MINUTES.contains(&minutes) {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                format!(
                    "digest_minutes is {minutes}; it must be {} to {}",
                    DIGEST_MINUTES.start(),
                    DIGEST_MINUTES.end()
                ),
            ));
        }
    }
    core.write(|tx| {
        let old = tx.store.settings(user)?;
        let new = Settings {
            warn_misspelled: patch.warn_misspelled.unwrap_or(old.warn_misspelled),
            email_mode: patch.email_mode.unwrap_or(old.email_mode),
            digest_minutes: patch.digest_minutes.unwrap_or(old.digest_minutes),
            always_forward_offline: patch
                .always_forward_offline
                .unwrap_or(old.always_forward_offline),
            send_key: patch.send_key.unwrap_or(old.send_key),
        };
        if new != old {
            tx.store.save_settings(user, &new)?;
            tx.emit(
                user,
                Event::SettingsChanged {
                    settings: new.clone(),
                },
            )?;
        }
        Ok(AckResult::Settings { settings: new })
    })
}

impl Store {
    pub fn settings(&self, user: UserId) -> Result<Settings, StoreError> {
        type Row = (String, u32, bool, String, bool);
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT email_mode, digest_minutes, always_forward_offline, send_key,
                        warn_misspelled
                 FROM user_settings WHERE user_id = ?1",
            )?
            .query_row([user], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        Ok(match row {
            None => Settings::default(),
            Some((email_mode, digest_minutes, always_forward_offline, send_key, warn)) => {
                Settings {
                    warn_misspelled: warn,
                    email_mode: email_mode_from_sql(&email_mode),
                    digest_minutes,
                    always_forward_offline,
                    send_key: send_key_from_sql(&send_key),
                }
            }
        })
    }

    fn save_settings(&self, user: UserId, settings: &Settings) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO user_settings
                 (user_id, email_mode, digest_minutes, always_forward_offline, send_key,
                  warn_misspelled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(user_id) DO UPDATE SET
                 email_mode = excluded.email_mode,
                 digest_minutes = excluded.digest_minutes,
                 always_forward_offline = excluded.always_forward_offline,
                 send_key = excluded.send_key,
                 warn_misspelled = excluded.warn_misspelled",
            )?
            .execute(params![
                user,
                email_mode_to_sql(settings.email_mode),
                settings.digest_minutes,
                settings.always_forward_offline,
                send_key_to_sql(settings.send_key),
                settings.warn_misspelled,
            ])?;
        Ok(())
    }
}

pub fn email_mode_to_sql(mode: EmailMode) -> &'static str {
    match mode {
        EmailMode::Off => "off",
        EmailMode::Immediately => "immediately",
        EmailMode::Digest => "digest",
    }
}

pub fn email_mode_from_sql(mode: &str) -> EmailMode {
    match mode {
        "immediately" => EmailMode::Immediately,
        "digest" => EmailMode::Digest,
        _ => EmailMode::Off,
    }
}

fn send_key_to_sql(key: SendKey) -> &'static str {
    match key {
        SendKey::Enter => "enter",
        SendKey::CtrlEnter => "ctrl_enter",
    }
}

fn send_key_from_sql(key: &str) -> SendKey {
    match key {
        "ctrl_enter" => SendKey::CtrlEnter,
        _ => SendKey::Enter,
    }
}
