/*
 * test_journal.c -- journal.c: the JSON of `journalctl -o json` and the
 * run of journalctl.
 * Parse tests feed tests/journal/NAME.json line by line and compare the
 * whole outcome with NAME.expected (format in tests/journal/README).
 * Process tests run small shell scripts in place of journalctl.  The real
 * test (root only) starts a private systemd-journald in its own mount and
 * UTS namespaces (tmpfs over /run and /var/log/journal), logs through its
 * syslog socket and systemd-cat, and reads back with the real journalctl;
 * without root or journald it is reported skipped.
 * Documentation addresses only (RFC 5737, RFC 3849).
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "journal.h"
#include "syslog.h"

#define MATCH	"_SYSTEMD_UNIT=sendmail.service + SYSLOG_IDENTIFIER=sm-mta"
/* conf/mailban.conf's journalmatch */
#define SHIPPED_MATCH	"_SYSTEMD_UNIT=sendmail.service + _UID=0 SYSLOG_IDENTIFIER=sm-mta"
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
/*
 * recorded.json was recorded before the trusted fields were asked for:
 * the stand-ins print it with sendmail's origin added, as journalctl now
 * prints sendmail's entries.
 */
#define SM_SED	"sed 's/^{/{\"_UID\":\"0\",\"_COMM\":\"sendmail-mta\",/'"
#define SM_ORIGIN "\"_UID\":\"0\",\"_COMM\":\"sm-mta\","

static char	 tmpdir[] = "/tmp/test_journal.XXXXXX";

/* --- helpers ---------------------------------------------------------- */

static int	cap_saved = -1, cap_fd = -1;

static void
cap_begin(void)
{
	fflush(stderr);
	assert_true((cap_fd = memfd_create("cap", MFD_CLOEXEC)) != -1);
	assert_true((cap_saved = dup(2)) != -1);
	assert_int_equal(dup2(cap_fd, 2), 2);
}

static char *
read_all_fd(int fd)
{
	char	*s;
	off_t	 n;

	assert_true((n = lseek(fd, 0, SEEK_END)) != -1);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(pread(fd, s, (size_t)n, 0), n);
	return s;
}

static char *
cap_end(void)
{
	char	*s;

	fflush(stderr);
	assert_int_equal(dup2(cap_saved, 2), 2);
	close(cap_saved);
	s = read_all_fd(cap_fd);
	close(cap_fd);
	return s;
}

#define assert_logged(call, rcwant, msg) do {				\
	char	*m_;							\
	cap_begin();							\
	assert_int_equal((call), (rcwant));				\
	m_ = cap_end();							\
	assert_string_equal(m_, (msg));					\
	free(m_);							\
} while (0)

static char *
slurp(const char *path, size_t *len)
{
	char	*s;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail_msg("cannot open %s (run from the top of the tree or set TOP)",
		    path);
	s = read_all_fd(fd);
	close(fd);
	if (len != NULL)
		*len = strlen(s);
	return s;
}

static char *
fixture(const char *name)
{
	const char	*top = getenv("TOP");
	char		*path;

	assert_true(asprintf(&path, "%s/tests/journal/%s", top != NULL ? top : ".",
	    name) > 0);
	return path;
}

/* Bytes as in tests/journal/README: \\ \n \t, others \xNN. */
static void
put_esc(FILE *f, const char *s, size_t n)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void
put_entry(FILE *f, const struct sysline *sl, const char *cur, size_t curlen)
{
	fprintf(f, "entry\t%lld\t%ld\t", (long long)sl->s_time, sl->s_pid);
	put_esc(f, sl->s_host, sl->s_hostlen);
	fputc('\t', f);
	put_esc(f, sl->s_daemon, sl->s_daemonlen);
	fprintf(f, "\t%.*s\t", (int)curlen, cur);
	put_esc(f, sl->s_msg, sl->s_msglen);
	fputc('\n', f);
}

/* --- parsing: the fixtures -------------------------------------------- */

/* trust: print "trusted CURSOR" or "untrusted CURSOR" for each entry. */
static void
check_fixture(const char *name, int trust)
{
	struct journal_origin	 org;
	struct journal_buf	 jb = { 0 };
	struct sysline		 sl;
	const char		*cur;
	char			*jpath, *epath, *json, *want, *got = NULL, *p, *nl;
	size_t			 curlen, glen = 0, lines = 0;
	FILE			*f;
	int			 r;

	assert_true(asprintf(&jpath, "%s.json", name) > 0);
	assert_true(asprintf(&epath, "%s.expected", name) > 0);
	p = fixture(jpath);
	json = slurp(p, NULL);
	free(p);
	p = fixture(epath);
	want = slurp(p, NULL);
	free(p);
	assert_non_null(f = open_memstream(&got, &glen));
	for (p = json; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		r = journal_parse_line(p, (size_t)(nl - p), &jb, &sl, &cur, &curlen, &org);
		if (r == 0 && trust)
			fprintf(f, "%s\t%.*s\n", journal_trusted(&org) ? "trusted" :
			    "untrusted", (int)curlen, cur);
		else if (r == 0)
			put_entry(f, &sl, cur, curlen);
		else if (r == 1)
			fprintf(f, "skip\t%.*s\n", (int)curlen, cur);
		else {
			assert_int_equal(r, -1);
			assert_null(cur);
			assert_int_equal(curlen, 0);
			fputs("bad\n", f);
		}
		lines++;
	}
	assert_int_equal(fclose(f), 0);
	assert_true(lines > 10);
	assert_string_equal(got, want);
	journal_buf_free(&jb);
	free(got);
	free(want);
	free(json);
	free(jpath);
	free(epath);
}

