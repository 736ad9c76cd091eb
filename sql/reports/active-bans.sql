-- Bans in force now: address, filter, since, until, time left, kind
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < active-bans.sql
-- or:           mailban report active-bans
-- Like every report, "now" is the wall clock unless the parameter @now
-- (epoch seconds) is set, to see the state as of another time:
--   (echo '.parameter set @now 1795694400'; cat active-bans.sql) | sqlite3 -header -column DB
--   mailban report active-bans --now 2026-11-26T12:00:00Z
-- A ban is in force from its start until its end (never for a permanent
-- one), unless an admin lifted it (mailban unban).  Times are UTC.
WITH ref(now) AS (SELECT CAST(coalesce(@now, strftime('%s', 'now')) AS INTEGER))
SELECT	address,
	jail AS filter,
	datetime(start, 'unixepoch') AS since_utc,
	CASE WHEN end IS NULL THEN 'never'
	    ELSE datetime(end, 'unixepoch') END AS until_utc,
	CASE WHEN end IS NULL THEN 'permanent'
	    ELSE printf('%dd %02d:%02d:%02d', (end - now) / 86400,
		(end - now) % 86400 / 3600, (end - now) % 3600 / 60, (end - now) % 60)
	    END AS time_left,
	failures,
	CASE WHEN manual THEN 'manual' ELSE 'auto' END AS kind,
	coalesce(reason, '') AS reason
FROM	bans, ref
WHERE	lifted IS NULL AND start <= now AND (end IS NULL OR end > now)
ORDER BY address, start, id;
