/*
 * config_type.c -- the value types of the key schema: for each, one
 * checker (the value of a kv into its field, or a message naming the key
 * and what to write instead), one printer (mailban config) and one
 * destructor.  A checker leaves the field as it was when the value is
 * wrong.  Driven by the table in config.c.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include "pq.h"
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "config_int.h"
#include "util.h"

#define PORTS_MAX	15		/* iptables multiport */
#define CHAIN_MAX	28		/* iptables chain name */
#define MULT_MAX	32		/* bantime.multipliers */

#define DUR_FIX		"use seconds or a number with unit s m h d w: 90, 10m, 1h30m, 2w"
#define BAN_FIX		"use a duration such as 1h, 2d, 1w, or -1 for permanent"
#define LIST_SEP	", \t"
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
		*w = ini_grow(*w, n, sizeof(**w));
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

/* The checker of a type: 0, or -1 after a report (the field unchanged). */
typedef int	 getter(struct ini *, const struct key *, const struct kv *, void *f,
		    size_t *n);

static int
get_num(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *n)
{
	const char	*why;

	(void)n;
	if ((why = parse_num(kv->k_val, k->k_min, k->k_max, f)) == NULL)
		return 0;
	config_kvreport(ld, kv, "\"%s\" is %s (use %lld to %lld)", kv->k_val, why, k->k_min,
	    k->k_max);
	return -1;
}

static int
chk_duration(struct ini *ld, const struct kv *kv, int forever, long long *out)
{
	const char	*why, *fix = forever ? BAN_FIX : DUR_FIX;

	if ((why = parse_duration(kv->k_val, forever, out)) == NULL)
		return 0;
	if (kv->k_val[0] == '\0')
		config_kvreport(ld, kv, "\"\" is empty (%s)", fix);
	else if (!forever && strcmp(kv->k_val, "-1") == 0)
		config_kvreport(ld, kv, "\"-1\" is not allowed here (only bantime can be "
		    "permanent; %s)", fix);
	else if (strcmp(why, "not a duration") == 0)
		config_kvreport(ld, kv, "\"%s\" is not a duration (%s)", kv->k_val, fix);
	else if (strchr(why, '(') != NULL)
		config_kvreport(ld, kv, "\"%s\" is not a valid duration: %s", kv->k_val, why);
	else
		config_kvreport(ld, kv, "\"%s\" is not a valid duration: %s (%s)", kv->k_val, why, fix);
	return -1;
}

static int
get_duration(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *n)
{
	(void)n;
	if (k->k_min == 0 && strcmp(kv->k_val, "0") == 0) {
		*(long long *)f = 0;
		return 0;
	}
	return chk_duration(ld, kv, 0, f);
}

