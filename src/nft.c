/*
 * nft.c -- backend = nft: make the table "inet CHAIN" hold the wanted bans.
 *
 * Inputs: the configuration (chain = the table's name, ports, blocktype,
 * maxbans), the wanted addresses with the end of each ban, the reference
 * time, and the live table: the JSON text of `nft -j -t list ruleset
 * inet` (libnftables in this process, never a forked nft) and the
 * elements of ban4 and ban6 from netlink (NFT_MSG_GETSETELEM), together
 * what `nft -j list table inet CHAIN` would show.  Output: the command
 * text of ONE nftables transaction holding only the difference, or nothing.
 *
 * Invariants:
 *  - nft_parse() and nft_plan() are pure: text and bans in, plan out;
 *  - the plan lists every difference (struct fwdiff) that `check` prints;
 *  - a rule is kept only if its expression, as nft lists it, is exactly
 *    the one mailban writes (compared as compact JSON with sorted keys);
 *  - an element is kept only if its expiry is within NFT_SLACK seconds of
 *    its ban's end (permanent: no timeout); else it is deleted and added
 *    again in the same transaction;
 *  - whatever in the table mailban does not make (another chain or set,
 *    a set of another type) makes the plan delete and rebuild the table,
 *    in the same transaction, so no half-known state is patched;
 *  - every address in a command comes from addr_str() of a parsed address;
 *    names in commands are the checked table name and fixed words.
 *
 * The files: nft.c the entry points (plan_live, sync, stop) and
 * libnftables (the listing's text, the transaction); nft_list.c the live
 * table (the listing parsed with jansson, the elements dumped by
 * netlink); nft_plan.c the pure planner (the command text, the
 * differences and their texts).  What they share is nft_int.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "log.h"
#include "nft.h"
#include "nft_int.h"
#include "util.h"

/* --- libnftables ------------------------------------------------------- */

static struct nft_ctx *
ctx_new(int json)
{
	struct nft_ctx	*ctx;

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		log_error("nft: cannot create a libnftables context");
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		log_error("nft: cannot buffer libnftables output");
		return NULL;
	}
	return ctx;
}

/* The first line of nft's error text that says something. */
static const char *
first_error(struct nft_ctx *ctx, char *buf, size_t len)
{
	const char	*e = nft_ctx_get_error_buffer(ctx);

	if (e == NULL)
		e = "";
	e += strspn(e, "\n");
	nft_excerpt(e, strcspn(e, "\n"), buf, len);
	if (buf[0] == '\0')
		snprintf(buf, len, "no reason given");
	return buf;
}

/*
 * `nft -j -t list ruleset inet`: 0 and *json (free it), or -1.  Terse:
 * without set elements, which libnftables turns into expressions at
 * ~6 us each (60 ms for 10,000); nft_list_parse() dumps them by netlink.
 * quiet: failures are not reported (with another backend, an nftables
 * that cannot be used holds no table).
 */
int
nft_list(const struct config *cfg, int quiet, char **json)
{
	struct nft_ctx	*ctx;
	const char	*o;
	char		 why[ERRLINE_MAX + 1];
	int		 rc = -1;

	*json = NULL;
	if ((ctx = ctx_new(1)) == NULL)
		return quiet ? 0 : -1;
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE);
	if (nft_run_cmd_from_buffer(ctx, "list ruleset inet") != 0) {
		if (quiet)
			rc = 0;
		else
			log_error("nft: cannot list table inet %s: %s; table left "
			    "unchanged", cfg->c_chain, first_error(ctx, why, sizeof(why)));
		goto out;
	}
	o = nft_ctx_get_output_buffer(ctx);
	*json = xstrdup(o != NULL ? o : "");
	rc = 0;
out:
	nft_ctx_free(ctx);
	return rc;
}

static int
nft_apply(const struct config *cfg, const char *script)
{
	struct nft_ctx	*ctx;
	char		 why[ERRLINE_MAX + 1];
	int		 rc = 0;

	if ((ctx = ctx_new(0)) == NULL)
		return -1;
	if (nft_run_cmd_from_buffer(ctx, script) != 0)
		rc = log_error("nft: the transaction on table inet %s failed: %s; "
		    "nothing of it was applied", cfg->c_chain,
		    first_error(ctx, why, sizeof(why)));
	nft_ctx_free(ctx);
	return rc;
}

