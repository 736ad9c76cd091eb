/*
 * test_syslog.c -- syslog_parse(): the three time formats, BSD year
 * inference, local time against mktime over a whole year with its clock
 * changes, and the " HOST TAG[PID]: MESSAGE" header on good and bad bytes.
 * Every line is parsed from an exact-size heap copy, so that AddressSanitizer
 * catches any read past len.  Time zones are set inside each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syslog.h"
#include "util.h"

static void
settz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/*
 * Parse bytes [s, s+len) from a heap copy of exactly len bytes; on success
 * the pointers of *out are moved from the copy to the same offsets in s.
 */
static int
parsen(struct syslog_ctx *sc, const char *s, size_t len, struct sysline *out)
{
	char	*buf = malloc(len ? len : 1);
	int	 rc;

	assert_non_null(buf);
	memcpy(buf, s, len);
	rc = syslog_parse(sc, buf, len, out);
	if (rc == 0) {
		assert_true(out->s_host >= buf && out->s_host + out->s_hostlen <= buf + len);
		assert_true(out->s_daemon >= buf && out->s_daemon + out->s_daemonlen <= buf + len);
		assert_true(out->s_msg >= buf && out->s_msg + out->s_msglen == buf + len);
		out->s_host = s + (out->s_host - buf);
		out->s_daemon = s + (out->s_daemon - buf);
		out->s_msg = s + (out->s_msg - buf);
	}
	free(buf);
	return rc;
}

static int
parse(struct syslog_ctx *sc, const char *s, struct sysline *out)
{
	return parsen(sc, s, strlen(s), out);
}

/* Time of a line parsed with a fresh context at ref; -1 if refused. */
static int64_t
time_at(int64_t ref, const char *s)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	syslog_init(&sc, ref);
	if (parse(&sc, s, &l) == -1)
		return -1;
	return l.s_time;
}

/* ---- header ---------------------------------------------------------- */

static void
bsd_line_gives_every_field(void **state)
{
	static const char	 line[] = "Nov  6 09:01:02 mx1.example.com sm-mta[3529565]: "
	    "s1P819mk027713: ruleset=check_rcpt, arg1=<a@example.org>";
	struct syslog_ctx	 sc;
	struct sysline		 l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(parse(&sc, line, &l), 0);
	assert_int_equal(l.s_time, utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(l.s_format, TS_BSD);
	assert_ptr_equal(l.s_host, line + 16);
	assert_int_equal(l.s_hostlen, 15);
	assert_memory_equal(l.s_host, "mx1.example.com", 15);
	assert_ptr_equal(l.s_daemon, line + 32);
	assert_int_equal(l.s_daemonlen, 6);
	assert_memory_equal(l.s_daemon, "sm-mta", 6);
	assert_int_equal(l.s_pid, 3529565);
	assert_ptr_equal(l.s_msg, line + 49);
	assert_int_equal(l.s_msglen, strlen(line) - 49);
	assert_memory_equal(l.s_msg, "s1P819mk027713: ", 16);
}

static void
host_and_daemon_pointers_are_exact(void **state)
{
	static const char	 line[] = "Nov  6 09:01:02 mx1 sm-mta[42]: hello";
	struct syslog_ctx	 sc;
	struct sysline		 l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(syslog_parse(&sc, line, strlen(line), &l), 0);
	assert_ptr_equal(l.s_host, line + 16);
	assert_int_equal(l.s_hostlen, 3);
	assert_ptr_equal(l.s_daemon, line + 20);
	assert_int_equal(l.s_daemonlen, 6);
	assert_int_equal(l.s_pid, 42);
	assert_ptr_equal(l.s_msg, line + 32);
	assert_int_equal(l.s_msglen, 5);
}

static void
tag_without_pid_gives_pid_minus_one(void **state)
{
	static const char	 line[] = "Nov  6 09:01:02 mx1 postfix/smtpd: connect from x";
	struct syslog_ctx	 sc;
	struct sysline		 l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(syslog_parse(&sc, line, strlen(line), &l), 0);
	assert_int_equal(l.s_pid, -1);
	assert_int_equal(l.s_daemonlen, 13);
	assert_memory_equal(l.s_daemon, "postfix/smtpd", 13);
	assert_ptr_equal(l.s_msg, line + 35);
	assert_int_equal(l.s_msglen, 14);
}

static void
long_pid_is_read_whole(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h d[1234567890123]: m", &l), 0);
	assert_int_equal(l.s_pid, 1234567890123L);
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h d[0]: m", &l), 0);
	assert_int_equal(l.s_pid, 0);
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h d[99999999999999999999999]: m", &l), -1);
}

static void
empty_message_is_accepted(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h sm-mta[7]:", &l), 0);
	assert_int_equal(l.s_msglen, 0);
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h sm-mta[7]: ", &l), 0);
	assert_int_equal(l.s_msglen, 0);
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h sm-mta[7]:  x", &l), 0);
	assert_int_equal(l.s_msglen, 2);
	assert_memory_equal(l.s_msg, " x", 2);
}

static void
malformed_headers_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"hello world",
		"Nov  6 09:01:02",
		"Nov  6 09:01:02 ",
		"Nov  6 09:01:02 mx1",
		"Nov  6 09:01:02 mx1 ",
		"Nov  6 09:01:02 mx1 sm-mta",
		"Nov  6 09:01:02 mx1 sm-mta[",
		"Nov  6 09:01:02 mx1 sm-mta[12",
		"Nov  6 09:01:02 mx1 sm-mta[12]",
		"Nov  6 09:01:02 mx1 sm-mta[12] x",
		"Nov  6 09:01:02 mx1 sm-mta[]: x",
		"Nov  6 09:01:02 mx1 sm-mta[1a]: x",
		"Nov  6 09:01:02 mx1 sm-mta[-1]: x",
		"Nov  6 09:01:02 mx1 sm-mta[12]:x",
		"Nov  6 09:01:02 mx1 sm-mta:x",
		"Nov  6 09:01:02 mx1 :x",
		"Nov  6 09:01:02 mx1 [12]: x",
		"Nov  6 09:01:02  mx1 sm-mta: x",
		"Nov  6 09:01:02  sm-mta: x",
		"Nov  6 09:01:02 mx1  sm-mta: x",
		"Nov  6 09:01:02\tmx1 sm-mta: x",
		"Nov  6 09:01:02 mx1\tsm-mta: x",
		"Nov  6 09:01:02 mx1 last message repeated 3 times",
		" Nov  6 09:01:02 mx1 sm-mta: x",
	};
	struct syslog_ctx	sc;
	struct sysline		l;
	size_t			i;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&sc, bad[i], &l) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void
