/*
 * test_store.c -- the database: real SQLite files in a fresh temporary
 * directory per test.  Rows are checked by reading the file through a
 * second, raw SQLite connection; error messages are captured from stderr
 * and compared whole.  Documentation addresses only.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "addr.h"
#include "bans.h"
#include "policy.h"
#include "store.h"
#include "util.h"

#define T0	1764151200	/* 2025-11-26 10:00:00 UTC */

struct fixture {
	char	dir[64];
	char	db[128];
};

static int	capture_saved = -1;

static int
setup(void **state)
{
	struct fixture	*fx = xcalloc(1, sizeof(*fx));
	int		 n;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	n = snprintf(fx->db, sizeof(fx->db), "%s/mailban.db", fx->dir);
	if (n < 0 || (size_t)n >= sizeof(fx->db))
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	const char	*suffix[] = { "", "-wal", "-shm", "-journal" };
	const char	*other[] = { "link", "other.db" };
	char		 p[192];
	size_t		 i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->db, suffix[i]);
		unlink(p);
	}
	if (capture_saved != -1) {
		fflush(stderr);
		dup2(capture_saved, STDERR_FILENO);
		close(capture_saved);
		capture_saved = -1;
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, other[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/*
 * Everything written to stderr between capture_start() and capture_end().
 * capture_saved lets teardown() give stderr back after a failed assert.
 */
struct capture {
	int	saved;
	FILE	*tmp;
};

static void
capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	capture_saved = c->saved;
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

static char *
capture_end(struct capture *c)
{
	char	*buf = xcalloc(1, 4096);
	size_t	 n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	capture_saved = -1;
	rewind(c->tmp);
	n = fread(buf, 1, 4095, c->tmp);
	buf[n] = '\0';
	fclose(c->tmp);
	return buf;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	char	*buf = xmalloc(1024);
	va_list	 ap;
	int	 n;

	va_start(ap, f);
	n = vsnprintf(buf, 1024, f, ap);
	va_end(ap);
	assert_true(n >= 0 && n < 1024);
	return buf;
}

/* Rows of a query through a raw connection: "a|b|c\n" per row, NULL as "-". */
static char *
dump(const char *db, const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		*out = xcalloc(1, 1);
	size_t		 len = 0;
	int		 i, rc;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = sqlite3_column_type(st, i) == SQLITE_NULL ? "-" :
			    (const char *)sqlite3_column_text(st, i);
			size_t	    vl = strlen(v);

			out = xreallocarray(out, len + vl + 2, 1);
			memcpy(out + len, v, vl);
			len += vl;
			out[len++] = i + 1 < sqlite3_column_count(st) ? '|' : '\n';
			out[len] = '\0';
		}
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out;
}

#define assert_dump(db, sql, want) do {				\
	char	*d_ = dump((db), (sql));				\
	assert_string_equal(d_, (want));				\
	free(d_);							\
} while (0)

