/*
 * test_reader.c -- reader_follow and reader_stream on real files in a
 * fresh temporary directory per test.
 * Each callback call is recorded as "<file>:<line>\n" (the file relative
 * to the directory, bytes outside printable ASCII as \xHH, lines over 64
 * bytes as "<N bytes>"), and every message on stderr is captured with the
 * directory shown as "D", so each test asserts the exact lines read and the
 * exact messages.  Times of files are set explicitly: no wall clock.
 * Old files that must be "gone" are moved to keep/ so that their inode
 * stays in use and cannot be handed to the new file.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "reader.h"
#include "util.h"

#define T0	1764151200	/* 2025-11-26T10:00:00Z, only a fixed mtime */

struct t {
	char	 dir[PATH_MAX];
	char	 log[PATH_MAX];
	char	*out;		/* transcript of callback calls */
	size_t	 outlen;
	char	*err;		/* captured stderr, dir replaced by "D" */
	int	 ncalls;
	int	 failat;	/* callback fails on this call (1-based); 0 never */
};

static void
out_add(struct t *t, const char *s, size_t n)
{
	t->out = xreallocarray(t->out, t->outlen + n + 1, 1);
	memcpy(t->out + t->outlen, s, n);
	t->outlen += n;
	t->out[t->outlen] = '\0';
}

static int
collect(void *arg, const char *file, const char *line, size_t len)
{
	struct t	*t = arg;
	size_t		 dl = strlen(t->dir), i;
	char		 b[32];

	if (++t->ncalls == t->failat)
		return -1;
	if (strncmp(file, t->dir, dl) == 0 && file[dl] == '/')
		file += dl + 1;
	out_add(t, file, strlen(file));
	out_add(t, ":", 1);
	if (len > 64) {
		snprintf(b, sizeof(b), "<%zu bytes>", len);
		out_add(t, b, strlen(b));
	} else
		for (i = 0; i < len; i++) {
			unsigned char	c = (unsigned char)line[i];

			if (c >= 0x20 && c < 0x7f)
				out_add(t, line + i, 1);
			else {
				snprintf(b, sizeof(b), "\\x%02x", c);
				out_add(t, b, 4);
			}
		}
	out_add(t, "\n", 1);
	return 0;
}

/* Capture stderr around one reader call. */
static FILE *
cap_begin(int *saved)
{
	FILE	*f = tmpfile();

	assert_non_null(f);
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_true(dup2(fileno(f), 2) == 2);
	return f;
}

static void
cap_end(struct t *t, FILE *f, int saved)
{
	char	raw[8192], *p, *q;
	size_t	n, dl = strlen(t->dir);

	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	rewind(f);
	n = fread(raw, 1, sizeof(raw) - 1, f);
	raw[n] = '\0';
	fclose(f);
	free(t->err);
	t->err = xcalloc(1, n + 1);
	for (p = raw, q = t->err; *p != '\0';) {
		if (strncmp(p, t->dir, dl) == 0) {
			*q++ = 'D';
			p += dl;
		} else
			*q++ = *p++;
	}
}

static void
reset(struct t *t, struct reader_stats *st)
{
	free(t->out);
	t->out = xstrdup("");
	t->outlen = 0;
	t->ncalls = 0;
	memset(st, 0, sizeof(*st));
}

static int
follow(struct t *t, struct logpos *pos, int have, struct reader_stats *st)
{
	FILE	*f;
	int	 saved, rc;

	reset(t, st);
	f = cap_begin(&saved);
	rc = reader_follow(t->log, pos, have, collect, t, st);
	cap_end(t, f, saved);
	return rc;
}

static int
stream(struct t *t, int fd, const char *name, struct reader_stats *st)
{
	FILE	*f;
	int	 saved, rc;

	reset(t, st);
	f = cap_begin(&saved);
	rc = reader_stream(fd, name, collect, t, st);
	cap_end(t, f, saved);
	return rc;
}

static const char *
P(struct t *t, const char *name, char *buf)
{
	int	n = snprintf(buf, PATH_MAX, "%s/%s", t->dir, name);

	assert_true(n > 0 && n < PATH_MAX);
	return buf;
}

/* Write n bytes to name: flags O_TRUNC (create/replace content) or O_APPEND. */
static void
wr(struct t *t, const char *name, const void *s, size_t n, int flags)
{
	char	b[PATH_MAX];
	int	fd = open(P(t, name, b), O_WRONLY | O_CREAT | flags, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static void
put(struct t *t, const char *name, const char *s)
{
	wr(t, name, s, strlen(s), O_TRUNC);
}

static void
add(struct t *t, const char *name, const char *s)
{
	wr(t, name, s, strlen(s), O_APPEND);
}

static void
set_mtime(struct t *t, const char *name, time_t sec)
{
	struct timespec	ts[2] = { { sec, 0 }, { sec, 0 } };
	char		b[PATH_MAX];

	assert_int_equal(utimensat(AT_FDCWD, P(t, name, b), ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void
mv(struct t *t, const char *from, const char *to)
{
	char	a[PATH_MAX], b[PATH_MAX];

	assert_int_equal(rename(P(t, from, a), P(t, to, b)), 0);
}

static void
mkd(struct t *t, const char *name)
{
	char	b[PATH_MAX];

	assert_int_equal(mkdir(P(t, name, b), 0700), 0);
}

static uint64_t
ino_of(struct t *t, const char *name)
{
	struct stat	sb;
	char		b[PATH_MAX];

	assert_int_equal(stat(P(t, name, b), &sb), 0);
	return sb.st_ino;
}

static uint64_t
fp_of(const char *s, size_t n)
{
	return hash_fnv1a(s, n, HASH_FNV_SEED);
}

static void
gz_put(struct t *t, const char *name, const char *s)
{
	char	b[PATH_MAX];
	gzFile	gz = gzopen(P(t, name, b), "wb");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, s, (unsigned)strlen(s)), (int)strlen(s));
	assert_int_equal(gzclose(gz), Z_OK);
}

/* Every field of *st equals the one of want (named fields; zeros implied). */
#define assert_stats(st, ...) assert_stats_eq((st),			\
	&(const struct reader_stats)__VA_ARGS__, __FILE__, __LINE__)

static void
assert_stats_eq(const struct reader_stats *st, const struct reader_stats *want,
    const char *file, int line)
{
	int	bad = 0;

#define STATS_FIELD(f) do {						\
	if ((uint64_t)st->f != (uint64_t)want->f) {			\
		print_error("reader_stats ." #f " is %llu, want %llu\n",	\
		    (unsigned long long)st->f,				\
		    (unsigned long long)want->f);			\
		bad = 1;						\
	}								\
} while (0)
	STATS_FIELD(rs_lines);
	STATS_FIELD(rs_bytes);
	STATS_FIELD(rs_long);
	STATS_FIELD(rs_files);
	STATS_FIELD(rs_lost);
	STATS_FIELD(rs_rotated);
	STATS_FIELD(rs_truncated);
#undef STATS_FIELD
	if (bad)
		_fail(file, line);
}

static int
rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	struct t	*t = xcalloc(1, sizeof(*t));
	char		 tmpl[] = "/tmp/test_reader.XXXXXX", *real;

	if (mkdtemp(tmpl) == NULL || (real = realpath(tmpl, NULL)) == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s", real);
	snprintf(t->log, sizeof(t->log), "%s/mail.log", real);
	free(real);
	t->out = xstrdup("");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;
	int		 rc = nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(t->out);
	free(t->err);
	free(t);
	return rc;
}

/* ---- position within one file ---- */

static void
first_run_reads_whole_file_and_records_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	struct stat		 sb;

	put(t, "mail.log", "A1\nA2\nA3\n");
	memset(&pos, 0, sizeof(pos));
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\nmail.log:A2\nmail.log:A3\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 1 });
	assert_int_equal(stat(t->log, &sb), 0);
	assert_int_equal(pos.lp_dev, sb.st_dev);
	assert_int_equal(pos.lp_ino, sb.st_ino);
	assert_int_equal(pos.lp_offset, 9);
	assert_int_equal(pos.lp_fplen, 9);
	assert_int_equal(pos.lp_fp, fp_of("A1\nA2\nA3\n", 9));
}

