/*
 * fleet_pg.c -- the fleet's PostgreSQL layer: the connection, every query
 * under the step's deadline, and the shared schema (sql/fleet.sql,
 * created and upgraded here).  The invariants are those of fleet.c.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pq.h"

#include "fleet_int.h"

#include "fleet.inc"

/*
 * Versions of sql/fleet.sql.  FLEET_SQL creates FLEET_VERSION from
 * nothing; fleet_upgrade[v] takes a store of version v - 1 to v, and
 * records v in fleet_version.  Creation and upgrades run under FLEET_LOCK
 * in one transaction.
 */
#define FLEET_VERSION	2
static const char *const fleet_upgrade[FLEET_VERSION + 1] = {
	NULL, NULL,
	/* 2: a failure's pattern is the key of its failregex, not its place
	 * in a list (which no one can map back: "#N", as in the local store). */
	"ALTER TABLE fleet_failures ALTER COLUMN pattern TYPE text "
	"USING '#' || pattern::text; INSERT INTO fleet_version (version) VALUES (2)",
};

/*
 * The whole fleet step (connecting included) ends within DEADLINE_S: a
 * server, a network or a proxy that stops answering must not hold the
 * run lock.  The server gives up a statement before that (STMT_MS), the
 * kernel a dead TCP peer (keepalives, tcp_user_timeout).  A query past
 * the deadline is cancelled (at most CANCEL_MS more) and the connection
 * closed.
 */
#define DEADLINE_S	20
#define STMT_MS		"15000"
#define CANCEL_MS	2000

