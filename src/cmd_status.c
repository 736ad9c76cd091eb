/*
 * cmd_status.c -- `mailban status`: first what needs the operator (a
 * pause, each problem in force, the log source and its last good read),
 * then the active bans, the reader positions and the last run, read from
 * the database without the lock (WAL lets it read while a run writes).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bans.h"
#include "cmd.h"
#include "fleet.h"
#include "log.h"
#include "policy.h"
#include "problem.h"
#include "reader.h"
#include "source.h"
#include "store.h"
#include "util.h"

/* The positions' keys and when each was last written (by a good read). */
struct readtimes {
	char	**rt_key;
	int64_t	 *rt_at;
	size_t	  rt_n;
};

static int
readtime_add(void *arg, const char *path, const struct logpos *p, int64_t updated)
{
	struct readtimes	*rt = arg;

	(void)p;
	rt->rt_key = xreallocarray(rt->rt_key, rt->rt_n + 1, sizeof(*rt->rt_key));
	rt->rt_at = xreallocarray(rt->rt_at, rt->rt_n + 1, sizeof(*rt->rt_at));
	rt->rt_key[rt->rt_n] = xstrdup(path);
	rt->rt_at[rt->rt_n++] = updated;
	return 0;
}

/* "source PATH: last read TIME" (or never). */
static void
print_source(const struct readtimes *rt, const char *path, const char *key)
{
	char	t[32];
	size_t	i;

	for (i = 0; i < rt->rt_n; i++)
		if (strcmp(rt->rt_key[i], key) == 0)
			break;
	printf("source %s: last read %s\n", path, i < rt->rt_n ?
	    fmt_time_utc(rt->rt_at[i], t, sizeof(t)) : "never");
}

/*
 * With several paths or a glob in logpath: each file followed now with
 * its last read (when its position was last saved), in logpath's order;
 * a glob that matches nothing says so.
 */
static int
print_sources(struct store *st, const struct config *cfg)
{
	struct readtimes	 rt;
	struct srclogs		 sl;
	char			 why[4096], *key;
	size_t			 i, k, n;
	int			 rc = -1;

	if (cfg->c_journal || (cfg->c_nlogpaths == 1 && !path_has_glob(cfg->c_logpaths[0])))
		return 0;
	memset(&rt, 0, sizeof(rt));
	source_logs(cfg, 0, &sl, why, sizeof(why));
	if (store_pos_each(st, readtime_add, &rt) == -1)
		goto out;
	for (i = 0; i < cfg->c_nlogpaths; i++) {
		const char *w = cfg->c_logpaths[i];

		if (!path_has_glob(w)) {
			key = reader_key(w);
			print_source(&rt, w, key);
			free(key);
			continue;
		}
		for (k = n = 0; k < sl.sl_n; k++)
			if (sl.sl_v[k].sl_word == w) {
				print_source(&rt, sl.sl_v[k].sl_path, sl.sl_v[k].sl_key);
				n++;
			}
		if (n == 0)
			printf("source %s: no file matches\n", w);
	}
	rc = 0;
out:
	for (i = 0; i < rt.rt_n; i++)
		free(rt.rt_key[i]);
	free(rt.rt_key);
	free(rt.rt_at);
	source_logs_free(&sl);
	return rc;
}

/* The pause, the problems in force, the source and its last good read. */
static int
print_first(struct store *st, const struct config *cfg, const char *srcdesc)
{
	static const char *const kinds[] = { PROBLEM_SOURCE, PROBLEM_FIREWALL };
	const char	*p, *nl;
	char		*v = NULL, *text, t[32];
	int64_t		 since;
	size_t		 i;
	int		 r;

	if ((r = store_meta_get(st, "paused", &v)) == -1)
		return -1;
	if (r == 1 && v[0] != '\0')
		printf("paused since %s (mailban start resumes)\n",
		    fmt_time_utc(strtoll(v, NULL, 10), t, sizeof(t)));
	free(v);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((r = problem_get(st, kinds[i], &since, &text)) == -1)
			return -1;
		if (r == 0)
			continue;
		fmt_time_utc(since, t, sizeof(t));
		for (p = text; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
			nl = p + strcspn(p, "\n");
			printf("problem since %s: %.*s\n", t, (int)(nl - p), p);
		}
		free(text);
	}
	printf("source: %s (%s)\n", source_name(cfg), srcdesc);
	if ((r = store_meta_get(st, "source_read", &v)) == -1)
		return -1;
	printf("last read: %s\n", r == 1 ? fmt_time_utc(strtoll(v, NULL, 10), t,
	    sizeof(t)) : "never");
	free(v);
	return print_sources(st, cfg);
}

static int
print_pos(void *arg, const char *path, const struct logpos *p, int64_t updated)
{
	char	t[32];

	(void)arg;
	printf("log %s: offset %" PRId64 ", inode %" PRIu64 ", read at %s\n", path,
	    p->lp_offset, p->lp_ino, fmt_time_utc(updated, t, sizeof(t)));
	return 0;
}

