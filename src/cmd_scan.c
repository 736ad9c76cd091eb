/*
 * cmd_scan.c -- `mailban scan`: a forensic run over whole logs (plain or
 * gzip-compressed, or - for standard input) into a database of its own,
 * in event time: the result is the ban timeline that would have happened.
 * The year of BSD timestamps comes from each file's modification time
 * (--now overrides).  No firewall, no reader position, no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd.h"
#include "ingest.h"
#include "log.h"
#include "reader.h"
#include "store.h"
#include "util.h"

/* Feed a gzip file line by line (lines over READER_LINEMAX skipped). */
static int
scan_gz(int fd, const char *name, struct ingest *in, struct reader_stats *rs)
{
	gzFile	 gz;
	char	*buf = xmalloc(READER_LINEMAX + 65536);
	size_t	 have = 0, start, len;
	char	*nl;
	int	 n, skipping = 0, rc = -1;

	if ((gz = gzdopen(fd, "rb")) == NULL) {
		free(buf);
		return log_error("%s: cannot read as gzip", name);
	}
	for (;;) {
		n = gzread(gz, buf + have, (unsigned)(READER_LINEMAX + 65536 - have));
		if (n < 0) {
			int	zerr;

			log_error("%s: %s", name, gzerror(gz, &zerr));
			goto out;
		}
		have += (size_t)n;
		start = 0;
		while ((nl = memchr(buf + start, '\n', have - start)) != NULL) {
			len = (size_t)(nl - (buf + start));
			rs->rs_bytes += len + 1;
			if (skipping)
				skipping = 0;
			else {
				if (len > 0 && buf[start + len - 1] == '\r')
					len--;
				rs->rs_lines++;
				if (ingest_line(in, name, buf + start, len) == -1)
					goto out;
			}
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have >= READER_LINEMAX) {	/* overlong: drop until its end */
			rs->rs_long += skipping ? 0 : 1;
			rs->rs_bytes += have;
			skipping = 1;
			have = 0;
		}
		if (n == 0) {
			if (have > 0 && !skipping) {
				rs->rs_lines++;
				rs->rs_bytes += have;
				if (ingest_line(in, name, buf, have) == -1)
					goto out;
			}
			break;
		}
	}
	rc = 0;
out:
	gzclose(gz);	/* closes fd */
	free(buf);
	return rc;
}

static int
scan_one(const char *name, int64_t now, struct ingest *in, struct reader_stats *rs)
{
	struct stat	sb;
	unsigned char	magic[2];
	int		fd, rc;

	if (strcmp(name, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return log_error("cannot open %s: %s", name, strerror(errno));
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return log_error("%s: %s", name, strerror(errno));
	}
	/* Each file infers its BSD years from its own mtime: old logs get old years. */
	syslog_init(&in->in_sc, now != -1 ? now : S_ISREG(sb.st_mode) ? (int64_t)sb.st_mtime :
	    (int64_t)time(NULL));
	in->in_lineno = 0;
	if (S_ISREG(sb.st_mode) && pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b)
		return scan_gz(fd, name, in, rs);
	rc = reader_stream(fd, name, ingest_line, in, rs);
	close(fd);
	return rc;
}

int
cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*cfgpath = DEFAULT_CONFIG, *db = NULL;
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	struct store		*st = NULL;
	struct ingest		 in;
	struct reader_stats	 rs;
	int64_t			 now = -1, maxid, newbans = 0;
	int			 c, i, rc = EXIT_RUNTIME, inited = 0, intx = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'd': db = optarg; break;
		case 'N':
			if (cmd_now(optarg, &now) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			puts("usage: mailban scan [-c FILE] --db FILE [--now TIME] LOG...|-");
			return EXIT_OK;
		default:
			return cmd_usage("scan", "unknown option");
		}
	}
	if (db == NULL)
		return cmd_usage("scan", "--db FILE is required (never the live database by "
		    "default)");
	if (optind >= argc)
		return cmd_usage("scan", "give at least one LOG (or - for standard input)");
	if ((rc = cmd_load(cfgpath, &cfg, &fs)) != EXIT_OK)
		return rc;
	rc = EXIT_RUNTIME;
	if (store_open(db, STORE_CREATE, &st) == -1 || store_begin(st) == -1)
		goto out;
	intx = 1;
	if (store_failure_maxid(st, &maxid) == -1)
		goto out;
	ingest_init(&in, cfg, fs, st, now != -1 ? now : time(NULL));
	inited = 1;
	memset(&rs, 0, sizeof(rs));
	for (i = optind; i < argc; i++)
		if (scan_one(argv[i], now, &in, &rs) == -1)
			goto out;
	if (ingest_window(st, cfg, maxid, &newbans) == -1 || store_commit(st) == -1)
		goto out;
	intx = 0;
	printf("scanned %d file(s): %" PRIu64 " lines, %" PRIu64 " failures, %" PRIu64
	    " skipped, %" PRId64 " bans\n", argc - optind, rs.rs_lines, in.in_stats.is_failures,
	    in.in_stats.is_unparsed + in.in_stats.is_badaddr + rs.rs_long, newbans);
	rc = EXIT_OK;
out:
	if (intx)
		store_rollback(st);
	if (inited)
		ingest_free(&in);
	store_close(st);
	filter_free(fs);
	config_free(cfg);
	return rc;
}
