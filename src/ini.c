/*
 * ini.c -- strict ini reading over libiniparser, with positions {file, line}.
 *
 * iniparser keeps no line numbers and is silent about several traps: an
 * unquoted ';' or '#' cuts a value, a trailing '\' joins two lines, a
 * repeated key or section is merged, text after a closing quote is
 * dropped, and fail2ban's indented continuation lines become a syntax
 * error or, with an '=' in them, another key.  So each file is first
 * indexed here, line by line: where every section and key is, the raw
 * text after each '=', and those traps, reported.  Then iniparser reads
 * the same open file, and its dictionary gives the values.  Its sections
 * and keys must be the index's, and each value must be what the raw text
 * reads as: a difference between the two, or a file changed between the
 * two reads, is an error, never a silent surprise.
 *
 * When the index found a line that iniparser would read otherwise (a
 * continuation line, a joined line, a line that is no section or key),
 * iniparser reads a copy of the file in which only the good section and
 * key lines are kept (each on its own line number), so that the other
 * keys are still checked; the error is already reported.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <iniparser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini.h"
#include "log.h"
#include "util.h"

#define LINE_MAX_CHARS	1000		/* iniparser's own limit is 1023 */
#define FILE_MAX_LINES	10000		/* iniparser is quadratic in keys */
#define SECT_MAX_CHARS	64
#define ERRORS_SHOWN	100

struct ini_msg {
	struct pos m_pos;	/* line 0: about the whole file; sorts last */
	size_t	 m_seq;
	char	*m_text;
};

/* The copy iniparser reads when the file itself would mislead it. */
struct clean {
	char	*c_buf;
	size_t	 c_len, c_cap;
};

/* iniparser's error callback takes no argument: the read it belongs to. */
static struct ini	*cur_ini;
static int		 cur_quiet;

/* The key line being read, for messages. */
struct keyline {
	struct pos	 k_pos;
	const char	*k_sect;
	const char	*k_key;
	const char	*k_val;
};

static struct pos
at(int file, int line)
{
	struct pos	p = { file, line };

	return p;
}

/* Room for element n of an array that doubles: call before each append. */
void *
ini_grow(void *v, size_t n, size_t sz)
{
	if (n == 0)
		return xreallocarray(v, 8, sz);
	if (n >= 8 && (n & (n - 1)) == 0)
		return xreallocarray(v, n * 2, sz);
	return v;
}

static char *
vfmt(const char *f, va_list ap)
{
	va_list	 aq;
	char	*s;
	int	 n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, f, aq);
	va_end(aq);
	if (n < 0)
		return xstrdup("(message not printable)");
	s = xmalloc((size_t)n + 1);
	if (vsnprintf(s, (size_t)n + 1, f, ap) != n)
		s[0] = '\0';
	return s;
}

char *
ini_fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	s = vfmt(f, ap);
	va_end(ap);
	return s;
}

/* Bytes that are not printable ASCII become \xHH: a message stays one
 * harmless line whatever the file holds. */
static char *
escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 n = strlen(s), o = 0;
	char		*out = xreallocarray(NULL, n + 1, 4);

	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 0xf];
	}
	out[o] = '\0';
	return out;
}

const char *
ini_secname(const char *sect)
{
	return strcmp(sect, "default") == 0 ? "DEFAULT" : sect;
}

/* The name of the file of a position. */
const char *
ini_posfile(const struct ini *ld, struct pos p)
{
	return p.po_file == 1 && ld->i_local != NULL ? ld->i_local : ld->i_file;
}

