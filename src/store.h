/*
 * store.h -- the SQLite database: the whole state, and the report.
 * Only store*.c speak SQL.  Schema: sql/schema.sql, embedded at build time
 * (build/schema.inc), versioned with PRAGMA user_version and upgraded in place.
 * WAL, synchronous=FULL, busy_timeout 10 s, foreign keys on, file mode 0600.
 * Addresses are stored as canonical text (addr_str) so that reports with
 * the sqlite3 CLI read naturally; times as UTC epoch seconds.
 * Errors are reported here (with sqlite3_errmsg and the file) and -1 returned.
 */
#ifndef MAILBAN_STORE_H
#define MAILBAN_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "reader.h"

struct store;

#define STORE_RDONLY	0x1	/* status, reports */
#define STORE_CREATE	0x2	/* create the file (0600) and schema if absent */

/*
 * path ":memory:" is an empty database that lives until store_close().
 * Refused, with one message naming the file: a missing file (without
 * STORE_CREATE), a symbolic link, a file not owned by the effective user
 * (root), or writable by group or others, a file that is not a mailban
 * database, one written by a newer mailban, and (STORE_RDONLY) one that
 * needs an upgrade.  STORE_RDONLY works while another connection writes.
 */
int	 store_open(const char *path, int flags, struct store **out);
/*
 * The directories leading to the database (as written, and as resolved):
 * each owned by root (or the effective user) and writable by no one else
 * (an ancestor may be sticky, like /tmp; the state directory itself may
 * not).  Reported with the fix, -1.  store_open() and the run lock call it.
 */
int	 store_dir_check(const char *dbpath);
void	 store_close(struct store *);	/* NULL is fine */

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int	 store_begin(struct store *);
int	 store_commit(struct store *);
void	 store_rollback(struct store *);

/* The time store_pos_put() records as "updated" (the run's --now); -1,
 * the default: the wall clock. */
void	 store_clock(struct store *, int64_t now);
/*
 * Reader position of a log, keyed by reader_key(logpath): 1 found, 0 none,
 * -1 error.
 */
int	 store_pos_get(struct store *, const char *path, struct logpos *out);
int	 store_pos_put(struct store *, const char *path, const struct logpos *);
int	 store_pos_del(struct store *, const char *path);

/* Highest failure id so far (0 if none): failures added after it are "new". */
int	 store_failure_maxid(struct store *, int64_t *out);
/*
 * One failure.  key: the key of the failregex that matched, as written in
 * the config ("failregex.extra.1"), recorded as its stable id in table
 * patterns (interned at its first failure; known ids are kept in memory
 * until the next store_begin() or store_rollback()).  Inside a transaction
 * the row is buffered and written, sorted, by the next call that reads
 * failures or by store_commit(): an error writing it (disk full) is
 * reported by that call.  Ids of one (jail, addr) with equal times follow
 * the order of the calls; ids grow from one transaction to the next.
 */
int	 store_failure_add(struct store *, const char *jail, const struct addr *,
	    int64_t time, const char *key);

/* Every (jail, address) with a failure of id > after_id, with the earliest
 * time among those: the window is re-evaluated from there. */
struct touched {
	char	*t_jail;
	char	 t_addr[ADDR_STRLEN];
	int64_t	 t_from;
};
int	 store_touched(struct store *, int64_t after_id, struct touched **v, size_t *n);
void	 store_touched_free(struct touched *, size_t);

/*
 * The window of one (jail, addr), for bans.c (policy decides what they
 * mean): every ban of the pair, by start then id (caller frees *v); one
 * ban deleted by id, which un-consumes its failures; the unconsumed
 * failures of the pair with time >= since, by (time, id) (caller frees *f).
 */
struct prec;
struct pfail;
int	 store_pair_bans(struct store *, const char *jail, const char *addr,
	    struct prec **v, size_t *n);
int	 store_ban_delete(struct store *, int64_t id);
int	 store_pair_failures(struct store *, const char *jail, const char *addr,
	    int64_t since, struct pfail **f, size_t *n);
