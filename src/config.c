/*
 * config.c -- read and check mailban.conf.
 *
 * Input: one ini file (and its .local, below), read with libiniparser.
 * Output: a struct config in which every value has been checked, or -1
 * after every problem has been reported, one line each, in line order:
 *   mailban: FILE:LINE: [section] key: "VALUE" is PROBLEM (FIX)
 *
 * iniparser keeps no line numbers and is silent about several traps: an
 * unquoted ';' or '#' cuts a value, a trailing '\' joins two lines, a
 * repeated key or section is merged, text after a closing quote is
 * dropped, and fail2ban's indented continuation lines become a syntax
 * error or, with an '=' in them, another key.  So the file is first
 * scanned here, line by line, to learn where every section and key is and
 * to reject those traps.  Then iniparser reads the same open file, and
 * every section, key and value it returns must equal the scan's: a
 * difference between the two readers, or a file changed between the two
 * reads, is an error, never a silent surprise.
 *
 * Local overrides: FILE's sibling with .conf replaced by .local (or
 * .local appended), if it exists, is read after FILE by the same scan,
 * checks and iniparser crosscheck.  Its keys replace the same section/key
 * of FILE (silently: that is its purpose), it may add sections, and a
 * duplicate key inside either file is still an error.  Every position is
 * a struct pos {file, line}: file 0 is FILE, 1 its .local.
 *
 * Invariants of a loaded config (besides config.h): c_ignoreip holds
 * 127.0.0.0/8 and ::1 and no entry twice, then (ignoreself) the host's
 * interface addresses that it did not contain already; j_fail is sorted
 * by (p_minmode, p_number), j_ignore by p_number; no two patterns of a
 * jail share a key or a (kind, number); j_name and p_key are lower case,
 * as iniparser names them.  j_line and p_line are lines of j_file and
 * p_file, which point at c_file or c_localfile (the names the load used).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <iniparser.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "log.h"
#include "util.h"

#define LINE_MAX_CHARS	1000		/* iniparser's own limit is 1023 */
#define FILE_MAX_BYTES	(1024 * 1024)
#define FILE_MAX_LINES	10000		/* iniparser is quadratic in keys */
#define SECT_MAX_CHARS	64
#define PATNUM_MAX	99
#define PORTS_MAX	15		/* iptables multiport */
#define CHAIN_MAX	28		/* iptables chain name */
#define ERRORS_SHOWN	100
#define MULT_MAX	32		/* bantime.multipliers */
#define NONE		((size_t)-1)

#define DUR_FIX		"use seconds or a number with unit s m h d w: 90, 10m, 1h30m, 2w"
#define BAN_FIX		"use a duration such as 1h, 2d, 1w, or -1 for permanent"
#define LIST_SEP	", \t"

/* A place in the files being read: po_file 0 is FILE, 1 its .local;
 * po_line 0 stands for the whole file (or a built-in default). */
struct pos {
	int	 po_file;
	int	 po_line;
};

#define NOPOS	((struct pos){ 0, 0 })

struct msg {
	struct pos m_pos;	/* line 0: about the whole file; sorts last */
	size_t	 m_seq;
	char	*m_text;
};

struct sect {
	char	*s_name;	/* lower case, as iniparser names it */
	struct pos s_pos;	/* of its first header */
	int	 s_fline[2];	/* of its first header in FILE, in .local; 0: none */
};

struct ent {
	size_t	 e_sect;
	char	*e_key;		/* lower case, as iniparser names it */
	char	*e_val;		/* the value as iniparser reads it */
	struct pos e_pos;
	int	 e_bad;		/* the line was reported: the value is not checked */
	int	 e_over;	/* a later line sets the same key again */
};

struct cont {
	struct pos c_pos;
	size_t	 c_ent;		/* the key line it would continue */
};

struct ld {
	const char	*l_file;
	const char	*l_local;	/* the .local file, or NULL */
	int		 l_fidx;	/* the file being read: 0 FILE, 1 .local */
	struct msg	*l_msg;
	size_t		 l_nmsg;
	struct sect	*l_sect;
	size_t		 l_nsect;
	struct ent	*l_ent;
	size_t		 l_nent;
	struct cont	*l_cont;
	size_t		 l_ncont;
	int		 l_noini;	/* iniparser would not read what the scan read */
};

/* The key being checked: a line of the file, or a built-in default (line 0). */
struct kv {
	struct pos	 k_pos;
	const char	*k_sect;
	const char	*k_key;
	const char	*k_val;
};

/* A pattern key: failregex[.N], failregex.extra.N, ... */
struct patkey {
	int	pk_ignore;	/* ignoreregex* */
	int	pk_minmode;	/* enum mode; MODE_NORMAL for ignoreregex* */
	int	pk_number;
	int	pk_bare;	/* "failregex" or "ignoreregex" alone */
};

enum dkey {
	D_LOGPATH, D_DATABASE, D_CHAIN, D_PORT, D_BLOCKTYPE, D_BLOCKTYPE6,
	D_MAXRETRY, D_FINDTIME, D_BANTIME, D_IGNOREIP, D_DAEMONS, D_DBPURGEAGE,
	D_MAXBANS, D_IPT_SAVE, D_IPT_RESTORE, D_IP6T_SAVE, D_IP6T_RESTORE,
	D_FACILITY, D_IGNORESELF, D_BACKEND, D_IPSET, D_JOURNALMATCH, D_JOURNALCTL,
	D_INC, D_INC_FACTOR, D_INC_MULT, D_INC_MAXTIME, D_INC_RNDTIME, D_INC_WINDOW,
	D_NKEYS
};

/* [DEFAULT] keys and their defaults, the same as in conf/mailban.conf. */
static const struct {
	const char	*dk_name;
	const char	*dk_default;	/* NULL: blocktype6 follows blocktype */
} dkeys[D_NKEYS] = {
	[D_LOGPATH] =		{ "logpath", "/var/log/mail.log" },
	[D_DATABASE] =		{ "database", "/var/lib/mailban/mailban.db" },
	[D_CHAIN] =		{ "chain", "fail2ban-mail" },
	[D_PORT] =		{ "port", "25,465,587" },
	[D_BLOCKTYPE] =		{ "blocktype", "REJECT --reject-with tcp-reset" },
	[D_BLOCKTYPE6] =	{ "blocktype6", NULL },
	[D_MAXRETRY] =		{ "maxretry", "5" },
	[D_FINDTIME] =		{ "findtime", "10m" },
	[D_BANTIME] =		{ "bantime", "1h" },
	[D_IGNOREIP] =		{ "ignoreip", "127.0.0.0/8 ::1" },
	[D_DAEMONS] =		{ "daemons", "sendmail sm-mta sm-acceptingconnections sm-msp-queue" },
	[D_DBPURGEAGE] =	{ "dbpurgeage", "30d" },
	[D_MAXBANS] =		{ "maxbans", "10000" },
	[D_IPT_SAVE] =		{ "iptables_save", "/usr/sbin/iptables-save" },
	[D_IPT_RESTORE] =	{ "iptables_restore", "/usr/sbin/iptables-restore" },
	[D_IP6T_SAVE] =		{ "ip6tables_save", "/usr/sbin/ip6tables-save" },
	[D_IP6T_RESTORE] =	{ "ip6tables_restore", "/usr/sbin/ip6tables-restore" },
	[D_FACILITY] =		{ "syslog_facility", "daemon" },
	[D_IGNORESELF] =	{ "ignoreself", "true" },
	[D_BACKEND] =		{ "backend", "chain" },
	[D_IPSET] =		{ "ipset", "/usr/sbin/ipset" },
	[D_JOURNALMATCH] =	{ "journalmatch",
				  "_SYSTEMD_UNIT=sendmail.service + SYSLOG_IDENTIFIER=sm-mta" },
	[D_JOURNALCTL] =	{ "journalctl", "/usr/bin/journalctl" },
	[D_INC] =		{ "bantime.increment", "true" },
	[D_INC_FACTOR] =	{ "bantime.factor", "1" },
	[D_INC_MULT] =		{ "bantime.multipliers", "" },
	[D_INC_MAXTIME] =	{ "bantime.maxtime", "5w" },
	[D_INC_RNDTIME] =	{ "bantime.rndtime", "0" },
	[D_INC_WINDOW] =	{ "bantime.window", "30d" },
};

static const struct {
	const char	*f_name;
	int		 f_value;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "authpriv", LOG_AUTHPRIV }, { "mail", LOG_MAIL },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const char *const backends[] = {
	[BACKEND_CHAIN] = "chain", [BACKEND_IPSET] = "ipset"
};

enum jkey { J_ENABLED, J_MODE, J_MAXRETRY, J_FINDTIME, J_BANTIME, J_NKEYS };

static const char *const jkeys[J_NKEYS] = {
	"enabled", "mode", "maxretry", "findtime", "bantime"
};

/* Stems of the numbered pattern keys, for "did you mean". */
static const char *const patstems[] = {
	"failregex", "failregex.extra", "failregex.aggressive", "ignoreregex"
};

static const char *const modenames[] = { "normal", "extra", "aggressive" };

/*
 * fail2ban's jail keys that mailban does its own way, and what it does
 * instead.  A key ending in '_' stands for every key it begins
 * (action_mw, action_mwl, ...).
 */
#define F2B_ACTION	"mailban has no actions; it bans through its own chain or ipset " \
			"and reports to syslog and to stderr, which cron mails, with no " \
			"e-mail action (remove it)"
#define F2B_BANACTION	"mailban bans through its own chain or ipset (remove it; " \
			"choose with backend = chain or ipset in [DEFAULT])"
#define F2B_MAIL	"mailban sends no mail; it reports to syslog and to stderr, " \
			"which cron mails (remove it; cron's MAILTO says to whom)"
