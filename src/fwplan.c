/*
 * fwplan.c -- the chain planner: the text of `iptables-save -t filter` (or
 * the ip6tables one) and the wanted addresses in, ONE `*-restore -w
 * --noflush` script holding only the difference out (struct fwplan, with
 * every difference as a struct fwdiff), or nothing at all when the chain
 * is already right.  Pure: it runs nothing (firewall.c does).
 *
 * Invariants:
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
 *  - every address written comes from addr_str() of a parsed address.
 * backend = ipset and stop: fwplan_ipset.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "firewall_int.h"
#include "log.h"
#include "util.h"

const char *
fw_tool(int family)
{
	return family == AF_INET6 ? "ip6tables" : "iptables";
}

void
fw_buf_add(struct buf *b, const char *s, size_t n)
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

void
fw_buf_adds(struct buf *b, const char *s)
{
	fw_buf_add(b, s, strlen(s));
}

int
fw_span_eq(struct span a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.s, s, a.len) == 0;
}

/*
 * Next token of a saved rule: words split at blanks, where a double-quoted
 * part (with backslash escapes, as iptables-save writes comments) belongs to
 * its word.  Tokens keep their quotes, so a quoted "-j" is never an option.
 */
/* The next line of [*p, end), without its '\n': 0 at the end. */
int
fw_next_line(const char **p, const char *end, struct span *line)
{
	const char	*nl;

	if (*p >= end)
		return 0;
	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		nl = end;
	line->s = *p;
	line->len = (size_t)(nl - *p);
	*p = nl < end ? nl + 1 : end;
	return 1;
}

int
fw_next_token(const char **p, const char *end, struct span *tok)
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

	while (fw_next_token(&p, end, &t)) {
		if (target && fw_span_eq(t, chain))
			return 1;
		target = fw_span_eq(t, "-j") || fw_span_eq(t, "-g");
	}
	return 0;
}

/* Quote at most ERRLINE_MAX bytes of foreign text, non-printables as '?'. */
void
fw_excerpt(const char *s, size_t len, char *out, size_t outlen)
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

	fw_excerpt(s, len, ex, sizeof(ex));
	return log_error("%s-save output line %zu not understood: \"%s\"; "
	    "chain left unchanged", fw_tool(family), lineno, ex);
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
	    "of their own (nft list table %s filter shows them)", fw_tool(family),
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
	const char	*p = save, *end = save + len, *q;
	struct span	 line, t, name;
	size_t		 lineno = 0, last = 0, pos;
	int		 intable = 0, filter = 0;

	memset(lv, 0, sizeof(*lv));
	while (fw_next_line(&p, end, &line)) {
		lineno++;
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
			filter = fw_span_eq(line, "*filter");
			continue;
		}
		if (!intable)
			return save_error(family, lineno, line.s, line.len);
		if (fw_span_eq(line, "COMMIT")) {
			intable = 0;
			continue;
		}
		q = line.s + 1;
		if (line.s[0] == ':') {
			if (!fw_next_token(&q, line.s + line.len, &name) ||
			    name.s != line.s + 1)
				return save_error(family, lineno, line.s, line.len);
			if (filter && fw_span_eq(name, chain))
				lv->l_havechain = 1;
			continue;
		}
		q = line.s;
		if (!fw_next_token(&q, line.s + line.len, &t) || !fw_span_eq(t, "-A") ||
		    !fw_next_token(&q, line.s + line.len, &name))
			return save_error(family, lineno, line.s, line.len);
		if (!filter)
			continue;
		pos = chain_next(cc, ncc, &last, name);
		if (fw_span_eq(name, chain)) {
			/* Never seen without its declaration; never flush it then. */
			lv->l_havechain = 1;
			live_add(lv, line, name, pos, RULE_CHAIN);
		} else if (jumps_to(line, chain))
			live_add(lv, line, name, pos, fw_span_eq(name, "INPUT") ?
			    RULE_JUMP_INPUT : RULE_JUMP_OTHER);
	}
	if (intable)
		return log_error("%s-save output ends inside a table (no COMMIT); "
		    "chain left unchanged", fw_tool(family));
	return 0;
}

static int	ban_shape(int, struct span, struct addr *, struct span *);

/*
 * Is this saved jump one of mailban's spellings, "-A NAME [-p tcp [-m tcp
 * --dport P | -m multiport --dports P]] -j CHAIN"?  Those delete as saved.
 */