static void
appended_lines_continue_at_offset(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\nA3\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A4\nA5\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A4\nmail.log:A5\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 15);
	assert_int_equal(pos.lp_fplen, 15);
	assert_int_equal(pos.lp_fp, fp_of("A1\nA2\nA3\nA4\nA5\n", 15));
}

static void
nothing_new_reads_nothing_and_keeps_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	before = pos;
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_files = 1 });
	assert_memory_equal(&pos, &before, sizeof(pos));
}

static void
partial_last_line_waits_until_completed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 3);
	assert_int_equal(pos.lp_fplen, 3);
	add(t, "mail.log", "-end\nA3");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A2-end\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 7, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 10);
	assert_int_equal(pos.lp_fp, fp_of("A1\nA2-end\n", 10));
}

static void
one_trailing_cr_is_removed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\r\nA2\r\r\n\r\nA3\rX\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out,
	    "mail.log:A1\nmail.log:A2\\x0d\nmail.log:\nmail.log:A3\\x0dX\n");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 16, .rs_files = 1 });
}

static void
nul_bytes_are_passed_with_exact_length(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	wr(t, "mail.log", "a\0b\n\0\n\n", 7, O_TRUNC);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:a\\x00b\nmail.log:\\x00\nmail.log:\n");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 7, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 7);
}

static void
line_of_linemax_passes_one_byte_more_is_skipped(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	size_t			 n = 2 * (READER_LINEMAX + 1) + 1 + 3;
	char			*b = xmalloc(n);

	memset(b, 'x', READER_LINEMAX);
	b[READER_LINEMAX] = '\n';
	memset(b + READER_LINEMAX + 1, 'y', READER_LINEMAX + 1);
	b[2 * READER_LINEMAX + 2] = '\n';
	memcpy(b + 2 * READER_LINEMAX + 3, "A1\n", 3);
	wr(t, "mail.log", b, n, O_TRUNC);
	free(b);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:<65536 bytes>\nmail.log:A1\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = n, .rs_long = 1,
	    .rs_files = 1 });
	assert_int_equal(pos.lp_offset, (int64_t)n);
}

static void
overlong_line_across_blocks_is_skipped_whole(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	size_t			 big = 3 * 1024 * 1024 + 5, i, n = 3 + big + 1 + 3;
	char			*b = xmalloc(n);

	/* Full of short "lines" without '\n': none may come out. */
	memcpy(b, "A1\n", 3);
	for (i = 0; i < big; i++)
		b[3 + i] = "B9\r"[i % 3];
	b[3 + big] = '\n';
	memcpy(b + 4 + big, "A2\n", 3);
	wr(t, "mail.log", b, n, O_TRUNC);
	free(b);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\nmail.log:A2\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = n, .rs_long = 1,
	    .rs_files = 1 });
	assert_int_equal(pos.lp_offset, (int64_t)n);
}

/*
 * An unterminated tail over READER_LINEMAX can never become a line that is
 * passed on: it is skipped and counted once, and the position moves past
 * it (inside the line), so that later runs do not read it again.  What
 * follows it up to the next '\n' is the rest of that line: skipped too,
 * not counted again, never passed on as a line of its own.
 */
static void
overlong_unterminated_tail_is_skipped_once(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			*b = xmalloc(100000);

	memset(b, 'z', 100000);
	put(t, "mail.log", "A1\n");
	wr(t, "mail.log", b, 100000, O_APPEND);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 100003, .rs_long = 1,
	    .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 100003);
	/* Not read again: */
	wr(t, "mail.log", b, 100000, O_APPEND);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_stats(&st, { .rs_bytes = 100000, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 200003);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_stats(&st, { .rs_files = 1 });
	free(b);
	/* The rest of the line ends it; the next line is read. */
	add(t, "mail.log", "zzz\nA2\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A2\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 7, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 200010);
	assert_string_equal(t->err, "");
}

/* ... and when the file is rotated inside that line, the rest is skipped in the rotated file. */
static void
overlong_tail_continued_in_rotated_file_is_skipped(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			*b = xmalloc(100000);

	memset(b, 'z', 100000);
	put(t, "mail.log", "A1\n");
	wr(t, "mail.log", b, 100000, O_APPEND);
	free(b);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_int_equal(pos.lp_offset, 100003);
	add(t, "mail.log", "zzz\nA2\n");
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A2\nmail.log:B1\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 10, .rs_files = 2,
	    .rs_rotated = 1 });
	assert_string_equal(t->err, "");
}

/*
 * copytruncate while the reader is inside the file: the callback plays
 * logrotate (copy to mail.log.1, truncate mail.log) after a few lines of
 * a 2 MB log, so the rest of the first 1 MB block is consumed from memory
 * and the second block is only in the copy.  Every line must be seen
 * exactly once over the runs that follow.
 */
#define CT_LINES	40000	/* 50 bytes each: two read blocks */

struct tally {
	struct t	*t;
	int		 calls, at;	/* on call `at`: copytruncate */
	int		 bnew;		/* then append this many B lines at once */
	int		 a[CT_LINES], b[CT_LINES];
};

static void
ct_lines(struct t *t, int c, int n, int flags)
{
	char	*s = xmalloc((size_t)n * 50), one[64];
	int	 i;

	for (i = 0; i < n; i++) {
		snprintf(one, sizeof(one), "%c%05d %042d\n", c, i % 100000, 0);
		memcpy(s + (size_t)i * 50, one, 50);
	}
	wr(t, "mail.log", s, (size_t)n * 50, flags);
	free(s);
}

