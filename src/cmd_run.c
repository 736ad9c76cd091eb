/*
 * cmd_run.c -- `mailban run`: one cron cycle.
 *   lock -> quick_check once a day -> read the new complete lines ->
 *   record failures, new reader position, the bans they cause and the
 *   run's row in ONE transaction -> commit -> reconcile both chains with
 *   the active bans -> complete the run's row (firewall counts, status).
 * A run killed at any instant leaves the database as before or as after
 * the transaction; the firewall is derived from the database on every run,
 * so a failed or interrupted firewall step heals on the next run.
 * The firewall step never waits for the log: when the log (or journalctl)
 * cannot be read, what was read of it is rolled back, the run goes on
 * from the committed database and records "log not read: WHY"; when the
 * database fails, the chains still follow what it had committed, unless
 * it is damaged (then nothing is applied from it).
 * --dry-run does all of it inside the transaction, prints the restore
 * scripts, and rolls back: nothing changes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "firewall.h"
#include "fleet.h"
#include "ingest.h"
#include "journal.h"
#include "log.h"
#include "nft.h"
#include "problem.h"
#include "reader.h"
#include "source.h"
#include "store.h"
#include "util.h"

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
by_start(const void *a, const void *b)
{
	const struct banrow	*x = a, *y = b;

	if (x->b_start != y->b_start)
		return x->b_start < y->b_start ? -1 : 1;
	return strcmp(x->b_addr, y->b_addr);
}

/*
 * The addresses to hold in the chains: active bans, whitelist excluded
 * (whitelist wins even over bans recorded before it was configured, but
 * not over a forced manual ban),
 * oldest ban first, so that past the maxbans cap it is the new bans that
 * are not applied.
 */
struct addr *
cmd_wanted(const struct config *cfg, struct banrow *rows, size_t n, size_t *nwant,
    int64_t **ends)
{
	struct addr	*v = xcalloc(n + 1, sizeof(*v));
	int64_t		*e = xcalloc(n + 1, sizeof(*e));
	size_t		 i, k = 0;

	if (n > 1)
		qsort(rows, n, sizeof(*rows), by_start);
	for (i = 0; i < n; i++) {
		if (addr_parse(rows[i].b_addr, strlen(rows[i].b_addr), &v[k]) == -1)
			continue;	/* not ours: the schema only holds canonical text */
		/* A manual ban of a whitelisted address was forced (ban --force). */
		if (strcmp(rows[i].b_jail, "manual") != 0 &&
		    cidrlist_contains(&cfg->c_ignoreip, &v[k]))
			continue;
		e[k++] = rows[i].b_end;
	}
	*nwant = k;
	if (ends != NULL)
		*ends = e;
	else
		free(e);
	return v;
}

/* A meta value as a number; 0 when absent, empty or unreadable. */
static int64_t
meta_time(struct store *st, const char *key)
{
	char	*v = NULL;
	int64_t	 t = 0;

	if (store_meta_get(st, key, &v) == 1)
		t = strtoll(v, NULL, 10);
	free(v);
	return t;
}

