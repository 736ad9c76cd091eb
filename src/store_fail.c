/*
 * store_fail.c -- failures (buffered inside a transaction, written
 * sorted), reader positions, the queue ids waiting in pending, and the
 * purge of old failures.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addr.h"
#include "log.h"
#include "policy.h"
#include "store_int.h"
#include "util.h"

/*
 * After a purge, give free pages back to the file system (auto_vacuum is
 * INCREMENTAL) only when they are many, so that pages freed today are not
 * returned and reallocated tomorrow.
 */
#define VACUUM_MINPAGES	1024

/*
 * Failures recorded inside a transaction wait here and reach the table
 * sorted by (jail, address, time, order read), many rows per statement:
 * inserting into failures_window in key order instead of at random
 * places makes recording a failure about twice as fast, and the more
 * rows a flush sorts, the fewer times each hot index page is written (a
 * replay of 2M failures from 5,000 addresses with a 4 MB page cache: 3x
 * faster with 64k rows per flush than with 16k).  So a row is kept small
 * (32 bytes): its (jail, address) is interned once per flush in an
 * arena.  A flush happens at FAILBUF_MAX rows or
 * when the buffer, arena and hash together pass FAILBUF_BYTES (many
 * distinct addresses).  Every function that reads or changes failures,
 * and COMMIT, first flushes; ROLLBACK drops them.  So the failures of one
 * (jail, address) with equal times get ids in the order read, which is
 * all that ordering by (time, id) needs, and ids grow from one
 * transaction to the next.
 *
 * The one exception is the window of a run (bans.c): store_touched sorts
 * the buffer and gives each row the id the flush will write (max(id) + 1
 * on), store_pair_failures reads the pair's buffered rows beside its
 * rows in the table, and a ban marks the buffered failures it consumes,
 * so that they are written once, with their ban_id, instead of inserted
 * and then updated (an UPDATE of a ban's failures cost ~86,000
 * instructions, more than the whole rest of its ban: a cron run of 5,000
 * new bans spent 38% of itself there).  Any flush meanwhile writes the
 * rows as they are, ids and bans included, and what follows finds them in
 * the table.
 */
#define FAILBUF_MAX	131072	/* rows: 3 MB */
#define FAILBUF_BYTES	(4 << 20)	/* rows, arena and hash together */
#define ARENA_CHUNK	65536

/* A (jail, address) pair, once per flush, in s_arena. */
struct fbkey {
	const char	*k_jail;	/* one of s_jails */
	char		 k_addr[];	/* canonical text */
};

struct failbuf {
	int64_t			 fb_time;
	const struct fbkey	*fb_key;
	int64_t			 fb_ban;	/* the ban it counts towards; 0: none */
	uint32_t		 fb_seq;	/* order read */
	int			 fb_pattern;
};

/*
 * A (jail, key) whose patterns.id is known, in s_pats (open addressing,
 * pt_key NULL: free): failures name their pattern by key, and this makes
 * that an FNV hash and a strcmp, not SQL, from the second failure of a
 * pattern on.  Kept until a transaction begins or rolls back: a rollback
 * may have undone the row of an id interned in it.
 */
struct patid {
	const char	*pt_jail;	/* one of s_jails */
	char		*pt_key;
	int64_t		 pt_id;
};

struct chunk {
	struct chunk	*ch_next;
	size_t		 ch_used;
	char		 ch_data[ARENA_CHUNK];
};

/* Forget the buffered rows and their texts (the first chunk is kept). */
void
fb_reset(struct store *s)
{
	struct chunk	*c;

	s->s_nfb = 0;
	s->s_fbids = 0;
	s->s_fbbase = 0;
	while (s->s_arena != NULL && s->s_arena->ch_next != NULL) {
		c = s->s_arena->ch_next;
		s->s_arena->ch_next = c->ch_next;
		free(c);
	}
	if (s->s_arena != NULL)
		s->s_arena->ch_used = 0;
	s->s_nchunks = s->s_arena != NULL;
	/* A hash grown by many distinct addresses is not kept. */
	if (s->s_hashcap > 4096) {
		free(s->s_hash);
		s->s_hash = NULL;
		s->s_hashcap = 0;
	} else if (s->s_nhash > 0)
		memset(s->s_hash, 0, s->s_hashcap * sizeof(*s->s_hash));
	s->s_nhash = 0;
}

