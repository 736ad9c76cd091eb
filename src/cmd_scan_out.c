/*
 * cmd_scan_out.c -- the report of `mailban scan`: the bans its database
 * holds in the time range, per address, per filter and the top offenders,
 * with the counts of what was read; as text, tsv or json (stdout only).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_scan.h"
#include "util.h"

#define SC_TOP	10	/* top offenders listed */

int
scan_collect(void *arg, const struct banhist *h)
{
	struct scan_report	*r = arg;
	struct rban		*b;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	b = &r->v[r->n++];
	memcpy(b->addr, h->h_addr, sizeof(b->addr));
	b->jail = xstrdup(h->h_jail);
	b->start = h->h_start;
	b->end = h->h_end;
	b->failures = h->h_failures;
	return 0;
}

void
scan_report_free(struct scan_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].jail);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Totals of one filter, or of one address (top offenders). */
struct total {
	const char	*name;		/* filter, or address */
	int64_t		 bans, addrs, failures, first;
	size_t		 order;		/* first index in the report */
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct total *)a)->name, ((const struct total *)b)->name);
}

static int
by_failures(const void *a, const void *b)
{
	const struct total	*x = a, *y = b;

	if (x->failures != y->failures)
		return x->failures > y->failures ? -1 : 1;
	if (x->bans != y->bans)
		return x->bans > y->bans ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Per filter, sorted by name.  Bans of one address are adjacent. */
static struct total *
per_filter(const struct scan_report *r, size_t *n)
{
	struct total	*t = xcalloc(r->n + 1, sizeof(*t));
	const char	*last;
	size_t		 i, k, f;

	*n = 0;
	for (i = 0; i < r->n; i++) {
		for (k = 0; k < *n; k++)
			if (strcmp(t[k].name, r->v[i].jail) == 0)
				break;
		if (k == *n)
			t[(*n)++].name = r->v[i].jail;
	}
	for (f = 0; f < *n; f++) {
		last = NULL;
		for (i = 0; i < r->n; i++) {
			if (strcmp(r->v[i].jail, t[f].name) != 0)
				continue;
			t[f].bans++;
			t[f].failures += r->v[i].failures;
			if (last == NULL || strcmp(last, r->v[i].addr) != 0)
				t[f].addrs++;
			last = r->v[i].addr;
		}
	}
	qsort(t, *n, sizeof(*t), by_name);
	return t;
}

/* Per address, most failures first (then most bans, then report order). */
static struct total *
per_address(const struct scan_report *r, size_t *n)
{
	struct total	*t = xcalloc(r->n + 1, sizeof(*t));
	size_t		 i;

	*n = 0;
	for (i = 0; i < r->n; i++) {
		if (*n == 0 || strcmp(t[*n - 1].name, r->v[i].addr) != 0) {
			t[*n].name = r->v[i].addr;
			t[*n].first = r->v[i].start;
			t[*n].order = *n;
			(*n)++;
		}
		t[*n - 1].bans++;
		t[*n - 1].failures += r->v[i].failures;
		if (r->v[i].start < t[*n - 1].first)
			t[*n - 1].first = r->v[i].start;
	}
	qsort(t, *n, sizeof(*t), by_failures);
	return t;
}

/* A JSON string: quotes, backslash and control bytes escaped. */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* A time as a JSON string, or null for TIME_FOREVER / unset. */
static void
json_time(int64_t t, int set)
{
	char	buf[32];

	if (!set || t == TIME_FOREVER)
		fputs("null", stdout);
	else
		json_str(fmt_time_utc(t, buf, sizeof(buf)));
}

static uint64_t
skipped(const struct scan *sc)
{
	return sc->in.in_stats.is_unparsed + sc->in.in_stats.is_badaddr + sc->overlong +
	    sc->unterminated + sc->outside;
}

void
scan_print_tsv(const struct scan_report *r)
{
	char	t1[32], t2[32];
	size_t	i;

	for (i = 0; i < r->n; i++)
		printf("%s\t%s\t%s\t%" PRId64 "\t%s\n", r->v[i].addr,
		    fmt_time_utc(r->v[i].start, t1, sizeof(t1)),
		    r->v[i].end == TIME_FOREVER ? "" :
		    fmt_time_utc(r->v[i].end, t2, sizeof(t2)), r->v[i].failures, r->v[i].jail);
}

void
scan_print_json(const struct scan *sc, int nfiles, const struct scan_report *r,
    const struct applied *ap)
{
	const struct ingest_stats *is = &sc->in.in_stats;
	struct total	*f, *a;
	size_t		 nf, na, i;

	f = per_filter(r, &nf);
	a = per_address(r, &na);
	printf("{\n  \"files\": %d,\n  \"bytes\": %" PRIu64 ",\n  \"bytes_known\": %" PRIu64
	    ",\n  \"lines\": %" PRIu64 ",\n", nfiles, sc->bytes, sc->known, sc->lines);
	printf("  \"skipped\": {\"total\": %" PRIu64 ", \"unparsed\": %" PRIu64
	    ", \"badaddr\": %" PRIu64 ", \"overlong\": %" PRIu64 ", \"unterminated\": %"
	    PRIu64 ", \"outside\": %" PRIu64 "},\n", skipped(sc), is->is_unparsed,
	    is->is_badaddr, sc->overlong, sc->unterminated, sc->outside);
	printf("  \"failures\": %" PRIu64 ",\n  \"whitelisted\": %" PRIu64 ",\n",
	    is->is_failures, is->is_whitelisted);
	fputs("  \"since\": ", stdout);
	json_time(sc->since, sc->since != INT64_MIN);
	fputs(",\n  \"until\": ", stdout);
	json_time(sc->until, sc->until != INT64_MAX);
	fputs(",\n  \"bans\": [", stdout);
	for (i = 0; i < r->n; i++) {
		fputs(i == 0 ? "\n    {\"address\": " : ",\n    {\"address\": ", stdout);
		json_str(r->v[i].addr);
		fputs(", \"start\": ", stdout);
		json_time(r->v[i].start, 1);
		fputs(", \"end\": ", stdout);
		json_time(r->v[i].end, 1);
		printf(", \"failures\": %" PRId64 ", \"filter\": ", r->v[i].failures);
		json_str(r->v[i].jail);
		putchar('}');
	}
	fputs(r->n > 0 ? "\n  ],\n  \"filters\": [" : "],\n  \"filters\": [", stdout);
	for (i = 0; i < nf; i++) {
		fputs(i == 0 ? "\n    {\"filter\": " : ",\n    {\"filter\": ", stdout);
		json_str(f[i].name);
		printf(", \"bans\": %" PRId64 ", \"addresses\": %" PRId64 ", \"failures\": %"
		    PRId64 "}", f[i].bans, f[i].addrs, f[i].failures);
	}
	fputs(nf > 0 ? "\n  ],\n  \"top\": [" : "],\n  \"top\": [", stdout);
	for (i = 0; i < na && i < SC_TOP; i++) {
		fputs(i == 0 ? "\n    {\"address\": " : ",\n    {\"address\": ", stdout);
		json_str(a[i].name);
		printf(", \"bans\": %" PRId64 ", \"failures\": %" PRId64 ", \"first\": ",
		    a[i].bans, a[i].failures);
		json_time(a[i].first, 1);
		putchar('}');
	}
	fputs(na > 0 ? "\n  ]" : "]", stdout);
	if (ap->done) {
		fputs(",\n  \"applied\": {\"now\": ", stdout);
		json_time(ap->now, 1);
		printf(", \"active\": %zu, \"added\": %" PRId64 ", \"removed\": %" PRId64 "}",
		    ap->active, ap->added, ap->removed);
	}
	fputs("\n}\n", stdout);
	free(f);
	free(a);
}

void
scan_print_text(const struct scan *sc, int nfiles, const struct scan_report *r,
    const struct applied *ap)
{
	const struct ingest_stats *is = &sc->in.in_stats;
	struct total	*f, *a;
	size_t		 nf, na, i;
	char		 t1[32], t2[32];

	f = per_filter(r, &nf);
	a = per_address(r, &na);
	printf("files: %d, %" PRIu64 " bytes read, %" PRIu64 " bytes already scanned\n",
	    nfiles, sc->bytes, sc->known);
	printf("lines: %" PRIu64 " read, %" PRIu64 " skipped (%" PRIu64 " unparsed, %"
	    PRIu64 " bad address, %" PRIu64 " too long, %" PRIu64 " unterminated, %"
	    PRIu64 " outside the time range)\n", sc->lines, skipped(sc), is->is_unparsed,
	    is->is_badaddr, sc->overlong, sc->unterminated, sc->outside);
	printf("failures: %" PRIu64 " recorded, %" PRIu64 " whitelisted\n",
	    is->is_failures, is->is_whitelisted);
	if (sc->ranged)
		printf("time range: %s to %s\n", sc->since == INT64_MIN ? "the beginning" :
		    fmt_time_utc(sc->since, t1, sizeof(t1)), sc->until == INT64_MAX ?
		    "the end" : fmt_time_utc(sc->until, t2, sizeof(t2)));
	printf("bans: %zu, of %zu addresses\n", r->n, na);
	for (i = 0; i < r->n; i++) {
		if (i == 0 || strcmp(r->v[i].addr, r->v[i - 1].addr) != 0)
			printf("%s\n", r->v[i].addr);
		printf("  %-20s  %-20s  %5" PRId64 " failures  %s\n",
		    fmt_time_utc(r->v[i].start, t1, sizeof(t1)),
		    r->v[i].end == TIME_FOREVER ? "permanent" :
		    fmt_time_utc(r->v[i].end, t2, sizeof(t2)), r->v[i].failures, r->v[i].jail);
	}
	if (nf > 0) {
		printf("\nper filter:\n%-28s %6s %9s %9s\n", "FILTER", "BANS", "ADDRESSES",
		    "FAILURES");
		for (i = 0; i < nf; i++)
			printf("%-28s %6" PRId64 " %9" PRId64 " %9" PRId64 "\n", f[i].name,
			    f[i].bans, f[i].addrs, f[i].failures);
		printf("\ntop offenders:\n%-39s %6s %9s  %s\n", "ADDRESS", "BANS", "FAILURES",
		    "FIRST BAN");
		for (i = 0; i < na && i < SC_TOP; i++)
			printf("%-39s %6" PRId64 " %9" PRId64 "  %s\n", a[i].name, a[i].bans,
			    a[i].failures, fmt_time_utc(a[i].first, t1, sizeof(t1)));
	}
	if (ap->done)
		printf("\nfirewall at %s: %zu active bans, rules +%" PRId64 " -%" PRId64 "\n",
		    fmt_time_utc(ap->now, t1, sizeof(t1)), ap->active, ap->added, ap->removed);
	free(f);
	free(a);
}
