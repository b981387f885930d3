-- Schema step for attachments.
SELECT 1;
