/*
 * firewall.c -- make the live chain of each family equal the wanted bans.
 *
 * Inputs: the configuration (chain, ports, blocktype, tool paths, maxbans),
 * the wanted addresses, and the text of `iptables-save -t filter` (or the
 * ip6tables one).  Output: ONE `*-restore -w --noflush` script holding only
 * the difference, or nothing at all when the chain is already right.
 *
 * Invariants:
 *  - the planner is pure: save text and addresses in, script out;
 *  - a "-D" line is always a rule seen in the save output, because one
 *    absent -D makes the whole script fail: spelled as saved when mailban
 *    could have written it (its spellings delete as saved), else by its
 *    position in the listing ("-D CHAIN N", highest first, before every
 *    delete by spelling), since iptables-nft cannot delete some rules as
 *    saved (-m recent) and such a rule must never block the bans;
 *  - a filter table iptables-save cannot print (native nft rules in it:
 *    "# Table `filter' is incompatible") is refused, never taken as empty;
 *  - the plan lists every difference (struct fwdiff), deletes in listing order:
 *    `check` prints those, the executor reports the foreign rules removed;
 *  - ":CHAIN - [0:0]" is written only when the chain does not exist, since
 *    in a --noflush script the declaration flushes it;
 *  - every address written comes from addr_str() of a parsed address;
 *  - children are run with execve() of an absolute configured path, a fixed
 *    argv and environment, and no other inherited descriptor; never a shell.
 * backend = ipset: the same for the one set rule in the chain, plus ONE
 * `ipset restore -exist` script holding the difference of the set's
 * members, read from `ipset save`; a "del" is spelled as saved, and the
 * set is created with maxelem = maxbans (the wanted list never exceeds it).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "log.h"
#include "nft.h"
#include "util.h"

#define OUTPUT_MAX	(256UL * 1024 * 1024)	/* bound on a save output */
#define ERRBUF_MAX	4096		/* stderr kept for the message */
#define ERRLINE_MAX	200		/* characters of it quoted */
#define RUN_TIMEOUT	120		/* seconds before a child is killed */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define UNCHANGED	"chain left unchanged"
#define SETNAME_MAX	31		/* IPSET_MAXNAMELEN - 1 */
#define MAXELEM_DEFAULT	65536		/* ipset's own, when maxbans is 0 */

struct buf {
	char	*b;
	size_t	 len, cap;
};

struct span {
	const char	*s;
	size_t		 len;
};

enum rulekind {
	RULE_CHAIN,		/* "-A CHAIN ..." */
	RULE_JUMP_INPUT,	/* "-A INPUT ... -j CHAIN" */
	RULE_JUMP_OTHER		/* another chain jumping to CHAIN */
};

struct rule {
	struct span	r_line;
	struct span	r_chain;	/* the chain it is in */
	size_t		r_pos;		/* its position there, from 1 */
	int		r_kind;
	int		r_del;
	int		r_own;		/* a spelling of mailban's: -D as saved */
};

/* Rules seen so far in one chain of the listing. */
struct chaincount {
	struct span	cc_name;
	size_t		cc_n;
};

struct live {
	int		 l_havechain;
	struct rule	*l_rule;	/* save order */
	size_t		 l_nrule, l_cap;
};

struct want {
	struct addr	w_addr;
	size_t		w_pos;		/* index in the caller's list */
	ssize_t		w_keep;		/* live rule kept for it, or -1 */
	int		w_exact;	/* that rule is the wanted one exactly */
};

static const char *
tool(int family)
{
	return family == AF_INET6 ? "ip6tables" : "iptables";
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t	ncap;

	if (n >= b->cap - b->len || b->b == NULL) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (n >= ncap - b->len) {
			if (ncap > SIZE_MAX / 2)
				ncap = SIZE_MAX;
			else
				ncap *= 2;
		}
		b->b = xreallocarray(b->b, ncap, 1);
		b->cap = ncap;
	}
	memcpy(b->b + b->len, s, n);
	b->len += n;
	b->b[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
span_eq(struct span a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.s, s, a.len) == 0;
}

/*
 * Next token of a saved rule: words split at blanks, where a double-quoted
 * part (with backslash escapes, as iptables-save writes comments) belongs to
 * its word.  Tokens keep their quotes, so a quoted "-j" is never an option.
 */
static int
next_token(const char **p, const char *end, struct span *tok)
{
	const char	*s = *p;
	int		 quoted = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return 0;
	tok->s = s;
	for (; s < end; s++) {
		if (quoted && *s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (*s == ' ' || *s == '\t'))
			break;
	}
	tok->len = (size_t)(s - tok->s);
	*p = s;
	return 1;
}

/* Does this saved rule send packets to chain (-j or -g)? */
static int
jumps_to(struct span line, const char *chain)
{
	const char	*p = line.s, *end = line.s + line.len;
	struct span	 t;
	int		 target = 0;

	while (next_token(&p, end, &t)) {
		if (target && span_eq(t, chain))
			return 1;
		target = span_eq(t, "-j") || span_eq(t, "-g");
	}
	return 0;
}

/* Quote at most ERRLINE_MAX bytes of foreign text, non-printables as '?'. */
static void
excerpt(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, n = len < outlen - 1 ? len : outlen - 1;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ?
		    '?' : s[i];
	out[n] = '\0';
}

static int
save_error(int family, size_t lineno, const char *s, size_t len)
{
	char	ex[ERRLINE_MAX + 1];

	excerpt(s, len, ex, sizeof(ex));
	return log_error("%s-save output line %zu not understood: \"%s\"; "
	    "chain left unchanged", tool(family), lineno, ex);
}

static void
live_add(struct live *lv, struct span line, struct span chain, size_t pos, int kind)
{
	struct rule	*r;

	if (lv->l_nrule == lv->l_cap) {
		lv->l_cap = lv->l_cap == 0 ? 64 : lv->l_cap * 2;
		lv->l_rule = xreallocarray(lv->l_rule, lv->l_cap, sizeof(*lv->l_rule));
	}
	r = &lv->l_rule[lv->l_nrule++];
	memset(r, 0, sizeof(*r));
	r->r_line = line;
	r->r_chain = chain;
	r->r_pos = pos;
	r->r_kind = kind;
}

/* The position the next rule of chain name takes: 1, 2, ... per chain. */
static size_t
chain_next(struct chaincount **cc, size_t *ncc, size_t *last, struct span name)
{
	size_t	i;

	if (*last < *ncc && (*cc)[*last].cc_name.len == name.len &&
	    memcmp((*cc)[*last].cc_name.s, name.s, name.len) == 0)
		return ++(*cc)[*last].cc_n;
	for (i = 0; i < *ncc; i++)
		if ((*cc)[i].cc_name.len == name.len &&
		    memcmp((*cc)[i].cc_name.s, name.s, name.len) == 0)
			break;
	if (i == *ncc) {
		*cc = xreallocarray(*cc, *ncc + 1, sizeof(**cc));
		(*cc)[i].cc_name = name;
		(*cc)[i].cc_n = 0;
		(*ncc)++;
	}
	*last = i;
	return ++(*cc)[i].cc_n;
}

/*
 * "# Table `filter' is incompatible, use 'nft' tool.": iptables-nft prints
 * only this for a table holding rules it cannot express (native nft rules
 * added with nft).  The table is not empty: it cannot be read.
 */
static int
incompatible(int family, struct span line)
{
	static const char	pre[] = "# Table `filter' is incompatible";

	if (line.len < sizeof(pre) - 1 || memcmp(line.s, pre, sizeof(pre) - 1) != 0)
		return 0;
	log_error("%s-save: table filter is incompatible (native nft rules were "
	    "added to it); mailban changed nothing; move those rules to a table "
	    "of their own (nft list table %s filter shows them)", tool(family),
	    family == AF_INET6 ? "ip6" : "ip");
	return 1;
}

