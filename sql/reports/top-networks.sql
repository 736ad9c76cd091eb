-- The 20 networks (/24 IPv4, /64 IPv6) with most stored failures
--
-- Run as root:  sqlite3 -header -column /var/lib/mailban/mailban.db < top-networks.sql
-- or:           mailban report top-networks
-- Every failure still stored counts (older ones are purged after
-- dbpurgeage), and every ban ever recorded.  Columns: the network in
-- canonical form, failures, distinct addresses seen in it, bans of its
-- addresses, the last failure (UTC).
--
-- The network is computed here from the canonical address text (the
-- tables store no network): IPv4 keeps the first three octets.  IPv6 text
-- from inet_ntop may shorten zeros with "::", so the address is expanded
-- to its eight groups (each followed by ':'), the first four are kept,
-- and trailing zero groups are folded into the "::" of the /64, which is
-- then RFC 5952 canonical ("2001:db8:0:0" gives "2001:db8::/64").  An
-- IPv6 text with a dot (an IPv4-compatible or -mapped address, whose
-- first 64 bits are zero) is "::/64".
WITH addrs AS (
	SELECT	address, sum(n) AS failures, max(last) AS last, sum(b) AS bans
	FROM	(SELECT address, count(*) AS n, max(time) AS last, 0 AS b
		FROM failures GROUP BY address
		UNION ALL
		SELECT address, 0, NULL, count(*) FROM bans GROUP BY address)
	GROUP BY address),
v6 AS (	-- left and right of "::" and their group counts
	SELECT	address,
		CASE WHEN instr(address, '::') = 0 THEN address
		    ELSE substr(address, 1, instr(address, '::') - 1) END AS l,
		CASE WHEN instr(address, '::') = 0 THEN ''
		    ELSE substr(address, instr(address, '::') + 2) END AS r
	FROM	addrs
	WHERE	instr(address, ':') > 0 AND instr(address, '.') = 0),
v6n AS (
	SELECT	address, l, r,
		CASE WHEN l = '' THEN 0
		    ELSE length(l) - length(replace(l, ':', '')) + 1 END AS nl,
		CASE WHEN r = '' THEN 0
		    ELSE length(r) - length(replace(r, ':', '')) + 1 END AS nr
	FROM	v6),
v6x AS (	-- the eight groups, each followed by ':'
	SELECT	address,
		CASE WHEN l = '' THEN '' ELSE l || ':' END ||
		substr('0:0:0:0:0:0:0:0:', 1, 2 * (8 - nl - nr)) ||
		CASE WHEN r = '' THEN '' ELSE r || ':' END AS x
	FROM	v6n),
v6p AS (	-- the end of the fourth group
	SELECT	address, x, instr(x, ':') AS p1 FROM v6x),
v6q AS (
	SELECT	address, x, p1 + instr(substr(x, p1 + 1), ':') AS p2 FROM v6p),
v6r AS (
	SELECT	address, x, p2 + instr(substr(x, p2 + 1), ':') AS p3 FROM v6q),
v6s AS (
	SELECT	address,
		substr(x, 1, p3 + instr(substr(x, p3 + 1), ':') - 1) AS g
	FROM	v6r),
nets AS (
	SELECT	address,
		CASE WHEN g = '0:0:0:0' THEN ''
		    WHEN g LIKE '%:0:0:0' THEN substr(g, 1, length(g) - 6)
		    WHEN g LIKE '%:0:0' THEN substr(g, 1, length(g) - 4)
		    WHEN g LIKE '%:0' THEN substr(g, 1, length(g) - 2)
		    ELSE g END || '::/64' AS network
	FROM	v6s
	UNION ALL
	SELECT	address, '::/64' FROM addrs
	WHERE	instr(address, ':') > 0 AND instr(address, '.') > 0
	UNION ALL
	SELECT	address, rtrim(address, '0123456789') || '0/24' FROM addrs
	WHERE	instr(address, ':') = 0)
SELECT	network,
	sum(failures) AS failures,
	count(*) AS addresses,
	sum(bans) AS bans,
	coalesce(datetime(max(last), 'unixepoch'), '') AS last_utc
FROM	addrs JOIN nets USING (address)
GROUP BY network
ORDER BY failures DESC, network
LIMIT	20;
