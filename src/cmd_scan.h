/*
 * cmd_scan.h -- what the two halves of `mailban scan` share: cmd_scan.c
 * reads the inputs into the scan's database, cmd_scan_out.c prints the
 * report (text, tsv, json).  Not for other files.
 */
#ifndef MAILBAN_CMD_SCAN_H
#define MAILBAN_CMD_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "addr.h"
#include "ingest.h"
#include "reader.h"
#include "store.h"

struct progress {
	int		 on;		/* stderr is a terminal */
	int		 shown;		/* a progress line is on screen */
	struct timespec	 t0, last;
	int64_t		 total;		/* on-disk bytes of all, -1 unknown */
	int64_t		 before;	/* on-disk bytes of the inputs finished */
	size_t		 file, nfiles;
};

/* A reader position of the live database: what `run` has read. */
struct runpos {
	char		*path;
	struct logpos	 pos;
};

struct scan {
	struct ingest	 in;
	struct store	*st;
	int		 ranged;	/* --since or --until given */
	int64_t		 since, until;	/* [since, until) */
	char		 range[64];	/* mixed into the fingerprints (ranged) */
	int		 damaged;	/* the current input's damage was reported */
	int		 stream;	/* the current input is not a regular file */
	struct stat	 sb;		/* the current input's fstat */
	struct runpos	*rp;		/* --db is live: its reader positions */
	size_t		 nrp;
	int		 refused;	/* an input was run's: exit 64 */
	int64_t		 limit;		/* text bytes left to read of it, -1: no limit */
	char		*buf;		/* SC_BUFSZ */
	struct progress	 pg;
	/* Counters of this run (text bytes, i.e. decompressed). */
	uint64_t	 lines;		/* every line seen, skipped ones too */
	uint64_t	 bytes, known, overlong, unterminated, outside;
};

/* One ban as reported. */
struct rban {
	char	 addr[ADDR_STRLEN];
	char	*jail;
	int64_t	 start, end, failures;
};

struct scan_report {
	struct rban	*v;
	size_t		 n;
};

struct applied {
	int	 done;
	int64_t	 now, added, removed;
	size_t	 active;
};

/* cmd_scan_out.c */
int	 scan_collect(void *arg, const struct banhist *h);
void	 scan_report_free(struct scan_report *r);
void	 scan_print_tsv(const struct scan_report *r);
void	 scan_print_json(const struct scan *sc, int nfiles, const struct scan_report *r,
	    const struct applied *ap);
void	 scan_print_text(const struct scan *sc, int nfiles, const struct scan_report *r,
	    const struct applied *ap);

#endif
