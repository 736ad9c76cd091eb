/*
 * addr.c -- parse, print and compare IP addresses; CIDR lists.
 * Input: bytes from a log line or the config, never trusted.
 * Parsing is inet_pton(3) and nothing else, so what passes is exactly one
 * numeric address: no host names, no DNS, no zone ids ("%eth0"), no
 * shorthand IPv4 ("1.2.3", "0x7f.1"), no leading zeros ("01.2.3.4": glibc's
 * inet_pton refuses them, which also keeps octal-vs-decimal ambiguity out).
 * Invariants: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as
 * AF_INET, so each host has exactly one form; a cidr's host bits are zero.
 * Speed: a dotted quad is parsed and printed here by hand, exactly as
 * inet_pton/inet_ntop do (the unit tests compare them on every octet
 * form); glibc's inet_ntop formats through sprintf, which cost more than
 * the SQLite insert of the failure it named.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

/* Longest text inet_pton could accept, plus "[IPv6:" "]" and slack. */
#define ADDR_TEXTMAX	64

static const char	*parse_cidr(const char *, size_t, struct cidr *, int *);

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * inet_pton(AF_INET) of s[0..len): exactly four decimal parts 0-255
 * separated by '.', no leading zero, nothing else.  1 ok, 0 not.
 */
static int
pton4(const char *s, size_t len, unsigned char *b)
{
	const char	*end = s + len;
	unsigned	 v;
	int		 part;

	for (part = 0; part < 4; part++) {
		if (s == end || *s < '0' || *s > '9')
			return 0;
		v = (unsigned)(*s++ - '0');
		if (v == 0 && s < end && *s >= '0' && *s <= '9')
			return 0;	/* a leading zero */
		while (s < end && *s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (v > 255)
				return 0;
		}
		b[part] = (unsigned char)v;
		if (part < 3 && (s == end || *s++ != '.'))
			return 0;
	}
	return s == end;
}

int
addr_parse(const char *s, size_t len, struct addr *out)
{
	char		 buf[ADDR_TEXTMAX];
	unsigned char	 b6[16];
	int		 v6only = 0;

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	/* sendmail writes IPv6 peers as "IPv6:2001:db8::1". */
	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
		v6only = 1;
	}
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';

	memset(out, 0, sizeof(*out));
	if (!v6only && pton4(s, len, out->a_b)) {
		out->a_family = AF_INET;
		return 0;
	}
	if (strchr(buf, '%') != NULL || inet_pton(AF_INET6, buf, b6) != 1)
		return -1;
	if (memcmp(b6, v4mapped, sizeof(v4mapped)) == 0) {
		out->a_family = AF_INET;
		memcpy(out->a_b, b6 + 12, 4);
	} else {
		out->a_family = AF_INET6;
		memcpy(out->a_b, b6, 16);
	}
	return 0;
}

