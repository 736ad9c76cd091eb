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
 * Repeat offenders (policy_eval_inc) get longer bans: the earlier bans'
 * starts come in as numbers, the random part is a hash (never rand()),
 * so the same input always gives the same bans.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* a * b for a, b >= 0, saturating at INT64_MAX. */
static int64_t
mul_sat(int64_t a, int64_t b)
{
	if (a != 0 && b > INT64_MAX / a)
		return INT64_MAX;
	return a * b;
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

int64_t
policy_bantime(const struct policy_inc *pi, long long bantime, int64_t start,
    size_t nprev, uint64_t key)
{
	int64_t		 len, m, cap;
	uint64_t	 h;
	size_t		 idx;

	if (bantime < 0)
		return -1;
	if (pi == NULL || !pi->pi_on || nprev == 0)
		return bantime;
	if (pi->pi_mult != NULL && pi->pi_nmult > 0) {
		idx = nprev < pi->pi_nmult ? nprev : pi->pi_nmult - 1;
		m = pi->pi_mult[idx] < 1 ? 1 : pi->pi_mult[idx];
	} else
		m = (int64_t)1 << (nprev < 20 ? nprev : 20);
	len = mul_sat(mul_sat(bantime, pi->pi_factor < 1 ? 1 : pi->pi_factor), m);
	if (pi->pi_maxtime > 0) {
		cap = pi->pi_maxtime > bantime ? pi->pi_maxtime : bantime;
		if (len > cap)
			len = cap;
	}
	if (pi->pi_rndtime > 0) {
		h = mix(pi->pi_seed ^ mix(key ^ mix((uint64_t)start ^ mix(nprev))));
		h %= (uint64_t)pi->pi_rndtime;
		len = len > INT64_MAX - (int64_t)h ? INT64_MAX : len + (int64_t)h;
	}
	return len;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of the first element >= t in the sorted v[0..n). */
static size_t
lower(const int64_t *v, size_t n, int64_t t)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Elements of the sorted v[0..n) in [start - window, start). */
static size_t
in_window(const int64_t *v, size_t n, int64_t start, long long window)
{
	int64_t	from;

	if (window <= 0)
		return 0;
	from = start < INT64_MIN + window ? INT64_MIN : start - window;
	return lower(v, n, start) - lower(v, n, from);
}

static int
eval(const struct policy *pl, const struct policy_inc *pi, uint64_t key,
    int64_t ban_until, const int64_t *prev, size_t nprev,
    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans)
{
	struct pban	*v = NULL, *b;
	size_t		 nv = 0, cap = 0, lo = 0, i, k, nearlier;
	uint64_t	 maxretry, findtime;
	int64_t		 until = ban_until, len, *old = NULL, *starts = NULL;
	int		 inc = pi != NULL && pi->pi_on;

	if (inc && nprev > 0) {
		old = xreallocarray(NULL, nprev, sizeof(*old));
		for (k = 0; k < nprev; k++)
			old[k] = prev[k];
		qsort(old, nprev, sizeof(*old), cmp_i64);
	}

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
			if (inc)
				starts = xreallocarray(starts, cap, sizeof(*starts));
		}
		b = &v[nv];
		b->pb_start = f[i].pf_time;
		len = pl->pl_bantime;
		if (inc) {
			/* Earlier bans of this run start strictly before this one. */
			nearlier = in_window(old, nprev, b->pb_start, pi->pi_window) +
			    in_window(starts, nv, b->pb_start, pi->pi_window);
			len = policy_bantime(pi, pl->pl_bantime, b->pb_start,
			    nearlier, key);
			starts[nv] = b->pb_start;
		}
		nv++;
		if (len < 0 || b->pb_start > TIME_FOREVER - len)
			b->pb_end = TIME_FOREVER;
		else
			b->pb_end = b->pb_start + len;
		b->pb_first = lo;
		b->pb_nfail = i - lo + 1;
		b->pb_fail = xreallocarray(NULL, b->pb_nfail, sizeof(size_t));
		for (k = 0; k < b->pb_nfail; k++)
			b->pb_fail[k] = lo + k;
		until = b->pb_end;
		lo = i + 1;
	}
	free(old);
	free(starts);
	*bans = v;
	*nbans = nv;
	return 0;
}

int
policy_eval(const struct policy *pl, int64_t ban_until,
    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans)
{
	return eval(pl, NULL, 0, ban_until, NULL, 0, f, n, bans, nbans);
}

int
policy_eval_inc(const struct policy *pl, const struct policy_inc *pi, uint64_t key,
    int64_t ban_until, const int64_t *prev, size_t nprev,
    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans)
{
	return eval(pl, pi, key, ban_until, prev, nprev, f, n, bans, nbans);
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

int64_t
policy_window_since(int64_t from, long long findtime)
{
	int64_t	lo;

	if (findtime < 0 || __builtin_sub_overflow(from, (int64_t)findtime, &lo))
		lo = INT64_MIN;
	return lo;
}

int64_t
policy_window_redo(const struct prec *r, size_t n, int64_t from, unsigned char *undo)
{
	int64_t	until = 0, end;
	size_t	i;
	int	found = 0;

	for (i = 0; i < n; i++) {
		undo[i] = !r[i].pr_manual && !r[i].pr_islifted && r[i].pr_start >= from;
		if (r[i].pr_manual || r[i].pr_start >= from)
			continue;
		end = r[i].pr_end;
		if (r[i].pr_islifted && r[i].pr_lifted < end)
			end = r[i].pr_lifted;
		if (!found || end > until)
			until = end;
		found = 1;
	}
	return until;
}

void
policy_prev_starts(const struct prec *r, size_t n, int64_t from, int64_t to,
    int64_t **v, size_t *nv)
{
	size_t	i;

	*v = NULL;
	*nv = 0;
	for (i = 0; i < n; i++) {
		if (r[i].pr_manual || r[i].pr_start < from || r[i].pr_start >= to)
			continue;
		if (*v == NULL)
			*v = xreallocarray(NULL, n, sizeof(**v));
		(*v)[(*nv)++] = r[i].pr_start;
	}
}

int
policy_in_force(const struct prec *r, int64_t now)
{
	return !r->pr_islifted && r->pr_start <= now &&
	    (r->pr_end == TIME_FOREVER || r->pr_end > now);
}

size_t
policy_lift(struct plift *v, size_t n, int64_t now)
{
	size_t	i, nl = 0, last = SIZE_MAX;

	for (i = 0; i < n; i++) {
		v[i].lf_rest = 0;
		if ((v[i].lf_lift = policy_in_force(&v[i].lf_ban, now)) == 0)
			continue;
		nl++;
		if (last != SIZE_MAX && strcmp(v[last].lf_addr, v[i].lf_addr) != 0)
			v[last].lf_rest = 1;
		last = i;
	}
	if (last != SIZE_MAX)
		v[last].lf_rest = 1;
	return nl;
}
