-- schema.sql -- the mailban database, version 5.
--
-- History: 1 first release; 2 adds the table scanned and renames the
-- column jails of the view offenders to filters; 3 adds the tables
-- fleet_origin, fleet_ban_origin, fleet_lifts and the index bans_lifted
-- (fleet mode); 4 adds the table patterns and the view failures_named
-- (failures.pattern becomes a stable id of the failregex's key); 5 adds the
-- table fleet_lifts_pushed.
--
-- This file is a public interface: admins query these tables and views with
-- the sqlite3 CLI, e.g.
--     sqlite3 -header -column /var/lib/mailban/mailban.db 'SELECT * FROM active_bans'
-- Names are stable.  A later version changes them only through an upgrade
-- step in store.c, and records the version in PRAGMA user_version (set by
-- mailban after applying this file, never here).
--
-- Conventions: every time is UTC epoch seconds (INTEGER); an address is the
-- canonical text of an IPv4 or IPv6 address (inet_ntop: "192.0.2.7",
-- "2001:db8::1"); a jail is a section name of mailban.conf, i.e. one
-- filter (the reports and the view offenders call it a filter).  Readable
-- columns (*_utc, first_seen, ...) are UTC, "YYYY-MM-DD HH:MM:SS".
-- Tables are STRICT: a value of the wrong type is refused, not stored.
-- Only mailban writes the tables; reading them is always safe (WAL mode:
-- a report never blocks the cron run, nor the cron run a report).

-- One row per SMTP failure read from the log.
CREATE TABLE failures (
	id	INTEGER PRIMARY KEY,	-- larger for each later run; among failures
					-- of equal (jail, address, time), in the
					-- order read
	time	INTEGER NOT NULL,	-- time of the log line
	address	TEXT NOT NULL,		-- the offending client
	jail	TEXT NOT NULL,		-- the jail whose failregex matched
	pattern	INTEGER NOT NULL,	-- which failregex of the jail (0 = first)
	ban_id	INTEGER REFERENCES bans(id) ON DELETE SET NULL
					-- the ban this failure counted towards;
					-- NULL while it has counted towards none
) STRICT;
-- Since version 4, failures.pattern is the id of the failregex in table
-- patterns (with failures.jail), which names it by its key; before, it was
-- the pattern's place in the jail's active list, which moved whenever a
-- pattern was added.  The view failures_named shows the key.
-- The sliding window: the failures of one (jail, address) in time order.
CREATE INDEX failures_window ON failures (jail, address, time);
-- The failures of one ban.  Partial, so that recording a new (unconsumed)
-- failure does not pay for it.
CREATE INDEX failures_ban ON failures (ban_id) WHERE ban_id IS NOT NULL;

-- Every failregex that has recorded a failure, by its key in mailban.conf:
-- (jail, id) is what failures (jail, pattern) hold.  A key gets the next
-- id of its jail when it first records a failure, and keeps it for good
-- (rows are never deleted), whatever the config gains or loses later.
-- A failure recorded before version 4 names its pattern "#N", N being
-- its place then in the jail's active list (0 = first, by mode, then key
-- number), which no one can map back to a key: the config may have
-- changed since.  Such rows have id N.  A key never starts with "#".
CREATE TABLE patterns (
	jail	TEXT NOT NULL,		-- the jail (section) of the failregex
	id	INTEGER NOT NULL,	-- failures.pattern of its failures
	key	TEXT NOT NULL,		-- "failregex.3", "failregex.extra.1", or
					-- "#N" (recorded before version 4)
	PRIMARY KEY (jail, id),
	UNIQUE (jail, key)
) STRICT;

