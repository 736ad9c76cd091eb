/*
 * filter.c -- which syslog messages are failures, and of which address.
 * Input: the validated config (patterns as written, with fail2ban's tags)
 * and parsed syslog lines.  Output: struct match, one per jail at most.
 * Invariants:
 * - Every address comes from a named group "host" and goes through
 *   addr_parse(); text that is not exactly one address is MATCH_BADADDR,
 *   never resolved, never guessed.
 * - A pattern is tried only if the message passes its prefilter: its
 *   first byte selects the candidate patterns, then its last byte, the
 *   literal runs right after '^', right before '$' or before a final
 *   \d+$ / \S+$, and the longest other run (struct prefilter, found by
 *   filter_lit.c).  Every match provably passes, so the prefilter never
 *   changes a result (the unit tests compare it with plain PCRE2 on every
 *   shipped pattern); it only saves the regex on ordinary lines, 97% of a
 *   mail.log.
 * - Every match runs under PCRE2 limits (filter.h): a pattern that hits
 *   one does not match that line, and the line is reported to the caller
 *   (filter_limited()), never matched by a half-finished search.
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
#include "filter_int.h"
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

#define JITSTACK_MAX	(1024 * 1024)	/* 1 MB lines must not exhaust it */

enum pkind { PK_FAIL, PK_NOHOST, PK_NOFAIL, PK_IGNORE };

struct cpat {
	pcre2_code	*cp_code;
	int		 cp_jit;	/* JIT code: 1 made, 0 none, -1 not tried yet */
	enum pkind	 cp_kind;
	int		 cp_index;	/* in the jail's j_fail or j_ignore */
	uint32_t	*cp_host;	/* numbers of the groups named "host" */
	size_t		 cp_nhost;
	struct prefilter cp_pf;
};

/*
 * Dispatch on the first byte of the message: cj_byfirst[cj_first[b] ..
 * cj_first[b + 1]) lists, in j_fail order, the failregexes that can match
 * a message starting with byte b (those with a literal right after '^'
 * only under its first byte).  Most lines of ordinary traffic try two or
 * three patterns instead of all of them.
 */
struct cjail {
	size_t		 cj_jail;	/* index in c_jails */
	struct cpat	*cj_fail;	/* active failregex, j_fail order */
	size_t		 cj_nfail;
	struct cpat	*cj_ignore;	/* active ignoreregex */
	size_t		 cj_nignore;
	size_t		 cj_first[257];
	size_t		*cj_byfirst;
};

