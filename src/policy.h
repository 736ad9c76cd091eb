/*
 * policy.h -- decide who is banned, and until when.  Pure: no I/O, no clock.
 * For one (jail, address): the failures in time order, the end of the ban
 * in force before them, and the settings in; the bans out.
 * The window is exact: a failure f completes a ban when f and the
 * maxretry-1 eligible failures before it all lie within findtime
 * (f.time - first.time <= findtime).  Eligible: not consumed by an earlier
 * ban and not during a ban (time < the current ban's end).  The ban starts
 * at f.time and ends at start + bantime (TIME_FOREVER when bantime = -1).
 * Each failure counts towards at most one ban.
 */
#ifndef MAILBAN_POLICY_H
#define MAILBAN_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct policy {
	long long	pl_maxretry;
	long long	pl_findtime;
	long long	pl_bantime;	/* -1 = permanent */
};

struct pfail {
	int64_t	pf_id;		/* opaque to policy (row id) */
	int64_t	pf_time;
};

struct pban {
	int64_t	 pb_start;
	int64_t	 pb_end;	/* TIME_FOREVER for permanent */
	size_t	 pb_first;	/* index into the input of the first failure */
	size_t	*pb_fail;	/* pl_maxretry indices into the input: the
				 * failures this ban consumed (ascending) */
	size_t	 pb_nfail;
};

/*
 * f[0..n) sorted by (time, id).  ban_until: end of the ban in force before
 * f[0] (0 if none; failures with time < ban_until are not eligible).
 * On return *bans (caller frees with policy_free) holds *nbans bans in
 * time order.  Returns 0 (allocation failure aborts via xmalloc).
 */
int	 policy_eval(const struct policy *, int64_t ban_until,
	    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans);
void	 policy_free(struct pban *, size_t);	/* NULL is fine */

#endif
