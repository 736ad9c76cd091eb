/*
 * filter_lit.c -- the literal prefilter of a pattern, found at compile
 * time: a scanner over the top level of the expanded regex collects the
 * literal runs every match must contain, and where (after '^', before '$'
 * or before a final \d+$ / \S+$, anywhere).  filter.c tests them before
 * the regex (prefilter()).  Pure: no I/O, no PCRE2.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_int.h"
#include "util.h"

/*
 * Literal prefilter.  The scanner below walks the top level of a pattern
 * only; every group, class, escape with a meaning, or quantified atom ends
 * the current run of literal characters.  Anything it does not understand
 * (top-level alternation, option settings, verbs, \Q) gives up: 0 is
 * always safe, a wrong literal would silently lose failures.
 */

/* Length of the class starting at re[i] == '[', 0 if unterminated. */
static size_t
class_len(const char *re, size_t i, size_t n)
{
	size_t	j = i + 1;

	if (j < n && re[j] == '^')
		j++;
	if (j < n && re[j] == ']')
		j++;
	while (j < n) {
		if (re[j] == '\\')
			j += 2;
		else if (re[j] == '[' && j + 1 < n && re[j + 1] == ':') {
			const char *end = memmem(re + j + 2, n - j - 2, ":]", 2);

			if (end == NULL)
				return 0;
			j = (size_t)(end - re) + 2;
		} else if (re[j] == ']')
			return j + 1 - i;
		else
			j++;
	}
	return 0;
}

/* Length of the group starting at re[i] == '(', 0 if unbalanced. */
static size_t
group_len(const char *re, size_t i, size_t n)
{
	size_t	j = i, c;
	int	depth = 0;

	while (j < n) {
		if (re[j] == '\\') {
			j += 2;
		} else if (re[j] == '[') {
			if ((c = class_len(re, j, n)) == 0)
				return 0;
			j += c;
		} else if (re[j] == '(' && j + 2 < n && re[j + 1] == '?' && re[j + 2] == '#') {
			const char *end = memchr(re + j, ')', n - j);

			if (end == NULL)
				return 0;
			j = (size_t)(end - re) + 1;
			if (depth == 0)
				return j - i;
		} else if (re[j] == '(') {
			depth++;
			j++;
		} else if (re[j] == ')') {
			j++;
			if (--depth == 0)
				return j - i;
		} else
			j++;
	}
	return 0;
}

/* Length of a quantifier at re[j] (with lazy/possessive suffix), or 0. */
static size_t
quant_len(const char *re, size_t j, size_t n)
{
	size_t	k;

	if (j >= n)
		return 0;
	if (re[j] == '?' || re[j] == '*' || re[j] == '+')
		k = j + 1;
	else if (re[j] == '{') {
		/*
		 * PCRE2 10.42 knows {n} {n,} {n,m}; 10.43 adds {,m} and spaces.
		 * Take all of them as quantifiers: dropping an atom is safe.
		 */
		k = j + 1;
		while (k < n && (isdigit((unsigned char)re[k]) || re[k] == ',' ||
		    re[k] == ' '))
			k++;
		if (k >= n || re[k] != '}' || k == j + 1)
			return 0;
		k++;
	} else
		return 0;
	if (k < n && (re[k] == '?' || re[k] == '+'))
		k++;
	return k - j;
}

/*
 * Length of the escape at re[i] == '\\' that is not a literal character,
 * or 0 if it cannot be skipped safely.
 */
static size_t
escape_len(const char *re, size_t i, size_t n)
{
	size_t	j = i + 2;
	char	d = re[i + 1];

	switch (d) {
	case 'Q':
		return 0;
	case 'x': case 'o': case 'p': case 'P': case 'g': case 'k': case 'N':
		if (j < n && (re[j] == '{' || re[j] == '<' || re[j] == '\'')) {
			char close = re[j] == '{' ? '}' : re[j] == '<' ? '>' : '\'';
			const char *end = memchr(re + j, close, n - j);

			return end == NULL ? 0 : (size_t)(end - re) + 1 - i;
		}
		if (d == 'x')
			while (j < n && j < i + 4 && isxdigit((unsigned char)re[j]))
				j++;
		else if ((d == 'p' || d == 'P') && j < n)
			j++;
		else if (d == 'g')
			while (j < n && (isdigit((unsigned char)re[j]) || re[j] == '-' ||
			    re[j] == '+'))
				j++;
		return j - i;
	case 'c':
		return j < n ? 3 : 0;
	default:
		if (isdigit((unsigned char)d)) {
			while (j < n && isdigit((unsigned char)re[j]))
				j++;
			return j - i;
		}
		return 2;	/* \d \S \b \E ...: one letter */
	}
}

