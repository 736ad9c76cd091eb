/*
 * test_lines.c -- the line source: the splitter (lines_init/_room/_add/
 * _end, overlong lines skipped and counted, the three kinds of end) and
 * the input's bytes (reader_src_*: plain, gzip members, damaged gzip).
 */
#include <sys/mman.h>

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

#include "lines.h"

struct got {
	char	 s[1024];
	int	 n, stop;
};

static int
collect(void *arg, const char *name, const char *line, size_t len)
{
	struct got	*g = arg;
	size_t		 o = strlen(g->s);

	snprintf(g->s + o, sizeof(g->s) - o, "%s:%.*s|", name, (int)len, line);
	return ++g->n == g->stop ? -1 : 0;
}

/* Feed s to l in pieces of at most step bytes (as reads would come). */
static int
feed(struct lines *l, const char *s, size_t step)
{
	size_t	 n = strlen(s), room, k;
	char	*p;

	while (n > 0) {
		p = lines_room(l, &room);
		assert_true(room > 0);
		k = n < step ? n : step;
		k = k < room ? k : room;
		memcpy(p, s, k);
		if (lines_add(l, k) == -1)
			return -1;
		s += k;
		n -= k;
	}
	return 0;
}

static void
lines_and_the_three_ends(void **state)
{
	char		 buf[64];
	struct lines	 l;
	struct got	 g;
	size_t		 step;

	(void)state;
	for (step = 1; step <= 20; step++) {
		memset(&g, 0, sizeof(g));
		lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
		assert_int_equal(feed(&l, "a\nbb\r\n\nc\rc\nddd", step), 0);
		assert_string_equal(g.s, "f:a|f:bb|f:|f:c\rc|");
		assert_int_equal(lines_end(&l, LINES_STREAM), 0);
		assert_string_equal(g.s, "f:a|f:bb|f:|f:c\rc|f:ddd|");
		assert_int_equal(l.l_lines, 5);
		assert_int_equal(l.l_long, 0);
		assert_int_equal(l.l_done, 14);
		assert_int_equal(l.l_tail, 0);
	}
	/* Follow and rotated: the unterminated rest is left. */
	memset(&g, 0, sizeof(g));
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "a\nbb", 64), 0);
	assert_int_equal(lines_end(&l, LINES_FOLLOW), 0);
	assert_string_equal(g.s, "f:a|");
	assert_int_equal(l.l_done, 2);
	assert_int_equal(l.l_tail, 2);
	memset(&g, 0, sizeof(g));
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "a\nbb", 64), 0);
	assert_int_equal(lines_end(&l, LINES_ROTATED), 0);
	assert_int_equal(l.l_done, 2);
	assert_int_equal(l.l_tail, 2);
	/* crlf 0: the '\r' stays. */
	memset(&g, 0, sizeof(g));
	lines_init(&l, buf, sizeof(buf), 8, 0, "j", collect, &g, 0);
	assert_int_equal(feed(&l, "x\r\ny\r", 64), 0);
	assert_int_equal(lines_end(&l, LINES_STREAM), 0);
	assert_string_equal(g.s, "j:x\r|j:y\r|");
}

static void
overlong_lines_are_skipped_and_counted(void **state)
{
	char		 buf[9];	/* l_max 8: the smallest buffer */
	struct lines	 l;
	struct got	 g;
	size_t		 step;

	(void)state;
	for (step = 1; step <= 12; step++) {
		memset(&g, 0, sizeof(g));
		lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
		/* 8 bytes is a line; 9 is not; 20 spans several blocks. */
		assert_int_equal(feed(&l, "12345678\n123456789\nok\n"
		    "abcdefghijklmnopqrst\nend\n", step), 0);
		assert_string_equal(g.s, "f:12345678|f:ok|f:end|");
		assert_int_equal(l.l_lines, 3);
		assert_int_equal(l.l_long, 2);
		assert_int_equal(l.l_done, 9 + 10 + 3 + 21 + 4);
		assert_int_equal(lines_end(&l, LINES_STREAM), 0);
		assert_int_equal(l.l_tail, 0);
	}
	/* An overlong rest: counted and consumed, but left in a rotated file. */
	memset(&g, 0, sizeof(g));
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "a\n0123456789", 64), 0);
	assert_int_equal(lines_end(&l, LINES_FOLLOW), 0);
	assert_int_equal(l.l_long, 1);
	assert_int_equal(l.l_done, 12);
	assert_int_equal(l.l_tail, 0);
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "a\n0123456789", 64), 0);
	assert_int_equal(lines_end(&l, LINES_ROTATED), 0);
	assert_int_equal(l.l_long, 0);
	assert_int_equal(l.l_done, 2);
	assert_int_equal(l.l_tail, 10);
	/* Starting inside a line counted before: its rest is not counted. */
	memset(&g, 0, sizeof(g));
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 1);
	assert_int_equal(feed(&l, "xy\nok\n", 64), 0);
	assert_string_equal(g.s, "f:ok|");
	assert_int_equal(l.l_long, 0);
	assert_int_equal(l.l_done, 6);
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 1);
	assert_int_equal(feed(&l, "xy", 64), 0);
	assert_int_equal(lines_end(&l, LINES_ROTATED), 0);
	assert_int_equal(l.l_long, 0);
	assert_int_equal(l.l_done, 2);
	assert_int_equal(l.l_tail, 0);
}