/* Bytes used by buffered rows: what FAILBUF_BYTES bounds. */
static size_t
fb_bytes(const struct store *s)
{
	return s->s_nfb * sizeof(*s->s_fb) + s->s_nchunks * sizeof(struct chunk) +
	    s->s_hashcap * sizeof(*s->s_hash);
}

static size_t
fbkey_hash(const char *jail, const char *addr)
{
	return hash_fnv1a(addr, strlen(addr), HASH_FNV_SEED ^ (uintptr_t)jail);
}

/* The one copy of (jail, addr) in the arena, until the next flush. */
static const struct fbkey *
fbkey_intern(struct store *s, const char *jail, const char *addr)
{
	const struct fbkey	**old;
	struct fbkey		 *k;
	struct chunk		 *c;
	size_t			  len, i, j, oldcap;

	if ((s->s_nhash + 1) * 2 > s->s_hashcap) {
		old = s->s_hash;
		oldcap = s->s_hashcap;
		s->s_hashcap = oldcap ? oldcap * 2 : 1024;
		s->s_hash = xcalloc(s->s_hashcap, sizeof(*s->s_hash));
		for (j = 0; j < oldcap; j++) {
			if (old[j] == NULL)
				continue;
			i = fbkey_hash(old[j]->k_jail, old[j]->k_addr);
			while (s->s_hash[i &= s->s_hashcap - 1] != NULL)
				i++;
			s->s_hash[i] = old[j];
		}
		free(old);
	}
	i = fbkey_hash(jail, addr);
	for (; s->s_hash[i &= s->s_hashcap - 1] != NULL; i++)
		if (s->s_hash[i]->k_jail == jail && strcmp(s->s_hash[i]->k_addr, addr) == 0)
			return s->s_hash[i];
	/* Whole pointers apart: round the size up to a multiple of 8. */
	len = (sizeof(*k) + strlen(addr) + 1 + 7) & ~(size_t)7;
	if (s->s_arena == NULL || s->s_arena->ch_used + len > ARENA_CHUNK) {
		c = xmalloc(sizeof(*c));
		c->ch_next = s->s_arena;
		c->ch_used = 0;
		s->s_arena = c;
		s->s_nchunks++;
	}
	k = (struct fbkey *)(void *)(s->s_arena->ch_data + s->s_arena->ch_used);
	s->s_arena->ch_used += len;
	k->k_jail = jail;
	memcpy(k->k_addr, addr, strlen(addr) + 1);
	s->s_nhash++;
	return s->s_hash[i] = k;
}

static int
failbuf_cmp(const void *a, const void *b)
{
	const struct failbuf	*x = a, *y = b;
	int			 c;

	if (x->fb_key != y->fb_key) {
		if (x->fb_key->k_jail != y->fb_key->k_jail &&
		    (c = strcmp(x->fb_key->k_jail, y->fb_key->k_jail)) != 0)
			return c;
		/* strcmp orders NUL-free text as SQLite's BINARY collation does. */
		if ((c = strcmp(x->fb_key->k_addr, y->fb_key->k_addr)) != 0)
			return c;
	}
	if (x->fb_time != y->fb_time)
		return x->fb_time < y->fb_time ? -1 : 1;
	return x->fb_seq < y->fb_seq ? -1 : x->fb_seq > y->fb_seq;
}

/* The id buffered row i will have (0: the next free one, SQLite's choice). */
static int64_t
fb_id(const struct store *s, size_t i)
{
	return s->s_fbids ? s->s_fbbase + 1 + (int64_t)i : 0;
}

