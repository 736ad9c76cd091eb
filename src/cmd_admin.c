/*
 * cmd_admin.c -- the operator's commands: ban, unban, check, stop, start.
 *   ban, unban: one transaction under the run lock, committed before the
 *   firewall step; then both chains are reconciled at once (apply_bans).
 *   An admin command waits for a cron run that holds the lock (up to
 *   LOCK_WAIT_S) instead of leaving quietly as an overlapping run does:
 *   it must never silently do nothing.  Each change is one line in
 *   syslog (log_event); success prints nothing.
 *   check: compares the live state of the backend in use (chain, ipset or nft)
 *   with the bans in force and prints one line per difference of the plan
 *   (firewall_plan_live); it changes nothing and takes no lock.
 *   stop: records a pause (meta "paused" = now), then removes the INPUT
 *   jumps and the chains of both families; the bans stay in the database
 *   and runs go on recording failures and bans, but apply nothing until
 *   start, which ends the pause and puts the chains back at once.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "apply.h"
#include "bans.h"
#include "cmd.h"
#include "firewall.h"
#include "log.h"
#include "nft.h"
#include "store.h"
#include "util.h"

#define MANUAL_JAIL	"manual"	/* the jail of every manual ban */
#define LOCK_WAIT_S	30	/* wait for a cron run before giving up */

/* ADDR or NET/N of the command line; a usage error for a name or
 * garbage. */
static int
parse_arg_addr(const char *cmd, const char *arg, struct addr *a)
{
	if (addr_parse_net(arg, strlen(arg), a) == 0)
		return 0;
	log_error("%s: \"%s\" is %s", cmd, arg, addr_why_not(arg));
	return -1;
}

static const char *
cidr_text(const struct cidr *c, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];
	int	n;

	n = snprintf(buf, len, "%s/%d", addr_str(&c->c_net, a, sizeof(a)), c->c_prefix);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

/*
 * The ban in force of a network that holds a (an address), for the
 * advice of an unban that lifted nothing: 1 (net set), 0 none, -1.
 */
static int
inside_net(struct store *st, const struct addr *a, int64_t now, char net[ADDR_STRLEN])
{
	struct banrow	*rows = NULL;
	struct addr	 b;
	size_t		 nrows = 0, i;
	int		 found = 0;

	if (a->a_prefix != 0)
		return 0;
	if (bans_active(st, now, &rows, &nrows) == -1)
		return -1;
	for (i = 0; i < nrows && !found; i++)
		if (addr_parse_net(rows[i].b_addr, strlen(rows[i].b_addr), &b) == 0 &&
		    b.a_prefix != 0 && addr_overlap(&b, a)) {
			memcpy(net, rows[i].b_addr, ADDR_STRLEN);
			found = 1;
		}
	store_banrows_free(rows, nrows);
	return found;
}

/* The time (--now, else the clock), the config, its syslog facility;
 * EXIT_OK or EXIT_CONFIG. */
static int
load(const struct cmdopts *o, int syslog_on, int64_t *now, struct config **cfg)
{
	if ((*now = o->co_now) == -1)
		*now = time(NULL);
	if (config_load(o->co_config, cfg) == -1)
		return EXIT_CONFIG;
	log_facility((*cfg)->c_facility);
	if (syslog_on)
		log_syslog(1);
	return EXIT_OK;
}

