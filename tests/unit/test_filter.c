/*
 * test_filter.c -- tag expansion, prefilter literals, matching, error
 * messages, and the shipped sendmail filters of conf/mailban.conf checked
 * against fail2ban's annotated test logs (read in place, not copied).
 * Configurations are built by hand (no config.c); the shipped conf is read
 * with iniparser the way mailban.conf's comment describes: failregex.N,
 * failregex.extra.N, failregex.aggressive.N, sorted by (mode, number).
 * Documentation addresses only, except inside fail2ban's own logs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <iniparser.h>

#include "addr.h"
#include "config.h"
#include "filter.h"
#include "syslog.h"

#define F2B_LOGS	"/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/"
#define QID		"s1P819mk027713"

/* ---- fixtures: a config built by hand ---------------------------------- */

#define FX_JAILS	3
#define FX_PATS	64

struct fx {
	struct config	cfg;
	struct jail	jail[FX_JAILS];
	struct pattern	fail[FX_JAILS][FX_PATS];
	struct pattern	ign[FX_JAILS][FX_PATS];
	char		key[FX_JAILS][2][FX_PATS][40];
	char		*daemons[4];
	char		name[FX_JAILS][32];
	char		*text[FX_JAILS][2][FX_PATS];	/* owned copies (conf) */
};

static void
fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->cfg.c_file = "/etc/mailban/mailban.conf";
	f->daemons[0] = "sendmail";
	f->daemons[1] = "sm-mta";
	f->daemons[2] = "sm-acceptingconnections";
	f->cfg.c_daemons = f->daemons;
	f->cfg.c_ndaemons = 3;
	f->cfg.c_jails = f->jail;
}

static size_t
fx_jail(struct fx *f, const char *name, int mode)
{
	size_t	j = f->cfg.c_njails++;

	snprintf(f->name[j], sizeof(f->name[j]), "%s", name);
	f->jail[j].j_name = f->name[j];
	f->jail[j].j_enabled = 1;
	f->jail[j].j_mode = mode;
	f->jail[j].j_fail = f->fail[j];
	f->jail[j].j_ignore = f->ign[j];
	f->jail[j].j_line = 10 * (int)(j + 1);
	return j;
}

/* Append a pattern; its key is "failregex.N" (or with the mode), line j_line+N. */
static void
fx_pat(struct fx *f, size_t j, int ignore, int minmode, const char *re)
{
	static const char *const mname[] = { "", "extra.", "aggressive." };
	struct jail	*jl = &f->jail[j];
	size_t		*np = ignore ? &jl->j_nignore : &jl->j_nfail;
	struct pattern	*p = ignore ? &f->ign[j][*np] : &f->fail[j][*np];
	char		*key = f->key[j][ignore][*np];

	snprintf(key, sizeof(f->key[j][ignore][*np]), "%s.%s%zu",
	    ignore ? "ignoreregex" : "failregex", mname[minmode], *np + 1);
	p->p_key = key;
	p->p_number = (int)*np + 1;
	p->p_minmode = minmode;
	p->p_line = jl->j_line + (int)*np + 1;
	p->p_text = (char *)re;
	(*np)++;
}

static void
fx_free(struct fx *f)
{
	size_t	j, k, i;

	for (j = 0; j < FX_JAILS; j++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < FX_PATS; i++)
				free(f->text[j][k][i]);
}

/* filter_compile with stderr captured into errbuf. */
static char	errbuf[16384];

static int
compile_capture(const struct config *cfg, struct filterset **fs)
{
	int	p[2], saved, rc;
	ssize_t	r;
	size_t	n = 0;

	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[1], 2), 2);
	close(p[1]);
	rc = filter_compile(cfg, fs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	while ((r = read(p[0], errbuf + n, sizeof(errbuf) - 1 - n)) > 0)
		n += (size_t)r;
	errbuf[n] = '\0';
	close(p[0]);
	return rc;
}

static struct filterset *
compile_ok(const struct config *cfg)
{
	struct filterset	*fs = NULL;

	if (compile_capture(cfg, &fs) != 0)
		print_error("unexpected compile errors:\n%s", errbuf);
	assert_non_null(fs);
	assert_string_equal(errbuf, "");
	return fs;
}

static size_t
run_len(struct filterset *fs, const char *daemon, const char *msg, size_t len,
    struct match *m, size_t max)
{
	struct sysline	sl;

	memset(&sl, 0, sizeof(sl));
	sl.s_time = 1795683601;
	sl.s_host = "mx";
	sl.s_hostlen = 2;
	sl.s_daemon = daemon;
	sl.s_daemonlen = strlen(daemon);
	sl.s_pid = 1234;
	sl.s_msg = msg;
	sl.s_msglen = len;
	return filter_line(fs, &sl, m, max);
}

static size_t
run(struct filterset *fs, const char *daemon, const char *msg, struct match *m, size_t max)
{
	return run_len(fs, daemon, msg, strlen(msg), m, max);
}

/*
 * One jail holding the given failregexes (all normal mode); match msg
 * from sm-mta and describe the result as "KIND ADDR #PATTERN QID" or "-".
 */
static const char *kinds[] = { "?", "FAIL", "IGNORED", "BADADDR", "NOHOST", "NOFAIL" };

static const char *
describe(const struct match *m, size_t n, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];

	if (n == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s %s #%d %s", kinds[m->m_kind],
	    m->m_kind == MATCH_FAIL || m->m_kind == MATCH_NOFAIL ||
	    (m->m_kind == MATCH_IGNORED && m->m_addr.a_family != 0) ?
	    addr_str(&m->m_addr, a, sizeof(a)) : "-", m->m_pattern + 1,
	    m->m_qid[0] != '\0' ? m->m_qid : "-");
	return buf;
}

static void
check1(const char *re, const char *msg, const char *want)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			 buf[128];
	size_t			 n;

	fx_init(&f);
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 0, MODE_NORMAL, re);
	fs = compile_ok(&f.cfg);
	n = run(fs, "sm-mta", msg, m, 2);
	if (strcmp(describe(m, n, buf, sizeof(buf)), want) != 0)
		print_error("pattern %s\nmessage %s\n", re, msg);
	assert_string_equal(buf, want);
	filter_free(fs);
	fx_free(&f);
}

/* ---- filter_literal ---------------------------------------------------- */

/* wantwhere: 0 anywhere, 1 at the start, 2 at the end. */
static void
lit_check(const char *re, const char *want, int wantwhere)
{
	char	buf[64];
	size_t	n;
	int	where = -1;

	n = filter_literal(re, strlen(re), buf, sizeof(buf), &where);
	if (n != strlen(want) || memcmp(buf, want, n) != 0 || where != wantwhere)
		print_error("regex %s: got \"%.*s\" where %d\n", re, (int)n, buf, where);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	assert_int_equal(where, wantwhere);
}

static void
literal_anchored_prefix_preferred(void **state)
{
	(void)state;
	lit_check("^ruleset=check_rcpt, arg1=(?P<email><\\S+@\\S+>), relay=", "ruleset=check_rcpt, arg1=", 1);
	lit_check("^AUTH failure \\([^)]+\\): user not found: [^,]*, user=.*, relay=xyzzy-longer-run",
	    "AUTH failure (", 1);
	/* Too short to be worth it: the longest run wins. */
	lit_check("^ab(x) did not issue ", " did not issue ", 0);
}

static void
literal_end_anchored_run(void **state)
{
	(void)state;
	lit_check("^(?:\\S+ )?\\[(x)\\]: (?i:expn|vrfy) .+ \\[rejected\\]$", " [rejected]", 2);
	lit_check("^<[^@>]+@[^>]+>\\.\\.\\. No such user here$", ">... No such user here", 2);
	/* The start wins when long enough; short ends do not count. */
	lit_check("^abcd(x)efghijkl$", "abcd", 1);
	lit_check("^ab(x)efgh$", "efgh", 2);
	lit_check("(x)abcdefgh(y)abc$", "abcdefgh", 0);
	lit_check("abcd\\$", "abcd$", 0);
	lit_check("abcd$x", "abcd", 0);
	lit_check("abcde?$", "abcd", 0);
}

static void
literal_longest_required_run(void **state)
{
	(void)state;
	lit_check("(?:\\S+ )?\\[(?<host>[0-9.]+)\\](?: \\(may be forged\\))? did not issue \\S+ during",
	    " did not issue ", 0);
	lit_check("abc\\.example\\.com", "abc.example.com", 0);
	lit_check("x\\ y\\/z\\-w", "x y/z-w", 0);
}

static void
literal_skips_optional_and_quantified_atoms(void **state)
{
	(void)state;
	lit_check("ab?cdef", "cdef", 0);
	lit_check("abcd+efg", "abc", 0);
	lit_check("wxyz*abc", "wxy", 0);
	lit_check("abcde{2}fg", "abcd", 0);
	lit_check("abcde{2,}f", "abcd", 0);
	lit_check("abcdef\\.?gh", "abcdef", 0);
	lit_check("(?: barbaz)? qux", " qux", 0);
	lit_check("[ab]+cdef[gh]*ijk", "cdef", 0);
	lit_check("abc.*def", "abc", 0);
	/* 10.42 reads "{,2}" as text, 10.43 as a quantifier: assume the worst. */
	lit_check("abcd{,2}efg", "abc", 0);
	lit_check("abcd{ 1 , 2 }efg", "abc", 0);
	lit_check("abcd{x}efg", "abcd", 0);
}

static void
literal_none_when_not_provable(void **state)
{
	(void)state;
	lit_check("abcdef|ghijkl", "", 0);
	lit_check("(?i)abcdef", "", 0);
	lit_check("abcdef(?i)ghijkl", "", 0);
	lit_check("\\Qabc\\Edef", "", 0);
	lit_check("(*UTF)abcdef", "", 0);
	lit_check("abcd(?:x(*ACCEPT))efgh", "", 0);
	lit_check("abcdef)", "", 0);
	lit_check("abc(def", "", 0);
	lit_check("abc[def", "", 0);
	lit_check("ab.cd", "", 0);
	lit_check("", "", 0);
	lit_check("abc\\", "", 0);
}

static void
literal_escapes_are_not_text(void **state)
{
	(void)state;
	lit_check("\\x41BCD", "BCD", 0);
	lit_check("\\x{41}BCD", "BCD", 0);
	lit_check("ab\\d\\dxyz", "xyz", 0);
	lit_check("(a)\\1bcd", "bcd", 0);
	lit_check("(a)\\g{1}bcd", "bcd", 0);
	lit_check("(?<n>a)\\k<n>bcd", "bcd", 0);
	lit_check("\\pLbcd", "bcd", 0);
	lit_check("\\p{Lu}bcd", "bcd", 0);
	lit_check("\\cAbcd", "bcd", 0);
	lit_check("\\012bcd", "bcd", 0);
}

static void
literal_groups_and_classes_skipped(void **state)
{
	(void)state;
	lit_check("[abc)]defg", "defg", 0);
	lit_check("[]xyz]defg", "defg", 0);
	lit_check("[^]xyz]defg", "defg", 0);
	lit_check("[[:alpha:])]defg", "defg", 0);
	lit_check("[\\]abcdefgh]xyz", "xyz", 0);
	lit_check("(?:[\\)abcdefgh])xyz", "xyz", 0);
	lit_check("(?:a\\)bcdefgh)xyz", "xyz", 0);
	lit_check("(?:a[)]b|c)cdef", "cdef", 0);
	lit_check("(?#(x)abcd", "abcd", 0);
	lit_check("(?P<email><\\S+@\\S+>)(?P=email)wxyz", "wxyz", 0);
	lit_check("(a|(b|c))+defg", "defg", 0);
}

