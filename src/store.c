/*
 * store.c -- the SQLite database: mailban's whole state, and its report.
 * Inputs: the database path and flags from main; failures, bans, reader
 * positions and run summaries from the other modules.
 * Invariants:
 *  - only this file speaks SQL.  Every statement is a constant string with
 *    bound parameters, prepared once in store_open() (which also proves
 *    that the file has the tables and columns this code needs), reset
 *    after each use and finalized in store_close();
 *  - the schema is sql/schema.sql (build/schema.inc) at PRAGMA
 *    user_version STORE_VERSION, marked with PRAGMA application_id; an
 *    older file is upgraded in place, a newer or foreign one refused;
 *  - an error is reported here, once, naming the file; -1 is returned and
 *    the caller rolls back, so a failed transaction records nothing (and
 *    a damaged file, SQLITE_CORRUPT, is reported with what to do).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addr.h"
#include "log.h"
#include "policy.h"
#include "store.h"
#include "util.h"

#include "schema.inc"

/*
 * Schema versions.  SCHEMA_SQL always creates the latest version,
 * STORE_VERSION, from nothing; upgrade[v] takes a database of version v - 1
 * to version v: first its u_sql ("ALTER TABLE ..."), then the statements
 * of SCHEMA_SQL that create the tables and indexes named in u_create, so
 * that an upgraded file holds the very text a new one does.  Views hold
 * no data: after the steps every view is dropped and the views of
 * SCHEMA_SQL are created anew.  To make version N: change sql/schema.sql,
 * set STORE_VERSION to N, add upgrade[N], keep a copy of the old schema
 * as tests/db/vN-1.sql, and a unit test that upgrades from every older
 * version.  store_open() runs the missing steps in order in the
 * transaction that then sets user_version, so an upgrade is all or
 * nothing; a read-only open of an older file is refused instead.
 */
#define STORE_VERSION	3
#define STORE_APPID	0x4d4c424e	/* "MLBN", PRAGMA application_id */
#define STR(x)		#x
#define XSTR(x)		STR(x)

struct upgrade {
	const char	*u_sql;		/* run first; NULL if none */
	const char	*u_create[8];	/* objects of SCHEMA_SQL to create */
};

static const struct upgrade upgrade[STORE_VERSION + 1] = {
	{ NULL, { NULL } },		/* 0: no database */
	{ NULL, { NULL } },		/* 1: created by SCHEMA_SQL */
	{ NULL, { "scanned", "meta", NULL } },	/* 2: scan dedupe, meta; offenders.filters */
	{ NULL, { "fleet_origin", "fleet_origin_rid", "fleet_ban_origin",
	    "fleet_ban_origin_rid", "fleet_lifts", "bans_lifted", NULL } },	/* 3: fleet mode */
};

/*
 * After a purge, give free pages back to the file system (auto_vacuum is
 * INCREMENTAL) only when they are many, so that pages freed today are not
 * returned and reallocated tomorrow.
 */
#define VACUUM_MINPAGES	1024

enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_POS_GET,
	ST_POS_PUT,
	ST_POS_EACH,
	ST_POS_DEL,
	ST_FAIL_MAXID,
	ST_FAIL_ADD,
	ST_FAIL_ADDN,
	ST_TOUCHED,
	ST_WIN_DELETE,
	ST_WIN_UNTIL,
	ST_WIN_FAILS,
	ST_BAN_ADD,
	ST_BAN_CONSUME,
	ST_ACTIVE,
	ST_RUN_ADD,
	ST_RUN_LAST,
	ST_RUN_UPDATE,
	ST_PEND_ADDR,
	ST_PEND_PUT_ADDR,
	ST_PEND_PUT_FAIL,
	ST_PEND_TAKE,
	ST_PEND_EXPIRE,
	ST_PURGE,
	ST_FREELIST,
	ST_VACUUM,
	ST_BAN_MANUAL,
	ST_UNBAN_LIST,
	ST_UNBAN_LIFT,
	ST_UNBAN_SAME,
	ST_UNBAN_REST,
	ST_BANS_EACH,
	ST_SCANNED_GET,
	ST_SCANNED_PUT,
	ST_TOUCHED_FEW,
	ST_META_GET,
	ST_META_PUT,
	ST_BAN_STARTS,
	ST_FLEET_OUTBOX,
	ST_FLEET_WAITING,
	ST_FLEET_KNOWN,
	ST_FLEET_PUT,
	ST_FLEET_BANS_OUT,
	ST_FLEET_LIFTS_OUT,
	ST_FLEET_BAN_KNOWN,
	ST_FLEET_BAN_PUT,
	ST_FLEET_LIFT_KNOWN,
	ST_FLEET_LIFT_PUT,
	ST__N
};

/*
 * ?1 jail, ?2 address, ?3 from in the window statements.  Bans that an
 * admin made (manual) or lifted are decisions a re-evaluation must not
 * undo, so the window neither deletes them nor re-counts their failures.
 * Deleting a ban un-consumes its failures through the foreign key
 * (failures.ban_id ... ON DELETE SET NULL, foreign_keys=ON).
 */
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
	[ST_FAIL_ADD] =
	    "INSERT INTO failures (time, address, jail, pattern) VALUES (?1, ?2, ?3, ?4)",
	[ST_FAIL_ADDN] = NULL,	/* FAILBUF_ROWS of (?, ?, ?, ?): failn_sql() */
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
	[ST_WIN_DELETE] =
	    "DELETE FROM bans WHERE jail = ?1 AND address = ?2 AND start >= ?3 "
	    "AND manual = 0 AND lifted IS NULL",
	/* ?4 is TIME_FOREVER: a permanent ban, or one never lifted. */
	[ST_WIN_UNTIL] =
	    "SELECT max(min(coalesce(end, ?4), coalesce(lifted, ?4))) FROM bans "
	    "WHERE jail = ?1 AND address = ?2 AND start < ?3 AND manual = 0",
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
	 * Two halves so that each is a range search of bans_active, which
	 * "end > ?1 OR end IS NULL" is not; "+start" keeps the planner off
	 * bans_window, where start <= now matches nearly every row.
	 */
	[ST_ACTIVE] =
	    "SELECT address, jail, start, end, failures, id FROM bans "
	    "WHERE lifted IS NULL AND end > ?1 AND +start <= ?1 "
	    "UNION ALL "
	    "SELECT address, jail, start, end, failures, id FROM bans "
	    "WHERE lifted IS NULL AND end IS NULL AND +start <= ?1 "
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
	/* ?1 now, ?2 the address or NULL for all. */
	[ST_UNBAN_LIST] =
	    "SELECT id, address, jail FROM bans WHERE lifted IS NULL AND start <= ?1 "
	    "AND (end IS NULL OR end > ?1) AND (?2 IS NULL OR address = ?2) "
	    "ORDER BY address, start, id",
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
	/* ?1 jail, ?2 address, [?3, ?4): automatic bans, for repeat offenders. */
	[ST_BAN_STARTS] =
	    "SELECT start FROM bans WHERE jail = ?1 AND address = ?2 AND start >= ?3 "
	    "AND start < ?4 AND manual = 0 ORDER BY start",
	/* Fleet mode: the failures read here (no fleet_origin row) after ?1. */
	[ST_FLEET_OUTBOX] =
	    "SELECT f.id, f.time, f.address, f.jail, f.pattern FROM failures f "
	    "WHERE f.id > ?1 AND NOT EXISTS (SELECT 1 FROM fleet_origin o "
	    "WHERE o.id = f.id) ORDER BY f.id LIMIT ?2",
	[ST_FLEET_WAITING] =
	    "SELECT count(*) FROM failures f WHERE f.id > ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM fleet_origin o WHERE o.id = f.id)",
	[ST_FLEET_KNOWN] = "SELECT count(*) FROM fleet_origin WHERE host = ?1 AND rid = ?2",
	[ST_FLEET_PUT] =
	    "INSERT INTO fleet_origin (id, host, rid, seq) VALUES (?1, ?2, ?3, ?4)",
	/* The manual bans made here after ?1; the unbans made here after ?1. */
	[ST_FLEET_BANS_OUT] =
	    "SELECT b.id, b.address, b.jail, b.start, b.end, b.reason FROM bans b "
	    "WHERE b.id > ?1 AND b.manual = 1 AND NOT EXISTS (SELECT 1 FROM "
	    "fleet_ban_origin o WHERE o.id = b.id) ORDER BY b.id",
	[ST_FLEET_LIFTS_OUT] =
	    "SELECT b.address, b.lifted FROM bans b WHERE b.lifted > ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM fleet_lifts l WHERE l.address = b.address AND "
	    "l.lifted = b.lifted) GROUP BY b.address, b.lifted ORDER BY 2, 1",
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

