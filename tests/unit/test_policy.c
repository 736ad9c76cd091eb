/*
 * test_policy.c -- policy_eval(): the exact findtime window, bans that
 * consume their failures, failures during a ban, permanent bans, as the
 * cases of tests/policy/cases.txt (one cmocka test each, read from $TOP or
 * the current directory), and a million failures in one linear pass;
 * repeat offenders (policy_bantime, policy_eval_inc); the manual and
 * lifted rules of a re-evaluation (policy_window_redo, policy_prev_starts)
 * and of unban (policy_in_force, policy_lift).  Times are plain numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

/* Failures at the given times, ids 1, 2, ... */
static struct pfail *
fails(const int64_t *t, size_t n)
{
	struct pfail	*f = calloc(n ? n : 1, sizeof(*f));
	size_t		 i;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		f[i].pf_id = (int64_t)i + 1;
		f[i].pf_time = t[i];
	}
	return f;
}

struct run {
	struct pban	*b;
	size_t		 n;
};

static void
eval(long long maxretry, long long findtime, long long bantime, int64_t until,
    const int64_t *t, size_t n, struct run *r)
{
	struct policy	 pl = { maxretry, findtime, bantime };
	struct pfail	*f = fails(t, n);

	r->b = NULL;
	r->n = 12345;
	assert_int_equal(policy_eval(&pl, until, f, n, &r->b, &r->n), 0);
	free(f);
}

/* Ban i of r starts at start, ends at end and consumed indices idx[0..n). */
static void
assert_ban(const struct run *r, size_t i, int64_t start, int64_t end,
    const size_t *idx, size_t n)
{
	size_t	k;

	assert_true(i < r->n);
	assert_int_equal(r->b[i].pb_start, start);
	assert_int_equal(r->b[i].pb_end, end);
	assert_int_equal(r->b[i].pb_first, idx[0]);
	assert_int_equal(r->b[i].pb_nfail, n);
	for (k = 0; k < n; k++)
		assert_int_equal(r->b[i].pb_fail[k], idx[k]);
}

/* ---- the policy_eval() cases of tests/policy/cases.txt ---------------- */

struct xban {
	int64_t	 xb_start;
	int64_t	 xb_end;
	size_t	*xb_idx;
	size_t	 xb_nidx;
};

struct pcase {
	char		*pc_name;
	int		 pc_line;	/* of the name: line */
	long long	 pc_maxretry;
	long long	 pc_findtime;
	long long	 pc_bantime;
	int64_t		 pc_until;
	int64_t		*pc_t;
	size_t		 pc_nt;
	struct xban	*pc_ban;
	size_t		 pc_nban;
};

static void
pcase_free(struct pcase *c, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i++) {
		free(c[i].pc_name);
		free(c[i].pc_t);
		for (k = 0; k < c[i].pc_nban; k++)
			free(c[i].pc_ban[k].xb_idx);
		free(c[i].pc_ban);
	}
	free(c);
}