static int
is_own_jump(struct span line, const char *chain)
{
	const char	*p = line.s, *end = line.s + line.len;
	struct span	 t;

	if (!fw_next_token(&p, end, &t) || !fw_span_eq(t, "-A") ||
	    !fw_next_token(&p, end, &t) || !fw_next_token(&p, end, &t))
		return 0;
	if (fw_span_eq(t, "-p")) {
		if (!fw_next_token(&p, end, &t) || !fw_span_eq(t, "tcp") ||
		    !fw_next_token(&p, end, &t))
			return 0;
		if (fw_span_eq(t, "-m")) {
			if (!fw_next_token(&p, end, &t))
				return 0;
			if (fw_span_eq(t, "tcp")) {
				if (!fw_next_token(&p, end, &t) || !fw_span_eq(t, "--dport"))
					return 0;
			} else if (fw_span_eq(t, "multiport")) {
				if (!fw_next_token(&p, end, &t) || !fw_span_eq(t, "--dports"))
					return 0;
			} else
				return 0;
			if (!fw_next_token(&p, end, &t) || !fw_next_token(&p, end, &t))
				return 0;
		}
	}
	return fw_span_eq(t, "-j") && fw_next_token(&p, end, &t) && fw_span_eq(t, chain) &&
	    !fw_next_token(&p, end, &t);
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
			    (sn != NULL && fw_is_set_rule(r->r_line, sn, NULL));
		else
			r->r_own = is_own_jump(r->r_line, cfg->c_chain);
	}
}

int
fw_parse_save(const struct config *cfg, int family, const char *save, size_t len,
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
void
fw_diff_add(struct fwplan *out, int kind, const struct addr *a, const struct rule *r)
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

int
fw_want_find(const void *key, const void *elem)
{
	const struct want	*w = elem;

	return addr_cmp(key, &w->w_addr);
}

/*
 * The wanted addresses of this family, each once, sorted by address.
 * Over the cap, the first maxbans in the caller's order are kept.
 */
struct want *
fw_want_build(const struct config *cfg, int family, const struct addr *want,
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
		    "first %lld are banned (raise maxbans)", fw_tool(family), *n,
		    cfg->c_maxbans, cfg->c_maxbans);
		qsort(w, *n, sizeof(*w), want_cmp_pos);
		*n = (size_t)cfg->c_maxbans;
		qsort(w, *n, sizeof(*w), want_cmp_addr);
	}
	return w;
}

/* "-A CHAIN -s ADDR/32 -p tcp -j BLOCKTYPE" (a network: "-s NET/N") */
void
fw_ban_rule(struct buf *b, const char *op, const char *chain, const struct addr *a,
    const char *blocktype)
{
	char	s[ADDR_STRLEN];

	fw_buf_adds(b, op);
	fw_buf_adds(b, " ");
	fw_buf_adds(b, chain);
	fw_buf_adds(b, " -s ");
	fw_buf_adds(b, addr_str(a, s, sizeof(s)));
	if (a->a_prefix == 0)
		fw_buf_adds(b, a->a_family == AF_INET6 ? "/128" : "/32");
	fw_buf_adds(b, " -p tcp -j ");
	fw_buf_adds(b, blocktype);
}

/* "-A INPUT -p tcp -m tcp --dport 25 -j CHAIN", or multiport --dports. */
void
fw_jump_rule(struct buf *b, const char *op, const struct config *cfg)
{
	fw_buf_adds(b, op);
	if (strchr(cfg->c_ports, ',') != NULL)
		fw_buf_adds(b, " -p tcp -m multiport --dports ");
	else
		fw_buf_adds(b, " -p tcp -m tcp --dport ");
	fw_buf_adds(b, cfg->c_ports);
	fw_buf_adds(b, " -j ");
	fw_buf_adds(b, cfg->c_chain);
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
	const char	*p = line.s, *end = line.s + line.len;
	const char	*shape[] = { "-A", NULL, "-s", NULL, "-p", "tcp", "-j" };
	struct span	 t[NITEMS(shape)];
	size_t		 i;

	for (i = 0; i < NITEMS(shape); i++)
		if (!fw_next_token(&p, end, &t[i]) ||
		    (shape[i] != NULL && !fw_span_eq(t[i], shape[i])))
			return 0;
	if (!fw_next_token(&p, end, tgt))
		return 0;
	/* iptables-save always prints the prefix: "/32" for an address. */
	return memchr(t[3].s, '/', t[3].len) != NULL &&
	    addr_parse_net(t[3].s, t[3].len, a) == 0 && a->a_family == family;
}