/* Record an automatic ban consuming the failures ids[0..nids) (end
 * TIME_FOREVER: permanent).  A failure that is not an unconsumed failure
 * of (jail, addr) is an internal error: reported, -1. */
int	 store_ban_add(struct store *, const char *jail, const char *addr,
	    int64_t start, int64_t end, const int64_t *ids, size_t nids);
/* The same for a ban consuming f[0..n), n >= 1, a run of the pair's
 * unconsumed failures in store_pair_failures' order (time, id): one INSERT
 * and one UPDATE of the failures of the pair in the (time, id) range from
 * f[0] to f[n - 1].  A range that does not hold exactly n unconsumed
 * failures of the pair is an internal error: reported, -1. */
int	 store_ban_add_span(struct store *, const char *jail, const char *addr,
	    int64_t start, int64_t end, const struct pfail *f, size_t n);

/* One active ban, for the firewall and `mailban status`. */
struct banrow {
	char	 b_addr[ADDR_STRLEN];
	char	*b_jail;
	int64_t	 b_start;
	int64_t	 b_end;		/* TIME_FOREVER for permanent */
	int64_t	 b_failures;
	int	 b_manual;	/* 1: made by an admin (mailban ban); 2: by
				 * one on another host of the fleet (pulled,
				 * store_unended() only) */
	int64_t	 b_id;		/* the row */
};
/* The bans not lifted that have not ended by `now` (end > now or
 * permanent), those to come included, ordered by address, then start,
 * jail, id: bans_active() takes those in force.  b_addr is re-parsed and
 * canonical; a row edited into something that is not an IP address is
 * skipped with a warning. */
int	 store_unended(struct store *, int64_t now, struct banrow **v, size_t *n);
void	 store_banrows_free(struct banrow *, size_t);

/* One row in the `runs` table per cron run (and its summary for -v). */
struct runrec {
	int64_t	 r_started;	/* wall clock, epoch */
	int64_t	 r_now;		/* the run's reference time (--now) */
	int64_t	 r_lines, r_bytes, r_skipped, r_failures;
	int64_t	 r_newbans, r_expired, r_added, r_removed;
	int64_t	 r_ms;
	const char *r_status;	/* "ok", "firewall failed: ..."; NULL as "" */
};
int	 store_run_add(struct store *, const struct runrec *);
/* Set r_expired, r_added, r_removed, r_ms and r_status of the row the last
 * store_run_add() of this connection made (the firewall step comes after
 * the commit that holds the row). */
int	 store_run_update(struct store *, const struct runrec *);
/* The last run, for status: 1 found, 0 none, -1 error.  r_status is
 * allocated (free it). */
int	 store_run_last(struct store *, struct runrec *out);
/* Reader positions, for status: calls fn for each, by path.  fn returns
 * 0 to go on, -1 to stop (store_pos_each then returns -1, reporting
 * nothing); it must not call store_pos_each. */
int	 store_pos_each(struct store *, int (*fn)(void *, const char *path,
	    const struct logpos *, int64_t updated), void *arg);

/*
 * Queue-id correlation (sendmail's "<user@x>... No such user here" lines
 * carry no address; the same queue id's "from=..., relay=... [addr]" line
 * does).  Kept in the table `pending` so it works across cron runs.  Rows
 * carry the time of their log line; a row older than `since` (the caller
 * passes the looking line's time minus findtime) is not seen, so what a
 * run finds does not depend on when rows were dropped, as long as
 * store_pending_expire() drops only rows that no later line can see.
 */
/* The address seen for (jail, qid) at or after since: 1 found (*addr
 * set), 0, -1. */
int	 store_pending_addr(struct store *, const char *jail, const char *qid,
	    int64_t since, char addr[ADDR_STRLEN]);
/* Remember an address (addr != NULL) or one waiting failure (addr NULL). */
int	 store_pending_put(struct store *, const char *jail, const char *qid,
	    const char *addr, int64_t time);
