/*
 * test_addr.c -- addr_parse/addr_str/addr_cmp and CIDR lists.
 * Documentation addresses only (RFC 5737, RFC 3849).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"

/* Parse the whole of s and return its canonical text, or "-" if rejected. */
static const char *
canon(const char *s, char *buf, size_t len)
{
	struct addr	a;

	if (addr_parse(s, strlen(s), &a) == -1)
		return "-";
	return addr_str(&a, buf, len);
}

#define assert_canon(in, want) do {					\
	char	b_[ADDR_STRLEN];					\
	assert_string_equal(canon((in), b_, sizeof(b_)), (want));	\
} while (0)

static void
ipv4_dotted_quad_parses(void **state)
{
	struct addr	a;
	static const unsigned char want[4] = { 192, 0, 2, 10 };

	(void)state;
	assert_int_equal(addr_parse("192.0.2.10", 10, &a), 0);
	assert_int_equal(a.a_family, AF_INET);
	assert_memory_equal(a.a_b, want, 4);
	assert_canon("0.0.0.0", "0.0.0.0");
	assert_canon("255.255.255.255", "255.255.255.255");
	assert_canon("[203.0.113.5]", "203.0.113.5");
}

static void
ipv4_shorthand_and_out_of_range_rejected(void **state)
{
	(void)state;
	assert_canon("1.2.3", "-");
	assert_canon("192.0.2", "-");
	assert_canon("999.1.1.1", "-");
	assert_canon("192.0.2.256", "-");
	assert_canon("192.0.2.1.5", "-");
	assert_canon("3221225985", "-");	/* inet_aton would take it */
	assert_canon("0xc0.0.2.1", "-");
	assert_canon("+192.0.2.1", "-");
	assert_canon("192.0.2.-1", "-");
	assert_canon("192..2.1", "-");
}

static void
ipv4_leading_zero_rejected(void **state)
{
	(void)state;
	/* Octal or decimal?  Neither: refused. */
	assert_canon("01.2.3.4", "-");
	assert_canon("192.0.2.010", "-");
	assert_canon("192.000.2.1", "-");
}

static void
garbage_and_whitespace_rejected(void **state)
{
	(void)state;
	assert_canon("", "-");
	assert_canon(" 192.0.2.1", "-");
	assert_canon("192.0.2.1 ", "-");
	assert_canon("mail.example.com", "-");
	assert_canon("localhost", "-");
	assert_canon("[", "-");
	assert_canon("]", "-");
	assert_canon("[]", "-");
	assert_canon("[192.0.2.1", "-");
	assert_canon("192.0.2.1]", "-");
	assert_canon("[[192.0.2.1]]", "-");
	assert_canon("192.0.2.1/24", "-");
}

static void
parse_uses_len_not_nul(void **state)
{
	struct addr	a;
	char		buf[ADDR_STRLEN];
	static const char nul[] = "192.0.2.1\0.5";

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1xyz", 9, &a), 0);
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
	assert_int_equal(addr_parse("192.0.2.15", 9, &a), 0);
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
	assert_int_equal(addr_parse(nul, sizeof(nul) - 1, &a), -1);
	assert_int_equal(addr_parse("192.0.2.1", 0, &a), -1);
}

static void
overlong_text_rejected(void **state)
{
	char		big[4096];
	struct addr	a;

	(void)state;
	memset(big, '1', sizeof(big));
	assert_int_equal(addr_parse(big, sizeof(big), &a), -1);
	/* 45 characters of valid IPv6 with IPv4 tail and brackets. */
	assert_canon("[IPv6:0000:0000:0000:0000:0000:ffff:192.0.2.1]", "192.0.2.1");
}

static void
ipv6_canonical_form(void **state)
{
	(void)state;
	assert_canon("2001:DB8::1", "2001:db8::1");
	assert_canon("2001:db8:0:0:0:0:0:1", "2001:db8::1");
	assert_canon("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1");
	assert_canon("2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::");
	assert_canon("::1", "::1");
	assert_canon("::", "::");
}

static void
ipv6_sendmail_prefix_and_brackets(void **state)
{
	(void)state;
	assert_canon("IPv6:2001:db8::1", "2001:db8::1");
	assert_canon("ipv6:2001:db8::2", "2001:db8::2");
	assert_canon("IPV6:2001:DB8::3", "2001:db8::3");
	assert_canon("[IPv6:2001:db8::4]", "2001:db8::4");
	assert_canon("[2001:db8::5]", "2001:db8::5");
}