static void
ct_copytruncate(struct t *t)
{
	char	 a[PATH_MAX], b[PATH_MAX], *buf = xmalloc(4 * 1024 * 1024);
	ssize_t	 n;
	int	 in, out;

	in = open(P(t, "mail.log", a), O_RDONLY);
	out = open(P(t, "mail.log.1", b), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, 4 * 1024 * 1024)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	free(buf);
	assert_int_equal(truncate(a, 0), 0);
}

static int
tally(void *arg, const char *file, const char *line, size_t len)
{
	struct tally	*ty = arg;
	int		 i;

	(void)file;
	if (++ty->calls == ty->at) {
		ct_copytruncate(ty->t);
		if (ty->bnew > 0)
			ct_lines(ty->t, 'B', ty->bnew, O_APPEND);
	}
	assert_int_equal(len, 49);
	i = atoi(line + 1);
	assert_true(i >= 0 && i < CT_LINES);
	if (line[0] == 'A')
		ty->a[i]++;
	else
		ty->b[i]++;
	return 0;
}

static int
follow_tally(struct t *t, struct tally *ty, struct logpos *pos, int have,
    struct reader_stats *st)
{
	FILE	*f;
	int	 saved, rc;

	reset(t, st);
	f = cap_begin(&saved);
	rc = reader_follow(t->log, pos, have, tally, ty, st);
	cap_end(t, f, saved);
	return rc;
}

/* Lines of v[0..n) seen 0 times (lost) and more than once (duplicated). */
static void
ct_count(const int *v, int n, int *lost, int *dup)
{
	int	i;

	*lost = *dup = 0;
	for (i = 0; i < n; i++) {
		*lost += v[i] == 0;
		*dup += v[i] > 1;
	}
}

static void
ct_case(struct t *t, int bafter, int bnew)
{
	struct tally		*ty = xcalloc(1, sizeof(*ty));
	struct logpos		 pos;
	struct reader_stats	 st;
	int			 lost, dup;

	ty->t = t;
	ty->at = 10;
	ty->bnew = bnew;
	ct_lines(t, 'A', CT_LINES, O_TRUNC);
	assert_int_equal(follow_tally(t, ty, &pos, 0, &st), 0);
	/* never a fingerprint shorter than what was consumed */
	assert_int_equal(pos.lp_fplen, READER_FPMAX);
	if (bafter > 0)
		ct_lines(t, 'B', bafter, O_APPEND);
	assert_int_equal(follow_tally(t, ty, &pos, 1, &st), 0);
	assert_int_equal(follow_tally(t, ty, &pos, 1, &st), 0);
	assert_int_equal(st.rs_lines, 0);
	ct_count(ty->a, CT_LINES, &lost, &dup);
	assert_int_equal(lost, 0);
	assert_int_equal(dup, 0);
	ct_count(ty->b, bnew + bafter, &lost, &dup);
	assert_int_equal(lost, 0);
	assert_int_equal(dup, 0);
	free(ty);
}

/* New lines after the run, fewer bytes than the offset: the copy's tail is not lost. */
static void
copytruncate_during_read_finishes_the_copy(void **state)
{
	ct_case(*state, 100, 0);
}

/* New lines after the run, more than the offset: not skipped by an empty fingerprint. */
static void
copytruncate_during_read_then_longer_file(void **state)
{
	ct_case(*state, 30000, 0);
}

/* Truncated and written past the reader's offset while it reads: not taken for the old file. */
static void
copytruncate_and_rewrite_during_read(void **state)
{
	ct_case(*state, 0, 30000);
}

/* ---- same inode, changed under us ---- */

static void
copytruncate_reads_from_start(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 ino;

	put(t, "mail.log", "A1\nA2\nA3\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	ino = pos.lp_ino;
	put(t, "mail.log", "B1\n");	/* O_TRUNC: same inode, smaller */
	assert_int_equal(ino_of(t, "mail.log"), ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_truncated = 1 });
	assert_int_equal(pos.lp_ino, ino);
	assert_int_equal(pos.lp_offset, 3);
	assert_int_equal(pos.lp_fp, fp_of("B1\n", 3));
}

/* cp + truncate: the lines written since the last run are in the copy. */
static void
copytruncate_reads_tail_of_the_copy_first(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 ino;

	put(t, "mail.log.2", "Z1\n");
	set_mtime(t, "mail.log.2", T0);
	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	ino = pos.lp_ino;
	add(t, "mail.log", "A3\nA4\n");
	put(t, "mail.log.1", "A1\nA2\nA3\nA4\n");	/* the copy */
	set_mtime(t, "mail.log.1", T0 + 1);
	put(t, "mail.log", "B1\nB2\nB3\n");		/* truncated, written again */
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(ino_of(t, "mail.log"), ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A3\nmail.log.1:A4\n"
	    "mail.log:B1\nmail.log:B2\nmail.log:B3\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 5, .rs_bytes = 15, .rs_files = 2,
	    .rs_rotated = 1, .rs_truncated = 1 });
	assert_int_equal(pos.lp_ino, ino);
	assert_int_equal(pos.lp_offset, 9);
	assert_int_equal(pos.lp_fp, fp_of("B1\nB2\nB3\n", 9));
	/* None twice: */
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
}

/*
 * A run finishes a copy and finds the log empty; before the next run the
 * log gets lines and is copied and truncated again (the torture's seed
 * 196052).  An empty log gives no fingerprint: the position stays at the
 * end of the copy read last, so the next run finds it (now mail.log.2),
 * reads the newer copy, then the log.
 */
static void
copytruncate_of_an_empty_log_between_runs(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 ino;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	ino = pos.lp_ino;
	add(t, "mail.log", "A3\n");
	put(t, "mail.log.1", "A1\nA2\nA3\n");		/* the copy */
	set_mtime(t, "mail.log.1", T0);
	put(t, "mail.log", "");				/* truncated */
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A3\n");
	/* Lines, then the next copytruncate, before the next run. */
	add(t, "mail.log", "B1\nB2\n");
	mv(t, "mail.log.1", "mail.log.2");
	put(t, "mail.log.1", "B1\nB2\n");
	set_mtime(t, "mail.log.1", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(ino_of(t, "mail.log"), ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:B1\nmail.log.1:B2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_int_equal(pos.lp_ino, ino);
	assert_int_equal(pos.lp_offset, 3);
	/* None twice: */
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
}

/* Two copytruncate rotations between runs, the copies compressed. */
static void
copytruncate_twice_with_compressed_copies(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	gz_put(t, "mail.log.2.gz", "A1\nA2\n");
	set_mtime(t, "mail.log.2.gz", T0);
	gz_put(t, "mail.log.1.gz", "B1\nB2\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2.gz:A2\nmail.log.1.gz:B1\n"
	    "mail.log.1.gz:B2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 12, .rs_files = 3,
	    .rs_rotated = 1, .rs_truncated = 1 });
}

/*
 * The old file was compressed and removed, and the new file got its inode:
 * the position names the new file's inode with the old fingerprint.
 */
static void
reused_inode_reads_old_tail_from_gz_then_new_file(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	gz_put(t, "mail.log.1.gz", "A1\nA2\nA3\n");
	assert_int_equal(unlink(t->log), 0);
	put(t, "mail.log", "B1\n");
	pos.lp_ino = ino_of(t, "mail.log");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1.gz:A3\nmail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1, .rs_truncated = 1 });
	assert_int_equal(pos.lp_offset, 3);
}

