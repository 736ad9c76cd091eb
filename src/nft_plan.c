/*
 * nft_plan.c -- backend = nft, the pure planner: the live table (struct
 * nftlive) and the wanted bans to struct fwplan, the command text of ONE
 * transaction and the differences `check` prints (nft_diff_text()); the
 * verdicts of blocktype; the helpers the nft files share (nft_int.h).
 * No I/O: nothing here lists or changes nftables.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "nft.h"
#include "nft_int.h"
#include "util.h"

#define ELEM_CHUNK	1000	/* elements per add/delete command */
#define RULETEXT_MAX	400	/* characters of a rule's expression quoted */

struct nwant {
	struct addr	w_addr;
	int64_t		w_end;		/* TIME_FOREVER: permanent */
	size_t		w_pos;		/* index in the caller's list */
	int		w_keep;		/* a live element is kept for it */
	int		w_live;		/* it is in the set (kept or not) */
};

void
nft_buf_add(struct nft_buf *b, const char *s, size_t n)
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

void
nft_buf_adds(struct nft_buf *b, const char *s)
{
	nft_buf_add(b, s, strlen(s));
}

const char *
nft_set_name(int family)
{
	return family == AF_INET6 ? "ban6" : "ban4";
}

/* Quote at most ERRLINE_MAX bytes of foreign text, non-printables as '?'. */
void
nft_excerpt(const char *s, size_t len, char *out, size_t outlen)
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
 * `nft -j list` prints for "ip saddr @ban4 tcp dport PORTS VERDICT", or
 * with net, for "ip saddr NET/N tcp dport PORTS VERDICT".
 */
static char *
rule_expr(int family, const struct addr *net, const long long *port, size_t nport,
    const struct verdict *v)
{
	json_t	*e, *right, *set, *verd, *src;
	char	 setref[8], a[ADDR_STRLEN], *s;
	size_t	 i;

	if (net != NULL) {
		struct addr	base = *net;

		base.a_prefix = 0;
		src = json_pack("{s:{s:s,s:i}}", "prefix", "addr",
		    addr_str(&base, a, sizeof(a)), "len", (int)net->a_prefix);
	} else {
		snprintf(setref, sizeof(setref), "@%s", nft_set_name(family));
		src = json_string(setref);
	}
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
	    src), match("tcp", "dport", right), verd);
	if (e == NULL || (s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		log_error("nft: out of memory building a rule");
		abort();
	}
	json_decref(e);
	return s;
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
int
nft_check_names(const struct config *cfg)
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
	struct nft_buf	*ec_b;
	const char	*ec_verb, *ec_table, *ec_set;
	size_t		 ec_n;
};

static void
elem_put(struct elemcmd *ec, const struct addr *a, long long timeout)
{
	char	s[ADDR_STRLEN], t[48];

	if (ec->ec_n % ELEM_CHUNK == 0) {
		if (ec->ec_n > 0)
			nft_buf_adds(ec->ec_b, " }\n");
		nft_buf_adds(ec->ec_b, ec->ec_verb);
		nft_buf_adds(ec->ec_b, " element inet ");
		nft_buf_adds(ec->ec_b, ec->ec_table);
		nft_buf_adds(ec->ec_b, " ");
		nft_buf_adds(ec->ec_b, ec->ec_set);
		nft_buf_adds(ec->ec_b, " { ");
	} else
		nft_buf_adds(ec->ec_b, ", ");
	nft_buf_adds(ec->ec_b, addr_str(a, s, sizeof(s)));
	if (timeout >= 0) {
		snprintf(t, sizeof(t), " timeout %llds", timeout);
		nft_buf_adds(ec->ec_b, t);
	}
	if (timeout != -2)
		nft_buf_adds(ec->ec_b, " comment \"" OWN_COMMENT "\"");
	ec->ec_n++;
}

static void
elem_end(struct elemcmd *ec)
{
	if (ec->ec_n > 0)
		nft_buf_adds(ec->ec_b, " }\n");
}

static void
put_set(struct nft_buf *b, const char *table, int family)
{
	nft_buf_adds(b, "add set inet ");
	nft_buf_adds(b, table);
	nft_buf_adds(b, family == AF_INET6 ? " ban6 { type ipv6_addr; flags timeout; }\n" :
	    " ban4 { type ipv4_addr; flags timeout; }\n");
}

static void
put_chain(struct nft_buf *b, const char *table)
{
	nft_buf_adds(b, "add chain inet ");
	nft_buf_adds(b, table);
	nft_buf_adds(b, " input { type filter hook input priority filter - 1; "
	    "policy accept; }\n");
}

static void
put_delrule(struct nft_buf *b, const char *table, long long handle)
{
	char	h[48];

	snprintf(h, sizeof(h), " input handle %lld\n", handle);
	nft_buf_adds(b, "delete rule inet ");
	nft_buf_adds(b, table);
	nft_buf_adds(b, h);
}

