/*
 * journal.c -- sendmail's entries from `journalctl -o json`.
 *
 * Input: the configuration (journalctl path, journalmatch) and the saved
 * cursor.  Output: one struct sysline per entry, to a callback, and the
 * cursor to resume after.  The JSON is parsed by hand: journalctl prints
 * one flat object per line whose values are strings, arrays of byte
 * values, arrays of those (a field given several times) or null.
 *
 * Invariants:
 *  - journal_parse_line() is pure and never reads json[len] or beyond;
 *  - journalctl runs by execve() of an absolute configured path with a
 *    fixed argv and environment, its stdin on /dev/null, no other inherited
 *    descriptor; never a shell;
 *  - its output is read as it comes, one line at a time, so the size of
 *    the journal does not bound anything;
 *  - a journalmatch term reaches argv only if it is "+" or FIELD=VALUE, and
 *    after "--": it can never be taken for an option.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "lines.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define JSON_DEPTH	16		/* nesting skipped in other fields */
#define KEY_MAX		64		/* longer keys are none of ours */
#define IDLE_TIMEOUT	120		/* seconds without output: killed */
#define JOURNAL_BUFSZ	(JOURNAL_LINEMAX + 65536)	/* journalctl's stdout, read into */
#define MAXTERMS	64		/* journalmatch terms */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

struct jp {
	const char	*p, *end;
};

/* A decoded string: offset and length in the journal_buf. */
struct jstr {
	size_t	off, len;
	int	set;
};

static void
buf_add(struct journal_buf *b, const void *s, size_t n)
{
	size_t	ncap;

	if (b->jb_b == NULL || n >= b->jb_cap - b->jb_len) {
		ncap = b->jb_cap == 0 ? 1024 : b->jb_cap;
		while (n >= ncap - b->jb_len)
			ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
		b->jb_b = xreallocarray(b->jb_b, ncap, 1);
		b->jb_cap = ncap;
	}
	memcpy(b->jb_b + b->jb_len, s, n);
	b->jb_len += n;
	b->jb_b[b->jb_len] = '\0';
}

void
journal_buf_free(struct journal_buf *b)
{
	if (b == NULL)
		return;
	free(b->jb_b);
	memset(b, 0, sizeof(*b));
}

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	    *j->p == '\r'))
		j->p++;
}

static int
hex4(const char *s, unsigned *out)
{
	unsigned	v = 0;
	int		i, c;

	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = v << 4 | (unsigned)c;
	}
	*out = v;
	return 0;
}

static void
put_utf8(struct journal_buf *b, unsigned cp)
{
	unsigned char	u[4];
	size_t		n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

/*
 * The string at j->p (on its opening quote), decoded into b (NULL: only
 * checked).  Raw bytes >= 0x80 pass as they are; control characters must
 * be escaped, as JSON says; a lone surrogate is refused.
 */
static int
jstring(struct jp *j, struct journal_buf *b)
{
	const char	*s, *run;
	unsigned	 cp, lo;
	char		 c;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	s = ++j->p;
	run = s;
	while (s < j->end) {
		if (*s == '"') {
			if (b != NULL)
				buf_add(b, run, (size_t)(s - run));
			j->p = s + 1;
			return 0;
		}
		if ((unsigned char)*s < 0x20)
			return -1;
		if (*s != '\\') {
			s++;
			continue;
		}
		if (b != NULL)
			buf_add(b, run, (size_t)(s - run));
		if (++s == j->end)
			return -1;
		switch (*s) {
		case '"': case '\\': case '/':
			c = *s;
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (j->end - s < 5 || hex4(s + 1, &cp) == -1)
				return -1;
			s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - s < 7 || s[1] != '\\' || s[2] != 'u' ||
				    hex4(s + 3, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			if (b != NULL)
				put_utf8(b, cp);
			run = ++s;
			continue;
		default:
			return -1;
		}
		if (b != NULL)
			buf_add(b, &c, 1);
		run = ++s;
	}
	return -1;
}

static int
literal(struct jp *j, const char *word)
{
	size_t	n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

static int
digits(struct jp *j)
{
	const char	*s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

/* -? int frac? exp? */
static int
number(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (digits(j) == -1)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (digits(j) == -1)
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (digits(j) == -1)
			return -1;
	}
	return 0;
}

/* Check and pass over any value (a field that is none of ours). */
static int
skip_value(struct jp *j, int depth)
{
	char	close;

	ws(j);
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '"':
		return jstring(j, NULL);
	case 't':
		return literal(j, "true");
	case 'f':
		return literal(j, "false");
	case 'n':
		return literal(j, "null");
	case '[':
	case '{':
		if (depth >= JSON_DEPTH)
			return -1;
		close = *j->p == '[' ? ']' : '}';
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				ws(j);
				if (jstring(j, NULL) == -1)
					return -1;
				ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return -1;
			}
			if (skip_value(j, depth + 1) == -1)
				return -1;
			ws(j);
			if (j->p >= j->end)
				return -1;
			if (*j->p == close) {
				j->p++;
				return 0;
			}
			if (*j->p++ != ',')
				return -1;
		}
	default:
		return number(j);
	}
}