/* Run SQL on the file through a raw connection (to set up odd states). */
static void
raw(const char *db, const char *sql)
{
	sqlite3	*h;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static struct store *
open_new(const struct fixture *fx)
{
	struct store	*s;

	assert_int_equal(store_open(fx->db, STORE_CREATE, &s), 0);
	assert_non_null(s);
	return s;
}

static struct addr
A(const char *text)
{
	struct addr	a;

	assert_int_equal(addr_parse(text, strlen(text), &a), 0);
	return a;
}

static void
add(struct store *s, const char *jail, const char *addr, int64_t t)
{
	struct addr	a = A(addr);

	assert_int_equal(store_failure_add(s, jail, &a, t, "failregex"), 0);
}

/* store_open() must fail with exactly this message (and *out NULL). */
static void
assert_open_fails(const char *path, int flags, const char *want)
{
	struct capture	 c;
	struct store	*s = (struct store *)&c;
	char		*got;

	capture_start(&c);
	assert_int_equal(store_open(path, flags, &s), -1);
	got = capture_end(&c);
	assert_null(s);
	assert_string_equal(got, want);
	free(got);
}

/* ---- opening ---- */

static void
create_makes_a_0600_wal_database_at_version_5(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct stat	 sb;

	assert_int_equal(lstat(fx->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	store_close(s);
	assert_dump(fx->db, "SELECT * FROM pragma_user_version, pragma_application_id, "
	    "pragma_journal_mode, pragma_auto_vacuum", "5|1296843342|wal|2\n");
	assert_dump(fx->db, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE "
	    "'sqlite_%' ORDER BY type, name",
	    "index|bans_active\nindex|bans_lifted\nindex|bans_window\nindex|failures_ban\n"
	    "index|failures_window\nindex|fleet_ban_origin_rid\nindex|fleet_origin_rid\n"
	    "index|pending_addr\nindex|pending_qid\n"
	    "index|pending_time\ntable|bans\n"
	    "table|failures\ntable|fleet_ban_origin\ntable|fleet_lifts\ntable|fleet_lifts_pushed\ntable|fleet_origin\ntable|meta\ntable|patterns\ntable|pending\ntable|positions\ntable|runs\n"
	    "table|scanned\nview|active_bans\nview|ban_history\n"
	    "view|failures_named\nview|offenders\n");
}

static void
reopen_keeps_the_data_and_does_not_recreate(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct logpos	 p = { 1, 2, 300, 4, 5 }, q;

	assert_int_equal(store_pos_put(s, "/var/log/mail.log", &p), 0);
	store_close(s);
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_int_equal(store_pos_get(s, "/var/log/mail.log", &q), 1);
	assert_int_equal(q.lp_offset, 300);
	store_close(s);
	s = open_new(fx);
	assert_int_equal(store_pos_get(s, "/var/log/mail.log", &q), 1);
	assert_int_equal(q.lp_offset, 300);
	store_close(s);
}

static void
missing_file_without_create_is_refused(void **state)
{
	struct fixture	*fx = *state;
	char		*want = fmt("mailban: %s: no database yet (the first mailban "
	    "run creates it)\n", fx->db);

	assert_open_fails(fx->db, 0, want);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	assert_int_equal(access(fx->db, F_OK), -1);	/* not created */
	free(want);
}

static void
newer_user_version_is_refused(void **state)
{
	struct fixture	*fx = *state;
	char		*want;

	store_close(open_new(fx));
	raw(fx->db, "PRAGMA user_version = 6");
	want = fmt("mailban: %s: was written by a newer mailban (schema version 6; "
	    "this one knows up to 5): upgrade mailban\n", fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	assert_dump(fx->db, "PRAGMA user_version", "6\n");
	free(want);
}

static void
garbage_file_is_refused_and_left_alone(void **state)
{
	struct fixture	*fx = *state;
	static const char junk[] = "Nov  6 09:01:02 mx sm-mta[1]: not a database at all, "
	    "just a log line that is long enough to fill a header page of sqlite\n";
	char		*want, buf[sizeof(junk)];
	int		 fd;

	fd = open(fx->db, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	close(fd);
	want = fmt("mailban: %s: not a mailban database (file is not a database): "
	    "move it away to start afresh\n", fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	fd = open(fx->db, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(junk) - 1);
	close(fd);
	assert_memory_equal(buf, junk, sizeof(junk) - 1);
	free(want);
}

static void
other_sqlite_database_is_refused_unchanged(void **state)
{
	struct fixture	*fx = *state;
	char		*want;

	raw(fx->db, "CREATE TABLE notes (x TEXT)");
	want = fmt("mailban: %s: not a mailban database (it holds other tables): "
	    "move it away to start afresh\n", fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	free(want);
	assert_dump(fx->db, "PRAGMA journal_mode", "delete\n");
	raw(fx->db, "PRAGMA application_id = 42");
	want = fmt("mailban: %s: not a mailban database (application_id 0x2a): "
	    "move it away to start afresh\n", fx->db);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	free(want);
}

static void
missing_column_is_a_schema_mismatch(void **state)
{
	struct fixture	*fx = *state;
	char		*want;

	store_close(open_new(fx));
	raw(fx->db, "ALTER TABLE runs DROP COLUMN ms");
	want = fmt("mailban: %s: the tables do not match schema version 5 (table runs "
	    "has no column named ms): move it away to start afresh\n", fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	free(want);
}

static void
empty_file_is_created_only_with_create(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	char		*want;
	int		 fd;

	/* A first run killed between creating the file and the schema. */
	fd = open(fx->db, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	want = fmt("mailban: %s: empty database (the first mailban run creates its "
	    "tables)\n", fx->db);
	assert_open_fails(fx->db, 0, want);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	free(want);
	assert_int_equal(store_open(fx->db, STORE_CREATE, &s), 0);
	store_close(s);
	assert_dump(fx->db, "PRAGMA user_version", "5\n");
}

static void
group_writable_file_is_refused(void **state)
{
	struct fixture	*fx = *state;
	char		*want;

	store_close(open_new(fx));
	assert_int_equal(chmod(fx->db, 0620), 0);
	want = fmt("mailban: %s: writable by group or others (fix: chmod 600 %s)\n",
	    fx->db, fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	assert_int_equal(chmod(fx->db, 0602), 0);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	free(want);
}

static void
file_of_another_owner_is_refused_as_root(void **state)
{
	struct fixture	*fx = *state;
	char		*want;

	if (geteuid() != 0)
		skip();
	store_close(open_new(fx));
	assert_int_equal(chown(fx->db, 1, 1), 0);
	want = fmt("mailban: %s: owned by uid 1, not by root (fix: chown root %s && "
	    "chmod 600 %s)\n", fx->db, fx->db, fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	free(want);
}

static void
symlink_is_refused(void **state)
{
	struct fixture	*fx = *state;
	char		*link = fmt("%s/link", fx->dir), *want;

	store_close(open_new(fx));
	assert_int_equal(symlink(fx->db, link), 0);
	want = fmt("mailban: %s: is a symbolic link; refusing to follow it (give the "
	    "real path)\n", link);
	assert_open_fails(link, STORE_CREATE, want);
	free(want);
	free(link);
}

static void
memory_database_needs_no_file(void **state)
{
	struct store	*s;
	int64_t		 id;

	(void)state;
	assert_int_equal(store_open(":memory:", STORE_CREATE, &s), 0);
	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 1);
	store_close(s);
	assert_int_equal(access(":memory:", F_OK), -1);
	store_close(NULL);
	store_touched_free(NULL, 0);
	store_banrows_free(NULL, 0);
}

static void
read_only_open_works_while_a_writer_holds_a_transaction(void **state)
{
	struct fixture	*fx = *state;
	struct store	*w = open_new(fx), *r;
	struct banrow	*v;
	struct capture	 c;
	size_t		 n;
	int64_t		 id;
	char		*got, *want;

	add(w, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_begin(w), 0);
	add(w, "sendmail-auth", "192.0.2.8", T0 + 1);
	assert_int_equal(store_ban_add(w, "sendmail-auth", "192.0.2.8", T0 + 1, T0 + 601,
	    NULL, 0), 0);
	assert_int_equal(store_open(fx->db, STORE_RDONLY, &r), 0);
	/* The reader sees the last commit, never the writer's work. */
	assert_int_equal(store_failure_maxid(r, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(bans_active(r, T0 + 2, &v, &n), 0);
	assert_int_equal(n, 0);
	store_banrows_free(v, n);
	capture_start(&c);
	assert_int_equal(store_pending_put(r, "sendmail-auth", "5AQ1x", NULL, T0), -1);
	got = capture_end(&c);
	want = fmt("mailban: %s: recording a queue id: attempt to write a readonly "
	    "database\n", fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_failure_maxid(r, &id), 0);
	assert_int_equal(id, 2);
	store_close(r);
	store_close(w);
}

static void
read_only_open_works_after_the_writer_closed(void **state)
{
	struct fixture	*fx = *state;
	struct store	*r;
	int64_t		 id;
	char		 wal[192];

	store_close(open_new(fx));
	snprintf(wal, sizeof(wal), "%s-wal", fx->db);
	assert_int_equal(access(wal, F_OK), -1);	/* checkpointed and gone */
	assert_int_equal(store_open(fx->db, STORE_RDONLY, &r), 0);
	assert_int_equal(store_failure_maxid(r, &id), 0);
	assert_int_equal(id, 0);
	store_close(r);
}

/* ---- positions ---- */

struct seen {
	char	 text[1024];
	int64_t	 t0, t1;
	int	 stop_after;
};

static int
each_pos(void *arg, const char *path, const struct logpos *p, int64_t updated)
{
	struct seen	*sn = arg;
	size_t		 len = strlen(sn->text);

	snprintf(sn->text + len, sizeof(sn->text) - len, "%s %" PRIu64 " %" PRIu64
	    " %" PRId64 " %016" PRIx64 " %" PRId64 " %s\n", path, p->lp_dev,
	    p->lp_ino, p->lp_offset, p->lp_fp, p->lp_fplen,
	    updated >= sn->t0 && updated <= sn->t1 ? "now" : "wrong");
	return --sn->stop_after == 0 ? -1 : 0;
}

static void
positions_round_trip_exactly_including_the_top_bit(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct logpos	 a = { UINT64_MAX, 0x8000000000000001ULL, 123456789,
	    0xcbf29ce484222325ULL, 4096 };
	struct logpos	 b = { 2049, 131, 0, 0, 0 }, q;
	struct seen	 sn = { "", 0, 0, 0 };

	memset(&q, 0x55, sizeof(q));
	assert_int_equal(store_pos_get(s, "/var/log/mail.log", &q), 0);
	sn.t0 = time(NULL);
	assert_int_equal(store_pos_put(s, "/var/log/mail.log", &b), 0);
	assert_int_equal(store_pos_put(s, "/var/log/mail.log", &a), 0);	/* replaces */
	assert_int_equal(store_pos_put(s, "/var/log/maillog", &b), 0);
	sn.t1 = time(NULL);
	assert_int_equal(store_pos_get(s, "/var/log/mail.log", &q), 1);
	assert_memory_equal(&q, &a, sizeof(a));
	assert_int_equal(store_pos_get(s, "/var/log/maillog", &q), 1);
	assert_memory_equal(&q, &b, sizeof(b));
	assert_int_equal(store_pos_each(s, each_pos, &sn), 0);
	assert_string_equal(sn.text,
	    "/var/log/mail.log 18446744073709551615 9223372036854775809 123456789 "
	    "cbf29ce484222325 4096 now\n"
	    "/var/log/maillog 2049 131 0 0000000000000000 0 now\n");
	sn.text[0] = '\0';
	sn.stop_after = 1;
	assert_int_equal(store_pos_each(s, each_pos, &sn), -1);
	assert_string_equal(sn.text, "/var/log/mail.log 18446744073709551615 "
	    "9223372036854775809 123456789 cbf29ce484222325 4096 now\n");
	store_close(s);
	assert_dump(fx->db, "SELECT path, dev, ino, fp FROM positions ORDER BY path",
	    "/var/log/mail.log|-1|-9223372036854775807|-3750763034362895579\n"
	    "/var/log/maillog|2049|131|0\n");
}

/* ---- failures and the window ---- */

static void
failures_are_stored_as_canonical_text(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct addr	 a = A("[IPv6:2001:DB8:0:0::7]"), m = A("::ffff:192.0.2.9");
	int64_t		 id;

	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-auth", &a, T0, "failregex.3"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &m, T0 - 5, "failregex"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 2);
	store_close(s);
	assert_dump(fx->db, "SELECT * FROM failures ORDER BY id",
	    "1|1764151200|2001:db8::7|sendmail-auth|1|-\n"
	    "2|1764151195|192.0.2.9|sendmail-reject|1|-\n");
}

static void
touched_lists_pairs_with_new_failures_and_their_earliest_time(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct touched	*t;
	size_t		 n;

	add(s, "sendmail-auth", "192.0.2.7", T0);		/* id 1: old */
	add(s, "sendmail-auth", "192.0.2.8", T0 + 10);		/* 2 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 30);		/* 3 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 20);		/* 4 */
	add(s, "sendmail-reject", "192.0.2.7", T0 + 40);	/* 5 */
	add(s, "sendmail-auth", "2001:db8::1", T0 + 50);	/* 6 */
	assert_int_equal(store_touched(s, 1, &t, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(t[0].t_jail, "sendmail-auth");
	assert_string_equal(t[0].t_addr, "192.0.2.7");
	assert_int_equal(t[0].t_from, T0 + 20);
	assert_string_equal(t[1].t_jail, "sendmail-auth");
	assert_string_equal(t[1].t_addr, "192.0.2.8");
	assert_int_equal(t[1].t_from, T0 + 10);
	assert_string_equal(t[2].t_jail, "sendmail-auth");
	assert_string_equal(t[2].t_addr, "2001:db8::1");
	assert_int_equal(t[2].t_from, T0 + 50);
	assert_string_equal(t[3].t_jail, "sendmail-reject");
	assert_string_equal(t[3].t_addr, "192.0.2.7");
	assert_int_equal(t[3].t_from, T0 + 40);
	store_touched_free(t, n);
	assert_int_equal(store_touched(s, 6, &t, &n), 0);
	assert_int_equal(n, 0);
	assert_null(t);
	store_close(s);
}

static void
failures_of_a_transaction_are_seen_by_reads_and_ids_keep_read_order(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct touched	*t;
	struct pfail	*f;
	size_t		 n;
	int64_t		 id, until;

	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.7", T0 + 5);	/* read 1st */
	add(s, "sendmail-auth", "192.0.2.1", T0 + 1);	/* 2nd */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 5);	/* 3rd */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 3);	/* 4th */
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 4);
	add(s, "sendmail-auth", "192.0.2.7", T0 + 5);	/* 5th, after a flush */
	assert_int_equal(store_touched(s, 0, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[1].t_addr, "192.0.2.7");
	assert_int_equal(t[1].t_from, T0 + 3);
	store_touched_free(t, n);
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0, 600, &until,
	    &f, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(f[0].pf_time, T0 + 3);
	assert_int_equal(f[1].pf_time, T0 + 5);
	assert_true(f[0].pf_id < f[1].pf_id && f[1].pf_id < f[2].pf_id &&
	    f[2].pf_id < f[3].pf_id);
	free(f);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	/* pattern 0 everywhere; the times tell the reads apart where they differ */
	assert_dump(fx->db, "SELECT id, address, time - 1764151200 FROM failures ORDER BY id",
	    "1|192.0.2.1|1\n2|192.0.2.7|3\n3|192.0.2.7|5\n4|192.0.2.7|5\n5|192.0.2.7|5\n");
}

static void
rollback_drops_the_failures_of_the_transaction(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	int64_t		 id;

	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.8", T0 + 1);
	add(s, "sendmail-auth", "192.0.2.9", T0 + 2);
	store_rollback(s);
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.10", T0 + 3);
	store_close(s);		/* without commit: rolled back */
	assert_dump(fx->db, "SELECT id, address FROM failures", "1|192.0.2.7\n");
}

static void
many_failures_in_one_transaction_are_all_recorded_once_in_order(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const char	*jail[] = { "sendmail-auth", "sendmail-reject" };
	struct addr	 a[7];
	int64_t		 i, id, sum = 0, N = 262144 + 2 * 256 + 3;
	char		 text[ADDR_STRLEN], key[32];
	char		*want;

	for (i = 0; i < 7; i++) {
		snprintf(text, sizeof(text), "2001:db8::%x", (unsigned)(i * 4099));
		a[i] = A(text);
	}
	assert_int_equal(store_begin(s), 0);
	/*
	 * The group of i (equal jail, address, time) is i mod lcm(14, 1000):
	 * its members are 7000 apart, so the key "k" i / 7000 tells their
	 * order, and its id grows with it (interned in that order).
	 */
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "k%d", (int)(i / 7000));
		sum += i / 7000;
		assert_int_equal(store_failure_add(s, jail[i % 2], &a[i % 7],
		    T0 + (i * 7919) % 1000, key), 0);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, N);
	store_close(s);
	want = fmt("%" PRId64 "|%" PRId64 "\n", N, sum);
	assert_dump(fx->db, "SELECT count(*), sum(CAST(substr(p.key, 2) AS INTEGER)) "
	    "FROM failures f JOIN patterns p ON p.jail = f.jail AND p.id = f.pattern", want);
	free(want);
	/*
	 * Equal (jail, address, time): ids in the order read (pattern ids
	 * grow with it).  N - 7000 rows have a predecessor in their group,
	 * and none may come before it.
	 */
	assert_dump(fx->db, "SELECT count(*), sum(pattern < pp) FROM (SELECT pattern, "
	    "lag(pattern) OVER (PARTITION BY jail, address, time ORDER BY id) AS pp "
	    "FROM failures) WHERE pp IS NOT NULL", "255659|0\n");
	assert_dump(fx->db, "SELECT count(DISTINCT jail || address) FROM failures", "14\n");
}

static void
window_returns_unconsumed_failures_from_from_minus_findtime(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct pfail	*f;
	size_t		 n;
	int64_t		 until = -1;
	const int64_t	 ids[] = { 2 };

	add(s, "sendmail-auth", "192.0.2.7", T0 - 601);	/* 1: before the window */
	add(s, "sendmail-auth", "192.0.2.7", T0 - 600);	/* 2: consumed below */
	add(s, "sendmail-auth", "192.0.2.7", T0 - 600);	/* 3: first, boundary */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 5);	/* 4 */
	add(s, "sendmail-auth", "192.0.2.7", T0);	/* 5: sorts before 4 */
	add(s, "sendmail-auth", "192.0.2.8", T0);	/* 6: other address */
	add(s, "sendmail-reject", "192.0.2.7", T0);	/* 7: other jail */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 5);	/* 8: same time as 4 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 - 700,
	    T0 - 100, ids, 1), 0);
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0, 600, &until,
	    &f, &n), 0);
	assert_int_equal(until, T0 - 100);
	assert_int_equal(n, 4);
	assert_int_equal(f[0].pf_id, 3);
	assert_int_equal(f[0].pf_time, T0 - 600);
	assert_int_equal(f[1].pf_id, 5);
	assert_int_equal(f[1].pf_time, T0);
	assert_int_equal(f[2].pf_id, 4);
	assert_int_equal(f[2].pf_time, T0 + 5);
	assert_int_equal(f[3].pf_id, 8);
	assert_int_equal(f[3].pf_time, T0 + 5);
	free(f);
	/* The earlier ban is kept, its failure still consumed. */
	store_close(s);
	assert_dump(fx->db, "SELECT id, start, end, failures FROM bans",
	    "1|1764150500|1764151100|1\n");
	assert_dump(fx->db, "SELECT id FROM failures WHERE ban_id = 1", "2\n");
}

static void
window_deletes_later_automatic_bans_and_unconsumes_their_failures(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct pfail	*f;
	size_t		 n;
	int64_t		 until;
	const int64_t	 b1[] = { 1, 2 }, b2[] = { 3, 4 }, b3[] = { 5 };

	add(s, "sendmail-auth", "192.0.2.7", T0);		/* 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 10);		/* 2 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 100);		/* 3 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 110);		/* 4 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 200);		/* 5 */
	add(s, "sendmail-reject", "192.0.2.7", T0 + 100);	/* 6 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 10,
	    T0 + 60, b1, 2), 0);				/* ban 1 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 110,
	    T0 + 160, b2, 2), 0);				/* ban 2 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 200,
	    TIME_FOREVER, b3, 1), 0);				/* ban 3 */
	assert_int_equal(store_ban_add(s, "sendmail-reject", "192.0.2.7", T0 + 100,
	    T0 + 160, (const int64_t[]){ 6 }, 1), 0);		/* ban 4 */
	/* from = T0 + 110: ban 2 starts exactly there, ban 3 later. */
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0 + 110, 1000,
	    &until, &f, &n), 0);
	assert_int_equal(until, T0 + 60);
	assert_int_equal(n, 3);
	assert_int_equal(f[0].pf_id, 3);
	assert_int_equal(f[1].pf_id, 4);
	assert_int_equal(f[2].pf_id, 5);
	free(f);
	store_close(s);
	assert_dump(fx->db, "SELECT id, jail, start, end, failures FROM bans ORDER BY id",
	    "1|sendmail-auth|1764151210|1764151260|2\n"
	    "4|sendmail-reject|1764151300|1764151360|1\n");
	assert_dump(fx->db, "SELECT id, ban_id FROM failures ORDER BY id",
	    "1|1\n2|1\n3|-\n4|-\n5|-\n6|4\n");
}

static void
window_until_is_forever_after_a_permanent_ban(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct pfail	*f;
	size_t		 n;
	int64_t		 until;

	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0, T0 + 60,
	    NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 10,
	    TIME_FOREVER, NULL, 0), 0);
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0 + 100, 600,
	    &until, &f, &n), 0);
	assert_int_equal(until, TIME_FOREVER);
	assert_int_equal(n, 0);
	free(f);
	/* No earlier ban at all: 0; an other jail's ban does not count. */
	assert_int_equal(bans_pair(s, "sendmail-reject", "192.0.2.7", T0 + 100, 600,
	    &until, &f, &n), 0);
	assert_int_equal(until, 0);
	free(f);
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0 + 5, 600,
	    &until, &f, &n), 0);
	assert_int_equal(until, T0 + 60);
	free(f);
	store_close(s);
	assert_dump(fx->db, "SELECT id, end FROM bans", "1|1764151260\n");
}