/*
 * For a ban in force: the bans of its (filter, address) within
 * bantime.window (this one included), and how long the next one would
 * last (repeat offenders), as "1h", "2h30m" or "permanent"; "-" for a
 * manual ban or a filter no longer configured.
 */
static int
next_ban(struct store *st, const struct config *cfg, const struct banrow *b, int64_t now,
    int64_t *nb, char *buf, size_t len)
{
	const struct jail	*j = NULL;
	struct policy_inc	 pi;
	int64_t			*v = NULL, d;
	size_t			 n = 0, i;

	for (i = 0; i < cfg->c_njails; i++)
		if (strcmp(cfg->c_jails[i].j_name, b->b_jail) == 0)
			j = &cfg->c_jails[i];
	if (bans_starts(st, b->b_jail, b->b_addr, now - cfg->c_inc_window, now + 1,
	    &v, &n) == -1)
		return -1;
	free(v);
	*nb = (int64_t)n;
	if (j == NULL) {
		snprintf(buf, len, "-");
		return 0;
	}
	bans_policy_inc(cfg, &pi);
	pi.pi_rndtime = 0;	/* no random part: it is not known yet */
	d = policy_bantime(&pi, j->j_bantime, now, n, 0);
	if (d < 0)
		snprintf(buf, len, "permanent");
	else
		fmt_duration(d, buf, len);
	return 0;
}

int
cmd_status(int argc, char **argv)
{
	struct cmdopts	 o = { .co_cmd = "status", .co_flags = CMDOPT_NOW | CMDOPT_NOARGS,
	    .co_help = "usage: mailban status [-c FILE] [--now TIME]\n" };
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	struct banrow	*rows = NULL;
	struct runrec	 rr;
	struct stat	 sb;
	char		 t1[32], t2[32], srcdesc[512];
	int64_t		 now;
	size_t		 n = 0, i;
	int		 r, rc = EXIT_RUNTIME;

	while (cmd_getopt(&o, argc, argv) != -1)
		return o.co_rc;
	if ((now = o.co_now) == -1)
		now = time(NULL);
	if (config_load(o.co_config, &cfg) == -1)
		return EXIT_CONFIG;
	source_resolve(cfg, now, srcdesc, sizeof(srcdesc));
	if (stat(cfg->c_database, &sb) == -1) {
		printf("no database yet at %s: no run has happened\n", cfg->c_database);
		printf("source: %s (%s)\n", source_name(cfg), srcdesc);
		rc = EXIT_OK;
		goto out;
	}
	if (store_open(cfg->c_database, STORE_RDONLY, &st) == -1 ||
	    print_first(st, cfg, srcdesc) == -1 ||
	    bans_active(st, now, &rows, &n) == -1)
		goto out;
	printf("active bans at %s: %zu\n", fmt_time_utc(now, t1, sizeof(t1)), n);
	if (n > 0)
		printf("%-39s %-18s %-20s %-20s %-8s %-4s %s\n", "ADDRESS", "FILTER", "SINCE",
		    "UNTIL", "FAILURES", "BANS", "NEXT");
	for (i = 0; i < n; i++) {
		int64_t	nb = 0;
		char	next[32];

		if (next_ban(st, cfg, &rows[i], now, &nb, next, sizeof(next)) == -1)
			goto out;
		printf("%-39s %-18s %-20s %-20s %-8" PRId64 " %-4" PRId64 " %s\n",
		    rows[i].b_addr, rows[i].b_jail,
		    fmt_time_utc(rows[i].b_start, t1, sizeof(t1)),
		    rows[i].b_end == TIME_FOREVER ? "permanent" :
		    fmt_time_utc(rows[i].b_end, t2, sizeof(t2)), rows[i].b_failures, nb, next);
	}
	if (store_pos_each(st, print_pos, NULL) == -1)
		goto out;
	if ((r = store_run_last(st, &rr)) == -1)
		goto out;
	if (r == 0)
		puts("last run: none");
	else {
		printf("last run: %s (now %s), %" PRId64 " lines, %" PRId64 " skipped, %"
		    PRId64 " failures, %" PRId64 " new bans, rules +%" PRId64 " -%" PRId64
		    ", %" PRId64 " ms, %s\n", fmt_time_utc(rr.r_started, t1, sizeof(t1)),
		    fmt_time_utc(rr.r_now, t2, sizeof(t2)), rr.r_lines, rr.r_skipped,
		    rr.r_failures, rr.r_newbans, rr.r_added, rr.r_removed, rr.r_ms, rr.r_status);
		free((char *)rr.r_status);
	}
	if (cfg->c_fleet != NULL && fleet_status(cfg, st, stdout) == -1)
		goto out;
	rc = EXIT_OK;
out:
	store_banrows_free(rows, n);
	cmd_close(st, -1, cfg);
	return rc;
}
