-- fleet.sql -- the shared store of a mailban fleet (PostgreSQL), version 2.
--
-- With `fleet = CONNINFO` in mailban.conf, every MX host pushes the
-- failures it reads here and pulls the other hosts' failures from here;
-- each host then runs its own window over all of them (event time), so
-- every host computes the same bans.  mailban creates these tables (this
-- file is embedded in the binary) on the first connection whose role may
-- create tables in the database, records the version in fleet_version,
-- and upgrades them in place; a store written by a newer mailban is left
-- alone.  History: 1 first version; 2 makes fleet_failures.pattern the
-- failregex's key (text), "#N" for a row pushed as index N by version 1.
--
-- Security: the MX hosts connect as roles of their own, members of the
-- role mailban_hosts, which must exist before these tables are created
-- (see the README).  Row-level security lets a host insert (and purge)
-- only rows under its own name: the fleet_host of each host must be the
-- name of its role.  Every host reads every row: that is the point.
-- The role that creates the tables owns them and is exempt from the
-- policies: let it be the database owner, never a host's role.
--
-- Conventions: time is UTC epoch seconds of the log line as the host that
-- read it saw it (bigint); an address is inet (a host address, no mask;
-- in fleet_actions also a network, "192.0.2.0/24", of `mailban ban NET`);
-- jail and pattern are the reading host's section name and the key of
-- the failregex that matched ("failregex.extra.1"); each host maps a key
-- to its own local id.

CREATE TABLE fleet_version (
	version	integer NOT NULL	-- the version of this file
);
INSERT INTO fleet_version (version) VALUES (2);

-- One row per failure read by a host of the fleet.  seq is assigned by the
-- server; mailban's pushes hold one advisory lock (pg_advisory_xact_lock)
-- from their first insert to their commit, so rows become visible in seq
-- order and a pull "seq > the last seq seen" misses none.  (host, rid) is
-- the row's identity: a push repeated after a kill inserts nothing twice.
CREATE TABLE fleet_failures (
	seq	bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host	text NOT NULL,		-- fleet_host of the host that read it
	rid	bigint NOT NULL,	-- its id there (failures.id + an offset)
	time	bigint NOT NULL,	-- time of the log line
	address	inet NOT NULL,		-- the offending client
	jail	text NOT NULL,		-- the jail whose failregex matched
	pattern	text NOT NULL,		-- the key of the failregex ("failregex.2")
	pushed	timestamptz NOT NULL DEFAULT now(),	-- when it arrived here
	UNIQUE (host, rid)
);
-- dbpurgeage: each host purges its own old rows.
CREATE INDEX fleet_failures_purge ON fleet_failures (host, time);
-- Reports by address (seen by more than one host).
CREATE INDEX fleet_failures_address ON fleet_failures (address);

-- One row per host that ever pushed: when it last pushed, how many rows.
CREATE TABLE fleet_hosts (
	host	text PRIMARY KEY,
	last_push timestamptz NOT NULL,	-- server time of its last push
	pushed	bigint NOT NULL		-- rows it pushed in total
);

-- One row per decision of an admin on a host: a manual ban (mailban ban:
-- kind 'ban', rid its id in bans there, start and "end", NULL for
-- permanent) or an unban (mailban unban: kind 'unban', rid 0, start the
-- time of the unban).  Every other host applies it as if made there;
-- seq and the advisory lock as for fleet_failures.
CREATE TABLE fleet_actions (
	seq	bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host	text NOT NULL,
	kind	text NOT NULL CHECK (kind IN ('ban', 'unban')),
	rid	bigint NOT NULL,
	address	inet NOT NULL,
	jail	text NOT NULL,
	start	bigint NOT NULL,
	"end"	bigint,
	reason	text,
	pushed	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (host, kind, rid, address, start)
);

ALTER TABLE fleet_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY fleet_failures_read ON fleet_failures FOR SELECT USING (true);
CREATE POLICY fleet_failures_insert ON fleet_failures FOR INSERT
	WITH CHECK (host = current_user);
CREATE POLICY fleet_failures_purge ON fleet_failures FOR DELETE
	USING (host = current_user);

ALTER TABLE fleet_actions ENABLE ROW LEVEL SECURITY;
CREATE POLICY fleet_actions_read ON fleet_actions FOR SELECT USING (true);
CREATE POLICY fleet_actions_insert ON fleet_actions FOR INSERT
	WITH CHECK (host = current_user);

ALTER TABLE fleet_hosts ENABLE ROW LEVEL SECURITY;
CREATE POLICY fleet_hosts_read ON fleet_hosts FOR SELECT USING (true);
CREATE POLICY fleet_hosts_insert ON fleet_hosts FOR INSERT
	WITH CHECK (host = current_user);
CREATE POLICY fleet_hosts_update ON fleet_hosts FOR UPDATE
	USING (host = current_user) WITH CHECK (host = current_user);

GRANT SELECT ON fleet_version TO mailban_hosts;
GRANT SELECT, INSERT, DELETE ON fleet_failures TO mailban_hosts;
GRANT SELECT, INSERT ON fleet_actions TO mailban_hosts;
GRANT SELECT, INSERT, UPDATE ON fleet_hosts TO mailban_hosts;
