/*
 * test_policy.c -- policy_eval(): the exact findtime window, bans that
 * consume their failures, failures during a ban, permanent bans, and a
 * million failures in one linear pass; the manual and lifted rules of a
 * re-evaluation (policy_window_redo, policy_prev_starts) and of unban
 * (policy_in_force, policy_lift).  Times are plain numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

static void
maxretry_minus_one_failures_do_not_ban(void **state)
{
	static const int64_t	t[] = { 100, 200 };
	struct run		r;

	(void)state;
	eval(3, 600, 3600, 0, t, 2, &r);
	assert_int_equal(r.n, 0);
	assert_null(r.b);
	policy_free(r.b, r.n);
}

static void
maxretry_within_findtime_bans_at_completing_failure(void **state)
{
	static const int64_t	t[] = { 100, 200, 300 };
	static const size_t	i0[] = { 0, 1, 2 };
	struct run		r;

	(void)state;
	eval(3, 600, 3600, 0, t, 3, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 300, 3900, i0, 3);
	policy_free(r.b, r.n);
}

static void
spread_wider_than_findtime_does_not_ban(void **state)
{
	static const int64_t	t[] = { 0, 300, 601 };
	static const int64_t	t2[] = { 0, 300, 601, 700 };
	static const size_t	i1[] = { 1, 2, 3 };
	struct run		r;

	(void)state;
	eval(3, 600, 3600, 0, t, 3, &r);
	assert_int_equal(r.n, 0);
	policy_free(r.b, r.n);
	/* The window slides: the first failure drops out, the next three ban. */
	eval(3, 600, 3600, 0, t2, 4, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 700, 4300, i1, 3);
	policy_free(r.b, r.n);
}

static void
exactly_findtime_apart_bans(void **state)
{
	static const int64_t	t[] = { 0, 300, 600 };
	static const size_t	i0[] = { 0, 1, 2 };
	struct run		r;

	(void)state;
	eval(3, 600, 3600, 0, t, 3, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 600, 4200, i0, 3);
	policy_free(r.b, r.n);
}

static void
failures_during_ban_neither_count_nor_are_consumed(void **state)
{
	/* ban 10..1010; 20, 500, 1009 fall inside it */
	static const int64_t	t[] = { 0, 10, 20, 500, 1009, 1010, 1015 };
	static const size_t	i0[] = { 0, 1 }, i1[] = { 5, 6 };
	struct run		r;

	(void)state;
	eval(2, 600, 1000, 0, t, 7, &r);
	assert_int_equal(r.n, 2);
	assert_ban(&r, 0, 10, 1010, i0, 2);
	assert_ban(&r, 1, 1015, 2015, i1, 2);
	policy_free(r.b, r.n);
}

static void
after_ban_ends_counting_restarts_from_zero(void **state)
{
	/* ban 2..102; 150 and 160 alone are 2 of 3, the consumed do not help */
	static const int64_t	t[] = { 0, 1, 2, 150, 160 };
	static const int64_t	t2[] = { 0, 1, 2, 150, 160, 170 };
	static const size_t	i0[] = { 0, 1, 2 }, i1[] = { 3, 4, 5 };
	struct run		r;

	(void)state;
	eval(3, 1000, 100, 0, t, 5, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 2, 102, i0, 3);
	policy_free(r.b, r.n);
	eval(3, 1000, 100, 0, t2, 6, &r);
	assert_int_equal(r.n, 2);
	assert_ban(&r, 0, 2, 102, i0, 3);
	assert_ban(&r, 1, 170, 270, i1, 3);
	policy_free(r.b, r.n);
}

static void
ban_until_from_before_ignores_earlier_failures(void **state)
{
	/* 900, 950, 999 are before the old ban's end; 1000 is not */
	static const int64_t	t[] = { 900, 950, 999, 1000, 1001 };
	static const int64_t	t2[] = { 900, 950, 999, 1000, 1001, 1002 };
	static const size_t	i3[] = { 3, 4, 5 };
	struct run		r;

	(void)state;
	eval(3, 600, 60, 1000, t, 5, &r);
	assert_int_equal(r.n, 0);
	policy_free(r.b, r.n);
	eval(3, 600, 60, 1000, t2, 6, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 1002, 1062, i3, 3);
	policy_free(r.b, r.n);
}

static void
permanent_ban_ends_never_and_nothing_after_counts(void **state)
{
	static const int64_t	t[] = { 0, 1, 2, 3, 1000000000 };
	static const size_t	i0[] = { 0, 1 };
	struct run		r;

	(void)state;
	eval(2, 600, -1, 0, t, 5, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 1, TIME_FOREVER, i0, 2);
	policy_free(r.b, r.n);
	/* Not even failures stamped at the end of time count. */
	{
		static const int64_t	te[] = { 0, 1, INT64_MAX, INT64_MAX };

		eval(2, 600, -1, 0, te, 4, &r);
		assert_int_equal(r.n, 1);
		assert_ban(&r, 0, 1, TIME_FOREVER, i0, 2);
		policy_free(r.b, r.n);
	}
	/* Already banned for ever before the first failure. */
	eval(2, 600, -1, TIME_FOREVER, t, 5, &r);
	assert_int_equal(r.n, 0);
	policy_free(r.b, r.n);
}

