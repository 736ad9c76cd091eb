-- Stored failures per filter and pattern, and per filter in all
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < failures-per-filter.sql
-- or:           mailban report failures-per-filter
-- Every failure still stored counts (older ones are purged after
-- dbpurgeage).  pattern is failures.pattern: which active failregex of the
-- filter matched, 0 for the first, in the order of `mailban config` (by
-- mode, then key number; `mailban test` prints pattern 0 as "1)").  The
-- row "all" sums the filter.  Columns: failures, distinct addresses, the
-- last failure (UTC).
SELECT	jail AS filter,
	CASE WHEN pat IS NULL THEN 'all' ELSE pat END AS pattern,
	failures,
	addresses,
	datetime(last, 'unixepoch') AS last_utc
FROM	(SELECT	jail, pattern AS pat, count(*) AS failures,
		count(DISTINCT address) AS addresses, max(time) AS last
	FROM	failures
	GROUP BY jail, pattern
	UNION ALL
	SELECT	jail, NULL, count(*), count(DISTINCT address), max(time)
	FROM	failures
	GROUP BY jail)
ORDER BY jail, pat IS NULL, pat;
