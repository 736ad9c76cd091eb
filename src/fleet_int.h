/*
 * fleet_int.h -- private to fleet.c (push, pull, the checks of pulled
 * rows, status) and fleet_pg.c (the PostgreSQL connection, the queries
 * under the step's deadline, the shared schema).
 */
#ifndef MAILBAN_FLEET_INT_H
#define MAILBAN_FLEET_INT_H

#include <stdint.h>
#include <time.h>

#include "pq.h"

#include "config.h"
#include "store.h"

#define FLEET_LOCK	"5570275409"	/* pg_advisory_xact_lock key ("MLBNF") */

struct fleet {
	const struct config	*f_cfg;
	struct store		*f_st;
	PGconn			*f_pg;
	struct timespec		 f_deadline;	/* CLOCK_MONOTONIC */
	int			 f_dead;	/* 1 the deadline passed (f_pg closed);
						 * -1 for stalled() to finish */
	int64_t			 f_changed;	/* pulled bans and unbans applied */
	int64_t			 f_nskip;	/* pulled rows skipped (bad data) */
	char			 f_skip[256];	/* the first of them, and why */
	char			 f_err[512];	/* the problem, one line */
};

/* Record the problem (first line of what libpq or the server said). */
int	 fleet_problem(struct fleet *f, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Run a statement; -1 (problem set) unless it returned `want`. */
PGresult *fleet_pg(struct fleet *f, const char *what, ExecStatusType want,
	    const char *sql, int n, const char *const *vals);
/* Run a statement that returns no rows; 0, or -1 (problem set). */
int	 fleet_pg_ok(struct fleet *f, const char *what, const char *sql, int n,
	    const char *const *vals);
/* Roll back an open transaction (a stall there is reported). */
void	 fleet_pg_rollback(struct fleet *f);
/* Connect; the step's deadline (20 s) starts here.  0, or -1 (problem set). */
int	 fleet_connect_pg(struct fleet *f);
/* Create, upgrade or accept the shared schema; 0, or -1 (problem set). */
int	 fleet_schema(struct fleet *f);

#endif
