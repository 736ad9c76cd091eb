/*
 * store_ban.c -- bans (automatic and manual, lifted by unban), the runs
 * table, the files scan has read, and the report queries.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addr.h"
#include "log.h"
#include "policy.h"
#include "store_int.h"
#include "util.h"

int
store_pair_bans(struct store *s, const char *jail, const char *addr, struct prec **v,
    size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PAIR_BANS];
	struct prec	*r = NULL;
	size_t		 nr = 0, cap = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (bind_pair(st, jail, addr) == -1)
		return bind_error(s, st, "re-evaluating bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nr == cap) {
			cap = cap ? cap * 2 : 16;
			r = xreallocarray(r, cap, sizeof(*r));
		}
		r[nr].pr_id = sqlite3_column_int64(st, 0);
		r[nr].pr_start = sqlite3_column_int64(st, 1);
		r[nr].pr_end = sqlite3_column_type(st, 2) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 2);
		r[nr].pr_manual = sqlite3_column_int(st, 3) != 0;
		r[nr].pr_islifted = sqlite3_column_type(st, 4) != SQLITE_NULL;
		r[nr].pr_lifted = sqlite3_column_int64(st, 4);
		nr++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "re-evaluating bans");
		done(st);
		free(r);
		return -1;
	}
	done(st);
	*v = r;
	*n = nr;
	return 0;
}

int
store_ban_delete(struct store *s, int64_t id)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_DELETE];

	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_error(s, st, "re-evaluating bans");
	return st_run(s, st, "re-evaluating bans");
}

/* The bans row of an automatic ban of nids failures: its id in *ban. */
static int
ban_insert(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, size_t nids, int64_t *ban)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_ADD];

	if (nids > INT64_MAX)
		return log_error("%s: recording a ban: too many failures", s->s_path);
	if (!s->s_fbids && flush(s) == -1)
		return -1;
	if (bind_text(st, 1, addr) != SQLITE_OK || bind_text(st, 2, jail) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, start) != SQLITE_OK ||
	    (end == TIME_FOREVER ? sqlite3_bind_null(st, 4) :
	    sqlite3_bind_int64(st, 4, end)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)nids) != SQLITE_OK)
		return bind_error(s, st, "recording a ban");
	if (st_run(s, st, "recording a ban") == -1)
		return -1;
	*ban = sqlite3_last_insert_rowid(s->s_db);
	return 0;
}

int
store_ban_add_span(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, const struct pfail *f, size_t n)
{
	sqlite3_stmt		*st = s->s_st[ST_BAN_CONSUME_SPAN];
	const struct pfail	*z;
	int64_t			 ban, got;
	size_t			 i;

	if (n == 0)
		return store_ban_add(s, jail, addr, start, end, NULL, 0);
	if (ban_insert(s, jail, addr, start, end, n, &ban) == -1)
		return -1;
	z = &f[n - 1];
	/* Those still buffered (the window of a run), then those in the table. */
	got = (int64_t)fb_consume_span(s, jail, addr, f, z, ban);
	for (i = 0; i < n && s->s_fbids && f[i].pf_id > s->s_fbbase; i++)
		;
	if (i == n)
		goto check;
	if (sqlite3_bind_int64(st, 1, ban) != SQLITE_OK ||
	    bind_text(st, 2, jail) != SQLITE_OK || bind_text(st, 3, addr) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, f[0].pf_time) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, f[0].pf_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, z->pf_time) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, z->pf_id) != SQLITE_OK)
		return bind_error(s, st, "recording a ban");
	if (st_run(s, st, "recording a ban") == -1)
		return -1;
	got += sqlite3_changes64(s->s_db);
check:
	/* A failure counts towards at most one ban: anything else is a bug. */
	if (got != (int64_t)n)
		return log_error("%s: recording a ban of %s in %s: failures %" PRId64
		    " to %" PRId64 " hold %" PRId64 " unconsumed failures of that pair, "
		    "not %zu (internal error)", s->s_path, addr, jail, f[0].pf_id,
		    z->pf_id, got, n);
	return 0;
}

