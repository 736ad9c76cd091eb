/*
 * filter_int.h -- what filter.c and filter_lit.c share: the prefilter of
 * one pattern (the literals every match contains, and where).  Not for
 * other modules.
 */
#ifndef MAILBAN_FILTER_INT_H
#define MAILBAN_FILTER_INT_H

#include <stddef.h>

#define LITMAX		64	/* longest prefilter literal kept */
#define LIT_ANYWHERE	0
#define LIT_START	1	/* right after a leading '^' */
#define LIT_END		2	/* right before a final '$' */

#define TAIL_DIGIT	1	/* \d */
#define TAIL_NONSPACE	2	/* \S */

/*
 * The prefilter of one pattern: every literal that a match must contain
 * where it must be.  Checked cheapest first; any length 0 means "none".
 */
struct prefilter {
	size_t		 pf_startlen;	/* right after '^': one memcmp at 0 */
	size_t		 pf_endlen;	/* right before '$': one memcmp at the end */
	size_t		 pf_taillen;	/* right before a final \d+$ or \S*$ ... */
	int		 pf_tailcls;	/* TAIL_DIGIT, TAIL_NONSPACE */
	int		 pf_tailmin;	/* at least this many class bytes */
	size_t		 pf_anylen;	/* anywhere (Horspool), 3 bytes or more */
	unsigned char	 pf_last[32];	/* bit set: the last byte of a message
					 * that can match (all when unknown) */
	char		 pf_start[LITMAX];
	char		 pf_end[LITMAX];
	char		 pf_tail[LITMAX];
	char		 pf_any[LITMAX];
	unsigned char	 pf_skip[256];	/* Horspool shifts of pf_any */
};

/* filter_lit.c */
void	 prefilter_build(const char *re, size_t n, struct prefilter *pf);

#endif
