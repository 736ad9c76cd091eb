/*
 * firewall.c -- make the live chain of each family equal the wanted bans:
 * the executor.  It runs the save tools, hands their text to the pure
 * planners (fwplan.c: backend = chain; fwplan_ipset.c: backend = ipset and
 * stop) and runs the restore scripts of the plan: the ipset one first (the
 * set rule needs the set), then `*-restore -w --noflush`, then the set's
 * removal.  Nothing changes -> nothing runs.
 *
 * Invariants:
 *  - children are run with execve() of an absolute configured path, a fixed
 *    argv and environment, and no other inherited descriptor; never a shell;
 *  - every failure is reported once, naming the tool and what was left.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "firewall_int.h"
#include "log.h"
#include "nft.h"
#include "proc.h"
#include "util.h"

#define OUTPUT_MAX	(256UL * 1024 * 1024)	/* bound on a save output */
#define RUN_TIMEOUT	120		/* seconds before a child is killed */
#define UNCHANGED	"chain left unchanged"

/*
 * Run argv[0] (name is what messages call it) with in[0..inlen) on its
 * stdin (in NULL: none); its stdout goes to *out when out is not NULL.
 * Reports any failure once (proc.h): could not start, exit status != 0
 * (with the first stderr line), signal, timeout; tail says what the
 * failure leaves undone.
 */
static int	run_status(const char *, const char *, char *const [], const char *,
		    size_t, char **, size_t *, int *);

static int
fw_run(const char *name, const char *tail, char *const argv[], const char *in,
    size_t inlen, char **out, size_t *outlen)
{
	return run_status(name, tail, argv, in, inlen, out, outlen, NULL);
}

/*
 * As run(); with exited != NULL, an exit status other than 0 is not
 * reported: it goes to *exited, and the return is 1.
 */
static int
run_status(const char *name, const char *tail, char *const argv[], const char *in,
    size_t inlen, char **out, size_t *outlen, int *exited)
{
	struct proc	p;
	int		rc;

	memset(&p, 0, sizeof(p));
	p.p_name = name;
	p.p_tail = tail;
	p.p_argv = argv;
	p.p_in = in;
	p.p_inlen = inlen;
	p.p_outmax = OUTPUT_MAX;
	p.p_timeout = RUN_TIMEOUT;
	p.p_quietexit = exited != NULL;
	if ((rc = proc_run(&p)) == 0 && out != NULL) {
		*out = p.p_out;
		*outlen = p.p_outlen;
		p.p_out = NULL;
	}
	if (rc == -2) {
		*exited = p.p_status;
		rc = 1;
	}
	free(p.p_out);
	return rc;
}

int
firewall_save(const struct config *cfg, int family, char **out, size_t *len)
{
	char	*argv[] = { NULL, "-t", "filter", NULL };

	*out = NULL;
	*len = 0;
	if (family != AF_INET && family != AF_INET6)
		return log_error("firewall: internal error: address family %d", family);
	argv[0] = family == AF_INET6 ? cfg->c_ip6tables_save : cfg->c_iptables_save;
	return fw_run(family == AF_INET6 ? "ip6tables-save" : "iptables-save",
	    UNCHANGED, argv, NULL, 0, out, len);
}

int
firewall_restore(const struct config *cfg, int family, const char *script, size_t len)
{
	char	*argv[] = { NULL, "-w", "--noflush", NULL };

	if (family != AF_INET && family != AF_INET6)
		return log_error("firewall: internal error: address family %d", family);
	argv[0] = family == AF_INET6 ? cfg->c_ip6tables_restore : cfg->c_iptables_restore;
	return fw_run(family == AF_INET6 ? "ip6tables-restore" : "iptables-restore",
	    UNCHANGED, argv, script, len, NULL, NULL);
}

/*
 * Is the blocktype accepted?  `restore -w --test` of a one-rule script in
 * a scratch chain (--test changes nothing): 0, or -1 reported with the
 * tool's first stderr line.
 */
