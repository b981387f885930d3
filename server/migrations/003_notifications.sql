-- Schema step for notifications, reminders, settings, mail queue.
SELECT 1;