/*
 * Read the filter table of a save output: does the chain exist, its rules,
 * and the rules elsewhere that jump to it.  Other tables are skipped but
 * must be well formed too; anything unexpected means we do not understand
 * the live state, and then changing it would be a guess.
 */
static int
parse_lines(int family, const char *chain, const char *save, size_t len,
    struct live *lv, struct chaincount **cc, size_t *ncc)
{
	const char	*p = save, *end = save + len, *nl, *q;
	struct span	 line, t, name;
	size_t		 lineno = 0, last = 0, pos;
	int		 intable = 0, filter = 0;

	memset(lv, 0, sizeof(*lv));
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		line.s = p;
		line.len = (size_t)(nl - p);
		p = nl < end ? nl + 1 : end;
		if (memchr(line.s, '\0', line.len) != NULL)
			return save_error(family, lineno, line.s, line.len);
		if (line.len > 0 && line.s[0] == '#' && incompatible(family, line))
			return -1;
		if (line.len == 0 || line.s[0] == '#')
			continue;
		if (line.s[0] == '*') {
			if (intable)
				return save_error(family, lineno, line.s, line.len);
			intable = 1;
			filter = span_eq(line, "*filter");
			continue;
		}
		if (!intable)
			return save_error(family, lineno, line.s, line.len);
		if (span_eq(line, "COMMIT")) {
			intable = 0;
			continue;
		}
		q = line.s + 1;
		if (line.s[0] == ':') {
			if (!next_token(&q, line.s + line.len, &name) || name.s != line.s + 1)
				return save_error(family, lineno, line.s, line.len);
			if (filter && span_eq(name, chain))
				lv->l_havechain = 1;
			continue;
		}
		q = line.s;
		if (!next_token(&q, line.s + line.len, &t) || !span_eq(t, "-A") ||
		    !next_token(&q, line.s + line.len, &name))
			return save_error(family, lineno, line.s, line.len);
		if (!filter)
			continue;
		pos = chain_next(cc, ncc, &last, name);
		if (span_eq(name, chain)) {
			/* Never seen without its declaration; never flush it then. */
			lv->l_havechain = 1;
			live_add(lv, line, name, pos, RULE_CHAIN);
		} else if (jumps_to(line, chain))
			live_add(lv, line, name, pos, span_eq(name, "INPUT") ?
			    RULE_JUMP_INPUT : RULE_JUMP_OTHER);
	}
	if (intable)
		return log_error("%s-save output ends inside a table (no COMMIT); "
		    "chain left unchanged", tool(family));
	return 0;
}

static int	ban_shape(int, struct span, struct addr *, struct span *);
static int	is_set_rule(struct span, const char *, const char *);

/*
 * Is this saved jump one of mailban's spellings, "-A NAME [-p tcp [-m tcp
 * --dport P | -m multiport --dports P]] -j CHAIN"?  Those delete as saved.
 */
static int
is_own_jump(struct span line, const char *chain)
{
	const char	*p = line.s, *end = line.s + line.len;
	struct span	 t;

	if (!next_token(&p, end, &t) || !span_eq(t, "-A") ||
	    !next_token(&p, end, &t) || !next_token(&p, end, &t))
		return 0;
	if (span_eq(t, "-p")) {
		if (!next_token(&p, end, &t) || !span_eq(t, "tcp") ||
		    !next_token(&p, end, &t))
			return 0;
		if (span_eq(t, "-m")) {
			if (!next_token(&p, end, &t))
				return 0;
			if (span_eq(t, "tcp")) {
				if (!next_token(&p, end, &t) || !span_eq(t, "--dport"))
					return 0;
			} else if (span_eq(t, "multiport")) {
				if (!next_token(&p, end, &t) || !span_eq(t, "--dports"))
					return 0;
			} else
				return 0;
			if (!next_token(&p, end, &t) || !next_token(&p, end, &t))
				return 0;
		}
	}
	return span_eq(t, "-j") && next_token(&p, end, &t) && span_eq(t, chain) &&
	    !next_token(&p, end, &t);
}

/* Which rules are spelled as mailban writes them (see struct rule). */
static void
mark_own(const struct config *cfg, int family, struct live *lv)
{
	struct rule	*r;
	struct addr	 a;
	struct span	 tgt;
	char		 set[SETNAME_MAX + 1];
	const char	*sn;
	size_t		 i;

	sn = firewall_setname(cfg, family, set, sizeof(set));
	for (i = 0; i < lv->l_nrule; i++) {
		r = &lv->l_rule[i];
		if (r->r_kind == RULE_CHAIN)
			r->r_own = ban_shape(family, r->r_line, &a, &tgt) ||
			    (sn != NULL && is_set_rule(r->r_line, sn, NULL));
		else
			r->r_own = is_own_jump(r->r_line, cfg->c_chain);
	}
}

static int
parse_save(const struct config *cfg, int family, const char *save, size_t len,
    struct live *lv)
{
	struct chaincount	*cc = NULL;
	size_t			 ncc = 0;
	int			 rc;

	rc = parse_lines(family, cfg->c_chain, save, len, lv, &cc, &ncc);
	free(cc);
	if (rc == 0) {
		mark_own(cfg, family, lv);
		return 0;
	}
	free(lv->l_rule);
	memset(lv, 0, sizeof(*lv));
	return -1;
}

/* Append one difference to the plan; rule and chain are copied. */
static void
diff_add(struct fwplan *out, int kind, const struct addr *a, const struct rule *r)
{
	struct fwdiff	*d;

	if ((out->fp_ndiff & (out->fp_ndiff - 1)) == 0)	/* 0, 1, 2, 4, ... */
		out->fp_diff = xreallocarray(out->fp_diff,
		    out->fp_ndiff == 0 ? 1 : out->fp_ndiff * 2, sizeof(*out->fp_diff));
	d = &out->fp_diff[out->fp_ndiff++];
	memset(d, 0, sizeof(*d));
	d->d_kind = kind;
	if (a != NULL)
		d->d_addr = *a;
	if (r != NULL) {
		d->d_foreign = !r->r_own;
		d->d_rule = xstrndup(r->r_line.s, r->r_line.len);
		d->d_chain = xstrndup(r->r_chain.s, r->r_chain.len);
	}
}

static int
want_cmp_addr(const void *a, const void *b)
{
	const struct want	*x = a, *y = b;
	int			 c;

	if ((c = addr_cmp(&x->w_addr, &y->w_addr)) != 0)
		return c;
	return x->w_pos < y->w_pos ? -1 : x->w_pos > y->w_pos;
}

static int
want_cmp_pos(const void *a, const void *b)
{
	const struct want	*x = a, *y = b;

	return x->w_pos < y->w_pos ? -1 : x->w_pos > y->w_pos;
}

static int
want_find(const void *key, const void *elem)
{
	const struct want	*w = elem;

	return addr_cmp(key, &w->w_addr);
}

/*
 * The wanted addresses of this family, each once, sorted by address.
 * Over the cap, the first maxbans in the caller's order are kept.
 */
static struct want *
want_build(const struct config *cfg, int family, const struct addr *want,
    size_t nwant, size_t *n)
{
	struct want	*w;
	size_t		 i, k = 0;

	w = xcalloc(nwant + 1, sizeof(*w));
	for (i = 0; i < nwant; i++) {
		if (want[i].a_family != family)
			continue;
		w[k].w_addr = want[i];
		w[k].w_pos = i;
		w[k].w_keep = -1;
		k++;
	}
	qsort(w, k, sizeof(*w), want_cmp_addr);
	for (i = 0, *n = 0; i < k; i++)
		if (*n == 0 || addr_cmp(&w[*n - 1].w_addr, &w[i].w_addr) != 0)
			w[(*n)++] = w[i];
	if (cfg->c_maxbans > 0 && *n > (unsigned long long)cfg->c_maxbans) {
		log_warnx("%s: %zu addresses to ban but maxbans is %lld; only the "
		    "first %lld are banned (raise maxbans)", tool(family), *n,
		    cfg->c_maxbans, cfg->c_maxbans);
		qsort(w, *n, sizeof(*w), want_cmp_pos);
		*n = (size_t)cfg->c_maxbans;
		qsort(w, *n, sizeof(*w), want_cmp_addr);
	}
	return w;
}

