/*
 * source.h -- where the run's lines come from, and whether that can work.
 *   logpath = auto: /var/log/mail.log when it exists and is being written
 *   (not empty, or written within a day of `now`), else the journal
 *   (sendmail's unit, journalmatch).
 *   A source that can yield nothing is a problem to say, not "ok": a
 *   compressed file, two paths in one logpath, a file whose directory does
 *   not exist (and, for config --check, a missing or unreadable file, and
 *   firewall or journal tools that are not there).
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
/*
 * For run: 1 and *why (what to do included) when the log source cannot
 * yield a line (compressed, two paths, no such directory), else 0.  A
 * missing file in an existing directory is not a problem (not yet
 * written); what the reader finds (not a regular file, unreadable) it
 * says itself.
 */
int	 source_problem(const struct config *, char *why, size_t len);
/*
 * For config --check: every problem of the source and of the tools it and
 * the firewall backend need, one log_error() each; returns how many.
 */
int	 source_check(const struct config *);

#endif