static void
window_counts_lifted_bans_until_lifted_and_ignores_manual_ones(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct pfail	*f;
	size_t		 n;
	int64_t		 until;
	const int64_t	 b[] = { 1 };

	add(s, "sendmail-auth", "192.0.2.7", T0 + 300);	/* 1 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0,
	    TIME_FOREVER, NULL, 0), 0);				/* 1: lifted at +50 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 10,
	    T0 + 40, NULL, 0), 0);				/* 2 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 300,
	    T0 + 900, b, 1), 0);				/* 3: lifted later */
	store_close(s);
	raw(fx->db, "UPDATE bans SET lifted = 1764151250 WHERE id = 1;"
	    "UPDATE bans SET lifted = 1764151600 WHERE id = 3;"
	    "INSERT INTO bans (address, jail, start, end, manual, reason) VALUES "
	    "('192.0.2.7', 'sendmail-auth', 1764151220, NULL, 1, 'spam run'),"
	    "('192.0.2.7', 'sendmail-auth', 1764151400, 1764159999, 1, NULL)");
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0 + 100, 600,
	    &until, &f, &n), 0);
	assert_int_equal(until, T0 + 50);
	assert_int_equal(n, 0);		/* failure 1 stays with lifted ban 3 */
	free(f);
	store_close(s);
	assert_dump(fx->db, "SELECT id, manual, lifted FROM bans ORDER BY id",
	    "1|0|1764151250\n2|0|-\n3|0|1764151600\n4|1|-\n5|1|-\n");
	assert_dump(fx->db, "SELECT ban_id FROM failures", "3\n");
}

/*
 * store_ban_add_span: one UPDATE of the pair's unconsumed failures in the
 * (time, id) range of the span, not another pair's, not another jail's,
 * not one consumed already; a range holding another count is an error.
 */
static void
ban_add_span_consumes_the_range_of_the_pair_only(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct pfail	*f, stale[3];
	size_t		 n;
	struct capture	 c;
	char		*got, *want;

	add(s, "sendmail-auth", "192.0.2.7", T0);		/* 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 1);		/* 2 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 1);		/* 3 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 2);		/* 4 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 3);		/* 5 */
	add(s, "sendmail-auth", "192.0.2.8", T0 + 1);		/* 6 */
	add(s, "sendmail-reject", "192.0.2.7", T0 + 1);		/* 7 */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_pair_failures(s, "sendmail-auth", "192.0.2.7", T0, &f, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(store_ban_add_span(s, "sendmail-auth", "192.0.2.7", T0 + 2,
	    T0 + 62, &f[1], 3), 0);				/* ban 1: 2, 3, 4 */
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	capture_start(&c);
	/* A stale span 1, 3, 5: 1 and 5 are the range's unconsumed failures. */
	stale[0] = f[0];
	stale[1] = f[2];
	stale[2] = f[4];
	assert_int_equal(store_ban_add_span(s, "sendmail-auth", "192.0.2.7", T0 + 3,
	    T0 + 63, stale, 3), -1);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	/* 3 is consumed already. */
	assert_int_equal(store_ban_add_span(s, "sendmail-auth", "192.0.2.7", T0 + 1,
	    T0 + 61, &f[2], 1), -1);
	store_rollback(s);
	got = capture_end(&c);
	want = fmt("mailban: %s: recording a ban of 192.0.2.7 in sendmail-auth: failures 1 "
	    "to 5 hold 2 unconsumed failures of that pair, not 3 (internal error)\n"
	    "mailban: %s: recording a ban of 192.0.2.7 in sendmail-auth: failures 3 "
	    "to 3 hold 0 unconsumed failures of that pair, not 1 (internal error)\n",
	    fx->db, fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(f);
	store_close(s);
	assert_dump(fx->db, "SELECT id, start, end, failures FROM bans ORDER BY id",
	    "1|1764151202|1764151262|3\n");
	assert_dump(fx->db, "SELECT id, ban_id FROM failures ORDER BY id",
	    "1|-\n2|1\n3|1\n4|1\n5|-\n6|-\n7|-\n");
}

/*
 * The window of a run reads the failures still buffered in place
 * (store_touched gives them the ids the flush writes) and a ban marks the
 * ones it consumes, so that they are written once, with their ban: the
 * same rows, ids and bans as if they had been flushed first.  Here the
 * pair's failures are in three places: the table before the run (1, 2),
 * flushed earlier in the run (3), still buffered (4 to 7).
 */
static void
window_reads_and_consumes_buffered_failures_in_place(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct touched	*t;
	struct pfail	*f, stale[2];
	size_t		 n, i;
	int64_t		 ids[2], id;
	struct capture	 c;
	char		*got, *want;
	static const int64_t	wid[] = { 1, 4, 2, 5, 3, 6 };
	static const int64_t	wtime[] = { 0, 0, 1, 1, 2, 3 };

	add(s, "sendmail-auth", "192.0.2.7", T0);		/* 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 1);		/* 2 */
	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.7", T0 + 2);		/* 3: flushed below */
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 3);
	add(s, "sendmail-auth", "192.0.2.8", T0 + 2);		/* 7 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 3);		/* 6 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 1);		/* 5 */
	add(s, "sendmail-auth", "192.0.2.7", T0);		/* 4 */
	assert_int_equal(store_touched(s, 2, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].t_addr, "192.0.2.7");
	assert_int_equal(t[0].t_from, T0);
	assert_string_equal(t[1].t_addr, "192.0.2.8");
	assert_int_equal(t[1].t_from, T0 + 2);
	store_touched_free(t, n);
	assert_int_equal(store_pair_failures(s, "sendmail-auth", "192.0.2.7", T0, &f, &n), 0);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		assert_int_equal(f[i].pf_id, wid[i]);
		assert_int_equal(f[i].pf_time, T0 + wtime[i]);
	}
	/* A span across both: 4 and 5 buffered, 2 in the table. */
	assert_int_equal(store_ban_add_span(s, "sendmail-auth", "192.0.2.7", T0 + 1,
	    T0 + 61, &f[1], 3), 0);				/* ban 1 */
	ids[0] = 6;
	ids[1] = 1;
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 3,
	    T0 + 63, ids, 2), 0);				/* ban 2 */
	free(f);
	/* What is left unconsumed: 3 only, read in place again. */
	assert_int_equal(store_pair_failures(s, "sendmail-auth", "192.0.2.7", T0, &f, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].pf_id, 3);
	free(f);
	assert_int_equal(store_commit(s), 0);

	/* The same checks as in the table: a stale span, a failure consumed twice. */
	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.9", T0);		/* 8 */
	add(s, "sendmail-auth", "192.0.2.9", T0 + 1);		/* 9 */
	add(s, "sendmail-auth", "192.0.2.9", T0 + 2);		/* 10 */
	assert_int_equal(store_touched(s, 7, &t, &n), 0);
	assert_int_equal(n, 1);
	store_touched_free(t, n);
	assert_int_equal(store_pair_failures(s, "sendmail-auth", "192.0.2.9", T0, &f, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(f[2].pf_id, 10);
	capture_start(&c);
	stale[0] = f[0];
	stale[1] = f[2];
	assert_int_equal(store_ban_add_span(s, "sendmail-auth", "192.0.2.9", T0,
	    T0 + 60, stale, 2), -1);
	ids[0] = 9;
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.9", T0,
	    T0 + 60, ids, 1), -1);
	ids[0] = 7;		/* buffered no more: another pair's, in the table */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.9", T0,
	    T0 + 60, ids, 1), -1);
	got = capture_end(&c);
	want = fmt("mailban: %s: recording a ban of 192.0.2.9 in sendmail-auth: failures 8 "
	    "to 10 hold 3 unconsumed failures of that pair, not 2 (internal error)\n"
	    "mailban: %s: recording a ban of 192.0.2.9 in sendmail-auth: failure 9 "
	    "is not an unconsumed failure of that pair (internal error)\n"
	    "mailban: %s: recording a ban of 192.0.2.9 in sendmail-auth: failure 7 "
	    "is not an unconsumed failure of that pair (internal error)\n",
	    fx->db, fx->db, fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(f);
	store_rollback(s);
	store_close(s);
	assert_dump(fx->db, "SELECT id, start - 1764151200, failures FROM bans ORDER BY id",
	    "1|1|3\n2|3|2\n");
	assert_dump(fx->db, "SELECT id, address, time - 1764151200, ban_id FROM failures "
	    "ORDER BY id",
	    "1|192.0.2.7|0|2\n2|192.0.2.7|1|1\n3|192.0.2.7|2|-\n4|192.0.2.7|0|1\n"
	    "5|192.0.2.7|1|1\n6|192.0.2.7|3|2\n7|192.0.2.8|2|-\n");
}

static void
ban_add_refuses_a_failure_already_consumed(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const int64_t	 ids[] = { 1, 2 };
	struct capture	 c;
	char		*got, *want;

	add(s, "sendmail-auth", "192.0.2.7", T0);
	add(s, "sendmail-auth", "192.0.2.7", T0 + 1);
	add(s, "sendmail-auth", "192.0.2.8", T0 + 2);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 1, T0 + 61,
	    ids, 2), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	capture_start(&c);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 2, T0 + 62,
	    &ids[1], 1), -1);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 2, T0 + 62,
	    (const int64_t[]){ 3 }, 1), -1);	/* another address's failure */
	got = capture_end(&c);
	store_rollback(s);
	want = fmt("mailban: %s: recording a ban of 192.0.2.7 in sendmail-auth: failure 2 "
	    "is not an unconsumed failure of that pair (internal error)\n"
	    "mailban: %s: recording a ban of 192.0.2.7 in sendmail-auth: failure 3 "
	    "is not an unconsumed failure of that pair (internal error)\n", fx->db, fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	store_close(s);
	assert_dump(fx->db, "SELECT id, address, start, end, failures, manual FROM bans",
	    "1|192.0.2.7|1764151201|1764151261|2|0\n");
	assert_dump(fx->db, "SELECT id, ban_id FROM failures", "1|1\n2|1\n3|-\n");
}