/*
 * Failures recorded inside a transaction wait here and reach the table
 * sorted by (jail, address, time, order read), many rows per statement:
 * inserting into failures_window in key order instead of at random
 * places makes recording a failure about twice as fast, and the more
 * rows a flush sorts, the fewer times each hot index page is written (a
 * replay of 2M failures from 5,000 addresses with a 4 MB page cache: 3x
 * faster with 64k rows per flush than with 16k).  So a row is kept small
 * (24 bytes): its (jail, address) is interned once per flush in an
 * arena.  A flush happens at FAILBUF_MAX rows or
 * when the buffer, arena and hash together pass FAILBUF_BYTES (many
 * distinct addresses).  Every function that reads or changes failures,
 * and COMMIT, first flushes; ROLLBACK drops them.  So the failures of one
 * (jail, address) with equal times get ids in the order read, which is
 * all that ordering by (time, id) needs, and ids grow from one
 * transaction to the next.
 */
#define FAILBUF_MAX	131072	/* rows: 3 MB */
#define FAILBUF_BYTES	(4 << 20)	/* rows, arena and hash together */
#define FAILBUF_ROWS	256	/* rows per INSERT statement when flushing */
#define ARENA_CHUNK	65536

/* A (jail, address) pair, once per flush, in s_arena. */
struct fbkey {
	const char	*k_jail;	/* one of s_jails */
	char		 k_addr[];	/* canonical text */
};

struct failbuf {
	int64_t			 fb_time;
	const struct fbkey	*fb_key;
	uint32_t		 fb_seq;	/* order read */
	int			 fb_pattern;
};

struct chunk {
	struct chunk	*ch_next;
	size_t		 ch_used;
	char		 ch_data[ARENA_CHUNK];
};

struct store {
	sqlite3		*s_db;
	char		*s_path;
	sqlite3_stmt	*s_st[ST__N];
	struct failbuf	*s_fb;		/* grows up to FAILBUF_MAX */
	size_t		 s_nfb, s_fbcap;
	char		**s_jails;	/* jail names seen, for s_fb */
	size_t		 s_njails;
	struct chunk	*s_arena;	/* the fbkeys of s_fb */
	size_t		 s_nchunks;
	const struct fbkey **s_hash;	/* the fbkeys in s_arena, open addressing */
	size_t		 s_hashcap, s_nhash;
	unsigned	 s_nerr;	/* errors reported (db_error) */
	int		 s_damaged;	/* one was SQLITE_CORRUPT or SQLITE_NOTADB */
	char		*s_fullnote;	/* what a full disk costs now; NULL: all */
	int64_t		 s_runid;	/* the row of the last store_run_add() */
	int64_t		 s_now;		/* store_clock(); -1: the wall clock */
};

static void	fb_reset(struct store *);

/* A damaged file: what to do (one line; detail is SQLite's or quick_check's). */
static int
damaged(struct store *s, const char *text)
{
	char	detail[512];
	size_t	i;

	snprintf(detail, sizeof(detail), "%s", text);
	for (i = 0; detail[i] != '\0'; i++)
		if ((unsigned char)detail[i] < ' ')
			detail[i] = ' ';	/* quick_check's rows hold newlines */
	s->s_damaged = 1;
	/* (.recover of Debian 12's sqlite3 3.40.1 fails on every file: not advised.) */
	return log_error("%s: the database is damaged (%s): move it aside with its "
	    "-wal and -shm files (sqlite3 OLD .dump saves what can be read); the "
	    "next run starts afresh and rebuilds the bans from the log", s->s_path,
	    detail);
}

static int
db_error(struct store *s, const char *what)
{
	char	detail[512];
	int	code = sqlite3_extended_errcode(s->s_db) & 0xff;

	s->s_nerr++;
	if (code == SQLITE_FULL)
		return log_error("%s: %s: the disk is full, %s", s->s_path, what,
		    s->s_fullnote != NULL ? s->s_fullnote : "nothing was recorded "
		    "(free some space; the next run reads the same lines again)");
	if (code == SQLITE_CORRUPT) {
		snprintf(detail, sizeof(detail), "%s: %s", what, sqlite3_errmsg(s->s_db));
		return damaged(s, detail);
	}
	return log_error("%s: %s: %s", s->s_path, what, sqlite3_errmsg(s->s_db));
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no row; always leaves it reset. */
static int
run(struct store *s, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, what);
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

/* A bind failed (out of memory, too big): report and leave it reset. */
static int
bind_error(struct store *s, sqlite3_stmt *st, const char *what)
{
	db_error(s, what);
	done(st);
	return -1;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Copy a TEXT column into buf only if it is a C string that fits. */
static int
column_str(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(st, col);
	size_t			 n = (size_t)sqlite3_column_bytes(st, col);

	if (t == NULL || n >= len || memchr(t, '\0', n) != NULL)
		return -1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return 0;
}

static char *
column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* Run one read-only PRAGMA (or query) yielding one integer. */
static int
pragma_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->s_db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
not_ours(struct store *s, const char *why)
{
	return log_error("%s: not a mailban database (%s): move it away to start afresh",
	    s->s_path, why);
}

static int
exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->s_db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(s, what);
	return 0;
}

/*
 * Refuse a database that someone else could have written: a root cron
 * job must not take its firewall state from a file others can edit.
 */
static int
check_file(const char *path, const struct stat *sb)
{
	if (S_ISLNK(sb->st_mode))
		return log_error("%s: is a symbolic link; refusing to follow it "
		    "(give the real path)", path);
	if (!S_ISREG(sb->st_mode))
		return log_error("%s: not a regular file", path);
	if (sb->st_uid != geteuid() && geteuid() == 0)
		return log_error("%s: owned by uid %lu, not by root (fix: chown root %s "
		    "&& chmod 600 %s)", path, (unsigned long)sb->st_uid, path, path);
	if (sb->st_uid != geteuid())
		return log_error("%s: owned by uid %lu, not by this user (uid %lu)",
		    path, (unsigned long)sb->st_uid, (unsigned long)geteuid());
	if (sb->st_mode & (S_IWGRP | S_IWOTH))
		return log_error("%s: writable by group or others (fix: chmod 600 %s)",
		    path, path);
	return 0;
}

/*
 * One directory on the way to the database: owned by root (or this user)
 * and writable by no one else; an ancestor may be sticky (/tmp), the
 * state directory itself not (others could still create its -wal, -shm
 * or lock file there).  stat(), not lstat(): a symbolic link is judged by
 * what it leads to, and the directory holding the link is checked too.
 */
static int
check_dir(const char *dir, int last)
{
	struct stat	sb;
	uid_t		euid = geteuid();

	if (stat(dir, &sb) == -1)
		return errno == ENOENT && last ? 0 : log_error("cannot stat %s: %s", dir,
		    strerror(errno));	/* absent: open and lock say so */
	if (!S_ISDIR(sb.st_mode))
		return log_error("%s: not a directory", dir);
	if (sb.st_uid != 0 && sb.st_uid != euid)
		return log_error("%s: owned by uid %lu, not by root, so that user could "
		    "replace %s (fix: chown root %s%s%s)", dir, (unsigned long)sb.st_uid,
		    last ? "the database or its lock" : "the state directory", dir,
		    last ? " && chmod 700 " : "", last ? dir : "");
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(sb.st_mode & S_ISVTX)))
		return log_error("%s: writable by group or others, so another user could "
		    "replace %s (fix: chmod %s %s)", dir, last ?
		    "the database or its lock" : "the state directory", last ? "700" : "go-w",
		    dir);
	return 0;
}

/* Every directory of path's prefixes (as written), from "/" or ".". */
static int
check_dirs(const char *path)
{
	char	*p = xstrdup(path), *sl;
	int	 rc = -1;

	if ((sl = strrchr(p, '/')) == NULL) {
		rc = check_dir(".", 1);
		goto out;
	}
	if (sl == p)
		sl[1] = '\0';	/* "/x.db": the root directory */
	else
		*sl = '\0';
	if (p[0] == '/' && p[1] != '\0' && check_dir("/", 0) == -1)
		goto out;
	for (sl = p + 1; (sl = strchr(sl, '/')) != NULL; sl++) {
		*sl = '\0';
		rc = check_dir(p, 0);
		*sl = '/';
		if (rc == -1)
			goto out;
	}
	rc = check_dir(p, 1);
out:
	free(p);
	return rc;
}

