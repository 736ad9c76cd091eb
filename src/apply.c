/*
 * apply.c -- the firewall step shared by run, scan --apply, ban and
 * unban: the bans in force (bans_wanted) into both families' chains, or
 * the nft table.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>

#include "apply.h"
#include "bans.h"
#include "firewall.h"
#include "nft.h"
#include "store.h"

/*
 * Make both chains hold exactly the bans in force at `now` (the store may
 * be inside a transaction: what it sees is what is applied).  With dry,
 * print the scripts and change nothing.  Both families are always tried.
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
	int		 fw4, fw6, fwn = 0;

	*added = *removed = 0;
	if (bans_active(st, now, &rows, &nrows) == -1)
		return -1;
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
	firewall_plan_free(&p4);
	firewall_plan_free(&p6);
	firewall_plan_free(&pn);
	store_banrows_free(rows, nrows);
	free(want);
	free(ends);
	return fw4 == -1 || fw6 == -1 || fwn == -1 ? -1 : 0;
}
