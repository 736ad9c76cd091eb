/*
 * filter.c -- which syslog messages are failures, and of which address.
 * Input: the validated config (patterns as written, with fail2ban's tags)
 * and parsed syslog lines.  Output: struct match, one per jail at most.
 * Invariants:
 * - Every address comes from a named group "host" and goes through
 *   addr_parse(); text that is not exactly one address is MATCH_BADADDR,
 *   never resolved, never guessed.
 * - A pattern is tried only if its prefilter literal (see filter_literal())
 *   is in the message, where the pattern requires it (at the start, at the
 *   end, anywhere); every match provably contains it, so the prefilter
 *   never changes a result, it only saves the regex on ordinary lines.
 * - Patterns are compiled without UTF (PCRE2_NEVER_UTF): any byte is data,
 *   an invalid UTF-8 sequence cannot make a match fail with an error.
 * No I/O except the compile errors of filter_compile().
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

#include "filter.h"
#include "log.h"
#include "util.h"

/*
 * The address regexes.  They only find the text; addr_parse() decides.
 * The look-arounds keep a capture from starting or ending inside a longer
 * token: without them a greedy ".*<HOST>" would take "1.2.3.4" out of
 * "21.2.3.4", a valid but wrong address.  "IPv6:" is sendmail's prefix.
 */
#define RE_IP4	"(?<![0-9A-Za-z.:])(?:[0-9]{1,3}\\.){3}[0-9]{1,3}" \
		"(?![0-9])(?!\\.[0-9])"
#define RE_IP6	"(?:(?<=[Ii][Pp][Vv]6:)|(?<![0-9A-Za-z.:]))" \
		"(?:[Ii][Pp][Vv]6:)?(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){1,7}" \
		"(?:(?:\\.[0-9]{1,3}){3})?(?![0-9A-Fa-f:])(?!\\.[0-9])"

static const struct tag {
	const char	*t_name;
	const char	*t_re;
} tags[] = {
	{ "<HOST>", "(?<host>" RE_IP6 "|" RE_IP4 ")" },
	{ "<ADDR>", "(?<host>" RE_IP6 "|" RE_IP4 ")" },
	{ "<IP4>", "(?<host>" RE_IP4 ")" },
	{ "<IP6>", "(?<host>" RE_IP6 ")" },
};

#define LITMAX		64	/* longest prefilter literal kept */
#define LIT_ANYWHERE	0
#define LIT_START	1	/* right after a leading '^' */
#define LIT_END		2	/* right before a final '$' */
#define JITSTACK_MAX	(1024 * 1024)	/* 1 MB lines must not exhaust it */

enum pkind { PK_FAIL, PK_NOHOST, PK_NOFAIL, PK_IGNORE };

struct cpat {
	pcre2_code	*cp_code;
	int		 cp_jit;	/* JIT code available */
	enum pkind	 cp_kind;
	int		 cp_index;	/* in the jail's j_fail or j_ignore */
	uint32_t	*cp_host;	/* numbers of the groups named "host" */
	size_t		 cp_nhost;
	char		 cp_lit[LITMAX];
	size_t		 cp_litlen;	/* 0: no prefilter */
	int		 cp_where;	/* LIT_ANYWHERE, LIT_START, LIT_END */
	unsigned char	 cp_skip[256];	/* Horspool shifts, LIT_ANYWHERE */
};

struct cjail {
	size_t		 cj_jail;	/* index in c_jails */
	struct cpat	*cj_fail;	/* active failregex, j_fail order */
	size_t		 cj_nfail;
	struct cpat	*cj_ignore;	/* active ignoreregex */
	size_t		 cj_nignore;
};

struct filterset {
	const struct config	*fs_cfg;
	struct cjail		*fs_jails;
	size_t			 fs_njails;
	size_t			*fs_daemonlen;
	pcre2_match_data	*fs_md;
	pcre2_match_context	*fs_mctx;
	pcre2_jit_stack		*fs_jstack;
};

/* A pattern after tag expansion, with a map back to the text as written. */
struct expanded {
	char		*e_re;
	size_t		*e_map;		/* e_map[i]: offset in p_text of e_re[i] */
	size_t		 e_len, e_cap;
	enum pkind	 e_kind;
	int		 e_lowertag;	/* saw <host>, <addr>, <ip4> or <ip6> */
	const char	*e_err;		/* a tag error, at e_erroff of p_text */
	size_t		 e_erroff;
};

