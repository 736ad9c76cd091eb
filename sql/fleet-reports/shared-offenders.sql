-- Addresses seen by more than one host of the fleet: the attacks spread
-- over several MX hosts, which no host alone would have banned.
-- Columns: address, hosts (how many), failures, the hosts (sorted), first
-- and last failure (UTC, each host's own clock).  Most hosts first.
--
--   psql "service=mailban" -f sql/fleet-reports/shared-offenders.sql
SELECT	host(address) AS address,
	count(DISTINCT host) AS hosts,
	count(*) AS failures,
	string_agg(DISTINCT host, ',' ORDER BY host) AS seen_by,
	to_char(to_timestamp(min(time)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
	    AS first_utc,
	to_char(to_timestamp(max(time)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
	    AS last_utc
FROM	fleet_failures
GROUP BY address
HAVING	count(DISTINCT host) > 1
ORDER BY hosts DESC, failures DESC, address;
