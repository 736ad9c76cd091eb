/*
 * fwplan_ipset.c -- the ipset planner and the stop planner.  backend =
 * ipset: the chain holds the one set rule (as fwplan.c plans a chain),
 * plus ONE `ipset restore -exist` script holding the difference of the
 * set's members, read from `ipset save`; a "del" is spelled as saved, and
 * the set is created with maxelem = maxbans (the wanted list never
 * exceeds it).  stop: every jump to CHAIN, then CHAIN, then its set.
 * Pure: it runs nothing (firewall.c does).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "firewall_int.h"
#include "log.h"
#include "util.h"

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

	fw_excerpt(s, len, ex, sizeof(ex));
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
	const char	*p = save, *end = save + len, *q, *le;
	struct span	 line, cmd, name, t, v;
	size_t		 lineno = 0;
	long long	 n;
	char		 num[24];

	while (fw_next_line(&p, end, &line)) {
		lineno++;
		if (memchr(line.s, '\0', line.len) != NULL)
			return ipset_error(lineno, line.s, line.len);
		if (line.len == 0)
			continue;
		q = line.s;
		le = line.s + line.len;
		if (!fw_next_token(&q, le, &cmd) || !fw_next_token(&q, le, &name) ||
		    (!fw_span_eq(cmd, "create") && !fw_span_eq(cmd, "add")))
			return ipset_error(lineno, line.s, line.len);
		if (!fw_next_token(&q, le, &t))
			return ipset_error(lineno, line.s, line.len);
		if (!fw_span_eq(name, set))
			continue;
		if (fw_span_eq(cmd, "add")) {
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
		while (fw_next_token(&q, le, &t)) {
			if (!fw_span_eq(t, "family") && !fw_span_eq(t, "maxelem"))
				continue;
			if (!fw_next_token(&q, le, &v))
				return ipset_error(lineno, line.s, line.len);
			if (fw_span_eq(t, "family")) {
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
	fw_buf_adds(b, op);
	fw_buf_adds(b, " ");
	fw_buf_adds(b, chain);
	fw_buf_adds(b, " -p tcp -m set --match-set ");
	fw_buf_adds(b, set);
	fw_buf_adds(b, " src -j ");
	fw_buf_adds(b, blocktype);
}

/* Is this saved chain rule the set rule, with TARGET the blocktype's word? */
int
fw_is_set_rule(struct span line, const char *set, const char *target)
{
	const char	*p = line.s, *end = line.s + line.len;
	const char	*shape[] = { "-A", NULL, "-p", "tcp", "-m", "set",
			    "--match-set", set, "src", "-j", target };
	struct span	 t;
	size_t		 i;

	for (i = 0; i < NITEMS(shape); i++)
		if (!fw_next_token(&p, end, &t) ||
		    (shape[i] != NULL && !fw_span_eq(t, shape[i])))
			return 0;
	return 1;
}