static void
maxretry_one_bans_each_eligible_failure(void **state)
{
	/* bans 0..10, 10..20, 25..35; 5 and the second 10 fall inside */
	static const int64_t	t[] = { 0, 5, 10, 10, 25 };
	static const size_t	i0[] = { 0 }, i2[] = { 2 }, i4[] = { 4 };
	struct run		r;

	(void)state;
	eval(1, 600, 10, 0, t, 5, &r);
	assert_int_equal(r.n, 3);
	assert_ban(&r, 0, 0, 10, i0, 1);
	assert_ban(&r, 1, 10, 20, i2, 1);
	assert_ban(&r, 2, 25, 35, i4, 1);
	policy_free(r.b, r.n);
}

static void
several_bans_in_sequence(void **state)
{
	/* 400 is alone: 470 is 70 s later, more than findtime 60 */
	static const int64_t	t[] = { 0, 10, 200, 210, 400, 470, 480 };
	static const size_t	i0[] = { 0, 1 }, i1[] = { 2, 3 }, i2[] = { 5, 6 };
	struct run		r;

	(void)state;
	eval(2, 60, 100, 0, t, 7, &r);
	assert_int_equal(r.n, 3);
	assert_ban(&r, 0, 10, 110, i0, 2);
	assert_ban(&r, 1, 210, 310, i1, 2);
	assert_ban(&r, 2, 480, 580, i2, 2);
	policy_free(r.b, r.n);
}

static void
equal_timestamps_lie_within_any_findtime(void **state)
{
	/* ban 50..51 from the first three; the other 50s are inside it */
	static const int64_t	t[] = { 50, 50, 50, 50, 50, 50, 51 };
	static const size_t	i0[] = { 0, 1, 2 };
	struct run		r;

	(void)state;
	eval(3, 0, 1, 0, t, 7, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 50, 51, i0, 3);
	policy_free(r.b, r.n);
}

static void
no_failures_give_no_bans(void **state)
{
	struct run	r;

	(void)state;
	eval(3, 600, 60, 0, NULL, 0, &r);
	assert_int_equal(r.n, 0);
	assert_null(r.b);
	policy_free(NULL, 0);
}

static void
ban_end_saturates_at_forever(void **state)
{
	static const int64_t	t[] = { INT64_MAX - 10 };
	static const size_t	i0[] = { 0 };
	struct run		r;

	(void)state;
	eval(1, 600, 100, 0, t, 1, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, INT64_MAX - 10, TIME_FOREVER, i0, 1);
	policy_free(r.b, r.n);
}

static void
out_of_range_settings_are_clamped(void **state)
{
	static const int64_t	t[] = { 0, 1, 2 };
	static const size_t	i0[] = { 0 };
	struct run		r;

	(void)state;
	/* maxretry below 1 counts as 1; a negative bantime is permanent */
	eval(0, 600, -5, 0, t, 3, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 0, TIME_FOREVER, i0, 1);
	policy_free(r.b, r.n);
	eval(-3, 600, -5, 0, t, 3, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, 0, TIME_FOREVER, i0, 1);
	policy_free(r.b, r.n);
	/* findtime below 0 counts as 0: only equal times share a window */
	eval(2, -10, 5, 0, t, 3, &r);
	assert_int_equal(r.n, 0);
	policy_free(r.b, r.n);
}

static void
unsorted_input_does_not_crash(void **state)
{
	static const int64_t	t[] = { 500, 100, INT64_MIN, INT64_MAX, INT64_MAX };
	static const size_t	i3[] = { 3, 4 };
	struct run		r;

	(void)state;
	/* A span that goes backwards never fits any findtime. */
	eval(2, INT64_MAX, 10, INT64_MIN, t, 5, &r);
	assert_int_equal(r.n, 1);
	assert_ban(&r, 0, INT64_MAX, TIME_FOREVER, i3, 2);
	policy_free(r.b, r.n);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maxretry_minus_one_failures_do_not_ban),
		cmocka_unit_test(maxretry_within_findtime_bans_at_completing_failure),
		cmocka_unit_test(spread_wider_than_findtime_does_not_ban),
		cmocka_unit_test(exactly_findtime_apart_bans),
		cmocka_unit_test(failures_during_ban_neither_count_nor_are_consumed),
		cmocka_unit_test(after_ban_ends_counting_restarts_from_zero),
		cmocka_unit_test(ban_until_from_before_ignores_earlier_failures),
		cmocka_unit_test(permanent_ban_ends_never_and_nothing_after_counts),
		cmocka_unit_test(maxretry_one_bans_each_eligible_failure),
		cmocka_unit_test(several_bans_in_sequence),
		cmocka_unit_test(equal_timestamps_lie_within_any_findtime),
		cmocka_unit_test(no_failures_give_no_bans),
		cmocka_unit_test(ban_end_saturates_at_forever),
		cmocka_unit_test(out_of_range_settings_are_clamped),
		cmocka_unit_test(unsorted_input_does_not_crash),
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