int
firewall_test_blocktype(const struct config *cfg, int family)
{
	char		*argv[] = { NULL, "-w", "--test", NULL };
	const char	*bt;
	char		 tail[512];
	struct buf	 b;
	int		 rc;

	if (fw_check_config(cfg, family, &bt) == -1)
		return -1;
	memset(&b, 0, sizeof(b));
	fw_buf_adds(&b, "*filter\n:mailban-test - [0:0]\n-A mailban-test -p tcp -j ");
	fw_buf_adds(&b, bt);
	fw_buf_adds(&b, "\nCOMMIT\n");
	snprintf(tail, sizeof(tail), "%s \"%s\" is refused (fix %s)",
	    family == AF_INET6 && cfg->c_blocktype6 != NULL ? "blocktype6" : "blocktype",
	    bt, family == AF_INET6 && cfg->c_blocktype6 != NULL ? "blocktype6" : "blocktype");
	argv[0] = family == AF_INET6 ? cfg->c_ip6tables_restore : cfg->c_iptables_restore;
	rc = fw_run(family == AF_INET6 ? "ip6tables-restore --test" :
	    "iptables-restore --test", tail, argv, b.b, b.len, NULL, NULL);
	free(b.b);
	return rc;
}

int
firewall_ipset_save(const struct config *cfg, char **out, size_t *len)
{
	char	*argv[] = { cfg->c_ipset, "save", NULL };

	*out = NULL;
	*len = 0;
	return fw_run("ipset save", UNCHANGED, argv, NULL, 0, out, len);
}

/*
 * `ipset save SET`: what the plan of one family reads, a tenth to a half
 * of `ipset save` with 10,000 bans.  ipset exits 1 when SET does not exist
 * (and for other failures): then all of `ipset save`, which has no such
 * case and reports a real failure.
 */
static int
ipset_save_set(const struct config *cfg, char *set, char **out, size_t *len)
{
	char	*argv[] = { cfg->c_ipset, "save", NULL, NULL };
	int	 st = 0, r;

	*out = NULL;
	*len = 0;
	argv[2] = set;
	if ((r = run_status("ipset save", UNCHANGED, argv, NULL, 0, out, len, &st)) != 1)
		return r;
	return firewall_ipset_save(cfg, out, len);
}

int
firewall_ipset_restore(const struct config *cfg, const char *script, size_t len)
{
	char	*argv[] = { cfg->c_ipset, "restore", "-exist", NULL };

	return fw_run("ipset restore", "the set may be partly updated, the chain is "
	    "left unchanged (the next run completes it)", argv, script, len, NULL,
	    NULL);
}

static int
dry_print(FILE *dry, const char *what, const char *s, size_t len)
{
	if (s == NULL)
		return 0;
	if (fprintf(dry, "# %s\n", what) < 0 || fwrite(s, 1, len, dry) != len ||
	    fflush(dry) == EOF)
		return log_error("cannot write the %s script: %s", what,
		    strerror(errno));
	return 0;
}

/* The set the chain no longer uses: its destroy failing is not fatal to
 * the chain, but it is reported (the next run will not try again). */
static int
apply_post(const struct config *cfg, int family, const struct fwplan *p)
{
	char	set[SETNAME_MAX + 1], tail[160];
	char	*argv[] = { cfg->c_ipset, "restore", "-exist", NULL };

	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	snprintf(tail, sizeof(tail), "set %s kept (the chain no longer uses it; "
	    "ipset destroy %s once nothing else does)", set, set);
	return fw_run("ipset restore", tail, argv, p->fp_setpost, p->fp_setpostlen,
	    NULL, NULL);
}

/* ipset first (the set rule needs the set), then the chain, then the
 * set's removal (a set in use cannot be destroyed). */
static int
apply(const struct config *cfg, int family, const struct fwplan *p, FILE *dry)
{
	char	what[32];

	if (dry != NULL) {
		snprintf(what, sizeof(what), "%s-restore --noflush", fw_tool(family));
		return dry_print(dry, "ipset restore -exist", p->fp_setpre,
		    p->fp_setprelen) == -1 ||
		    dry_print(dry, what, p->fp_script, p->fp_len) == -1 ||
		    dry_print(dry, "ipset restore -exist", p->fp_setpost,
		    p->fp_setpostlen) == -1 ? -1 : 0;
	}
	if (p->fp_setpre != NULL &&
	    firewall_ipset_restore(cfg, p->fp_setpre, p->fp_setprelen) == -1)
		return -1;
	if (p->fp_script != NULL &&
	    firewall_restore(cfg, family, p->fp_script, p->fp_len) == -1)
		return -1;
	if (p->fp_setpost != NULL && apply_post(cfg, family, p) == -1)
		return -1;
	return 0;
}