/* Remove the failures waiting for (jail, qid) at or after since; *count is
 * how many there were.  Older ones stay for store_pending_expire(). */
int	 store_pending_take(struct store *, const char *jail, const char *qid,
	    int64_t since, int64_t *count);
/* Drop every pending row with time < before. */
int	 store_pending_expire(struct store *, int64_t before);

/* Delete failures with time < before (a ban keeps its failure count, and
 * bans are kept as history); returns rows deleted in *n.  (dbpurgeage) */
int	 store_purge(struct store *, int64_t before, int64_t *n);

/*
 * ---- Added for the operator's toolkit (scan, ban/unban, reports) ----
 */
/* The longest reason a manual ban keeps, in bytes (ban --reason, and
 * what a fleet peer may send). */
#define BAN_REASON_MAX	200
/* A manual ban (mailban ban): manual = 1 (never undone by a re-evaluation:
 * policy_window_redo), end TIME_FOREVER for permanent.  *id gets the row
 * id (may be NULL).
 * (addr is stored canonical; not an address, or end < start: -1.) */
int	 store_ban_manual(struct store *, const char *jail, const char *addr,
	    int64_t start, int64_t end, const char *reason, int64_t *id);
/*
 * For unban (bans_unban; policy_lift decides): the bans of addr (all
 * addresses when addr is NULL) not lifted and not ended by now, by
 * address, start, id (b_addr "" for a row edited into something too
 * long; addr is canonicalised, not an address: -1); lift ban id at now;
 * attach to ban id the unconsumed failures of (jail, addr) with time <=
 * upto, or of addr in every jail when jail is NULL.
 */
int	 store_bans_unlifted(struct store *, const char *addr, int64_t now,
	    struct banrow **v, size_t *n);
int	 store_ban_lift(struct store *, int64_t id, int64_t now);
int	 store_ban_take(struct store *, int64_t id, const char *jail, const char *addr,
	    int64_t upto);
/* Every ban (automatic, manual, lifted) with start in [since, until),
 * ordered by address then start; fn returns -1 to stop. */
struct banhist {
	char	 h_addr[ADDR_STRLEN];
	char	*h_jail;
	int64_t	 h_start;
	int64_t	 h_end;		/* TIME_FOREVER for permanent */
	int64_t	 h_failures;
	int	 h_manual;
	int64_t	 h_lifted;	/* 0 when not lifted */
	char	*h_reason;	/* NULL when none */
};
/* (*h and its strings are valid during the call only; fn must not call
 * store_bans_each.) */
int	 store_bans_each(struct store *, int64_t since, int64_t until,
	    int (*fn)(void *, const struct banhist *), void *arg);
/*
 * Files already read by `scan` (dedupe): a file is known by the hash of its
 * first READER_FPMAX bytes (of the decompressed text for .gz) and how many
 * bytes of it were read.  store_scanned_get: 1 known (*offset set), 0, -1.
 */
int	 store_scanned_get(struct store *, uint64_t fp, int64_t fplen, int64_t *offset);
int	 store_scanned_put(struct store *, uint64_t fp, int64_t fplen, int64_t offset,
	    const char *name);

/*
 * Run a report (the text of one sql/reports/NAME.sql: read-only
 * statements) on the database, with the parameter @now bound to now, or
 * left NULL (the wall clock) when now is -1.  For each statement fn gets
 * its column names with values NULL once, then each row: values[i] is the
 * text of column i, NULL for SQL NULL, valid during the call only.  fn
 * returns -1 to stop (store_report then returns -1, reporting nothing).
 * A statement that would write is refused.
 */
int	 store_report(struct store *, const char *sql, int64_t now,
	    int (*fn)(void *, int n, const char *const *names,
	    const char *const *values), void *arg);

/*
 * What the message for a full disk says after "the disk is full, " from
 * now on (the run sets what was already committed); NULL: the default,
 * "nothing was recorded (...)".
 */
void	 store_full_note(struct store *, const char *note);
/* How many errors this connection has reported so far; 1 if one of them
 * showed a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB): nothing read
 * from it is to be trusted, nor applied. */
