/*
 * fleet.c -- the shared store of a mail fleet: PostgreSQL through libpq.
 * Inputs: the config (fleet, fleet_host, dbpurgeage), the local store
 * after the run's commit, the run's reference time.
 * Invariants:
 *  - exactly once, both ways.  A local failure (no fleet_origin row) is
 *    pushed as (host, rid = failures.id + fleet_base) under a unique key,
 *    ON CONFLICT DO NOTHING; meta fleet_pushed (the highest failures.id
 *    pushed) moves only after the shared commit.  A pulled row is stored
 *    with its (host, rid), unique locally too, in the same local
 *    transaction that moves meta fleet_pulled (the highest seq seen).  A
 *    kill at any instant therefore repeats at most a step whose repetition
 *    changes nothing;
 *  - pushes hold one advisory lock (FLEET_LOCK) from their insert to their
 *    commit, so rows become visible in seq order and "seq > last seen"
 *    never skips a row committed late;
 *  - ids of failures can be reused by SQLite after a purge removed the
 *    newest ones: fleet_base then grows so that rids never repeat;
 *  - every SQL text is a constant; values go as parameters (arrays of
 *    them for a batch), never into the text;
 *  - the whole step, connecting included, ends within DEADLINE_S
 *    (asynchronous libpq, poll() on its socket): a server, network or
 *    proxy that stops answering has its query cancelled and the
 *    connection closed, and is a problem like the others;
 *  - what another host wrote is data, checked before it is stored;
 *  - a problem with the shared store is one warning line when it starts
 *    or changes (meta fleet_problem) and one when it clears; local
 *    protection never waits for it.
 */
#include <sys/types.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pq.h"

#include "addr.h"
#include "bans.h"
#include "config.h"
#include "fleet.h"
#include "ingest.h"
#include "ini.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include "fleet_int.h"

#define PUSH_BATCH	5000
#define PULL_BATCH	5000
#define PURGE_EVERY	3600
/*
 * What another host wrote is data: a jail must be a section name (or
 * "manual"), a reason pass the checks of `ban --reason` (at most
 * BAN_REASON_MAX bytes, no control characters; the SQL takes one character
 * more at most, so that an oversized text never crosses the wire), a
 * time be neither negative nor more than FUTURE_MAX ahead.
 */
#define JAIL_MAX	64	/* as a section name of mailban.conf */
#define KEY_MAX		64	/* a pulled pattern key */
#define FUTURE_MAX	86400
#define STR(x)		#x
#define XSTR(x)		STR(x)

/* A growing text (the array parameters of a push). */
struct fleet_buf {
	char	*b_p;
	size_t	 b_len, b_cap;
};

static void
fbuf_add(struct fleet_buf *b, const char *s, size_t n)
{
	if (b->b_len + n + 1 > b->b_cap) {
		b->b_cap = (b->b_len + n + 1) * 2;
		b->b_p = xreallocarray(b->b_p, b->b_cap, 1);
	}
	memcpy(b->b_p + b->b_len, s, n);
	b->b_len += n;
	b->b_p[b->b_len] = '\0';
}

static void
fbuf_str(struct fleet_buf *b, const char *s)
{
	fbuf_add(b, s, strlen(s));
}

static void
fbuf_int(struct fleet_buf *b, int64_t v)
{
	char	t[32];
	int	n = snprintf(t, sizeof(t), "%" PRId64, v);

	fbuf_add(b, t, (size_t)n);
}

/* An element of a text[] literal: quoted, with \ and " escaped. */
static void
fbuf_quoted(struct fleet_buf *b, const char *s)
{
	fbuf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fbuf_add(b, "\\", 1);
		fbuf_add(b, s, 1);
	}
	fbuf_add(b, "\"", 1);
}

/* A meta value as a number (0 when absent); -1 on a database error. */
static int
meta_int(struct store *st, const char *key, int64_t *out)
{
	char	*v = NULL;
	int	 r;

	*out = 0;
	if ((r = store_meta_get(st, key, &v)) == -1)
		return -1;
	if (r == 1)
		*out = strtoll(v, NULL, 10);
	free(v);
	return 0;
}

