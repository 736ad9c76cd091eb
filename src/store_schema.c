/*
 * store_schema.c -- the tables and the statements of the store: creating
 * the schema of a new file, upgrading an older one in place, refusing a
 * newer or foreign one, and preparing every statement once (which proves
 * that the file has the tables and columns the code needs).
 * Every statement is a constant string with bound parameters.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#include "schema.inc"

/*
 * Schema versions.  SCHEMA_SQL always creates the latest version,
 * STORE_VERSION, from nothing; upgrade[v] takes a database of version v - 1
 * to version v: first its u_sql ("ALTER TABLE ..."), then the statements
 * of SCHEMA_SQL that create the tables and indexes named in u_create, so
 * that an upgraded file holds the very text a new one does, then its
 * u_then (filling what u_create made).  Each step is self-contained: it
 * reads and writes only what its own version adds or changes.  Views hold
 * no data: after the steps every view is dropped and the views of
 * SCHEMA_SQL are created anew.  To make version N: change sql/schema.sql,
 * set STORE_VERSION to N, add upgrade[N], keep a copy of the old schema
 * as tests/db/vN-1.sql, and a unit test that upgrades from every older
 * version.  store_open() runs the missing steps in order in the
 * transaction that then sets user_version, so an upgrade is all or
 * nothing; a read-only open of an older file is refused instead.
 */
#define STORE_VERSION	5
#define STORE_APPID	0x4d4c424e	/* "MLBN", PRAGMA application_id */
#define STR(x)		#x
#define XSTR(x)		STR(x)

struct upgrade {
	const char	*u_sql;		/* run first; NULL if none */
	const char	*u_create[8];	/* objects of SCHEMA_SQL to create */
	const char	*u_then;	/* run last; NULL if none */
};

static const struct upgrade upgrade[STORE_VERSION + 1] = {
	{ NULL, { NULL }, NULL },	/* 0: no database */
	{ NULL, { NULL }, NULL },	/* 1: created by SCHEMA_SQL */
	{ NULL, { "scanned", "meta", NULL }, NULL },	/* 2: scan dedupe, meta; offenders.filters */
	{ NULL, { "fleet_origin", "fleet_origin_rid", "fleet_ban_origin",
	    "fleet_ban_origin_rid", "fleet_lifts", "bans_lifted", NULL }, NULL },	/* 3: fleet mode */
	/*
	 * 4: failures.pattern names a key of table patterns.  Until now it
	 * was the place of the pattern in the jail's active list when the
	 * row was read, which the config of today cannot give back (it may
	 * have gained patterns since): place N becomes the key "#N" with id
	 * N, so that no row of failures is rewritten.
	 */
	{ NULL, { "patterns", NULL },
	    "INSERT INTO patterns (jail, id, key) SELECT DISTINCT jail, pattern, "
	    "'#' || pattern FROM failures" },
	/* 5: the unbans pushed, by their own rows (a time watermark missed
	 * some): every unban made here is pushed once more after the
	 * upgrade, which the shared store's UNIQUE makes a no-op. */
	{ NULL, { "fleet_lifts_pushed", NULL }, NULL },
};

/*
 * ?1 jail, ?2 address in the window statements; which bans a
 * re-evaluation deletes is policy's decision (policy_window_redo).
 * Deleting a ban un-consumes its failures through the foreign key
 * (failures.ban_id ... ON DELETE SET NULL, foreign_keys=ON).
 */
/* banrow.b_manual: 2 for a manual ban pulled from the fleet. */
#define ACTIVE_MANUAL	"CASE WHEN manual = 1 AND EXISTS (SELECT 1 FROM " \
	"fleet_ban_origin o WHERE o.id = bans.id) THEN 2 ELSE manual END"