/* "line N", or "line N of FILE" when other is in another file than here. */
const char *
ini_lineref(const struct ini *ld, struct pos here, struct pos other, char *buf, size_t len)
{
	int	n;

	if (here.po_file == other.po_file)
		n = snprintf(buf, len, "line %d", other.po_line);
	else
		n = snprintf(buf, len, "line %d of %s", other.po_line, ini_posfile(ld, other));
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

void
ini_vreport(struct ini *ld, struct pos p, const char *sect, const char *key, const char *f,
    va_list ap)
{
	char	*body, *raw, lbuf[16];
	int	 n;

	body = vfmt(f, ap);
	lbuf[0] = '\0';
	if (p.po_line > 0) {
		n = snprintf(lbuf, sizeof(lbuf), ":%d", p.po_line);
		if (n < 0 || (size_t)n >= sizeof(lbuf))
			lbuf[0] = '\0';
	}
	raw = ini_fmt("%s%s: %s%s%s%s%s%s", ini_posfile(ld, p), lbuf,
	    sect != NULL ? "[" : "", sect != NULL ? ini_secname(sect) : "",
	    sect != NULL ? "] " : "", key != NULL ? key : "", key != NULL ? ": " : "",
	    body);
	ld->i_msg = ini_grow(ld->i_msg, ld->i_nmsg, sizeof(*ld->i_msg));
	ld->i_msg[ld->i_nmsg].m_pos = p;
	ld->i_msg[ld->i_nmsg].m_seq = ld->i_nmsg;
	ld->i_msg[ld->i_nmsg].m_text = escape(raw);
	ld->i_nmsg++;
	free(raw);
	free(body);
}

void
ini_report(struct ini *ld, struct pos p, const char *sect, const char *key, const char *f,
    ...)
{
	va_list	ap;

	va_start(ap, f);
	ini_vreport(ld, p, sect, key, f, ap);
	va_end(ap);
}

static void
kvreport(struct ini *ld, const struct keyline *kv, const char *f, ...)
{
	va_list	ap;

	va_start(ap, f);
	ini_vreport(ld, kv->k_pos, kv->k_sect, kv->k_key, f, ap);
	va_end(ap);
}

static int
msgcmp(const void *a, const void *b)
{
	const struct ini_msg	*x = a, *y = b;
	struct pos		 px = x->m_pos, py = y->m_pos;

	/* File order, line order; about a whole file: last of all. */
	if ((px.po_line == 0) != (py.po_line == 0))
		return px.po_line == 0 ? 1 : -1;
	if (px.po_line != 0 && px.po_file != py.po_file)
		return px.po_file < py.po_file ? -1 : 1;
	if (px.po_line != py.po_line)
		return px.po_line < py.po_line ? -1 : 1;
	return x->m_seq < y->m_seq ? -1 : x->m_seq > y->m_seq;
}

int
ini_flush(struct ini *ld)
{
	size_t	i;

	if (ld->i_nmsg == 0)
		return 0;
	qsort(ld->i_msg, ld->i_nmsg, sizeof(*ld->i_msg), msgcmp);
	for (i = 0; i < ld->i_nmsg && i < ERRORS_SHOWN; i++)
		log_error("%s", ld->i_msg[i].m_text);
	if (ld->i_nmsg > ERRORS_SHOWN)
		log_error("%s: %zu more errors not shown", ld->i_file,
		    ld->i_nmsg - ERRORS_SHOWN);
	return -1;
}

void
ini_free(struct ini *ld)
{
	size_t	i;

	for (i = 0; i < ld->i_nmsg; i++)
		free(ld->i_msg[i].m_text);
	free(ld->i_msg);
	for (i = 0; i < ld->i_nsect; i++)
		free(ld->i_sect[i].s_name);
	free(ld->i_sect);
	for (i = 0; i < ld->i_nkey; i++) {
		free(ld->i_key[i].e_key);
		free(ld->i_key[i].e_raw);
		free(ld->i_key[i].e_val);
	}
	free(ld->i_key);
	free(ld->i_cont);
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
ini_is_name(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return 0;
	return n > 0;
}

/*
 * The index.
 */

/*
 * One physical line of fp into buf (NUL-terminated, at most cap - 1 bytes
 * kept, the rest read and counted).  *len: its full length without the
 * '\n'.  1, or 0 at the end of the file, or -1 on a read error.
 */
static int
read_line(FILE *fp, char *buf, size_t cap, size_t *len, int *nul)
{
	size_t	n = 0;
	int	c;

	*nul = 0;
	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == '\0')
			*nul = 1;
		if (n < cap - 1)
			buf[n] = (char)c;
		n++;
	}
	if (ferror(fp))
		return -1;
	if (c == EOF && n == 0)
		return 0;
	buf[n < cap - 1 ? n : cap - 1] = '\0';
	*len = n;
	return 1;
}