static void
ipv6_prefix_requires_ipv6(void **state)
{
	(void)state;
	assert_canon("IPv6:192.0.2.1", "-");
	assert_canon("IPv6:", "-");
	assert_canon("[IPv6:]", "-");
	assert_canon("IPv6:IPv6:2001:db8::1", "-");
	assert_canon("IPv4:192.0.2.1", "-");
}

static void
ipv6_malformed_rejected(void **state)
{
	(void)state;
	assert_canon("::g", "-");
	assert_canon("2001:db8::1::2", "-");
	assert_canon("2001:db8:::1", "-");
	assert_canon("2001:db8:0:0:0:0:0:0:1", "-");
	assert_canon("2001:db8:12345::1", "-");
	assert_canon("2001:db8::1%", "-");
}

static void
ipv6_zone_id_rejected(void **state)
{
	(void)state;
	assert_canon("fe80::1%eth0", "-");
	assert_canon("[fe80::1%25eth0]", "-");
	assert_canon("IPv6:fe80::1%1", "-");
}

static void
ipv4_mapped_becomes_ipv4(void **state)
{
	struct addr	a, b;

	(void)state;
	assert_canon("::ffff:192.0.2.1", "192.0.2.1");
	assert_canon("::FFFF:c000:0201", "192.0.2.1");
	assert_canon("[IPv6:::ffff:198.51.100.7]", "198.51.100.7");
	assert_int_equal(addr_parse("::ffff:192.0.2.1", 16, &a), 0);
	assert_int_equal(a.a_family, AF_INET);
	assert_int_equal(addr_parse("192.0.2.1", 9, &b), 0);
	assert_int_equal(addr_cmp(&a, &b), 0);
	/* Not mapped: these stay IPv6. */
	assert_canon("::fffe:192.0.2.1", "::fffe:c000:201");
	assert_canon("64:ff9b::192.0.2.1", "64:ff9b::c000:201");
}

/* The reason an admin command gives: "300.1.2.3" is no name. */
static void
why_not_tells_invalid_addresses_from_names(void **state)
{
	static const char v4[] = "not a valid IPv4 address (use four numbers 0 to 255, "
	    "such as 192.0.2.7)";
	static const char v6[] = "not a valid IPv6 address (such as 2001:db8::7)";
	static const char name[] = "not an address (mailban never resolves names)";

	(void)state;
	assert_string_equal(addr_why_not("300.1.2.3"), v4);
	assert_string_equal(addr_why_not("192.0.2.300"), v4);
	assert_string_equal(addr_why_not("192.0.2"), v4);
	assert_string_equal(addr_why_not("01.2.3.4"), v4);
	assert_string_equal(addr_why_not("2001:db8:::1"), v6);
	assert_string_equal(addr_why_not("2001:db8::1::2"), v6);
	assert_string_equal(addr_why_not("mail.example.com"), name);
	assert_string_equal(addr_why_not("2001:db8::g"), name);
	assert_string_equal(addr_why_not("192"), name);
	assert_string_equal(addr_why_not(""), name);
}

static void
cmp_orders_family_then_bytes(void **state)
{
	struct addr	a, b, c, d;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", 9, &a), 0);
	assert_int_equal(addr_parse("192.0.2.2", 9, &b), 0);
	assert_int_equal(addr_parse("2001:db8::1", 11, &c), 0);
	assert_int_equal(addr_parse("2001:DB8:0::1", 13, &d), 0);
	assert_true(addr_cmp(&a, &b) < 0);
	assert_true(addr_cmp(&b, &a) > 0);
	assert_int_equal(addr_cmp(&a, &a), 0);
	assert_int_equal(addr_cmp(&c, &d), 0);
	assert_true(addr_cmp(&a, &c) < 0);	/* AF_INET < AF_INET6 */
	assert_true(addr_cmp(&c, &a) > 0);
}

static const char *
cidr_text(const struct cidrlist *cl, size_t i, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%d", addr_str(&cl->cl_v[i].c_net, a, sizeof(a)),
	    cl->cl_v[i].c_prefix);
	return buf;
}

