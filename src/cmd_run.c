/*
 * cmd_run.c -- `mailban run`: one cron cycle.
 *   lock -> quick_check once a day -> read the new complete lines ->
 *   record failures, new reader position, the bans they cause and the
 *   run's row in ONE transaction -> commit -> reconcile both chains with
 *   the active bans -> fleet mode: push and pull (bounded in time), and
 *   reconcile again if that changed the bans -> complete the run's row
 *   (firewall counts, status).
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

#include "apply.h"
#include "bans.h"
#include "cmd.h"
#include "fleet.h"
#include "ingest.h"
#include "journal.h"
#include "log.h"
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
	since = store_meta_time(st, "log_absent");
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

/*
 * The firewall step: both chains from the committed bans.  Its errors are
 * held for problem_say() (*fwsay, *fwwhy the first); the database's are
 * said at once (*dbfail set).  The counts add up over the calls; the
 * texts are the last call's.
 */
static int
fw_step(const struct config *cfg, struct store *st, int64_t now, int64_t *added,
    int64_t *removed, size_t *nactive, char *fwwhy, size_t whylen, char *fwsay,
    size_t saylen, int *dbfail)
{
	unsigned	nerr = store_errors(st);
	int64_t		a = 0, r = 0;
	int		fw;

	log_mark();
	log_hold(1);
	fw = apply_bans(cfg, st, now, NULL, &a, &r, nactive);
	log_hold(0);
	*added += a;
	*removed += r;
	snprintf(fwwhy, whylen, "%s", fw == -1 ? log_first() : "");
	fwsay[0] = '\0';
	if (store_errors(st) != nerr) {
		*dbfail = 1;
		problem_say(st, PROBLEM_FIREWALL, "", log_held_text(), now, 1);
	} else
		snprintf(fwsay, saylen, "%s", log_held_text());
	return fw;
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
	int			 fleet = 0, changed = 0;
	int			 paused = 0;
	int64_t			 pausedat = 0;

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
	if (!dbfail && (bans_window(st, cfg, maxid, 1, &newbans) == -1 ||
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
		fw = paused ? 0 : apply_bans(cfg, st, now, stdout, &added, &removed, NULL);
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
	/* The firewall's errors are held for problem_say(); the database's
	 * are said at once.  It runs before the fleet step, which waits on
	 * another machine (within its deadline), and again after it only if
	 * what was pulled changed the bans. */
	fw = 0;
	if (!paused)
		fw = fw_step(cfg, st, now, &added, &removed, &nactive, fwwhy,
		    sizeof(fwwhy), fwsay, sizeof(fwsay), &dbfail);
	/* Fleet mode (fleet.c): push this host's failures, pull the others';
	 * it reports its own problems. */
	if (cfg->c_fleet != NULL && committed)
		fleet = fleet_sync(cfg, st, now, &newbans, &changed);
	if (!paused && changed)
		fw = fw_step(cfg, st, now, &added, &removed, &nactive, fwwhy,
		    sizeof(fwwhy), fwsay, sizeof(fwsay), &dbfail);
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