/* Append s[0..n); its bytes came from p_text at from (+i if verbatim). */
static void
ex_put(struct expanded *e, const char *s, size_t n, size_t from, int verbatim)
{
	size_t	i;

	if (e->e_len + n + 1 > e->e_cap) {
		while (e->e_len + n + 1 > e->e_cap)
			e->e_cap = e->e_cap ? e->e_cap * 2 : 256;
		e->e_re = xreallocarray(e->e_re, e->e_cap, 1);
		e->e_map = xreallocarray(e->e_map, e->e_cap, sizeof(*e->e_map));
	}
	memcpy(e->e_re + e->e_len, s, n);
	for (i = 0; i < n; i++)
		e->e_map[e->e_len + i] = verbatim ? from + i : from;
	e->e_len += n;
	e->e_re[e->e_len] = '\0';
}

static void
ex_free(struct expanded *e)
{
	free(e->e_re);
	free(e->e_map);
	memset(e, 0, sizeof(*e));
}

/* Is the '<' at s[i] the name part of "(?<", "(?P<", "\k<" or "\g<"? */
static int
is_group_name(const char *s, size_t i)
{
	if (i >= 2 && s[i - 2] == '(' && s[i - 1] == '?')
		return 1;
	if (i >= 3 && s[i - 3] == '(' && s[i - 2] == '?' && s[i - 1] == 'P')
		return 1;
	if (i >= 2 && s[i - 2] == '\\' && (s[i - 1] == 'k' || s[i - 1] == 'g'))
		return 1;
	return 0;
}

