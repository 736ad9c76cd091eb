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
 * Re-evaluate the window of every (jail, address) that got a failure with
 * id > after_id.  *newbans counts the bans created; with announce, each new
 * ban is logged to syslog (log_event).  0 or -1.
 */
int	 bans_window(struct store *, const struct config *, int64_t after_id,
	    int announce, int64_t *newbans);

/* The addresses the chains must hold: rows (reordered: oldest ban first),
 * ignoreip excluded except for manual bans.  Caller frees. */
struct addr	*bans_wanted(const struct config *, struct banrow *rows, size_t n,
		    size_t *nwant);

#endif
