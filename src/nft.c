/*
 * nft.c -- backend = nft: make the table "inet CHAIN" hold the wanted bans.
 *
 * Inputs: the configuration (chain = the table's name, ports, blocktype,
 * maxbans), the wanted addresses with the end of each ban, the reference
 * time, and the live table: the JSON text of `nft -j -t list ruleset
 * inet` (libnftables in this process, never a forked nft) and the
 * elements of ban4 and ban6 from netlink (NFT_MSG_GETSETELEM), together
 * what `nft -j list table inet CHAIN` would show.  Output: the command
 * text of ONE nftables transaction holding only the difference, or nothing.
 *
 * Invariants:
 *  - nft_parse() and nft_plan() are pure: text and bans in, plan out;
 *  - the plan lists every difference (struct fwdiff) that `check` prints;
 *  - a rule is kept only if its expression, as nft lists it, is exactly
 *    the one mailban writes (compared as compact JSON with sorted keys);
 *  - an element is kept only if its expiry is within NFT_SLACK seconds of
 *    its ban's end (permanent: no timeout); else it is deleted and added
 *    again in the same transaction;
 *  - whatever in the table mailban does not make (another chain or set,
 *    a set of another type) makes the plan delete and rebuild the table,
 *    in the same transaction, so no half-known state is patched;
 *  - every address in a command comes from addr_str() of a parsed address;
 *    names in commands are the checked table name and fixed words.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <nftables/libnftables.h>

#include "log.h"
#include "nft.h"
#include "util.h"

#define ELEM_CHUNK	1000	/* elements per add/delete command */
#define ERRLINE_MAX	200	/* characters of nft's error quoted */
#define RULETEXT_MAX	400	/* characters of a rule's expression quoted */
#define OWN_COMMENT	"mailban"

struct buf {
	char	*b;
	size_t	 len, cap;
};

struct nwant {
	struct addr	w_addr;
	int64_t		w_end;		/* TIME_FOREVER: permanent */
	size_t		w_pos;		/* index in the caller's list */
	int		w_keep;		/* a live element is kept for it */
	int		w_live;		/* it is in the set (kept or not) */
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t	ncap;

