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
 * One log file: read from the saved position, save the new one.  The
 * position is kept under reader_key(path) (sl_key), whatever the spelling
 * of the path; one saved under the configured text (by a version that
 * keyed positions so) is taken and moved to that key.  No file yet gives
 * no position (saving an empty one would make the file, once written,
 * look like a replacement of a lost one).
 */
static int
read_log(struct store *st, const struct srclog *lg, struct ingest *in,
    struct reader_stats *rs)
{
	struct logpos	 pos;
	int		 have, old = 0;

	memset(&pos, 0, sizeof(pos));
	if ((have = store_pos_get(st, lg->sl_key, &pos)) == 0 &&
	    strcmp(lg->sl_key, lg->sl_path) != 0)
		old = have = store_pos_get(st, lg->sl_path, &pos);
	/* An empty position (saved by older versions while there was no file)
	 * is none. */
	if (have == 1 && pos.lp_dev == 0 && pos.lp_ino == 0 && pos.lp_offset == 0)
		have = 0;
	if (have == -1 ||
	    reader_follow(lg->sl_path, &pos, have, ingest_line, in, rs) == -1)
		return -1;
	if (!(pos.lp_dev == 0 && pos.lp_ino == 0 && pos.lp_offset == 0) &&
	    store_pos_put(st, lg->sl_key, &pos) == -1)
		return -1;
	if (old == 1 && store_pos_del(st, lg->sl_path) == -1)
		return -1;
	return 0;
}

/* Append one line (sep between lines) to buf; cut at len if need be. */
static void
add_line(char *buf, size_t len, const char *sep, const char *line)
{
	size_t	o = strlen(buf);
	int	n;

	if (o + 1 >= len)
		return;
	n = snprintf(buf + o, len - o, "%s%s", o > 0 ? sep : "", line);
	if (n < 0 || (size_t)n >= len - o)
		buf[len - 1] = '\0';
}

/*
 * The paths of logpath that have not appeared (their directory exists):
 * the reader waits for each, and so does this for a day of `now`; after
 * that each is a problem (one line of *why and *say each).  Meta
 * log_absent holds "SINCE PATH" lines (a value without a path, by an
 * older version, counts for each); written only on a change.  Returns
 * how many are problems, or -1.
 */
