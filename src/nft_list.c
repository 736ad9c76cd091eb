/*
 * nft_list.c -- backend = nft, the live table into struct nftlive: the
 * JSON text of libnftables' terse listing parsed with jansson
 * (nft_parse()), and the elements of ban4 and ban6 dumped by netlink
 * (NFT_MSG_GETSETELEM), all of one ruleset generation (nft_list_parse()).
 * The parsing is pure; only nft_list_parse() talks to the kernel.
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

#include "log.h"
#include "nft.h"
#include "nft_int.h"
#include "util.h"

/* --- parsing the listing ---------------------------------------------- */

static int
fidx(int family)
{
	return family == AF_INET6;
}

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
	nft_excerpt(buf, strlen(buf), buf, sizeof(buf));
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
 * family AF_UNSPEC, and nft_parse_json() marks its set odd.
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

int
nft_parse_json(const struct config *cfg, const char *json, size_t len, int ours,
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

		nft_excerpt(err.text, strlen(err.text), ex, sizeof(ex));
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
	return nft_parse_json(cfg, json, len, 0, out);
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

/* --- the elements, by netlink ----------------------------------------- */

#define NL_BUFSIZE	65536

struct nlsock {
	int		 ns_fd;
	uint32_t	 ns_seq;
	char		*ns_buf;	/* NL_BUFSIZE */
};

void
nft_nla_put(char *req, size_t *off, uint16_t type, const void *v, size_t n)
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
int
nft_nl_replies(uint32_t seq, const char *buf, size_t n,
    const struct sockaddr_nl *from, int (*cb)(void *, const struct nlmsghdr *),
    void *arg, int *intr)
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
	ng->nfgen_family = table != NULL ? NFPROTO_INET : AF_UNSPEC;
	ng->version = NFNETLINK_V0;
	if (table != NULL && set == NULL) {	/* one table, by name */
		if (strlen(table) >= NFT_NAME_MAXLEN) {
			errno = ENAMETOOLONG;
			return -1;
		}
		nft_nla_put(req, &off, NFTA_TABLE_NAME, table, strlen(table) + 1);
	} else if (set != NULL) {
		if (strlen(table) >= NFT_NAME_MAXLEN || strlen(set) >= NFT_NAME_MAXLEN) {
			errno = ENAMETOOLONG;
			return -1;
		}
		nft_nla_put(req, &off, NFTA_SET_ELEM_LIST_TABLE, table, strlen(table) + 1);
		nft_nla_put(req, &off, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
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
		if ((rc = nft_nl_replies(ns->ns_seq, ns->ns_buf, (size_t)n, &sa, cb, arg,
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

/* NFT_MSG_GETTABLE answered: the table exists. */
static int
table_cb(void *arg, const struct nlmsghdr *r)
{
	(void)r;
	*(int *)arg = 1;
	return 0;
}

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

/*
 * One element as `nft -j` lists it: "expires" (seconds left, rounded
 * down) if not 0, else "timeout", else none; own when its comment (user
 * data of type 0, NUL-terminated) is "mailban".  One that is not a plain
 * address of the set's family (no key, a flag such as catch-all, a key
 * of another length, ::ffff:a.b.c.d in ban6) is skipped and sets ea_odd.
 */
static int
elem_one(struct nft_elemarg *ea, const char *p, size_t len)
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

int
nft_elem_cb(void *arg, const struct nlmsghdr *r)
{
	const struct nlattr	*tb[NFTA_SET_ELEM_LIST_MAX + 1], *a;
	struct nft_elemarg		*ea = arg;
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
void
nft_elem_begin(struct nft_elemarg *ea, struct nftset *ns, int family)
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
int
nft_list_parse(const struct config *cfg, struct nftlive *lv)
{
	static const int	 families[] = { AF_INET, AF_INET6 };
	struct nlsock		 ns;
	struct nft_elemarg		 ea;
	char			*json = NULL;
	uint32_t		 g0, g1;
	int			 quiet = cfg->c_backend != BACKEND_NFT, rc = -1, r, tries;
	size_t			 f;

	memset(lv, 0, sizeof(*lv));
	memset(&ns, 0, sizeof(ns));
	if (nft_check_names(cfg) == -1)
		return quiet ? 0 : -1;
	if ((ns.ns_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_NETFILTER)) == -1) {
		if (quiet)
			return 0;
		return log_error("nft: cannot list table inet %s: %s; table left "
		    "unchanged", cfg->c_chain, strerror(errno));
	}
	ns.ns_buf = xmalloc(NL_BUFSIZE);
	/*
	 * With another backend, most runs find no table to remove: ask the
	 * kernel for that one table first.  libnftables would fetch the whole
	 * ruleset for any listing, iptables-nft's rules included (~100 ms
	 * with 10,000 bans in the chain).
	 */
	if (quiet) {
		int	found = 0;

		if (nl_talk(&ns, NFT_MSG_GETTABLE, cfg->c_chain, NULL, table_cb,
		    &found) == -1 || !found) {
			rc = 0;		/* none, or nftables unusable: none */
			goto out;
		}
	}
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
		if (nft_parse_json(cfg, json, strlen(json), 1, lv) == -1)
			goto out;
		r = 0;
		memset(&ea, 0, sizeof(ea));
		for (f = 0; f < 2 && r == 0; f++) {
			if (!lv->nl_set[f].ns_exists || !lv->nl_set[f].ns_ok)
				continue;
			nft_elem_begin(&ea, &lv->nl_set[f], families[f]);
			r = nl_talk(&ns, NFT_MSG_GETSETELEM, cfg->c_chain,
			    nft_set_name(families[f]), nft_elem_cb, &ea);
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

