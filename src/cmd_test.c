/*
 * cmd_test.c -- `mailban test`: fail2ban-regex's job.  Reads any log (no
 * database file, no firewall, no lock), applies the enabled filters, one
 * filter (--filter NAME[:MODE]) or one regex (--regex RE), and prints hit
 * counts or, with --format tsv, one row per failure:
 *   LINE<TAB>TIME<TAB>ADDRESS<TAB>FILTER<TAB>REGEX
 * TIME is local time (TZ) as fail2ban's failJSON writes it; REGEX is the
 * key of the pattern ("failregex.extra.1"), as the database names it.
 * The queue-id correlation runs in an in-memory database, exactly as in
 * `run`.
 * The whitelist (ignoreip) is not applied: this shows what the patterns see.
 * A gzip file (or stream) is read through the reader's own inflater, as
 * `scan` reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ingest.h"
#include "log.h"
#include "reader.h"
#include "store.h"
#include "util.h"

struct testout {
	const struct config	*cfg;
	int			 tsv;
	int			 print;	/* -1 none, else INGEST_* outcome to print */
};

static void
emit_tsv(void *arg, const struct ingest_fail *f)
{
	struct testout	*to = arg;
	char		 a[ADDR_STRLEN], t[32];
	struct tm	 tm;
	time_t		 tt = (time_t)f->if_time;

	if (!to->tsv)
		return;
	localtime_r(&tt, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%" PRIu64 "\t%s\t%s\t%s\t%s\n", f->if_lineno, t,
	    addr_str(f->if_addr, a, sizeof(a)), to->cfg->c_jails[f->if_jail].j_name,
	    to->cfg->c_jails[f->if_jail].j_fail[f->if_pattern].p_key);
}

static void
each_line(void *arg, const char *line, size_t len, int outcome)
{
	struct testout	*to = arg;

	if (to->print == outcome) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
}

/* Keep only jail `name` (optionally ":mode"), enabled. */
static int
select_filter(struct config *cfg, const char *spec)
{
	static const char *const modes[] = { "normal", "extra", "aggressive" };
	const char	*colon = strchr(spec, ':');
	size_t		 len = colon != NULL ? (size_t)(colon - spec) : strlen(spec), i, m;
	int		 found = 0;

	for (i = 0; i < cfg->c_njails; i++) {
		struct jail	*j = &cfg->c_jails[i];

		if (strlen(j->j_name) == len && strncmp(j->j_name, spec, len) == 0) {
			j->j_enabled = 1;
			found = 1;
			if (colon == NULL)
				continue;
			for (m = 0; m < 3; m++)
				if (strcmp(colon + 1, modes[m]) == 0)
					break;
			if (m == 3) {
				cmd_usage("test", "--filter %s: unknown mode (use normal, "
				    "extra or aggressive)", spec);
				return -1;
			}
			j->j_mode = (int)m;
		} else
			j->j_enabled = 0;
	}
	if (!found) {
		cmd_usage("test", "--filter %s: no such filter section in %s", spec, cfg->c_file);
		return -1;
	}
	return 0;
}

/* Replace every jail by one named "regex" holding the given pattern. */
static void
only_regex(struct config *cfg, const char *re)
{
	size_t	i;

	for (i = 0; i < cfg->c_njails; i++)
		cfg->c_jails[i].j_enabled = 0;
	cfg->c_jails = xreallocarray(cfg->c_jails, cfg->c_njails + 1, sizeof(*cfg->c_jails));
	memset(&cfg->c_jails[cfg->c_njails], 0, sizeof(cfg->c_jails[0]));
	cfg->c_jails[cfg->c_njails].j_name = xstrdup("regex");
	cfg->c_jails[cfg->c_njails].j_enabled = 1;
	cfg->c_jails[cfg->c_njails].j_mode = MODE_AGGRESSIVE;
	cfg->c_jails[cfg->c_njails].j_maxretry = 1;
	cfg->c_jails[cfg->c_njails].j_findtime = 1;
	cfg->c_jails[cfg->c_njails].j_bantime = 1;
	cfg->c_jails[cfg->c_njails].j_fail = xcalloc(1, sizeof(struct pattern));
	cfg->c_jails[cfg->c_njails].j_fail[0].p_key = xstrdup("--regex");
	cfg->c_jails[cfg->c_njails].j_fail[0].p_number = 1;
	cfg->c_jails[cfg->c_njails].j_fail[0].p_text = xstrdup(re);
	cfg->c_jails[cfg->c_njails].j_nfail = 1;
	cfg->c_njails++;
}