int
cmd_ban(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "for", required_argument, NULL, 'F' },
		{ "reason", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "ban", .co_flags = CMDOPT_NOW,
	    .co_long = opts, .co_help = "usage: mailban ban ADDR[/N] [-c FILE] "
	    "[--for DURATION] [--reason TEXT] [--force] [--now TIME]\n" };
	const char		*reason = NULL, *why, *p;
	const struct cidr	*ign;
	struct config		*cfg = NULL;
	struct store		*st = NULL;
	struct addr		 a;
	char			 s[ADDR_STRLEN], t[32], c[64];
	long long		 dur = 0;
	int64_t			 now, end, added, removed;
	int			 ch, force = 0, lockfd = -1, intx = 0, rc;

	while ((ch = cmd_getopt(&o, argc, argv)) != -1) {
		switch (ch) {
		case 'F':
			if ((why = parse_duration(optarg, 1, &dur)) != NULL)
				return cmd_usage("ban", "--for \"%s\": %s (use a duration "
				    "such as 1h, 2d, 1w, or -1 for permanent)", optarg, why);
			break;
		case 'r':
			for (p = optarg; *p != '\0'; p++)
				if (iscntrl((unsigned char)*p))
					return cmd_usage("ban", "--reason: one line of text, "
					    "without control characters");
			if (strlen(optarg) > BAN_REASON_MAX)
				return cmd_usage("ban", "--reason: at most %d characters",
				    BAN_REASON_MAX);
			reason = optarg;
			break;
		case 'f': force = 1; break;
		default:
			return o.co_rc;
		}
	}
	if (optind == argc)
		return cmd_usage("ban", "missing address");
	if (optind + 1 != argc)
		return cmd_usage("ban", "unexpected argument \"%s\"", argv[optind + 1]);
	if (parse_arg_addr("ban", argv[optind], &a) == -1)
		return EXIT_USAGE;
	addr_str(&a, s, sizeof(s));
	if ((rc = load(&o, 1, &now, &cfg)) != EXIT_OK)
		return rc;
	rc = EXIT_RUNTIME;
	/* A network is refused when any address of it is ignored. */
	if ((ign = cidrlist_overlap(&cfg->c_ignoreip, &a)) != NULL && !force) {
		log_error("ban: %s %s ignoreip (%s); not banned (use --force to ban "
		    "it anyway)", s, a.a_prefix != 0 ? "overlaps" : "is in",
		    cidr_text(ign, c, sizeof(c)));
		goto out;
	}
	if (dur == 0)
		dur = cfg->c_bantime;	/* the [DEFAULT] bantime */
	end = dur == -1 || dur > INT64_MAX - now ? TIME_FOREVER : now + dur;
	if (cmd_open_store(cfg, LOCK_WAIT_S, &lockfd, &st) == -1 ||
	    store_begin(st) == -1)
		goto out;
	intx = 1;
	if (store_ban_manual(st, MANUAL_JAIL, s, now, end, reason, NULL) == -1 ||
	    store_commit(st) == -1)
		goto out;
	intx = 0;
	log_event("ban %s (%s) %s%s%s%s%s%s", s, MANUAL_JAIL,
	    end == TIME_FOREVER ? "permanently" : "until ",
	    end == TIME_FOREVER ? "" : fmt_time_utc(end, t, sizeof(t)),
	    ign != NULL ? ", forced past ignoreip " : "",
	    ign != NULL ? cidr_text(ign, c, sizeof(c)) : "",
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	if (apply_bans(cfg, st, now, NULL, &added, &removed, NULL) == -1)
		goto out;
	rc = EXIT_OK;
out:
	if (intx)
		store_rollback(st);
	cmd_close(st, lockfd, cfg);
	return rc;
}

