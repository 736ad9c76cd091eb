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
 * Repeat offenders (bantime.increment), as fail2ban computes them.  n is
 * the number of bans of the address that started within pi_window before
 * the new ban (start - window <= s < start).  The length of the new ban:
 *   n = 0   bantime;
 *   n >= 1  bantime * factor * 2^min(n, 20) or, with multipliers,
 *           bantime * factor * mult[min(n, nmult - 1)] (the last repeats),
 *           capped at maxtime (if > 0; never below bantime), plus a
 *           pseudo-random amount in [0, rndtime) that is a hash of
 *           (seed, key, start, n): a replay gives the same lengths, and
 *           whoever lacks the seed cannot predict the end.
 * A negative bantime stays permanent.  Settings below 1 (factor, each
 * multiplier) count as 1; a window <= 0 counts no earlier ban.
 */
struct policy_inc {
	int			 pi_on;		/* 0: plain bantime always */
	long long		 pi_factor;
	const long long		*pi_mult;	/* NULL/0: the 2^n formula */
	size_t			 pi_nmult;
	long long		 pi_maxtime;	/* <= 0: no cap */
	long long		 pi_rndtime;	/* <= 0: no random part */
	long long		 pi_window;
	uint64_t		 pi_seed;	/* secret of the installation */
};

/* Length in seconds of a ban starting at start after nprev earlier ones
 * (-1: permanent).  key: a hash of the address (e.g. hash_fnv1a of its
 * canonical text); it only feeds the random part. */
int64_t	 policy_bantime(const struct policy_inc *, long long bantime, int64_t start,
	    size_t nprev, uint64_t key);

/*
 * f[0..n) sorted by (time, id).  ban_until: end of the ban in force before
 * f[0] (0 if none; failures with time < ban_until are not eligible).
 * On return *bans (caller frees with policy_free) holds *nbans bans in
 * time order.  Returns 0 (allocation failure aborts via xmalloc).
 */
int	 policy_eval(const struct policy *, int64_t ban_until,
	    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans);
/*
 * policy_eval() with repeat offenders: prev[0..nprev) are the start times
 * of the address's earlier bans (any order; those outside a new ban's
 * window, or not before it, do not count), and every ban created here
 * counts for the later ones.  Each ban's end is start +
 * policy_bantime(inc, pl_bantime, start, n, key), saturating at
 * TIME_FOREVER.  inc NULL or !pi_on: exactly policy_eval().
 */
int	 policy_eval_inc(const struct policy *, const struct policy_inc *, uint64_t key,
	    int64_t ban_until, const int64_t *prev, size_t nprev,
	    const struct pfail *f, size_t n, struct pban **bans, size_t *nbans);
void	 policy_free(struct pban *, size_t);	/* NULL is fine */

/*
 * A ban already recorded for one (jail, address), as the store keeps it.
 * Manual bans (mailban ban) and lifted bans (mailban unban) are an
 * admin's decisions: a re-evaluation neither undoes them nor counts their
 * failures again.
 */
struct prec {
	int64_t	 pr_id;		/* opaque to policy (row id) */
	int64_t	 pr_start;
	int64_t	 pr_end;	/* TIME_FOREVER for permanent */
	int	 pr_manual;	/* 1: made by an admin */
	int	 pr_islifted;	/* 1: lifted at pr_lifted */
	int64_t	 pr_lifted;
};

/* The earliest failure time a window re-evaluated from `from` reads:
 * from - findtime (INT64_MIN for a negative findtime or an overflow). */
int64_t	 policy_window_since(int64_t from, long long findtime);
/*
 * Re-evaluating the window of one (jail, address) from `from`, given its
 * recorded bans r[0..n) (any order): undo[i] is set to 1 for each ban
 * that is decided again, so to be deleted (its failures un-consumed):
 * the automatic bans not lifted that start at or after from; 0 for the
 * others.  Returns the end of the ban in force before from, policy_eval's
 * ban_until: the latest end of the automatic bans that started before
 * from (0 if none, TIME_FOREVER if permanent), where a lifted ban counts
 * only up to the time it was lifted and a manual ban does not count.
 */
int64_t	 policy_window_redo(const struct prec *r, size_t n, int64_t from,
	    unsigned char *undo);
/* In force at now: not lifted, start <= now < end. */
int	 policy_in_force(const struct prec *, int64_t now);
/*
 * Unban at now (mailban unban).  v[0..n) are bans of one or more
 * addresses, those of one address adjacent, each in start order.  Sets
 * lf_lift for every ban in force at now: it is lifted, and takes the
 * unconsumed failures of its own (jail, address) up to now, so the next
 * run does not ban again on what led to it; lf_rest for the last lifted
 * ban of each address: it also takes the address's failures of the other
 * jails.  Returns how many are lifted.
 */
struct plift {
	struct prec	 lf_ban;
	const char	*lf_addr;	/* canonical text */
	int		 lf_lift;	/* out */
	int		 lf_rest;	/* out */
};
size_t	 policy_lift(struct plift *v, size_t n, int64_t now);
/*
 * Repeat offenders: the starts of the earlier bans among r[0..n) (sorted
 * by start), those automatic (lifted or not) with start in [from, to);
 * *v (caller frees; NULL when *n is 0) ascending.
 */
void	 policy_prev_starts(const struct prec *r, size_t n, int64_t from, int64_t to,
	    int64_t **v, size_t *nv);

#endif