every_truncation_is_refused_until_the_colon(void **state)
{
	static const char *const lines[] = {
		"Nov  6 09:01:02 mx1 sm-mta[3529565]: abc",
		"2026-11-06T09:01:02.123456+01:00 mx1 sm-mta[1]: abc",
		"2026-11-06 09:01:02,123 mx1 sm-mta: abc",
	};
	struct syslog_ctx	sc;
	struct sysline		l;
	size_t			i, k, len, colon, off;

	(void)state;
	settz("UTC");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		len = strlen(lines[i]);
		colon = (size_t)(strstr(lines[i], ": abc") - lines[i]) + 1;
		for (k = 0; k <= len; k++) {
			syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
			if (k < colon) {
				assert_int_equal(parsen(&sc, lines[i], k, &l), -1);
				continue;
			}
			assert_int_equal(parsen(&sc, lines[i], k, &l), 0);
			off = (size_t)(l.s_msg - lines[i]);
			assert_int_equal(off, k == colon ? colon : colon + 1);
			assert_int_equal(l.s_msglen, k - off);
		}
	}
}

static void
nul_bytes_in_host_or_tag_are_refused(void **state)
{
	static const char	h[] = "Nov  6 09:01:02 mx\0 sm-mta: x";
	static const char	t[] = "Nov  6 09:01:02 mx1 sm\0mta: x";
	static const char	d[] = "Nov  6 09:01:02 mx1 sm-mta[1\0]: x";
	static const char	ts[] = "Nov  6 09:0\0:02 mx1 sm-mta: x";
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(parsen(&sc, h, sizeof(h) - 1, &l), -1);
	assert_int_equal(parsen(&sc, t, sizeof(t) - 1, &l), -1);
	assert_int_equal(parsen(&sc, d, sizeof(d) - 1, &l), -1);
	assert_int_equal(parsen(&sc, ts, sizeof(ts) - 1, &l), -1);
}