/* Record the problem (first line of what libpq or the server said). */
int
fleet_problem(struct fleet *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	vsnprintf(f->f_err, sizeof(f->f_err), fmt, ap);
	va_end(ap);
	for (p = f->f_err; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = *p == '\t' ? ' ' : '\0';
	return -1;
}

static const char *
pgerr(struct fleet *f, const PGresult *r)
{
	const char	*m = r != NULL ? PQresultErrorMessage(r) : NULL;

	if (m == NULL || *m == '\0')
		m = PQerrorMessage(f->f_pg);
	if (strncmp(m, "ERROR:  ", 8) == 0)
		m += 8;
	return m;
}

/* Milliseconds left before the deadline (0 when past). */
static int
ms_left(const struct fleet *f)
{
	struct timespec	t;
	int64_t		ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (int64_t)(f->f_deadline.tv_sec - t.tv_sec) * 1000 +
	    (f->f_deadline.tv_nsec - t.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Wait until the socket is ready for ev or the deadline: 0, or -1. */
static int
wait_sock(struct fleet *f, short ev)
{
	struct pollfd	pfd;
	int		r;

	if ((pfd.fd = PQsocket(f->f_pg)) < 0)
		return -1;
	pfd.events = ev;
	do {
		pfd.revents = 0;
		r = poll(&pfd, 1, ms_left(f));
	} while (r == -1 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

/*
 * Cancel the query in progress: PQcancel() of libpq 15 may block (a
 * connect to a host that does not answer), so it runs in a child given
 * CANCEL_MS; the server's statement_timeout ends the query anyway.
 */
static void
cancel_query(struct fleet *f)
{
	PGcancel	*c = PQgetCancel(f->f_pg);
	char		 e[256];
	pid_t		 pid;
	int		 i, status;

	if (c == NULL)
		return;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		PQcancel(c, e, sizeof(e));
		_exit(0);
	}
	PQfreeCancel(c);
	if (pid == -1)
		return;
	for (i = 0; i < CANCEL_MS / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/* The deadline passed: cancel and close. */
static void
give_up(struct fleet *f)
{
	if (f->f_dead != 1) {
		cancel_query(f);
		PQfinish(f->f_pg);
		f->f_pg = NULL;
		f->f_dead = 1;
	}
}

/* The same, and say so. */
static void
stalled(struct fleet *f, const char *what)
{
	give_up(f);
	fleet_problem(f, "%s: no answer within %d s (the server or the network stalls)",
	    what, DEADLINE_S);
}

/*
 * Send a statement and wait for its results, within the deadline: the
 * last result (the first error, if any), or NULL (f_dead set when the
 * deadline passed).
 */
static PGresult *
pg_exec(struct fleet *f, const char *sql, int n, const char *const *vals)
{
	PGresult	*r, *last = NULL;
	int		 fl;

	if (f->f_dead || f->f_pg == NULL)
		return NULL;
	if (!(n == 0 && vals == NULL ? PQsendQuery(f->f_pg, sql) :
	    PQsendQueryParams(f->f_pg, sql, n, NULL, vals, NULL, NULL, 0)))
		return NULL;
	while ((fl = PQflush(f->f_pg)) == 1) {
		if (wait_sock(f, POLLIN | POLLOUT) == -1)
			goto stall;
		if (!PQconsumeInput(f->f_pg))
			return NULL;
	}
	if (fl == -1)
		return NULL;
	for (;;) {
		while (PQisBusy(f->f_pg)) {
			if (wait_sock(f, POLLIN) == -1)
				goto stall;
			if (!PQconsumeInput(f->f_pg)) {
				PQclear(last);
				return NULL;
			}
		}
		if ((r = PQgetResult(f->f_pg)) == NULL)
			return last;
		if (last != NULL && (PQresultStatus(last) == PGRES_FATAL_ERROR ||
		    PQresultStatus(last) == PGRES_NONFATAL_ERROR)) {
			PQclear(r);
			continue;
		}
		PQclear(last);
		last = r;
	}
stall:
	PQclear(last);
	f->f_dead = -1;		/* stalled() finishes it */
	return NULL;
}

/* Run a statement; -1 (problem set) unless it returned `want`. */
PGresult *
fleet_pg(struct fleet *f, const char *what, ExecStatusType want, const char *sql, int n,
    const char *const *vals)
{
	PGresult	*r;

	r = pg_exec(f, sql, n, vals);
	if (f->f_dead) {
		if (f->f_dead == -1)
			stalled(f, what);
		PQclear(r);
		return NULL;
	}
	if (r == NULL || PQresultStatus(r) != want) {
		fleet_problem(f, "%s: %s", what, pgerr(f, r));
		PQclear(r);
		return NULL;
	}
	return r;
}

int
fleet_pg_ok(struct fleet *f, const char *what, const char *sql, int n, const char *const *vals)
{
	PGresult	*r = fleet_pg(f, what, PGRES_COMMAND_OK, sql, n, vals);

	PQclear(r);
	return r == NULL ? -1 : 0;
}

void
fleet_pg_rollback(struct fleet *f)
{
	if (!f->f_dead && f->f_pg != NULL && PQtransactionStatus(f->f_pg) != PQTRANS_IDLE)
		PQclear(pg_exec(f, "ROLLBACK", 0, NULL));
	if (f->f_dead == -1) {
		/* The problem that led here stays the one said. */
		if (f->f_err[0] != '\0')
			give_up(f);
		else
			stalled(f, "rolling back");
	}
}

/*
 * Connect, within the deadline (libpq's asynchronous connection).  The
 * keepalives come first so that the conninfo may override them; the
 * statement timeout is SET after connecting (an options= of the conninfo
 * would replace one given as options).
 */
int
fleet_connect_pg(struct fleet *f)
{
	const char *const kw[] = { "connect_timeout", "keepalives", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
	    "fallback_application_name", "dbname", NULL };
	const char *const val[] = { "5", "1", "10", "5", "3", "20000",
	    "mailban", f->f_cfg->c_fleet, NULL };
	PostgresPollingStatusType	 ps = PGRES_POLLING_WRITING;
	char				 why[256];

	clock_gettime(CLOCK_MONOTONIC, &f->f_deadline);
	f->f_deadline.tv_sec += DEADLINE_S;
	if (pq_load(why, sizeof(why)) == -1)
		return fleet_problem(f, "cannot connect: needs %s", why);
	f->f_pg = PQconnectStartParams(kw, val, 1);
	if (f->f_pg == NULL)
		return fleet_problem(f, "cannot connect: out of memory");
	if (PQstatus(f->f_pg) == CONNECTION_BAD)
		return fleet_problem(f, "cannot connect: %s", PQerrorMessage(f->f_pg));
	while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
		if (ps != PGRES_POLLING_ACTIVE && wait_sock(f,
		    ps == PGRES_POLLING_READING ? POLLIN : POLLOUT) == -1) {
			PQfinish(f->f_pg);
			f->f_pg = NULL;
			f->f_dead = 1;
			return fleet_problem(f, "cannot connect: no answer within %d s (the "
			    "server or the network stalls)", DEADLINE_S);
		}
		ps = PQconnectPoll(f->f_pg);
	}
	if (PQstatus(f->f_pg) != CONNECTION_OK)
		return fleet_problem(f, "cannot connect: %s", PQerrorMessage(f->f_pg));
	if (PQsetnonblocking(f->f_pg, 1) == -1)
		return fleet_problem(f, "cannot connect: %s", PQerrorMessage(f->f_pg));
	return fleet_pg_ok(f, "connecting", "SET statement_timeout = " STMT_MS, 0, NULL);
}

/*
 * The schema: create it when absent (if this role may), upgrade an older
 * one, refuse a newer one.  Under FLEET_LOCK, so two hosts that find it
 * missing at once create it once.
 */
int
fleet_schema(struct fleet *f)
{
	PGresult	*r;
	const char	*state;
	long		 v = 0;
	int		 i;

	r = pg_exec(f, "SELECT max(version) FROM fleet_version", 0, NULL);
	if (f->f_dead == -1) {
		stalled(f, "reading the version");
		return -1;
	}
	if (r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    !PQgetisnull(r, 0, 0)) {
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		if (v == FLEET_VERSION)
			return 0;
		if (v > FLEET_VERSION)
			return fleet_problem(f, "the shared store was written by a newer mailban "
			    "(version %ld; this one knows up to %d): upgrade mailban", v,
			    FLEET_VERSION);
	} else {
		state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		if (state == NULL || strcmp(state, "42P01") != 0) {	/* undefined_table */
			fleet_problem(f, "reading the version: %s", pgerr(f, r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	if (fleet_pg_ok(f, "creating the tables", "BEGIN", 0, NULL) == -1)
		return -1;
	if ((r = fleet_pg(f, "creating the tables", PGRES_TUPLES_OK,
	    "SELECT pg_advisory_xact_lock(" FLEET_LOCK "), "
	    "to_regclass('fleet_version') IS NOT NULL", 0, NULL)) == NULL)
		goto out_rollback;
	i = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	if (!i) {
		if (fleet_pg_ok(f, "creating the tables (as the database owner: see "
		    "mailban(8))", FLEET_SQL, 0, NULL) == -1)
			goto out_rollback;
	} else {
		if ((r = fleet_pg(f, "reading the version", PGRES_TUPLES_OK,
		    "SELECT max(version) FROM fleet_version", 0, NULL)) == NULL)
			goto out_rollback;
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		for (i = (int)v + 1; i <= FLEET_VERSION; i++)
			if (fleet_upgrade[i] == NULL || fleet_pg_ok(f, "upgrading the tables",
			    fleet_upgrade[i], 0, NULL) == -1)
				goto out_rollback;
	}
	return fleet_pg_ok(f, "creating the tables", "COMMIT", 0, NULL);
out_rollback:
	if (f->f_err[0] == '\0')
		fleet_problem(f, "no upgrade to version %ld (internal error)", v + 1);
	fleet_pg_rollback(f);
	return -1;
}
