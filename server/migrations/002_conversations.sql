-- Schema step for groups, channels, system lines, delivery state, command results.
SELECT 1;