/* A number: decimal, or max, min, forever, each with an optional -N/+N. */
static int
case_num(const char *s, int64_t *v)
{
	static const struct {
		const char	*w;
		int64_t		 v;
	} word[] = {
		{ "max", INT64_MAX }, { "min", INT64_MIN },
		{ "forever", TIME_FOREVER },
	};
	long long	 d;
	int64_t		 base = 0;
	char		*end;
	size_t		 i, l;

	for (i = 0; i < sizeof(word) / sizeof(word[0]); i++) {
		l = strlen(word[i].w);
		if (strncmp(s, word[i].w, l) == 0) {
			base = word[i].v;
			s += l;
			if (*s == '\0') {
				*v = base;
				return 0;
			}
			if (*s != '+' && *s != '-')
				return -1;
			break;
		}
	}
	if (*s == '\0' || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	d = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return __builtin_add_overflow(base, (int64_t)d, v) ? -1 : 0;
}

/* The numbers of line s (space-separated) into v[0..*n), at most max. */
static int
case_nums(char *s, int64_t *v, size_t max, size_t *n)
{
	char	*tok, *sp;

	*n = 0;
	for (tok = strtok_r(s, " \t", &sp); tok != NULL;
	    tok = strtok_r(NULL, " \t", &sp)) {
		if (*n == max || case_num(tok, &v[*n]) == -1)
			return -1;
		(*n)++;
	}
	return 0;
}

/* "start end idx,idx,..." */
static int
case_ban(char *s, struct xban *b)
{
	char		*f[4], *sp, *tok, *end;
	size_t		 n = 0, l;
	unsigned long long u;

	memset(b, 0, sizeof(*b));
	for (tok = strtok_r(s, " \t", &sp); tok != NULL && n < 4;
	    tok = strtok_r(NULL, " \t", &sp))
		f[n++] = tok;
	if (n != 3 || case_num(f[0], &b->xb_start) == -1 ||
	    case_num(f[1], &b->xb_end) == -1)
		return -1;
	l = strlen(f[2]);
	if (strspn(f[2], "0123456789,") != l || f[2][0] == ',' ||
	    f[2][l - 1] == ',' || strstr(f[2], ",,") != NULL)
		return -1;
	b->xb_idx = calloc(l / 2 + 1, sizeof(*b->xb_idx));
	assert_non_null(b->xb_idx);
	for (tok = strtok_r(f[2], ",", &sp); tok != NULL;
	    tok = strtok_r(NULL, ",", &sp)) {
		errno = 0;
		u = strtoull(tok, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		b->xb_idx[b->xb_nidx++] = (size_t)u;
	}
	return 0;
}

#define CASE_MAXLINES	64

/* One block: the lines l[0..n) of the file, l[i] from line ln[i]. */
static int
case_block(const char *file, char **l, const int *ln, size_t n,
    struct pcase *c)
{
	int64_t		v[4];
	size_t		nv, i;
	const char	*p;

	memset(c, 0, sizeof(*c));
	c->pc_line = ln[0];
	if (strncmp(l[0], "name: ", 6) != 0 || l[0][6] == '\0') {
		fprintf(stderr, "%s:%d: a case starts with \"name: NAME\"\n",
		    file, ln[0]);
		return -1;
	}
	for (p = l[0] + 6; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') &&
		    *p != '_') {
			fprintf(stderr, "%s:%d: a case name is [a-z0-9_]+\n",
			    file, ln[0]);
			return -1;
		}
	c->pc_name = strdup(l[0] + 6);
	assert_non_null(c->pc_name);
	if (n < 4) {
		fprintf(stderr, "%s:%d: case %s: want name, settings, failures "
		    "and at least one ban line (or -), got %zu lines\n", file,
		    ln[0], c->pc_name, n);
		return -1;
	}
	if (case_nums(l[1], v, 4, &nv) == -1 || nv != 4) {
		fprintf(stderr, "%s:%d: case %s: want \"maxretry findtime bantime "
		    "until\"\n", file, ln[1], c->pc_name);
		return -1;
	}
	c->pc_maxretry = v[0];
	c->pc_findtime = v[1];
	c->pc_bantime = v[2];
	c->pc_until = v[3];
	c->pc_t = calloc(strlen(l[2]) / 2 + 1, sizeof(*c->pc_t));
	assert_non_null(c->pc_t);
	if (strcmp(l[2], "-") != 0 && (case_nums(l[2], c->pc_t,
	    strlen(l[2]) / 2 + 1, &c->pc_nt) == -1 || c->pc_nt == 0)) {
		fprintf(stderr, "%s:%d: case %s: want the failure times, or -\n",
		    file, ln[2], c->pc_name);
		return -1;
	}
	if (strcmp(l[3], "-") == 0) {
		if (n == 4)
			return 0;
		fprintf(stderr, "%s:%d: case %s: a ban after \"-\" (no ban)\n",
		    file, ln[4], c->pc_name);
		return -1;
	}
	c->pc_ban = calloc(n - 3, sizeof(*c->pc_ban));
	assert_non_null(c->pc_ban);
	for (i = 3; i < n; i++) {
		if (case_ban(l[i], &c->pc_ban[c->pc_nban++]) == -1) {
			fprintf(stderr, "%s:%d: case %s: want \"start end "
			    "idx,idx,...\", or -\n", file, ln[i], c->pc_name);
			return -1;
		}
	}
	return 0;
}

/*
 * The cases of fp (named file in messages) into *cv[0..*cn).  -1 with a
 * message file:line on a malformed block, a duplicate name or no case.
 */
static int
case_read(FILE *fp, const char *file, struct pcase **cv, size_t *cn)
{
	char		*line = NULL, *l[CASE_MAXLINES];
	int		 ln[CASE_MAXLINES], lineno = 0, rc = 0;
	size_t		 cap = 0, n = 0, i, k;
	ssize_t		 len;
	struct pcase	*c = NULL;
	size_t		 nc = 0;

	for (;;) {
		len = getline(&line, &cap, fp);
		if (len >= 0) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == ' ' || line[len - 1] == '\t'))
				line[--len] = '\0';
			if (line[0] == '#')
				continue;
			if (len > 0) {
				if (n == CASE_MAXLINES) {
					fprintf(stderr, "%s:%d: a case of over "
					    "%d lines\n", file, lineno,
					    CASE_MAXLINES);
					rc = -1;
					break;
				}
				ln[n] = lineno;
				l[n] = strdup(line);
				assert_non_null(l[n++]);
				continue;
			}
		}
		if (n > 0) {
			c = realloc(c, (nc + 1) * sizeof(*c));
			assert_non_null(c);
			rc = case_block(file, l, ln, n, &c[nc++]);
			for (i = 0; i < n; i++)
				free(l[i]);
			n = 0;
			for (k = 0; rc == 0 && k + 1 < nc; k++)
				if (strcmp(c[k].pc_name, c[nc - 1].pc_name) == 0) {
					fprintf(stderr, "%s:%d: case %s: the "
					    "name of line %d again\n", file,
					    c[nc - 1].pc_line, c[k].pc_name,
					    c[k].pc_line);
					rc = -1;
				}
			if (rc == -1)
				break;
		}
		if (len < 0)
			break;
	}
	for (i = 0; i < n; i++)
		free(l[i]);
	free(line);
	if (rc == 0 && nc == 0) {
		fprintf(stderr, "%s: no case (\"name: NAME\" block)\n", file);
		rc = -1;
	}
	if (rc == -1) {
		pcase_free(c, nc);
		return -1;
	}
	*cv = c;
	*cn = nc;
	return 0;
}