/* "VERB SET ENTRY\n" */
static void
set_line(struct buf *b, const char *verb, const char *set, const char *s, size_t n)
{
	fw_buf_adds(b, verb);
	fw_buf_adds(b, " ");
	fw_buf_adds(b, set);
	fw_buf_adds(b, " ");
	fw_buf_add(b, s, n);
	fw_buf_adds(b, "\n");
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
		fw_diff_add(out, FWD_NOSET, NULL, NULL);
		for (i = 0; i < nw; i++) {
			set_add(pre, set, &w[i].w_addr);
			fw_diff_add(out, FWD_SETMISSING, &w[i].w_addr, NULL);
		}
		out->fp_newset = 1;
		out->fp_add = nw;
		return;
	}
	memset(&del, 0, sizeof(del));
	for (i = 0; i < sl->sl_nelem; i++) {
		if (addr_parse(sl->sl_elem[i].s, sl->sl_elem[i].len, &a) == 0 &&
		    a.a_family == family &&
		    (hit = bsearch(&a, w, nw, sizeof(*w), fw_want_find)) != NULL &&
		    hit->w_keep == -1) {
			hit->w_keep = 0;	/* present */
			continue;
		}
		set_line(&del, "del", set, sl->sl_elem[i].s, sl->sl_elem[i].len);
		out->fp_del++;
		if (addr_parse(sl->sl_elem[i].s, sl->sl_elem[i].len, &a) == 0)
			fw_diff_add(out, FWD_SETNOTBANNED, &a, NULL);
	}
	for (i = 0; i < nw; i++)
		if (w[i].w_keep == -1) {
			out->fp_add++;
			fw_diff_add(out, FWD_SETMISSING, &w[i].w_addr, NULL);
		}
	if (sl->sl_maxelem != maxelem) {
		fw_diff_add(out, FWD_MAXELEM, NULL, NULL);
		/* maxelem is fixed at create: fill a new set and swap it in. */
		snprintf(tmp, sizeof(tmp), "%s.n", set);
		fw_buf_adds(pre, "destroy ");
		fw_buf_adds(pre, tmp);
		fw_buf_adds(pre, "\n");
		set_create(pre, tmp, family, maxelem);
		for (i = 0; i < nw; i++)
			set_add(pre, tmp, &w[i].w_addr);
		fw_buf_adds(pre, "swap ");
		fw_buf_adds(pre, set);
		fw_buf_adds(pre, " ");
		fw_buf_adds(pre, tmp);
		fw_buf_adds(pre, "\ndestroy ");
		fw_buf_adds(pre, tmp);
		fw_buf_adds(pre, "\n");
		out->fp_newset = 1;
	} else {
		if (del.len > 0)
			fw_buf_add(pre, del.b, del.len);
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
	struct want	*w = NULL, *wh = NULL, *wn = NULL;
	struct buf	 b, pre, rule, jump;
	const char	*bt, *fam = family == AF_INET6 ? "inet6" : "inet";
	char		 target[64], set[SETNAME_MAX + 1];
	size_t		 nw = 0, nh = 0, nn = 0, nadd, i, ndel;
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
	if (fw_check_config(cfg, family, &bt) == -1 ||
	    fw_target_word(family, bt, target, sizeof(target)) == -1)
		return -1;
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		return log_error("ipset: the set name %s%s is longer than %d "
		    "characters (use a shorter chain)", cfg->c_chain,
		    family == AF_INET6 ? "6" : "", SETNAME_MAX);
	if (parse_ipset(set, setsave, setsavelen, &sl) == -1)
		return -1;
	if (sl.sl_exists && (!fw_span_eq(sl.sl_type, "hash:ip") ||
	    !fw_span_eq(sl.sl_family, fam))) {
		log_error("ipset: set %s is %.*s family %.*s, not hash:ip family %s; "
		    "remove it (mailban stop, or ipset destroy %s) and run again",
		    set, (int)sl.sl_type.len, sl.sl_type.s, (int)sl.sl_family.len,
		    sl.sl_family.s, fam, set);
		goto out;
	}
	if (fw_parse_save(cfg, family, save, savelen, &lv) == -1)
		goto out;
	w = fw_want_build(cfg, family, want, nwant, &nw);
	/* Addresses go to the set; a network (hash:ip holds none) has a rule
	 * of its own in CHAIN, as with backend = chain.  Both stay sorted. */
	wh = xcalloc(nw + 1, sizeof(*wh));
	wn = xcalloc(nw + 1, sizeof(*wn));
	for (i = 0; i < nw; i++) {
		if (w[i].w_addr.a_prefix == 0)
			wh[nh++] = w[i];
		else
			wn[nn++] = w[i];
	}
	maxelem = cfg->c_maxbans > 0 ? cfg->c_maxbans : MAXELEM_DEFAULT;
	plan_members(family, set, maxelem, &sl, wh, nh, &pre, out);

	/* The chain: the set rule (the exact one if there), nothing else. */
	fw_jump_rule(&jump, "-A INPUT", cfg);
	havejump = fw_mark_jumps(&lv, &jump);
	set_rule(&rule, "-A", cfg->c_chain, set, bt);
	for (i = 0; i < lv.l_nrule && keep == -1; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN &&
		    lv.l_rule[i].r_line.len == rule.len &&
		    memcmp(lv.l_rule[i].r_line.s, rule.b, rule.len) == 0)
			keep = (ssize_t)i;
	for (i = 0; i < lv.l_nrule && keep == -1; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN &&
		    fw_is_set_rule(lv.l_rule[i].r_line, set, target))
			keep = (ssize_t)i;
	/* Every other rule goes, but those of the networks. */
	(void)fw_mark_ban_rules(cfg, family, &lv, bt, target, wn, nn, keep);
	fw_script_head(&b, cfg, &lv, out);
	ndel = fw_put_deletes(family, &b, &lv, w, nw, out);
	nadd = out->fp_add;
	fw_put_ban_rules(&b, cfg, bt, wn, nn, out);
	if (keep == -1) {
		fw_buf_add(&b, rule.b, rule.len);
		fw_buf_adds(&b, "\n");
		out->fp_newrule = 1;
		fw_diff_add(out, FWD_NOSETRULE, NULL, NULL);
	}
	if (!havejump)
		fw_script_jump(&b, cfg, out);
	fw_plan_finish(&b, out->fp_newchain || out->fp_newjump || out->fp_newrule ||
	    ndel > 0 || out->fp_add > nadd, out);
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
	free(wh);
	free(wn);
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
	if (fw_check_config(cfg, family, &bt) == -1 ||
	    fw_parse_save(cfg, family, save, savelen, &lv) == -1)
		return -1;
	fw_buf_adds(&b, "*filter\n");
	for (i = 0; i < lv.l_nrule; i++) {
		if (lv.l_rule[i].r_kind == RULE_CHAIN) {
			if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
			    fw_uses_set(lv.l_rule[i].r_line, set))
				setrule = 1;
			continue;
		}
		lv.l_rule[i].r_del = 1;
		change = 1;
	}
	fw_put_deletes(family, &b, &lv, NULL, 0, out);
	for (i = 0; i < lv.l_nrule; i++)
		if (lv.l_rule[i].r_kind == RULE_CHAIN)
			out->fp_del++;
	if (lv.l_havechain) {
		fw_buf_adds(&b, "-F ");
		fw_buf_adds(&b, cfg->c_chain);
		fw_buf_adds(&b, "\n-X ");
		fw_buf_adds(&b, cfg->c_chain);
		fw_buf_adds(&b, "\n");
		change = 1;
	}
	fw_plan_finish(&b, change, out);
	if (setrule || cfg->c_backend == BACKEND_IPSET)
		fw_plan_destroy_set(cfg, family, out);
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
