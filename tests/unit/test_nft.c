/*
 * test_nft.c -- the nft planner: JSON listings (as nft 1.0.6 prints them
 * for `nft -j list table inet fail2ban-mail`) and wanted bans in, the
 * command text and the differences (as check prints them) out; and the
 * netlink side (element dumps, replies) fed with messages built here.
 * Pure: no nftables is touched.  Documentation addresses only.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "config.h"
#include "firewall.h"
#include "nft.h"
/* The netlink side, fed with messages built here. */
#include "nft_int.h"
#include "util.h"

#define NOW	1795687200LL	/* 2026-11-26T10:00:00Z */

#define META	"{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": " \
		"\"Lester Gooch #5\", \"json_schema_version\": 1}}"
#define TABLE	"{\"table\": {\"family\": \"inet\", \"name\": \"fail2ban-mail\", " \
		"\"handle\": 1}}"
#define SET(name, type, elems) "{\"set\": {\"family\": \"inet\", \"name\": \"" name \
		"\", \"table\": \"fail2ban-mail\", \"type\": \"" type "\", " \
		"\"handle\": 2, \"flags\": [\"timeout\"]" elems "}}"
#define ELEMS(...) ", \"elem\": [" __VA_ARGS__ "]"
#define EL(a, t, e) "{\"elem\": {\"val\": \"" a "\", \"timeout\": " #t \
		", \"expires\": " #e ", \"comment\": \"mailban\"}}"
#define ELP(a)	"{\"elem\": {\"val\": \"" a "\", \"comment\": \"mailban\"}}"
#define CHAIN	"{\"chain\": {\"family\": \"inet\", \"table\": \"fail2ban-mail\", " \
		"\"name\": \"input\", \"handle\": 3, \"type\": \"filter\", \"hook\": " \
		"\"input\", \"prio\": -1, \"policy\": \"accept\"}}"
#define RULE(h, expr) "{\"rule\": {\"family\": \"inet\", \"table\": \"fail2ban-mail\", " \
		"\"chain\": \"input\", \"handle\": " #h ", \"expr\": " expr "}}"
#define EXPR4	"[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": " \
		"\"ip\", \"field\": \"saddr\"}}, \"right\": \"@ban4\"}}, {\"match\": " \
		"{\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", " \
		"\"field\": \"dport\"}}, \"right\": 25}}, {\"reject\": {\"type\": " \
		"\"tcp reset\"}}]"
#define EXPR6	"[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": " \
		"\"ip6\", \"field\": \"saddr\"}}, \"right\": \"@ban6\"}}, {\"match\": " \
		"{\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", " \
		"\"field\": \"dport\"}}, \"right\": 25}}, {\"reject\": {\"type\": " \
		"\"icmpv6\", \"expr\": \"port-unreachable\"}}]"
#define LIST(...) "{\"nftables\": [" META ", " __VA_ARGS__ "]}"
/* In sync with bans of 192.0.2.1 (1 h left) and 2001:db8::1 (permanent). */
#define INSYNC	LIST(TABLE ", " SET("ban4", "ipv4_addr", ELEMS(EL("192.0.2.1", 3600, 3599))) \
		", " SET("ban6", "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", " CHAIN \
		", " RULE(4, EXPR4) ", " RULE(5, EXPR6))

#define T	"inet fail2ban-mail"
#define RULE4	"add rule " T " input ip saddr @ban4 tcp dport 25 reject with tcp reset\n"
#define RULE6	"add rule " T " input ip6 saddr @ban6 tcp dport 25 reject with " \
		"icmpv6 type port-unreachable\n"
#define CREATE	"add table " T "\n" \
		"add set " T " ban4 { type ipv4_addr; flags timeout; }\n" \
		"add set " T " ban6 { type ipv6_addr; flags timeout; }\n" \
		"add chain " T " input { type filter hook input priority filter - 1; " \
		"policy accept; }\n" RULE4 RULE6

static struct config
cfg_default(void)
{
	struct config	c;

	memset(&c, 0, sizeof(c));
	c.c_chain = "fail2ban-mail";
	c.c_ports = "25";
	c.c_nports = 1;
	c.c_blocktype = "REJECT --reject-with tcp-reset";
	c.c_blocktype6 = "REJECT --reject-with icmp6-port-unreachable";
	c.c_maxbans = 100000;
	c.c_backend = BACKEND_NFT;
	return c;
}

/* Capture what the module logs (stderr) between cap_begin and cap_end. */
static int	cap_saved = -1, cap_fd = -1;

static void
cap_begin(void)
{
	fflush(stderr);
	assert_true((cap_fd = memfd_create("cap", MFD_CLOEXEC)) != -1);
	assert_true((cap_saved = dup(2)) != -1);
	assert_int_equal(dup2(cap_fd, 2), 2);
}

static char *
cap_end(void)
{
	char	*s;
	off_t	 n;

	fflush(stderr);
	assert_int_equal(dup2(cap_saved, 2), 2);
	close(cap_saved);
	assert_true((n = lseek(cap_fd, 0, SEEK_END)) != -1);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(pread(cap_fd, s, (size_t)n, 0), n);
	close(cap_fd);
	return s;
}

struct ban {
	const char	*b_addr;
	long long	 b_left;	/* seconds from NOW; -1 permanent */
};

/*
 * Plan json (NULL: no table) against the bans and compare the command
 * text (NULL: nothing to do), the differences as check prints them (one
 * per line), the counts and what was logged.
 */
static void
check_plan(const struct config *c, const char *json, const struct ban *bans,
    size_t n, const char *script, const char *diffs, size_t add, size_t del,
    const char *logged)
{
	struct nftlive	 lv;
	struct fwplan	 p;
	struct addr	 w[16];
	int64_t		 end[16];
	char		 line[1024], *all, *m;
	size_t		 i, len = 1;

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(addr_parse_net(bans[i].b_addr, strlen(bans[i].b_addr),
		    &w[i]), 0);
		end[i] = bans[i].b_left < 0 ? TIME_FOREVER : NOW + bans[i].b_left;
	}
	cap_begin();
	assert_int_equal(nft_parse(c, json, json != NULL ? strlen(json) : 0, &lv), 0);
	assert_int_equal(nft_plan(c, &lv, w, end, n, NOW, &p), 0);
	m = cap_end();
	assert_string_equal(m, logged);
	free(m);
	if (script == NULL)
		assert_null(p.fp_script);
	else {
		assert_non_null(p.fp_script);
		assert_string_equal(p.fp_script, script);
		assert_int_equal(p.fp_len, strlen(script));
	}
	all = xcalloc(1, 1);
	for (i = 0; i < p.fp_ndiff; i++) {
		firewall_diff_text(c, 0, &p.fp_diff[i], line, sizeof(line));
		all = xreallocarray(all, len + strlen(line) + 1, 1);
		memcpy(all + len - 1, line, strlen(line));
		len += strlen(line) + 1;
		all[len - 2] = '\n';
		all[len - 1] = '\0';
	}
	assert_string_equal(all, diffs);
	free(all);
	assert_int_equal(p.fp_add, add);
	assert_int_equal(p.fp_del, del);
	firewall_plan_free(&p);
	nft_live_free(&lv);
}