/* An older rotated file that does not start like the log is no copy. */
static void
truncated_without_copy_reads_from_start_only(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log.1", "Z1\nZ2\nZ3\nZ4\n");
	set_mtime(t, "mail.log.1", T0);
	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_truncated = 1 });
}

static void
same_inode_other_content_reads_from_start(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 b[PATH_MAX];
	int			 fd;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	/* Rewritten in place, not shorter: only the fingerprint can tell. */
	fd = open(P(t, "mail.log", b), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X1\nX2\nX3\n", 9, 0), 9);
	close(fd);
	assert_int_equal(ino_of(t, "mail.log"), pos.lp_ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:X1\nmail.log:X2\nmail.log:X3\n");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 1,
	    .rs_truncated = 1 });
	assert_int_equal(pos.lp_offset, 9);
}

static void
shrunk_then_grown_past_offset_reads_from_start(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 ino;

	put(t, "mail.log", "A1\nA2\nA3\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	ino = pos.lp_ino;
	put(t, "mail.log", "");
	add(t, "mail.log", "B1\nB2\nB3\nB4\n");
	assert_int_equal(ino_of(t, "mail.log"), ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log:B1\nmail.log:B2\nmail.log:B3\nmail.log:B4\n");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 12, .rs_files = 1,
	    .rs_truncated = 1 });
	assert_int_equal(pos.lp_offset, 12);
}

static void
shrunk_below_offset_with_same_head_reads_from_start(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 line[51], b[PATH_MAX];
	int			 i;

	memset(line, 'x', 49);
	line[49] = '\n';
	line[50] = '\0';
	put(t, "mail.log", "");
	for (i = 0; i < 100; i++)
		add(t, "mail.log", line);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_int_equal(pos.lp_offset, 5000);
	/* The fingerprint (first 4 KiB) still matches: only the size tells. */
	assert_int_equal(truncate(P(t, "mail.log", b), 4550), 0);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_int_equal(st.rs_lines, 91);
	assert_stats(&st, { .rs_lines = 91, .rs_bytes = 4550, .rs_files = 1,
	    .rs_truncated = 1 });
	assert_int_equal(pos.lp_offset, 4550);
}

/* fail2ban#3365: every file starts with an empty line. */
static void
empty_first_line_does_not_hide_a_rewrite(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "\nA1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_int_equal(pos.lp_fplen, 7);
	put(t, "mail.log", "\nB1\nB2\nB3\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log:\nmail.log:B1\nmail.log:B2\nmail.log:B3\n");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 10, .rs_files = 1,
	    .rs_truncated = 1 });
}

static void
empty_first_line_new_file_is_not_taken_for_old(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 want[512];

	put(t, "mail.log", "\nA1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	put(t, "mail.log", "\nB1\nB2\nB3\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log:\nmail.log:B1\nmail.log:B2\nmail.log:B3\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log: the file read last "
	    "(inode %ju) is gone: an unknown number of bytes after offset 7 are "
	    "lost; reading D/mail.log from the start\n",
	    (uintmax_t)ino_of(t, "keep/mail.log"));
	assert_string_equal(t->err, want);
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 10, .rs_files = 1,
	    .rs_rotated = 1 });
}

static void
fingerprint_grows_with_the_file_up_to_fpmax(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 line[51], head[READER_FPMAX], b[PATH_MAX];
	uint64_t		 fp;
	int			 i, fd;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_int_equal(pos.lp_fplen, 3);
	memset(line, 'x', 49);
	line[49] = '\n';
	line[50] = '\0';
	for (i = 0; i < 100; i++)
		add(t, "mail.log", line);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_int_equal(st.rs_lines, 100);
	assert_int_equal(pos.lp_offset, 5003);
	assert_int_equal(pos.lp_fplen, READER_FPMAX);
	fd = open(P(t, "mail.log", b), O_RDONLY);
	assert_int_equal(read(fd, head, sizeof(head)), READER_FPMAX);
	close(fd);
	fp = fp_of(head, READER_FPMAX);
	assert_int_equal(pos.lp_fp, fp);
	add(t, "mail.log", "A2\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A2\n");
	assert_int_equal(pos.lp_fplen, READER_FPMAX);
	assert_int_equal(pos.lp_fp, fp);
}

static void
changed_device_number_alone_is_not_a_new_file(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 dev;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	dev = pos.lp_dev;
	pos.lp_dev ^= 0x10001;	/* as after a reboot that renumbered devices */
	add(t, "mail.log", "A2\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A2\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1 });
	assert_int_equal(pos.lp_dev, dev);
}

/* ---- rotation ---- */

static void
rename_and_create_reads_old_tail_then_new_file(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A3\n");
	set_mtime(t, "mail.log", T0 + 1);
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "B1\nB2\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A3\nmail.log:B1\nmail.log:B2\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 2,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 6);
	assert_int_equal(pos.lp_fp, fp_of("B1\nB2\n", 6));
	/* None twice: */
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_stats(&st, { .rs_files = 1 });
}

static void
two_rotations_finish_old_then_middle_then_new(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log.3", "Z1\n");
	set_mtime(t, "mail.log.3", T0);
	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "B1\n");
	mv(t, "mail.log.1", "mail.log.2");
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log.2", T0 + 10);
	set_mtime(t, "mail.log.1", T0 + 20);
	set_mtime(t, "mail.log", T0 + 30);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log.1:B1\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 3,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 3);
}

static void
equal_mtimes_ordered_by_rotation_number(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log.3", "Z1\n");
	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	put(t, "mail.log.10", "Z0\n");
	put(t, "mail.log.1", "B1\n");
	put(t, "mail.log", "C1\n");
	/* A file system with one-second times: all rotated in one second. */
	set_mtime(t, "mail.log.10", T0);
	set_mtime(t, "mail.log.3", T0);
	set_mtime(t, "mail.log.2", T0);
	set_mtime(t, "mail.log.1", T0);
	set_mtime(t, "mail.log", T0);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log.1:B1\nmail.log:C1\n");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 3,
	    .rs_rotated = 1 });
}