/* "-A CHAIN -s ADDR/32 -p tcp -j BLOCKTYPE" */
static void
ban_rule(struct buf *b, const char *op, const char *chain, const struct addr *a,
    const char *blocktype)
{
	char	s[ADDR_STRLEN];

	buf_adds(b, op);
	buf_adds(b, " ");
	buf_adds(b, chain);
	buf_adds(b, " -s ");
	buf_adds(b, addr_str(a, s, sizeof(s)));
	buf_adds(b, a->a_family == AF_INET6 ? "/128" : "/32");
	buf_adds(b, " -p tcp -j ");
	buf_adds(b, blocktype);
}

/* "-A INPUT -p tcp -m tcp --dport 25 -j CHAIN", or multiport --dports. */
static void
jump_rule(struct buf *b, const char *op, const struct config *cfg)
{
	buf_adds(b, op);
	if (strchr(cfg->c_ports, ',') != NULL)
		buf_adds(b, " -p tcp -m multiport --dports ");
	else
		buf_adds(b, " -p tcp -m tcp --dport ");
	buf_adds(b, cfg->c_ports);
	buf_adds(b, " -j ");
	buf_adds(b, cfg->c_chain);
}

/*
 * Which wanted address, if any, a saved chain rule already bans.  It must
 * read "-A CHAIN -s ADDR/32 -p tcp -j TARGET ..." with TARGET the first word
 * of the blocktype; the options after TARGET may differ, because
 * iptables-save prints its canonical spelling ("tcp-rst" comes back as
 * "tcp-reset") and the rule would otherwise be replaced on every run.
 */
static int
ban_shape(int family, struct span line, struct addr *a, struct span *tgt)
{
	const char	*p = line.s, *end = line.s + line.len, *slash;
	const char	*shape[] = { "-A", NULL, "-s", NULL, "-p", "tcp", "-j" };
	struct span	 t[NITEMS(shape)], prefix;
	size_t		 i;

	for (i = 0; i < NITEMS(shape); i++)
		if (!next_token(&p, end, &t[i]) ||
		    (shape[i] != NULL && !span_eq(t[i], shape[i])))
			return 0;
	if (!next_token(&p, end, tgt))
		return 0;
	if ((slash = memchr(t[3].s, '/', t[3].len)) == NULL ||
	    addr_parse(t[3].s, (size_t)(slash - t[3].s), a) == -1 ||
	    a->a_family != family)
		return 0;
	prefix.s = slash;
	prefix.len = (size_t)(t[3].s + t[3].len - slash);
	return span_eq(prefix, family == AF_INET6 ? "/128" : "/32");
}

static struct want *
rule_bans(int family, struct span line, const char *target, struct want *w,
    size_t nw)
{
	struct span	tgt;
	struct addr	a;

	if (!ban_shape(family, line, &a, &tgt) || !span_eq(tgt, target))
		return NULL;
	return bsearch(&a, w, nw, sizeof(*w), want_find);
}

static int
check_config(const struct config *cfg, int family, const char **blocktype)
{
	const char	*bt;

	if (family != AF_INET && family != AF_INET6)
		return log_error("firewall: internal error: address family %d", family);
	bt = family == AF_INET6 && cfg->c_blocktype6 != NULL ?
	    cfg->c_blocktype6 : cfg->c_blocktype;
	/* The config checks these; a line break here would inject a rule. */
	if (cfg->c_chain == NULL || cfg->c_chain[0] == '\0' ||
	    strpbrk(cfg->c_chain, " \t\r\n\"") != NULL ||
	    cfg->c_ports == NULL || cfg->c_ports[0] == '\0' ||
	    strpbrk(cfg->c_ports, " \t\r\n") != NULL ||
	    bt == NULL || bt[0] == '\0' || bt[0] == ' ' ||
	    strpbrk(bt, "\r\n") != NULL)
		return log_error("%s: chain, ports or blocktype is empty or holds "
		    "a blank or line break; chain left unchanged", tool(family));
	*blocktype = bt;
	return 0;
}

static void
plan_finish(struct buf *b, int change, struct fwplan *out)
{
	if (!change) {
		free(b->b);
		return;
	}
	buf_adds(b, "COMMIT\n");
	out->fp_script = b->b;
	out->fp_len = b->len;
}

/* The first word of the blocktype: what a kept rule must jump to. */
static int
target_word(int family, const char *bt, char *target, size_t len)
{
	size_t	tlen = strcspn(bt, " \t");

	if (tlen >= len)
		return log_error("%s: blocktype target \"%.*s\" is too long",
		    tool(family), (int)tlen, bt);
	memcpy(target, bt, tlen);
	target[tlen] = '\0';
	return 0;
}

/* Keep the first INPUT jump spelled as wanted; mark every other one. */
static int
mark_jumps(struct live *lv, const struct buf *jump)
{
	struct rule	*r;
	size_t		 i;
	int		 have = 0;

	for (i = 0; i < lv->l_nrule; i++) {
		r = &lv->l_rule[i];
		if (r->r_kind != RULE_JUMP_INPUT)
			continue;
		if (!have && r->r_line.len == jump->len &&
		    memcmp(r->r_line.s, jump->b, jump->len) == 0)
			have = 1;
		else
			r->r_del = 1;
	}
	return have;
}

/* What deleting this rule repairs (w: the wanted addresses, sorted). */
static void
diff_deleted(int family, const struct rule *r, const struct want *w, size_t nw,
    struct fwplan *out)
{
	struct addr	a;
	struct span	tgt;

	if (r->r_kind != RULE_CHAIN)
		diff_add(out, FWD_STALEJUMP, NULL, r);
	else if (!ban_shape(family, r->r_line, &a, &tgt))
		diff_add(out, FWD_NOBAN, NULL, r);
	else if (bsearch(&a, w, nw, sizeof(*w), want_find) != NULL)
		diff_add(out, FWD_UNEXPECTED, &a, r);
	else
		diff_add(out, FWD_NOTBANNED, &a, r);
}

/*
 * "-D" each marked rule: first the foreign ones by position, highest first
 * in each chain (the listing in reverse), so that every position is still
 * the one listed when its line runs; then mailban's own, spelled as saved
 * (those do not depend on positions).  The differences go to out in
 * listing order; the chain's deletes count in fp_del.
 */
static size_t
put_deletes(int family, struct buf *b, const struct live *lv,
    const struct want *w, size_t nw, struct fwplan *out)
{
	const struct rule	*r;
	char			 num[32];
	size_t			 i, n = 0;

	for (i = lv->l_nrule; i-- > 0;) {
		r = &lv->l_rule[i];
		if (!r->r_del || r->r_own)
			continue;
		snprintf(num, sizeof(num), " %zu\n", r->r_pos);
		buf_adds(b, "-D ");
		buf_add(b, r->r_chain.s, r->r_chain.len);
		buf_adds(b, num);
	}
	for (i = 0; i < lv->l_nrule; i++) {
		r = &lv->l_rule[i];
		if (!r->r_del)
			continue;
		diff_deleted(family, r, w, nw, out);
		n++;
		if (r->r_kind == RULE_CHAIN)
			out->fp_del++;
		if (!r->r_own)
			continue;
		buf_adds(b, "-D");
		buf_add(b, r->r_line.s + 2, r->r_line.len - 2);
		buf_adds(b, "\n");
	}
	return n;
}

