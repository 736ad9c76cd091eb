-- Bans per day (UTC), every day with at least one ban
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < bans-per-day.sql
-- or:           mailban report bans-per-day
-- A ban counts on the day it started.  Columns: bans, of them automatic
-- and manual, distinct addresses, how many were later lifted by an admin,
-- and how many were permanent.  Oldest day first.
SELECT	date(start, 'unixepoch') AS day_utc,
	count(*) AS bans,
	sum(manual = 0) AS automatic,
	sum(manual = 1) AS manual,
	count(DISTINCT address) AS addresses,
	sum(lifted IS NOT NULL) AS lifted,
	sum(end IS NULL) AS permanent
FROM	bans
GROUP BY day_utc
ORDER BY day_utc;