/*
 * MESSAGE: a string, or an array of byte values (decoded into b); an array
 * of anything else (several values) or null sets *unusable.
 */
static int
message(struct jp *j, struct journal_buf *b, struct jstr *m, int *unusable)
{
	const char	*save;
	unsigned char	 byte;
	unsigned	 v, nd;

	m->off = b->jb_len;
	if (j->p < j->end && *j->p == '"') {
		if (jstring(j, b) == -1)
			return -1;
		m->len = b->jb_len - m->off;
		m->set = 1;
		return 0;
	}
	if (j->p < j->end && *j->p == 'n') {
		*unusable = 1;
		return literal(j, "null");
	}
	if (j->p >= j->end || *j->p != '[')
		return -1;
	save = j->p++;
	ws(j);
	if (j->p < j->end && (*j->p == '"' || *j->p == '[')) {
		j->p = save;
		*unusable = 1;
		return skip_value(j, 1);
	}
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		m->len = 0;
		m->set = 1;
		return 0;
	}
	for (;;) {
		ws(j);
		for (v = 0, nd = 0; j->p < j->end && *j->p >= '0' && *j->p <= '9';
		    j->p++, nd++) {
			v = v * 10 + (unsigned)(*j->p - '0');
			if (v > 255)
				return -1;
		}
		if (nd == 0)
			return -1;
		byte = (unsigned char)v;
		buf_add(b, &byte, 1);
		ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ']') {
			j->p++;
			break;
		}
		if (*j->p++ != ',')
			return -1;
	}
	m->len = b->jb_len - m->off;
	m->set = 1;
	return 0;
}

/* A string value of decimal digits only (at most 19), as a number. */
static int
decimal(struct jp *j, struct journal_buf *scratch, int64_t *out)
{
	size_t		 off = scratch->jb_len, i, n;
	const char	*s;
	uint64_t	 v = 0;

	if (jstring(j, scratch) == -1)
		return -1;
	n = scratch->jb_len - off;
	s = scratch->jb_b + off;
	scratch->jb_len = off;
	if (n == 0 || n > 19)
		return 1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return 1;
	*out = (int64_t)v;
	return 0;
}

enum field {
	F_OTHER, F_MESSAGE, F_IDENT, F_SYSLOG_PID, F_PID, F_HOST, F_TIME, F_CURSOR,
	F_UID, F_COMM, F_EXE, F_UNIT, F_NFIELDS
};

static enum field
field_of(const char *key, size_t len)
{
	static const char *const names[F_NFIELDS] = {
		[F_MESSAGE] = "MESSAGE", [F_IDENT] = "SYSLOG_IDENTIFIER",
		[F_SYSLOG_PID] = "SYSLOG_PID", [F_PID] = "_PID",
		[F_HOST] = "_HOSTNAME", [F_TIME] = "__REALTIME_TIMESTAMP",
		[F_CURSOR] = "__CURSOR", [F_UID] = "_UID", [F_COMM] = "_COMM",
		[F_EXE] = "_EXE", [F_UNIT] = "_SYSTEMD_UNIT"
	};
	int	f;

	for (f = F_MESSAGE; f < F_NFIELDS; f++)
		if (strlen(names[f]) == len && memcmp(names[f], key, len) == 0)
			return (enum field)f;
	return F_OTHER;
}