int
store_ban_add(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, const int64_t *ids, size_t nids)
{
	sqlite3_stmt	*st;
	int64_t		 ban;
	size_t		 i;
	int		 got;

	if (ban_insert(s, jail, addr, start, end, nids, &ban) == -1)
		return -1;
	st = s->s_st[ST_BAN_CONSUME];
	for (i = 0; i < nids; i++) {
		/* Still buffered (the window of a run), or in the table. */
		if ((got = fb_consume_id(s, ids[i], jail, addr, ban)) == 0)
			goto bad;
		if (got == 1)
			continue;
		if (sqlite3_bind_int64(st, 1, ban) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, ids[i]) != SQLITE_OK ||
		    bind_text(st, 3, jail) != SQLITE_OK || bind_text(st, 4, addr) != SQLITE_OK)
			return bind_error(s, st, "recording a ban");
		if (st_run(s, st, "recording a ban") == -1)
			return -1;
		/* A failure counts towards at most one ban: anything else is a bug. */
		if (sqlite3_changes64(s->s_db) != 1)
			goto bad;
	}
	return 0;
bad:
	return log_error("%s: recording a ban of %s in %s: failure %" PRId64
	    " is not an unconsumed failure of that pair (internal error)",
	    s->s_path, addr, jail, ids[i]);
}

int
store_unended(struct store *s, int64_t now, struct banrow **v, size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_ACTIVE];
	struct banrow	*b = NULL, *e;
	struct addr	 a;
	size_t		 nb = 0, cap = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK)
		return bind_error(s, st, "reading active bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nb == cap) {
			cap = cap ? cap * 2 : 16;
			b = xreallocarray(b, cap, sizeof(*b));
		}
		e = &b[nb];
		/*
		 * What goes to the firewall is canonical text of a parsed
		 * address, even if the row was edited by hand.
		 */
		if (column_str(st, 0, e->b_addr, sizeof(e->b_addr)) == -1 ||
		    addr_parse_net(e->b_addr, strlen(e->b_addr), &a) == -1) {
			log_warnx("%s: bans row %" PRId64 ": the address is not an "
			    "IP address; ignored (fix or delete the row)", s->s_path,
			    (int64_t)sqlite3_column_int64(st, 5));
			continue;
		}
		addr_str(&a, e->b_addr, sizeof(e->b_addr));
		e->b_jail = column_dup(st, 1);
		e->b_start = sqlite3_column_int64(st, 2);
		e->b_end = sqlite3_column_type(st, 3) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 3);
		e->b_failures = sqlite3_column_int64(st, 4);
		e->b_id = sqlite3_column_int64(st, 5);
		e->b_manual = sqlite3_column_int(st, 6);	/* 0, 1, 2 */
		nb++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading active bans");
		done(st);
		store_banrows_free(b, nb);
		return -1;
	}
	done(st);
	*v = b;
	*n = nb;
	return 0;
}

void
store_banrows_free(struct banrow *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].b_jail);
	free(v);
}

int
store_run_add(struct store *s, const struct runrec *r)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_ADD];
	const int64_t	 col[] = { r->r_started, r->r_now, r->r_lines, r->r_bytes,
	    r->r_skipped, r->r_failures, r->r_newbans, r->r_expired, r->r_added,
	    r->r_removed, r->r_ms };
	size_t		 i;

	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if (sqlite3_bind_int64(st, (int)i + 1, col[i]) != SQLITE_OK)
			return bind_error(s, st, "recording the run");
	if (bind_text(st, 12, r->r_status != NULL ? r->r_status : "") != SQLITE_OK)
		return bind_error(s, st, "recording the run");
	if (st_run(s, st, "recording the run") == -1)
		return -1;
	s->s_runid = sqlite3_last_insert_rowid(s->s_db);
	return 0;
}

int
store_run_update(struct store *s, const struct runrec *r)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_UPDATE];
	const int64_t	 col[] = { s->s_runid, r->r_expired, r->r_added, r->r_removed,
	    r->r_ms };
	size_t		 i;

	if (s->s_runid == 0)
		return log_error("%s: recording the run: no row (internal error)",
		    s->s_path);
	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if (sqlite3_bind_int64(st, (int)i + 1, col[i]) != SQLITE_OK)
			return bind_error(s, st, "recording the run");
	if (bind_text(st, 6, r->r_status != NULL ? r->r_status : "") != SQLITE_OK)
		return bind_error(s, st, "recording the run");
	return st_run(s, st, "recording the run");
}

