/*
 * firewall_int.h -- what only the firewall files share: the planners'
 * parsed view of the save text and their helpers, used by fwplan.c (the
 * chain planner), fwplan_ipset.c (the ipset and stop planners) and
 * firewall.c (the executor).  Not for other modules (they see firewall.h).
 */
#ifndef MAILBAN_FIREWALL_INT_H
#define MAILBAN_FIREWALL_INT_H

#include <sys/types.h>

#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "firewall.h"

#define ERRLINE_MAX	200		/* characters of it quoted */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define SETNAME_MAX	31		/* IPSET_MAXNAMELEN - 1 */
#define MAXELEM_DEFAULT	65536		/* ipset's own, when maxbans is 0 */

struct buf {
	char	*b;
	size_t	 len, cap;
};

struct span {
	const char	*s;
	size_t		 len;
};

enum rulekind {
	RULE_CHAIN,		/* "-A CHAIN ..." */
	RULE_JUMP_INPUT,	/* "-A INPUT ... -j CHAIN" */
	RULE_JUMP_OTHER		/* another chain jumping to CHAIN */
};

struct rule {
	struct span	r_line;
	struct span	r_chain;	/* the chain it is in */
	size_t		r_pos;		/* its position there, from 1 */
	int		r_kind;
	int		r_del;
	int		r_own;		/* a spelling of mailban's: -D as saved */
};

/* Rules seen so far in one chain of the listing. */
struct chaincount {
	struct span	cc_name;
	size_t		cc_n;
};

struct live {
	int		 l_havechain;
	struct rule	*l_rule;	/* save order */
	size_t		 l_nrule, l_cap;
};

struct want {
	struct addr	w_addr;
	size_t		w_pos;		/* index in the caller's list */
	ssize_t		w_keep;		/* live rule kept for it, or -1 */
	int		w_exact;	/* that rule is the wanted one exactly */
};

/* fwplan.c */
const char	*fw_tool(int family);
void	 fw_buf_add(struct buf *b, const char *s, size_t n);
void	 fw_buf_adds(struct buf *b, const char *s);
int	 fw_span_eq(struct span a, const char *s);
int	 fw_next_line(const char **p, const char *end, struct span *line);
int	 fw_next_token(const char **p, const char *end, struct span *tok);
void	 fw_excerpt(const char *s, size_t len, char *out, size_t outlen);
int	 fw_parse_save(const struct config *cfg, int family, const char *save,
	    size_t len, struct live *lv);
void	 fw_diff_add(struct fwplan *out, int kind, const struct addr *a,
	    const struct rule *r);
int	 fw_want_find(const void *key, const void *elem);
struct want	*fw_want_build(const struct config *cfg, int family,
	    const struct addr *want, size_t nwant, size_t *n);
void	 fw_jump_rule(struct buf *b, const char *op, const struct config *cfg);
int	 fw_check_config(const struct config *cfg, int family, const char **blocktype);
void	 fw_plan_finish(struct buf *b, int change, struct fwplan *out);
int	 fw_target_word(int family, const char *bt, char *target, size_t len);
int	 fw_mark_jumps(struct live *lv, const struct buf *jump);
void	 fw_script_head(struct buf *b, const struct config *cfg, const struct live *lv,
	    struct fwplan *out);
void	 fw_script_jump(struct buf *b, const struct config *cfg, struct fwplan *out);
size_t	 fw_put_deletes(int family, struct buf *b, const struct live *lv,
	    const struct want *w, size_t nw, struct fwplan *out);
int	 fw_uses_set(struct span line, const char *set);
void	 fw_ban_rule(struct buf *b, const char *op, const char *chain,
	    const struct addr *a, const char *blocktype);
int	 fw_mark_ban_rules(const struct config *cfg, int family, struct live *lv,
	    const char *bt, const char *target, struct want *w, size_t nw,
	    ssize_t skip);
void	 fw_put_ban_rules(struct buf *b, const struct config *cfg, const char *bt,
	    const struct want *w, size_t nw, struct fwplan *out);
void	 fw_plan_destroy_set(const struct config *cfg, int family, struct fwplan *out);

/* fwplan_ipset.c */
int	 fw_is_set_rule(struct span line, const char *set, const char *target);

#endif