const char *
firewall_setname(const struct config *cfg, int family, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s%s", cfg->c_chain, family == AF_INET6 ? "6" : "");
	if (n < 0 || (size_t)n >= len || n > SETNAME_MAX)
		return NULL;
	return buf;
}

/* Does this saved rule match on set ("--match-set SET ...")? */
static int
uses_set(struct span line, const char *set)
{
	const char	*p = line.s, *end = line.s + line.len;
	struct span	 t;
	int		 next = 0;

	while (next_token(&p, end, &t)) {
		if (next && span_eq(t, set))
			return 1;
		next = span_eq(t, "--match-set");
	}
	return 0;
}

/* fp_setpost = "destroy SET": for when the chain no longer uses it. */
static void
plan_destroy_set(const struct config *cfg, int family, struct fwplan *out)
{
	struct buf	b;
	char		set[SETNAME_MAX + 1];

	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		return;
	memset(&b, 0, sizeof(b));
	buf_adds(&b, "destroy ");
	buf_adds(&b, set);
	buf_adds(&b, "\n");
	out->fp_setpost = b.b;
	out->fp_setpostlen = b.len;
}

int
firewall_plan(const struct config *cfg, int family, const char *save, size_t savelen,
    const struct addr *want, size_t nwant, struct fwplan *out)
{
	struct live	 lv;
	struct want	*w = NULL, *hit;
	struct rule	*r;
	struct buf	 b, exact, jump;
	const char	*bt;
	char		 target[64], set[SETNAME_MAX + 1];
	size_t		 nw = 0, i, ndel;
	int		 havejump, isexact, rc = -1, setrule = 0;

	memset(out, 0, sizeof(*out));
	memset(&lv, 0, sizeof(lv));
	memset(&b, 0, sizeof(b));
	memset(&exact, 0, sizeof(exact));
	memset(&jump, 0, sizeof(jump));
	if (check_config(cfg, family, &bt) == -1 ||
	    target_word(family, bt, target, sizeof(target)) == -1)
		return -1;
	if (parse_save(cfg, family, save, savelen, &lv) == -1)
		goto out;
	w = want_build(cfg, family, want, nwant, &nw);
	jump_rule(&jump, "-A INPUT", cfg);
	havejump = mark_jumps(&lv, &jump);

	for (i = 0; i < lv.l_nrule; i++) {
		r = &lv.l_rule[i];
		if (r->r_kind != RULE_CHAIN)
			continue;
		if ((hit = rule_bans(family, r->r_line, target, w, nw)) == NULL) {
			r->r_del = 1;
			/* Left by backend = ipset: the set goes once unused. */
			if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
			    uses_set(r->r_line, set))
				setrule = 1;
			continue;
		}
		exact.len = 0;
		ban_rule(&exact, "-A", cfg->c_chain, &hit->w_addr, bt);
		isexact = r->r_line.len == exact.len &&
		    memcmp(r->r_line.s, exact.b, exact.len) == 0;
		if (hit->w_keep == -1) {
			hit->w_keep = (ssize_t)i;
			hit->w_exact = isexact;
		} else if (isexact && !hit->w_exact) {
			/* One rule per address: prefer the one spelled as wanted. */
			lv.l_rule[hit->w_keep].r_del = 1;
			hit->w_keep = (ssize_t)i;
			hit->w_exact = 1;
		} else
			r->r_del = 1;
	}

	buf_adds(&b, "*filter\n");
	if (!lv.l_havechain) {
		buf_adds(&b, ":");
		buf_adds(&b, cfg->c_chain);
		buf_adds(&b, " - [0:0]\n");
		out->fp_newchain = 1;
		diff_add(out, FWD_NOCHAIN, NULL, NULL);
	}
	ndel = put_deletes(family, &b, &lv, w, nw, out);
	for (i = 0; i < nw; i++) {
		if (w[i].w_keep != -1)
			continue;
		ban_rule(&b, "-A", cfg->c_chain, &w[i].w_addr, bt);
		buf_adds(&b, "\n");
		out->fp_add++;
		diff_add(out, FWD_MISSING, &w[i].w_addr, NULL);
	}
	if (!havejump) {
		jump_rule(&b, "-I INPUT 1", cfg);
		buf_adds(&b, "\n");
		out->fp_newjump = 1;
		diff_add(out, FWD_NOJUMP, NULL, NULL);
	}
	plan_finish(&b, out->fp_newchain || out->fp_newjump || out->fp_add > 0 ||
	    ndel > 0, out);
	if (setrule)
		plan_destroy_set(cfg, family, out);
	rc = 0;
out:
	free(exact.b);
	free(jump.b);
	free(lv.l_rule);
	free(w);
	if (rc == -1)
		firewall_plan_free(out);
	return rc;
}

/* --- backend = ipset ---------------------------------------------------- */

/* What `ipset save` says of one set. */
struct setlive {
	int		 sl_exists;
	struct span	 sl_type, sl_family;
	long long	 sl_maxelem;	/* -1: not said */
	struct span	*sl_elem;	/* members, as saved */
	size_t		 sl_nelem, sl_cap;
};

static int
ipset_error(size_t lineno, const char *s, size_t len)
{
	char	ex[ERRLINE_MAX + 1];

	excerpt(s, len, ex, sizeof(ex));
	return log_error("ipset save output line %zu not understood: \"%s\"; "
	    "chain left unchanged", lineno, ex);
}

/*
 * Every line must be "create NAME TYPE OPTIONS" or "add NAME ENTRY
 * OPTIONS"; only the lines of set are kept.
 */
static int
parse_ipset_lines(const char *set, const char *save, size_t len, struct setlive *sl)
{
	const char	*p = save, *end = save + len, *nl, *q, *le;
	struct span	 line, cmd, name, t, v;
	size_t		 lineno = 0;
	long long	 n;
	char		 num[24];

	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		line.s = p;
		line.len = (size_t)(nl - p);
		p = nl < end ? nl + 1 : end;
		if (memchr(line.s, '\0', line.len) != NULL)
			return ipset_error(lineno, line.s, line.len);
		if (line.len == 0)
			continue;
		q = line.s;
		le = line.s + line.len;
		if (!next_token(&q, le, &cmd) || !next_token(&q, le, &name) ||
		    (!span_eq(cmd, "create") && !span_eq(cmd, "add")))
			return ipset_error(lineno, line.s, line.len);
		if (!next_token(&q, le, &t))
			return ipset_error(lineno, line.s, line.len);
		if (!span_eq(name, set))
			continue;
		if (span_eq(cmd, "add")) {
			if (sl->sl_nelem == sl->sl_cap) {
				sl->sl_cap = sl->sl_cap == 0 ? 64 : sl->sl_cap * 2;
				sl->sl_elem = xreallocarray(sl->sl_elem, sl->sl_cap,
				    sizeof(*sl->sl_elem));
			}
			sl->sl_elem[sl->sl_nelem++] = t;
			continue;
		}
		if (sl->sl_exists)
			return ipset_error(lineno, line.s, line.len);
		sl->sl_exists = 1;
		sl->sl_type = t;
		while (next_token(&q, le, &t)) {
			if (!span_eq(t, "family") && !span_eq(t, "maxelem"))
				continue;
			if (!next_token(&q, le, &v))
				return ipset_error(lineno, line.s, line.len);
			if (span_eq(t, "family")) {
				sl->sl_family = v;
				continue;
			}
			if (v.len >= sizeof(num))
				return ipset_error(lineno, line.s, line.len);
			memcpy(num, v.s, v.len);
			num[v.len] = '\0';
			if (parse_num(num, 1, LLONG_MAX, &n) != NULL)
				return ipset_error(lineno, line.s, line.len);
			sl->sl_maxelem = n;
		}
	}
	if (sl->sl_nelem > 0 && !sl->sl_exists)
		return log_error("ipset save output has members of %s but no "
		    "\"create %s\" line; chain left unchanged", set, set);
	return 0;
}