unsigned store_errors(const struct store *);
int	 store_damaged(const struct store *);

/*
 * PRAGMA quick_check, unless one passed less than a day (of `now`) ago
 * (meta "last_check", recorded when record is set).  A damaged file is
 * reported with what to do (see store_damaged()), -1.
 */
int	 store_check_daily(struct store *, int64_t now, int record);

/* Settings kept in table meta: 1 found (*value allocated), 0, -1. */
int	 store_meta_get(struct store *, const char *key, char **value);
int	 store_meta_put(struct store *, const char *key, const char *value);
/* The same for a hint that may be lost (a full disk): reports nothing,
 * counts no error; 0 or -1. */
int	 store_meta_hint(struct store *, const char *key, const char *value);
/* A setting that is a time (epoch seconds): 0 when absent or unreadable. */
int64_t	 store_meta_time(struct store *, const char *key);
/* The installation's secret seed (drawn once with getrandom, kept in meta). */
int	 store_seed(struct store *, uint64_t *seed);

/*
 * ---- Fleet mode (fleet.c): the local half of the shared store ----
 * A failure read here is "local" and is what this host pushes; one pulled
 * from another host has a row in fleet_origin and is never pushed.
 */
struct fleetrow {
	int64_t	 fr_id;		/* failures.id */
	int64_t	 fr_time;
	char	 fr_addr[ADDR_STRLEN];	/* as stored; "" if not a C string */
	char	*fr_jail;
	char	*fr_key;	/* the failregex's key; "" if it has none */
};
/* The local failures with id > after_id, by id, at most max of them.
 * Caller frees with store_fleetrows_free(). */
int	 store_fleet_outbox(struct store *, int64_t after_id, size_t max,
	    struct fleetrow **v, size_t *n);
void	 store_fleetrows_free(struct fleetrow *, size_t);	/* NULL is fine */
/* How many local failures have id > after_id (waiting to be pushed). */
int	 store_fleet_waiting(struct store *, int64_t after_id, int64_t *n);
/* Record a failure pulled from host, where its id is rid (seq: its
 * sequence number in the shared store): 1 recorded, 0 already there
 * (a row is stored once whatever the pulls do), -1 error. */
int	 store_fleet_add(struct store *, const char *host, int64_t rid, int64_t seq,
	    const char *jail, const struct addr *, int64_t time, const char *key);

/* A manual ban (fa_kind 'b') or an unban ('u', at fa_start) made here. */
struct fleetact {
	int		 fa_kind;
	int64_t		 fa_id;		/* bans.id ('b') */
	char		 fa_addr[ADDR_STRLEN];
	char		*fa_jail;	/* 'b' */
	int64_t		 fa_start;	/* the ban's start, or the unban's time */
	int64_t		 fa_end;	/* 'b': TIME_FOREVER if permanent */
	char		*fa_reason;	/* 'b': NULL if none */
};
/* The manual bans made here with id > ban_after (by id), then the unbans
 * made here not yet recorded by store_fleet_lift_pushed() (by time): what
 * was pulled is not listed.  Caller frees with store_fleetacts_free(). */
int	 store_fleet_actions_out(struct store *, int64_t ban_after,
	    struct fleetact **v, size_t *n);
/* The unban of addr (as listed) at `at` is in the shared store: 0, -1. */
int	 store_fleet_lift_pushed(struct store *, const char *addr, int64_t at);
void	 store_fleetacts_free(struct fleetact *, size_t);	/* NULL is fine */
/* A manual ban pulled from host (its id there rid) / an unban of addr at
 * `at` pulled from host, recorded (bans_fleet_lift() then lifts it with
 * bans_unban(addr, at)): 1 done, 0 already there, -1 error. */
int	 store_fleet_ban_add(struct store *, const char *host, int64_t rid,
	    const char *jail, const char *addr, int64_t start, int64_t end,
	    const char *reason);
int	 store_fleet_lift_add(struct store *, const char *host, const char *addr,
	    int64_t at);

#endif