/* Optional string fields: anything but a string counts as absent. */
static int
opt_string(struct jp *j, struct journal_buf *b, struct jstr *s)
{
	if (j->p < j->end && *j->p == '"') {
		s->off = b->jb_len;
		if (jstring(j, b) == -1)
			return -1;
		s->len = b->jb_len - s->off;
		s->set = 1;
		return 0;
	}
	return skip_value(j, 1);
}

/*
 * A trusted string field: one that is there but is no string (given
 * several times) is present and empty, so that it can never look absent.
 */
static int
origin_string(struct jp *j, struct journal_buf *b, struct jstr *s)
{
	if (opt_string(j, b, s) == -1)
		return -1;
	if (!s->set) {
		s->off = b->jb_len;
		s->len = 0;
		s->set = 1;
	}
	return 0;
}

int
journal_parse_line(const char *json, size_t len, struct journal_buf *b,
    struct sysline *out, const char **cursor, size_t *cursorlen,
    struct journal_origin *org)
{
	struct jp	 j = { json, json + len };
	struct jstr	 msg = { 0 }, ident = { 0 }, host = { 0 };
	struct jstr	 comm = { 0 }, exe = { 0 }, unit = { 0 };
	struct journal_buf kb = { 0 };
	const char	*cur = NULL, *ks;
	size_t		 curlen = 0, klen;
	int64_t		 usec = -1, spid = -1, pid = -1, uid = -1, v;
	int		 seen[F_NFIELDS] = { 0 }, unusable = 0, rc = -1, r;
	enum field	 f;

	*cursor = NULL;
	*cursorlen = 0;
	memset(out, 0, sizeof(*out));
	if (org != NULL) {
		memset(org, 0, sizeof(*org));
		org->jo_uid = -1;
	}
	b->jb_len = 0;
	buf_add(b, "", 0);
	ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto out;
	ws(&j);
	if (j.p < j.end && *j.p == '}')
		j.p++;
	else for (;;) {
		ws(&j);
		/* Keys are plain ASCII; only an escaped one needs decoding. */
		ks = j.p + 1;
		if (jstring(&j, NULL) == -1)
			goto out;
		klen = (size_t)(j.p - 1 - ks);
		if (memchr(ks, '\\', klen) != NULL) {
			kb.jb_len = 0;
			j.p = ks - 1;
			if (jstring(&j, &kb) == -1)
				goto out;
			ks = kb.jb_b;
			klen = kb.jb_len;
		}
		f = klen < KEY_MAX ? field_of(ks, klen) : F_OTHER;
		if (f != F_OTHER && seen[f]++)
			goto out;
		ws(&j);
		if (j.p >= j.end || *j.p++ != ':')
			goto out;
		ws(&j);
		switch (f) {
		case F_MESSAGE:
			r = message(&j, b, &msg, &unusable);
			break;
		case F_IDENT:
			r = opt_string(&j, b, &ident);
			break;
		case F_HOST:
			r = opt_string(&j, b, &host);
			break;
		case F_COMM:
		case F_EXE:
		case F_UNIT:
			r = origin_string(&j, b, f == F_COMM ? &comm : f == F_EXE ? &exe :
			    &unit);
			break;
		case F_SYSLOG_PID:
		case F_PID:
		case F_UID:
			if (j.p < j.end && *j.p == '"') {
				if ((r = decimal(&j, b, &v)) == 0)
					*(f == F_PID ? &pid : f == F_UID ? &uid : &spid) = v;
				r = r == -1 ? -1 : 0;
			} else
				r = skip_value(&j, 1);
			break;
		case F_TIME:
			r = decimal(&j, b, &usec) == 0 ? 0 : -1;
			break;
		case F_CURSOR:
			cur = j.p + 1;
			r = jstring(&j, NULL);
			curlen = (size_t)(j.p - 1 - cur);
			if (r == 0 && (curlen == 0 || curlen > JOURNAL_CURSORMAX ||
			    memchr(cur, '\\', curlen) != NULL))
				r = -1;
			break;
		default:
			r = skip_value(&j, 1);
			break;
		}
		if (r == -1)
			goto out;
		ws(&j);
		if (j.p >= j.end)
			goto out;
		if (*j.p == '}') {
			j.p++;
			break;
		}
		if (*j.p++ != ',')
			goto out;
	}
	ws(&j);
	if (j.p != j.end || !seen[F_CURSOR] || usec < 0)
		goto out;