static void
run_case(void **state)
{
	const struct pcase	*c = *state;
	struct run		 r;
	size_t			 i;

	eval(c->pc_maxretry, c->pc_findtime, c->pc_bantime, c->pc_until,
	    c->pc_t, c->pc_nt, &r);
	assert_int_equal(r.n, c->pc_nban);
	if (c->pc_nban == 0)
		assert_null(r.b);
	for (i = 0; i < c->pc_nban; i++)
		assert_ban(&r, i, c->pc_ban[i].xb_start, c->pc_ban[i].xb_end,
		    c->pc_ban[i].xb_idx, c->pc_ban[i].xb_nidx);
	policy_free(r.b, r.n);
}

/* The reader of the case file refuses what it cannot take for a case. */
static void
case_file_refuses_malformed_blocks(void **state)
{
	static const char	*bad[] = {
		"",					/* no case */
		"# only a comment\n\n",
		"3 600 3600 0\n1 2 3\n-\n",		/* no name */
		"name: x\n3 600 3600\n1 2 3\n-\n",	/* 3 settings */
		"name: x\n3 600 3600 0 1\n1 2 3\n-\n",	/* 5 settings */
		"name: x\n3 600 3600 0\n1 2 3\n",	/* no ban line */
		"name: x\n3 600 3600 zero\n1 2 3\n-\n",
		"name: x\n3 600 3600 0\n1 2x 3\n-\n",
		"name: x\n3 600 3600 0\n1 2 3\n3 3603\n",
		"name: x\n3 600 3600 0\n1 2 3\n3 3603 0,1,\n",
		"name: x\n3 600 3600 0\n1 2 3\n3 3603 0,,1\n",
		"name: x\n3 600 3600 0\n1 2 3\n3 3603 ,0\n",
		"name: x\n3 600 3600 0\n1 2 3\n3 3603 0,-1,2\n",
		"name: x\n3 600 3600 0\n1 2 3\n-\n3 3603 0,1,2\n",
		"name: x\n3 600 3600 0\n1\n-\n\nname: x\n3 600 3600 0\n1\n-\n",
		"name: X\n3 600 3600 0\n1\n-\n",
		"name: x\n3 600 max+1 0\n1\n-\n",
		"name: x\n3 600 maxi 0\n1\n-\n",
	};
	static const char	 good[] = "# a comment\nname: a\n"
	    "3 600 max-1 forever\n-\n-\n\n\n# c\nname: b_2\n1 0 -1 min+1\n"
	    "5\n5 forever 0\n";
	struct pcase		*c;
	size_t			 nc, i;
	FILE			*fp;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fp = *bad[i] == '\0' ? fopen("/dev/null", "r") :
		    fmemopen((void *)bad[i], strlen(bad[i]), "r");
		assert_non_null(fp);
		if (case_read(fp, "bad", &c, &nc) != -1)
			fail_msg("bad case %zu taken", i);
		fclose(fp);
	}
	fp = fmemopen((void *)good, strlen(good), "r");
	assert_non_null(fp);
	assert_int_equal(case_read(fp, "good", &c, &nc), 0);
	fclose(fp);
	assert_int_equal(nc, 2);
	assert_string_equal(c[0].pc_name, "a");
	assert_int_equal(c[0].pc_bantime, INT64_MAX - 1);
	assert_int_equal(c[0].pc_until, TIME_FOREVER);
	assert_int_equal(c[0].pc_nt, 0);
	assert_int_equal(c[0].pc_nban, 0);
	assert_string_equal(c[1].pc_name, "b_2");
	assert_int_equal(c[1].pc_findtime, 0);
	assert_int_equal(c[1].pc_bantime, -1);
	assert_int_equal(c[1].pc_until, INT64_MIN + 1);
	assert_int_equal(c[1].pc_nt, 1);
	assert_int_equal(c[1].pc_t[0], 5);
	assert_int_equal(c[1].pc_nban, 1);
	assert_int_equal(c[1].pc_ban[0].xb_end, TIME_FOREVER);
	assert_int_equal(c[1].pc_ban[0].xb_nidx, 1);
	assert_int_equal(c[1].pc_ban[0].xb_idx[0], 0);
	pcase_free(c, nc);
}

