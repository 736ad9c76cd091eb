/*
 * config.c -- read and check mailban.conf: the key schema and its walk.
 *
 * Input: one ini file and its .local (FILE's sibling with .conf replaced
 * by .local, or .local appended), read by ini.c: a line index for
 * positions and traps, and iniparser's values.  Output: a struct config in
 * which every value has been checked, or -1 after every problem has been
 * reported, one line each, in line order:
 *   mailban: FILE:LINE: [section] key: "VALUE" is PROBLEM (FIX)
 *
 * Every key is one row of config_keys[] below: its name, the sections it may
 * be written in, its type (with range or enum words), its default, where it
 * lands (an offset into struct config or struct jail), and the example a
 * message offers.  The table drives checking, defaults, `mailban config`
 * printing and freeing; config_type.c holds one checker per type.  A key
 * of KS_BOTH lands in struct jail: its [DEFAULT] value is every filter
 * section's default, which the section may override.
 *
 * .local's keys replace the same section/key of FILE (silently: that is
 * its purpose), it may add sections, and a duplicate key inside either
 * file is still an error.
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

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "config_int.h"
#include "log.h"
#include "util.h"

#define FILE_MAX_BYTES	(1024 * 1024)

#define C(f)	offsetof(struct config, f)
#define J(f)	offsetof(struct jail, f)
#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const facility_names[] = {
	"daemon", "authpriv", "mail", "local0", "local1", "local2", "local3",
	"local4", "local5", "local6", "local7"
};
static const int facility_values[N(facility_names)] = {
	LOG_DAEMON, LOG_AUTHPRIV, LOG_MAIL, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2,
	LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7
};
static const struct kenum facilities = { facility_names, facility_values,
	N(facility_names), "a syslog facility", "daemon, authpriv, mail or local0 to local7" };

/* A new backend: its BACKEND_* in config.h and its word here. */
static const char *const backend_names[] = {
	[BACKEND_CHAIN] = "chain",
	[BACKEND_IPSET] = "ipset",
	[BACKEND_NFT] = "nft",
};
static const struct kenum backends = { backend_names, NULL, N(backend_names),
	"a backend", NULL };

static const struct kenum modes = { modenames, NULL, N(modenames), "a mode", NULL };

static const char *const journal_word[] = { "journal", "auto" };
static const struct kenum logwords = { journal_word, NULL, N(journal_word), NULL, NULL };

/*
 * The keys, in the order `mailban config` prints them (that of
 * conf/mailban.conf): [DEFAULT]'s, then a filter section's.  A new key is
 * one row here (and its field in config.h, and its line in mailban.8 and
 * conf/mailban.conf).  k_min/k_max: the range of KT_NUM and KT_MULT;
 * KT_DURATION with k_min 0 also takes "0".
 */