int
store_dir_check(const char *dbpath)
{
	char	*dir, *real, *sl;
	int	 rc;

	if (strcmp(dbpath, ":memory:") == 0)
		return 0;
	if (check_dirs(dbpath) == -1)
		return -1;
	/* The same walk over the real path: where the links lead. */
	dir = xstrdup(dbpath);
	if ((sl = strrchr(dir, '/')) != NULL)
		sl[sl == dir] = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	if ((real = realpath(dir, NULL)) == NULL) {
		rc = errno == ENOENT ? 0 : log_error("cannot resolve %s: %s", dir,
		    strerror(errno));
		free(dir);
		return rc;
	}
	free(dir);
	if (strcmp(real, "/") == 0)
		rc = check_dir("/", 1);
	else {
		/* check_dirs() wants a file name after the directory. */
		dir = xmalloc(strlen(real) + 3);
		memcpy(dir, real, strlen(real));
		memcpy(dir + strlen(real), "/x", 3);
		rc = check_dirs(dir);
		free(dir);
	}
	free(real);
	return rc;
}

/* lstat() the database; create it (empty, 0600) if asked and absent. */
static int
db_file(const char *path, int flags, struct stat *sb)
{
	int	fd, tries;

	for (tries = 0; tries < 2; tries++) {
		if (lstat(path, sb) == 0)
			return check_file(path, sb);
		if (errno != ENOENT)
			return log_error("%s: %s", path, strerror(errno));
		if (!(flags & STORE_CREATE) || (flags & STORE_RDONLY))
			return log_error("%s: no database yet (the first mailban run "
			    "creates it)", path);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1) {
			/*
			 * Closed before SQLite opens the file: closing any
			 * descriptor of a file drops the process's POSIX
			 * locks on it, SQLite's included.
			 */
			if (fstat(fd, sb) == -1) {
				log_error("%s: %s", path, strerror(errno));
				close(fd);
				return -1;
			}
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return log_error("cannot create %s: %s", path, strerror(errno));
		/* Created meanwhile by someone else: check it like any other. */
	}
	return log_error("cannot create %s: %s", path, strerror(EEXIST));
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
static int
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
			    schema_create(s, upgrade[v].u_create, 0) == -1)
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
static int
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
static int
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

/* The one statement with a repeated part: text only, no value in it. */
static const char *
failn_sql(char *buf, size_t len)
{
	static const char	head[] = "INSERT INTO failures (time, address, jail, "
	    "pattern) VALUES (?, ?, ?, ?)";
	static const char	row[] = ", (?, ?, ?, ?)";
	size_t			i, n = sizeof(head) - 1;

	if (len < sizeof(head) + (FAILBUF_ROWS - 1) * (sizeof(row) - 1))
		abort();	/* sized at compile time by the caller */
	memcpy(buf, head, n);
	for (i = 1; i < FAILBUF_ROWS; i++, n += sizeof(row) - 1)
		memcpy(buf + n, row, sizeof(row) - 1);
	buf[n] = '\0';
	return buf;
}