/* An id or ban_id: 0 is NULL. */
static int
bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	return v != 0 ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int
failure_insert(struct store *s, int64_t id, const char *jail, const char *addr,
    int64_t time, int64_t pattern, int64_t ban)
{
	sqlite3_stmt	*st = s->s_st[ST_FAIL_ADD];

	if (bind_id(st, 1, id) != SQLITE_OK || sqlite3_bind_int64(st, 2, time) != SQLITE_OK ||
	    bind_text(st, 3, addr) != SQLITE_OK || bind_text(st, 4, jail) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, pattern) != SQLITE_OK || bind_id(st, 6, ban) != SQLITE_OK)
		return bind_error(s, st, "recording a failure");
	return st_run(s, st, "recording a failure");
}

/* FAILBUF_ROWS failures from buffered row i on in one statement: far less
 * work per row. */
static int
failure_insertn(struct store *s, size_t i)
{
	sqlite3_stmt		*st = s->s_st[ST_FAIL_ADDN];
	const struct failbuf	*fb = &s->s_fb[i];
	int			 k, p;

	for (k = 0, p = 1; k < FAILBUF_ROWS; k++, p += 6)
		if (bind_id(st, p, fb_id(s, i + (size_t)k)) != SQLITE_OK ||
		    sqlite3_bind_int64(st, p + 1, fb[k].fb_time) != SQLITE_OK ||
		    bind_text(st, p + 2, fb[k].fb_key->k_addr) != SQLITE_OK ||
		    bind_text(st, p + 3, fb[k].fb_key->k_jail) != SQLITE_OK ||
		    sqlite3_bind_int(st, p + 4, fb[k].fb_pattern) != SQLITE_OK ||
		    bind_id(st, p + 5, fb[k].fb_ban) != SQLITE_OK)
			return bind_error(s, st, "recording failures");
	return st_run(s, st, "recording failures");
}

int
flush(struct store *s)
{
	size_t	i, n = s->s_nfb;
	int	rc = -1;

	if (n == 0)
		return 0;
	if (sqlite3_get_autocommit(s->s_db)) {
		fb_reset(s);
		return log_error("%s: recording failures: the transaction was rolled "
		    "back; nothing was recorded", s->s_path);
	}
	if (!s->s_fbids)
		qsort(s->s_fb, n, sizeof(*s->s_fb), failbuf_cmp);
	for (i = 0; i + FAILBUF_ROWS <= n; i += FAILBUF_ROWS)
		if (failure_insertn(s, i) == -1)
			goto out;
	for (; i < n; i++)
		if (failure_insert(s, fb_id(s, i), s->s_fb[i].fb_key->k_jail,
		    s->s_fb[i].fb_key->k_addr, s->s_fb[i].fb_time,
		    s->s_fb[i].fb_pattern, s->s_fb[i].fb_ban) == -1)
			goto out;
	rc = 0;
out:
	fb_reset(s);
	return rc;
}

/* The one statement with a repeated part: text only, no value in it. */
const char *
failn_sql(char *buf, size_t len)
{
	static const char	head[] = "INSERT INTO failures (id, time, address, jail, "
	    "pattern, ban_id) VALUES (?, ?, ?, ?, ?, ?)";
	static const char	row[] = ", (?, ?, ?, ?, ?, ?)";
	size_t			i, n = sizeof(head) - 1;

	if (len < sizeof(head) + (FAILBUF_ROWS - 1) * (sizeof(row) - 1))
		abort();	/* sized at compile time by the caller */
	memcpy(buf, head, n);
	for (i = 1; i < FAILBUF_ROWS; i++, n += sizeof(row) - 1)
		memcpy(buf + n, row, sizeof(row) - 1);
	buf[n] = '\0';
	return buf;
}