struct filterset {
	const struct config	*fs_cfg;
	struct cjail		*fs_jails;
	size_t			 fs_njails;
	size_t			*fs_daemonlen;
	pcre2_match_data	*fs_md;
	pcre2_match_context	*fs_mctx;	/* JIT: its stack, its match limit */
	pcre2_match_context	*fs_ictx;	/* the interpreter's limits */
	pcre2_jit_stack		*fs_jstack;
	int			 fs_jit;	/* 0: the interpreter only */
	const struct pattern	*fs_limited;	/* of the last filter_line() */
	size_t			 fs_limjail;
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

/* The file a pattern was read from (set by config_load). */
static const char *
pfile(const struct config *cfg, const struct pattern *p)
{
	return p->p_file != NULL ? p->p_file : cfg->c_file;
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
		log_error("%s:%d: [%s] %s: offset %zu: %s: %s", pfile(cfg, p), p->p_line,
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
		log_error("%s:%d: [%s] %s: offset %zu: %s: %s", pfile(cfg, p), p->p_line,
		    j->j_name, p->p_key, off, (const char *)msg, p->p_text);
		goto out;
	}
	host_groups(cp);
	cp->cp_kind = e.e_kind;
	if (!ignore && (e.e_kind == PK_FAIL || e.e_kind == PK_NOFAIL) &&
	    (cp->cp_nhost == 0 || e.e_lowertag)) {
		log_error("%s:%d: [%s] %s: no host group: %s (add <HOST> where the "
		    "address appears; tags are upper case)", pfile(cfg, p), p->p_line,
		    j->j_name, p->p_key, p->p_text);
		goto out;
	}
	if (e.e_kind == PK_NOHOST && cp->cp_nhost > 0) {
		log_error("%s:%d: [%s] %s: a <NOHOST> pattern has a host group: %s "
		    "(remove <NOHOST> or the host group)", pfile(cfg, p), p->p_line,
		    j->j_name, p->p_key, p->p_text);
		goto out;
	}
	pcre2_pattern_info(cp->cp_code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap > *maxcap)
		*maxcap = ncap;
	prefilter_build(e.e_re, e.e_len, &cp->cp_pf);
	rc = 0;
out:
	if (rc == -1) {
		cpat_free(cp);
		memset(cp, 0, sizeof(*cp));
	}
	ex_free(&e);
	return rc;
}

/* Fill cj_first and cj_byfirst (see struct cjail). */
static void
dispatch_build(struct cjail *cj)
{
	size_t	b, k, n = 0;

	cj->cj_byfirst = xcalloc(256 * cj->cj_nfail + 1, sizeof(*cj->cj_byfirst));
	for (b = 0; b < 256; b++) {
		cj->cj_first[b] = n;
		for (k = 0; k < cj->cj_nfail; k++) {
			const struct prefilter	*pf = &cj->cj_fail[k].cp_pf;

			if (pf->pf_startlen == 0 || (unsigned char)pf->pf_start[0] == b)
				cj->cj_byfirst[n++] = k;
		}
	}
	cj->cj_first[256] = n;
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
			/*
			 * JIT code is made at the pattern's first match
			 * (cpat_match): it was two thirds of compiling the
			 * filters, 10M instructions at every start, and a cron
			 * run with no new line never matches.
			 */
			cp.cp_jit = -1;
			if (pass == 0)
				cj->cj_fail[cj->cj_nfail++] = cp;
			else
				cj->cj_ignore[cj->cj_nignore++] = cp;
		}
	}
	dispatch_build(cj);
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
	    (fs->fs_ictx = pcre2_match_context_create(NULL)) == NULL ||
	    (fs->fs_jstack = pcre2_jit_stack_create(32 * 1024, JITSTACK_MAX, NULL)) == NULL) {
		filter_free(fs);
		return log_error("filter: out of memory for PCRE2 match data");
	}
	pcre2_jit_stack_assign(fs->fs_mctx, NULL, fs->fs_jstack);
	filter_set_limits(fs, 0, FILTER_MATCH_LIMIT, FILTER_DEPTH_LIMIT);
	filter_set_limits(fs, 1, FILTER_JIT_MATCH_LIMIT, 0);
	*out = fs;
	return 0;
}

void
filter_set_limits(struct filterset *fs, int jit, uint32_t match, uint32_t depth)
{
	fs->fs_jit = jit;
	if (jit) {
		pcre2_set_match_limit(fs->fs_mctx, match);
		return;
	}
	pcre2_set_match_limit(fs->fs_ictx, match);
	pcre2_set_depth_limit(fs->fs_ictx, depth);
}

const struct pattern *
filter_limited(const struct filterset *fs, size_t *jail)
{
	*jail = fs->fs_limjail;
	return fs->fs_limited;
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
		free(cj->cj_byfirst);
	}
	free(fs->fs_jails);
	free(fs->fs_daemonlen);
	pcre2_match_data_free(fs->fs_md);
	pcre2_match_context_free(fs->fs_mctx);
	pcre2_match_context_free(fs->fs_ictx);
	pcre2_jit_stack_free(fs->fs_jstack);
	free(fs);
}

/*
 * Horspool search with the shifts computed at compile time: glibc's
 * memmem() builds its table on every call, which cost more than all the
 * regexes together on ordinary lines.
 */
static int
lit_found(const struct prefilter *pf, const unsigned char *s, size_t n)
{
	const unsigned char	*lit = (const unsigned char *)pf->pf_any;
	size_t			 m = pf->pf_anylen, i = m - 1;

	while (i < n) {
		if (s[i] == lit[m - 1] && memcmp(s + i + 1 - m, lit, m - 1) == 0)
			return 1;
		i += pf->pf_skip[s[i]];
	}
	return 0;
}