static int
db_prepare(struct store *s)
{
	char		 failn[100 + FAILBUF_ROWS * 16];
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

/*
 * Connection settings.  synchronous=FULL: in WAL mode NORMAL may lose the
 * last commits on power loss, after which the firewall may hold bans the
 * database forgot and the reader re-reads lines it had counted; FULL keeps
 * "nothing lost, nothing twice" at the cost of one fsync per commit, and
 * a cron run commits once.  auto_vacuum must be set before the first
 * table exists; on an older file it changes nothing.  The page cache is
 * 4 MB: a large replay then spills pages into the WAL before its commit,
 * which costs little because failures arrive sorted in large batches
 * (FAILBUF_MAX).  Measured on a 10M-line replay (500k failures): peak RSS
 * 103 MB with 64 MB of cache and the old 80-byte rows, 17.5 MB now, at
 * the same speed.
 */
static int
db_pragmas(struct store *s, int rdonly, int mem)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 ok;

	sqlite3_busy_timeout(s->s_db, 10000);
	/*
	 * The file is root's alone (check_file), but a schema that could
	 * call functions with side effects from a view, or let SQL rewrite
	 * sqlite_schema, has no place in a root tool either.
	 */
	if (sqlite3_db_config(s->s_db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(s->s_db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK)
		return db_error(s, "opening");
	if (exec(s, "PRAGMA foreign_keys = ON", "opening") == -1)
		return -1;
	if (rdonly)
		return 0;
	if (exec(s, "PRAGMA auto_vacuum = INCREMENTAL", "opening") == -1)
		return -1;
	if (sqlite3_prepare_v2(s->s_db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return db_error(s, "opening");
	ok = sqlite3_step(st) == SQLITE_ROW;
	mode = ok ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (ok && !mem && (mode == NULL || strcmp(mode, "wal") != 0)) {
		log_error("%s: cannot use WAL mode (journal mode is %s)", s->s_path,
		    mode != NULL ? mode : "unknown");
		sqlite3_finalize(st);
		return -1;
	}
	if (!ok) {
		db_error(s, "opening");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return exec(s, "PRAGMA synchronous = FULL; PRAGMA cache_size = -4096", "opening");
}

/* The file's -wal is absent or empty: the file alone holds every commit. */
static int
wal_empty(const char *path)
{
	struct stat	sb;
	char		wal[4096];
	int		n;

	n = snprintf(wal, sizeof(wal), "%s-wal", path);
	if (n < 0 || (size_t)n >= sizeof(wal))
		return 0;
	if (lstat(wal, &sb) == -1)
		return errno == ENOENT;
	return S_ISREG(sb.st_mode) && sb.st_size == 0;
}

/* "file:PATH?immutable=1", PATH percent-encoded; caller frees. */
static char *
immutable_uri(const char *path)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*u, *o;

	u = o = xmalloc(strlen(path) * 3 + sizeof("file:?immutable=1"));
	memcpy(o, "file:", 5);
	o += 5;
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("/-._~", *p) != NULL)
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	memcpy(o, "?immutable=1", sizeof("?immutable=1"));
	return u;
}

/*
 * Read-only, a WAL database needs its -shm (and -wal) file, which cannot
 * be created in a read-only directory once the last writer removed them.
 * If there is no WAL content to miss, read the file as immutable.
 */
static int
open_rdonly_fallback(struct store *s, const char *path, int oflags)
{
	char	*uri;
	int64_t	 v;
	int	 rc;

	if (pragma_int(s, "PRAGMA application_id", &v) == 0 ||
	    (sqlite3_extended_errcode(s->s_db) & 0xff) != SQLITE_CANTOPEN)
		return 0;	/* readable, or another problem: db_readable() says */
	if (!wal_empty(path))
		return log_error("%s: cannot read it: %s-wal holds changes and %s-shm "
		    "cannot be created (read-only directory?): let one mailban run "
		    "write there", path, path, path);
	sqlite3_close(s->s_db);
	s->s_db = NULL;
	uri = immutable_uri(path);
	rc = sqlite3_open_v2(uri, &s->s_db, oflags | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return log_error("%s: cannot open: %s", path, s->s_db != NULL ?
		    sqlite3_errmsg(s->s_db) : "out of memory");
	sqlite3_extended_result_codes(s->s_db, 1);
	return 0;
}

int
store_open(const char *path, int flags, struct store **out)
{
	struct store	*s;
	struct stat	 sb, sb2;
	int		 rdonly = (flags & STORE_RDONLY) != 0;
	int		 mem = strcmp(path, ":memory:") == 0;
	int		 oflags;

	*out = NULL;
	if (!mem && (store_dir_check(path) == -1 || db_file(path, flags, &sb) == -1))
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->s_now = -1;
	s->s_path = xstrdup(path);
	oflags = (rdonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
	if (mem)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->s_db, oflags, NULL) != SQLITE_OK) {
		if (s->s_db == NULL)
			log_error("%s: cannot open: out of memory", path);
		else
			log_error("%s: cannot open: %s", path, sqlite3_errmsg(s->s_db));
		goto out_close;
	}
	sqlite3_extended_result_codes(s->s_db, 1);
	if (rdonly && !mem && open_rdonly_fallback(s, path, oflags) == -1)
		goto out_close;
	if (db_readable(s) == -1)
		goto out_close;
	/* What SQLite opened is what was checked (not swapped meanwhile). */
	if (!mem && (lstat(path, &sb2) == -1 || sb2.st_dev != sb.st_dev ||
	    sb2.st_ino != sb.st_ino)) {
		log_error("%s: replaced while being opened; try again", path);
		goto out_close;
	}
	if (db_check(s, flags, 0) == -1 || db_pragmas(s, rdonly, mem) == -1 ||
	    (!rdonly && db_setup(s) == -1) || db_check(s, flags, 1) == -1 ||
	    db_prepare(s) == -1)
		goto out_close;
	*out = s;
	return 0;
out_close:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < ST__N; i++)
		sqlite3_finalize(s->s_st[i]);
	/* An open transaction is rolled back: nothing half-done is kept. */
	if (s->s_db != NULL && sqlite3_close(s->s_db) != SQLITE_OK)
		log_warnx("%s: closing: %s", s->s_path, sqlite3_errmsg(s->s_db));
	while (s->s_njails > 0)
		free(s->s_jails[--s->s_njails]);
	free(s->s_jails);
	free(s->s_fb);
	fb_reset(s);
	free(s->s_arena);
	free(s->s_hash);
	free(s->s_fullnote);
	free(s->s_path);
	free(s);
}

/* Forget the buffered rows and their texts (the first chunk is kept). */
static void
fb_reset(struct store *s)
{
	struct chunk	*c;

	s->s_nfb = 0;
	while (s->s_arena != NULL && s->s_arena->ch_next != NULL) {
		c = s->s_arena->ch_next;
		s->s_arena->ch_next = c->ch_next;
		free(c);
	}
	if (s->s_arena != NULL)
		s->s_arena->ch_used = 0;
	s->s_nchunks = s->s_arena != NULL;
	/* A hash grown by many distinct addresses is not kept. */
	if (s->s_hashcap > 4096) {
		free(s->s_hash);
		s->s_hash = NULL;
		s->s_hashcap = 0;
	} else if (s->s_nhash > 0)
		memset(s->s_hash, 0, s->s_hashcap * sizeof(*s->s_hash));
	s->s_nhash = 0;
}

/* Bytes used by buffered rows: what FAILBUF_BYTES bounds. */
static size_t
fb_bytes(const struct store *s)
{
	return s->s_nfb * sizeof(*s->s_fb) + s->s_nchunks * sizeof(struct chunk) +
	    s->s_hashcap * sizeof(*s->s_hash);
}

static size_t
fbkey_hash(const char *jail, const char *addr)
{
	return hash_fnv1a(addr, strlen(addr), HASH_FNV_SEED ^ (uintptr_t)jail);
}

/* The one copy of (jail, addr) in the arena, until the next flush. */
static const struct fbkey *
fbkey_intern(struct store *s, const char *jail, const char *addr)
{
	const struct fbkey	**old;
	struct fbkey		 *k;
	struct chunk		 *c;
	size_t			  len, i, j, oldcap;

	if ((s->s_nhash + 1) * 2 > s->s_hashcap) {
		old = s->s_hash;
		oldcap = s->s_hashcap;
		s->s_hashcap = oldcap ? oldcap * 2 : 1024;
		s->s_hash = xcalloc(s->s_hashcap, sizeof(*s->s_hash));
		for (j = 0; j < oldcap; j++) {
			if (old[j] == NULL)
				continue;
			i = fbkey_hash(old[j]->k_jail, old[j]->k_addr);
			while (s->s_hash[i &= s->s_hashcap - 1] != NULL)
				i++;
			s->s_hash[i] = old[j];
		}
		free(old);
	}
	i = fbkey_hash(jail, addr);
	for (; s->s_hash[i &= s->s_hashcap - 1] != NULL; i++)
		if (s->s_hash[i]->k_jail == jail && strcmp(s->s_hash[i]->k_addr, addr) == 0)
			return s->s_hash[i];
	/* Whole pointers apart: round the size up to a multiple of 8. */
	len = (sizeof(*k) + strlen(addr) + 1 + 7) & ~(size_t)7;
	if (s->s_arena == NULL || s->s_arena->ch_used + len > ARENA_CHUNK) {
		c = xmalloc(sizeof(*c));
		c->ch_next = s->s_arena;
		c->ch_used = 0;
		s->s_arena = c;
		s->s_nchunks++;
	}
	k = (struct fbkey *)(void *)(s->s_arena->ch_data + s->s_arena->ch_used);
	s->s_arena->ch_used += len;
	k->k_jail = jail;
	memcpy(k->k_addr, addr, strlen(addr) + 1);
	s->s_nhash++;
	return s->s_hash[i] = k;
}

static int
failbuf_cmp(const void *a, const void *b)
{
	const struct failbuf	*x = a, *y = b;
	int			 c;

	if (x->fb_key != y->fb_key) {
		if (x->fb_key->k_jail != y->fb_key->k_jail &&
		    (c = strcmp(x->fb_key->k_jail, y->fb_key->k_jail)) != 0)
			return c;
		/* strcmp orders NUL-free text as SQLite's BINARY collation does. */
		if ((c = strcmp(x->fb_key->k_addr, y->fb_key->k_addr)) != 0)
			return c;
	}
	if (x->fb_time != y->fb_time)
		return x->fb_time < y->fb_time ? -1 : 1;
	return x->fb_seq < y->fb_seq ? -1 : x->fb_seq > y->fb_seq;
}

static int
failure_insert(struct store *s, const char *jail, const char *addr, int64_t time,
    int pattern)
{
	sqlite3_stmt	*st = s->s_st[ST_FAIL_ADD];

	if (sqlite3_bind_int64(st, 1, time) != SQLITE_OK ||
	    bind_text(st, 2, addr) != SQLITE_OK || bind_text(st, 3, jail) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, pattern) != SQLITE_OK)
		return bind_error(s, st, "recording a failure");
	return run(s, st, "recording a failure");
}

/* FAILBUF_ROWS failures in one statement: far less work per row. */
static int
failure_insertn(struct store *s, const struct failbuf *fb)
{
	sqlite3_stmt	*st = s->s_st[ST_FAIL_ADDN];
	int		 i, p;

	for (i = 0, p = 1; i < FAILBUF_ROWS; i++, p += 4)
		if (sqlite3_bind_int64(st, p, fb[i].fb_time) != SQLITE_OK ||
		    bind_text(st, p + 1, fb[i].fb_key->k_addr) != SQLITE_OK ||
		    bind_text(st, p + 2, fb[i].fb_key->k_jail) != SQLITE_OK ||
		    sqlite3_bind_int(st, p + 3, fb[i].fb_pattern) != SQLITE_OK)
			return bind_error(s, st, "recording failures");
	return run(s, st, "recording failures");
}

static int
flush(struct store *s)
{
	size_t	i, n = s->s_nfb;
	int	rc = -1;

	if (n == 0)
		return 0;
	if (sqlite3_get_autocommit(s->s_db)) {
		fb_reset(s);
		return log_error("%s: recording failures: the transaction was rolled "
		    "back; nothing was recorded", s->s_path);
	}
	qsort(s->s_fb, n, sizeof(*s->s_fb), failbuf_cmp);
	for (i = 0; i + FAILBUF_ROWS <= n; i += FAILBUF_ROWS)
		if (failure_insertn(s, &s->s_fb[i]) == -1)
			goto out;
	for (; i < n; i++)
		if (failure_insert(s, s->s_fb[i].fb_key->k_jail, s->s_fb[i].fb_key->k_addr,
		    s->s_fb[i].fb_time, s->s_fb[i].fb_pattern) == -1)
			goto out;
	rc = 0;
out:
	fb_reset(s);
	return rc;
}

int
store_begin(struct store *s)
{
	fb_reset(s);	/* left from a transaction SQLite rolled back itself */
	return run(s, s->s_st[ST_BEGIN], "starting a transaction");
}

int
store_commit(struct store *s)
{
	if (flush(s) == -1)
		return -1;
	return run(s, s->s_st[ST_COMMIT], "committing");
}

void
store_rollback(struct store *s)
{
	if (s == NULL)
		return;
	fb_reset(s);
	/* After SQLITE_FULL and the like, SQLite may have rolled back already. */
	if (sqlite3_get_autocommit(s->s_db))
		return;
	if (sqlite3_step(s->s_st[ST_ROLLBACK]) != SQLITE_DONE)
		log_warnx("%s: rolling back: %s", s->s_path, sqlite3_errmsg(s->s_db));
	done(s->s_st[ST_ROLLBACK]);
}

/* dev, ino and fp are unsigned 64-bit: stored as INTEGER through int64_t. */
static void
column_pos(sqlite3_stmt *st, int col, struct logpos *p)
{
	p->lp_dev = (uint64_t)sqlite3_column_int64(st, col);
	p->lp_ino = (uint64_t)sqlite3_column_int64(st, col + 1);
	p->lp_offset = sqlite3_column_int64(st, col + 2);
	p->lp_fp = (uint64_t)sqlite3_column_int64(st, col + 3);
	p->lp_fplen = sqlite3_column_int64(st, col + 4);
}

int
store_pos_get(struct store *s, const char *path, struct logpos *out)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_GET];
	int		 rc;

	if (bind_text(st, 1, path) != SQLITE_OK)
		return bind_error(s, st, "reading a log position");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		column_pos(st, 0, out);
		done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading a log position");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