static int
addr_order(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/*
 * Heal events: what a plan put back that the chains held at the last
 * apply that changed them (meta fw_applied, `applied`): the chain, the
 * jump, the set or its rule, and the rules (members) of bans already in
 * force then.  One line in syslog per family; a new ban is no heal.
 */
static void
heal_say(const struct config *cfg, int family, const struct fwplan *p,
    const struct banrow *rows, size_t nrows, int64_t applied)
{
	const char	*tool = family == AF_INET6 ? "ip6tables" : "iptables";
	struct addr	*old;
	char		 line[1024], set[64];
	size_t		 i, nold = 0, nback = 0, off = 0;
	int		 stale = 0, rebuilt = 0, n;

	if (p->fp_script == NULL && p->fp_setpre == NULL)
		return;
	old = xcalloc(nrows + 1, sizeof(*old));
	for (i = 0; i < nrows && rows[i].b_start <= applied; i++)
		if (addr_parse(rows[i].b_addr, strlen(rows[i].b_addr), &old[nold]) == 0 &&
		    old[nold].a_family == family)
			nold++;
	if (nold > 1)
		qsort(old, nold, sizeof(*old), addr_order);
	for (i = 0; i < p->fp_ndiff; i++) {
		const struct fwdiff *d = &p->fp_diff[i];

		if (d->d_kind == FWD_STALEJUMP)
			stale = 1;
		else if (d->d_kind == FWD_MAXELEM)
			rebuilt = 1;
		else if ((d->d_kind == FWD_MISSING || d->d_kind == FWD_SETMISSING) &&
		    bsearch(&d->d_addr, old, nold, sizeof(*old), addr_order) != NULL)
			nback++;
	}
	free(old);
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	line[0] = '\0';
#define PART(...) do { \
		n = snprintf(line + off, sizeof(line) - off, "%s", off > 0 ? ", " : ""); \
		if (n > 0 && (size_t)n < sizeof(line) - off) off += (size_t)n; \
		n = snprintf(line + off, sizeof(line) - off, __VA_ARGS__); \
		if (n > 0 && (size_t)n < sizeof(line) - off) off += (size_t)n; \
	} while (0)
	if (p->fp_newchain)
		PART("chain %s recreated", cfg->c_chain);
	if (p->fp_newjump && !stale)
		PART("the jump from INPUT to %s restored", cfg->c_chain);
	if (p->fp_newset && !rebuilt)
		PART("set %s recreated", set);
	if (p->fp_newrule && !p->fp_newchain)
		PART("the rule for set %s restored in %s", set, cfg->c_chain);
	if (nback > 0 && cfg->c_backend == BACKEND_IPSET)
		PART("%zu %s restored to set %s", nback, nback == 1 ? "address" : "addresses", set);
	else if (nback > 0)
		PART("%zu %s restored to %s", nback, nback == 1 ? "rule" : "rules", cfg->c_chain);
#undef PART
	if (off > 0)
		log_event("%s: %s", tool, line);
}

/*
 * Make both chains hold exactly the bans in force at `now` (the store may
 * be inside a transaction: what it sees is what is applied).  With dry,
 * print the scripts and change nothing.  Both families are always tried.
 * What an apply puts back that was there before goes to syslog (heal_say).
 * While paused (meta "paused", mailban stop) it applies nothing.
 */
int
cmd_apply(const struct config *cfg, struct store *st, int64_t now, FILE *dry,
    int64_t *added, int64_t *removed, size_t *nactive)
{
	struct banrow	*rows = NULL;
	struct addr	*want;
	struct fwplan	 p4 = { 0 }, p6 = { 0 }, pn = { 0 };
	int64_t		*ends;
	size_t		 nrows = 0, nwant;
	int64_t		 applied = 0;
	char		 buf[32];
	int		 fw4, fw6, fwn = 0;

	*added = *removed = 0;
	if (nactive != NULL)
		*nactive = 0;
	/* Paused (mailban stop): the bans are recorded, nothing is applied
	 * until mailban start. */
	if (dry == NULL && meta_time(st, "paused") != 0)
		return 0;
	if (store_active(st, now, &rows, &nrows) == -1)
		return -1;
	if (dry == NULL)
		applied = meta_time(st, "fw_applied");
	want = cmd_wanted(cfg, rows, nrows, &nwant, &ends);
	if (nactive != NULL)
		*nactive = nwant;
	/* The backend in use first, then the removal of another's: no gap. */
	if (cfg->c_backend == BACKEND_NFT)
		fwn = nft_sync(cfg, want, ends, nwant, now, dry, &pn);
	fw4 = firewall_sync(cfg, AF_INET, want, nwant, dry, &p4);
	fw6 = firewall_sync(cfg, AF_INET6, want, nwant, dry, &p6);
	if (cfg->c_backend != BACKEND_NFT)
		fwn = nft_sync(cfg, want, ends, nwant, now, dry, &pn);
	*added = (int64_t)(p4.fp_add + p6.fp_add + pn.fp_add);
	*removed = (int64_t)(p4.fp_del + p6.fp_del + pn.fp_del);
	if (dry == NULL && applied > 0) {
		heal_say(cfg, AF_INET, &p4, rows, nrows, applied);
		heal_say(cfg, AF_INET6, &p6, rows, nrows, applied);
	}
	/* Written only when the firewall changed: a quiet run writes nothing.
	 * A hint: lost (a full disk), a later heal is only not called one. */
	if (dry == NULL && fw4 == 0 && fw6 == 0 && fwn == 0 && (applied == 0 ||
	    p4.fp_script != NULL || p4.fp_setpre != NULL ||
	    p6.fp_script != NULL || p6.fp_setpre != NULL || pn.fp_script != NULL)) {
		snprintf(buf, sizeof(buf), "%" PRId64, now);
		store_meta_hint(st, "fw_applied", buf);
	}
	firewall_plan_free(&p4);
	firewall_plan_free(&p6);
	firewall_plan_free(&pn);
	store_banrows_free(rows, nrows);
	free(want);
	free(ends);
	return fw4 == -1 || fw6 == -1 || fwn == -1 ? -1 : 0;
}

