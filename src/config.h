/*
 * config.h -- the ini file (libiniparser), validated before anything runs.
 * config_load() reports EVERY problem, one line each, as
 *   mailban: FILE:LINE: [section] key: what is wrong (what to write instead)
 * and fails once at the end (exit 78 in main).  Unknown sections' keys,
 * unknown keys, bad numbers, durations, CIDRs and fail2ban-style indented
 * continuation lines are all errors.  Regexes are only collected here;
 * filter_compile() checks them (it reports with the same file/line/key).
 * Every key is a row of config_keys[] in config.c (name, sections, type,
 * default, field); ini.c reads the file, config_*.c share config_int.h.
 */
#ifndef MAILBAN_CONFIG_H
#define MAILBAN_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include "addr.h"

enum mode { MODE_NORMAL = 0, MODE_EXTRA = 1, MODE_AGGRESSIVE = 2 };

struct pattern {
	char	*p_key;		/* as written: "failregex.3", "failregex.extra.1" */
	int	 p_number;	/* N of the key; failregex alone is 1 */
	int	 p_minmode;	/* active when jail mode >= this (enum mode) */
	const char *p_file;	/* c_file or c_localfile (owned by the config) */
	int	 p_line;	/* line in p_file, for messages */
	char	*p_text;	/* the regex with tags, as written */
};

struct jail {
	char		*j_name;	/* section name, e.g. "sendmail-reject" */
	int		 j_enabled;
	int		 j_mode;	/* enum mode */
	long long	 j_maxretry;	/* 1..1000 */
	long long	 j_findtime;	/* seconds > 0 */
	long long	 j_bantime;	/* seconds > 0, or -1 = permanent */
	struct pattern	*j_fail;	/* failregex*, sorted by (minmode, number) */
	size_t		 j_nfail;
	struct pattern	*j_ignore;	/* ignoreregex* */
	size_t		 j_nignore;
	const char	*j_file;	/* file of j_line: c_file or c_localfile */
	int		 j_line;	/* line of the [section] header in j_file */
};

struct config {
	char		*c_file;	/* path of the main file as given */
	char		*c_logpath;	/* logpath as checked: paths and globs joined
					 * by one space, "journal" or "auto"
					 * [/var/log/mail.log] */
	char		**c_logpaths;	/* c_logpath split at the spaces
					 * (config_logpaths()) */
	size_t		 c_nlogpaths;
	char		*c_database;	/* /var/lib/mailban/mailban.db */
	char		*c_chain;	/* fail2ban-mail: [A-Za-z0-9_.-]{1,28} */
	char		*c_ports;	/* canonical "25" or "25,465,587" */
	size_t		 c_nports;	/* 1..15 (multiport limit) */
	char		*c_blocktype;	/* "REJECT --reject-with tcp-reset" */
	char		*c_blocktype6;	/* the same for ip6tables (icmp types differ);
					 * defaults to c_blocktype */
	char	       **c_daemons;	/* syslog tags whose lines are matched */
	size_t		 c_ndaemons;
	struct cidrlist	 c_ignoreip;
	char		*c_iptables_save, *c_iptables_restore;	/* absolute paths */
	char		*c_ip6tables_save, *c_ip6tables_restore;
	long long	 c_dbpurgeage;	/* seconds; failures older are purged */
	long long	 c_maxbans;	/* per family safety cap */
	struct jail	*c_jails;	/* every non-DEFAULT section, file order */
	size_t		 c_njails;

	/* Defaults in brackets. */
	int		 c_facility;	/* syslog_facility: LOG_DAEMON [daemon] or
					 * LOG_AUTHPRIV, LOG_MAIL, LOG_LOCAL0..7 */
	int		 c_ignoreself;	/* ignoreself [true]: the host's own
					 * interface addresses are never banned */
	int		 c_backend;	/* backend: BACKEND_CHAIN [chain] | BACKEND_IPSET
					 * | BACKEND_NFT */
	char		*c_ipset;	/* ipset [/usr/sbin/ipset] */
	int		 c_journal;	/* 1 when logpath = journal */
	int		 c_logauto;	/* 1 when logpath = auto (c_logpath "auto"
					 * until source_resolve()) */
	char		*c_journalmatch;	/* journalmatch [_SYSTEMD_UNIT=sendmail.service
					 * + SYSLOG_IDENTIFIER=sm-mta] */
	char		*c_journalctl;	/* journalctl [/usr/bin/journalctl] */
	/* bantime.* (repeat offenders); jails may override each */
	int		 c_inc;		/* bantime.increment [true] */
	long long	 c_inc_factor;	/* bantime.factor [1] */
	long long	*c_inc_mult;	/* bantime.multipliers [none]: "1 2 4 8" */
	size_t		 c_inc_nmult;
	long long	 c_inc_maxtime;	/* bantime.maxtime [5w] */
	long long	 c_inc_rndtime;	/* bantime.rndtime [0] */
	long long	 c_inc_window;	/* bantime.window [30d] */
	char		*c_localfile;	/* the .local file read after c_file, or NULL */
	long long	 c_bantime;	/* [DEFAULT] bantime (manual bans without --for) */
	char		*c_fleet;	/* fleet: a libpq conninfo, NULL = no fleet */
	char		*c_fleet_host;	/* fleet_host [the host name] */
};

#define BACKEND_CHAIN	0
#define BACKEND_IPSET	1
#define BACKEND_NFT	2

/* 0 and *out, or -1 after reporting every error.  Caller: config_free(). */
int	 config_load(const char *path, struct config **out);
void	 config_free(struct config *);	/* NULL is fine */
/*
 * c_logpaths/c_nlogpaths from c_logpath: config_load() calls it, and so
 * must whoever changes c_logpath (source_resolve() for logpath = auto).
 */
void	 config_logpaths(struct config *);
/* The wildcards of a logpath glob (fnmatch(3)), allowed in the file name only. */
#define PATH_GLOB	"*?["
/* Does the file name of path (its last component) hold a wildcard? */
int	 path_has_glob(const char *path);
/* The effective configuration as an ini text (mailban config). */
void	 config_print(const struct config *, FILE *);
/* Is key a failregex key: failregex[.N], failregex.extra.N, failregex.aggressive.N? */
int	 config_failkey(const char *key);

#endif