int
store_run_last(struct store *s, struct runrec *out)
{
	sqlite3_stmt	*st = s->s_st[ST_RUN_LAST];
	int		 rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		done(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		db_error(s, "reading the last run");
		done(st);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->r_started = sqlite3_column_int64(st, 0);
	out->r_now = sqlite3_column_int64(st, 1);
	out->r_lines = sqlite3_column_int64(st, 2);
	out->r_bytes = sqlite3_column_int64(st, 3);
	out->r_skipped = sqlite3_column_int64(st, 4);
	out->r_failures = sqlite3_column_int64(st, 5);
	out->r_newbans = sqlite3_column_int64(st, 6);
	out->r_expired = sqlite3_column_int64(st, 7);
	out->r_added = sqlite3_column_int64(st, 8);
	out->r_removed = sqlite3_column_int64(st, 9);
	out->r_ms = sqlite3_column_int64(st, 10);
	out->r_status = column_dup(st, 11);
	done(st);
	return 1;
}

/* The canonical text of an address given by a caller, or -1 (reported). */
int
canonical(struct store *s, const char *addr, char buf[ADDR_STRLEN], const char *what)
{
	struct addr	a;

	if (addr_parse_net(addr, strlen(addr), &a) == -1)
		return log_error("%s: %s: \"%s\" is not an IP address", s->s_path,
		    what, addr);
	addr_str(&a, buf, ADDR_STRLEN);
	return 0;
}

int
store_ban_manual(struct store *s, const char *jail, const char *addr, int64_t start,
    int64_t end, const char *reason, int64_t *id)
{
	sqlite3_stmt	*st = s->s_st[ST_BAN_MANUAL];
	char		 a[ADDR_STRLEN];

	if (canonical(s, addr, a, "recording a manual ban") == -1)
		return -1;
	if (end != TIME_FOREVER && end < start)
		return log_error("%s: recording a manual ban of %s: it ends before "
		    "it starts", s->s_path, a);
	if (bind_text(st, 1, a) != SQLITE_OK || bind_text(st, 2, jail) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, start) != SQLITE_OK ||
	    (end == TIME_FOREVER ? sqlite3_bind_null(st, 4) :
	    sqlite3_bind_int64(st, 4, end)) != SQLITE_OK ||
	    (reason == NULL ? sqlite3_bind_null(st, 5) :
	    bind_text(st, 5, reason)) != SQLITE_OK)
		return bind_error(s, st, "recording a manual ban");
	if (st_run(s, st, "recording a manual ban") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->s_db);
	return 0;
}

int
store_bans_unlifted(struct store *s, const char *addr, int64_t now, struct banrow **v,
    size_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_UNBAN_LIST];
	struct banrow	*l = NULL, *e;
	char		 a[ADDR_STRLEN];
	size_t		 nl = 0, cap = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	if (addr != NULL && canonical(s, addr, a, "lifting bans") == -1)
		return -1;
	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    (addr == NULL ? sqlite3_bind_null(st, 2) : bind_text(st, 2, a)) != SQLITE_OK)
		return bind_error(s, st, "lifting bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nl == cap) {
			cap = cap ? cap * 2 : 16;
			l = xreallocarray(l, cap, sizeof(*l));
		}
		e = &l[nl];
		/* A row edited into a long text is lifted all the same. */
		if (column_str(st, 0, e->b_addr, sizeof(e->b_addr)) == -1)
			e->b_addr[0] = '\0';
		e->b_jail = column_dup(st, 1);
		e->b_start = sqlite3_column_int64(st, 2);
		e->b_end = sqlite3_column_type(st, 3) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 3);
		e->b_failures = sqlite3_column_int64(st, 4);
		e->b_id = sqlite3_column_int64(st, 5);
		e->b_manual = sqlite3_column_int(st, 6) != 0;
		nl++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "lifting bans");
		done(st);
		store_banrows_free(l, nl);
		return -1;
	}
	done(st);
	*v = l;
	*n = nl;
	return 0;
}

int
store_ban_lift(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt	*st = s->s_st[ST_UNBAN_LIFT];

	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK)
		return bind_error(s, st, "lifting bans");
	return st_run(s, st, "lifting bans");
}

int
store_ban_take(struct store *s, int64_t id, const char *jail, const char *addr,
    int64_t upto)
{
	sqlite3_stmt	*st;

	if (flush(s) == -1)
		return -1;
	if (jail != NULL) {
		st = s->s_st[ST_UNBAN_SAME];
		if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
		    bind_pair_at(st, 2, jail, addr) == -1 ||
		    sqlite3_bind_int64(st, 4, upto) != SQLITE_OK)
			return bind_error(s, st, "lifting bans");
	} else {
		st = s->s_st[ST_UNBAN_REST];
		if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
		    bind_text(st, 2, addr) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, upto) != SQLITE_OK)
			return bind_error(s, st, "lifting bans");
	}
	return st_run(s, st, "lifting bans");
}