static void
no_table_builds_everything_in_one_transaction(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.7", 3600 }, { "2001:db8::5", -1 },
				    { "192.0.2.1", 60 }, { "192.0.2.7", 7200 } };

	(void)state;
	check_plan(&c, NULL, b, 4, CREATE
	    "add element " T " ban4 { 192.0.2.1 timeout 60s comment \"mailban\", "
	    "192.0.2.7 timeout 7200s comment \"mailban\" }\n"
	    "add element " T " ban6 { 2001:db8::5 comment \"mailban\" }\n",
	    "table inet fail2ban-mail is missing\n"
	    "192.0.2.1 is banned but not in set ban4\n"
	    "192.0.2.7 is banned but not in set ban4\n"
	    "2001:db8::5 is banned but not in set ban6\n", 3, 0, "");
}

static void
in_sync_plans_nothing(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	const struct ban	b2[] = { { "192.0.2.1", 3600 + 60 }, { "2001:db8::1", -1 } };

	(void)state;
	check_plan(&c, INSYNC, b, 2, NULL, "", 0, 0, "");
	/* 3599 s left against 3660 wanted: 61 s, one more than the slack */
	check_plan(&c, INSYNC, b2, 2,
	    "delete element " T " ban4 { 192.0.2.1 }\n"
	    "add element " T " ban4 { 192.0.2.1 timeout 3660s comment \"mailban\" }\n",
	    "192.0.2.1 expires in 3599s in set ban4 but its ban ends in 3660s\n", 0, 0, "");
}

static void
expiry_within_a_minute_is_kept(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3599 + 60 }, { "2001:db8::1", -1 } };
	const struct ban	b2[] = { { "192.0.2.1", 3599 - 60 }, { "2001:db8::1", -1 } };

	(void)state;
	check_plan(&c, INSYNC, b, 2, NULL, "", 0, 0, "");
	check_plan(&c, INSYNC, b2, 2, NULL, "", 0, 0, "");
}

static void
permanent_and_timed_do_not_mix(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", -1 }, { "2001:db8::1", 600 } };

	(void)state;
	check_plan(&c, INSYNC, b, 2,
	    "delete element " T " ban4 { 192.0.2.1 }\n"
	    "delete element " T " ban6 { 2001:db8::1 }\n"
	    "add element " T " ban4 { 192.0.2.1 comment \"mailban\" }\n"
	    "add element " T " ban6 { 2001:db8::1 timeout 600s comment \"mailban\" }\n",
	    "192.0.2.1 expires in 3599s in set ban4 but its ban ends never\n"
	    "2001:db8::1 expires never in set ban6 but its ban ends in 600s\n", 0, 0, "");
}

static void
lifted_and_foreign_elements_are_deleted(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "2001:db8::1", -1 }, { "192.0.2.9", 100 } };
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599) ", \"198.51.100.3\"")) ", "
				    SET("ban6", "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", "
				    CHAIN ", " RULE(4, EXPR4) ", " RULE(5, EXPR6));

	(void)state;
	check_plan(&c, json, b, 2,
	    "delete element " T " ban4 { 192.0.2.1, 198.51.100.3 }\n"
	    "add element " T " ban4 { 192.0.2.9 timeout 100s comment \"mailban\" }\n",
	    "192.0.2.1 is in set ban4 but is not banned\n"
	    "198.51.100.3 is in set ban4 but mailban did not add it\n"
	    "192.0.2.9 is banned but not in set ban4\n", 1, 2, "");
}

