/*
 * bans.h -- store -> policy -> store: the step between the failures
 * recorded and the bans in force.
 *   bans_window: every (jail, address) that got new failures is
 *   re-evaluated (policy decides which recorded bans are redone, from
 *   when, and which failures make new bans; the store reads and writes).
 *   bans_wanted: which bans in force the firewall holds, and in which
 *   order (whitelist wins except over a manual ban; oldest first, so that
 *   past maxbans it is the newest that wait).
 */
#ifndef MAILBAN_BANS_H
#define MAILBAN_BANS_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "config.h"

struct store;
struct banrow;
struct policy_inc;

/* The repeat-offender settings of cfg (pi_seed left 0). */
void	 bans_policy_inc(const struct config *, struct policy_inc *);

/*
 * Prepare the window of (jail, addr) from time `from`: delete the bans of
 * that pair that policy_window_redo() redoes (automatic, not lifted,
 * starting at or after `from`; their failures are un-consumed), then
 * return in *until the end of the ban in force before `from` (see
 * policy_window_redo), and in *f and *n the unconsumed failures with time
 * >= policy_window_since(from, findtime), sorted by (time, id).  Caller
 * frees *f with free().  0 or -1.
 */
struct pfail;
int	 bans_pair(struct store *, const char *jail, const char *addr, int64_t from,
	    long long findtime, int64_t *until, struct pfail **f, size_t *n);
/* Start times of the automatic bans of (jail, addr) with start in
 * [from, to), ascending (policy_prev_starts); caller frees *v. */
int	 bans_starts(struct store *, const char *jail, const char *addr, int64_t from,
	    int64_t to, int64_t **v, size_t *n);

/*
 * Re-evaluate the window of every (jail, address) that got a failure with
 * id > after_id.  *newbans counts the bans created; with announce, each new
 * ban is logged to syslog (log_event), the first BANS_LOGMAX of a call in
 * evaluation order (jail, address), then one line for the rest.  0 or -1.
 */
#define BANS_LOGMAX	20
int	 bans_window(struct store *, const struct config *, int64_t after_id,
	    int announce, int64_t *newbans);

/*
 * Lift every ban in force at `now` of addr (all addresses when addr is
 * NULL): lifted = now.  Every unconsumed failure of that address with
 * time <= now is consumed by (attached to) the lifted ban, so the next run
 * does not ban again on the failures that led to it.  *n: bans lifted.
 * (A failure goes to the lifted ban of its own jail, else to the latest
 * lifted ban of the address: policy_lift.  addr is canonicalised; not an
 * address: -1.)
 */
int	 bans_unban(struct store *, const char *addr, int64_t now, int64_t *n);

/* An unban of addr at `at` pulled from host (fleet mode): recorded once
 * (store_fleet_lift_add) and applied as bans_unban(addr, at): 1 done, 0
 * already there, -1 error. */
int	 bans_fleet_lift(struct store *, const char *host, const char *addr, int64_t at);

/* Bans in force at `now` (policy_in_force: start <= now < end, not
 * lifted), ordered by address, then start; an address banned by two jails
 * appears twice.  Free with store_banrows_free(). */
int	 bans_active(struct store *, int64_t now, struct banrow **v, size_t *n);

/* The addresses the chains must hold: rows (reordered: oldest ban first),
 * ignoreip excluded except for manual bans.  *ends (if not NULL) gets the
 * end of each one's ban.  Caller frees both. */
struct addr	*bans_wanted(const struct config *, struct banrow *rows, size_t n,
		    size_t *nwant, int64_t **ends);

#endif