static void
parse_recorded_journalctl_output(void **state)
{
	(void)state;
	check_fixture("recorded", 0);
}

static void
parse_handmade_lines(void **state)
{
	(void)state;
	check_fixture("handmade", 0);
}

/* Only root's sendmail, by the fields journald records itself. */
static void
parse_trusted_fields(void **state)
{
	(void)state;
	check_fixture("trust", 1);
}

/* --- parsing: exact bytes and pointers -------------------------------- */

static void
parse_escapes_give_exact_bytes(void **state)
{
	static const char	 line[] = "{\"__CURSOR\":\"s=ab;i=1\","
	    "\"__REALTIME_TIMESTAMP\":\"1795732527999999\",\"SYSLOG_IDENTIFIER\":"
	    "\"sm-mta\",\"_HOSTNAME\":\"mx\\u002eexample.org\",\"_PID\":\"77\","
	    "\"MESSAGE\":\"a\\\"b\\\\c\\nd\\u00e9\\u0000\\ud83d\\ude00[192.0.2.7]\"}";
	static const char	 line2[] = "{\"__CURSOR\":\"c\",\"MESSAGE\":"
	    "[104,105],\"__REALTIME_TIMESTAMP\":\"5\"}";
	static const char	 msg[] = "a\"b\\c\nd\xc3\xa9" "\0" "\xf0\x9f\x98\x80"
	    "[192.0.2.7]";
	struct journal_buf	 jb = { 0 };
	struct sysline		 sl;
	const char		*cur;
	size_t			 curlen;

	(void)state;
	assert_int_equal(journal_parse_line(line, sizeof(line) - 1, &jb, &sl, &cur,
	    &curlen, NULL), 0);
	assert_int_equal(sl.s_time, 1795732527);	/* truncated, not rounded */
	assert_int_equal(sl.s_format, TS_RFC3339);
	assert_int_equal(sl.s_pid, 77);
	assert_int_equal(sl.s_msglen, sizeof(msg) - 1);
	assert_memory_equal(sl.s_msg, msg, sizeof(msg) - 1);
	assert_int_equal(sl.s_hostlen, 14);
	assert_memory_equal(sl.s_host, "mx.example.org", 14);
	assert_int_equal(sl.s_daemonlen, 6);
	assert_memory_equal(sl.s_daemon, "sm-mta", 6);
	/* The cursor points into the line itself. */
	assert_ptr_equal(cur, line + 13);
	assert_int_equal(curlen, 8);
	assert_memory_equal(cur, "s=ab;i=1", 8);
	/* The buffer is reused: the next entry replaces the strings. */
	assert_int_equal(journal_parse_line(line2, strlen(line2), &jb, &sl, &cur,
	    &curlen, NULL), 0);
	assert_ptr_equal(cur, line2 + 13);
	assert_int_equal(curlen, 1);
	assert_int_equal(sl.s_time, 0);
	assert_int_equal(sl.s_msglen, 2);
	assert_memory_equal(sl.s_msg, "hi", 2);
	assert_int_equal(sl.s_daemonlen, 0);
	assert_int_equal(sl.s_hostlen, 0);
	assert_int_equal(sl.s_pid, -1);
	journal_buf_free(&jb);
	journal_buf_free(&jb);
	journal_buf_free(NULL);
}

static void
parse_never_reads_past_len(void **state)
{
	static const char	 line[] = "{\"__CURSOR\":\"s=ab;i=1\","
	    "\"__REALTIME_TIMESTAMP\":\"1795732527000000\",\"X\":[{\"a\":-1.5e+3},"
	    "true,null],\"MESSAGE\":[53,65,1,255],\"SYSLOG_PID\":\"4241\"}";
	struct journal_buf	 jb = { 0 };
	struct sysline		 sl;
	const char		*cur;
	size_t			 curlen, n;
	char			*exact;

	(void)state;
	/* Every proper prefix, in a buffer of exactly that size, is refused. */
	for (n = 0; n < sizeof(line) - 1; n++) {
		assert_non_null(exact = malloc(n ? n : 1));
		memcpy(exact, line, n);
		assert_int_equal(journal_parse_line(exact, n, &jb, &sl, &cur, &curlen, NULL),
		    -1);
		assert_null(cur);
		free(exact);
	}
	assert_non_null(exact = malloc(n));
	memcpy(exact, line, n);
	assert_int_equal(journal_parse_line(exact, n, &jb, &sl, &cur, &curlen, NULL), 0);
	assert_int_equal(sl.s_msglen, 4);
	assert_memory_equal(sl.s_msg, "5A\x01\xff", 4);
	assert_int_equal(sl.s_pid, 4241);
	free(exact);
	journal_buf_free(&jb);
}

/* --- journal_follow with scripts in place of journalctl ---------------- */

static char *
script(const char *name, const char *body)
{
	char	*path;
	FILE	*f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(body, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0700), 0);
	return path;
}

static struct config
cfg_default(void)
{
	struct config	c;

	memset(&c, 0, sizeof(c));
	c.c_journal = 1;
	c.c_journalmatch = MATCH;
	c.c_journalctl = "/usr/bin/journalctl";
	return c;
}

