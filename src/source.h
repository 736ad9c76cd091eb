/*
 * source.h -- where the run's lines come from, and whether that can work.
 *   logpath = auto: /var/log/mail.log when it exists and is being written
 *   (not empty, or written within a day of `now`), else the journal
 *   (sendmail's unit, journalmatch).
 *   A source that can yield nothing is a problem to say, not "ok": a
 *   compressed file, a file whose directory does not exist (and, for
 *   config --check, a missing or unreadable file, and firewall or journal
 *   tools that are not there).
 * logpath may hold several paths and globs (fail2ban's form): each is
 * followed on its own, and each is checked on its own.  A glob has its
 * wildcards (fnmatch(3): * ? [...], FNM_PERIOD) in the file name only; it
 * is expanded at each run by listing its one directory (readdir, never
 * glob(3): no directory wildcards to follow through symbolic links, no
 * brace or tilde expansion) and matches regular files only (a symbolic
 * link is not followed: it would be its target read twice), never a
 * compressed file, and never a name the reader takes for a rotated
 * sibling (reader_rotated_name()) of a name that also matches or of a
 * path of logpath, whether or not that file is there now: mail.log.1 is
 * read with mail.log, not as a log of its own (while mail.log is renamed
 * and not yet created again, following mail.log.1 under its own position
 * would read it twice).  The matches are sorted by name; a file met twice (a path and a
 * glob) is followed once.  A glob that matches nothing is no problem
 * unless its directory is missing.
 */
#ifndef MAILBAN_SOURCE_H
#define MAILBAN_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

#define SOURCE_AUTO_LOG	"/var/log/mail.log"

/*
 * Settle logpath = auto (c_logpath: the log, or "journal" with c_journal
 * set; again with each call, c_logauto stays); why gets how the source
 * was chosen, for status: "logpath", "logpath = journal", "logpath =
 * auto: it exists and is being written", ...
 */
void	 source_resolve(struct config *, int64_t now, char *why, size_t len);
/* "journal" or the log's path. */
const char	*source_name(const struct config *);
/* One file to follow this run. */
struct srclog {
	char		*sl_path;	/* a path of logpath, or a glob's directory
					 * + a name it matched */
	char		*sl_key;	/* reader_key(sl_path) */
	const char	*sl_word;	/* the word of c_logpaths it comes from */
};

struct srclogs {
	struct srclog	*sl_v;
	size_t		 sl_n;
};

/*
 * The files to follow now (none for the journal), in logpath's order,
 * each glob's matches sorted.  A word that cannot yield a line
 * (compressed, no such directory, a rotated file of another path) gives
 * no file and one line of *why (what to do included; lines joined by
 * '\n', "" if none); returns how many.  A missing file in an existing
 * directory is not a problem (not yet written) unless check (config
 * --check: also not a regular file, cannot be opened); what the reader
 * finds it says itself.  Caller frees *out with source_logs_free().
 */
int	 source_logs(const struct config *, int check, struct srclogs *out,
	    char *why, size_t len);
void	 source_logs_free(struct srclogs *);
/*
 * 1 if path is a file that run follows now (the same file as a path of
 * logpath, or as one a glob matches; a missing path by its spelling),
 * else 0: scan refuses it.
 */
int	 source_follows(const struct config *, const char *path);
/*
 * For config --check: every problem of the source and of the tools it and
 * the firewall backend need, one log_error() each; returns how many.
 */
int	 source_check(const struct config *);

#endif
