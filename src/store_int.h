/*
 * store_int.h -- private to store*.c: the connection, its prepared
 * statements and the helpers every part of the store uses.  Nothing
 * outside src/store*.c includes it; store.h is the public surface.
 *   store.c         open, pragmas, directory checks, close, transactions,
 *                   errors, integrity, meta
 *   store_schema.c  schema creation, upgrades, version checks, the
 *                   statement table (stmt_sql) and its preparation
 *   store_fail.c    failures (and their buffer), positions, pending, purge
 *   store_ban.c     bans, runs, scanned files, reports
 *   store_fleet.c   fleet mode: the outbox, what was pulled
 */
#ifndef MAILBAN_STORE_INT_H
#define MAILBAN_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_POS_GET,
	ST_POS_PUT,
	ST_POS_EACH,
	ST_POS_DEL,
	ST_FAIL_MAXID,
	ST_PAT_GET,
	ST_PAT_ADD,
	ST_FAIL_ADD,
	ST_FAIL_ADDN,
	ST_TOUCHED,
	ST_PAIR_BANS,
	ST_BAN_DELETE,
	ST_WIN_FAILS,
	ST_BAN_ADD,
	ST_BAN_CONSUME,
	ST_ACTIVE,
	ST_RUN_ADD,
	ST_RUN_LAST,
	ST_RUN_UPDATE,
	ST_PEND_ADDR,
	ST_PEND_PUT_ADDR,
	ST_PEND_PUT_FAIL,
	ST_PEND_TAKE,
	ST_PEND_EXPIRE,
	ST_PURGE,
	ST_FREELIST,
	ST_VACUUM,
	ST_BAN_MANUAL,
	ST_UNBAN_LIST,
	ST_UNBAN_LIFT,
	ST_UNBAN_SAME,
	ST_UNBAN_REST,
	ST_BANS_EACH,
	ST_SCANNED_GET,
	ST_SCANNED_PUT,
	ST_TOUCHED_FEW,
	ST_META_GET,
	ST_META_PUT,
	ST_FLEET_OUTBOX,
	ST_FLEET_WAITING,
	ST_FLEET_KNOWN,
	ST_FLEET_PUT,
	ST_FLEET_BANS_OUT,
	ST_FLEET_LIFTS_OUT,
	ST_FLEET_LIFT_PUSHED,
	ST_FLEET_BAN_KNOWN,
	ST_FLEET_BAN_PUT,
	ST_FLEET_LIFT_KNOWN,
	ST_FLEET_LIFT_PUT,
	ST_BAN_CONSUME_SPAN,
	ST__N
};

struct failbuf;
struct patid;
struct chunk;
struct fbkey;

struct store {
	sqlite3		*s_db;
	char		*s_path;
	sqlite3_stmt	*s_st[ST__N];
	struct failbuf	*s_fb;		/* grows up to FAILBUF_MAX */
	size_t		 s_nfb, s_fbcap;
	int		 s_fbids;	/* s_fb sorted, row i has id s_fbbase + 1 + i */
	int64_t		 s_fbbase;	/* max(failures.id) when those ids were given */
	char		**s_jails;	/* jail names seen, for s_fb */
	size_t		 s_njails;
	struct patid	*s_pats;	/* (jail, key) -> patterns.id known */
	size_t		 s_npats, s_patcap;	/* s_patcap: a power of 2, or 0 */
	struct chunk	*s_arena;	/* the fbkeys of s_fb */
	size_t		 s_nchunks;
	const struct fbkey **s_hash;	/* the fbkeys in s_arena, open addressing */
	size_t		 s_hashcap, s_nhash;
	unsigned	 s_nerr;	/* errors reported (db_error) */
	int		 s_damaged;	/* one was SQLITE_CORRUPT or SQLITE_NOTADB */
	char		*s_fullnote;	/* what a full disk costs now; NULL: all */
	int64_t		 s_runid;	/* the row of the last store_run_add() */
	int64_t		 s_now;		/* store_clock(); -1: the wall clock */
};

/* store.c */
int	 db_error(struct store *, const char *what);

/* store_schema.c: the steps of store_open(). */
int	 db_readable(struct store *);
int	 db_check(struct store *, int flags, int final);
int	 db_setup(struct store *);
int	 db_prepare(struct store *);

/* store_fail.c */
void	 fb_reset(struct store *);
int	 flush(struct store *);
#define FAILBUF_ROWS	256	/* rows per INSERT statement when flushing */
const char *failn_sql(char *buf, size_t len);
/* id and ban 0: NULL (the next free id; no ban). */
int	 failure_insert(struct store *, int64_t id, const char *jail, const char *addr,
	    int64_t time, int64_t pattern, int64_t ban);
/*
 * The window reads and consumes the buffered failures where they are
 * (store_touched gave them their ids): the unconsumed ones of (jail,
 * addr) in the (time, id) range from lo to hi now count towards ban, and
 * how many they were; one by id: 1 consumed, 0 not an unconsumed one of
 * that pair, -1 not a buffered failure (it is in the table).
 */
size_t	 fb_consume_span(struct store *, const char *jail, const char *addr,
	    const struct pfail *lo, const struct pfail *hi, int64_t ban);
int	 fb_consume_id(struct store *, int64_t id, const char *jail, const char *addr,
	    int64_t ban);
/* The id in patterns of (jail, key), interned at its first use (an
 * INSERT inside the caller's transaction, if any); 0 or -1. */
int	 pattern_id(struct store *, const char *jail, const char *key, int64_t *id);
/* Forget the ids known (a rollback may have undone their rows); free. */
void	 pat_forget(struct store *);

/* store_ban.c: the canonical text of an address given by a caller, or -1
 * (reported, with what). */
int	 canonical(struct store *, const char *addr, char buf[ADDR_STRLEN],
	    const char *what);

static inline void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no row; always leaves it reset. */
static inline int
st_run(struct store *s, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, what);
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

/* A bind failed (out of memory, too big): report and leave it reset. */
static inline int
bind_error(struct store *s, sqlite3_stmt *st, const char *what)
{
	db_error(s, what);
	done(st);
	return -1;
}

static inline int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Copy a TEXT column into buf only if it is a C string that fits. */
static inline int
column_str(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(st, col);
	size_t			 n = (size_t)sqlite3_column_bytes(st, col);

	if (t == NULL || n >= len || memchr(t, '\0', n) != NULL)
		return -1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return 0;
}

static inline char *
column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* Run one read-only PRAGMA (or query) yielding one integer. */
static inline int
pragma_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->s_db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static inline int
exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->s_db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(s, what);
	return 0;
}

/* One integer (NULL as 0) from a statement returning one row. */
static inline int
one_int(struct store *s, sqlite3_stmt *st, const char *what, int64_t *out)
{
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_error(s, what);
		done(st);
		return -1;
	}
	*out = sqlite3_column_int64(st, 0);	/* NULL reads as 0 */
	done(st);
	return 0;
}

/* jail and addr as parameters i and i + 1. */
static inline int
bind_pair_at(sqlite3_stmt *st, int i, const char *jail, const char *addr)
{
	if (bind_text(st, i, jail) != SQLITE_OK || bind_text(st, i + 1, addr) != SQLITE_OK)
		return -1;
	return 0;
}

static inline int
bind_pair(sqlite3_stmt *st, const char *jail, const char *addr)
{
	return bind_pair_at(st, 1, jail, addr);
}

#endif