#define MAXGOT	64

struct got {
	size_t	 n;
	int	 stopat;		/* return -1 at this call (1-based), 0: never */
	char	*line[MAXGOT];		/* put_entry() of each, cursor included */
	char	*cursor[MAXGOT];
};

static int
collect(void *arg, const struct sysline *sl, const char *cursor)
{
	struct got	*g = arg;
	size_t		 len = 0;
	FILE		*f;

	assert_true(g->n < MAXGOT);
	assert_non_null(f = open_memstream(&g->line[g->n], &len));
	put_entry(f, sl, cursor, strlen(cursor));
	assert_int_equal(fclose(f), 0);
	assert_non_null(g->cursor[g->n] = strdup(cursor));
	g->n++;
	return g->stopat != 0 && (size_t)g->stopat == g->n ? -1 : 0;
}

static void
got_free(struct got *g)
{
	size_t	i;

	for (i = 0; i < g->n; i++) {
		free(g->line[i]);
		free(g->cursor[i]);
	}
	memset(g, 0, sizeof(*g));
}

static void
follow_runs_fixed_argv_and_env(void **state)
{
	struct config	 c = cfg_default();
	struct got	 g = { 0 };
	char		*out, *want, *nc = (char *)1, *p;

	(void)state;
	assert_true(asprintf(&out, "%s/argv.out", tmpdir) > 0);
	assert_true(asprintf(&p, "#!/bin/sh\n{ printf '%%s\\n' \"$0\" \"$@\"; "
	    "/usr/bin/env -u PWD; ls /proc/self/fd; cat; } > %s\n", out) > 0);
	c.c_journalctl = script("jctl-argv", p);
	free(p);
	assert_logged(journal_follow(&c, "s=1;i=2", collect, &g, &nc, NULL), 0, "");
	assert_int_equal(g.n, 0);
	assert_string_equal(nc, "s=1;i=2");	/* nothing new: the same cursor */
	free(nc);
	/* stdin is /dev/null (cat reads nothing); fds 0 1 2 and ls's own. */
	p = slurp(out, NULL);
	assert_true(asprintf(&want, "%s\n-o\njson\n--no-pager\n"
	    "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_HOSTNAME,"
	    "_UID,_COMM,_EXE,_SYSTEMD_UNIT\n"
	    "--after-cursor=s=1;i=2\n--\n_SYSTEMD_UNIT=sendmail.service\n+\n"
	    "SYSLOG_IDENTIFIER=sm-mta\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "LC_ALL=C\n0\n1\n2\n3\n", c.c_journalctl) > 0);
	assert_string_equal(p, want);
	free(p);
	free(want);
	/* First run: no cursor, none back; blanks around terms do not matter. */
	c.c_journalmatch = "  SYSLOG_IDENTIFIER=sm-mta\t";
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), 0, "");
	assert_null(nc);
	p = slurp(out, NULL);
	assert_true(asprintf(&want, "%s\n-o\njson\n--no-pager\n"
	    "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_HOSTNAME,"
	    "_UID,_COMM,_EXE,_SYSTEMD_UNIT\n"
	    "--\nSYSLOG_IDENTIFIER=sm-mta\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "LC_ALL=C\n0\n1\n2\n3\n", c.c_journalctl) > 0);
	assert_string_equal(p, want);
	free(p);
	free(want);
	unlink(out);
	free(out);
	free(c.c_journalctl);
}

static void
follow_hands_entries_and_returns_last_cursor(void **state)
{
	struct config		 c = cfg_default();
	struct journal_stats	 js = { 0 };
	struct got		 g = { 0 };
	char			*fx, *body, *nc = NULL, *want, *p, *nl;
	size_t			 i = 0;

	(void)state;
	fx = fixture("recorded.json");
	assert_true(asprintf(&body, "#!/bin/sh\nexec " SM_SED " '%s'\n", fx) > 0);
	c.c_journalctl = script("jctl-cat", body);
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, &js), 0, "");
	/* The entries are exactly the "entry" lines of the expected file. */
	p = fixture("recorded.expected");
	want = slurp(p, NULL);
	free(p);
	for (p = want; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (strncmp(p, "entry\t", 6) != 0)
			continue;
		assert_true(i < g.n);
		assert_memory_equal(g.line[i], p, (size_t)(nl - p + 1));
		assert_int_equal(strlen(g.line[i]), (size_t)(nl - p + 1));
		i++;
	}
	assert_int_equal(i, g.n);
	assert_int_equal(g.n, 9);
	assert_int_equal(js.js_entries, 11);
	assert_int_equal(js.js_passed, 9);
	assert_int_equal(js.js_skipped, 2);
	assert_int_equal(js.js_bad, 0);
	/* The last line is an entry: its cursor is the one to save. */
	assert_string_equal(nc, g.cursor[8]);
	assert_string_equal(nc, "s=1a0bb03a9bfd4c2ba26f2664fd8d4fdb;i=16a;"
	    "b=e50658d77891467a890240c01298b2a1;m=7f73fbad;t=661358f76a949;"
	    "x=46925953cc2c35ce");
	free(nc);
	got_free(&g);
	free(want);
	free(body);
	free(c.c_journalctl);
	free(fx);
}