void
store_clock(struct store *s, int64_t now)
{
	s->s_now = now;
}

int
store_pos_put(struct store *s, const char *path, const struct logpos *p)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_PUT];

	if (bind_text(st, 1, path) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)p->lp_dev) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)p->lp_ino) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, p->lp_offset) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)p->lp_fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, p->lp_fplen) != SQLITE_OK ||
	    (s->s_now == -1 ? sqlite3_bind_null(st, 7) :
	    sqlite3_bind_int64(st, 7, s->s_now)) != SQLITE_OK)
		return bind_error(s, st, "saving a log position");
	return run(s, st, "saving a log position");
}

int
store_pos_del(struct store *s, const char *path)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_DEL];

	if (bind_text(st, 1, path) != SQLITE_OK)
		return bind_error(s, st, "removing a log position");
	return run(s, st, "removing a log position");
}

int
store_pos_each(struct store *s, int (*fn)(void *, const char *,
    const struct logpos *, int64_t), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_EACH];
	struct logpos	 p;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_pos(st, 1, &p);
		if (fn(arg, (const char *)sqlite3_column_text(st, 0), &p,
		    sqlite3_column_int64(st, 6)) == -1) {
			done(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading log positions");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

/* One integer (NULL as 0) from a statement returning one row. */
static int
one_int(struct store *s, sqlite3_stmt *st, const char *what, int64_t *out)
{
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_error(s, what);
		done(st);
		return -1;
	}
	*out = sqlite3_column_int64(st, 0);	/* NULL reads as 0 */
	done(st);
	return 0;
}

int
store_failure_maxid(struct store *s, int64_t *out)
{
	if (flush(s) == -1)
		return -1;
	return one_int(s, s->s_st[ST_FAIL_MAXID], "reading failures", out);
}

/* The jail name as kept by the store (compared by pointer first). */
static const char *
jail_intern(struct store *s, const char *jail)
{
	size_t	i;

	for (i = 0; i < s->s_njails; i++)
		if (strcmp(s->s_jails[i], jail) == 0)
			return s->s_jails[i];
	s->s_jails = xreallocarray(s->s_jails, s->s_njails + 1, sizeof(*s->s_jails));
	return s->s_jails[s->s_njails++] = xstrdup(jail);
}

int
store_failure_add(struct store *s, const char *jail, const struct addr *a,
    int64_t time, int pattern)
{
	struct failbuf	*fb;
	char		 buf[ADDR_STRLEN];

	if (a->a_family != AF_INET && a->a_family != AF_INET6)
		return log_error("%s: recording a failure: address of family %d",
		    s->s_path, a->a_family);
	addr_str(a, buf, sizeof(buf));
	if (sqlite3_get_autocommit(s->s_db))
		return failure_insert(s, jail, buf, time, pattern);
	if ((s->s_nfb == FAILBUF_MAX || fb_bytes(s) > FAILBUF_BYTES) && flush(s) == -1)
		return -1;
	if (s->s_nfb == s->s_fbcap) {
		s->s_fbcap = s->s_fbcap ? s->s_fbcap * 2 : 1024;
		s->s_fb = xreallocarray(s->s_fb, s->s_fbcap, sizeof(*s->s_fb));
	}
	fb = &s->s_fb[s->s_nfb];
	fb->fb_time = time;
	fb->fb_seq = (uint32_t)s->s_nfb++;
	fb->fb_pattern = pattern;
	fb->fb_key = fbkey_intern(s, jail_intern(s, jail), buf);
	return 0;
}

int
store_touched(struct store *s, int64_t after_id, struct touched **v, size_t *n)
{
	sqlite3_stmt	*st;
	struct touched	*t = NULL, *e;
	size_t		 nt = 0, cap = 0;
	int64_t		 maxid;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (flush(s) == -1 || store_failure_maxid(s, &maxid) == -1)
		return -1;
	/* Few new rows (a cron run): the rowid range; many (a replay): the index. */
	st = s->s_st[(maxid - after_id) * 4 < maxid ? ST_TOUCHED_FEW : ST_TOUCHED];
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK)
		return bind_error(s, st, "reading new failures");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nt == cap) {
			cap = cap ? cap * 2 : 16;
			t = xreallocarray(t, cap, sizeof(*t));
		}
		e = &t[nt];
		/* Only an edit by hand can put a non-address here. */
		if (column_str(st, 1, e->t_addr, sizeof(e->t_addr)) == -1) {
			log_warnx("%s: failures of jail %s: an address that is not "
			    "one; ignored (fix or delete those rows)", s->s_path,
			    (const char *)sqlite3_column_text(st, 0));
			continue;
		}
		e->t_jail = column_dup(st, 0);
		e->t_from = sqlite3_column_int64(st, 2);
		nt++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading new failures");
		done(st);
		store_touched_free(t, nt);
		return -1;
	}
	done(st);
	*v = t;
	*n = nt;
	return 0;
}

void
store_touched_free(struct touched *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].t_jail);
	free(v);
}

/* jail and addr as parameters i and i + 1. */
static int
bind_pair_at(sqlite3_stmt *st, int i, const char *jail, const char *addr)
{
	if (bind_text(st, i, jail) != SQLITE_OK || bind_text(st, i + 1, addr) != SQLITE_OK)
		return -1;
	return 0;
}

static int
bind_pair(sqlite3_stmt *st, const char *jail, const char *addr)
{
	return bind_pair_at(st, 1, jail, addr);
}

int
store_window(struct store *s, const char *jail, const char *addr, int64_t from,
    long long findtime, int64_t *until, struct pfail **f, size_t *n)
{
	sqlite3_stmt	*st;
	struct pfail	*v = NULL;
	size_t		 nv = 0, cap = 0;
	int64_t		 lo;
	int		 rc;

	*until = 0;
	*f = NULL;
	*n = 0;
	if (flush(s) == -1)
		return -1;
	st = s->s_st[ST_WIN_DELETE];
	if (bind_pair(st, jail, addr) == -1 || sqlite3_bind_int64(st, 3, from) != SQLITE_OK)
		return bind_error(s, st, "re-evaluating bans");
	if (run(s, st, "re-evaluating bans") == -1)
		return -1;
	st = s->s_st[ST_WIN_UNTIL];
	if (bind_pair(st, jail, addr) == -1 || sqlite3_bind_int64(st, 3, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, TIME_FOREVER) != SQLITE_OK)
		return bind_error(s, st, "re-evaluating bans");
	if (one_int(s, st, "re-evaluating bans", until) == -1)
		return -1;

	if (findtime < 0 || __builtin_sub_overflow(from, (int64_t)findtime, &lo))
		lo = INT64_MIN;
	st = s->s_st[ST_WIN_FAILS];
	if (bind_pair(st, jail, addr) == -1 || sqlite3_bind_int64(st, 3, lo) != SQLITE_OK)
		return bind_error(s, st, "reading failures");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv].pf_id = sqlite3_column_int64(st, 0);
		v[nv].pf_time = sqlite3_column_int64(st, 1);
		nv++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading failures");
		done(st);
		free(v);
		return -1;
	}
	done(st);
	*f = v;
	*n = nv;
	return 0;
}

int
store_ban_add(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, const int64_t *ids, size_t nids)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_ADD];
	int64_t		 ban;
	size_t		 i;

	if (nids > INT64_MAX)
		return log_error("%s: recording a ban: too many failures", s->s_path);
	if (flush(s) == -1)
		return -1;
	if (bind_text(st, 1, addr) != SQLITE_OK || bind_text(st, 2, jail) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, start) != SQLITE_OK ||
	    (end == TIME_FOREVER ? sqlite3_bind_null(st, 4) :
	    sqlite3_bind_int64(st, 4, end)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)nids) != SQLITE_OK)
		return bind_error(s, st, "recording a ban");
	if (run(s, st, "recording a ban") == -1)
		return -1;
	ban = sqlite3_last_insert_rowid(s->s_db);
	st = s->s_st[ST_BAN_CONSUME];
	for (i = 0; i < nids; i++) {
		if (sqlite3_bind_int64(st, 1, ban) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, ids[i]) != SQLITE_OK ||
		    bind_text(st, 3, jail) != SQLITE_OK || bind_text(st, 4, addr) != SQLITE_OK)
			return bind_error(s, st, "recording a ban");
		if (run(s, st, "recording a ban") == -1)
			return -1;
		/* A failure counts towards at most one ban: anything else is a bug. */
		if (sqlite3_changes64(s->s_db) != 1)
			return log_error("%s: recording a ban of %s in %s: failure %" PRId64
			    " is not an unconsumed failure of that pair (internal error)",
			    s->s_path, addr, jail, ids[i]);
	}
	return 0;
}