/* Length of a fail2ban "<F-NAME>" or "</F-NAME>" tag at s, else 0. */
static size_t
f2b_tag(const char *s)
{
	size_t	i = s[1] == '/' ? 2 : 1;

	if (s[i] != 'F' || s[i + 1] != '-')
		return 0;
	i += 2;
	if (!(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
		return 0;
	while (isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
	    s[i] == '_' || s[i] == '-')
		i++;
	return s[i] == '>' ? i + 1 : 0;
}

/*
 * Expand the tags of text into e.  Only upper-case tags are tags; a
 * lower-case one is noted (e_lowertag) for the "no host group" hint.
 */
static void
expand(const char *text, int ignore, struct expanded *e)
{
	static const char *const lower[] = { "<host>", "<addr>", "<ip4>", "<ip6>" };
	size_t	i = 0, k, n;

	memset(e, 0, sizeof(*e));
	e->e_kind = ignore ? PK_IGNORE : PK_FAIL;
	ex_put(e, "", 0, 0, 1);
	if (strncmp(text, "<NOHOST>", 8) == 0) {
		if (!ignore)
			e->e_kind = PK_NOHOST;
		i = 8;
	}
	while (text[i] != '\0') {
		if (text[i] == '\\' && text[i + 1] != '\0') {
			ex_put(e, text + i, 2, i, 1);
			i += 2;
			continue;
		}
		if (text[i] != '<') {
			ex_put(e, text + i, 1, i, 1);
			i++;
			continue;
		}
		if (!is_group_name(text, i)) {
			for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
				n = strlen(tags[k].t_name);
				if (strncmp(text + i, tags[k].t_name, n) == 0)
					break;
			}
			if (k < sizeof(tags) / sizeof(tags[0])) {
				ex_put(e, tags[k].t_re, strlen(tags[k].t_re), i, 0);
				i += n;
				continue;
			}
			for (k = 0; k < sizeof(lower) / sizeof(lower[0]); k++)
				if (strncasecmp(text + i, lower[k], strlen(lower[k])) == 0)
					e->e_lowertag = 1;
			if (strncmp(text + i, "<NOHOST>", 8) == 0 && e->e_err == NULL) {
				e->e_err = "<NOHOST> must start the pattern";
				e->e_erroff = i;
			}
		}
		if ((n = f2b_tag(text + i)) > 0) {
			if (strncmp(text + i, "<F-NOFAIL>", 10) == 0 && !ignore) {
				if (e->e_kind == PK_NOHOST && e->e_err == NULL) {
					e->e_err = "<NOHOST> and <F-NOFAIL> exclude each other";
					e->e_erroff = i;
				}
				e->e_kind = PK_NOFAIL;
			}
			i += n;	/* fail2ban's markers: keep the inner text */
			continue;
		}
		ex_put(e, text + i, 1, i, 1);
		i++;
	}
}

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

size_t
filter_literal(const char *re, size_t n, char *buf, size_t size, int *where)
{
	char	run[LITMAX], best[LITMAX], first[LITMAX], last[LITMAX];
	size_t	i = 0, rl = 0, bl = 0, fl = 0, ll = 0, alen, q;
	int	lit, runanch = 0;

	*where = LIT_ANYWHERE;
	if (memmem(re, n, "\\Q", 2) != NULL || memmem(re, n, "(*ACCEPT", 8) != NULL)
		return 0;
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
				return 0;
			if (isalnum((unsigned char)re[i + 1])) {
				if ((alen = escape_len(re, i, n)) == 0)
					return 0;
			} else {
				lit = 1;
				litc = re[i + 1];
				alen = 2;
			}
		} else if (c == '[') {
			if ((alen = class_len(re, i, n)) == 0)
				return 0;
		} else if (c == '(') {
			size_t	k = i + 2;

			if (i + 1 < n && re[i + 1] == '*')
				return 0;	/* a verb or a start option */
			if (i + 1 < n && re[i + 1] == '?') {
				while (k < n && (isalpha((unsigned char)re[k]) ||
				    re[k] == '-' || re[k] == '^'))
					k++;
				if (k < n && re[k] == ')')
					return 0;	/* (?i) and friends */
			}
			if ((alen = group_len(re, i, n)) == 0)
				return 0;
		} else if (c == '|' || c == ')')
			return 0;
		else if (c == '$' && i + 1 == n && rl > 0) {
			memcpy(last, run, rl);	/* the run that ends the match */
			ll = rl;
		} else if (strchr(".^$?*+{}]", c) == NULL)
			lit = 1;
		if (alen > 0 && (q = quant_len(re, i + alen, n)) > 0) {
			lit = 0;	/* an optional or repeated atom */
			alen += q;
		}
		if (lit) {
			if (rl < sizeof(run))
				run[rl++] = litc;
		} else {
			if (runanch) {
				memcpy(first, run, rl);
				fl = rl;
			}
			if (rl > bl) {
				memcpy(best, run, rl);
				bl = rl;
			}
			rl = 0;
			runanch = 0;
		}
		if (i >= n)
			break;
		i += alen;
	}
	/* One memcmp at either end beats searching the line for a longer run. */
	if (fl >= 4) {
		*where = LIT_START;
		memcpy(best, first, fl);
		bl = fl;
	} else if (ll >= 4) {
		*where = LIT_END;
		memcpy(best, last, ll);
		bl = ll;
	} else if (bl < 3)
		return 0;
	if (bl > size)
		bl = size;
	memcpy(buf, best, bl);
	return bl;
}

static void
cpat_free(struct cpat *cp)
{
	pcre2_code_free(cp->cp_code);
	free(cp->cp_host);
}