static void
follow_skipped_last_entries_still_move_the_cursor(void **state)
{
	struct config		 c = cfg_default();
	struct journal_stats	 js = { 0 };
	struct got		 g = { 0 };
	char			*nc = NULL;

	(void)state;
	/* An overlong line (2 MB), a null MESSAGE, a broken line, no final
	 * newline: one entry passed, and the cursor is the skipped one's. */
	c.c_journalctl = script("jctl-skip", "#!/bin/sh\n"
	    "printf '{" SM_ORIGIN "\"__CURSOR\":\"c1\",\"__REALTIME_TIMESTAMP\":\"1000000\","
	    "\"MESSAGE\":\"relay=[192.0.2.7]\"}\\n'\n"
	    "head -c 2097152 /dev/zero | tr '\\000' x; echo\n"
	    "printf '{\"__CURSOR\":\"c2\",\"__REALTIME_TIMESTAMP\":\"2000000\","
	    "\"MESSAGE\":null}\\n'\n"
	    "printf 'garbage\\n'\n"
	    "printf '{" SM_ORIGIN "\"__CURSOR\":\"c3\",\"__REALTIME_TIMESTAMP\":\"3000000\","
	    "\"MESSAGE\":\"last\"}'\n");
	assert_logged(journal_follow(&c, "c0", collect, &g, &nc, &js), 0, "");
	assert_int_equal(g.n, 2);
	assert_string_equal(g.line[0], "entry\t1\t-1\t\t\tc1\trelay=[192.0.2.7]\n");
	assert_string_equal(g.line[1], "entry\t3\t-1\t\t\tc3\tlast\n");
	assert_string_equal(nc, "c3");
	assert_int_equal(js.js_entries, 5);
	assert_int_equal(js.js_passed, 2);
	assert_int_equal(js.js_skipped, 1);
	assert_int_equal(js.js_bad, 2);
	free(nc);
	got_free(&g);
	free(c.c_journalctl);
	/* Ending on a skipped entry: its cursor, so it is not read again. */
	memset(&js, 0, sizeof(js));
	c.c_journalctl = script("jctl-skiplast", "#!/bin/sh\n"
	    "printf '{\"__CURSOR\":\"c2\",\"__REALTIME_TIMESTAMP\":\"2000000\","
	    "\"MESSAGE\":[\"a\",\"b\"]}\\nnot json\\n'\n");
	assert_logged(journal_follow(&c, "c0", collect, &g, &nc, &js), 0, "");
	assert_int_equal(g.n, 0);
	assert_string_equal(nc, "c2");
	assert_int_equal(js.js_skipped, 1);
	assert_int_equal(js.js_bad, 1);
	free(nc);
	free(c.c_journalctl);
}

/*
 * The line source's bound on journalctl's output: a line of exactly
 * JOURNAL_LINEMAX bytes is an entry, one byte more is skipped and counted
 * (js_entries, js_bad), whatever the pipe's chunks.
 */
static void
follow_line_bound_is_exact(void **state)
{
	struct config		 c = cfg_default();
	struct journal_stats	 js;
	struct got		 g = { 0 };
	const char		*pre = "{" SM_ORIGIN "\"__CURSOR\":\"c1\","
	    "\"__REALTIME_TIMESTAMP\":\"1000000\",\"MESSAGE\":\"";
	char			*body, *nc = NULL;
	size_t			 pad, k;

	(void)state;
	/* The line is pre, pad bytes of message, "}. */
	for (k = 0; k < 2; k++) {
		pad = JOURNAL_LINEMAX - strlen(pre) - 2 + k;
		assert_true(asprintf(&body, "#!/bin/sh\nprintf '%%s' '%s'\n"
		    "head -c %zu /dev/zero | tr '\\000' a\nprintf '\"}\\n'\n"
		    "printf '{" SM_ORIGIN "\"__CURSOR\":\"c2\",\"__REALTIME_TIMESTAMP\""
		    ":\"2000000\",\"MESSAGE\":\"after\"}\\n'\n", pre, pad) > 0);
		c.c_journalctl = script(k == 0 ? "jctl-max" : "jctl-over", body);
		memset(&js, 0, sizeof(js));
		assert_logged(journal_follow(&c, "c0", collect, &g, &nc, &js), 0, "");
		assert_int_equal(js.js_entries, 2);
		assert_int_equal(js.js_passed, k == 0 ? 2 : 1);
		assert_int_equal(js.js_bad, k);
		assert_string_equal(nc, "c2");
		if (k == 0)
			assert_int_equal(strlen(g.line[0]), strlen("entry\t1\t-1\t\t\tc1\t") +
			    pad + 1);
		free(nc);
		got_free(&g);
		free(body);
		free(c.c_journalctl);
	}
}

static void
follow_stops_when_the_callback_fails(void **state)
{
	struct config	 c = cfg_default();
	struct got	 g = { 0 };
	char		*fx, *body, *nc = (char *)1;

	(void)state;
	/* journalctl is still writing when we stop: it is killed, not waited on. */
	fx = fixture("recorded.json");
	assert_true(asprintf(&body, "#!/bin/sh\n" SM_SED " '%s'\nexec sleep 60\n", fx) > 0);
	c.c_journalctl = script("jctl-stop", body);
	g.stopat = 2;
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1, "");
	assert_int_equal(g.n, 2);
	assert_null(nc);
	got_free(&g);
	free(body);
	free(fx);
	free(c.c_journalctl);
}