static void
cidr_host_bits_cleared(void **state)
{
	struct cidrlist	cl = { 0 };
	char		buf[64];

	(void)state;
	assert_null(cidrlist_add(&cl, "192.0.2.7/24"));
	assert_null(cidrlist_add(&cl, "198.51.100.77/27"));
	assert_null(cidrlist_add(&cl, "2001:db8:1:2:3::9/48"));
	assert_null(cidrlist_add(&cl, "2001:db8::ff/121"));
	assert_null(cidrlist_add(&cl, "203.0.113.9/0"));
	assert_int_equal(cl.cl_n, 5);
	assert_string_equal(cidr_text(&cl, 0, buf, sizeof(buf)), "192.0.2.0/24");
	assert_string_equal(cidr_text(&cl, 1, buf, sizeof(buf)), "198.51.100.64/27");
	assert_string_equal(cidr_text(&cl, 2, buf, sizeof(buf)), "2001:db8:1::/48");
	assert_string_equal(cidr_text(&cl, 3, buf, sizeof(buf)), "2001:db8::80/121");
	assert_string_equal(cidr_text(&cl, 4, buf, sizeof(buf)), "0.0.0.0/0");
	cidrlist_free(&cl);
}

static void
cidr_plain_address_is_host_prefix(void **state)
{
	struct cidrlist	cl = { 0 };
	char		buf[64];

	(void)state;
	assert_null(cidrlist_add(&cl, "192.0.2.7"));
	assert_null(cidrlist_add(&cl, "2001:DB8::7"));
	assert_null(cidrlist_add(&cl, "::ffff:198.51.100.1"));
	assert_string_equal(cidr_text(&cl, 0, buf, sizeof(buf)), "192.0.2.7/32");
	assert_string_equal(cidr_text(&cl, 1, buf, sizeof(buf)), "2001:db8::7/128");
	assert_string_equal(cidr_text(&cl, 2, buf, sizeof(buf)), "198.51.100.1/32");
	cidrlist_free(&cl);
}

static void
cidr_prefix_range_messages(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/33"),
	    "prefix 33 is out of range (use 0 to 32)");
	assert_string_equal(cidrlist_add(&cl, "2001:db8::/129"),
	    "prefix 129 is out of range (use 0 to 128)");
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/99999999999999"),
	    "prefix 9999999999 is out of range (use 0 to 32)");
	/* Not read as /0, which would whitelist everything. */
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/00000000000000000024"),
	    "prefix 0000000000 is out of range (use 0 to 32)");
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/"),
	    "missing prefix length after / (use 0 to 32)");
	assert_string_equal(cidrlist_add(&cl, "2001:db8::/"),
	    "missing prefix length after / (use 0 to 128)");
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/-1"),
	    "prefix length is not a number (use 0 to 32)");
	assert_string_equal(cidrlist_add(&cl, "192.0.2.0/24/8"),
	    "prefix length is not a number (use 0 to 32)");
	assert_string_equal(cidrlist_add(&cl, "2001:db8::/6 4"),
	    "prefix length is not a number (use 0 to 128)");
	assert_null(cidrlist_add(&cl, "192.0.2.0/32"));
	assert_null(cidrlist_add(&cl, "2001:db8::/128"));
	assert_int_equal(cl.cl_n, 2);
	cidrlist_free(&cl);
}

static void
cidr_bad_address_messages(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_string_equal(cidrlist_add(&cl, ""), "empty address");
	assert_string_equal(cidrlist_add(&cl, NULL), "empty address");
	assert_string_equal(cidrlist_add(&cl, "192.0.2/24"),
	    "not an IPv4 or IPv6 address");
	assert_string_equal(cidrlist_add(&cl, "mx.example.com"),
	    "not an IPv4 or IPv6 address");
	assert_string_equal(cidrlist_add(&cl, "/24"),
	    "not an IPv4 or IPv6 address");
	assert_string_equal(cidrlist_add(&cl, "fe80::1%eth0/64"),
	    "not an IPv4 or IPv6 address");
	assert_int_equal(cl.cl_n, 0);
	cidrlist_free(&cl);
}

static int
contains(const struct cidrlist *cl, const char *s)
{
	struct addr	a;

	if (addr_parse(s, strlen(s), &a) == -1)
		return -1;
	return cidrlist_contains(cl, &a);
}