static struct want *
rule_bans(int family, struct span line, const char *target, struct want *w,
    size_t nw)
{
	struct span	tgt;
	struct addr	a;

	if (!ban_shape(family, line, &a, &tgt) || !fw_span_eq(tgt, target))
		return NULL;
	return bsearch(&a, w, nw, sizeof(*w), fw_want_find);
}

int
fw_check_config(const struct config *cfg, int family, const char **blocktype)
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
		    "a blank or line break; chain left unchanged", fw_tool(family));
	*blocktype = bt;
	return 0;
}

void
fw_plan_finish(struct buf *b, int change, struct fwplan *out)
{
	if (!change) {
		free(b->b);
		return;
	}
	fw_buf_adds(b, "COMMIT\n");
	out->fp_script = b->b;
	out->fp_len = b->len;
}

/* The first word of the blocktype: what a kept rule must jump to. */
int
fw_target_word(int family, const char *bt, char *target, size_t len)
{
	size_t	tlen = strcspn(bt, " \t");

	if (tlen >= len)
		return log_error("%s: blocktype target \"%.*s\" is too long",
		    fw_tool(family), (int)tlen, bt);
	memcpy(target, bt, tlen);
	target[tlen] = '\0';
	return 0;
}

/* Keep the first INPUT jump spelled as wanted; mark every other one. */
/*
 * The start of a chain backend's restore script: the filter table and,
 * when it is not there, the chain (FWD_NOCHAIN).
 */
void
fw_script_head(struct buf *b, const struct config *cfg, const struct live *lv,
    struct fwplan *out)
{
	fw_buf_adds(b, "*filter\n");
	if (!lv->l_havechain) {
		fw_buf_adds(b, ":");
		fw_buf_adds(b, cfg->c_chain);
		fw_buf_adds(b, " - [0:0]\n");
		out->fp_newchain = 1;
		fw_diff_add(out, FWD_NOCHAIN, NULL, NULL);
	}
}

/* The missing jump from INPUT, first (FWD_NOJUMP). */
void
fw_script_jump(struct buf *b, const struct config *cfg, struct fwplan *out)
{
	fw_jump_rule(b, "-I INPUT 1", cfg);
	fw_buf_adds(b, "\n");
	out->fp_newjump = 1;
	fw_diff_add(out, FWD_NOJUMP, NULL, NULL);
}

int
fw_mark_jumps(struct live *lv, const struct buf *jump)
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
		fw_diff_add(out, FWD_STALEJUMP, NULL, r);
	else if (!ban_shape(family, r->r_line, &a, &tgt))
		fw_diff_add(out, FWD_NOBAN, NULL, r);
	else if (bsearch(&a, w, nw, sizeof(*w), fw_want_find) != NULL)
		fw_diff_add(out, FWD_UNEXPECTED, &a, r);
	else
		fw_diff_add(out, FWD_NOTBANNED, &a, r);
}

/*
 * "-D" each marked rule: first the foreign ones by position, highest first
 * in each chain (the listing in reverse), so that every position is still
 * the one listed when its line runs; then mailban's own, spelled as saved
 * (those do not depend on positions).  The differences go to out in
 * listing order; the chain's deletes count in fp_del.
 */