/*
 * Purge failures older than dbpurgeage, at most once an hour of --now: the
 * DELETE walks the whole table (no index on time, to keep inserts fast),
 * ~90 ms at 1M failures, too much for every minute.
 */
static int
purge(struct store *st, const struct config *cfg, int64_t now)
{
	char	*v = NULL, buf[32];
	int64_t	 last = 0, n;
	int	 r;

	if ((r = store_meta_get(st, "last_purge", &v)) == -1)
		return -1;
	if (r == 1)
		last = strtoll(v, NULL, 10);
	free(v);
	if (r == 1 && now >= last && now - last < 3600)
		return 0;
	snprintf(buf, sizeof(buf), "%" PRId64, now);
	if (store_purge(st, now - cfg->c_dbpurgeage, &n) == -1 ||
	    store_meta_put(st, "last_purge", buf) == -1)
		return -1;
	return 0;
}

/*
 * The log file: read from the saved position, save the new one.  The
 * position is kept under reader_key(logpath), whatever the spelling of
 * logpath; one saved under the configured text (by a version that keyed
 * positions so) is taken and moved to that key.  No file yet gives no
 * position (saving an empty one would make the file, once written, look
 * like a replacement of a lost one).
 */
static int
read_log(struct store *st, const struct config *cfg, struct ingest *in,
    struct reader_stats *rs)
{
	struct logpos	 pos;
	char		*key = reader_key(cfg->c_logpath);
	int		 have, old = 0, rc = -1;

	memset(&pos, 0, sizeof(pos));
	if ((have = store_pos_get(st, key, &pos)) == 0 && strcmp(key, cfg->c_logpath) != 0)
		old = have = store_pos_get(st, cfg->c_logpath, &pos);
	/* An empty position (saved by older versions while there was no file)
	 * is none. */
	if (have == 1 && pos.lp_dev == 0 && pos.lp_ino == 0 && pos.lp_offset == 0)
		have = 0;
	if (have == -1 ||
	    reader_follow(cfg->c_logpath, &pos, have, ingest_line, in, rs) == -1)
		goto out;
	if (!(pos.lp_dev == 0 && pos.lp_ino == 0 && pos.lp_offset == 0) &&
	    store_pos_put(st, key, &pos) == -1)
		goto out;
	if (old == 1 && store_pos_del(st, cfg->c_logpath) == -1)
		goto out;
	rc = 0;
out:
	free(key);
	return rc;
}

/*
 * A log file that has not appeared (its directory exists): the reader
 * waits for it, and so does this for a day of `now` (meta log_absent: since
 * when); after that it is a problem (1, *why).  Written only on a change.
 */
static int
absent_log(struct store *st, const struct config *cfg, int64_t now, char *why, size_t len)
{
	struct stat	sb;
	int64_t		since;
	char		buf[32];

	if (cfg->c_journal)
		return 0;
	since = meta_time(st, "log_absent");
	if (stat(cfg->c_logpath, &sb) == 0 || errno != ENOENT) {
		if (since != 0 && store_meta_put(st, "log_absent", "") == -1)
			return -1;
		return 0;
	}
	if (since == 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, now);
		return store_meta_put(st, "log_absent", buf) == -1 ? -1 : 0;
	}
	if (now >= since && now - since < PROBLEM_DAY)
		return 0;
	snprintf(why, len, "logpath %s: no such file since %s (check the spelling; "
	    "without rsyslog, sendmail logs to the journal: write logpath = journal, "
	    "or auto)", cfg->c_logpath, fmt_time_utc(since, buf, sizeof(buf)));
	return 1;
}

