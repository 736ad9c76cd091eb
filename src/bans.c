/*
 * bans.c -- store -> policy -> store: which failures each (jail, address)
 * window is evaluated on and which bans that creates, which bans the
 * firewall holds (whitelist, then oldest first for maxbans), what an
 * unban lifts, and which bans are in force.  The rules are policy's
 * (pure); the store only reads and writes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bans.h"
#include "log.h"
#include "policy.h"
#include "store.h"
#include "util.h"

static const struct jail *
jail_by_name(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->c_njails; i++)
		if (strcmp(cfg->c_jails[i].j_name, name) == 0)
			return &cfg->c_jails[i];
	return NULL;
}

void
bans_policy_inc(const struct config *cfg, struct policy_inc *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->pi_on = cfg->c_inc;
	pi->pi_factor = cfg->c_inc_factor;
	pi->pi_mult = cfg->c_inc_mult;
	pi->pi_nmult = cfg->c_inc_nmult;
	pi->pi_maxtime = cfg->c_inc_maxtime;
	pi->pi_rndtime = cfg->c_inc_rndtime;
	pi->pi_window = cfg->c_inc_window;
}

/*
 * bans_pair(), and in *kept (if not NULL; caller frees) the pair's bans
 * that stay, by start then id: what bans_starts() would read next.
 */
static int
pair_window(struct store *st, const char *jail, const char *addr, int64_t from,
    long long findtime, int64_t *until, struct pfail **f, size_t *n,
    struct prec **kept, size_t *nkept)
{
	struct prec	*r = NULL;
	unsigned char	*undo;
	size_t		 nr = 0, i, k;
	int		 rc = -1;

	*until = 0;
	*f = NULL;
	*n = 0;
	if (store_pair_bans(st, jail, addr, &r, &nr) == -1)
		return -1;
	undo = xcalloc(nr + 1, 1);
	*until = policy_window_redo(r, nr, from, undo);
	for (i = 0, k = 0; i < nr; i++) {
		if (undo[i] && store_ban_delete(st, r[i].pr_id) == -1)
			goto out;
		if (!undo[i])
			r[k++] = r[i];
	}
	if (store_pair_failures(st, jail, addr, policy_window_since(from, findtime),
	    f, n) == -1)
		goto out;
	rc = 0;
	if (kept != NULL) {
		*kept = r;
		*nkept = k;
		r = NULL;
	}
out:
	if (rc == -1)
		*until = 0;
	free(undo);
	free(r);
	return rc;
}

int
bans_pair(struct store *st, const char *jail, const char *addr, int64_t from,
    long long findtime, int64_t *until, struct pfail **f, size_t *n)
{
	return pair_window(st, jail, addr, from, findtime, until, f, n, NULL, NULL);
}

int
bans_starts(struct store *st, const char *jail, const char *addr, int64_t from,
    int64_t to, int64_t **v, size_t *n)
{
	struct prec	*r = NULL;
	size_t		 nr = 0;

	*v = NULL;
	*n = 0;
	if (store_pair_bans(st, jail, addr, &r, &nr) == -1)
		return -1;
	policy_prev_starts(r, nr, from, to, v, n);
	free(r);
	return 0;
}

int
bans_window(struct store *st, const struct config *cfg, int64_t after_id, int announce,
    int64_t *newbans)
{
	struct touched		*tv = NULL;
	struct pfail		*f = NULL;
	struct pban		*b = NULL;
	struct prec		*r = NULL;
	const struct jail	*j;
	struct policy		 pl;
	struct policy_inc	 pi;
	int64_t			 until, *ids = NULL, *prev = NULL;
	size_t			 nt = 0, nf, nb = 0, nprev = 0, nr, i, k, x;
	int			 rc = -1;

	*newbans = 0;
	/* Repeat offenders: each new ban of an address banned before lasts longer. */
	bans_policy_inc(cfg, &pi);
	if (pi.pi_on && pi.pi_rndtime > 0 && store_seed(st, &pi.pi_seed) == -1)
		return -1;
	if (store_touched(st, after_id, &tv, &nt) == -1)
		return -1;
	for (i = 0; i < nt; i++) {
		/* Failures of a jail since removed from the config stay as data. */
		if ((j = jail_by_name(cfg, tv[i].t_jail)) == NULL)
			continue;
		pl.pl_maxretry = j->j_maxretry;
		pl.pl_findtime = j->j_findtime;
		pl.pl_bantime = j->j_bantime;
		if (pair_window(st, tv[i].t_jail, tv[i].t_addr, tv[i].t_from,
		    j->j_findtime, &until, &f, &nf, &r, &nr) == -1)
			goto out;
		/* The bans before `from` that count (pair_window dropped the later ones). */
		if (pi.pi_on)
			policy_prev_starts(r, nr, tv[i].t_from - pi.pi_window, tv[i].t_from,
			    &prev, &nprev);
		free(r);
		r = NULL;
		policy_eval_inc(&pl, &pi, hash_fnv1a(tv[i].t_addr, strlen(tv[i].t_addr),
		    HASH_FNV_SEED), until, prev, nprev, f, nf, &b, &nb);
		free(prev);
		prev = NULL;
		nprev = 0;
		for (k = 0; k < nb; k++) {
			/*
			 * policy takes a run of the window's failures
			 * (pb_fail[x] = pb_fail[0] + x): one UPDATE of their
			 * range; the store checks the count.
			 */
			for (x = 1; x < b[k].pb_nfail; x++)
				if (b[k].pb_fail[x] != b[k].pb_fail[0] + x)
					break;
			if (x < b[k].pb_nfail) {
				ids = xreallocarray(ids, b[k].pb_nfail, sizeof(*ids));
				for (x = 0; x < b[k].pb_nfail; x++)
					ids[x] = f[b[k].pb_fail[x]].pf_id;
				if (store_ban_add(st, tv[i].t_jail, tv[i].t_addr,
				    b[k].pb_start, b[k].pb_end, ids, b[k].pb_nfail) == -1)
					goto out;
			} else if (store_ban_add_span(st, tv[i].t_jail, tv[i].t_addr,
			    b[k].pb_start, b[k].pb_end, b[k].pb_nfail ?
			    &f[b[k].pb_fail[0]] : NULL, b[k].pb_nfail) == -1)
				goto out;
			(*newbans)++;
			if (announce && *newbans <= BANS_LOGMAX) {
				char	t1[32], t2[32];

				log_event("ban %s (%s) from %s until %s, %zu failures",
				    tv[i].t_addr, tv[i].t_jail,
				    fmt_time_utc(b[k].pb_start, t1, sizeof(t1)),
				    b[k].pb_end == TIME_FOREVER ? "forever" :
				    fmt_time_utc(b[k].pb_end, t2, sizeof(t2)), b[k].pb_nfail);
			}
		}
		policy_free(b, nb);
		b = NULL;
		nb = 0;
		free(f);
		f = NULL;
	}
	if (announce && *newbans > BANS_LOGMAX)
		log_event("and %" PRId64 " more ban%s (see mailban report active-bans)",
		    *newbans - BANS_LOGMAX, *newbans - BANS_LOGMAX == 1 ? "" : "s");
	rc = 0;
out:
	policy_free(b, nb);
	free(f);
	free(ids);
	free(prev);
	store_touched_free(tv, nt);
	return rc;
}

