-- Failures per hour over the last 48 hours, quiet hours included
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < failures-per-hour.sql
-- or:           mailban report failures-per-hour
-- 48 rows, one per UTC hour, the last one the hour holding "now" (the wall
-- clock unless the parameter @now, epoch seconds, is set: see
-- active-bans.sql), counted up to now.  Columns: failures, distinct
-- addresses, bans that started in the hour, and a bar scaled to the
-- busiest hour (40 characters).
WITH RECURSIVE ref(now, lo) AS (
	SELECT	now, now / 3600 * 3600 - 47 * 3600
	FROM	(SELECT CAST(coalesce(@now, strftime('%s', 'now')) AS INTEGER) AS now)),
hours(h) AS (
	SELECT	lo FROM ref
	UNION ALL
	SELECT	h + 3600 FROM hours WHERE h < (SELECT now / 3600 * 3600 FROM ref)),
f AS (	-- one pass over failures
	SELECT	time / 3600 * 3600 AS h, count(*) AS failures,
		count(DISTINCT address) AS addresses
	FROM	failures, ref
	WHERE	time >= lo AND time <= now
	GROUP BY 1),
b AS (
	SELECT	start / 3600 * 3600 AS h, count(*) AS bans
	FROM	bans, ref
	WHERE	start >= lo AND start <= now
	GROUP BY 1),
counts AS (
	SELECT	h, coalesce(f.failures, 0) AS failures,
		coalesce(f.addresses, 0) AS addresses, coalesce(b.bans, 0) AS bans
	FROM	hours LEFT JOIN f USING (h) LEFT JOIN b USING (h))
SELECT	strftime('%Y-%m-%d %H:00', h, 'unixepoch') AS hour_utc,
	failures,
	addresses,
	bans,
	substr('########################################', 1,
	    CASE WHEN failures = 0 THEN 0
	    ELSE max(1, failures * 40 / (SELECT max(failures) FROM counts)) END) AS bar
FROM	counts
ORDER BY h;
