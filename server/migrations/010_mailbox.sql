-- Schema step for the mailbox view (`list_mailbox`): the Sent folder pages through one
-- person's messages newest first. `UNIQUE (sender_id, client_id)` finds a sender's rows but
-- not in id order, so a page would sort all of them; this index reads a page in order.
-- (The Inbox reads `messages` by id and checks membership, which the primary keys serve.)
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages(sender_id, id);
