/*
 * cmd_scan.c -- `mailban scan`: a forensic run over whole logs (plain or
 * gzip-compressed, or - for standard input) into a database of its own,
 * in event time: the result is the ban timeline that would have happened,
 * printed as a report (text, tsv or json: cmd_scan_out.c).
 *
 * Inputs, in the order given, are read through the reader's own line
 * source (lines.h: reader_src, plain or gzip through the reader's inflater, the
 * one `run` uses for rotated .gz files, never gzread and never a shell).
 * The year of BSD timestamps comes from each file's modification time
 * (--now overrides).  Only complete lines are read: an unterminated last
 * line is counted and left, as in `run`.
 *
 * Every input has an end: a regular file is read up to its size at open
 * (a .gz to its end), a device (/dev/zero) is refused, and a stream (pipe,
 * FIFO) that gives no line end in SC_NOLINE bytes is stopped with a
 * warning, its bytes counted as one overlong line.
 *
 * Nothing twice: every input is known by the FNV-1a hash of its first
 * min(consumed, READER_FPMAX) bytes of text (decompressed) and how far it
 * was read (table scanned, store_scanned_get/put).  The same text again,
 * plain or compressed, adds nothing; a grown file is read from where the
 * last scan stopped.  A recorded offset always follows a '\n', so a file
 * shorter than READER_FPMAX is looked up at each line end of its head.
 * A scan limited by --since/--until is remembered for that range only (its
 * key mixes the range in); it also honours what an unlimited scan read.
 *
 * No firewall, no reader position, no lock -- unless --db is the live
 * database: then the run lock is held while it is written, and --apply
 * (which requires the live database) reconciles the chains with its bans
 * in force at --now.  Reader positions are never touched, but they are
 * read: an input that run has read is refused (runs_file), so that
 * nothing is counted twice.
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

#include "apply.h"
#include "bans.h"
#include "cmd.h"
#include "cmd_scan.h"
#include "ingest.h"
#include "lines.h"
#include "log.h"
#include "reader.h"
#include "source.h"
#include "store.h"
#include "util.h"

#define SC_BUFSZ	(1024 * 1024)
#define SC_TICK_MS	250		/* progress: at most 4 updates a second */
#define SC_NOLINE	(16 * 1024 * 1024)	/* a stream with no line end in this: stopped */

#define FMT_TEXT	0
#define FMT_TSV		1
#define FMT_JSON	2

static const char usage_scan[] =
"usage: mailban scan [-c FILE] --db FILE [--since TIME] [--until TIME] [--apply]\n"
"                    [--format text|tsv|json] [--now TIME] LOG...|-\n"
"Read whole logs (plain, .gz, or - for standard input) in event time into\n"
"the database --db (created if absent) and report the bans that would have\n"
"happened.  The year of BSD dates comes from each file's mtime.  Text read\n"
"before (same first 4 KB, plain or .gz) is not read again.  --since and\n"
"--until (epoch or RFC 3339) keep failures in [since, until).  --apply needs\n"
"--db to be the live database and reconciles the chains with its bans in\n"
"force at --now (default: the clock).  Reader positions are never changed.\n";

