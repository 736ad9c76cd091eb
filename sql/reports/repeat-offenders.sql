-- Addresses banned more than once, most bans first
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < repeat-offenders.sql
-- or:           mailban report repeat-offenders
-- Every ban ever recorded counts (automatic and manual, lifted or not;
-- bans are kept as history).  Columns: bans, the filters that banned it
-- (sorted), first and last ban start (UTC), the failures that made the
-- bans, and whether it is banned now ("now": the wall clock unless the
-- parameter @now, epoch seconds, is set: see active-bans.sql).
WITH ref(now) AS (SELECT CAST(coalesce(@now, strftime('%s', 'now')) AS INTEGER)),
per_filter AS (
	SELECT	address, jail, count(*) AS n, min(start) AS first,
		max(start) AS last, sum(failures) AS failures,
		sum(lifted IS NULL AND start <= now AND (end IS NULL OR end > now)) AS active
	FROM	bans, ref
	GROUP BY address, jail),
per_address AS (
	SELECT	address,
		sum(n) OVER w AS bans,
		group_concat(jail) OVER w AS filters,	-- window order: sorted
		min(first) OVER w AS first,
		max(last) OVER w AS last,
		sum(failures) OVER w AS failures,
		sum(active) OVER w AS active,
		row_number() OVER w AS k
	FROM	per_filter
	WINDOW w AS (PARTITION BY address ORDER BY jail
	    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
SELECT	address,
	bans,
	filters,
	datetime(first, 'unixepoch') AS first_ban_utc,
	datetime(last, 'unixepoch') AS last_ban_utc,
	failures,
	CASE WHEN active > 0 THEN 'yes' ELSE 'no' END AS banned_now
FROM	per_address
WHERE	k = 1 AND bans > 1
ORDER BY bans DESC, last DESC, address;