/* dev, ino and fp are unsigned 64-bit: stored as INTEGER through int64_t. */
static void
column_pos(sqlite3_stmt *st, int col, struct logpos *p)
{
	p->lp_dev = (uint64_t)sqlite3_column_int64(st, col);
	p->lp_ino = (uint64_t)sqlite3_column_int64(st, col + 1);
	p->lp_offset = sqlite3_column_int64(st, col + 2);
	p->lp_fp = (uint64_t)sqlite3_column_int64(st, col + 3);
	p->lp_fplen = sqlite3_column_int64(st, col + 4);
}

int
store_pos_get(struct store *s, const char *path, struct logpos *out)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_GET];
	int		 rc;

	if (bind_text(st, 1, path) != SQLITE_OK)
		return bind_error(s, st, "reading a log position");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		column_pos(st, 0, out);
		done(st);
		return 1;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading a log position");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

void
store_clock(struct store *s, int64_t now)
{
	s->s_now = now;
}

int
store_pos_put(struct store *s, const char *path, const struct logpos *p)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_PUT];

	if (bind_text(st, 1, path) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)p->lp_dev) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)p->lp_ino) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, p->lp_offset) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)p->lp_fp) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, p->lp_fplen) != SQLITE_OK ||
	    (s->s_now == -1 ? sqlite3_bind_null(st, 7) :
	    sqlite3_bind_int64(st, 7, s->s_now)) != SQLITE_OK)
		return bind_error(s, st, "saving a log position");
	return st_run(s, st, "saving a log position");
}

int
store_pos_del(struct store *s, const char *path)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_DEL];

	if (bind_text(st, 1, path) != SQLITE_OK)
		return bind_error(s, st, "removing a log position");
	return st_run(s, st, "removing a log position");
}