#define MILLION	1000000

static struct pfail *
million(int64_t step)
{
	struct pfail	*f = calloc(MILLION, sizeof(*f));
	size_t		 i;

	assert_non_null(f);
	for (i = 0; i < MILLION; i++) {
		f[i].pf_id = (int64_t)i + 1;
		f[i].pf_time = (int64_t)i * step;
	}
	return f;
}

static void
million_failures_take_one_linear_pass(void **state)
{
	struct policy	 pl = { 5, 600, 60 };
	struct pfail	*f = million(1);
	struct pban	*b;
	size_t		 n, k;

	(void)state;
	/* 1 s apart: a ban at 4 + 64k (5 failures, then 59 inside the ban). */
	assert_int_equal(policy_eval(&pl, 0, f, MILLION, &b, &n), 0);
	assert_int_equal(n, 15625);
	for (k = 0; k < n; k++) {
		assert_int_equal(b[k].pb_start, 4 + 64 * (int64_t)k);
		assert_int_equal(b[k].pb_end, 64 + 64 * (int64_t)k);
		assert_int_equal(b[k].pb_first, 64 * k);
		assert_int_equal(b[k].pb_fail[4], 64 * k + 4);
	}
	policy_free(b, n);

	/* A window that never fills: 999 failures within findtime, 1000 needed. */
	pl.pl_maxretry = 1000;
	pl.pl_findtime = 998;
	assert_int_equal(policy_eval(&pl, 0, f, MILLION, &b, &n), 0);
	assert_int_equal(n, 0);
	policy_free(b, n);
	free(f);

	/* All at once, permanent: one ban of the first 1000. */
	f = million(0);
	pl.pl_bantime = -1;
	assert_int_equal(policy_eval(&pl, 0, f, MILLION, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].pb_start, 0);
	assert_int_equal(b[0].pb_end, TIME_FOREVER);
	assert_int_equal(b[0].pb_nfail, 1000);
	assert_int_equal(b[0].pb_fail[999], 999);
	policy_free(b, n);
	free(f);
}

/* --- repeat offenders (bantime.increment) ------------------------------ */

static struct policy_inc
inc_default(void)
{
	struct policy_inc	pi = { 0 };

	pi.pi_on = 1;
	pi.pi_factor = 1;
	pi.pi_window = 30 * 86400;
	return pi;
}

static void
bantime_doubles_per_earlier_ban_up_to_2_pow_20(void **state)
{
	struct policy_inc	pi = inc_default();

	(void)state;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 0, 7), 600);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 7), 1200);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 2, 7), 2400);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 5, 7), 19200);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 19, 7), 600LL << 19);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 20, 7), 629145600);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 21, 7), 629145600);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1000000, 7), 629145600);
	/* The factor multiplies repeat bans only; the first ban is plain. */
	pi.pi_factor = 3;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 0, 7), 600);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 7), 3600);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 3, 7), 14400);
	/* Off: always the plain bantime. */
	pi.pi_on = 0;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 3, 7), 600);
	assert_int_equal(policy_bantime(NULL, 600, 1000, 3, 7), 600);
}