int
store_bans_each(struct store *s, int64_t since, int64_t until,
    int (*fn)(void *, const struct banhist *), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_BANS_EACH];
	struct banhist	 h;
	int		 rc, stop;

	if (sqlite3_bind_int64(st, 1, since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, until) != SQLITE_OK)
		return bind_error(s, st, "reading bans");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (column_str(st, 0, h.h_addr, sizeof(h.h_addr)) == -1) {
			log_warnx("%s: bans row %" PRId64 ": the address is not an "
			    "IP address; ignored (fix or delete the row)", s->s_path,
			    (int64_t)sqlite3_column_int64(st, 8));
			continue;
		}
		h.h_jail = column_dup(st, 1);
		h.h_start = sqlite3_column_int64(st, 2);
		h.h_end = sqlite3_column_type(st, 3) == SQLITE_NULL ? TIME_FOREVER :
		    sqlite3_column_int64(st, 3);
		h.h_failures = sqlite3_column_int64(st, 4);
		h.h_manual = sqlite3_column_int(st, 5) != 0;
		h.h_lifted = sqlite3_column_int64(st, 6);	/* NULL reads as 0 */
		h.h_reason = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL :
		    column_dup(st, 7);
		stop = fn(arg, &h) == -1;
		free(h.h_jail);
		free(h.h_reason);
		if (stop) {
			done(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading bans");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

int
store_scanned_get(struct store *s, uint64_t fp, int64_t fplen, int64_t *offset)
{
	sqlite3_stmt	*st = s->s_st[ST_SCANNED_GET];
	int		 rc;

	if (sqlite3_bind_int64(st, 1, (int64_t)fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, fplen) != SQLITE_OK)
		return bind_error(s, st, "reading scanned files");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*offset = sqlite3_column_int64(st, 0);
		done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading scanned files");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

int
store_scanned_put(struct store *s, uint64_t fp, int64_t fplen, int64_t offset,
    const char *name)
{
	sqlite3_stmt	*st = s->s_st[ST_SCANNED_PUT];

	if (sqlite3_bind_int64(st, 1, (int64_t)fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, fplen) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, offset) != SQLITE_OK ||
	    bind_text(st, 4, name) != SQLITE_OK)
		return bind_error(s, st, "recording a scanned file");
	return st_run(s, st, "recording a scanned file");
}

/* Step one report statement, handing fn its names, then its rows. */
static int
report_rows(struct store *s, sqlite3_stmt *st, int (*fn)(void *, int,
    const char *const *, const char *const *), void *arg)
{
	const char	**names, **vals;
	int		  i, n = sqlite3_column_count(st), rc = -1, step;

	names = xcalloc((size_t)n + 1, sizeof(*names));
	vals = xcalloc((size_t)n + 1, sizeof(*vals));
	for (i = 0; i < n; i++)
		if ((names[i] = sqlite3_column_name(st, i)) == NULL) {
			log_error("%s: running a report: out of memory", s->s_path);
			goto out;
		}
	if (fn(arg, n, names, NULL) == -1)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			vals[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
			    (const char *)sqlite3_column_text(st, i);
		if (fn(arg, n, names, vals) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		db_error(s, "running a report");
		goto out;
	}
	rc = 0;
out:
	free(names);
	free(vals);
	return rc;
}

int
store_report(struct store *s, const char *sql, int64_t now, int (*fn)(void *, int,
    const char *const *, const char *const *), void *arg)
{
	sqlite3_stmt	*st = NULL;
	const char	*tail = sql;
	int		 i, rc;

	while (*tail != '\0') {
		if (sqlite3_prepare_v2(s->s_db, tail, -1, &st, &tail) != SQLITE_OK)
			return db_error(s, "preparing a report");
		if (st == NULL)		/* only comments and blanks left */
			break;
		if (!sqlite3_stmt_readonly(st)) {
			sqlite3_finalize(st);
			return log_error("%s: a report may only read; refused",
			    s->s_path);
		}
		if (now != -1 && (i = sqlite3_bind_parameter_index(st, "@now")) > 0 &&
		    sqlite3_bind_int64(st, i, now) != SQLITE_OK) {
			db_error(s, "running a report");
			sqlite3_finalize(st);
			return -1;
		}
		rc = report_rows(s, st, fn, arg);
		sqlite3_finalize(st);
		if (rc == -1)
			return -1;
	}
	return 0;
}