static void
rules_are_kept_exactly_or_replaced(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	/* the IPv6 rule gone, a foreign one and a second IPv4 one instead */
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599))) ", "
				    SET("ban6", "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", "
				    CHAIN ", " RULE(7, "[{\"accept\": null}]") ", "
				    RULE(4, EXPR4) ", " RULE(9, EXPR4));

	(void)state;
	check_plan(&c, json, b, 2,
	    "delete rule " T " input handle 7\n"
	    "delete rule " T " input handle 9\n" RULE6,
	    "a rule in chain input that is not mailban's: [{\"accept\":null}]\n"
	    "a rule in chain input that is not mailban's: " "[{\"match\":{\"left\":"
	    "{\"payload\":{\"field\":\"saddr\",\"protocol\":\"ip\"}},\"op\":\"==\","
	    "\"right\":\"@ban4\"}},{\"match\":{\"left\":{\"payload\":{\"field\":"
	    "\"dport\",\"protocol\":\"tcp\"}},\"op\":\"==\",\"right\":25}},"
	    "{\"reject\":{\"type\":\"tcp reset\"}}]\n"
	    "the rule for set ban6 is missing from chain input\n", 0, 0, "");
	/* other ports: both rules replaced */
	c.c_ports = "25,587";
	check_plan(&c, INSYNC, b, 2,
	    "delete rule " T " input handle 4\n"
	    "delete rule " T " input handle 5\n"
	    "add rule " T " input ip saddr @ban4 tcp dport { 25, 587 } reject with tcp reset\n"
	    "add rule " T " input ip6 saddr @ban6 tcp dport { 25, 587 } reject with "
	    "icmpv6 type port-unreachable\n",
	    "a rule in chain input that is not mailban's: " "[{\"match\":{\"left\":"
	    "{\"payload\":{\"field\":\"saddr\",\"protocol\":\"ip\"}},\"op\":\"==\","
	    "\"right\":\"@ban4\"}},{\"match\":{\"left\":{\"payload\":{\"field\":"
	    "\"dport\",\"protocol\":\"tcp\"}},\"op\":\"==\",\"right\":25}},"
	    "{\"reject\":{\"type\":\"tcp reset\"}}]\n"
	    "a rule in chain input that is not mailban's: " "[{\"match\":{\"left\":"
	    "{\"payload\":{\"field\":\"saddr\",\"protocol\":\"ip6\"}},\"op\":\"==\","
	    "\"right\":\"@ban6\"}},{\"match\":{\"left\":{\"payload\":{\"field\":"
	    "\"dport\",\"protocol\":\"tcp\"}},\"op\":\"==\",\"right\":25}},"
	    "{\"reject\":{\"expr\":\"port-unreachable\",\"type\":\"icmpv6\"}}]\n"
	    "the rule for set ban4 is missing from chain input\n"
	    "the rule for set ban6 is missing from chain input\n", 0, 0, "");
}

static void
missing_set_and_chain_are_added(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599))));

	(void)state;
	check_plan(&c, json, b, 2,
	    "add set " T " ban6 { type ipv6_addr; flags timeout; }\n"
	    "add chain " T " input { type filter hook input priority filter - 1; "
	    "policy accept; }\n" RULE4 RULE6
	    "add element " T " ban6 { 2001:db8::1 comment \"mailban\" }\n",
	    "set ban6 is missing from table inet fail2ban-mail\n"
	    "2001:db8::1 is banned but not in set ban6\n"
	    "chain input is missing from table inet fail2ban-mail\n", 1, 0, "");
}

static void
what_mailban_never_makes_rebuilds_the_table(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599))) ", "
				    "{\"set\": {\"family\": \"inet\", \"name\": \"ban6\", "
				    "\"table\": \"fail2ban-mail\", \"type\": \"ipv6_addr\", "
				    "\"handle\": 2}}, "
				    "{\"chain\": {\"family\": \"inet\", \"table\": "
				    "\"fail2ban-mail\", \"name\": \"input\", \"handle\": 3, "
				    "\"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, "
				    "\"policy\": \"accept\"}}, "
				    "{\"map\": {\"family\": \"inet\", \"name\": \"m\", "
				    "\"table\": \"fail2ban-mail\"}}, "
				    RULE(4, EXPR4) ", " RULE(5, EXPR6));

	(void)state;
	check_plan(&c, json, b, 2,
	    "delete table " T "\n" CREATE
	    "add element " T " ban4 { 192.0.2.1 timeout 3600s comment \"mailban\" }\n"
	    "add element " T " ban6 { 2001:db8::1 comment \"mailban\" }\n",
	    "table inet fail2ban-mail holds map m, which mailban never makes\n"
	    "set ban6 is not of type ipv6_addr with flags timeout only\n"
	    "chain input is not a filter chain on hook input at priority filter - 1 "
	    "with policy accept\n"
	    "2001:db8::1 is banned but not in set ban6\n", 1, 0, "");
}