static double
elapsed(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress_clear(struct progress *pg)
{
	if (pg->shown)
		fputs("\r\033[K", stderr);
	pg->shown = 0;
}

/*
 * One progress line, at most every SC_TICK_MS (CLOCK_MONOTONIC).  text:
 * bytes of text of the current input so far; raw: its on-disk offset (-1
 * unknown), which with the total size gives the share done and time left.
 */
static void
progress(struct scan *sc, int64_t text, int64_t raw)
{
	struct progress	*pg = &sc->pg;
	struct timespec	 now;
	double		 t, done, mb;

	if (!pg->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (pg->shown && elapsed(&pg->last, &now) * 1000 < SC_TICK_MS)
		return;
	pg->last = now;
	t = elapsed(&pg->t0, &now);
	mb = (double)(sc->bytes + sc->known + (uint64_t)text) / 1e6;
	fprintf(stderr, "\rmailban: scan: file %zu/%zu, %.1f MB, %" PRIu64 " lines",
	    pg->file, pg->nfiles, mb, sc->lines);
	if (t >= 0.5)
		fprintf(stderr, ", %.1f MB/s", mb / t);
	if (pg->total > 0 && raw >= 0) {
		done = (double)(pg->before + raw);
		fprintf(stderr, ", %.0f%%", 100 * done / (double)pg->total);
		if (t >= 0.5 && done > 0)
			fprintf(stderr, ", %.0f s left",
			    t * ((double)pg->total - done) / done);
	}
	fputs("\033[K", stderr);
	pg->shown = 1;
}

/*
 * The reader callback: with --since/--until, a line dated outside the
 * range is not ingested.  Its date is read with a copy of the year
 * context, which is then kept, so that ingest_line() sees exactly the
 * context it would have seen without the range.
 */
static int
scan_line(void *arg, const char *file, const char *line, size_t len)
{
	struct scan		*sc = arg;
	struct syslog_ctx	 c;
	struct sysline		 sl;

	sc->lines++;
	if (sc->ranged) {
		c = sc->in.in_sc;
		if (syslog_parse(&c, line, len, &sl) == 0 &&
		    (sl.s_time < sc->since || sl.s_time >= sc->until)) {
			sc->in.in_sc = c;
			sc->in.in_lineno++;
			sc->outside++;
			return 0;
		}
	}
	return ingest_line(&sc->in, file, line, len);
}

/*
 * Read into buf through the reader's line source (plain, or its own gzip
 * inflater).  0 at the end; -1 after a read error (reported).  Damaged
 * gzip data is the end of that input, with a warning: what came before it
 * is read, and a later scan of a repaired file goes on from there.
 */
static ssize_t
src_read(struct scan *sc, struct reader_src *rs, const char *name, char *buf, size_t len)
{
	const char	*why;
	ssize_t		 n;

	if (sc->limit == 0)
		return 0;
	if (sc->limit > 0 && (int64_t)len > sc->limit)
		len = (size_t)sc->limit;
	if ((n = reader_src_read(rs, buf, len)) > 0 && sc->limit > 0)
		sc->limit -= n;
	if (n != 0)
		return n;
	if ((why = reader_src_damage(rs)) != NULL && !sc->damaged) {
		progress_clear(&sc->pg);
		if (!reader_src_warncap(rs, name))
			log_warnx("%s: damaged gzip data (%s): read up to the damage",
			    name, why);
		sc->damaged = 1;
	}
	return 0;
}

/* How far into the input's own bytes (on disk): -1 unknown. */
static int64_t
raw_offset(int fd)
{
	off_t	o = lseek(fd, 0, SEEK_CUR);

	return o == (off_t)-1 ? -1 : (int64_t)o;
}

static uint64_t
mix(const struct scan *sc, uint64_t fp, int ranged)
{
	return ranged ? hash_fnv1a(sc->range, strlen(sc->range), fp) : fp;
}

/*
 * How far this text was read by an earlier scan (0: never).  head holds
 * its first hlen bytes (hlen < READER_FPMAX only at the end of the text).
 * The longest known prefix wins: the offset of a record whose fplen is
 * below READER_FPMAX equals that fplen.
 */
static int
known_offset(struct scan *sc, const unsigned char *head, size_t hlen, int64_t *off)
{
	uint64_t	*h = xcalloc(hlen + 1, sizeof(*h));
	int64_t		 o;
	size_t		 k;
	int		 r, ranged, rc = -1;

	*off = 0;
	h[0] = HASH_FNV_SEED;
	for (k = 1; k <= hlen; k++)
		h[k] = hash_fnv1a(&head[k - 1], 1, h[k - 1]);
	for (k = hlen; k > 0 && *off == 0; k--) {
		if (k != READER_FPMAX && head[k - 1] != '\n')
			continue;
		for (ranged = 0; ranged <= sc->ranged; ranged++) {
			if ((r = store_scanned_get(sc->st, mix(sc, h[k], ranged), (int64_t)k,
			    &o)) == -1)
				goto out;
			if (r == 1 && o > *off)
				*off = o;
		}
	}
	rc = 0;
out:
	free(h);
	return rc;
}

/*
 * Into the live database, an input that `run` has read (or will read) is
 * refused: it is the file at a saved reader position under any name (same
 * dev and inode: renamed by logrotate and not finished yet, or a hard
 * link), or a copy of it, plain, compressed or on standard input (its
 * first lp_fplen bytes of text hash to the position's fingerprint).  Its
 * bytes past the position are run's too (it finishes a rotated file; a
 * copy grows as the log does), so the whole input is refused, not only
 * what was consumed.  Limit: a rotated file that run finished before it
 * moved on to the next one is no longer at a position and is not known.
 */
static int
runs_file(struct scan *sc, const unsigned char *head, size_t hlen, const char *name)
{
	const struct logpos	*p;
	size_t			 i;

	for (i = 0; i < sc->nrp; i++) {
		p = &sc->rp[i].pos;
		if ((S_ISREG(sc->sb.st_mode) && (uint64_t)sc->sb.st_dev == p->lp_dev &&
		    (uint64_t)sc->sb.st_ino == p->lp_ino) ||
		    (p->lp_fplen > 0 && (int64_t)hlen >= p->lp_fplen &&
		    hash_fnv1a(head, (size_t)p->lp_fplen, HASH_FNV_SEED) == p->lp_fp)) {
			progress_clear(&sc->pg);
			sc->refused = 1;
			return log_error("%s: mailban run has read it (it is, or starts "
			    "like, the file at the saved position of %s): scanning it "
			    "into the live database would count its failures twice "
			    "(scan it into another --db)", name, sc->rp[i].path);
		}
	}
	return 0;
}

/*
 * Read one open input to its end: skip what an earlier scan read, hand
 * every new complete line to scan_line() through the line splitter
 * (lines.h), then record how far it got.  Lines over READER_LINEMAX are
 * skipped whole and counted.
 */
static int
scan_stream(struct scan *sc, struct reader_src *rs, int fd, const char *name)
{
	unsigned char	 head[READER_FPMAX];
	struct lines	 l;
	char		*buf = sc->buf, *p;
	size_t		 have = 0, i, hlen, room;
	int64_t		 pos = 0;	/* text offset of buf[0] */
	int64_t		 off, done;	/* known offset; just after the last '\n' */
	int64_t		 end;		/* text offset after the last byte read */
	uint64_t	 nlong = 0;
	ssize_t		 n;
	int		 eof = 0;

	while (have < READER_FPMAX) {
		if ((n = src_read(sc, rs, name, buf + have, SC_BUFSZ - have)) == -1)
			return -1;
		if (n == 0) {
			eof = 1;
			break;
		}
		have += (size_t)n;
		progress(sc, (int64_t)have, raw_offset(fd));
	}
	hlen = have < READER_FPMAX ? have : READER_FPMAX;
	memcpy(head, buf, hlen);
	if (runs_file(sc, head, hlen, name) == -1)
		return -1;
	if (known_offset(sc, head, hlen, &off) == -1)
		return -1;
	/* What the earlier scan read is passed over; off follows a '\n'. */
	while (!eof && pos + (int64_t)have < off) {
		pos += (int64_t)have;
		if ((n = src_read(sc, rs, name, buf, SC_BUFSZ)) == -1)
			return -1;
		if (n == 0)
			eof = 1;
		have = (size_t)n;
		progress(sc, pos + (int64_t)have, raw_offset(fd));
	}
	i = pos < off ? (size_t)(off - pos) : 0;
	if (i > have)
		i = have;
	memmove(buf, buf + i, have - i);
	have -= i;
	pos += (int64_t)i;
	lines_init(&l, buf, SC_BUFSZ, READER_LINEMAX, 1, name, scan_line, sc, 0);
	end = pos;
	done = off;
	n = (ssize_t)have;
	for (;;) {
		if (n > 0 && lines_add(&l, (size_t)n) == -1)
			return -1;
		end += n;
		sc->lines += l.l_long - nlong;
		sc->overlong += l.l_long - nlong;
		nlong = l.l_long;
		if (pos + l.l_done > done)
			done = pos + l.l_done;
		if (eof)
			break;
		p = lines_room(&l, &room);
		if ((n = src_read(sc, rs, name, p, room)) == -1)
			return -1;
		if (n == 0)
			eof = 1;
		progress(sc, end + n, raw_offset(fd));
		if (sc->stream && end + n - done > SC_NOLINE) {
			progress_clear(&sc->pg);
			log_warnx("%s: no line end in %d bytes: not a log, reading stopped",
			    name, SC_NOLINE);
			end += n;
			break;
		}
	}
	if (end > done) {
		sc->lines++;
		if (l.l_skipping)
			sc->overlong++;
		else
			sc->unterminated++;
	}
	sc->known += (uint64_t)off;
	if (done <= off)
		return 0;
	sc->bytes += (uint64_t)(done - off);
	hlen = done < READER_FPMAX ? (size_t)done : READER_FPMAX;
	return store_scanned_put(sc->st, mix(sc, hash_fnv1a(head, hlen, HASH_FNV_SEED),
	    sc->ranged), (int64_t)hlen, done, name);
}

static int
scan_one(struct scan *sc, const char *name, int64_t now)
{
	struct stat		 sb;
	struct reader_src	*rs;
	int			 fd, rc;

	if (strcmp(name, "-") == 0)
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	else
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return log_error("cannot open %s: %s", name, strerror(errno));
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return log_error("cannot stat %s: %s", name, strerror(errno));
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return log_error("%s: is a directory (give the log files)", name);
	}
	if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) {
		close(fd);
		return log_error("%s: is a device, not a log (give log files, or - for "
		    "standard input)", name);
	}
	/* Each file infers its BSD years from its own mtime: old logs get old years. */
	syslog_init(&sc->in.in_sc, now != -1 ? now : S_ISREG(sb.st_mode) ?
	    (int64_t)sb.st_mtime : (int64_t)time(NULL));
	sc->in.in_lineno = 0;
	sc->damaged = 0;
	if ((rs = reader_src_open(fd, name)) == NULL) {
		close(fd);
		return -1;
	}
	sc->sb = sb;
	/* A regular file is read up to its size at open; a stream, see SC_NOLINE. */
	sc->stream = !S_ISREG(sb.st_mode);
	sc->limit = !sc->stream && !reader_src_gz(rs) ? (int64_t)sb.st_size : -1;
	rc = scan_stream(sc, rs, fd, name);
	if (S_ISREG(sb.st_mode))
		sc->pg.before += (int64_t)sb.st_size;
	reader_src_close(rs);
	close(fd);
	return rc;
}

