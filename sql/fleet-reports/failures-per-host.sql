-- Failures per host of the fleet: host, failures, addresses, first and
-- last failure (UTC, each host's own clock), last push (server time)
--
-- Run with psql on the shared store (PostgreSQL), as any host's role or
-- the owner:
--   psql "service=mailban" -f sql/fleet-reports/failures-per-host.sql
-- (these reports are PostgreSQL, not SQLite: `mailban report` does not
-- run them).  Rows older than dbpurgeage are purged by their host.
SELECT	f.host,
	count(*) AS failures,
	count(DISTINCT f.address) AS addresses,
	to_char(to_timestamp(min(f.time)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
	    AS first_utc,
	to_char(to_timestamp(max(f.time)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
	    AS last_utc,
	to_char(h.last_push AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS last_push_utc
FROM	fleet_failures f LEFT JOIN fleet_hosts h USING (host)
GROUP BY f.host, h.last_push
ORDER BY f.host;