int
store_active(struct store *s, int64_t now, struct banrow **v, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_ACTIVE];
	struct banrow	*b = NULL, *e;
	struct addr	 a;
	size_t		 nb = 0, cap = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK)
		return bind_error(s, st, "reading active bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nb == cap) {
			cap = cap ? cap * 2 : 16;
			b = xreallocarray(b, cap, sizeof(*b));
		}
		e = &b[nb];
		/*
		 * What goes to the firewall is canonical text of a parsed
		 * address, even if the row was edited by hand.
		 */
		if (column_str(st, 0, e->b_addr, sizeof(e->b_addr)) == -1 ||
		    addr_parse(e->b_addr, strlen(e->b_addr), &a) == -1) {
			log_warnx("%s: bans row %" PRId64 ": the address is not an "
			    "IP address; ignored (fix or delete the row)", s->s_path,
			    (int64_t)sqlite3_column_int64(st, 5));
			continue;
		}
		addr_str(&a, e->b_addr, sizeof(e->b_addr));
		e->b_jail = column_dup(st, 1);
		e->b_start = sqlite3_column_int64(st, 2);
		e->b_end = sqlite3_column_type(st, 3) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 3);
		e->b_failures = sqlite3_column_int64(st, 4);
		nb++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading active bans");
		done(st);
		store_banrows_free(b, nb);
		return -1;
	}
	done(st);
	*v = b;
	*n = nb;
	return 0;
}

void
store_banrows_free(struct banrow *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].b_jail);
	free(v);
}

int
store_run_add(struct store *s, const struct runrec *r)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_ADD];
	const int64_t	 col[] = { r->r_started, r->r_now, r->r_lines, r->r_bytes,
	    r->r_skipped, r->r_failures, r->r_newbans, r->r_expired, r->r_added,
	    r->r_removed, r->r_ms };
	size_t		 i;

	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if (sqlite3_bind_int64(st, (int)i + 1, col[i]) != SQLITE_OK)
			return bind_error(s, st, "recording the run");
	if (bind_text(st, 12, r->r_status != NULL ? r->r_status : "") != SQLITE_OK)
		return bind_error(s, st, "recording the run");
	if (run(s, st, "recording the run") == -1)
		return -1;
	s->s_runid = sqlite3_last_insert_rowid(s->s_db);
	return 0;
}

int
store_run_update(struct store *s, const struct runrec *r)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_UPDATE];
	const int64_t	 col[] = { s->s_runid, r->r_expired, r->r_added, r->r_removed,
	    r->r_ms };
	size_t		 i;

	if (s->s_runid == 0)
		return log_error("%s: recording the run: no row (internal error)",
		    s->s_path);
	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if (sqlite3_bind_int64(st, (int)i + 1, col[i]) != SQLITE_OK)
			return bind_error(s, st, "recording the run");
	if (bind_text(st, 6, r->r_status != NULL ? r->r_status : "") != SQLITE_OK)
		return bind_error(s, st, "recording the run");
	return run(s, st, "recording the run");
}

int
store_run_last(struct store *s, struct runrec *out)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_LAST];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		done(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		db_error(s, "reading the last run");
		done(st);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->r_started = sqlite3_column_int64(st, 0);
	out->r_now = sqlite3_column_int64(st, 1);
	out->r_lines = sqlite3_column_int64(st, 2);
	out->r_bytes = sqlite3_column_int64(st, 3);
	out->r_skipped = sqlite3_column_int64(st, 4);
	out->r_failures = sqlite3_column_int64(st, 5);
	out->r_newbans = sqlite3_column_int64(st, 6);
	out->r_expired = sqlite3_column_int64(st, 7);
	out->r_added = sqlite3_column_int64(st, 8);
	out->r_removed = sqlite3_column_int64(st, 9);
	out->r_ms = sqlite3_column_int64(st, 10);
	out->r_status = column_dup(st, 11);
	done(st);
	return 1;
}

int
store_pending_addr(struct store *s, const char *jail, const char *qid, int64_t since,
    char addr[ADDR_STRLEN])
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_ADDR];
	int		 rc, found = 0;

	if (bind_pair(st, jail, qid) == -1 || sqlite3_bind_int64(st, 3, since) != SQLITE_OK)
		return bind_error(s, st, "reading a queue id");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (column_str(st, 0, addr, ADDR_STRLEN) == 0)
			found = 1;
		else
			log_warnx("%s: pending: queue id %s has an address that is "
			    "not one; ignored", s->s_path, qid);
	} else if (rc != SQLITE_DONE) {
		db_error(s, "reading a queue id");
		done(st);
		return -1;
	}
	done(st);
	return found;
}

int
store_pending_put(struct store *s, const char *jail, const char *qid,
    const char *addr, int64_t time)
{
	sqlite3_stmt	*st;

	if (addr != NULL) {
		st = s->s_st[ST_PEND_PUT_ADDR];
		if (bind_pair(st, jail, qid) == -1 || bind_text(st, 3, addr) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 4, time) != SQLITE_OK)
			return bind_error(s, st, "recording a queue id");
	} else {
		st = s->s_st[ST_PEND_PUT_FAIL];
		if (bind_pair(st, jail, qid) == -1 ||
		    sqlite3_bind_int64(st, 3, time) != SQLITE_OK)
			return bind_error(s, st, "recording a queue id");
	}
	return run(s, st, "recording a queue id");
}

int
store_pending_take(struct store *s, const char *jail, const char *qid, int64_t since,
    int64_t *count)
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_TAKE];

	*count = 0;
	if (bind_pair(st, jail, qid) == -1 || sqlite3_bind_int64(st, 3, since) != SQLITE_OK)
		return bind_error(s, st, "completing a queue id");
	if (run(s, st, "completing a queue id") == -1)
		return -1;
	*count = sqlite3_changes64(s->s_db);
	return 0;
}

int
store_pending_expire(struct store *s, int64_t before)
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_EXPIRE];

	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK)
		return bind_error(s, st, "expiring queue ids");
	return run(s, st, "expiring queue ids");
}

int
store_purge(struct store *s, int64_t before, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PURGE];
	int64_t		 nfree, npages;
	int		 rc;

	*n = 0;
	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK)
		return bind_error(s, st, "purging old failures");
	if (run(s, st, "purging old failures") == -1)
		return -1;
	*n = sqlite3_changes64(s->s_db);
	if (*n == 0)
		return 0;
	st = s->s_st[ST_FREELIST];
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_error(s, "purging old failures");
		done(st);
		return -1;
	}
	nfree = sqlite3_column_int64(st, 0);
	npages = sqlite3_column_int64(st, 1);
	done(st);
	if (nfree < VACUUM_MINPAGES || nfree < npages / 4)
		return 0;
	st = s->s_st[ST_VACUUM];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		db_error(s, "returning free space");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

/* The canonical text of an address given by a caller, or -1 (reported). */
static int
canonical(struct store *s, const char *addr, char buf[ADDR_STRLEN], const char *what)
{
	struct addr	a;

	if (addr_parse(addr, strlen(addr), &a) == -1)
		return log_error("%s: %s: \"%s\" is not an IP address", s->s_path,
		    what, addr);
	addr_str(&a, buf, ADDR_STRLEN);
	return 0;
}

int
store_ban_manual(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, const char *reason, int64_t *id)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_MANUAL];
	char		 a[ADDR_STRLEN];

	if (canonical(s, addr, a, "recording a manual ban") == -1)
		return -1;
	if (end != TIME_FOREVER && end < start)
		return log_error("%s: recording a manual ban of %s: it ends before "
		    "it starts", s->s_path, a);
	if (bind_text(st, 1, a) != SQLITE_OK || bind_text(st, 2, jail) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, start) != SQLITE_OK ||
	    (end == TIME_FOREVER ? sqlite3_bind_null(st, 4) :
	    sqlite3_bind_int64(st, 4, end)) != SQLITE_OK ||
	    (reason == NULL ? sqlite3_bind_null(st, 5) :
	    bind_text(st, 5, reason)) != SQLITE_OK)
		return bind_error(s, st, "recording a manual ban");
	if (run(s, st, "recording a manual ban") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->s_db);
	return 0;
}

struct lifted {
	int64_t	 l_id;
	char	 l_addr[ADDR_STRLEN];
	char	*l_jail;
};

static void
lifted_free(struct lifted *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].l_jail);
	free(v);
}