const struct key config_keys[] = {
/*	  name			sect		type		min	max	enum		default			lands in		count			help */
	{ "logpath",		KS_DEFAULT,	KT_PATHS,	0,	0,	&logwords,	"/var/log/mail.log",	C(c_logpath),		0,			"/var/log/mail.log, or journal" },
	{ "journalmatch",	KS_DEFAULT,	KT_MATCHES,	0,	0,	NULL,		"_SYSTEMD_UNIT=sendmail.service + SYSLOG_IDENTIFIER=sm-mta", C(c_journalmatch), 0, NULL },
	{ "journalctl",		KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/bin/journalctl",	C(c_journalctl),	0,			NULL },
	{ "database",		KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/var/lib/mailban/mailban.db", C(c_database),	0,			NULL },
	{ "chain",		KS_DEFAULT,	KT_CHAIN,	0,	0,	NULL,		"fail2ban-mail",	C(c_chain),		0,			NULL },
	{ "port",		KS_DEFAULT,	KT_PORTS,	0,	0,	NULL,		"25,465,587",		C(c_ports),		C(c_nports),		NULL },
	{ "blocktype",		KS_DEFAULT,	KT_TARGET,	0,	0,	NULL,		"REJECT --reject-with tcp-reset", C(c_blocktype), 0,		NULL },
	/* No default: blocktype6 follows blocktype (config_load). */
	{ "blocktype6",		KS_DEFAULT,	KT_TARGET,	0,	0,	NULL,		NULL,			C(c_blocktype6),	0,			NULL },
	{ "bantime.increment",	KS_DEFAULT,	KT_BOOL,	0,	0,	NULL,		"true",			C(c_inc),		0,			NULL },
	{ "bantime.factor",	KS_DEFAULT,	KT_NUM,		1,	1000,	NULL,		"1",			C(c_inc_factor),	0,			NULL },
	{ "bantime.multipliers", KS_DEFAULT,	KT_MULT,	1,	1000000, NULL,		"",			C(c_inc_mult),		C(c_inc_nmult),		NULL },
	{ "bantime.maxtime",	KS_DEFAULT,	KT_DURATION,	1,	0,	NULL,		"5w",			C(c_inc_maxtime),	0,			NULL },
	{ "bantime.rndtime",	KS_DEFAULT,	KT_DURATION,	0,	0,	NULL,		"0",			C(c_inc_rndtime),	0,			NULL },
	{ "bantime.window",	KS_DEFAULT,	KT_DURATION,	1,	0,	NULL,		"30d",			C(c_inc_window),	0,			NULL },
	/* The file's addresses are added to the default's (loopback). */
	{ "ignoreip",		KS_DEFAULT,	KT_CIDRS,	0,	0,	NULL,		"127.0.0.0/8 ::1",	C(c_ignoreip),		0,			NULL },
	{ "ignoreself",		KS_DEFAULT,	KT_BOOL,	0,	0,	NULL,		"true",			C(c_ignoreself),	0,			NULL },
	{ "daemons",		KS_DEFAULT,	KT_NAMES,	0,	0,	NULL,		"sendmail sm-mta sm-acceptingconnections sm-msp-queue", C(c_daemons), C(c_ndaemons), NULL },
	{ "dbpurgeage",		KS_DEFAULT,	KT_DURATION,	1,	0,	NULL,		"30d",			C(c_dbpurgeage),	0,			NULL },
	{ "maxbans",		KS_DEFAULT,	KT_NUM,		1,	1000000, NULL,		"10000",		C(c_maxbans),		0,			NULL },
	{ "iptables_save",	KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/sbin/iptables-save", C(c_iptables_save), 0,		NULL },
	{ "iptables_restore",	KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/sbin/iptables-restore", C(c_iptables_restore), 0,	NULL },
	{ "ip6tables_save",	KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/sbin/ip6tables-save", C(c_ip6tables_save), 0,		NULL },
	{ "ip6tables_restore",	KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/sbin/ip6tables-restore", C(c_ip6tables_restore), 0,	NULL },
	{ "backend",		KS_DEFAULT,	KT_ENUM,	0,	0,	&backends,	"chain",		C(c_backend),		0,			NULL },
	{ "ipset",		KS_DEFAULT,	KT_PATH,	0,	0,	NULL,		"/usr/sbin/ipset",	C(c_ipset),		0,			NULL },
	{ "syslog_facility",	KS_DEFAULT,	KT_ENUM,	0,	0,	&facilities,	"daemon",		C(c_facility),		0,			NULL },
	{ "fleet",		KS_DEFAULT,	KT_CONNINFO,	0,	0,	NULL,		"",			C(c_fleet),		0,			"host=db.example.net dbname=mailban user=mx1" },
	{ "fleet_host",		KS_DEFAULT,	KT_HOSTNAME,	0,	0,	NULL,		"",			C(c_fleet_host),	0,			NULL },
	/* A filter section's keys; KS_BOTH: [DEFAULT] gives the default. */
	{ "enabled",		KS_JAIL,	KT_BOOL,	0,	0,	NULL,		"true",			J(j_enabled),		0,			NULL },
	{ "mode",		KS_JAIL,	KT_ENUM,	0,	0,	&modes,		"normal",		J(j_mode),		0,			NULL },
	{ "maxretry",		KS_BOTH,	KT_NUM,		1,	1000,	NULL,		"5",			J(j_maxretry),		0,			NULL },
	{ "findtime",		KS_BOTH,	KT_DURATION,	1,	0,	NULL,		"10m",			J(j_findtime),		0,			NULL },
	{ "bantime",		KS_BOTH,	KT_BANTIME,	0,	0,	NULL,		"1h",			J(j_bantime),		0,			NULL },
};
const size_t	config_nkeys = N(config_keys);

/* What the walk of one section learned about each key of config_keys[]. */
struct seen {
	struct pos	 s_pos;		/* of the line checked; NOPOS: the default */
	const char	*s_raw;		/* the value checked */
	int		 s_set;		/* written in the section (even if wrong) */
	int		 s_bad;		/* written, and wrong */
};

/* Where the findtime of a jail was set, for the dbpurgeage check. */
struct ftsrc {
	struct pos	 f_pos;
	const char	*f_sect;
	const char	*f_raw;
};

void
config_kvreport(struct ini *ld, const struct kv *kv, const char *f, ...)
{
	va_list	ap;

	va_start(ap, f);
	ini_vreport(ld, kv->k_pos, kv->k_sect, kv->k_key, f, ap);
	va_end(ap);
}

int
config_bool(const char *v, int *out)
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

const struct key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		if (strcmp(name, config_keys[i].k_name) == 0)
			return &config_keys[i];
	return NULL;
}

static size_t
key_index(const char *name)
{
	return (size_t)(key_find(name) - config_keys);
}

/* The struct config or struct jail that key k of a section lands in. */
static void *
key_base(const struct key *k, struct config *cfg, struct jail *j)
{
	return k->k_sect == KS_DEFAULT ? (void *)cfg : (void *)j;
}

static void
set_key(struct ini *ld, const struct key *k, const struct kv *kv, void *base,
    struct seen *s)
{
	s->s_set = 1;
	s->s_pos = kv->k_pos;
	s->s_raw = kv->k_val;
	s->s_bad = key_check(ld, k, kv, base) == -1;
}

/* The host's own addresses (ignoreself), each as /32 or /128, unless the
 * list holds it already. */
static void
add_self(struct ini *ld, struct config *cfg, struct pos p)
{
	struct ifaddrs	*ifa, *i;
	struct addr	 a;
	char		 s[ADDR_STRLEN];

	if (getifaddrs(&ifa) == -1) {
		ini_report(ld, p, "default", "ignoreself", "cannot list the addresses of "
		    "this host: %s (set ignoreself = false and list them in ignoreip)",
		    strerror(errno));
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		if (i->ifa_addr->sa_family == AF_INET) {
			a.a_family = AF_INET;
			memcpy(a.a_b, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.a_family = AF_INET6;
			memcpy(a.a_b, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
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

/*
 * [DEFAULT]: the built-in defaults first (through the same checks), then
 * the file's keys; a wrong value leaves the default.  KS_JAIL and KS_BOTH
 * keys land in dj, every filter section's starting point.
 */
static void
load_default(struct ini *ld, struct config *cfg, struct jail *dj, struct seen *sn)
{
	const struct key	*k;
	struct patkey		 pk;
	char			 best[64];
	const char		*s;
	size_t			 i;

	for (i = 0; i < config_nkeys; i++) {
		struct kv	kv = { NOPOS, "default", config_keys[i].k_name, config_keys[i].k_default };

		sn[i].s_raw = config_keys[i].k_default;
		if (config_keys[i].k_default != NULL)
			key_check(ld, &config_keys[i], &kv, key_base(&config_keys[i], cfg, dj));
	}
	for (i = 0; i < ld->i_nkey; i++) {
		const struct ini_key	*e = &ld->i_key[i];
		struct kv		 kv = { e->e_pos, "default", e->e_key, e->e_val };

		if (strcmp(ld->i_sect[e->e_sect].s_name, "default") != 0 || e->e_over)
			continue;
		if ((k = key_find(e->e_key)) != NULL && (k->k_sect & KS_DEFAULT) != 0) {
			if (e->e_bad || chk_interpolation(ld, &kv, k->k_default) == -1 ||
			    chk_f2b_value(ld, &kv))
				sn[k - config_keys].s_set = sn[k - config_keys].s_bad = 1;
			else
				set_key(ld, k, &kv, key_base(k, cfg, dj), &sn[k - config_keys]);
		} else if (k != NULL || patkey(e->e_key, &pk) != 0)
			config_kvreport(ld, &kv, "only allowed in a filter section (move it to one)");
		else if ((s = f2b_key(e->e_key)) != NULL)
			config_kvreport(ld, &kv, "a fail2ban key: %s", s);
		else if ((s = config_suggest(e->e_key, 1, best, sizeof(best))) != NULL)
			config_kvreport(ld, &kv, "unknown key (did you mean %s?)", s);
		else
			config_kvreport(ld, &kv, "unknown key (see mailban(8) for the keys of "
			    "[DEFAULT])");
	}
	if (cfg->c_blocktype6 == NULL && !sn[key_index("blocktype6")].s_set &&
	    cfg->c_blocktype != NULL)
		cfg->c_blocktype6 = xstrdup(cfg->c_blocktype);
	cfg->c_journal = cfg->c_logpath != NULL && strcmp(cfg->c_logpath, "journal") == 0;
	cfg->c_logauto = cfg->c_logpath != NULL && strcmp(cfg->c_logpath, "auto") == 0;	/* source.c */
	config_logpaths(cfg);
	if (cfg->c_ignoreself)
		add_self(ld, cfg, sn[key_index("ignoreself")].s_pos);
}

/* "unknown key (a filter section knows enabled, mode, ...)" */
static void
report_unknown(struct ini *ld, const struct kv *kv)
{
	char	known[512];
	size_t	i, o = 0;
	int	n;

	known[0] = '\0';
	for (i = 0; i < config_nkeys; i++) {
		if ((config_keys[i].k_sect & KS_JAIL) == 0)
			continue;
		n = snprintf(known + o, sizeof(known) - o, "%s, ", config_keys[i].k_name);
		if (n < 0 || (size_t)n >= sizeof(known) - o)
			break;
		o += (size_t)n;
	}
	config_kvreport(ld, kv, "unknown key (a filter section knows %sfailregex[.N], "
	    "failregex.extra.N, failregex.aggressive.N and ignoreregex[.N])", known);
}

/* One key of filter section s, other than a pattern key. */
static void
jail_key(struct ini *ld, struct jail *j, const struct ini_key *e, const char *sect,
    struct seen *sn)
{
	const struct key	*k = key_find(e->e_key);
	struct kv		 kv = { e->e_pos, sect, e->e_key, e->e_val };
	char			 best[64];
	const char		*sug;

	if (k == NULL || (k->k_sect & KS_JAIL) == 0) {
		if (k != NULL && !e->e_bad && chk_f2b_value(ld, &kv))
			;
		else if (k != NULL)
			config_kvreport(ld, &kv, "only allowed in [DEFAULT] (move it there)");
		else if ((sug = f2b_key(e->e_key)) != NULL)
			config_kvreport(ld, &kv, "a fail2ban key: %s", sug);
		else if ((sug = config_suggest(e->e_key, 0, best, sizeof(best))) != NULL)
			config_kvreport(ld, &kv, "unknown key (did you mean %s?)", sug);
		else
			report_unknown(ld, &kv);
		return;
	}
	if (e->e_bad || chk_interpolation(ld, &kv, NULL) == -1)
		return;
	set_key(ld, k, &kv, j, &sn[k - config_keys]);
}

static void
load_jail(struct ini *ld, struct config *cfg, const struct jail *dj,
    const struct seen *dsn, size_t si, struct ftsrc *fts)
{
	const struct ini_sect	*s = &ld->i_sect[si];
	struct seen		*sn = xcalloc(config_nkeys, sizeof(*sn));
	struct jail		*j;
	struct patkey		 pk;
	char			 best[64];
	const char		*sug;
	size_t			 i, ft = key_index("findtime");
	struct pos		 modepos;
	int			 r;

	cfg->c_jails = ini_grow(cfg->c_jails, cfg->c_njails, sizeof(*cfg->c_jails));
	j = &cfg->c_jails[cfg->c_njails++];
	*j = *dj;
	j->j_name = xstrdup(s->s_name);
	j->j_file = ini_posfile(ld, s->s_pos);
	j->j_line = s->s_pos.po_line;
	for (i = 0; i < ld->i_nkey; i++) {
		const struct ini_key	*e = &ld->i_key[i];
		struct kv		 kv = { e->e_pos, s->s_name, e->e_key, e->e_val };

		if (e->e_sect != si || e->e_over)
			continue;
		if ((r = patkey(e->e_key, &pk)) == 1) {
			if (e->e_bad || chk_interpolation(ld, &kv, NULL) == -1)
				continue;
			if (e->e_val[0] == '\0')
				config_kvreport(ld, &kv, "\"\" is an empty pattern (write a pattern, "
				    "or remove the key)");
			else
				add_pattern(ld, j, &pk, e);
		} else if (r == -1)
			config_kvreport(ld, &kv, "bad pattern number (use %.*s1 to %.*s%d, "
			    "without a leading zero)", (int)(strrchr(e->e_key, '.') -
			    e->e_key + 1), e->e_key, (int)(strrchr(e->e_key, '.') -
			    e->e_key + 1), e->e_key, PATNUM_MAX);
		else
			jail_key(ld, j, e, s->s_name, sn);
	}
	if (sn[ft].s_set && !sn[ft].s_bad) {
		fts->f_pos = sn[ft].s_pos;
		fts->f_sect = s->s_name;
		fts->f_raw = sn[ft].s_raw;
	} else {
		fts->f_pos = dsn[ft].s_pos;
		fts->f_sect = "default";
		fts->f_raw = dsn[ft].s_raw;
	}
	modepos = sn[key_index("mode")].s_pos;
	free(sn);
	sort_patterns(ld, s->s_name, j->j_fail, &j->j_nfail, 0);
	sort_patterns(ld, s->s_name, j->j_ignore, &j->j_nignore, 1);
	/* A bad failregex key was reported already: no second message. */
	for (i = 0; i < ld->i_nkey; i++)
		if (ld->i_key[i].e_sect == si && strncmp(ld->i_key[i].e_key, "failregex", 9) == 0)
			break;
	if (i == ld->i_nkey) {
		if ((sug = config_suggest_sect(ld, si, best, sizeof(best))) != NULL)
			ini_report(ld, s->s_pos, s->s_name, NULL, "has no failregex (did you "
			    "mean [%s]?)", sug);
		else
			ini_report(ld, s->s_pos, s->s_name, NULL, "has no failregex (add "
			    "failregex = <pattern>, with <HOST> where the address appears)");
		return;
	}
	if (!j->j_enabled || j->j_nfail == 0 || j->j_fail[0].p_minmode <= j->j_mode)
		return;
	if (modepos.po_line > 0)
		ini_report(ld, modepos, s->s_name, "mode", "\"%s\" uses none of the patterns "
		    "(add failregex.N, or set mode = %s)", modenames[j->j_mode],
		    modenames[j->j_fail[0].p_minmode]);
	else
		ini_report(ld, s->s_pos, s->s_name, NULL, "mode normal (the default) uses "
		    "none of the patterns (add failregex.N, or set mode = %s)",
		    modenames[j->j_fail[0].p_minmode]);
}

/* Failures younger than findtime must not be purged: they still count. */
static void
check_purge(struct ini *ld, const struct config *cfg, const struct seen *dsn,
    const struct ftsrc *fts)
{
	const struct seen	*dp = &dsn[key_index("dbpurgeage")];
	size_t			 i, worst = NONE;
	char			 b1[64], b2[64];

	for (i = 0; i < cfg->c_njails; i++)
		if (cfg->c_jails[i].j_enabled && cfg->c_jails[i].j_findtime > cfg->c_dbpurgeage &&
		    (worst == NONE || cfg->c_jails[i].j_findtime > cfg->c_jails[worst].j_findtime))
			worst = i;
	if (worst == NONE || dp->s_bad)
		return;
	fmt_duration(cfg->c_jails[worst].j_findtime, b1, sizeof(b1));
	fmt_duration(cfg->c_dbpurgeage, b2, sizeof(b2));
	if (dp->s_pos.po_line > 0 || fts[worst].f_pos.po_line == 0)
		ini_report(ld, dp->s_pos, "default", "dbpurgeage", "\"%s\" is shorter than "
		    "findtime %s of [%s] (use at least %s)", dp->s_raw, b1,
		    ini_secname(cfg->c_jails[worst].j_name), b1);
	else
		ini_report(ld, fts[worst].f_pos, fts[worst].f_sect, "findtime", "\"%s\" is "
		    "longer than dbpurgeage %s, which would purge failures that still "
		    "count (set dbpurgeage = %s or more)", fts[worst].f_raw, b2, b1);
}

static void
validate(struct ini *ld, struct config *cfg)
{
	struct seen	*dsn = xcalloc(config_nkeys, sizeof(*dsn));
	struct ftsrc	*fts = NULL;
	struct jail	 dj;
	size_t		 i, nfts = 0, enabled = 0;

	memset(&dj, 0, sizeof(dj));
	load_default(ld, cfg, &dj, dsn);
	cfg->c_bantime = dj.j_bantime;
	for (i = 0; i < ld->i_nsect; i++) {
		if (strcmp(ld->i_sect[i].s_name, "default") == 0 || f2b_sect(ld, i))
			continue;
		fts = ini_grow(fts, nfts, sizeof(*fts));
		load_jail(ld, cfg, &dj, dsn, i, &fts[nfts++]);
		if (cfg->c_jails[cfg->c_njails - 1].j_enabled)
			enabled++;
	}
	check_purge(ld, cfg, dsn, fts);
	free(fts);
	free(dsn);
	if (cfg->c_njails == 0)
		ini_report(ld, NOPOS, NULL, NULL, "no filter section (add one, such as "
		    "[sendmail], with failregex = <pattern>)");
	else if (enabled == 0)
		ini_report(ld, NOPOS, NULL, NULL, "every filter section is disabled (set "
		    "enabled = true in one)");
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
char *
config_local_path(const char *path)
{
	size_t	n = strlen(path);

	if (n >= 5 && strcmp(path + n - 5, ".conf") == 0)
		n -= 5;
	return ini_fmt("%.*s.local", (int)n, path);
}

/* open_config, and a stream on the same descriptor. */
static int
config_open(const char *path, int missing_ok, FILE **fpp, int *fdp)
{
	int	rc;

	*fpp = NULL;
	*fdp = -1;
	if ((rc = open_config(path, missing_ok, fdp)) != 0)
		return rc;
	if ((*fpp = fdopen(*fdp, "r")) == NULL) {
		log_error("cannot read %s: %s", path, strerror(errno));
		close(*fdp);
		*fdp = -1;
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct config **out)
{
	struct ini	 ld;
	struct config	*cfg;
	FILE		*fp, *lfp = NULL;
	char		*lpath;
	size_t		 from;
	int		 fd, lfd = -1, rc;

	*out = NULL;
	if (config_open(path, 0, &fp, &fd) == -1)
		return -1;
	lpath = config_local_path(path);
	if ((rc = config_open(lpath, 1, &lfp, &lfd)) == -1) {
		fclose(fp);
		free(lpath);
		return -1;
	}
	if (rc == 1) {
		free(lpath);
		lpath = NULL;
	}
	/* The patterns' p_file point at the config's own copies. */
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->c_file = xstrdup(path);
	cfg->c_localfile = lpath;
	memset(&ld, 0, sizeof(ld));
	ld.i_file = cfg->c_file;
	ld.i_local = lpath;
	ld.i_strict = is_regex_key;
	rc = ini_read(&ld, fp, fd, 0);
	from = ld.i_nkey;
	if (rc == 0 && lfp != NULL)
		rc = ini_read(&ld, lfp, lfd, 1);
	if (rc == 0) {
		report_conts(&ld);
		ini_mark_overrides(&ld, from);
		validate(&ld, cfg);
	}
	fclose(fp);
	if (lfp != NULL)
		fclose(lfp);
	rc = ini_flush(&ld);
	ini_free(&ld);
	if (rc == -1) {
		config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

void
config_logpaths(struct config *cfg)
{
	const char	*p;
	size_t		 n;

	for (n = 0; n < cfg->c_nlogpaths; n++)
		free(cfg->c_logpaths[n]);
	free(cfg->c_logpaths);
	cfg->c_logpaths = NULL;
	cfg->c_nlogpaths = 0;
	for (p = cfg->c_logpath; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		cfg->c_logpaths = xreallocarray(cfg->c_logpaths, cfg->c_nlogpaths + 1,
		    sizeof(*cfg->c_logpaths));
		cfg->c_logpaths[cfg->c_nlogpaths++] = xstrndup(p, n);
	}
}

void
config_free(struct config *cfg)
{
	size_t	i, k;

	if (cfg == NULL)
		return;
	for (k = 0; k < cfg->c_nlogpaths; k++)
		free(cfg->c_logpaths[k]);
	free(cfg->c_logpaths);
	free(cfg->c_file);
	free(cfg->c_localfile);
	for (k = 0; k < config_nkeys; k++)
		if (config_keys[k].k_sect == KS_DEFAULT)
			key_free(&config_keys[k], cfg);
	for (i = 0; i < cfg->c_njails; i++) {
		struct jail	*j = &cfg->c_jails[i];

		free(j->j_name);
		for (k = 0; k < config_nkeys; k++)
			if (config_keys[k].k_sect != KS_DEFAULT)
				key_free(&config_keys[k], j);
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

/*
 * [DEFAULT]'s keys, then the filter sections, each in config_keys[] order.
 * maxretry, findtime and bantime appear in every section, as their
 * effective values.  ignoreip is the effective list: with ignoreself, it
 * includes the host's addresses.
 */
void
config_print(const struct config *cfg, FILE *fp)
{
	size_t	i, k;

	fprintf(fp, "[DEFAULT]\n");
	for (k = 0; k < config_nkeys; k++)
		if (config_keys[k].k_sect == KS_DEFAULT)
			key_print(fp, &config_keys[k], cfg);
	for (i = 0; i < cfg->c_njails; i++) {
		const struct jail	*j = &cfg->c_jails[i];

		fprintf(fp, "\n[%s]\n", j->j_name);
		for (k = 0; k < config_nkeys; k++)
			if (config_keys[k].k_sect != KS_DEFAULT)
				key_print(fp, &config_keys[k], j);
		for (k = 0; k < j->j_nfail; k++)
			config_print_kv(fp, j->j_fail[k].p_key, j->j_fail[k].p_text);
		for (k = 0; k < j->j_nignore; k++)
			config_print_kv(fp, j->j_ignore[k].p_key, j->j_ignore[k].p_text);
	}
}
