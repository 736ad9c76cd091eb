/*
 * apply.c -- the firewall step shared by run, scan --apply, ban and
 * unban: the bans in force (bans_wanted) into both families' chains, or
 * the nft table.
 */
#include <sys/socket.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "apply.h"
#include "bans.h"
#include "firewall.h"
#include "log.h"
#include "nft.h"
#include "store.h"
#include "util.h"

static int
addr_order(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

/*
 * Heal events: what a plan put back that the chains held at the last
 * apply that changed them (meta fw_applied, `applied`): the chain, the
 * jump, the set or its rule, and the rules (members) of bans already in
 * force then.  One line in syslog per family; a new ban is no heal.
 */
static void
heal_say(const struct config *cfg, int family, const struct fwplan *p,
    const struct banrow *rows, size_t nrows, int64_t applied)
{
	const char	*tool = family == AF_INET6 ? "ip6tables" : "iptables";
	struct addr	*old;
	char		 line[1024], set[64];
	size_t		 i, nold = 0, nback = 0, nrback = 0, off = 0;
	int		 stale = 0, rebuilt = 0, n;

	if (p->fp_script == NULL && p->fp_setpre == NULL)
		return;
	old = xcalloc(nrows + 1, sizeof(*old));
	for (i = 0; i < nrows && rows[i].b_start <= applied; i++)
		if (addr_parse_net(rows[i].b_addr, strlen(rows[i].b_addr), &old[nold]) == 0 &&
		    old[nold].a_family == family)
			nold++;
	if (nold > 1)
		qsort(old, nold, sizeof(*old), addr_order);
	for (i = 0; i < p->fp_ndiff; i++) {
		const struct fwdiff *d = &p->fp_diff[i];

		if (d->d_kind == FWD_STALEJUMP)
			stale = 1;
		else if (d->d_kind == FWD_MAXELEM)
			rebuilt = 1;
		else if ((d->d_kind == FWD_MISSING || d->d_kind == FWD_SETMISSING) &&
		    bsearch(&d->d_addr, old, nold, sizeof(*old), addr_order) != NULL) {
			if (d->d_kind == FWD_SETMISSING)
				nback++;	/* an address back in the set */
			else
				nrback++;	/* a rule back in CHAIN */
		}
	}
	free(old);
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	line[0] = '\0';
#define PART(...) do { \
		n = snprintf(line + off, sizeof(line) - off, "%s", off > 0 ? ", " : ""); \
		if (n > 0 && (size_t)n < sizeof(line) - off) off += (size_t)n; \
		n = snprintf(line + off, sizeof(line) - off, __VA_ARGS__); \
		if (n > 0 && (size_t)n < sizeof(line) - off) off += (size_t)n; \
	} while (0)
	if (p->fp_newchain)
		PART("chain %s recreated", cfg->c_chain);
	if (p->fp_newjump && !stale)
		PART("the jump from INPUT to %s restored", cfg->c_chain);
	if (p->fp_newset && !rebuilt)
		PART("set %s recreated", set);
	if (p->fp_newrule && !p->fp_newchain)
		PART("the rule for set %s restored in %s", set, cfg->c_chain);
	if (nback > 0)
		PART("%zu %s restored to set %s", nback, nback == 1 ? "address" : "addresses", set);
	if (nrback > 0)
		PART("%zu %s restored to %s", nrback, nrback == 1 ? "rule" : "rules", cfg->c_chain);
#undef PART
	if (off > 0)
		log_event("%s: %s", tool, line);
}

/*
 * Make both chains hold exactly the bans in force at `now` (the store may
 * be inside a transaction: what it sees is what is applied).  With dry,
 * print the scripts and change nothing.  Both families are always tried.
 * What an apply puts back that was there before goes to syslog (heal_say).
 * While paused (meta "paused", mailban stop) it applies nothing.
 */
int
apply_bans(const struct config *cfg, struct store *st, int64_t now, FILE *dry,
    int64_t *added, int64_t *removed, size_t *nactive)
{
	struct banrow	*rows = NULL;
	struct addr	*want;
	struct fwplan	 p4 = { 0 }, p6 = { 0 }, pn = { 0 };
	int64_t		*ends;
	size_t		 nrows = 0, nwant;
	int64_t		 applied = 0;
	char		 buf[32];
	int		 fw4, fw6, fwn = 0;

	*added = *removed = 0;
	if (nactive != NULL)
		*nactive = 0;
	/* Paused (mailban stop): the bans are recorded, nothing is applied
	 * until mailban start. */
	if (dry == NULL && store_meta_time(st, "paused") != 0)
		return 0;
	if (bans_active(st, now, &rows, &nrows) == -1)
		return -1;
	if (dry == NULL)
		applied = store_meta_time(st, "fw_applied");
	want = bans_wanted(cfg, rows, nrows, &nwant, &ends);
	if (nactive != NULL)
		*nactive = nwant;
	/* The backend in use first, then the removal of another's: no gap. */
	if (cfg->c_backend == BACKEND_NFT)
		fwn = nft_sync(cfg, want, ends, nwant, now, dry, &pn);
	fw4 = firewall_sync(cfg, AF_INET, want, nwant, dry, &p4);
	fw6 = firewall_sync(cfg, AF_INET6, want, nwant, dry, &p6);
	if (cfg->c_backend != BACKEND_NFT)
		fwn = nft_sync(cfg, want, ends, nwant, now, dry, &pn);
	*added = (int64_t)(p4.fp_add + p6.fp_add + pn.fp_add);
	*removed = (int64_t)(p4.fp_del + p6.fp_del + pn.fp_del);
	if (dry == NULL && applied > 0) {
		heal_say(cfg, AF_INET, &p4, rows, nrows, applied);
		heal_say(cfg, AF_INET6, &p6, rows, nrows, applied);
	}
	/* Written only when the firewall changed: a quiet run writes nothing.
	 * A hint: lost (a full disk), a later heal is only not called one. */
	if (dry == NULL && fw4 == 0 && fw6 == 0 && fwn == 0 && (applied == 0 ||
	    p4.fp_script != NULL || p4.fp_setpre != NULL ||
	    p6.fp_script != NULL || p6.fp_setpre != NULL || pn.fp_script != NULL)) {
		snprintf(buf, sizeof(buf), "%" PRId64, now);
		store_meta_hint(st, "fw_applied", buf);
	}
	firewall_plan_free(&p4);
	firewall_plan_free(&p6);
	firewall_plan_free(&pn);
	store_banrows_free(rows, nrows);
	free(want);
	free(ends);
	return fw4 == -1 || fw6 == -1 || fwn == -1 ? -1 : 0;
}
