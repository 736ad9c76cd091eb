/*
 * firewall.h -- make the live chains equal the active bans.
 * Per family (AF_INET: iptables, AF_INET6: ip6tables), in table filter:
 * read the live rules with `*-save -t filter`, compute the difference with
 * the wanted addresses, and apply it with ONE `*-restore -w --noflush`
 * whose script holds only that difference:
 *   - declare ":CHAIN - [0:0]" only when the chain does not exist (in a
 *     --noflush script the declaration flushes the chain);
 *   - "-D" only rules seen in the save output (one absent -D fails the
 *     whole script): spelled as saved when mailban could have written the
 *     rule (a ban, the set rule, a plain or port jump), else by position
 *     ("-D CHAIN N", from the save listing, highest first, before any
 *     delete by spelling): iptables-nft cannot delete some rules by their
 *     saved spelling (-m recent), and one such rule must not block the
 *     bans.  Each such foreign rule is reported once, when it is removed;
 *   - a filter table that iptables-save cannot print ("# Table `filter' is
 *     incompatible": native nft rules in it) is refused: nothing changes;
 *   - the jump "-I INPUT 1 -p tcp -m tcp --dport 25 -j CHAIN" (multiport
 *     "--dports 25,465,587" for several ports) when missing; a stale jump to
 *     CHAIN (other ports) is deleted;
 *   - one "-A CHAIN -s ADDR/32 -p tcp -j BLOCKTYPE" per wanted address
 *     (a network of `mailban ban NET/N`: "-s NET/N", as iptables-save
 *     prints it); any other rule in CHAIN is deleted.
 * A live rule "-A CHAIN -s ADDR/32 -p tcp -j TARGET OPTIONS" also counts as
 * the wanted one when TARGET is the first word of the blocktype, whatever
 * OPTIONS say: iptables-save prints options in its canonical spelling
 * ("tcp-rst" comes back as "tcp-reset"), and comparing them would replace
 * the rule on every run.  So a change of the blocktype's options only
 * applies to new bans (or after `mailban stop`); a new target word applies
 * to all.  Only one rule per address is kept (the exact one if present).
 * Rules in other chains jumping to CHAIN are left alone (stop deletes them).
 * Nothing changes -> nothing runs.  Children: fork/execve with a fixed
 * argv, PATH/LC_ALL=C environment, script on a pipe; never a shell.
 * Every address in a script comes from addr_str() of a parsed address.
 *
 * backend = ipset (cfg->c_backend == BACKEND_IPSET): the addresses live in
 * the set SET (CHAIN for IPv4, CHAIN "6" for IPv6: hash:ip, family inet or
 * inet6, maxelem = c_maxbans so it never fills: the wanted list is capped
 * at c_maxbans first), and CHAIN holds ONE rule
 *   "-A CHAIN -p tcp -m set --match-set SET src -j BLOCKTYPE"
 * (kept when its target word matches, as above) and, for each wanted
 * network (hash:ip holds none), its "-s NET/N" rule as with backend =
 * chain; any other rule in CHAIN is deleted, so the per-address rules of
 * backend = chain go in the same iptables-restore that adds the set rule.  The live members come from
 * `ipset save` (every set: the tool has no "this set if it exists"), the
 * difference goes in ONE `ipset restore -exist` run BEFORE the
 * iptables-restore (the rule needs the set): "create" when the set is
 * missing, "add"/"del" for the difference (a "del" spelled as saved), or,
 * when maxelem differs, a new set SET.n filled and swapped in ("swap" keeps
 * the rule pointing at SET), then destroyed.  ipset restore is not atomic:
 * a failure half-way leaves part of it done; the next run completes it.
 * backend = chain after ipset: the set rule is deleted like any other rule
 * and, once iptables-restore has succeeded, "destroy SET" runs (a set in
 * use cannot be destroyed); with -exist an absent set is not an error.
 */
#ifndef MAILBAN_FIREWALL_H
#define MAILBAN_FIREWALL_H

#include <stddef.h>
#include <stdio.h>
#include "addr.h"
#include "config.h"

/*
 * One difference between the live state and the wanted one, as the plan
 * repairs it.  d_addr is set for FWD_MISSING, FWD_NOTBANNED, FWD_UNEXPECTED
 * (and the set kinds with an address); d_rule ("-A ...", as saved) for the
 * kinds that delete a rule; d_chain names the chain it is in.
 */