static void
date_suffixed_rotation_is_followed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log-20261125", "Z1\n");
	set_mtime(t, "mail.log-20261125", T0);
	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\nA3\n");
	set_mtime(t, "mail.log", T0 + 86400);
	mv(t, "mail.log", "mail.log-20261126");
	put(t, "mail.log", "B1\n");
	set_mtime(t, "mail.log", T0 + 86401);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log-20261126:A2\nmail.log-20261126:A3\nmail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 2,
	    .rs_rotated = 1 });
}

static void
hard_link_of_old_file_is_not_read_twice(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 a[PATH_MAX], b[PATH_MAX];

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	set_mtime(t, "mail.log", T0);
	mv(t, "mail.log", "mail.log.1");
	assert_int_equal(link(P(t, "mail.log.1", a), P(t, "mail.log-20261126", b)), 0);
	put(t, "mail.log", "B1\n");
	set_mtime(t, "mail.log", T0 + 1);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	/* Both names, same time: the larger number is taken as the older. */
	assert_string_equal(t->out, "mail.log-20261126:A2\nmail.log:B1\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

static void
rotated_file_incomplete_tail_is_counted_lost(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\nA3-cut");
	set_mtime(t, "mail.log", T0);
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "B1\n");
	set_mtime(t, "mail.log", T0 + 1);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A2\nmail.log:B1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1: rotated file ends in an "
	    "incomplete line: 6 bytes lost\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_lost = 6, .rs_rotated = 1 });
}

static void
renamed_before_new_file_exists_waits(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	set_mtime(t, "mail.log", T0);
	mv(t, "mail.log", "mail.log.1");
	before = pos;
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_string_equal(t->err, "");
	assert_stats(&st, { 0 });
	assert_memory_equal(&pos, &before, sizeof(pos));
	put(t, "mail.log", "B1\n");
	set_mtime(t, "mail.log", T0 + 1);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A2\nmail.log:B1\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

static void
replaced_by_copy_of_itself_goes_on_at_offset(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	uint64_t		 ino;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	ino = pos.lp_ino;
	put(t, "mail.log.new", "A1\nA2\nA3\n");	/* as sed -i does */
	mv(t, "mail.log.new", "mail.log");
	assert_true(ino_of(t, "mail.log") != ino);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A3\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_offset, 9);
}

static void
old_file_gone_warns_once_and_reads_new_file(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 want[512];

	put(t, "mail.log.1", "Z1\n");	/* older, and not the file read last */
	set_mtime(t, "mail.log.1", T0);
	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log: the file read last "
	    "(inode %ju) is gone: an unknown number of bytes after offset 6 are "
	    "lost; reading D/mail.log from the start\n",
	    (uintmax_t)ino_of(t, "keep/mail.log"));
	assert_string_equal(t->err, want);
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 3);
}

static void
old_file_gone_names_compressed_sibling(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 want[512];

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	put(t, "mail.log.2.xz", "not really xz");
	set_mtime(t, "mail.log.2.xz", T0);
	put(t, "mail.log.1.bz2", "not really bz2");
	set_mtime(t, "mail.log.1.bz2", T0 + 1);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log: the file read last "
	    "(inode %ju) is gone: an unknown number of bytes after offset 6 are "
	    "lost (they may be in the compressed D/mail.log.1.bz2, which is not "
	    "read); reading D/mail.log from the start\n",
	    (uintmax_t)ino_of(t, "keep/mail.log"));
	assert_string_equal(t->err, want);
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_rotated = 1 });
}

static void
old_file_compressed_tail_is_read_from_gz(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.1.gz", "A1\nA2\nA3\nA4-x\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	gz_put(t, "mail.log.2.gz", "Z1\nZ2\n");
	set_mtime(t, "mail.log.2.gz", T0);
	put(t, "mail.log", "B1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log.1.gz:A3\nmail.log.1.gz:A4-x\nmail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 11, .rs_files = 2,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 3);
	/* None twice: */
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_stats(&st, { .rs_files = 1 });
}

static void
old_file_compressed_newer_uncompressed_still_read(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.2.gz", "A1\nA2\nA3\n");
	set_mtime(t, "mail.log.2.gz", T0);
	put(t, "mail.log.1", "B1\nB2\n");
	set_mtime(t, "mail.log.1", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2.gz:A3\nmail.log.1:B1\n"
	    "mail.log.1:B2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 12, .rs_files = 3,
	    .rs_rotated = 1 });
}

/* A fingerprint found in two .gz files names neither: the loss is unknown. */
static void
old_file_fingerprint_in_two_gz_is_not_guessed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 want[512];

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.2.gz", "A1\nA2\n");
	set_mtime(t, "mail.log.2.gz", T0);
	gz_put(t, "mail.log.1.gz", "A1\nX2\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log: the file read last "
	    "(inode %ju) is gone: an unknown number of bytes after offset 3 are "
	    "lost (they may be in the compressed D/mail.log.1.gz, which is not "
	    "read); reading D/mail.log from the start\n",
	    (uintmax_t)ino_of(t, "keep/mail.log"));
	assert_string_equal(t->err, want);
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_rotated = 1 });
}

static void
compressed_tail_incomplete_line_is_counted_lost(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.1.gz", "A1\nA2\nA3\nA4");
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1.gz:A3\nmail.log:B1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.gz: rotated file ends "
	    "in an incomplete line: 2 bytes lost\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_lost = 2, .rs_rotated = 1 });
}

/* Append one gzip member of s to name; keep only its first cut bytes (0: all). */
static void
gz_member(struct t *t, const char *name, const char *s, size_t cut)
{
	unsigned char	out[512];
	z_stream	zs;
	size_t		n;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)s;
	zs.avail_in = (uInt)strlen(s);
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = sizeof(out) - zs.avail_out;
	deflateEnd(&zs);
	wr(t, name, out, cut != 0 && cut < n ? cut : n, O_APPEND);
}

static void
compressed_file_ending_early_keeps_what_was_read(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_member(t, "mail.log.1.gz", "A1\nA2\nA3\nA4\n", 0);
	gz_member(t, "mail.log.1.gz", "A5\nA6\n", 10);	/* header only */
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log.1.gz:A3\nmail.log.1.gz:A4\nmail.log:B1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.gz: compressed data "
	    "ends early at offset 12: the rest of it is lost\n");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 2,
	    .rs_rotated = 1 });
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 3);
}

/*
 * A gzip bomb as the old file's .gz: "A1\nA2\n" then 100 MiB of zeros
 * (~100 KB compressed).  Read up to the limit (LINES_GZFLOOR bytes, as
 * 64 times its size is less), one warning, the rest skipped; the
 * unterminated zeros up to the limit are counted lost.
 */