/* ---- tags and addresses ------------------------------------------------ */

static void
host_tag_matches_both_families(void **state)
{
	(void)state;
	check1("\\[<HOST>\\] did not issue", "example.com [192.0.2.10] did not issue MAIL",
	    "FAIL 192.0.2.10 #1 -");
	check1("\\[<HOST>\\] did not issue", "example.com [IPv6:2001:DB8::1] did not issue MAIL",
	    "FAIL 2001:db8::1 #1 -");
	check1("\\[<HOST>\\] did not issue", "example.com [2001:db8:0:0:0:0:0:2] did not issue",
	    "FAIL 2001:db8::2 #1 -");
	check1("relay=<ADDR>$", "relay=203.0.113.9", "FAIL 203.0.113.9 #1 -");
	check1("relay=<ADDR>$", "relay=ipv6:2001:db8::9", "FAIL 2001:db8::9 #1 -");
}

static void
ipv4_mapped_reported_as_ipv4(void **state)
{
	(void)state;
	check1("\\[<HOST>\\]", "[IPv6:::ffff:198.51.100.7]", "FAIL 198.51.100.7 #1 -");
	check1("\\[<HOST>\\]", "[::ffff:198.51.100.8]", "FAIL 198.51.100.8 #1 -");
}

static void
ip4_and_ip6_tags_one_family(void **state)
{
	(void)state;
	check1("\\[<IP4>\\]", "[192.0.2.1]", "FAIL 192.0.2.1 #1 -");
	check1("\\[<IP4>\\]", "[IPv6:2001:db8::1]", "-");
	check1("\\[<IP6>\\]", "[IPv6:2001:db8::1]", "FAIL 2001:db8::1 #1 -");
	check1("\\[<IP6>\\]", "[192.0.2.1]", "-");
	/* fail2ban's sendmail-auth "addr", pasted as is. */
	check1("\\[(?:IPv6:<IP6>|<IP4>)\\]", "[IPv6:2001:db8::3]", "FAIL 2001:db8::3 #1 -");
	check1("\\[(?:IPv6:<IP6>|<IP4>)\\]", "[192.0.2.3]", "FAIL 192.0.2.3 #1 -");
	check1("\\[(?:(?:IPv6:)?<IP6>|<IP4>)\\]", "[IPv6:2001:db8::4]", "FAIL 2001:db8::4 #1 -");
}

static void
user_named_host_group_works(void **state)
{
	(void)state;
	check1("\\[(?P<host>[^]]*)\\]", "x [192.0.2.20] y", "FAIL 192.0.2.20 #1 -");
	check1("\\[(?<host>[^]]*)\\]", "x [192.0.2.21] y", "FAIL 192.0.2.21 #1 -");
	check1("\\[(?'host'[^]]*)\\]", "x [192.0.2.22] y", "FAIL 192.0.2.22 #1 -");
}

static void
seed_article_regexes_compile_and_match(void **state)
{
	static const char issue[] = "example.com [192.0.2.10] did not issue "
	    "MAIL/EXPN/VRFY/ETRN during connection to MTA";

	(void)state;
	check1("[[](?P<host>\\S*)[]] (?:did not issue|[(]may be forged[)])", issue,
	    "FAIL 192.0.2.10 #1 -");
	check1("[[](?P<host>\\S*)[]] (?:did not issue|[(]may be forged[)])",
	    "mx.example.com [192.0.2.11] (may be forged) did not issue MAIL/EXPN/VRFY/ETRN "
	    "during connection to MTA", "FAIL 192.0.2.11 #1 -");
	check1("\\[<HOST>\\] .*to MTA", issue, "FAIL 192.0.2.10 #1 -");
	check1("\\[<HOST>\\] \\(may be forged\\)",
	    "from=<x@example.org>, size=1, class=0, nrcpts=1, proto=SMTP, daemon=MTA, "
	    "relay=mx.example.org [192.0.2.12] (may be forged)", "FAIL 192.0.2.12 #1 -");
	check1("\\[<HOST>\\], reject.*\\.\\.\\. Relaying denied",
	    "ruleset=check_rcpt, arg1=<x@example.org>, relay=[192.0.2.13], reject=550 5.7.1 "
	    "<x@example.org>... Relaying denied. Proper authentication required.",
	    "FAIL 192.0.2.13 #1 -");
	/* The whole line as the cron job sees it: queue id split off first. */
	check1("\\[<HOST>\\] .*to MTA", QID ": example.com [192.0.2.14] did not issue "
	    "MAIL/EXPN/VRFY/ETRN during connection to MTA", "FAIL 192.0.2.14 #1 " QID);
}

static void
several_host_groups_take_the_one_that_matched(void **state)
{
	static const char re[] = "^(?:from \\[<HOST>\\]|to <HOST> only)$";

	(void)state;
	check1(re, "from [192.0.2.30]", "FAIL 192.0.2.30 #1 -");
	check1(re, "to 192.0.2.31 only", "FAIL 192.0.2.31 #1 -");
	/* Both took part: the first group (by number) is used. */
	check1("a=<HOST>, b=<HOST>$", "a=192.0.2.32, b=192.0.2.33", "FAIL 192.0.2.32 #1 -");
}

static void
host_text_not_an_address_is_badaddr(void **state)
{
	(void)state;
	check1("\\[(?P<host>\\S*)\\] did", "x [mx.example.com] did", "BADADDR - #1 -");
	check1("\\[(?P<host>\\S*)\\] did", "x [] did", "BADADDR - #1 -");
	check1("\\[<HOST>\\] did", "x [999.0.2.1] did", "BADADDR - #1 -");
	check1("\\[<HOST>\\] did", "x [IPv6:2001:db8::1::2] did", "BADADDR - #1 -");
	check1("\\[<HOST>\\] did", "x [fe80::1%eth0] did", "-");
	/* The host group did not take part in the match. */
	check1("^x(?: \\[<HOST>\\])? did", "x did", "BADADDR - #1 -");
}

static void
host_capture_never_inside_a_longer_token(void **state)
{
	(void)state;
	check1("^.*<HOST>", "from 21.2.3.4", "FAIL 21.2.3.4 #1 -");
	check1("^.*<HOST>", "from 2001:db8::21", "FAIL 2001:db8::21 #1 -");
	check1("^.*<HOST>", "from [IPv6:2001:db8::22]", "FAIL 2001:db8::22 #1 -");
	check1("^.*<HOST>", "from 192.0.2.1.5", "-");
	check1("^.*<HOST>", "from x192.0.2.1", "-");
	check1("<HOST>", "1.2.3.4567", "-");
	check1("<HOST> done", "192.0.2.7. done", "-");
	check1("<HOST>\\. done", "192.0.2.7. done", "FAIL 192.0.2.7 #1 -");
}

static void
fail2ban_markers_are_removed(void **state)
{
	(void)state;
	check1("^user=<F-USER>\\S+</F-USER>, relay=\\[<HOST>\\]$",
	    "user=admin, relay=[192.0.2.40]", "FAIL 192.0.2.40 #1 -");
	check1("^<F-MLFID>x</F-MLFID> <F-ALT_USER1>y</F-ALT_USER1> \\[<HOST>\\]$",
	    "x y [192.0.2.41]", "FAIL 192.0.2.41 #1 -");
	/* Not a marker: stays literal text. */
	check1("^<f-user> \\[<HOST>\\]$", "<f-user> [192.0.2.42]", "FAIL 192.0.2.42 #1 -");
}

/* ---- queue id correlation markers -------------------------------------- */

static void
nohost_pattern_gives_queue_id(void **state)
{
	static const char re[] = "<NOHOST>^<[^@>]+@[^>]+>\\.\\.\\. No such user here$";

	(void)state;
	check1(re, QID ": <nobody@example.com>... No such user here",
	    "NOHOST - #1 " QID);
	check1(re, "AbCdEfGh01234567890Z: <nobody@example.com>... No such user here",
	    "NOHOST - #1 AbCdEfGh01234567890Z");
}

static void
nohost_needs_queue_id(void **state)
{
	(void)state;
	check1("<NOHOST>^<[^@>]+@[^>]+>\\.\\.\\. No such user here$",
	    "<nobody@example.com>... No such user here", "-");
}

static void
nofail_pattern_gives_address_for_queue_id(void **state)
{
	static const char re[] = "^<F-NOFAIL>from=<[^@>]+@[^>]+></F-NOFAIL>, relay=\\[<HOST>\\]$";

	(void)state;
	check1(re, QID ": from=<x@example.org>, relay=[192.0.2.50]",
	    "NOFAIL 192.0.2.50 #1 " QID);
	check1(re, QID ": from=<x@example.org>, relay=[IPv6:2001:db8::50]",
	    "NOFAIL 2001:db8::50 #1 " QID);
}

static void
nofail_needs_queue_id(void **state)
{
	(void)state;
	check1("^<F-NOFAIL>from=<[^@>]+@[^>]+></F-NOFAIL>, relay=\\[<HOST>\\]$",
	    "from=<x@example.org>, relay=[192.0.2.50]", "-");
}

/* ---- compile errors ---------------------------------------------------- */

static void
expect_errors(struct fx *f, const char *want)
{
	struct filterset	*fs = (struct filterset *)1;

	assert_int_equal(compile_capture(&f->cfg, &fs), -1);
	assert_null(fs);
	assert_string_equal(errbuf, want);
	fx_free(f);
}

static void
compile_error_offset_as_written(void **state)
{
	struct fx	f;
	size_t		j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "sendmail-reject", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\] (did not");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [sendmail-reject] "
	    "failregex.1: offset 19: missing closing parenthesis: \\[<HOST>\\] (did not\n");
	fx_init(&f);
	j = fx_jail(&f, "sendmail-reject", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "<HOST> x{2,1}");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [sendmail-reject] "
	    "failregex.1: offset 12: numbers out of order in {} quantifier: <HOST> x{2,1}\n");
	fx_init(&f);
	j = fx_jail(&f, "sendmail-reject", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "<HOST> \\x{zz}");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [sendmail-reject] "
	    "failregex.1: offset 10: non-hex character in \\x{} (closing brace missing?): "
	    "<HOST> \\x{zz}\n");
	fx_init(&f);
	j = fx_jail(&f, "sendmail-reject", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "<HOST> \\8");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [sendmail-reject] "
	    "failregex.1: offset 8: reference to non-existent subpattern: <HOST> \\8\n");
}

static void
compile_error_inside_tag_points_at_tag(void **state)
{
	struct fx	f;

	(void)state;
	fx_init(&f);
	/* In a class the tag's text ends the class early: blame the tag. */
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 0, MODE_NORMAL, "ab[<HOST>]");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [t] failregex.1: "
	    "offset 3: unmatched closing parenthesis: ab[<HOST>]\n");
}

