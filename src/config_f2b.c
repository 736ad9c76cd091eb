/*
 * config_f2b.c -- what a key, value or section most likely meant: the
 * fail2ban keys, log backends, sections and %(name)s interpolation that
 * mailban does its own way (each with what to do instead), and "did you
 * mean" for typos of keys and section names.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

/*
 * fail2ban's jail keys that mailban does its own way, and what it does
 * instead.  A key ending in '_' stands for every key it begins
 * (action_mw, action_mwl, ...).
 */
#define F2B_ACTION	"mailban has no actions; it bans through its own chain, ipset or nft " \
			"and reports to syslog and to stderr, which cron mails, with no " \
			"e-mail action (remove it)"
#define F2B_BANACTION	"mailban bans through its own chain, ipset or nft (remove it; " \
			"choose with backend = chain, ipset or nft in [DEFAULT])"
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
const char *
config_suggest(const char *key, int indefault, char *best, size_t len)
{
	const char	*dot;
	char		 stem[64];
	int		 bestd = INT_MAX;
	size_t		 k;

	for (k = 0; k < config_nkeys; k++)
		if ((config_keys[k].k_sect & (indefault ? KS_DEFAULT : KS_JAIL)) != 0)
			consider(key, config_keys[k].k_name, NULL, best, len, &bestd);
	if (indefault)
		return bestd == INT_MAX ? NULL : best;
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
const char *
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
int
chk_interpolation(struct ini *ld, const struct kv *kv, const char *example)
{
	char	what[128];

	if (!interpolation(kv->k_val, what, sizeof(what)))
		return 0;
	if (is_regex_key(kv->k_key))
		config_kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (drop it: patterns are matched after \"sm-mta[pid]: \" "
		    "and the queue id, where fail2ban's start after __prefix_line)", what);
	else if (example != NULL && *example != '\0')
		config_kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (write the value itself, such as %s)", what, example);
	else
		config_kvreport(ld, kv, "\"%s\" is fail2ban interpolation, which mailban does "
		    "not expand (write the value itself)", what);
	return -1;
}

/* A value of a key that means something else in fail2ban (backend = a
 * fail2ban log backend): 1 after a report, else 0. */
int
chk_f2b_value(struct ini *ld, const struct kv *kv)
{
	size_t	i;

	if (strcmp(kv->k_key, "backend") != 0)
		return 0;
	for (i = 0; i < sizeof(f2bbackends) / sizeof(f2bbackends[0]); i++)
		if (strcasecmp(kv->k_val, f2bbackends[i]) == 0)
			break;
	if (i == sizeof(f2bbackends) / sizeof(f2bbackends[0]))
		return 0;
	if (strcasecmp(kv->k_val, "systemd") == 0)
		config_kvreport(ld, kv, "\"%s\" is fail2ban's journal backend (to read the "
		    "journal, write logpath = journal; mailban's backend is its "
		    "firewall: chain, ipset or nft)", kv->k_val);
	else
		config_kvreport(ld, kv, "\"%s\" is a fail2ban log backend (remove it: mailban "
		    "follows logpath itself; its backend is its firewall: chain, "
		    "ipset or nft, in [DEFAULT])", kv->k_val);
	return 1;
}

/*
 * The section a section without failregex was most likely meant to be:
 * DEFAULT, a shipped filter, or a section of the config with a failregex
 * (a typo in mailban.local's [sendmail-reject] makes a new section).
 */
const char *
config_suggest_sect(const struct ini *ld, size_t si, char *best, size_t len)
{
	const char	*name = ld->i_sect[si].s_name, *cand;
	int		 bestd = INT_MAX;
	size_t		 i, k, n = sizeof(shipped_sects) / sizeof(shipped_sects[0]);

	for (i = 0; i < ld->i_nkey + n + 1; i++) {
		if (i < ld->i_nkey) {
			const struct ini_key	*e = &ld->i_key[i];

			if (e->e_sect == si || strncmp(e->e_key, "failregex", 9) != 0)
				continue;
			cand = ld->i_sect[e->e_sect].s_name;
		} else if ((k = i - ld->i_nkey) < n)
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

/* A section of fail2ban's files that is no jail: 1 after a report. */
int
f2b_sect(struct ini *ld, size_t si)
{
	const struct ini_sect	*s = &ld->i_sect[si];
	char			*lpath;
	size_t			 i;

	for (i = 0; i < sizeof(f2bsects) / sizeof(f2bsects[0]); i++)
		if (strcmp(s->s_name, f2bsects[i].fs_name) == 0)
			break;
	if (i == sizeof(f2bsects) / sizeof(f2bsects[0]))
		return 0;
	lpath = config_local_path(ld->i_file);
	ini_report(ld, s->s_pos, s->s_name, NULL, f2bsects[i].fs_why, lpath);
	free(lpath);
	return 1;
}