	*cursor = cur;
	*cursorlen = curlen;
	if (unusable || !msg.set) {
		rc = 1;
		goto out;
	}
	/* The buffer no longer moves: turn offsets into pointers. */
	out->s_time = usec / 1000000;
	out->s_format = TS_RFC3339;
	out->s_host = b->jb_b + host.off;
	out->s_hostlen = host.set ? host.len : 0;
	out->s_daemon = b->jb_b + ident.off;
	out->s_daemonlen = ident.set ? ident.len : 0;
	out->s_pid = spid != -1 ? (long)spid : pid != -1 ? (long)pid : -1;
	out->s_msg = b->jb_b + msg.off;
	out->s_msglen = msg.len;
	if (org != NULL) {
		org->jo_usec = usec;
		org->jo_uid = uid;
		org->jo_comm = comm.set ? b->jb_b + comm.off : NULL;
		org->jo_commlen = comm.len;
		org->jo_exe = exe.set ? b->jb_b + exe.off : NULL;
		org->jo_exelen = exe.len;
		org->jo_unit = unit.set ? b->jb_b + unit.off : NULL;
		org->jo_unitlen = unit.len;
	}
	rc = 0;
out:
	journal_buf_free(&kb);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* A program name that is sendmail's: sm-mta, sendmail, sendmail-mta, sendmail.sendmail, ... */
static int
sendmail_name(const char *s, size_t n)
{
	return (n == 6 && memcmp(s, "sm-mta", 6) == 0) ||
	    (n >= 8 && memcmp(s, "sendmail", 8) == 0 &&
	    (n == 8 || s[8] == '-' || s[8] == '.'));
}

int
journal_trusted(const struct journal_origin *o)
{
	const char	*base;

	if (o->jo_uid != 0)
		return 0;
	if (o->jo_comm == NULL && o->jo_exe == NULL && o->jo_unit == NULL)
		return 1;	/* root, gone before journald could look */
	if (o->jo_unit != NULL && o->jo_unitlen == 16 &&
	    memcmp(o->jo_unit, "sendmail.service", 16) == 0)
		return 1;
	if (o->jo_comm != NULL && sendmail_name(o->jo_comm, o->jo_commlen))
		return 1;
	if (o->jo_exe != NULL) {
		base = memrchr(o->jo_exe, '/', o->jo_exelen);
		base = base != NULL ? base + 1 : o->jo_exe;
		if (sendmail_name(base, o->jo_exelen - (size_t)(base - o->jo_exe)))
			return 1;
	}
	return 0;
}

/* --- running journalctl ------------------------------------------------ */

static int
term_ok(const char *t, size_t n)
{
	size_t	i;

	if (n == 1 && t[0] == '+')
		return 1;
	/* Journal field names: upper-case letters, digits, '_'; not a digit first. */
	for (i = 0; i < n && t[i] != '='; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_' ||
		    (i > 0 && t[i] >= '0' && t[i] <= '9')))
			return 0;
	return i > 0 && i < n;
}

/* Split journalmatch at blanks into terms (caller frees each and v). */
static int
split_terms(const char *match, char **v, size_t max, size_t *n)
{
	const char	*s = match, *e;
	size_t		 len;

	*n = 0;
	if (s == NULL)
		return 0;
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			return 0;
		len = strcspn(s, " \t");
		e = s + len;
		if (!term_ok(s, len))
			return log_error("journalmatch: \"%.*s\" is not FIELD=VALUE or + "
			    "(e.g. \"_SYSTEMD_UNIT=sendmail.service + _UID=0 "
			    "SYSLOG_IDENTIFIER=sm-mta\")", (int)(len > 200 ? 200 : len), s);
		if (*n == max)
			return log_error("journalmatch: more than %zu terms", max);
		v[(*n)++] = xstrndup(s, len);
		s = e;
	}
}

struct follow {
	int		(*fn)(void *, const struct sysline *, const char *);
	void		 *arg;
	struct journal_stats *st;
	struct journal_buf jb;
	char		 cur[JOURNAL_CURSORMAX + 1];
	int		 havecur;
	int64_t		 upto;		/* entries at or before this usec: read */
	/* How journalctl ended when it exited non-zero (not yet reported). */
	int		 exitcode;
	char		 errline[PROC_ERRLINE + 1];
};