static const struct {
	const char	*fk_name;
	const char	*fk_fix;
} f2bkeys[] = {
	{ "action", F2B_ACTION },
	{ "action_", F2B_ACTION },
	{ "banaction", F2B_BANACTION },
	{ "banaction_allports", F2B_BANACTION },
	{ "destemail", F2B_MAIL },
	{ "sender", F2B_MAIL },
	{ "mta", F2B_MAIL },
	{ "protocol", "mailban bans tcp, on the ports of port (remove it)" },
	{ "usedns", "mailban never resolves names; it bans only addresses written "
	    "in the log (remove it)" },
	{ "logencoding", "mailban matches the log as bytes, whatever its encoding "
	    "(remove it)" },
	{ "ignorecommand", "mailban runs no command to decide (remove it; list the "
	    "addresses in ignoreip)" },
	{ "filter", "a mailban filter is the jail's own section, with its patterns "
	    "as failregex.1, failregex.2, ... (remove it; choose the patterns with "
	    "mode = normal, extra or aggressive)" },
	{ "maxlines", "mailban matches one line at a time (remove it)" },
	{ "maxmatches", "mailban keeps every failure in its database (remove it; "
	    "mailban report shows them)" },
	{ "datepattern", "mailban reads the syslog time itself (BSD, RFC 3339 or "
	    "YYYY-MM-DD HH:MM:SS) (remove it)" },
	{ "prefregex", "mailban matches patterns after \"sm-mta[pid]: \" and the "
	    "queue id itself (remove it)" },
	{ "allowipv6", "mailban bans IPv4 and IPv6 alike (remove it)" },
	{ "bantime.formula", "mailban grows a repeat offender's ban with "
	    "bantime.factor or bantime.multipliers (remove it)" },
};

/* fail2ban's log backends: mailban's backend key is its firewall. */
static const char *const f2bbackends[] = {
	"auto", "polling", "pyinotify", "gamin", "systemd"
};

/* Sections of fail2ban's filter and jail files that are not jails. */
static const struct {
	const char	*fs_name;
	const char	*fs_why;	/* %s: the .local file */
} f2bsects[] = {
	{ "definition", "is a fail2ban filter section: a mailban filter is the jail's "
	    "own section (rename it after the jail, such as [sendmail-reject], and "
	    "number its patterns: failregex.1 = ..., failregex.2 = ...)" },
	{ "init", "is a fail2ban filter section: mailban filters take no parameters "
	    "(remove it)" },
	{ "includes", "is a fail2ban section: mailban includes no other files "
	    "(remove it; put local changes in %s)" },
};

/* Filter sections a typo'd section name most likely meant. */
static const char *const shipped_sects[] = { "sendmail-reject", "sendmail-auth" };

/* [DEFAULT] values that only matter through the jails. */
struct dflt {
	long long	 d_maxretry, d_findtime, d_bantime, d_dbpurgeage;
	struct pos	 d_pos[D_NKEYS];	/* line 0: not in the file */
	const char	*d_raw[D_NKEYS];	/* the value as written */
	int		 d_set[D_NKEYS];
	int		 d_bad[D_NKEYS];	/* in the file, and wrong */
};

/* iniparser's error callback takes no argument: the load it belongs to. */
static struct ld	*ini_ld;

static void	 vreport(struct ld *, struct pos, const char *, const char *,
		    const char *, va_list) __attribute__((format(printf, 5, 0)));