size_t
fw_put_deletes(int family, struct buf *b, const struct live *lv,
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
		fw_buf_adds(b, "-D ");
		fw_buf_add(b, r->r_chain.s, r->r_chain.len);
		fw_buf_adds(b, num);
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
		fw_buf_adds(b, "-D");
		fw_buf_add(b, r->r_line.s + 2, r->r_line.len - 2);
		fw_buf_adds(b, "\n");
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
int
fw_uses_set(struct span line, const char *set)
{
	const char	*p = line.s, *end = line.s + line.len;
	struct span	 t;
	int		 next = 0;

	while (fw_next_token(&p, end, &t)) {
		if (next && fw_span_eq(t, set))
			return 1;
		next = fw_span_eq(t, "--match-set");
	}
	return 0;
}

/* fp_setpost = "destroy SET": for when the chain no longer uses it. */
void
fw_plan_destroy_set(const struct config *cfg, int family, struct fwplan *out)
{
	struct buf	b;
	char		set[SETNAME_MAX + 1];

	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		return;
	memset(&b, 0, sizeof(b));
	fw_buf_adds(&b, "destroy ");
	fw_buf_adds(&b, set);
	fw_buf_adds(&b, "\n");
	out->fp_setpost = b.b;
	out->fp_setpostlen = b.len;
}

/*
 * Mark the chain rules of lv: one rule per address of w[0..nw) that bans
 * it is kept (the one spelled as wanted, if any: w_keep, w_exact); every
 * other chain rule but the one at skip (-1: none) is deleted.  1 when a
 * deleted rule matches on the family's set (left by backend = ipset).
 */
int
fw_mark_ban_rules(const struct config *cfg, int family, struct live *lv,
    const char *bt, const char *target, struct want *w, size_t nw, ssize_t skip)
{
	struct want	*hit;
	struct rule	*r;
	struct buf	 exact;
	char		 set[SETNAME_MAX + 1];
	size_t		 i;
	int		 isexact, setrule = 0;

	memset(&exact, 0, sizeof(exact));
	for (i = 0; i < lv->l_nrule; i++) {
		r = &lv->l_rule[i];
		if (r->r_kind != RULE_CHAIN || (ssize_t)i == skip)
			continue;
		if ((hit = rule_bans(family, r->r_line, target, w, nw)) == NULL) {
			r->r_del = 1;
			if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
			    fw_uses_set(r->r_line, set))
				setrule = 1;
			continue;
		}
		exact.len = 0;
		fw_ban_rule(&exact, "-A", cfg->c_chain, &hit->w_addr, bt);
		isexact = r->r_line.len == exact.len &&
		    memcmp(r->r_line.s, exact.b, exact.len) == 0;
		if (hit->w_keep == -1) {
			hit->w_keep = (ssize_t)i;
			hit->w_exact = isexact;
		} else if (isexact && !hit->w_exact) {
			/* One rule per address: prefer the one spelled as wanted. */
			lv->l_rule[hit->w_keep].r_del = 1;
			hit->w_keep = (ssize_t)i;
			hit->w_exact = 1;
		} else
			r->r_del = 1;
	}
	free(exact.b);
	return setrule;
}

/* "-A" a rule for each address of w[0..nw) that has none (FWD_MISSING). */
void
fw_put_ban_rules(struct buf *b, const struct config *cfg, const char *bt,
    const struct want *w, size_t nw, struct fwplan *out)
{
	size_t	i;

	for (i = 0; i < nw; i++) {
		if (w[i].w_keep != -1)
			continue;
		fw_ban_rule(b, "-A", cfg->c_chain, &w[i].w_addr, bt);
		fw_buf_adds(b, "\n");
		out->fp_add++;
		fw_diff_add(out, FWD_MISSING, &w[i].w_addr, NULL);
	}
}

int
firewall_plan(const struct config *cfg, int family, const char *save, size_t savelen,
    const struct addr *want, size_t nwant, struct fwplan *out)
{
	struct live	 lv;
	struct want	*w = NULL;
	struct buf	 b, jump;
	const char	*bt;
	char		 target[64];
	size_t		 nw = 0, ndel;
	int		 havejump, rc = -1, setrule = 0;

	memset(out, 0, sizeof(*out));
	memset(&lv, 0, sizeof(lv));
	memset(&b, 0, sizeof(b));
	memset(&jump, 0, sizeof(jump));
	if (fw_check_config(cfg, family, &bt) == -1 ||
	    fw_target_word(family, bt, target, sizeof(target)) == -1)
		return -1;
	if (fw_parse_save(cfg, family, save, savelen, &lv) == -1)
		goto out;
	w = fw_want_build(cfg, family, want, nwant, &nw);
	fw_jump_rule(&jump, "-A INPUT", cfg);
	havejump = fw_mark_jumps(&lv, &jump);

	/* A rule left by backend = ipset: the set goes once unused. */
	setrule = fw_mark_ban_rules(cfg, family, &lv, bt, target, w, nw, -1);

	fw_script_head(&b, cfg, &lv, out);
	ndel = fw_put_deletes(family, &b, &lv, w, nw, out);
	fw_put_ban_rules(&b, cfg, bt, w, nw, out);
	if (!havejump)
		fw_script_jump(&b, cfg, out);
	fw_plan_finish(&b, out->fp_newchain || out->fp_newjump || out->fp_add > 0 ||
	    ndel > 0, out);
	if (setrule)
		fw_plan_destroy_set(cfg, family, out);
	rc = 0;
out:
	free(jump.b);
	free(lv.l_rule);
	free(w);
	if (rc == -1)
		firewall_plan_free(out);
	return rc;
}