static void
nul_bytes_in_message_are_kept(void **state)
{
	static const char	m[] = "Nov  6 09:01:02 mx1 sm-mta: a\0b\0";
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(syslog_parse(&sc, m, sizeof(m) - 1, &l), 0);
	assert_ptr_equal(l.s_msg, m + 28);
	assert_int_equal(l.s_msglen, 4);
	assert_memory_equal(l.s_msg, "a\0b\0", 4);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
random_bytes_never_crash(void **state)
{
	static const char *const seeds[] = {
		"Nov  6 09:01:02 mx1 sm-mta[3529565]: abc",
		"2026-11-06T09:01:02.123456+01:00 mx1 sm-mta[1]: abc",
		"2026-11-06 09:01:02,123 mx1 sm-mta: abc",
	};
	static const char	 alpha[] = "0123456789 :-+.,TZ[]JanFebNovDec\0\t\xff";
	struct syslog_ctx	 sc;
	struct sysline		 l;
	char			 buf[64];
	uint64_t		 s = 0x9e3779b97f4a7c15ULL;
	size_t			 len, j, ok = 0;
	int			 i;

	(void)state;
	settz("Europe/Berlin");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	for (i = 0; i < 300000; i++) {
		const char *seed = seeds[i % 3];

		len = strlen(seed);
		memcpy(buf, seed, len);
		for (j = rnd(&s) % 4; j > 0; j--)
			buf[rnd(&s) % len] = (i & 1) ? (char)rnd(&s) :
			    alpha[rnd(&s) % (sizeof(alpha) - 1)];
		len = (size_t)(rnd(&s) % (len + 1));
		if (parsen(&sc, buf, len, &l) == 0)
			ok++;
	}
	/* Unchanged lines and harmless changes (in the message) still parse. */
	assert_true(ok > 1000);
}

/* ---- BSD timestamps -------------------------------------------------- */

static void
bsd_day_forms_are_equivalent(void **state)
{
	int64_t	ref = utc(2026, 11, 20, 12, 0, 0);

	(void)state;
	settz("UTC");
	assert_int_equal(time_at(ref, "Nov  6 09:01:02 h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(ref, "Nov 06 09:01:02 h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(ref, "Nov 6 09:01:02 h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(ref, "Nov 16 09:01:02 h d: m"), utc(2026, 11, 16, 9, 1, 2));
	assert_int_equal(time_at(ref, "Nov  16 09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov 006 09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov  0 09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov 00 09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov 6  09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov   6 09:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov  6 9:01:02 h d: m"), -1);
	assert_int_equal(time_at(ref, "Nov  6 09:01:02.123 h d: m"), -1);
}

static void
bsd_every_month_name(void **state)
{
	static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char	line[64];
	int	m;

	(void)state;
	settz("UTC");
	for (m = 1; m <= 12; m++) {
		snprintf(line, sizeof(line), "%s 15 10:00:00 h d: m", names[m - 1]);
		assert_int_equal(time_at(utc(2026, 12, 31, 0, 0, 0), line),
		    utc(2026, m, 15, 10, 0, 0));
	}
}

static void
bsd_impossible_dates_are_refused(void **state)
{
	static const char *const bad[] = {
		"Feb 30 10:00:00 h d: m",
		"Feb 31 10:00:00 h d: m",
		"Apr 31 10:00:00 h d: m",
		"Jun 31 10:00:00 h d: m",
		"Sep 31 10:00:00 h d: m",
		"Nov 31 10:00:00 h d: m",
		"Jan 32 10:00:00 h d: m",
		"Nov  6 25:61:00 h d: m",
		"Nov  6 24:00:00 h d: m",
		"Nov  6 09:60:00 h d: m",
		"Nov  6 09:01:61 h d: m",
		"nov  6 09:01:02 h d: m",
		"NOV  6 09:01:02 h d: m",
		"Foo  6 09:01:02 h d: m",
		"Sept 6 09:01:02 h d: m",
		"Mai  6 09:01:02 h d: m",
	};
	size_t	i;

	(void)state;
	settz("UTC");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_at(utc(2026, 11, 20, 0, 0, 0), bad[i]) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void
leap_second_counts_as_59(void **state)
{
	(void)state;
	settz("UTC");
	assert_int_equal(time_at(utc(2026, 12, 31, 23, 59, 59), "Dec 31 23:59:60 h d: m"),
	    utc(2026, 12, 31, 23, 59, 59));
	assert_int_equal(time_at(0, "2016-12-31T23:59:60Z h d: m"),
	    utc(2016, 12, 31, 23, 59, 59));
}

static void
bsd_year_follows_fail2ban_convention(void **state)
{
	/* Sun Aug 14 12:00:00 CEST 2005 */
	int64_t			ref = utc(2005, 8, 14, 10, 0, 0);
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("CET-01CEST-02,M3.5.0,M10.5.0");
	assert_int_equal(time_at(ref, "Nov  3 11:35:30 h d: m"), utc(2004, 11, 3, 10, 35, 30));
	assert_int_equal(time_at(ref, "Feb 25 03:01:10 h d: m"), utc(2005, 2, 25, 2, 1, 10));
	assert_int_equal(time_at(ref, "Aug 14 11:00:00 h d: m"), utc(2005, 8, 14, 9, 0, 0));
	/* In one stream the older line first: Nov 2004, then Feb 2005. */
	syslog_init(&sc, ref);
	assert_int_equal(parse(&sc, "Nov  3 11:35:30 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2004, 11, 3, 10, 35, 30));
	assert_int_equal(parse(&sc, "Feb 25 03:01:10 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2005, 2, 25, 2, 1, 10));
	assert_int_equal(sc.sc_lastyear, 2005);
	assert_int_equal(sc.sc_lastmon, 2);
}

static void
bsd_one_day_after_ref_is_the_edge(void **state)
{
	int64_t	ref = utc(2026, 6, 15, 12, 0, 0);

	(void)state;
	settz("UTC");
	assert_int_equal(time_at(ref, "Jun 16 12:00:00 h d: m"), utc(2026, 6, 16, 12, 0, 0));
	assert_int_equal(time_at(ref, "Jun 16 12:00:01 h d: m"), utc(2025, 6, 16, 12, 0, 1));
	/* The same edge in local time: 12:00 CEST is 10:00 UTC. */
	settz("Europe/Berlin");
	ref = utc(2026, 6, 15, 10, 0, 0);
	assert_int_equal(time_at(ref, "Jun 16 12:00:00 h d: m"), utc(2026, 6, 16, 10, 0, 0));
	assert_int_equal(time_at(ref, "Jun 16 12:00:01 h d: m"), utc(2025, 6, 16, 10, 0, 1));
	/* West of UTC the local clock is behind: 10:00 EDT is 14:00 UTC. */
	settz("America/New_York");
	ref = utc(2026, 6, 15, 12, 0, 0);
	assert_int_equal(time_at(ref, "Jun 16 08:00:00 h d: m"), utc(2026, 6, 16, 12, 0, 0));
	assert_int_equal(time_at(ref, "Jun 16 08:00:01 h d: m"), utc(2025, 6, 16, 12, 0, 1));
	assert_int_equal(time_at(ref, "Jun 16 10:00:00 h d: m"), utc(2025, 6, 16, 14, 0, 0));
	/* Across New Year: Jan 1 is next year if within a day of ref. */
	settz("Europe/Berlin");
	ref = utc(2026, 12, 31, 11, 0, 0);	/* 12:00 CET */
	assert_int_equal(time_at(ref, "Jan  1 12:00:00 h d: m"), utc(2027, 1, 1, 11, 0, 0));
	assert_int_equal(time_at(ref, "Jan  1 12:00:01 h d: m"), utc(2026, 1, 1, 11, 0, 1));
}

static void
bsd_december_to_january_moves_to_next_year(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;
	int64_t			ref = utc(2025, 12, 31, 0, 0, 0);

	(void)state;
	settz("UTC");
	/* Alone, Jan 1 is more than a day after ref: the year before. */
	assert_int_equal(time_at(ref, "Jan  1 00:00:01 h d: m"), utc(2025, 1, 1, 0, 0, 1));
	syslog_init(&sc, ref);
	assert_int_equal(parse(&sc, "Dec 31 23:59:59 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2025, 12, 31, 23, 59, 59));
	assert_int_equal(parse(&sc, "Jan  1 00:00:01 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2026, 1, 1, 0, 0, 1));
	/* Years never go back within the stream. */
	assert_int_equal(parse(&sc, "Jan  3 00:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2026, 1, 3, 0, 0, 0));
	assert_int_equal(sc.sc_lastyear, 2026);
	assert_int_equal(sc.sc_lastmon, 1);
}

static void
bsd_lines_going_back_keep_the_reference_rule(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("CET-01CEST-02,M3.5.0,M10.5.0");
	/* fail2ban's samples: Feb lines, then "Nov  3" is still 2004 (the
	 * reference is Aug 14 2005): nearer the Feb 2005 line than Nov 2005. */
	syslog_init(&sc, utc(2005, 8, 14, 10, 0, 0));
	assert_int_equal(parse(&sc, "Feb 27 15:49:07 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2005, 2, 27, 14, 49, 7));
	assert_int_equal(parse(&sc, "Nov  3 11:35:30 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2004, 11, 3, 10, 35, 30));
}

static void
bsd_month_back_by_six_is_not_a_new_year(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;
	int64_t			ref = utc(2025, 7, 31, 0, 0, 0);

	(void)state;
	settz("UTC");
	syslog_init(&sc, ref);
	assert_int_equal(parse(&sc, "Jul 31 12:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2025, 7, 31, 12, 0, 0));
	assert_int_equal(parse(&sc, "Jan 31 12:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2025, 1, 31, 12, 0, 0));

	syslog_init(&sc, ref);
	assert_int_equal(parse(&sc, "Aug  1 12:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2024, 8, 1, 12, 0, 0));
	assert_int_equal(parse(&sc, "Jan 31 12:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2025, 1, 31, 12, 0, 0));
}

static void
bsd_feb29_goes_to_latest_leap_year(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	assert_int_equal(time_at(utc(2027, 6, 1, 0, 0, 0), "Feb 29 10:00:00 h d: m"),
	    utc(2024, 2, 29, 10, 0, 0));
	assert_int_equal(time_at(utc(2028, 2, 28, 12, 0, 0), "Feb 29 10:00:00 h d: m"),
	    utc(2028, 2, 29, 10, 0, 0));
	assert_int_equal(time_at(utc(2028, 2, 28, 12, 0, 0), "Feb 29 12:00:01 h d: m"),
	    utc(2024, 2, 29, 12, 0, 1));
	assert_int_equal(time_at(utc(2101, 6, 1, 0, 0, 0), "Feb 29 10:00:00 h d: m"),
	    utc(2096, 2, 29, 10, 0, 0));
	assert_int_equal(time_at(utc(2104, 1, 1, 0, 0, 0), "Feb 29 10:00:00 h d: m"),
	    utc(2096, 2, 29, 10, 0, 0));
	/* In a stream in 2026, Feb 29 exists only in 2024: that, the only
	 * candidate, even though it is far from the previous line. */
	syslog_init(&sc, utc(2026, 6, 1, 0, 0, 0));
	assert_int_equal(parse(&sc, "Mar  1 00:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2026, 3, 1, 0, 0, 0));
	assert_int_equal(parse(&sc, "Feb 29 10:00:00 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2024, 2, 29, 10, 0, 0));
	assert_int_equal(sc.sc_lastyear, 2024);
	assert_int_equal(sc.sc_lastmon, 2);
}

/* Expect each line of a stream, in order, to parse to its time. */
struct tline {
	const char	*l;
	int64_t		 t;
};

static void
stream_expect(struct syslog_ctx *sc, const struct tline *v, size_t n)
{
	struct sysline	l;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (parse(sc, v[i].l, &l) == -1)
			fail_msg("line %zu \"%s\" refused", i, v[i].l);
		if (l.s_time != v[i].t)
			fail_msg("line %zu \"%s\": %lld, expected %lld", i, v[i].l,
			    (long long)l.s_time, (long long)v[i].t);
	}
}

/*
 * One future-dated line (Dec 25 when the reference is Dec 2): first in a
 * stream (as it is when it starts a cron run), the reference rule dates it
 * a year back, and the lines after it must keep their own year, not follow
 * the outlier's.  After other lines it comes out in the future (ingest
 * refuses it then, as more than a day ahead), and the lines after it keep
 * their year as well; the same in early January.
 */
static void
bsd_outlier_does_not_carry_its_year(void **state)
{
	struct syslog_ctx	sc;
	const struct tline	dec[] = {
		{ "Dec  2 09:00:00 h d: m", utc(2026, 12, 2, 9, 0, 0) },
		{ "Dec 25 10:00:00 h d: m", utc(2026, 12, 25, 10, 0, 0) },
		{ "Dec  2 09:01:00 h d: m", utc(2026, 12, 2, 9, 1, 0) },
		{ "Dec  2 09:01:30 h d: m", utc(2026, 12, 2, 9, 1, 30) },
		{ "Dec  2 09:02:00 h d: m", utc(2026, 12, 2, 9, 2, 0) },
	};
	const struct tline	first[] = {
		{ "Dec 25 10:00:00 h d: m", utc(2025, 12, 25, 10, 0, 0) },
		{ "Dec  2 09:00:00 h d: m", utc(2026, 12, 2, 9, 0, 0) },
		{ "Dec  2 09:00:10 h d: m", utc(2026, 12, 2, 9, 0, 10) },
	};
	const struct tline	jan[] = {
		{ "Jan  4 10:00:00 h d: m", utc(2027, 1, 4, 10, 0, 0) },
		{ "Jan 20 10:00:00 h d: m", utc(2027, 1, 20, 10, 0, 0) },
		{ "Jan  4 10:01:00 h d: m", utc(2027, 1, 4, 10, 1, 0) },
		{ "Dec 31 23:00:00 h d: m", utc(2026, 12, 31, 23, 0, 0) },
		{ "Jan  4 10:02:00 h d: m", utc(2027, 1, 4, 10, 2, 0) },
	};

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 12, 2, 12, 0, 0));
	stream_expect(&sc, dec, sizeof(dec) / sizeof(dec[0]));
	assert_int_equal(sc.sc_lastyear, 2026);
	syslog_init(&sc, utc(2026, 12, 2, 12, 0, 0));
	stream_expect(&sc, first, sizeof(first) / sizeof(first[0]));
	syslog_init(&sc, utc(2027, 1, 5, 12, 0, 0));
	stream_expect(&sc, jan, sizeof(jan) / sizeof(jan[0]));
	/*
	 * The edge of the reference rule inside one minute, its seconds out
	 * of order: :50 is a year back, :10 is not, and the minute of the
	 * first must not hand its year to the second.
	 */
	syslog_init(&sc, utc(2026, 6, 15, 12, 0, 30));
	stream_expect(&sc, (const struct tline[]){
	    { "Jun 16 12:00:50 h d: m", utc(2025, 6, 16, 12, 0, 50) },
	    { "Jun 16 12:00:10 h d: m", utc(2026, 6, 16, 12, 0, 10) } }, 2);
	/* In local time too, with the minute cache at work. */
	settz("Europe/Berlin");
	syslog_init(&sc, utc(2026, 12, 2, 12, 0, 0));
	stream_expect(&sc, &(struct tline){ "Dec 25 11:00:00 h d: m",
	    utc(2025, 12, 25, 10, 0, 0) }, 1);
	stream_expect(&sc, &(struct tline){ "Dec  2 10:01:00 h d: m",
	    utc(2026, 12, 2, 9, 1, 0) }, 1);
	stream_expect(&sc, &(struct tline){ "Dec  2 10:01:07 h d: m",
	    utc(2026, 12, 2, 9, 1, 7) }, 1);
	assert_int_equal(sc.sc_lastyear, 2026);
}

static void
moved_reference_is_honoured(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 20, 0, 0, 0));
	sc.sc_ref = utc(2030, 11, 20, 0, 0, 0);
	assert_int_equal(parse(&sc, "Nov  6 09:01:02 h d: m", &l), 0);
	assert_int_equal(l.s_time, utc(2030, 11, 6, 9, 1, 2));
}

/* ---- RFC 3339 and ISO ------------------------------------------------ */

static void
rfc3339_offsets_and_fractions(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("America/New_York");	/* must not matter */
	syslog_init(&sc, 0);
	assert_int_equal(parse(&sc, "2026-11-06T09:01:02.123456+01:00 mx1 sm-mta[9]: x", &l), 0);
	assert_int_equal(l.s_time, utc(2026, 11, 6, 8, 1, 2));
	assert_int_equal(l.s_format, TS_RFC3339);
	assert_int_equal(l.s_pid, 9);
	assert_memory_equal(l.s_host, "mx1", 3);
	assert_int_equal(time_at(0, "2026-11-06T09:01:02-05:30 h d: m"), utc(2026, 11, 6, 14, 31, 2));
	assert_int_equal(time_at(0, "2026-11-06T09:01:02Z h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(0, "2026-11-06T09:01:02.5Z h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(0, "2026-11-06t09:01:02z h d: m"), utc(2026, 11, 6, 9, 1, 2));
	assert_int_equal(time_at(0, "2026-01-01T00:30:00+01:00 h d: m"), utc(2025, 12, 31, 23, 30, 0));
	assert_int_equal(time_at(0, "2028-02-29T12:00:00+00:00 h d: m"), utc(2028, 2, 29, 12, 0, 0));
}

static void
rfc3339_bad_forms_are_refused(void **state)
{
	static const char *const bad[] = {
		"2026-11-06T09:01:02 h d: m",
		"2026-11-06T09:01:02. h d: m",
		"2026-11-06T09:01:02.Z h d: m",
		"2026-11-06T09:01:02+01 h d: m",
		"2026-11-06T09:01:02+0100 h d: m",
		"2026-11-06T09:01:02+24:00 h d: m",
		"2026-11-06T09:01:02+01:60 h d: m",
		"2026-11-06T09:01:02Zh d: m",
		"2026-02-29T09:01:02Z h d: m",
		"2026-04-31T09:01:02Z h d: m",
		"2026-13-01T09:01:02Z h d: m",
		"2026-00-10T09:01:02Z h d: m",
		"2026-11-00T09:01:02Z h d: m",
		"2026-11-06T25:01:02Z h d: m",
		"2026-11-06X09:01:02Z h d: m",
		"2026/11/06T09:01:02Z h d: m",
		"26-11-06T09:01:02Z h d: m",
	};
	size_t	i;

	(void)state;
	settz("UTC");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_at(0, bad[i]) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void
iso_is_local_time(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;

	(void)state;
	settz("Europe/Berlin");
	syslog_init(&sc, 0);
	assert_int_equal(parse(&sc, "2026-11-06 09:01:02 mx1 sm-mta[5]: x", &l), 0);
	assert_int_equal(l.s_time, utc(2026, 11, 6, 8, 1, 2));
	assert_int_equal(l.s_format, TS_ISO);
	assert_int_equal(time_at(0, "2026-11-06 09:01:02,123 h d: m"), utc(2026, 11, 6, 8, 1, 2));
	assert_int_equal(time_at(0, "2026-11-06 09:01:02.123456 h d: m"), utc(2026, 11, 6, 8, 1, 2));
	assert_int_equal(time_at(0, "2026-07-01 09:00:00 h d: m"), utc(2026, 7, 1, 7, 0, 0));
	assert_int_equal(time_at(0, "2026-11-06 09:01:02, h d: m"), -1);
	assert_int_equal(time_at(0, "2026-11-06 09:01:02+01:00 h d: m"), -1);
	assert_int_equal(time_at(0, "2026-11-06 9:01:02 h d: m"), -1);
	assert_int_equal(time_at(0, "2026-02-29 09:01:02 h d: m"), -1);
}

/* ---- local time against mktime --------------------------------------- */

/*
 * Expected UTC for a local time: mktime(tm_isdst = -1), except in the
 * repeated hour (both isdst 0 and 1 give back the same wall clock), where
 * syslog.c gives the first occurrence to a line alone or after lines that
 * do not make the clocks go back (each local time once, in order, as in
 * the streams below; fall_back_hour_follows_the_order_of_the_log has the
 * rest).
 */
static int64_t
expect_local(int y, int mo, int d, int h, int mi, int s, int *fold)
{
	struct tm	tm, back;
	time_t		t[2], r;
	int		i, valid = 0;

	for (i = 0; i < 2; i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
		tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s; tm.tm_isdst = i;
		t[i] = mktime(&tm);
		localtime_r(&t[i], &back);
		if (back.tm_hour == h && back.tm_min == mi && back.tm_mday == d &&
		    back.tm_isdst == i)
			valid |= 1 << i;
	}
	*fold = valid == 3 && t[0] != t[1];
	if (*fold)
		return t[0] < t[1] ? t[0] : t[1];
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
	tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s; tm.tm_isdst = -1;
	r = mktime(&tm);
	return r;
}

static int64_t
local_line(struct syslog_ctx *sc, int bsd, int y, int mo, int d, int h, int mi, int s)
{
	static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct sysline	l;
	char		line[80];
	int		n;

	if (bsd)
		n = snprintf(line, sizeof(line), "%s %2d %02d:%02d:%02d h d: m",
		    names[mo - 1], d, h, mi, s);
	else
		n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d h d: m",
		    y, mo, d, h, mi, s);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(syslog_parse(sc, line, (size_t)n, &l), 0);
	return l.s_time;
}

static void
check_year_against_mktime(const char *tz, int year, int *nfold)
{
	struct syslog_ctx	bsd, iso;
	int64_t			day0 = days_from_civil(year, 1, 1);
	int64_t			ndays = days_from_civil(year + 1, 1, 1) - day0;
	int64_t			i, exp;
	uint64_t		s = 12345;
	int			y, mo, d, h, mi, sec, fold, k;
	int64_t			dd;

	settz(tz);
	/* Mid-year: later months come out a year early from the reference
	 * alone, and the stream's years-never-go-back rule corrects them. */
	syslog_init(&bsd, utc(year, 7, 1, 0, 0, 0));
	syslog_init(&iso, 0);
	*nfold = 0;
	/* Every minute of the year in order, with a moving second. */
	for (i = 0; i < ndays * 1440; i++) {
		dd = day0 + i / 1440;
		/* civil date of dd, through the inverse already trusted in util.c */
		{
			char	buf[32];

			fmt_time_utc(dd * 86400, buf, sizeof(buf));
			y = (int)strtol(buf, NULL, 10);
			mo = (int)strtol(buf + 5, NULL, 10);
			d = (int)strtol(buf + 8, NULL, 10);
		}
		h = (int)(i % 1440 / 60);
		mi = (int)(i % 60);
		sec = (int)(i * 7 % 60);
		exp = expect_local(y, mo, d, h, mi, sec, &fold);
		*nfold += fold;
		if (local_line(&iso, 0, y, mo, d, h, mi, sec) != exp ||
		    local_line(&bsd, 1, y, mo, d, h, mi, sec) != exp)
			fail_msg("%s %04d-%02d-%02d %02d:%02d:%02d: expected %lld",
			    tz, y, mo, d, h, mi, sec, (long long)exp);
	}
	/* Random seconds in random order: the hour cache must not leak. */
	for (k = 0; k < 200000; k++) {
		char	buf[32];
		int64_t	t = (day0 + (int64_t)(rnd(&s) % (uint64_t)ndays)) * 86400 +
		    (int64_t)(rnd(&s) % 86400);

		fmt_time_utc(t, buf, sizeof(buf));
		y = (int)strtol(buf, NULL, 10);
		mo = (int)strtol(buf + 5, NULL, 10);
		d = (int)strtol(buf + 8, NULL, 10);
		h = (int)strtol(buf + 11, NULL, 10);
		mi = (int)strtol(buf + 14, NULL, 10);
		sec = (int)strtol(buf + 17, NULL, 10);
		exp = expect_local(y, mo, d, h, mi, sec, &fold);
		if (local_line(&iso, 0, y, mo, d, h, mi, sec) != exp)
			fail_msg("%s random %s: expected %lld", tz, buf, (long long)exp);
	}
}

static void
local_time_equals_mktime_over_a_berlin_year(void **state)
{
	int	nfold;

	(void)state;
	check_year_against_mktime("Europe/Berlin", 2026, &nfold);
	assert_int_equal(nfold, 60);	/* 02:00-02:59 on Oct 25 */
}

static void
local_time_equals_mktime_over_a_lord_howe_year(void **state)
{
	int	nfold;

	(void)state;
	/* Half-hour clock changes, not on an hour boundary of UTC. */
	check_year_against_mktime("Australia/Lord_Howe", 2026, &nfold);
	assert_int_equal(nfold, 30);	/* 01:30-01:59 on Apr 5 */
}

static void
berlin_clock_changes_exactly(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;
	int			s;

	(void)state;
	settz("Europe/Berlin");
	syslog_init(&sc, 0);
	/* Spring forward: 02:00-02:59 do not exist; as mktime, 02:30 is 03:30 CEST. */
	assert_int_equal(time_at(0, "2026-03-29 01:59:59 h d: m"), utc(2026, 3, 29, 0, 59, 59));
	assert_int_equal(time_at(0, "2026-03-29 02:30:00 h d: m"), utc(2026, 3, 29, 1, 30, 0));
	assert_int_equal(time_at(0, "2026-03-29 03:00:00 h d: m"), utc(2026, 3, 29, 1, 0, 0));
	/* Fall back: the repeated 02:xx alone is its first occurrence (CEST). */
	assert_int_equal(time_at(0, "2026-10-25 02:00:00 h d: m"), utc(2026, 10, 25, 0, 0, 0));
	assert_int_equal(time_at(0, "2026-10-25 02:59:59 h d: m"), utc(2026, 10, 25, 0, 59, 59));
	assert_int_equal(time_at(0, "2026-10-25 03:00:00 h d: m"), utc(2026, 10, 25, 2, 0, 0));
	/* Every second of the three hours around each change, one stream. */
	for (s = 0; s < 3 * 3600; s++) {
		char	line[64];
		int	n, h = 1 + s / 3600, mi = s / 60 % 60, sec = s % 60, fold;

		n = snprintf(line, sizeof(line), "2026-03-29 %02d:%02d:%02d h d: m", h, mi, sec);
		assert_int_equal(syslog_parse(&sc, line, (size_t)n, &l), 0);
		assert_int_equal(l.s_time, expect_local(2026, 3, 29, h, mi, sec, &fold));
		n = snprintf(line, sizeof(line), "2026-10-25 %02d:%02d:%02d h d: m", h, mi, sec);
		assert_int_equal(syslog_parse(&sc, line, (size_t)n, &l), 0);
		assert_int_equal(l.s_time, expect_local(2026, 10, 25, h, mi, sec, &fold));
	}
}

/*
 * Fall back in Berlin (2026-10-25, 03:00 CEST -> 02:00 CET): 02:00-02:59
 * happen twice.  Alone, a line of that hour is its first occurrence (CEST);
 * in a stream, the order of the log decides: after a line of the second
 * occurrence, or when the local time goes back by more than two minutes
 * (02:59 then 02:00), the second occurrence (CET), which keeps the stream
 * monotonic.  A line a little out of order stays where it is.
 */
static void
fold_streams(const char *fmt)
{
	static const struct {
		int	h, mi, s;
		int64_t	t;		/* UTC seconds after 2026-10-25 00:00 */
	} v[] = {
		{ 1, 59, 59, -1 },
		{ 2, 0, 0, 0 }, { 2, 30, 0, 1800 }, { 2, 59, 59, 3599 },
		{ 2, 0, 1, 3601 }, { 2, 0, 1, 3601 }, { 2, 30, 0, 5400 },
		{ 2, 29, 0, 5340 }, { 2, 59, 59, 7199 }, { 3, 0, 0, 7200 },
		/* another day, a quiet night: 02:40, then 02:10 after the change */
		{ -1, 0, 0, 0 },
		{ 2, 40, 0, 2400 }, { 2, 10, 0, 4200 }, { 2, 45, 0, 6300 },
		/* a little out of order in the first occurrence */
		{ -1, 0, 0, 0 },
		{ 2, 30, 10, 1810 }, { 2, 30, 5, 1805 }, { 2, 28, 30, 1710 },
		{ 2, 31, 0, 1860 },
		/* and in the second, after the change */
		{ -1, 0, 0, 0 },
		{ 2, 58, 0, 3480 }, { 2, 1, 0, 3660 }, { 2, 0, 30, 3630 },
		{ 3, 0, 5, 7205 }, { 2, 59, 0, 7140 }, { 3, 1, 0, 7260 },
	};
	int64_t			day = utc(2026, 10, 25, 0, 0, 0);
	struct syslog_ctx	sc;
	struct sysline		l;
	char			line[64];
	size_t			i;
	int			n;

	settz("Europe/Berlin");
	syslog_init(&sc, day + 43200);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].h == -1) {
			syslog_init(&sc, day + 43200);
			continue;
		}
		n = snprintf(line, sizeof(line), fmt, v[i].h, v[i].mi, v[i].s);
		assert_true(n > 0 && (size_t)n < sizeof(line));
		assert_int_equal(parse(&sc, line, &l), 0);
		if (l.s_time != day + v[i].t)
			fail_msg("line %zu \"%s\": %lld, expected %lld", i, line,
			    (long long)(l.s_time - day), (long long)v[i].t);
	}
}

static void
fall_back_hour_follows_the_order_of_the_log(void **state)
{
	struct syslog_ctx	sc;
	struct sysline		l;
	int64_t			t, from = utc(2026, 10, 24, 23, 30, 0);
	char			line[64];
	int			n, k = 0;

	(void)state;
	fold_streams("Oct 25 %02d:%02d:%02d h d: m");
	fold_streams("2026-10-25 %02d:%02d:%02d h d: m");
	/* Alone: the first occurrence. */
	assert_int_equal(time_at(utc(2026, 10, 25, 12, 0, 0), "Oct 25 02:30:00 h d: m"),
	    utc(2026, 10, 25, 0, 30, 0));
	/* First in a stream read by cron a minute later: by the reference. */
	assert_int_equal(time_at(utc(2026, 10, 25, 1, 31, 0), "Oct 25 02:30:00 h d: m"),
	    utc(2026, 10, 25, 1, 30, 0));
	assert_int_equal(time_at(utc(2026, 10, 25, 1, 31, 0), "2026-10-25 02:30:00 h d: m"),
	    utc(2026, 10, 25, 1, 30, 0));
	assert_int_equal(time_at(utc(2026, 10, 25, 0, 31, 0), "Oct 25 02:30:00 h d: m"),
	    utc(2026, 10, 25, 0, 30, 0));
	/* Written a moment after the run started: still the second. */
	assert_int_equal(time_at(utc(2026, 10, 25, 1, 29, 0), "Oct 25 02:30:00 h d: m"),
	    utc(2026, 10, 25, 1, 30, 0));
	/* The second occurrence would be in the future: the first. */
	assert_int_equal(time_at(utc(2026, 10, 25, 0, 51, 0), "Oct 25 02:10:00 h d: m"),
	    utc(2026, 10, 25, 0, 10, 0));
	/* Lord Howe goes back half an hour: 02:00 +11 -> 01:30 +10:30. */
	settz("Australia/Lord_Howe");
	syslog_init(&sc, utc(2026, 4, 5, 0, 0, 0));
	stream_expect(&sc, (const struct tline[]){
	    { "Apr  5 01:59:50 h d: m", utc(2026, 4, 4, 14, 59, 50) },
	    { "Apr  5 01:30:10 h d: m", utc(2026, 4, 4, 15, 0, 10) },
	    { "2026-04-05 01:45:00 h d: m", utc(2026, 4, 4, 15, 15, 0) },
	    { "Apr  5 02:00:00 h d: m", utc(2026, 4, 4, 15, 30, 0) } }, 4);
	settz("Europe/Berlin");
	/* A chronological log through the change, several lines a minute
	 * in both local formats: every line at its own instant. */
	syslog_init(&sc, utc(2026, 10, 25, 12, 0, 0));
	for (t = from; t < from + 3 * 3600; t += 7, k++) {
		time_t		tt = (time_t)t;
		struct tm	tm;

		localtime_r(&tt, &tm);
		if (k % 3 == 2)
			n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d h d: m",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec);
		else
			n = snprintf(line, sizeof(line), k % 3 ? "Oct %d %02d:%02d:%02d h d: m" :
			    "Oct %2d %02d:%02d:%02d h d: m", tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec);
		assert_true(n > 0 && (size_t)n < sizeof(line));
		assert_int_equal(parse(&sc, line, &l), 0);
		if (l.s_time != t)
			fail_msg("\"%s\": %lld, expected %lld", line, (long long)l.s_time,
			    (long long)t);
	}
}

/*
 * A line of the same minute as the line before reuses that minute's
 * result.  Parse one stream with a context that keeps it and with one
 * whose minute is forgotten before every line: the times, the refusals
 * and the year-inference state must agree, line for line.  The stream
 * runs through both clock changes of Berlin and Lord Howe, a New Year
 * just past the reference and a moved reference, with several lines a
 * minute in every time format and both BSD day forms.
 */
static void
stream_agrees(const char *tz, int64_t ref, int64_t from, int64_t span, uint64_t seed)
{
	static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct syslog_ctx	a, b;
	struct sysline		la, lb;
	uint64_t		s = seed;
	int64_t			t = from;
	char			line[96];
	int			i, n, ra, rb;

	settz(tz);
	syslog_init(&a, ref);
	syslog_init(&b, ref);
	for (i = 0; t < from + span && i < 100000; i++) {
		struct tm	tm;
		time_t		tt;
		uint64_t	r = rnd(&s);

		t += (int64_t)(r % 40);	/* often the same minute, sometimes not */
		if (r % 997 == 0)
			t -= 600;	/* a line out of order */
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		switch (r / 40 % 5) {
		case 0:
			n = snprintf(line, sizeof(line), "%s %2d %02d:%02d:%02d h d: m",
			    names[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			break;
		case 1:
			n = snprintf(line, sizeof(line), "%s %d %02d:%02d:%02d h d: m",
			    names[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			break;
		case 2:
			n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d h d: m",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec);
			break;
		case 3:
			n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%06d%+03ld:%02ld"
			    " h d: m", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec, (int)(r % 1000000), tm.tm_gmtoff / 3600,
			    labs(tm.tm_gmtoff) % 3600 / 60);
			break;
		default:
			/* Same minute, other seconds, some impossible. */
			n = snprintf(line, sizeof(line), "%s %2d %02d:%02d:%02d h d: m",
			    names[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
			    (int)(r >> 20) % 62);
			break;
		}
		assert_true(n > 0 && (size_t)n < sizeof(line));
		if (i == 5000) {	/* the caller moves the reference */
			a.sc_ref += 400 * 86400;
			b.sc_ref += 400 * 86400;
		}
		b.sc_bsdsec = 0;
		b.sc_numvalid = 0;
		ra = syslog_parse(&a, line, (size_t)n, &la);
		rb = syslog_parse(&b, line, (size_t)n, &lb);
		if (ra != rb || (ra == 0 && la.s_time != lb.s_time) || a.sc_last != b.sc_last ||
		    a.sc_lastyear != b.sc_lastyear)
			fail_msg("%s line %d \"%s\": kept %d %lld, alone %d %lld", tz, i, line,
			    ra, (long long)la.s_time, rb, (long long)lb.s_time);
	}
}

static void
minute_cache_agrees_with_each_line_alone(void **state)
{
	(void)state;
	/* The days around each clock change, and a New Year after the reference. */
	stream_agrees("Europe/Berlin", utc(2026, 6, 1, 0, 0, 0), utc(2026, 3, 28, 0, 0, 0),
	    3 * 86400, 1);
	stream_agrees("Europe/Berlin", utc(2026, 11, 1, 0, 0, 0), utc(2026, 10, 24, 0, 0, 0),
	    3 * 86400, 2);
	stream_agrees("Australia/Lord_Howe", utc(2026, 6, 1, 0, 0, 0),
	    utc(2026, 4, 3, 0, 0, 0), 3 * 86400, 3);
	stream_agrees("America/New_York", utc(2026, 12, 31, 12, 0, 0),
	    utc(2026, 12, 30, 0, 0, 0), 4 * 86400, 4);
	stream_agrees("UTC", utc(2026, 11, 26, 22, 30, 0), utc(2026, 11, 26, 0, 0, 0),
	    3 * 86400, 5);
}

/*
 * Solaris syslogd writes "[ID 801593 mail.info] " after the tag: it is
 * part of the header, so the message starts after it.  Anything that is
 * not exactly that form stays in the message.
 */
static void
solaris_id_tag_is_header(void **state)
{
	static const char	 line[] = "Nov  6 09:01:02 mx1 sendmail[5120]: "
	    "[ID 801593 mail.notice] s1P819mk027713: ruleset=check_rcpt";
	static const char *const keep[] = {
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID 801593 mail.notice]x",
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID x801593 mail.notice] x",
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID 801593 mailnotice] x",
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID 801593 mail.notice x",
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID  mail.notice] x",
		"Nov  6 09:01:02 mx1 sendmail[5120]: [ID 801593 ",
	};
	struct syslog_ctx	 sc;
	struct sysline		 l;
	size_t			 i;

	(void)state;
	settz("UTC");
	syslog_init(&sc, utc(2026, 11, 6, 12, 0, 0));
	assert_int_equal(parse(&sc, line, &l), 0);
	assert_int_equal(l.s_pid, 5120);
	assert_int_equal(l.s_daemonlen, 8);
	assert_ptr_equal(l.s_msg, line + 60);
	assert_int_equal(l.s_msglen, strlen(line) - 60);
	assert_memory_equal(l.s_msg, "s1P819mk027713: ", 16);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		assert_int_equal(parse(&sc, keep[i], &l), 0);
		assert_ptr_equal(l.s_msg, keep[i] + 36);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bsd_line_gives_every_field),
		cmocka_unit_test(host_and_daemon_pointers_are_exact),
		cmocka_unit_test(solaris_id_tag_is_header),
		cmocka_unit_test(tag_without_pid_gives_pid_minus_one),
		cmocka_unit_test(long_pid_is_read_whole),
		cmocka_unit_test(empty_message_is_accepted),
		cmocka_unit_test(malformed_headers_are_refused),
		cmocka_unit_test(every_truncation_is_refused_until_the_colon),
		cmocka_unit_test(nul_bytes_in_host_or_tag_are_refused),
		cmocka_unit_test(nul_bytes_in_message_are_kept),
		cmocka_unit_test(random_bytes_never_crash),
		cmocka_unit_test(bsd_day_forms_are_equivalent),
		cmocka_unit_test(bsd_every_month_name),
		cmocka_unit_test(bsd_impossible_dates_are_refused),
		cmocka_unit_test(leap_second_counts_as_59),
		cmocka_unit_test(bsd_year_follows_fail2ban_convention),
		cmocka_unit_test(bsd_one_day_after_ref_is_the_edge),
		cmocka_unit_test(bsd_december_to_january_moves_to_next_year),
		cmocka_unit_test(bsd_month_back_by_six_is_not_a_new_year),
		cmocka_unit_test(bsd_lines_going_back_keep_the_reference_rule),
		cmocka_unit_test(bsd_feb29_goes_to_latest_leap_year),
		cmocka_unit_test(bsd_outlier_does_not_carry_its_year),
		cmocka_unit_test(moved_reference_is_honoured),
		cmocka_unit_test(rfc3339_offsets_and_fractions),
		cmocka_unit_test(rfc3339_bad_forms_are_refused),
		cmocka_unit_test(iso_is_local_time),
		cmocka_unit_test(local_time_equals_mktime_over_a_berlin_year),
		cmocka_unit_test(local_time_equals_mktime_over_a_lord_howe_year),
		cmocka_unit_test(berlin_clock_changes_exactly),
		cmocka_unit_test(fall_back_hour_follows_the_order_of_the_log),
		cmocka_unit_test(minute_cache_agrees_with_each_line_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