static void	 report(struct ld *, struct pos, const char *, const char *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
static void	 kvreport(struct ld *, const struct kv *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static char	*fmt(const char *, ...) __attribute__((format(printf, 1, 2)));
static int	 parse_bool(const char *, int *);

/* Room for element n of an array that doubles: call before each append. */
static void *
grow(void *v, size_t n, size_t sz)
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

static char *
fmt(const char *f, ...)
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

static const char *
secname(const char *sect)
{
	return strcmp(sect, "default") == 0 ? "DEFAULT" : sect;
}

static struct pos
at(int file, int line)
{
	struct pos	p = { file, line };

	return p;
}

/* The name of the file of a position. */
static const char *
pos_file(const struct ld *ld, struct pos p)
{
	return p.po_file == 1 && ld->l_local != NULL ? ld->l_local : ld->l_file;
}

/* "line N", or "line N of FILE" when other is in another file than here. */
static const char *
lineref(const struct ld *ld, struct pos here, struct pos other, char *buf, size_t len)
{
	int	n;

	if (here.po_file == other.po_file)
		n = snprintf(buf, len, "line %d", other.po_line);
	else
		n = snprintf(buf, len, "line %d of %s", other.po_line, pos_file(ld, other));
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

static void
vreport(struct ld *ld, struct pos p, const char *sect, const char *key, const char *f,
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
	raw = fmt("%s%s: %s%s%s%s%s%s", pos_file(ld, p), lbuf,
	    sect != NULL ? "[" : "", sect != NULL ? secname(sect) : "",
	    sect != NULL ? "] " : "", key != NULL ? key : "", key != NULL ? ": " : "",
	    body);
	ld->l_msg = grow(ld->l_msg, ld->l_nmsg, sizeof(*ld->l_msg));
	ld->l_msg[ld->l_nmsg].m_pos = p;
	ld->l_msg[ld->l_nmsg].m_seq = ld->l_nmsg;
	ld->l_msg[ld->l_nmsg].m_text = escape(raw);
	ld->l_nmsg++;
	free(raw);
	free(body);
}

static void
report(struct ld *ld, struct pos p, const char *sect, const char *key, const char *f,
    ...)
{
	va_list	ap;

	va_start(ap, f);
	vreport(ld, p, sect, key, f, ap);
	va_end(ap);
}

static void
kvreport(struct ld *ld, const struct kv *kv, const char *f, ...)
{
	va_list	ap;

	va_start(ap, f);
	vreport(ld, kv->k_pos, kv->k_sect, kv->k_key, f, ap);
	va_end(ap);
}

static int
msgcmp(const void *a, const void *b)
{
	const struct msg	*x = a, *y = b;
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

/* Print the collected messages in line order; -1 if there were any. */
static int
flush_msgs(struct ld *ld)
{
	size_t	i;

	if (ld->l_nmsg == 0)
		return 0;
	qsort(ld->l_msg, ld->l_nmsg, sizeof(*ld->l_msg), msgcmp);
	for (i = 0; i < ld->l_nmsg && i < ERRORS_SHOWN; i++)
		log_error("%s", ld->l_msg[i].m_text);
	if (ld->l_nmsg > ERRORS_SHOWN)
		log_error("%s: %zu more errors not shown", ld->l_file,
		    ld->l_nmsg - ERRORS_SHOWN);
	return -1;
}

static void
ld_free(struct ld *ld)
{
	size_t	i;

	for (i = 0; i < ld->l_nmsg; i++)
		free(ld->l_msg[i].m_text);
	free(ld->l_msg);
	for (i = 0; i < ld->l_nsect; i++)
		free(ld->l_sect[i].s_name);
	free(ld->l_sect);
	for (i = 0; i < ld->l_nent; i++) {
		free(ld->l_ent[i].e_key);
		free(ld->l_ent[i].e_val);
	}
	free(ld->l_ent);
	free(ld->l_cont);
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
is_name(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return 0;
	return n > 0;
}

static int
is_regex_key(const char *key)
{
	return strncmp(key, "failregex", 9) == 0 || strncmp(key, "ignoreregex", 11) == 0;
}

/*
 * Classify a pattern key.  1: *pk filled; 0: not a pattern key; -1: a
 * pattern key whose number is not 1 to 99 (or has a leading zero).
 */
static int
patkey(const char *key, struct patkey *pk)
{
	static const struct {
		const char	*prefix;
		int		 ignore, minmode;
	} fam[] = {
		{ "failregex.extra.", 0, MODE_EXTRA },
		{ "failregex.aggressive.", 0, MODE_AGGRESSIVE },
		{ "failregex.", 0, MODE_NORMAL },
		{ "ignoreregex.", 1, MODE_NORMAL },
	};
	const char	*num;
	size_t		 i, n;

	memset(pk, 0, sizeof(*pk));
	if (strcmp(key, "failregex") == 0 || strcmp(key, "ignoreregex") == 0) {
		pk->pk_ignore = key[0] == 'i';
		pk->pk_number = 1;
		pk->pk_bare = 1;
		return 1;
	}
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		n = strlen(fam[i].prefix);
		if (strncmp(key, fam[i].prefix, n) != 0)
			continue;
		num = key + n;
		if (*num == '\0' || strspn(num, "0123456789") != strlen(num))
			return 0;
		if (num[0] == '0' || strlen(num) > 2)
			return -1;
		pk->pk_ignore = fam[i].ignore;
		pk->pk_minmode = fam[i].minmode;
		pk->pk_number = (int)strtol(num, NULL, 10);
		return 1;
	}
	return 0;
}

/* The key stem of a pattern family, for messages: "failregex.extra". */
static const char *
patstem(const struct patkey *pk)
{
	if (pk->pk_ignore)
		return "ignoreregex";
	return patstems[pk->pk_minmode];
}

/* 0 to 3: the family a pattern number belongs to. */
static int
patfam(const struct patkey *pk)
{
	return pk->pk_ignore ? 3 : pk->pk_minmode;
}

static int
dkey_index(const char *key)
{
	int	i;

	for (i = 0; i < D_NKEYS; i++)
		if (strcmp(key, dkeys[i].dk_name) == 0)
			return i;
	return -1;
}

static int
jkey_index(const char *key)
{
	int	i;

	for (i = 0; i < J_NKEYS; i++)
		if (strcmp(key, jkeys[i]) == 0)
			return i;
	return -1;
}

/* Optimal string alignment distance; long words are never close. */
static int
distance(const char *a, const char *b)
{
	int	d[3][40], i, j, la = (int)strlen(a), lb = (int)strlen(b);

	if (lb >= 40 || la > lb + 2 || lb > la + 2)
		return INT_MAX;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		int	*cur = d[i % 3], *prev = d[(i + 2) % 3], *pp = d[(i + 1) % 3];

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int	c = a[i - 1] == b[j - 1] ? 0 : 1, v;

			v = prev[j - 1] + c;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[la % 3][lb];
}

static void
consider(const char *key, const char *cand, const char *num, char *best, size_t len,
    int *bestd)
{
	int	d = distance(key, cand), n;
	int	max = strlen(cand) >= 6 ? 2 : 1;

	if (d > max || d >= *bestd || d >= (int)strlen(key))
		return;
	n = snprintf(best, len, "%s%s%s", cand, num != NULL ? "." : "", num != NULL ? num : "");
	if (n < 0 || (size_t)n >= len)
		return;
	*bestd = d;
}

/* The known key of this kind of section closest to key, or NULL. */
static const char *
suggest(const char *key, int indefault, char *best, size_t len)
{
	const char	*dot;
	char		 stem[64];
	int		 bestd = INT_MAX, i;
	size_t		 k;

	if (indefault) {
		for (i = 0; i < D_NKEYS; i++)
			consider(key, dkeys[i].dk_name, NULL, best, len, &bestd);
		return bestd == INT_MAX ? NULL : best;
	}
	for (i = 0; i < J_NKEYS; i++)
		consider(key, jkeys[i], NULL, best, len, &bestd);
	dot = strrchr(key, '.');
	if (dot != NULL && dot[1] != '\0' && strspn(dot + 1, "0123456789") == strlen(dot + 1) &&
	    strlen(dot + 1) <= 2 && dot[1] != '0' && (size_t)(dot - key) < sizeof(stem)) {
		memcpy(stem, key, (size_t)(dot - key));
		stem[dot - key] = '\0';
		for (k = 0; k < sizeof(patstems) / sizeof(patstems[0]); k++)
			consider(stem, patstems[k], dot + 1, best, len, &bestd);
	}
	for (k = 0; k < sizeof(patstems) / sizeof(patstems[0]); k++)
		consider(key, patstems[k], k == 0 || k == 3 ? NULL : "1", best, len, &bestd);
	return bestd == INT_MAX ? NULL : best;
}

/* key is name (n bytes), or name ends in '_' and key starts with it. */
static int
fam_match(const char *key, const char *name, size_t n)
{
	if (n > 0 && name[n - 1] == '_')
		return strncmp(key, name, n) == 0;
	return strcmp(key, name) == 0;
}

/* What fail2ban does with key that mailban does otherwise, or NULL. */
static const char *
f2b_key(const char *key)
{
	size_t	i, n;

	for (i = 0; i < sizeof(f2bkeys) / sizeof(f2bkeys[0]); i++) {
		n = strlen(f2bkeys[i].fk_name);
		if (fam_match(key, f2bkeys[i].fk_name, n))
			return f2bkeys[i].fk_fix;
	}
	return NULL;
}

/*
 * fail2ban's %(name)s interpolation in v: 1 and its text in buf, or 0.
 * mailban expands nothing, so such a value is never what was meant.
 */
static int
interpolation(const char *v, char *buf, size_t len)
{
	const char	*p, *q;
	int		 n;

	for (p = strstr(v, "%("); p != NULL; p = strstr(p + 1, "%(")) {
		q = p + 2 + strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_-/.");
		if (q == p + 2 || q[0] != ')' || q[1] != 's')
			continue;
		n = snprintf(buf, len, "%.*s", (int)(q + 2 - p), p);
		if (n < 0 || (size_t)n >= len)
			buf[0] = '\0';
		return 1;
	}
	return 0;
}

/* Report fail2ban interpolation in kv's value: -1 if there is some. */
static int
chk_interpolation(struct ld *ld, const struct kv *kv, const char *example)
{
	char	what[128];

	if (!interpolation(kv->k_val, what, sizeof(what)))
		return 0;
	if (is_regex_key(kv->k_key))
		kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (drop it: patterns are matched after \"sm-mta[pid]: \" "
		    "and the queue id, where fail2ban's start after __prefix_line)", what);
	else if (example != NULL && *example != '\0')
		kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (write the value itself, such as %s)", what, example);
	else
		kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (write the value itself)", what);
	return -1;
}

/* backend = a fail2ban log backend: 1 after a report, else 0. */
static int
chk_f2b_backend(struct ld *ld, const struct kv *kv)
{
	size_t	i;

	for (i = 0; i < sizeof(f2bbackends) / sizeof(f2bbackends[0]); i++)
		if (strcasecmp(kv->k_val, f2bbackends[i]) == 0)
			break;
	if (i == sizeof(f2bbackends) / sizeof(f2bbackends[0]))
		return 0;
	if (strcasecmp(kv->k_val, "systemd") == 0)
		kvreport(ld, kv, "\"%s\" is fail2ban's journal backend (to read the "
		    "journal, write logpath = journal; mailban's backend is its "
		    "firewall: chain or ipset)", kv->k_val);
	else
		kvreport(ld, kv, "\"%s\" is a fail2ban log backend (remove it: mailban "
		    "follows logpath itself; its backend is its firewall: chain or "
		    "ipset, in [DEFAULT])", kv->k_val);
	return 1;
}

/*
 * The scan.
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

/* A way to write s quoted for iniparser, or NULL if none exists. */
static int
quote_char(const char *s)
{
	if (strchr(s, '\'') == NULL)
		return '\'';
	if (strchr(s, '"') == NULL)
		return '"';
	return 0;
}

/*
 * The value of a key line (rest: the text after '=', stripped) as
 * iniparser reads it, in *val.  0, or -1 after a report (*val is still
 * set, to what iniparser would read).
 */
static int
parse_value(struct ld *ld, const struct kv *kv, const char *rest, char **val)
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
	if (cut != NULL && is_regex_key(kv->k_key)) {
		q = quote_char(rest);
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
add_sect(struct ld *ld, const char *name, struct pos p)
{
	struct sect	*s;
	size_t		 i;
	int		 f = p.po_file;

	for (i = 0; i < ld->l_nsect; i++) {
		s = &ld->l_sect[i];
		if (strcmp(s->s_name, name) != 0)
			continue;
		/* A section of FILE again in .local is what .local is for. */
		if (s->s_fline[f] == 0) {
			s->s_fline[f] = p.po_line;
			return i;
		}
		/* iniparser merges the two; so does the scan. */
		report(ld, p, name, NULL, "duplicate section (first on line %d; "
		    "merge the two)", s->s_fline[f]);
		return i;
	}
	ld->l_sect = grow(ld->l_sect, ld->l_nsect, sizeof(*ld->l_sect));
	s = &ld->l_sect[ld->l_nsect];
	memset(s, 0, sizeof(*s));
	s->s_name = xstrdup(name);
	s->s_pos = p;
	s->s_fline[f] = p.po_line;
	return ld->l_nsect++;
}

/* "[name]": the section index, or NONE after a report. */
static size_t
section_line(struct ld *ld, char *s, size_t len, struct pos line)
{
	char	*name = s + 1, *close = strchr(s, ']');
	size_t	 n;

	name += strspn(name, " \t");
	n = (size_t)(close - name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	if (close != s + len - 1 || n > SECT_MAX_CHARS || !is_name(name, n)) {
		report(ld, line, NULL, NULL, "\"%s\" is not a valid section header (write "
		    "[name] with letters, digits, _ . or -)", s);
		return NONE;
	}
	name[n] = '\0';
	lower(name);
	return add_sect(ld, name, line);
}

static void
add_ent(struct ld *ld, size_t sect, const char *key, char *val, struct pos line, int bad)
{
	struct ent	*e;

	ld->l_ent = grow(ld->l_ent, ld->l_nent, sizeof(*ld->l_ent));
	e = &ld->l_ent[ld->l_nent++];
	e->e_sect = sect;
	e->e_key = xstrdup(key);
	e->e_val = val;
	e->e_pos = line;
	e->e_bad = bad;
	e->e_over = 0;
}

/*
 * Read the file line by line.  Continuation lines follow Python's
 * configparser, as fail2ban does: after a key line, a line indented deeper
 * than that key continues its value (comments and blank lines between do
 * not end it).  iniparser does not know this, so such lines are errors.
 */
static int
scan(struct ld *ld, FILE *fp)
{
	char	 buf[LINE_MAX_CHARS + 2];
	size_t	 len, cur = NONE, last = NONE, indent, keyindent = 0;
	int	 lineno = 0, nul, r, badsect = 0;

	while ((r = read_line(fp, buf, sizeof(buf), &len, &nul)) == 1) {
		char	*s, *e, *eq, *p;
		int		 joined;
		struct pos	 line = at(ld->l_fidx, ++lineno);

		if (lineno > FILE_MAX_LINES) {
			report(ld, at(ld->l_fidx, 0), NULL, NULL, "more than %d lines (a config is "
			    "a few hundred lines)", FILE_MAX_LINES);
			ld->l_noini = 1;
			return -1;
		}
		if (len > 0 && len <= LINE_MAX_CHARS + 1 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (len > LINE_MAX_CHARS) {
			report(ld, line, NULL, NULL, "line is %zu characters long (at most %d; "
			    "split a long pattern into numbered keys)", len, LINE_MAX_CHARS);
			ld->l_noini = 1;
			continue;
		}
		if (nul) {
			report(ld, line, NULL, NULL, "line contains a NUL byte (a config is "
			    "plain text)");
			ld->l_noini = 1;
			continue;
		}
		for (p = buf; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				break;
		if (*p != '\0') {
			report(ld, line, NULL, NULL, "line contains the control character "
			    "%c (a config is plain text)", *p);
			ld->l_noini = 1;
			continue;
		}
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
				report(ld, line, NULL, NULL, "comment ends in \\, which makes "
				    "the ini reader join the next line to it (remove the \\)");
				ld->l_noini = 1;
			}
			continue;
		}
		if (last != NONE && indent > keyindent) {
			ld->l_cont = grow(ld->l_cont, ld->l_ncont, sizeof(*ld->l_cont));
			ld->l_cont[ld->l_ncont].c_pos = line;
			ld->l_cont[ld->l_ncont++].c_ent = last;
			ld->l_noini = 1;
			continue;
		}
		last = NONE;
		if (*s == '[' && e[-1] == ']') {
			cur = section_line(ld, s, (size_t)(e - s), line);
			badsect = cur == NONE;
			if (badsect)
				ld->l_noini = 1;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL || eq == s) {
			if (*s == '[')
				report(ld, line, NULL, NULL, "\"%s\" is not a section header "
				    "(write [name] alone on its line)", s);
			else
				report(ld, line, NULL, NULL, "\"%s\" is neither a [section] "
				    "nor a key = value line", s);
			ld->l_noini = 1;
			continue;
		}
		p = eq;
		while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
			p--;
		*p = '\0';
		lower(s);
		if (cur == NONE) {
			if (!badsect)
				report(ld, line, NULL, s, "key outside any section (put it "
				    "under [DEFAULT] or a filter section)");
			ld->l_noini = 1;
			continue;
		}
		{
			struct kv	 kv = { line, ld->l_sect[cur].s_name, s, NULL };
			char		*val;
			int		 bad;

			bad = parse_value(ld, &kv, eq + 1, &val) == -1;
			if (joined) {
				if (!bad)
					kvreport(ld, &kv, "\"%s\" ends in \\, which makes "
					    "the ini reader join the next line to it (remove "
					    "the \\, or quote the value)", eq + 1 + strspn(eq + 1,
					    " \t"));
				ld->l_noini = bad = 1;
			}
			add_ent(ld, cur, s, val, line, bad);
		}
		last = ld->l_nent - 1;
		keyindent = indent;
	}
	if (r == -1) {
		report(ld, at(ld->l_fidx, 0), NULL, NULL, "read error: %s", strerror(errno));
		ld->l_noini = 1;
		return -1;
	}
	return 0;
}

/*
 * Mark every key line of one file (entries from `from` on) overridden by a
 * later one of the same file, and report it once.
 */
static void
find_dups(struct ld *ld, size_t from)
{
	size_t	i, j;

	for (j = from; j < ld->l_nent; j++)
		for (i = from; i < j; i++) {
			struct ent	*a = &ld->l_ent[i], *b = &ld->l_ent[j];

			if (a->e_sect != b->e_sect || a->e_over || strcmp(a->e_key, b->e_key) != 0)
				continue;
			report(ld, b->e_pos, ld->l_sect[b->e_sect].s_name, b->e_key,
			    "duplicate key (also on line %d; keep one)", a->e_pos.po_line);
			a->e_over = 1;
			break;
		}
}

/* A key of FILE set again in .local (entries from `from` on) gives way. */
static void
mark_overrides(struct ld *ld, size_t from)
{
	size_t	i, j;

	for (i = 0; i < from; i++)
		for (j = from; j < ld->l_nent; j++) {
			struct ent	*a = &ld->l_ent[i], *b = &ld->l_ent[j];

			if (a->e_sect == b->e_sect && strcmp(a->e_key, b->e_key) == 0) {
				a->e_over = 1;
				break;
			}
		}
}

/* The smallest number of a pattern family free in section sect, or 0. */
static int
free_number(struct ld *ld, size_t sect, int fam, const unsigned char *taken)
{
	unsigned char	used[PATNUM_MAX + 1];
	struct patkey	pk;
	size_t		i;
	int		n;

	memcpy(used, taken, sizeof(used));
	for (i = 0; i < ld->l_nent; i++)
		if (ld->l_ent[i].e_sect == sect && patkey(ld->l_ent[i].e_key, &pk) == 1 &&
		    patfam(&pk) == fam)
			used[pk.pk_number] = 1;
	for (n = 1; n <= PATNUM_MAX; n++)
		if (!used[n])
			return n;
	return 0;
}

/* One line per continuation line, each naming the key to write instead. */
static void
report_conts(struct ld *ld)
{
	unsigned char	 taken[4][PATNUM_MAX + 1];
	size_t		 i, lastsect = NONE;

	for (i = 0; i < ld->l_ncont; i++) {
		const struct ent	*e = &ld->l_ent[ld->l_cont[i].c_ent];
		const char		*sect = ld->l_sect[e->e_sect].s_name;
		struct patkey		 pk;
		int			 n;

		if (e->e_sect != lastsect) {
			memset(taken, 0, sizeof(taken));
			lastsect = e->e_sect;
		}
		if (patkey(e->e_key, &pk) != 1) {
			report(ld, ld->l_cont[i].c_pos, sect, e->e_key, "indented "
			    "continuation lines are not read (write the value on one line)");
			continue;
		}
		n = free_number(ld, e->e_sect, patfam(&pk), taken[patfam(&pk)]);
		if (n == 0) {
			report(ld, ld->l_cont[i].c_pos, sect, e->e_key, "indented "
			    "continuation lines are not read, and all %d numbers of %s.N "
			    "are taken", PATNUM_MAX, patstem(&pk));
			continue;
		}
		taken[patfam(&pk)][n] = 1;
		report(ld, ld->l_cont[i].c_pos, sect, e->e_key, "indented continuation "
		    "lines are not read; write each pattern as its own numbered key: "
		    "%s.%d = <pattern>", patstem(&pk), n);
	}
}

/*
 * The second reader.
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
	if (ini_ld != NULL)
		report(ini_ld, at(ini_ld->l_fidx, 0), NULL, NULL, "the ini reader failed: %s",
		    p);
	free(s);
	return 0;
}

/*
 * Every section, key and value iniparser read must be the scan's: those of
 * the file being read (l_fidx), whose entries start at `from`.
 */
static void
crosscheck(struct ld *ld, const dictionary *d, size_t from)
{
	size_t	i, j, nkeys, nsect;
	char	dk[2 * (LINE_MAX_CHARS + 2)];
	int	f = ld->l_fidx;

	for (nsect = 0, i = 0; i < ld->l_nsect; i++)
		if (ld->l_sect[i].s_fline[f] != 0)
			nsect++;
	if (iniparser_getnsec(d) != (int)nsect)
		report(ld, at(f, 0), NULL, NULL, "the ini reader sees %d sections, not "
		    "%zu (check the [section] lines)", iniparser_getnsec(d), nsect);
	for (i = 0; i < ld->l_nsect; i++) {
		const struct sect	*s = &ld->l_sect[i];

		if (s->s_fline[f] == 0)
			continue;
		for (nkeys = 0, j = from; j < ld->l_nent; j++)
			if (ld->l_ent[j].e_sect == i && !ld->l_ent[j].e_over)
				nkeys++;
		if (iniparser_find_entry(d, s->s_name) == 0 ||
		    iniparser_getsecnkeys(d, s->s_name) != (int)nkeys)
			report(ld, at(f, s->s_fline[f]), s->s_name, NULL, "the ini reader sees %d "
			    "keys here, not %zu (check the lines of this section)",
			    iniparser_getsecnkeys(d, s->s_name), nkeys);
	}
	for (j = from; j < ld->l_nent; j++) {
		const struct ent	*e = &ld->l_ent[j];
		const char		*v;
		int			 n;

		if (e->e_over || e->e_bad)
			continue;
		n = snprintf(dk, sizeof(dk), "%s:%s", ld->l_sect[e->e_sect].s_name, e->e_key);
		v = n < 0 || (size_t)n >= sizeof(dk) ? NULL : iniparser_getstring(d, dk, NULL);
		if (v == NULL || strcmp(v, e->e_val) != 0)
			report(ld, e->e_pos, ld->l_sect[e->e_sect].s_name, e->e_key,
			    "\"%s\" is read as \"%s\" by the ini reader (quote the value)",
			    e->e_val, v != NULL ? v : "nothing");
	}
}

/* Read the file again with iniparser, through the descriptor already open;
 * its entries start at `from`. */
static void
ini_read(struct ld *ld, int fd, size_t from)
{
	dictionary	*d;
	char		 path[64];
	const char	*p = pos_file(ld, at(ld->l_fidx, 0));
	size_t		 before = ld->l_nmsg;
	int		 n;

	n = snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0)
		p = path;
	ini_ld = ld;
	iniparser_set_error_callback(ini_errback);
	d = iniparser_load(p);
	iniparser_set_error_callback(NULL);
	ini_ld = NULL;
	if (d == NULL) {
		if (ld->l_nmsg == before)
			report(ld, at(ld->l_fidx, 0), NULL, NULL, "the ini reader failed to "
			    "load it");
		return;
	}
	crosscheck(ld, d, from);
	iniparser_freedict(d);
}

/*
 * Values.
 */

/* The words of s separated by any of sep, in *w (caller frees *w and
 * *buf).  Returns the count. */
static size_t
words_sep(const char *s, const char *sep, char **buf, char ***w)
{
	size_t	 n = 0;
	char	*p;

	*buf = xstrdup(s);
	*w = NULL;
	for (p = *buf; *p != '\0';) {
		p += strspn(p, sep);
		if (*p == '\0')
			break;
		*w = grow(*w, n, sizeof(**w));
		(*w)[n++] = p;
		p += strcspn(p, sep);
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

/* The words of a list separated by commas, spaces or tabs. */
static size_t
words(const char *s, char **buf, char ***w)
{
	return words_sep(s, LIST_SEP, buf, w);
}

static int
chk_num(struct ld *ld, const struct kv *kv, long long min, long long max, long long *out)
{
	const char	*why;

	if ((why = parse_num(kv->k_val, min, max, out)) == NULL)
		return 0;
	kvreport(ld, kv, "\"%s\" is %s (use %lld to %lld)", kv->k_val, why, min, max);
	return -1;
}

static int
chk_duration(struct ld *ld, const struct kv *kv, int forever, long long *out)
{
	const char	*why, *fix = forever ? BAN_FIX : DUR_FIX;

	if ((why = parse_duration(kv->k_val, forever, out)) == NULL)
		return 0;
	if (kv->k_val[0] == '\0')
		kvreport(ld, kv, "\"\" is empty (%s)", fix);
	else if (!forever && strcmp(kv->k_val, "-1") == 0)
		kvreport(ld, kv, "\"-1\" is not allowed here (only bantime can be "
		    "permanent; %s)", fix);
	else if (strcmp(why, "not a duration") == 0)
		kvreport(ld, kv, "\"%s\" is not a duration (%s)", kv->k_val, fix);
	else if (strchr(why, '(') != NULL)
		kvreport(ld, kv, "\"%s\" is not a valid duration: %s", kv->k_val, why);
	else
		kvreport(ld, kv, "\"%s\" is not a valid duration: %s (%s)", kv->k_val, why, fix);
	return -1;
}

static int
chk_path(struct ld *ld, const struct kv *kv, const char *example)
{
	if (kv->k_val[0] == '/')
		return 0;
	if (kv->k_val[0] == '\0')
		kvreport(ld, kv, "\"\" is empty (write an absolute path such as %s)", example);
	else
		kvreport(ld, kv, "\"%s\" is not an absolute path (write it from /, such "
		    "as %s)", kv->k_val, example);
	return -1;
}

static int
chk_chain(struct ld *ld, const struct kv *kv)
{
	/* Built-in chains and standard targets: reconciling one of them would
	 * rewrite the host's own firewall. */
	static const char *const reserved[] = {
		"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING",
		"ACCEPT", "DROP", "REJECT", "RETURN", "QUEUE", "LOG", NULL
	};
	const char	*v = kv->k_val;
	size_t		 i, n = strlen(v);

	if (n == 0 || n > CHAIN_MAX || v[0] == '-' || !is_name(v, n)) {
		kvreport(ld, kv, "\"%s\" is not a chain name (use 1 to %d letters, digits, "
		    "_ . or -, not starting with -)", v, CHAIN_MAX);
		return -1;
	}
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(v, reserved[i]) == 0) {
			kvreport(ld, kv, "\"%s\" is a built-in chain or target (use a "
			    "chain of its own, such as fail2ban-mail)", v);
			return -1;
		}
	return 0;
}

static int
intcmp(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Ports (numbers, or tcp service names of /etc/services) as a sorted
 * list of numbers without duplicates: "25,465,587". */
static int
chk_ports(struct ld *ld, const struct kv *kv, char **out, size_t *nout)
{
	struct servent	*se;
	long long	 port[PORTS_MAX];
	char		*buf, **w, *s;
	const char	*why;
	size_t		 n, i, np = 0, o;
	int		 rc = -1;

	n = words(kv->k_val, &buf, &w);
	if (n == 0) {
		kvreport(ld, kv, "\"%s\" is empty (use a port or a list such as "
		    "25,465,587)", kv->k_val);
		goto out;
	}
	for (i = 0; i < n; i++) {
		long long	v;
		size_t		j;

		if (!isdigit((unsigned char)w[i][0]) && w[i][0] != '-' && w[i][0] != '+') {
			/* fail2ban's port = smtp,submission: /etc/services. */
			if ((se = getservbyname(w[i], "tcp")) == NULL || se->s_port == 0) {
				kvreport(ld, kv, "\"%s\" is not a port list: \"%s\" is not a "
				    "tcp service in /etc/services (use ports 1 to 65535 or "
				    "service names, such as 25,465,587 or smtp,submission)",
				    kv->k_val, w[i]);
				goto out;
			}
			v = ntohs((uint16_t)se->s_port);
		} else if ((why = parse_num(w[i], 1, 65535, &v)) != NULL) {
			kvreport(ld, kv, "\"%s\" is not a port list: \"%s\" is %s (use "
			    "ports 1 to 65535, such as 25,465,587)", kv->k_val, w[i], why);
			goto out;
		}
		for (j = 0; j < np && port[j] != v; j++)
			;
		if (j < np)
			continue;
		if (np == PORTS_MAX) {
			kvreport(ld, kv, "\"%s\" has more than %d ports (the limit of "
			    "iptables multiport)", kv->k_val, PORTS_MAX);
			goto out;
		}
		port[np++] = v;
	}
	qsort(port, np, sizeof(port[0]), intcmp);
	s = xmalloc(np * 6 + 1);
	for (o = 0, i = 0; i < np; i++) {
		int	k = snprintf(s + o, np * 6 + 1 - o, "%s%lld", i ? "," : "", port[i]);

		if (k < 0 || (size_t)k >= np * 6 + 1 - o)
			abort();	/* 6 bytes hold ",65535" */
		o += (size_t)k;
	}
	free(*out);
	*out = s;
	*nout = np;
	rc = 0;
out:
	free(w);
	free(buf);
	return rc;
}

/* It is written into an iptables-restore script after "-j": no newline,
 * quote or option of another rule can get in. */
static int
chk_blocktype(struct ld *ld, const struct kv *kv)
{
	const char	*v = kv->k_val, *p;
	size_t		 n;

	if (*v == '\0') {
		kvreport(ld, kv, "\"\" is empty (use a target such as REJECT "
		    "--reject-with tcp-reset)");
		return -1;
	}
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(" _./:=-", *p) == NULL) {
			kvreport(ld, kv, "\"%s\" contains '%c' (use only letters, digits, "
			    "spaces and _ . / : = -)", v, *p);
			return -1;
		}
	n = strcspn(v, " ");
	for (p = v; p < v + n; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			break;
	if (!isupper((unsigned char)v[0]) || p < v + n) {
		kvreport(ld, kv, "\"%s\" does not start with a target (start with one in "
		    "upper case, such as REJECT or DROP)", v);
		return -1;
	}
	return 0;
}

static int
chk_daemons(struct ld *ld, const struct kv *kv, struct config *cfg)
{
	char	*buf, **w;
	size_t	 n, i, j;

	n = words(kv->k_val, &buf, &w);
	if (n == 0)
		kvreport(ld, kv, "\"%s\" is empty (use syslog tags such as sendmail "
		    "sm-mta)", kv->k_val);
	for (i = 0; i < n; i++)
		if (!is_name(w[i], strlen(w[i]))) {
			kvreport(ld, kv, "\"%s\" is not a list of names: \"%s\" is not a "
			    "name (use letters, digits, _ . or -)", kv->k_val, w[i]);
			n = 0;
		}
	if (n > 0) {
		for (i = 0; i < cfg->c_ndaemons; i++)
			free(cfg->c_daemons[i]);
		free(cfg->c_daemons);
		cfg->c_daemons = xreallocarray(NULL, n, sizeof(char *));
		cfg->c_ndaemons = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < cfg->c_ndaemons; j++)
				if (strcmp(cfg->c_daemons[j], w[i]) == 0)
					break;
			if (j == cfg->c_ndaemons)
				cfg->c_daemons[cfg->c_ndaemons++] = xstrdup(w[i]);
		}
	}
	free(w);
	free(buf);
	return n > 0 ? 0 : -1;
}

static const char *
add_cidr(struct cidrlist *cl, const char *text)
{
	const char	*why;
	size_t		 i;

	if ((why = cidrlist_add(cl, text)) != NULL)
		return why;
	for (i = 0; i + 1 < cl->cl_n; i++)
		if (cl->cl_v[i].c_prefix == cl->cl_v[cl->cl_n - 1].c_prefix &&
		    addr_cmp(&cl->cl_v[i].c_net, &cl->cl_v[cl->cl_n - 1].c_net) == 0) {
			cl->cl_n--;
			break;
		}
	return NULL;
}

static int
chk_ignoreip(struct ld *ld, const struct kv *kv, struct config *cfg)
{
	const char	*why;
	char		*buf, **w;
	size_t		 n, i;
	int		 rc = 0;

	n = words(kv->k_val, &buf, &w);
	for (i = 0; i < n; i++) {
		if ((why = add_cidr(&cfg->c_ignoreip, w[i])) == NULL)
			continue;
		if (strchr(why, '(') != NULL)
			kvreport(ld, kv, "\"%s\" is not an address or CIDR: %s", w[i], why);
		else
			kvreport(ld, kv, "\"%s\" is not an address or CIDR: %s (use an "
			    "address or network such as 192.0.2.7 or 2001:db8::/32; "
			    "host names are not allowed)", w[i], why);
		rc = -1;
	}
	free(w);
	free(buf);
	return rc;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
chk_bool(struct ld *ld, const struct kv *kv, int *out)
{
	if (parse_bool(kv->k_val, out) == 0)
		return 0;
	kvreport(ld, kv, "\"%s\" is not a boolean (use true or false)", kv->k_val);
	return -1;
}

static int
chk_facility(struct ld *ld, const struct kv *kv, int *out)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(kv->k_val, facilities[i].f_name) == 0) {
			*out = facilities[i].f_value;
			return 0;
		}
	kvreport(ld, kv, "\"%s\" is not a syslog facility (use daemon, authpriv, "
	    "mail or local0 to local7)", kv->k_val);
	return -1;
}

static int
chk_backend(struct ld *ld, const struct kv *kv, int *out)
{
	size_t	i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcasecmp(kv->k_val, backends[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	kvreport(ld, kv, "\"%s\" is not a backend (use chain or ipset)", kv->k_val);
	return -1;
}

/*
 * journalctl matches, passed as separate arguments: FIELD=VALUE words,
 * where FIELD is upper case letters, digits and _ (journal field names),
 * joined by "+" (or).  Nothing can start with '-' and become an option.
 * *out: the words joined by one space.
 */
static int
chk_journalmatch(struct ld *ld, const struct kv *kv, char **out)
{
	char		*buf, **w, *word = NULL;
	const char	*why = NULL, *eq;
	size_t		 n, i;

	n = words_sep(kv->k_val, " \t", &buf, &w);
	if (n == 0)
		why = "no match";
	for (i = 0; i < n && why == NULL; i++) {
		if (strcmp(w[i], "+") == 0) {
			if (i == 0 || i == n - 1 || strcmp(w[i - 1], "+") == 0)
				why = "\"+\" must stand between two matches";
			continue;
		}
		eq = strchr(w[i], '=');
		if (eq == NULL || eq == w[i] || isdigit((unsigned char)w[i][0]) ||
		    strspn(w[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != (size_t)(eq - w[i]))
			why = word = fmt("\"%s\" is not FIELD=VALUE", w[i]);
	}
	if (why == NULL) {
		free(*out);
		*out = xstrdup(w[0]);
		for (i = 1; i < n; i++) {
			char	*t = fmt("%s %s", *out, w[i]);

			free(*out);
			*out = t;
		}
	}
	if (why != NULL)
		kvreport(ld, kv, "\"%s\" is not a list of journal matches: %s (use "
		    "FIELD=VALUE words with upper case field names, joined by + for "
		    "\"or\", such as _SYSTEMD_UNIT=sendmail.service + "
		    "SYSLOG_IDENTIFIER=sm-mta)", kv->k_val, why);
	free(word);
	free(w);
	free(buf);
	return why != NULL ? -1 : 0;
}

/* bantime.multipliers: positive integers, space separated; "" is none. */
static int
chk_mult(struct ld *ld, const struct kv *kv, struct config *cfg)
{
	long long	*v;
	const char	*why;
	char		*buf, **w;
	size_t		 n, i;
	int		 rc = -1;

	n = words(kv->k_val, &buf, &w);
	if (n > MULT_MAX) {
		kvreport(ld, kv, "\"%s\" has more than %d multipliers", kv->k_val, MULT_MAX);
		goto out;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		if ((why = parse_num(w[i], 1, 1000000, &v[i])) != NULL) {
			kvreport(ld, kv, "\"%s\" is not a list of multipliers: \"%s\" is "
			    "%s (use numbers 1 to 1000000, such as 1 2 4 8 16)", kv->k_val,
			    w[i], why);
			free(v);
			goto out;
		}
	free(cfg->c_inc_mult);
	cfg->c_inc_mult = v;
	cfg->c_inc_nmult = n;
	rc = 0;
out:
	free(w);
	free(buf);
	return rc;
}

/* The host's own addresses (ignoreself), each as /32 or /128, unless the
 * list holds it already. */
static void
add_self(struct ld *ld, struct config *cfg, const struct dflt *dv)
{
	struct ifaddrs	*ifa, *p;
	struct addr	 a;
	char		 s[ADDR_STRLEN];

	if (getifaddrs(&ifa) == -1) {
		report(ld, dv->d_pos[D_IGNORESELF], "default", "ignoreself", "cannot list "
		    "the addresses of this host: %s (set ignoreself = false and list "
		    "them in ignoreip)", strerror(errno));
		return;
	}
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		if (p->ifa_addr->sa_family == AF_INET) {
			a.a_family = AF_INET;
			memcpy(a.a_b, &((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr, 4);
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			a.a_family = AF_INET6;
			memcpy(a.a_b, &((struct sockaddr_in6 *)(void *)p->ifa_addr)->sin6_addr, 16);
		} else
			continue;
		if (cidrlist_contains(&cfg->c_ignoreip, &a) ||
		    addr_str(&a, s, sizeof(s)) == NULL)
			continue;
		if (cidrlist_add(&cfg->c_ignoreip, s) != NULL)
			abort();	/* inet_ntop's text must parse */
	}
	freeifaddrs(ifa);
}

/* One [DEFAULT] key. */
static void
set_dkey(struct ld *ld, struct config *cfg, struct dflt *dv, int k, const struct kv *kv)
{
	const char	*v = kv->k_val;

	dv->d_set[k] = 1;
	dv->d_pos[k] = kv->k_pos;
	dv->d_raw[k] = v;
	switch (k) {
	case D_LOGPATH:
		cfg->c_journal = strcmp(v, "journal") == 0;
		cfg->c_logauto = strcmp(v, "auto") == 0;	/* resolved by source.c */
		if (cfg->c_journal || cfg->c_logauto ||
		    chk_path(ld, kv, "/var/log/mail.log, or journal") == 0)
			set_str(&cfg->c_logpath, v);
		break;
	case D_DATABASE:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_database, v);
		break;
	case D_IPT_SAVE:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_iptables_save, v);
		break;
	case D_IPT_RESTORE:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_iptables_restore, v);
		break;
	case D_IP6T_SAVE:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_ip6tables_save, v);
		break;
	case D_IP6T_RESTORE:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_ip6tables_restore, v);
		break;
	case D_CHAIN:
		if (chk_chain(ld, kv) == 0)
			set_str(&cfg->c_chain, v);
		break;
	case D_PORT:
		chk_ports(ld, kv, &cfg->c_ports, &cfg->c_nports);
		break;
	case D_BLOCKTYPE:
		if (chk_blocktype(ld, kv) == 0)
			set_str(&cfg->c_blocktype, v);
		break;
	case D_BLOCKTYPE6:
		if (chk_blocktype(ld, kv) == 0)
			set_str(&cfg->c_blocktype6, v);
		break;
	case D_MAXRETRY:
		chk_num(ld, kv, 1, 1000, &dv->d_maxretry);
		break;
	case D_FINDTIME:
		chk_duration(ld, kv, 0, &dv->d_findtime);
		break;
	case D_BANTIME:
		chk_duration(ld, kv, 1, &dv->d_bantime);
		break;
	case D_IGNOREIP:
		chk_ignoreip(ld, kv, cfg);
		break;
	case D_DAEMONS:
		chk_daemons(ld, kv, cfg);
		break;
	case D_DBPURGEAGE:
		dv->d_bad[k] = chk_duration(ld, kv, 0, &cfg->c_dbpurgeage) == -1;
		break;
	case D_MAXBANS:
		chk_num(ld, kv, 1, 1000000, &cfg->c_maxbans);
		break;
	case D_FACILITY:
		chk_facility(ld, kv, &cfg->c_facility);
		break;
	case D_IGNORESELF:
		chk_bool(ld, kv, &cfg->c_ignoreself);
		break;
	case D_BACKEND:
		chk_backend(ld, kv, &cfg->c_backend);
		break;
	case D_IPSET:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_ipset, v);
		break;
	case D_JOURNALMATCH:
		chk_journalmatch(ld, kv, &cfg->c_journalmatch);
		break;
	case D_JOURNALCTL:
		if (chk_path(ld, kv, dkeys[k].dk_default) == 0)
			set_str(&cfg->c_journalctl, v);
		break;
	case D_INC:
		chk_bool(ld, kv, &cfg->c_inc);
		break;
	case D_INC_FACTOR:
		chk_num(ld, kv, 1, 1000, &cfg->c_inc_factor);
		break;
	case D_INC_MULT:
		chk_mult(ld, kv, cfg);
		break;
	case D_INC_MAXTIME:
		chk_duration(ld, kv, 0, &cfg->c_inc_maxtime);
		break;
	case D_INC_RNDTIME:
		if (strcmp(v, "0") == 0)
			cfg->c_inc_rndtime = 0;
		else
			chk_duration(ld, kv, 0, &cfg->c_inc_rndtime);
		break;
	case D_INC_WINDOW:
		chk_duration(ld, kv, 0, &cfg->c_inc_window);
		break;
	}
}

static void
load_default(struct ld *ld, struct config *cfg, struct dflt *dv)
{
	struct patkey	 pk;
	char		 best[64];
	const char	*s;
	size_t		 i;
	int		 k;

	/* The built-in defaults go through the same checks as the file. */
	dv->d_maxretry = 5;
	dv->d_findtime = 600;
	dv->d_bantime = 3600;
	cfg->c_dbpurgeage = 30 * 86400;
	cfg->c_maxbans = 10000;
	if (add_cidr(&cfg->c_ignoreip, "127.0.0.0/8") != NULL ||
	    add_cidr(&cfg->c_ignoreip, "::1") != NULL)
		abort();	/* addr.c must parse its own loopback */
	for (i = 0; i < ld->l_nent; i++) {
		const struct ent	*e = &ld->l_ent[i];
		struct kv		 kv = { e->e_pos, "default", e->e_key, e->e_val };

		if (strcmp(ld->l_sect[e->e_sect].s_name, "default") != 0 || e->e_over)
			continue;
		if ((k = dkey_index(e->e_key)) != -1) {
			if (e->e_bad || chk_interpolation(ld, &kv, dkeys[k].dk_default) == -1 ||
			    (k == D_BACKEND && chk_f2b_backend(ld, &kv)))
				dv->d_set[k] = dv->d_bad[k] = 1;
			else
				set_dkey(ld, cfg, dv, k, &kv);
		} else if (jkey_index(e->e_key) != -1 || patkey(e->e_key, &pk) != 0)
			kvreport(ld, &kv, "only allowed in a filter section (move it to one)");
		else if ((s = f2b_key(e->e_key)) != NULL)
			kvreport(ld, &kv, "a fail2ban key: %s", s);
		else if ((s = suggest(e->e_key, 1, best, sizeof(best))) != NULL)
			kvreport(ld, &kv, "unknown key (did you mean %s?)", s);
		else
			kvreport(ld, &kv, "unknown key (see mailban(8) for the keys of "
			    "[DEFAULT])");
	}
	for (k = 0; k < D_NKEYS; k++) {
		struct kv	kv = { NOPOS, "default", dkeys[k].dk_name, dkeys[k].dk_default };

		if (!dv->d_set[k] && dkeys[k].dk_default != NULL) {
			set_dkey(ld, cfg, dv, k, &kv);
			dv->d_set[k] = 0;
		}
	}
	if (cfg->c_blocktype6 == NULL && !dv->d_set[D_BLOCKTYPE6] && cfg->c_blocktype != NULL)
		cfg->c_blocktype6 = xstrdup(cfg->c_blocktype);
	if (cfg->c_ignoreself)
		add_self(ld, cfg, dv);
}

/* Where a pattern was read, as a position of the load. */
static struct pos
pattern_pos(const struct ld *ld, const struct pattern *p)
{
	return at(ld->l_local != NULL && p->p_file == ld->l_local, p->p_line);
}

/* By (minmode, number), then in the order read. */
static int
patcmp(const void *a, const void *b, void *arg)
{
	const struct pattern	*x = a, *y = b;
	struct pos		 px = pattern_pos(arg, x), py = pattern_pos(arg, y);

	if (x->p_minmode != y->p_minmode)
		return x->p_minmode < y->p_minmode ? -1 : 1;
	if (x->p_number != y->p_number)
		return x->p_number < y->p_number ? -1 : 1;
	if (px.po_file != py.po_file)
		return px.po_file < py.po_file ? -1 : 1;
	return px.po_line < py.po_line ? -1 : px.po_line > py.po_line;
}

static void
pattern_free(struct pattern *p)
{
	free(p->p_key);
	free(p->p_text);
}

/*
 * Sort the patterns of one kind; a second pattern with the number of an
 * earlier one (only "failregex" against "failregex.1" can do that) is
 * reported and dropped.
 */
static void
sort_patterns(struct ld *ld, const char *sect, struct pattern *v, size_t *n, int ignore)
{
	unsigned char	taken[PATNUM_MAX + 1];
	char		ref[256];
	size_t		i, o;

	if (*n == 0)
		return;
	qsort_r(v, *n, sizeof(*v), patcmp, ld);
	for (o = 0, i = 0; i < *n; i++) {
		if (o > 0 && v[o - 1].p_minmode == v[i].p_minmode &&
		    v[o - 1].p_number == v[i].p_number) {
			struct patkey	pk = { ignore, v[i].p_minmode, 1, 0 };
			struct pos	here;
			size_t		j;
			int		k;

			memset(taken, 0, sizeof(taken));
			for (j = 0; j < *n; j++)
				if (v[j].p_minmode == v[i].p_minmode)
					taken[v[j].p_number] = 1;
			for (k = 1; k <= PATNUM_MAX && taken[k]; k++)
				;
			here = pattern_pos(ld, &v[i]);
			lineref(ld, here, pattern_pos(ld, &v[o - 1]), ref, sizeof(ref));
			if (k <= PATNUM_MAX)
				report(ld, here, sect, v[i].p_key, "conflicts with %s on %s "
				    "(%s alone is %s.1; rename one of them %s.%d)",
				    v[o - 1].p_key, ref, patstem(&pk), patstem(&pk),
				    patstem(&pk), k);
			else
				report(ld, here, sect, v[i].p_key, "conflicts with %s on %s "
				    "(%s alone is %s.1)", v[o - 1].p_key, ref, patstem(&pk),
				    patstem(&pk));
			pattern_free(&v[i]);
			continue;
		}
		v[o++] = v[i];
	}
	*n = o;
}

/* A pattern key of a jail: a new pattern, or the same key again (the
 * duplicate was reported) replacing the earlier one. */
static void
add_pattern(const struct ld *ld, struct jail *j, const struct patkey *pk,
    const struct ent *e)
{
	struct pattern	**v = pk->pk_ignore ? &j->j_ignore : &j->j_fail;
	size_t		 *n = pk->pk_ignore ? &j->j_nignore : &j->j_nfail, i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].p_key, e->e_key) == 0)
			break;
	if (i == *n) {
		*v = grow(*v, *n, sizeof(**v));
		(*n)++;
	} else
		pattern_free(&(*v)[i]);
	(*v)[i].p_key = xstrdup(e->e_key);
	(*v)[i].p_number = pk->pk_number;
	(*v)[i].p_minmode = pk->pk_minmode;
	(*v)[i].p_file = pos_file(ld, e->e_pos);
	(*v)[i].p_line = e->e_pos.po_line;
	(*v)[i].p_text = xstrdup(e->e_val);
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t			 i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * The section a section without failregex was most likely meant to be:
 * DEFAULT, a shipped filter, or a section of the config with a failregex
 * (a typo in mailban.local's [sendmail-reject] makes a new section).
 */
static const char *
suggest_sect(const struct ld *ld, size_t si, char *best, size_t len)
{
	const char	*name = ld->l_sect[si].s_name, *cand;
	int		 bestd = INT_MAX;
	size_t		 i, k, n = sizeof(shipped_sects) / sizeof(shipped_sects[0]);

	for (i = 0; i < ld->l_nent + n + 1; i++) {
		if (i < ld->l_nent) {
			const struct ent	*e = &ld->l_ent[i];

			if (e->e_sect == si || strncmp(e->e_key, "failregex", 9) != 0)
				continue;
			cand = ld->l_sect[e->e_sect].s_name;
		} else if ((k = i - ld->l_nent) < n)
			cand = shipped_sects[k];
		else
			cand = "default";
		if (strcmp(cand, name) != 0)
			consider(name, cand, NULL, best, len, &bestd);
	}
	if (bestd == INT_MAX)
		return NULL;
	if (strcmp(best, "default") == 0)
		return "DEFAULT";
	return best;
}

/* Where the findtime of a jail was set, for the dbpurgeage check. */
struct ftsrc {
	struct pos	 f_pos;
	const char	*f_sect;
	const char	*f_raw;
};

static void
load_jail(struct ld *ld, struct config *cfg, const struct dflt *dv, size_t si,
    struct ftsrc *fts)
{
	const struct sect	*s = &ld->l_sect[si];
	struct jail		*j;
	struct patkey		 pk;
	char			 best[64];
	const char		*sug;
	size_t			 i;
	struct pos		 modepos = NOPOS;
	int			 k, r;

	cfg->c_jails = grow(cfg->c_jails, cfg->c_njails, sizeof(*cfg->c_jails));
	j = &cfg->c_jails[cfg->c_njails++];
	memset(j, 0, sizeof(*j));
	j->j_name = xstrdup(s->s_name);
	j->j_file = pos_file(ld, s->s_pos);
	j->j_line = s->s_pos.po_line;
	j->j_enabled = 1;
	j->j_mode = MODE_NORMAL;
	j->j_maxretry = dv->d_maxretry;
	j->j_findtime = dv->d_findtime;
	j->j_bantime = dv->d_bantime;
	fts->f_pos = dv->d_pos[D_FINDTIME];
	fts->f_sect = "default";
	fts->f_raw = dv->d_raw[D_FINDTIME];
	for (i = 0; i < ld->l_nent; i++) {
		const struct ent	*e = &ld->l_ent[i];
		struct kv		 kv = { e->e_pos, s->s_name, e->e_key, e->e_val };

		if (e->e_sect != si || e->e_over)
			continue;
		if ((r = patkey(e->e_key, &pk)) == 1) {
			if (e->e_bad || chk_interpolation(ld, &kv, NULL) == -1)
				continue;
			if (e->e_val[0] == '\0')
				kvreport(ld, &kv, "\"\" is an empty pattern (write a pattern, "
				    "or remove the key)");
			else
				add_pattern(ld, j, &pk, e);
			continue;
		}
		if (r == -1) {
			kvreport(ld, &kv, "bad pattern number (use %.*s1 to %.*s%d, "
			    "without a leading zero)", (int)(strrchr(e->e_key, '.') -
			    e->e_key + 1), e->e_key, (int)(strrchr(e->e_key, '.') -
			    e->e_key + 1), e->e_key, PATNUM_MAX);
			continue;
		}
		if ((k = jkey_index(e->e_key)) == -1) {
			if (dkey_index(e->e_key) == D_BACKEND && !e->e_bad &&
			    chk_f2b_backend(ld, &kv))
				;
			else if (dkey_index(e->e_key) != -1)
				kvreport(ld, &kv, "only allowed in [DEFAULT] (move it there)");
			else if ((sug = f2b_key(e->e_key)) != NULL)
				kvreport(ld, &kv, "a fail2ban key: %s", sug);
			else if ((sug = suggest(e->e_key, 0, best, sizeof(best))) != NULL)
				kvreport(ld, &kv, "unknown key (did you mean %s?)", sug);
			else
				kvreport(ld, &kv, "unknown key (a filter section knows enabled, "
				    "mode, maxretry, findtime, bantime, failregex[.N], "
				    "failregex.extra.N, failregex.aggressive.N and "
				    "ignoreregex[.N])");
			continue;
		}
		if (e->e_bad || chk_interpolation(ld, &kv, NULL) == -1)
			continue;
		switch (k) {
		case J_ENABLED:
			if (parse_bool(e->e_val, &j->j_enabled) == -1)
				kvreport(ld, &kv, "\"%s\" is not a boolean (use true or "
				    "false)", e->e_val);
			break;
		case J_MODE:
			modepos = e->e_pos;
			for (r = 0; r < 3; r++)
				if (strcasecmp(e->e_val, modenames[r]) == 0)
					j->j_mode = r;
			if (strcasecmp(e->e_val, modenames[j->j_mode]) != 0)
				kvreport(ld, &kv, "\"%s\" is not a mode (use normal, extra "
				    "or aggressive)", e->e_val);
			break;
		case J_MAXRETRY:
			chk_num(ld, &kv, 1, 1000, &j->j_maxretry);
			break;
		case J_FINDTIME:
			if (chk_duration(ld, &kv, 0, &j->j_findtime) == 0) {
				fts->f_pos = e->e_pos;
				fts->f_sect = s->s_name;
				fts->f_raw = e->e_val;
			}
			break;
		case J_BANTIME:
			chk_duration(ld, &kv, 1, &j->j_bantime);
			break;
		}
	}
	sort_patterns(ld, s->s_name, j->j_fail, &j->j_nfail, 0);
	sort_patterns(ld, s->s_name, j->j_ignore, &j->j_nignore, 1);
	/* A bad failregex key was reported already: no second message. */
	for (i = 0; i < ld->l_nent; i++)
		if (ld->l_ent[i].e_sect == si && strncmp(ld->l_ent[i].e_key, "failregex", 9) == 0)
			break;
	if (i == ld->l_nent) {
		if ((sug = suggest_sect(ld, si, best, sizeof(best))) != NULL)
			report(ld, s->s_pos, s->s_name, NULL, "has no failregex (did you "
			    "mean [%s]?)", sug);
		else
			report(ld, s->s_pos, s->s_name, NULL, "has no failregex (add "
			    "failregex = <pattern>, with <HOST> where the address appears)");
		return;
	}
	if (!j->j_enabled || j->j_nfail == 0 || j->j_fail[0].p_minmode <= j->j_mode)
		return;
	if (modepos.po_line > 0)
		report(ld, modepos, s->s_name, "mode", "\"%s\" uses none of the patterns "
		    "(add failregex.N, or set mode = %s)", modenames[j->j_mode],
		    modenames[j->j_fail[0].p_minmode]);
	else
		report(ld, s->s_pos, s->s_name, NULL, "mode normal (the default) uses none "
		    "of the patterns (add failregex.N, or set mode = %s)",
		    modenames[j->j_fail[0].p_minmode]);
}


/* Failures younger than findtime must not be purged: they still count. */
static void
check_purge(struct ld *ld, const struct config *cfg, const struct dflt *dv,
    const struct ftsrc *fts)
{
	size_t	i, worst = NONE;
	char	b1[64], b2[64];

	for (i = 0; i < cfg->c_njails; i++)
		if (cfg->c_jails[i].j_enabled && cfg->c_jails[i].j_findtime > cfg->c_dbpurgeage &&
		    (worst == NONE || cfg->c_jails[i].j_findtime > cfg->c_jails[worst].j_findtime))
			worst = i;
	if (worst == NONE || dv->d_bad[D_DBPURGEAGE])
		return;
	fmt_duration(cfg->c_jails[worst].j_findtime, b1, sizeof(b1));
	fmt_duration(cfg->c_dbpurgeage, b2, sizeof(b2));
	if (dv->d_pos[D_DBPURGEAGE].po_line > 0 || fts[worst].f_pos.po_line == 0)
		report(ld, dv->d_pos[D_DBPURGEAGE], "default", "dbpurgeage", "\"%s\" is "
		    "shorter than findtime %s of [%s] (use at least %s)",
		    dv->d_raw[D_DBPURGEAGE], b1, secname(cfg->c_jails[worst].j_name), b1);
	else
		report(ld, fts[worst].f_pos, fts[worst].f_sect, "findtime", "\"%s\" is "
		    "longer than dbpurgeage %s, which would purge failures that still "
		    "count (set dbpurgeage = %s or more)", fts[worst].f_raw, b2, b1);
}

static char	*local_path(const char *);

/* A section of fail2ban's files that is no jail: 1 after a report. */
static int
f2b_sect(struct ld *ld, size_t si)
{
	const struct sect	*s = &ld->l_sect[si];
	char			*lpath;
	size_t			 i;

	for (i = 0; i < sizeof(f2bsects) / sizeof(f2bsects[0]); i++)
		if (strcmp(s->s_name, f2bsects[i].fs_name) == 0)
			break;
	if (i == sizeof(f2bsects) / sizeof(f2bsects[0]))
		return 0;
	lpath = local_path(ld->l_file);
	report(ld, s->s_pos, s->s_name, NULL, f2bsects[i].fs_why, lpath);
	free(lpath);
	return 1;
}

static void
validate(struct ld *ld, struct config *cfg)
{
	struct dflt	 dv;
	struct ftsrc	*fts = NULL;
	size_t		 i, nfts = 0, enabled = 0;

	memset(&dv, 0, sizeof(dv));
	load_default(ld, cfg, &dv);
	cfg->c_bantime = dv.d_bantime;
	for (i = 0; i < ld->l_nsect; i++) {
		if (strcmp(ld->l_sect[i].s_name, "default") == 0 || f2b_sect(ld, i))
			continue;
		fts = grow(fts, nfts, sizeof(*fts));
		load_jail(ld, cfg, &dv, i, &fts[nfts++]);
		if (cfg->c_jails[cfg->c_njails - 1].j_enabled)
			enabled++;
	}
	check_purge(ld, cfg, &dv, fts);
	free(fts);
	if (cfg->c_njails == 0)
		report(ld, NOPOS, NULL, NULL, "no filter section (add one, such as [sendmail], "
		    "with failregex = <pattern>)");
	else if (enabled == 0)
		report(ld, NOPOS, NULL, NULL, "every filter section is disabled (set enabled = "
		    "true in one)");
}

/*
 * Open, and refuse what root must not read as its configuration.
 * 0: *fdp open; 1: absent and missing_ok; -1 after a message.
 */
static int
open_config(const char *path, int missing_ok, int *fdp)
{
	struct stat	st;
	int		fd, bad = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (missing_ok && errno == ENOENT)
			return 1;
		return log_error("cannot open %s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symbolic link is refused; name the file itself)" : "");
	}
	if (fstat(fd, &st) == -1) {
		log_error("cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		bad = log_error("%s: not a regular file", path);
	} else if (st.st_size > FILE_MAX_BYTES) {
		bad = log_error("%s: larger than %d bytes (a config is a few kilobytes)",
		    path, FILE_MAX_BYTES);
	} else if (geteuid() == 0) {
		if (st.st_uid != 0)
			bad = log_error("%s: refusing a config not owned by root (chown root %s)",
			    path, path);
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
			bad = log_error("%s: refusing a config that is writable by group or "
			    "others (chmod go-w %s)", path, path);
	}
	if (bad) {
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

/* The local overrides of path: ".conf" replaced by ".local", or appended. */
static char *
local_path(const char *path)
{
	size_t	n = strlen(path);

	if (n >= 5 && strcmp(path + n - 5, ".conf") == 0)
		n -= 5;
	return fmt("%.*s.local", (int)n, path);
}

static FILE *
fdopen_config(const char *path, int *fd)
{
	FILE	*fp;

	if ((fp = fdopen(*fd, "r")) == NULL) {
		log_error("cannot read %s: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
	}
	return fp;
}

/*
 * One file into ld: scan, duplicates, and (if the scan found nothing that
 * iniparser would read otherwise) the iniparser crosscheck.  -1 if the
 * file could not be scanned to its end.
 */
static int
load_file(struct ld *ld, FILE *fp, int fd, int fidx)
{
	size_t	from = ld->l_nent;
	int	rc;

	ld->l_fidx = fidx;
	ld->l_noini = 0;
	if ((rc = scan(ld, fp)) == 0) {
		find_dups(ld, from);
		if (!ld->l_noini)
			ini_read(ld, fd, from);
	}
	ld->l_fidx = 0;
	return rc;
}

int
config_load(const char *path, struct config **out)
{
	struct ld	 ld;
	struct config	*cfg;
	FILE		*fp, *lfp = NULL;
	char		*lpath;
	size_t		 from;
	int		 fd = -1, lfd = -1, rc;

	*out = NULL;
	if (open_config(path, 0, &fd) == -1)
		return -1;
	lpath = local_path(path);
	if ((rc = open_config(lpath, 1, &lfd)) == -1) {
		close(fd);
		free(lpath);
		return -1;
	}
	if (rc == 1) {
		free(lpath);
		lpath = NULL;
	}
	fp = fdopen_config(path, &fd);
	if (lpath != NULL && fp != NULL)
		lfp = fdopen_config(lpath, &lfd);
	if (fp == NULL || (lpath != NULL && lfp == NULL)) {
		if (fp != NULL)
			fclose(fp);
		if (lfd != -1)
			close(lfd);
		free(lpath);
		return -1;
	}
	/* The patterns' p_file point at the config's own copies. */
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->c_file = xstrdup(path);
	cfg->c_localfile = lpath;
	memset(&ld, 0, sizeof(ld));
	ld.l_file = cfg->c_file;
	ld.l_local = lpath;
	rc = load_file(&ld, fp, fd, 0);
	from = ld.l_nent;
	if (rc == 0 && lfp != NULL)
		rc = load_file(&ld, lfp, lfd, 1);
	if (rc == 0) {
		report_conts(&ld);
		mark_overrides(&ld, from);
		validate(&ld, cfg);
	}
	fclose(fp);
	if (lfp != NULL)
		fclose(lfp);
	rc = flush_msgs(&ld);
	ld_free(&ld);
	if (rc == -1) {
		config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

void
config_free(struct config *cfg)
{
	size_t	i, k;

	if (cfg == NULL)
		return;
	free(cfg->c_file);
	free(cfg->c_logpath);
	free(cfg->c_database);
	free(cfg->c_chain);
	free(cfg->c_ports);
	free(cfg->c_blocktype);
	free(cfg->c_blocktype6);
	for (i = 0; i < cfg->c_ndaemons; i++)
		free(cfg->c_daemons[i]);
	free(cfg->c_daemons);
	cidrlist_free(&cfg->c_ignoreip);
	free(cfg->c_iptables_save);
	free(cfg->c_iptables_restore);
	free(cfg->c_ip6tables_save);
	free(cfg->c_ip6tables_restore);
	free(cfg->c_ipset);
	free(cfg->c_journalmatch);
	free(cfg->c_journalctl);
	free(cfg->c_inc_mult);
	free(cfg->c_localfile);
	for (i = 0; i < cfg->c_njails; i++) {
		struct jail	*j = &cfg->c_jails[i];

		free(j->j_name);
		for (k = 0; k < j->j_nfail; k++)
			pattern_free(&j->j_fail[k]);
		free(j->j_fail);
		for (k = 0; k < j->j_nignore; k++)
			pattern_free(&j->j_ignore[k]);
		free(j->j_ignore);
	}
	free(cfg->c_jails);
	free(cfg);
}

/* key = value, quoted when iniparser would otherwise change the value. */
static void
print_kv(FILE *fp, const char *key, const char *v)
{
	size_t	n = strlen(v);
	int	q = 0;

	if (strpbrk(v, ";#") != NULL || (n > 0 && (v[0] == ' ' || v[0] == '\t' ||
	    v[0] == '"' || v[0] == '\'' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\\')))
		q = quote_char(v);
	if (q != 0)
		fprintf(fp, "%s = %c%s%c\n", key, q, v, q);
	else
		fprintf(fp, "%s = %s\n", key, v);
}

static void
print_patterns(FILE *fp, const struct pattern *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		print_kv(fp, v[i].p_key, v[i].p_text);
}

static const char *
facility_name(int f)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].f_value == f)
			return facilities[i].f_name;
	return "daemon";
}

/*
 * The [DEFAULT] keys in the order of conf/mailban.conf, then the filter
 * sections.  maxretry, findtime and bantime appear in every section, as
 * their effective values.  ignoreip is the effective list: with
 * ignoreself, it includes the host's addresses.
 */
void
config_print(const struct config *cfg, FILE *fp)
{
	char	 buf[64], a[ADDR_STRLEN];
	size_t	 i;

	fprintf(fp, "[DEFAULT]\n");
	print_kv(fp, "logpath", cfg->c_logpath);
	print_kv(fp, "journalmatch", cfg->c_journalmatch);
	print_kv(fp, "journalctl", cfg->c_journalctl);
	print_kv(fp, "database", cfg->c_database);
	print_kv(fp, "chain", cfg->c_chain);
	print_kv(fp, "port", cfg->c_ports);
	print_kv(fp, "blocktype", cfg->c_blocktype);
	print_kv(fp, "blocktype6", cfg->c_blocktype6);
	fprintf(fp, "bantime.increment = %s\n", cfg->c_inc ? "true" : "false");
	fprintf(fp, "bantime.factor = %lld\n", cfg->c_inc_factor);
	fprintf(fp, "bantime.multipliers =");
	for (i = 0; i < cfg->c_inc_nmult; i++)
		fprintf(fp, " %lld", cfg->c_inc_mult[i]);
	fprintf(fp, "\nbantime.maxtime = %s\n", fmt_duration(cfg->c_inc_maxtime, buf,
	    sizeof(buf)));
	fprintf(fp, "bantime.rndtime = %s\n", fmt_duration(cfg->c_inc_rndtime, buf,
	    sizeof(buf)));
	fprintf(fp, "bantime.window = %s\n", fmt_duration(cfg->c_inc_window, buf,
	    sizeof(buf)));
	fprintf(fp, "ignoreip =");
	for (i = 0; i < cfg->c_ignoreip.cl_n; i++) {
		const struct cidr	*c = &cfg->c_ignoreip.cl_v[i];
		int			 max = c->c_net.a_family == AF_INET ? 32 : 128;

		fprintf(fp, " %s", addr_str(&c->c_net, a, sizeof(a)));
		if (c->c_prefix != max)
			fprintf(fp, "/%d", c->c_prefix);
	}
	fprintf(fp, "\nignoreself = %s", cfg->c_ignoreself ? "true" : "false");
	fprintf(fp, "\ndaemons =");
	for (i = 0; i < cfg->c_ndaemons; i++)
		fprintf(fp, " %s", cfg->c_daemons[i]);
	fprintf(fp, "\ndbpurgeage = %s\n", fmt_duration(cfg->c_dbpurgeage, buf, sizeof(buf)));
	fprintf(fp, "maxbans = %lld\n", cfg->c_maxbans);
	print_kv(fp, "iptables_save", cfg->c_iptables_save);
	print_kv(fp, "iptables_restore", cfg->c_iptables_restore);
	print_kv(fp, "ip6tables_save", cfg->c_ip6tables_save);
	print_kv(fp, "ip6tables_restore", cfg->c_ip6tables_restore);
	fprintf(fp, "backend = %s\n", cfg->c_backend == BACKEND_IPSET ? "ipset" : "chain");
	print_kv(fp, "ipset", cfg->c_ipset);
	fprintf(fp, "syslog_facility = %s\n", facility_name(cfg->c_facility));
	for (i = 0; i < cfg->c_njails; i++) {
		const struct jail	*j = &cfg->c_jails[i];

		fprintf(fp, "\n[%s]\n", j->j_name);
		fprintf(fp, "enabled = %s\n", j->j_enabled ? "true" : "false");
		fprintf(fp, "mode = %s\n", j->j_mode >= MODE_NORMAL && j->j_mode <= MODE_AGGRESSIVE ?
		    modenames[j->j_mode] : "normal");
		fprintf(fp, "maxretry = %lld\n", j->j_maxretry);
		fprintf(fp, "findtime = %s\n", fmt_duration(j->j_findtime, buf, sizeof(buf)));
		fprintf(fp, "bantime = %s\n", fmt_duration(j->j_bantime, buf, sizeof(buf)));
		print_patterns(fp, j->j_fail, j->j_nfail);
		print_patterns(fp, j->j_ignore, j->j_nignore);
	}
}