/* The bans store_unban() lifts, by address then start. */
static int
unban_list(struct store *s, const char *addr, int64_t now, struct lifted **v, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_UNBAN_LIST];
	struct lifted	*l = NULL;
	size_t		 nl = 0, cap = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    (addr == NULL ? sqlite3_bind_null(st, 2) : bind_text(st, 2, addr)) != SQLITE_OK)
		return bind_error(s, st, "lifting bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nl == cap) {
			cap = cap ? cap * 2 : 16;
			l = xreallocarray(l, cap, sizeof(*l));
		}
		l[nl].l_id = sqlite3_column_int64(st, 0);
		/* A row edited into a long text is lifted all the same. */
		if (column_str(st, 1, l[nl].l_addr, sizeof(l[nl].l_addr)) == -1)
			l[nl].l_addr[0] = '\0';
		l[nl].l_jail = column_dup(st, 2);
		nl++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "lifting bans");
		done(st);
		lifted_free(l, nl);
		return -1;
	}
	done(st);
	*v = l;
	*n = nl;
	return 0;
}

int
store_unban(struct store *s, const char *addr, int64_t now, int64_t *n)
{
	sqlite3_stmt	*st;
	struct lifted	*l = NULL;
	char		 a[ADDR_STRLEN];
	size_t		 i, nl = 0;
	int		 rc = -1;

	*n = 0;
	if (addr != NULL && canonical(s, addr, a, "lifting bans") == -1)
		return -1;
	if (flush(s) == -1 || unban_list(s, addr != NULL ? a : NULL, now, &l, &nl) == -1)
		return -1;
	for (i = 0; i < nl; i++) {
		st = s->s_st[ST_UNBAN_LIFT];
		if (sqlite3_bind_int64(st, 1, l[i].l_id) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, now) != SQLITE_OK) {
			bind_error(s, st, "lifting bans");
			goto out;
		}
		if (run(s, st, "lifting bans") == -1)
			goto out;
		st = s->s_st[ST_UNBAN_SAME];
		if (sqlite3_bind_int64(st, 1, l[i].l_id) != SQLITE_OK ||
		    bind_pair_at(st, 2, l[i].l_jail, l[i].l_addr) == -1 ||
		    sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
			bind_error(s, st, "lifting bans");
			goto out;
		}
		if (run(s, st, "lifting bans") == -1)
			goto out;
		/* The last ban of an address also takes its other jails' failures. */
		if (i + 1 < nl && strcmp(l[i].l_addr, l[i + 1].l_addr) == 0)
			continue;
		st = s->s_st[ST_UNBAN_REST];
		if (sqlite3_bind_int64(st, 1, l[i].l_id) != SQLITE_OK ||
		    bind_text(st, 2, l[i].l_addr) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, now) != SQLITE_OK) {
			bind_error(s, st, "lifting bans");
			goto out;
		}
		if (run(s, st, "lifting bans") == -1)
			goto out;
	}
	*n = (int64_t)nl;
	rc = 0;
out:
	lifted_free(l, nl);
	return rc;
}

int
store_bans_each(struct store *s, int64_t since, int64_t until,
    int (*fn)(void *, const struct banhist *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_BANS_EACH];
	struct banhist	 h;
	int		 rc, stop;

	if (sqlite3_bind_int64(st, 1, since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, until) != SQLITE_OK)
		return bind_error(s, st, "reading bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (column_str(st, 0, h.h_addr, sizeof(h.h_addr)) == -1) {
			log_warnx("%s: bans row %" PRId64 ": the address is not an "
			    "IP address; ignored (fix or delete the row)", s->s_path,
			    (int64_t)sqlite3_column_int64(st, 8));
			continue;
		}
		h.h_jail = column_dup(st, 1);
		h.h_start = sqlite3_column_int64(st, 2);
		h.h_end = sqlite3_column_type(st, 3) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 3);
		h.h_failures = sqlite3_column_int64(st, 4);
		h.h_manual = sqlite3_column_int(st, 5) != 0;
		h.h_lifted = sqlite3_column_int64(st, 6);	/* NULL reads as 0 */
		h.h_reason = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL :
		    column_dup(st, 7);
		stop = fn(arg, &h) == -1;
		free(h.h_jail);
		free(h.h_reason);
		if (stop) {
			done(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading bans");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

int
store_scanned_get(struct store *s, uint64_t fp, int64_t fplen, int64_t *offset)
{
	sqlite3_stmt	*st = s->s_st[ST_SCANNED_GET];
	int		 rc;

	if (sqlite3_bind_int64(st, 1, (int64_t)fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, fplen) != SQLITE_OK)
		return bind_error(s, st, "reading scanned files");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*offset = sqlite3_column_int64(st, 0);
		done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading scanned files");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

int
store_scanned_put(struct store *s, uint64_t fp, int64_t fplen, int64_t offset,
    const char *name)
{
	sqlite3_stmt	*st = s->s_st[ST_SCANNED_PUT];

	if (sqlite3_bind_int64(st, 1, (int64_t)fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, fplen) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, offset) != SQLITE_OK ||
	    bind_text(st, 4, name) != SQLITE_OK)
		return bind_error(s, st, "recording a scanned file");
	return run(s, st, "recording a scanned file");
}

/* Step one report statement, handing fn its names, then its rows. */
static int
report_rows(struct store *s, sqlite3_stmt *st, int (*fn)(void *, int,
    const char *const *, const char *const *), void *arg)
{
	const char	**names, **vals;
	int		  i, n = sqlite3_column_count(st), rc = -1, step;

	names = xcalloc((size_t)n + 1, sizeof(*names));
	vals = xcalloc((size_t)n + 1, sizeof(*vals));
	for (i = 0; i < n; i++)
		if ((names[i] = sqlite3_column_name(st, i)) == NULL) {
			log_error("%s: running a report: out of memory", s->s_path);
			goto out;
		}
	if (fn(arg, n, names, NULL) == -1)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			vals[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
			    (const char *)sqlite3_column_text(st, i);
		if (fn(arg, n, names, vals) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		db_error(s, "running a report");
		goto out;
	}
	rc = 0;
out:
	free(names);
	free(vals);
	return rc;
}

int
store_report(struct store *s, const char *sql, int64_t now, int (*fn)(void *, int,
    const char *const *, const char *const *), void *arg)
{
	sqlite3_stmt	*st = NULL;
	const char	*tail = sql;
	int		 i, rc;

	while (*tail != '\0') {
		if (sqlite3_prepare_v2(s->s_db, tail, -1, &st, &tail) != SQLITE_OK)
			return db_error(s, "preparing a report");
		if (st == NULL)		/* only comments and blanks left */
			break;
		if (!sqlite3_stmt_readonly(st)) {
			sqlite3_finalize(st);
			return log_error("%s: a report may only read; refused",
			    s->s_path);
		}
		if (now != -1 && (i = sqlite3_bind_parameter_index(st, "@now")) > 0 &&
		    sqlite3_bind_int64(st, i, now) != SQLITE_OK) {
			db_error(s, "running a report");
			sqlite3_finalize(st);
			return -1;
		}
		rc = report_rows(s, st, fn, arg);
		sqlite3_finalize(st);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * PRAGMA quick_check walks every page (measured: 0.23 s for a 93 MB file
 * of 1M failures), too much for every minute, cheap once a day; a damaged
 * page that no run reads would otherwise go unseen for ever.
 */
int
store_check_daily(struct store *s, int64_t now, int record)
{
	sqlite3_stmt	*st;
	const char	*t;
	char		*v = NULL, buf[32], detail[512];
	int64_t		 last = 0;
	int		 r, rc;

	if ((r = store_meta_get(s, "last_check", &v)) == -1)
		return -1;
	if (r == 1)
		last = strtoll(v, NULL, 10);
	free(v);
	if (r == 1 && now >= last && now - last < 86400)
		return 0;
	if (sqlite3_prepare_v2(s->s_db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return db_error(s, "checking the file");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		snprintf(detail, sizeof(detail), "quick_check: %s", sqlite3_errmsg(s->s_db));
		sqlite3_finalize(st);
		return damaged(s, detail);
	}
	t = (const char *)sqlite3_column_text(st, 0);
	if (t == NULL || strcmp(t, "ok") != 0) {
		snprintf(detail, sizeof(detail), "quick_check: %s", t != NULL ? t : "no result");
		sqlite3_finalize(st);
		return damaged(s, detail);
	}
	sqlite3_finalize(st);
	if (!record)
		return 0;
	snprintf(buf, sizeof(buf), "%" PRId64, now);
	return store_meta_put(s, "last_check", buf);
}

void
store_full_note(struct store *s, const char *note)
{
	free(s->s_fullnote);
	s->s_fullnote = note != NULL ? xstrdup(note) : NULL;
}

unsigned
store_errors(const struct store *s)
{
	return s->s_nerr;
}

int
store_damaged(const struct store *s)
{
	return s->s_damaged;
}

int
store_meta_get(struct store *s, const char *key, char **value)
{
	sqlite3_stmt	*st = s->s_st[ST_META_GET];
	int		 r;

	*value = NULL;
	if (bind_text(st, 1, key) != SQLITE_OK)
		return bind_error(s, st, "reading a setting");
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_error(s, "reading a setting");
	return *value != NULL;
}

int
store_meta_put(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st = s->s_st[ST_META_PUT];

	if (bind_text(st, 1, key) != SQLITE_OK || bind_text(st, 2, value) != SQLITE_OK)
		return bind_error(s, st, "recording a setting");
	return run(s, st, "recording a setting");
}

int
store_meta_hint(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st = s->s_st[ST_META_PUT];
	int		 rc;

	if (bind_text(st, 1, key) != SQLITE_OK || bind_text(st, 2, value) != SQLITE_OK) {
		done(st);
		return -1;
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	done(st);
	return rc;
}

int
store_seed(struct store *s, uint64_t *seed)
{
	char		*v = NULL, buf[32];
	uint64_t	 x;
	int		 r;

	if ((r = store_meta_get(s, "seed", &v)) == -1)
		return -1;
	if (r == 1) {
		*seed = strtoull(v, NULL, 16);
		free(v);
		return 0;
	}
	if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
		return log_error("%s: cannot draw a random seed: %s", s->s_path,
		    strerror(errno));
	snprintf(buf, sizeof(buf), "%016" PRIx64, x);
	*seed = x;
	return store_meta_put(s, "seed", buf);
}

int
store_ban_starts(struct store *s, const char *jail, const char *addr, int64_t from,
    int64_t to, int64_t **v, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_STARTS];
	size_t		 cap = 0;
	int		 r;

	*v = NULL;
	*n = 0;
	if (bind_text(st, 1, jail) != SQLITE_OK || bind_text(st, 2, addr) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, from) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, to) != SQLITE_OK)
		return bind_error(s, st, "reading earlier bans");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof(**v));
		}
		(*v)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		free(*v);
		*v = NULL;
		*n = 0;
		return db_error(s, "reading earlier bans");
	}
	return 0;
}

/* ---- Fleet mode (fleet.c) ---- */

int
store_fleet_outbox(struct store *s, int64_t after_id, size_t max, struct fleetrow **v,
    size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_OUTBOX];
	struct fleetrow	*r = NULL, *e;
	size_t		 nr = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)max) != SQLITE_OK)
		return bind_error(s, st, "reading failures to push");
	r = xcalloc(max + 1, sizeof(*r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = &r[nr];
		e->fr_id = sqlite3_column_int64(st, 0);
		e->fr_time = sqlite3_column_int64(st, 1);
		if (column_str(st, 2, e->fr_addr, sizeof(e->fr_addr)) == -1)
			e->fr_addr[0] = '\0';	/* not an address: fleet.c skips it */
		e->fr_jail = column_dup(st, 3);
		e->fr_pattern = sqlite3_column_int(st, 4);
		nr++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading failures to push");
		done(st);
		store_fleetrows_free(r, nr);
		return -1;
	}
	done(st);
	*v = r;
	*n = nr;
	return 0;
}

