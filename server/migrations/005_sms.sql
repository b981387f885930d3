-- Schema step for SMS conversations: messages there go out as SMS, so clients count segments.
ALTER TABLE conversations ADD COLUMN sms INTEGER NOT NULL DEFAULT 0;