int
store_pos_each(struct store *s, int (*fn)(void *, const char *,
    const struct logpos *, int64_t), void *arg)
{
	sqlite3_stmt	*st = s->s_st[ST_POS_EACH];
	struct logpos	 p;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_pos(st, 1, &p);
		if (fn(arg, (const char *)sqlite3_column_text(st, 0), &p,
		    sqlite3_column_int64(st, 6)) == -1) {
			done(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading log positions");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

int
store_failure_maxid(struct store *s, int64_t *out)
{
	if (flush(s) == -1)
		return -1;
	return one_int(s, s->s_st[ST_FAIL_MAXID], "reading failures", out);
}

/* The jail name as kept by the store (compared by pointer first). */
static const char *
jail_intern(struct store *s, const char *jail)
{
	size_t	i;

	for (i = 0; i < s->s_njails; i++)
		if (strcmp(s->s_jails[i], jail) == 0)
			return s->s_jails[i];
	s->s_jails = xreallocarray(s->s_jails, s->s_njails + 1, sizeof(*s->s_jails));
	return s->s_jails[s->s_njails++] = xstrdup(jail);
}

static size_t
patid_hash(const char *jail, const char *key)
{
	return hash_fnv1a(key, strlen(key), HASH_FNV_SEED ^ (uintptr_t)jail);
}

static void
patid_put(struct store *s, const char *jail, const char *key, int64_t id)
{
	struct patid	*old = s->s_pats;
	size_t		 oldcap = s->s_patcap, i, j;

	if ((s->s_npats + 1) * 2 > s->s_patcap) {
		s->s_patcap = oldcap ? oldcap * 2 : 64;
		s->s_pats = xcalloc(s->s_patcap, sizeof(*s->s_pats));
		for (j = 0; j < oldcap; j++) {
			if (old[j].pt_key == NULL)
				continue;
			i = patid_hash(old[j].pt_jail, old[j].pt_key);
			while (s->s_pats[i &= s->s_patcap - 1].pt_key != NULL)
				i++;
			s->s_pats[i] = old[j];
		}
		free(old);
	}
	i = patid_hash(jail, key);
	while (s->s_pats[i &= s->s_patcap - 1].pt_key != NULL)
		i++;
	s->s_pats[i].pt_jail = jail;
	s->s_pats[i].pt_key = xstrdup(key);
	s->s_pats[i].pt_id = id;
	s->s_npats++;
}

/* pattern_id() for a jail already interned by jail_intern(). */
static int
patid_get(struct store *s, const char *jail, const char *key, int64_t *id)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if (s->s_patcap > 0)
		for (i = patid_hash(jail, key); s->s_pats[i &= s->s_patcap - 1].pt_key != NULL;
		    i++)
			if (s->s_pats[i].pt_jail == jail && strcmp(s->s_pats[i].pt_key, key) == 0) {
				*id = s->s_pats[i].pt_id;
				return 0;
			}
	st = s->s_st[ST_PAT_GET];
	if (bind_pair(st, jail, key) == -1)
		return bind_error(s, st, "reading a pattern's id");
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		done(st);
		st = s->s_st[ST_PAT_ADD];
		if (bind_pair(st, jail, key) == -1)
			return bind_error(s, st, "recording a pattern");
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		db_error(s, "recording a pattern");
		done(st);
		return -1;
	}
	*id = sqlite3_column_int64(st, 0);
	/* A RETURNING statement is done only once stepped to its end. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		db_error(s, "recording a pattern");
		done(st);
		return -1;
	}
	done(st);
	patid_put(s, jail, key, *id);
	return 0;
}

int
pattern_id(struct store *s, const char *jail, const char *key, int64_t *id)
{
	return patid_get(s, jail_intern(s, jail), key, id);
}

void
pat_forget(struct store *s)
{
	size_t	i;

	for (i = 0; i < s->s_patcap; i++)
		free(s->s_pats[i].pt_key);
	free(s->s_pats);
	s->s_pats = NULL;
	s->s_npats = s->s_patcap = 0;
}

int
store_failure_add(struct store *s, const char *jail, const struct addr *a,
    int64_t time, const char *key)
{
	struct failbuf	*fb;
	const char	*ijail;
	char		 buf[ADDR_STRLEN];
	int64_t		 pattern;

	if (a->a_family != AF_INET && a->a_family != AF_INET6)
		return log_error("%s: recording a failure: address of family %d",
		    s->s_path, a->a_family);
	addr_str(a, buf, sizeof(buf));
	ijail = jail_intern(s, jail);
	if (patid_get(s, ijail, key, &pattern) == -1)
		return -1;
	/* Only an edit by hand makes an id that a buffered row cannot hold. */
	if (pattern < INT_MIN || pattern > INT_MAX)
		return log_error("%s: patterns: [%s] %s has id %" PRId64 ", out of range: "
		    "fix or delete that row", s->s_path, jail, key, pattern);
	if (sqlite3_get_autocommit(s->s_db))
		return failure_insert(s, 0, jail, buf, time, pattern, 0);
	/* Rows with their ids given (the window) are written first. */
	if ((s->s_fbids || s->s_nfb == FAILBUF_MAX || fb_bytes(s) > FAILBUF_BYTES) &&
	    flush(s) == -1)
		return -1;
	if (s->s_nfb == s->s_fbcap) {
		s->s_fbcap = s->s_fbcap ? s->s_fbcap * 2 : 1024;
		s->s_fb = xreallocarray(s->s_fb, s->s_fbcap, sizeof(*s->s_fb));
	}
	fb = &s->s_fb[s->s_nfb];
	fb->fb_time = time;
	fb->fb_ban = 0;
	fb->fb_seq = (uint32_t)s->s_nfb++;
	fb->fb_pattern = (int)pattern;
	fb->fb_key = fbkey_intern(s, ijail, buf);
	return 0;
}

/*
 * Sort the buffer and give each row the id the flush will write: the
 * window then reads and consumes the rows where they are.  Rows that
 * could not all get an id (the table's ids near INT64_MAX, only by a
 * hand edit) are flushed instead.
 */
static int
fb_give_ids(struct store *s)
{
	int64_t	maxid;

	if (s->s_fbids || s->s_nfb == 0)
		return 0;
	if (one_int(s, s->s_st[ST_FAIL_MAXID], "reading failures", &maxid) == -1)
		return -1;
	if (maxid < 0 || (uint64_t)(INT64_MAX - maxid) <= s->s_nfb)
		return flush(s);
	qsort(s->s_fb, s->s_nfb, sizeof(*s->s_fb), failbuf_cmp);
	s->s_fbbase = maxid;
	s->s_fbids = 1;
	return 0;
}

/* (jail, addr) against a buffered row's pair, as failbuf_cmp orders them. */
static int
fbkey_cmp(const char *jail, const char *addr, const struct fbkey *k)
{
	int	c;

	if ((c = strcmp(jail, k->k_jail)) != 0)
		return c;
	return strcmp(addr, k->k_addr);
}

/* The buffered rows of (jail, addr), sorted (s_fbids): [*lo, *hi). */
static void
fb_pair(const struct store *s, const char *jail, const char *addr, size_t *lo, size_t *hi)
{
	size_t	l = 0, h = s->s_nfb, m;

	while (l < h) {
		m = l + (h - l) / 2;
		if (fbkey_cmp(jail, addr, s->s_fb[m].fb_key) > 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	for (h = l; h < s->s_nfb && s->s_fb[h].fb_key == s->s_fb[l].fb_key; h++)
		;
	if (l < s->s_nfb && fbkey_cmp(jail, addr, s->s_fb[l].fb_key) != 0)
		h = l;
	*hi = h;
}

static void
touched_put(struct touched **t, size_t *nt, size_t *cap, const char *jail,
    const char *addr, int64_t from)
{
	struct touched	*e;

	if (*nt == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*t = xreallocarray(*t, *cap, sizeof(**t));
	}
	e = &(*t)[(*nt)++];
	e->t_jail = xstrdup(jail);
	snprintf(e->t_addr, sizeof(e->t_addr), "%s", addr);
	e->t_from = from;
}

int
store_touched(struct store *s, int64_t after_id, struct touched **v, size_t *n)
{
	sqlite3_stmt	*st;
	struct touched	*d = NULL, *t = NULL;
	size_t		 nd = 0, nt = 0, cap = 0, i, k;
	int64_t		 maxid;
	int		 rc, c;

	*v = NULL;
	*n = 0;
	if (fb_give_ids(s) == -1)
		return -1;
	if (s->s_fbids)
		maxid = s->s_fbbase;	/* the rows in the table, not those buffered */
	else if (store_failure_maxid(s, &maxid) == -1)
		return -1;
	/* Few new rows (a cron run): the rowid range; many (a replay): the index. */
	st = s->s_st[(maxid - after_id) * 4 < maxid ? ST_TOUCHED_FEW : ST_TOUCHED];
	if (maxid > after_id && sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK)
		return bind_error(s, st, "reading new failures");
	while (maxid > after_id && (rc = sqlite3_step(st)) != SQLITE_DONE) {
		if (rc != SQLITE_ROW) {
			db_error(s, "reading new failures");
			done(st);
			store_touched_free(d, nd);
			return -1;
		}
		if (nd == cap) {
			cap = cap ? cap * 2 : 16;
			d = xreallocarray(d, cap, sizeof(*d));
		}
		/* Only an edit by hand can put a non-address here. */
		if (column_str(st, 1, d[nd].t_addr, sizeof(d[nd].t_addr)) == -1) {
			log_warnx("%s: failures of jail %s: an address that is not "
			    "one; ignored (fix or delete those rows)", s->s_path,
			    (const char *)sqlite3_column_text(st, 0));
			continue;
		}
		d[nd].t_jail = column_dup(st, 0);
		d[nd].t_from = sqlite3_column_int64(st, 2);
		nd++;
	}
	if (maxid > after_id)
		done(st);
	if (!s->s_fbids) {
		*v = d;
		*n = nd;
		return 0;
	}
	/* Both lists are in (jail, address) order: merged, a pair once. */
	cap = 0;
	for (i = 0, k = 0; i < nd || k < s->s_nfb; ) {
		const struct fbkey	*key = k < s->s_nfb ? s->s_fb[k].fb_key : NULL;

		c = key == NULL ? -1 : i == nd ? 1 : fbkey_cmp(d[i].t_jail, d[i].t_addr, key);
		if (c < 0) {
			touched_put(&t, &nt, &cap, d[i].t_jail, d[i].t_addr, d[i].t_from);
			i++;
			continue;
		}
		/* The pair's first buffered row is its earliest (sorted by time). */
		touched_put(&t, &nt, &cap, key->k_jail, key->k_addr, c == 0 &&
		    d[i].t_from < s->s_fb[k].fb_time ? d[i].t_from : s->s_fb[k].fb_time);
		if (c == 0)
			i++;
		while (k < s->s_nfb && s->s_fb[k].fb_key == key)
			k++;
	}
	store_touched_free(d, nd);
	*v = t;
	*n = nt;
	return 0;
}

void
store_touched_free(struct touched *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].t_jail);
	free(v);
}

int
store_pair_failures(struct store *s, const char *jail, const char *addr, int64_t since,
    struct pfail **f, size_t *n)
{
	sqlite3_stmt		*st;
	struct pfail		*v = NULL, *w;
	const struct failbuf	*b;
	size_t			 nv = 0, cap = 0, lo = 0, hi = 0, i, k, nb, x;
	int			 rc;

	*f = NULL;
	*n = 0;
	if (!s->s_fbids && flush(s) == -1)
		return -1;
	st = s->s_st[ST_WIN_FAILS];
	if (bind_pair(st, jail, addr) == -1 || sqlite3_bind_int64(st, 3, since) != SQLITE_OK)
		return bind_error(s, st, "reading failures");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv].pf_id = sqlite3_column_int64(st, 0);
		v[nv].pf_time = sqlite3_column_int64(st, 1);
		nv++;
	}
	if (rc != SQLITE_DONE) {
		db_error(s, "reading failures");
		done(st);
		free(v);
		return -1;
	}
	done(st);
	if (s->s_fbids)
		fb_pair(s, jail, addr, &lo, &hi);
	for (nb = 0, k = lo; k < hi; k++)
		nb += s->s_fb[k].fb_time >= since && s->s_fb[k].fb_ban == 0;
	if (nb > 0) {
		/*
		 * The buffered rows (ids above every id in the table, in
		 * (time, id) order) merged into the table's by (time, id).
		 */
		w = xreallocarray(NULL, nv + nb, sizeof(*w));
		for (i = 0, k = lo, x = 0; i < nv || x < nb; ) {
			while (k < hi && (s->s_fb[k].fb_time < since || s->s_fb[k].fb_ban != 0))
				k++;
			b = k < hi ? &s->s_fb[k] : NULL;
			if (b != NULL && (i == nv || b->fb_time < v[i].pf_time)) {
				w[i + x].pf_id = fb_id(s, k);
				w[i + x].pf_time = b->fb_time;
				x++;
				k++;
			} else {
				w[i + x] = v[i];
				i++;
			}
		}
		free(v);
		v = w;
		nv += nb;
	}
	*f = v;
	*n = nv;
	return 0;
}

