-- The 20 addresses with most failures in the last 24 hours
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < top-offenders.sql
-- or:           mailban report top-offenders
-- The window is (now - 24 h, now]; "now" is the wall clock unless the
-- parameter @now (epoch seconds) is set (see active-bans.sql).  Columns:
-- failures in the window, the filters that matched them (sorted), the first
-- and last of them (UTC), the bans that started in the window, and whether
-- the address is banned now.
WITH ref(now) AS (SELECT CAST(coalesce(@now, strftime('%s', 'now')) AS INTEGER)),
recent AS (
	SELECT	address, jail, count(*) AS n, min(time) AS first, max(time) AS last
	FROM	failures, ref
	WHERE	time > now - 86400 AND time <= now
	GROUP BY address, jail),
per_address AS (
	SELECT	address,
		sum(n) OVER w AS failures,
		group_concat(jail) OVER w AS filters,	-- window order: sorted
		min(first) OVER w AS first,
		max(last) OVER w AS last,
		row_number() OVER w AS k
	FROM	recent
	WINDOW w AS (PARTITION BY address ORDER BY jail
	    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
SELECT	address,
	failures,
	filters,
	datetime(first, 'unixepoch') AS first_utc,
	datetime(last, 'unixepoch') AS last_utc,
	(SELECT count(*) FROM bans b WHERE b.address = p.address
	    AND b.start > now - 86400 AND b.start <= now) AS bans,
	CASE WHEN EXISTS (SELECT 1 FROM bans b WHERE b.address = p.address
	    AND b.lifted IS NULL AND b.start <= now
	    AND (b.end IS NULL OR b.end > now)) THEN 'yes' ELSE 'no' END AS banned_now
FROM	per_address p, ref
WHERE	k = 1
ORDER BY failures DESC, address
LIMIT	20;