static const char *const stmt_sql[ST__N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_POS_GET] =
	    "SELECT dev, ino, offset, fp, fplen FROM positions WHERE path = ?1",
	[ST_POS_PUT] =
	    "INSERT INTO positions (path, dev, ino, offset, fp, fplen, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "COALESCE(?7, CAST(strftime('%s', 'now') AS INTEGER))) "
	    "ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, "
	    "offset = excluded.offset, fp = excluded.fp, fplen = excluded.fplen, "
	    "updated = excluded.updated",
	[ST_POS_EACH] =
	    "SELECT path, dev, ino, offset, fp, fplen, updated FROM positions "
	    "ORDER BY path",
	[ST_POS_DEL] = "DELETE FROM positions WHERE path = ?1",
	[ST_FAIL_MAXID] = "SELECT max(id) FROM failures",
	/* The id of a (jail, key) of patterns; a new key takes its jail's next. */
	[ST_PAT_GET] = "SELECT id FROM patterns WHERE jail = ?1 AND key = ?2",
	[ST_PAT_ADD] =
	    "INSERT INTO patterns (jail, id, key) SELECT ?1, coalesce(max(id) + 1, 1), ?2 "
	    "FROM patterns WHERE jail = ?1 RETURNING id",
	/* id and ban_id NULL, or given by the window (store_touched). */
	[ST_FAIL_ADD] =
	    "INSERT INTO failures (id, time, address, jail, pattern, ban_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_FAIL_ADDN] = NULL,	/* FAILBUF_ROWS of (?, ?, ?, ?, ?, ?): failn_sql() */
	[ST_TOUCHED] =
	    "SELECT jail, address, min(time) FROM failures WHERE id > ?1 "
	    "GROUP BY jail, address ORDER BY jail, address",
	/*
	 * The same when the new failures are few: SQLite would walk the whole
	 * failures_window index to group them (73 ms at 1M failures, for a
	 * run that read nothing); a rowid range and a small sort cost ~0.
	 */
	[ST_TOUCHED_FEW] =
	    "SELECT jail, address, min(time) FROM failures NOT INDEXED WHERE id > ?1 "
	    "GROUP BY jail, address ORDER BY jail, address",
	[ST_PAIR_BANS] =
	    "SELECT id, start, end, manual, lifted FROM bans WHERE jail = ?1 "
	    "AND address = ?2 ORDER BY start, id",
	[ST_BAN_DELETE] = "DELETE FROM bans WHERE id = ?1",
	[ST_WIN_FAILS] =
	    "SELECT id, time FROM failures WHERE jail = ?1 AND address = ?2 "
	    "AND time >= ?3 AND ban_id IS NULL ORDER BY time, id",
	[ST_BAN_ADD] =
	    "INSERT INTO bans (address, jail, start, end, failures, manual) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 0)",
	[ST_BAN_CONSUME] =
	    "UPDATE failures SET ban_id = ?1 WHERE id = ?2 AND jail = ?3 "
	    "AND address = ?4 AND ban_id IS NULL",
	/*
	 * The same for a run of the pair's unconsumed failures in (time, id)
	 * order, from (?4, ?5) to (?6, ?7): one range of failures_window.
	 */
	[ST_BAN_CONSUME_SPAN] =
	    "UPDATE failures SET ban_id = ?1 WHERE jail = ?2 AND address = ?3 "
	    "AND time >= ?4 AND time <= ?6 AND ban_id IS NULL "
	    "AND (time, id) >= (?4, ?5) AND (time, id) <= (?6, ?7)",
	/*
	 * The bans not lifted and not ended by ?1, from which bans_active
	 * (policy_in_force) takes those in force.  Two halves so that each is
	 * a range search of bans_active, which "end > ?1 OR end IS NULL" is
	 * not.
	 */
	[ST_ACTIVE] =
	    "SELECT address, jail, start, end, failures, id, " ACTIVE_MANUAL " FROM bans "
	    "WHERE lifted IS NULL AND end > ?1 "
	    "UNION ALL "
	    "SELECT address, jail, start, end, failures, id, " ACTIVE_MANUAL " FROM bans "
	    "WHERE lifted IS NULL AND end IS NULL "
	    "ORDER BY 1, 3, 2, 6",
	[ST_RUN_ADD] =
	    "INSERT INTO runs (started, now, lines, bytes, skipped, failures, newbans, "
	    "expired, added, removed, ms, status) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_RUN_LAST] =
	    "SELECT started, now, lines, bytes, skipped, failures, newbans, expired, "
	    "added, removed, ms, status FROM runs ORDER BY id DESC LIMIT 1",
	/* The firewall step's part of the row ST_RUN_ADD made (?1 its id). */
	[ST_RUN_UPDATE] =
	    "UPDATE runs SET expired = ?2, added = ?3, removed = ?4, ms = ?5, "
	    "status = ?6 WHERE id = ?1",
	[ST_PEND_ADDR] =
	    "SELECT address FROM pending WHERE jail = ?1 AND qid = ?2 "
	    "AND address IS NOT NULL AND time >= ?3",
	[ST_PEND_PUT_ADDR] =
	    "INSERT INTO pending (jail, qid, address, time) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (jail, qid) WHERE address IS NOT NULL "
	    "DO UPDATE SET address = excluded.address, time = excluded.time",
	[ST_PEND_PUT_FAIL] =
	    "INSERT INTO pending (jail, qid, address, time) VALUES (?1, ?2, NULL, ?3)",
	[ST_PEND_TAKE] =
	    "DELETE FROM pending WHERE jail = ?1 AND qid = ?2 AND address IS NULL "
	    "AND time >= ?3",
	[ST_PEND_EXPIRE] = "DELETE FROM pending WHERE time < ?1",
	[ST_PURGE] = "DELETE FROM failures WHERE time < ?1",
	[ST_FREELIST] = "SELECT freelist_count, page_count FROM pragma_freelist_count, "
	    "pragma_page_count",
	[ST_VACUUM] = "PRAGMA incremental_vacuum",
	[ST_BAN_MANUAL] =
	    "INSERT INTO bans (address, jail, start, end, failures, manual, reason) "
	    "VALUES (?1, ?2, ?3, ?4, 0, 1, ?5)",
	/*
	 * ?1 now, ?2 the address or NULL for all: the bans not lifted that
	 * have not ended by now (bans_active), from which policy_lift picks.
	 */
	[ST_UNBAN_LIST] =
	    "SELECT address, jail, start, end, failures, id, manual FROM bans "
	    "WHERE lifted IS NULL AND (end IS NULL OR end > ?1) "
	    "AND (?2 IS NULL OR address = ?2) ORDER BY address, start, id",
	[ST_UNBAN_LIFT] = "UPDATE bans SET lifted = ?2 WHERE id = ?1",
	/* ?1 ban, ?2 jail, ?3 address, ?4 now: the failures that led to it. */
	[ST_UNBAN_SAME] =
	    "UPDATE failures SET ban_id = ?1 WHERE jail = ?2 AND address = ?3 "
	    "AND time <= ?4 AND ban_id IS NULL",
	/*
	 * ?1 ban, ?2 address, ?3 now: its failures in the other jails.  The
	 * jails come one index seek each (SQLite does not skip-scan without
	 * ANALYZE), so that failures_window serves "address = ?2", which has
	 * no index of its own.
	 */
	[ST_UNBAN_REST] =
	    "UPDATE failures SET ban_id = ?1 WHERE jail IN ("
	    "WITH RECURSIVE j(n) AS (SELECT min(jail) FROM failures UNION ALL "
	    "SELECT (SELECT min(jail) FROM failures WHERE jail > n) FROM j "
	    "WHERE n IS NOT NULL) SELECT n FROM j WHERE n IS NOT NULL) "
	    "AND address = ?2 AND time <= ?3 AND ban_id IS NULL",
	[ST_BANS_EACH] =
	    "SELECT address, jail, start, end, failures, manual, lifted, reason, id "
	    "FROM bans WHERE start >= ?1 AND start < ?2 ORDER BY address, start, id",
	[ST_SCANNED_GET] = "SELECT offset FROM scanned WHERE fp = ?1 AND fplen = ?2",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_PUT] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	/* Fleet mode: the failures read here (no fleet_origin row) after ?1. */
	[ST_FLEET_OUTBOX] =
	    "SELECT f.id, f.time, f.address, f.jail, coalesce(p.key, '#' || f.pattern) "
	    "FROM failures f "
	    "LEFT JOIN patterns p ON p.jail = f.jail AND p.id = f.pattern "
	    "WHERE f.id > ?1 AND NOT EXISTS (SELECT 1 FROM fleet_origin o "
	    "WHERE o.id = f.id) ORDER BY f.id LIMIT ?2",
	[ST_FLEET_WAITING] =
	    "SELECT count(*) FROM failures f WHERE f.id > ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM fleet_origin o WHERE o.id = f.id)",
	[ST_FLEET_KNOWN] = "SELECT count(*) FROM fleet_origin WHERE host = ?1 AND rid = ?2",
	[ST_FLEET_PUT] =
	    "INSERT INTO fleet_origin (id, host, rid, seq) VALUES (?1, ?2, ?3, ?4)",
	/* The manual bans made here after ?1; the unbans made here not yet
	 * pushed. */
	[ST_FLEET_BANS_OUT] =
	    "SELECT b.id, b.address, b.jail, b.start, b.end, b.reason FROM bans b "
	    "WHERE b.id > ?1 AND b.manual = 1 AND NOT EXISTS (SELECT 1 FROM "
	    "fleet_ban_origin o WHERE o.id = b.id) ORDER BY b.id",
	[ST_FLEET_LIFTS_OUT] =
	    "SELECT b.address, b.lifted FROM bans b WHERE b.lifted IS NOT NULL "
	    "AND NOT EXISTS (SELECT 1 FROM fleet_lifts l WHERE l.address = b.address "
	    "AND l.lifted = b.lifted) AND NOT EXISTS (SELECT 1 FROM fleet_lifts_pushed p "
	    "WHERE p.address = b.address AND p.lifted = b.lifted) "
	    "GROUP BY b.address, b.lifted ORDER BY 2, 1",
	[ST_FLEET_LIFT_PUSHED] =
	    "INSERT INTO fleet_lifts_pushed (address, lifted) VALUES (?1, ?2) "
	    "ON CONFLICT DO NOTHING",
	[ST_FLEET_BAN_KNOWN] =
	    "SELECT count(*) FROM fleet_ban_origin WHERE host = ?1 AND rid = ?2",
	[ST_FLEET_BAN_PUT] = "INSERT INTO fleet_ban_origin (id, host, rid) VALUES (?1, ?2, ?3)",
	[ST_FLEET_LIFT_KNOWN] =
	    "SELECT count(*) FROM fleet_lifts WHERE address = ?1 AND lifted = ?2",
	[ST_FLEET_LIFT_PUT] =
	    "INSERT INTO fleet_lifts (address, lifted, host) VALUES (?1, ?2, ?3)",
	[ST_SCANNED_PUT] =
	    "INSERT INTO scanned (fp, fplen, offset, name, updated) "
	    "VALUES (?1, ?2, ?3, ?4, CAST(strftime('%s', 'now') AS INTEGER)) "
	    "ON CONFLICT (fp, fplen) DO UPDATE SET offset = excluded.offset, "
	    "name = excluded.name, updated = excluded.updated",
};