static void
follow_reports_failures_once(void **state)
{
	struct config	 c = cfg_default();
	struct got	 g = { 0 };
	char		*nc = (char *)1, *msg;

	(void)state;
	c.c_journalctl = script("jctl-fail", "#!/bin/sh\n"
	    "printf '{" SM_ORIGIN "\"__CURSOR\":\"c1\",\"__REALTIME_TIMESTAMP\":\"1\","
	    "\"MESSAGE\":\"m\"}\\n'\n"
	    "echo >&2\necho 'Failed to seek to cursor: Invalid argument' >&2\n"
	    "echo second >&2\nexit 1\n");
	assert_logged(journal_follow(&c, "c0", collect, &g, &nc, NULL), -1,
	    "mailban: journalctl exited 1: Failed to seek to cursor: Invalid "
	    "argument; journal not read (check journalmatch, or the saved cursor)\n");
	assert_null(nc);
	assert_int_equal(g.n, 1);	/* the caller rolls back what it got */
	got_free(&g);
	free(c.c_journalctl);
	c.c_journalctl = script("jctl-kill", "#!/bin/sh\nkill -9 $$\n");
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1,
	    "mailban: journalctl killed by signal 9; journal not read\n");
	free(c.c_journalctl);
	c.c_journalctl = "/nonexistent/journalctl";
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1,
	    "mailban: cannot run /nonexistent/journalctl: No such file or "
	    "directory\n");
	c.c_journalctl = "journalctl";
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1,
	    "mailban: cannot run journalctl: not an absolute path\n");
	/* A term that journalctl would take as an option never reaches it. */
	c.c_journalctl = "/nonexistent/journalctl";
	c.c_journalmatch = "SYSLOG_IDENTIFIER=sm-mta --file=/etc/shadow";
	assert_true(asprintf(&msg, "mailban: journalmatch: \"--file=/etc/shadow\" "
	    "is not FIELD=VALUE or + (e.g. \"%s\")\n", SHIPPED_MATCH) > 0);
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1, msg);
	free(msg);
	c.c_journalmatch = "sm-mta";
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1,
	    "mailban: journalmatch: \"sm-mta\" is not FIELD=VALUE or + (e.g. \""
	    SHIPPED_MATCH "\")\n");
	c.c_journalmatch = "1SYSLOG=x";
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), -1,
	    "mailban: journalmatch: \"1SYSLOG=x\" is not FIELD=VALUE or + (e.g. \""
	    SHIPPED_MATCH "\")\n");
	c.c_journalmatch = MATCH;
	assert_logged(journal_follow(&c, "s=1 --file=/x", collect, &g, &nc, NULL),
	    -1, "mailban: journal cursor \"s=1 --file=/x...\" is not one journalctl "
	    "printed\n");
	assert_null(nc);
	assert_int_equal(g.n, 0);
}

/*
 * A cursor journalctl refuses: read again without it, the entries after
 * the cursor's time handed on, one warning; a cursor without a time: all
 * taken as read.  The stand-in refuses every --after-cursor, as the real
 * one refuses a cursor it cannot parse, and logs each argv.
 */
static void
follow_recovers_from_a_refused_cursor(void **state)
{
	struct config		 c = cfg_default();
	struct journal_stats	 js = { 0 };
	struct got		 g = { 0 };
	char			*nc = NULL, *out, *body, *p;

	(void)state;
	assert_true(asprintf(&out, "%s/refuse.out", tmpdir) > 0);
	assert_true(asprintf(&body, "#!/bin/sh\necho \"$*\" >> %s\n"
	    "case \"$*\" in *--after-cursor=*) echo 'Failed to seek to cursor: "
	    "Invalid argument' >&2; exit 1;; esac\n"
	    "for i in 1 2 3; do printf '{" SM_ORIGIN "\"__CURSOR\":\"c%%s\","
	    "\"__REALTIME_TIMESTAMP\":\"%%s000000\",\"MESSAGE\":\"m%%s\"}\\n' "
	    "$i $i $i; done\n", out) > 0);
	c.c_journalctl = script("jctl-refuse", body);
	/* t=1e8480: 2,000,000 us, the time of c2: c1 and c2 were read. */
	assert_logged(journal_follow(&c, "s=x;i=2;t=1e8480", collect, &g, &nc, &js), 0,
	    "mailban: journal cursor \"s=x;i=2;t=1e8480\" refused by journalctl "
	    "(Failed to seek to cursor: Invalid argument): reading the entries after "
	    "its time, 1970-01-01T00:00:02Z\n");
	assert_int_equal(g.n, 1);
	assert_string_equal(g.line[0], "entry\t3\t-1\t\t\tc3\tm3\n");
	assert_string_equal(nc, "c3");
	assert_int_equal(js.js_entries, 3);
	assert_int_equal(js.js_before, 2);
	assert_int_equal(js.js_passed, 1);
	p = slurp(out, NULL);
	assert_true(strstr(p, "--after-cursor=s=x;i=2;t=1e8480 -- ") != NULL);
	/* The second run: no cursor, from the second of its time. */
	assert_int_equal(strstr(strchr(p, '\n') + 1, "--after-cursor") == NULL, 1);
	assert_non_null(strstr(strchr(p, '\n') + 1, " --since=@2 -- "));
	free(p);
	unlink(out);
	free(nc);
	got_free(&g);
	/* No time in it: everything there now is taken as read. */
	memset(&js, 0, sizeof(js));
	assert_logged(journal_follow(&c, "garbage", collect, &g, &nc, &js), 0,
	    "mailban: journal cursor \"garbage\" refused by journalctl (Failed to "
	    "seek to cursor: Invalid argument) and it holds no time: the 3 entries in "
	    "the journal now are taken as read, those since the last run are not "
	    "counted\n");
	assert_int_equal(g.n, 0);
	assert_string_equal(nc, "c3");
	assert_int_equal(js.js_before, 3);
	free(nc);
	free(c.c_journalctl);
	free(body);
	/* Failing without the cursor too: that failure, once, and -1. */
	c.c_journalctl = script("jctl-refuse2", "#!/bin/sh\n"
	    "echo 'No journal files were found.' >&2\nexit 1\n");
	assert_logged(journal_follow(&c, "s=x;i=2;t=1e8480", collect, &g, &nc, NULL), -1,
	    "mailban: journalctl exited 1: No journal files were found.; journal not "
	    "read (check journalmatch, or the saved cursor)\n");
	assert_null(nc);
	assert_int_equal(g.n, 0);
	free(c.c_journalctl);
	unlink(out);
	free(out);
}

