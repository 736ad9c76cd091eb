/*
 * apply.h -- the firewall step shared by the commands (run, scan --apply,
 * ban, unban).
 */
#ifndef MAILBAN_APPLY_H
#define MAILBAN_APPLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"

struct store;

/*
 * Make both chains hold exactly the bans in force at `now` in st.
 * dry: print the restore scripts instead of applying them.  *added and
 * *removed count rules; *nactive (may be NULL) the addresses wanted.
 * 0, or -1 if a family failed (reported).
 */
int	 apply_bans(const struct config *, struct store *, int64_t now, FILE *dry,
	    int64_t *added, int64_t *removed, size_t *nactive);

#endif