static void
bantime_multipliers_last_one_repeats(void **state)
{
	static const long long	mult[] = { 1, 5, 30, 60 };
	struct policy_inc	pi = inc_default();

	(void)state;
	pi.pi_mult = mult;
	pi.pi_nmult = 4;
	assert_int_equal(policy_bantime(&pi, 60, 1000, 0, 7), 60);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 1, 7), 300);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 2, 7), 1800);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 3, 7), 3600);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 4, 7), 3600);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 99, 7), 3600);
	/* With a factor, as fail2ban: bantime * factor * multiplier. */
	pi.pi_factor = 2;
	assert_int_equal(policy_bantime(&pi, 60, 1000, 1, 7), 600);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 9, 7), 7200);
	/* One multiplier: every repeat ban gets it. */
	pi.pi_nmult = 1;
	pi.pi_factor = 1;
	assert_int_equal(policy_bantime(&pi, 60, 1000, 1, 7), 60);
	assert_int_equal(policy_bantime(&pi, 60, 1000, 50, 7), 60);
}

static void
bantime_capped_at_maxtime_never_below_bantime(void **state)
{
	struct policy_inc	pi = inc_default();

	(void)state;
	pi.pi_maxtime = 3000;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 7), 1200);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 2, 7), 2400);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 3, 7), 3000);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 20, 7), 3000);
	/* A maxtime below bantime never shortens a repeat offender's ban. */
	pi.pi_maxtime = 100;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 2, 7), 600);
	/* No cap: the product saturates instead of wrapping. */
	pi.pi_maxtime = 0;
	pi.pi_factor = 1000000;
	assert_int_equal(policy_bantime(&pi, 1000000000000LL, 1000, 20, 7), INT64_MAX);
	pi.pi_rndtime = 3600;
	assert_int_equal(policy_bantime(&pi, 1000000000000LL, 1000, 20, 7), INT64_MAX);
	/* Permanent stays permanent. */
	assert_int_equal(policy_bantime(&pi, -1, 1000, 0, 7), -1);
	assert_int_equal(policy_bantime(&pi, -1, 1000, 3, 7), -1);
}

static void
bantime_random_part_is_a_replayable_hash(void **state)
{
	struct policy_inc	pi = inc_default();
	uint64_t		key;
	int64_t			t;
	int			seen[10] = { 0 };

	(void)state;
	pi.pi_rndtime = 3600;
	pi.pi_seed = 0x5eed;
	pi.pi_maxtime = 1000;	/* the random part comes after the cap */
	/* Values from an independent implementation (Python, splitmix64). */
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 0x1234), 1000 + 676);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 2, 0x1234), 1000 + 2647);
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 0x1235), 1000 + 1357);
	assert_int_equal(policy_bantime(&pi, 600, 1001, 1, 0x1234), 1000 + 1029);
	pi.pi_seed = 0x5eee;
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 0x1234), 1000 + 3192);
	/* The same input again: the same length. */
	assert_int_equal(policy_bantime(&pi, 600, 1000, 1, 0x1234), 1000 + 3192);
	/* The first ban has no random part. */
	assert_int_equal(policy_bantime(&pi, 600, 1000, 0, 0x1234), 600);
	/* Always in [0, rndtime), and spread over it. */
	pi.pi_maxtime = 0;
	pi.pi_rndtime = 10;
	for (key = 0; key < 1000; key++) {
		t = policy_bantime(&pi, 600, 1000, 1, key) - 1200;
		assert_true(t >= 0 && t < 10);
		seen[t]++;
	}
	for (t = 0; t < 10; t++)
		assert_true(seen[t] > 50);
}

static void
evalinc(const struct policy_inc *pi, long long maxretry, long long bantime,
    const int64_t *prev, size_t nprev, const int64_t *t, size_t n, struct run *r)
{
	struct policy	 pl = { maxretry, 600, bantime };
	struct pfail	*f = fails(t, n);

	r->b = NULL;
	r->n = 12345;
	assert_int_equal(policy_eval_inc(&pl, pi, 7, 0, prev, nprev, f, n, &r->b,
	    &r->n), 0);
	free(f);
}