int
ini_quote_char(const char *s)
{
	if (strchr(s, '\'') == NULL)
		return '\'';
	if (strchr(s, '"') == NULL)
		return '"';
	return 0;
}

/*
 * What iniparser must read from a key line (rest: the raw text after '='),
 * in *val: the trap checks need it, and take_values() compares it with
 * what iniparser did read.  0, or -1 after a report (*val is still set).
 */
static int
parse_value(struct ini *ld, const struct keyline *kv, const char *rest, char **val)
{
	const char	*close, *after, *cut;
	int		 q;

	rest += strspn(rest, " \t");
	if (*rest == '"' || *rest == '\'') {
		q = *rest;
		if ((close = strchr(rest + 1, q)) == NULL) {
			*val = xstrdup(rest + 1);
			kvreport(ld, kv, "the value starts with %c but has no closing %c "
			    "(end it with %c)", q, q, q);
			return -1;
		}
		*val = xstrndup(rest + 1, (size_t)(close - rest - 1));
		after = close + 1 + strspn(close + 1, " \t");
		if (*after != '\0' && *after != ';' && *after != '#') {
			kvreport(ld, kv, "\"%s\" after the closing quote would be dropped "
			    "by the ini reader (put all of the value inside the quotes)", after);
			return -1;
		}
		return 0;
	}
	cut = strpbrk(rest, ";#");
	*val = xstrndup(rest, cut != NULL ? (size_t)(cut - rest) : strlen(rest));
	if (cut != NULL) {
		char	*e = *val + strlen(*val);

		while (e > *val && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
	}
	if (cut != NULL && ld->i_strict != NULL && ld->i_strict(kv->k_key)) {
		q = ini_quote_char(rest);
		if (q != 0)
			kvreport(ld, kv, "\"%s\" is cut at '%c' by the ini reader (quote "
			    "the pattern: %s = %c%s%c)", rest, *cut, kv->k_key, q, rest, q);
		else
			kvreport(ld, kv, "\"%s\" is cut at '%c' by the ini reader (write "
			    "; as \\x3b and # as \\x23 in the pattern)", rest, *cut);
		return -1;
	}
	return 0;
}

static size_t
add_sect(struct ini *ld, const char *name, struct pos p)
{
	struct ini_sect	*s;
	size_t		 i;
	int		 f = p.po_file;

	for (i = 0; i < ld->i_nsect; i++) {
		s = &ld->i_sect[i];
		if (strcmp(s->s_name, name) != 0)
			continue;
		/* A section of FILE again in .local is what .local is for. */
		if (s->s_fline[f] == 0) {
			s->s_fline[f] = p.po_line;
			return i;
		}
		/* iniparser merges the two; so does the index. */
		ini_report(ld, p, name, NULL, "duplicate section (first on line %d; "
		    "merge the two)", s->s_fline[f]);
		return i;
	}
	ld->i_sect = ini_grow(ld->i_sect, ld->i_nsect, sizeof(*ld->i_sect));
	s = &ld->i_sect[ld->i_nsect];
	memset(s, 0, sizeof(*s));
	s->s_name = xstrdup(name);
	s->s_pos = p;
	s->s_fline[f] = p.po_line;
	return ld->i_nsect++;
}

/* "[name]": the section index, or NONE after a report. */
static size_t
section_line(struct ini *ld, char *s, size_t len, struct pos line)
{
	char	*name = s + 1, *close = strchr(s, ']');
	size_t	 n;

	name += strspn(name, " \t");
	n = (size_t)(close - name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (close != s + len - 1 || n > SECT_MAX_CHARS || !ini_is_name(name, n)) {
		ini_report(ld, line, NULL, NULL, "\"%s\" is not a valid section header (write "
		    "[name] with letters, digits, _ . or -)", s);
		return NONE;
	}
	name[n] = '\0';
	lower(name);
	return add_sect(ld, name, line);
}

static void
add_key(struct ini *ld, size_t sect, const char *key, const char *raw, char *val,
    struct pos line, int bad)
{
	struct ini_key	*e;

	ld->i_key = ini_grow(ld->i_key, ld->i_nkey, sizeof(*ld->i_key));
	e = &ld->i_key[ld->i_nkey++];
	e->e_sect = sect;
	e->e_key = xstrdup(key);
	e->e_raw = xstrdup(raw);
	e->e_val = val;
	e->e_pos = line;
	e->e_bad = bad;
	e->e_over = 0;
}

/* Line n of the clean copy: text, or "" (the line is not for iniparser). */
static void
clean_line(struct clean *cl, const char *text)
{
	size_t	n = strlen(text);

	if (cl->c_len + n + 2 > cl->c_cap) {
		cl->c_cap = (cl->c_len + n + 2) * 2;
		cl->c_buf = xreallocarray(cl->c_buf, cl->c_cap, 1);
	}
	memcpy(cl->c_buf + cl->c_len, text, n);
	cl->c_len += n;
	cl->c_buf[cl->c_len++] = '\n';
	cl->c_buf[cl->c_len] = '\0';
}

/*
 * Index the file line by line, and keep in cl the lines iniparser may
 * read.  Continuation lines follow Python's configparser, as fail2ban
 * does: after a key line, a line indented deeper than that key continues
 * its value (comments and blank lines between do not end it).  iniparser
 * does not know this, so such lines are errors.
 */
static int
ini_scan(struct ini *ld, FILE *fp, struct clean *cl)
{
	char	 buf[LINE_MAX_CHARS + 2], orig[LINE_MAX_CHARS + 2];
	size_t	 len, cur = NONE, last = NONE, indent, keyindent = 0;
	int	 lineno = 0, nul, r, badsect = 0, keep;

	for (; (r = read_line(fp, buf, sizeof(buf), &len, &nul)) == 1;
	    clean_line(cl, keep ? orig : "")) {
		char	*s, *e, *eq, *p;
		int		 joined;
		struct pos	 line = at(ld->i_fidx, ++lineno);

		keep = 0;

		if (lineno > FILE_MAX_LINES) {
			ini_report(ld, at(ld->i_fidx, 0), NULL, NULL, "more than %d lines (a config is "
			    "a few hundred lines)", FILE_MAX_LINES);
			ld->i_noini = 1;
			return -1;
		}
		if (len > 0 && len <= LINE_MAX_CHARS + 1 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (len > LINE_MAX_CHARS) {
			ini_report(ld, line, NULL, NULL, "line is %zu characters long (at most %d; "
			    "split a long pattern into numbered keys)", len, LINE_MAX_CHARS);
			ld->i_noini = 1;
			continue;
		}
		if (nul) {
			ini_report(ld, line, NULL, NULL, "line contains a NUL byte (a config is "
			    "plain text)");
			ld->i_noini = 1;
			continue;
		}
		for (p = buf; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				break;
		if (*p != '\0') {
			ini_report(ld, line, NULL, NULL, "line contains the control character "
			    "%c (a config is plain text)", *p);
			ld->i_noini = 1;
			continue;
		}
		memcpy(orig, buf, len + 1);
		indent = strspn(buf, " \t");
		s = buf + indent;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		joined = e[-1] == '\\';
		if (*s == ';' || *s == '#') {
			if (joined) {
				ini_report(ld, line, NULL, NULL, "comment ends in \\, which makes "
				    "the ini reader join the next line to it (remove the \\)");
				ld->i_noini = 1;
			}
			continue;
		}
		if (last != NONE && indent > keyindent) {
			ld->i_cont = ini_grow(ld->i_cont, ld->i_ncont, sizeof(*ld->i_cont));
			ld->i_cont[ld->i_ncont].c_pos = line;
			ld->i_cont[ld->i_ncont++].c_key = last;
			ld->i_noini = 1;
			continue;
		}
		last = NONE;
		if (*s == '[' && e[-1] == ']') {
			cur = section_line(ld, s, (size_t)(e - s), line);
			badsect = cur == NONE;
			if (badsect)
				ld->i_noini = 1;
			keep = !badsect;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL || eq == s) {
			if (*s == '[')
				ini_report(ld, line, NULL, NULL, "\"%s\" is not a section header "
				    "(write [name] alone on its line)", s);
			else
				ini_report(ld, line, NULL, NULL, "\"%s\" is neither a [section] "
				    "nor a key = value line", s);
			ld->i_noini = 1;
			continue;
		}
		p = eq;
		while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
			p--;
		*p = '\0';
		lower(s);
		if (cur == NONE) {
			if (!badsect)
				ini_report(ld, line, NULL, s, "key outside any section (put it "
				    "under [DEFAULT] or a filter section)");
			ld->i_noini = 1;
			continue;
		}
		{
			struct keyline	 kv = { line, ld->i_sect[cur].s_name, s, NULL };
			const char	*raw = eq + 1 + strspn(eq + 1, " \t");
			char		*val;
			int		 bad;

			bad = parse_value(ld, &kv, raw, &val) == -1;
			if (joined) {
				if (!bad)
					kvreport(ld, &kv, "\"%s\" ends in \\, which makes "
					    "the ini reader join the next line to it (remove "
					    "the \\, or quote the value)", raw);
				ld->i_noini = bad = 1;
			}
			add_key(ld, cur, s, raw, val, line, bad);
			keep = !bad;
		}
		last = ld->i_nkey - 1;
		keyindent = indent;
	}
	if (r == -1) {
		ini_report(ld, at(ld->i_fidx, 0), NULL, NULL, "read error: %s", strerror(errno));
		ld->i_noini = 1;
		return -1;
	}
	return 0;
}

/*
 * Mark every key line of one file (entries from `from` on) overridden by a
 * later one of the same file, and report it once.
 */
static void
find_dups(struct ini *ld, size_t from)
{
	size_t	i, j;

	for (j = from; j < ld->i_nkey; j++)
		for (i = from; i < j; i++) {
			struct ini_key	*a = &ld->i_key[i], *b = &ld->i_key[j];

			if (a->e_sect != b->e_sect || a->e_over || strcmp(a->e_key, b->e_key) != 0)
				continue;
			ini_report(ld, b->e_pos, ld->i_sect[b->e_sect].s_name, b->e_key,
			    "duplicate key (also on line %d; keep one)", a->e_pos.po_line);
			a->e_over = 1;
			break;
		}
}

/* A key of FILE set again in .local (entries from `from` on) gives way. */
void
ini_mark_overrides(struct ini *ld, size_t from)
{
	size_t	i, j;

	for (i = 0; i < from; i++)
		for (j = from; j < ld->i_nkey; j++) {
			struct ini_key	*a = &ld->i_key[i], *b = &ld->i_key[j];

			if (a->e_sect == b->e_sect && strcmp(a->e_key, b->e_key) == 0) {
				a->e_over = 1;
				break;
			}
		}
}


/*
 * The values, from iniparser.
 */

static int
ini_errback(const char *f, ...)
{
	va_list	 ap;
	char	*s, *p;

	va_start(ap, f);
	s = vfmt(f, ap);
	va_end(ap);
	for (p = s; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	while (p > s && p[-1] == ' ')
		*--p = '\0';
	p = s;
	if (strncmp(p, "iniparser: ", 11) == 0)
		p += 11;
	if (cur_ini != NULL && !cur_quiet)
		ini_report(cur_ini, at(cur_ini->i_fidx, 0), NULL, NULL, "the ini reader failed: %s",
		    p);
	free(s);
	return 0;
}

/*
 * The values of the keys of the file being read (i_fidx, keys from `from`
 * on) from iniparser's dictionary.  Unless quiet (iniparser read the clean
 * copy), its sections and keys must be the index's; in any case each value
 * must be what the raw text reads as, or the key is reported (not quiet)
 * and not checked further.
 */
static void
take_values(struct ini *ld, const dictionary *d, size_t from, int quiet)
{
	size_t	i, j, nkeys, nsect;
	char	dk[2 * (LINE_MAX_CHARS + 2)];
	int	f = ld->i_fidx;

	for (nsect = 0, i = 0; i < ld->i_nsect; i++)
		if (ld->i_sect[i].s_fline[f] != 0)
			nsect++;
	if (!quiet && iniparser_getnsec(d) != (int)nsect)
		ini_report(ld, at(f, 0), NULL, NULL, "the ini reader sees %d sections, not "
		    "%zu (check the [section] lines)", iniparser_getnsec(d), nsect);
	for (i = 0; i < ld->i_nsect && !quiet; i++) {
		const struct ini_sect	*s = &ld->i_sect[i];

		if (s->s_fline[f] == 0)
			continue;
		for (nkeys = 0, j = from; j < ld->i_nkey; j++)
			if (ld->i_key[j].e_sect == i && !ld->i_key[j].e_over)
				nkeys++;
		if (iniparser_find_entry(d, s->s_name) == 0 ||
		    iniparser_getsecnkeys(d, s->s_name) != (int)nkeys)
			ini_report(ld, at(f, s->s_fline[f]), s->s_name, NULL, "the ini reader "
			    "sees %d keys here, not %zu (check the lines of this section)",
			    iniparser_getsecnkeys(d, s->s_name), nkeys);
	}
	for (j = from; j < ld->i_nkey; j++) {
		struct ini_key	*e = &ld->i_key[j];
		const char	*v;
		int		 n;

		if (e->e_over || e->e_bad)
			continue;
		n = snprintf(dk, sizeof(dk), "%s:%s", ld->i_sect[e->e_sect].s_name, e->e_key);
		v = n < 0 || (size_t)n >= sizeof(dk) ? NULL : iniparser_getstring(d, dk, NULL);
		if (v == NULL || strcmp(v, e->e_val) != 0) {
			if (!quiet)
				ini_report(ld, e->e_pos, ld->i_sect[e->e_sect].s_name, e->e_key,
				    "\"%s\" is read as \"%s\" by the ini reader (quote the "
				    "value)", e->e_val, v != NULL ? v : "nothing");
			e->e_bad = 1;
			continue;
		}
		free(e->e_val);
		e->e_val = xstrdup(v);
	}
}

/* The clean copy in a memory file: its descriptor, or -1. */
static int
clean_fd(const struct clean *cl)
{
	size_t	off;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create("mailban-ini", MFD_CLOEXEC)) == -1)
		return -1;
	for (off = 0; off < cl->c_len; off += (size_t)n)
		if ((n = write(fd, cl->c_buf + off, cl->c_len - off)) <= 0) {
			close(fd);
			return -1;
		}
	return fd;
}

/*
 * Read the file with iniparser, through the descriptor already open (or,
 * when the index found lines iniparser would misread, the clean copy);
 * its keys start at `from`.  Without a dictionary (the clean copy could
 * not be made), the keys keep the values the index read.
 */
static void
read_dict(struct ini *ld, int fd, const struct clean *cl, size_t from)
{
	dictionary	*d;
	char		 path[64];
	const char	*p = ini_posfile(ld, at(ld->i_fidx, 0));
	size_t		 before = ld->i_nmsg;
	int		 n, quiet = ld->i_noini, cfd = -1;

	if (quiet && (fd = cfd = clean_fd(cl)) == -1)
		return;
	n = snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0)
		p = path;
	else if (quiet) {
		close(cfd);
		return;
	}
	cur_ini = ld;
	cur_quiet = quiet;
	iniparser_set_error_callback(ini_errback);
	d = iniparser_load(p);
	iniparser_set_error_callback(NULL);
	cur_ini = NULL;
	if (cfd != -1)
		close(cfd);
	if (d == NULL) {
		if (ld->i_nmsg == before && !quiet)
			ini_report(ld, at(ld->i_fidx, 0), NULL, NULL, "the ini reader failed to "
			    "load it");
		return;
	}
	take_values(ld, d, from, quiet);
	iniparser_freedict(d);
}

/*
 * One file into ld: the index, its duplicates, and the values from
 * iniparser.  -1 if the file could not be read to its end.
 */
int
ini_read(struct ini *ld, FILE *fp, int fd, int fidx)
{
	struct clean	 cl = { NULL, 0, 0 };
	size_t		 from = ld->i_nkey;
	int		 rc;

	ld->i_fidx = fidx;
	ld->i_noini = 0;
	if ((rc = ini_scan(ld, fp, &cl)) == 0) {
		find_dups(ld, from);
		read_dict(ld, fd, &cl, from);
	}
	free(cl.c_buf);
	ld->i_fidx = 0;
	return rc;
}