static int
not_ours(struct store *s, const char *why)
{
	return log_error("%s: not a mailban database (%s): move it away to start afresh",
	    s->s_path, why);
}

/* Skip blanks and "--" comments (the only kind sql/schema.sql uses). */
static const char *
skip_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (p[0] != '-' || p[1] != '-')
			return p;
		while (*p != '\0' && *p != '\n')
			p++;
	}
}

/* After the keyword w at p (any case), or NULL if p does not start with it. */
static const char *
keyword(const char *p, const char *w)
{
	size_t	n = strlen(w);

	if (strncasecmp(p, w, n) != 0 || isalnum((unsigned char)p[n]) || p[n] == '_')
		return NULL;
	return skip_blank(p + n);
}

/*
 * What a statement of SCHEMA_SQL creates: 't' a table, 'i' an index,
 * 'v' a view, 0 anything else; its name goes to name.
 */
static int
schema_object(const char *p, char *name, size_t len)
{
	const char	*q;
	size_t		 n;
	int		 kind;

	if ((p = keyword(skip_blank(p), "CREATE")) == NULL)
		return 0;
	if ((q = keyword(p, "UNIQUE")) != NULL)
		p = q;
	if ((q = keyword(p, "TABLE")) != NULL)
		kind = 't';
	else if ((q = keyword(p, "INDEX")) != NULL)
		kind = 'i';
	else if ((q = keyword(p, "VIEW")) != NULL)
		kind = 'v';
	else
		return 0;
	for (n = 0; isalnum((unsigned char)q[n]) || q[n] == '_'; n++)
		;
	if (n == 0 || n >= len)
		return 0;
	memcpy(name, q, n);
	name[n] = '\0';
	return kind;
}