/* ---- active bans ---- */

static char *
active_text(struct store *s, int64_t now)
{
	struct banrow	*v;
	size_t		 n, i, len = 0;
	char		*out = xcalloc(1, 2048);

	assert_int_equal(bans_active(s, now, &v, &n), 0);
	for (i = 0; i < n; i++) {
		int	w = snprintf(out + len, 2048 - len, "%s %s %" PRId64 " %" PRId64
		    " %" PRId64 "\n", v[i].b_addr, v[i].b_jail, v[i].b_start - T0,
		    v[i].b_end == TIME_FOREVER ? -1 : v[i].b_end - T0, v[i].b_failures);

		assert_true(w > 0 && (size_t)w < 2048 - len);
		len += (size_t)w;
	}
	store_banrows_free(v, n);
	return out;
}

#define assert_active(s, now, want) do {				\
	char	*a_ = active_text((s), (now));				\
	assert_string_equal(a_, (want));				\
	free(a_);							\
} while (0)

static void
active_holds_bans_with_start_le_now_lt_end_not_lifted(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const int64_t	 ids[] = { 1, 2, 3 };

	add(s, "sendmail-auth", "198.51.100.20", T0 - 20);
	add(s, "sendmail-auth", "198.51.100.20", T0 - 10);
	add(s, "sendmail-auth", "198.51.100.20", T0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "198.51.100.20", T0, T0 + 600,
	    ids, 3), 0);
	assert_int_equal(store_ban_add(s, "sendmail-reject", "198.51.100.20", T0 - 100,
	    T0 + 100, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "2001:db8::5", T0 + 50,
	    TIME_FOREVER, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.3", T0 + 10,
	    T0 + 20, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.9", T0 - 50,
	    TIME_FOREVER, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.10", T0 - 50,
	    T0 + 1000, NULL, 0), 0);
	store_close(s);
	assert_dump(fx->db, "SELECT count(*) FROM bans WHERE end IS NULL", "2\n");
	raw(fx->db, "UPDATE bans SET lifted = 1 WHERE address LIKE '203.0.113.%'");
	assert_int_equal(store_open(fx->db, STORE_RDONLY, &s), 0);
	assert_active(s, T0 - 101, "");
	assert_active(s, T0 - 1, "198.51.100.20 sendmail-reject -100 100 0\n");
	assert_active(s, T0,
	    "198.51.100.20 sendmail-reject -100 100 0\n"
	    "198.51.100.20 sendmail-auth 0 600 3\n");
	assert_active(s, T0 + 10,
	    "192.0.2.3 sendmail-auth 10 20 0\n"
	    "198.51.100.20 sendmail-reject -100 100 0\n"
	    "198.51.100.20 sendmail-auth 0 600 3\n");
	assert_active(s, T0 + 20,
	    "198.51.100.20 sendmail-reject -100 100 0\n"
	    "198.51.100.20 sendmail-auth 0 600 3\n");
	assert_active(s, T0 + 100,
	    "198.51.100.20 sendmail-auth 0 600 3\n"
	    "2001:db8::5 sendmail-auth 50 -1 0\n");
	assert_active(s, T0 + 599,
	    "198.51.100.20 sendmail-auth 0 600 3\n"
	    "2001:db8::5 sendmail-auth 50 -1 0\n");
	assert_active(s, T0 + 600, "2001:db8::5 sendmail-auth 50 -1 0\n");
	assert_active(s, INT64_MAX - 1, "2001:db8::5 sendmail-auth 50 -1 0\n");
	store_close(s);
}

static void
active_canonicalises_and_skips_rows_edited_into_non_addresses(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	struct capture	 c;
	char		*got, *want, *a;

	store_close(open_new(fx));
	raw(fx->db, "INSERT INTO bans (address, jail, start, end) VALUES "
	    "('2001:DB8:0::9', 'sendmail-auth', 1764151200, NULL),"
	    "('192.0.2.1; rm -rf /', 'sendmail-auth', 1764151200, NULL),"
	    "('host.example', 'sendmail-auth', 1764151200, NULL),"
	    "('192.0.2.2', 'sendmail-auth', 1764151200, NULL)");
	assert_int_equal(store_open(fx->db, STORE_RDONLY, &s), 0);
	capture_start(&c);
	a = active_text(s, T0);
	got = capture_end(&c);
	assert_string_equal(a, "192.0.2.2 sendmail-auth 0 -1 0\n"
	    "2001:db8::9 sendmail-auth 0 -1 0\n");
	want = fmt("mailban: %s: bans row 2: the address is not an IP address; ignored "
	    "(fix or delete the row)\n"
	    "mailban: %s: bans row 3: the address is not an IP address; ignored "
	    "(fix or delete the row)\n", fx->db, fx->db);
	assert_string_equal(got, want);
	free(a);
	free(got);
	free(want);
	store_close(s);
}

/* ---- queue ids, purge, runs ---- */

static void
pending_remembers_addresses_and_waiting_failures(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	char		 addr[ADDR_STRLEN] = "unchanged";
	int64_t		 count = -1;

	assert_int_equal(store_pending_addr(s, "sendmail-auth", "5AQ1x", T0, addr), 0);
	assert_string_equal(addr, "unchanged");
	assert_int_equal(store_pending_put(s, "sendmail-auth", "5AQ1x", NULL, T0), 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "5AQ1x", NULL, T0 + 1), 0);
	assert_int_equal(store_pending_put(s, "sendmail-reject", "5AQ1x", NULL, T0), 0);
	assert_int_equal(store_pending_addr(s, "sendmail-auth", "5AQ1x", T0, addr), 0);
	assert_int_equal(store_pending_take(s, "sendmail-auth", "5AQ1x", T0, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(store_pending_take(s, "sendmail-auth", "5AQ1x", T0, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "5AQ1x", "192.0.2.7",
	    T0 + 2), 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "5AQ1x", "192.0.2.8",
	    T0 + 3), 0);	/* replaces: one address per queue id */
	assert_int_equal(store_pending_addr(s, "sendmail-auth", "5AQ1x", T0, addr), 1);
	assert_string_equal(addr, "192.0.2.8");
	assert_int_equal(store_pending_addr(s, "sendmail-reject", "5AQ1x", T0, addr), 0);
	assert_int_equal(store_pending_addr(s, "sendmail-auth", "5AQ1y", T0, addr), 0);
	/* Taking the waiting failures leaves the address. */
	assert_int_equal(store_pending_put(s, "sendmail-auth", "5AQ1x", NULL, T0 + 4), 0);
	assert_int_equal(store_pending_take(s, "sendmail-auth", "5AQ1x", T0, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_pending_addr(s, "sendmail-auth", "5AQ1x", T0, addr), 1);
	store_close(s);
	assert_dump(fx->db, "SELECT jail, qid, address, time FROM pending ORDER BY rowid",
	    "sendmail-reject|5AQ1x|-|1764151200\n"
	    "sendmail-auth|5AQ1x|192.0.2.8|1764151203\n");
}

/*
 * What waits expires by the time of the line that looks for it (event
 * time): a waiting failure or an address older than `since` is not seen,
 * however recently it was stored.
 */
static void
pending_sees_only_rows_since(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	char		 addr[ADDR_STRLEN] = "unchanged";
	int64_t		 count = -1;

	assert_int_equal(store_pending_put(s, "sendmail-reject", "A1", NULL, T0), 0);
	assert_int_equal(store_pending_put(s, "sendmail-reject", "A1", NULL, T0 + 300), 0);
	assert_int_equal(store_pending_put(s, "sendmail-reject", "A1", NULL, T0 + 599), 0);
	assert_int_equal(store_pending_put(s, "sendmail-reject", "A1", NULL, T0 + 600), 0);
	/* Completed at T0 + 1199 with findtime 600: the last two count. */
	assert_int_equal(store_pending_take(s, "sendmail-reject", "A1", T0 + 599, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(store_pending_put(s, "sendmail-reject", "A2", "192.0.2.7", T0), 0);
	assert_int_equal(store_pending_addr(s, "sendmail-reject", "A2", T0 + 1, addr), 0);
	assert_string_equal(addr, "unchanged");
	assert_int_equal(store_pending_addr(s, "sendmail-reject", "A2", T0, addr), 1);
	assert_string_equal(addr, "192.0.2.7");
	store_close(s);
	/* The rows too old to count stay until store_pending_expire(). */
	assert_dump(fx->db, "SELECT qid, address, time FROM pending ORDER BY rowid",
	    "A1|-|1764151200\nA1|-|1764151500\nA2|192.0.2.7|1764151200\n");
}

static void
pending_expire_drops_rows_older_than_before(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);

	assert_int_equal(store_pending_put(s, "sendmail-auth", "A1", NULL, T0 - 1), 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "A2", "192.0.2.7", T0 - 1), 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "A3", NULL, T0), 0);
	assert_int_equal(store_pending_put(s, "sendmail-auth", "A4", "192.0.2.8", T0), 0);
	assert_int_equal(store_pending_expire(s, T0), 0);
	store_close(s);
	assert_dump(fx->db, "SELECT qid FROM pending ORDER BY qid", "A3\nA4\n");
}

static void
purge_deletes_old_failures_and_keeps_bans(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const int64_t	 ids[] = { 1, 2 };
	int64_t		 n = -1;

	add(s, "sendmail-auth", "192.0.2.7", T0 - 2);
	add(s, "sendmail-auth", "192.0.2.7", T0 - 1);
	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 - 1, T0 + 59,
	    ids, 2), 0);
	assert_int_equal(store_purge(s, T0, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_purge(s, T0, &n), 0);
	assert_int_equal(n, 0);
	store_close(s);
	assert_dump(fx->db, "SELECT id, time, ban_id FROM failures", "3|1764151200|-\n");
	assert_dump(fx->db, "SELECT id, failures FROM bans", "1|2\n");
}