static int
parse_ipset(const char *set, const char *save, size_t len, struct setlive *sl)
{
	memset(sl, 0, sizeof(*sl));
	sl->sl_maxelem = -1;
	if (parse_ipset_lines(set, save, len, sl) == 0)
		return 0;
	free(sl->sl_elem);
	memset(sl, 0, sizeof(*sl));
	return -1;
}

/* "-A CHAIN -p tcp -m set --match-set SET src -j BLOCKTYPE" */
static void
set_rule(struct buf *b, const char *op, const char *chain, const char *set,
    const char *blocktype)
{
	buf_adds(b, op);
	buf_adds(b, " ");
	buf_adds(b, chain);
	buf_adds(b, " -p tcp -m set --match-set ");
	buf_adds(b, set);
	buf_adds(b, " src -j ");
	buf_adds(b, blocktype);
}

/* Is this saved chain rule the set rule, with TARGET the blocktype's word? */
static int
is_set_rule(struct span line, const char *set, const char *target)
{
	const char	*p = line.s, *end = line.s + line.len;
	const char	*shape[] = { "-A", NULL, "-p", "tcp", "-m", "set",
			    "--match-set", set, "src", "-j", target };
	struct span	 t;
	size_t		 i;

	for (i = 0; i < NITEMS(shape); i++)
		if (!next_token(&p, end, &t) ||
		    (shape[i] != NULL && !span_eq(t, shape[i])))
			return 0;
	return 1;
}

/* "VERB SET ENTRY\n" */
static void
set_line(struct buf *b, const char *verb, const char *set, const char *s, size_t n)
{
	buf_adds(b, verb);
	buf_adds(b, " ");
	buf_adds(b, set);
	buf_adds(b, " ");
	buf_add(b, s, n);
	buf_adds(b, "\n");
}

static void
set_add(struct buf *b, const char *set, const struct addr *a)
{
	char	s[ADDR_STRLEN];

	addr_str(a, s, sizeof(s));
	set_line(b, "add", set, s, strlen(s));
}

static void
set_create(struct buf *b, const char *set, int family, long long maxelem)
{
	char	tail[64];

	snprintf(tail, sizeof(tail), "hash:ip family %s maxelem %lld",
	    family == AF_INET6 ? "inet6" : "inet", maxelem);
	set_line(b, "create", set, tail, strlen(tail));
}

/*
 * The set part: members in sl against the wanted w[0..nw).  Fills pre with
 * the ipset restore script (may stay empty) and the counts.
 */
static void
plan_members(int family, const char *set, long long maxelem,
    const struct setlive *sl, struct want *w, size_t nw, struct buf *pre,
    struct fwplan *out)
{
	struct buf	 del;
	struct want	*hit;
	struct addr	 a;
	char		 tmp[SETNAME_MAX + 3];
	size_t		 i;

	if (!sl->sl_exists) {
		set_create(pre, set, family, maxelem);
		diff_add(out, FWD_NOSET, NULL, NULL);
		for (i = 0; i < nw; i++) {
			set_add(pre, set, &w[i].w_addr);
			diff_add(out, FWD_SETMISSING, &w[i].w_addr, NULL);
		}
		out->fp_newset = 1;
		out->fp_add = nw;
		return;
	}
	memset(&del, 0, sizeof(del));
	for (i = 0; i < sl->sl_nelem; i++) {
		if (addr_parse(sl->sl_elem[i].s, sl->sl_elem[i].len, &a) == 0 &&
		    a.a_family == family &&
		    (hit = bsearch(&a, w, nw, sizeof(*w), want_find)) != NULL &&
		    hit->w_keep == -1) {
			hit->w_keep = 0;	/* present */
			continue;
		}
		set_line(&del, "del", set, sl->sl_elem[i].s, sl->sl_elem[i].len);
		out->fp_del++;
		if (addr_parse(sl->sl_elem[i].s, sl->sl_elem[i].len, &a) == 0)
			diff_add(out, FWD_SETNOTBANNED, &a, NULL);
	}
	for (i = 0; i < nw; i++)
		if (w[i].w_keep == -1) {
			out->fp_add++;
			diff_add(out, FWD_SETMISSING, &w[i].w_addr, NULL);
		}
	if (sl->sl_maxelem != maxelem) {
		diff_add(out, FWD_MAXELEM, NULL, NULL);
		/* maxelem is fixed at create: fill a new set and swap it in. */
		snprintf(tmp, sizeof(tmp), "%s.n", set);
		buf_adds(pre, "destroy ");
		buf_adds(pre, tmp);
		buf_adds(pre, "\n");
		set_create(pre, tmp, family, maxelem);
		for (i = 0; i < nw; i++)
			set_add(pre, tmp, &w[i].w_addr);
		buf_adds(pre, "swap ");
		buf_adds(pre, set);
		buf_adds(pre, " ");
		buf_adds(pre, tmp);
		buf_adds(pre, "\ndestroy ");
		buf_adds(pre, tmp);
		buf_adds(pre, "\n");
		out->fp_newset = 1;
	} else {
		if (del.len > 0)
			buf_add(pre, del.b, del.len);
		for (i = 0; i < nw; i++)
			if (w[i].w_keep == -1)
				set_add(pre, set, &w[i].w_addr);
	}
	free(del.b);
}

int
firewall_plan_ipset(const struct config *cfg, int family, const char *save,
    size_t savelen, const char *setsave, size_t setsavelen,
    const struct addr *want, size_t nwant, struct fwplan *out)
{
	struct live	 lv;
	struct setlive	 sl;
	struct want	*w = NULL;
	struct rule	*r;
	struct buf	 b, pre, rule, jump;
	const char	*bt, *fam = family == AF_INET6 ? "inet6" : "inet";
	char		 target[64], set[SETNAME_MAX + 1];
	size_t		 nw = 0, i, ndel;
	ssize_t		 keep = -1;
	long long	 maxelem;
	int		 havejump, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&lv, 0, sizeof(lv));
	memset(&sl, 0, sizeof(sl));
	memset(&b, 0, sizeof(b));
	memset(&pre, 0, sizeof(pre));
	memset(&rule, 0, sizeof(rule));
	memset(&jump, 0, sizeof(jump));
	if (check_config(cfg, family, &bt) == -1 ||
	    target_word(family, bt, target, sizeof(target)) == -1)
		return -1;
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		return log_error("ipset: the set name %s%s is longer than %d "
		    "characters (use a shorter chain)", cfg->c_chain,
		    family == AF_INET6 ? "6" : "", SETNAME_MAX);
	if (parse_ipset(set, setsave, setsavelen, &sl) == -1)
		return -1;
	if (sl.sl_exists && (!span_eq(sl.sl_type, "hash:ip") ||
	    !span_eq(sl.sl_family, fam))) {
		log_error("ipset: set %s is %.*s family %.*s, not hash:ip family %s; "
		    "remove it (mailban stop, or ipset destroy %s) and run again",
		    set, (int)sl.sl_type.len, sl.sl_type.s, (int)sl.sl_family.len,
		    sl.sl_family.s, fam, set);
		goto out;
	}
	if (parse_save(cfg, family, save, savelen, &lv) == -1)
		goto out;
	w = want_build(cfg, family, want, nwant, &nw);
	maxelem = cfg->c_maxbans > 0 ? cfg->c_maxbans : MAXELEM_DEFAULT;
	plan_members(family, set, maxelem, &sl, w, nw, &pre, out);

	/* The chain: the set rule (the exact one if there), nothing else. */
	jump_rule(&jump, "-A INPUT", cfg);
	havejump = mark_jumps(&lv, &jump);
	set_rule(&rule, "-A", cfg->c_chain, set, bt);
	for (i = 0; i < lv.l_nrule && keep == -1; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN &&
		    lv.l_rule[i].r_line.len == rule.len &&
		    memcmp(lv.l_rule[i].r_line.s, rule.b, rule.len) == 0)
			keep = (ssize_t)i;
	for (i = 0; i < lv.l_nrule && keep == -1; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN &&
		    is_set_rule(lv.l_rule[i].r_line, set, target))
			keep = (ssize_t)i;
	for (i = 0; i < lv.l_nrule; i++) {
		r = &lv.l_rule[i];
		if (r->r_kind == RULE_CHAIN && (ssize_t)i != keep)
			r->r_del = 1;
	}
	buf_adds(&b, "*filter\n");
	if (!lv.l_havechain) {
		buf_adds(&b, ":");
		buf_adds(&b, cfg->c_chain);
		buf_adds(&b, " - [0:0]\n");
		out->fp_newchain = 1;
		diff_add(out, FWD_NOCHAIN, NULL, NULL);
	}
	ndel = put_deletes(family, &b, &lv, w, nw, out);
	if (keep == -1) {
		buf_add(&b, rule.b, rule.len);
		buf_adds(&b, "\n");
		out->fp_newrule = 1;
		diff_add(out, FWD_NOSETRULE, NULL, NULL);
	}
	if (!havejump) {
		jump_rule(&b, "-I INPUT 1", cfg);
		buf_adds(&b, "\n");
		out->fp_newjump = 1;
		diff_add(out, FWD_NOJUMP, NULL, NULL);
	}
	plan_finish(&b, out->fp_newchain || out->fp_newjump || out->fp_newrule ||
	    ndel > 0, out);
	if (pre.len > 0) {
		out->fp_setpre = pre.b;
		out->fp_setprelen = pre.len;
		pre.b = NULL;
	}
	rc = 0;