static void
cidr_contains_ipv4(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_null(cidrlist_add(&cl, "192.0.2.64/27"));
	assert_null(cidrlist_add(&cl, "203.0.113.9"));
	assert_int_equal(contains(&cl, "192.0.2.64"), 1);
	assert_int_equal(contains(&cl, "192.0.2.95"), 1);
	assert_int_equal(contains(&cl, "192.0.2.63"), 0);
	assert_int_equal(contains(&cl, "192.0.2.96"), 0);
	assert_int_equal(contains(&cl, "203.0.113.9"), 1);
	assert_int_equal(contains(&cl, "203.0.113.8"), 0);
	assert_int_equal(contains(&cl, "[IPv6:::ffff:192.0.2.70]"), 1);
	/* An IPv6 address with the same leading bytes is another family. */
	assert_int_equal(contains(&cl, "c000:240::"), 0);
	cidrlist_free(&cl);
}

static void
cidr_contains_ipv6(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_null(cidrlist_add(&cl, "2001:db8:a::/52"));
	assert_null(cidrlist_add(&cl, "::1"));
	assert_int_equal(contains(&cl, "2001:db8:a::1"), 1);
	assert_int_equal(contains(&cl, "2001:db8:a:fff:ffff:ffff:ffff:ffff"), 1);
	assert_int_equal(contains(&cl, "2001:db8:a:1000::"), 0);
	assert_int_equal(contains(&cl, "2001:db8:b::"), 0);
	assert_int_equal(contains(&cl, "IPv6:::1"), 1);
	assert_int_equal(contains(&cl, "::2"), 0);
	assert_int_equal(contains(&cl, "192.0.2.1"), 0);
	cidrlist_free(&cl);
}

static void
cidr_zero_prefix_matches_whole_family(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_null(cidrlist_add(&cl, "0.0.0.0/0"));
	assert_int_equal(contains(&cl, "198.51.100.200"), 1);
	assert_int_equal(contains(&cl, "2001:db8::1"), 0);
	cidrlist_free(&cl);
	assert_null(cidrlist_add(&cl, "::/0"));
	assert_int_equal(contains(&cl, "2001:db8::1"), 1);
	assert_int_equal(contains(&cl, "198.51.100.200"), 0);
	cidrlist_free(&cl);
}

static void
cidr_whitelisted_ipv4_covers_mapped(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	assert_null(cidrlist_add(&cl, "198.51.100.0/24"));
	assert_int_equal(contains(&cl, "::ffff:198.51.100.1"), 1);
	assert_int_equal(contains(&cl, "[IPv6:::FFFF:198.51.100.1]"), 1);
	cidrlist_free(&cl);
}

/*
 * An IPv4-mapped prefix (fail2ban users write ::ffff:0:0/96) is the IPv4
 * network it maps: an IPv4 address matches it as its mapped form.  Its
 * prefix counts in IPv6 bits, so only 96 to 128 can be mapped.
 */
static void
cidr_ipv4_mapped_prefix_is_ipv4(void **state)
{
	struct cidrlist	cl = { 0 };
	char		buf[64];

	(void)state;
	assert_null(cidrlist_add(&cl, "::ffff:0:0/96"));
	assert_null(cidrlist_add(&cl, "::FFFF:198.51.100.77/120"));
	assert_null(cidrlist_add(&cl, "[::ffff:c000:0207]/128"));
	assert_string_equal(cidr_text(&cl, 0, buf, sizeof(buf)), "0.0.0.0/0");
	assert_string_equal(cidr_text(&cl, 1, buf, sizeof(buf)), "198.51.100.0/24");
	assert_string_equal(cidr_text(&cl, 2, buf, sizeof(buf)), "192.0.2.7/32");
	assert_int_equal(contains(&cl, "203.0.113.5"), 1);
	assert_int_equal(contains(&cl, "::ffff:203.0.113.5"), 1);
	assert_int_equal(contains(&cl, "2001:db8::1"), 0);
	cidrlist_free(&cl);
	assert_null(cidrlist_add(&cl, "::ffff:198.51.100.0/120"));
	assert_int_equal(contains(&cl, "198.51.100.200"), 1);
	assert_int_equal(contains(&cl, "198.51.101.1"), 0);
	assert_string_equal(cidrlist_add(&cl, "::ffff:0:0/80"),
	    "prefix 80 is out of range (use 96 to 128 for an IPv4-mapped network)");
	assert_string_equal(cidrlist_add(&cl, "::ffff:0:0/129"),
	    "prefix 129 is out of range (use 96 to 128 for an IPv4-mapped network)");
	assert_string_equal(cidrlist_add(&cl, "::ffff:0:0/"),
	    "missing prefix length after / (use 96 to 128 for an IPv4-mapped network)");
	assert_int_equal(cl.cl_n, 1);
	cidrlist_free(&cl);
}