static void
purge_of_many_rows_returns_the_space(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct addr	 a = A("2001:db8::77");
	int64_t		 i, n;
	char		*after;

	assert_int_equal(store_begin(s), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(store_failure_add(s, "sendmail-auth", &a, T0 + i, "failregex"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_dump(fx->db, "SELECT page_count > 1000 FROM pragma_page_count", "1\n");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_purge(s, T0 + 99990, &n), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(n, 99990);
	store_close(s);
	/* A new file's pages and no more: 3 of them are those of table patterns
	 * (and its 2 keys), 2
	 * those of fleet_lifts_pushed (and its key). */
	after = dump(fx->db, "SELECT page_count < 35, freelist_count FROM pragma_page_count, "
	    "pragma_freelist_count");
	assert_string_equal(after, "1|0\n");
	free(after);
}

static void
runs_record_and_return_the_last(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct runrec	 r = { T0, T0 - 5, 100, 8000, 3, 12, 2, 1, 2, 1, 17, "ok" }, q;

	memset(&q, 0, sizeof(q));
	assert_int_equal(store_run_last(s, &q), 0);
	assert_int_equal(store_run_add(s, &r), 0);
	r.r_started = T0 + 60;
	r.r_status = "firewall failed";
	assert_int_equal(store_run_add(s, &r), 0);
	assert_int_equal(store_run_last(s, &q), 1);
	assert_int_equal(q.r_started, T0 + 60);
	assert_int_equal(q.r_now, T0 - 5);
	assert_int_equal(q.r_lines, 100);
	assert_int_equal(q.r_bytes, 8000);
	assert_int_equal(q.r_skipped, 3);
	assert_int_equal(q.r_failures, 12);
	assert_int_equal(q.r_newbans, 2);
	assert_int_equal(q.r_expired, 1);
	assert_int_equal(q.r_added, 2);
	assert_int_equal(q.r_removed, 1);
	assert_int_equal(q.r_ms, 17);
	assert_string_equal(q.r_status, "firewall failed");
	free((char *)q.r_status);
	store_close(s);
	assert_dump(fx->db, "SELECT id, started, status FROM runs",
	    "1|1764151200|ok\n2|1764151260|firewall failed\n");
}

/*
 * A large replay in one transaction stays small: 300,000 failures of 250
 * addresses in two jails (the insert buffer fills twice, the 4 MB page
 * cache spills) in a child, whose peak RSS may grow by at most 12 MB
 * (5 MB here; it grew by 39 MB with a 64 MB cache and 262,144 buffered
 * rows of 80 bytes).  The child reports its growth in MB as its exit
 * status.  Not under AddressSanitizer, which keeps freed memory.
 */
static void
large_transaction_peak_rss_grows_by_at_most_12_mb(void **state)
{
	struct fixture	*fx = *state;
	struct rusage	 r0, r1;
	struct store	*s;
	struct addr	 a;
	char		 text[ADDR_STRLEN];
	const char	*keys[] = { "failregex", "failregex.2", "failregex.extra.1",
	    "failregex.aggressive.1" };
	pid_t		 pid;
	int		 i, status, ok;

#if defined(__SANITIZE_ADDRESS__)
	skip();
#endif
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		getrusage(RUSAGE_SELF, &r0);
		ok = store_open(fx->db, STORE_CREATE, &s) == 0 && store_begin(s) == 0;
		for (i = 0; ok && i < 300000; i++) {
			snprintf(text, sizeof(text), "%s.%d", i % 2 ? "192.0.2" :
			    "198.51.100", i * 7 % 250);
			ok = addr_parse(text, strlen(text), &a) == 0 &&
			    store_failure_add(s, i % 3 ? "sendmail-auth" : "sendmail-reject",
			    &a, T0 + i / 20, keys[i % 4]) == 0;
		}
		ok = ok && store_commit(s) == 0;
		store_close(s);
		getrusage(RUSAGE_SELF, &r1);
		_exit(!ok ? 255 : (int)((r1.ru_maxrss - r0.ru_maxrss) / 1024));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) > 12)
		fail_msg("peak RSS grew by %d MB", WEXITSTATUS(status));
	assert_dump(fx->db, "SELECT count(*), count(DISTINCT address) FROM failures",
	    "300000|250\n");
}

/* ---- failures of the disk ---- */

/*
 * A VFS that is the default one except that, while disk_full is set,
 * every write fails with SQLITE_FULL, as on a full file system.
 */
static sqlite3_vfs		 full_vfs;
static sqlite3_vfs		*real_vfs;
static int			 disk_full;
/* SQLite's unix VFS uses one method table for databases, one for journals. */
static struct {
	const sqlite3_io_methods	*real;
	sqlite3_io_methods		 full;
}				 full_io[4];

static int
full_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	size_t	i;

	if (disk_full)
		return SQLITE_FULL;
	for (i = 0; f->pMethods != &full_io[i].full; i++)
		;
	return full_io[i].real->xWrite(f, buf, n, off);
}

static int
full_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *oflags)
{
	size_t	i;
	int	rc;

	(void)vfs;
	rc = real_vfs->xOpen(real_vfs, name, f, flags, oflags);
	if (rc != SQLITE_OK || f->pMethods == NULL)
		return rc;
	for (i = 0; i < 4 && full_io[i].real != NULL && full_io[i].real != f->pMethods; i++)
		;
	assert_true(i < 4);
	if (full_io[i].real == NULL) {
		full_io[i].real = f->pMethods;
		full_io[i].full = *f->pMethods;
		full_io[i].full.xWrite = full_write;
	}
	f->pMethods = &full_io[i].full;
	return rc;
}

static int
teardown_full(void **state)
{
	disk_full = 0;
	sqlite3_vfs_unregister(&full_vfs);
	return teardown(state);
}

static void
full_disk_is_reported_and_nothing_recorded(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	struct capture	 c;
	char		*got, *want;
	int64_t		 i, id;

	real_vfs = sqlite3_vfs_find(NULL);
	full_vfs = *real_vfs;
	full_vfs.zName = "test-full";
	full_vfs.xOpen = full_open;
	assert_int_equal(sqlite3_vfs_register(&full_vfs, 1), SQLITE_OK);
	s = open_new(fx);
	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_begin(s), 0);
	for (i = 1; i <= 2000; i++)
		add(s, "sendmail-auth", "192.0.2.8", T0 + i);
	disk_full = 1;
	capture_start(&c);
	assert_int_equal(store_commit(s), -1);
	got = capture_end(&c);
	disk_full = 0;
	store_rollback(s);
	want = fmt("mailban: %s: committing: the disk is full, nothing was recorded "
	    "(free some space; the next run reads the same lines again)\n", fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(store_failure_maxid(s, &id), 0);
	assert_int_equal(id, 1);
	store_close(s);
	assert_dump(fx->db, "SELECT count(*) FROM failures", "1\n");
}

/* ---- the views, as an admin runs them ---- */

static char *
run_sqlite3(const char *db, const char *sql, int *status)
{
	char *const	 argv[] = { "sqlite3", "-header", "-column", (char *)db,
	    (char *)sql, NULL };
	char *const	 envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	char		*out = xcalloc(1, 8192);
	size_t		 len = 0;
	ssize_t		 r;
	pid_t		 pid;
	int		 pfd[2];

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execve("/usr/bin/sqlite3", argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	while (len < 8191 && (r = read(pfd[0], out + len, 8191 - len)) > 0)
		len += (size_t)r;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return out;
}

static void
views_read_right_in_the_sqlite3_cli(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const int64_t	 ids[] = { 1, 2, 4 };
	int64_t		 n;
	char		*out;
	int		 status;

	if (access("/usr/bin/sqlite3", X_OK) == -1)
		skip();
	add(s, "sendmail-auth", "192.0.2.7", T0);			/* 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 60);			/* 2 */
	add(s, "sendmail-reject", "192.0.2.7", T0 + 90);		/* 3 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 120);			/* 4 */
	add(s, "sendmail-auth", "2001:db8::1", T0 + 30);		/* 5 */
	add(s, "sendmail-auth", "198.51.100.4", T0 - 86400);		/* 6: purged */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 120,
	    T0 + 720, ids, 3), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "198.51.100.4", T0 - 86400,
	    T0 - 86400 + 3600, (const int64_t[]){ 6 }, 1), 0);
	assert_int_equal(store_purge(s, T0 - 3600, &n), 0);
	assert_int_equal(n, 1);
	/* Active by any sane wall clock: since 2001, permanent; the others not. */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.1", 1000000000,
	    TIME_FOREVER, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.2", 1000000000,
	    1000003600, NULL, 0), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.3", 1000000000,
	    TIME_FOREVER, NULL, 0), 0);
	store_close(s);
	raw(fx->db, "UPDATE bans SET lifted = 1000000001 WHERE address = '203.0.113.3'");
	out = run_sqlite3(fx->db, "SELECT address, jail, start_utc, end_utc, failures "
	    "FROM active_bans WHERE address LIKE '203.0.113.%'", &status);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out,
	    "address      jail           start_utc            end_utc  failures\n"
	    "-----------  -------------  -------------------  -------  --------\n"
	    "203.0.113.1  sendmail-auth  2001-09-09 01:46:40  never    0       \n");
	free(out);
	raw(fx->db, "DELETE FROM bans WHERE address LIKE '203.0.113.%'");
	out = run_sqlite3(fx->db, "SELECT * FROM offenders", &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out,
	    "address       failures  first_seen           last_seen            bans  filters                      \n"
	    "------------  --------  -------------------  -------------------  ----  -----------------------------\n"
	    "192.0.2.7     4         2025-11-26 10:00:00  2025-11-26 10:02:00  1     sendmail-auth,sendmail-reject\n"
	    "2001:db8::1   1         2025-11-26 10:00:30  2025-11-26 10:00:30  0     sendmail-auth                \n"
	    "198.51.100.4  0         2025-11-25 10:00:00  2025-11-25 10:00:00  1     sendmail-auth                \n");
	free(out);
	out = run_sqlite3(fx->db, "SELECT address, start_utc, end_utc, duration, failures "
	    "FROM ban_history", &status);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out,
	    "address       start_utc            end_utc              duration     failures\n"
	    "------------  -------------------  -------------------  -----------  --------\n"
	    "198.51.100.4  2025-11-25 10:00:00  2025-11-25 11:00:00  0d 01:00:00  1       \n"
	    "192.0.2.7     2025-11-26 10:02:00  2025-11-26 10:12:00  0d 00:10:00  3       \n");
	free(out);
}

/* ---- the operator's toolkit: manual bans, unban, history, scan dedupe ---- */

