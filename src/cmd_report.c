/*
 * cmd_report.c -- `mailban report [NAME]`: the SQL reports of sql/reports/,
 * embedded at build time (build/reports.inc), run read-only on the
 * database and printed exactly as the documented admin command
 *     sqlite3 -header -column DATABASE < sql/reports/NAME.sql
 * prints them with sqlite3 3.40: every column as wide as its widest value
 * or name (in characters), values left-aligned and padded (the last
 * column too), two spaces between columns, a line of dashes under the
 * names, NULL as nothing, no output at all for a result without rows.
 * Text is shown as that shell shows it: a tab becomes spaces up to the
 * next multiple of 8, any other control character (CR LF as one) starts
 * a new line of the cell, and once a row spans several lines an empty
 * line separates the rows.  Without NAME: the reports and what they show.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct report {
	const char	*r_name;
	const char	*r_sql;		/* first line: "-- " and a description */
};

#include "reports.inc"

#define NREPORTS	(sizeof(reports) / sizeof(reports[0]))

/* One result set, kept whole: widths depend on every row. */
struct table {
	int	  t_ncol;
	char	**t_cell;	/* display lines; t_ncol per line */
	size_t	  t_nline, t_cap;
	int	 *t_last;	/* 1 on the last line of a row */
	size_t	 *t_width;	/* per column */
	int	  t_multi;	/* some row spans several lines */
	int	  t_header;	/* t_cell's first line holds the names */
};

/*
 * The first display line of z into a new string; *tail gets where the
 * next line starts, or NULL if none (sqlite3 3.40's
 * translateForDisplayAndDup without a width limit).
 */
static char *
display_line(const unsigned char *z, const unsigned char **tail)
{
	size_t	i, j, n;
	char	*out;

	/* Twice: measure, then copy. */
	for (i = j = n = 0; z[i] >= ' ' || z[i] == '\t';) {
		if (z[i] == '\t') {
			do {
				n++;
				j++;
			} while (n % 8 != 0);
			i++;
			continue;
		}
		n++;
		do {
			i++;
			j++;
		} while ((z[i] & 0xc0) == 0x80);
	}
	out = xmalloc(j + 1);
	for (i = j = n = 0; z[i] >= ' ' || z[i] == '\t';) {
		if (z[i] == '\t') {
			do {
				n++;
				out[j++] = ' ';
			} while (n % 8 != 0);
			i++;
			continue;
		}
		n++;
		do
			out[j++] = (char)z[i++];
		while ((z[i] & 0xc0) == 0x80);
	}
	out[j] = '\0';
	if (z[i] == '\0')
		*tail = NULL;
	else {
		*tail = z + i + (z[i] == '\r' && z[i + 1] == '\n' ? 2 : 1);
		if (**tail == '\0')
			*tail = NULL;
	}
	return out;
}

/* Characters, as the shell counts them: bytes that do not continue one. */
static size_t
nchars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if ((*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append one display line of t_ncol cells (taken over). */
static void
table_line(struct table *t, char **cells, int last)
{
	int	i;

	if (t->t_nline == t->t_cap) {
		t->t_cap = t->t_cap ? t->t_cap * 2 : 64;
		t->t_cell = xreallocarray(t->t_cell, t->t_cap * (size_t)t->t_ncol,
		    sizeof(*t->t_cell));
		t->t_last = xreallocarray(t->t_last, t->t_cap, sizeof(*t->t_last));
	}
	for (i = 0; i < t->t_ncol; i++) {
		t->t_cell[t->t_nline * (size_t)t->t_ncol + (size_t)i] = cells[i];
		if (nchars(cells[i]) > t->t_width[i])
			t->t_width[i] = nchars(cells[i]);
	}
	t->t_last[t->t_nline++] = last;
}

static void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->t_nline * (size_t)t->t_ncol; i++)
		free(t->t_cell[i]);
	free(t->t_cell);
	free(t->t_last);
	free(t->t_width);
	memset(t, 0, sizeof(*t));
}

static void
print_padded(const char *s, size_t width, int sep)
{
	size_t	n = nchars(s);

	fputs(s, stdout);
	printf("%*s%s", (int)(width - n), "", sep ? "  " : "");
}