static void
cidr_grows_past_initial_capacity(void **state)
{
	struct cidrlist	cl = { 0 };
	char		buf[32];
	int		i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "192.0.2.%d", i);
		assert_null(cidrlist_add(&cl, buf));
	}
	assert_int_equal(cl.cl_n, 100);
	assert_int_equal(contains(&cl, "192.0.2.99"), 1);
	assert_int_equal(contains(&cl, "192.0.2.100"), 0);
	cidrlist_free(&cl);
	assert_null(cl.cl_v);
	assert_int_equal(cl.cl_n, 0);
}

static void
cidr_free_and_contains_accept_empty(void **state)
{
	struct cidrlist	cl = { 0 };

	(void)state;
	cidrlist_free(NULL);
	cidrlist_free(&cl);
	assert_int_equal(contains(&cl, "192.0.2.1"), 0);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * addr_parse() reads dotted quads by hand: it must accept exactly what
 * inet_pton(AF_INET) accepts, with the same bytes.  Every octet text from
 * "0" to "999" with up to two leading zeros in every position, and random
 * strings of digits, dots and a few other bytes.
 */
static void
ipv4_parse_agrees_with_inet_pton(void **state)
{
	static const char	 alpha[] = "0123456789....:x -+";
	struct addr		 a;
	unsigned char		 want[4];
	char			 s[32];
	uint64_t		 r = 7;
	int			 v, z, pos, n, i, ok;

	(void)state;
	for (pos = 0; pos < 4; pos++)
		for (z = 0; z < 3; z++)
			for (v = 0; v < 1000; v++) {
				char	oct[16];

				snprintf(oct, sizeof(oct), "%.*s%d", z, "00", v);
				n = snprintf(s, sizeof(s), "%s.%s.%s.%s", pos == 0 ? oct : "192",
				    pos == 1 ? oct : "0", pos == 2 ? oct : "2", pos == 3 ? oct : "7");
				ok = inet_pton(AF_INET, s, want) == 1;
				assert_int_equal(addr_parse(s, (size_t)n, &a) == 0, ok);
				if (ok) {
					assert_int_equal(a.a_family, AF_INET);
					assert_memory_equal(a.a_b, want, 4);
				}
			}
	for (i = 0; i < 200000; i++) {
		n = (int)(rnd(&r) % 20);
		for (v = 0; v < n; v++)
			s[v] = alpha[rnd(&r) % (sizeof(alpha) - 1)];
		s[n] = '\0';
		ok = inet_pton(AF_INET, s, want) == 1;
		if ((addr_parse(s, (size_t)n, &a) == 0 && a.a_family == AF_INET) != ok)
			fail_msg("\"%s\": inet_pton %d", s, ok);
		if (ok)
			assert_memory_equal(a.a_b, want, 4);
	}
}

/* addr_str() prints IPv4 by hand: byte for byte inet_ntop, also the
 * error when the buffer is too small ("?", or nothing in 0 bytes). */
static void
ipv4_str_agrees_with_inet_ntop(void **state)
{
	struct addr	a;
	char		got[ADDR_STRLEN], want[ADDR_STRLEN];
	uint64_t	r = 11;
	size_t		len;
	int		i, v, pos;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.a_family = AF_INET;
	for (i = 0; i < 20000; i++) {
		uint64_t	x = rnd(&r);

		memcpy(a.a_b, &x, 4);
		pos = i % 5;
		if (pos < 4)
			a.a_b[pos] = (unsigned char)(i / 5 % 256);
		for (v = 0; v < 2; v++) {
			len = v == 0 ? sizeof(got) : (size_t)(rnd(&r) % 18);
			memset(got, 'Z', sizeof(got));
			memset(want, 'Z', sizeof(want));
			if (inet_ntop(AF_INET, a.a_b, want, (socklen_t)len) == NULL && len > 0)
				snprintf(want, len, "?");
			addr_str(&a, got, len);
			assert_memory_equal(got, want, sizeof(got));
		}
	}
}

/* --- networks (ban 192.0.2.0/24) ----------------------------------------- */

/* addr_parse_net of s, canonical text, or "-" (and the reason in why). */
static const char *
canon_net(const char *s, char *buf, size_t len)
{
	struct addr	a;

	if (addr_parse_net(s, strlen(s), &a) == -1)
		return "-";
	return addr_str(&a, buf, len);
}

#define assert_net(in, want) do {					\
	char	b_[ADDR_STRLEN];					\
	assert_string_equal(canon_net((in), b_, sizeof(b_)), (want));	\
} while (0)