static void
the_callback_stops(void **state)
{
	char		 buf[64];
	struct lines	 l;
	struct got	 g = { "", 0, 2 };

	(void)state;
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "a\nb\nc\n", 64), -1);
	assert_string_equal(g.s, "f:a|f:b|");
	assert_int_equal(l.l_lines, 1);
	memset(&g, 0, sizeof(g));
	g.stop = 1;
	lines_init(&l, buf, sizeof(buf), 8, 1, "f", collect, &g, 0);
	assert_int_equal(feed(&l, "last", 64), 0);
	assert_int_equal(lines_end(&l, LINES_STREAM), -1);
	assert_int_equal(l.l_lines, 0);
}

/* A memfd holding n bytes of s, at offset 0. */
static int
mem(const void *s, size_t n)
{
	int	fd;

	assert_true((fd = memfd_create("in", MFD_CLOEXEC)) != -1);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* gzip of s into out (one member); its length. */
static size_t
gz(const char *s, unsigned char *out, size_t cap)
{
	z_stream	zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)s;
	zs.avail_in = (uInt)strlen(s);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return cap - zs.avail_out;
}

/* All of fd through reader_src_open and the splitter, as "name:line|". */
static void
read_all(int fd, struct got *g, int *isgz, const char **damage)
{
	static char		 buf[128], why[128];
	struct reader_src	*rs;
	struct lines		 l;

	memset(g, 0, sizeof(*g));
	assert_non_null(rs = reader_src_open(fd, "in"));
	lines_init(&l, buf, sizeof(buf), 64, 1, "in", collect, g, 0);
	assert_int_equal(lines_read(&l, rs, LINES_STREAM), 0);
	*isgz = reader_src_gz(rs);
	/* The reason lives in rs: keep a copy past reader_src_close(). */
	if ((*damage = reader_src_damage(rs)) != NULL) {
		snprintf(why, sizeof(why), "%s", *damage);
		*damage = why;
	}
	reader_src_close(rs);
}

static void
plain_and_gzip_inputs(void **state)
{
	unsigned char	 z[4096];
	struct got	 g;
	const char	*why;
	size_t		 n1, n2;
	int		 fd, isgz;

	(void)state;
	fd = mem("one\ntwo", 7);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:one|in:two|");
	assert_int_equal(isgz, 0);
	assert_null(why);
	close(fd);
	/* One byte: too short for the gzip magic, plain. */
	fd = mem("x", 1);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:x|");
	assert_int_equal(isgz, 0);
	close(fd);
	/* Two members, then trailing zeros (ignored, as gzip -d does). */
	n1 = gz("one\ntwo\n", z, sizeof(z));
	n2 = gz("three\n", z + n1, sizeof(z) - n1);
	memset(z + n1 + n2, 0, 8);
	fd = mem(z, n1 + n2 + 8);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:one|in:two|in:three|");
	assert_int_equal(isgz, 1);
	assert_null(why);
	close(fd);
	/* Cut short: what was inflated before the cut is read, and why it ended. */
	n1 = gz("one\ntwo\nthree\n", z, sizeof(z));
	fd = mem(z, n1 - 8);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:one|in:two|in:three|");
	assert_string_equal(why, "compressed data ends early");
	close(fd);
	/* Told it is gzip (reader_src_new), from where the fd stands. */
	{
		struct reader_src	*rs;
		char			 b[64];
		ssize_t			 n;

		fd = mem(z, n1);
		assert_non_null(rs = reader_src_new(fd, "in", 1));
		assert_int_equal((n = reader_src_read(rs, b, sizeof(b))), 14);
		assert_memory_equal(b, "one\ntwo\nthree\n", 14);
		assert_int_equal(reader_src_read(rs, b, sizeof(b)), 0);
		assert_null(reader_src_damage(rs));
		reader_src_close(rs);
		close(fd);
	}
	reader_src_close(NULL);
}

/*
 * Two members of "a\nb\n", then bytes that start with 0x1f but are not a
 * member: trailing garbage, ignored as gzip -d does ("decompression OK,
 * trailing garbage ignored"), not damage.  A 0x1f alone at the end too.
 */
