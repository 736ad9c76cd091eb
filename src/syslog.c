/*
 * syslog.c -- split a mail.log line into time, host, daemon, pid, message.
 * Input: one line as (pointer, length), never NUL-terminated; a context
 * holding the reference time, the year-inference state of the stream and
 * a cache of the local UTC offset.  Output: UTC epoch seconds and pointers
 * into the line.  No I/O, no allocation, no regex: this runs on every line.
 * Invariants: no byte at or after line + len is read; every date is
 * checked (month, day of that month in that year, 23:59:60 at most) before
 * any arithmetic; local time goes through localtime_r only when the local
 * hour changes (the offset of an hour without a clock change is cached).
 * Speed: a line of the same minute as the line before (of its format)
 * reuses that minute's result and parses only its seconds; the header
 * bytes are classified through one table.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "syslog.h"
#include "util.h"

#define DAY		86400
#define HALFYEAR	(183 * DAY)
/* Farther than any UTC offset ever used (about +-15 h): the instants
 * L - WIDE and L + WIDE bracket every instant whose local time is L. */
#define WIDE		(26 * 3600)
/* A year candidate this far from the limit needs no exact conversion. */
#define MARGIN		(2 * DAY)
/* How far back in time a line of a stream may go and still be taken as a
 * line a little out of order (see fold_pick()). */
#define BACK		120
#define NOYEAR		INT_MIN

#define ISDIGIT(c)	((unsigned)(unsigned char)(c) - '0' < 10u)
#define ISALNUM(c)	(ISDIGIT(c) || (unsigned)(((unsigned char)(c) | 0x20) - 'a') < 26u)

/*
 * Header bytes.  HB_WORD: a host or tag byte (no space, no control byte,
 * no DEL, no NUL).  HB_STOP: a word byte that ends a tag ("[", "]", ":").
 */
#define HB_WORD		1
#define HB_STOP		2
static const unsigned char hdrbyte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xf0 */
};
#define ISWORD(c)	(hdrbyte[(unsigned char)(c)] & HB_WORD)
#define ISTAG(c)	(hdrbyte[(unsigned char)(c)] == HB_WORD)