/* Buffered row k's (time, id) against a pfail's: <0, 0, >0. */
static int
fb_cmp(const struct store *s, size_t k, const struct pfail *p)
{
	int64_t	id = fb_id(s, k);

	if (s->s_fb[k].fb_time != p->pf_time)
		return s->s_fb[k].fb_time < p->pf_time ? -1 : 1;
	return id < p->pf_id ? -1 : id > p->pf_id;
}

size_t
fb_consume_span(struct store *s, const char *jail, const char *addr,
    const struct pfail *lo, const struct pfail *hi, int64_t ban)
{
	size_t	l, h, k, got = 0;

	if (!s->s_fbids)
		return 0;
	fb_pair(s, jail, addr, &l, &h);
	for (k = l; k < h; k++)
		if (s->s_fb[k].fb_ban == 0 && fb_cmp(s, k, lo) >= 0 && fb_cmp(s, k, hi) <= 0) {
			s->s_fb[k].fb_ban = ban;
			got++;
		}
	return got;
}

int
fb_consume_id(struct store *s, int64_t id, const char *jail, const char *addr,
    int64_t ban)
{
	struct failbuf	*b;

	if (!s->s_fbids || id <= s->s_fbbase || (uint64_t)(id - s->s_fbbase) > s->s_nfb)
		return -1;
	b = &s->s_fb[id - s->s_fbbase - 1];
	if (b->fb_ban != 0 || fbkey_cmp(jail, addr, b->fb_key) != 0)
		return 0;
	b->fb_ban = ban;
	return 1;
}