static void
manual_ban_is_canonical_kept_by_the_window_and_active(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct banrow	*b;
	struct pfail	*f;
	struct capture	 c;
	size_t		 n;
	int64_t		 id = 0, until;
	char		*got, *want;

	add(s, "sendmail-auth", "192.0.2.7", T0 + 10);
	assert_int_equal(store_ban_manual(s, "manual", "2001:DB8:0::7", T0, TIME_FOREVER,
	    "spam run", &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(store_ban_manual(s, "sendmail-auth", "192.0.2.7", T0 + 5,
	    T0 + 3600, NULL, NULL), 0);
	/* The window neither deletes a manual ban nor counts it. */
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0, 600, &until,
	    &f, &n), 0);
	assert_int_equal(until, 0);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].pf_id, 1);
	free(f);
	assert_int_equal(bans_active(s, T0 + 5, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(b[0].b_addr, "192.0.2.7");
	assert_string_equal(b[0].b_jail, "sendmail-auth");
	assert_int_equal(b[0].b_start, T0 + 5);
	assert_int_equal(b[0].b_end, T0 + 3600);
	assert_int_equal(b[0].b_failures, 0);
	assert_string_equal(b[1].b_addr, "2001:db8::7");
	assert_string_equal(b[1].b_jail, "manual");
	assert_int_equal(b[1].b_end, TIME_FOREVER);
	store_banrows_free(b, n);

	capture_start(&c);
	assert_int_equal(store_ban_manual(s, "manual", "192.0.2.300", T0, T0 + 1, NULL,
	    NULL), -1);
	assert_int_equal(store_ban_manual(s, "manual", "192.0.2.8", T0, T0 - 1, NULL,
	    NULL), -1);
	got = capture_end(&c);
	want = fmt("mailban: %s: recording a manual ban: \"192.0.2.300\" is not an IP "
	    "address\nmailban: %s: recording a manual ban of 192.0.2.8: it ends before "
	    "it starts\n", fx->db, fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	store_close(s);
	assert_dump(fx->db, "SELECT id, address, jail, start, end, failures, manual, "
	    "reason, lifted FROM bans ORDER BY id",
	    "1|2001:db8::7|manual|1764151200|-|0|1|spam run|-\n"
	    "2|192.0.2.7|sendmail-auth|1764151205|1764154800|0|1|-|-\n");
}

static void
unban_lifts_bans_in_force_and_consumes_the_failures_before_now(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct banrow	*b;
	struct pfail	*f;
	struct capture	 c;
	size_t		 n;
	int64_t		 lifted, until;
	char		*got, *want;

	add(s, "sendmail-auth", "192.0.2.7", T0);			/* 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 10);			/* 2 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 20);			/* 3 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0 + 20,
	    T0 + 620, (const int64_t[]){ 1, 2, 3 }, 3), 0);		/* ban 1 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 30);			/* 4 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 40);			/* 5 */
	add(s, "sendmail-reject", "192.0.2.7", T0 + 35);		/* 6 */
	add(s, "sendmail-auth", "192.0.2.7", T0 + 200);			/* 7: after now */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "2001:db8::5", T0,
	    TIME_FOREVER, NULL, 0), 0);					/* ban 2 */
	assert_int_equal(store_ban_manual(s, "manual", "2001:db8::5", T0 + 50,
	    T0 + 1000, "by hand", NULL), 0);				/* ban 3 */
	add(s, "sendmail-reject", "2001:db8::5", T0 + 60);		/* 8 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "198.51.100.4", T0 - 1000,
	    T0 - 100, NULL, 0), 0);					/* 4: over */
	add(s, "sendmail-auth", "198.51.100.4", T0);			/* 9 */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "203.0.113.9", T0 + 500,
	    T0 + 900, NULL, 0), 0);					/* 5: to come */
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.8", T0,
	    T0 + 3600, NULL, 0), 0);					/* 6 */
	add(s, "sendmail-auth", "192.0.2.8", T0 + 1);			/* 10 */

	/* A failure still buffered in the transaction is consumed too (11). */
	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.7", T0 + 50);
	assert_int_equal(bans_unban(s, "192.0.2.7", T0 + 100, &lifted), 0);
	assert_int_equal(lifted, 1);
	assert_int_equal(store_commit(s), 0);
	/* Both bans of B, in two jails; its failure of a third jail goes to
	 * the later one. */
	assert_int_equal(bans_unban(s, "2001:DB8:0::5", T0 + 100, &lifted), 0);
	assert_int_equal(lifted, 2);
	assert_int_equal(bans_unban(s, "192.0.2.7", T0 + 100, &lifted), 0);
	assert_int_equal(lifted, 0);
	assert_int_equal(bans_unban(s, NULL, T0 + 100, &lifted), 0);
	assert_int_equal(lifted, 1);
	assert_int_equal(bans_active(s, T0 + 100, &b, &n), 0);
	assert_int_equal(n, 0);
	assert_null(b);
	/* The next run does not ban A again on what led to the ban. */
	assert_int_equal(bans_pair(s, "sendmail-auth", "192.0.2.7", T0 + 30, 600,
	    &until, &f, &n), 0);
	assert_int_equal(until, T0 + 100);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].pf_id, 7);
	free(f);

	capture_start(&c);
	assert_int_equal(bans_unban(s, "bogus", T0, &lifted), -1);
	got = capture_end(&c);
	want = fmt("mailban: %s: lifting bans: \"bogus\" is not an IP address\n", fx->db);
	assert_string_equal(got, want);
	assert_int_equal(lifted, 0);
	free(got);
	free(want);
	store_close(s);
	assert_dump(fx->db, "SELECT id, lifted - 1764151200 FROM bans ORDER BY id",
	    "1|100\n2|100\n3|100\n4|-\n5|-\n6|100\n");
	assert_dump(fx->db, "SELECT id, ban_id FROM failures ORDER BY id",
	    "1|1\n2|1\n3|1\n4|1\n5|1\n6|1\n7|-\n8|3\n9|-\n10|6\n11|1\n");
	assert_dump(fx->db, "SELECT failures FROM bans WHERE id = 1", "3\n");
}

static int
each_ban(void *arg, const struct banhist *h)
{
	struct seen	*sn = arg;
	size_t		 len = strlen(sn->text);

	snprintf(sn->text + len, sizeof(sn->text) - len, "%s %s %" PRId64 " %" PRId64
	    " %" PRId64 " %d %" PRId64 " %s\n", h->h_addr, h->h_jail,
	    h->h_start - T0, h->h_end == TIME_FOREVER ? -1 : h->h_end - T0,
	    h->h_failures, h->h_manual, h->h_lifted == 0 ? -1 : h->h_lifted - T0,
	    h->h_reason != NULL ? h->h_reason : "-");
	return --sn->stop_after == 0 ? -1 : 0;
}

static void
bans_each_lists_every_kind_of_ban_started_in_the_range(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct seen	 sn = { "", 0, 0, 0 };
	int64_t		 lifted;

	add(s, "sendmail-auth", "192.0.2.7", T0 - 10);
	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "192.0.2.7", T0, T0 + 600,
	    (const int64_t[]){ 1, 2 }, 2), 0);
	assert_int_equal(store_ban_manual(s, "manual", "2001:db8::5", T0 + 10,
	    TIME_FOREVER, "spam run", NULL), 0);
	assert_int_equal(store_ban_add(s, "sendmail-auth", "198.51.100.4", T0 - 100,
	    T0 + 100, NULL, 0), 0);
	assert_int_equal(bans_unban(s, "198.51.100.4", T0 + 50, &lifted), 0);
	assert_int_equal(store_ban_add(s, "sendmail-reject", "192.0.2.7", T0 + 1000,
	    T0 + 2000, NULL, 0), 0);

	assert_int_equal(store_bans_each(s, T0, T0 + 1000, each_ban, &sn), 0);
	assert_string_equal(sn.text,
	    "192.0.2.7 sendmail-auth 0 600 2 0 -1 -\n"
	    "2001:db8::5 manual 10 -1 0 1 -1 spam run\n");
	sn.text[0] = '\0';
	assert_int_equal(store_bans_each(s, T0 - 100, T0 + 1001, each_ban, &sn), 0);
	assert_string_equal(sn.text,
	    "192.0.2.7 sendmail-auth 0 600 2 0 -1 -\n"
	    "192.0.2.7 sendmail-reject 1000 2000 0 0 -1 -\n"
	    "198.51.100.4 sendmail-auth -100 100 0 0 50 -\n"
	    "2001:db8::5 manual 10 -1 0 1 -1 spam run\n");
	sn.text[0] = '\0';
	sn.stop_after = 2;
	assert_int_equal(store_bans_each(s, T0 - 100, T0 + 1001, each_ban, &sn), -1);
	assert_string_equal(sn.text,
	    "192.0.2.7 sendmail-auth 0 600 2 0 -1 -\n"
	    "192.0.2.7 sendmail-reject 1000 2000 0 0 -1 -\n");
	sn.text[0] = '\0';
	sn.stop_after = 0;
	assert_int_equal(store_bans_each(s, T0 + 2000, T0 + 3000, each_ban, &sn), 0);
	assert_string_equal(sn.text, "");
	store_close(s);
}

static void
scanned_files_round_trip_by_fingerprint_and_length(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	const uint64_t	 fp = 0xcbf29ce484222325ULL;
	int64_t		 off = 77, t0, t1;
	char		*want;

	assert_int_equal(store_scanned_get(s, fp, 4096, &off), 0);
	assert_int_equal(off, 77);
	t0 = time(NULL);
	assert_int_equal(store_scanned_put(s, fp, 4096, 1000, "/var/log/mail.log.1"), 0);
	assert_int_equal(store_scanned_put(s, fp, 100, 100, "short"), 0);
	assert_int_equal(store_scanned_put(s, UINT64_MAX, 4096, 5, "top bit"), 0);
	assert_int_equal(store_scanned_get(s, fp, 4096, &off), 1);
	assert_int_equal(off, 1000);
	assert_int_equal(store_scanned_get(s, fp, 100, &off), 1);
	assert_int_equal(off, 100);
	assert_int_equal(store_scanned_get(s, UINT64_MAX, 4096, &off), 1);
	assert_int_equal(off, 5);
	assert_int_equal(store_scanned_get(s, fp, 4095, &off), 0);
	/* Read further, or found again under another name: one row. */
	assert_int_equal(store_scanned_put(s, fp, 4096, 2000, "/var/log/mail.log.2.gz"), 0);
	t1 = time(NULL);
	assert_int_equal(store_scanned_get(s, fp, 4096, &off), 1);
	assert_int_equal(off, 2000);
	store_close(s);
	/* time(2) may lag SQLite's clock by a tick: a second of slack. */
	want = fmt("SELECT fp, fplen, offset, name, updated BETWEEN %" PRId64 " AND %"
	    PRId64 " FROM scanned ORDER BY fplen, fp", t0 - 1, t1 + 1);
	assert_dump(fx->db, want,
	    "-3750763034362895579|100|100|short|1\n"
	    "-3750763034362895579|4096|2000|/var/log/mail.log.2.gz|1\n"
	    "-1|4096|5|top bit|1\n");
	free(want);
}

/* ---- reports ---- */

struct rep {
	char	text[512];
	int	stop_after;
};

static int
each_report_row(void *arg, int n, const char *const *names, const char *const *values)
{
	struct rep	*r = arg;
	size_t		 len;
	int		 i;

	len = strlen(r->text);
	snprintf(r->text + len, sizeof(r->text) - len, "%s", values == NULL ? "cols" : "row");
	for (i = 0; i < n; i++) {
		len = strlen(r->text);
		snprintf(r->text + len, sizeof(r->text) - len, " %s", values == NULL ?
		    names[i] : values[i] != NULL ? values[i] : "(null)");
	}
	len = strlen(r->text);
	snprintf(r->text + len, sizeof(r->text) - len, "\n");
	return --r->stop_after == 0 ? -1 : 0;
}

static void
report_binds_now_reads_every_statement_and_refuses_writes(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct rep	 r = { "", 0 };
	struct capture	 c;
	char		*got, *want;
	static const char sql[] = "-- a report\nSELECT coalesce(@now, 'wall') AS n, "
	    "NULL AS z;\nSELECT address FROM failures ORDER BY id; -- two\n"
	    "SELECT 1 AS none WHERE 0;\n-- the end\n";

	add(s, "sendmail-auth", "192.0.2.7", T0);
	add(s, "sendmail-auth", "2001:db8::1", T0);
	store_close(s);
	assert_int_equal(store_open(fx->db, STORE_RDONLY, &s), 0);
	assert_int_equal(store_report(s, sql, 42, each_report_row, &r), 0);
	assert_string_equal(r.text, "cols n z\nrow 42 (null)\ncols address\n"
	    "row 192.0.2.7\nrow 2001:db8::1\ncols none\n");
	r.text[0] = '\0';
	assert_int_equal(store_report(s, sql, -1, each_report_row, &r), 0);
	assert_string_equal(r.text, "cols n z\nrow wall (null)\ncols address\n"
	    "row 192.0.2.7\nrow 2001:db8::1\ncols none\n");
	r.text[0] = '\0';
	r.stop_after = 4;
	assert_int_equal(store_report(s, sql, 7, each_report_row, &r), -1);
	assert_string_equal(r.text, "cols n z\nrow 7 (null)\ncols address\nrow 192.0.2.7\n");
	store_close(s);

	/* Writing is refused even on a connection that could write. */
	s = open_new(fx);
	capture_start(&c);
	assert_int_equal(store_report(s, "SELECT 1; DELETE FROM failures", -1,
	    each_report_row, &r), -1);
	assert_int_equal(store_report(s, "SELEC 1", -1, each_report_row, &r), -1);
	got = capture_end(&c);
	want = fmt("mailban: %s: a report may only read; refused\n"
	    "mailban: %s: preparing a report: near \"SELEC\": syntax error\n",
	    fx->db, fx->db);
	assert_string_equal(got, want);
	free(got);
	free(want);
	store_close(s);
	assert_dump(fx->db, "SELECT count(*) FROM failures", "2\n");
}

/* ---- upgrades from every earlier schema version (tests/db/vN.sql) ---- */