static int
isleap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && isleap(y) ? 29 : dim[m - 1];
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Two ASCII digits, or -1. */
static int
dig2(const char *p)
{
	if (!ISDIGIT(p[0]) || !ISDIGIT(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "hh:mm:ss" at p (8 bytes available) to seconds of the day, or -1. */
static int
hms(const char *p)
{
	int	h, m, s;

	if ((h = dig2(p)) == -1 || p[2] != ':' || (m = dig2(p + 3)) == -1 ||
	    p[5] != ':' || (s = dig2(p + 6)) == -1)
		return -1;
	if (h > 23 || m > 59 || s > 60)
		return -1;
	if (s == 60)
		s = 59;		/* a leap second is the last second of its minute */
	return h * 3600 + m * 60 + s;
}

/* 1..12 for the English abbreviations, exact case; else 0. */
static int
month(const char *p)
{
	switch ((unsigned char)p[0] << 16 | (unsigned char)p[1] << 8 |
	    (unsigned char)p[2]) {
	case 'J' << 16 | 'a' << 8 | 'n': return 1;
	case 'F' << 16 | 'e' << 8 | 'b': return 2;
	case 'M' << 16 | 'a' << 8 | 'r': return 3;
	case 'A' << 16 | 'p' << 8 | 'r': return 4;
	case 'M' << 16 | 'a' << 8 | 'y': return 5;
	case 'J' << 16 | 'u' << 8 | 'n': return 6;
	case 'J' << 16 | 'u' << 8 | 'l': return 7;
	case 'A' << 16 | 'u' << 8 | 'g': return 8;
	case 'S' << 16 | 'e' << 8 | 'p': return 9;
	case 'O' << 16 | 'c' << 8 | 't': return 10;
	case 'N' << 16 | 'o' << 8 | 'v': return 11;
	case 'D' << 16 | 'e' << 8 | 'c': return 12;
	}
	return 0;
}

static int
gmtoff_at(int64_t t, long *off)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

/*
 * Local naive seconds (the local date and time counted as if it were UTC)
 * to UTC, exactly.  The offsets that can apply are those in force a little
 * more than a day before and after; a candidate is valid if localtime_r
 * gives it back.  Two valid: the repeated hour (clocks went back), *out is
 * the first occurrence and *alt the second; otherwise *alt = *out.  None
 * valid: a skipped hour, use the offset before the change (mktime).
 */
static int
local_exact(int64_t lnaive, int64_t *out, int64_t *alt)
{
	long	 cand[2], o;
	int64_t	 t;
	int	 i, found = 0;

	if (gmtoff_at(lnaive - WIDE, &cand[0]) == -1 ||
	    gmtoff_at(lnaive + WIDE, &cand[1]) == -1)
		return -1;
	for (i = 0; i < 2 && (i == 0 || cand[1] != cand[0]); i++) {
		t = lnaive - cand[i];
		if (gmtoff_at(t, &o) == -1)
			return -1;
		if (o != cand[i])
			continue;
		if (!found) {
			*out = *alt = t;
			found = 1;
		} else if (t < *out)
			*out = t;
		else
			*alt = t;
	}
	if (!found)
		*out = *alt = lnaive - cand[0];
	return 0;
}

/*
 * Cached local_exact(): an hour whose two ends map to one instant each,
 * with the same offset, has no clock change inside (no zone changes twice
 * within an hour), so every second of it maps with that offset.  Other
 * hours, the repeated one among them, are computed line by line.
 */
static int
local_to_utc(struct syslog_ctx *sc, int64_t lnaive, int64_t *out, int64_t *alt)
{
	int64_t	 key = floordiv(lnaive, 3600), t0, t1, a0, a1;

	if (sc->sc_hvalid && key == sc->sc_hkey) {
		*out = *alt = lnaive - sc->sc_hoff;
		return 0;
	}
	if (local_exact(key * 3600, &t0, &a0) == -1 ||
	    local_exact(key * 3600 + 3599, &t1, &a1) == -1)
		return -1;
	if (t1 - t0 == 3599 && a0 == t0 && a1 == t1) {
		sc->sc_hkey = key;
		sc->sc_hoff = key * 3600 - t0;
		sc->sc_hvalid = 1;
		*out = *alt = lnaive - sc->sc_hoff;
		return 0;
	}
	return local_exact(lnaive, out, alt);
}

/*
 * A local time of the repeated hour: its first occurrence a or its second
 * b, by the order of the log.  The first, unless it would put the line
 * more than BACK seconds before the previous line of the stream and the
 * second would not: after a line of the second occurrence (or after 02:59
 * of the first, followed by 02:00), the clocks have gone back.  A little
 * out of order, a line keeps the first.  The first line of a stream has
 * the reference time instead of a previous line, if b is not after it: a
 * cron run reads lines written a moment before it started, so 02:30 read
 * at 02:31 of the second occurrence is the second.  Alone otherwise, the
 * first.
 */
static int64_t
fold_pick(const struct syslog_ctx *sc, int64_t a, int64_t b)
{
	int64_t	prev;

	if (b == a)
		return a;
	if (sc->sc_prevok)
		prev = sc->sc_prev;
	else if (b <= sc->sc_ref + BACK)
		prev = sc->sc_ref;
	else
		return a;
	return a < prev - BACK && b >= prev - BACK ? b : a;
}

/* Local year of t, or NOYEAR if t is beyond any calendar year we handle. */
static int
local_year(int64_t t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL || tm.tm_year < -1000000 ||
	    tm.tm_year > 1000000)
		return NOYEAR;
	return tm.tm_year + 1900;
}

void
syslog_init(struct syslog_ctx *sc, int64_t ref)
{
	memset(sc, 0, sizeof(*sc));
	sc->sc_ref = ref;
	sc->sc_refseen = ref;
	sc->sc_refyear = local_year(ref);
}

/*
 * The latest year that does not put (mo, d, sod) more than a day after
 * sc_ref; then, within a stream, a later year if it is closer to the
 * previous line (see below).  Sets *t as well.
 */
static int
bsd_time(struct syslog_ctx *sc, int mo, int d, int sod, int64_t *t)
{
	int64_t	 limit, ln, alt = 0;
	int	 y, ylast, have = 0;

	if (sc->sc_ref != sc->sc_refseen) {	/* the caller moved the reference */
		sc->sc_refseen = sc->sc_ref;
		sc->sc_refyear = local_year(sc->sc_ref);
	}
	if (sc->sc_refyear == NOYEAR)
		return -1;
	limit = sc->sc_ref + DAY;
	/* Feb 29 may have to go back 8 years (2096 -> 2104 skips 2100). */
	ylast = sc->sc_refyear - 8;
	for (y = sc->sc_refyear + 1; y >= ylast; y--) {
		if (d > mdays(y, mo))
			continue;
		ln = days_from_civil(y, mo, d) * DAY + sod;
		if (ln - MARGIN > limit)
			continue;
		if (ln + MARGIN <= limit)
			break;
		if (local_to_utc(sc, ln, t, &alt) == -1)
			return -1;
		if (*t <= limit) {
			have = 1;
			break;
		}
	}
	if (y < ylast)
		return -1;
	if (!have && local_to_utc(sc, days_from_civil(y, mo, d) * DAY + sod, t, &alt) == -1)
		return -1;
	/*
	 * Within a stream, of the ref rule's year, the previous line's year
	 * and the one after it, take the one that puts this line closest in
	 * time to the previous line, but never a year before the ref rule's.
	 * A chronological log thus keeps its years monotonic (Dec 31 -> Jan 1
	 * moves to the next year, even past the reference when the clock is
	 * behind), while a log whose lines go back in time, like fail2ban's
	 * annotated samples, keeps the ref rule.  Never back: the ref rule
	 * already gives the latest year that is not in the future, and a line
	 * dated in the future (a wrong clock, or text anyone can send to
	 * syslog) comes out a year early by that rule; the lines after it must
	 * not follow it there.
	 */
	if (sc->sc_lastyear != 0 && sc->sc_lastyear >= y &&
	    (*t - sc->sc_last > HALFYEAR || sc->sc_last - *t > HALFYEAR)) {
		int64_t	best = *t, balt = alt, dist, bestdist, t2, a2;
		int	cand, by = y;

		bestdist = *t > sc->sc_last ? *t - sc->sc_last : sc->sc_last - *t;
		for (cand = sc->sc_lastyear; cand <= sc->sc_lastyear + 1; cand++) {
			if (cand <= y || d > mdays(cand, mo) || local_to_utc(sc,
			    days_from_civil(cand, mo, d) * DAY + sod, &t2, &a2) == -1)
				continue;
			dist = t2 > sc->sc_last ? t2 - sc->sc_last : sc->sc_last - t2;
			if (dist < bestdist) {
				bestdist = dist;
				best = t2;
				balt = a2;
				by = cand;
			}
		}
		y = by;
		*t = best;
		alt = balt;
	}
	*t = fold_pick(sc, *t, alt);
	sc->sc_last = *t;
	sc->sc_lastyear = y;
	sc->sc_lastmon = mo;
	return 0;
}

/* Seconds "ss" (00-60) at p, 60 counted as 59; or -1. */
static int
secs(const char *p)
{
	int	s;

	if ((s = dig2(p)) == -1 || s > 60)
		return -1;
	return s == 60 ? 59 : s;
}

/*
 * UTC of second 0 of the local minute lmin (naive seconds), if the whole
 * minute maps with one offset (no clock change inside it: zones change on
 * a minute boundary) and happens once (not in the repeated hour, whose
 * lines fold_pick() dates one by one); else INT64_MIN.
 */
static int64_t
minute_base(struct syslog_ctx *sc, int64_t lmin)
{
	int64_t	t0, t59, a0, a59;

	if (local_to_utc(sc, lmin, &t0, &a0) == -1 ||
	    local_to_utc(sc, lmin + 59, &t59, &a59) == -1 ||
	    t59 - t0 != 59 || a0 != t0 || a59 != t59)
		return INT64_MIN;
	return t0;
}

/*
 * "Mmm dd hh:mm:ss", day "dd", " d" or "d".  Returns the end, or NULL.
 * A line of the same minute as the last BSD line (same bytes up to the
 * minute, same reference time) gets that line's year: bsd_time() gives
 * it, because that year puts the line less than a minute from the last
 * one and any other year puts it about a year away, provided no later
 * year is allowed by the reference rule for any second of that minute
 * (bsd_time() never moves a year back); a minute where one could be is
 * not kept.  Its time is then the minute's UTC base plus the seconds.
 */
static const char *
parse_bsd(struct syslog_ctx *sc, const char *p, const char *end, int64_t *t)
{
	const char	*start = p;
	int64_t		 lmin;
	int		 mo, d, sod, klen, s;

	/* The shortest whole line ("Jan 1 00:00:00 h t:") is longer than
	 * 16 bytes, and the timestamp ends by p[15]. */
	if (end - p < 16)
		return NULL;
	if ((klen = sc->sc_bsdsec) > 0 && sc->sc_bsdref == sc->sc_ref &&
	    memcmp(p, sc->sc_bsdkey, sizeof(sc->sc_bsdkey)) == 0 &&
	    p[klen - 1] == ':' && (s = secs(p + klen)) != -1) {
		*t = sc->sc_bsdbase + s;
		sc->sc_last = *t;
		return p + klen + 2;
	}
	if ((mo = month(p)) == 0 || p[3] != ' ')
		return NULL;
	p += 4;
	if (p[0] == ' ' && ISDIGIT(p[1])) {
		d = p[1] - '0';
		p += 2;
	} else if (ISDIGIT(p[0]) && ISDIGIT(p[1])) {
		d = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	} else if (ISDIGIT(p[0])) {
		d = p[0] - '0';
		p += 1;
	} else
		return NULL;
	/* The day of that month is checked once the year is known. */
	if (d < 1 || d > 31 || *p++ != ' ' || (sod = hms(p)) == -1)
		return NULL;
	if (bsd_time(sc, mo, d, sod, t) == -1)
		return NULL;
	/*
	 * Remember this minute (bsd_time() has set the year): the key is the
	 * first 12 bytes, "Nov 26 09:01" or "Nov 6 09:01:", and the seconds
	 * follow at p + 6.
	 */
	sc->sc_bsdsec = 0;
	lmin = days_from_civil(sc->sc_lastyear, mo, d) * DAY + sod - sod % 60;
	/* No later year may take a second of this minute (see above). */
	if (lmin + (days_from_civil(sc->sc_lastyear + 1, mo, d) -
	    days_from_civil(sc->sc_lastyear, mo, d)) * DAY - MARGIN <= sc->sc_ref + DAY)
		return p + 8;
	sc->sc_bsdbase = minute_base(sc, lmin);
	if (sc->sc_bsdbase != INT64_MIN && *t == sc->sc_bsdbase + sod % 60) {
		memcpy(sc->sc_bsdkey, start, sizeof(sc->sc_bsdkey));
		sc->sc_bsdsec = (int)(p + 6 - start);
		sc->sc_bsdref = sc->sc_ref;
	}
	return p + 8;
}

/*
 * "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)" (exact, no TZ involved)
 * or "YYYY-MM-DD hh:mm:ss[.frac|,frac]" (local time).
 */
static const char *
parse_numeric(struct syslog_ctx *sc, const char *p, const char *end,
    int64_t *t, enum tsformat *fmt)
{
	int	y, mo, d, sod, a, b, oh, om, s;
	int64_t	ln, alt;

	if (end - p < 20)
		return NULL;
	if (sc->sc_numvalid && memcmp(p, sc->sc_numkey, sizeof(sc->sc_numkey)) == 0) {
		if (p[16] != ':' || (s = secs(p + 17)) == -1)
			return NULL;
		ln = sc->sc_numnaive + s;
	} else {
		if ((a = dig2(p)) == -1 || (b = dig2(p + 2)) == -1 || p[4] != '-' ||
		    (mo = dig2(p + 5)) == -1 || p[7] != '-' || (d = dig2(p + 8)) == -1)
			return NULL;
		y = a * 100 + b;
		if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) ||
		    (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
		    (sod = hms(p + 11)) == -1)
			return NULL;
		s = sod % 60;
		ln = days_from_civil(y, mo, d) * DAY + sod;
		/* Remember the minute: its naive base, and its UTC base if local. */
		memcpy(sc->sc_numkey, p, sizeof(sc->sc_numkey));
		sc->sc_numnaive = ln - s;
		sc->sc_numbase = p[10] == ' ' ? minute_base(sc, ln - s) : INT64_MIN;
		sc->sc_numvalid = 1;
	}
	if (p[10] == ' ') {
		p += 19;
		if (*p == '.' || *p == ',') {
			if (++p == end || !ISDIGIT(*p))
				return NULL;
			while (p < end && ISDIGIT(*p))
				p++;
		}
		if (sc->sc_numbase != INT64_MIN)
			*t = sc->sc_numbase + s;
		else if (local_to_utc(sc, ln, t, &alt) == -1)
			return NULL;
		else
			*t = fold_pick(sc, *t, alt);
		*fmt = TS_ISO;
		return p;
	}
	p += 19;
	if (*p == '.') {
		if (++p == end || !ISDIGIT(*p))
			return NULL;
		while (p < end && ISDIGIT(*p))
			p++;
	}
	if (p == end)
		return NULL;
	if (*p == 'Z' || *p == 'z') {
		*t = ln;
		p++;
	} else if (*p == '+' || *p == '-') {
		if (end - p < 6 || (oh = dig2(p + 1)) == -1 || p[3] != ':' ||
		    (om = dig2(p + 4)) == -1 || oh > 23 || om > 59)
			return NULL;
		*t = ln - (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
		p += 6;
	} else
		return NULL;
	*fmt = TS_RFC3339;
	return p;
}

/*
 * Length of Solaris syslogd's "[ID 801593 mail.notice] " at p (before
 * end): "[ID ", 1 to 10 digits, a space, FACILITY.LEVEL (letters and
 * digits), "] ".  0 if p does not start with exactly that.
 */
static size_t
solaris_id(const char *p, const char *end)
{
	const char	*q = p + 4, *d;
	int		 dot = 0;

	if (end - p < 4 || memcmp(p, "[ID ", 4) != 0)
		return 0;
	for (d = q; q < end && ISDIGIT(*q) && q - d < 10; q++)
		;
	if (q == d || q == end || *q++ != ' ')
		return 0;
	for (d = q; q < end && (ISALNUM(*q) || (*q == '.' && !dot && q > d)); q++)
		if (*q == '.')
			dot = 1;
	if (!dot || q[-1] == '.' || end - q < 2 || q[0] != ']' || q[1] != ' ')
		return 0;
	return (size_t)(q + 2 - p);
}

int
syslog_parse(struct syslog_ctx *sc, const char *line, size_t len,
    struct sysline *out)
{
	const char	*p, *end, *host, *name;
	int64_t		 t;
	enum tsformat	 fmt = TS_BSD;
	long		 pid = -1;

	if (line == NULL || len == 0)
		return -1;
	end = line + len;
	if (ISDIGIT(line[0]))
		p = parse_numeric(sc, line, end, &t, &fmt);
	else
		p = parse_bsd(sc, line, end, &t);
	if (p == NULL)
		return -1;
	sc->sc_prev = t;	/* for the next line's fold_pick() */
	sc->sc_prevok = 1;
	if (p == end || *p++ != ' ')
		return -1;

	for (host = p; p < end && ISWORD(*p); p++)
		;
	if (p == host || p == end || *p != ' ')
		return -1;
	out->s_hostlen = (size_t)(p - host);
	p++;

	for (name = p; p < end && ISTAG(*p); p++)
		;
	if (p == name || p == end)
		return -1;
	out->s_daemonlen = (size_t)(p - name);
	if (*p == '[') {
		const char *digits = ++p;

		for (pid = 0; p < end && ISDIGIT(*p) && p - digits < 18; p++)
			pid = pid * 10 + (*p - '0');
		/* 18 digits cannot overflow a long; check beyond. */
		for (; p < end && ISDIGIT(*p); p++) {
			if (pid > (LONG_MAX - 9) / 10)
				return -1;
			pid = pid * 10 + (*p - '0');
		}
		if (p == digits || p == end || *p++ != ']' || p == end)
			return -1;
	}
	if (*p++ != ':')
		return -1;
	/* "tag:" at the very end is an empty message, as is "tag: ". */
	if (p < end && *p++ != ' ')
		return -1;
	/* Solaris: "[ID 801593 mail.notice] " belongs to the header. */
	p += solaris_id(p, end);

	out->s_time = t;
	out->s_format = fmt;
	out->s_host = host;
	out->s_daemon = name;
	out->s_pid = pid;
	out->s_msg = p;
	out->s_msglen = (size_t)(end - p);
	return 0;
}
