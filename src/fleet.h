/*
 * fleet.h -- optional (fleet = CONNINFO): share failures, not decisions,
 * with the other MX hosts of a fleet through one PostgreSQL (libpq).
 * After the run's local commit and firewall step, fleet_sync() pushes the failures this host
 * read (exactly once: a unique key on (host, local id) over there, the
 * local watermark advanced only after the shared commit), then pulls the
 * other hosts' failures since the last pull (by the server's sequence),
 * stores them with their origin (table fleet_origin) and re-evaluates the
 * windows they touch in event time, in one local transaction.  Pulled
 * failures are never pushed again.  The shared schema is sql/fleet.sql
 * (build/fleet.inc), created and upgraded here.
 * The shared store down never stops local protection: the problem is
 * reported on one line when it starts, when it changes and when it clears
 * (kept in table meta), and the next sync catches up.
 */
#ifndef MAILBAN_FLEET_H
#define MAILBAN_FLEET_H

#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "store.h"

/*
 * Push and pull (cfg->c_fleet set; st outside a transaction), within a
 * deadline of 20 s for the whole step (a stalled server or network is a
 * problem reported like any other).  *newbans grows by the bans the
 * pulled failures caused; *changed is set when what was pulled changed
 * the bans (new bans, manual bans, unbans): the firewall step, which runs
 * first, is then run again.  Every problem is
 * reported here; a failed step leaves st as the run's commit left it, or
 * with whole steps done.
 * 0 in sync, 1 the shared store could not be used, -1 a local database
 * error.
 */
int	 fleet_sync(const struct config *cfg, struct store *st, int64_t now,
	    int64_t *newbans, int *changed);

/*
 * The fleet part of `mailban status`: this host's name, failures waiting
 * to be pushed, and, when the shared store answers, every host seen with
 * its last push and its rows.  0, or -1 on a local database error.
 */
int	 fleet_status(const struct config *cfg, struct store *st, FILE *out);

#endif