static char *
slurp_schema(int version)
{
	const char	*top = getenv("TOP");
	char		*path, *buf;
	FILE		*fp;
	size_t		 n;

	path = fmt("%s/tests/db/v%d.sql", top != NULL ? top : ".", version);
	fp = fopen(path, "r");
	assert_non_null(fp);
	buf = xcalloc(1, 65536);
	n = fread(buf, 1, 65535, fp);
	assert_true(n > 0 && n < 65535);
	fclose(fp);
	free(path);
	return buf;
}

/*
 * A file as mailban 1 left it: its schema (tests/db/v1.sql, the
 * sql/schema.sql of version 1), its pragmas, and a row in every table.
 */
static void
make_v1(const char *db)
{
	char	*schema = slurp_schema(1);

	raw(db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL");
	raw(db, schema);
	raw(db, "PRAGMA application_id = 1296843342; PRAGMA user_version = 1;"
	    "INSERT INTO failures (time, address, jail, pattern) VALUES "
	    "(1764151200, '192.0.2.7', 'sendmail-auth', 0),"
	    "(1764151260, '192.0.2.7', 'sendmail-auth', 1),"
	    "(1764151290, '2001:db8::1', 'sendmail-reject', 2);"
	    "INSERT INTO bans (address, jail, start, end, failures) VALUES "
	    "('192.0.2.7', 'sendmail-auth', 1764151260, 1764151860, 2);"
	    "INSERT INTO bans (address, jail, start, end, manual, reason, lifted) VALUES "
	    "('198.51.100.4', 'manual', 1764151000, NULL, 1, 'by hand', 1764151100);"
	    "UPDATE failures SET ban_id = 1 WHERE id IN (1, 2);"
	    "INSERT INTO positions VALUES ('/var/log/mail.log', 2049, 131, 5000, -1, "
	    "4096, 1764151300);"
	    "INSERT INTO runs (started, now, lines, bytes, skipped, failures, newbans, "
	    "expired, added, removed, ms, status) VALUES "
	    "(1764151300, 1764151300, 10, 5000, 1, 3, 1, 0, 1, 0, 12, 'ok');"
	    "INSERT INTO pending VALUES ('sendmail-reject', '5AQA0001q0000001', "
	    "'2001:db8::1', 1764151290), ('sendmail-reject', '5AQA0002q0000002', NULL, "
	    "1764151291);");
	free(schema);
}

/* Every row of a version-1 file, padded to the 13 columns of runs. */
#define V1_ROWS	"SELECT 'f', *, 0, 0, 0, 0, 0, 0, 0 FROM failures UNION ALL " \
	"SELECT 'b', *, 0, 0, 0, 0 FROM bans UNION ALL " \
	"SELECT 'p', *, 0, 0, 0, 0, 0, 0 FROM positions UNION ALL " \
	"SELECT 'r', * FROM runs UNION ALL " \
	"SELECT 'q', *, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM pending"
#define SHAPE	"SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name"

static void
version_1_file_is_upgraded_in_place_keeping_every_row(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	char		*fresh = fmt("%s/other.db", fx->dir), *rows, *want, *a, *b;
	int64_t		 off;

	make_v1(fx->db);
	rows = dump(fx->db, V1_ROWS);
	assert_int_equal(strlen(rows) > 400, 1);
	want = fmt("mailban: %s: schema version 1 is older than this mailban's 5 "
	    "(a mailban run upgrades it)\n", fx->db);
	assert_open_fails(fx->db, STORE_RDONLY, want);
	free(want);
	assert_dump(fx->db, "PRAGMA user_version", "1\n");

	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_int_equal(store_scanned_put(s, 7, 10, 10, "mail.log.1"), 0);
	assert_int_equal(store_scanned_get(s, 7, 10, &off), 1);
	store_close(s);
	assert_dump(fx->db, "PRAGMA user_version", "5\n");
	assert_dump(fx->db, V1_ROWS, rows);
	assert_dump(fx->db, "SELECT name FROM pragma_table_info('offenders')",
	    "address\nfailures\nfirst_seen\nlast_seen\nbans\nfilters\n");
	assert_dump(fx->db, "SELECT * FROM offenders",
	    "192.0.2.7|2|2025-11-26 10:00:00|2025-11-26 10:01:00|1|sendmail-auth\n"
	    "2001:db8::1|1|2025-11-26 10:01:30|2025-11-26 10:01:30|0|sendmail-reject\n"
	    "198.51.100.4|0|2025-11-26 09:56:40|2025-11-26 09:56:40|1|manual\n");

	/* The very shape of a new file: same tables, indexes, views, text. */
	assert_int_equal(store_open(fresh, STORE_CREATE, &s), 0);
	store_close(s);
	a = dump(fx->db, SHAPE);
	b = dump(fresh, SHAPE);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(rows);
	free(fresh);
}

static void
failed_upgrade_leaves_the_version_1_file_as_it_was(void **state)
{
	struct fixture	*fx = *state;
	char		*want, *shape;

	make_v1(fx->db);
	/* Something in the way of the step to version 2. */
	raw(fx->db, "CREATE TABLE scanned (x INTEGER)");
	shape = dump(fx->db, SHAPE);
	want = fmt("mailban: %s: upgrading the tables: table scanned already exists\n",
	    fx->db);
	assert_open_fails(fx->db, STORE_CREATE, want);
	free(want);
	assert_dump(fx->db, "PRAGMA user_version", "1\n");
	assert_dump(fx->db, SHAPE, shape);
	assert_dump(fx->db, "SELECT count(*) FROM failures", "3\n");
	free(shape);
}

/* A file as mailban 2 left it (tests/db/v2.sql), with a failure. */
static void
version_2_file_is_upgraded_to_3_with_the_fleet_table(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	char		*schema = slurp_schema(2), *fresh = fmt("%s/other.db", fx->dir);
	char		*a, *b;

	raw(fx->db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL");
	raw(fx->db, schema);
	raw(fx->db, "PRAGMA application_id = 1296843342; PRAGMA user_version = 2;"
	    "INSERT INTO failures (time, address, jail, pattern) VALUES "
	    "(1764151200, '192.0.2.7', 'sendmail-auth', 0)");
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	store_close(s);
	assert_dump(fx->db, "PRAGMA user_version", "5\n");
	assert_dump(fx->db, "SELECT id, time, address FROM failures",
	    "1|1764151200|192.0.2.7\n");
	assert_dump(fx->db, "SELECT count(*) FROM fleet_origin", "0\n");
	assert_int_equal(store_open(fresh, STORE_CREATE, &s), 0);
	store_close(s);
	a = dump(fx->db, SHAPE);
	b = dump(fresh, SHAPE);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(fresh);
	free(schema);
}

/*
 * A file as mailban 3 left it (tests/db/v3.sql): failures.pattern was the
 * index of the failregex in the jail's active list then, which no one can
 * map back to a key (the config has changed since, or not: unknowable).
 * The upgrade names index N "#N" (patterns row (jail, N, "#N")), so that
 * the old rows keep their numbers, and new keys get new ids after them.
 */
static void
version_3_file_is_upgraded_to_5_naming_old_indexes_by_placeholder(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	struct addr	 a = A("192.0.2.7");
	char		*schema = slurp_schema(3), *fresh = fmt("%s/other.db", fx->dir);
	char		*a1, *b1;

	raw(fx->db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL");
	raw(fx->db, schema);
	raw(fx->db, "PRAGMA application_id = 1296843342; PRAGMA user_version = 3;"
	    "INSERT INTO failures (time, address, jail, pattern) VALUES "
	    "(1764151200, '192.0.2.7', 'sendmail-auth', 0),"
	    "(1764151201, '192.0.2.7', 'sendmail-reject', 10),"
	    "(1764151202, '192.0.2.8', 'sendmail-reject', 10),"
	    "(1764151203, '192.0.2.8', 'sendmail-reject', 3)");
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	store_close(s);
	assert_dump(fx->db, "PRAGMA user_version", "5\n");
	assert_dump(fx->db, "SELECT id, jail, pattern FROM failures ORDER BY id",
	    "1|sendmail-auth|0\n2|sendmail-reject|10\n3|sendmail-reject|10\n"
	    "4|sendmail-reject|3\n");
	assert_dump(fx->db, "SELECT jail, id, key FROM patterns ORDER BY jail, id",
	    "sendmail-auth|0|#0\nsendmail-reject|3|#3\nsendmail-reject|10|#10\n");
	assert_dump(fx->db, "SELECT id, time_utc, address, jail, pattern FROM "
	    "failures_named ORDER BY id",
	    "1|2025-11-26 10:00:00|192.0.2.7|sendmail-auth|#0\n"
	    "2|2025-11-26 10:00:01|192.0.2.7|sendmail-reject|#10\n"
	    "3|2025-11-26 10:00:02|192.0.2.8|sendmail-reject|#10\n"
	    "4|2025-11-26 10:00:03|192.0.2.8|sendmail-reject|#3\n");
	/* A key seen after the upgrade: the next id of its jail. */
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0 + 9,
	    "failregex.extra.1"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-auth", &a, T0 + 9, "failregex"), 0);
	store_close(s);
	assert_dump(fx->db, "SELECT f.id, f.pattern, p.key FROM failures f JOIN patterns p "
	    "ON p.jail = f.jail AND p.id = f.pattern WHERE f.id > 4 ORDER BY f.id",
	    "5|11|failregex.extra.1\n6|1|failregex\n");
	assert_int_equal(store_open(fresh, STORE_CREATE, &s), 0);
	store_close(s);
	a1 = dump(fx->db, SHAPE);
	b1 = dump(fresh, SHAPE);
	assert_string_equal(a1, b1);
	free(a1);
	free(b1);
	free(fresh);
	free(schema);
}

/* A file as mailban 3 left it (tests/db/v3.sql), with an unban: upgraded
 * to 5, the unban listed to push again (a no-op over there). */
static void
version_3_file_is_upgraded_to_5_with_the_pushed_unbans(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s;
	struct fleetact	*v;
	char		*schema = slurp_schema(3), *fresh = fmt("%s/other.db", fx->dir);
	char		*a, *b;
	size_t		 n;

	raw(fx->db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL");
	raw(fx->db, schema);
	raw(fx->db, "PRAGMA application_id = 1296843342; PRAGMA user_version = 3;"
	    "INSERT INTO bans (address, jail, start, end, manual, lifted) VALUES "
	    "('198.51.100.4', 'manual', 1764151000, NULL, 1, 1764151100);"
	    "INSERT INTO meta VALUES ('fleet_bans_pushed', '1'), "
	    "('fleet_lifts_pushed', '1764151100')");
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_dump(fx->db, "PRAGMA user_version", "5\n");
	assert_dump(fx->db, "SELECT count(*) FROM fleet_lifts_pushed", "0\n");
	assert_int_equal(store_fleet_actions_out(s, 1, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].fa_kind, 'u');
	assert_int_equal(v[0].fa_start, 1764151100);
	store_fleetacts_free(v, n);
	store_close(s);
	assert_int_equal(store_open(fresh, STORE_CREATE, &s), 0);
	store_close(s);
	a = dump(fx->db, SHAPE);
	b = dump(fresh, SHAPE);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(fresh);
	free(schema);
}

/*
 * A failure is recorded with the key of its failregex and comes back with
 * it; a key keeps its id across runs (connections), whatever else the
 * config gains, and a key of another jail is another pattern.
 */
static void
failures_recorded_with_a_key_come_back_with_it(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct addr	 a = A("192.0.2.7");

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0,
	    "failregex.extra.1"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0 + 1, "failregex.2"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-auth", &a, T0 + 2,
	    "failregex.extra.1"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0 + 3,
	    "failregex.extra.1"), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	/* The next run: a new pattern first, then the old keys again. */
	assert_int_equal(store_open(fx->db, 0, &s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0 + 4, "failregex.24"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0 + 5,
	    "failregex.extra.1"), 0);
	store_close(s);
	assert_dump(fx->db, "SELECT id, jail, pattern FROM failures_named ORDER BY id",
	    "1|sendmail-auth|failregex.extra.1\n2|sendmail-reject|failregex.extra.1\n"
	    "3|sendmail-reject|failregex.2\n4|sendmail-reject|failregex.extra.1\n"
	    "5|sendmail-reject|failregex.24\n6|sendmail-reject|failregex.extra.1\n");
	assert_dump(fx->db, "SELECT jail, id, key FROM patterns ORDER BY jail, id",
	    "sendmail-auth|1|failregex.extra.1\nsendmail-reject|1|failregex.extra.1\n"
	    "sendmail-reject|2|failregex.2\nsendmail-reject|3|failregex.24\n");
	/* The ids: one per (jail, key), in the order first seen. */
	assert_dump(fx->db, "SELECT group_concat(pattern) FROM (SELECT pattern FROM "
	    "failures ORDER BY id)", "1,1,2,1,3,1\n");
}

/* A rollback takes the patterns it interned along: no id left dangling. */
static void
rollback_forgets_the_patterns_it_interned(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct addr	 a = A("192.0.2.7");

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0, "failregex.9"), 0);
	store_rollback(s);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0, "failregex.3"), 0);
	assert_int_equal(store_failure_add(s, "sendmail-reject", &a, T0, "failregex.9"), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_dump(fx->db, "SELECT id, pattern FROM failures_named ORDER BY id",
	    "1|failregex.3\n2|failregex.9\n");
}