enum fwdiff_kind {
	FWD_NOCHAIN,		/* CHAIN is missing */
	FWD_NOJUMP,		/* the jump from INPUT to CHAIN is missing */
	FWD_STALEJUMP,		/* another jump from INPUT to CHAIN */
	FWD_MISSING,		/* banned, no rule for it in CHAIN */
	FWD_NOTBANNED,		/* a ban rule in CHAIN for an address not banned */
	FWD_UNEXPECTED,		/* a second or other rule for a banned address */
	FWD_NOBAN,		/* a rule in CHAIN that is no ban */
	FWD_NOSET,		/* ipset: SET is missing */
	FWD_SETMISSING,		/* ipset: banned, not in SET */
	FWD_SETNOTBANNED,	/* ipset: in SET, not banned */
	FWD_MAXELEM,		/* ipset: SET has another maxelem (rebuilt) */
	FWD_NOSETRULE,		/* ipset: the set rule is missing from CHAIN */
	FWD_OLDCHAIN,		/* backend = nft: CHAIN (its jumps, its set)
				 * left by backend = chain or ipset */
	/* backend = nft (nft.h); d_addr.a_family names the set (ban4, ban6) */
	FWD_NFT_FIRST,
	FWD_NFT_OLDTABLE = FWD_NFT_FIRST,	/* another backend: the table is left */
	FWD_NFT_NOTABLE,	/* the table is missing */
	FWD_NFT_NOSET,		/* a set is missing */
	FWD_NFT_BADSET,		/* a set of another type or flags */
	FWD_NFT_NOCHAIN,	/* chain input is missing */
	FWD_NFT_BADCHAIN,	/* chain input of another type, hook, priority, policy */
	FWD_NFT_FOREIGN,	/* an object mailban never makes (d_rule) */
	FWD_NFT_NORULE,		/* the rule of a set is missing */
	FWD_NFT_BADRULE,	/* another rule in chain input (d_rule: its expr) */
	FWD_NFT_MISSING,	/* banned, not in the set */
	FWD_NFT_NOTBANNED,	/* in the set, not banned (d_foreign: without
				 * mailban's comment) */
	FWD_NFT_EXPIRY,		/* in the set, expiry d_live, ban ends in d_want */
	FWD_NFT_NETMISSING,	/* a banned network (d_addr) has no rule */
	FWD_NFT_NETNOTBANNED	/* a network's rule, the network not banned */
};

struct fwdiff {
	int		 d_kind;	/* enum fwdiff_kind */
	int		 d_foreign;	/* a rule mailban never writes (deleted by
					 * position; reported when removed) */
	struct addr	 d_addr;
	char		*d_rule;	/* NULL if none */
	char		*d_chain;	/* the chain of d_rule */
	long long	 d_live, d_want;	/* FWD_NFT_EXPIRY: seconds left, -1 none */
};

struct fwplan {
	struct fwdiff	*fp_diff;	/* every difference: the set's, a missing
					 * chain, deleted rules in listing order,
					 * missing rules, a missing jump */
	size_t		 fp_ndiff;
	char	*fp_script;	/* NULL when there is nothing to do */
	size_t	 fp_len;
	size_t	 fp_add;	/* ban rules added */
	size_t	 fp_del;	/* rules deleted from CHAIN */
	int	 fp_newchain;	/* chain created */
	int	 fp_newjump;	/* jump (re)inserted */
	/* ipset: fp_add/fp_del count set members added/deleted (fp_del also
	 * the rules deleted from CHAIN). */
	int	 fp_newset;	/* set created, or rebuilt for maxelem */
	int	 fp_newrule;	/* set rule (re)inserted in CHAIN */
	char	*fp_setpre;	/* `ipset restore -exist` script run before
				 * fp_script, NULL if none */
	size_t	 fp_setprelen;
	char	*fp_setpost;	/* the same, run after fp_script succeeded */
	size_t	 fp_setpostlen;
};

/*
 * One line (no newline) saying what d is, e.g. "192.0.2.7 is banned but
 * has no rule"; buf of at least 512 bytes.  Pure.
 */
const char	*firewall_diff_text(const struct config *, int family,
	    const struct fwdiff *d, char *buf, size_t len);