static int
get_bantime(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *n)
{
	(void)k;
	(void)n;
	return chk_duration(ld, kv, 1, f);
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
get_path(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *n)
{
	const char	*example = k->k_help != NULL ? k->k_help : k->k_default;
	size_t		 i;

	(void)n;
	for (i = 0; k->k_enum != NULL && i < k->k_enum->e_n; i++)
		if (strcmp(kv->k_val, k->k_enum->e_names[i]) == 0) {
			set_str(f, kv->k_val);
			return 0;
		}
	if (kv->k_val[0] == '/') {
		set_str(f, kv->k_val);
		return 0;
	}
	if (kv->k_val[0] == '\0')
		config_kvreport(ld, kv, "\"\" is empty (write an absolute path such as %s)", example);
	else
		config_kvreport(ld, kv, "\"%s\" is not an absolute path (write it from /, such "
		    "as %s)", kv->k_val, example);
	return -1;
}

int
path_has_glob(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return strpbrk(slash != NULL ? slash + 1 : path, PATH_GLOB) != NULL;
}

/*
 * logpath: one or more absolute paths separated by blanks, fail2ban's
 * several paths on one line (its continuation lines are refused by the
 * ini reader); or one of k_enum's words alone.  One word is checked as
 * KT_PATH checks it (the same messages).
 */
static int
get_paths(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	char		*buf, **w, *joined;
	size_t		 n, i, j, e, len = 1, o = 0;
	int		 bad = 0;

	n = words_sep(kv->k_val, " \t", &buf, &w);
	if (n <= 1 && (n == 0 || strpbrk(w[0], PATH_GLOB) == NULL)) {
		free(w);
		free(buf);
		return get_path(ld, k, kv, f, nn);
	}
	for (i = 0; i < n; i++) {
		for (e = 0; k->k_enum != NULL && e < k->k_enum->e_n; e++)
			if (strcmp(w[i], k->k_enum->e_names[e]) == 0)
				break;
		if (k->k_enum != NULL && e < k->k_enum->e_n) {
			config_kvreport(ld, kv, "\"%s\" cannot be mixed with paths (write "
			    "%s = %s alone, or only paths)", w[i], k->k_name, w[i]);
			bad = 1;
		} else if (strcmp(w[i], "tail") == 0 || strcmp(w[i], "head") == 0) {
			config_kvreport(ld, kv, "\"%s\" is fail2ban's option of where to "
			    "start, which mailban does not take (remove it: mailban reads on "
			    "from the saved position, a new file from its start)", w[i]);
			bad = 1;
		} else if (w[i][0] != '/') {
			config_kvreport(ld, kv, "\"%s\" is not an absolute path (write each "
			    "path from /, such as %s)", w[i], k->k_default);
			bad = 1;
		} else if (strpbrk(w[i], PATH_GLOB) != NULL && !path_has_glob(w[i])) {
			config_kvreport(ld, kv, "\"%s\": a wildcard is allowed only in the "
			    "file name (write the directory in full, such as "
			    "/var/log/mail/*.log)", w[i]);
			bad = 1;
		}
		len += strlen(w[i]) + 1;
	}
	if (!bad) {
		joined = xmalloc(len);
		for (i = 0; i < n; i++) {
			for (j = 0; j < i; j++)
				if (strcmp(w[j], w[i]) == 0)
					break;
			if (j < i)
				continue;	/* the same path twice: once */
			if (o > 0)
				joined[o++] = ' ';
			memcpy(joined + o, w[i], strlen(w[i]));
			o += strlen(w[i]);
		}
		joined[o] = '\0';
		free(*(char **)f);
		*(char **)f = joined;
	}
	free(w);
	free(buf);
	return bad ? -1 : 0;
}

static int
get_chain(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	/* Built-in chains and standard targets: reconciling one of them would
	 * rewrite the host's own firewall. */
	static const char *const reserved[] = {
		"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING",
		"ACCEPT", "DROP", "REJECT", "RETURN", "QUEUE", "LOG", NULL
	};
	const char	*v = kv->k_val;
	size_t		 i, n = strlen(v);

	(void)k;
	(void)nn;
	if (n == 0 || n > CHAIN_MAX || v[0] == '-' || !ini_is_name(v, n)) {
		config_kvreport(ld, kv, "\"%s\" is not a chain name (use 1 to %d letters, digits, "
		    "_ . or -, not starting with -)", v, CHAIN_MAX);
		return -1;
	}
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(v, reserved[i]) == 0) {
			config_kvreport(ld, kv, "\"%s\" is a built-in chain or target (use a "
			    "chain of its own, such as fail2ban-mail)", v);
			return -1;
		}
	set_str(f, v);
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
get_ports(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nout)
{
	struct servent	*se;
	long long	 port[PORTS_MAX];
	char		*buf, **w, *s;
	const char	*why;
	size_t		 n, i, np = 0, o;
	int		 rc = -1;

	(void)k;
	n = words(kv->k_val, &buf, &w);
	if (n == 0) {
		config_kvreport(ld, kv, "\"%s\" is empty (use a port or a list such as "
		    "25,465,587)", kv->k_val);
		goto out;
	}
	for (i = 0; i < n; i++) {
		long long	v;
		size_t		j;

		if (!isdigit((unsigned char)w[i][0]) && w[i][0] != '-' && w[i][0] != '+') {
			/* fail2ban's port = smtp,submission: /etc/services. */
			if ((se = getservbyname(w[i], "tcp")) == NULL || se->s_port == 0) {
				config_kvreport(ld, kv, "\"%s\" is not a port list: \"%s\" is not a "
				    "tcp service in /etc/services (use ports 1 to 65535 or "
				    "service names, such as 25,465,587 or smtp,submission)",
				    kv->k_val, w[i]);
				goto out;
			}
			v = ntohs((uint16_t)se->s_port);
		} else if ((why = parse_num(w[i], 1, 65535, &v)) != NULL) {
			config_kvreport(ld, kv, "\"%s\" is not a port list: \"%s\" is %s (use "
			    "ports 1 to 65535, such as 25,465,587)", kv->k_val, w[i], why);
			goto out;
		}
		for (j = 0; j < np && port[j] != v; j++)
			;
		if (j < np)
			continue;
		if (np == PORTS_MAX) {
			config_kvreport(ld, kv, "\"%s\" has more than %d ports (the limit of "
			    "iptables multiport)", kv->k_val, PORTS_MAX);
			goto out;
		}
		port[np++] = v;
	}
	qsort(port, np, sizeof(port[0]), intcmp);
	s = xmalloc(np * 6 + 1);
	for (o = 0, i = 0; i < np; i++) {
		int	m = snprintf(s + o, np * 6 + 1 - o, "%s%lld", i ? "," : "", port[i]);

		if (m < 0 || (size_t)m >= np * 6 + 1 - o)
			abort();	/* 6 bytes hold ",65535" */
		o += (size_t)m;
	}
	free(*(char **)f);
	*(char **)f = s;
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
get_target(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	const char	*v = kv->k_val, *p;
	size_t		 n;

	(void)k;
	(void)nn;
	if (*v == '\0') {
		config_kvreport(ld, kv, "\"\" is empty (use a target such as REJECT "
		    "--reject-with tcp-reset)");
		return -1;
	}
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(" _./:=-", *p) == NULL) {
			config_kvreport(ld, kv, "\"%s\" contains '%c' (use only letters, digits, "
			    "spaces and _ . / : = -)", v, *p);
			return -1;
		}
	n = strcspn(v, " ");
	for (p = v; p < v + n; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			break;
	if (!isupper((unsigned char)v[0]) || p < v + n) {
		config_kvreport(ld, kv, "\"%s\" does not start with a target (start with one in "
		    "upper case, such as REJECT or DROP)", v);
		return -1;
	}
	set_str(f, v);
	return 0;
}

static void
free_names(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Names without duplicates, in the order written. */
static int
get_names(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nout)
{
	char	*buf, **w, ***out = f;
	size_t	 n, i, j;

	(void)k;
	n = words(kv->k_val, &buf, &w);
	if (n == 0)
		config_kvreport(ld, kv, "\"%s\" is empty (use syslog tags such as sendmail "
		    "sm-mta)", kv->k_val);
	for (i = 0; i < n; i++)
		if (!ini_is_name(w[i], strlen(w[i]))) {
			config_kvreport(ld, kv, "\"%s\" is not a list of names: \"%s\" is not a "
			    "name (use letters, digits, _ . or -)", kv->k_val, w[i]);
			n = 0;
		}
	if (n > 0) {
		free_names(*out, *nout);
		*out = xreallocarray(NULL, n, sizeof(char *));
		*nout = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < *nout; j++)
				if (strcmp((*out)[j], w[i]) == 0)
					break;
			if (j == *nout)
				(*out)[(*nout)++] = xstrdup(w[i]);
		}
	}
	free(w);
	free(buf);
	return n > 0 ? 0 : -1;
}

/* Add a network, unless the list holds it already. */
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

/* Every good address or network is added, even when another is wrong. */
static int
get_cidrs(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	const char	*why;
	char		*buf, **w;
	size_t		 n, i;
	int		 rc = 0;

	(void)k;
	(void)nn;
	n = words(kv->k_val, &buf, &w);
	for (i = 0; i < n; i++) {
		if ((why = add_cidr(f, w[i])) == NULL)
			continue;
		if (strchr(why, '(') != NULL)
			config_kvreport(ld, kv, "\"%s\" is not an address or CIDR: %s", w[i], why);
		else
			config_kvreport(ld, kv, "\"%s\" is not an address or CIDR: %s (use an "
			    "address or network such as 192.0.2.7 or 2001:db8::/32; "
			    "host names are not allowed)", w[i], why);
		rc = -1;
	}
	free(w);
	free(buf);
	return rc;
}

static int
get_bool(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *n)
{
	(void)k;
	(void)n;
	if (config_bool(kv->k_val, f) == 0)
		return 0;
	config_kvreport(ld, kv, "\"%s\" is not a boolean (use true or false)", kv->k_val);
	return -1;
}

static int
enum_value(const struct kenum *e, size_t i)
{
	return e->e_values != NULL ? e->e_values[i] : (int)i;
}

const char *
kenum_name(const struct kenum *e, int value)
{
	size_t	i;

	for (i = 0; i < e->e_n; i++)
		if (enum_value(e, i) == value)
			return e->e_names[i];
	return e->e_names[0];
}

static int
get_enum(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	const struct kenum	*e = k->k_enum;
	char			 use[256];
	size_t			 i, o = 0;
	int			 m;

	(void)nn;
	for (i = 0; i < e->e_n; i++)
		if (strcasecmp(kv->k_val, e->e_names[i]) == 0) {
			*(int *)f = enum_value(e, i);
			return 0;
		}
	/* "a, b or c" */
	use[0] = '\0';
	for (i = 0; e->e_use == NULL && i < e->e_n; i++) {
		m = snprintf(use + o, sizeof(use) - o, "%s%s", i == 0 ? "" : i + 1 ==
		    e->e_n ? " or " : ", ", e->e_names[i]);
		if (m < 0 || (size_t)m >= sizeof(use) - o)
			break;
		o += (size_t)m;
	}
	config_kvreport(ld, kv, "\"%s\" is not %s (use %s)", kv->k_val, e->e_what,
	    e->e_use != NULL ? e->e_use : use);
	return -1;
}

/*
 * journalctl matches, passed as separate arguments: FIELD=VALUE words,
 * where FIELD is upper case letters, digits and _ (journal field names),
 * joined by "+" (or).  Nothing can start with '-' and become an option.
 * The field: the words joined by one space.
 */
static int
get_matches(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	char		*buf, **w, *word = NULL, **out = f;
	const char	*why = NULL, *eq;
	size_t		 n, i;

	(void)k;
	(void)nn;
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
			why = word = ini_fmt("\"%s\" is not FIELD=VALUE", w[i]);
	}
	if (why == NULL) {
		free(*out);
		*out = xstrdup(w[0]);
		for (i = 1; i < n; i++) {
			char	*t = ini_fmt("%s %s", *out, w[i]);

			free(*out);
			*out = t;
		}
	}
	if (why != NULL)
		config_kvreport(ld, kv, "\"%s\" is not a list of journal matches: %s (use "
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
get_mult(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nout)
{
	long long	*v, **out = f;
	const char	*why;
	char		*buf, **w;
	size_t		 n, i;
	int		 rc = -1;

	n = words(kv->k_val, &buf, &w);
	if (n > MULT_MAX) {
		config_kvreport(ld, kv, "\"%s\" has more than %d multipliers", kv->k_val, MULT_MAX);
		goto out;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		if ((why = parse_num(w[i], k->k_min, k->k_max, &v[i])) != NULL) {
			config_kvreport(ld, kv, "\"%s\" is not a list of multipliers: \"%s\" is "
			    "%s (use numbers %lld to %lld, such as 1 2 4 8 16)", kv->k_val,
			    w[i], why, k->k_min, k->k_max);
			free(v);
			goto out;
		}
	free(*out);
	*out = v;
	*nout = n;
	rc = 0;
out:
	free(w);
	free(buf);
	return rc;
}

/*
 * Printing: "key = value" as mailban config shows it, and the value read
 * back gives the same configuration.
 */

/*
 * fleet: a libpq conninfo ("host=... dbname=... user=..." or a URI), or
 * empty for none.  A password has no place in a file that is read by
 * every mailban command: it goes in ~/.pgpass (or a service file).
 */
static int
get_conninfo(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	PQconninfoOption	*opts, *o;
	char			*err = NULL, *nl, why[256];
	int			 rc = 0;

	(void)k;
	(void)nn;
	if (kv->k_val[0] == '\0')
		return 0;
	if (pq_load(why, sizeof(why)) == -1) {
		config_kvreport(ld, kv, "needs %s", why);
		return -1;
	}
	if ((opts = PQconninfoParse(kv->k_val, &err)) == NULL) {
		if (err != NULL && (nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		config_kvreport(ld, kv, "not a libpq connection string: %s (write "
		    "\"host=... dbname=... user=...\" or \"service=NAME\")",
		    err != NULL ? err : "out of memory");
		PQfreemem(err);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL) {
			config_kvreport(ld, kv, "holds a password (remove it: put it in "
			    "~/.pgpass, mode 0600, or use a service file)");
			rc = -1;
		}
	PQconninfoFree(opts);
	if (rc == 0)
		set_str(f, kv->k_val);
	return rc;
}

/* fleet_host: the name this host's rows carry; by default the host name. */
static int
get_hostname(struct ini *ld, const struct key *k, const struct kv *kv, void *f, size_t *nn)
{
	char		 name[256];
	const char	*v = kv->k_val;
	size_t		 i, n;

	(void)k;
	(void)nn;
	if (v[0] == '\0') {
		if (gethostname(name, sizeof(name)) == -1 || name[0] == '\0') {
			config_kvreport(ld, kv, "the host name is unknown (set fleet_host)");
			return -1;
		}
		name[sizeof(name) - 1] = '\0';
		v = name;
	}
	n = strlen(v);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' && v[i] != '_')
			break;
	if (n > 63 || i < n) {
		config_kvreport(ld, kv, "\"%s\" is not a host name (use letters, digits, '.', "
		    "'-' and '_', at most 63)", v);
		return -1;
	}
	set_str(f, v);
	return 0;
}


void
config_print_kv(FILE *fp, const char *key, const char *v)
{
	size_t	n = strlen(v);
	int	q = 0;

	if (strpbrk(v, ";#") != NULL || (n > 0 && (v[0] == ' ' || v[0] == '\t' ||
	    v[0] == '"' || v[0] == '\'' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\\')))
		q = ini_quote_char(v);
	if (q != 0)
		fprintf(fp, "%s = %c%s%c\n", key, q, v, q);
	else
		fprintf(fp, "%s = %s\n", key, v);
}

void
key_print(FILE *fp, const struct key *k, const void *base)
{
	const void	*f = (const char *)base + k->k_off;
	size_t		 i, n = 0;
	char		 buf[64], a[ADDR_STRLEN];

	if (k->k_noff != 0)
		n = *(const size_t *)(const void *)((const char *)base + k->k_noff);
	switch (k->k_type) {
	case KT_PATH: case KT_PATHS: case KT_CHAIN: case KT_PORTS: case KT_TARGET:
	case KT_MATCHES:
		config_print_kv(fp, k->k_name, *(char *const *)f);
		break;
	case KT_CONNINFO: case KT_HOSTNAME:
		/* KS_DEFAULT keys: shown only when there is a fleet. */
		if (((const struct config *)base)->c_fleet != NULL)
			config_print_kv(fp, k->k_name, *(char *const *)f);
		break;
	case KT_NUM:
		fprintf(fp, "%s = %lld\n", k->k_name, *(const long long *)f);
		break;
	case KT_DURATION: case KT_BANTIME:
		fprintf(fp, "%s = %s\n", k->k_name, fmt_duration(*(const long long *)f,
		    buf, sizeof(buf)));
		break;
	case KT_BOOL:
		fprintf(fp, "%s = %s\n", k->k_name, *(const int *)f ? "true" : "false");
		break;
	case KT_ENUM:
		fprintf(fp, "%s = %s\n", k->k_name, kenum_name(k->k_enum, *(const int *)f));
		break;
	case KT_NAMES:
		fprintf(fp, "%s =", k->k_name);
		for (i = 0; i < n; i++)
			fprintf(fp, " %s", (*(char **const *)f)[i]);
		fprintf(fp, "\n");
		break;
	case KT_MULT:
		fprintf(fp, "%s =", k->k_name);
		for (i = 0; i < n; i++)
			fprintf(fp, " %lld", (*(long long *const *)f)[i]);
		fprintf(fp, "\n");
		break;
	case KT_CIDRS: {
		const struct cidrlist	*cl = f;

		fprintf(fp, "%s =", k->k_name);
		for (i = 0; i < cl->cl_n; i++) {
			const struct cidr	*c = &cl->cl_v[i];
			int			 max = c->c_net.a_family == AF_INET ? 32 : 128;

			fprintf(fp, " %s", addr_str(&c->c_net, a, sizeof(a)));
			if (c->c_prefix != max)
				fprintf(fp, "/%d", c->c_prefix);
		}
		fprintf(fp, "\n");
		break;
	}
	case KT_NTYPES:
		break;
	}
}

void
key_free(const struct key *k, void *base)
{
	void	*f = (char *)base + k->k_off;
	size_t	*n = (size_t *)(void *)((char *)base + k->k_noff);

	switch (k->k_type) {
	case KT_PATH: case KT_PATHS: case KT_CHAIN: case KT_PORTS: case KT_TARGET:
	case KT_MATCHES:
	case KT_CONNINFO: case KT_HOSTNAME:
		free(*(char **)f);
		*(char **)f = NULL;
		break;
	case KT_MULT:
		free(*(long long **)f);
		*(long long **)f = NULL;
		break;
	case KT_NAMES:
		free_names(*(char ***)f, *n);
		*(char ***)f = NULL;
		*n = 0;
		break;
	case KT_CIDRS:
		cidrlist_free(f);
		break;
	case KT_NUM: case KT_DURATION: case KT_BANTIME: case KT_BOOL: case KT_ENUM:
	case KT_NTYPES:
		break;
	}
}

int
key_check(struct ini *ld, const struct key *k, const struct kv *kv, void *base)
{
	static getter *const get[KT_NTYPES] = {
		[KT_PATH] = get_path,		[KT_PATHS] = get_paths,
		[KT_CHAIN] = get_chain,
		[KT_PORTS] = get_ports,		[KT_TARGET] = get_target,
		[KT_NUM] = get_num,		[KT_DURATION] = get_duration,
		[KT_BANTIME] = get_bantime,	[KT_CIDRS] = get_cidrs,
		[KT_NAMES] = get_names,		[KT_BOOL] = get_bool,
		[KT_ENUM] = get_enum,		[KT_MATCHES] = get_matches,
		[KT_MULT] = get_mult,		[KT_CONNINFO] = get_conninfo,
		[KT_HOSTNAME] = get_hostname,
	};

	return get[k->k_type](ld, k, kv, (char *)base + k->k_off,
	    (size_t *)(void *)((char *)base + k->k_noff));
}