static void
put_rule(struct nft_buf *b, const struct config *cfg, int family,
    const struct addr *net, const long long *port, size_t nport,
    const struct verdict *v)
{
	char	num[16], vt[64], a[ADDR_STRLEN];
	size_t	i;

	nft_buf_adds(b, "add rule inet ");
	nft_buf_adds(b, cfg->c_chain);
	nft_buf_adds(b, family == AF_INET6 ? " input ip6 saddr " : " input ip saddr ");
	nft_buf_adds(b, net != NULL ? addr_str(net, a, sizeof(a)) :
	    family == AF_INET6 ? "@ban6" : "@ban4");
	nft_buf_adds(b, " tcp dport ");
	if (nport > 1)
		nft_buf_adds(b, "{ ");
	for (i = 0; i < nport; i++) {
		snprintf(num, sizeof(num), "%s%lld", i > 0 ? ", " : "", port[i]);
		nft_buf_adds(b, num);
	}
	if (nport > 1)
		nft_buf_adds(b, " }");
	nft_buf_adds(b, " ");
	nft_buf_adds(b, verdict_text(family, v, vt, sizeof(vt)));
	nft_buf_adds(b, "\n");
}

/* Every wanted element of a family, to add to a new set. */
static void
put_all_elems(struct nft_buf *b, const struct config *cfg, int family,
    const struct nwant *w, size_t nw, int64_t now)
{
	struct elemcmd	ec = { b, "add", cfg->c_chain, nft_set_name(family), 0 };
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
    struct nwant *w, size_t nw, int64_t now, struct nft_buf *del,
    struct nft_buf *add, struct fwplan *out)
{
	struct elemcmd		 ed = { del, "delete", cfg->c_chain, nft_set_name(family), 0 };
	struct elemcmd		 ea = { add, "add", cfg->c_chain, nft_set_name(family), 0 };
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
plan_finish(struct nft_buf *b, struct fwplan *out)
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
	struct nft_buf	b;
	size_t		f;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (!lv->nl_table)
		return 0;
	if (nft_check_names(cfg) == -1)
		return -1;
	nft_buf_adds(&b, "delete table inet ");
	nft_buf_adds(&b, cfg->c_chain);
	nft_buf_adds(&b, "\n");
	for (f = 0; f < 2; f++)
		out->fp_del += lv->nl_set[f].ns_nelem;
	plan_finish(&b, out);
	return 0;
}

/*
 * A rule of chain input shaped as mailban writes a network's ("ip saddr
 * NET/N tcp dport PORTS VERDICT", v[0] IPv4, v[1] IPv6): 1 and its
 * network in *net, else 0.
 */
static int
net_rule_of(const char *expr, const long long *port, size_t nport,
    const struct verdict *v, struct addr *net)
{
	json_t		*e, *m, *pre, *len;
	json_error_t	 err;
	const char	*proto, *a;
	char		 text[ADDR_STRLEN + 8], *want;
	int		 ok = 0, family;

	if ((e = json_loads(expr, 0, &err)) == NULL)
		return 0;
	m = json_object_get(json_array_get(e, 0), "match");
	pre = json_object_get(json_object_get(m, "right"), "prefix");
	proto = json_string_value(json_object_get(json_object_get(json_object_get(m,
	    "left"), "payload"), "protocol"));
	a = json_string_value(json_object_get(pre, "addr"));
	len = json_object_get(pre, "len");
	family = proto == NULL ? 0 : strcmp(proto, "ip") == 0 ? AF_INET :
	    strcmp(proto, "ip6") == 0 ? AF_INET6 : 0;
	if (family != 0 && a != NULL && json_is_integer(len) &&
	    snprintf(text, sizeof(text), "%s/%lld", a,
	    (long long)json_integer_value(len)) < (int)sizeof(text) &&
	    addr_parse_net(text, strlen(text), net) == 0 &&
	    net->a_family == family && net->a_prefix != 0) {
		want = rule_expr(family, net, port, nport, &v[family == AF_INET6]);
		ok = strcmp(want, expr) == 0;
		free(want);
	}
	json_decref(e);
	return ok;
}

