/*
 * util.h -- small helpers shared by every module: checked allocation,
 * range-checked numbers, durations, times.
 * The x* allocators abort the program with a message on out-of-memory.
 * parse_* return NULL on success, else a short reason ("not a number").
 */
#ifndef MAILBAN_UTIL_H
#define MAILBAN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIME_FOREVER	INT64_MAX	/* end of a permanent ban */

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* Whole string must be a decimal integer in [min, max]. */
const char	*parse_num(const char *s, long long min, long long max, long long *out);
/*
 * Duration: plain seconds or a sum of <n><unit> with units s m h d w, and
 * fail2ban's mo (DUR_MONTH) and y (DUR_YEAR) ("90", "10m", "1h30m", "2w",
 * "1y6mo").  "-1" gives -1 only if allow_forever.  Result must be > 0
 * (or -1).
 */
#define DUR_YEAR	31557600	/* fail2ban: (365 * 3 + 366) days / 4 */
#define DUR_MONTH	2629800		/* fail2ban: DUR_YEAR / 12 */
const char	*parse_duration(const char *s, int allow_forever, long long *out);
/* Time: epoch seconds ("1764151200") or RFC 3339 ("2026-11-26T10:00:00Z",
 * fraction and +hh:mm offset allowed). */
const char	*parse_time(const char *s, int64_t *out);
/* "2026-11-26T10:00:00Z"; buf of at least 32 bytes; returns buf. */
char	*fmt_time_utc(int64_t t, char *buf, size_t len);
/* A duration in the config's form: "2w", "1h30m", "90s" (<= 0: the number). */
char	*fmt_duration(long long secs, char *buf, size_t len);
/* Days from civil date (proleptic Gregorian), for timezone-free arithmetic. */
int64_t	 days_from_civil(int y, int m, int d);

/* 64-bit FNV-1a, for position fingerprints. */
uint64_t hash_fnv1a(const void *, size_t, uint64_t seed);
#define HASH_FNV_SEED	0xcbf29ce484222325ULL

#endif