out:
	free(pre.b);
	free(rule.b);
	free(jump.b);
	free(lv.l_rule);
	free(sl.sl_elem);
	free(w);
	if (rc == -1)
		firewall_plan_free(out);
	return rc;
}

int
firewall_plan_stop(const struct config *cfg, int family, const char *save,
    size_t savelen, struct fwplan *out)
{
	struct live	 lv;
	struct buf	 b;
	const char	*bt;
	char		 set[SETNAME_MAX + 1];
	size_t		 i;
	int		 change = 0, setrule = 0;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (check_config(cfg, family, &bt) == -1 ||
	    parse_save(cfg, family, save, savelen, &lv) == -1)
		return -1;
	buf_adds(&b, "*filter\n");
	for (i = 0; i < lv.l_nrule; i++) {
		if (lv.l_rule[i].r_kind == RULE_CHAIN) {
			if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
			    uses_set(lv.l_rule[i].r_line, set))
				setrule = 1;
			continue;
		}
		lv.l_rule[i].r_del = 1;
		change = 1;
	}
	put_deletes(family, &b, &lv, NULL, 0, out);
	for (i = 0; i < lv.l_nrule; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN)
			out->fp_del++;
	if (lv.l_havechain) {
		buf_adds(&b, "-F ");
		buf_adds(&b, cfg->c_chain);
		buf_adds(&b, "\n-X ");
		buf_adds(&b, cfg->c_chain);
		buf_adds(&b, "\n");
		change = 1;
	}
	plan_finish(&b, change, out);
	if (setrule || cfg->c_backend == BACKEND_IPSET)
		plan_destroy_set(cfg, family, out);
	free(lv.l_rule);
	return 0;
}

void
firewall_plan_free(struct fwplan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->fp_ndiff; i++) {
		free(p->fp_diff[i].d_rule);
		free(p->fp_diff[i].d_chain);
	}
	free(p->fp_diff);
	free(p->fp_script);
	free(p->fp_setpre);
	free(p->fp_setpost);
	memset(p, 0, sizeof(*p));
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append what fd has to b (up to max bytes kept): 1 more to come, 0 EOF, -1. */
static int
drain(int fd, struct buf *b, size_t max, int *overflow)
{
	char	chunk[65536];
	ssize_t	n;

	n = read(fd, chunk, sizeof(chunk));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (b->len + (size_t)n > max) {
		*overflow = 1;
		n = (ssize_t)(max - b->len);
	}
	buf_add(b, chunk, (size_t)n);
	return 1;
}

/*
 * Run argv[0] (name is what messages call it) with in[0..inlen) on its stdin;
 * its stdout goes to *out when out is not NULL.  Reports any failure once:
 * could not start, exit status != 0 (with the first stderr line), signal,
 * timeout.
 */
static int	run_status(const char *, const char *, char *const [], const char *,
		    size_t, char **, size_t *, int *);

static int
run(const char *name, const char *tail, char *const argv[], const char *in,
    size_t inlen, char **out, size_t *outlen)
{
	return run_status(name, tail, argv, in, inlen, out, outlen, NULL);
}

/*
 * As run(); with exited != NULL, an exit status other than 0 is not
 * reported: it goes to *exited, and the return is 1.
 */