static void
another_backend_deletes_the_table(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 } };

	(void)state;
	c.c_backend = BACKEND_CHAIN;
	check_plan(&c, INSYNC, b, 1, "delete table " T "\n",
	    "table inet fail2ban-mail is left from backend = nft\n", 0, 2, "");
	check_plan(&c, NULL, b, 1, NULL, "", 0, 0, "");
	c.c_backend = BACKEND_IPSET;
	check_plan(&c, LIST(TABLE), b, 1, "delete table " T "\n",
	    "table inet fail2ban-mail is left from backend = nft\n", 0, 0, "");
}

static void
maxbans_keeps_the_first_in_the_callers_order(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.9", 10 }, { "192.0.2.1", 20 },
				    { "192.0.2.5", 30 }, { "2001:db8::1", -1 } };

	(void)state;
	c.c_maxbans = 2;
	check_plan(&c, NULL, b, 4, CREATE
	    "add element " T " ban4 { 192.0.2.1 timeout 20s comment \"mailban\", "
	    "192.0.2.9 timeout 10s comment \"mailban\" }\n"
	    "add element " T " ban6 { 2001:db8::1 comment \"mailban\" }\n",
	    "table inet fail2ban-mail is missing\n"
	    "192.0.2.1 is banned but not in set ban4\n"
	    "192.0.2.9 is banned but not in set ban4\n"
	    "2001:db8::1 is banned but not in set ban6\n", 3, 0,
	    "mailban: nft: 3 IPv4 addresses to ban but maxbans is 2; only the first 2 "
	    "are banned (raise maxbans)\n");
}

static void
blocktypes_map_to_verdicts(void **state)
{
	char	buf[64];

	(void)state;
	assert_string_equal(nft_verdict(AF_INET, "REJECT --reject-with tcp-reset",
	    buf, sizeof(buf)), "reject with tcp reset");
	assert_string_equal(nft_verdict(AF_INET6, "REJECT --reject-with tcp-rst",
	    buf, sizeof(buf)), "reject with tcp reset");
	assert_string_equal(nft_verdict(AF_INET, "REJECT", buf, sizeof(buf)),
	    "reject with icmp type port-unreachable");
	assert_string_equal(nft_verdict(AF_INET6, "REJECT", buf, sizeof(buf)),
	    "reject with icmpv6 type port-unreachable");
	assert_string_equal(nft_verdict(AF_INET, "REJECT --reject-with "
	    "icmp-host-prohibited", buf, sizeof(buf)),
	    "reject with icmp type host-prohibited");
	assert_string_equal(nft_verdict(AF_INET, "REJECT --reject-with "
	    "icmp-proto-unreachable", buf, sizeof(buf)),
	    "reject with icmp type prot-unreachable");
	assert_string_equal(nft_verdict(AF_INET6, "REJECT --reject-with "
	    "icmp6-adm-prohibited", buf, sizeof(buf)),
	    "reject with icmpv6 type admin-prohibited");
	assert_string_equal(nft_verdict(AF_INET, "DROP", buf, sizeof(buf)), "drop");
	assert_null(nft_verdict(AF_INET, "DROP now", buf, sizeof(buf)));
	assert_null(nft_verdict(AF_INET, "LOG", buf, sizeof(buf)));
	assert_null(nft_verdict(AF_INET6, "REJECT --reject-with icmp-host-prohibited",
	    buf, sizeof(buf)));
	assert_null(nft_verdict(AF_INET, "REJECT --reject-with", buf, sizeof(buf)));
}

static void
a_blocktype_without_verdict_is_refused(void **state)
{
	struct config	c = cfg_default();
	struct nftlive	lv;
	struct fwplan	p;
	char		*m;

	(void)state;
	c.c_blocktype6 = "REJECT --reject-with icmp-host-prohibited";
	memset(&lv, 0, sizeof(lv));
	cap_begin();
	assert_int_equal(nft_plan(&c, &lv, NULL, NULL, 0, NOW, &p), -1);
	m = cap_end();
	assert_string_equal(m, "mailban: nft: blocktype6 \"REJECT --reject-with "
	    "icmp-host-prohibited\" has no nft equivalent (use REJECT --reject-with "
	    "tcp-reset, REJECT, REJECT --reject-with icmp6-TYPE or DROP); table left "
	    "unchanged\n");
	free(m);
	assert_null(p.fp_script);
	c = cfg_default();
	c.c_chain = "9mail";
	cap_begin();
	assert_int_equal(nft_plan(&c, &lv, NULL, NULL, 0, NOW, &p), -1);
	m = cap_end();
	assert_string_equal(m, "mailban: nft: chain \"9mail\" cannot name an nft table "
	    "(start it with a letter; letters, digits, _ . - only)\n");
	free(m);
}