int
nft_plan(const struct config *cfg, const struct nftlive *lv, const struct addr *want,
    const int64_t *end, size_t nwant, int64_t now, struct fwplan *out)
{
	static const int	 families[] = { AF_INET, AF_INET6 };
	struct nwant		*w[2] = { NULL, NULL }, *wn[2] = { NULL, NULL };
	struct verdict		 v[2];
	struct nft_buf		 b, del, add;
	struct fwdiff		*d;
	struct addr		 net;
	long long		 port[16];
	char			*expr[2] = { NULL, NULL }, **nexpr[2] = { NULL, NULL };
	size_t			 nw[2] = { 0, 0 }, nn[2] = { 0, 0 }, nport, i, j, k, f;
	int			 rebuild, keep[2] = { 0, 0 }, family, hit;

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
	if (nft_check_names(cfg) == -1)
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
		expr[f] = rule_expr(families[f], NULL, port, nport, &v[f]);
		w[f] = want_build(cfg, families[f], want, end, nwant, &nw[f]);
		/* A network is no element of ban4/ban6 (no interval flag): it
		 * has a rule of its own, with no timeout.  Both stay sorted. */
		wn[f] = xcalloc(nw[f] + 1, sizeof(*wn[f]));
		for (i = 0, k = 0; i < nw[f]; i++) {
			if (w[f][i].w_addr.a_prefix != 0)
				wn[f][nn[f]++] = w[f][i];
			else
				w[f][k++] = w[f][i];
		}
		nw[f] = k;
		nexpr[f] = xcalloc(nn[f] + 1, sizeof(*nexpr[f]));
		for (j = 0; j < nn[f]; j++)
			nexpr[f][j] = rule_expr(families[f], &wn[f][j].w_addr, port,
			    nport, &v[f]);
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

	/* The rules: the first exact one of each set and network is kept. */
	for (i = 0; lv->nl_chain && i < lv->nl_nrule; i++) {
		for (f = 0; f < 2; f++)
			if (!keep[f] && strcmp(lv->nl_rule[i].nr_expr, expr[f]) == 0)
				break;
		if (f < 2) {
			keep[f] = 1;
			continue;
		}
		for (f = 0, hit = 0; f < 2 && !hit; f++)
			for (j = 0; j < nn[f] && !hit; j++)
				if (!wn[f][j].w_keep &&
				    strcmp(lv->nl_rule[i].nr_expr, nexpr[f][j]) == 0)
					hit = wn[f][j].w_keep = 1;
		if (hit)
			continue;
		if (net_rule_of(lv->nl_rule[i].nr_expr, port, nport, v, &net)) {
			d = diff_add(out, FWD_NFT_NETNOTBANNED, net.a_family, &net);
			out->fp_del++;
		} else {
			d = diff_add(out, FWD_NFT_BADRULE, 0, NULL);
			d->d_rule = xstrdup(lv->nl_rule[i].nr_expr);
		}
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
	for (f = 0; f < 2; f++)
		for (j = 0; j < nn[f]; j++)
			if (!wn[f][j].w_keep) {
				diff_add(out, FWD_NFT_NETMISSING, families[f],
				    &wn[f][j].w_addr);
				out->fp_add++;
			}

	if (!lv->nl_table || rebuild) {
		/* Everything, from nothing: no half-known state is patched. */
		b.len = 0;
		if (rebuild) {
			nft_buf_adds(&b, "delete table inet ");
			nft_buf_adds(&b, cfg->c_chain);
			nft_buf_adds(&b, "\n");
		}
		nft_buf_adds(&b, "add table inet ");
		nft_buf_adds(&b, cfg->c_chain);
		nft_buf_adds(&b, "\n");
		for (f = 0; f < 2; f++)
			put_set(&b, cfg->c_chain, families[f]);
		put_chain(&b, cfg->c_chain);
		for (f = 0; f < 2; f++)
			put_rule(&b, cfg, families[f], NULL, port, nport, &v[f]);
		for (f = 0; f < 2; f++)
			for (j = 0; j < nn[f]; j++)
				put_rule(&b, cfg, families[f], &wn[f][j].w_addr, port,
				    nport, &v[f]);
		for (f = 0; f < 2; f++)
			put_all_elems(&b, cfg, families[f], w[f], nw[f], now);
	} else {
		if (del.len > 0)
			nft_buf_add(&b, del.b, del.len);
		for (f = 0; f < 2; f++)
			if (!lv->nl_set[f].ns_exists)
				put_set(&b, cfg->c_chain, families[f]);
		if (!lv->nl_chain)
			put_chain(&b, cfg->c_chain);
		for (f = 0; f < 2; f++)
			if (!keep[f])
				put_rule(&b, cfg, families[f], NULL, port, nport, &v[f]);
		for (f = 0; f < 2; f++)
			for (j = 0; j < nn[f]; j++)
				if (!wn[f][j].w_keep)
					put_rule(&b, cfg, families[f], &wn[f][j].w_addr,
					    port, nport, &v[f]);
		if (add.len > 0)
			nft_buf_add(&b, add.b, add.len);
	}
	plan_finish(&b, out);
	for (f = 0; f < 2; f++) {
		free(expr[f]);
		free(w[f]);
		for (j = 0; j < nn[f]; j++)
			free(nexpr[f][j]);
		free(nexpr[f]);
		free(wn[f]);
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
	const char	*t = cfg->c_chain, *set = nft_set_name(d->d_addr.a_family);
	char		 a[ADDR_STRLEN], ex[RULETEXT_MAX + 1], s1[32], s2[32];
	int		 n = -1;

	addr_str(&d->d_addr, a, sizeof(a));
	nft_excerpt(d->d_rule != NULL ? d->d_rule : "", d->d_rule != NULL ?
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
	case FWD_NFT_NETMISSING:
		n = snprintf(buf, len, "%s is banned but has no rule in chain input", a);
		break;
	case FWD_NFT_NETNOTBANNED:
		n = snprintf(buf, len, "a rule in chain input bans %s, which is not "
		    "banned", a);
		break;
	}
	if (n < 0)
		snprintf(buf, len, "internal error: difference of kind %d", d->d_kind);
	return buf;
}

