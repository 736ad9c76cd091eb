/*
 * stages.c -- where the time of a `mailban scan` goes, stage by stage.
 *
 *   stages CONF DB LOG
 *
 * Runs the pipeline of `mailban scan` over LOG four times, each pass one
 * stage longer, and prints one line per stage with its own cost (the
 * difference to the pass before), in seconds and nanoseconds per line:
 *   reader   reader_stream() with a callback that only counts
 *   syslog   + syslog_parse()
 *   filter   + filter_line() (prefilter, PCRE2, addr_parse)
 *   ingest   + the rest of ingest_line(): whitelist, queue-id
 *            correlation and store_failure_add() into DB (a fresh file,
 *            one transaction, as scan)
 *   window   bans_window(): every touched (jail, address) re-evaluated
 *   commit   store_commit()
 * Costs are CPU time of the process (user + system), which other load
 * on the machine disturbs less than wall time; the total is also given
 * as wall time.  The page cache is warm after the first pass.  A
 * measurement for the benchmark, linked against build/libmailban.a; not
 * a test.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bans.h"
#include "config.h"
#include "filter.h"
#include "ingest.h"
#include "reader.h"
#include "store.h"
#include "syslog.h"

struct pass {
	struct syslog_ctx	 sc;
	struct filterset	*fs;
	uint64_t		 lines, parsed, matched;
	int			 stage;
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cb(void *arg, const char *file, const char *line, size_t len)
{
	struct pass	*p = arg;
	struct sysline	 sl;
	struct match	 m[16];

	(void)file;
	p->lines++;
	if (p->stage < 1 || syslog_parse(&p->sc, line, len, &sl) == -1)
		return 0;
	p->parsed++;
	if (p->stage < 2)
		return 0;
	p->matched += filter_line(p->fs, &sl, m, sizeof(m) / sizeof(m[0]));
	return 0;
}

static int
read_all(const char *log, reader_fn fn, void *arg)
{
	struct reader_stats	rs;
	int			fd, rc;

	memset(&rs, 0, sizeof(rs));
	if ((fd = open(log, O_RDONLY | O_CLOEXEC)) == -1) {
		perror(log);
		return -1;
	}
	rc = reader_stream(fd, log, fn, arg, &rs);
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "reader", "syslog", "filter" };
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	struct store		*st = NULL;
	struct ingest		 in;
	struct pass		 p;
	struct rusage		 ru;
	double			 t[7], prev = 0, d, w0, w1;
	int64_t			 maxid, newbans;
	int			 s, best;
	int64_t			 ref;

	if (argc != 4) {
		fprintf(stderr, "usage: stages CONF DB LOG\n");
		return 64;
	}
	ref = time(NULL);
	if (config_load(argv[1], &cfg) == -1 || filter_compile(cfg, &fs) == -1)
		return 78;
	/* Warm the page cache, then each stage: the best of three passes. */
	memset(&p, 0, sizeof(p));
	if (read_all(argv[3], cb, &p) == -1)
		return 1;
	for (s = 0; s < 3; s++) {
		t[s] = 1e9;
		for (best = 0; best < 3; best++) {
			double	t0;

			memset(&p, 0, sizeof(p));
			p.stage = s;
			p.fs = fs;
			syslog_init(&p.sc, ref);
			t0 = now_s();
			if (read_all(argv[3], cb, &p) == -1)
				return 1;
			if (now_s() - t0 < t[s])
				t[s] = now_s() - t0;
		}
	}
	unlink(argv[2]);
	if (store_open(argv[2], STORE_CREATE, &st) == -1 || store_begin(st) == -1 ||
	    store_failure_maxid(st, &maxid) == -1)
		return 1;
	ingest_init(&in, cfg, fs, st, ref);
	w0 = wall_s();
	t[3] = now_s();
	if (read_all(argv[3], ingest_line, &in) == -1)
		return 1;
	t[4] = now_s();
	if (bans_window(st, cfg, maxid, 0, &newbans) == -1)
		return 1;
	t[5] = now_s();
	if (store_commit(st) == -1)
		return 1;
	t[6] = now_s();
	w1 = wall_s();
	getrusage(RUSAGE_SELF, &ru);

	printf("%-8s %9s %9s   (%" PRIu64 " lines, %" PRIu64 " parsed, %" PRIu64
	    " filter matches, %" PRIu64 " failures, %" PRId64 " bans)\n", "stage", "cpu s",
	    "ns/line", p.lines, p.parsed, p.matched, in.in_stats.is_failures, newbans);
	for (s = 0; s < 3; s++) {
		d = t[s] - prev;
		prev = t[s];
		printf("%-8s %9.3f %9.1f\n", names[s], d, d * 1e9 / (double)p.lines);
	}
	d = t[4] - t[3] - prev;
	printf("%-8s %9.3f %9.1f\n", "ingest", d, d * 1e9 / (double)p.lines);
	d = t[5] - t[4];
	printf("%-8s %9.3f %9.1f\n", "window", d, d * 1e9 / (double)p.lines);
	d = t[6] - t[5];
	printf("%-8s %9.3f %9.1f\n", "commit", d, d * 1e9 / (double)p.lines);
	d = t[6] - t[3];
	printf("%-8s %9.3f %9.1f   (the ingest pass; wall %.3f s, peak RSS %ld KB)\n",
	    "total", d, d * 1e9 / (double)p.lines, w1 - w0, ru.ru_maxrss);
	ingest_free(&in);
	store_close(st);
	filter_free(fs);
	config_free(cfg);
	return 0;
}
