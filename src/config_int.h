/*
 * config_int.h -- what only the config files share: the key schema, the
 * value types, and the helpers of config.c, config_type.c, config_pat.c
 * and config_f2b.c.  Not for other modules (they see config.h).
 */
#ifndef MAILBAN_CONFIG_INT_H
#define MAILBAN_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "ini.h"

#define PATNUM_MAX	99

/* The key being checked: a line of the file, or a built-in default (line 0). */
struct kv {
	struct pos	 k_pos;
	const char	*k_sect;
	const char	*k_key;
	const char	*k_val;
};

/* Where a key may be written. */
#define KS_DEFAULT	1	/* [DEFAULT] only; lands in struct config */
#define KS_JAIL		2	/* filter sections only; lands in struct jail */
#define KS_BOTH		3	/* [DEFAULT] sets every filter section's default;
				 * lands in struct jail */

enum ktype {
	KT_PATH,	/* char *: an absolute path, or one of k_enum's words */
	KT_PATHS,	/* char *: absolute paths or globs (wildcards in the file
			 * name only) joined by one space, or one of k_enum's
			 * words alone */
	KT_CHAIN,	/* char *: an iptables chain of its own */
	KT_PORTS,	/* char * "25,465,587", size_t count at k_noff */
	KT_TARGET,	/* char *: an iptables target with its options */
	KT_NUM,		/* long long, k_min to k_max */
	KT_DURATION,	/* long long seconds; k_min 0: "0" is allowed too */
	KT_BANTIME,	/* long long seconds, or -1 (permanent) */
	KT_CIDRS,	/* struct cidrlist: the file's entries are added */
	KT_NAMES,	/* char **, size_t count at k_noff: syslog tags */
	KT_BOOL,	/* int 0 or 1 */
	KT_ENUM,	/* int: one of k_enum's values */
	KT_MATCHES,	/* char *: journalctl matches, joined by one space */
	KT_MULT,	/* long long *, size_t count at k_noff: k_min to k_max */
	KT_CONNINFO,	/* char *: a libpq conninfo without a password; "": NULL */
	KT_HOSTNAME,	/* char *: a host name; "": this machine's */
	KT_NTYPES
};

/* The words of an enum and the values they stand for (NULL: 0, 1, ...). */
struct kenum {
	const char *const *e_names;
	const int	*e_values;
	size_t		 e_n;
	const char	*e_what;	/* "a backend": "\"x\" is not a backend" */
	const char	*e_use;		/* NULL: "use a, b or c" from e_names */
};

/* One key of the schema: a row of config_keys[] (config.c). */
struct key {
	const char	*k_name;
	int		 k_sect;	/* KS_* */
	enum ktype	 k_type;
	long long	 k_min, k_max;	/* KT_NUM, KT_MULT; KT_DURATION: k_min */
	const struct kenum *k_enum;	/* KT_ENUM; KT_PATH: words allowed too */
	const char	*k_default;	/* checked like the file's; NULL: none */
	size_t		 k_off;		/* offsetof in struct config or struct jail */
	size_t		 k_noff;	/* KT_PORTS, KT_NAMES, KT_MULT: the count */
	const char	*k_help;	/* the example a message offers; NULL: k_default */
};

extern const struct key	 config_keys[];
extern const size_t	 config_nkeys;

/* config.c */
void	 config_kvreport(struct ini *, const struct kv *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 config_bool(const char *, int *);
const struct key *key_find(const char *name);
/* The local overrides of path: ".conf" replaced by ".local", or appended. */
char	*config_local_path(const char *path);

/* config_type.c: one checker, printer and destructor per type; base is
 * the struct config or struct jail the key lands in. */
int	 key_check(struct ini *, const struct key *, const struct kv *, void *base);
void	 key_print(FILE *, const struct key *, const void *base);
/* key = value, quoted when iniparser would otherwise change the value. */
void	 config_print_kv(FILE *, const char *key, const char *value);
void	 key_free(const struct key *, void *base);
/* The name of an enum value, or its first name. */
const char *kenum_name(const struct kenum *, int value);

/* config_pat.c: pattern keys failregex[.N], failregex.extra.N, ... */
struct patkey {
	int	pk_ignore;	/* ignoreregex* */
	int	pk_minmode;	/* enum mode; MODE_NORMAL for ignoreregex* */
	int	pk_number;
	int	pk_bare;	/* "failregex" or "ignoreregex" alone */
};
extern const char *const patstems[4];
extern const char *const modenames[3];
int	 is_regex_key(const char *key);
int	 patkey(const char *key, struct patkey *);
const char *patstem(const struct patkey *);
void	 add_pattern(const struct ini *, struct jail *, const struct patkey *,
	    const struct ini_key *);
void	 sort_patterns(struct ini *, const char *sect, struct pattern *, size_t *n,
	    int ignore);
void	 pattern_free(struct pattern *);
void	 report_conts(struct ini *);

/* config_f2b.c: what a fail2ban habit or a typo most likely meant. */
const char *f2b_key(const char *key);
int	 chk_interpolation(struct ini *, const struct kv *, const char *example);
int	 chk_f2b_value(struct ini *, const struct kv *);
int	 f2b_sect(struct ini *, size_t si);
const char *config_suggest(const char *key, int indefault, char *best, size_t len);
const char *config_suggest_sect(const struct ini *, size_t si, char *best, size_t len);

#endif