int
cmd_unban(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts	 o = { .co_cmd = "unban", .co_flags = CMDOPT_NOW,
	    .co_long = opts,
	    .co_help = "usage: mailban unban ADDR[/N]|--all [-c FILE] [--now TIME]\n" };
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	struct addr	 a;
	char		 s[ADDR_STRLEN], net[ADDR_STRLEN];
	int64_t		 now, n, added, removed;
	int		 ch, all = 0, lockfd = -1, intx = 0, rc;

	while ((ch = cmd_getopt(&o, argc, argv)) != -1) {
		switch (ch) {
		case 'a': all = 1; break;
		default:
			return o.co_rc;
		}
	}
	if (all && optind != argc)
		return cmd_usage("unban", "give an address or --all, not both");
	if (!all && optind == argc)
		return cmd_usage("unban", "missing address (or --all)");
	if (!all && optind + 1 != argc)
		return cmd_usage("unban", "unexpected argument \"%s\"", argv[optind + 1]);
	if (!all) {
		if (parse_arg_addr("unban", argv[optind], &a) == -1)
			return EXIT_USAGE;
		addr_str(&a, s, sizeof(s));
	}
	if ((rc = load(&o, 1, &now, &cfg)) != EXIT_OK)
		return rc;
	rc = EXIT_RUNTIME;
	if (cmd_open_store(cfg, LOCK_WAIT_S, &lockfd, &st) == -1 ||
	    store_begin(st) == -1)
		goto out;
	intx = 1;
	if (bans_unban(st, all ? NULL : s, now, &n) == -1 || store_commit(st) == -1)
		goto out;
	intx = 0;
	if (n > 0)
		log_event("unban %s (%lld %s lifted)", all ? "of every address" : s,
		    (long long)n, n == 1 ? "ban" : "bans");
	/* Applied even when nothing was lifted: the chains heal all the same. */
	if (apply_bans(cfg, st, now, NULL, &added, &removed, NULL) == -1)
		goto out;
	if (!all && n == 0) {
		if (inside_net(st, &a, now, net) == 1)
			log_error("unban: %s has no ban of its own; it is in the ban "
			    "of %s (mailban unban %s lifts that)", s, net, net);
		else
			log_error("unban: %s has no ban in force", s);
		goto out;
	}
	rc = EXIT_OK;
out:
	if (intx)
		store_rollback(st);
	cmd_close(st, lockfd, cfg);
	return rc;
}

/* One line per difference the plan of the backend in use would repair. */
static size_t
report_plan(const struct config *cfg, int family, const struct fwplan *p)
{
	char	line[1024];
	size_t	i;

	for (i = 0; i < p->fp_ndiff; i++)
		printf("%s: %s\n", family == AF_INET ? "iptables" :
		    family == AF_INET6 ? "ip6tables" : "nft",
		    firewall_diff_text(cfg, family, &p->fp_diff[i], line, sizeof(line)));
	return p->fp_ndiff;
}

int
cmd_check(int argc, char **argv)
{
	struct cmdopts	 o = { .co_cmd = "check", .co_flags = CMDOPT_NOW | CMDOPT_NOARGS,
	    .co_help = "usage: mailban check [-c FILE] [--now TIME]\n" };
	static const int families[] = { AF_INET, AF_INET6 };
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	struct banrow	*rows = NULL;
	struct addr	*want = NULL;
	int64_t		*ends = NULL;
	struct fwplan	 plan;
	struct stat	 sb;
	size_t		 nrows = 0, nwant = 0, ndiff = 0, i;
	int64_t		 now;
	int		 rc, failed = 0;

	while (cmd_getopt(&o, argc, argv) != -1)
		return o.co_rc;
	if ((rc = load(&o, 0, &now, &cfg)) != EXIT_OK)
		return rc;
	rc = EXIT_RUNTIME;
	/* No database yet: no ban, but the chains and jumps must exist. */
	if (stat(cfg->c_database, &sb) == 0 &&
	    (store_open(cfg->c_database, STORE_RDONLY, &st) == -1 ||
	    bans_active(st, now, &rows, &nrows) == -1))
		goto out;
	want = bans_wanted(cfg, rows, nrows, &nwant, &ends);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (firewall_plan_live(cfg, families[i], want, nwant, &plan) == -1)
			failed = 1;
		else
			ndiff += report_plan(cfg, families[i], &plan);
		firewall_plan_free(&plan);
	}
	if (nft_plan_live(cfg, want, ends, nwant, now, &plan) == -1)
		failed = 1;
	else
		ndiff += report_plan(cfg, 0, &plan);
	firewall_plan_free(&plan);
	if (fflush(stdout) == EOF) {
		log_error("check: cannot write the report: %s", strerror(errno));
		goto out;
	}
	if (!failed && ndiff == 0)
		rc = EXIT_OK;
out:
	free(want);
	free(ends);
	store_banrows_free(rows, nrows);
	cmd_close(st, -1, cfg);
	return rc;
}