static void
summary(const struct ingest *in, const struct reader_stats *rs, const struct config *cfg)
{
	const struct ingest_stats *s = &in->in_stats;
	size_t	j, p;

	printf("Lines: %" PRIu64 " lines, %" PRIu64 " matched failures, %" PRIu64
	    " ignored, %" PRIu64 " skipped (not syslog), %" PRIu64 " bad addresses, %"
	    PRIu64 " overlong, %" PRIu64 " waiting for a queue id\n", s->is_lines,
	    s->is_failures, s->is_ignored, s->is_unparsed, s->is_badaddr, rs->rs_long,
	    s->is_waiting);
	puts("Failregex hits:");
	for (j = 0; j < cfg->c_njails; j++) {
		const struct jail *jl = &cfg->c_jails[j];

		if (!jl->j_enabled)
			continue;
		for (p = 0; p < jl->j_nfail; p++) {
			if (jl->j_fail[p].p_minmode > jl->j_mode)
				continue;
			/* By key, as the database names it: no place in a list. */
			printf("  [%" PRIu64 "] %s %s\n", in->in_hits[in->in_hitoff[j] + p],
			    jl->j_name, jl->j_fail[p].p_key);
		}
	}
	printf("Date formats: BSD %" PRIu64 ", RFC 3339 %" PRIu64 ", ISO %" PRIu64 "\n",
	    s->is_formats[TS_BSD], s->is_formats[TS_RFC3339], s->is_formats[TS_ISO]);
}

#define TEST_BLOCK	(64 * 1024)

/*
 * Hand every line of one open input to ingest_line(), as reader_stream()
 * does (a last line without '\n' too, a trailing '\r' removed, lines over
 * READER_LINEMAX skipped and counted in rs_long), but through the reader's
 * line source, so that a .gz reads as `scan` reads it.  Damaged gzip data
 * ends the input with a warning, and the unterminated line before the
 * damage is not passed on.  0, or -1 (reported).
 */
static int
test_stream(struct ingest *in, int fd, const char *name, struct reader_stats *rs)
{
	struct reader_src	*src;
	const char		*why;
	char			*buf, *nl;
	size_t			 have = 0, i, len, cap = READER_LINEMAX + 1 + TEST_BLOCK;
	ssize_t			 n;
	int			 skipping = 0, last, rc = -1;

	if ((src = reader_src_open(fd, name)) == NULL)
		return -1;
	buf = xmalloc(cap);
	for (;;) {
		if ((n = reader_src_read(src, buf + have, cap - have)) == -1)
			goto out;
		have += (size_t)n;
		/* A line cut by the damage may hold a cut address: dropped. */
		last = n == 0 && reader_src_damage(src) == NULL;
		i = 0;
		while ((nl = memchr(buf + i, '\n', have - i)) != NULL || (last && i < have)) {
			len = nl != NULL ? (size_t)(nl - (buf + i)) : have - i;
			rs->rs_lines++;
			if (skipping || len > READER_LINEMAX)
				rs->rs_long++;
			else {
				if (len > 0 && buf[i + len - 1] == '\r')
					len--;
				if (ingest_line(in, name, buf + i, len) == -1)
					goto out;
			}
			skipping = 0;
			i = nl != NULL ? (size_t)(nl - buf) + 1 : have;
		}
		have -= i;
		if (have > READER_LINEMAX) {
			skipping = 1;	/* overlong: drop its bytes as they come */
			have = 0;
		} else if (have > 0 && i > 0)
			memmove(buf, buf + i, have);
		if (n == 0)
			break;
	}
	if (reader_src_capped(src) != 0)
		(void)reader_src_warncap(src, name);
	else if ((why = reader_src_damage(src)) != NULL)
		log_warnx("%s: damaged gzip data (%s): read up to the damage", name, why);
	rc = 0;
out:
	free(buf);
	reader_src_close(src);
	return rc;
}

