/*
 * apply.c -- the firewall step shared by run, scan --apply, ban and
 * unban: the bans in force (bans_wanted) into both families' chains.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>

#include "apply.h"
#include "bans.h"
#include "firewall.h"
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
	struct fwplan	 p4 = { 0 }, p6 = { 0 };
	size_t		 nrows = 0, nwant;
	int		 fw4, fw6;

	*added = *removed = 0;
	if (bans_active(st, now, &rows, &nrows) == -1)
		return -1;
	want = bans_wanted(cfg, rows, nrows, &nwant);
	if (nactive != NULL)
		*nactive = nwant;
	fw4 = firewall_sync(cfg, AF_INET, want, nwant, dry, &p4);
	fw6 = firewall_sync(cfg, AF_INET6, want, nwant, dry, &p6);
	*added = (int64_t)(p4.fp_add + p6.fp_add);
	*removed = (int64_t)(p4.fp_del + p6.fp_del);
	firewall_plan_free(&p4);
	firewall_plan_free(&p6);
	store_banrows_free(rows, nrows);
	free(want);
	return fw4 == -1 || fw6 == -1 ? -1 : 0;
}