/* ---- fleet mode: what is pushed, what was pulled ---- */

static void
fleet_outbox_holds_local_failures_only_and_a_pull_is_stored_once(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct fleetrow	*v;
	struct addr	 a = A("2001:db8:0:0::7"), b = A("198.51.100.9");
	size_t		 n;
	int64_t		 w, purged;

	assert_int_equal(store_begin(s), 0);
	add(s, "sendmail-auth", "192.0.2.7", T0);
	assert_int_equal(store_fleet_add(s, "mx2", 41, 1000, "sendmail-auth", &a, T0 + 5,
	    "failregex.extra.1"), 1);
	add(s, "sendmail-auth", "192.0.2.8", T0 + 9);
	/* The same row of mx2 again (a pull repeated after a kill): nothing. */
	assert_int_equal(store_fleet_add(s, "mx2", 41, 1000, "sendmail-auth", &b, T0 + 6,
	    "failregex.extra.1"), 0);
	assert_int_equal(store_fleet_add(s, "mx3", 41, 1001, "other", &b, T0 + 7, "#4"), 1);
	assert_int_equal(store_commit(s), 0);
	assert_dump(fx->db, "SELECT f.id, f.address, f.jail, f.time - 1764151200, o.host, "
	    "o.rid, o.seq FROM failures f LEFT JOIN fleet_origin o USING (id) ORDER BY f.id",
	    "1|192.0.2.7|sendmail-auth|0|-|-|-\n"
	    "2|2001:db8::7|sendmail-auth|5|mx2|41|1000\n"
	    "3|192.0.2.8|sendmail-auth|9|-|-|-\n"
	    "4|198.51.100.9|other|7|mx3|41|1001\n");
	/* A pulled row keeps the key its host read it with. */
	assert_dump(fx->db, "SELECT id, jail, pattern FROM failures_named ORDER BY id",
	    "1|sendmail-auth|failregex\n2|sendmail-auth|failregex.extra.1\n"
	    "3|sendmail-auth|failregex\n4|other|#4\n");
	assert_int_equal(store_fleet_outbox(s, 0, 10, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].fr_id, 1);
	assert_string_equal(v[0].fr_addr, "192.0.2.7");
	assert_string_equal(v[0].fr_jail, "sendmail-auth");
	assert_string_equal(v[0].fr_key, "failregex");
	assert_int_equal(v[0].fr_time, T0);
	assert_int_equal(v[1].fr_id, 3);
	store_fleetrows_free(v, n);
	assert_int_equal(store_fleet_outbox(s, 0, 1, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].fr_id, 1);
	store_fleetrows_free(v, n);
	assert_int_equal(store_fleet_waiting(s, 0, &w), 0);
	assert_int_equal(w, 2);
	assert_int_equal(store_fleet_waiting(s, 1, &w), 0);
	assert_int_equal(w, 1);
	assert_int_equal(store_fleet_waiting(s, 3, &w), 0);
	assert_int_equal(w, 0);
	/* dbpurgeage: a purged pulled failure takes its origin row along. */
	assert_int_equal(store_purge(s, T0 + 6, &purged), 0);
	assert_int_equal(purged, 2);
	assert_dump(fx->db, "SELECT id, host, rid FROM fleet_origin", "4|mx3|41\n");
	store_close(s);
}

static void
fleet_actions_out_lists_bans_and_unbans_made_here_only(void **state)
{
	struct fixture	*fx = *state;
	struct store	*s = open_new(fx);
	struct fleetact	*v;
	size_t		 n;
	int64_t		 lifted;

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_ban_manual(s, "manual", "192.0.2.5", T0, TIME_FOREVER,
	    "by hand", NULL), 0);
	assert_int_equal(store_fleet_ban_add(s, "mx2", 7, "manual", "192.0.2.6", T0 + 1,
	    T0 + 100, NULL), 1);
	assert_int_equal(store_fleet_ban_add(s, "mx2", 7, "manual", "192.0.2.6", T0 + 1,
	    T0 + 100, NULL), 0);
	assert_int_equal(bans_unban(s, "192.0.2.5", T0 + 10, &lifted), 0);
	assert_int_equal(lifted, 1);
	assert_int_equal(bans_fleet_lift(s, "mx2", "192.0.2.6", T0 + 20), 1);
	assert_int_equal(bans_fleet_lift(s, "mx2", "192.0.2.6", T0 + 20), 0);
	assert_int_equal(store_commit(s), 0);
	assert_dump(fx->db, "SELECT id, address, lifted - 1764151200 FROM bans ORDER BY id",
	    "1|192.0.2.5|10\n2|192.0.2.6|20\n");
	assert_int_equal(store_fleet_actions_out(s, 0, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].fa_kind, 'b');
	assert_int_equal(v[0].fa_id, 1);
	assert_string_equal(v[0].fa_addr, "192.0.2.5");
	assert_int_equal(v[0].fa_end, TIME_FOREVER);
	assert_string_equal(v[0].fa_reason, "by hand");
	assert_int_equal(v[1].fa_kind, 'u');
	assert_string_equal(v[1].fa_addr, "192.0.2.5");
	assert_int_equal(v[1].fa_start, T0 + 10);
	store_fleetacts_free(v, n);
	/* Pushed: recorded, never listed again; another unban in the same
	 * second, or dated before the last one pushed, still is. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_fleet_lift_pushed(s, "192.0.2.5", T0 + 10), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_fleet_actions_out(s, 1, &v, &n), 0);
	assert_int_equal(n, 0);
	store_fleetacts_free(v, n);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_ban_manual(s, "manual", "192.0.2.7", T0, TIME_FOREVER,
	    NULL, NULL), 0);
	assert_int_equal(store_ban_manual(s, "manual", "192.0.2.8", T0, TIME_FOREVER,
	    NULL, NULL), 0);
	assert_int_equal(bans_unban(s, "192.0.2.7", T0 + 10, &lifted), 0);
	assert_int_equal(bans_unban(s, "192.0.2.8", T0 + 5, &lifted), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_fleet_actions_out(s, 4, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].fa_addr, "192.0.2.8");
	assert_int_equal(v[0].fa_start, T0 + 5);
	assert_string_equal(v[1].fa_addr, "192.0.2.7");
	assert_int_equal(v[1].fa_start, T0 + 10);
	store_fleetacts_free(v, n);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_makes_a_0600_wal_database_at_version_5, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_keeps_the_data_and_does_not_recreate, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file_without_create_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_user_version_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(version_2_file_is_upgraded_to_3_with_the_fleet_table, setup, teardown),
		cmocka_unit_test_setup_teardown(version_3_file_is_upgraded_to_5_naming_old_indexes_by_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(failures_recorded_with_a_key_come_back_with_it, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_forgets_the_patterns_it_interned, setup, teardown),
		cmocka_unit_test_setup_teardown(version_3_file_is_upgraded_to_5_with_the_pushed_unbans, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_outbox_holds_local_failures_only_and_a_pull_is_stored_once, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_actions_out_lists_bans_and_unbans_made_here_only, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_file_is_refused_and_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(other_sqlite_database_is_refused_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_column_is_a_schema_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_file_is_created_only_with_create, setup, teardown),
		cmocka_unit_test_setup_teardown(group_writable_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(file_of_another_owner_is_refused_as_root, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(memory_database_needs_no_file, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_open_works_while_a_writer_holds_a_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_open_works_after_the_writer_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(positions_round_trip_exactly_including_the_top_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(failures_are_stored_as_canonical_text, setup, teardown),
		cmocka_unit_test_setup_teardown(touched_lists_pairs_with_new_failures_and_their_earliest_time, setup, teardown),
		cmocka_unit_test_setup_teardown(failures_of_a_transaction_are_seen_by_reads_and_ids_keep_read_order, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_drops_the_failures_of_the_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(many_failures_in_one_transaction_are_all_recorded_once_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(window_returns_unconsumed_failures_from_from_minus_findtime, setup, teardown),
		cmocka_unit_test_setup_teardown(window_deletes_later_automatic_bans_and_unconsumes_their_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(window_until_is_forever_after_a_permanent_ban, setup, teardown),
		cmocka_unit_test_setup_teardown(window_counts_lifted_bans_until_lifted_and_ignores_manual_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(ban_add_refuses_a_failure_already_consumed, setup, teardown),
		cmocka_unit_test_setup_teardown(ban_add_span_consumes_the_range_of_the_pair_only, setup, teardown),
		cmocka_unit_test_setup_teardown(window_reads_and_consumes_buffered_failures_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(active_holds_bans_with_start_le_now_lt_end_not_lifted, setup, teardown),
		cmocka_unit_test_setup_teardown(active_canonicalises_and_skips_rows_edited_into_non_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_remembers_addresses_and_waiting_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_sees_only_rows_since, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_expire_drops_rows_older_than_before, setup, teardown),
		cmocka_unit_test_setup_teardown(purge_deletes_old_failures_and_keeps_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(purge_of_many_rows_returns_the_space, setup, teardown),
		cmocka_unit_test_setup_teardown(runs_record_and_return_the_last, setup, teardown),
		cmocka_unit_test_setup_teardown(large_transaction_peak_rss_grows_by_at_most_12_mb, setup, teardown),
		cmocka_unit_test_setup_teardown(full_disk_is_reported_and_nothing_recorded, setup, teardown_full),
		cmocka_unit_test_setup_teardown(views_read_right_in_the_sqlite3_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(manual_ban_is_canonical_kept_by_the_window_and_active, setup, teardown),
		cmocka_unit_test_setup_teardown(unban_lifts_bans_in_force_and_consumes_the_failures_before_now, setup, teardown),
		cmocka_unit_test_setup_teardown(bans_each_lists_every_kind_of_ban_started_in_the_range, setup, teardown),
		cmocka_unit_test_setup_teardown(scanned_files_round_trip_by_fingerprint_and_length, setup, teardown),
		cmocka_unit_test_setup_teardown(report_binds_now_reads_every_statement_and_refuses_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(version_1_file_is_upgraded_in_place_keeping_every_row, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_upgrade_leaves_the_version_1_file_as_it_was, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
