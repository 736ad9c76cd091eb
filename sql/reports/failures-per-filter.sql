-- Stored failures per filter and pattern, and per filter in all
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < failures-per-filter.sql
-- or:           mailban report failures-per-filter
-- Every failure still stored counts (older ones are purged after
-- dbpurgeage).  pattern is the key of the failregex that matched, as in
-- mailban.conf and `mailban test` ("failregex.extra.1"; "#N" for a failure
-- recorded before the database had table patterns, N its place then in
-- the filter's active list, 0 for the first), in the order of `mailban
-- config` (by mode, then key number), "#N" last ("#?N": an id of no key,
-- a row edited by hand).  The row "all" sums the filter.
-- Columns: failures, distinct addresses, the last failure (UTC).
SELECT	jail AS filter,
	CASE WHEN pat IS NULL THEN 'all' ELSE pat END AS pattern,
	failures,
	addresses,
	datetime(last, 'unixepoch') AS last_utc
FROM	(SELECT	c.jail, coalesce(p.key, '#?' || c.pattern) AS pat, c.failures,
		c.addresses, c.last
	FROM	(SELECT	jail, pattern, count(*) AS failures,
			count(DISTINCT address) AS addresses, max(time) AS last
		FROM	failures
		GROUP BY jail, pattern) c
		LEFT JOIN patterns p ON p.jail = c.jail AND p.id = c.pattern
	UNION ALL
	SELECT	jail, NULL, count(*), count(DISTINCT address), max(time)
	FROM	failures
	GROUP BY jail)
ORDER BY jail, pat IS NULL,
	CASE WHEN pat GLOB 'failregex.extra.*' THEN 1
	    WHEN pat GLOB 'failregex.aggressive.*' THEN 2
	    WHEN pat GLOB '#*' THEN 3 ELSE 0 END,
	CAST(substr(pat, length(rtrim(pat, '0123456789')) + 1) AS INTEGER), pat;