-- Every ban ever decided (kept as history; failures may be purged).
-- failures is 0 for a manual ban.  A lifted ban also holds (through
-- failures.ban_id) the failures of its address left unconsumed when it was
-- lifted, so that they do not ban again; failures still counts only those
-- that made the ban.
-- (Comments inside a CREATE TABLE are stored in the file: they stay as
-- version 1 wrote them, so that an upgraded file equals a new one.)
CREATE TABLE bans (
	id	INTEGER PRIMARY KEY,
	address	TEXT NOT NULL,		-- the banned client
	jail	TEXT NOT NULL,		-- the jail that banned it
	start	INTEGER NOT NULL,	-- time of the failure that completed maxretry
					-- (event time), or of a manual ban
	end	INTEGER,		-- start + bantime; NULL = permanent
	failures INTEGER NOT NULL DEFAULT 0,	-- how many failures made this ban
	manual	INTEGER NOT NULL DEFAULT 0 CHECK (manual IN (0, 1)),
					-- 1 = banned by an admin (mailban ban)
	reason	TEXT,			-- free text of a manual ban, or NULL
	lifted	INTEGER,		-- time of an unban (mailban unban), or
					-- NULL; a lifted ban is no longer active
	CHECK (end IS NULL OR end >= start)
) STRICT;
-- The bans of one (jail, address) in time order (window re-evaluation).
CREATE INDEX bans_window ON bans (jail, address, start);
-- Active bans: those not lifted whose end is NULL or still to come.
CREATE INDEX bans_active ON bans (end) WHERE lifted IS NULL;

-- Where the reader stopped in each configured log file.
CREATE TABLE positions (
	path	TEXT PRIMARY KEY,	-- the logpath as configured
	dev	INTEGER NOT NULL,	-- st_dev of the file read
	ino	INTEGER NOT NULL,	-- st_ino of the file read
	offset	INTEGER NOT NULL,	-- bytes consumed: just after the last '\n'
	fp	INTEGER NOT NULL,	-- FNV-1a hash of the first fplen bytes (a
					-- 64-bit unsigned value stored as signed)
	fplen	INTEGER NOT NULL,	-- bytes hashed into fp
	updated	INTEGER NOT NULL	-- wall-clock time this row was written
) STRICT;

-- One row per cron run that got as far as recording its work.
CREATE TABLE runs (
	id	INTEGER PRIMARY KEY,
	started	INTEGER NOT NULL,	-- wall-clock start of the run
	now	INTEGER NOT NULL,	-- the run's reference time (--now, or started)
	lines	INTEGER NOT NULL,	-- complete log lines read
	bytes	INTEGER NOT NULL,	-- bytes consumed
	skipped	INTEGER NOT NULL,	-- lines skipped (overlong, bad date, ...)
	failures INTEGER NOT NULL,	-- failures recorded
	newbans	INTEGER NOT NULL,	-- bans decided
	expired	INTEGER NOT NULL,	-- bans that ended since the previous run
	added	INTEGER NOT NULL,	-- firewall rules added
	removed	INTEGER NOT NULL,	-- firewall rules removed
	ms	INTEGER NOT NULL,	-- duration of the run in milliseconds
	status	TEXT NOT NULL		-- "ok", or what went wrong
) STRICT;

-- Queue-id correlation across lines and runs: sendmail logs the client
-- address on the "from=... relay=... [addr]" line of a queue id, and some
-- failures ("<user@x>... User unknown") only on other lines of that id.
-- jail: the jail whose failregex matched the line.
CREATE TABLE pending (
	jail	TEXT NOT NULL,
	qid	TEXT NOT NULL,		-- sendmail queue id
	address	TEXT,			-- the address of qid, or NULL for a
					-- failure waiting for its address
	time	INTEGER NOT NULL	-- time of the log line (expiry)
) STRICT;
CREATE INDEX pending_qid ON pending (jail, qid);
-- At most one known address per (jail, qid).
CREATE UNIQUE INDEX pending_addr ON pending (jail, qid) WHERE address IS NOT NULL;
CREATE INDEX pending_time ON pending (time);