static void
net_parses_and_prints_canonical(void **state)
{
	struct addr	a;

	(void)state;
	assert_net("192.0.2.0/24", "192.0.2.0/24");
	assert_net("198.51.100.128/25", "198.51.100.128/25");
	assert_net("203.0.113.7", "203.0.113.7");
	assert_net("203.0.113.7/32", "203.0.113.7");	/* a host: one text */
	assert_net("2001:DB8:0:0::/48", "2001:db8::/48");
	assert_net("2001:db8::1/128", "2001:db8::1");
	assert_net("::ffff:192.0.2.0/120", "192.0.2.0/24");
	assert_net("::ffff:192.0.2.9/128", "192.0.2.9");
	assert_net("128.0.0.0/1", "128.0.0.0/1");
	assert_net("8000::/1", "8000::/1");
	/* The longest text still fits ADDR_STRLEN. */
	assert_net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	assert_int_equal(addr_parse_net("192.0.2.0/24", 12, &a), 0);
	assert_int_equal(a.a_prefix, 24);
	assert_int_equal(addr_parse_net("192.0.2.0/24", 9, &a), 0);	/* len, not NUL */
	assert_int_equal(a.a_prefix, 0);
}

static void
net_refusals_say_why(void **state)
{
	(void)state;
	assert_net("192.0.2.5/24", "-");
	assert_string_equal(addr_why_not("192.0.2.5/24"),
	    "not a network: it has host bits set (the network is 192.0.2.0/24)");
	assert_string_equal(addr_why_not("2001:db8::1/32"),
	    "not a network: it has host bits set (the network is 2001:db8::/32)");
	assert_net("0.0.0.0/0", "-");
	assert_net("::/0", "-");
	assert_string_equal(addr_why_not("0.0.0.0/0"),
	    "a network of prefix 0, every address (ban a longer prefix)");
	assert_net("192.0.2.0/33", "-");
	assert_string_equal(addr_why_not("192.0.2.0/33"),
	    "not a network: prefix 33 is out of range (use 0 to 32)");
	assert_net("192.0.2.0/", "-");
	assert_string_equal(addr_why_not("192.0.2.0/"),
	    "not a network: missing prefix length after / (use 0 to 32)");
	assert_net("192.0.2.0/2x", "-");
	assert_net("192.0.2.0/24/8", "-");
	assert_net("300.1.2.3/24", "-");
	assert_string_equal(addr_why_not("300.1.2.3/24"),
	    "not a valid IPv4 address (use four numbers 0 to 255, such as 192.0.2.7)");
	assert_string_equal(addr_why_not("300.1.2.3"),
	    "not a valid IPv4 address (use four numbers 0 to 255, such as 192.0.2.7)");
	assert_string_equal(addr_why_not("2001:db8::12345/48"),
	    "not a valid IPv6 address (such as 2001:db8::7)");
	assert_string_equal(addr_why_not("mail.example.com/24"),
	    "not an address (mailban never resolves names)");
	/* A log line never names a network. */
	assert_canon("192.0.2.0/24", "-");
}

static void
net_cmp_and_overlap(void **state)
{
	struct addr	host, net24, net25, other, six;

	(void)state;
	assert_int_equal(addr_parse_net("192.0.2.0", 9, &host), 0);
	assert_int_equal(addr_parse_net("192.0.2.0/24", 12, &net24), 0);
	assert_int_equal(addr_parse_net("192.0.2.128/25", 14, &net25), 0);
	assert_int_equal(addr_parse_net("198.51.100.0/24", 15, &other), 0);
	assert_int_equal(addr_parse_net("2001:db8::/32", 13, &six), 0);
	/* Same bytes: the address first, then the wider network last. */
	assert_true(addr_cmp(&host, &net24) < 0);
	assert_true(addr_cmp(&net24, &host) > 0);
	assert_int_equal(addr_cmp(&net24, &net24), 0);
	assert_true(addr_overlap(&host, &net24));
	assert_true(addr_overlap(&net24, &net25));
	assert_true(addr_overlap(&net25, &net24));
	assert_false(addr_overlap(&host, &net25));
	assert_false(addr_overlap(&net24, &other));
	assert_false(addr_overlap(&net24, &six));
}