static void
drop_rule_is_matched_as_nft_lists_it(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599))) ", "
				    SET("ban6", "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", "
				    CHAIN ", " RULE(4, "[{\"match\": {\"op\": \"==\", \"left\": "
				    "{\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, "
				    "\"right\": \"@ban4\"}}, {\"match\": {\"op\": \"==\", \"left\": "
				    "{\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, "
				    "\"right\": {\"set\": [25, 465]}}}, {\"drop\": null}]") ", "
				    RULE(5, EXPR6));

	(void)state;
	c.c_blocktype = "DROP";
	c.c_ports = "465,25";
	check_plan(&c, json, b, 2,
	    "delete rule " T " input handle 5\n"
	    "add rule " T " input ip6 saddr @ban6 tcp dport { 25, 465 } reject with "
	    "icmpv6 type port-unreachable\n",
	    "a rule in chain input that is not mailban's: " "[{\"match\":{\"left\":"
	    "{\"payload\":{\"field\":\"saddr\",\"protocol\":\"ip6\"}},\"op\":\"==\","
	    "\"right\":\"@ban6\"}},{\"match\":{\"left\":{\"payload\":{\"field\":"
	    "\"dport\",\"protocol\":\"tcp\"}},\"op\":\"==\",\"right\":25}},"
	    "{\"reject\":{\"expr\":\"port-unreachable\",\"type\":\"icmpv6\"}}]\n"
	    "the rule for set ban6 is missing from chain input\n", 0, 0, "");
}

static void
listings_not_understood_are_refused(void **state)
{
	struct config	c = cfg_default();
	struct nftlive	lv;
	char		*m;
	static const struct {
		const char	*json, *msg;
	} bad[] = {
		{ "{\"nftables\": [", "mailban: nft: the listing of the table is not JSON "
		    "(line 1: ']' expected near end of file); table left unchanged\n" },
		{ "[]", "mailban: nft: the listing of the table is not understood (no "
		    "\"nftables\" array); table left unchanged\n" },
		{ LIST(CHAIN), "mailban: nft: the listing of the table is not understood "
		    "(objects without their table); table left unchanged\n" },
		{ LIST("{\"table\": {\"family\": \"inet\", \"name\": \"other\"}}"),
		    "mailban: nft: the listing of the table is not understood (another "
		    "table); table left unchanged\n" },
		/* The same set twice (the second with fewer elements): refused,
		 * never counted on top of the first's elements. */
		{ LIST(TABLE ", " SET("ban4", "ipv4_addr", ELEMS(EL("192.0.2.1", 3600, 3599)
		    ", " EL("192.0.2.2", 3600, 3599) ", " EL("192.0.2.3", 3600, 3599))) ", "
		    SET("ban4", "ipv4_addr", ELEMS(EL("192.0.2.4", 3600, 3599)))),
		    "mailban: nft: the listing of the table is not understood (set ban4 "
		    "listed twice); table left unchanged\n" },
	};
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_begin();
		assert_int_equal(nft_parse(&c, bad[i].json, strlen(bad[i].json), &lv), -1);
		m = cap_end();
		assert_string_equal(m, bad[i].msg);
		free(m);
		nft_live_free(&lv);
	}
}

/*
 * An element that is not a plain address of its set (a catch-all "*",
 * ::ffff:a.b.c.d in ban6, another family, a name) is no reason to leave
 * the table as it is: the set is not mailban's, the table is rebuilt.
 */
static void
unreadable_elements_rebuild_the_table(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 } };
	static const char	*odd4[] = { "\"*\"", "\"2001:db8::1\"", "\"example.org\"",
				    "{\"elem\": {\"val\": \"*\", \"comment\": \"mailban\"}}" };
	static const char	*odd6[] = { "\"*\"", "\"::ffff:192.0.2.1\"",
				    "\"192.0.2.1\"" };
	const char		*rebuilt = "delete table " T "\n" CREATE
				    "add element " T " ban4 { 192.0.2.1 timeout 3600s comment \"mailban\" }\n"
				    "add element " T " ban6 { 2001:db8::1 comment \"mailban\" }\n";
	char			 json[4096];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(odd4) / sizeof(odd4[0]); i++) {
		snprintf(json, sizeof(json), LIST(TABLE ", " SET("ban4", "ipv4_addr",
		    ELEMS(EL("192.0.2.1", 3600, 3599) ", %s")) ", " SET("ban6",
		    "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", " CHAIN ", "
		    RULE(4, EXPR4) ", " RULE(5, EXPR6)), odd4[i]);
		check_plan(&c, json, b, 2, rebuilt,
		    "set ban4 holds an element that is not a plain IPv4 address "
		    "(such as * or ::ffff:a.b.c.d)\n"
		    "192.0.2.1 is banned but not in set ban4\n", 1, 0, "");
	}
	for (i = 0; i < sizeof(odd6) / sizeof(odd6[0]); i++) {
		snprintf(json, sizeof(json), LIST(TABLE ", " SET("ban4", "ipv4_addr",
		    ELEMS(EL("192.0.2.1", 3600, 3599))) ", " SET("ban6", "ipv6_addr",
		    ELEMS("%s, " ELP("2001:db8::1"))) ", " CHAIN ", " RULE(4, EXPR4)
		    ", " RULE(5, EXPR6)), odd6[i]);
		check_plan(&c, json, b, 2, rebuilt,
		    "set ban6 holds an element that is not a plain IPv6 address "
		    "(such as * or ::ffff:a.b.c.d)\n"
		    "2001:db8::1 is banned but not in set ban6\n", 1, 0, "");
	}
}

/* --- the netlink side ---------------------------------------------------- */

/* A nested attribute of type at *off: nest_end() sets its length. */
static size_t
nest_begin(char *b, size_t *off, uint16_t type)
{
	size_t	at = *off;

	nft_nla_put(b, off, type, "", 0);
	return at;
}