static int
by_start(const void *a, const void *b)
{
	const struct banrow	*x = a, *y = b;

	if (x->b_start != y->b_start)
		return x->b_start < y->b_start ? -1 : 1;
	return strcmp(x->b_addr, y->b_addr);
}

/*
 * The addresses to hold in the chains: active bans, whitelist excluded
 * (whitelist wins even over bans recorded before it was configured, but
 * not over a forced manual ban),
 * oldest ban first, so that past the maxbans cap it is the new bans that
 * are not applied.
 */
struct addr *
bans_wanted(const struct config *cfg, struct banrow *rows, size_t n, size_t *nwant,
    int64_t **ends)
{
	struct addr	*v = xcalloc(n + 1, sizeof(*v));
	int64_t		*e = xcalloc(n + 1, sizeof(*e));
	size_t		 i, k = 0;

	if (n > 1)
		qsort(rows, n, sizeof(*rows), by_start);
	for (i = 0; i < n; i++) {
		if (addr_parse_net(rows[i].b_addr, strlen(rows[i].b_addr), &v[k]) == -1)
			continue;	/* not ours: the schema only holds canonical text */
		/* A manual ban of a whitelisted address was forced (ban --force);
		 * one pulled from the fleet was forced there, not here. */
		if (rows[i].b_manual != 1 &&
		    cidrlist_overlap(&cfg->c_ignoreip, &v[k]) != NULL)
			continue;
		e[k++] = rows[i].b_end;
	}
	*nwant = k;
	if (ends != NULL)
		*ends = e;
	else
		free(e);
	return v;
}

int
bans_unban(struct store *st, const char *addr, int64_t now, int64_t *n)
{
	struct banrow	*rows = NULL;
	struct plift	*v;
	size_t		 nrows = 0, i, nl;
	int		 rc = -1;

	*n = 0;
	if (store_bans_unlifted(st, addr, now, &rows, &nrows) == -1)
		return -1;
	v = xcalloc(nrows + 1, sizeof(*v));
	for (i = 0; i < nrows; i++) {
		v[i].lf_ban.pr_id = rows[i].b_id;
		v[i].lf_ban.pr_start = rows[i].b_start;
		v[i].lf_ban.pr_end = rows[i].b_end;
		v[i].lf_ban.pr_manual = rows[i].b_manual;
		v[i].lf_addr = rows[i].b_addr;
	}
	nl = policy_lift(v, nrows, now);
	for (i = 0; i < nrows; i++) {
		if (!v[i].lf_lift)
			continue;
		if (store_ban_lift(st, rows[i].b_id, now) == -1 ||
		    store_ban_take(st, rows[i].b_id, rows[i].b_jail, rows[i].b_addr, now) == -1)
			goto out;
		/* The last ban of an address also takes its other jails' failures. */
		if (v[i].lf_rest &&
		    store_ban_take(st, rows[i].b_id, NULL, rows[i].b_addr, now) == -1)
			goto out;
	}
	*n = (int64_t)nl;
	rc = 0;
out:
	free(v);
	store_banrows_free(rows, nrows);
	return rc;
}

int
bans_active(struct store *st, int64_t now, struct banrow **v, size_t *n)
{
	struct banrow	*b;
	struct prec	 r;
	size_t		 nb, i, k = 0;

	if (store_unended(st, now, &b, &nb) == -1)
		return -1;
	for (i = 0; i < nb; i++) {
		memset(&r, 0, sizeof(r));
		r.pr_id = b[i].b_id;
		r.pr_start = b[i].b_start;
		r.pr_end = b[i].b_end;
		r.pr_manual = b[i].b_manual != 0;
		if (!policy_in_force(&r, now)) {
			free(b[i].b_jail);
			continue;
		}
		b[k++] = b[i];
	}
	if (k == 0) {
		free(b);
		b = NULL;
	}
	*v = b;
	*n = k;
	return 0;
}

int
bans_fleet_lift(struct store *st, const char *host, const char *addr, int64_t at)
{
	int64_t	n;
	int	r;

	if ((r = store_fleet_lift_add(st, host, addr, at)) != 1)
		return r;
	return bans_unban(st, addr, at, &n) == -1 ? -1 : 1;
}