static int
pos_collect(void *arg, const char *path, const struct logpos *pos, int64_t updated)
{
	struct scan	*sc = arg;

	(void)updated;
	sc->rp = xreallocarray(sc->rp, sc->nrp + 1, sizeof(*sc->rp));
	sc->rp[sc->nrp].path = xstrdup(path);
	sc->rp[sc->nrp].pos = *pos;
	sc->nrp++;
	return 0;
}

/* 1 if a and b name the same file (or the same missing path), else 0. */
static int
same_file(const char *a, const char *b)
{
	struct stat	sa, sb;
	int		ea, eb;

	ea = stat(a, &sa) == -1;
	eb = stat(b, &sb) == -1;
	if (ea || eb)
		return ea && eb && strcmp(a, b) == 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int
time_opt(const char *opt, const char *arg, int64_t *out)
{
	const char	*why;

	if ((why = parse_time(arg, out)) != NULL)
		return cmd_usage("scan", "%s \"%s\": %s", opt, arg, why);
	return 0;
}

int
cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "apply", no_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "scan", .co_flags = CMDOPT_NOW | CMDOPT_LOUD,
	    .co_long = opts, .co_help = usage_scan };
	const char		*db = NULL;
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	struct scan		 sc;
	struct scan_report	 rep = { NULL, 0 };
	struct applied		 ap;
	struct stat		 sb;
	int64_t			 now, maxid, newbans = 0;
	int			 c, i, fmt = FMT_TEXT, apply = 0, live, lockfd = -1;
	int			 rc = EXIT_RUNTIME, inited = 0, intx = 0, fw = 0;

	memset(&sc, 0, sizeof(sc));
	memset(&ap, 0, sizeof(ap));
	sc.since = INT64_MIN;
	sc.until = INT64_MAX;
	while ((c = cmd_getopt(&o, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'A': apply = 1; break;
		case 'S':
		case 'U':
			if (time_opt(c == 'S' ? "--since" : "--until", optarg,
			    c == 'S' ? &sc.since : &sc.until) != 0)
				return EXIT_USAGE;
			sc.ranged = 1;
			break;
		case 'F':
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "tsv") == 0)
				fmt = FMT_TSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else
				return cmd_usage("scan", "--format %s: use text, tsv or json",
				    optarg);
			break;
		default:
			return o.co_rc;
		}
	}
	now = o.co_now;
	if (db == NULL)
		return cmd_usage("scan", "--db FILE is required (never the live database by "
		    "default)");
	if (optind >= argc)
		return cmd_usage("scan", "give at least one LOG (or - for standard input)");
	if (sc.since >= sc.until)
		return cmd_usage("scan", "--since must be before --until");
	if (sc.ranged)
		snprintf(sc.range, sizeof(sc.range), "[%" PRId64 ",%" PRId64 ")", sc.since,
		    sc.until);
	if ((rc = cmd_load(o.co_config, &cfg, &fs)) != EXIT_OK)
		return rc;
	rc = EXIT_USAGE;
	live = same_file(db, cfg->c_database);
	if (apply && !live) {
		cmd_usage("scan", "--apply needs --db to be the live database %s (the chains "
		    "hold its bans: those of another database would replace them until the "
		    "next run)", cfg->c_database);
		goto out;
	}
	rc = EXIT_RUNTIME;
	/* Every input must exist before anything is written. */
	sc.pg.total = 0;
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (fstat(STDIN_FILENO, &sb) == 0 && (S_ISCHR(sb.st_mode) ||
			    S_ISBLK(sb.st_mode))) {
				log_error("-: standard input is a device, not a log "
				    "(redirect a file or a pipe to it)");
				rc = EXIT_USAGE;
				goto out;
			}
			if (fstat(STDIN_FILENO, &sb) == -1 || !S_ISREG(sb.st_mode))
				sc.pg.total = -1;
			else if (sc.pg.total != -1)
				sc.pg.total += (int64_t)sb.st_size;
			continue;
		}
		if (stat(argv[i], &sb) == -1) {
			log_error("cannot open %s: %s", argv[i], strerror(errno));
			goto out;
		}
		if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) {
			log_error("%s: is a device, not a log (give log files, or - for "
			    "standard input)", argv[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		if (live && source_follows(cfg, argv[i])) {
			log_error("%s: is the logpath that mailban run reads; scanning it "
			    "into the live database would count its failures twice",
			    argv[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		if (sc.pg.total != -1)
			sc.pg.total += (int64_t)sb.st_size;
	}
	if (live && cmd_lock_wait(cfg, &lockfd, 10) == -1)
		goto out;
	if (store_open(db, STORE_CREATE, &sc.st) == -1 || store_begin(sc.st) == -1)
		goto out;
	intx = 1;
	if (store_failure_maxid(sc.st, &maxid) == -1 ||
	    (live && store_pos_each(sc.st, pos_collect, &sc) == -1))
		goto out;
	ingest_init(&sc.in, cfg, fs, sc.st, now != -1 ? now : time(NULL));
	inited = 1;
	sc.buf = xmalloc(SC_BUFSZ);
	sc.pg.on = isatty(STDERR_FILENO);
	sc.pg.nfiles = (size_t)(argc - optind);
	clock_gettime(CLOCK_MONOTONIC, &sc.pg.t0);
	for (i = optind; i < argc; i++) {
		sc.pg.file = (size_t)(i - optind + 1);
		if (scan_one(&sc, argv[i], now) == -1) {
			if (sc.refused)
				rc = EXIT_USAGE;
			goto out;
		}
	}
	progress_clear(&sc.pg);
	if (bans_window(sc.st, cfg, maxid, 0, &newbans) == -1 || store_commit(sc.st) == -1)
		goto out;
	intx = 0;
	if (apply) {
		ap.done = 1;
		ap.now = now != -1 ? now : time(NULL);
		fw = apply_bans(cfg, sc.st, ap.now, NULL, &ap.added, &ap.removed, &ap.active);
	}
	if (store_bans_each(sc.st, sc.since, sc.until, scan_collect, &rep) == -1)
		goto out;
	if (fmt == FMT_TSV)
		scan_print_tsv(&rep);
	else if (fmt == FMT_JSON)
		scan_print_json(&sc, argc - optind, &rep, &ap);
	else
		scan_print_text(&sc, argc - optind, &rep, &ap);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("cannot write the report: %s", strerror(errno));
		goto out;
	}
	rc = fw == -1 ? EXIT_RUNTIME : EXIT_OK;
out:
	progress_clear(&sc.pg);
	if (intx)
		store_rollback(sc.st);
	if (inited)
		ingest_free(&sc.in);
	scan_report_free(&rep);
	store_close(sc.st);
	cmd_unlock(lockfd);
	free(sc.buf);
	for (i = 0; (size_t)i < sc.nrp; i++)
		free(sc.rp[i].path);
	free(sc.rp);
	filter_free(fs);
	config_free(cfg);
	return rc;
}
