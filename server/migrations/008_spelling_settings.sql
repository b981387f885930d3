-- Schema step: the `warn_misspelled` setting (ask before sending a message with misspelled
-- words). Existing users keep the default, on.
ALTER TABLE user_settings ADD COLUMN warn_misspelled INTEGER NOT NULL DEFAULT 1;