int
store_pending_addr(struct store *s, const char *jail, const char *qid, int64_t since,
    char addr[ADDR_STRLEN])
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_ADDR];
	int		 rc, found = 0;

	if (bind_pair(st, jail, qid) == -1 || sqlite3_bind_int64(st, 3, since) != SQLITE_OK)
		return bind_error(s, st, "reading a queue id");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (column_str(st, 0, addr, ADDR_STRLEN) == 0)
			found = 1;
		else
			log_warnx("%s: pending: queue id %s has an address that is "
			    "not one; ignored", s->s_path, qid);
	} else if (rc != SQLITE_DONE) {
		db_error(s, "reading a queue id");
		done(st);
		return -1;
	}
	done(st);
	return found;
}

int
store_pending_put(struct store *s, const char *jail, const char *qid,
    const char *addr, int64_t time)
{
	sqlite3_stmt	*st;

	if (addr != NULL) {
		st = s->s_st[ST_PEND_PUT_ADDR];
		if (bind_pair(st, jail, qid) == -1 || bind_text(st, 3, addr) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 4, time) != SQLITE_OK)
			return bind_error(s, st, "recording a queue id");
	} else {
		st = s->s_st[ST_PEND_PUT_FAIL];
		if (bind_pair(st, jail, qid) == -1 ||
		    sqlite3_bind_int64(st, 3, time) != SQLITE_OK)
			return bind_error(s, st, "recording a queue id");
	}
	return st_run(s, st, "recording a queue id");
}

