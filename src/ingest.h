/*
 * ingest.h -- one log line in, failures recorded: the step shared by
 * `run`, `scan` and `test`.
 *   syslog header -> filter -> whitelist -> queue-id correlation -> store
 * A correlated sendmail failure ("<x@example.com>... No such user here",
 * which names no address) is recorded when the same queue id's address is
 * known, at the time of the line that completes the pair, if it is at most
 * findtime older than that line (event time: the same log gives the same
 * failures however the runs cut it); the pairing state lives in the
 * database (table pending), so it spans cron runs.
 * ingest_line() matches reader_fn, so the reader can call it directly.
 */
#ifndef MAILBAN_INGEST_H
#define MAILBAN_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "filter.h"
#include "store.h"
#include "syslog.h"

struct ingest_stats {
	uint64_t is_lines;	/* lines seen */
	uint64_t is_unparsed;	/* not a syslog line / impossible date: skipped */
	uint64_t is_failures;	/* failures recorded */
	uint64_t is_whitelisted;	/* failures of an ignoreip address: dropped */
	uint64_t is_ignored;	/* matched an ignoreregex */
	uint64_t is_badaddr;	/* host group not an address: skipped */
	uint64_t is_waiting;	/* correlated failures still waiting for an address */
	uint64_t is_limited;	/* a pattern hit a PCRE2 limit: not matched by it */
	uint64_t is_formats[TS_NFORMATS];	/* lines per timestamp format */
};

/* A failure as recorded, for `mailban test` output. */
struct ingest_fail {
	uint64_t		 if_lineno;	/* 1-based line of the completing line */
	int64_t			 if_time;
	const struct addr	*if_addr;
	size_t			 if_jail;
	int			 if_pattern;	/* index in the jail's j_fail (its p_key
						 * names it: test prints that) */
};

struct ingest {
	const struct config	*in_cfg;
	struct filterset	*in_fs;
	struct store		*in_st;
	struct syslog_ctx	 in_sc;
	uint64_t		 in_lineno;	/* of the current stream */
	struct ingest_stats	 in_stats;
	int			 in_timeok;	/* in_maxtime is set */
	int64_t			 in_maxtime;	/* latest time of a line ingested */
	uint64_t		*in_hits;	/* per jail, per pattern: matches */
	size_t			*in_hitoff;	/* offset of jail j in in_hits */
	int			 in_nowl;	/* 1: ignore the whitelist (test --regex) */
	void			(*in_emit)(void *, const struct ingest_fail *);
	void			*in_emitarg;
	/* Optional: every line with its outcome, for `mailban test --print`. */
	void			(*in_each)(void *, const char *, size_t, int outcome);
	/* The first line on which a pattern hit a PCRE2 limit (is_limited). */
	const char		*in_file;	/* of the current line; NULL: the journal */
	char			*in_limfile;
	uint64_t		 in_limline;
	const char		*in_limjail;
	const char		*in_limkey;
};

#define INGEST_MISSED	0
#define INGEST_MATCHED	1
#define INGEST_IGNORED	2

void	 ingest_init(struct ingest *, const struct config *, struct filterset *,
	    struct store *, int64_t ref);
/*
 * ingest_free() reports the lines on which a pattern hit a PCRE2 limit
 * (filter_limited()), as one warning for the whole read:
 *   FILE: [JAIL] KEY hit the PCRE2 match limit on N lines, first on line L,
 *   and did not match them: rewrite the pattern to be linear (...)
 * naming the pattern of the first such line; L counts the lines of this
 * read (for `run`, from where it resumed).
 */
void	 ingest_free(struct ingest *);
/* reader_fn: 0, or -1 on a database error (already reported). */
int	 ingest_line(void *ingest, const char *file, const char *line, size_t len);
/* The same for a line already split (the journal's entries); line/len, for
 * in_each only, may be NULL/0. */
int	 ingest_sysline(struct ingest *, const struct sysline *, const char *line, size_t len);

/*
 * At the end of a run: forget the queue-id rows that no later line can
 * see, those more than the longest findtime and an hour older than the
 * latest line ingested (or than now, if that is earlier).  Nothing when
 * no line was ingested.  0 or -1.
 */
int	 ingest_expire(struct ingest *, int64_t now);

#endif
