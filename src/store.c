/*
 * store.c -- the SQLite database: mailban's whole state, and its report.
 * Inputs: the database path and flags from main; failures, bans, reader
 * positions and run summaries from the other modules.
 * Invariants:
 *  - only store*.c speak SQL (store_int.h says which part does what).
 *    Every statement is a constant string with bound parameters, prepared
 *    once in store_open() (which also proves that the file has the tables
 *    and columns this code needs), reset after each use and finalized in
 *    store_close();
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
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

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

int
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
	pat_forget(s);
	free(s->s_arena);
	free(s->s_hash);
	free(s->s_fullnote);
	free(s->s_path);
	free(s);
}

int
store_begin(struct store *s)
{
	fb_reset(s);	/* left from a transaction SQLite rolled back itself */
	pat_forget(s);
	return st_run(s, s->s_st[ST_BEGIN], "starting a transaction");
}

int
store_commit(struct store *s)
{
	if (flush(s) == -1)
		return -1;
	return st_run(s, s->s_st[ST_COMMIT], "committing");
}

void
store_rollback(struct store *s)
{
	if (s == NULL)
		return;
	fb_reset(s);
	pat_forget(s);
	/* After SQLITE_FULL and the like, SQLite may have rolled back already. */
	if (sqlite3_get_autocommit(s->s_db))
		return;
	if (sqlite3_step(s->s_st[ST_ROLLBACK]) != SQLITE_DONE)
		log_warnx("%s: rolling back: %s", s->s_path, sqlite3_errmsg(s->s_db));
	done(s->s_st[ST_ROLLBACK]);
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
	return st_run(s, st, "recording a setting");
}

int64_t
store_meta_time(struct store *s, const char *key)
{
	char	*v = NULL;
	int64_t	 t = 0;

	if (store_meta_get(s, key, &v) == 1)
		t = strtoll(v, NULL, 10);
	free(v);
	return t;
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
