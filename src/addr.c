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

const char *
addr_str(const struct addr *a, char *buf, size_t len)
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
addr_why_not(const char *s)
{
	size_t	n = strlen(s);

	if (n > 0 && strspn(s, "0123456789./") == n && strchr(s, '.') != NULL)
		return "not a valid IPv4 address (use four numbers 0 to 255, such as "
		    "192.0.2.7)";
	if (n > 0 && strspn(s, "0123456789abcdefABCDEF:./[]") == n && strchr(s, ':') != NULL)
		return "not a valid IPv6 address (such as 2001:db8::7)";
	return "not an address (mailban never resolves names)";
}

static size_t
addr_len(const struct addr *a)
{
	return a->a_family == AF_INET ? 4 : 16;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->a_family != b->a_family)
		return a->a_family < b->a_family ? -1 : 1;
	return memcmp(a->a_b, b->a_b, addr_len(a));
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
	return (a[full] & mask) == net[full];
}

const char *
cidrlist_add(struct cidrlist *cl, const char *text)
{
	const char	*slash, *range;
	struct cidr	 c;
	size_t		 alen, i;
	int		 max, min, prefix, mapped;

	if (text == NULL || *text == '\0')
		return "empty address";
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	memset(&c, 0, sizeof(c));
	if (addr_parse(text, alen, &c.c_net) == -1)
		return "not an IPv4 or IPv6 address";
	/* ::ffff:a.b.c.d/N: an IPv4 network written in IPv6 bits. */
	mapped = c.c_net.a_family == AF_INET && memchr(text, ':', alen) != NULL;
	max = c.c_net.a_family == AF_INET && !mapped ? 32 : 128;
	min = mapped ? 96 : 0;
	range = mapped ? "96 to 128 for an IPv4-mapped network" :
	    max == 32 ? "0 to 32" : "0 to 128";
	prefix = max;
	if (slash != NULL) {
		const char	*p = slash + 1;
		/* The reasons below name the range, and the number as written
		 * (at most 10 digits), in a buffer valid until the next call. */
		static char	why[96];
		int		n;

		if (*p == '\0') {
			n = snprintf(why, sizeof(why), "missing prefix length after / "
			    "(use %s)", range);
			return n < 0 || (size_t)n >= sizeof(why) ? "missing prefix" : why;
		}
		/* Three digits at most: anything longer is out of range anyway. */
		prefix = 0;
		for (i = 0; p[i] != '\0'; i++) {
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
	c.c_prefix = prefix;
	/* Clear the host bits: "192.0.2.7/24" means 192.0.2.0/24. */
	for (i = 0; i < addr_len(&c.c_net); i++) {
		int	bits = prefix - (int)i * 8;

		if (bits <= 0)
			c.c_net.a_b[i] = 0;
		else if (bits < 8)
			c.c_net.a_b[i] &= (unsigned char)(0xff << (8 - bits));
	}
	if (cl->cl_n == cl->cl_cap) {
		cl->cl_cap = cl->cl_cap ? cl->cl_cap * 2 : 8;
		cl->cl_v = xreallocarray(cl->cl_v, cl->cl_cap, sizeof(*cl->cl_v));
	}
	cl->cl_v[cl->cl_n++] = c;
	return NULL;
}

int
cidrlist_contains(const struct cidrlist *cl, const struct addr *a)
{
	size_t	i;

	if (cl == NULL)
		return 0;
	for (i = 0; i < cl->cl_n; i++) {
		const struct cidr *c = &cl->cl_v[i];

		if (c->c_net.a_family == a->a_family &&
		    prefix_match(a->a_b, c->c_net.a_b, c->c_prefix))
			return 1;
	}
	return 0;
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