int
cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "regex", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'F' },
		{ "print", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "test", .co_flags = CMDOPT_NOW,
	    .co_long = opts, .co_help = "usage: mailban test [-c FILE] "
	    "[--filter NAME[:MODE]] [--regex RE] [--now TIME] [--format text|tsv] "
	    "[--print matched|missed|ignored] LOGFILE|-\n" };
	const char		*cfgpath, *filter = NULL, *regex = NULL;
	const char		*file;
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	struct store		*st = NULL;
	struct ingest		 in;
	struct reader_stats	 rs;
	struct testout		 to = { NULL, 0, -1 };
	int64_t			 now = -1;
	int			 c, fd = -1, rc = EXIT_RUNTIME, inited = 0;

	while ((c = cmd_getopt(&o, argc, argv)) != -1) {
		switch (c) {
		case 'f': filter = optarg; break;
		case 'r': regex = optarg; break;
		case 'F':
			if (strcmp(optarg, "tsv") == 0)
				to.tsv = 1;
			else if (strcmp(optarg, "text") != 0)
				return cmd_usage("test", "--format %s: use text or tsv", optarg);
			break;
		case 'p':
			if (strcmp(optarg, "matched") == 0)
				to.print = INGEST_MATCHED;
			else if (strcmp(optarg, "missed") == 0)
				to.print = INGEST_MISSED;
			else if (strcmp(optarg, "ignored") == 0)
				to.print = INGEST_IGNORED;
			else
				return cmd_usage("test", "--print %s: use matched, missed or ignored",
				    optarg);
			break;
		default:
			return o.co_rc;
		}
	}
	cfgpath = o.co_config;
	if (optind + 1 != argc)
		return cmd_usage("test", "give exactly one LOGFILE (or - for standard input)");
	file = argv[optind];
	if ((now = o.co_now) == -1)
		now = time(NULL);
	if (config_load(cfgpath, &cfg) == -1)
		return EXIT_CONFIG;
	if (filter != NULL && select_filter(cfg, filter) == -1) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (regex != NULL)
		only_regex(cfg, regex);
	if (filter_compile(cfg, &fs) == -1) {
		rc = EXIT_CONFIG;
		goto out;
	}
	to.cfg = cfg;
	if (strcmp(file, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		log_error("cannot open %s: %s", file, strerror(errno));
		goto out;
	}
	if (store_open(":memory:", STORE_CREATE, &st) == -1 || store_begin(st) == -1)
		goto out;
	ingest_init(&in, cfg, fs, st, now);
	inited = 1;
	in.in_nowl = 1;
	in.in_emit = emit_tsv;
	in.in_emitarg = &to;
	if (to.print != -1)
		in.in_each = each_line;
	memset(&rs, 0, sizeof(rs));
	if (test_stream(&in, fd, file, &rs) == -1)
		goto out;
	if (!to.tsv && to.print == -1)
		summary(&in, &rs, cfg);
	rc = EXIT_OK;
out:
	if (inited)
		ingest_free(&in);
	if (fd > STDIN_FILENO)
		close(fd);
	store_close(st);	/* an in-memory database: nothing to keep */
	filter_free(fs);
	config_free(cfg);
	return rc;
}