static void
nest_end(char *b, size_t at, size_t off)
{
	((struct nlattr *)(void *)(b + at))->nla_len = (uint16_t)(off - at);
}

/* One element: key (klen bytes; NULL: none), flags (0: none), comment. */
static void
put_elem(char *b, size_t *off, const void *key, size_t klen, uint32_t flags,
    const char *comment)
{
	unsigned char	ud[32];
	size_t		el, k;

	el = nest_begin(b, off, NFTA_LIST_ELEM);
	if (key != NULL) {
		k = nest_begin(b, off, NFTA_SET_ELEM_KEY);
		nft_nla_put(b, off, NFTA_DATA_VALUE, key, klen);
		nest_end(b, k, *off);
	}
	if (flags != 0) {
		flags = htobe32(flags);
		nft_nla_put(b, off, NFTA_SET_ELEM_FLAGS, &flags, sizeof(flags));
	}
	if (comment != NULL) {
		ud[0] = 0;
		ud[1] = (unsigned char)(strlen(comment) + 1);
		memcpy(ud + 2, comment, strlen(comment) + 1);
		nft_nla_put(b, off, NFTA_SET_ELEM_USERDATA, ud, 2 + strlen(comment) + 1);
	}
	nest_end(b, el, *off);
}

/* A NEWSETELEM message around the elements put by fill(). */
static size_t
elem_msg(char *b, size_t cap, void (*fill)(char *, size_t *))
{
	struct nlmsghdr	*nh = (struct nlmsghdr *)(void *)b;
	size_t		 off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)), l;

	memset(b, 0, cap);
	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
	l = nest_begin(b, &off, NFTA_SET_ELEM_LIST_ELEMENTS);
	fill(b, &off);
	nest_end(b, l, off);
	assert_true(off <= cap);
	nh->nlmsg_len = (uint32_t)off;
	return off;
}

static void
two_v4(char *b, size_t *off)
{
	static const unsigned char	a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };

	put_elem(b, off, a1, 4, 0, "mailban");
	put_elem(b, off, a2, 4, 0, NULL);
}

/*
 * A libnftables that lists elements even in the terse JSON: netlink
 * stays the only source of the elements (the JSON's were in an array of
 * their own size, which the dump wrote past).
 */
static void
json_elements_are_dropped_before_the_dump(void **state)
{
	struct config		c = cfg_default();
	struct nftlive		lv;
	struct nft_elemarg	ea;
	char			msg[512];

	(void)state;
	assert_int_equal(nft_parse_json(&c, INSYNC, strlen(INSYNC), 1, &lv), 0);
	assert_int_equal(lv.nl_set[0].ns_nelem, 1);
	nft_elem_begin(&ea, &lv.nl_set[0], AF_INET);
	elem_msg(msg, sizeof(msg), two_v4);
	assert_int_equal(nft_elem_cb(&ea, (struct nlmsghdr *)(void *)msg), 0);
	assert_int_equal(ea.ea_bad, 0);
	assert_int_equal(ea.ea_odd, 0);
	assert_int_equal(lv.nl_set[0].ns_nelem, 2);
	assert_string_equal(addr_str(&lv.nl_set[0].ns_elem[0].ne_addr, msg, 64), "192.0.2.1");
	assert_int_equal(lv.nl_set[0].ns_elem[0].ne_own, 1);
	assert_string_equal(addr_str(&lv.nl_set[0].ns_elem[1].ne_addr, msg, 64), "192.0.2.2");
	assert_int_equal(lv.nl_set[0].ns_elem[1].ne_own, 0);
	nft_live_free(&lv);
}

/* A message of type with an int payload (NLMSG_DONE, NLMSG_ERROR). */
static size_t
int_msg(char *b, size_t off, uint16_t type, uint32_t seq, int v)
{
	struct nlmsghdr	*nh = (struct nlmsghdr *)(void *)(b + off);
	size_t		 n = type == NLMSG_ERROR ? sizeof(struct nlmsgerr) : sizeof(int);

	memset(nh, 0, NLMSG_SPACE(n));
	nh->nlmsg_type = type;
	nh->nlmsg_len = (uint32_t)NLMSG_LENGTH(n);
	nh->nlmsg_seq = seq;
	memcpy(NLMSG_DATA(nh), &v, sizeof(v));
	return off + NLMSG_SPACE(n);
}