/* One line of output: 0, or -1 when the callback said stop. */
static int
entry(struct follow *fw, const char *line, size_t len)
{
	struct journal_origin org;
	struct sysline	 sl;
	const char	*c;
	size_t		 clen;
	int		 r;

	fw->st->js_entries++;
	if ((r = journal_parse_line(line, len, &fw->jb, &sl, &c, &clen, &org)) == -1) {
		fw->st->js_bad++;
		return 0;
	}
	memcpy(fw->cur, c, clen);
	fw->cur[clen] = '\0';
	fw->havecur = 1;
	if (r == 1) {
		fw->st->js_skipped++;
		return 0;
	}
	if (!journal_trusted(&org)) {
		fw->st->js_skipped++;
		fw->st->js_untrusted++;
		return 0;
	}
	if (org.jo_usec <= fw->upto) {
		fw->st->js_before++;
		return 0;
	}
	if (fw->fn(fw->arg, &sl, fw->cur) == -1)
		return -1;
	fw->st->js_passed++;
	return 0;
}

/* entry() as the line splitter calls it. */
static int
entry_fn(void *arg, const char *name, const char *line, size_t len)
{
	(void)name;
	return entry(arg, line, len);
}

/*
 * Run journalctl once, after cursor (NULL: from the start, or from
 * fw->upto's second when that is set: --since=@SECONDS), handing each
 * entry to entry().  0 done; -1 failed, reported; -2 journalctl exited
 * non-zero: fw->exitcode and fw->errline say how, not reported yet.
 */
static int
run_once(const struct config *cfg, const char *cursor, struct follow *fw)
{
	struct proc		 p;
	struct lines		 l;
	char			*argv[8 + MAXTERMS], *terms[MAXTERMS], *after = NULL;
	char			*lb = NULL, since[40];
	size_t			 nterms = 0, na = 0, i;
	int			 rc = -1;

	if (split_terms(cfg->c_journalmatch, terms, MAXTERMS, &nterms) == -1)
		goto out;
	argv[na++] = cfg->c_journalctl;
	argv[na++] = "-o";
	argv[na++] = "json";
	argv[na++] = "--no-pager";
	argv[na++] = "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,"
	    "_HOSTNAME,_UID,_COMM,_EXE,_SYSTEMD_UNIT";
	if (cursor != NULL) {
		after = xmalloc(strlen(cursor) + sizeof("--after-cursor="));
		memcpy(after, "--after-cursor=", sizeof("--after-cursor=") - 1);
		memcpy(after + sizeof("--after-cursor=") - 1, cursor, strlen(cursor) + 1);
		argv[na++] = after;
	} else if (fw->upto >= 0 && fw->upto != INT64_MAX) {
		snprintf(since, sizeof(since), "--since=@%" PRId64, fw->upto / 1000000);
		argv[na++] = since;
	}
	argv[na++] = "--";
	for (i = 0; i < nterms; i++)
		argv[na++] = terms[i];
	argv[na] = NULL;

	/*
	 * One entry a line, handed on as it comes; a line over
	 * JOURNAL_LINEMAX is skipped and counted (js_entries, js_bad).
	 * No '\r' is removed: the line is JSON.
	 */
	lb = xmalloc(JOURNAL_BUFSZ);
	lines_init(&l, lb, JOURNAL_BUFSZ, JOURNAL_LINEMAX, 0, "journalctl", entry_fn,
	    fw, 0);
	memset(&p, 0, sizeof(p));
	p.p_name = "journalctl";
	p.p_tail = "journal not read";
	p.p_argv = argv;
	p.p_lines = &l;
	p.p_timeout = IDLE_TIMEOUT;
	p.p_idle = 1;
	p.p_quietexit = 1;
	if ((rc = proc_run(&p)) == -2) {
		/* Not reported here: journal_follow may run it again. */
		memcpy(fw->errline, p.p_errline, sizeof(fw->errline));
		fw->exitcode = p.p_status;
	} else if (rc == 0 && lines_end(&l, LINES_STREAM) == -1)
		rc = -1;	/* an unterminated last line is a whole entry */
	fw->st->js_entries += l.l_long;
	fw->st->js_bad += l.l_long;
out:
	for (i = 0; i < nterms; i++)
		free(terms[i]);
	free(after);
	free(lb);
	return rc;
}