static void
trailing_garbage_after_members(void **state)
{
	unsigned char	 z[4096];
	struct got	 g;
	const char	*why;
	size_t		 n1, n2;
	int		 fd, isgz;

	(void)state;
	n1 = gz("a\nb\n", z, sizeof(z));
	n2 = gz("a\nb\n", z + n1, sizeof(z) - n1);
	memcpy(z + n1 + n2, "\x1f\x00junk", 6);
	fd = mem(z, n1 + n2 + 6);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:a|in:b|in:a|in:b|");
	assert_int_equal(isgz, 1);
	assert_null(why);
	close(fd);
	fd = mem(z, n1 + n2 + 1);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:a|in:b|in:a|in:b|");
	assert_null(why);
	close(fd);
	/* A real second header, then broken data: that is damage. */
	memcpy(z + n1 + n2, z, 10);
	memset(z + n1 + n2 + 10, 0xff, 8);
	fd = mem(z, n1 + n2 + 18);
	read_all(fd, &g, &isgz, &why);
	assert_string_equal(g.s, "in:a|in:b|in:a|in:b|");
	assert_string_equal(why, "invalid block type");
	close(fd);
}

static int
count_line(void *arg, const char *name, const char *line, size_t len)
{
	uint64_t	*n = arg;

	(void)name;
	if (len != 1 || line[0] != 'x')
		return -1;
	(*n)++;
	return 0;
}

/* gzip of total bytes of "x\n" (one member, level 9) into *out; its length. */
static size_t
gz_x(size_t total, unsigned char **out)
{
	const size_t	 chunk = 1 << 20, cap = 4 << 20;
	unsigned char	*in;
	z_stream	 zs;
	size_t		 i, k;

	assert_non_null(*out = malloc(cap));
	assert_non_null(in = malloc(chunk));
	for (i = 0; i < chunk; i += 2)
		memcpy(in + i, "x\n", 2);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_out = *out;
	zs.avail_out = (uInt)cap;
	for (i = 0; i < total; i += k) {
		k = total - i < chunk ? total - i : chunk;
		zs.next_in = in;
		zs.avail_in = (uInt)k;
		assert_int_equal(deflate(&zs, i + k < total ? Z_NO_FLUSH : Z_FINISH),
		    i + k < total ? Z_OK : Z_STREAM_END);
	}
	deflateEnd(&zs);
	free(in);
	return cap - zs.avail_out;
}

/* Lines of "x" read from fd through reader_src_open; *rsp still open. */
static uint64_t
read_x(int fd, struct lines *l, struct reader_src **rsp)
{
	static char	 buf[1 << 16];
	static uint64_t	 n;

	n = 0;
	assert_non_null(*rsp = reader_src_open(fd, "in"));
	lines_init(l, buf, sizeof(buf), 64, 1, "in", count_line, &n, 0);
	assert_int_equal(lines_read(l, *rsp, LINES_ROTATED), 0);
	return n;
}

/*
 * A gzip bomb: 100 MiB of "x\n" deflate to ~100 KB.  The limit (64 times
 * the compressed bytes read, at least LINES_GZFLOOR) stops it at exactly
 * LINES_GZFLOOR bytes: half as many lines, and the reason names the
 * limit.  Exactly LINES_GZFLOOR bytes is not over it: read whole.
 */
static void
gzip_output_is_capped(void **state)
{
	struct reader_src	*rs;
	struct lines		 l;
	unsigned char		*z;
	size_t			 zlen;
	char			 want[128];
	int			 fd;

	(void)state;
	zlen = gz_x((size_t)100 << 20, &z);
	assert_true(zlen * LINES_GZRATIO < LINES_GZFLOOR);
	fd = mem(z, zlen);
	assert_int_equal(read_x(fd, &l, &rs), LINES_GZFLOOR / 2);
	assert_int_equal(l.l_done, LINES_GZFLOOR);
	assert_int_equal(l.l_tail, 0);
	assert_int_equal(reader_src_capped(rs), LINES_GZFLOOR);
	snprintf(want, sizeof(want), "over the limit of %lld uncompressed bytes",
	    (long long)LINES_GZFLOOR);
	assert_string_equal(reader_src_damage(rs), want);
	reader_src_close(rs);
	close(fd);
	free(z);

	zlen = gz_x(LINES_GZFLOOR, &z);
	fd = mem(z, zlen);
	assert_int_equal(read_x(fd, &l, &rs), LINES_GZFLOOR / 2);
	assert_int_equal(l.l_done, LINES_GZFLOOR);
	assert_int_equal(reader_src_capped(rs), 0);
	assert_null(reader_src_damage(rs));
	reader_src_close(rs);
	close(fd);
	free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_and_the_three_ends),
		cmocka_unit_test(overlong_lines_are_skipped_and_counted),
		cmocka_unit_test(the_callback_stops),
		cmocka_unit_test(plain_and_gzip_inputs),
		cmocka_unit_test(trailing_garbage_after_members),
		cmocka_unit_test(gzip_output_is_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