static int
count_cb(void *arg, const struct nlmsghdr *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* The kernel puts a dump's error (a set deleted meanwhile) in NLMSG_DONE. */
static void
a_dump_ends_with_its_error(void **state)
{
	struct sockaddr_nl	kernel;
	char			b[256];
	int			intr = 0, calls = 0;
	size_t			n;

	(void)state;
	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	n = int_msg(b, 0, NLMSG_DONE, 7, 0);
	assert_int_equal(nft_nl_replies(7, b, n, &kernel, count_cb, &calls, &intr), 1);
	n = int_msg(b, 0, NLMSG_DONE, 7, -ENOENT);
	errno = 0;
	assert_int_equal(nft_nl_replies(7, b, n, &kernel, count_cb, &calls, &intr), -1);
	assert_int_equal(errno, ENOENT);
	n = int_msg(b, 0, NLMSG_DONE, 6, -ENOENT);	/* another request's */
	assert_int_equal(nft_nl_replies(7, b, n, &kernel, count_cb, &calls, &intr), 0);
	n = int_msg(b, 0, NLMSG_ERROR, 7, -EPERM);
	errno = 0;
	assert_int_equal(nft_nl_replies(7, b, n, &kernel, count_cb, &calls, &intr), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(calls, 0);
	assert_int_equal(intr, 0);
}

/* Only the kernel (port id 0) answers: a datagram from another socket
 * with the right sequence number is dropped whole. */
static void
replies_from_another_sender_are_dropped(void **state)
{
	struct sockaddr_nl	from;
	char			b[512];
	int			intr = 0, calls = 0;
	size_t			n;

	(void)state;
	memset(&from, 0, sizeof(from));
	from.nl_family = AF_NETLINK;
	from.nl_pid = 4242;
	n = elem_msg(b, sizeof(b) - 64, two_v4);
	((struct nlmsghdr *)(void *)b)->nlmsg_seq = 7;
	n = int_msg(b, NLMSG_ALIGN(n), NLMSG_DONE, 7, 0);
	assert_int_equal(nft_nl_replies(7, b, n, &from, count_cb, &calls, &intr), 0);
	assert_int_equal(calls, 0);
	n = int_msg(b, 0, NLMSG_ERROR, 7, -EPERM);
	assert_int_equal(nft_nl_replies(7, b, n, &from, count_cb, &calls, &intr), 0);
	from.nl_pid = 0;
	n = elem_msg(b, sizeof(b) - 64, two_v4);
	((struct nlmsghdr *)(void *)b)->nlmsg_seq = 7;
	n = int_msg(b, NLMSG_ALIGN(n), NLMSG_DONE, 7, 0);
	assert_int_equal(nft_nl_replies(7, b, n, &from, count_cb, &calls, &intr), 1);
	assert_int_equal(calls, 1);
}

static void
catch_all(char *b, size_t *off)
{
	static const unsigned char	a1[4] = { 192, 0, 2, 1 };

	put_elem(b, off, a1, 4, 0, "mailban");
	put_elem(b, off, NULL, 0, NFT_SET_ELEM_CATCHALL, NULL);
}

static void
flagged(char *b, size_t *off)
{
	static const unsigned char	a1[4] = { 192, 0, 2, 1 };

	put_elem(b, off, a1, 4, NFT_SET_ELEM_CATCHALL, NULL);
}

static void
v4mapped6(char *b, size_t *off)
{
	static const unsigned char	a[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff, 192, 0, 2, 1 };

	put_elem(b, off, a, 16, 0, "mailban");
}

static void
short6(char *b, size_t *off)
{
	static const unsigned char	a[4] = { 192, 0, 2, 1 };

	put_elem(b, off, a, 4, 0, "mailban");
}

/* In a dump: an element that is not a plain address of the set (a
 * catch-all, ::ffff:a.b.c.d in ban6, a key of another length) is no
 * error; it is skipped and said odd (the set is then rebuilt). */
static void
dumped_elements_not_plain_are_odd(void **state)
{
	static const struct {
		void	(*fill)(char *, size_t *);
		int	  family;
		size_t	  nelem;
	} t[] = {
		{ catch_all, AF_INET, 1 }, { flagged, AF_INET, 0 },
		{ v4mapped6, AF_INET6, 0 }, { short6, AF_INET6, 0 },
	};
	struct nftset		ns;
	struct nft_elemarg	ea;
	char			msg[512], *m;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ns, 0, sizeof(ns));
		ns.ns_exists = ns.ns_ok = 1;
		nft_elem_begin(&ea, &ns, t[i].family);
		elem_msg(msg, sizeof(msg), t[i].fill);
		cap_begin();
		assert_int_equal(nft_elem_cb(&ea, (struct nlmsghdr *)(void *)msg), 0);
		m = cap_end();
		assert_string_equal(m, "");
		free(m);
		assert_int_equal(ea.ea_bad, 0);
		assert_int_equal(ea.ea_odd, 1);
		assert_int_equal(ns.ns_nelem, t[i].nelem);
		free(ns.ns_elem);
	}
}