static void
eval_inc_counts_earlier_bans_within_window(void **state)
{
	static const int64_t	t[] = { 100000, 100010 };
	static const size_t	i0[] = { 0, 1 };
	struct policy_inc	pi = inc_default();
	struct run		r;
	int64_t			prev[3];

	(void)state;
	pi.pi_window = 50000;
	/* window [50010, 100010): 50010 is in, 50009 and 100010 are not */
	prev[0] = 100010;
	prev[1] = 50009;
	prev[2] = 50010;
	evalinc(&pi, 2, 600, prev, 3, t, 2, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 100010, 100010 + 1200, i0, 2);
	policy_free(r.b, r.n);
	prev[1] = 50011;	/* now two earlier bans, in any order */
	evalinc(&pi, 2, 600, prev, 3, t, 2, &r);
	assert_ban(&r, 0, 100010, 100010 + 2400, i0, 2);
	policy_free(r.b, r.n);
	prev[2] = 50009;	/* and now none */
	prev[1] = 50009;
	evalinc(&pi, 2, 600, prev, 3, t, 2, &r);
	assert_ban(&r, 0, 100010, 100010 + 600, i0, 2);
	policy_free(r.b, r.n);
	/* A window of 0 counts nothing; increment off is policy_eval. */
	prev[1] = 99999;
	pi.pi_window = 0;
	evalinc(&pi, 2, 600, prev, 3, t, 2, &r);
	assert_ban(&r, 0, 100010, 100010 + 600, i0, 2);
	policy_free(r.b, r.n);
	pi.pi_window = 50000;
	pi.pi_on = 0;
	evalinc(&pi, 2, 600, prev, 3, t, 2, &r);
	assert_ban(&r, 0, 100010, 100010 + 600, i0, 2);
	policy_free(r.b, r.n);
	evalinc(NULL, 2, 600, prev, 3, t, 2, &r);
	assert_ban(&r, 0, 100010, 100010 + 600, i0, 2);
	policy_free(r.b, r.n);
}

static void
eval_inc_bans_of_the_same_evaluation_count(void **state)
{
	/* maxretry 1, bantime 100: bans at 0, then after each one ends */
	static const int64_t	t[] = { 0, 50, 100, 300, 700, 5000 };
	static const size_t	i0[] = { 0 }, i2[] = { 2 }, i3[] = { 3 };
	static const size_t	i4[] = { 4 }, i5[] = { 5 };
	struct policy_inc	pi = inc_default();
	struct run		r;
	int64_t			prev = -10;

	(void)state;
	pi.pi_window = 1000;
	evalinc(&pi, 1, 100, NULL, 0, t, 6, &r);
	assert_int_equal(r.n, 5);
	assert_ban(&r, 0, 0, 100, i0, 1);	/* n = 0 */
	assert_ban(&r, 1, 100, 300, i2, 1);	/* n = 1: 0 */
	assert_ban(&r, 2, 300, 700, i3, 1);	/* n = 2: 0, 100 */
	assert_ban(&r, 3, 700, 1500, i4, 1);	/* n = 3: 0, 100, 300 */
	assert_ban(&r, 4, 5000, 5100, i5, 1);	/* n = 0: all too old */
	policy_free(r.b, r.n);
	/* One earlier ban in the window adds to all of them. */
	evalinc(&pi, 1, 100, &prev, 1, t, 6, &r);
	assert_int_equal(r.n, 4);
	assert_ban(&r, 0, 0, 200, i0, 1);	/* n = 1: -10 */
	assert_ban(&r, 1, 300, 700, i3, 1);	/* n = 2: -10, 0 */
	assert_ban(&r, 2, 700, 1500, i4, 1);	/* n = 3: -10, 0, 300 */
	assert_ban(&r, 3, 5000, 5100, i5, 1);
	policy_free(r.b, r.n);
}

static void
eval_inc_permanent_and_saturated_ends(void **state)
{
	static const int64_t	t[] = { 10, 20 };
	static const int64_t	tmax[] = { INT64_MAX - 1000 };
	static const size_t	i0[] = { 0 };
	struct policy_inc	pi = inc_default();
	struct run		r;
	int64_t			prev = 5;

	(void)state;
	evalinc(&pi, 1, -1, &prev, 1, t, 2, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 10, TIME_FOREVER, i0, 1);
	policy_free(r.b, r.n);
	prev = INT64_MAX - 2000;
	evalinc(&pi, 1, 600, &prev, 1, tmax, 1, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, INT64_MAX - 1000, TIME_FOREVER, i0, 1);
	policy_free(r.b, r.n);
}

/* ---- re-evaluating a window over the bans already recorded ---- */

#define AUTO	0
#define MANUAL	1
#define NOLIFT	0, 0