static void
compressed_bomb_is_read_up_to_the_limit(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	static char		 zero[1 << 20];
	char			 b[PATH_MAX], want[256];
	gzFile			 gz;
	int			 i;

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	assert_non_null(gz = gzopen(P(t, "mail.log.1.gz", b), "wb9"));
	assert_int_equal(gzwrite(gz, "A1\nA2\nA3\n", 9), 9);
	for (i = 0; i < 100; i++)
		assert_int_equal(gzwrite(gz, zero, sizeof(zero)), (int)sizeof(zero));
	assert_int_equal(gzclose(gz), Z_OK);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1.gz:A3\nmail.log:B1\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log.1.gz: over the limit "
	    "of %lld uncompressed bytes (64 times its compressed size, at least "
	    "64 MiB): the rest of it is skipped\n", (long long)LINES_GZFLOOR);
	assert_string_equal(t->err, want);
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_lost = LINES_GZFLOOR - 9, .rs_rotated = 1 });
}

static void
corrupt_compressed_data_is_a_warning_not_an_error(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	/* A gzip header, then a deflate block of the invalid type 3. */
	static const unsigned char bad[] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff
	};

	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_member(t, "mail.log.1.gz", "A1\nA2\nA3\nA4", 0);
	wr(t, "mail.log.1.gz", bad, sizeof(bad), O_APPEND);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1.gz:A3\nmail.log:B1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.gz: invalid block "
	    "type at offset 11: the rest of it is lost\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_lost = 2, .rs_rotated = 1 });
}

/* Past READER_FPMAX the fingerprint cannot see that a .gz is too short. */
/* gzip -d ignores zeros after the last member; so does the reader. */
static void
trailing_zeros_after_gz_member_are_ignored(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_member(t, "mail.log.1.gz", "A1\nA2\n", 0);
	wr(t, "mail.log.1.gz", "\0\0\0\0\0\0\0\0", 8, O_APPEND);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1.gz:A2\nmail.log:B1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

static void
compressed_file_shorter_than_offset_is_reported(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 line[101], *big = xmalloc(50 * 100 + 1);
	int			 i;

	memset(line, 'x', 99);
	line[99] = '\n';
	line[100] = '\0';
	for (i = 0; i < 50; i++)
		memcpy(big + i * 100, line, 101);
	put(t, "mail.log", big);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_int_equal(pos.lp_offset, 5000);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	big[4500] = '\0';
	gz_put(t, "mail.log.1.gz", big);
	free(big);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.gz: uncompressed data "
	    "ends before offset 5000: the lines after it are lost\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 3, .rs_files = 1,
	    .rs_rotated = 1 });
}

static void
callback_error_in_compressed_file_keeps_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, saved;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	saved = pos;
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.1.gz", "A1\nA2\nA3\n");
	put(t, "mail.log", "B1\n");
	t->failat = 2;
	assert_int_equal(follow(t, &pos, 1, &st), -1);
	t->failat = 0;
	assert_string_equal(t->out, "mail.log.1.gz:A2\n");
	assert_string_equal(t->err, "");
	assert_memory_equal(&pos, &saved, sizeof(pos));
}

static void
newer_compressed_sibling_is_read_whole(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	set_mtime(t, "mail.log.2", T0);
	gz_put(t, "mail.log.1.gz", "B1\nB2\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log.1.gz:B1\n"
	    "mail.log.1.gz:B2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 4, .rs_bytes = 12, .rs_files = 3,
	    .rs_rotated = 1 });
}

/* The old file was compressed and removed; a newer .gz got its inode. */
static void
newer_gz_with_the_old_inode_is_still_read(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log");
	gz_put(t, "mail.log.2.gz", "A1\nA2\n");
	set_mtime(t, "mail.log.2.gz", T0);
	gz_put(t, "mail.log.1.gz", "B1\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	pos.lp_ino = ino_of(t, "mail.log.1.gz");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out,
	    "mail.log.2.gz:A2\nmail.log.1.gz:B1\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 3,
	    .rs_rotated = 1 });
}

static void
newer_sibling_of_other_compression_is_reported_lost(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	set_mtime(t, "mail.log.2", T0);
	put(t, "mail.log.1.xz", "not really xz");
	set_mtime(t, "mail.log.1.xz", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log:C1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.xz: rotated after the "
	    "file read last, but only .gz files are read: its lines are lost\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

static void
newer_gz_that_is_not_gzip_is_reported_lost(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	set_mtime(t, "mail.log.2", T0);
	put(t, "mail.log.1.gz", "B1\nB2\n");
	set_mtime(t, "mail.log.1.gz", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log:C1\n");
	assert_string_equal(t->err, "mailban: D/mail.log.1.gz: not in gzip format: "
	    "its lines are lost\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

/*
 * logrotate compresses mail.log.1 into mail.log.1.gz, then removes it: in
 * between both exist, and the .gz (partial, newest) is the same file.
 */
static void
gz_being_written_beside_its_source_is_not_read(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	set_mtime(t, "mail.log.2", T0);
	put(t, "mail.log.1", "B1\n");
	set_mtime(t, "mail.log.1", T0 + 1);
	gz_member(t, "mail.log.2.gz", "A1\nA2\n", 12);
	set_mtime(t, "mail.log.2.gz", T0 + 3);
	gz_member(t, "mail.log.1.gz", "B1\n", 0);
	set_mtime(t, "mail.log.1.gz", T0 + 3);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log.1:B1\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 9, .rs_files = 3,
	    .rs_rotated = 1 });
}

static void
rotated_sibling_symlink_is_not_followed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 want[512], b[PATH_MAX];

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mkd(t, "keep");
	mv(t, "mail.log", "keep/mail.log.1");
	assert_int_equal(symlink("keep/mail.log.1", P(t, "mail.log.1", b)), 0);
	put(t, "mail.log", "B1\n");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:B1\n");
	snprintf(want, sizeof(want), "mailban: D/mail.log: the file read last "
	    "(inode %ju) is gone: an unknown number of bytes after offset 3 are "
	    "lost; reading D/mail.log from the start\n",
	    (uintmax_t)ino_of(t, "keep/mail.log.1"));
	assert_string_equal(t->err, want);
}

static void
newer_sibling_symlink_is_not_read(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;
	char			 b[PATH_MAX];

	mkd(t, "other");
	put(t, "other/secret", "S1\n");
	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.2");
	set_mtime(t, "mail.log.2", T0);
	assert_int_equal(symlink("other/secret", P(t, "mail.log.1", b)), 0);
	set_mtime(t, "mail.log.1", T0 + 1);
	put(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.2:A2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 2,
	    .rs_rotated = 1 });
}

/* ---- no file, odd files, errors ---- */

static void
missing_log_is_not_an_error_and_keeps_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos = { 7, 1234, 99, 42, 3 }, before = pos;
	struct reader_stats	 st;

	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
	assert_string_equal(t->err, "");
	assert_stats(&st, { 0 });
	assert_memory_equal(&pos, &before, sizeof(pos));
}

