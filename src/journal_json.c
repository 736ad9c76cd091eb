/*
 * journal_json.c -- one line of `journalctl -o json` output to an entry
 * (journal_parse_line), and whether journald saw sendmail send it
 * (journal_trusted); journal.h documents both.  The JSON is parsed by
 * hand: journalctl prints one flat object per line whose values are
 * strings, arrays of byte values, arrays of those (a field given several
 * times) or null.
 *
 * Invariant: journal_parse_line() is pure and never reads json[len] or
 * beyond.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "util.h"

#define JSON_DEPTH	16		/* nesting skipped in other fields */
#define KEY_MAX		64		/* longer keys are none of ours */

struct jp {
	const char	*p, *end;
};

/* A decoded string: offset and length in the journal_buf. */
struct jstr {
	size_t	off, len;
	int	set;
};

static void
jbuf_add(struct journal_buf *b, const void *s, size_t n)
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
	jbuf_add(b, u, n);
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
				jbuf_add(b, run, (size_t)(s - run));
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
			jbuf_add(b, run, (size_t)(s - run));
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
			jbuf_add(b, &c, 1);
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
		jbuf_add(b, &byte, 1);
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
	jbuf_add(b, "", 0);
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