static void
every_bad_pattern_is_reported(void **state)
{
	struct fx	f;
	size_t		a, b;

	(void)state;
	fx_init(&f);
	a = fx_jail(&f, "one", MODE_NORMAL);
	b = fx_jail(&f, "two", MODE_NORMAL);
	fx_pat(&f, a, 0, MODE_NORMAL, "(\\[<HOST>\\]");
	fx_pat(&f, a, 0, MODE_NORMAL, "\\[<HOST>\\] fine");
	fx_pat(&f, a, 1, MODE_NORMAL, "ignore*+*");
	fx_pat(&f, b, 0, MODE_NORMAL, "no address here");
	expect_errors(&f,
	    "mailban: /etc/mailban/mailban.conf:11: [one] failregex.1: offset 11: "
	    "missing closing parenthesis: (\\[<HOST>\\]\n"
	    "mailban: /etc/mailban/mailban.conf:11: [one] ignoreregex.1: offset 8: "
	    "quantifier does not follow a repeatable item: ignore*+*\n"
	    "mailban: /etc/mailban/mailban.conf:21: [two] failregex.1: no host group: "
	    "no address here (add <HOST> where the address appears; tags are upper case)\n");
}

static void
no_host_group_hint_for_lower_case_tags(void **state)
{
	struct fx	f;
	size_t		j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "sendmail", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "[<host<]");
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<host>\\]");
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<addr>\\] and \\[<HOST>\\]");
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<Ip4>\\]");
	fx_pat(&f, j, 0, MODE_NORMAL, "(?P<HOST>\\S+)");
	expect_errors(&f,
	    "mailban: /etc/mailban/mailban.conf:11: [sendmail] failregex.1: no host group: "
	    "[<host<] (add <HOST> where the address appears; tags are upper case)\n"
	    "mailban: /etc/mailban/mailban.conf:12: [sendmail] failregex.2: no host group: "
	    "\\[<host>\\] (add <HOST> where the address appears; tags are upper case)\n"
	    "mailban: /etc/mailban/mailban.conf:13: [sendmail] failregex.3: no host group: "
	    "\\[<addr>\\] and \\[<HOST>\\] (add <HOST> where the address appears; tags are "
	    "upper case)\n"
	    "mailban: /etc/mailban/mailban.conf:14: [sendmail] failregex.4: no host group: "
	    "\\[<Ip4>\\] (add <HOST> where the address appears; tags are upper case)\n"
	    "mailban: /etc/mailban/mailban.conf:15: [sendmail] failregex.5: no host group: "
	    "(?P<HOST>\\S+) (add <HOST> where the address appears; tags are upper case)\n");
}

static void
nofail_without_host_group_is_an_error(void **state)
{
	struct fx	f;

	(void)state;
	fx_init(&f);
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 0, MODE_NORMAL,
	    "<F-NOFAIL>from=<\\S+></F-NOFAIL>");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [t] failregex.1: "
	    "no host group: <F-NOFAIL>from=<\\S+></F-NOFAIL> (add <HOST> where the "
	    "address appears; tags are upper case)\n");
}

static void
nohost_marker_misuse_is_an_error(void **state)
{
	struct fx	f;
	size_t		j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "x <NOHOST>y");
	fx_pat(&f, j, 0, MODE_NORMAL, "<NOHOST>\\[<HOST>\\]");
	fx_pat(&f, j, 0, MODE_NORMAL, "<NOHOST><F-NOFAIL>x</F-NOFAIL>");
	expect_errors(&f,
	    "mailban: /etc/mailban/mailban.conf:11: [t] failregex.1: offset 2: "
	    "<NOHOST> must start the pattern: x <NOHOST>y\n"
	    "mailban: /etc/mailban/mailban.conf:12: [t] failregex.2: a <NOHOST> pattern "
	    "has a host group: <NOHOST>\\[<HOST>\\] (remove <NOHOST> or the host group)\n"
	    "mailban: /etc/mailban/mailban.conf:13: [t] failregex.3: offset 8: "
	    "<NOHOST> and <F-NOFAIL> exclude each other: <NOHOST><F-NOFAIL>x</F-NOFAIL>\n");
}

static void
utf_mode_is_refused(void **state)
{
	struct fx	f;

	(void)state;
	fx_init(&f);
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 0, MODE_NORMAL, "(*UTF)\\[<HOST>\\]");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:11: [t] failregex.1: "
	    "offset 6: using UTF is disabled by the application: (*UTF)\\[<HOST>\\]\n");
}

static void
ignoreregex_needs_no_host_group(void **state)
{
	struct fx		 f;
	struct filterset	*fs;

	(void)state;
	fx_init(&f);
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 1, MODE_NORMAL, "^whatever$");
	fs = compile_ok(&f.cfg);
	filter_free(fs);
	fx_free(&f);
}

static void
disabled_jail_is_not_compiled(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	size_t			 j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "off", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "(broken");
	f.jail[j].j_enabled = 0;
	fx_pat(&f, fx_jail(&f, "on", MODE_NORMAL), 0, MODE_NORMAL, "\\[<HOST>\\]");
	fs = compile_ok(&f.cfg);
	assert_int_equal(run(fs, "sm-mta", "[192.0.2.1]", m, 2), 1);
	assert_int_equal(m[0].m_jail, 1);
	filter_free(fs);
	fx_free(&f);
}

static void
inactive_mode_patterns_are_still_checked(void **state)
{
	struct fx	f;
	size_t		j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\]");
	fx_pat(&f, j, 0, MODE_AGGRESSIVE, "\\[<HOST>\\] (x");
	expect_errors(&f, "mailban: /etc/mailban/mailban.conf:12: [t] "
	    "failregex.aggressive.2: offset 13: missing closing parenthesis: \\[<HOST>\\] (x\n");
}

/* ---- lines ------------------------------------------------------------- */

static void
daemon_must_be_listed(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	static const char	 msg[] = "[192.0.2.1] did not issue MAIL";

	(void)state;
	fx_init(&f);
	fx_pat(&f, fx_jail(&f, "t", MODE_NORMAL), 0, MODE_NORMAL, "\\[<HOST>\\] did not");
	fs = compile_ok(&f.cfg);
	assert_int_equal(run(fs, "sm-mta", msg, m, 2), 1);
	assert_int_equal(run(fs, "sendmail", msg, m, 2), 1);
	assert_int_equal(run(fs, "sm-acceptingconnections", msg, m, 2), 1);
	assert_int_equal(run(fs, "postfix/smtpd", msg, m, 2), 0);
	assert_int_equal(run(fs, "sm-mta2", msg, m, 2), 0);
	assert_int_equal(run(fs, "sm-mt", msg, m, 2), 0);
	assert_int_equal(run(fs, "SM-MTA", msg, m, 2), 0);
	assert_int_equal(run(fs, "", msg, m, 2), 0);
	filter_free(fs);
	fx_free(&f);
}

static void
queue_id_is_split_off(void **state)
{
	static const char re[] = "^\\[<HOST>\\] x$";

	(void)state;
	check1(re, "s1P819mk027713: [192.0.2.1] x", "FAIL 192.0.2.1 #1 s1P819mk027713");
	check1(re, "ABCDEFGHIJ0123456789: [192.0.2.1] x", "FAIL 192.0.2.1 #1 ABCDEFGHIJ0123456789");
	check1(re, "[192.0.2.1] x", "FAIL 192.0.2.1 #1 -");
	/* sendmail 8.11/8.12: 12 characters. */
	check1(re, "f9OHkXc12345: [192.0.2.1] x", "FAIL 192.0.2.1 #1 f9OHkXc12345");
	check1(re, "f9OHkXc1234: [192.0.2.1] x", "-");
	check1(re, "f9OHkXc1234_: [192.0.2.1] x", "-");
	check1("^f9OHkXc12345:\\[<HOST>\\] x$", "f9OHkXc12345:[192.0.2.1] x",
	    "FAIL 192.0.2.1 #1 -");
	/* Not queue ids: 13 or 21 characters, a non-alphanumeric, no space. */
	check1(re, "s1P819mk02771: [192.0.2.1] x", "-");
	check1(re, "ABCDEFGHIJ0123456789K: [192.0.2.1] x", "-");
	check1(re, "s1P819mk_27713: [192.0.2.1] x", "-");
	check1(re, "s1P819mk027713:[192.0.2.1] x", "-");
	check1("^s1P819mk027713:\\[<HOST>\\] x$", "s1P819mk027713:[192.0.2.1] x",
	    "FAIL 192.0.2.1 #1 -");
	check1(re, "s1P819mk027713: ", "-");
	check1(re, "s1P819mk027713:", "-");
}

static void
first_failregex_wins(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			 buf[128];
	size_t			 j, n;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "^a \\[<HOST>\\]");
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\] b$");
	fs = compile_ok(&f.cfg);
	n = run(fs, "sm-mta", "a [192.0.2.1] b", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "FAIL 192.0.2.1 #1 -");
	n = run(fs, "sm-mta", "c [192.0.2.2] b", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "FAIL 192.0.2.2 #2 -");
	filter_free(fs);
	fx_free(&f);
}

static void
mode_selects_patterns(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			 buf[128];
	size_t			 j, n;
	int			 mode;
	static const char *const want[3][3] = {
		{ "FAIL 192.0.2.1 #1 -", "-", "-" },
		{ "FAIL 192.0.2.1 #1 -", "FAIL 192.0.2.2 #2 -", "-" },
		{ "FAIL 192.0.2.1 #1 -", "FAIL 192.0.2.2 #2 -", "FAIL 192.0.2.3 #3 -" },
	};

	(void)state;
	for (mode = MODE_NORMAL; mode <= MODE_AGGRESSIVE; mode++) {
		fx_init(&f);
		j = fx_jail(&f, "t", mode);
		fx_pat(&f, j, 0, MODE_NORMAL, "^normal \\[<HOST>\\]$");
		fx_pat(&f, j, 0, MODE_EXTRA, "^extra \\[<HOST>\\]$");
		fx_pat(&f, j, 0, MODE_AGGRESSIVE, "^aggressive \\[<HOST>\\]$");
		fs = compile_ok(&f.cfg);
		n = run(fs, "sm-mta", "normal [192.0.2.1]", m, 2);
		assert_string_equal(describe(m, n, buf, sizeof(buf)), want[mode][0]);
		n = run(fs, "sm-mta", "extra [192.0.2.2]", m, 2);
		assert_string_equal(describe(m, n, buf, sizeof(buf)), want[mode][1]);
		n = run(fs, "sm-mta", "aggressive [192.0.2.3]", m, 2);
		assert_string_equal(describe(m, n, buf, sizeof(buf)), want[mode][2]);
		filter_free(fs);
		fx_free(&f);
	}
}

static void
pattern_index_counts_inactive_patterns(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			 buf[128];
	size_t			 j, n;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	/* Sorted by (minmode, number) as config.c does; an ignoreregex of a
	 * higher mode is inactive too. */
	fx_pat(&f, j, 0, MODE_NORMAL, "^one \\[<HOST>\\]$");
	fx_pat(&f, j, 0, MODE_EXTRA, "^x\\[<HOST>\\]$");
	fx_pat(&f, j, 0, MODE_EXTRA, "^three \\[<HOST>\\]$");
	fx_pat(&f, j, 1, MODE_EXTRA, "192\\.0\\.2\\.9");
	f.jail[j].j_mode = MODE_EXTRA;
	fs = compile_ok(&f.cfg);
	n = run(fs, "sm-mta", "three [192.0.2.9]", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "IGNORED 192.0.2.9 #3 -");
	filter_free(fs);
	f.jail[j].j_mode = MODE_NORMAL;
	fs = compile_ok(&f.cfg);
	n = run(fs, "sm-mta", "three [192.0.2.9]", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "-");
	n = run(fs, "sm-mta", "one [192.0.2.9]", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "FAIL 192.0.2.9 #1 -");
	filter_free(fs);
	fx_free(&f);
}