static void
cidr_overlap_and_contains_of_networks(void **state)
{
	struct cidrlist		 cl = { 0 };
	struct addr		 a;
	const struct cidr	*c;

	(void)state;
	assert_null(cidrlist_add(&cl, "192.0.2.64/26"));
	assert_null(cidrlist_add(&cl, "2001:db8:5::/48"));
	/* A /24 around the whitelisted /26: overlaps, not contained. */
	assert_int_equal(addr_parse_net("192.0.2.0/24", 12, &a), 0);
	assert_non_null(c = cidrlist_overlap(&cl, &a));
	assert_int_equal(c->c_prefix, 26);
	assert_false(cidrlist_contains(&cl, &a));
	/* A /27 inside it: both. */
	assert_int_equal(addr_parse_net("192.0.2.96/27", 13, &a), 0);
	assert_non_null(cidrlist_overlap(&cl, &a));
	assert_true(cidrlist_contains(&cl, &a));
	/* Beside it: neither. */
	assert_int_equal(addr_parse_net("192.0.2.128/25", 14, &a), 0);
	assert_null(cidrlist_overlap(&cl, &a));
	assert_false(cidrlist_contains(&cl, &a));
	assert_int_equal(addr_parse_net("2001:db8::/32", 13, &a), 0);
	assert_non_null(c = cidrlist_overlap(&cl, &a));
	assert_int_equal(c->c_prefix, 48);
	assert_int_equal(addr_parse_net("192.0.2.65", 10, &a), 0);
	assert_non_null(cidrlist_overlap(&cl, &a));
	assert_true(cidrlist_contains(&cl, &a));
	cidrlist_free(&cl);
	/* ::ffff:0:0/96 holds every IPv4 network. */
	assert_null(cidrlist_add(&cl, "::ffff:0:0/96"));
	assert_int_equal(addr_parse_net("203.0.113.0/24", 14, &a), 0);
	assert_non_null(cidrlist_overlap(&cl, &a));
	assert_true(cidrlist_contains(&cl, &a));
	assert_null(cidrlist_overlap(NULL, &a));
	cidrlist_free(&cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_dotted_quad_parses),
		cmocka_unit_test(ipv4_shorthand_and_out_of_range_rejected),
		cmocka_unit_test(ipv4_parse_agrees_with_inet_pton),
		cmocka_unit_test(ipv4_str_agrees_with_inet_ntop),
		cmocka_unit_test(ipv4_leading_zero_rejected),
		cmocka_unit_test(garbage_and_whitespace_rejected),
		cmocka_unit_test(parse_uses_len_not_nul),
		cmocka_unit_test(overlong_text_rejected),
		cmocka_unit_test(ipv6_canonical_form),
		cmocka_unit_test(ipv6_sendmail_prefix_and_brackets),
		cmocka_unit_test(ipv6_prefix_requires_ipv6),
		cmocka_unit_test(ipv6_malformed_rejected),
		cmocka_unit_test(ipv6_zone_id_rejected),
		cmocka_unit_test(ipv4_mapped_becomes_ipv4),
		cmocka_unit_test(why_not_tells_invalid_addresses_from_names),
		cmocka_unit_test(cmp_orders_family_then_bytes),
		cmocka_unit_test(cidr_host_bits_cleared),
		cmocka_unit_test(cidr_plain_address_is_host_prefix),
		cmocka_unit_test(cidr_prefix_range_messages),
		cmocka_unit_test(cidr_bad_address_messages),
		cmocka_unit_test(cidr_contains_ipv4),
		cmocka_unit_test(cidr_contains_ipv6),
		cmocka_unit_test(cidr_zero_prefix_matches_whole_family),
		cmocka_unit_test(cidr_whitelisted_ipv4_covers_mapped),
		cmocka_unit_test(cidr_ipv4_mapped_prefix_is_ipv4),
		cmocka_unit_test(cidr_grows_past_initial_capacity),
		cmocka_unit_test(cidr_free_and_contains_accept_empty),
		cmocka_unit_test(net_parses_and_prints_canonical),
		cmocka_unit_test(net_refusals_say_why),
		cmocka_unit_test(net_cmp_and_overlap),
		cmocka_unit_test(cidr_overlap_and_contains_of_networks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
