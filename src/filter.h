/*
 * filter.h -- which lines are failures, and of which address.
 * Compiles every enabled jail's failregex/ignoreregex with PCRE2 (JIT),
 * expanding fail2ban's tags first:
 *   <HOST> <ADDR>  an IPv4 or IPv6 address, optionally "IPv6:"-prefixed
 *   <IP4> <IP6>    one family only
 *   (?P<host>...)  a named group, as fail2ban 0.8 configs wrote it
 * A failregex must have a host group (one of the above) unless it is a
 * "no-host" pattern for sendmail's queue-id correlation (see MATCH_NOHOST).
 * Markers:
 *   <NOHOST>       at the very start: a failure without address
 *                  (MATCH_NOHOST); the pattern must have no host group
 *   <F-NOFAIL>...</F-NOFAIL>  (fail2ban's) anywhere: the match only gives
 *                  the address of its queue id (MATCH_NOFAIL)
 * Both apply only to lines with a queue id.  Other fail2ban markers
 * (<F-USER>...</F-USER>, <F-MLFID>, ...) are dropped, their text kept.
 * Several host groups may appear (compiled with PCRE2_DUPNAMES): the
 * lowest-numbered one that took part in the match gives the address.
 * Matching sees only the syslog message of a sendmail daemon (c_daemons),
 * with a leading sendmail queue id ("s1P819mk027713: ", 14-20 letters or
 * digits, or 12 as sendmail 8.11/8.12 wrote them) split off.  The host
 * group's text must parse with addr_parse(); if not,
 * the line is MATCH_BADADDR (counted, never banned, never resolved).
 * Every match runs under PCRE2 limits (below), so that no pattern, shipped
 * or a user's, can spend seconds on one line of client-written text: a
 * pattern that hits one is taken as not matching that line (an
 * ignoreregex as matching: never a ban), and filter_limited() says so.
 * No I/O except the error messages of filter_compile().
 */
#ifndef MAILBAN_FILTER_H
#define MAILBAN_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "config.h"
#include "syslog.h"

struct filterset;

enum matchkind {
	MATCH_FAIL = 1,		/* a failure of m_addr */
	MATCH_IGNORED,		/* a failregex matched but ignoreregex too */
	MATCH_BADADDR,		/* host group is not an address: skipped */
	MATCH_NOHOST,		/* failure without address ("No such user here");
				 * m_qid names the queue id to correlate */
	MATCH_NOFAIL		/* not a failure itself, but gives m_addr for
				 * queue id m_qid (the "from=..., relay=" line) */
};

#define FILTER_QIDMAX	24

/*
 * The PCRE2 limits of one match.  JIT code counts the entries into groups
 * and the backtracks into repeats that have something after them, each of
 * which may rescan the line: 2000 of them took 1 to 16 ms on a 64 KB line
 * with a quadratic <\S+@\S+> (unbounded: 5 s), and no shipped pattern
 * needs more than about 150 on ordinary lines, or 30 on 64 KB of client
 * text.  The interpreter (where JIT is not available) counts every
 * backtracking step (100000 take about 2 ms) and nests at most
 * FILTER_DEPTH_LIMIT of them (memory).  A repeat that rescans after each
 * step can still cost up to the limit times the line's length: the
 * limits bound the damage of a bad pattern, possessive patterns avoid it.
 */
#define FILTER_JIT_MATCH_LIMIT	2000
#define FILTER_MATCH_LIMIT	100000
#define FILTER_DEPTH_LIMIT	5000

struct match {
	enum matchkind	 m_kind;
	size_t		 m_jail;	/* index in config c_jails */
	int		 m_pattern;	/* index in that jail's j_fail */
	struct addr	 m_addr;	/* MATCH_FAIL, MATCH_NOFAIL */
	char		 m_qid[FILTER_QIDMAX + 1];	/* "" when the line has none */
};

/*
 * Compile the enabled jails of cfg: every pattern is checked, also those
 * of modes above the jail's (a typo must not wait for a mode change); only
 * the active ones are kept.  Reports every bad pattern as one line
 *   mailban: FILE:LINE: [jail] failregex.2: offset 7: missing closing
 *   parenthesis: PATTERN
 * and "no host group" / lower-case tag mistakes with the fix.  -1 if any.
 * cfg must outlive the filterset.
 */
int	 filter_compile(const struct config *cfg, struct filterset **out);
void	 filter_free(struct filterset *);	/* NULL is fine */

/*
 * Match one parsed line against every enabled jail.  Writes at most max
 * results (one per jail at most: the first failregex that matches, in
 * j_fail order) and returns how many.  0: not a failure for any jail.
 */
size_t	 filter_line(struct filterset *, const struct sysline *, struct match *out, size_t max);

/*
 * Did a pattern hit a PCRE2 limit in the last filter_line() call?  The
 * first one that did (valid as long as the config), with the index of its
 * jail in c_jails in *jail; NULL if none did.
 */
const struct pattern *filter_limited(const struct filterset *, size_t *jail);

/*
 * Change the limits of the matches: jit 1 runs JIT code where there is
 * some, with match limit `match` (depth is ignored: JIT has its own stack);
 * jit 0 runs the interpreter, which counts every backtracking step, with
 * `match` and `depth`.  filter_compile() sets FILTER_JIT_MATCH_LIMIT for
 * JIT and FILTER_MATCH_LIMIT, FILTER_DEPTH_LIMIT for the interpreter.
 * Exposed for the unit tests, which measure the shipped patterns' steps.
 */
void	 filter_set_limits(struct filterset *, int jit, uint32_t match, uint32_t depth);

/*
 * The prefilter's literal: a run of plain characters that every match of
 * the PCRE2 pattern re[0..len) (tags already expanded) provably contains,
 * outside alternations, optional and quantified parts.  Copies it to buf
 * (at most size bytes, no NUL; of a longer end-anchored run its last size
 * bytes) and returns its length, 0 if none can be
 * proven.  *where tells where it must be: 1 right after a leading '^' (the
 * start of the message), 2 right before a final '$' (the end), 0 anywhere.
 * An anchored run of 4 or more bytes is preferred (one memcmp), else the
 * longest run of 3 or more.  Exposed for the unit tests.
 */
size_t	 filter_literal(const char *re, size_t len, char *buf, size_t size, int *where);

#endif