static void
ignoreregex_gives_ignored(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			 buf[128];
	size_t			 j, n;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\] did not issue");
	fx_pat(&f, j, 0, MODE_NORMAL, "<NOHOST>^No such user$");
	fx_pat(&f, j, 1, MODE_NORMAL, "^mx\\.example\\.org ");
	fx_pat(&f, j, 1, MODE_NORMAL, "^(?:No such user)$");
	fs = compile_ok(&f.cfg);
	n = run(fs, "sm-mta", "mx.example.org [192.0.2.1] did not issue MAIL", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "IGNORED 192.0.2.1 #1 -");
	n = run(fs, "sm-mta", "mx.example.com [192.0.2.1] did not issue MAIL", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "FAIL 192.0.2.1 #1 -");
	n = run(fs, "sm-mta", QID ": No such user", m, 2);
	assert_string_equal(describe(m, n, buf, sizeof(buf)), "IGNORED - #2 " QID);
	/* Ignored only if a failregex matched first. */
	n = run(fs, "sm-mta", "mx.example.org said hello", m, 2);
	assert_int_equal(n, 0);
	filter_free(fs);
	fx_free(&f);
}

static void
one_result_per_jail_up_to_max(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[3];
	char			 buf[128];
	size_t			 a, b, c;
	static const char	 msg[] = "[192.0.2.1] did not issue MAIL";

	(void)state;
	fx_init(&f);
	a = fx_jail(&f, "a", MODE_NORMAL);
	b = fx_jail(&f, "b", MODE_NORMAL);
	c = fx_jail(&f, "c", MODE_NORMAL);
	fx_pat(&f, a, 0, MODE_NORMAL, "\\[<HOST>\\]");
	fx_pat(&f, a, 0, MODE_NORMAL, "did not");
	fx_pat(&f, b, 0, MODE_NORMAL, "^nothing <HOST>");
	fx_pat(&f, c, 0, MODE_NORMAL, "x");
	fx_pat(&f, c, 0, MODE_NORMAL, "\\[<HOST>\\] did");
	/* "did not" and "x" have no host group: fix them first. */
	f.fail[a][1].p_text = "<HOST> did not";
	f.fail[c][0].p_text = "^x<HOST>";
	fs = compile_ok(&f.cfg);
	assert_int_equal(run(fs, "sm-mta", msg, m, 3), 2);
	assert_int_equal(m[0].m_jail, 0);
	assert_string_equal(describe(&m[0], 1, buf, sizeof(buf)), "FAIL 192.0.2.1 #1 -");
	assert_int_equal(m[1].m_jail, 2);
	assert_string_equal(describe(&m[1], 1, buf, sizeof(buf)), "FAIL 192.0.2.1 #2 -");
	assert_int_equal(run(fs, "sm-mta", msg, m, 1), 1);
	assert_int_equal(m[0].m_jail, 0);
	assert_int_equal(run(fs, "sm-mta", msg, m, 0), 0);
	filter_free(fs);
	fx_free(&f);
}

static void
hostile_bytes_are_data(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	char			*big;
	size_t			 j, k, n, len = 1024 * 1024;
	static const char	 nul[] = "x\0[192.0.2.1] did not issue\xff\xfe MAIL";

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\] did not issue");
	fx_pat(&f, j, 0, MODE_NORMAL, "^AUTH failure: [^,]*, user=.*, relay=\\[<HOST>\\]$");
	fx_pat(&f, j, 0, MODE_NORMAL, "^deep(?:, a\\d+=\\S*)*, relay=\\[<HOST>\\]$");
	fs = compile_ok(&f.cfg);
	assert_int_equal(run_len(fs, "sm-mta", nul, sizeof(nul) - 1, m, 2), 1);
	assert_int_equal(m[0].m_kind, MATCH_FAIL);
	assert_int_equal(run_len(fs, "sm-mta", "", 0, m, 2), 0);
	assert_int_equal(run_len(fs, "sm-mta", NULL, 0, m, 2), 0);
	/* A 1 MB user name full of fake relays: the last relay still wins. */
	big = malloc(len + 1);
	assert_non_null(big);
	n = (size_t)snprintf(big, len, "AUTH failure: x, user=");
	while (n + 64 < len)
		n += (size_t)snprintf(big + n, len - n, ", relay=[198.51.100.1] ");
	n += (size_t)snprintf(big + n, len - n, ", relay=[192.0.2.4]");
	assert_int_equal(run_len(fs, "sm-mta", big, n, m, 2), 1);
	assert_int_equal(m[0].m_kind, MATCH_FAIL);
	assert_int_equal(m[0].m_pattern, 1);
	assert_int_equal(m[0].m_addr.a_b[3], 4);
	/*
	 * Deep backtracking state: 300 backtracking groups fit the match
	 * limit; 43,000 of them (a 256 KB line) hit it, which is no match
	 * and reported, never a crash.
	 */
	n = (size_t)snprintf(big, len, "deep");
	for (k = 0; k < 300; k++)
		n += (size_t)snprintf(big + n, len - n, ", a1=x");
	n += (size_t)snprintf(big + n, len - n, ", relay=[192.0.2.5]");
	assert_int_equal(run_len(fs, "sm-mta", big, n, m, 2), 1);
	assert_int_equal(m[0].m_kind, MATCH_FAIL);
	assert_int_equal(m[0].m_pattern, 2);
	assert_int_equal(m[0].m_addr.a_b[3], 5);
	assert_null(filter_limited(fs, &j));
	n = (size_t)snprintf(big, len, "deep");
	while (n + 64 < len / 4)
		n += (size_t)snprintf(big + n, len - n, ", a1=x");
	n += (size_t)snprintf(big + n, len - n, ", relay=[192.0.2.5]");
	assert_int_equal(run_len(fs, "sm-mta", big, n, m, 2), 0);
	assert_non_null(filter_limited(fs, &j));
	assert_string_equal(filter_limited(fs, &j)->p_key, "failregex.3");
	assert_int_equal(j, 0);
	/* Every byte value, everywhere. */
	for (n = 0; n < 4096; n++)
		big[n] = (char)(n * 7 + 3);
	assert_int_equal(run_len(fs, "sm-mta", big, 4096, m, 2), 0);
	free(big);
	filter_free(fs);
	fx_free(&f);
}

static void
free_accepts_null(void **state)
{
	(void)state;
	filter_free(NULL);
}

static void
prefilter_never_drops_a_match(void **state)
{
	(void)state;
	/* Optional or repeated literal text must not become a prefilter. */
	check1("^x(?: barbazqux)? did not <HOST>$", "x did not 192.0.2.1", "FAIL 192.0.2.1 #1 -");
	check1("^xy?zzz <HOST>$", "xzzz 192.0.2.2", "FAIL 192.0.2.2 #1 -");
	check1("^abcdefg* <HOST>$", "abcdef 192.0.2.3", "FAIL 192.0.2.3 #1 -");
	check1("^abcde{0,1}fgh <HOST>$", "abcdfgh 192.0.2.4", "FAIL 192.0.2.4 #1 -");
	check1("(?:foobarbaz|qux) <HOST>$", "qux 192.0.2.5", "FAIL 192.0.2.5 #1 -");
	check1("^\\x41BCDEF <HOST>$", "ABCDEF 192.0.2.6", "FAIL 192.0.2.6 #1 -");
	check1("^(?i:abcdef) <HOST>$", "ABCDEF 192.0.2.7", "FAIL 192.0.2.7 #1 -");
	check1("^ab(?i)cdef <HOST>$", "abCDEF 192.0.2.8", "FAIL 192.0.2.8 #1 -");
	check1("abcdef <HOST>$|^zz <HOST>$", "zz 192.0.2.9", "FAIL 192.0.2.9 #1 -");
	/* '$' matches before a final newline; the end check must agree. */
	check1("^x <HOST> the end$", "x 192.0.2.10 the end\n", "FAIL 192.0.2.10 #1 -");
	check1("^x <HOST> the end$", "x 192.0.2.11 the end\n\n", "-");
	check1("<HOST> the end$", "192.0.2.12 the end", "FAIL 192.0.2.12 #1 -");
	check1("<HOST> the end$", "192.0.2.13 the endx", "-");
	/* Horspool search: the literal at the very start, the very end, twice. */
	check1("<HOST> xyzzy", "192.0.2.14 xyzzy", "FAIL 192.0.2.14 #1 -");
	check1("xyzzy <HOST>", "xyzzy 192.0.2.15", "FAIL 192.0.2.15 #1 -");
	check1("xyzzy <HOST>", "xyzz xyzzxyzzy xyzzy 192.0.2.16", "FAIL 192.0.2.16 #1 -");
	check1("xyzzy <HOST>", "xyzz", "-");
	check1("xyzzy <HOST>", "yyyyy yxyzzy 192.0.2.17", "FAIL 192.0.2.17 #1 -");
	check1("xyzzy <HOST>", "yyyyy y xyzzy 192.0.2.18", "FAIL 192.0.2.18 #1 -");
	/* Messages shorter than the literal, at either end. */
	check1("<HOST> the end$", "x", "-");
	check1("^the start <HOST>", "t", "-");
}

static void
prefilter_tails_ends_and_first_bytes(void **state)
{
	static const char	 longlit[] = "a literal run that is longer than the "
	    "sixty-four bytes the prefilter keeps of it";
	char			 re[256], msg[256];

	(void)state;
	/* An end-anchored run longer than what is kept: its end is checked. */
	snprintf(re, sizeof(re), "^x <HOST> %s$", longlit);
	snprintf(msg, sizeof(msg), "x 192.0.2.1 %s", longlit);
	check1(re, msg, "FAIL 192.0.2.1 #1 -");
	snprintf(msg, sizeof(msg), "x 192.0.2.1 %s.", longlit);
	check1(re, msg, "-");
	/* A run before a final \S+ or \d+ ends where that class run begins. */
	check1("^x <HOST> during connection to \\S+$", "x 192.0.2.2 during connection to MTA",
	    "FAIL 192.0.2.2 #1 -");
	check1("^x <HOST> during connection to \\S+$", "x 192.0.2.3 during connection to MTA\n",
	    "FAIL 192.0.2.3 #1 -");
	check1("^x <HOST> during connection to \\S+$", "x 192.0.2.4 during connection to ", "-");
	check1("^x <HOST> during connection to \\S+$", "x 192.0.2.5 during connection to M\tA",
	    "-");
	check1("^x <HOST> during connection to \\S+$", "x 192.0.2.6 during connection to\tMTA",
	    "-");
	check1("^x <HOST> during connection to \\S*$", "x 192.0.2.7 during connection to ",
	    "FAIL 192.0.2.7 #1 -");
	check1("<HOST> to \\S+?$", "192.0.2.8 to \xff\x01", "FAIL 192.0.2.8 #1 -");
	check1("^x <HOST>: count=\\d+$", "x 192.0.2.9: count=12", "FAIL 192.0.2.9 #1 -");
	check1("^x <HOST>: count=\\d+$", "x 192.0.2.10: count=", "-");
	check1("^x <HOST>: count=\\d+$", "x 192.0.2.11: count=1=2", "-");
	check1("^x <HOST>: count=\\d*$", "x 192.0.2.12: count=", "FAIL 192.0.2.12 #1 -");
	check1("^x <HOST>: count=\\d++$", "x 192.0.2.13: count=7\n", "FAIL 192.0.2.13 #1 -");
	/* Not a tail: the run's last byte is of the class. */
	check1("^x <HOST> abc\\S+$", "x 192.0.2.14 abcabc", "FAIL 192.0.2.14 #1 -");
	check1("^x <HOST> n=1\\d+$", "x 192.0.2.15 n=1111", "FAIL 192.0.2.15 #1 -");
	/* A one-byte run after '^' selects the first byte. */
	check1("^<[^>]+> <HOST>$", "<a> 192.0.2.16", "FAIL 192.0.2.16 #1 -");
	check1("^<[^>]+> <HOST>$", "x<a> 192.0.2.17", "-");
}

