/*
 * test_policy.c -- policy_eval(): the exact findtime window, bans that
 * consume their failures, failures during a ban, permanent bans, and a
 * million failures in one linear pass.  Times are plain numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