const char *
firewall_diff_text(const struct config *cfg, int family, const struct fwdiff *d,
    char *buf, size_t len)
{
	const char	*ch = cfg->c_chain;
	char		 a[ADDR_STRLEN], set[SETNAME_MAX + 1], rule[512];
	int		 n = -1;

	addr_str(&d->d_addr, a, sizeof(a));
	if (firewall_setname(cfg, family, set, sizeof(set)) == NULL)
		set[0] = '\0';
	fw_excerpt(d->d_rule != NULL ? d->d_rule : "", d->d_rule != NULL ?
	    strlen(d->d_rule) : 0, rule, sizeof(rule));
	switch (d->d_kind) {
	case FWD_NOCHAIN:
		n = snprintf(buf, len, "chain %s is missing", ch);
		break;
	case FWD_NOJUMP:
		n = snprintf(buf, len, "the jump from INPUT to %s is missing", ch);
		break;
	case FWD_STALEJUMP:
		n = snprintf(buf, len, "a stale jump from %s to %s: %s",
		    d->d_chain != NULL ? d->d_chain : "INPUT", ch, rule);
		break;
	case FWD_MISSING:
		n = snprintf(buf, len, "%s is banned but has no rule", a);
		break;
	case FWD_NOTBANNED:
		n = snprintf(buf, len, "%s has a rule but is not banned", a);
		break;
	case FWD_UNEXPECTED:
		n = snprintf(buf, len, "%s has an unexpected rule: %s", a, rule);
		break;
	case FWD_NOBAN:
		n = snprintf(buf, len, "a rule in %s that is no ban: %s", ch, rule);
		break;
	case FWD_NOSET:
		n = snprintf(buf, len, "set %s is missing", set);
		break;
	case FWD_SETMISSING:
		n = snprintf(buf, len, "%s is banned but not in set %s", a, set);
		break;
	case FWD_SETNOTBANNED:
		n = snprintf(buf, len, "%s is in set %s but is not banned", a, set);
		break;
	case FWD_MAXELEM:
		n = snprintf(buf, len, "set %s has a maxelem other than %lld "
		    "(maxbans)", set, cfg->c_maxbans > 0 ? cfg->c_maxbans :
		    (long long)MAXELEM_DEFAULT);
		break;
	case FWD_NOSETRULE:
		n = snprintf(buf, len, "the rule for set %s is missing from %s",
		    set, ch);
		break;
	case FWD_OLDCHAIN:
		n = snprintf(buf, len, "chain %s is left from backend = chain or "
		    "ipset", ch);
		break;
	default:
		return nft_diff_text(cfg, d, buf, len);
	}
	if (n < 0)
		snprintf(buf, len, "internal error: difference of kind %d", d->d_kind);
	return buf;
}

/*
 * backend = nft: the stop plan's differences become one FWD_OLDCHAIN,
 * followed by the rules mailban never writes (reported when removed).
 */
static void
old_chain(struct fwplan *p)
{
	struct fwplan	 q;
	size_t		 i;

	memset(&q, 0, sizeof(q));
	fw_diff_add(&q, FWD_OLDCHAIN, NULL, NULL);
	for (i = 0; i < p->fp_ndiff; i++) {
		if (p->fp_diff[i].d_foreign) {
			fw_diff_add(&q, p->fp_diff[i].d_kind, &p->fp_diff[i].d_addr, NULL);
			q.fp_diff[q.fp_ndiff - 1].d_foreign = 1;
			q.fp_diff[q.fp_ndiff - 1].d_rule = p->fp_diff[i].d_rule;
			q.fp_diff[q.fp_ndiff - 1].d_chain = p->fp_diff[i].d_chain;
		} else {
			free(p->fp_diff[i].d_rule);
			free(p->fp_diff[i].d_chain);
		}
	}
	free(p->fp_diff);
	p->fp_diff = q.fp_diff;
	p->fp_ndiff = q.fp_ndiff;
}

/*
 * backend = nft beside native nft rules in table ip filter: iptables-save
 * cannot print that table, so iptables cannot have a chain of mailban's
 * left in it to remove; it is no concern of the nft backend (quiet).
 */