/* --- a real journald, private to this process ------------------------- */

static pid_t	 jd_pid = -1;
static char	 jd_why[256] = "not tried";

/* Run argv with in on stdin; its exit status. */
static int
t_exec(char *const argv[], const char *in)
{
	int	ifd, status;
	pid_t	pid;

	assert_true((ifd = memfd_create("in", 0)) != -1);
	if (in != NULL)
		assert_int_equal(write(ifd, in, strlen(in)), (ssize_t)strlen(in));
	assert_int_equal(lseek(ifd, 0, SEEK_SET), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(ifd, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ifd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
why(const char *what)
{
	snprintf(jd_why, sizeof(jd_why), "%s: %s", what, strerror(errno));
	return -1;
}

/*
 * A journald that sees only this process: mount and UTS namespaces of our
 * own, tmpfs over /run and /var/log/journal (so nothing reaches the host's
 * journal or disk), its log on the console (/dev/null), not /dev/kmsg.
 */
static int
start_journald(void)
{
	static char *const	 envp[] = { "SYSTEMD_LOG_TARGET=console", NULL };
	char			*argv[] = { "/lib/systemd/systemd-journald", NULL };
	struct stat		 sb;
	int			 i, fd;

	if (geteuid() != 0) {
		snprintf(jd_why, sizeof(jd_why), "needs root");
		return -1;
	}
	if (access(argv[0], X_OK) == -1)
		return why(argv[0]);
	if (access("/usr/bin/journalctl", X_OK) == -1)
		return why("/usr/bin/journalctl");
	if (access("/usr/bin/systemd-cat", X_OK) == -1)
		return why("/usr/bin/systemd-cat");
	if (access("/usr/bin/logger", X_OK) == -1)
		return why("/usr/bin/logger");
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) == -1)
		return why("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return why("mount --make-rprivate /");
	if (sethostname("mx.example.org", 14) == -1)
		return why("sethostname");
	if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") == -1)
		return why("mount /run");
	if (stat("/var/log/journal", &sb) == 0 &&
	    mount("tmpfs", "/var/log/journal", "tmpfs", 0, "mode=0755") == -1)
		return why("mount /var/log/journal");
	if (mkdir("/run/systemd", 0755) == -1 || mkdir("/run/systemd/journal", 0755) == -1)
		return why("mkdir /run/systemd/journal");
	if ((jd_pid = fork()) == -1)
		return why("fork");
	if (jd_pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (access("/run/systemd/journal/dev-log", F_OK) == 0 &&
		    access("/run/systemd/journal/socket", F_OK) == 0 &&
		    access("/run/systemd/journal/stdout", F_OK) == 0)
			return 0;
		usleep(50000);
	}
	snprintf(jd_why, sizeof(jd_why), "systemd-journald did not start in 5 s");
	return -1;
}

static void
sync_journal(void)
{
	char	*argv[] = { "/usr/bin/journalctl", "--sync", NULL };

	assert_int_equal(t_exec(argv, NULL), 0);
}

/*
 * Copies of logger and cat (run by systemd-cat, whose stdout is the
 * journal stream) under sendmail's names: journald records _COMM from the
 * name a program was started by, and the sender is root: trusted, as
 * sendmail's own entries are.
 */
static char	*sm_logger, *sm_cat, *sm_catter;

static char *
sm_copy(const char *from, const char *name)
{
	char	*to, *argv[] = { "/bin/cp", (char *)from, NULL, NULL };

	assert_true(asprintf(&to, "%s/%s", tmpdir, name) > 0);
	argv[2] = to;
	assert_int_equal(t_exec(argv, NULL), 0);
	return to;
}

/* A syslog line through the syslog socket, as sendmail sends it. */
static void
say(const char *tag, const char *pid, const char *msg)
{
	char	*argv[] = { sm_logger, "-u", "/run/systemd/journal/dev-log",
		    "-t", (char *)tag, "-p", "mail.info", NULL, (char *)msg, NULL };
	char	*idarg;

	assert_true(asprintf(&idarg, "--id=%s", pid) > 0);
	argv[7] = idarg;
	assert_int_equal(t_exec(argv, NULL), 0);
	free(idarg);
}

/* The same as nobody (any local user): logger -t sm-mta, forged. */
static void
say_nobody(const char *msg)
{
	char	*argv[] = { "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
		    "--clear-groups", "/usr/bin/logger", "-u", "/run/systemd/journal/dev-log",
		    "-t", "sm-mta", "-p", "mail.notice", (char *)msg, NULL };

	assert_int_equal(t_exec(argv, NULL), 0);
}

static void
real_journal_follow_reads_new_entries_once(void **state)
{
	struct config	 c = cfg_default();
	struct got	 g = { 0 };
	char		*cat[] = { "/usr/bin/systemd-cat", "-t", "sm-mta", NULL, NULL };
	struct journal_stats js;
	char		*nc = NULL, *nc2 = NULL, *want, *p;
	time_t		 t0, t1;
	int		 i;

	(void)state;
	if (jd_pid == -1) {
		print_message("real journal test skipped: %s\n", jd_why);
		skip();
	}
	sm_logger = sm_copy("/usr/bin/logger", "sendmail-mta");
	sm_cat = sm_copy("/bin/cat", "sendmail");
	/*
	 * systemd-cat opens the stream, then runs the cat copy: journald may
	 * take the stream's _COMM before or after that exec, so the opener
	 * goes by a sendmail name too (else the entry is untrusted by chance).
	 */
	sm_catter = sm_copy("/usr/bin/systemd-cat", "sendmail-cat");
	cat[0] = sm_catter;
	cat[3] = sm_cat;
	t0 = time(NULL);
	/*
	 * journald reads its datagram and stream sockets separately: sync
	 * after each message so that the journal order is the order sent.
	 */
	say("sm-mta", "4241", "5AQMc0012370: ruleset=check_rcpt, arg1=<a@example.com>, "
	    "relay=[192.0.2.70], reject=550 5.7.1 <a@example.com>... Relaying denied");
	sync_journal();
	say("postfix/smtpd", "999", "NOQUEUE: reject: RCPT from unknown[192.0.2.99]");
	sync_journal();
	assert_int_equal(t_exec(cat, "5AQMc0012371: [2001:db8::71] did not issue "
	    "MAIL/EXPN/VRFY/ETRN during connection to MTA-v4\n"), 0);
	sync_journal();
	say("sm-mta", "4243", "5AQMc0012372: <jos\xc3\xa9@example.com>... User unknown "
	    "\x01");
	sync_journal();
	t1 = time(NULL);
	assert_logged(journal_follow(&c, NULL, collect, &g, &nc, NULL), 0, "");
	assert_int_equal(g.n, 3);
	/* Times are whole seconds of when journald got them. */
	assert_true(asprintf(&want, "\t4241\tmx.example.org\tsm-mta\t%s\t"
	    "5AQMc0012370: ruleset=check_rcpt, arg1=<a@example.com>, "
	    "relay=[192.0.2.70], reject=550 5.7.1 <a@example.com>... Relaying "
	    "denied\n", g.cursor[0]) > 0);
	assert_non_null(strstr(g.line[0], want));
	assert_true(atoll(g.line[0] + 6) >= t0 && atoll(g.line[0] + 6) <= t1);
	free(want);
	/* systemd-cat: no SYSLOG_PID, the pid is _PID, that of the command it ran. */
	assert_true(asprintf(&want, "\tmx.example.org\tsm-mta\t%s\t5AQMc0012371: "
	    "[2001:db8::71] did not issue MAIL/EXPN/VRFY/ETRN during connection to "
	    "MTA-v4\n", g.cursor[1]) > 0);
	assert_non_null(strstr(g.line[1], want));
	assert_true(atol(strchr(g.line[1] + 6, '\t') + 1) > 1);
	free(want);
	/* A control byte: journalctl prints a byte array; the same bytes back. */
	assert_true(asprintf(&want, "\t4243\tmx.example.org\tsm-mta\t%s\t"
	    "5AQMc0012372: <jos\\xc3\\xa9@example.com>... User unknown \\x01\n",
	    g.cursor[2]) > 0);
	assert_non_null(strstr(g.line[2], want));
	free(want);
	assert_string_equal(nc, g.cursor[2]);
	got_free(&g);

	/* Again from the cursor: nothing new, the same cursor. */
	assert_logged(journal_follow(&c, nc, collect, &g, &nc2, NULL), 0, "");
	assert_int_equal(g.n, 0);
	assert_string_equal(nc2, nc);
	free(nc2);
	/* One more line: exactly that one. */
	say("sm-mta", "4244", "5AQMc0012373: AUTH failure (LOGIN): authentication "
	    "failure (-13) SASL(-13): authentication failure: checkpass failed, "
	    "user=admin, relay=[198.51.100.73]");
	sync_journal();
	assert_logged(journal_follow(&c, nc, collect, &g, &nc2, NULL), 0, "");
	assert_int_equal(g.n, 1);
	assert_non_null(strstr(g.line[0], "\t4244\tmx.example.org\tsm-mta\t"));
	assert_non_null(strstr(g.line[0], "relay=[198.51.100.73]\n"));
	assert_string_equal(nc2, g.cursor[0]);
	assert_string_not_equal(nc2, nc);
	got_free(&g);
	free(nc);
	nc = nc2;
	nc2 = NULL;

	/*
	 * Any local user can write "sm-mta" lines: three as nobody.  The old
	 * journalmatch (SYSLOG_IDENTIFIER=sm-mta) lets journalctl print them;
	 * none is handed on, all are skipped, and the cursor moves past them.
	 */
	memset(&js, 0, sizeof(js));
	for (i = 0; i < 3; i++)
		say_nobody("5AQMc0012374: ruleset=check_rcpt, arg1=<v@example.org>, "
		    "relay=[198.51.100.77], reject=550 5.7.1 <v@example.org>... "
		    "Relaying denied. Proper authentication required.");
	sync_journal();
	assert_logged(journal_follow(&c, nc, collect, &g, &nc2, &js), 0, "");
	assert_int_equal(g.n, 0);
	assert_int_equal(js.js_entries, 3);
	assert_int_equal(js.js_untrusted, 3);
	assert_int_equal(js.js_skipped, 3);
	assert_string_not_equal(nc2, nc);
	free(nc2);
	/* The shipped journalmatch does not even select them. */
	memset(&js, 0, sizeof(js));
	c.c_journalmatch = SHIPPED_MATCH;
	assert_logged(journal_follow(&c, nc, collect, &g, &nc2, &js), 0, "");
	assert_int_equal(js.js_entries, 0);
	assert_string_equal(nc2, nc);
	free(nc2);
	free(nc);
	c.c_journalmatch = MATCH;
	/*
	 * The real tool refusing a cursor without a time: the 4 sendmail
	 * entries there are taken as read (the forged ones are untrusted).
	 */
	memset(&js, 0, sizeof(js));
	assert_logged(journal_follow(&c, "garbage", collect, &g, &nc, &js), 0,
	    "mailban: journal cursor \"garbage\" refused by journalctl (Failed to "
	    "seek to cursor: Invalid argument) and it holds no time: the 4 entries in "
	    "the journal now are taken as read, those since the last run are not "
	    "counted\n");
	assert_int_equal(g.n, 0);
	assert_int_equal(js.js_before, 4);
	assert_int_equal(js.js_untrusted, 3);
	/* What it returns is a cursor journalctl takes: quiet, nothing new. */
	assert_logged(journal_follow(&c, nc, collect, &g, &nc2, NULL), 0, "");
	assert_int_equal(g.n, 0);
	assert_string_equal(nc2, nc);
	free(nc2);
	/*
	 * A real cursor whose seqnum id was damaged ("s=" not an id128):
	 * refused; the entry after its time is handed on, exactly once.
	 */
	assert_int_equal(strncmp(nc, "s=", 2), 0);
	nc[2] = 'z';
	say("sm-mta", "4245", "5AQMc0012375: AUTH failure (LOGIN): authentication "
	    "failure (-13) SASL(-13): authentication failure: checkpass failed, "
	    "user=admin, relay=[198.51.100.75]");
	sync_journal();
	cap_begin();
	assert_int_equal(journal_follow(&c, nc, collect, &g, &nc2, NULL), 0);
	want = cap_end();
	assert_true(asprintf(&p, "mailban: journal cursor \"%.60s\" refused by "
	    "journalctl (Failed to seek to cursor: Invalid argument): reading the "
	    "entries after its time, ", nc) > 0);
	assert_int_equal(strncmp(want, p, strlen(p)), 0);
	assert_int_equal(strcmp(want + strlen(want) - 2, "Z\n"), 0);
	free(p);
	free(want);
	assert_int_equal(g.n, 1);
	assert_non_null(strstr(g.line[0], "relay=[198.51.100.75]\n"));
	assert_string_equal(nc2, g.cursor[0]);
	got_free(&g);
	free(nc2);
	free(nc);
	free(sm_logger);
	free(sm_cat);
	free(sm_catter);
	sm_logger = sm_cat = sm_catter = NULL;
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (start_journald() == -1 && jd_pid > 0) {
		kill(jd_pid, SIGKILL);
		waitpid(jd_pid, NULL, 0);
		jd_pid = -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const names[] = { "jctl-argv", "jctl-cat", "jctl-skip",
	    "jctl-skiplast", "jctl-stop", "jctl-fail", "jctl-kill", "jctl-refuse",
	    "jctl-refuse2", "jctl-max", "jctl-over", "sendmail-mta", "sendmail",
	    "sendmail-cat" };
	char	path[256];
	size_t	i;

	(void)state;
	if (jd_pid > 0) {
		kill(jd_pid, SIGTERM);
		waitpid(jd_pid, NULL, 0);
	}
	for (i = 0; i < NITEMS(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_recorded_journalctl_output),
		cmocka_unit_test(parse_handmade_lines),
		cmocka_unit_test(parse_trusted_fields),
		cmocka_unit_test(parse_escapes_give_exact_bytes),
		cmocka_unit_test(parse_never_reads_past_len),
		cmocka_unit_test(follow_runs_fixed_argv_and_env),
		cmocka_unit_test(follow_hands_entries_and_returns_last_cursor),
		cmocka_unit_test(follow_skipped_last_entries_still_move_the_cursor),
		cmocka_unit_test(follow_line_bound_is_exact),
		cmocka_unit_test(follow_stops_when_the_callback_fails),
		cmocka_unit_test(follow_reports_failures_once),
		cmocka_unit_test(follow_recovers_from_a_refused_cursor),
		cmocka_unit_test(real_journal_follow_reads_new_entries_once),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