int
store_pending_take(struct store *s, const char *jail, const char *qid, int64_t since,
    int64_t *count)
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_TAKE];

	*count = 0;
	if (bind_pair(st, jail, qid) == -1 || sqlite3_bind_int64(st, 3, since) != SQLITE_OK)
		return bind_error(s, st, "completing a queue id");
	if (st_run(s, st, "completing a queue id") == -1)
		return -1;
	*count = sqlite3_changes64(s->s_db);
	return 0;
}

int
store_pending_expire(struct store *s, int64_t before)
{
	sqlite3_stmt	*st = s->s_st[ST_PEND_EXPIRE];

	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK)
		return bind_error(s, st, "expiring queue ids");
	return st_run(s, st, "expiring queue ids");
}

int
store_purge(struct store *s, int64_t before, int64_t *n)
{
	sqlite3_stmt	*st = s->s_st[ST_PURGE];
	int64_t		 nfree, npages;
	int		 rc;

	*n = 0;
	if (flush(s) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK)
		return bind_error(s, st, "purging old failures");
	if (st_run(s, st, "purging old failures") == -1)
		return -1;
	*n = sqlite3_changes64(s->s_db);
	if (*n == 0)
		return 0;
	st = s->s_st[ST_FREELIST];
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_error(s, "purging old failures");
		done(st);
		return -1;
	}
	nfree = sqlite3_column_int64(st, 0);
	npages = sqlite3_column_int64(st, 1);
	done(st);
	if (nfree < VACUUM_MINPAGES || nfree < npages / 4)
		return 0;
	st = s->s_st[ST_VACUUM];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		db_error(s, "returning free space");
		done(st);
		return -1;
	}
	done(st);
	return 0;
}
