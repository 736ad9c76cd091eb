/*
 * store_fleet.c -- fleet mode (fleet.c): the failures read here still to
 * push, the failures, manual bans and unbans pulled from the other hosts,
 * each recorded once (by its host and its id there).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addr.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

int
store_fleet_outbox(struct store *s, int64_t after_id, size_t max, struct fleetrow **v,
    size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_OUTBOX];
	struct fleetrow	*r = NULL, *e;
	size_t		 nr = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)max) != SQLITE_OK)
		return bind_error(s, st, "reading failures to push");
	r = xcalloc(max + 1, sizeof(*r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = &r[nr];
		e->fr_id = sqlite3_column_int64(st, 0);
		e->fr_time = sqlite3_column_int64(st, 1);
		if (column_str(st, 2, e->fr_addr, sizeof(e->fr_addr)) == -1)
			e->fr_addr[0] = '\0';	/* not an address: fleet.c skips it */
		e->fr_jail = column_dup(st, 3);
		e->fr_key = column_dup(st, 4);
		nr++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading failures to push");
		done(st);
		store_fleetrows_free(r, nr);
		return -1;
	}
	done(st);
	*v = r;
	*n = nr;
	return 0;
}

void
store_fleetrows_free(struct fleetrow *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].fr_jail);
		free(v[i].fr_key);
	}
	free(v);
}

int
store_fleet_waiting(struct store *s, int64_t after_id, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_WAITING];

	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK)
		return bind_error(s, st, "counting failures to push");
	return one_int(s, st, "counting failures to push", n);
}

int
store_fleet_add(struct store *s, const char *host, int64_t rid, int64_t seq,
    const char *jail, const struct addr *a, int64_t time, const char *key)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_KNOWN];
	char		 buf[ADDR_STRLEN];
	int64_t		 known, pattern;

	if (a->a_family != AF_INET && a->a_family != AF_INET6)
		return log_error("%s: recording a pulled failure: address of family %d",
		    s->s_path, a->a_family);
	if (flush(s) == -1)
		return -1;
	if (bind_text(st, 1, host) != SQLITE_OK || sqlite3_bind_int64(st, 2, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled failure");
	if (one_int(s, st, "recording a pulled failure", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	addr_str(a, buf, sizeof(buf));
	if (pattern_id(s, jail, key, &pattern) == -1 ||
	    failure_insert(s, 0, jail, buf, time, pattern, 0) == -1)
		return -1;
	st = s->s_st[ST_FLEET_PUT];
	if (sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->s_db)) != SQLITE_OK ||
	    bind_text(st, 2, host) != SQLITE_OK || sqlite3_bind_int64(st, 3, rid) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, seq) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled failure");
	if (st_run(s, st, "recording a pulled failure") == -1)
		return -1;
	return 1;
}

/*
 * Manual bans (kind 'b': id, addr, jail, start, end, reason) made here
 * with id > ban_after, then unbans (kind 'u': addr, time in start) made
 * here and not in fleet_lifts_pushed, oldest first.
 */
int
store_fleet_actions_out(struct store *s, int64_t ban_after, struct fleetact **v,
    size_t *n)
{
	sqlite3_stmt	*st;
	struct fleetact	*r = NULL, *e;
	size_t		 nr = 0, cap = 0;
	int		 rc, k;

	*v = NULL;
	*n = 0;
	for (k = 0; k < 2; k++) {
		st = s->s_st[k == 0 ? ST_FLEET_BANS_OUT : ST_FLEET_LIFTS_OUT];
		if (k == 0 && sqlite3_bind_int64(st, 1, ban_after) != SQLITE_OK) {
			store_fleetacts_free(r, nr);
			return bind_error(s, st, "reading bans to push");
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (nr == cap) {
				cap = cap ? cap * 2 : 16;
				r = xreallocarray(r, cap, sizeof(*r));
			}
			e = &r[nr++];
			memset(e, 0, sizeof(*e));
			e->fa_kind = k == 0 ? 'b' : 'u';
			if (k == 0) {
				e->fa_id = sqlite3_column_int64(st, 0);
				column_str(st, 1, e->fa_addr, sizeof(e->fa_addr));
				e->fa_jail = column_dup(st, 2);
				e->fa_start = sqlite3_column_int64(st, 3);
				e->fa_end = sqlite3_column_type(st, 4) == SQLITE_NULL ?
				    TIME_FOREVER : sqlite3_column_int64(st, 4);
				if (sqlite3_column_type(st, 5) != SQLITE_NULL)
					e->fa_reason = column_dup(st, 5);
			} else {
				column_str(st, 0, e->fa_addr, sizeof(e->fa_addr));
				e->fa_start = sqlite3_column_int64(st, 1);
			}
		}
		if (rc != SQLITE_DONE) {
			db_error(s, "reading bans to push");
			done(st);
			store_fleetacts_free(r, nr);
			return -1;
		}
		done(st);
	}
	*v = r;
	*n = nr;
	return 0;
}

void
store_fleetacts_free(struct fleetact *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].fa_jail);
		free(v[i].fa_reason);
	}
	free(v);
}

int
store_fleet_ban_add(struct store *s, const char *host, int64_t rid, const char *jail,
    const char *addr, int64_t start, int64_t end, const char *reason)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_BAN_KNOWN];
	int64_t		 known, id;

	if (bind_text(st, 1, host) != SQLITE_OK || sqlite3_bind_int64(st, 2, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled ban");
	if (one_int(s, st, "recording a pulled ban", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	if (store_ban_manual(s, jail, addr, start, end, reason, &id) == -1)
		return -1;
	st = s->s_st[ST_FLEET_BAN_PUT];
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK || bind_text(st, 2, host) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, rid) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled ban");
	return st_run(s, st, "recording a pulled ban") == -1 ? -1 : 1;
}

int
store_fleet_lift_add(struct store *s, const char *host, const char *addr, int64_t at)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_LIFT_KNOWN];
	char		 a[ADDR_STRLEN];
	int64_t		 known;

	if (canonical(s, addr, a, "recording a pulled unban") == -1)
		return -1;
	if (bind_text(st, 1, a) != SQLITE_OK || sqlite3_bind_int64(st, 2, at) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled unban");
	if (one_int(s, st, "recording a pulled unban", &known) == -1)
		return -1;
	if (known > 0)
		return 0;
	st = s->s_st[ST_FLEET_LIFT_PUT];
	if (bind_text(st, 1, a) != SQLITE_OK || sqlite3_bind_int64(st, 2, at) != SQLITE_OK ||
	    bind_text(st, 3, host) != SQLITE_OK)
		return bind_error(s, st, "recording a pulled unban");
	if (st_run(s, st, "recording a pulled unban") == -1)
		return -1;
	return 1;
}

int
store_fleet_lift_pushed(struct store *s, const char *addr, int64_t at)
{
	sqlite3_stmt	*st = s->s_st[ST_FLEET_LIFT_PUSHED];

	if (bind_text(st, 1, addr) != SQLITE_OK || sqlite3_bind_int64(st, 2, at) != SQLITE_OK)
		return bind_error(s, st, "recording a pushed unban");
	return st_run(s, st, "recording a pushed unban");
}
