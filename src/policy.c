/*
 * policy.c -- decide who is banned, and until when.
 * Input: one (jail, address)'s failures sorted by (time, id), the end of
 * the ban in force before them, and maxretry/findtime/bantime.  Output:
 * the bans, each with the failures it consumed.  Pure: no I/O, no clock.
 * One pass, O(n): the candidate window is always a run of consecutive
 * input indices, because a ban consumes the whole window (it holds exactly
 * maxretry failures when it completes), the failures during the ban are
 * skipped, and every later failure is eligible until the next ban.
 * Out-of-range settings are clamped, never trusted: maxretry < 1 counts
 * as 1, findtime < 0 as 0, any negative bantime as permanent.
 */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"
#include "util.h"

/* b - a without overflow, for a <= b; saturates if they are unordered. */
static uint64_t
span(int64_t a, int64_t b)
{
	if (b < a)
		return UINT64_MAX;
	return (uint64_t)b - (uint64_t)a;
}

int
policy_eval(const struct policy *pl, int64_t ban_until,
    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans)
{
	struct pban	*v = NULL, *b;
	size_t		 nv = 0, cap = 0, lo = 0, i, k;
	uint64_t	 maxretry, findtime;
	int64_t		 until = ban_until;

	maxretry = pl->pl_maxretry < 1 ? 1 : (uint64_t)pl->pl_maxretry;
	findtime = pl->pl_findtime < 0 ? 0 : (uint64_t)pl->pl_findtime;
	for (i = 0; i < n && until != TIME_FOREVER; i++) {
		if (f[i].pf_time < until) {
			lo = i + 1;	/* during a ban: neither counted nor consumed */
			continue;
		}
		while (span(f[lo].pf_time, f[i].pf_time) > findtime)
			lo++;
		if (i - lo + 1 < maxretry)
			continue;
		if (nv == cap) {
			cap = cap ? cap * 2 : 4;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		b = &v[nv++];
		b->pb_start = f[i].pf_time;
		if (pl->pl_bantime < 0 ||
		    b->pb_start > TIME_FOREVER - pl->pl_bantime)
			b->pb_end = TIME_FOREVER;
		else
			b->pb_end = b->pb_start + pl->pl_bantime;
		b->pb_first = lo;
		b->pb_nfail = i - lo + 1;
		b->pb_fail = xreallocarray(NULL, b->pb_nfail, sizeof(size_t));
		for (k = 0; k < b->pb_nfail; k++)
			b->pb_fail[k] = lo + k;
		until = b->pb_end;
		lo = i + 1;
	}
	*bans = v;
	*nbans = nv;
	return 0;
}

void
policy_free(struct pban *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].pb_fail);
	free(v);
}