static int
run_status(const char *name, const char *tail, char *const argv[], const char *in,
    size_t inlen, char **out, size_t *outlen, int *exited)
{
	int		 ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	int		 ep[2] = { -1, -1 }, sp[2] = { -1, -1 };
	struct sigaction sa, osa;
	struct pollfd	 pfd[3];
	struct buf	 ob, eb;
	char		 line[ERRLINE_MAX + 1];
	const char	*why = NULL;
	long long	 deadline, left;
	size_t		 off = 0, nl;
	ssize_t		 n;
	pid_t		 pid = -1;
	const char	*first;
	int		 cerr, status, rc = -1, np, d, i, oflow = 0, eflow = 0;
	int		 timedout = 0, waited = 0;

	memset(&ob, 0, sizeof(ob));
	memset(&eb, 0, sizeof(eb));
	buf_add(&ob, "", 0);
	buf_add(&eb, "", 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	/* A child that dies early must give EPIPE, not kill us. */
	sigaction(SIGPIPE, &sa, &osa);

	if (argv[0] == NULL || argv[0][0] != '/') {
		log_error("cannot run %s: not an absolute path",
		    argv[0] != NULL ? argv[0] : name);
		goto out;
	}
	if (pipe2(ip, O_CLOEXEC) == -1 || pipe2(op, O_CLOEXEC) == -1 ||
	    pipe2(ep, O_CLOEXEC) == -1 || pipe2(sp, O_CLOEXEC) == -1) {
		log_error("cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		log_error("cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		spawn_exec(argv, ip[0], op[1], ep[1], sp[1]);
	close_fd(&ip[0]);
	close_fd(&op[1]);
	close_fd(&ep[1]);
	close_fd(&sp[1]);

	while ((n = read(sp[0], &cerr, sizeof(cerr))) == -1 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(cerr)) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		waited = 1;
		log_error("cannot run %s: %s", argv[0], strerror(cerr));
		goto out;
	}

	if (inlen == 0)
		close_fd(&ip[1]);
	else if (fcntl(ip[1], F_SETFL, O_NONBLOCK) == -1) {
		why = strerror(errno);
		goto out_kill;
	}
	deadline = mono_ms() + RUN_TIMEOUT * 1000LL;
	while (ip[1] != -1 || op[0] != -1 || ep[0] != -1) {
		if ((left = deadline - mono_ms()) <= 0) {
			timedout = 1;
			goto out_kill;
		}
		np = 0;
		if (ip[1] != -1)
			pfd[np++] = (struct pollfd){ .fd = ip[1], .events = POLLOUT };
		if (op[0] != -1)
			pfd[np++] = (struct pollfd){ .fd = op[0], .events = POLLIN };
		if (ep[0] != -1)
			pfd[np++] = (struct pollfd){ .fd = ep[0], .events = POLLIN };
		if (poll(pfd, (nfds_t)np, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			why = strerror(errno);
			goto out_kill;
		}
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == ip[1]) {
				n = write(ip[1], in + off, inlen - off);
				if (n == -1 && errno == EPIPE)
					close_fd(&ip[1]);	/* its status says why */
				else if (n == -1 && errno != EINTR && errno != EAGAIN) {
					why = strerror(errno);
					goto out_kill;
				} else if (n > 0 && (off += (size_t)n) == inlen)
					close_fd(&ip[1]);
			} else if (pfd[i].fd == op[0]) {
				if ((d = drain(op[0], &ob, OUTPUT_MAX, &oflow)) == -1) {
					why = strerror(errno);
					goto out_kill;
				}
				if (d == 0)
					close_fd(&op[0]);
				if (oflow) {
					why = "output too large";
					goto out_kill;
				}
			} else {
				if ((d = drain(ep[0], &eb, ERRBUF_MAX, &eflow)) == -1) {
					why = strerror(errno);
					goto out_kill;
				}
				if (d == 0)
					close_fd(&ep[0]);
			}
		}
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_error("%s: waitpid: %s", name, strerror(errno));
			waited = 1;
			goto out;
		}
	}
	waited = 1;
	first = eb.b + strspn(eb.b, "\n");
	nl = strcspn(first, "\n");
	excerpt(first, nl, line, sizeof(line));
	if (WIFSIGNALED(status)) {
		log_error("%s killed by signal %d; %s", name, WTERMSIG(status), tail);
		goto out;
	}
	if (WEXITSTATUS(status) != 0 && exited != NULL) {
		*exited = WEXITSTATUS(status);
		rc = 1;
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		log_error("%s exited %d%s%s; %s", name, WEXITSTATUS(status),
		    line[0] != '\0' ? ": " : "", line, tail);
		goto out;
	}
	if (out != NULL) {
		*out = ob.b;
		*outlen = ob.len;
		ob.b = NULL;
	}
	rc = 0;
	goto out;

out_kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	waited = 1;
	if (timedout)
		log_error("%s did not finish within %d s and was killed; %s",
		    name, RUN_TIMEOUT, tail);
	else
		log_error("%s: %s; %s", name, why, tail);
out:
	if (pid > 0 && !waited) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	for (i = 0; i < 2; i++) {
		close_fd(&ip[i]);
		close_fd(&op[i]);
		close_fd(&ep[i]);
		close_fd(&sp[i]);
	}
	sigaction(SIGPIPE, &osa, NULL);
	free(ob.b);
	free(eb.b);
	return rc;
}

int
firewall_save(const struct config *cfg, int family, char **out, size_t *len)
{
	char	*argv[] = { NULL, "-t", "filter", NULL };

	*out = NULL;
	*len = 0;
	if (family != AF_INET && family != AF_INET6)
		return log_error("firewall: internal error: address family %d", family);
	argv[0] = family == AF_INET6 ? cfg->c_ip6tables_save : cfg->c_iptables_save;
	return run(family == AF_INET6 ? "ip6tables-save" : "iptables-save",
	    UNCHANGED, argv, NULL, 0, out, len);
}

int
firewall_restore(const struct config *cfg, int family, const char *script, size_t len)
{
	char	*argv[] = { NULL, "-w", "--noflush", NULL };

	if (family != AF_INET && family != AF_INET6)
		return log_error("firewall: internal error: address family %d", family);
	argv[0] = family == AF_INET6 ? cfg->c_ip6tables_restore : cfg->c_iptables_restore;
	return run(family == AF_INET6 ? "ip6tables-restore" : "iptables-restore",
	    UNCHANGED, argv, script, len, NULL, NULL);
}

int
firewall_ipset_save(const struct config *cfg, char **out, size_t *len)
{
	char	*argv[] = { cfg->c_ipset, "save", NULL };

	*out = NULL;
	*len = 0;
	return run("ipset save", UNCHANGED, argv, NULL, 0, out, len);
}

/*
 * `ipset save SET`: what the plan of one family reads, a tenth to a half
 * of `ipset save` with 10,000 bans.  ipset exits 1 when SET does not exist
 * (and for other failures): then all of `ipset save`, which has no such
 * case and reports a real failure.
 */
static int
ipset_save_set(const struct config *cfg, char *set, char **out, size_t *len)
{
	char	*argv[] = { cfg->c_ipset, "save", NULL, NULL };
	int	 st = 0, r;

	*out = NULL;
	*len = 0;
	argv[2] = set;
	if ((r = run_status("ipset save", UNCHANGED, argv, NULL, 0, out, len, &st)) != 1)
		return r;
	return firewall_ipset_save(cfg, out, len);
}

int
firewall_ipset_restore(const struct config *cfg, const char *script, size_t len)
{
	char	*argv[] = { cfg->c_ipset, "restore", "-exist", NULL };

	return run("ipset restore", "the set may be partly updated, the chain is "
	    "left unchanged (the next run completes it)", argv, script, len, NULL,
	    NULL);
}

static int
dry_print(FILE *dry, const char *what, const char *s, size_t len)
{
	if (s == NULL)
		return 0;
	if (fprintf(dry, "# %s\n", what) < 0 || fwrite(s, 1, len, dry) != len ||
	    fflush(dry) == EOF)
		return log_error("cannot write the %s script: %s", what,
		    strerror(errno));
	return 0;
}

/* The set the chain no longer uses: its destroy failing is not fatal to
 * the chain, but it is reported (the next run will not try again). */
static int
apply_post(const struct config *cfg, int family, const struct fwplan *p)
{
	char	set[SETNAME_MAX + 1], tail[160];
	char	*argv[] = { cfg->c_ipset, "restore", "-exist", NULL };

	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	snprintf(tail, sizeof(tail), "set %s kept (the chain no longer uses it; "
	    "ipset destroy %s once nothing else does)", set, set);
	return run("ipset restore", tail, argv, p->fp_setpost, p->fp_setpostlen,
	    NULL, NULL);
}

/* ipset first (the set rule needs the set), then the chain, then the
 * set's removal (a set in use cannot be destroyed). */
static int
apply(const struct config *cfg, int family, const struct fwplan *p, FILE *dry)
{
	char	what[32];

	if (dry != NULL) {
		snprintf(what, sizeof(what), "%s-restore --noflush", tool(family));
		return dry_print(dry, "ipset restore -exist", p->fp_setpre,
		    p->fp_setprelen) == -1 ||
		    dry_print(dry, what, p->fp_script, p->fp_len) == -1 ||
		    dry_print(dry, "ipset restore -exist", p->fp_setpost,
		    p->fp_setpostlen) == -1 ? -1 : 0;
	}
	if (p->fp_setpre != NULL &&
	    firewall_ipset_restore(cfg, p->fp_setpre, p->fp_setprelen) == -1)
		return -1;
	if (p->fp_script != NULL &&
	    firewall_restore(cfg, family, p->fp_script, p->fp_len) == -1)
		return -1;
	if (p->fp_setpost != NULL && apply_post(cfg, family, p) == -1)
		return -1;
	return 0;
}