/* journal_follow callback: one entry is one line. */
static int
journal_entry(void *arg, const struct sysline *sl, const char *cursor)
{
	struct ingest	*in = arg;

	(void)cursor;
	in->in_lineno++;
	in->in_stats.is_lines++;
	return ingest_sysline(in, sl, NULL, 0);
}

/*
 * logpath = journal: read the journal after the saved cursor; the new
 * cursor is saved in the same transaction as the failures it produced.
 */
static int
read_journal(struct store *st, const struct config *cfg, struct ingest *in,
    struct reader_stats *rs)
{
	struct journal_stats	 js;
	char			*cur = NULL, *newcur = NULL;
	int			 rc = -1;

	memset(&js, 0, sizeof(js));
	if (store_meta_get(st, "journal_cursor", &cur) == -1)
		return -1;
	if (journal_follow(cfg, cur, journal_entry, in, &newcur, &js) == -1)
		goto out;
	rs->rs_lines = js.js_entries;
	in->in_stats.is_unparsed += js.js_bad + js.js_skipped;
	if (newcur != NULL && store_meta_put(st, "journal_cursor", newcur) == -1)
		goto out;
	rc = 0;
out:
	free(cur);
	free(newcur);
	return rc;
}

/* What follows a source step's error: the run goes on without it. */
#define FOLLOWS_LOG	"the firewall still follows the database (fix the log; " \
			"the next run reads on from the saved position)"
#define FOLLOWS_JOURNAL	"the firewall still follows the database (the next run " \
			"reads on from the saved cursor)"
#define INTERRUPTED	"interrupted after the commit (firewall step not recorded)"

/*
 * The source step: the new lines (or journal entries) into the store
 * transaction.  Its error is held back for problem_say() (*say gets what
 * to say, "" if nothing): 1 when the log cannot be read or can yield
 * nothing (*why gets the reason, *say it with what happens next: the
 * caller rolls back and goes on without the log), -1 when the database
 * failed (said at once), 0 when all was read (an error the source went on
 * after is said at once).
 */