int
nft_plan_live(const struct config *cfg, const struct addr *want, const int64_t *end,
    size_t nwant, int64_t now, struct fwplan *plan)
{
	struct nftlive	lv;
	int		rc;

	memset(plan, 0, sizeof(*plan));
	if (nft_list_parse(cfg, &lv) == -1) {
		nft_live_free(&lv);
		return -1;
	}
	rc = nft_plan(cfg, &lv, want, end, nwant, now, plan);
	nft_live_free(&lv);
	return rc;
}

/* Is d a repair of something mailban did not do itself? */
static int
reported(const struct fwdiff *d)
{
	switch (d->d_kind) {
	case FWD_NFT_NOSET: case FWD_NFT_BADSET: case FWD_NFT_NOCHAIN:
	case FWD_NFT_BADCHAIN: case FWD_NFT_FOREIGN: case FWD_NFT_NORULE:
	case FWD_NFT_BADRULE:
		return 1;
	case FWD_NFT_NOTBANNED:
		return d->d_foreign;
	}
	return 0;
}

/*
 * Once a plan is applied: one line for the repairs of what mailban did
 * not do (a missing table only when it had bans to hold).
 */
static void
report_repairs(const struct config *cfg, const struct fwplan *p)
{
	struct nft_buf	b;
	char		line[1024];
	size_t		i, n = 0, shown = 0;

	memset(&b, 0, sizeof(b));
	if (p->fp_ndiff > 0 && p->fp_diff[0].d_kind == FWD_NFT_NOTABLE) {
		if (p->fp_add > 0)
			log_warnx("nft: table inet %s was missing (flushed, deleted or "
			    "new); created it with %zu %s", cfg->c_chain, p->fp_add,
			    p->fp_add == 1 ? "ban" : "bans");
		return;
	}
	for (i = 0; i < p->fp_ndiff; i++) {
		if (!reported(&p->fp_diff[i]))
			continue;
		if (n++ >= 3)
			continue;
		nft_buf_adds(&b, shown++ > 0 ? "; " : "");
		nft_buf_adds(&b, nft_diff_text(cfg, &p->fp_diff[i], line, sizeof(line)));
	}
	if (n == 0)
		return;
	if (n > shown)
		snprintf(line, sizeof(line), "; and %zu more", n - shown);
	else
		line[0] = '\0';
	log_warnx("nft: repaired table inet %s: %s%s", cfg->c_chain, b.b, line);
	free(b.b);
}

int
nft_sync(const struct config *cfg, const struct addr *want, const int64_t *end,
    size_t nwant, int64_t now, FILE *dry, struct fwplan *plan)
{
	struct fwplan	p;
	int		rc = -1;

	if (plan != NULL)
		memset(plan, 0, sizeof(*plan));
	if (nft_plan_live(cfg, want, end, nwant, now, &p) == -1)
		goto out;
	if (dry != NULL) {
		if (p.fp_script != NULL && (fprintf(dry, "# nft -f -\n") < 0 ||
		    fwrite(p.fp_script, 1, p.fp_len, dry) != p.fp_len ||
		    fflush(dry) == EOF)) {
			log_error("cannot write the nft script: %s", strerror(errno));
			goto out;
		}
	} else if (p.fp_script != NULL) {
		if (nft_apply(cfg, p.fp_script) == -1)
			goto out;
		if (cfg->c_backend == BACKEND_NFT)
			report_repairs(cfg, &p);
	}
	rc = 0;
out:
	if (plan != NULL && rc == 0)
		*plan = p;
	else
		firewall_plan_free(&p);
	return rc;
}

int
nft_stop(const struct config *cfg)
{
	struct nftlive	lv;
	struct fwplan	p;
	int		rc = -1;

	memset(&p, 0, sizeof(p));
	if (nft_list_parse(cfg, &lv) == -1 || nft_plan_stop(cfg, &lv, &p) == -1)
		goto out;
	if (p.fp_script != NULL && nft_apply(cfg, p.fp_script) == -1)
		goto out;
	rc = p.fp_script != NULL;
out:
	nft_live_free(&lv);
	firewall_plan_free(&p);
	return rc;
}