/* Automatic bans not lifted from `from` on are redone; manual and lifted
 * ones are an admin's decisions and stay. */
static void
redo_undoes_only_later_automatic_bans_not_lifted(void **state)
{
	const struct prec	r[] = {
		{ 1, 100, 160, AUTO, NOLIFT },		/* before from: kept */
		{ 2, 200, 260, AUTO, NOLIFT },		/* at from: redone */
		{ 3, 300, TIME_FOREVER, AUTO, NOLIFT },	/* after: redone */
		{ 4, 250, 900, MANUAL, NOLIFT },	/* manual: kept */
		{ 5, 280, 900, AUTO, 1, 290 },		/* lifted: kept */
		{ 6, 199, 201, AUTO, 1, 300 },		/* lifted, before: kept */
	};
	unsigned char		undo[6];

	(void)state;
	memset(undo, 7, sizeof(undo));
	assert_int_equal(policy_window_redo(r, 6, 200, undo), 201);
	assert_memory_equal(undo, ((const unsigned char[]){ 0, 1, 1, 0, 0, 0 }), 6);
}

/* ban_until: the latest end of the automatic bans started before from; a
 * lifted one counts up to its lift, a manual one not at all. */
static void
redo_until_counts_lifted_bans_until_lifted_and_not_manual_ones(void **state)
{
	const struct prec	lifted[] = {
		{ 1, 0, TIME_FOREVER, AUTO, 1, 50 },	/* permanent, lifted at 50 */
		{ 2, 10, 40, AUTO, NOLIFT },
		{ 3, 20, TIME_FOREVER, MANUAL, NOLIFT },	/* manual: not counted */
		{ 4, 300, 900, AUTO, 1, 600 },		/* after from */
	};
	const struct prec	forever[] = {
		{ 1, 0, 60, AUTO, NOLIFT },
		{ 2, 10, TIME_FOREVER, AUTO, NOLIFT },
	};
	const struct prec	before[] = {
		{ 1, -500, -100, AUTO, NOLIFT },	/* negative: kept as it is */
	};
	const struct prec	onlymanual[] = {
		{ 1, 0, TIME_FOREVER, MANUAL, NOLIFT },
	};
	unsigned char		undo[4];

	(void)state;
	assert_int_equal(policy_window_redo(lifted, 4, 100, undo), 50);
	assert_memory_equal(undo, ((const unsigned char[]){ 0, 0, 0, 0 }), 4);
	assert_int_equal(policy_window_redo(forever, 2, 100, undo), TIME_FOREVER);
	assert_int_equal(policy_window_redo(forever, 2, 5, undo), 60);
	assert_memory_equal(undo, ((const unsigned char[]){ 0, 1 }), 2);
	assert_int_equal(policy_window_redo(before, 1, 0, undo), -100);
	assert_int_equal(policy_window_redo(onlymanual, 1, 100, undo), 0);
	assert_int_equal(policy_window_redo(NULL, 0, 100, undo), 0);
}

static void
window_since_is_from_minus_findtime_or_the_beginning(void **state)
{
	(void)state;
	assert_int_equal(policy_window_since(1000, 600), 400);
	assert_int_equal(policy_window_since(1000, 0), 1000);
	assert_int_equal(policy_window_since(1000, -1), INT64_MIN);
	assert_int_equal(policy_window_since(INT64_MIN + 5, 600), INT64_MIN);
}

/* Repeat offenders count the automatic bans (lifted too) in [from, to). */
static void
prev_starts_are_automatic_bans_in_the_range(void **state)
{
	const struct prec	r[] = {
		{ 1, 99, 160, AUTO, NOLIFT },		/* before from */
		{ 2, 100, 160, AUTO, NOLIFT },
		{ 3, 150, 900, MANUAL, NOLIFT },	/* manual */
		{ 4, 170, 900, AUTO, 1, 175 },		/* lifted: counts */
		{ 5, 200, 260, AUTO, NOLIFT },		/* at to */
	};
	int64_t			*v;
	size_t			 n;

	(void)state;
	policy_prev_starts(r, 5, 100, 200, &v, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 100);
	assert_int_equal(v[1], 170);
	free(v);
	policy_prev_starts(r, 5, 300, 400, &v, &n);
	assert_int_equal(n, 0);
	assert_null(v);
}