-- Files already read by `mailban scan` (forensic replays), so that a file
-- given again, or again under another name, is not counted twice.  A file
-- is known by the hash of its first bytes (of the decompressed text for
-- .gz), like a reader position.
CREATE TABLE scanned (
	fp	INTEGER NOT NULL,	-- FNV-1a hash of the first fplen bytes (a
					-- 64-bit unsigned value stored as signed)
	fplen	INTEGER NOT NULL,	-- bytes hashed into fp (at most 4096)
	offset	INTEGER NOT NULL,	-- bytes of the file read so far
	name	TEXT NOT NULL,		-- the file name last given to scan
	updated	INTEGER NOT NULL,	-- wall-clock time this row was written
	PRIMARY KEY (fp, fplen)
) STRICT;

-- Settings of this installation kept with its state: "seed" (a secret
-- drawn once, for the random part of repeat-offender bans, so a replay on
-- the same database gives the same lengths) and "journal_cursor" (where
-- the reader of logpath = journal stopped, in place of a byte offset).
CREATE TABLE meta (
	key	TEXT PRIMARY KEY,	-- "seed", "journal_cursor"
	value	TEXT NOT NULL
) STRICT;

-- Fleet mode (fleet = in mailban.conf): which failures were pulled from
-- the other hosts of the fleet through the shared PostgreSQL store.  A
-- failure with a row here was read by host `host` (where its id was rid);
-- a failure without one was read here, and is what this host pushes.
-- Purging a failure (dbpurgeage) drops its row here too.
CREATE TABLE fleet_origin (
	id	INTEGER PRIMARY KEY REFERENCES failures(id) ON DELETE CASCADE,
	host	TEXT NOT NULL,		-- fleet_host of the host that read it
	rid	INTEGER NOT NULL,	-- its id on that host (unique per host)
	seq	INTEGER NOT NULL	-- its sequence number in the shared store
) STRICT;
-- A row of the shared store is stored once, whatever happens to a pull.
CREATE UNIQUE INDEX fleet_origin_rid ON fleet_origin (host, rid);
-- The same for the manual bans (mailban ban) pulled from the other hosts:
-- a ban with a row here was decided on host `host` (its id there: rid).
CREATE TABLE fleet_ban_origin (
	id	INTEGER PRIMARY KEY REFERENCES bans(id) ON DELETE CASCADE,
	host	TEXT NOT NULL,		-- fleet_host of the host where it was made
	rid	INTEGER NOT NULL	-- its id in bans there
) STRICT;
CREATE UNIQUE INDEX fleet_ban_origin_rid ON fleet_ban_origin (host, rid);
-- The unbans (mailban unban) pulled from the other hosts, applied here as
-- an unban of `address` at `lifted`: the bans it lifted have that lifted.
CREATE TABLE fleet_lifts (
	address	TEXT NOT NULL,
	lifted	INTEGER NOT NULL,	-- the time of the unban there
	host	TEXT NOT NULL,		-- fleet_host of the host where it was made
	PRIMARY KEY (address, lifted)
) STRICT;
-- The lifted bans in time order (the unbans to push).
CREATE INDEX bans_lifted ON bans (lifted) WHERE lifted IS NOT NULL;
-- The unbans made here that are in the shared store: an unban of
-- `address` at `lifted` without a row here (nor in fleet_lifts) is still
-- to push, whatever its time (a clock stepped back, unban --now in the
-- past, two in one second).  Written with the shared commit done.
CREATE TABLE fleet_lifts_pushed (
	address	TEXT NOT NULL,
	lifted	INTEGER NOT NULL,	-- the time of the unban here
	PRIMARY KEY (address, lifted)
) STRICT;

-- Every failure with the key of its failregex, by id.  Columns: those of
-- failures (id, time, address, jail, ban_id), time_utc, and pattern: the
-- key ("failregex.extra.1"; "#N" for a failure recorded before version 4;
-- NULL only for a row edited by hand to a pattern id of no key).
CREATE VIEW failures_named AS
SELECT	f.id,
	f.time,
	datetime(f.time, 'unixepoch') AS time_utc,
	f.address,
	f.jail,
	p.key AS pattern,
	f.ban_id
FROM	failures f
	LEFT JOIN patterns p ON p.jail = f.jail AND p.id = f.pattern