void
store_fleetrows_free(struct fleetrow *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].fr_jail);
	free(v);
}

int
store_fleet_waiting(struct store *s, int64_t after_id, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_WAITING];

	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK)
		return bind_error(s, st, "counting failures to push");
	return one_int(s, st, "counting failures to push", n);
}

int
store_fleet_add(struct store *s, const char *host, int64_t rid, int64_t seq,
    const char *jail, const struct addr *a, int64_t time, int pattern)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_KNOWN];
	char		 buf[ADDR_STRLEN];
	int64_t		 known;

	if (a->a_family != AF_INET && a->a_family != AF_INET6)
		return log_error("%s: recording a pulled failure: address of family %d",
		    s->s_path, a->a_family);
	if (flush(s) == -1)
		return -1;
	if (bind_text(st, 1, host) != SQLITE_OK || sqlite3_bind_int64(st, 2, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled failure");
	if (one_int(s, st, "recording a pulled failure", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	addr_str(a, buf, sizeof(buf));
	if (failure_insert(s, jail, buf, time, pattern) == -1)
		return -1;
	st = s->s_st[ST_FLEET_PUT];
	if (sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->s_db)) != SQLITE_OK ||
	    bind_text(st, 2, host) != SQLITE_OK || sqlite3_bind_int64(st, 3, rid) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, seq) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled failure");
	if (run(s, st, "recording a pulled failure") == -1)
		return -1;
	return 1;
}

/*
 * Manual bans (kind 'b': id, addr, jail, start, end, reason) made here
 * with id > ban_after, then unbans (kind 'u': addr, time in start) made
 * here at a time > lift_after, oldest first.
 */
int
store_fleet_actions_out(struct store *s, int64_t ban_after, int64_t lift_after,
    struct fleetact **v, size_t *n)
{
	sqlite3_stmt	*st;
	struct fleetact	*r = NULL, *e;
	size_t		 nr = 0, cap = 0;
	int		 rc, k;

	*v = NULL;
	*n = 0;
	for (k = 0; k < 2; k++) {
		st = s->s_st[k == 0 ? ST_FLEET_BANS_OUT : ST_FLEET_LIFTS_OUT];
		if (sqlite3_bind_int64(st, 1, k == 0 ? ban_after : lift_after) != SQLITE_OK) {
			store_fleetacts_free(r, nr);
			return bind_error(s, st, "reading bans to push");
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (nr == cap) {
				cap = cap ? cap * 2 : 16;
				r = xreallocarray(r, cap, sizeof(*r));
			}
			e = &r[nr++];
			memset(e, 0, sizeof(*e));
			e->fa_kind = k == 0 ? 'b' : 'u';
			if (k == 0) {
				e->fa_id = sqlite3_column_int64(st, 0);
				column_str(st, 1, e->fa_addr, sizeof(e->fa_addr));
				e->fa_jail = column_dup(st, 2);
				e->fa_start = sqlite3_column_int64(st, 3);
				e->fa_end = sqlite3_column_type(st, 4) == SQLITE_NULL ?
				    TIME_FOREVER : sqlite3_column_int64(st, 4);
				if (sqlite3_column_type(st, 5) != SQLITE_NULL)
					e->fa_reason = column_dup(st, 5);
			} else {
				column_str(st, 0, e->fa_addr, sizeof(e->fa_addr));
				e->fa_start = sqlite3_column_int64(st, 1);
			}
		}
		if (rc != SQLITE_DONE) {
			db_error(s, "reading bans to push");
			done(st);
			store_fleetacts_free(r, nr);
			return -1;
		}
		done(st);
	}
	*v = r;
	*n = nr;
	return 0;
}

void
store_fleetacts_free(struct fleetact *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].fa_jail);
		free(v[i].fa_reason);
	}
	free(v);
}

int
store_fleet_ban_add(struct store *s, const char *host, int64_t rid, const char *jail,
    const char *addr, int64_t start, int64_t end, const char *reason)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_BAN_KNOWN];
	int64_t		 known, id;

	if (bind_text(st, 1, host) != SQLITE_OK || sqlite3_bind_int64(st, 2, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled ban");
	if (one_int(s, st, "recording a pulled ban", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	if (store_ban_manual(s, jail, addr, start, end, reason, &id) == -1)
		return -1;
	st = s->s_st[ST_FLEET_BAN_PUT];
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK || bind_text(st, 2, host) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled ban");
	return run(s, st, "recording a pulled ban") == -1 ? -1 : 1;
}

int
store_fleet_lift_add(struct store *s, const char *host, const char *addr, int64_t at)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_LIFT_KNOWN];
	char		 a[ADDR_STRLEN];
	int64_t		 known, n;

	if (canonical(s, addr, a, "recording a pulled unban") == -1)
		return -1;
	if (bind_text(st, 1, a) != SQLITE_OK || sqlite3_bind_int64(st, 2, at) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled unban");
	if (one_int(s, st, "recording a pulled unban", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	st = s->s_st[ST_FLEET_LIFT_PUT];
	if (bind_text(st, 1, a) != SQLITE_OK || sqlite3_bind_int64(st, 2, at) != SQLITE_OK ||
	    bind_text(st, 3, host) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled unban");
	if (run(s, st, "recording a pulled unban") == -1 || store_unban(s, a, at, &n) == -1)
		return -1;
	return 1;
}
