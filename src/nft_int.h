/*
 * nft_int.h -- what only the nft files share: nft.c (the entry points
 * and libnftables), nft_list.c (the live table: the listing parsed, the
 * elements dumped by netlink) and nft_plan.c (the pure planner).  Not
 * for other modules (they see nft.h); every name nft_.
 */
#ifndef MAILBAN_NFT_INT_H
#define MAILBAN_NFT_INT_H

#include <sys/socket.h>

#include <linux/netlink.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "nft.h"

#define ERRLINE_MAX	200	/* characters of nft's error quoted */
#define OWN_COMMENT	"mailban"

struct nft_buf {
	char	*b;
	size_t	 len, cap;
};

/* nft_plan.c */
void		 nft_buf_add(struct nft_buf *, const char *s, size_t n);
void		 nft_buf_adds(struct nft_buf *, const char *s);
const char	*nft_set_name(int family);
void		 nft_excerpt(const char *s, size_t len, char *out, size_t outlen);
int		 nft_check_names(const struct config *);

/* nft_list.c */
/* ours: a listing of every table of the family; the others are skipped. */
int	 nft_parse_json(const struct config *, const char *json, size_t len,
	    int ours, struct nftlive *out);
int	 nft_list_parse(const struct config *, struct nftlive *);

/* The netlink side (nft_list.c), here for test_nft. */
struct nft_elemarg {
	struct nftset	*ea_set;
	int		 ea_family;
	int		 ea_bad;	/* not understood (reported) */
	int		 ea_odd;	/* an element not a plain address */
	size_t		 ea_cap;
};

void	 nft_nla_put(char *req, size_t *off, uint16_t type, const void *v,
	    size_t n);
int	 nft_nl_replies(uint32_t seq, const char *buf, size_t n,
	    const struct sockaddr_nl *from,
	    int (*cb)(void *, const struct nlmsghdr *), void *arg, int *intr);
int	 nft_elem_cb(void *arg, const struct nlmsghdr *);
void	 nft_elem_begin(struct nft_elemarg *, struct nftset *, int family);

/* nft.c */
int	 nft_list(const struct config *, int quiet, char **json);

#endif