const char *
firewall_diff_text(const struct config *cfg, int family, const struct fwdiff *d,
    char *buf, size_t len)
{
	const char	*ch = cfg->c_chain;
	char		 a[ADDR_STRLEN], set[SETNAME_MAX + 1], rule[512];
	int		 n = -1;

	addr_str(&d->d_addr, a, sizeof(a));
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	excerpt(d->d_rule != NULL ? d->d_rule : "", d->d_rule != NULL ?
	    strlen(d->d_rule) : 0, rule, sizeof(rule));
	switch (d->d_kind) {
	case FWD_NOCHAIN:
		n = snprintf(buf, len, "chain %s is missing", ch);
		break;
	case FWD_NOJUMP:
		n = snprintf(buf, len, "the jump from INPUT to %s is missing", ch);
		break;
	case FWD_STALEJUMP:
		n = snprintf(buf, len, "a stale jump from %s to %s: %s",
		    d->d_chain != NULL ? d->d_chain : "INPUT", ch, rule);
		break;
	case FWD_MISSING:
		n = snprintf(buf, len, "%s is banned but has no rule", a);
		break;
	case FWD_NOTBANNED:
		n = snprintf(buf, len, "%s has a rule but is not banned", a);
		break;
	case FWD_UNEXPECTED:
		n = snprintf(buf, len, "%s has an unexpected rule: %s", a, rule);
		break;
	case FWD_NOBAN:
		n = snprintf(buf, len, "a rule in %s that is no ban: %s", ch, rule);
		break;
	case FWD_NOSET:
		n = snprintf(buf, len, "set %s is missing", set);
		break;
	case FWD_SETMISSING:
		n = snprintf(buf, len, "%s is banned but not in set %s", a, set);
		break;
	case FWD_SETNOTBANNED:
		n = snprintf(buf, len, "%s is in set %s but is not banned", a, set);
		break;
	case FWD_MAXELEM:
		n = snprintf(buf, len, "set %s has a maxelem other than %lld "
		    "(maxbans)", set, cfg->c_maxbans > 0 ? cfg->c_maxbans :
		    (long long)MAXELEM_DEFAULT);
		break;
	case FWD_NOSETRULE:
		n = snprintf(buf, len, "the rule for set %s is missing from %s",
		    set, ch);
		break;
	case FWD_OLDCHAIN:
		n = snprintf(buf, len, "chain %s is left from backend = chain or "
		    "ipset", ch);
		break;
	default:
		return nft_diff_text(cfg, d, buf, len);
	}
	if (n < 0)
		snprintf(buf, len, "internal error: difference of kind %d", d->d_kind);
	return buf;
}

/*
 * backend = nft: the stop plan's differences become one FWD_OLDCHAIN,
 * followed by the rules mailban never writes (reported when removed).
 */
static void
old_chain(struct fwplan *p)
{
	struct fwplan	 q;
	size_t		 i;

	memset(&q, 0, sizeof(q));
	diff_add(&q, FWD_OLDCHAIN, NULL, NULL);
	for (i = 0; i < p->fp_ndiff; i++) {
		if (p->fp_diff[i].d_foreign) {
			diff_add(&q, p->fp_diff[i].d_kind, &p->fp_diff[i].d_addr, NULL);
			q.fp_diff[q.fp_ndiff - 1].d_foreign = 1;
			q.fp_diff[q.fp_ndiff - 1].d_rule = p->fp_diff[i].d_rule;
			q.fp_diff[q.fp_ndiff - 1].d_chain = p->fp_diff[i].d_chain;
		} else {
			free(p->fp_diff[i].d_rule);
			free(p->fp_diff[i].d_chain);
		}
	}
	free(p->fp_diff);
	p->fp_diff = q.fp_diff;
	p->fp_ndiff = q.fp_ndiff;
}

/*
 * backend = nft beside native nft rules in table ip filter: iptables-save
 * cannot print that table, so iptables cannot have a chain of mailban's
 * left in it to remove; it is no concern of the nft backend (quiet).
 */
static int
save_incompatible(const char *save, size_t len)
{
	static const char	pre[] = "# Table `filter' is incompatible";
	const char		*p = save, *end = save + len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= sizeof(pre) - 1 &&
		    memcmp(p, pre, sizeof(pre) - 1) == 0)
			return 1;
		p = nl < end ? nl + 1 : end;
	}
	return 0;
}

/* backend = nft on a host without iptables: nothing of it to remove. */
static int
installed(const struct config *cfg, int family)
{
	return access(family == AF_INET6 ? cfg->c_ip6tables_save :
	    cfg->c_iptables_save, X_OK) == 0;
}

int
firewall_plan_live(const struct config *cfg, int family, const struct addr *want,
    size_t nwant, struct fwplan *plan)
{
	char	*save = NULL, *setsave = NULL, set[SETNAME_MAX + 1];
	size_t	 savelen, setsavelen = 0;
	int	 rc = -1;

	memset(plan, 0, sizeof(*plan));
	if (cfg->c_backend == BACKEND_NFT && !installed(cfg, family))
		return 0;
	if (firewall_save(cfg, family, &save, &savelen) == -1)
		goto out;
	if (cfg->c_backend == BACKEND_NFT) {
		/* What backend = chain or ipset left goes. */
		if (save_incompatible(save, savelen)) {
			rc = 0;
			goto out;
		}
		if (firewall_plan_stop(cfg, family, save, savelen, plan) == -1)
			goto out;
		if (plan->fp_script != NULL || plan->fp_setpost != NULL)
			old_chain(plan);
	} else if (cfg->c_backend == BACKEND_IPSET) {
		/* A set name too long: firewall_plan_ipset() says so. */
		if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
		    ipset_save_set(cfg, set, &setsave, &setsavelen) == -1)
			goto out;
		if (firewall_plan_ipset(cfg, family, save, savelen, setsave,
		    setsavelen, want, nwant, plan) == -1)
			goto out;
	} else if (firewall_plan(cfg, family, save, savelen, want, nwant, plan) == -1)
		goto out;
	rc = 0;
out:
	free(save);
	free(setsave);
	return rc;
}

/* Once a plan is applied: one line per foreign rule it removed. */
static void
report_foreign(int family, const struct fwplan *p)
{
	char	rule[512];
	size_t	i;

	for (i = 0; i < p->fp_ndiff; i++) {
		if (!p->fp_diff[i].d_foreign || p->fp_diff[i].d_rule == NULL)
			continue;
		excerpt(p->fp_diff[i].d_rule, strlen(p->fp_diff[i].d_rule), rule,
		    sizeof(rule));
		log_warnx("%s: removed a rule that is not mailban's from %s: %s",
		    tool(family), p->fp_diff[i].d_chain, rule);
	}
}

int
firewall_sync(const struct config *cfg, int family, const struct addr *want,
    size_t nwant, FILE *dry, struct fwplan *plan)
{
	struct fwplan	 p;
	int		 rc = -1;

	if (plan != NULL)
		memset(plan, 0, sizeof(*plan));
	if (firewall_plan_live(cfg, family, want, nwant, &p) == -1 ||
	    apply(cfg, family, &p, dry) == -1)
		goto out;
	if (dry == NULL)
		report_foreign(family, &p);
	rc = 0;
out:
	if (plan != NULL && rc == 0)
		*plan = p;
	else
		firewall_plan_free(&p);
	return rc;
}

int
firewall_stop(const struct config *cfg, int family)
{
	struct fwplan	 p;
	char		*save = NULL;
	size_t		 savelen;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	if (cfg->c_backend == BACKEND_NFT && !installed(cfg, family))
		return 0;
	if (firewall_save(cfg, family, &save, &savelen) == -1)
		goto out;
	if (cfg->c_backend == BACKEND_NFT && save_incompatible(save, savelen)) {
		rc = 0;
		goto out;
	}
	if (firewall_plan_stop(cfg, family, save, savelen, &p) == -1 ||
	    apply(cfg, family, &p, NULL) == -1)
		goto out;
	rc = 0;
out:
	free(save);
	firewall_plan_free(&p);
	return rc;
}