/* Sorted numbers of the capture groups named "host". */
static void
host_groups(struct cpat *cp)
{
	PCRE2_SPTR	 table;
	uint32_t	 count, size, i, k, t;

	pcre2_pattern_info(cp->cp_code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(cp->cp_code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(cp->cp_code, PCRE2_INFO_NAMETABLE, &table);
	cp->cp_host = xcalloc(count, sizeof(*cp->cp_host));
	for (i = 0; i < count; i++) {
		PCRE2_SPTR	e = table + (size_t)i * size;

		if (strcmp((const char *)e + 2, "host") == 0)
			cp->cp_host[cp->cp_nhost++] = (uint32_t)(e[0] << 8 | e[1]);
	}
	for (i = 1; i < cp->cp_nhost; i++)
		for (k = i; k > 0 && cp->cp_host[k - 1] > cp->cp_host[k]; k--) {
			t = cp->cp_host[k];
			cp->cp_host[k] = cp->cp_host[k - 1];
			cp->cp_host[k - 1] = t;
		}
}

/*
 * Compile one pattern.  0, or -1 after reporting it as
 *   FILE:LINE: [jail] KEY: offset N: WHAT: PATTERN
 * with N an offset into the pattern as written.
 */
static int
compile_one(const struct config *cfg, const struct jail *j, const struct pattern *p,
    int ignore, struct cpat *cp, uint32_t *maxcap)
{
	struct expanded	 e;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 erroff;
	uint32_t	 ncap;
	int		 errcode, rc = -1;

	memset(cp, 0, sizeof(*cp));
	expand(p->p_text, ignore, &e);
	if (e.e_err != NULL) {
		log_error("%s:%d: [%s] %s: offset %zu: %s: %s", cfg->c_file, p->p_line,
		    j->j_name, p->p_key, e.e_erroff, e.e_err, p->p_text);
		goto out;
	}
	cp->cp_code = pcre2_compile((PCRE2_SPTR)e.e_re, e.e_len,
	    PCRE2_DUPNAMES | PCRE2_NEVER_UTF, &errcode, &erroff, NULL);
	if (cp->cp_code == NULL) {
		size_t	off;

		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", errcode);
		/* Offsets point into the expanded text; report the written one. */
		off = erroff < e.e_len ? e.e_map[erroff] : strlen(p->p_text);
		log_error("%s:%d: [%s] %s: offset %zu: %s: %s", cfg->c_file, p->p_line,
		    j->j_name, p->p_key, off, (const char *)msg, p->p_text);
		goto out;
	}
	host_groups(cp);
	cp->cp_kind = e.e_kind;
	if (!ignore && (e.e_kind == PK_FAIL || e.e_kind == PK_NOFAIL) &&
	    (cp->cp_nhost == 0 || e.e_lowertag)) {
		log_error("%s:%d: [%s] %s: no host group: %s (add <HOST> where the "
		    "address appears; tags are upper case)", cfg->c_file, p->p_line,
		    j->j_name, p->p_key, p->p_text);
		goto out;
	}
	if (e.e_kind == PK_NOHOST && cp->cp_nhost > 0) {
		log_error("%s:%d: [%s] %s: a <NOHOST> pattern has a host group: %s "
		    "(remove <NOHOST> or the host group)", cfg->c_file, p->p_line,
		    j->j_name, p->p_key, p->p_text);
		goto out;
	}
	pcre2_pattern_info(cp->cp_code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap > *maxcap)
		*maxcap = ncap;
	cp->cp_litlen = filter_literal(e.e_re, e.e_len, cp->cp_lit, sizeof(cp->cp_lit),
	    &cp->cp_where);
	if (cp->cp_litlen > 0) {
		size_t	i;

		memset(cp->cp_skip, (int)cp->cp_litlen, sizeof(cp->cp_skip));
		for (i = 0; i + 1 < cp->cp_litlen; i++)
			cp->cp_skip[(unsigned char)cp->cp_lit[i]] =
			    (unsigned char)(cp->cp_litlen - 1 - i);
	}
	rc = 0;
out:
	if (rc == -1) {
		cpat_free(cp);
		memset(cp, 0, sizeof(*cp));
	}
	ex_free(&e);
	return rc;
}

/*
 * Compile the patterns of one enabled jail.  Every pattern is checked,
 * also those of other modes (a typo must not wait for a mode change);
 * only the active ones are kept, and only those get JIT code.
 */
static int
compile_jail(const struct config *cfg, size_t ji, struct cjail *cj, uint32_t *maxcap)
{
	const struct jail	*j = &cfg->c_jails[ji];
	struct cpat		 cp;
	size_t			 i;
	int			 rc = 0, pass;

	cj->cj_jail = ji;
	cj->cj_fail = xcalloc(j->j_nfail, sizeof(*cj->cj_fail));
	cj->cj_ignore = xcalloc(j->j_nignore, sizeof(*cj->cj_ignore));
	for (pass = 0; pass < 2; pass++) {
		const struct pattern	*pv = pass == 0 ? j->j_fail : j->j_ignore;
		size_t			 np = pass == 0 ? j->j_nfail : j->j_nignore;

		for (i = 0; i < np; i++) {
			if (compile_one(cfg, j, &pv[i], pass == 1, &cp, maxcap) == -1) {
				rc = -1;
				continue;
			}
			if (pv[i].p_minmode > j->j_mode) {
				cpat_free(&cp);
				continue;
			}
			cp.cp_index = (int)i;
			cp.cp_jit = pcre2_jit_compile(cp.cp_code, PCRE2_JIT_COMPLETE) == 0;
			if (pass == 0)
				cj->cj_fail[cj->cj_nfail++] = cp;
			else
				cj->cj_ignore[cj->cj_nignore++] = cp;
		}
	}
	return rc;
}

int
filter_compile(const struct config *cfg, struct filterset **out)
{
	struct filterset	*fs;
	uint32_t		 maxcap = 0;
	size_t			 i;
	int			 rc = 0;

	*out = NULL;
	fs = xcalloc(1, sizeof(*fs));
	fs->fs_cfg = cfg;
	fs->fs_jails = xcalloc(cfg->c_njails, sizeof(*fs->fs_jails));
	for (i = 0; i < cfg->c_njails; i++) {
		if (!cfg->c_jails[i].j_enabled)
			continue;
		if (compile_jail(cfg, i, &fs->fs_jails[fs->fs_njails++], &maxcap) == -1)
			rc = -1;
	}
	if (rc == -1) {
		filter_free(fs);
		return -1;
	}
	fs->fs_daemonlen = xcalloc(cfg->c_ndaemons, sizeof(*fs->fs_daemonlen));
	for (i = 0; i < cfg->c_ndaemons; i++)
		fs->fs_daemonlen[i] = strlen(cfg->c_daemons[i]);
	if ((fs->fs_md = pcre2_match_data_create(maxcap + 1, NULL)) == NULL ||
	    (fs->fs_mctx = pcre2_match_context_create(NULL)) == NULL ||
	    (fs->fs_jstack = pcre2_jit_stack_create(32 * 1024, JITSTACK_MAX, NULL)) == NULL) {
		filter_free(fs);
		return log_error("filter: out of memory for PCRE2 match data");
	}
	pcre2_jit_stack_assign(fs->fs_mctx, NULL, fs->fs_jstack);
	*out = fs;
	return 0;
}

void
filter_free(struct filterset *fs)
{
	size_t	i, k;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->fs_njails; i++) {
		struct cjail	*cj = &fs->fs_jails[i];

		for (k = 0; k < cj->cj_nfail; k++)
			cpat_free(&cj->cj_fail[k]);
		for (k = 0; k < cj->cj_nignore; k++)
			cpat_free(&cj->cj_ignore[k]);
		free(cj->cj_fail);
		free(cj->cj_ignore);
	}
	free(fs->fs_jails);
	free(fs->fs_daemonlen);
	pcre2_match_data_free(fs->fs_md);
	pcre2_match_context_free(fs->fs_mctx);
	pcre2_jit_stack_free(fs->fs_jstack);
	free(fs);
}

/*
 * Horspool search with the shifts computed at compile time: glibc's
 * memmem() builds its table on every call, which cost more than all the
 * regexes together on ordinary lines.
 */
static int
lit_found(const struct cpat *cp, const unsigned char *s, size_t n)
{
	const unsigned char	*lit = (const unsigned char *)cp->cp_lit;
	size_t			 m = cp->cp_litlen, i = m - 1;

	while (i < n) {
		if (s[i] == lit[m - 1] && memcmp(s + i + 1 - m, lit, m - 1) == 0)
			return 1;
		i += cp->cp_skip[s[i]];
	}
	return 0;
}

/* Could cp match s[0..n)?  0 means certainly not. */
static int
prefilter(const struct cpat *cp, const char *s, size_t n)
{
	size_t	m = cp->cp_litlen;

	if (m == 0)
		return 1;
	if (n < m)
		return 0;
	switch (cp->cp_where) {
	case LIT_START:
		return s[0] == cp->cp_lit[0] && memcmp(s, cp->cp_lit, m) == 0;
	case LIT_END:
		/* '$' also matches before a final newline. */
		if (memcmp(s + n - m, cp->cp_lit, m) == 0)
			return 1;
		return n > m && s[n - 1] == '\n' && memcmp(s + n - 1 - m, cp->cp_lit, m) == 0;
	default:
		return lit_found(cp, (const unsigned char *)s, n);
	}
}

/* 1 if cp matches s[0..n), leaving the groups in fs_md. */
static int
cpat_match(struct filterset *fs, const struct cpat *cp, const char *s, size_t n)
{
	int	rc;

	if (!prefilter(cp, s, n))
		return 0;
	if (cp->cp_jit)
		rc = pcre2_jit_match(cp->cp_code, (PCRE2_SPTR)s, n, 0, 0, fs->fs_md,
		    fs->fs_mctx);
	else
		rc = pcre2_match(cp->cp_code, (PCRE2_SPTR)s, n, 0, 0, fs->fs_md,
		    fs->fs_mctx);
	/* Errors (match limits on hostile input) count as no match. */
	return rc > 0;
}

/* The first host group that took part in the match; -1 if none did. */
static int
host_text(struct filterset *fs, const struct cpat *cp, const char *s, struct addr *a)
{
	PCRE2_SIZE	*ov = pcre2_get_ovector_pointer(fs->fs_md);
	size_t		 i;

	for (i = 0; i < cp->cp_nhost; i++) {
		uint32_t	g = cp->cp_host[i];

		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		return addr_parse(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g], a);
	}
	return -1;
}