/*
 * Run the statements of SCHEMA_SQL that create the objects in names
 * (NULL-terminated, may be NULL), and with views every CREATE VIEW.
 * A name that SCHEMA_SQL does not create is an internal error.
 */
static int
schema_create(struct store *s, const char *const *names, int views)
{
	const char	*p = SCHEMA_SQL, *e;
	char		 name[64], *sql = NULL;
	size_t		 i, nnames = 0, found = 0;
	int		 kind, want, rc;

	while (names != NULL && names[nnames] != NULL)
		nnames++;
	while (*(p = skip_blank(p)) != '\0') {
		/* A statement ends at the first ';' that completes it. */
		for (e = p; (e = strchr(e, ';')) != NULL; e++) {
			sql = xstrndup(p, (size_t)(e - p) + 1);
			if (sqlite3_complete(sql))
				break;
			free(sql);
		}
		if (e == NULL)
			break;
		kind = schema_object(sql, name, sizeof(name));
		want = views && kind == 'v';
		for (i = 0; i < nnames && kind != 0; i++)
			if (strcmp(names[i], name) == 0) {
				want = 1;
				found++;
			}
		rc = want ? exec(s, sql, "upgrading the tables") : 0;
		free(sql);
		if (rc == -1)
			return -1;
		p = e + 1;
	}
	if (found != nnames)
		return log_error("%s: upgrading: the schema lacks an object to create "
		    "(internal error)", s->s_path);
	return 0;
}

