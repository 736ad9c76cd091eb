/*
 * cmd_status.c -- `mailban status`: the active bans, the reader positions
 * and the last run, read from the database without the lock (WAL lets it
 * read while a run writes).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "util.h"

static int
print_pos(void *arg, const char *path, const struct logpos *p, int64_t updated)
{
	char	t[32];

	(void)arg;
	printf("log %s: offset %" PRId64 ", inode %" PRIu64 ", read at %s\n", path,
	    p->lp_offset, p->lp_ino, fmt_time_utc(updated, t, sizeof(t)));
	return 0;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*cfgpath = DEFAULT_CONFIG;
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	struct banrow	*rows = NULL;
	struct runrec	 rr;
	struct stat	 sb;
	char		 t1[32], t2[32];
	int64_t		 now = -1;
	size_t		 n = 0, i;
	int		 c, r, rc = EXIT_RUNTIME;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'N':
			if (cmd_now(optarg, &now) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			puts("usage: mailban status [-c FILE] [--now TIME]");
			return EXIT_OK;
		default:
			return cmd_usage("status", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage("status", "unexpected argument \"%s\"", argv[optind]);
	if (now == -1)
		now = time(NULL);
	if (config_load(cfgpath, &cfg) == -1)
		return EXIT_CONFIG;
	if (stat(cfg->c_database, &sb) == -1) {
		printf("no database yet at %s: no run has happened\n", cfg->c_database);
		rc = EXIT_OK;
		goto out;
	}
	if (store_open(cfg->c_database, STORE_RDONLY, &st) == -1 ||
	    store_active(st, now, &rows, &n) == -1)
		goto out;
	printf("active bans at %s: %zu\n", fmt_time_utc(now, t1, sizeof(t1)), n);
	if (n > 0)
		printf("%-39s %-18s %-20s %-20s %s\n", "ADDRESS", "FILTER", "SINCE", "UNTIL",
		    "FAILURES");
	for (i = 0; i < n; i++)
		printf("%-39s %-18s %-20s %-20s %" PRId64 "\n", rows[i].b_addr, rows[i].b_jail,
		    fmt_time_utc(rows[i].b_start, t1, sizeof(t1)),
		    rows[i].b_end == TIME_FOREVER ? "permanent" :
		    fmt_time_utc(rows[i].b_end, t2, sizeof(t2)), rows[i].b_failures);
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
	rc = EXIT_OK;
out:
	store_banrows_free(rows, n);
	store_close(st);
	config_free(cfg);
	return rc;
}