/*
 * What every match of a pattern provably contains, found by the scanner
 * below: literal runs with their place.  Runs are kept whole (a run may be
 * longer than LITMAX; an end-anchored one is then cut to its last LITMAX
 * bytes, which are still at the end).
 */
struct litrun {
	size_t	r_off, r_len;		/* in sc_text */
};

struct litscan {
	char		*sc_text;	/* the runs' bytes, unescaped */
	struct litrun	*sc_run;
	size_t		 sc_nrun;
	int		 sc_start;	/* index of the run right after '^', or -1 */
	int		 sc_end;	/* index of the run right before a final '$' */
	int		 sc_tail;	/* index of the run before a final C+$ or C*$ */
	int		 sc_tailcls;	/* TAIL_DIGIT or TAIL_NONSPACE */
	int		 sc_tailmin;	/* 1 for C+, 0 for C* */
};

static void
scan_free(struct litscan *sc)
{
	free(sc->sc_text);
	free(sc->sc_run);
	memset(sc, 0, sizeof(*sc));
}

/* Is c in the class of a tail (PCRE2 without UCP: \s is HT LF VT FF CR SP)? */
static int
tail_class(int cls, unsigned char c)
{
	if (cls == TAIL_DIGIT)
		return c >= '0' && c <= '9';
	return !(c == ' ' || (c >= '\t' && c <= '\r'));
}

/*
 * Scan the top level of re[0..n) into sc.  0, or -1 when nothing can be
 * proven (the pattern has no runs then, as far as the prefilter knows).
 */
static int
scan_pattern(const char *re, size_t n, struct litscan *sc)
{
	size_t	i = 0, rl = 0, tl = 0, alen, q;
	int	lit, runanch = 0, endrun = 0, tailrun = 0;

	memset(sc, 0, sizeof(*sc));
	sc->sc_start = sc->sc_end = sc->sc_tail = -1;
	sc->sc_text = xmalloc(n + 1);
	sc->sc_run = xcalloc(n + 1, sizeof(*sc->sc_run));
	if (memmem(re, n, "\\Q", 2) != NULL || memmem(re, n, "(*ACCEPT", 8) != NULL)
		goto none;
	if (n > 0 && re[0] == '^') {
		i = 1;
		runanch = 1;
	}
	for (;;) {
		char	c = i < n ? re[i] : '\0', litc = c;

		lit = 0;
		alen = 1;
		if (i >= n)
			alen = 0;	/* the end: commit the last run */
		else if (c == '\\') {
			if (i + 1 >= n)
				goto none;
			if (isalnum((unsigned char)re[i + 1])) {
				if ((alen = escape_len(re, i, n)) == 0)
					goto none;
				/* \d+$ or \S*$ (any greed): the run before it ends
				 * where the final run of that class begins. */
				if ((re[i + 1] == 'd' || re[i + 1] == 'S') && rl > 0 &&
				    (q = quant_len(re, i + 2, n)) > 0 &&
				    (re[i + 2] == '+' || re[i + 2] == '*') &&
				    i + 2 + q + 1 == n && re[n - 1] == '$' &&
				    !tail_class(re[i + 1] == 'd' ? TAIL_DIGIT : TAIL_NONSPACE,
				    (unsigned char)sc->sc_text[tl + rl - 1])) {
					tailrun = 1;
					sc->sc_tailcls = re[i + 1] == 'd' ? TAIL_DIGIT : TAIL_NONSPACE;
					sc->sc_tailmin = re[i + 2] == '+';
				}
			} else {
				lit = 1;
				litc = re[i + 1];
				alen = 2;
			}
		} else if (c == '[') {
			if ((alen = class_len(re, i, n)) == 0)
				goto none;
		} else if (c == '(') {
			size_t	k = i + 2;

			if (i + 1 < n && re[i + 1] == '*')
				goto none;	/* a verb or a start option */
			if (i + 1 < n && re[i + 1] == '?') {
				while (k < n && (isalpha((unsigned char)re[k]) ||
				    re[k] == '-' || re[k] == '^'))
					k++;
				if (k < n && re[k] == ')')
					goto none;	/* (?i) and friends */
			}
			if ((alen = group_len(re, i, n)) == 0)
				goto none;
		} else if (c == '|' || c == ')')
			goto none;
		else if (c == '$' && i + 1 == n && rl > 0)
			endrun = 1;	/* the run that ends the match */
		else if (strchr(".^$?*+{}]", c) == NULL)
			lit = 1;
		if (alen > 0 && (q = quant_len(re, i + alen, n)) > 0) {
			lit = 0;	/* an optional or repeated atom */
			alen += q;
		}
		if (lit)
			sc->sc_text[tl + rl++] = litc;
		else {
			if (rl > 0) {
				sc->sc_run[sc->sc_nrun].r_off = tl;
				sc->sc_run[sc->sc_nrun].r_len = rl;
				if (runanch)
					sc->sc_start = (int)sc->sc_nrun;
				if (endrun)
					sc->sc_end = (int)sc->sc_nrun;
				if (tailrun)
					sc->sc_tail = (int)sc->sc_nrun;
				sc->sc_nrun++;
				tl += rl;
			}
			rl = 0;
			runanch = endrun = tailrun = 0;
		}
		if (i >= n)
			break;
		i += alen;
	}
	return 0;
none:
	sc->sc_nrun = 0;
	sc->sc_start = sc->sc_end = sc->sc_tail = -1;
	return -1;
}