static void
networks_are_rules_of_their_own(void **state)
{
	struct config		c = cfg_default();
	const struct ban	b[] = { { "192.0.2.1", 3600 }, { "2001:db8::1", -1 },
				    { "192.0.2.0/24", 3600 }, { "2001:db8:5::/48", -1 },
				    { "198.51.100.0/25", 600 } };
	/* 192.0.2.0/24 kept; 203.0.113.0/24's rule is mailban's shape but
	 * of no ban; the same shape with another port is not mailban's. */
#define NETX(proto, a, n, port) "[{\"match\": {\"op\": \"==\", \"left\": " \
		"{\"payload\": {\"protocol\": \"" proto "\", \"field\": \"saddr\"}}, " \
		"\"right\": {\"prefix\": {\"addr\": \"" a "\", \"len\": " #n "}}}}, " \
		"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": " \
		"\"tcp\", \"field\": \"dport\"}}, \"right\": " #port "}}, {\"reject\": " \
		"{\"type\": \"tcp reset\"}}]"
	const char		*json = LIST(TABLE ", " SET("ban4", "ipv4_addr",
				    ELEMS(EL("192.0.2.1", 3600, 3599))) ", "
				    SET("ban6", "ipv6_addr", ELEMS(ELP("2001:db8::1"))) ", "
				    CHAIN ", " RULE(4, EXPR4) ", " RULE(5, EXPR6) ", "
				    RULE(6, NETX("ip", "192.0.2.0", 24, 25)) ", "
				    RULE(7, NETX("ip", "203.0.113.0", 24, 25)) ", "
				    RULE(8, NETX("ip", "198.51.100.0", 25, 587)));

	(void)state;
	check_plan(&c, json, b, 5,
	    "delete rule " T " input handle 7\n"
	    "delete rule " T " input handle 8\n"
	    "add rule " T " input ip saddr 198.51.100.0/25 tcp dport 25 reject with "
	    "tcp reset\n"
	    "add rule " T " input ip6 saddr 2001:db8:5::/48 tcp dport 25 reject with "
	    "icmpv6 type port-unreachable\n",
	    "a rule in chain input bans 203.0.113.0/24, which is not banned\n"
	    "a rule in chain input that is not mailban's: [{\"match\":{\"left\":"
	    "{\"payload\":{\"field\":\"saddr\",\"protocol\":\"ip\"}},\"op\":\"==\","
	    "\"right\":{\"prefix\":{\"addr\":\"198.51.100.0\",\"len\":25}}}},"
	    "{\"match\":{\"left\":{\"payload\":{\"field\":\"dport\",\"protocol\":"
	    "\"tcp\"}},\"op\":\"==\",\"right\":587}},{\"reject\":{\"type\":\"tcp "
	    "reset\"}}]\n"
	    "198.51.100.0/25 is banned but has no rule in chain input\n"
	    "2001:db8:5::/48 is banned but has no rule in chain input\n", 2, 1, "");
	/* From nothing: the networks' rules after the sets'. */
	check_plan(&c, NULL, b, 5, CREATE
	    "add rule " T " input ip saddr 192.0.2.0/24 tcp dport 25 reject with "
	    "tcp reset\n"
	    "add rule " T " input ip saddr 198.51.100.0/25 tcp dport 25 reject with "
	    "tcp reset\n"
	    "add rule " T " input ip6 saddr 2001:db8:5::/48 tcp dport 25 reject with "
	    "icmpv6 type port-unreachable\n"
	    "add element " T " ban4 { 192.0.2.1 timeout 3600s comment \"mailban\" }\n"
	    "add element " T " ban6 { 2001:db8::1 comment \"mailban\" }\n",
	    "table inet fail2ban-mail is missing\n"
	    "192.0.2.1 is banned but not in set ban4\n"
	    "2001:db8::1 is banned but not in set ban6\n"
	    "192.0.2.0/24 is banned but has no rule in chain input\n"
	    "198.51.100.0/25 is banned but has no rule in chain input\n"
	    "2001:db8:5::/48 is banned but has no rule in chain input\n", 5, 0, "");
#undef NETX
}

static void
stop_deletes_the_table_if_there(void **state)
{
	struct config	c = cfg_default();
	struct nftlive	lv;
	struct fwplan	p;

	(void)state;
	assert_int_equal(nft_parse(&c, INSYNC, strlen(INSYNC), &lv), 0);
	assert_int_equal(nft_plan_stop(&c, &lv, &p), 0);
	assert_string_equal(p.fp_script, "delete table " T "\n");
	assert_int_equal(p.fp_del, 2);
	firewall_plan_free(&p);
	nft_live_free(&lv);
	assert_int_equal(nft_parse(&c, NULL, 0, &lv), 0);
	assert_int_equal(nft_plan_stop(&c, &lv, &p), 0);
	assert_null(p.fp_script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_table_builds_everything_in_one_transaction),
		cmocka_unit_test(in_sync_plans_nothing),
		cmocka_unit_test(expiry_within_a_minute_is_kept),
		cmocka_unit_test(permanent_and_timed_do_not_mix),
		cmocka_unit_test(lifted_and_foreign_elements_are_deleted),
		cmocka_unit_test(rules_are_kept_exactly_or_replaced),
		cmocka_unit_test(missing_set_and_chain_are_added),
		cmocka_unit_test(what_mailban_never_makes_rebuilds_the_table),
		cmocka_unit_test(another_backend_deletes_the_table),
		cmocka_unit_test(maxbans_keeps_the_first_in_the_callers_order),
		cmocka_unit_test(blocktypes_map_to_verdicts),
		cmocka_unit_test(a_blocktype_without_verdict_is_refused),
		cmocka_unit_test(drop_rule_is_matched_as_nft_lists_it),
		cmocka_unit_test(listings_not_understood_are_refused),
		cmocka_unit_test(unreadable_elements_rebuild_the_table),
		cmocka_unit_test(json_elements_are_dropped_before_the_dump),
		cmocka_unit_test(a_dump_ends_with_its_error),
		cmocka_unit_test(replies_from_another_sender_are_dropped),
		cmocka_unit_test(dumped_elements_not_plain_are_odd),
		cmocka_unit_test(stop_deletes_the_table_if_there),
		cmocka_unit_test(networks_are_rules_of_their_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