static void
empty_message_after_queue_id(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	size_t			 j;

	(void)state;
	fx_init(&f);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, j, 0, MODE_NORMAL, "<NOHOST>^$");
	fs = compile_ok(&f.cfg);
	assert_int_equal(run(fs, "sm-mta", QID ": ", m, 2), 1);
	assert_int_equal(m[0].m_kind, MATCH_NOHOST);
	assert_string_equal(m[0].m_qid, QID);
	assert_int_equal(run(fs, "sm-mta", QID ": x", m, 2), 0);
	filter_free(fs);
	fx_free(&f);
}

/* ---- the shipped conf -------------------------------------------------- */

static const char *
topdir(void)
{
	const char	*t = getenv("TOP");

	return t != NULL && *t != '\0' ? t : ".";
}

/*
 * Load section sec of conf/mailban.conf into jail j of f: failregex keys
 * sorted by (mode, number), as config.c does.  Returns the jail index.
 */
static size_t
load_section(struct fx *f, dictionary *d, const char *sec, int mode)
{
	const char	*keys[256];
	size_t		 j = fx_jail(f, sec, mode), i, k;
	int		 nk, n, minmode, number;

	nk = iniparser_getsecnkeys(d, sec);
	assert_true(nk > 0 && nk < 256);
	iniparser_getseckeys(d, sec, keys);
	for (minmode = MODE_NORMAL; minmode <= MODE_AGGRESSIVE; minmode++) {
		for (number = 1; number < 100; number++) {
			static const char *const fmt[] = { "%s:failregex.%d",
			    "%s:failregex.extra.%d", "%s:failregex.aggressive.%d" };
			char	key[128];
			const char *v;

			snprintf(key, sizeof(key), fmt[minmode], sec, number);
			for (n = 0; n < nk; n++)
				if (strcmp(keys[n], key) == 0)
					break;
			if (n == nk)
				continue;
			v = iniparser_getstring(d, key, NULL);
			assert_non_null(v);
			i = f->jail[j].j_nfail;
			assert_true(i < FX_PATS);
			f->text[j][0][i] = strdup(v);
			fx_pat(f, j, 0, minmode, f->text[j][0][i]);
			snprintf(f->key[j][0][i], sizeof(f->key[j][0][i]), "%s", key +
			    strlen(sec) + 1);
		}
	}
	/* Every key is one we know. */
	for (n = 0; n < nk; n++) {
		const char *kk = keys[n] + strlen(sec) + 1;

		if (strcmp(kk, "enabled") == 0 || strcmp(kk, "mode") == 0)
			continue;
		for (k = 0; k < f->jail[j].j_nfail; k++)
			if (strcmp(f->key[j][0][k], kk) == 0)
				break;
		if (k == f->jail[j].j_nfail)
			print_error("unexpected key %s\n", keys[n]);
		assert_true(k < f->jail[j].j_nfail);
	}
	return j;
}

static dictionary *
load_conf(void)
{
	char		 path[4096];
	dictionary	*d;

	snprintf(path, sizeof(path), "%s/conf/mailban.conf", topdir());
	d = iniparser_load(path);
	if (d == NULL)
		print_error("cannot load %s (run from the top of the tree or set TOP)\n", path);
	assert_non_null(d);
	return d;
}

/* One jail from the shipped conf; match msg (daemon sm-mta). */
struct shipped {
	struct fx		 f;
	struct filterset	*fs;
};

static void
shipped_open(struct shipped *s, const char *sec, int mode)
{
	dictionary	*d = load_conf();

	fx_init(&s->f);
	load_section(&s->f, d, sec, mode);
	iniparser_freedict(d);
	s->fs = compile_ok(&s->f.cfg);
}

static void
shipped_close(struct shipped *s)
{
	filter_free(s->fs);
	fx_free(&s->f);
}

static const char *
shipped_run(struct shipped *s, const char *daemon, const char *msg, char *buf, size_t len)
{
	struct match	m[2];
	size_t		n = run(s->fs, daemon, msg, m, 2);

	return describe(m, n, buf, len);
}

#define SHIP(s, msg, want) do {						\
	char	b_[160];						\
	const char *g_ = shipped_run((s), "sm-mta", (msg), b_, sizeof(b_));	\
	if (strcmp(g_, (want)) != 0)					\
		print_error("message: %s\n", (msg));			\
	assert_string_equal(g_, (want));				\
} while (0)

static void
shipped_conf_compiles_in_every_mode(void **state)
{
	struct shipped	 s;
	dictionary	*d;
	int		 mode;

	(void)state;
	d = load_conf();
	assert_string_equal(iniparser_getstring(d, "sendmail-reject:enabled", ""), "true");
	assert_string_equal(iniparser_getstring(d, "sendmail-reject:mode", ""), "extra");
	assert_string_equal(iniparser_getstring(d, "sendmail-auth:enabled", ""), "true");
	assert_string_equal(iniparser_getstring(d, "sendmail-auth:mode", ""), "normal");
	iniparser_freedict(d);
	for (mode = MODE_NORMAL; mode <= MODE_AGGRESSIVE; mode++) {
		shipped_open(&s, "sendmail-reject", mode);
		assert_int_equal(s.f.jail[0].j_nfail, 42);
		shipped_close(&s);
		shipped_open(&s, "sendmail-auth", mode);
		assert_int_equal(s.f.jail[0].j_nfail, 3);
		shipped_close(&s);
	}
}

static void
shipped_reject_seed_rules_by_mode(void **state)
{
	static const char *const daemons[] = { "MTA", "MSA", "MSP-v4", "MTA-v4", "IPv4",
	    "IPv6", "TLSMTA" };
	struct shipped	s;
	char		msg[256], want[64];
	size_t		i;

	(void)state;
	shipped_open(&s, "sendmail-reject", MODE_EXTRA);
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++) {
		snprintf(msg, sizeof(msg), QID ": example.com [192.0.2.%zu] did not issue "
		    "MAIL/EXPN/VRFY/ETRN during connection to %s", 10 + i, daemons[i]);
		snprintf(want, sizeof(want), "FAIL 192.0.2.%zu #24 " QID, 10 + i);
		SHIP(&s, msg, want);
	}
	SHIP(&s, QID ": [IPv6:2001:db8::1] (may be forged) did not issue MAIL/EXPN/VRFY/ETRN "
	    "during connection to MTA", "FAIL 2001:db8::1 #24 " QID);
	SHIP(&s, QID ": lost input channel from mx.example.com [192.0.2.20] to MTA after rcpt",
	    "FAIL 192.0.2.20 #25 " QID);
	SHIP(&s, QID ": ruleset=check_mail, arg1=<x@example.com>, relay=[192.0.2.21], "
	    "reject=451 4.1.8 Domain of sender address x@example.com does not resolve",
	    "FAIL 192.0.2.21 #26 " QID);
	/* Aggressive only. */
	SHIP(&s, QID ": from=<x@example.org>, size=310, class=0, nrcpts=1, "
	    "msgid=<1@example.org>, proto=SMTP, daemon=MTA, relay=mx.example.org "
	    "[192.0.2.22] (may be forged)", "-");
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@example.net>, relay=[192.0.2.23], "
	    "reject=450 4.4.0 <x@example.net>... Relaying temporarily denied. Cannot resolve "
	    "PTR record for 192.0.2.23", "-");
	shipped_close(&s);

	shipped_open(&s, "sendmail-reject", MODE_AGGRESSIVE);
	SHIP(&s, QID ": from=<x@example.org>, size=310, class=0, nrcpts=1, "
	    "msgid=<1@example.org>, proto=SMTP, daemon=MTA, relay=mx.example.org "
	    "[192.0.2.22] (may be forged)", "FAIL 192.0.2.22 #33 " QID);
	/* Authenticated users are not punished for their ISP's DNS. */
	SHIP(&s, QID ": from=<x@example.org>, size=310, class=0, nrcpts=1, "
	    "msgid=<1@example.org>, proto=ESMTPSA, daemon=MSA, relay=mx.example.org "
	    "[192.0.2.22] (may be forged)", "-");
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@example.net>, relay=[192.0.2.23], "
	    "reject=450 4.4.0 <x@example.net>... Relaying temporarily denied. Cannot resolve "
	    "PTR record for 192.0.2.23", "FAIL 192.0.2.23 #34 " QID);
	shipped_close(&s);

	shipped_open(&s, "sendmail-reject", MODE_NORMAL);
	SHIP(&s, QID ": example.com [192.0.2.10] did not issue MAIL/EXPN/VRFY/ETRN during "
	    "connection to MTA", "-");
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@example.org>, relay=[192.0.2.24], "
	    "reject=550 5.7.1 <x@example.org>... Relaying denied", "FAIL 192.0.2.24 #1 " QID);
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@example.org>, relay=[192.0.2.24], "
	    "reject=550 5.7.1 <x@example.org>... Relaying denied. Try later",
	    "FAIL 192.0.2.24 #11 " QID);	/* a text the site chose: any 5xx */
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@example.org>, relay=[192.0.2.24], "
	    "reject=450 4.7.1 <x@example.org>... Relaying denied", "-");
	shipped_close(&s);
}

static void
shipped_auth_rules(void **state)
{
	struct shipped	s;

	(void)state;
	shipped_open(&s, "sendmail-auth", MODE_NORMAL);
	SHIP(&s, QID ": mx.example.com [IPv6:2001:db8::5] (may be forged): possible SMTP "
	    "attack: command=AUTH, count=12", "FAIL 2001:db8::5 #1 " QID);
	SHIP(&s, QID ": [192.0.2.5]: possible SMTP attack: command=RCPT, count=12", "-");
	SHIP(&s, QID ": AUTH failure (PLAIN): user not found (-20) SASL(-13): user not "
	    "found: unable to canonify user and get auxprops, relay=mx.example.com "
	    "[192.0.2.6] (may be forged)", "FAIL 192.0.2.6 #3 " QID);
	SHIP(&s, QID ": AUTH=server, relay=mx.example.com [192.0.2.7], authid=x, "
	    "mech=PLAIN, bits=0", "-");
	shipped_close(&s);
}