/* Does s[0..e) end with lit[0..m)? */
static int
ends_with(const char *s, size_t e, const char *lit, size_t m)
{
	return e >= m && s[e - 1] == lit[m - 1] && memcmp(s + e - m, lit, m) == 0;
}

/*
 * Could s[0..e) end with the tail literal and then a run of its class (at
 * least pf_tailmin bytes)?  The literal's last byte c is not of the class,
 * so in a match the run after it holds no c: the literal ends at the last
 * c of s, which memrchr() finds faster than a walk back over the class.
 */
static int
tail_at(const struct prefilter *pf, const char *s, size_t e)
{
	const char	*c;
	size_t		 k;

	if ((c = memrchr(s, pf->pf_tail[pf->pf_taillen - 1], e)) == NULL)
		return 0;
	k = (size_t)(c - s) + 1;
	return e - k >= (size_t)pf->pf_tailmin && ends_with(s, k, pf->pf_tail, pf->pf_taillen);
}

/* Could the pattern of pf match s[0..n)?  0 means certainly not. */
static int
prefilter(const struct prefilter *pf, const char *s, size_t n)
{
	/* '$' matches at the end and before a final newline. */
	int	nl = n > 0 && s[n - 1] == '\n';

	if (pf->pf_startlen > 0 && (n < pf->pf_startlen ||
	    memcmp(s, pf->pf_start, pf->pf_startlen) != 0))
		return 0;
	if (pf->pf_endlen > 0 && !ends_with(s, n, pf->pf_end, pf->pf_endlen) &&
	    !(nl && ends_with(s, n - 1, pf->pf_end, pf->pf_endlen)))
		return 0;
	if (pf->pf_taillen > 0 && !tail_at(pf, s, n) && !(nl && tail_at(pf, s, n - 1)))
		return 0;
	if (pf->pf_anylen > 0 && (n < pf->pf_anylen ||
	    !lit_found(pf, (const unsigned char *)s, n)))
		return 0;
	return 1;
}

/*
 * 1 if cp matches s[0..n), leaving the groups in fs_md; 0 if not; -1 if
 * it hit a PCRE2 limit (the search was cut short: neither).
 */
static int
cpat_match(struct filterset *fs, struct cpat *cp, const char *s, size_t n)
{
	int	rc;

	if (!prefilter(&cp->cp_pf, s, n))
		return 0;
	if (cp->cp_jit == -1 && fs->fs_jit)
		cp->cp_jit = pcre2_jit_compile(cp->cp_code, PCRE2_JIT_COMPLETE) == 0;
	if (cp->cp_jit == 1 && fs->fs_jit)
		rc = pcre2_jit_match(cp->cp_code, (PCRE2_SPTR)s, n, 0, 0, fs->fs_md,
		    fs->fs_mctx);
	else
		rc = pcre2_match(cp->cp_code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_JIT, fs->fs_md,
		    fs->fs_ictx);
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return -1;
	}
	/* Other errors (out of memory) count as no match. */
	return rc > 0;
}