	if (b->b == NULL || n >= b->cap - b->len) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (n >= ncap - b->len)
			ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
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
fidx(int family)
{
	return family == AF_INET6;
}

static const char *
set_name(int family)
{
	return family == AF_INET6 ? "ban6" : "ban4";
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

/* --- the verdict ------------------------------------------------------ */

enum vkind { V_TCPRESET, V_ICMP, V_DROP };

struct verdict {
	int		 v_kind;
	const char	*v_icmp;	/* V_ICMP: nft's name of the type */
};

static const struct {
	const char	*ipt, *nft;
	int		 family;
} icmptypes[] = {
	{ "icmp-net-unreachable", "net-unreachable", AF_INET },
	{ "icmp-host-unreachable", "host-unreachable", AF_INET },
	{ "icmp-port-unreachable", "port-unreachable", AF_INET },
	{ "icmp-proto-unreachable", "prot-unreachable", AF_INET },
	{ "icmp-net-prohibited", "net-prohibited", AF_INET },
	{ "icmp-host-prohibited", "host-prohibited", AF_INET },
	{ "icmp-admin-prohibited", "admin-prohibited", AF_INET },
	{ "icmp6-no-route", "no-route", AF_INET6 },
	{ "icmp6-adm-prohibited", "admin-prohibited", AF_INET6 },
	{ "icmp6-addr-unreachable", "addr-unreachable", AF_INET6 },
	{ "icmp6-port-unreachable", "port-unreachable", AF_INET6 },
};

/* Words of bt: "DROP", "REJECT", "REJECT --reject-with TYPE". */
static int
verdict_of(int family, const char *bt, struct verdict *v)
{
	char	 w[3][40];
	int	 n = 0;
	size_t	 i, len;

	while (*bt != '\0' && n < 3) {
		bt += strspn(bt, " \t");
		if (*bt == '\0')
			break;
		len = strcspn(bt, " \t");
		if (len >= sizeof(w[0]))
			return -1;
		memcpy(w[n], bt, len);
		w[n++][len] = '\0';
		bt += len;
	}
	if (bt[strspn(bt, " \t")] != '\0')
		return -1;
	if (n == 1 && strcmp(w[0], "DROP") == 0) {
		v->v_kind = V_DROP;
		return 0;
	}
	if (strcmp(w[0], "REJECT") != 0 || n == 2)
		return -1;
	if (n == 1) {
		v->v_kind = V_ICMP;
		v->v_icmp = "port-unreachable";
		return 0;
	}
	if (strcmp(w[1], "--reject-with") != 0)
		return -1;
	if (strcmp(w[2], "tcp-reset") == 0 || strcmp(w[2], "tcp-rst") == 0) {
		v->v_kind = V_TCPRESET;
		return 0;
	}
	for (i = 0; i < sizeof(icmptypes) / sizeof(icmptypes[0]); i++)
		if (icmptypes[i].family == family && strcmp(icmptypes[i].ipt, w[2]) == 0) {
			v->v_kind = V_ICMP;
			v->v_icmp = icmptypes[i].nft;
			return 0;
		}
	return -1;
}

static const char *
verdict_text(int family, const struct verdict *v, char *buf, size_t len)
{
	switch (v->v_kind) {
	case V_TCPRESET:
		snprintf(buf, len, "reject with tcp reset");
		break;
	case V_DROP:
		snprintf(buf, len, "drop");
		break;
	default:
		snprintf(buf, len, "reject with %s type %s",
		    family == AF_INET6 ? "icmpv6" : "icmp", v->v_icmp);
		break;
	}
	return buf;
}

const char *
nft_verdict(int family, const char *bt, char *buf, size_t len)
{
	struct verdict	v;

	if (bt == NULL || verdict_of(family, bt, &v) == -1)
		return NULL;
	return verdict_text(family, &v, buf, len);
}

static const char *
blocktype(const struct config *cfg, int family)
{
	return family == AF_INET6 && cfg->c_blocktype6 != NULL ?
	    cfg->c_blocktype6 : cfg->c_blocktype;
}

/* --- the rule, as nft lists it ---------------------------------------- */

static int
port_cmp(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* c_ports ("25" or "25,465,587") as numbers, sorted as nft lists them. */
static int
ports_of(const struct config *cfg, long long *v, size_t max, size_t *n)
{
	const char	*p = cfg->c_ports;
	char		 num[8];
	size_t		 len;

	*n = 0;
	while (p != NULL && *p != '\0') {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(num) || *n == max)
			return -1;
		memcpy(num, p, len);
		num[len] = '\0';
		if (parse_num(num, 1, 65535, &v[*n]) != NULL)
			return -1;
		(*n)++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (*n == 0)
		return -1;
	qsort(v, *n, sizeof(*v), port_cmp);
	return 0;
}

static json_t *
match(const char *proto, const char *field, json_t *right)
{
	return json_pack("{s:{s:s,s:{s:{s:s,s:s}},s:o}}", "match", "op", "==",
	    "left", "payload", "protocol", proto, "field", field, "right", right);
}

/*
 * The "expr" of the rule of family, compact with sorted keys: what
 * `nft -j list` prints for "ip saddr @ban4 tcp dport PORTS VERDICT".
 */
static char *
rule_expr(int family, const long long *port, size_t nport, const struct verdict *v)
{
	json_t	*e, *right, *set, *verd;
	char	 setref[8], *s;
	size_t	 i;

	snprintf(setref, sizeof(setref), "@%s", set_name(family));
	if (nport == 1)
		right = json_integer(port[0]);
	else {
		set = json_array();
		for (i = 0; i < nport; i++)
			json_array_append_new(set, json_integer(port[i]));
		right = json_pack("{s:o}", "set", set);
	}
	switch (v->v_kind) {
	case V_TCPRESET:
		verd = json_pack("{s:{s:s}}", "reject", "type", "tcp reset");
		break;
	case V_DROP:
		verd = json_pack("{s:n}", "drop");
		break;
	default:
		verd = json_pack("{s:{s:s,s:s}}", "reject", "type",
		    family == AF_INET6 ? "icmpv6" : "icmp", "expr", v->v_icmp);
		break;
	}
	e = json_pack("[o,o,o]", match(family == AF_INET6 ? "ip6" : "ip", "saddr",
	    json_string(setref)), match("tcp", "dport", right), verd);
	if (e == NULL || (s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		log_error("nft: out of memory building a rule");
		abort();
	}
	json_decref(e);
	return s;
}

/* --- parsing the listing ---------------------------------------------- */

static int
parse_error(const char *what)
{
	return log_error("nft: the listing of the table is not understood (%s); "
	    "table left unchanged", what);
}

static void
foreign(struct nftlive *lv, const char *kind, const char *name)
{
	char	buf[128];

	if (lv->nl_nforeign++ > 0)
		return;
	snprintf(buf, sizeof(buf), "%s %s", kind, name != NULL ? name : "?");
	excerpt(buf, strlen(buf), buf, sizeof(buf));
	lv->nl_foreign = xstrdup(buf);
}

/* The set was not made by mailban: its elements are no use, the plan
 * rebuilds the table. */
static void
set_odd(struct nftset *ns)
{
	ns->ns_ok = 0;
	ns->ns_odd = 1;
	free(ns->ns_elem);
	ns->ns_elem = NULL;
	ns->ns_nelem = 0;
}

/*
 * An element that is not a plain address of family (a catch-all "*",
 * ::ffff:a.b.c.d in ban6, a range, a name) is no error: it is left with
 * family AF_UNSPEC, and parse_json() marks its set odd.
 */
static int
parse_elem(int family, json_t *e, struct nftelem *out)
{
	json_t		*o, *val, *t;
	const char	*s;

	memset(out, 0, sizeof(*out));
	out->ne_expires = -1;
	o = json_is_object(e) ? json_object_get(e, "elem") : NULL;
	val = o != NULL ? json_object_get(o, "val") : e;
	s = json_string_value(val);
	if (s == NULL || addr_parse(s, strlen(s), &out->ne_addr) == -1 ||
	    out->ne_addr.a_family != family) {
		memset(&out->ne_addr, 0, sizeof(out->ne_addr));
		out->ne_addr.a_family = AF_UNSPEC;
		return 0;
	}
	if (o == NULL)
		return 0;
	if ((t = json_object_get(o, "expires")) != NULL ||
	    (t = json_object_get(o, "timeout")) != NULL) {
		if (!json_is_integer(t) || json_integer_value(t) < 0)
			return parse_error("an element's expiry");
		out->ne_expires = json_integer_value(t);
	}
	t = json_object_get(o, "comment");
	out->ne_own = json_is_string(t) && strcmp(json_string_value(t), OWN_COMMENT) == 0;
	return 0;
}

static int
parse_set(json_t *o, struct nftlive *lv)
{
	const char	*name = json_string_value(json_object_get(o, "name"));
	const char	*type = json_string_value(json_object_get(o, "type"));
	json_t		*flags = json_object_get(o, "flags"), *elem, *e;
	struct nftset	*ns;
	int		 family;
	size_t		 i;

	if (name != NULL && strcmp(name, "ban4") == 0)
		family = AF_INET;
	else if (name != NULL && strcmp(name, "ban6") == 0)
		family = AF_INET6;
	else {
		foreign(lv, "set", name);
		return 0;
	}
	ns = &lv->nl_set[fidx(family)];
	/* nft lists a set once: twice would leave the first's elements
	 * counted in the second's array. */
	if (ns->ns_exists)
		return parse_error(family == AF_INET ? "set ban4 listed twice" :
		    "set ban6 listed twice");
	ns->ns_exists = 1;
	ns->ns_ok = type != NULL && strcmp(type, family == AF_INET6 ?
	    "ipv6_addr" : "ipv4_addr") == 0 && json_is_array(flags) &&
	    json_array_size(flags) == 1 && json_is_string(json_array_get(flags, 0)) &&
	    strcmp(json_string_value(json_array_get(flags, 0)), "timeout") == 0 &&
	    json_object_get(o, "timeout") == NULL && json_object_get(o, "size") == NULL;
	if (!ns->ns_ok || (elem = json_object_get(o, "elem")) == NULL)
		return 0;
	if (!json_is_array(elem))
		return parse_error("a set's elements");
	ns->ns_elem = xcalloc(json_array_size(elem) + 1, sizeof(*ns->ns_elem));
	json_array_foreach(elem, i, e) {
		if (parse_elem(family, e, &ns->ns_elem[ns->ns_nelem]) == -1)
			return -1;
		ns->ns_nelem++;
	}
	return 0;
}

static int
parse_chain(json_t *o, struct nftlive *lv)
{
	const char	*name = json_string_value(json_object_get(o, "name"));
	const char	*s;
	json_t		*prio;

	if (name == NULL || strcmp(name, "input") != 0) {
		foreign(lv, "chain", name);
		return 0;
	}
	lv->nl_chain = 1;
	prio = json_object_get(o, "prio");
	lv->nl_chainok = (s = json_string_value(json_object_get(o, "type"))) != NULL &&
	    strcmp(s, "filter") == 0 &&
	    (s = json_string_value(json_object_get(o, "hook"))) != NULL &&
	    strcmp(s, "input") == 0 &&
	    json_is_integer(prio) && json_integer_value(prio) == -1 &&
	    (s = json_string_value(json_object_get(o, "policy"))) != NULL &&
	    strcmp(s, "accept") == 0;
	return 0;
}

static int
parse_rule(json_t *o, struct nftlive *lv)
{
	const char	*chain = json_string_value(json_object_get(o, "chain"));
	json_t		*h = json_object_get(o, "handle"), *expr = json_object_get(o, "expr");
	struct nftrule	*r;

	if (chain == NULL || strcmp(chain, "input") != 0)
		return 0;	/* in a foreign chain: that one goes */
	if (!json_is_integer(h) || !json_is_array(expr))
		return parse_error("a rule without handle or expression");
	if ((lv->nl_nrule & (lv->nl_nrule - 1)) == 0)
		lv->nl_rule = xreallocarray(lv->nl_rule, lv->nl_nrule == 0 ? 1 :
		    lv->nl_nrule * 2, sizeof(*lv->nl_rule));
	r = &lv->nl_rule[lv->nl_nrule++];
	r->nr_handle = json_integer_value(h);
	if ((r->nr_expr = json_dumps(expr, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		r->nr_expr = xstrdup("?");
	return 0;
}

/* ours: a listing of every table of the family; the others are skipped. */
static int
parse_item(const struct config *cfg, json_t *item, int ours, struct nftlive *lv)
{
	const char	*key, *s;
	json_t		*o;

	if (!json_is_object(item) || json_object_size(item) != 1)
		return parse_error("an item that is not one object");
	json_object_foreach(item, key, o) {
		if (!json_is_object(o))
			return parse_error("an item that is not an object");
		if (strcmp(key, "metainfo") == 0)
			return 0;
		s = json_string_value(json_object_get(o, "table"));
		if (strcmp(key, "table") == 0) {
			s = json_string_value(json_object_get(o, "name"));
			if (ours && s != NULL && strcmp(s, cfg->c_chain) != 0)
				return 0;
			if (s == NULL || strcmp(s, cfg->c_chain) != 0)
				return parse_error("another table");
			lv->nl_table = 1;
			return 0;
		}
		if (s != NULL && strcmp(s, cfg->c_chain) != 0)
			return ours ? 0 : parse_error("an object of another table");
		if (strcmp(key, "set") == 0)
			return parse_set(o, lv);
		if (strcmp(key, "chain") == 0)
			return parse_chain(o, lv);
		if (strcmp(key, "rule") == 0)
			return parse_rule(o, lv);
		foreign(lv, key, json_string_value(json_object_get(o, "name")));
	}
	return 0;
}

static int
parse_json(const struct config *cfg, const char *json, size_t len, int ours,
    struct nftlive *out)
{
	json_error_t	 err;
	json_t		*root, *items, *item;
	size_t		 i, f;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (json == NULL || len == 0)
		return 0;
	if ((root = json_loadb(json, len, 0, &err)) == NULL) {
		char	ex[ERRLINE_MAX + 1];

		excerpt(err.text, strlen(err.text), ex, sizeof(ex));
		log_error("nft: the listing of the table is not JSON (line %d: %s); "
		    "table left unchanged", err.line, ex);
		return -1;
	}
	items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		parse_error("no \"nftables\" array");
		goto out;
	}
	json_array_foreach(items, i, item)
		if (parse_item(cfg, item, ours, out) == -1)
			goto out;
	if (!out->nl_table && (out->nl_chain || out->nl_set[0].ns_exists ||
	    out->nl_set[1].ns_exists || out->nl_nforeign > 0)) {
		parse_error("objects without their table");
		goto out;
	}
	for (f = 0; f < 2; f++)
		for (i = 0; i < out->nl_set[f].ns_nelem; i++)
			if (out->nl_set[f].ns_elem[i].ne_addr.a_family == AF_UNSPEC) {
				set_odd(&out->nl_set[f]);
				break;
			}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
nft_parse(const struct config *cfg, const char *json, size_t len, struct nftlive *out)
{
	return parse_json(cfg, json, len, 0, out);
}

void
nft_live_free(struct nftlive *lv)
{
	size_t	i, f;

	if (lv == NULL)
		return;
	for (f = 0; f < 2; f++)
		free(lv->nl_set[f].ns_elem);
	for (i = 0; i < lv->nl_nrule; i++)
		free(lv->nl_rule[i].nr_expr);
	free(lv->nl_rule);
	free(lv->nl_foreign);
	memset(lv, 0, sizeof(*lv));
}

/* --- the plan ----------------------------------------------------------- */

static struct fwdiff *
diff_add(struct fwplan *out, int kind, int family, const struct addr *a)
{
	struct fwdiff	*d;

	if ((out->fp_ndiff & (out->fp_ndiff - 1)) == 0)	/* 0, 1, 2, 4, ... */
		out->fp_diff = xreallocarray(out->fp_diff,
		    out->fp_ndiff == 0 ? 1 : out->fp_ndiff * 2, sizeof(*out->fp_diff));
	d = &out->fp_diff[out->fp_ndiff++];
	memset(d, 0, sizeof(*d));
	d->d_kind = kind;
	d->d_addr.a_family = family;
	if (a != NULL)
		d->d_addr = *a;
	return d;
}

static int
want_cmp_addr(const void *a, const void *b)
{
	const struct nwant	*x = a, *y = b;
	int			 c;

	if ((c = addr_cmp(&x->w_addr, &y->w_addr)) != 0)
		return c;
	return x->w_pos < y->w_pos ? -1 : x->w_pos > y->w_pos;
}

static int
want_cmp_pos(const void *a, const void *b)
{
	const struct nwant	*x = a, *y = b;

	return x->w_pos < y->w_pos ? -1 : x->w_pos > y->w_pos;
}

static int
want_find(const void *key, const void *elem)
{
	const struct nwant	*w = elem;

	return addr_cmp(key, &w->w_addr);
}

/*
 * The wanted bans of family, each address once with its latest end, sorted
 * by address; past maxbans, the first in the caller's order are kept.
 */
static struct nwant *
want_build(const struct config *cfg, int family, const struct addr *want,
    const int64_t *end, size_t nwant, size_t *n)
{
	struct nwant	*w;
	size_t		 i, k = 0;

	w = xcalloc(nwant + 1, sizeof(*w));
	for (i = 0; i < nwant; i++) {
		if (want[i].a_family != family)
			continue;
		w[k].w_addr = want[i];
		w[k].w_end = end[i];
		w[k].w_pos = i;
		k++;
	}
	qsort(w, k, sizeof(*w), want_cmp_addr);
	for (i = 0, *n = 0; i < k; i++) {
		if (*n > 0 && addr_cmp(&w[*n - 1].w_addr, &w[i].w_addr) == 0) {
			if (w[i].w_end > w[*n - 1].w_end)
				w[*n - 1].w_end = w[i].w_end;
			continue;
		}
		w[(*n)++] = w[i];
	}
	if (cfg->c_maxbans > 0 && *n > (unsigned long long)cfg->c_maxbans) {
		log_warnx("nft: %zu %s addresses to ban but maxbans is %lld; only the "
		    "first %lld are banned (raise maxbans)", *n,
		    family == AF_INET6 ? "IPv6" : "IPv4", cfg->c_maxbans, cfg->c_maxbans);
		qsort(w, *n, sizeof(*w), want_cmp_pos);
		*n = (size_t)cfg->c_maxbans;
		qsort(w, *n, sizeof(*w), want_cmp_addr);
	}
	return w;
}

/*
 * Seconds left of a ban (at least 1: a ban in force has not ended), -1
 * for a permanent one, and for one longer than nft takes (9 digits of
 * seconds are "value too large" for nft 1.0.6): its element has no
 * timeout, mailban deletes it when the ban ends, and expiry_ok() sees
 * -1 on both sides, so the element is kept run after run.
 */
#define TIMEOUT_MAX	99999999LL	/* ~3.17 years */

static long long
left_of(int64_t end, int64_t now)
{
	if (end == TIME_FOREVER || end - now > TIMEOUT_MAX)
		return -1;
	return end - now < 1 ? 1 : (long long)(end - now);
}

static int
expiry_ok(long long live, long long want)
{
	if (live == -1 || want == -1)
		return live == want;
	return live - want <= NFT_SLACK && want - live <= NFT_SLACK;
}

/* The table name goes into commands unquoted (nft 1.0 takes no quoted
 * table name): a letter, then letters, digits and _ . - only. */
static int
check_names(const struct config *cfg)
{
	const char	*c = cfg->c_chain;

	if (c == NULL || !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) ||
	    c[strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-")] != '\0')
		return log_error("nft: chain \"%s\" cannot name an nft table (start "
		    "it with a letter; letters, digits, _ . - only)", c != NULL ? c : "");
	return 0;
}

/* "VERB element inet T SET { a, b, ... }" lines, ELEM_CHUNK per line. */
struct elemcmd {
	struct buf	*ec_b;
	const char	*ec_verb, *ec_table, *ec_set;
	size_t		 ec_n;
};

static void
elem_put(struct elemcmd *ec, const struct addr *a, long long timeout)
{
	char	s[ADDR_STRLEN], t[48];

	if (ec->ec_n % ELEM_CHUNK == 0) {
		if (ec->ec_n > 0)
			buf_adds(ec->ec_b, " }\n");
		buf_adds(ec->ec_b, ec->ec_verb);
		buf_adds(ec->ec_b, " element inet ");
		buf_adds(ec->ec_b, ec->ec_table);
		buf_adds(ec->ec_b, " ");
		buf_adds(ec->ec_b, ec->ec_set);
		buf_adds(ec->ec_b, " { ");
	} else
		buf_adds(ec->ec_b, ", ");
	buf_adds(ec->ec_b, addr_str(a, s, sizeof(s)));
	if (timeout >= 0) {
		snprintf(t, sizeof(t), " timeout %llds", timeout);
		buf_adds(ec->ec_b, t);
	}
	if (timeout != -2)
		buf_adds(ec->ec_b, " comment \"" OWN_COMMENT "\"");
	ec->ec_n++;
}

static void
elem_end(struct elemcmd *ec)
{
	if (ec->ec_n > 0)
		buf_adds(ec->ec_b, " }\n");
}

static void
put_set(struct buf *b, const char *table, int family)
{
	buf_adds(b, "add set inet ");
	buf_adds(b, table);
	buf_adds(b, family == AF_INET6 ? " ban6 { type ipv6_addr; flags timeout; }\n" :
	    " ban4 { type ipv4_addr; flags timeout; }\n");
}

static void
put_chain(struct buf *b, const char *table)
{
	buf_adds(b, "add chain inet ");
	buf_adds(b, table);
	buf_adds(b, " input { type filter hook input priority filter - 1; "
	    "policy accept; }\n");
}

static void
put_delrule(struct buf *b, const char *table, long long handle)
{
	char	h[48];

	snprintf(h, sizeof(h), " input handle %lld\n", handle);
	buf_adds(b, "delete rule inet ");
	buf_adds(b, table);
	buf_adds(b, h);
}

static void
put_rule(struct buf *b, const struct config *cfg, int family, const long long *port,
    size_t nport, const struct verdict *v)
{
	char	num[16], vt[64];
	size_t	i;

	buf_adds(b, "add rule inet ");
	buf_adds(b, cfg->c_chain);
	buf_adds(b, family == AF_INET6 ? " input ip6 saddr @ban6 tcp dport " :
	    " input ip saddr @ban4 tcp dport ");
	if (nport > 1)
		buf_adds(b, "{ ");
	for (i = 0; i < nport; i++) {
		snprintf(num, sizeof(num), "%s%lld", i > 0 ? ", " : "", port[i]);
		buf_adds(b, num);
	}
	if (nport > 1)
		buf_adds(b, " }");
	buf_adds(b, " ");
	buf_adds(b, verdict_text(family, v, vt, sizeof(vt)));
	buf_adds(b, "\n");
}

/* Every wanted element of a family, to add to a new set. */
static void
put_all_elems(struct buf *b, const struct config *cfg, int family,
    const struct nwant *w, size_t nw, int64_t now)
{
	struct elemcmd	ec = { b, "add", cfg->c_chain, set_name(family), 0 };
	size_t		i;

	for (i = 0; i < nw; i++)
		elem_put(&ec, &w[i].w_addr, left_of(w[i].w_end, now));
	elem_end(&ec);
}

/*
 * The elements of one family: the differences to out, the deletes to del
 * and the adds to add (when the set exists and is kept).
 */
static void
plan_elems(const struct config *cfg, int family, const struct nftset *ns,
    struct nwant *w, size_t nw, int64_t now, struct buf *del, struct buf *add,
    struct fwplan *out)
{
	struct elemcmd		 ed = { del, "delete", cfg->c_chain, set_name(family), 0 };
	struct elemcmd		 ea = { add, "add", cfg->c_chain, set_name(family), 0 };
	const struct nftelem	*e;
	struct nwant		*hit;
	struct fwdiff		*d;
	long long		 want;
	size_t			 i;

	for (i = 0; ns->ns_exists && ns->ns_ok && i < ns->ns_nelem; i++) {
		e = &ns->ns_elem[i];
		hit = bsearch(&e->ne_addr, w, nw, sizeof(*w), want_find);
		if (hit == NULL || hit->w_live) {
			d = diff_add(out, FWD_NFT_NOTBANNED, family, &e->ne_addr);
			d->d_foreign = !e->ne_own;
			elem_put(&ed, &e->ne_addr, -2);
			out->fp_del++;
			continue;
		}
		hit->w_live = 1;
		want = left_of(hit->w_end, now);
		if (expiry_ok(e->ne_expires, want)) {
			hit->w_keep = 1;
			continue;
		}
		d = diff_add(out, FWD_NFT_EXPIRY, family, &e->ne_addr);
		d->d_live = e->ne_expires;
		d->d_want = want;
		elem_put(&ed, &e->ne_addr, -2);
	}
	for (i = 0; i < nw; i++) {
		if (w[i].w_keep)
			continue;
		if (!w[i].w_live) {
			diff_add(out, FWD_NFT_MISSING, family, &w[i].w_addr);
			out->fp_add++;
		}
		elem_put(&ea, &w[i].w_addr, left_of(w[i].w_end, now));
	}
	elem_end(&ed);
	elem_end(&ea);
}

static void
plan_finish(struct buf *b, struct fwplan *out)
{
	if (b->len == 0) {
		free(b->b);
		return;
	}
	out->fp_script = b->b;
	out->fp_len = b->len;
}

int
nft_plan_stop(const struct config *cfg, const struct nftlive *lv, struct fwplan *out)
{
	struct buf	b;
	size_t		f;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (!lv->nl_table)
		return 0;
	if (check_names(cfg) == -1)
		return -1;
	buf_adds(&b, "delete table inet ");
	buf_adds(&b, cfg->c_chain);
	buf_adds(&b, "\n");
	for (f = 0; f < 2; f++)
		out->fp_del += lv->nl_set[f].ns_nelem;
	plan_finish(&b, out);
	return 0;
}

int
nft_plan(const struct config *cfg, const struct nftlive *lv, const struct addr *want,
    const int64_t *end, size_t nwant, int64_t now, struct fwplan *out)
{
	static const int	 families[] = { AF_INET, AF_INET6 };
	struct nwant		*w[2] = { NULL, NULL };
	struct verdict		 v[2];
	struct buf		 b, del, add;
	struct fwdiff		*d;
	long long		 port[16];
	char			*expr[2] = { NULL, NULL };
	size_t			 nw[2] = { 0, 0 }, nport, i, f;
	int			 rebuild, keep[2] = { 0, 0 }, family;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	memset(&del, 0, sizeof(del));
	memset(&add, 0, sizeof(add));
	if (cfg->c_backend != BACKEND_NFT) {
		if (nft_plan_stop(cfg, lv, out) == -1)
			return -1;
		if (lv->nl_table)
			diff_add(out, FWD_NFT_OLDTABLE, 0, NULL);
		return 0;
	}
	if (check_names(cfg) == -1)
		return -1;
	if (ports_of(cfg, port, sizeof(port) / sizeof(port[0]), &nport) == -1)
		return log_error("nft: port \"%s\" is not a list of ports; table "
		    "left unchanged", cfg->c_ports != NULL ? cfg->c_ports : "");
	for (f = 0; f < 2; f++) {
		family = families[f];
		if (verdict_of(family, blocktype(cfg, family), &v[f]) == -1)
			return log_error("nft: %s \"%s\" has no nft equivalent (use "
			    "REJECT --reject-with tcp-reset, REJECT, REJECT "
			    "--reject-with %s-TYPE or DROP); table left unchanged",
			    family == AF_INET6 ? "blocktype6" : "blocktype",
			    blocktype(cfg, family), family == AF_INET6 ? "icmp6" : "icmp");
	}
	for (f = 0; f < 2; f++) {
		expr[f] = rule_expr(families[f], port, nport, &v[f]);
		w[f] = want_build(cfg, families[f], want, end, nwant, &nw[f]);
	}

	rebuild = lv->nl_table && (lv->nl_nforeign > 0 ||
	    (lv->nl_chain && !lv->nl_chainok) ||
	    (lv->nl_set[0].ns_exists && !lv->nl_set[0].ns_ok) ||
	    (lv->nl_set[1].ns_exists && !lv->nl_set[1].ns_ok));
	if (!lv->nl_table)
		diff_add(out, FWD_NFT_NOTABLE, 0, NULL);
	if (lv->nl_nforeign > 0) {
		d = diff_add(out, FWD_NFT_FOREIGN, 0, NULL);
		d->d_rule = xstrdup(lv->nl_foreign);
	}
	for (f = 0; f < 2; f++)
		if (lv->nl_set[f].ns_exists && !lv->nl_set[f].ns_ok)
			diff_add(out, FWD_NFT_BADSET, families[f], NULL)->d_foreign =
			    lv->nl_set[f].ns_odd;
	if (lv->nl_chain && !lv->nl_chainok)
		diff_add(out, FWD_NFT_BADCHAIN, 0, NULL);

	/* The rules: the first exact one of each family is kept. */
	for (i = 0; lv->nl_chain && i < lv->nl_nrule; i++) {
		for (f = 0; f < 2; f++)
			if (!keep[f] && strcmp(lv->nl_rule[i].nr_expr, expr[f]) == 0)
				break;
		if (f < 2) {
			keep[f] = 1;
			continue;
		}
		d = diff_add(out, FWD_NFT_BADRULE, 0, NULL);
		d->d_rule = xstrdup(lv->nl_rule[i].nr_expr);
		if (rebuild)
			continue;
		put_delrule(&b, cfg->c_chain, lv->nl_rule[i].nr_handle);
	}
	for (f = 0; f < 2; f++) {
		if (lv->nl_table && !lv->nl_set[f].ns_exists)
			diff_add(out, FWD_NFT_NOSET, families[f], NULL);
		plan_elems(cfg, families[f], &lv->nl_set[f], w[f], nw[f], now,
		    &del, &add, out);
	}
	if (lv->nl_table && !lv->nl_chain)
		diff_add(out, FWD_NFT_NOCHAIN, 0, NULL);
	for (f = 0; f < 2; f++)
		if (lv->nl_table && lv->nl_chainok && !keep[f])
			diff_add(out, FWD_NFT_NORULE, families[f], NULL);

	if (!lv->nl_table || rebuild) {
		/* Everything, from nothing: no half-known state is patched. */
		b.len = 0;
		if (rebuild) {
			buf_adds(&b, "delete table inet ");
			buf_adds(&b, cfg->c_chain);
			buf_adds(&b, "\n");
		}
		buf_adds(&b, "add table inet ");
		buf_adds(&b, cfg->c_chain);
		buf_adds(&b, "\n");
		for (f = 0; f < 2; f++)
			put_set(&b, cfg->c_chain, families[f]);
		put_chain(&b, cfg->c_chain);
		for (f = 0; f < 2; f++)
			put_rule(&b, cfg, families[f], port, nport, &v[f]);
		for (f = 0; f < 2; f++)
			put_all_elems(&b, cfg, families[f], w[f], nw[f], now);
	} else {
		if (del.len > 0)
			buf_add(&b, del.b, del.len);
		for (f = 0; f < 2; f++)
			if (!lv->nl_set[f].ns_exists)
				put_set(&b, cfg->c_chain, families[f]);
		if (!lv->nl_chain)
			put_chain(&b, cfg->c_chain);
		for (f = 0; f < 2; f++)
			if (!keep[f])
				put_rule(&b, cfg, families[f], port, nport, &v[f]);
		if (add.len > 0)
			buf_add(&b, add.b, add.len);
	}
	plan_finish(&b, out);
	for (f = 0; f < 2; f++) {
		free(expr[f]);
		free(w[f]);
	}
	free(del.b);
	free(add.b);
	return 0;
}

/* --- texts ---------------------------------------------------------------- */

static const char *
secs(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "in %llds", s);
	return buf;
}

const char *
nft_diff_text(const struct config *cfg, const struct fwdiff *d, char *buf, size_t len)
{
	const char	*t = cfg->c_chain, *set = set_name(d->d_addr.a_family);
	char		 a[ADDR_STRLEN], ex[RULETEXT_MAX + 1], s1[32], s2[32];
	int		 n = -1;

	addr_str(&d->d_addr, a, sizeof(a));
	excerpt(d->d_rule != NULL ? d->d_rule : "", d->d_rule != NULL ?
	    strlen(d->d_rule) : 0, ex, sizeof(ex));
	switch (d->d_kind) {
	case FWD_NFT_OLDTABLE:
		n = snprintf(buf, len, "table inet %s is left from backend = nft", t);
		break;
	case FWD_NFT_NOTABLE:
		n = snprintf(buf, len, "table inet %s is missing", t);
		break;
	case FWD_NFT_NOSET:
		n = snprintf(buf, len, "set %s is missing from table inet %s", set, t);
		break;
	case FWD_NFT_BADSET:
		if (d->d_foreign) {
			n = snprintf(buf, len, "set %s holds an element that is not a "
			    "plain %s address (such as * or ::ffff:a.b.c.d)", set,
			    d->d_addr.a_family == AF_INET6 ? "IPv6" : "IPv4");
			break;
		}
		n = snprintf(buf, len, "set %s is not of type %s with flags timeout "
		    "only", set, d->d_addr.a_family == AF_INET6 ? "ipv6_addr" :
		    "ipv4_addr");
		break;
	case FWD_NFT_NOCHAIN:
		n = snprintf(buf, len, "chain input is missing from table inet %s", t);
		break;
	case FWD_NFT_BADCHAIN:
		n = snprintf(buf, len, "chain input is not a filter chain on hook "
		    "input at priority filter - 1 with policy accept");
		break;
	case FWD_NFT_FOREIGN:
		n = snprintf(buf, len, "table inet %s holds %s, which mailban never "
		    "makes", t, ex);
		break;
	case FWD_NFT_NORULE:
		n = snprintf(buf, len, "the rule for set %s is missing from chain input",
		    set);
		break;
	case FWD_NFT_BADRULE:
		n = snprintf(buf, len, "a rule in chain input that is not mailban's: %s",
		    ex);
		break;
	case FWD_NFT_MISSING:
		n = snprintf(buf, len, "%s is banned but not in set %s", a, set);
		break;
	case FWD_NFT_NOTBANNED:
		n = snprintf(buf, len, d->d_foreign ? "%s is in set %s but mailban did "
		    "not add it" : "%s is in set %s but is not banned", a, set);
		break;
	case FWD_NFT_EXPIRY:
		n = snprintf(buf, len, "%s expires %s in set %s but its ban ends %s", a,
		    secs(d->d_live, s1, sizeof(s1)), set, secs(d->d_want, s2, sizeof(s2)));
		break;
	}
	if (n < 0)
		snprintf(buf, len, "internal error: difference of kind %d", d->d_kind);
	return buf;
}

/* --- libnftables ------------------------------------------------------- */

static struct nft_ctx *
ctx_new(int json)
{
	struct nft_ctx	*ctx;

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		log_error("nft: cannot create a libnftables context");
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		log_error("nft: cannot buffer libnftables output");
		return NULL;
	}
	return ctx;
}

/* The first line of nft's error text that says something. */
static const char *
first_error(struct nft_ctx *ctx, char *buf, size_t len)
{
	const char	*e = nft_ctx_get_error_buffer(ctx);

	if (e == NULL)
		e = "";
	e += strspn(e, "\n");
	excerpt(e, strcspn(e, "\n"), buf, len);
	if (buf[0] == '\0')
		snprintf(buf, len, "no reason given");
	return buf;
}

/*
 * `nft -j -t list ruleset inet`: 0 and *json (free it), or -1.  Terse:
 * without set elements, which libnftables turns into expressions at
 * ~6 us each (60 ms for 10,000); list_parse() dumps them by netlink.
 * quiet: failures are not reported (with another backend, an nftables
 * that cannot be used holds no table).
 */
static int
nft_list(const struct config *cfg, int quiet, char **json)
{
	struct nft_ctx	*ctx;
	const char	*o;
	char		 why[ERRLINE_MAX + 1];
	int		 rc = -1;

	*json = NULL;
	if ((ctx = ctx_new(1)) == NULL)
		return quiet ? 0 : -1;
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE);
	if (nft_run_cmd_from_buffer(ctx, "list ruleset inet") != 0) {
		if (quiet)
			rc = 0;
		else
			log_error("nft: cannot list table inet %s: %s; table left "
			    "unchanged", cfg->c_chain, first_error(ctx, why, sizeof(why)));
		goto out;
	}
	o = nft_ctx_get_output_buffer(ctx);
	*json = xstrdup(o != NULL ? o : "");
	rc = 0;
out:
	nft_ctx_free(ctx);
	return rc;
}

/* --- the elements, by netlink ----------------------------------------- */

#define NL_BUFSIZE	65536

struct nlsock {
	int		 ns_fd;
	uint32_t	 ns_seq;
	char		*ns_buf;	/* NL_BUFSIZE */
};

static void
nla_put(char *req, size_t *off, uint16_t type, const void *v, size_t n)
{
	struct nlattr	*a = (struct nlattr *)(void *)(req + *off);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(req + *off + NLA_HDRLEN, v, n);
	memset(req + *off + NLA_HDRLEN + n, 0, NLA_ALIGN(a->nla_len) - a->nla_len);
	*off += NLA_ALIGN(a->nla_len);
}

/*
 * One datagram of replies (n bytes, from the sender at from) to the
 * request of sequence number seq: each of its messages to cb.  0: the
 * reply goes on (read the next datagram); 1: it ended (*intr set when
 * the kernel said the dump was interrupted by a change); -1 with errno.
 */
static int
nl_replies(uint32_t seq, const char *buf, size_t n, const struct sockaddr_nl *from,
    int (*cb)(void *, const struct nlmsghdr *), void *arg, int *intr)
{
	const struct nlmsghdr	*r;
	int			 len = (int)n, err;

	if (from->nl_family != AF_NETLINK || from->nl_pid != 0)
		return 0;	/* not the kernel's */
	for (r = (const struct nlmsghdr *)(const void *)buf; NLMSG_OK(r, len);
	    r = NLMSG_NEXT(r, len)) {
		if (r->nlmsg_seq != seq)
			continue;
		if (r->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = 1;
		if (r->nlmsg_type == NLMSG_DONE) {
			/* A dump's own error (such as -ENOENT when the set goes
			 * meanwhile) is the int after the header. */
			if (r->nlmsg_len >= NLMSG_LENGTH(sizeof(err))) {
				memcpy(&err, NLMSG_DATA(r), sizeof(err));
				if (err < 0) {
					errno = -err;
					return -1;
				}
			}
			return 1;
		}
		if (r->nlmsg_type == NLMSG_ERROR) {
			if (r->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				errno = EBADMSG;
				return -1;
			}
			err = ((const struct nlmsgerr *)NLMSG_DATA(r))->error;
			if (err == 0)
				return 1;
			errno = -err;
			return -1;
		}
		if (cb(arg, r) == -1)
			return -1;
	}
	return 0;
}

/*
 * Send one nf_tables request (table and set: a dump of the set's
 * elements; else NFT_MSG_GETGEN) and pass each reply of the kernel
 * (port id 0; others are dropped) to cb until the dump or the ack ends.
 * 0, 1 when the kernel says the dump was interrupted by a change, or -1
 * with errno (a dump's error in its NLMSG_DONE too).
 */
static int
nl_talk(struct nlsock *ns, int msg, const char *table, const char *set,
    int (*cb)(void *, const struct nlmsghdr *), void *arg)
{
	char			 req[1024];
	struct nlmsghdr		*nh = (struct nlmsghdr *)(void *)req;
	struct nfgenmsg		*ng;
	struct sockaddr_nl	 sa;
	size_t			 off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ng));
	socklen_t		 salen;
	ssize_t			 n;
	int			 intr = 0, rc;

	memset(req, 0, sizeof(req));
	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (set != NULL ? NLM_F_DUMP : 0);
	nh->nlmsg_seq = ++ns->ns_seq;
	ng = NLMSG_DATA(nh);
	ng->nfgen_family = set != NULL ? NFPROTO_INET : AF_UNSPEC;
	ng->version = NFNETLINK_V0;
	if (set != NULL) {
		if (strlen(table) >= NFT_NAME_MAXLEN || strlen(set) >= NFT_NAME_MAXLEN) {
			errno = ENAMETOOLONG;
			return -1;
		}
		nla_put(req, &off, NFTA_SET_ELEM_LIST_TABLE, table, strlen(table) + 1);
		nla_put(req, &off, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
	}
	nh->nlmsg_len = (uint32_t)off;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(ns->ns_fd, req, off, 0, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		return -1;
	for (;;) {
		memset(&sa, 0, sizeof(sa));
		salen = sizeof(sa);
		if ((n = recvfrom(ns->ns_fd, ns->ns_buf, NL_BUFSIZE, MSG_TRUNC,
		    (struct sockaddr *)&sa, &salen)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n > NL_BUFSIZE) {
			errno = EMSGSIZE;
			return -1;
		}
		if (salen != sizeof(sa))
			continue;	/* no netlink sender: not the kernel */
		if ((rc = nl_replies(ns->ns_seq, ns->ns_buf, (size_t)n, &sa, cb, arg,
		    &intr)) != 0)
			return rc == -1 ? -1 : intr;
	}
}

/* The attributes in [p, p + len) by type, the last of each kept. */
static void
nla_index(const char *p, size_t len, const struct nlattr **tb, int max)
{
	const struct nlattr	*a;
	int			 t;

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)(const void *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		t = a->nla_type & NLA_TYPE_MASK;
		if (t <= max)
			tb[t] = a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			return;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

#define NLA_DATA(a)	((const char *)(a) + NLA_HDRLEN)
#define NLA_LEN(a)	((size_t)(a)->nla_len - NLA_HDRLEN)

static int
gen_cb(void *arg, const struct nlmsghdr *r)
{
	const struct nlattr	*tb[NFTA_GEN_MAX + 1];
	uint32_t		 v;
	size_t			 hd = NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (r->nlmsg_len < NLMSG_LENGTH(hd))
		return 0;
	nla_index((const char *)NLMSG_DATA(r) + hd, r->nlmsg_len - NLMSG_LENGTH(hd),
	    tb, NFTA_GEN_MAX);
	if (tb[NFTA_GEN_ID] != NULL && NLA_LEN(tb[NFTA_GEN_ID]) == sizeof(v)) {
		memcpy(&v, NLA_DATA(tb[NFTA_GEN_ID]), sizeof(v));
		*(uint32_t *)arg = be32toh(v);
	}
	return 0;
}

static uint64_t
nla_u64(const struct nlattr *a)
{
	uint64_t	v = 0;

	if (a != NULL && NLA_LEN(a) == sizeof(v))
		memcpy(&v, NLA_DATA(a), sizeof(v));
	return be64toh(v);
}

struct elemarg {
	struct nftset	*ea_set;
	int		 ea_family;
	int		 ea_bad;	/* not understood (reported) */
	int		 ea_odd;	/* an element not a plain address */
	size_t		 ea_cap;
};

/*
 * One element as `nft -j` lists it: "expires" (seconds left, rounded
 * down) if not 0, else "timeout", else none; own when its comment (user
 * data of type 0, NUL-terminated) is "mailban".  One that is not a plain
 * address of the set's family (no key, a flag such as catch-all, a key
 * of another length, ::ffff:a.b.c.d in ban6) is skipped and sets ea_odd.
 */
static int
elem_one(struct elemarg *ea, const char *p, size_t len)
{
	const struct nlattr	*tb[NFTA_SET_ELEM_MAX + 1], *kv[NFTA_DATA_MAX + 1];
	struct nftelem		*e;
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	const unsigned char	*u;
	uint64_t		 ms;
	size_t			 i, ul, alen = ea->ea_family == AF_INET6 ? 16 : 4;

	nla_index(p, len, tb, NFTA_SET_ELEM_MAX);
	if (tb[NFTA_SET_ELEM_KEY] == NULL || (tb[NFTA_SET_ELEM_FLAGS] != NULL &&
	    (NLA_LEN(tb[NFTA_SET_ELEM_FLAGS]) != sizeof(uint32_t) ||
	    memcmp(NLA_DATA(tb[NFTA_SET_ELEM_FLAGS]), "\0\0\0\0", 4) != 0))) {
		ea->ea_odd = 1;
		return 0;
	}
	nla_index(NLA_DATA(tb[NFTA_SET_ELEM_KEY]), NLA_LEN(tb[NFTA_SET_ELEM_KEY]), kv,
	    NFTA_DATA_MAX);
	if (kv[NFTA_DATA_VALUE] == NULL || NLA_LEN(kv[NFTA_DATA_VALUE]) != alen ||
	    (alen == 16 && memcmp(NLA_DATA(kv[NFTA_DATA_VALUE]), v4mapped,
	    sizeof(v4mapped)) == 0)) {
		ea->ea_odd = 1;
		return 0;
	}
	if (ea->ea_set->ns_nelem == ea->ea_cap) {
		ea->ea_cap = ea->ea_cap == 0 ? 1024 : ea->ea_cap * 2;
		ea->ea_set->ns_elem = xreallocarray(ea->ea_set->ns_elem, ea->ea_cap,
		    sizeof(*ea->ea_set->ns_elem));
	}
	e = &ea->ea_set->ns_elem[ea->ea_set->ns_nelem];
	memset(e, 0, sizeof(*e));
	e->ne_expires = -1;
	/* As addr_parse() of nft's text: ::ffff:a.b.c.d is IPv4, not of ban6. */
	memcpy(e->ne_addr.a_b, NLA_DATA(kv[NFTA_DATA_VALUE]), alen);
	e->ne_addr.a_family = ea->ea_family;
	if ((ms = nla_u64(tb[NFTA_SET_ELEM_EXPIRATION])) != 0 ||
	    (ms = nla_u64(tb[NFTA_SET_ELEM_TIMEOUT])) != 0)
		e->ne_expires = (int64_t)(ms / 1000);
	if (tb[NFTA_SET_ELEM_USERDATA] != NULL) {
		u = (const unsigned char *)NLA_DATA(tb[NFTA_SET_ELEM_USERDATA]);
		ul = NLA_LEN(tb[NFTA_SET_ELEM_USERDATA]);
		for (i = 0; i + 2 <= ul && i + 2 + u[i + 1] <= ul; i += 2 + u[i + 1])
			if (u[i] == 0)	/* NFTNL_UDATA_SET_ELEM_COMMENT */
				e->ne_own = u[i + 1] == sizeof(OWN_COMMENT) &&
				    memcmp(u + i + 2, OWN_COMMENT, sizeof(OWN_COMMENT)) == 0;
	}
	ea->ea_set->ns_nelem++;
	return 0;
}

static int
elem_cb(void *arg, const struct nlmsghdr *r)
{
	const struct nlattr	*tb[NFTA_SET_ELEM_LIST_MAX + 1], *a;
	struct elemarg		*ea = arg;
	const char		*p;
	size_t			 hd = NLMSG_ALIGN(sizeof(struct nfgenmsg)), len;

	if ((r->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM ||
	    r->nlmsg_len < NLMSG_LENGTH(hd))
		return 0;
	nla_index((const char *)NLMSG_DATA(r) + hd, r->nlmsg_len - NLMSG_LENGTH(hd),
	    tb, NFTA_SET_ELEM_LIST_MAX);
	if (tb[NFTA_SET_ELEM_LIST_ELEMENTS] == NULL)
		return 0;
	p = NLA_DATA(tb[NFTA_SET_ELEM_LIST_ELEMENTS]);
	len = NLA_LEN(tb[NFTA_SET_ELEM_LIST_ELEMENTS]);
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)(const void *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len) {
			ea->ea_bad = 1;
			return parse_error("a set's elements");
		}
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM &&
		    elem_one(ea, NLA_DATA(a), NLA_LEN(a)) == -1) {
			ea->ea_bad = 1;
			return -1;
		}
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			break;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

/*
 * Before the dump of set ns's elements: netlink is their only source, so
 * whatever the JSON listing gave (an older libnftables lists elements
 * even when terse) is dropped; ea_cap then matches ns_elem.
 */
static void
elem_begin(struct elemarg *ea, struct nftset *ns, int family)
{
	free(ns->ns_elem);
	ns->ns_elem = NULL;
	ns->ns_nelem = 0;
	memset(ea, 0, sizeof(*ea));
	ea->ea_set = ns;
	ea->ea_family = family;
}

/* Elements in nft's listing order: by value (network order bytes). */
static int
elem_cmp(const void *a, const void *b)
{
	const struct nftelem	*x = a, *y = b;

	return memcmp(x->ne_addr.a_b, y->ne_addr.a_b, x->ne_addr.a_family ==
	    AF_INET6 ? 16 : 4);
}

/*
 * The live table, as `nft -j list table inet CHAIN` would give it: its
 * objects from the terse listing, the elements of ban4 and ban6 (when of
 * mailban's shape) from a netlink dump each, in nft's order, all of
 * one ruleset generation (retried when it changed in between, as
 * libnftables does for its own cache).
 */
static int
list_parse(const struct config *cfg, struct nftlive *lv)
{
	static const int	 families[] = { AF_INET, AF_INET6 };
	struct nlsock		 ns;
	struct elemarg		 ea;
	char			*json = NULL;
	uint32_t		 g0, g1;
	int			 quiet = cfg->c_backend != BACKEND_NFT, rc = -1, r, tries;
	size_t			 f;

	memset(lv, 0, sizeof(*lv));
	memset(&ns, 0, sizeof(ns));
	if (check_names(cfg) == -1)
		return quiet ? 0 : -1;
	if ((ns.ns_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_NETFILTER)) == -1) {
		if (quiet)
			return 0;
		return log_error("nft: cannot list table inet %s: %s; table left "
		    "unchanged", cfg->c_chain, strerror(errno));
	}
	ns.ns_buf = xmalloc(NL_BUFSIZE);
	for (tries = 0; tries < 5; tries++) {
		nft_live_free(lv);
		free(json);
		json = NULL;
		g0 = g1 = 0;
		if (nl_talk(&ns, NFT_MSG_GETGEN, NULL, NULL, gen_cb, &g0) == -1)
			goto nlerr;
		if (nft_list(cfg, quiet, &json) == -1)
			goto out;
		if (json == NULL) {	/* quiet, and nftables unusable */
			rc = 0;
			goto out;
		}
		if (parse_json(cfg, json, strlen(json), 1, lv) == -1)
			goto out;
		r = 0;
		memset(&ea, 0, sizeof(ea));
		for (f = 0; f < 2 && r == 0; f++) {
			if (!lv->nl_set[f].ns_exists || !lv->nl_set[f].ns_ok)
				continue;
			elem_begin(&ea, &lv->nl_set[f], families[f]);
			r = nl_talk(&ns, NFT_MSG_GETSETELEM, cfg->c_chain,
			    set_name(families[f]), elem_cb, &ea);
			if (ea.ea_odd)
				set_odd(&lv->nl_set[f]);
		}
		if (ea.ea_bad)
			goto out;
		if (r == -1 && errno != ENOENT)	/* ENOENT: deleted since */
			goto nlerr;
		if (nl_talk(&ns, NFT_MSG_GETGEN, NULL, NULL, gen_cb, &g1) == -1)
			goto nlerr;
		if (r == 0 && g0 == g1) {
			for (f = 0; f < 2; f++)
				if (lv->nl_set[f].ns_nelem > 1)
					qsort(lv->nl_set[f].ns_elem, lv->nl_set[f].ns_nelem,
					    sizeof(*lv->nl_set[f].ns_elem), elem_cmp);
			rc = 0;
			goto out;
		}
	}
	log_error("nft: table inet %s kept changing while it was listed; table "
	    "left unchanged", cfg->c_chain);
	goto out;
nlerr:
	if (quiet) {
		nft_live_free(lv);
		rc = 0;
	} else
		log_error("nft: cannot list table inet %s: %s; table left unchanged",
		    cfg->c_chain, strerror(errno));
out:
	free(json);
	free(ns.ns_buf);
	close(ns.ns_fd);
	return rc;
}

static int
nft_apply(const struct config *cfg, const char *script)
{
	struct nft_ctx	*ctx;
	char		 why[ERRLINE_MAX + 1];
	int		 rc = 0;

	if ((ctx = ctx_new(0)) == NULL)
		return -1;
	if (nft_run_cmd_from_buffer(ctx, script) != 0)
		rc = log_error("nft: the transaction on table inet %s failed: %s; "
		    "nothing of it was applied", cfg->c_chain,
		    first_error(ctx, why, sizeof(why)));
	nft_ctx_free(ctx);
	return rc;
}

int
nft_plan_live(const struct config *cfg, const struct addr *want, const int64_t *end,
    size_t nwant, int64_t now, struct fwplan *plan)
{
	struct nftlive	lv;
	int		rc;

	memset(plan, 0, sizeof(*plan));
	if (list_parse(cfg, &lv) == -1) {
		nft_live_free(&lv);
		return -1;
	}
	rc = nft_plan(cfg, &lv, want, end, nwant, now, plan);
	nft_live_free(&lv);
	return rc;
}

/* Is d a repair of something mailban did not do itself? */
static int
reported(const struct fwdiff *d)
{
	switch (d->d_kind) {
	case FWD_NFT_NOSET: case FWD_NFT_BADSET: case FWD_NFT_NOCHAIN:
	case FWD_NFT_BADCHAIN: case FWD_NFT_FOREIGN: case FWD_NFT_NORULE:
	case FWD_NFT_BADRULE:
		return 1;
	case FWD_NFT_NOTBANNED:
		return d->d_foreign;
	}
	return 0;
}

/*
 * Once a plan is applied: one line for the repairs of what mailban did
 * not do (a missing table only when it had bans to hold).
 */
static void
report_repairs(const struct config *cfg, const struct fwplan *p)
{
	struct buf	b;
	char		line[1024];
	size_t		i, n = 0, shown = 0;

	memset(&b, 0, sizeof(b));
	if (p->fp_ndiff > 0 && p->fp_diff[0].d_kind == FWD_NFT_NOTABLE) {
		if (p->fp_add > 0)
			log_warnx("nft: table inet %s was missing (flushed, deleted or "
			    "new); created it with %zu %s", cfg->c_chain, p->fp_add,
			    p->fp_add == 1 ? "ban" : "bans");
		return;
	}
	for (i = 0; i < p->fp_ndiff; i++) {
		if (!reported(&p->fp_diff[i]))
			continue;
		if (n++ >= 3)
			continue;
		buf_adds(&b, shown++ > 0 ? "; " : "");
		buf_adds(&b, nft_diff_text(cfg, &p->fp_diff[i], line, sizeof(line)));
	}
	if (n == 0)
		return;
	if (n > shown)
		snprintf(line, sizeof(line), "; and %zu more", n - shown);
	else
		line[0] = '\0';
	log_warnx("nft: repaired table inet %s: %s%s", cfg->c_chain, b.b, line);
	free(b.b);
}

int
nft_sync(const struct config *cfg, const struct addr *want, const int64_t *end,
    size_t nwant, int64_t now, FILE *dry, struct fwplan *plan)
{
	struct fwplan	p;
	int		rc = -1;

	if (plan != NULL)
		memset(plan, 0, sizeof(*plan));
	if (nft_plan_live(cfg, want, end, nwant, now, &p) == -1)
		goto out;
	if (dry != NULL) {
		if (p.fp_script != NULL && (fprintf(dry, "# nft -f -\n") < 0 ||
		    fwrite(p.fp_script, 1, p.fp_len, dry) != p.fp_len ||
		    fflush(dry) == EOF)) {
			log_error("cannot write the nft script: %s", strerror(errno));
			goto out;
		}
	} else if (p.fp_script != NULL) {
		if (nft_apply(cfg, p.fp_script) == -1)
			goto out;
		if (cfg->c_backend == BACKEND_NFT)
			report_repairs(cfg, &p);
	}
	rc = 0;
out:
	if (plan != NULL && rc == 0)
		*plan = p;
	else
		firewall_plan_free(&p);
	return rc;
}

int
nft_stop(const struct config *cfg)
{
	struct nftlive	lv;
	struct fwplan	p;
	int		rc = -1;

	memset(&p, 0, sizeof(p));
	if (list_parse(cfg, &lv) == -1 || nft_plan_stop(cfg, &lv, &p) == -1)
		goto out;
	if (p.fp_script != NULL && nft_apply(cfg, p.fp_script) == -1)
		goto out;
	rc = p.fp_script != NULL;
out:
	nft_live_free(&lv);
	firewall_plan_free(&p);
	return rc;
}
