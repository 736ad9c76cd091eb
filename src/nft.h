/*
 * nft.h -- backend = nft: the bans in one native nftables table.
 *
 * mailban owns the table "inet CHAIN" (the chain key names it):
 *   set ban4 { type ipv4_addr; flags timeout; }
 *   set ban6 { type ipv6_addr; flags timeout; }
 *   chain input { type filter hook input priority filter - 1; policy accept; }
 *     ip saddr @ban4 tcp dport PORTS VERDICT4
 *     ip6 saddr @ban6 tcp dport PORTS VERDICT6
 *     ip saddr NET/N tcp dport PORTS VERDICT4	(one per banned network)
 *     ip6 saddr NET/N tcp dport PORTS VERDICT6
 * Each element carries comment "mailban" and, unless its ban is
 * permanent, the time left of its ban as its timeout: the kernel lifts
 * it on time even if mailban never runs again.  A network (`mailban ban
 * NET/N`) is no element (the sets have no interval flag): it is a rule of
 * its own, without timeout, deleted by the first run after its ban ends.  VERDICT from blocktype
 * (blocktype6 for IPv6): see nft_verdict().
 *
 * One run: list the table into struct nftlive (its objects from
 * libnftables' terse JSON listing parsed with jansson, the elements of
 * ban4 and ban6 from a netlink dump each: libnftables spends ~6 us on
 * each element it lists), plan the difference with the wanted bans
 * (pure), and apply the plan's command text as ONE nftables transaction
 * (nft_run_cmd_from_buffer): all of it or nothing.  The difference:
 *   - elements missing, elements of no ban in force, elements whose
 *     expiry is more than NFT_SLACK seconds from their ban's end (deleted
 *     and added again in the same transaction);
 *   - a missing table, set, chain or rule is added; a rule of the chain
 *     other than the two is deleted by handle;
 *   - anything else in the table (a set or chain of another shape, an
 *     object mailban never makes, an element that is not a plain address
 *     of its set) -> the table is deleted and rebuilt in the same
 *     transaction.
 * A repair of what mailban did not do itself (a flushed or deleted table,
 * set, chain or rule, an element without mailban's comment) is reported
 * once, in one line, when applied.
 * With another backend, the table is deleted if it exists (migration).
 * Every address in a command comes from addr_str() of a parsed address.
 */
#ifndef MAILBAN_NFT_H
#define MAILBAN_NFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "addr.h"
#include "config.h"
#include "firewall.h"

#define NFT_SLACK	60	/* seconds an element's expiry may drift */

struct nftelem {
	struct addr	 ne_addr;
	int64_t		 ne_expires;	/* seconds left; -1: no timeout */
	int		 ne_own;	/* comment "mailban" */
};

struct nftset {
	int		 ns_exists;
	int		 ns_ok;		/* type and flags as mailban makes it,
					 * every element a plain address */
	int		 ns_odd;	/* not ok for an element that is not a
					 * plain address of the set's family (a
					 * catch-all, ::ffff:a.b.c.d in ban6) */
	struct nftelem	*ns_elem;	/* listing order */
	size_t		 ns_nelem;
};

struct nftrule {
	long long	 nr_handle;
	char		*nr_expr;	/* its "expr", compact JSON, sorted keys */
};

/* The live table, as `nft -j list table inet CHAIN` shows it. */
struct nftlive {
	int		 nl_table;	/* the table exists */
	struct nftset	 nl_set[2];	/* ban4, ban6 */
	int		 nl_chain;	/* chain input exists */
	int		 nl_chainok;	/* with mailban's type, hook, priority, policy */
	struct nftrule	*nl_rule;	/* the rules of chain input, in order */
	size_t		 nl_nrule;
	char		*nl_foreign;	/* the first object mailban never makes
					 * ("chain forward", "map m"), or NULL */
	size_t		 nl_nforeign;
};

/*
 * Pure: parse the JSON text of `nft -j list table inet CHAIN` (NULL or
 * len 0: the table does not exist).  0, or -1 (reported) if it is not
 * understood.  nft_live_free() after either.
 */
int	 nft_parse(const struct config *, const char *json, size_t len,
	    struct nftlive *out);
void	 nft_live_free(struct nftlive *);	/* NULL is fine */

/*
 * Pure: the plan from live to the wanted bans.  want[i] ends at end[i]
 * (TIME_FOREVER: permanent); duplicates keep the latest end.  Over
 * c_maxbans (> 0) addresses of a family, only the first c_maxbans in the
 * caller's order are banned (one warning).  With a backend other than
 * nft, the plan deletes the table if it exists.  fp_script is the
 * command text (NULL: nothing to do), fp_diff the differences, fp_add
 * and fp_del the elements added and deleted (an element whose expiry is
 * replaced counts in neither).  0, or -1 (reported: a
 * blocktype nft cannot express, a chain name nft cannot take).  The
 * caller frees *out with firewall_plan_free().
 */
int	 nft_plan(const struct config *, const struct nftlive *,
	    const struct addr *want, const int64_t *end, size_t nwant, int64_t now,
	    struct fwplan *out);

/* Pure, for stop: delete the table if it exists. */
int	 nft_plan_stop(const struct config *, const struct nftlive *,
	    struct fwplan *out);

/*
 * The verdict for blocktype bt in family (AF_INET, AF_INET6), as nft
 * writes it ("reject with tcp reset"), or NULL if nft has none:
 *   REJECT --reject-with tcp-reset (tcp-rst)  reject with tcp reset
 *   REJECT                                    reject with icmp(v6) type port-unreachable
 *   REJECT --reject-with icmp-TYPE            reject with icmp type TYPE
 *     (net-, host-, port-, proto- unreachable, net-, host-, admin-prohibited)
 *   REJECT --reject-with icmp6-TYPE           reject with icmpv6 type TYPE
 *     (no-route, adm-prohibited, addr-unreachable, port-unreachable)
 *   DROP                                      drop
 */
const char	*nft_verdict(int family, const char *bt, char *buf, size_t len);

/* One line (no newline) saying what an nft difference is; as
 * firewall_diff_text(), which calls it for the FWD_NFT_* kinds. */
const char	*nft_diff_text(const struct config *, const struct fwdiff *d,
	    char *buf, size_t len);

/*
 * List the live table and plan (nothing applied): what `check` reports.
 * A table that does not exist is an empty live state.  *plan as for
 * nft_plan() (zeroed on failure).
 */
int	 nft_plan_live(const struct config *, const struct addr *want,
	    const int64_t *end, size_t nwant, int64_t now, struct fwplan *plan);

/*
 * list + plan + ONE transaction.  dry: print the command text (after
 * "# nft -f -") and change nothing.  plan (may be NULL) keeps the plan
 * for the counts; free it with firewall_plan_free().
 */
int	 nft_sync(const struct config *, const struct addr *want,
	    const int64_t *end, size_t nwant, int64_t now, FILE *dry,
	    struct fwplan *plan);

/* Delete the table (mailban stop): 1 deleted, 0 there was none, -1. */
int	 nft_stop(const struct config *);

#endif