static int
absent_logs(struct store *st, const struct config *cfg, const struct srclogs *sl,
    int64_t now, char *why, size_t len, char *say, size_t saylen)
{
	struct stat	 sb;
	const char	*p, *nl, *sp;
	char		*old = NULL, *val, buf[32], line[4400];
	size_t		 i, vlen = 1, o = 0;
	int64_t		 since;
	int		 r, n = 0;

	if (cfg->c_journal)
		return 0;
	if ((r = store_meta_get(st, "log_absent", &old)) == -1)
		return -1;
	for (i = 0; i < sl->sl_n; i++)
		vlen += 22 + strlen(sl->sl_v[i].sl_path);
	val = xmalloc(vlen);
	val[0] = '\0';
	for (i = 0; i < sl->sl_n; i++) {
		const char *path = sl->sl_v[i].sl_path;

		if (strcmp(path, sl->sl_v[i].sl_word) != 0 ||
		    stat(path, &sb) == 0 || errno != ENOENT)
			continue;	/* a glob's match, or there */
		since = now;
		for (p = r == 1 ? old : ""; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
			nl = p + strcspn(p, "\n");
			sp = memchr(p, ' ', (size_t)(nl - p));
			if (sp == NULL || ((size_t)(nl - sp - 1) == strlen(path) &&
			    memcmp(sp + 1, path, strlen(path)) == 0)) {
				since = strtoll(p, NULL, 10);
				if (sp != NULL)
					break;
			}
		}
		o += (size_t)snprintf(val + o, vlen - o, "%s%" PRId64 " %s", o > 0 ? "\n" : "",
		    since, path);
		if (now >= since && now - since < PROBLEM_DAY)
			continue;
		snprintf(line, sizeof(line), "logpath %s: no such file since %s (check the "
		    "spelling; without rsyslog, sendmail logs to the journal: write logpath "
		    "= journal, or auto)", path, fmt_time_utc(since, buf, sizeof(buf)));
		add_line(why, len, "; ", line);
		add_line(say, saylen, "\n", line);
		n++;
	}
	if (strcmp(val, r == 1 ? old : "") != 0 && store_meta_put(st, "log_absent", val) == -1)
		n = -1;
	free(val);
	free(old);
	return n;
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

/* Forget what was read of the source: the transaction and the counts. */
static int
discard(struct store *st, const struct config *cfg, struct filterset *fs,
    struct ingest *in, struct reader_stats *rs, int64_t now)
{
	store_rollback(st);
	in->in_stats.is_limited = 0;	/* said when it is read for good */
	ingest_free(in);
	ingest_init(in, cfg, fs, st, now);
	memset(rs, 0, sizeof(*rs));
	return store_begin(st);
}

/*
 * The source step: the new lines (or journal entries) into the store
 * transaction.  Its errors are held back for problem_say() (*say gets
 * what to say, one line per problem, "" if nothing): 1 when the source,
 * or a path of it, cannot be read or can yield nothing (*why gets the
 * reasons, "; " between them, for the runs row), -1 when the database
 * failed (said at once; the transaction may be gone), 0 when all was read
 * (an error the reader went on after is said at once).
 * Each file of logpath is read on its own, all in the one transaction.
 * One that fails is left out: what was read is rolled back and the files
 * are read again without it, so that nothing of a failed file is kept
 * (its position is not saved: the next run reads it again), nothing is
 * counted twice, and the other files are read whatever it does.
 * On 1 the transaction holds what was read well (nothing, for the journal).
 */
static int
read_source(struct store *st, const struct config *cfg, struct filterset *fs,
    struct ingest *in, struct reader_stats *rs, int64_t now, char *why, size_t len,
    char *say, size_t saylen)
{
	struct srclogs	 sl;
	unsigned	 nerr = store_errors(st);
	char		 line[4400], *events = NULL, *failed = NULL;
	const char	*held;
	size_t		 i, elen = 0;
	int		 r = 0, nbad, again;

	say[0] = why[0] = '\0';
	if (cfg->c_journal) {
		log_mark();
		log_hold(1);
		r = read_journal(st, cfg, in, rs);
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
		snprintf(say, saylen, "%s; %s", why, FOLLOWS_JOURNAL);
		return discard(st, cfg, fs, in, rs, now) == -1 ? -1 : 1;
	}
	nbad = source_logs(cfg, 0, &sl, say, saylen);
	for (held = say; *held != '\0';) {
		size_t k = strcspn(held, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)k, held);
		add_line(why, len, "; ", line);
		held += k + (held[k] != '\0');
	}
	if ((r = absent_logs(st, cfg, &sl, now, why, len, say, saylen)) == -1)
		goto out;
	nbad += r;
	failed = xcalloc(sl.sl_n + 1, 1);
	do {
		again = 0;
		free(events);
		events = NULL;
		elen = 0;
		for (i = 0; i < sl.sl_n && !again; i++) {
			if (failed[i])
				continue;
			log_mark();
			log_hold(1);
			r = read_log(st, &sl.sl_v[i], in, rs);
			log_hold(0);
			if (r == 0) {
				held = log_held_text();
				if (held[0] != '\0') {
					events = xreallocarray(events, elen + strlen(held) + 2, 1);
					elen += (size_t)snprintf(events + elen, strlen(held) + 2,
					    "%s%s", elen > 0 ? "\n" : "", held);
				}
				continue;
			}
			if (store_errors(st) != nerr) {
				r = log_error("%s", log_first());
				goto out;
			}
			failed[i] = again = 1;
			nbad++;
			held = log_first()[0] != '\0' ? log_first() : "unknown error";
			add_line(why, len, "; ", held);
			snprintf(line, sizeof(line), "%s; %s", held, FOLLOWS_LOG);
			add_line(say, saylen, "\n", line);
			if (discard(st, cfg, fs, in, rs, now) == -1) {
				r = -1;
				goto out;
			}
		}
	} while (again);
	/* What the reader went on after (bytes lost, ...): said once, as it is. */
	for (held = events != NULL ? events : ""; *held != '\0';) {
		size_t k = strcspn(held, "\n");

		log_error("%.*s", (int)k, held);
		held += k + (held[k] != '\0');
	}
	r = nbad > 0;
out:
	free(events);
	free(failed);
	source_logs_free(&sl);
	return r;
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
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "run", .co_flags = CMDOPT_NOW | CMDOPT_NOARGS,
	    .co_short = "nv", .co_long = opts,
	    .co_help = "usage: mailban run [-c FILE] [--now TIME] [--dry-run] [-v]\n" };
	const char		*cfgpath;
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
	while ((c = cmd_getopt(&o, argc, argv)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'v': log_verbose = 1; break;
		default:
			return o.co_rc;
		}
	}
	cfgpath = o.co_config;
	if ((now = o.co_now) == -1)
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
		switch (read_source(st, cfg, fs, &in, &rs, now, srcwhy, sizeof(srcwhy),
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
			/* Nothing of what could not be read is kept (read_source):
			 * it is read again; the other logs were read. */
			srcfail = 1;
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