static int
read_source(struct store *st, const struct config *cfg, struct ingest *in,
    struct reader_stats *rs, int64_t now, char *why, size_t len, char *say,
    size_t saylen)
{
	unsigned	nerr = store_errors(st);
	int		r = 0;

	say[0] = '\0';
	if (source_problem(cfg, why, len) ||
	    (r = absent_log(st, cfg, now, why, len)) == 1) {
		snprintf(say, saylen, "%s", why);
		return 1;
	}
	if (r == -1)
		return -1;
	log_mark();
	log_hold(1);
	r = cfg->c_journal ? read_journal(st, cfg, in, rs) :
	    read_log(st, cfg, in, rs);
	log_hold(0);
	if (r == 0) {
		/* An error the source went on after is an event: said as it is. */
		if (log_first()[0] != '\0')
			log_error("%s", log_first());
		return 0;
	}
	if (store_errors(st) != nerr)
		return log_error("%s", log_first());
	snprintf(why, len, "%s", log_first()[0] != '\0' ? log_first() : "unknown error");
	snprintf(say, saylen, "%s; %s", why, cfg->c_journal ? FOLLOWS_JOURNAL : FOLLOWS_LOG);
	return 1;
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'N' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*cfgpath = DEFAULT_CONFIG;
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	struct store		*st = NULL;
	struct ingest		 in;
	struct reader_stats	 rs;
	struct runrec		 rr;
	struct timespec		 t0;
	struct stat		 sb;
	char			 srcwhy[4200], fwwhy[1024], status[4400], note[512];
	char			 srcsay[4400], fwsay[4400], srcdesc[512], buf[32], *pv = NULL;
	int64_t			 now = -1, maxid = 0, newbans = 0, added = 0, removed = 0;
	size_t			 nactive = 0;
	int			 c, dry = 0, lockfd = -1, rc = EXIT_RUNTIME, fw;
	int			 intx = 0, inited = 0, dbfail = 0, srcfail = 0, committed = 0;
	int			 fleet = 0;
	int			 paused = 0;
	int64_t			 pausedat = 0;
	unsigned		 nerr;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'N':
			if (cmd_now(optarg, &now) == -1)
				return EXIT_USAGE;
			break;
		case 'n': dry = 1; break;
		case 'v': log_verbose = 1; break;
		case 'h':
			puts("usage: mailban run [-c FILE] [--now TIME] [--dry-run] [-v]");
			return EXIT_OK;
		default:
			return cmd_badopt("run", c, argc, argv);
		}
	}
	if (optind != argc)
		return cmd_usage("run", "unexpected argument \"%s\"", argv[optind]);
	if (now == -1)
		now = time(NULL);
	/* A cron run's config errors go to syslog too (LOG_DAEMON until the
	 * config says otherwise). */
	if (!dry)
		log_syslog(1);
	if ((rc = cmd_load(cfgpath, &cfg, &fs)) != EXIT_OK)
		return rc;
	rc = EXIT_RUNTIME;
	source_resolve(cfg, now, srcdesc, sizeof(srcdesc));
	srcsay[0] = fwsay[0] = '\0';
	if (!dry) {
		log_facility(cfg->c_facility);
		switch (cmd_lock(cfg, &lockfd)) {
		case 1:
			rc = EXIT_OK;	/* another run is at work: quietly leave it */
			goto out;
		case -1:
			goto out;
		}
	}
	/* A dry run must not create the database: use an empty one in memory. */
	if (store_open(dry && stat(cfg->c_database, &sb) == -1 ? ":memory:" : cfg->c_database,
	    STORE_CREATE, &st) == -1)
		goto out;
	if (store_check_daily(st, now, !dry) == -1)
		goto out;	/* damaged: nothing is applied from it */
	store_clock(st, now);	/* --now replaces the clock, positions included */

	/*
	 * One transaction: the failures read, the new position, the bans
	 * they cause and this run's row.  Whatever the log does, the run
	 * goes on to the firewall step from what the database holds.
	 */
	memset(&rs, 0, sizeof(rs));
	ingest_init(&in, cfg, fs, st, now);
	inited = 1;
	if (store_begin(st) == -1)
		dbfail = 1;
	else
		intx = 1;
	if (!dbfail && store_failure_maxid(st, &maxid) == -1)
		dbfail = 1;
	if (!dbfail)
		switch (read_source(st, cfg, &in, &rs, now, srcwhy, sizeof(srcwhy),
		    srcsay, sizeof(srcsay))) {
		case 0:
			/* The last good read, for status (in the run's transaction). */
			snprintf(buf, sizeof(buf), "%" PRId64, now);
			if (store_meta_put(st, "source_read", buf) == -1)
				dbfail = 1;
			break;
		case -1:
			dbfail = 1;
			break;
		case 1:
			/* Nothing of the unreadable source is kept: it is read again. */
			srcfail = 1;
			store_rollback(st);
			intx = 0;
			ingest_free(&in);
			ingest_init(&in, cfg, fs, st, now);
			memset(&rs, 0, sizeof(rs));
			if (store_begin(st) == -1)
				dbfail = 1;
			else
				intx = 1;
			break;
		}
	if (!dbfail && (ingest_window(st, cfg, maxid, 1, &newbans) == -1 ||
	    ingest_expire(&in, now) == -1 ||
	    purge(st, cfg, now) == -1))
		dbfail = 1;
	/* mailban stop: the run records, but applies nothing until start. */
	if (!dbfail && store_meta_get(st, "paused", &pv) == 1 && pv[0] != '\0') {
		paused = 1;
		pausedat = strtoll(pv, NULL, 10);
	}

	memset(&rr, 0, sizeof(rr));
	rr.r_started = time(NULL);
	rr.r_now = now;
	rr.r_lines = (int64_t)rs.rs_lines;
	rr.r_bytes = (int64_t)rs.rs_bytes;
	rr.r_skipped = (int64_t)(in.in_stats.is_unparsed + in.in_stats.is_badaddr + rs.rs_long);
	rr.r_failures = (int64_t)in.in_stats.is_failures;
	rr.r_newbans = newbans;
	if (srcfail)
		snprintf(status, sizeof(status), "%s not read: %s",
		    cfg->c_journal ? "journal" : "log", srcwhy);
	else if (paused)
		snprintf(status, sizeof(status), "paused since %s",
		    fmt_time_utc(pausedat, buf, sizeof(buf)));
	rr.r_status = srcfail ? status : INTERRUPTED;
	if (dry) {
		problem_say(st, PROBLEM_SOURCE, "", srcsay, now, 1);
		if (dbfail)
			goto out;	/* rolls back */
		fw = paused ? 0 : cmd_apply(cfg, st, now, stdout, &added, &removed, NULL);
		rc = fw == -1 || srcfail ? EXIT_RUNTIME : EXIT_OK;
		goto out;	/* rolls back */
	}
	if (!dbfail && (store_run_add(st, &rr) == -1 || store_commit(st) == -1))
		dbfail = 1;
	if (dbfail) {
		if (intx)
			store_rollback(st);	/* nothing of this run is kept */
	} else
		committed = 1;
	intx = 0;
	if (store_damaged(st)) {
		problem_say(st, PROBLEM_SOURCE, "", srcsay, now, 1);
		goto out;	/* nothing is applied from a damaged file */
	}
	/* Fleet mode (fleet.c): push this host's failures, pull the others';
	 * it reports its own problems, and the firewall step runs whatever. */
	fleet = cfg->c_fleet != NULL && committed ? fleet_sync(cfg, st, now, &newbans) : 0;

	/* The firewall's errors are held for problem_say(); the database's
	 * are said at once. */
	fw = 0;
	if (!paused) {
		nerr = store_errors(st);
		log_mark();
		log_hold(1);
		fw = cmd_apply(cfg, st, now, NULL, &added, &removed, &nactive);
		log_hold(0);
		snprintf(fwwhy, sizeof(fwwhy), "%s", fw == -1 ? log_first() : "");
		if (store_errors(st) != nerr) {
			dbfail = 1;
			problem_say(st, PROBLEM_FIREWALL, "", log_held_text(), now, 1);
		} else
			snprintf(fwsay, sizeof(fwsay), "%s", log_held_text());
	}
	/* Quiet, not silent: each problem said when it starts, changes, once a
	 * day, and when it clears (-v says it every time and keeps no state).
	 * Without a working database there is no state: said every time. */
	problem_say(st, PROBLEM_SOURCE, cfg->c_journal ? "journal" : "log source",
	    srcsay, now, dbfail || log_verbose);
	if (!paused && !dbfail)
		problem_say(st, PROBLEM_FIREWALL, "firewall", fwsay, now, log_verbose);
	rc = fw == -1 || srcfail || dbfail || fleet == -1 ? EXIT_RUNTIME : EXIT_OK;
	if (!committed)
		goto out;
	rr.r_expired = removed;
	rr.r_added = added;
	rr.r_removed = removed;
	rr.r_ms = ms_since(&t0);
	if (fw == -1)
		snprintf(status + (srcfail ? strlen(status) : 0),
		    sizeof(status) - (srcfail ? strlen(status) : 0),
		    "%sfirewall failed: %s", srcfail ? "; " : "", fwwhy);
	rr.r_status = srcfail || fw == -1 || paused ? status : "ok";
	snprintf(note, sizeof(note), "but this run's %" PRId64 " failures, %" PRId64
	    " new bans and its reader position were committed%s; only its row in "
	    "runs is incomplete (free some space)", rr.r_failures, newbans,
	    fw == -1 ? " (the firewall step failed)" : " and applied");
	store_full_note(st, note);
	if (store_run_update(st, &rr) == -1) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (log_verbose)
		printf("mailban: run: %" PRId64 " lines (%" PRId64 " skipped), %" PRId64
		    " failures, %" PRId64 " new bans, %zu active, rules +%" PRId64 " -%" PRId64
		    ", %" PRId64 " ms\n", rr.r_lines, rr.r_skipped, rr.r_failures, newbans,
		    nactive, rr.r_added, rr.r_removed, rr.r_ms);
out:
	free(pv);
	if (intx)
		store_rollback(st);
	if (inited)
		ingest_free(&in);
	store_close(st);
	cmd_unlock(lockfd);
	filter_free(fs);
	config_free(cfg);
	return rc;
}