static int
save_incompatible(const char *save, size_t len)
{
	static const char	pre[] = "# Table `filter' is incompatible";
	const char		*p = save, *end = save + len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= sizeof(pre) - 1 &&
		    memcmp(p, pre, sizeof(pre) - 1) == 0)
			return 1;
		p = nl < end ? nl + 1 : end;
	}
	return 0;
}

/* backend = nft on a host without iptables: nothing of it to remove. */
static int
installed(const struct config *cfg, int family)
{
	return access(family == AF_INET6 ? cfg->c_ip6tables_save :
	    cfg->c_iptables_save, X_OK) == 0;
}

int
firewall_plan_live(const struct config *cfg, int family, const struct addr *want,
    size_t nwant, struct fwplan *plan)
{
	char	*save = NULL, *setsave = NULL, set[SETNAME_MAX + 1];
	size_t	 savelen, setsavelen = 0;
	int	 rc = -1;

	memset(plan, 0, sizeof(*plan));
	if (cfg->c_backend == BACKEND_NFT && !installed(cfg, family))
		return 0;
	if (firewall_save(cfg, family, &save, &savelen) == -1)
		goto out;
	if (cfg->c_backend == BACKEND_NFT) {
		/* What backend = chain or ipset left goes. */
		if (save_incompatible(save, savelen)) {
			rc = 0;
			goto out;
		}
		if (firewall_plan_stop(cfg, family, save, savelen, plan) == -1)
			goto out;
		if (plan->fp_script != NULL || plan->fp_setpost != NULL)
			old_chain(plan);
	} else if (cfg->c_backend == BACKEND_IPSET) {
		/* A set name too long: firewall_plan_ipset() says so. */
		if (firewall_setname(cfg, family, set, sizeof(set)) != NULL &&
		    ipset_save_set(cfg, set, &setsave, &setsavelen) == -1)
			goto out;
		if (firewall_plan_ipset(cfg, family, save, savelen, setsave,
		    setsavelen, want, nwant, plan) == -1)
			goto out;
	} else if (firewall_plan(cfg, family, save, savelen, want, nwant, plan) == -1)
		goto out;
	rc = 0;
out:
	free(save);
	free(setsave);
	return rc;
}

/* Once a plan is applied: one line per foreign rule it removed. */
static void
report_foreign(int family, const struct fwplan *p)
{
	char	rule[512];
	size_t	i;

	for (i = 0; i < p->fp_ndiff; i++) {
		if (!p->fp_diff[i].d_foreign || p->fp_diff[i].d_rule == NULL)
			continue;
		fw_excerpt(p->fp_diff[i].d_rule, strlen(p->fp_diff[i].d_rule), rule,
		    sizeof(rule));
		log_warnx("%s: removed a rule that is not mailban's from %s: %s",
		    fw_tool(family), p->fp_diff[i].d_chain, rule);
	}
}

int
firewall_sync(const struct config *cfg, int family, const struct addr *want,
    size_t nwant, FILE *dry, struct fwplan *plan)
{
	struct fwplan	 p;
	int		 rc = -1;

	if (plan != NULL)
		memset(plan, 0, sizeof(*plan));
	if (firewall_plan_live(cfg, family, want, nwant, &p) == -1 ||
	    apply(cfg, family, &p, dry) == -1)
		goto out;
	if (dry == NULL)
		report_foreign(family, &p);
	rc = 0;
out:
	if (plan != NULL && rc == 0)
		*plan = p;
	else
		firewall_plan_free(&p);
	return rc;
}

int
firewall_stop(const struct config *cfg, int family)
{
	struct fwplan	 p;
	char		*save = NULL;
	size_t		 savelen;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	if (cfg->c_backend == BACKEND_NFT && !installed(cfg, family))
		return 0;
	if (firewall_save(cfg, family, &save, &savelen) == -1)
		goto out;
	if (cfg->c_backend == BACKEND_NFT && save_incompatible(save, savelen)) {
		rc = 0;
		goto out;
	}
	if (firewall_plan_stop(cfg, family, save, savelen, &p) == -1 ||
	    apply(cfg, family, &p, NULL) == -1)
		goto out;
	rc = 0;
out:
	free(save);
	firewall_plan_free(&p);
	return rc;
}