/* Meta "paused": the now of the first stop, or "" once started again. */
static int
set_paused(struct store *st, int64_t now, int on)
{
	char	buf[32], *v = NULL;
	int	r;

	if (on && (r = store_meta_get(st, "paused", &v)) != 0) {
		r = r == 1 && v[0] != '\0' ? 0 : r;	/* paused already: since then */
		free(v);
		if (r != 1)
			return r;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)now);
	if (store_meta_put(st, "paused", on ? buf : "") == -1)
		return -1;
	/* After a start, what is put back is no heal (apply_bans). */
	return on ? store_meta_put(st, "fw_applied", "") : 0;
}

/*
 * The start of stop and start: no operand, the shared options only; the
 * config, then the run lock and the store.  0 with all held, or -1 and
 * *rc the exit code (-h included; what was opened is for cmd_close()).
 */
static int
pause_open(const char *cmd, const char *help, int argc, char **argv, int64_t *now,
    struct config **cfg, int *lockfd, struct store **st, int *rc)
{
	struct cmdopts	 o = { .co_cmd = cmd, .co_flags = CMDOPT_NOW | CMDOPT_NOARGS,
	    .co_help = help };

	while (cmd_getopt(&o, argc, argv) != -1) {
		*rc = o.co_rc;
		return -1;
	}
	if ((*rc = load(&o, 1, now, cfg)) != EXIT_OK)
		return -1;
	*rc = EXIT_RUNTIME;
	return cmd_open_store(*cfg, LOCK_WAIT_S, lockfd, st);
}

int
cmd_stop(int argc, char **argv)
{
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	int64_t		 now;
	int		 rc, lockfd = -1, fw4, fw6, fwn;

	/*
	 * Under the lock, so that a run in progress does not put a rule back;
	 * the pause is recorded first, so that no later run does either.
	 */
	if (pause_open("stop", "usage: mailban stop [-c FILE] [--now TIME]\n", argc, argv,
	    &now, &cfg, &lockfd, &st, &rc) == -1)
		goto out;
	if (set_paused(st, now, 1) == -1)
		goto out;
	fw4 = firewall_stop(cfg, AF_INET);
	fw6 = firewall_stop(cfg, AF_INET6);
	if ((fwn = nft_stop(cfg)) == 1)
		log_event("stop: table inet %s removed; the bans stay in the "
		    "database; paused until mailban start", cfg->c_chain);
	/* With backend = nft, what the chain backends left went too, if any. */
	if (cfg->c_backend != BACKEND_NFT && (fw4 == 0 || fw6 == 0))
		log_event("stop: chain %s and its jumps removed from %s; the bans stay "
		    "in the database; paused until mailban start", cfg->c_chain,
		    fw4 == -1 ? "ip6tables" : fw6 == -1 ? "iptables" :
		    "iptables and ip6tables");
	if (fw4 == 0 && fw6 == 0 && fwn != -1)
		rc = EXIT_OK;
out:
	cmd_close(st, lockfd, cfg);
	return rc;
}

/* mailban start: the end of a pause; the chains are put back at once. */
int
cmd_start(int argc, char **argv)
{
	struct config	*cfg = NULL;
	struct store	*st = NULL;
	char		*v = NULL;
	int64_t		 now, added, removed;
	size_t		 nactive = 0;
	int		 rc, r, lockfd = -1;

	if (pause_open("start", "usage: mailban start [-c FILE] [--now TIME]\n", argc, argv,
	    &now, &cfg, &lockfd, &st, &rc) == -1)
		goto out;
	if ((r = store_meta_get(st, "paused", &v)) == -1 ||
	    set_paused(st, now, 0) == -1)
		goto out;
	if (apply_bans(cfg, st, now, NULL, &added, &removed, &nactive) == -1)
		goto out;
	if (r == 1 && v[0] != '\0')
		log_event("start: resumed; %zu %s applied to chain %s", nactive,
		    nactive == 1 ? "ban" : "bans", cfg->c_chain);
	rc = EXIT_OK;
out:
	free(v);
	cmd_close(st, lockfd, cfg);
	return rc;
}