/* Drop every view (they are created anew from SCHEMA_SQL). */
static int
drop_views(struct store *s)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	for (;;) {
		if (sqlite3_prepare_v2(s->s_db, "SELECT name FROM sqlite_schema "
		    "WHERE type = 'view' LIMIT 1", -1, &st, NULL) != SQLITE_OK)
			return db_error(s, "upgrading the tables");
		if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
			sqlite3_finalize(st);
			return 0;
		}
		if (rc != SQLITE_ROW) {
			db_error(s, "upgrading the tables");
			sqlite3_finalize(st);
			return -1;
		}
		/* A name cannot be bound; %w quotes it as an identifier. */
		sql = sqlite3_mprintf("DROP VIEW \"%w\"", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (sql == NULL)
			return log_error("%s: upgrading the tables: out of memory", s->s_path);
		rc = exec(s, sql, "upgrading the tables");
		sqlite3_free(sql);
		if (rc == -1)
			return -1;
	}
}

/*
 * Create the schema into an empty database (db_check() has let it pass
 * only with STORE_CREATE), or upgrade an older one.  Inside BEGIN
 * IMMEDIATE, so two first runs cannot both create it.
 */
int
db_setup(struct store *s)
{
	int64_t	appid, version, nobj;
	int	v;

	if (exec(s, "BEGIN IMMEDIATE", "opening") == -1)
		return -1;
	if (pragma_int(s, "PRAGMA application_id", &appid) == -1 ||
	    pragma_int(s, "PRAGMA user_version", &version) == -1 ||
	    pragma_int(s, "SELECT count(*) FROM sqlite_schema", &nobj) == -1) {
		db_error(s, "opening");
		goto out_rollback;
	}
	if (appid == 0 && version == 0 && nobj == 0) {
		if (exec(s, SCHEMA_SQL, "creating the tables") == -1)
			goto out_rollback;
	} else if (appid == STORE_APPID && version >= 1 && version < STORE_VERSION) {
		for (v = (int)version + 1; v <= STORE_VERSION; v++) {
			if (upgrade[v].u_sql == NULL && upgrade[v].u_create[0] == NULL) {
				log_error("%s: no upgrade to schema version %d "
				    "(internal error)", s->s_path, v);
				goto out_rollback;
			}
			if ((upgrade[v].u_sql != NULL &&
			    exec(s, upgrade[v].u_sql, "upgrading the tables") == -1) ||
			    schema_create(s, upgrade[v].u_create, 0) == -1 ||
			    (upgrade[v].u_then != NULL &&
			    exec(s, upgrade[v].u_then, "upgrading the tables") == -1))
				goto out_rollback;
		}
		if (drop_views(s) == -1 || schema_create(s, NULL, 1) == -1)
			goto out_rollback;
	} else {
		exec(s, "ROLLBACK", "opening");
		return 0;	/* current, or changed meanwhile: db_check() decides */
	}
	if (exec(s, "PRAGMA application_id = " XSTR(STORE_APPID) ";"
	    "PRAGMA user_version = " XSTR(STORE_VERSION), "creating the tables") == -1 ||
	    exec(s, "COMMIT", "creating the tables") == -1)
		goto out_rollback;
	return 0;
out_rollback:
	if (!sqlite3_get_autocommit(s->s_db))
		sqlite3_exec(s->s_db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* The first read tells a file that is not a database at all. */
int
db_readable(struct store *s)
{
	int64_t	v;

	if (pragma_int(s, "PRAGMA application_id", &v) == 0)
		return 0;
	if ((sqlite3_extended_errcode(s->s_db) & 0xff) == SQLITE_NOTADB)
		return not_ours(s, sqlite3_errmsg(s->s_db));
	return db_error(s, "opening");
}

/*
 * Is this a mailban database of the version this code speaks?  Before
 * setup (final 0) an empty file that is to be created and an older one
 * that is to be upgraded pass; nothing is written to a file that fails.
 */
int
db_check(struct store *s, int flags, int final)
{
	int64_t	appid, version, nobj;
	char	why[64];
	int	n, rdonly = (flags & STORE_RDONLY) != 0;

	if (pragma_int(s, "PRAGMA application_id", &appid) == -1 ||
	    pragma_int(s, "PRAGMA user_version", &version) == -1 ||
	    pragma_int(s, "SELECT count(*) FROM sqlite_schema", &nobj) == -1)
		return db_error(s, "opening");
	if (appid == 0 && version == 0 && nobj == 0) {
		if (!final && !rdonly && (flags & STORE_CREATE))
			return 0;
		return log_error("%s: empty database (the first mailban run creates "
		    "its tables)", s->s_path);
	}
	if (appid != STORE_APPID) {
		if (appid == 0)
			return not_ours(s, "it holds other tables");
		n = snprintf(why, sizeof(why), "application_id %#" PRIx64, (uint64_t)appid);
		return not_ours(s, n < 0 || (size_t)n >= sizeof(why) ? "application_id" : why);
	}
	if (version > STORE_VERSION)
		return log_error("%s: was written by a newer mailban (schema version %"
		    PRId64 "; this one knows up to %d): upgrade mailban", s->s_path,
		    version, STORE_VERSION);
	if (version < 1)
		return not_ours(s, "bad user_version");
	if (version < STORE_VERSION) {
		if (!final && !rdonly)
			return 0;
		return log_error("%s: schema version %" PRId64 " is older than "
		    "this mailban's %d (a mailban run upgrades it)", s->s_path,
		    version, STORE_VERSION);
	}
	return 0;
}

int
db_prepare(struct store *s)
{
	char		 failn[100 + FAILBUF_ROWS * 24];
	const char	*sql;
	int		 i;

	for (i = 0; i < ST__N; i++) {
		sql = i == ST_FAIL_ADDN ? failn_sql(failn, sizeof(failn)) : stmt_sql[i];
		if (sqlite3_prepare_v3(s->s_db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &s->s_st[i], NULL) != SQLITE_OK)
			return log_error("%s: the tables do not match schema version %d "
			    "(%s): move it away to start afresh", s->s_path,
			    STORE_VERSION, sqlite3_errmsg(s->s_db));
	}
	return 0;
}