/* Split sendmail's queue id ("s1P819mk027713: ") off msg; 0 if none. */
static size_t
split_qid(const char *msg, size_t len, char *qid)
{
	size_t	i;

	for (i = 0; i < len && i <= 20 && isalnum((unsigned char)msg[i]); i++)
		continue;
	if (i < 14 || i > 20 || i + 1 >= len || msg[i] != ':' || msg[i + 1] != ' ')
		return 0;
	memcpy(qid, msg, i);
	qid[i] = '\0';
	return i + 2;
}

size_t
filter_line(struct filterset *fs, const struct sysline *sl, struct match *out, size_t max)
{
	const struct config	*cfg = fs->fs_cfg;
	char			 qid[FILTER_QIDMAX + 1] = "";
	const char		*msg;
	size_t			 i, k, len, n = 0, skip;

	for (i = 0; i < cfg->c_ndaemons; i++)
		if (sl->s_daemonlen == fs->fs_daemonlen[i] &&
		    memcmp(sl->s_daemon, cfg->c_daemons[i], sl->s_daemonlen) == 0)
			break;
	if (i == cfg->c_ndaemons)
		return 0;
	msg = sl->s_msg != NULL ? sl->s_msg : "";
	len = sl->s_msg != NULL ? sl->s_msglen : 0;
	skip = split_qid(msg, len, qid);
	msg += skip;
	len -= skip;

	for (i = 0; i < fs->fs_njails && n < max; i++) {
		const struct cjail	*cj = &fs->fs_jails[i];
		const struct cpat	*cp = NULL;
		struct match		*m = &out[n];
		int			 bad = 0;

		for (k = 0; k < cj->cj_nfail; k++) {
			if (cj->cj_fail[k].cp_kind != PK_FAIL && qid[0] == '\0')
				continue;	/* correlation needs a queue id */
			if (cpat_match(fs, &cj->cj_fail[k], msg, len)) {
				cp = &cj->cj_fail[k];
				break;
			}
		}
		if (cp == NULL)
			continue;
		memset(m, 0, sizeof(*m));
		m->m_jail = cj->cj_jail;
		m->m_pattern = cp->cp_index;
		memcpy(m->m_qid, qid, sizeof(m->m_qid));
		if (cp->cp_kind != PK_NOHOST)
			bad = host_text(fs, cp, msg, &m->m_addr) == -1;
		m->m_kind = cp->cp_kind == PK_NOHOST ? MATCH_NOHOST :
		    cp->cp_kind == PK_NOFAIL ? MATCH_NOFAIL : MATCH_FAIL;
		if (bad) {
			memset(&m->m_addr, 0, sizeof(m->m_addr));
			m->m_kind = MATCH_BADADDR;
		}
		for (k = 0; k < cj->cj_nignore; k++)
			if (cpat_match(fs, &cj->cj_ignore[k], msg, len)) {
				m->m_kind = MATCH_IGNORED;
				break;
			}
		n++;
	}
	return n;
}