/* Print a result set (nothing if it has no row) and empty it. */
static void
table_print(struct table *t)
{
	size_t	l, w;
	int	i;

	if (t->t_nline > 1) {
		for (l = 0; l < t->t_nline; l++) {
			for (i = 0; i < t->t_ncol; i++)
				print_padded(t->t_cell[l * (size_t)t->t_ncol + (size_t)i],
				    t->t_width[i], i + 1 < t->t_ncol);
			putchar('\n');
			if (l == 0) {
				for (i = 0; i < t->t_ncol; i++) {
					for (w = 0; w < t->t_width[i]; w++)
						putchar('-');
					if (i + 1 < t->t_ncol)
						fputs("  ", stdout);
				}
				putchar('\n');
			} else if (t->t_multi && t->t_last[l] && l + 1 < t->t_nline)
				putchar('\n');
		}
	}
	table_free(t);
}

/* store_report() callback: names start a result set, values add a row. */
static int
report_row(void *arg, int n, const char *const *names, const char *const *values)
{
	struct table		*t = arg;
	const unsigned char	**next;
	const unsigned char	*tail;
	char			**cells;
	int			  i, more;

	if (values == NULL) {
		table_print(t);
		t->t_ncol = n;
		t->t_width = xcalloc((size_t)n + 1, sizeof(*t->t_width));
		cells = xcalloc((size_t)n + 1, sizeof(*cells));
		for (i = 0; i < n; i++)		/* a name shows its first line */
			cells[i] = display_line((const unsigned char *)names[i], &tail);
		table_line(t, cells, 1);
		free(cells);
		return 0;
	}
	next = xcalloc((size_t)n + 1, sizeof(*next));
	for (i = 0; i < n; i++)
		next[i] = (const unsigned char *)(values[i] != NULL ? values[i] : "");
	do {
		cells = xcalloc((size_t)n + 1, sizeof(*cells));
		more = 0;
		for (i = 0; i < n; i++) {
			cells[i] = display_line(next[i] != NULL ? next[i] :
			    (const unsigned char *)"", &next[i]);
			more |= next[i] != NULL;
		}
		if (more)
			t->t_multi = 1;
		table_line(t, cells, !more);
		free(cells);
	} while (more);
	free(next);
	return 0;
}

static const struct report *
report_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NREPORTS; i++)
		if (strcmp(reports[i].r_name, name) == 0)
			return &reports[i];
	return NULL;
}

/* Each report's name and the first line of its text, without "-- ". */
static void
report_list(void)
{
	const char	*d, *e;
	size_t		 i;

	for (i = 0; i < NREPORTS; i++) {
		d = reports[i].r_sql + 3;
		e = strchr(d, '\n');
		printf("%-20s %.*s\n", reports[i].r_name,
		    (int)(e != NULL ? e - d : (ptrdiff_t)strlen(d)), d);
	}
}

static int
report_usage(FILE *fp)
{
	fputs("usage: mailban report [NAME] [-c FILE] [--db FILE] [--now TIME]\n"
	    "without NAME, lists the reports; the same query runs with\n"
	    "  sqlite3 -header -column DATABASE < sql/reports/NAME.sql\n", fp);
	return fp == stdout ? EXIT_OK : EXIT_USAGE;
}

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "report", .co_flags = CMDOPT_NOW,
	    .co_long = opts };
	const char		*db = NULL;
	const struct report	*r;
	struct config		*cfg = NULL;
	struct store		*st = NULL;
	struct table		 t;
	int			 c, rc;

	while ((c = cmd_getopt(&o, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h':
			return report_usage(stdout);
		default:
			return o.co_rc;
		}
	}
	if (optind == argc) {
		report_list();
		return EXIT_OK;
	}
	if (optind + 1 < argc)
		return cmd_usage("report", "one report at a time (got \"%s\" and \"%s\")",
		    argv[optind], argv[optind + 1]);
	if ((r = report_find(argv[optind])) == NULL)
		return cmd_usage("report", "unknown report \"%s\" (`mailban report` "
		    "lists them)", argv[optind]);
	if (db == NULL) {
		if (config_load(o.co_config, &cfg) == -1)
			return EXIT_CONFIG;
		db = cfg->c_database;
	}
	rc = EXIT_RUNTIME;
	memset(&t, 0, sizeof(t));
	if (store_open(db, STORE_RDONLY, &st) == -1 ||
	    store_report(st, r->r_sql, o.co_now, report_row, &t) == -1)
		goto out;
	table_print(&t);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("report %s: cannot write the output", r->r_name);
		goto out;
	}
	rc = EXIT_OK;
out:
	table_free(&t);
	cmd_close(st, -1, cfg);
	return rc;
}