/* In force at now: started, not ended, not lifted. */
static void
in_force_is_start_to_end_and_not_lifted(void **state)
{
	const struct prec	a = { 1, 100, 200, AUTO, NOLIFT };
	const struct prec	p = { 2, 100, TIME_FOREVER, MANUAL, NOLIFT };
	const struct prec	l = { 3, 100, 200, AUTO, 1, 150 };

	(void)state;
	assert_false(policy_in_force(&a, 99));
	assert_true(policy_in_force(&a, 100));
	assert_true(policy_in_force(&a, 199));
	assert_false(policy_in_force(&a, 200));
	assert_true(policy_in_force(&p, INT64_MAX - 1));
	assert_false(policy_in_force(&l, 120));
}

/*
 * Unban lifts the bans in force, each taking its own (jail, address)'s
 * failures; the last lifted ban of each address also takes the other
 * jails' failures of that address.
 */
static void
lift_takes_in_force_bans_and_the_last_of_each_address_takes_the_rest(void **state)
{
	struct plift	v[] = {
		{ { 1, 0, 620, AUTO, NOLIFT }, "192.0.2.7", 9, 9 },
		{ { 2, 500, 900, AUTO, NOLIFT }, "192.0.2.7", 9, 9 },	/* to come */
		{ { 3, -1000, -100, AUTO, NOLIFT }, "198.51.100.4", 9, 9 },	/* over */
		{ { 4, 0, TIME_FOREVER, AUTO, NOLIFT }, "2001:db8::5", 9, 9 },
		{ { 5, 50, 1000, MANUAL, NOLIFT }, "2001:db8::5", 9, 9 },
		{ { 6, 0, 100, AUTO, NOLIFT }, "2001:db8::6", 9, 9 },	/* ends at now */
	};
	const int	lift[] = { 1, 0, 0, 1, 1, 0 }, rest[] = { 1, 0, 0, 0, 1, 0 };
	size_t		i;

	(void)state;
	assert_int_equal(policy_lift(v, 6, 100), 3);
	for (i = 0; i < 6; i++) {
		assert_int_equal(v[i].lf_lift, lift[i]);
		assert_int_equal(v[i].lf_rest, rest[i]);
	}
	assert_int_equal(policy_lift(v, 6, -2000), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(v[i].lf_lift + v[i].lf_rest, 0);
	assert_int_equal(policy_lift(NULL, 0, 100), 0);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(case_file_refuses_malformed_blocks),
		cmocka_unit_test(million_failures_take_one_linear_pass),
		cmocka_unit_test(bantime_doubles_per_earlier_ban_up_to_2_pow_20),
		cmocka_unit_test(bantime_multipliers_last_one_repeats),
		cmocka_unit_test(bantime_capped_at_maxtime_never_below_bantime),
		cmocka_unit_test(bantime_random_part_is_a_replayable_hash),
		cmocka_unit_test(eval_inc_counts_earlier_bans_within_window),
		cmocka_unit_test(eval_inc_bans_of_the_same_evaluation_count),
		cmocka_unit_test(eval_inc_permanent_and_saturated_ends),
		cmocka_unit_test(redo_undoes_only_later_automatic_bans_not_lifted),
		cmocka_unit_test(redo_until_counts_lifted_bans_until_lifted_and_not_manual_ones),
		cmocka_unit_test(window_since_is_from_minus_findtime_or_the_beginning),
		cmocka_unit_test(prev_starts_are_automatic_bans_in_the_range),
		cmocka_unit_test(in_force_is_start_to_end_and_not_lifted),
		cmocka_unit_test(lift_takes_in_force_bans_and_the_last_of_each_address_takes_the_rest),
	};
	const size_t		 nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const char		*top = getenv("TOP");
	char			 path[4096];
	struct CMUnitTest	*t;
	struct pcase		*c;
	size_t			 nc, i;
	FILE			*fp;
	int			 rc;

	/* TOP as tests/run.sh sets it, else the top directory as cwd. */
	snprintf(path, sizeof(path), "%s/tests/policy/cases.txt",
	    top != NULL && *top != '\0' ? top : ".");
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "test_policy: cannot read %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	rc = case_read(fp, path, &c, &nc);
	fclose(fp);
	if (rc == -1)
		return 1;
	if ((t = calloc(nc + nfixed, sizeof(*t))) == NULL)
		return 1;
	for (i = 0; i < nc; i++) {
		t[i].name = c[i].pc_name;
		t[i].test_func = run_case;
		t[i].initial_state = &c[i];
	}
	memcpy(t + nc, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("policy", t, nc + nfixed, NULL, NULL);
	free(t);
	pcase_free(c, nc);
	return rc;
}
