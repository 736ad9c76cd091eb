/*
 * util.c -- checked allocation, range-checked numbers, durations, times.
 * Time arithmetic is done on civil dates (days_from_civil), never through
 * the C library's time zone, so RFC 3339 parsing is exact and TZ-free.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
oom(void)
{
	fputs("mailban: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void	*p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		oom();
	if ((p = realloc(p, n * sz != 0 ? n * sz : 1)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *
parse_num(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return "empty";
	if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
		return "not a number";
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return "not a number";
	if (errno == ERANGE || v < min || v > max)
		return "out of range";
	*out = v;
	return NULL;
}

const char *
parse_duration(const char *s, int allow_forever, long long *out)
{
	long long	 total = 0, v;
	const char	*p = s;

	if (s == NULL || *s == '\0')
		return "empty";
	if (strcmp(s, "-1") == 0) {
		if (!allow_forever)
			return "-1 (permanent) is not allowed here";
		*out = -1;
		return NULL;
	}
	while (*p != '\0') {
		long long	mult;

		if (!isdigit((unsigned char)*p))
			return "not a duration";
		v = 0;
		while (isdigit((unsigned char)*p)) {
			if (v > (INT64_MAX - 9) / 10)
				return "too large";
			v = v * 10 + (*p++ - '0');
		}
		switch (*p) {
		case '\0':
			if (p == s || total == 0) {
				mult = 1;
				break;
			}
			return "a number without unit after another part";
		case 's': mult = 1; p++; break;
		case 'm':
			/* fail2ban's "mo": a twelfth of its 365.25-day year. */
			mult = p[1] == 'o' ? DUR_MONTH : 60;
			p += p[1] == 'o' ? 2 : 1;
			break;
		case 'h': mult = 3600; p++; break;
		case 'd': mult = 86400; p++; break;
		case 'w': mult = 7 * 86400; p++; break;
		case 'y': mult = DUR_YEAR; p++; break;
		default:
			return "unknown unit (use s m h d w mo y)";
		}
		if (v > (INT64_MAX / 4) / mult || total > INT64_MAX / 4 - v * mult)
			return "too large";
		total += v * mult;
	}
	if (total <= 0)
		return "must be more than 0";
	if (total > 100LL * 366 * 86400)
		return "too large (at most 100 years)";
	*out = total;
	return NULL;
}

int64_t
days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm; exact for the proleptic Gregorian calendar. */
	int64_t		yy = (int64_t)y - (m <= 2);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned	yoe = (unsigned)(yy - era * 400);
	unsigned	doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
	unsigned	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *p, int n, int *out)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

const char *
parse_time(const char *s, int64_t *out)
{
	int	y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return "empty";
	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		long long v;

		if (parse_num(s, 0, INT64_MAX / 2, &v) != NULL)
			return "not a time (use epoch seconds or 2026-11-26T10:00:00Z)";
		*out = v;
		return NULL;
	}
	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return "not a time (use epoch seconds or 2026-11-26T10:00:00Z)";
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return "impossible date or time";
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return "bad fraction of a second";
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return "bad time zone offset (use Z or +hh:mm)";
		p += 6;
	} else
		return "missing time zone (add Z or +hh:mm)";
	if (*p != '\0')
		return "trailing characters after the time";
	if (sec == 60)
		sec = 59;	/* a leap second is the last second of its minute */
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return NULL;
}

char *
fmt_time_utc(int64_t t, char *buf, size_t len)
{
	int64_t		days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t		secs = t - days * 86400;
	/* civil_from_days, the inverse of days_from_civil */
	int64_t		z = days + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned	doe = (unsigned)(z - era * 146097);
	unsigned	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		y = (int64_t)yoe + era * 400;
	unsigned	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned	mp = (5 * doy + 2) / 153;
	unsigned	d = doy - (153 * mp + 2) / 5 + 1;
	unsigned	m = mp < 10 ? mp + 3 : mp - 9;

	if (m <= 2)
		y++;
	snprintf(buf, len, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

uint64_t
hash_fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A duration as the config writes it: "2w", "1h30m", "90s". */
char *
fmt_duration(long long v, char *buf, size_t len)
{
	static const struct {
		long long	 secs;
		char		 unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t			 i, o = 0;
	int			 n;

	if (v <= 0 || v % (7 * 86400) == 0) {
		n = v <= 0 ? snprintf(buf, len, "%lld", v) :
		    snprintf(buf, len, "%lldw", v / (7 * 86400));
		if (n < 0 || (size_t)n >= len)
			buf[0] = '\0';
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v < units[i].secs)
			continue;
		n = snprintf(buf + o, len - o, "%lld%c", v / units[i].secs, units[i].unit);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
		v %= units[i].secs;
	}
	return buf;
}