/* Copy run r of sc to buf (at most size bytes; its end when from_end). */
static size_t
run_copy(const struct litscan *sc, int r, char *buf, size_t size, int from_end)
{
	const struct litrun	*rr = &sc->sc_run[r];
	size_t			 len = rr->r_len < size ? rr->r_len : size;

	memcpy(buf, sc->sc_text + rr->r_off + (from_end ? rr->r_len - len : 0), len);
	return len;
}

size_t
filter_literal(const char *re, size_t n, char *buf, size_t size, int *where)
{
	struct litscan	sc;
	size_t		i, best = 0, len = 0;
	int		b = -1;

	*where = LIT_ANYWHERE;
	scan_pattern(re, n, &sc);
	for (i = 0; i < sc.sc_nrun; i++)
		if (sc.sc_run[i].r_len > best) {
			best = sc.sc_run[i].r_len;
			b = (int)i;
		}
	/* One memcmp at either end beats searching the line for a longer run. */
	if (sc.sc_start != -1 && sc.sc_run[sc.sc_start].r_len >= 4) {
		*where = LIT_START;
		len = run_copy(&sc, sc.sc_start, buf, size, 0);
	} else if (sc.sc_end != -1 && sc.sc_run[sc.sc_end].r_len >= 4) {
		*where = LIT_END;
		len = run_copy(&sc, sc.sc_end, buf, size, 1);
	} else if (best >= 3)
		len = run_copy(&sc, b, buf, size, 0);
	scan_free(&sc);
	return len;
}

/*
 * The prefilter of the pattern re (tags expanded): the run after '^', the
 * run before '$' or before a final class run, and the longest other run
 * of 3 bytes or more.
 */
void
prefilter_build(const char *re, size_t n, struct prefilter *pf)
{
	struct litscan	sc;
	size_t		i, best = 0;
	int		b = -1;

	memset(pf, 0, sizeof(*pf));
	scan_pattern(re, n, &sc);
	if (sc.sc_start != -1)
		pf->pf_startlen = run_copy(&sc, sc.sc_start, pf->pf_start,
		    sizeof(pf->pf_start), 0);
	if (sc.sc_end != -1)
		pf->pf_endlen = run_copy(&sc, sc.sc_end, pf->pf_end, sizeof(pf->pf_end), 1);
	if (sc.sc_tail != -1) {
		pf->pf_taillen = run_copy(&sc, sc.sc_tail, pf->pf_tail, sizeof(pf->pf_tail), 1);
		pf->pf_tailcls = sc.sc_tailcls;
		pf->pf_tailmin = sc.sc_tailmin;
	}
	/* The last byte: of the end literal, or of the tail's class. */
	memset(pf->pf_last, 0xff, sizeof(pf->pf_last));
	if (pf->pf_endlen > 0 || pf->pf_taillen > 0) {
		memset(pf->pf_last, 0, sizeof(pf->pf_last));
		for (i = 0; i < 256; i++)
			if ((pf->pf_endlen > 0 && i == (unsigned char)pf->pf_end[pf->pf_endlen - 1]) ||
			    (pf->pf_taillen > 0 && (tail_class(pf->pf_tailcls, (unsigned char)i) ||
			    (pf->pf_tailmin == 0 &&
			    i == (unsigned char)pf->pf_tail[pf->pf_taillen - 1]))) ||
			    i == '\n')	/* '$' matches before a final newline */
				pf->pf_last[i >> 3] |= 1 << (i & 7);
	}
	for (i = 0; i < sc.sc_nrun; i++)
		if ((int)i != sc.sc_start && (int)i != sc.sc_end && (int)i != sc.sc_tail &&
		    sc.sc_run[i].r_len > best) {
			best = sc.sc_run[i].r_len;
			b = (int)i;
		}
	if (best >= 3) {
		pf->pf_anylen = run_copy(&sc, b, pf->pf_any, sizeof(pf->pf_any), 0);
		memset(pf->pf_skip, (int)pf->pf_anylen, sizeof(pf->pf_skip));
		for (i = 0; i + 1 < pf->pf_anylen; i++)
			pf->pf_skip[(unsigned char)pf->pf_any[i]] =
			    (unsigned char)(pf->pf_anylen - 1 - i);
	}
	scan_free(&sc);
}