static int
meta_put_int(struct store *st, const char *key, int64_t v)
{
	char	t[32];

	snprintf(t, sizeof(t), "%" PRId64, v);
	return store_meta_put(st, key, t);
}

/*
 * SQLite reuses the ids of the newest failures once they are purged: if
 * the highest id is below the watermark, move fleet_base up so that the
 * next failures get rids above every rid pushed.  Local only, so it runs
 * even when the shared store is down (before any failure can take a
 * reused id: the purge runs in `run`, and so does this, right after).
 */
static int
keep_rids_unique(struct store *st, int64_t *pushed, int64_t *base)
{
	int64_t	maxid;

	if (meta_int(st, "fleet_pushed", pushed) == -1 ||
	    meta_int(st, "fleet_base", base) == -1 ||
	    store_failure_maxid(st, &maxid) == -1)
		return -1;
	if (maxid >= *pushed)
		return 0;
	*base += *pushed - maxid;
	*pushed = maxid;
	if (store_begin(st) == -1)
		return -1;
	if (meta_put_int(st, "fleet_base", *base) == -1 ||
	    meta_put_int(st, "fleet_pushed", *pushed) == -1 ||
	    store_commit(st) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

static const char SQL_PUSH[] =
    "INSERT INTO fleet_failures (host, rid, time, address, jail, pattern) "
    "SELECT $1, r, t, a, j, p FROM unnest($2::bigint[], $3::bigint[], $4::inet[], "
    "$5::text[], $6::text[]) AS u(r, t, a, j, p) "
    "ON CONFLICT (host, rid) DO NOTHING";
static const char SQL_HOST[] =
    "INSERT INTO fleet_hosts (host, last_push, pushed) VALUES ($1, now(), $2) "
    "ON CONFLICT (host) DO UPDATE SET last_push = now(), "
    "pushed = fleet_hosts.pushed + excluded.pushed";

/*
 * Push every local failure after the watermark, PUSH_BATCH per shared
 * transaction.  -1: the shared store failed (problem set); -2: local.
 */
static int
push(struct fleet *f, int64_t *pushed, int64_t base, int64_t *npushed)
{
	struct fleetrow	*v = NULL;
	struct fleet_buf	 b[5];
	struct addr	 a;
	PGresult	*r;
	char		 cnt[32];
	const char	*vals[6];
	size_t		 n = 0, i, k;
	int64_t		 good;
	int		 rc = -1;

	memset(b, 0, sizeof(b));
	for (;;) {
		if (store_fleet_outbox(f->f_st, *pushed, PUSH_BATCH, &v, &n) == -1) {
			rc = -2;
			goto out;
		}
		if (n == 0)
			break;
		for (k = 0; k < 5; k++) {
			b[k].b_len = 0;
			fbuf_str(&b[k], "{");
		}
		for (i = 0, good = 0; i < n; i++) {
			/* Not an address (a row edited by hand): never leaves. */
			if (addr_parse(v[i].fr_addr, strlen(v[i].fr_addr), &a) == -1)
				continue;
			for (k = 0; good > 0 && k < 5; k++)
				fbuf_str(&b[k], ",");
			fbuf_int(&b[0], v[i].fr_id + base);
			fbuf_int(&b[1], v[i].fr_time);
			fbuf_str(&b[2], v[i].fr_addr);
			fbuf_quoted(&b[3], v[i].fr_jail);
			fbuf_quoted(&b[4], v[i].fr_key);
			good++;
		}
		for (k = 0; k < 5; k++)
			fbuf_str(&b[k], "}");
		vals[0] = f->f_cfg->c_fleet_host;
		for (k = 0; k < 5; k++)
			vals[k + 1] = b[k].b_p;
		if (fleet_pg_ok(f, "pushing", "BEGIN", 0, NULL) == -1)
			goto out;
		if ((r = fleet_pg(f, "pushing", PGRES_TUPLES_OK,
		    "SELECT pg_advisory_xact_lock(" FLEET_LOCK ")", 0, NULL)) == NULL)
			goto out_rollback;
		PQclear(r);
		if ((r = fleet_pg(f, "pushing", PGRES_COMMAND_OK, SQL_PUSH, 6, vals)) == NULL)
			goto out_rollback;
		/* Rows a repeated push finds there already are not counted. */
		good = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		snprintf(cnt, sizeof(cnt), "%" PRId64, good);
		vals[1] = cnt;
		if (fleet_pg_ok(f, "pushing", SQL_HOST, 2, vals) == -1 ||
		    fleet_pg_ok(f, "pushing", "COMMIT", 0, NULL) == -1)
			goto out_rollback;
		/* Shared commit done: now, and only now, the watermark. */
		if (meta_put_int(f->f_st, "fleet_pushed", v[n - 1].fr_id) == -1) {
			rc = -2;
			goto out;
		}
		*pushed = v[n - 1].fr_id;
		*npushed += good;
		store_fleetrows_free(v, n);
		v = NULL;
		if (n < PUSH_BATCH)
			break;
	}
	rc = 0;
	goto out;
out_rollback:
	fleet_pg_rollback(f);
out:
	store_fleetrows_free(v, n);
	for (k = 0; k < 5; k++)
		free(b[k].b_p);
	return rc;
}

static const char SQL_ACT[] =
    "INSERT INTO fleet_actions (host, kind, rid, address, jail, start, \"end\", reason) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";

/*
 * Push the manual bans and unbans made here since the last push, in one
 * shared transaction; then (only then), in one local transaction, the
 * bans' watermark (meta fleet_bans_pushed: a bans.id) and a row of
 * fleet_lifts_pushed for each unban (a time watermark would miss an unban
 * in the second of the last push, or dated before it).
 */
static int
push_actions(struct fleet *f)
{
	struct fleetact	*v = NULL;
	PGresult	*r;
	struct addr	 a;
	char		 rid[32], start[32], end[32];
	const char	*vals[8];
	int64_t		 bw;
	size_t		 n = 0, i;
	int		 rc = -2;

	if (meta_int(f->f_st, "fleet_bans_pushed", &bw) == -1 ||
	    store_fleet_actions_out(f->f_st, bw, &v, &n) == -1)
		return -2;
	if (n == 0)
		return 0;
	rc = -1;
	if (fleet_pg_ok(f, "pushing bans", "BEGIN", 0, NULL) == -1)
		goto out;
	if ((r = fleet_pg(f, "pushing bans", PGRES_TUPLES_OK,
	    "SELECT pg_advisory_xact_lock(" FLEET_LOCK ")", 0, NULL)) == NULL)
		goto out_rollback;
	PQclear(r);
	for (i = 0; i < n; i++) {
		if (v[i].fa_kind == 'b' && v[i].fa_id > bw)
			bw = v[i].fa_id;
		if (addr_parse_net(v[i].fa_addr, strlen(v[i].fa_addr), &a) == -1)
			continue;
		snprintf(rid, sizeof(rid), "%" PRId64, v[i].fa_kind == 'b' ? v[i].fa_id : 0);
		snprintf(start, sizeof(start), "%" PRId64, v[i].fa_start);
		snprintf(end, sizeof(end), "%" PRId64, v[i].fa_end);
		vals[0] = f->f_cfg->c_fleet_host;
		vals[1] = v[i].fa_kind == 'b' ? "ban" : "unban";
		vals[2] = rid;
		vals[3] = v[i].fa_addr;
		vals[4] = v[i].fa_jail != NULL ? v[i].fa_jail : "manual";
		vals[5] = start;
		vals[6] = v[i].fa_kind == 'b' && v[i].fa_end != TIME_FOREVER ? end : NULL;
		vals[7] = v[i].fa_reason;
		if (fleet_pg_ok(f, "pushing bans", SQL_ACT, 8, vals) == -1)
			goto out_rollback;
	}
	if (fleet_pg_ok(f, "pushing bans", "COMMIT", 0, NULL) == -1)
		goto out_rollback;
	rc = -2;
	if (store_begin(f->f_st) == -1)
		goto out;
	if (meta_put_int(f->f_st, "fleet_bans_pushed", bw) == -1)
		goto out_local;
	for (i = 0; i < n; i++)
		if (v[i].fa_kind == 'u' &&
		    store_fleet_lift_pushed(f->f_st, v[i].fa_addr, v[i].fa_start) == -1)
			goto out_local;
	if (store_commit(f->f_st) == -1)
		goto out_local;
	rc = 0;
	goto out;
out_local:
	store_rollback(f->f_st);
	goto out;
out_rollback:
	fleet_pg_rollback(f);
out:
	store_fleetacts_free(v, n);
	return rc;
}

/* Text for a terminal: no control character, C1 in UTF-8 included. */
static int
clean_text(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (iscntrl(*p) || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return 0;
	return 1;
}

/* Why a pulled jail or reason (NULL: none) cannot be stored, or NULL. */
static const char *
bad_text(const char *jail, const char *reason)
{
	size_t	n = strlen(jail);

	if (strcmp(jail, "manual") != 0 && (n > JAIL_MAX || !ini_is_name(jail, n)))
		return "a jail that is not a section name";
	if (reason != NULL && strlen(reason) > BAN_REASON_MAX)
		return "a reason over " XSTR(BAN_REASON_MAX) " bytes";
	if (reason != NULL && !clean_text(reason))
		return "a reason with control characters";
	return NULL;
}

/*
 * Why a pulled pattern key cannot be stored, or NULL: a failregex key, or
 * "#N" (the place of the failregex, a shared row of version 1), at most
 * KEY_MAX bytes.
 */
static const char *
bad_key(const char *key)
{
	size_t	n = strlen(key);

	if (n > KEY_MAX || !(config_failkey(key) ||
	    (n > 1 && key[0] == '#' && strspn(key + 1, "0123456789") == n - 1)))
		return "a pattern key that is not failregex[.N], failregex.extra.N,"
		    " failregex.aggressive.N or #N";
	return NULL;
}

/* Why pulled times (end TIME_FOREVER: none) cannot be stored, or NULL. */
static const char *
bad_time(int64_t start, int64_t end, int64_t now)
{
	if (start < 0 || (end != TIME_FOREVER && end < 0))
		return "a negative time";
	if (start > now + FUTURE_MAX)
		return "a time more than a day ahead";
	if (end != TIME_FOREVER && end <= start)
		return "an end not after its start";
	return NULL;
}

/* Count a skipped row; keep the first (its host shown only if printable). */
static void
skip(struct fleet *f, const char *host, const char *what, const char *addr,
    const char *why)
{
	const char	*p;

	if (f->f_nskip++ > 0)
		return;
	for (p = host; *p != '\0' && isprint((unsigned char)*p); p++)
		;
	snprintf(f->f_skip, sizeof(f->f_skip), "%s's %s of %s: %s",
	    *p == '\0' && p != host ? host : "a host", what, addr, why);
}

/* abbrev(): an address without its /32 (/128), a network with its /N. */
static const char SQL_PULL_ACT[] =
    "SELECT seq, host, kind, rid, abbrev(address), left(jail, " XSTR(JAIL_MAX) " + 1), "
    "start, \"end\", left(reason, " XSTR(BAN_REASON_MAX) " + 1) "
    "FROM fleet_actions WHERE seq > $1 AND host <> $2 ORDER BY seq LIMIT "
    XSTR(PULL_BATCH);

/* The other hosts' bans and unbans after meta fleet_actions_pulled, applied
 * in the caller's transaction; *aseq: the new position. */
static int
pull_actions(struct fleet *f, int64_t now, int64_t *aseq)
{
	PGresult	*r;
	struct addr	 a;
	const char	*vals[2], *addr, *why, *reason;
	char		 after[32], buf[ADDR_STRLEN];
	int64_t		 start, end;
	int		 i, nt, k, unban;

	vals[1] = f->f_cfg->c_fleet_host;
	for (;;) {
		snprintf(after, sizeof(after), "%" PRId64, *aseq);
		vals[0] = after;
		if ((r = fleet_pg(f, "pulling bans", PGRES_TUPLES_OK, SQL_PULL_ACT, 2, vals)) == NULL)
			return -1;
		nt = PQntuples(r);
		for (i = 0; i < nt; i++) {
			*aseq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			addr = PQgetvalue(r, i, 4);
			if (addr_parse_net(addr, strlen(addr), &a) == -1)
				continue;
			addr_str(&a, buf, sizeof(buf));
			unban = strcmp(PQgetvalue(r, i, 2), "unban") == 0;
			start = strtoll(PQgetvalue(r, i, 6), NULL, 10);
			end = unban || PQgetisnull(r, i, 7) ? TIME_FOREVER :
			    strtoll(PQgetvalue(r, i, 7), NULL, 10);
			reason = unban || PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8);
			if ((why = bad_time(start, end, now)) != NULL ||
			    (!unban && (why = bad_text(PQgetvalue(r, i, 5), reason)) != NULL)) {
				skip(f, PQgetvalue(r, i, 1), unban ? "unban" : "ban", buf, why);
				continue;
			}
			if (unban) {
				if ((k = bans_fleet_lift(f->f_st, PQgetvalue(r, i, 1), buf,
				    start)) == -1)
					goto out_local;
				f->f_changed += k;
				continue;
			}
			/* The whitelist here wins over a ban forced elsewhere. */
			if (cidrlist_overlap(&f->f_cfg->c_ignoreip, &a) != NULL)
				continue;
			if ((k = store_fleet_ban_add(f->f_st, PQgetvalue(r, i, 1),
			    strtoll(PQgetvalue(r, i, 3), NULL, 10), PQgetvalue(r, i, 5), buf,
			    start, end, reason)) == -1)
				goto out_local;
			f->f_changed += k;
		}
		PQclear(r);
		if (nt < PULL_BATCH)
			return 0;
	}
out_local:
	PQclear(r);
	return -2;
}

static const char SQL_PULL[] =
    "SELECT seq, host, rid, time, host(address), left(jail, " XSTR(JAIL_MAX) " + 1), "
    "left(pattern, " XSTR(KEY_MAX) " + 1) FROM fleet_failures "
    "WHERE seq > $1 AND host <> $2 ORDER BY seq LIMIT " XSTR(PULL_BATCH);

/*
 * Pull the other hosts' rows after meta fleet_pulled into the local store,
 * and run the window over what they touch, in ONE local transaction with
 * the new fleet_pulled.  -1: shared store (problem set); -2: local.
 */
static int
pull(struct fleet *f, int64_t now, int64_t *pushed, int64_t *npulled, int64_t *newbans)
{
	PGresult	*r = NULL;
	struct addr	 a;
	const char	*vals[2];
	char		 after[32];
	int64_t		 seq, start, aseq, astart, maxid, newmax, rid, t;
	int		 i, nt, rc = -2, added;

	if (store_begin(f->f_st) == -1)
		return -2;
	if (meta_int(f->f_st, "fleet_pulled", &seq) == -1 ||
	    store_failure_maxid(f->f_st, &maxid) == -1)
		goto out;
	start = seq;
	if (meta_int(f->f_st, "fleet_actions_pulled", &aseq) == -1)
		goto out;
	astart = aseq;
	vals[1] = f->f_cfg->c_fleet_host;
	for (;;) {
		snprintf(after, sizeof(after), "%" PRId64, seq);
		vals[0] = after;
		if ((r = fleet_pg(f, "pulling", PGRES_TUPLES_OK, SQL_PULL, 2, vals)) == NULL) {
			rc = -1;
			goto out;
		}
		nt = PQntuples(r);
		for (i = 0; i < nt; i++) {
			const char	*addr = PQgetvalue(r, i, 4), *why;
			char		 buf[ADDR_STRLEN];

			seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			rid = strtoll(PQgetvalue(r, i, 2), NULL, 10);
			t = strtoll(PQgetvalue(r, i, 3), NULL, 10);
			/* What another host wrote is data: re-parsed, canonical.
			 * Older than dbpurgeage: purged here anyway, not stored. */
			if (addr_parse(addr, strlen(addr), &a) == -1 ||
			    t < now - (int64_t)f->f_cfg->c_dbpurgeage)
				continue;
			if ((why = bad_time(t, TIME_FOREVER, now)) != NULL ||
			    (why = bad_text(PQgetvalue(r, i, 5), NULL)) != NULL ||
			    (why = bad_key(PQgetvalue(r, i, 6))) != NULL) {
				addr_str(&a, buf, sizeof(buf));
				skip(f, PQgetvalue(r, i, 1), "failure", buf, why);
				continue;
			}
			if ((added = store_fleet_add(f->f_st, PQgetvalue(r, i, 1), rid, seq,
			    PQgetvalue(r, i, 5), &a, t, PQgetvalue(r, i, 6))) == -1)
				goto out;
			*npulled += added;
		}
		PQclear(r);
		r = NULL;
		if (nt < PULL_BATCH)
			break;
	}
	if ((rc = pull_actions(f, now, &aseq)) != 0)
		goto out;
	rc = -2;
	if (seq == start && aseq == astart && maxid == *pushed) {
		store_rollback(f->f_st);	/* nothing new: no commit to pay for */
		return 0;
	}
	/*
	 * Every local failure is pushed (push() drained them before pull()
	 * runs), so the watermark moves past the pulled ones too: the next
	 * runs do not walk them again looking for local failures.
	 */
	if (meta_put_int(f->f_st, "fleet_pulled", seq) == -1 ||
	    meta_put_int(f->f_st, "fleet_actions_pulled", aseq) == -1 ||
	    store_failure_maxid(f->f_st, &newmax) == -1 ||
	    meta_put_int(f->f_st, "fleet_pushed", newmax) == -1 ||
	    bans_window(f->f_st, f->f_cfg, maxid, 1, newbans) == -1 ||
	    store_commit(f->f_st) == -1)
		goto out;
	*pushed = newmax;
	return 0;
out:
	PQclear(r);
	store_rollback(f->f_st);
	*npulled = 0;
	f->f_nskip = 0;		/* pulled again by the next run */
	return rc;
}

/* dbpurgeage over there: this host's own rows, at most once an hour. */
static int
purge(struct fleet *f, int64_t now)
{
	const char	*vals[2];
	char		 before[32];
	int64_t		 last;

	if (meta_int(f->f_st, "fleet_last_purge", &last) == -1)
		return -2;
	if (last != 0 && now >= last && now - last < PURGE_EVERY)
		return 0;
	snprintf(before, sizeof(before), "%" PRId64, now - (int64_t)f->f_cfg->c_dbpurgeage);
	vals[0] = f->f_cfg->c_fleet_host;
	vals[1] = before;
	if (fleet_pg_ok(f, "purging", "DELETE FROM fleet_failures WHERE host = $1 AND time < $2",
	    2, vals) == -1)
		return -1;
	return meta_put_int(f->f_st, "fleet_last_purge", now) == -1 ? -2 : 0;
}

/*
 * One line when the problem starts or changes, one when it clears;
 * nothing while it lasts (cron mails what a run prints).
 */
static void
fleet_report(struct fleet *f, int64_t waiting)
{
	char	*old = NULL;
	int	 r;

	if ((r = store_meta_get(f->f_st, "fleet_problem", &old)) == -1)
		return;
	if (f->f_err[0] == '\0') {
		if (r == 1 && old[0] != '\0') {
			log_warnx("fleet: the shared store works again; every failure "
			    "is pushed and pulled");
			store_meta_put(f->f_st, "fleet_problem", "");
		}
	} else if (r == 0 || strcmp(old, f->f_err) != 0) {
		log_warnx("fleet: %s; local bans go on, the next run catches up "
		    "(%" PRId64 " failures waiting to be pushed)", f->f_err, waiting);
		store_meta_put(f->f_st, "fleet_problem", f->f_err);
	}
	free(old);
}

int
fleet_sync(const struct config *cfg, struct store *st, int64_t now, int64_t *newbans,
    int *changed)
{
	struct fleet	 f;
	int64_t		 pushed, base, npushed = 0, npulled = 0, nb = 0, waiting = 0;
	int		 rc;

	*changed = 0;
	memset(&f, 0, sizeof(f));
	f.f_cfg = cfg;
	f.f_st = st;
	if (keep_rids_unique(st, &pushed, &base) == -1)
		return -1;
	if (fleet_connect_pg(&f) == -1 || fleet_schema(&f) == -1)
		rc = -1;
	else if ((rc = push(&f, &pushed, base, &npushed)) == 0 &&
	    (rc = push_actions(&f)) == 0 &&
	    (rc = pull(&f, now, &pushed, &npulled, &nb)) == 0)
		rc = purge(&f, now);
	if (rc == -2) {
		PQfinish(f.f_pg);
		return -1;
	}
	*newbans += nb;
	*changed = nb > 0 || f.f_changed > 0;
	if (store_fleet_waiting(st, pushed, &waiting) == -1)
		waiting = -1;
	fleet_report(&f, waiting);
	/* Pulled once (the position moved past them): said once. */
	if (f.f_nskip > 0)
		log_warnx("fleet: %" PRId64 " rows pulled from the shared store skipped "
		    "(the first: %s); fix or delete them there", f.f_nskip, f.f_skip);
	if (f.f_err[0] == '\0')
		log_info("fleet: %" PRId64 " failures pushed, %" PRId64 " pulled, %" PRId64
		    " bans from them", npushed, npulled, nb);
	PQfinish(f.f_pg);
	return f.f_err[0] == '\0' ? 0 : 1;
}

int
fleet_status(const struct config *cfg, struct store *st, FILE *out)
{
	struct fleet	 f;
	PGresult	*r;
	char		*prob = NULL;
	int64_t		 pushed, waiting;
	int		 i, n;

	memset(&f, 0, sizeof(f));
	f.f_cfg = cfg;
	f.f_st = st;
	if (meta_int(st, "fleet_pushed", &pushed) == -1 ||
	    store_fleet_waiting(st, pushed, &waiting) == -1 ||
	    store_meta_get(st, "fleet_problem", &prob) == -1)
		return -1;
	fprintf(out, "fleet: this host is %s, %" PRId64 " failures waiting to be pushed\n",
	    cfg->c_fleet_host, waiting);
	if (prob != NULL && prob[0] != '\0')
		fprintf(out, "fleet: last problem: %s\n", prob);
	free(prob);
	if (fleet_connect_pg(&f) == 0 && (r = fleet_pg(&f, "reading the hosts", PGRES_TUPLES_OK,
	    "SELECT host, to_char(last_push AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), pushed FROM fleet_hosts ORDER BY host",
	    0, NULL)) != NULL) {
		n = PQntuples(r);
		fprintf(out, "fleet hosts: %d\n", n);
		for (i = 0; i < n; i++)
			fprintf(out, "host %s: last push %s, %s failures pushed\n",
			    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
		PQclear(r);
	} else
		fprintf(out, "fleet hosts: unknown (%s)\n", f.f_err);
	PQfinish(f.f_pg);
	return 0;
}