static void
shipped_attacker_text_cannot_choose_address(void **state)
{
	struct shipped	s;
	char		b[160];

	(void)state;
	shipped_open(&s, "sendmail-reject", MODE_AGGRESSIVE);
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@[198.51.100.1]>, relay=[192.0.2.4], "
	    "reject=550 5.7.1 <x@[198.51.100.1]>... Relaying denied. Proper authentication "
	    "required.", "FAIL 192.0.2.4 #1 " QID);
	/* A recipient that spells a whole fake rejection (spaces and all). */
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@y>, relay=[198.51.100.1], reject=550 "
	    "5.7.1 <x@y>... Rejected: z>, relay=[192.0.2.4], reject=550 5.7.1 <x@y>, "
	    "relay=[198.51.100.1], reject=550 5.7.1 <x@y>... Rejected: z>... Rejected: "
	    "192.0.2.4 listed at bl.example.net", "-");
	SHIP(&s, QID ": ruleset=check_rcpt, arg1=<x@y>, relay=[198.51.100.1], reject=450 "
	    "4.4.0 <x@y>... Relaying temporarily denied. Cannot resolve PTR record for z>, "
	    "relay=[192.0.2.4], reject=450 4.4.0 <x@y>, relay=[198.51.100.1], reject=450 "
	    "4.4.0 <x@y>... Relaying temporarily denied. Cannot resolve PTR record for z>... "
	    "Relaying temporarily denied. Cannot resolve PTR record for 192.0.2.4", "-");
	SHIP(&s, QID ": [192.0.2.4]: EXPN x [198.51.100.1] [rejected]",
	    "FAIL 192.0.2.4 #8 " QID);
	SHIP(&s, QID ": from=<x@[198.51.100.1]>, size=0, class=0, nrcpts=0, "
	    "bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[192.0.2.4]",
	    "NOFAIL 192.0.2.4 #10 " QID);
	SHIP(&s, QID ": from=<x@example.org>, size=1, class=0, nrcpts=1, "
	    "msgid=<relay=[198.51.100.1] (may be forged)>, proto=SMTP, daemon=MTA, "
	    "relay=[192.0.2.4] (may be forged)", "FAIL 192.0.2.4 #33 " QID);
	/* The same text from another daemon is not sendmail's. */
	assert_string_equal(shipped_run(&s, "postfix/smtpd", QID ": ruleset=check_rcpt, "
	    "arg1=<x@example.org>, relay=[192.0.2.4], reject=550 5.7.1 <x@example.org>... "
	    "Relaying denied. Proper authentication required.", b, sizeof(b)), "-");
	shipped_close(&s);

	shipped_open(&s, "sendmail-auth", MODE_NORMAL);
	SHIP(&s, QID ": AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=criminal, relay=[192.0.2.100], "
	    "relay=[192.0.2.4] (may be forged)", "FAIL 192.0.2.4 #2 " QID);
	SHIP(&s, QID ": AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=x, relay=[198.51.100.1], "
	    "relay=[192.0.2.4]", "FAIL 192.0.2.4 #2 " QID);
	SHIP(&s, QID ": AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=relay=[198.51.100.1], "
	    "relay=[IPv6:2001:db8::4]", "FAIL 2001:db8::4 #2 " QID);
	SHIP(&s, QID ": AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=x, relay=[192.0.2.4], "
	    "relay=[198.51.100.1] tail", "-");
	shipped_close(&s);
}

/*
 * Client-written text cannot make a shipped pattern backtrack.  Each case
 * is a sendmail line whose client-chosen part (arg1=<...>, from=<...>,
 * msgid=<...>, a host name, user=, the echo in the reject text) is 64 KB
 * of '@', '<', spaces and fake fields, with no closing '>' where that
 * hurts most; echo 1 repeats it where sendmail echoes the address.  The
 * result must be exact both with the interpreter, which counts every
 * backtracking step, under FILTER_MATCH_LIMIT (a quadratic <\S+@\S+>
 * needs millions of steps here), and with JIT code under its limit.
 */
#define HOSTILE_LEN	(64 * 1024)

struct hostile {
	const char	*h_sec;
	const char	*h_pre;		/* then h_unit repeated, then h_mid */
	const char	*h_unit;
	const char	*h_mid;
	int		 h_echo;	/* 1: the repeated part again, then h_suf */
	const char	*h_suf;
	const char	*h_want;	/* describe() of the result */
};

static const struct hostile hostile[] = {
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <x@example.com>... User unknown", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <", 1, ">... User unknown", "FAIL 192.0.2.5 #4 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <", 1, ">... Relaying denied. Proper authentication required.",
	    "FAIL 192.0.2.5 #1 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@<", ", relay=[192.0.2.5], "
	    "reject=550 5.7.1 <", 1, "... Relaying denied. Proper authentication required.",
	    "-" },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "<a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <x@y>... User unknown", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@b <c ", ">, relay=[192.0.2.5], "
	    "reject=553 5.1.8 <x@y>... Domain of sender address y@example.net does not exist",
	    0, "", "-" },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <", 1, ">... Rejected: 192.0.2.5 listed at bl.example.net",
	    "FAIL 192.0.2.5 #3 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=450 4.4.0 <", 1, ">... Relaying temporarily denied. Cannot resolve PTR "
	    "record for 192.0.2.5", "FAIL 192.0.2.5 #34 " QID },
	{ "sendmail-reject", "ruleset=check_mail, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=451 4.1.8 <", 1, ">... Domain of sender address x@example.com does not "
	    "resolve", "FAIL 192.0.2.5 #26 " QID },
	{ "sendmail-reject", "ruleset=check_mail, arg1=<a@b>, relay=[192.0.2.5], reject=553 "
	    "5.1.8 <a@b>... Domain of sender address ", "a@< ", "does not exist", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_relay, arg1=", "a@<,", ", arg2=192.0.2.5, "
	    "relay=[192.0.2.5], reject=421 4.3.2 Connection rate limit exceeded.", 0, "",
	    "FAIL 192.0.2.5 #5 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=", "a@<, arg2=", ", arg2=192.0.2.5, "
	    "relay=[192.0.2.5], reject=550 5.7.1 Rejected: 192.0.2.5 listed at bl.example.net",
	    0, "", "-" },
	{ "sendmail-reject", "from=<", "a@<", ">, size=0, class=0, nrcpts=0, "
	    "bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[192.0.2.5]", 0, "",
	    "NOFAIL 192.0.2.5 #10 " QID },
	{ "sendmail-reject", "from=<a@example.org>, size=310, class=0, nrcpts=1, msgid=<",
	    "a@<, relay=[198.51.100.9] ", ">, proto=SMTP, daemon=MTA, relay=mx.example.org "
	    "[192.0.2.5] (may be forged)", 0, "", "FAIL 192.0.2.5 #33 " QID },
	{ "sendmail-reject", "rejecting commands from ", "a [", " [192.0.2.5] due to "
	    "pre-greeting traffic after 1 seconds", 0, "", "-" },
	{ "sendmail-reject", "", "a [198.51.100.9] ", "[192.0.2.5] did not issue "
	    "MAIL/EXPN/VRFY/ETRN during connection to MTA", 0, "", "-" },
	{ "sendmail-reject", "lost input channel from ", "a [198.51.100.9] ", "[192.0.2.5] "
	    "to MTA after rcpt", 0, "", "-" },
	{ "sendmail-reject", "[192.0.2.5]: EXPN ", " [rejected] a<@", " [rejected]", 0, "",
	    "FAIL 192.0.2.5 #8 " QID },
	{ "sendmail-reject", "<", "a@<", ">... No such user here", 0, "",
	    "NOHOST - #9 " QID },
	/* The catalogue of issue 14. */
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=550 5.7.1 <", 1, ">... Access denied", "FAIL 192.0.2.5 #11 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<\"", "a b, relay=[198.51.100.9] ",
	    "\"@x>, relay=[192.0.2.5], reject=550 5.7.1 Access denied", 0, "",
	    "FAIL 192.0.2.5 #11 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<\"", "a, relay=[198.51.100.9], ",
	    ">, relay=[192.0.2.5], reject=550 5.7.1 x", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_mail, arg1=<a@b>, relay=[192.0.2.5], reject=553 "
	    "5.3.0 ", "x relay=[198.51.100.9] ", "<", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=452 4.3.2 <", 1, ">... Connection rate limit exceeded.",
	    "FAIL 192.0.2.5 #12 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=[192.0.2.5], arg2=192.0.2.5, "
	    "relay=[192.0.2.5], reject=550 5.7.1 ", "x, ", ">", 0, "", "-" },
	{ "sendmail-reject", "ruleset=check_relay, arg1=", "a", ", arg2=192.0.2.5, "
	    "reject=550 5.7.1 Access denied", 0, "", "FAIL 192.0.2.5 #14 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=a, arg2=192.0.2.5, reject=554 "
	    "5.7.1 ", "Rejected ", "<", 0, "", "-" },
	{ "sendmail-reject", "", "a [198.51.100.9] ", "[192.0.2.5]: possible SMTP attack: "
	    "command=VRFY, count=6", 0, "", "-" },
	{ "sendmail-reject", "", "a", " [192.0.2.5]: Possible SMTP RCPT flood, throttling.", 0,
	    "", "FAIL 192.0.2.5 #16 " QID },
	{ "sendmail-reject", "[192.0.2.5]: probable open proxy: command=", "GET [198.51.100.9] ",
	    "", 0, "", "FAIL 192.0.2.5 #17 " QID },
	{ "sendmail-reject", "", "a@< ", "[192.0.2.5]: SMTP violation, input too long: 1", 0, "",
	    "-" },
	{ "sendmail-reject", "POSSIBLE ATTACK from [192.0.2.5]: newline in string \"",
	    "[198.51.100.9]: \"", "\"", 0, "", "FAIL 192.0.2.5 #19 " QID },
	{ "sendmail-reject", "ruleset=check_mail, arg1=<", "a", ">, relay=[192.0.2.5], "
	    "reject=553 5.5.4 <", 1, ">... Domain name required for sender address a",
	    "FAIL 192.0.2.5 #20 " QID },
	{ "sendmail-reject", "headers too large (1 max) from [", "1.", "] during message "
	    "collect", 0, "", "-" },
	{ "sendmail-reject", "tcpwrappers (", "a", ", 192.0.2.5) rejection", 0, "",
	    "FAIL 192.0.2.5 #22 " QID },
	{ "sendmail-reject", "Milter: connect: host=", "a", ", addr=192.0.2.5, rejecting "
	    "commands", 0, "", "FAIL 192.0.2.5 #23 " QID },
	{ "sendmail-reject", "[192.0.2.5]: possible SMTP attack: command=", "N", ", count=3", 0,
	    "", "FAIL 192.0.2.5 #27 " QID },
	{ "sendmail-reject", "invalid domain name (", ") from [198.51.100.9] ", ") from "
	    "[192.0.2.5]", 0, "", "FAIL 192.0.2.5 #28 " QID },
	{ "sendmail-reject", "invalid domain name (", "x) from ", "a [192.0.2.5] x", 0, "",
	    "-" },
	{ "sendmail-reject", "collect: unexpected close on connection from [192.0.2.5], "
	    "sender=<", "a@<", "", 0, "", "FAIL 192.0.2.5 #29 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "reject=450 4.7.1 <", 1, ">... Relaying denied", "FAIL 192.0.2.5 #30 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=[192.0.2.5], arg2=192.0.2.5, "
	    "relay=[192.0.2.5], reject=454 4.7.1 Rejected: ", "a ", "", 0, "",
	    "FAIL 192.0.2.5 #31 " QID },
	{ "sendmail-reject", "ruleset=check_mail, arg1=<", "a@", ">, relay=[192.0.2.5], "
	    "discard", 0, "", "FAIL 192.0.2.5 #32 " QID },
	{ "sendmail-reject", "ruleset=check_rcpt, arg1=<a@b>, relay=[192.0.2.5], reject=451 "
	    "4.7.1 ", "Temporary ", "", 0, "", "FAIL 192.0.2.5 #35 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=[192.0.2.5], arg2=192.0.2.5, "
	    "relay=[192.0.2.5], reject=451 4.7.1 ", "a ", "", 0, "",
	    "FAIL 192.0.2.5 #36 " QID },
	{ "sendmail-reject", "ruleset=check_relay, arg1=a, arg2=192.0.2.5, reject=451 4.7.1 ",
	    "a ", "<", 0, "", "-" },
	{ "sendmail-reject", "ruleset=tls_client, arg1=", "A", ", arg2=STARTTLS, "
	    "relay=[192.0.2.5], reject=403 4.7.0 TLS handshake failed.", 0, "",
	    "FAIL 192.0.2.5 #38 " QID },
	{ "sendmail-reject", "STARTTLS=server, error: accept failed=-1, reason=", "a ",
	    ", SSL_error=1, errno=0, retry=-1, relay=[192.0.2.5]", 0, "",
	    "FAIL 192.0.2.5 #39 " QID },
	{ "sendmail-reject", "timeout waiting for input from [", "1.", "] during server cmd "
	    "read", 0, "", "-" },
	{ "sendmail-reject", "SYSERR(", "r", "): collect: read timeout on connection from "
	    "[192.0.2.5], from=<x@y>", 0, "", "FAIL 192.0.2.5 #41 " QID },
	{ "sendmail-reject", "Milter: connect: host=", "a", ", addr=192.0.2.5, temp failing "
	    "commands", 0, "", "FAIL 192.0.2.5 #42 " QID },
	{ "sendmail-auth", "AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=", ", relay=[198.51.100.9 ",
	    ", relay=[192.0.2.5]", 0, "", "FAIL 192.0.2.5 #2 " QID },
	{ "sendmail-auth", "AUTH failure (LOGIN): authentication failure (-13) SASL(-13): "
	    "authentication failure: checkpass failed, user=", ", relay=[198.51.100.9] ",
	    ", relay=[192.0.2.5] x", 0, "", "-" },
	{ "sendmail-auth", "AUTH failure (LOGIN):", " a:", " user not found: x, "
	    "relay=[192.0.2.5]", 0, "", "-" },
	{ "sendmail-auth", "", "a@< ", "[192.0.2.5]: possible SMTP attack: command=AUTH, "
	    "count=5", 0, "", "-" },
};