static const char *
host_str(const struct addr *a, char *buf, size_t len)
{
	if (a->a_family == AF_INET) {
		char	tmp[16], *p = tmp;
		int	i;

		for (i = 0; i < 4; i++) {
			unsigned	v = a->a_b[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		/* As inet_ntop: the whole text and its NUL, or an error. */
		if ((size_t)(p - tmp) <= len) {
			memcpy(buf, tmp, (size_t)(p - tmp));
			return buf;
		}
		if (len > 0)
			snprintf(buf, len, "?");
		return buf;
	}
	if ((a->a_family != AF_INET && a->a_family != AF_INET6) ||
	    inet_ntop(a->a_family, a->a_b, buf, len) == NULL) {
		/* Only a programming error gets here; make it visible. */
		if (len > 0)
			snprintf(buf, len, "?");
		return buf;
	}
	return buf;
}

const char *
addr_str(const struct addr *a, char *buf, size_t len)
{
	size_t	n;
	int	w;

	host_str(a, buf, len);
	if (a->a_prefix == 0 || len == 0 || buf[0] == '?')
		return buf;
	n = strlen(buf);
	w = snprintf(buf + n, len - n, "/%u", a->a_prefix);
	if (w < 0 || (size_t)w >= len - n)
		snprintf(buf, len, "?");
	return buf;
}

const char *
addr_why_not(const char *s)
{
	static char	 why[160];
	const char	*slash = strchr(s, '/'), *r;
	struct cidr	 c;
	char		 net[ADDR_STRLEN];
	size_t		 n = strlen(s);
	int		 hostbits;

	/* The address before "/" is good: the prefix or the host bits are not. */
	if (slash != NULL && addr_parse(s, (size_t)(slash - s), &c.c_net) == 0) {
		if ((r = parse_cidr(s, n, &c, &hostbits)) != NULL)
			snprintf(why, sizeof(why), "not a network: %s", r);
		else if (c.c_prefix == 0)
			return "a network of prefix 0, every address (ban a "
			    "longer prefix)";
		else {
			c.c_net.a_prefix = (unsigned char)c.c_prefix;
			snprintf(why, sizeof(why), "not a network: it has host bits "
			    "set (the network is %s)", addr_str(&c.c_net, net,
			    sizeof(net)));
		}
		return why;
	}
	if (slash != NULL)
		n = (size_t)(slash - s);

	if (n > 0 && strspn(s, "0123456789.") >= n && memchr(s, '.', n) != NULL)
		return "not a valid IPv4 address (use four numbers 0 to 255, such as "
		    "192.0.2.7)";
	if (n > 0 && strspn(s, "0123456789abcdefABCDEF:.[]") >= n && memchr(s, ':', n) != NULL)
		return "not a valid IPv6 address (such as 2001:db8::7)";
	return "not an address (mailban never resolves names)";
}

static size_t
addr_len(const struct addr *a)
{
	return a->a_family == AF_INET ? 4 : 16;
}

/* The bits a covers: its prefix, or the whole address. */
static int
addr_bits(const struct addr *a)
{
	return a->a_prefix != 0 ? a->a_prefix : (int)addr_len(a) * 8;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	int	c;

	if (a->a_family != b->a_family)
		return a->a_family < b->a_family ? -1 : 1;
	if ((c = memcmp(a->a_b, b->a_b, addr_len(a))) != 0)
		return c;
	return addr_bits(a) > addr_bits(b) ? -1 : addr_bits(a) < addr_bits(b);
}

/* Does a agree with net on the first prefix bits? */
static int
prefix_match(const unsigned char *a, const unsigned char *net, int prefix)
{
	int		full = prefix / 8, rest = prefix % 8;
	unsigned char	mask;

	if (memcmp(a, net, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

int
addr_overlap(const struct addr *a, const struct addr *b)
{
	int	ba = addr_bits(a), bb = addr_bits(b);

	return a->a_family == b->a_family &&
	    prefix_match(a->a_b, b->a_b, ba < bb ? ba : bb);
}

/*
 * text[0..tlen) as "ADDR" or "ADDR/N" into c: the address parsed, c_prefix
 * the prefix (the address's full length without "/"), an IPv4-mapped
 * network as its IPv4 one.  *hostbits: bits set past the prefix (cleared
 * in c).  NULL, or the reason, in a buffer valid until the next call.
 */
static const char *
parse_cidr(const char *text, size_t tlen, struct cidr *c, int *hostbits)
{
	/* The reasons name the range, and the number as written (at most 10
	 * digits). */
	static char	 why[96];
	const char	*slash, *range, *p, *end = text + tlen;
	size_t		 alen, i;
	int		 max, min, prefix, mapped, n;

	*hostbits = 0;
	memset(c, 0, sizeof(*c));
	if (tlen == 0)
		return "empty address";
	slash = memchr(text, '/', tlen);
	alen = slash != NULL ? (size_t)(slash - text) : tlen;
	if (addr_parse(text, alen, &c->c_net) == -1)
		return "not an IPv4 or IPv6 address";
	/* ::ffff:a.b.c.d/N: an IPv4 network written in IPv6 bits. */
	mapped = c->c_net.a_family == AF_INET && memchr(text, ':', alen) != NULL;
	max = c->c_net.a_family == AF_INET && !mapped ? 32 : 128;
	min = mapped ? 96 : 0;
	range = mapped ? "96 to 128 for an IPv4-mapped network" :
	    max == 32 ? "0 to 32" : "0 to 128";
	prefix = max;
	if (slash != NULL) {
		p = slash + 1;
		if (p == end) {
			n = snprintf(why, sizeof(why), "missing prefix length after / "
			    "(use %s)", range);
			return n < 0 || (size_t)n >= sizeof(why) ? "missing prefix" : why;
		}
		/* Three digits at most: anything longer is out of range anyway. */
		prefix = 0;
		for (i = 0; p + i < end; i++) {
			if (p[i] < '0' || p[i] > '9') {
				n = snprintf(why, sizeof(why), "prefix length is not a "
				    "number (use %s)", range);
				return n < 0 || (size_t)n >= sizeof(why) ?
				    "prefix length is not a number" : why;
			}
			if (i < 4)
				prefix = prefix * 10 + (p[i] - '0');
		}
		if (i > 3 || prefix > max || prefix < min) {
			n = snprintf(why, sizeof(why),
			    "prefix %.*s is out of range (use %s)",
			    i > 10 ? 10 : (int)i, p, range);
			if (n < 0 || (size_t)n >= sizeof(why))
				return "prefix is out of range";
			return why;
		}
	}
	if (mapped)
		prefix -= 96;
	c->c_prefix = prefix;
	/* Clear the host bits: "192.0.2.7/24" means 192.0.2.0/24. */
	for (i = 0; i < addr_len(&c->c_net); i++) {
		int		bits = prefix - (int)i * 8;
		unsigned char	keep = bits <= 0 ? 0 : bits < 8 ?
				    (unsigned char)(0xff << (8 - bits)) : 0xff;

		if ((c->c_net.a_b[i] & (unsigned char)~keep) != 0)
			*hostbits = 1;
		c->c_net.a_b[i] &= keep;
	}
	return NULL;
}

const char *
cidrlist_add(struct cidrlist *cl, const char *text)
{
	const char	*why;
	struct cidr	 c;
	int		 hostbits;

	if (text == NULL)
		return "empty address";
	if ((why = parse_cidr(text, strlen(text), &c, &hostbits)) != NULL)
		return why;
	if (cl->cl_n == cl->cl_cap) {
		cl->cl_cap = cl->cl_cap ? cl->cl_cap * 2 : 8;
		cl->cl_v = xreallocarray(cl->cl_v, cl->cl_cap, sizeof(*cl->cl_v));
	}
	cl->cl_v[cl->cl_n++] = c;
	return NULL;
}

int
addr_parse_net(const char *s, size_t len, struct addr *out)
{
	struct cidr	c;
	int		hostbits;

	if (memchr(s, '/', len) == NULL)
		return addr_parse(s, len, out);
	if (parse_cidr(s, len, &c, &hostbits) != NULL || hostbits ||
	    c.c_prefix == 0)
		return -1;
	*out = c.c_net;
	if (c.c_prefix < (int)addr_len(out) * 8)
		out->a_prefix = (unsigned char)c.c_prefix;
	return 0;
}

int
cidrlist_contains(const struct cidrlist *cl, const struct addr *a)
{
	size_t	i;

	if (cl == NULL)
		return 0;
	for (i = 0; i < cl->cl_n; i++) {
		const struct cidr *c = &cl->cl_v[i];

		if (c->c_net.a_family == a->a_family && c->c_prefix <= addr_bits(a) &&
		    prefix_match(a->a_b, c->c_net.a_b, c->c_prefix))
			return 1;
	}
	return 0;
}

const struct cidr *
cidrlist_overlap(const struct cidrlist *cl, const struct addr *a)
{
	struct addr	net;
	size_t		i;

	for (i = 0; cl != NULL && i < cl->cl_n; i++) {
		net = cl->cl_v[i].c_net;
		net.a_prefix = (unsigned char)cl->cl_v[i].c_prefix;
		if (net.a_family == a->a_family &&
		    (cl->cl_v[i].c_prefix == 0 || addr_overlap(&net, a)))
			return &cl->cl_v[i];
	}
	return NULL;
}

void
cidrlist_free(struct cidrlist *cl)
{
	if (cl == NULL)
		return;
	free(cl->cl_v);
	cl->cl_v = NULL;
	cl->cl_n = cl->cl_cap = 0;
}