static void
log_appearing_later_is_read_from_start(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	memset(&pos, 0, sizeof(pos));
	before = pos;
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_memory_equal(&pos, &before, sizeof(pos));
	put(t, "mail.log", "A1\nA2\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\nmail.log:A2\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 1 });
	assert_int_equal(pos.lp_offset, 6);
}

static void
callback_error_returns_error_and_keeps_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\nA3\nA4\n");
	before = pos;
	t->failat = 2;
	assert_int_equal(follow(t, &pos, 1, &st), -1);
	assert_string_equal(t->out, "mail.log:A2\n");
	assert_string_equal(t->err, "");
	assert_memory_equal(&pos, &before, sizeof(pos));
	t->failat = 0;
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log:A2\nmail.log:A3\nmail.log:A4\n");
	assert_int_equal(pos.lp_offset, 12);
}

static void
callback_error_during_rotation_keeps_position(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	set_mtime(t, "mail.log", T0);
	mv(t, "mail.log", "mail.log.1");
	put(t, "mail.log", "B1\nB2\n");
	set_mtime(t, "mail.log", T0 + 1);
	before = pos;
	t->failat = 3;
	assert_int_equal(follow(t, &pos, 1, &st), -1);
	assert_string_equal(t->out, "mail.log.1:A2\nmail.log:B1\n");
	assert_memory_equal(&pos, &before, sizeof(pos));
	t->failat = 0;
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.1:A2\nmail.log:B1\nmail.log:B2\n");
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
}

static void
symlink_within_directory_is_followed(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	put(t, "mail.real", "A1\n");
	assert_int_equal(symlink("./mail.real", t->log), 0);
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	assert_string_equal(t->out, "mail.log:A1\n");
	assert_string_equal(t->err, "");
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.real"));
	assert_int_equal(pos.lp_offset, 3);
}

static void
symlink_outside_directory_is_refused(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos, before;
	struct reader_stats	 st;

	mkd(t, "other");
	put(t, "other/mail.log", "A1\n");
	assert_int_equal(symlink("other/mail.log", t->log), 0);
	memset(&pos, 0, sizeof(pos));
	before = pos;
	assert_int_equal(follow(t, &pos, 0, &st), -1);
	assert_string_equal(t->out, "");
	assert_string_equal(t->err, "mailban: D/mail.log: symbolic link to "
	    "D/other/mail.log, outside its directory: refusing to follow it (set "
	    "logpath to the file itself)\n");
	assert_memory_equal(&pos, &before, sizeof(pos));
}

static void
fifo_and_directory_are_refused_without_blocking(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos;
	struct reader_stats	 st;

	assert_int_equal(mkfifo(t->log, 0600), 0);
	assert_int_equal(follow(t, &pos, 0, &st), -1);
	assert_string_equal(t->err, "mailban: D/mail.log: not a regular file\n");
	assert_int_equal(unlink(t->log), 0);
	mkd(t, "mail.log");
	assert_int_equal(follow(t, &pos, 0, &st), -1);
	assert_string_equal(t->err, "mailban: D/mail.log: not a regular file\n");
}

static void
invalid_saved_position_is_refused(void **state)
{
	struct t		*t = *state;
	struct logpos		 pos = { 1, 2, 10, 3, 11 }, before = pos;
	struct reader_stats	 st;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 1, &st), -1);
	assert_string_equal(t->out, "");
	assert_string_equal(t->err, "mailban: D/mail.log: saved position is "
	    "invalid (offset 10, fingerprint length 11); not reading it\n");
	assert_memory_equal(&pos, &before, sizeof(pos));
	pos.lp_offset = -1;
	pos.lp_fplen = 0;
	assert_int_equal(follow(t, &pos, 1, &st), -1);
	assert_string_equal(t->err, "mailban: D/mail.log: saved position is "
	    "invalid (offset -1, fingerprint length 0); not reading it\n");
}

/* ---- streams ---- */

static int
open_r(struct t *t, const char *name)
{
	char	b[PATH_MAX];
	int	fd = open(P(t, name, b), O_RDONLY);

	assert_true(fd >= 0);
	return fd;
}

static void
stream_passes_unterminated_last_line(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	int			 fd;

	put(t, "in.log", "A1\r\nA2\r");
	fd = open_r(t, "in.log");
	assert_int_equal(stream(t, fd, "in.log", &st), 0);
	close(fd);
	assert_string_equal(t->out, "in.log:A1\nin.log:A2\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 7, .rs_files = 1 });
}

static void
stream_starts_at_current_offset(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	int			 fd;

	put(t, "in.log", "A1\nA2\nA3\n");
	fd = open_r(t, "in.log");
	assert_int_equal(lseek(fd, 3, SEEK_SET), 3);
	assert_int_equal(stream(t, fd, "in.log", &st), 0);
	close(fd);
	assert_string_equal(t->out, "in.log:A2\nin.log:A3\n");
	assert_stats(&st, { .rs_lines = 2, .rs_bytes = 6, .rs_files = 1 });
}

static void
stream_counts_overlong_unterminated_last_line(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	char			*b = xmalloc(70000);
	int			 fd;

	memset(b, 'z', 70000);
	put(t, "in.log", "A1\n");
	wr(t, "in.log", b, 70000, O_APPEND);
	free(b);
	fd = open_r(t, "in.log");
	assert_int_equal(stream(t, fd, "in.log", &st), 0);
	close(fd);
	assert_string_equal(t->out, "in.log:A1\n");
	assert_stats(&st, { .rs_lines = 1, .rs_bytes = 70003, .rs_long = 1,
	    .rs_files = 1 });
}

static void
stream_reads_a_pipe(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	int			 p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "P1\nP2\nP3", 8), 8);
	close(p[1]);
	assert_int_equal(stream(t, p[0], "-", &st), 0);
	close(p[0]);
	assert_string_equal(t->out, "-:P1\n-:P2\n-:P3\n");
	assert_stats(&st, { .rs_lines = 3, .rs_bytes = 8, .rs_files = 1 });
}

static void
stream_read_error_is_reported(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	int			 fd;

	mkd(t, "adir");
	fd = open_r(t, "adir");
	assert_int_equal(stream(t, fd, "adir", &st), -1);
	close(fd);
	assert_string_equal(t->err, "mailban: cannot read adir: Is a directory\n");
}

static void
stream_callback_error_stops(void **state)
{
	struct t		*t = *state;
	struct reader_stats	 st;
	int			 fd;

	put(t, "in.log", "A1\nA2\nA3");
	fd = open_r(t, "in.log");
	t->failat = 3;
	assert_int_equal(stream(t, fd, "in.log", &st), -1);
	close(fd);
	assert_string_equal(t->out, "in.log:A1\nin.log:A2\n");
	assert_string_equal(t->err, "");
}

/*
 * The file at path is opened before the rotated files are read; a
 * copytruncate while they are read (a second rotation within the run)
 * empties it before any of it was read.  The position keeps the head
 * seen at the open, by which the next run finds the copy.
 */
struct ct2 {
	struct t	*t;
	int		 done;
};