/* The message of case h (without the queue id); its length in *len. */
static char *
hostile_msg(const struct hostile *h, size_t *len)
{
	size_t	 ul = strlen(h->h_unit), fixed, k, n = 0, i, pass;
	char	*b = malloc(HOSTILE_LEN + 1024);

	assert_non_null(b);
	fixed = strlen(QID ": ") + strlen(h->h_pre) + strlen(h->h_mid) + strlen(h->h_suf);
	k = (HOSTILE_LEN - fixed) / ul / (h->h_echo ? 2 : 1);
	n = (size_t)snprintf(b, 1024, QID ": %s", h->h_pre);
	for (pass = 0; pass <= (size_t)h->h_echo; pass++) {
		for (i = 0; i < k; i++, n += ul)
			memcpy(b + n, h->h_unit, ul);
		memcpy(b + n, pass == 0 ? h->h_mid : h->h_suf, strlen(pass == 0 ? h->h_mid :
		    h->h_suf));
		n += strlen(pass == 0 ? h->h_mid : h->h_suf);
	}
	b[n] = '\0';
	*len = n;
	return b;
}

static void
shipped_patterns_linear_on_hostile_lines(void **state)
{
	struct shipped	 s;
	struct match	 m[2];
	const char	*sec = NULL;
	char		 buf[160], *msg;
	size_t		 i, j, len, n;
	int		 jit;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (jit = 0; jit <= 1; jit++) {
		for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			const struct hostile	*h = &hostile[i];

			if (sec == NULL || strcmp(sec, h->h_sec) != 0) {
				if (sec != NULL)
					shipped_close(&s);
				sec = h->h_sec;
				shipped_open(&s, sec, MODE_AGGRESSIVE);
				if (jit)
					filter_set_limits(s.fs, 1, FILTER_JIT_MATCH_LIMIT, 0);
				else
					filter_set_limits(s.fs, 0, FILTER_MATCH_LIMIT,
					    FILTER_DEPTH_LIMIT);
			}
			msg = hostile_msg(h, &len);
			assert_true(len <= HOSTILE_LEN && len > HOSTILE_LEN - 64);
			n = run_len(s.fs, "sm-mta", msg, len, m, 2);
			describe(m, n, buf, sizeof(buf));
			if (strcmp(buf, h->h_want) != 0 || filter_limited(s.fs, &j) != NULL)
				print_error("case %zu (%s): got %s%s%s\n", i, jit ? "jit" :
				    "interpreter", buf, filter_limited(s.fs, &j) != NULL ?
				    ", limit hit by " : "", filter_limited(s.fs, &j) != NULL ?
				    filter_limited(s.fs, &j)->p_key : "");
			assert_string_equal(buf, h->h_want);
			assert_null(filter_limited(s.fs, &j));
			free(msg);
		}
		shipped_close(&s);
		sec = NULL;
	}
}

/*
 * A user's bad pattern hits the limit: no match on that line (the next
 * pattern is still tried) and filter_limited() names it, within about a
 * millisecond, not minutes, with JIT code and with the interpreter.
 */
static void
user_pattern_hits_match_limit(void **state)
{
	struct fx		 f;
	struct filterset	*fs;
	struct match		 m[2];
	const struct pattern	*p;
	char			*big;
	size_t			 j, jl, n;
	int			 jit;

	(void)state;
	fx_init(&f);
	fx_jail(&f, "t0", MODE_NORMAL);
	j = fx_jail(&f, "t", MODE_NORMAL);
	fx_pat(&f, 0, 0, MODE_NORMAL, "^nothing <HOST>$");
	fx_pat(&f, j, 0, MODE_NORMAL, "^(a+)+b=<HOST>$");
	fx_pat(&f, j, 0, MODE_NORMAL, "^\\S+@\\S+x \\[<HOST>\\]$");
	fx_pat(&f, j, 0, MODE_NORMAL, "\\[<HOST>\\]$");
	fx_pat(&f, j, 1, MODE_NORMAL, "^(?:a+)+,,");
	big = malloc(HOSTILE_LEN + 64);
	assert_non_null(big);
	for (jit = 0; jit <= 1; jit++) {
		fs = compile_ok(&f.cfg);
		if (!jit)
			filter_set_limits(fs, 0, FILTER_MATCH_LIMIT, FILTER_DEPTH_LIMIT);
		assert_int_equal(run(fs, "sm-mta", "ab=192.0.2.1", m, 2), 1);
		assert_int_equal(m[0].m_kind, MATCH_FAIL);
		assert_int_equal(m[0].m_pattern, 0);
		assert_null(filter_limited(fs, &jl));
		/* Exponential: (a+)+ before a byte that is not b. */
		assert_int_equal(run(fs, "sm-mta", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=b=192.0.2.2",
		    m, 2), 0);
		assert_non_null(p = filter_limited(fs, &jl));
		assert_string_equal(p->p_key, "failregex.1");
		assert_int_equal(jl, j);
		/* Quadratic: \S+@\S+x over 64 KB of "a@"; the next pattern matches. */
		for (n = 0; n + 2 < HOSTILE_LEN - 20; n += 2)
			memcpy(big + n, "a@", 2);
		n += (size_t)snprintf(big + n, 64, " x [192.0.2.3]");
		assert_int_equal(run_len(fs, "sm-mta", big, n, m, 2), 1);
		assert_int_equal(m[0].m_kind, MATCH_FAIL);
		assert_int_equal(m[0].m_pattern, 2);
		assert_int_equal(m[0].m_addr.a_b[3], 3);
		assert_non_null(p = filter_limited(fs, &jl));
		assert_string_equal(p->p_key, "failregex.2");
		/* An ignoreregex cut short ignores the line: never a ban. */
		assert_int_equal(run(fs, "sm-mta", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, [192.0.2.4]",
		    m, 2), 1);
		assert_int_equal(m[0].m_kind, MATCH_IGNORED);
		assert_non_null(p = filter_limited(fs, &jl));
		assert_string_equal(p->p_key, "ignoreregex.1");
		/* The next line starts clean. */
		assert_int_equal(run(fs, "sm-mta", "ab=192.0.2.1", m, 2), 1);
		assert_null(filter_limited(fs, &jl));
		filter_free(fs);
	}
	free(big);
	fx_free(&f);
}

/*
 * fail2ban's annotated logs: every "# failJSON:" line annotates the next
 * log line; "# filterOptions:" switches the mode.  A "No such user here"
 * line is MATCH_NOHOST; a from= line (MATCH_NOFAIL) counts as a match when
 * a NOHOST line with its queue id came before, as fail2ban's test expects.
 */
static void
f2b_check(const char *file, const char *sec, size_t wantlines)
{
	struct shipped		 s;
	struct syslog_ctx	 sc;
	struct sysline		 sl;
	struct match		 m[2];
	char			 path[512], line[4096], qids[64][FILTER_QIDMAX + 1];
	char			 exphost[64], got[ADDR_STRLEN], want[ADDR_STRLEN];
	FILE			*fp;
	size_t			 checked = 0, bad = 0, nq = 0, n, i;
	int			 pending = 0, expmatch = 0, mode = MODE_NORMAL;

	snprintf(path, sizeof(path), "%s%s", F2B_LOGS, file);
	if ((fp = fopen(path, "r")) == NULL)
		print_error("cannot read %s (install fail2ban)\n", path);
	assert_non_null(fp);
	shipped_open(&s, sec, mode);
	syslog_init(&sc, 1795651200);
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t	len = strcspn(line, "\n");
		char	*p;
		int	gotmatch = 0;

		line[len] = '\0';
		if (line[0] == '#') {
			if ((p = strstr(line, "filterOptions:")) != NULL) {
				mode = strstr(p, "\"aggressive\"") ? MODE_AGGRESSIVE :
				    strstr(p, "\"extra\"") ? MODE_EXTRA : MODE_NORMAL;
				shipped_close(&s);
				shipped_open(&s, sec, mode);
			}
			if ((p = strstr(line, "failJSON:")) != NULL) {
				pending = 1;
				expmatch = strstr(p, "\"match\": true") != NULL;
				exphost[0] = '\0';
				if ((p = strstr(p, "\"host\": \"")) != NULL)
					sscanf(p + 9, "%63[^\"]", exphost);
			}
			continue;
		}
		if (len == 0)
			continue;
		assert_int_equal(syslog_parse(&sc, line, len, &sl), 0);
		n = filter_line(s.fs, &sl, m, 2);
		got[0] = '\0';
		if (n == 1 && m[0].m_kind == MATCH_NOHOST && nq < 64)
			snprintf(qids[nq++], sizeof(qids[0]), "%s", m[0].m_qid);
		if (n == 1 && m[0].m_kind == MATCH_FAIL)
			gotmatch = 1;
		if (n == 1 && m[0].m_kind == MATCH_NOFAIL)
			for (i = 0; i < nq; i++)
				if (strcmp(qids[i], m[0].m_qid) == 0)
					gotmatch = 1;
		if (gotmatch)
			addr_str(&m[0].m_addr, got, sizeof(got));
		if (!pending)
			continue;
		pending = 0;
		checked++;
		want[0] = '\0';
		if (expmatch) {
			struct addr	a;

			assert_int_equal(addr_parse(exphost, strlen(exphost), &a), 0);
			addr_str(&a, want, sizeof(want));
		}
		if (gotmatch != expmatch || strcmp(got, want) != 0) {
			print_error("%s (mode %d): want %s %s, got %s %s (%zu results, kind %d)\n  %s\n",
			    file, mode, expmatch ? "match" : "no match", want,
			    gotmatch ? "match" : "no match", got, n, n ? (int)m[0].m_kind : 0, line);
			bad++;
		}
	}
	fclose(fp);
	shipped_close(&s);
	assert_int_equal(bad, 0);
	assert_int_equal(checked, wantlines);
}