/*
 * Pure: from the save output and the wanted addresses of that family
 * (want may hold duplicates and other-family addresses: they are skipped)
 * build the restore script.  0, or -1 if the save text is not understood.
 * Safety cap: with more than c_maxbans (> 0) distinct addresses of the
 * family, only the first c_maxbans in the CALLER'S order of want are
 * banned, and one warning is logged; so order want by priority.
 * On success the caller frees *out with firewall_plan_free().
 */
int	 firewall_plan(const struct config *, int family, const char *save, size_t savelen,
	    const struct addr *want, size_t nwant, struct fwplan *out);
/*
 * Pure, backend = ipset: as firewall_plan() with, in addition, the text of
 * `ipset save` (all sets); fills fp_setpre (and fp_script for the chain).
 * -1 if either text is not understood, or SET exists with another type or
 * family (then stop, or `ipset destroy SET`, and run again).
 */
int	 firewall_plan_ipset(const struct config *, int family, const char *save,
	    size_t savelen, const char *setsave, size_t setsavelen,
	    const struct addr *want, size_t nwant, struct fwplan *out);
void	 firewall_plan_free(struct fwplan *);	/* NULL is fine; zeroes it */
/* SET of the family: CHAIN or CHAIN "6"; buf of at least 32 bytes. */
const char	*firewall_setname(const struct config *, int family, char *buf, size_t len);
/*
 * Pure, for stop: "-D" every rule of any filter chain that jumps to CHAIN,
 * then "-F CHAIN" and "-X CHAIN" if it exists.  fp_del counts the rules
 * flushed.  fp_script NULL when there is nothing to remove.  With backend
 * = ipset, or a set rule in CHAIN, fp_setpost destroys SET afterwards.
 */
int	 firewall_plan_stop(const struct config *, int family, const char *save,
	    size_t savelen, struct fwplan *out);

/*
 * Run `save -t filter`; *out (free it; NUL-terminated) is its stdout.
 * Failures are reported once: "cannot run PATH: REASON", "iptables-save
 * exited N: FIRST STDERR LINE; chain left unchanged", "... killed by signal
 * N; ...", or a 120 s timeout (the child is killed).
 */
int	 firewall_save(const struct config *, int family, char **out, size_t *len);
/* Run `restore -w --noflush` with the script on stdin. */
int	 firewall_restore(const struct config *, int family, const char *script, size_t len);
/* Run `restore -w --test` of a one-rule script with the family's
 * blocktype in a scratch chain (config --check): 0, or -1 reported. */
int	 firewall_test_blocktype(const struct config *, int family);
/* Run `ipset save` (*out as for firewall_save) / `ipset restore -exist`. */
int	 firewall_ipset_save(const struct config *, char **out, size_t *len);
int	 firewall_ipset_restore(const struct config *, const char *script, size_t len);

/*
 * save + plan + restore (backend = ipset: iptables-save, ipset save, plan,
 * ipset restore, iptables-restore; chain: then the ipset post script, if
 * any).  dry: print the scripts to dry (each after a comment line naming
 * its tool) and change nothing.  *plan gets the counts.
 * plan may be NULL; else it also keeps fp_script (what was applied or
 * printed) and the caller frees it with firewall_plan_free(), on success
 * and on failure alike (it is zeroed on failure).
 */
int	 firewall_sync(const struct config *, int family, const struct addr *want,
	    size_t nwant, FILE *dry, struct fwplan *plan);

/*
 * The plan of the backend in use, from the live state (the save tools run;
 * nothing is applied): what `check` reports.  The caller frees *plan with
 * firewall_plan_free() (zeroed on failure).
 */
int	 firewall_plan_live(const struct config *, int family, const struct addr *want,
	    size_t nwant, struct fwplan *plan);

/*
 * backend = nft: firewall_sync() and firewall_plan_live() plan the removal
 * of what backend = chain or ipset left (as firewall_plan_stop(), listed as
 * one FWD_OLDCHAIN), and do nothing when the save tool is not installed
 * or cannot print table filter (native nft rules in it: no chain of
 * mailban's can be left there).
 */

/* Remove the jumps and the chain (mailban stop); see firewall_plan_stop(). */
int	 firewall_stop(const struct config *, int family);

#endif