static int
ct2_fn(void *arg, const char *file, const char *line, size_t len)
{
	struct ct2	*c = arg;
	char		 a[PATH_MAX];

	if (!c->done) {
		c->done = 1;
		put(c->t, "mail.log.0", "B1\nB2\n");		/* the copy */
		set_mtime(c->t, "mail.log.0", T0 + 1);
		assert_int_equal(truncate(P(c->t, "mail.log", a), 0), 0);
	}
	return collect(c->t, file, line, len);
}

static void
copytruncate_while_rotated_files_are_read(void **state)
{
	struct t		*t = *state;
	struct ct2		 c = { t, 0 };
	struct logpos		 pos;
	struct reader_stats	 st;
	FILE			*f;
	int			 saved;

	put(t, "mail.log", "A1\n");
	assert_int_equal(follow(t, &pos, 0, &st), 0);
	add(t, "mail.log", "A2\n");
	mv(t, "mail.log", "mail.log.1");
	set_mtime(t, "mail.log.1", T0);
	put(t, "mail.log", "B1\nB2\n");
	reset(t, &st);
	f = cap_begin(&saved);
	assert_int_equal(reader_follow(t->log, &pos, 1, ct2_fn, &c, &st), 0);
	cap_end(t, f, saved);
	assert_string_equal(t->out, "mail.log.1:A2\n");
	assert_int_equal(pos.lp_ino, ino_of(t, "mail.log"));
	assert_int_equal(pos.lp_offset, 0);
	assert_int_equal(pos.lp_fplen, 6);
	assert_int_equal(pos.lp_fp, fp_of("B1\nB2\n", 6));
	add(t, "mail.log", "C1\n");
	set_mtime(t, "mail.log", T0 + 2);
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "mail.log.0:B1\nmail.log.0:B2\nmail.log:C1\n");
	assert_string_equal(t->err, "");
	assert_int_equal(follow(t, &pos, 1, &st), 0);
	assert_string_equal(t->out, "");
}

/* ---- the key of a position ---- */

static void
key_is_the_file_not_the_spelling(void **state)
{
	struct t	*t = *state;
	char		 b[PATH_MAX], *k;
	const char	*in[] = { "mail.log", "/mail.log", "./mail.log",
	    "sub/../mail.log", "link/../mail.log", "link/..//./mail.log" };
	char		 w[PATH_MAX];
	size_t		 i;

	mkd(t, "sub");
	assert_int_equal(symlink("sub", P(t, "link", b)), 0);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		k = reader_key(P(t, in[i], b));
		assert_string_equal(k, t->log);
		free(k);
	}
	/* the file name is kept as it is, even if nothing is there yet */
	k = reader_key(P(t, "link/../maillog", b));
	assert_string_equal(k, P(t, "maillog", w));
	free(k);
	k = reader_key("/nonexistent.d//mail.log");
	assert_string_equal(k, "/nonexistent.d//mail.log");
	free(k);
	k = reader_key("/mail.log");
	assert_string_equal(k, "/mail.log");
	free(k);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(first_run_reads_whole_file_and_records_position),
		T(appended_lines_continue_at_offset),
		T(nothing_new_reads_nothing_and_keeps_position),
		T(partial_last_line_waits_until_completed),
		T(one_trailing_cr_is_removed),
		T(nul_bytes_are_passed_with_exact_length),
		T(line_of_linemax_passes_one_byte_more_is_skipped),
		T(overlong_line_across_blocks_is_skipped_whole),
		T(overlong_unterminated_tail_is_skipped_once),
		T(overlong_tail_continued_in_rotated_file_is_skipped),
		T(copytruncate_during_read_finishes_the_copy),
		T(copytruncate_during_read_then_longer_file),
		T(copytruncate_and_rewrite_during_read),
		T(copytruncate_reads_from_start),
		T(copytruncate_reads_tail_of_the_copy_first),
		T(copytruncate_of_an_empty_log_between_runs),
		T(copytruncate_twice_with_compressed_copies),
		T(reused_inode_reads_old_tail_from_gz_then_new_file),
		T(truncated_without_copy_reads_from_start_only),
		T(same_inode_other_content_reads_from_start),
		T(shrunk_then_grown_past_offset_reads_from_start),
		T(shrunk_below_offset_with_same_head_reads_from_start),
		T(empty_first_line_does_not_hide_a_rewrite),
		T(empty_first_line_new_file_is_not_taken_for_old),
		T(fingerprint_grows_with_the_file_up_to_fpmax),
		T(changed_device_number_alone_is_not_a_new_file),
		T(rename_and_create_reads_old_tail_then_new_file),
		T(two_rotations_finish_old_then_middle_then_new),
		T(equal_mtimes_ordered_by_rotation_number),
		T(date_suffixed_rotation_is_followed),
		T(hard_link_of_old_file_is_not_read_twice),
		T(rotated_file_incomplete_tail_is_counted_lost),
		T(renamed_before_new_file_exists_waits),
		T(replaced_by_copy_of_itself_goes_on_at_offset),
		T(old_file_gone_warns_once_and_reads_new_file),
		T(old_file_gone_names_compressed_sibling),
		T(old_file_compressed_tail_is_read_from_gz),
		T(old_file_compressed_newer_uncompressed_still_read),
		T(old_file_fingerprint_in_two_gz_is_not_guessed),
		T(compressed_tail_incomplete_line_is_counted_lost),
		T(compressed_file_ending_early_keeps_what_was_read),
		T(corrupt_compressed_data_is_a_warning_not_an_error),
		T(compressed_bomb_is_read_up_to_the_limit),
		T(trailing_zeros_after_gz_member_are_ignored),
		T(compressed_file_shorter_than_offset_is_reported),
		T(callback_error_in_compressed_file_keeps_position),
		T(newer_compressed_sibling_is_read_whole),
		T(newer_gz_with_the_old_inode_is_still_read),
		T(newer_sibling_of_other_compression_is_reported_lost),
		T(newer_gz_that_is_not_gzip_is_reported_lost),
		T(gz_being_written_beside_its_source_is_not_read),
		T(rotated_sibling_symlink_is_not_followed),
		T(newer_sibling_symlink_is_not_read),
		T(missing_log_is_not_an_error_and_keeps_position),
		T(log_appearing_later_is_read_from_start),
		T(callback_error_returns_error_and_keeps_position),
		T(callback_error_during_rotation_keeps_position),
		T(symlink_within_directory_is_followed),
		T(symlink_outside_directory_is_refused),
		T(fifo_and_directory_are_refused_without_blocking),
		T(invalid_saved_position_is_refused),
		T(stream_passes_unterminated_last_line),
		T(stream_starts_at_current_offset),
		T(stream_counts_overlong_unterminated_last_line),
		T(stream_reads_a_pipe),
		T(stream_read_error_is_reported),
		T(stream_callback_error_stops),
		T(key_is_the_file_not_the_spelling),
		T(copytruncate_while_rotated_files_are_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