/*
 * The time in a cursor, its "t=" part (hex microseconds of the entry's
 * __REALTIME_TIMESTAMP): 0 and *usec, or -1 if it has none.
 */
static int
cursor_time(const char *cursor, int64_t *usec)
{
	const char	*p = cursor;
	uint64_t	 v;
	size_t		 n, k;
	int		 c;

	for (;;) {
		n = strcspn(p, ";");
		if (n > 2 && p[0] == 't' && p[1] == '=' && n - 2 <= 15) {
			for (v = 0, k = 2; k < n; k++) {
				c = (unsigned char)p[k];
				if (c >= '0' && c <= '9')
					c -= '0';
				else if (c >= 'a' && c <= 'f')
					c -= 'a' - 10;
				else
					break;
				v = v << 4 | (unsigned)c;
			}
			if (k == n) {
				*usec = (int64_t)v;
				return 0;
			}
		}
		if (p[n] == '\0')
			return -1;
		p += n + 1;
	}
}

static void
report_exit(const struct follow *fw)
{
	log_error("journalctl exited %d%s%s; journal not read (check "
	    "journalmatch, or the saved cursor)", fw->exitcode,
	    fw->errline[0] != '\0' ? ": " : "", fw->errline);
}

int
journal_follow(const struct config *cfg, const char *cursor,
    int (*fn)(void *, const struct sysline *, const char *), void *arg,
    char **newcursor, struct journal_stats *stats)
{
	struct journal_stats	 dummy;
	struct follow		 fw;
	struct sigaction	 sa, osa;
	char			 why[PROC_ERRLINE + 1], tbuf[32];
	int64_t			 t;
	uint64_t		 entries0;
	int			 rc = -1, r, notime;

	*newcursor = NULL;
	memset(&dummy, 0, sizeof(dummy));
	memset(&fw, 0, sizeof(fw));
	fw.fn = fn;
	fw.arg = arg;
	fw.st = stats != NULL ? stats : &dummy;
	fw.upto = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &osa);

	if (cfg->c_journalctl == NULL || cfg->c_journalctl[0] != '/') {
		log_error("cannot run %s: not an absolute path",
		    cfg->c_journalctl != NULL ? cfg->c_journalctl : "journalctl");
		goto out;
	}
	if (cursor != NULL && (strlen(cursor) > JOURNAL_CURSORMAX ||
	    strpbrk(cursor, " \t\r\n") != NULL)) {
		log_error("journal cursor \"%.40s...\" is not one journalctl printed",
		    cursor);
		goto out;
	}
	entries0 = fw.st->js_entries;
	if ((r = run_once(cfg, cursor, &fw)) == -2 && cursor != NULL &&
	    fw.st->js_entries == entries0) {
		/*
		 * journalctl refused the cursor before printing anything (it
		 * seeks first): read again without it, from the second of the
		 * cursor's time.  What is at or before that time was read; with
		 * no time in it, everything printed now is taken as read
		 * (nothing twice, at the cost of what came since the last run).
		 */
		memcpy(why, fw.errline, sizeof(why));
		notime = cursor_time(cursor, &t) == -1;
		fw.upto = notime ? INT64_MAX : t;
		fw.exitcode = 0;
		fw.errline[0] = '\0';
		if ((r = run_once(cfg, NULL, &fw)) == 0) {
			if (notime)
				log_warnx("journal cursor \"%.60s\" refused by journalctl "
				    "(%s) and it holds no time: the %" PRIu64 " entries in "
				    "the journal now are taken as read, those since the "
				    "last run are not counted", cursor,
				    why[0] != '\0' ? why : "no reason given",
				    fw.st->js_before);
			else
				log_warnx("journal cursor \"%.60s\" refused by journalctl "
				    "(%s): reading the entries after its time, %s",
				    cursor, why[0] != '\0' ? why : "no reason given",
				    fmt_time_utc(t / 1000000, tbuf, sizeof(tbuf)));
		}
	}
	if (r == -2)
		report_exit(&fw);
	if (r != 0)
		goto out;
	if (fw.havecur)
		*newcursor = xstrdup(fw.cur);
	else if (cursor != NULL)
		*newcursor = xstrdup(cursor);
	rc = 0;
out:
	sigaction(SIGPIPE, &osa, NULL);
	journal_buf_free(&fw.jb);
	return rc;
}