/* Note the first pattern of the line that hit a limit. */
static void
limit_hit(struct filterset *fs, const struct cjail *cj, const struct cpat *cp)
{
	const struct jail	*j = &fs->fs_cfg->c_jails[cj->cj_jail];

	if (fs->fs_limited != NULL)
		return;
	fs->fs_limited = cp->cp_kind == PK_IGNORE ? &j->j_ignore[cp->cp_index] :
	    &j->j_fail[cp->cp_index];
	fs->fs_limjail = cj->cj_jail;
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

/* Letters and digits (ASCII; isalnum() of the C locale). */
static const unsigned char alnum[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 0x50 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 0x70 */
};

/*
 * Length of sendmail's queue id ("s1P819mk027713: ": 14 to 20 letters or
 * digits, or 12 as sendmail 8.11 and 8.12 wrote them, then ": ") at msg;
 * 0 if none.  The first 12 bytes are tested without a branch: most
 * messages have a queue id.
 */
static size_t
qid_len(const char *msg, size_t len)
{
	const unsigned char	*m = (const unsigned char *)msg;
	size_t			 i;

	if (len < 14 || !(alnum[m[0]] & alnum[m[1]] & alnum[m[2]] & alnum[m[3]] &
	    alnum[m[4]] & alnum[m[5]] & alnum[m[6]] & alnum[m[7]] & alnum[m[8]] &
	    alnum[m[9]] & alnum[m[10]] & alnum[m[11]]))
		return 0;
	for (i = 12; i < len && i <= 20 && alnum[m[i]]; i++)
		continue;
	if (i == 13 || i > 20 || i + 1 >= len || m[i] != ':' || m[i + 1] != ' ')
		return 0;
	return i;
}

size_t
filter_line(struct filterset *fs, const struct sysline *sl, struct match *out, size_t max)
{
	const struct config	*cfg = fs->fs_cfg;
	const char		*msg, *qid;
	size_t			 i, k, len, n = 0, qlen;
	unsigned char		 first, last;
	int			 r;

	fs->fs_limited = NULL;
	fs->fs_limjail = 0;
	for (i = 0; i < cfg->c_ndaemons; i++)
		if (sl->s_daemonlen == fs->fs_daemonlen[i] &&
		    sl->s_daemon[0] == cfg->c_daemons[i][0] &&
		    memcmp(sl->s_daemon, cfg->c_daemons[i], sl->s_daemonlen) == 0)
			break;
	if (i == cfg->c_ndaemons)
		return 0;
	msg = sl->s_msg != NULL ? sl->s_msg : "";
	len = sl->s_msg != NULL ? sl->s_msglen : 0;
	qid = msg;
	if ((qlen = qid_len(msg, len)) > 0) {
		msg += qlen + 2;
		len -= qlen + 2;
	}
	/* An empty message has no first or last byte: 0 stands for them
	 * (only a pattern without literals can match it, and those are
	 * under every byte). */
	first = len > 0 ? (unsigned char)msg[0] : 0;
	last = len > 0 ? (unsigned char)msg[len - 1] : 0;

	for (i = 0; i < fs->fs_njails && n < max; i++) {
		struct cjail		*cj = &fs->fs_jails[i];
		const struct cpat	*cp = NULL;
		struct match		*m = &out[n];
		int			 bad = 0;

		for (k = cj->cj_first[first]; k < cj->cj_first[first + 1]; k++) {
			struct cpat		*c = &cj->cj_fail[cj->cj_byfirst[k]];

			/* Correlation needs a queue id; then the last byte. */
			if ((c->cp_kind != PK_FAIL && qlen == 0) ||
			    !(c->cp_pf.pf_last[last >> 3] & 1 << (last & 7)))
				continue;
			if ((r = cpat_match(fs, c, msg, len)) == 1) {
				cp = c;
				break;
			}
			if (r == -1)
				limit_hit(fs, cj, c);
		}
		if (cp == NULL)
			continue;
		memset(m, 0, sizeof(*m));
		m->m_jail = cj->cj_jail;
		m->m_pattern = cp->cp_index;
		memcpy(m->m_qid, qid, qlen);
		m->m_qid[qlen] = '\0';
		if (cp->cp_kind != PK_NOHOST)
			bad = host_text(fs, cp, msg, &m->m_addr) == -1;
		m->m_kind = cp->cp_kind == PK_NOHOST ? MATCH_NOHOST :
		    cp->cp_kind == PK_NOFAIL ? MATCH_NOFAIL : MATCH_FAIL;
		if (bad) {
			memset(&m->m_addr, 0, sizeof(m->m_addr));
			m->m_kind = MATCH_BADADDR;
		}
		/* An ignoreregex cut short by a limit ignores: never a ban. */
		for (k = 0; k < cj->cj_nignore; k++)
			if ((r = cpat_match(fs, &cj->cj_ignore[k], msg, len)) != 0) {
				if (r == -1)
					limit_hit(fs, cj, &cj->cj_ignore[k]);
				m->m_kind = MATCH_IGNORED;
				break;
			}
		n++;
	}
	return n;
}