ORDER BY f.id;

-- The bans in force now (by the wall clock: a view cannot take a
-- reference time; sql/reports/active-bans.sql can), by address, then
-- start.  Columns: those of bans (address, jail, start, end, failures,
-- manual, reason), start_utc, and end_utc ('never' if permanent).
CREATE VIEW active_bans AS
SELECT	address,
	jail,
	start,
	end,
	failures,
	manual,
	reason,
	datetime(start, 'unixepoch') AS start_utc,
	CASE WHEN end IS NULL THEN 'never'
	    ELSE datetime(end, 'unixepoch') END AS end_utc
FROM	bans
WHERE	lifted IS NULL
	AND start <= CAST(strftime('%s', 'now') AS INTEGER)
	AND (end IS NULL OR end > CAST(strftime('%s', 'now') AS INTEGER))
ORDER BY address, start;

-- Every ban, oldest first, with readable times and how long it was (or will
-- be) in force: until its end, or until it was lifted if that came first.
-- Columns: those of bans (id, address, jail, start, end, lifted, failures,
-- manual, reason); start_utc, end_utc ('never' if permanent), lifted_utc
-- (NULL if not lifted); seconds in force (NULL if permanent) and the same
-- as duration, "Nd HH:MM:SS" ('permanent').
CREATE VIEW ban_history AS
SELECT	id,
	address,
	jail,
	start,
	end,
	lifted,
	failures,
	manual,
	reason,
	datetime(start, 'unixepoch') AS start_utc,
	CASE WHEN end IS NULL THEN 'never'
	    ELSE datetime(end, 'unixepoch') END AS end_utc,
	CASE WHEN lifted IS NULL THEN NULL
	    ELSE datetime(lifted, 'unixepoch') END AS lifted_utc,
	CASE WHEN end IS NULL AND lifted IS NULL THEN NULL
	    ELSE max(0, min(coalesce(end, lifted), coalesce(lifted, end)) - start)
	    END AS seconds,		-- NULL = permanent
	CASE WHEN end IS NULL AND lifted IS NULL THEN 'permanent'
	    ELSE printf('%dd %02d:%02d:%02d',
		max(0, min(coalesce(end, lifted), coalesce(lifted, end)) - start) / 86400,
		max(0, min(coalesce(end, lifted), coalesce(lifted, end)) - start) % 86400 / 3600,
		max(0, min(coalesce(end, lifted), coalesce(lifted, end)) - start) % 3600 / 60,
		max(0, min(coalesce(end, lifted), coalesce(lifted, end)) - start) % 60)
	    END AS duration
FROM	bans
ORDER BY start, id;

-- One row per address ever recorded (in failures or bans), most failures
-- first.  Columns: address; failures, how many of its failures are still
-- stored; first_seen and last_seen, UTC, from those failures and the
-- starts of its bans; bans, how many times it was banned; filters, the
-- jails that matched or banned it (comma-separated, sorted).
CREATE VIEW offenders AS
SELECT	address, failures, first_seen, last_seen, bans, filters
FROM	(SELECT	address,
		sum(nfail) OVER w AS failures,
		datetime(min(first) OVER w, 'unixepoch') AS first_seen,
		datetime(max(last) OVER w, 'unixepoch') AS last_seen,
		sum(nban) OVER w AS bans,
		group_concat(jail) OVER w AS filters,	-- in window order: sorted
		row_number() OVER w AS n
	FROM	(SELECT address, jail, sum(nfail) AS nfail, min(first) AS first,
			max(last) AS last, sum(nban) AS nban
		FROM	(SELECT address, jail, count(*) AS nfail,
				min(time) AS first, max(time) AS last, 0 AS nban
			FROM failures GROUP BY address, jail
			UNION ALL
			SELECT address, jail, 0, min(start), max(start), count(*)
			FROM bans GROUP BY address, jail)
		GROUP BY address, jail)
	WINDOW w AS (PARTITION BY address ORDER BY jail
	    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
WHERE	n = 1
ORDER BY failures DESC, address;