/*
 * The prefilter (first byte, literals at the start, at the end, before a
 * final class run, anywhere) only saves regex calls: with every literal
 * hidden behind "\Q\E" (which makes the literal scanner give up) the
 * results must be the same, line for line, for the shipped filters in
 * every mode.  Lines: fail2ban's sample logs, typical ordinary traffic,
 * and for each of them every truncation and a few changed bytes.
 */
static const char *const ordinary[] = {
	QID ": STARTTLS=server, relay=mx1.example.net [203.0.113.99], version=TLSv1.3, "
	    "verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256",
	QID ": from=<victor@example.net>, size=31684, class=0, nrcpts=1, "
	    "msgid=<20261126000000.n1uwd5ml63@corp.example.org>, bodytype=8BITMIME, "
	    "proto=ESMTP, daemon=MTA, relay=bounce.shop.example.com [198.51.100.116]",
	QID ": from=<test@example.com>, size=0, class=0, nrcpts=0, proto=SMTP, "
	    "daemon=MTA, relay=[192.0.2.1]",
	QID ": Milter insert (1): header: Authentication-Results: mx.example.com; "
	    "dkim=pass (2048-bit key) header.d=example.org",
	QID ": to=<postmaster@example.com>, delay=00:00:01, xdelay=00:00:01, "
	    "mailer=local, pri=31684, dsn=2.0.0, stat=Sent",
	QID ": [203.0.113.90] (may be forged) did not issue MAIL/EXPN/VRFY/ETRN during "
	    "connection to MSA",
	QID ": mx.example.com [IPv6:2001:db8::5] (may be forged): possible SMTP attack: "
	    "command=AUTH, count=12",
	QID ": AUTH=server, relay=mx.example.com [192.0.2.7], authid=x, mech=PLAIN, bits=0",
	QID ": <nobody@example.com>... No such user here",
	QID ": [192.0.2.8]: VRFY root [rejected]",
	QID ": lost input channel from mx.example.com [192.0.2.20] to MTA after rcpt",
	"rejecting commands from [192.0.2.9] due to pre-greeting traffic after 3 seconds",
	"ruleset=check_relay, arg1=[192.0.2.10], arg2=192.0.2.10, relay=[192.0.2.10], "
	    "reject=421 4.3.2 Connection rate limit exceeded.",
};

static void
diff_one(struct filterset *a, struct filterset *b, const char *msg, size_t len,
    size_t *n)
{
	struct match	ma[2], mb[2];
	char		da[160], db[160];
	size_t		na, nb;

	na = run_len(a, "sm-mta", msg, len, ma, 2);
	nb = run_len(b, "sm-mta", msg, len, mb, 2);
	describe(ma, na, da, sizeof(da));
	describe(mb, nb, db, sizeof(db));
	if (na != nb || strcmp(da, db) != 0 || (na == 2 && strcmp(describe(ma + 1, 1, da,
	    sizeof(da)), describe(mb + 1, 1, db, sizeof(db))) != 0))
		print_error("prefilter %s, plain %s: %.*s\n", da, db, (int)len, msg);
	assert_int_equal(na, nb);
	assert_string_equal(da, db);
	(*n)++;
}

static void
diff_variants(struct filterset *a, struct filterset *b, const char *msg, size_t *n)
{
	static const char	 repl[] = " \t\n0]=x<";
	char			 buf[1024];
	size_t			 len = strlen(msg), i, k;

	assert_true(len + 2 < sizeof(buf));
	for (i = 0; i <= len; i++)
		diff_one(a, b, msg, i, n);
	memcpy(buf, msg, len);
	buf[len] = '\n';
	diff_one(a, b, buf, len + 1, n);
	for (k = 0; repl[k] != '\0'; k++) {
		memcpy(buf, msg, len);
		buf[len - 1] = repl[k];
		diff_one(a, b, buf, len, n);
		buf[len - 1] = msg[len - 1];
		buf[0] = repl[k];
		diff_one(a, b, buf, len, n);
	}
}

static void
prefilter_agrees_with_plain_pcre2(void **state)
{
	static const char *const secs[] = { "sendmail-reject", "sendmail-auth" };
	static const char *const logs[] = { "sendmail-reject", "sendmail-auth" };
	struct filterset	*a, *b;
	struct fx		 fa, fb;
	struct syslog_ctx	 sc;
	struct sysline		 sl;
	dictionary		*d = load_conf();
	char			 path[512], line[4096];
	size_t			 n = 0, i, k, sec;
	int			 mode;
	FILE			*fp;

	(void)state;
	for (mode = MODE_NORMAL; mode <= MODE_AGGRESSIVE; mode++) {
		fx_init(&fa);
		fx_init(&fb);
		for (sec = 0; sec < 2; sec++) {
			size_t	ja = load_section(&fa, d, secs[sec], mode);
			size_t	jb = load_section(&fb, d, secs[sec], mode);

			/* Hide every literal from the scanner, after <NOHOST>. */
			for (k = 0; k < fb.jail[jb].j_nfail; k++) {
				char	*t = fb.text[jb][0][k];
				size_t	 skip = strncmp(t, "<NOHOST>", 8) == 0 ? 8 : 0;
				char	*u = malloc(strlen(t) + 5);

				assert_non_null(u);
				memcpy(u, t, skip);
				memcpy(u + skip, "\\Q\\E", 4);
				strcpy(u + skip + 4, t + skip);
				free(t);
				fb.text[jb][0][k] = u;
				fb.fail[jb][k].p_text = u;
			}
			(void)ja;
		}
		a = compile_ok(&fa.cfg);
		b = compile_ok(&fb.cfg);
		for (i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++)
			diff_variants(a, b, ordinary[i], &n);
		for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", F2B_LOGS, logs[i]);
			if ((fp = fopen(path, "r")) == NULL)
				print_error("cannot read %s (install fail2ban)\n", path);
			assert_non_null(fp);
			syslog_init(&sc, 1795651200);
			while (fgets(line, sizeof(line), fp) != NULL) {
				size_t	len = strcspn(line, "\n");
				char	msg[4096];

				if (line[0] == '#' || len == 0 ||
				    syslog_parse(&sc, line, len, &sl) == -1 || sl.s_msglen + 2 >= 1024)
					continue;
				memcpy(msg, sl.s_msg, sl.s_msglen);
				msg[sl.s_msglen] = '\0';
				diff_variants(a, b, msg, &n);
			}
			fclose(fp);
		}
		filter_free(a);
		filter_free(b);
		fx_free(&fa);
		fx_free(&fb);
	}
	iniparser_freedict(d);
	assert_true(n > 30000);
}

static void
fail2ban_sendmail_reject_annotations(void **state)
{
	(void)state;
	f2b_check("sendmail-reject", "sendmail-reject", 40);
}

static void
fail2ban_sendmail_auth_annotations(void **state)
{
	(void)state;
	f2b_check("sendmail-auth", "sendmail-auth", 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_anchored_prefix_preferred),
		cmocka_unit_test(literal_end_anchored_run),
		cmocka_unit_test(literal_longest_required_run),
		cmocka_unit_test(literal_skips_optional_and_quantified_atoms),
		cmocka_unit_test(literal_none_when_not_provable),
		cmocka_unit_test(literal_escapes_are_not_text),
		cmocka_unit_test(literal_groups_and_classes_skipped),
		cmocka_unit_test(prefilter_never_drops_a_match),
		cmocka_unit_test(prefilter_tails_ends_and_first_bytes),
		cmocka_unit_test(empty_message_after_queue_id),
		cmocka_unit_test(host_tag_matches_both_families),
		cmocka_unit_test(ipv4_mapped_reported_as_ipv4),
		cmocka_unit_test(ip4_and_ip6_tags_one_family),
		cmocka_unit_test(user_named_host_group_works),
		cmocka_unit_test(seed_article_regexes_compile_and_match),
		cmocka_unit_test(several_host_groups_take_the_one_that_matched),
		cmocka_unit_test(host_text_not_an_address_is_badaddr),
		cmocka_unit_test(host_capture_never_inside_a_longer_token),
		cmocka_unit_test(fail2ban_markers_are_removed),
		cmocka_unit_test(nohost_pattern_gives_queue_id),
		cmocka_unit_test(nohost_needs_queue_id),
		cmocka_unit_test(nofail_pattern_gives_address_for_queue_id),
		cmocka_unit_test(nofail_needs_queue_id),
		cmocka_unit_test(compile_error_offset_as_written),
		cmocka_unit_test(compile_error_inside_tag_points_at_tag),
		cmocka_unit_test(every_bad_pattern_is_reported),
		cmocka_unit_test(no_host_group_hint_for_lower_case_tags),
		cmocka_unit_test(nofail_without_host_group_is_an_error),
		cmocka_unit_test(nohost_marker_misuse_is_an_error),
		cmocka_unit_test(utf_mode_is_refused),
		cmocka_unit_test(ignoreregex_needs_no_host_group),
		cmocka_unit_test(disabled_jail_is_not_compiled),
		cmocka_unit_test(inactive_mode_patterns_are_still_checked),
		cmocka_unit_test(daemon_must_be_listed),
		cmocka_unit_test(queue_id_is_split_off),
		cmocka_unit_test(first_failregex_wins),
		cmocka_unit_test(mode_selects_patterns),
		cmocka_unit_test(pattern_index_counts_inactive_patterns),
		cmocka_unit_test(ignoreregex_gives_ignored),
		cmocka_unit_test(one_result_per_jail_up_to_max),
		cmocka_unit_test(hostile_bytes_are_data),
		cmocka_unit_test(free_accepts_null),
		cmocka_unit_test(shipped_conf_compiles_in_every_mode),
		cmocka_unit_test(shipped_reject_seed_rules_by_mode),
		cmocka_unit_test(shipped_auth_rules),
		cmocka_unit_test(shipped_attacker_text_cannot_choose_address),
		cmocka_unit_test(shipped_patterns_linear_on_hostile_lines),
		cmocka_unit_test(user_pattern_hits_match_limit),
		cmocka_unit_test(prefilter_agrees_with_plain_pcre2),
		cmocka_unit_test(fail2ban_sendmail_reject_annotations),
		cmocka_unit_test(fail2ban_sendmail_auth_annotations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
