/*
 * addr.h -- IP addresses and CIDR lists.  No I/O, no DNS, ever.
 * An address that reaches the firewall has been through addr_parse() and
 * is printed by addr_str() (inet_ntop), so only canonical text is emitted.
 */
#ifndef MAILBAN_ADDR_H
#define MAILBAN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN; "/128" fits too: the
				 * longest inet_ntop text is 39 */

struct addr {
	int		a_family;	/* AF_INET or AF_INET6 */
	unsigned char	a_b[16];	/* network order; IPv4 uses the first 4 */
	unsigned char	a_prefix;	/* 0: one address; else a network of
					 * that many bits (1-31, 1-127), its
					 * host bits zero (addr_parse_net) */
};

/*
 * Parse s[0..len): IPv4 dotted quad (exactly 4 decimal parts, each 0-255,
 * no leading '+'), or IPv6, optionally prefixed "IPv6:" (sendmail) and/or
 * enclosed in [ ].  IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes AF_INET.
 * Returns 0, or -1 if it is not exactly one address (no hostnames).
 */
int		 addr_parse(const char *s, size_t len, struct addr *out);
/*
 * What a ban may name: an address as addr_parse() takes it, or a network
 * "ADDR/N" (N 1-32, 1-128; 96-128 for ::ffff:a.b.c.d, the IPv4 network of
 * N - 96 bits) with its host bits zero.  /32 (/128) is the address itself
 * (a_prefix 0), so each ban has one text.  0, or -1 (addr_why_not says
 * why).  Log lines never name networks: they go through addr_parse().
 */
int		 addr_parse_net(const char *s, size_t len, struct addr *out);
/* Canonical text (lower-case, compressed IPv6), "/N" after a network.
 * buf >= ADDR_STRLEN. */
const char	*addr_str(const struct addr *, char *buf, size_t len);
/* By family, then bytes, then prefix (an address before its network). */
int		 addr_cmp(const struct addr *, const struct addr *);
/* Why s, refused by addr_parse_net(), is not an address or a network, for
 * a message that goes on after "is ": an invalid IPv4 or IPv6 address, a
 * name, or a network with a bad prefix or host bits set (the network
 * meant is named).  Valid until the next call. */
const char	*addr_why_not(const char *s);
/* Do the addresses of a and b (each one address or a network) meet? */
int		 addr_overlap(const struct addr *a, const struct addr *b);

struct cidr {
	struct addr	c_net;		/* host bits cleared */
	int		c_prefix;	/* 0-32 or 0-128 */
};

struct cidrlist {
	struct cidr	*cl_v;
	size_t		 cl_n, cl_cap;
};

/* Add "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n".  An IPv4-mapped network
 * "::ffff:a.b.c.d/n" (n 96 to 128) is stored as the IPv4 network a.b.c.d/
 * (n - 96), so "::ffff:0:0/96" holds every IPv4 address.  NULL or a
 * reason ("prefix 33 is out of range (use 0 to 32)"). */
const char	*cidrlist_add(struct cidrlist *, const char *text);
int		 cidrlist_contains(const struct cidrlist *, const struct addr *);
/* The first entry that holds an address of a (an address or a network),
 * or NULL. */
const struct cidr *cidrlist_overlap(const struct cidrlist *, const struct addr *);
void		 cidrlist_free(struct cidrlist *);	/* NULL is fine */

#endif
