/*
 * config_pat.c -- the pattern keys of a filter section: failregex[.N],
 * failregex.extra.N, failregex.aggressive.N and ignoreregex[.N], their
 * order, their conflicts, and what to write instead of fail2ban's
 * indented continuation lines.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"

/* Stems of the numbered pattern keys, by family (patfam), for messages. */
const char *const patstems[4] = {
	"failregex", "failregex.extra", "failregex.aggressive", "ignoreregex"
};

const char *const modenames[3] = { "normal", "extra", "aggressive" };

int
is_regex_key(const char *key)
{
	return strncmp(key, "failregex", 9) == 0 || strncmp(key, "ignoreregex", 11) == 0;
}

/*
 * Classify a pattern key.  1: *pk filled; 0: not a pattern key; -1: a
 * pattern key whose number is not 1 to 99 (or has a leading zero).
 */
int
patkey(const char *key, struct patkey *pk)
{
	static const struct {
		const char	*prefix;
		int		 ignore, minmode;
	} fam[] = {
		{ "failregex.extra.", 0, MODE_EXTRA },
		{ "failregex.aggressive.", 0, MODE_AGGRESSIVE },
		{ "failregex.", 0, MODE_NORMAL },
		{ "ignoreregex.", 1, MODE_NORMAL },
	};
	const char	*num;
	size_t		 i, n;

	memset(pk, 0, sizeof(*pk));
	if (strcmp(key, "failregex") == 0 || strcmp(key, "ignoreregex") == 0) {
		pk->pk_ignore = key[0] == 'i';
		pk->pk_number = 1;
		pk->pk_bare = 1;
		return 1;
	}
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		n = strlen(fam[i].prefix);
		if (strncmp(key, fam[i].prefix, n) != 0)
			continue;
		num = key + n;
		if (*num == '\0' || strspn(num, "0123456789") != strlen(num))
			return 0;
		if (num[0] == '0' || strlen(num) > 2)
			return -1;
		pk->pk_ignore = fam[i].ignore;
		pk->pk_minmode = fam[i].minmode;
		pk->pk_number = (int)strtol(num, NULL, 10);
		return 1;
	}
	return 0;
}

int
config_failkey(const char *key)
{
	struct patkey	pk;

	return patkey(key, &pk) == 1 && !pk.pk_ignore;
}

/* The key stem of a pattern family, for messages: "failregex.extra". */
const char *
patstem(const struct patkey *pk)
{
	if (pk->pk_ignore)
		return "ignoreregex";
	return patstems[pk->pk_minmode];
}

/* 0 to 3: the family a pattern number belongs to. */
static int
patfam(const struct patkey *pk)
{
	return pk->pk_ignore ? 3 : pk->pk_minmode;
}

/* The smallest number of a pattern family free in section sect, or 0. */
static int
free_number(struct ini *ld, size_t sect, int fam, const unsigned char *taken)
{
	unsigned char	used[PATNUM_MAX + 1];
	struct patkey	pk;
	size_t		i;
	int		n;

	memcpy(used, taken, sizeof(used));
	for (i = 0; i < ld->i_nkey; i++)
		if (ld->i_key[i].e_sect == sect && patkey(ld->i_key[i].e_key, &pk) == 1 &&
		    patfam(&pk) == fam)
			used[pk.pk_number] = 1;
	for (n = 1; n <= PATNUM_MAX; n++)
		if (!used[n])
			return n;
	return 0;
}

/* One line per continuation line, each naming the key to write instead. */
void
report_conts(struct ini *ld)
{
	unsigned char	 taken[4][PATNUM_MAX + 1];
	size_t		 i, lastsect = NONE;

	for (i = 0; i < ld->i_ncont; i++) {
		const struct ini_key	*e = &ld->i_key[ld->i_cont[i].c_key];
		const char		*sect = ld->i_sect[e->e_sect].s_name;
		struct patkey		 pk;
		int			 n;

		if (e->e_sect != lastsect) {
			memset(taken, 0, sizeof(taken));
			lastsect = e->e_sect;
		}
		if (patkey(e->e_key, &pk) != 1) {
			ini_report(ld, ld->i_cont[i].c_pos, sect, e->e_key, "indented "
			    "continuation lines are not read (write the value on one line)");
			continue;
		}
		n = free_number(ld, e->e_sect, patfam(&pk), taken[patfam(&pk)]);
		if (n == 0) {
			ini_report(ld, ld->i_cont[i].c_pos, sect, e->e_key, "indented "
			    "continuation lines are not read, and all %d numbers of %s.N "
			    "are taken", PATNUM_MAX, patstem(&pk));
			continue;
		}
		taken[patfam(&pk)][n] = 1;
		ini_report(ld, ld->i_cont[i].c_pos, sect, e->e_key, "indented continuation "
		    "lines are not read; write each pattern as its own numbered key: "
		    "%s.%d = <pattern>", patstem(&pk), n);
	}
}

/* Where a pattern was read, as a position of the load. */
static struct pos
pattern_pos(const struct ini *ld, const struct pattern *p)
{
	struct pos	pp = { ld->i_local != NULL && p->p_file == ld->i_local, p->p_line };

	return pp;
}

/* By (minmode, number), then in the order read. */
static int
patcmp(const void *a, const void *b, void *arg)
{
	const struct pattern	*x = a, *y = b;
	struct pos		 px = pattern_pos(arg, x), py = pattern_pos(arg, y);

	if (x->p_minmode != y->p_minmode)
		return x->p_minmode < y->p_minmode ? -1 : 1;
	if (x->p_number != y->p_number)
		return x->p_number < y->p_number ? -1 : 1;
	if (px.po_file != py.po_file)
		return px.po_file < py.po_file ? -1 : 1;
	return px.po_line < py.po_line ? -1 : px.po_line > py.po_line;
}

void
pattern_free(struct pattern *p)
{
	free(p->p_key);
	free(p->p_text);
}

/*
 * Sort the patterns of one kind; a second pattern with the number of an
 * earlier one (only "failregex" against "failregex.1" can do that) is
 * reported and dropped.
 */
void
sort_patterns(struct ini *ld, const char *sect, struct pattern *v, size_t *n, int ignore)
{
	unsigned char	taken[PATNUM_MAX + 1];
	char		ref[256];
	size_t		i, o;

	if (*n == 0)
		return;
	qsort_r(v, *n, sizeof(*v), patcmp, ld);
	for (o = 0, i = 0; i < *n; i++) {
		if (o > 0 && v[o - 1].p_minmode == v[i].p_minmode &&
		    v[o - 1].p_number == v[i].p_number) {
			struct patkey	pk = { ignore, v[i].p_minmode, 1, 0 };
			struct pos	here;
			size_t		j;
			int		k;

			memset(taken, 0, sizeof(taken));
			for (j = 0; j < *n; j++)
				if (v[j].p_minmode == v[i].p_minmode)
					taken[v[j].p_number] = 1;
			for (k = 1; k <= PATNUM_MAX && taken[k]; k++)
				;
			here = pattern_pos(ld, &v[i]);
			ini_lineref(ld, here, pattern_pos(ld, &v[o - 1]), ref, sizeof(ref));
			if (k <= PATNUM_MAX)
				ini_report(ld, here, sect, v[i].p_key, "conflicts with %s on %s "
				    "(%s alone is %s.1; rename one of them %s.%d)",
				    v[o - 1].p_key, ref, patstem(&pk), patstem(&pk),
				    patstem(&pk), k);
			else
				ini_report(ld, here, sect, v[i].p_key, "conflicts with %s on %s "
				    "(%s alone is %s.1)", v[o - 1].p_key, ref, patstem(&pk),
				    patstem(&pk));
			pattern_free(&v[i]);
			continue;
		}
		v[o++] = v[i];
	}
	*n = o;
}

/* A pattern key of a jail: a new pattern, or the same key again (the
 * duplicate was reported) replacing the earlier one. */
void
add_pattern(const struct ini *ld, struct jail *j, const struct patkey *pk,
    const struct ini_key *e)
{
	struct pattern	**v = pk->pk_ignore ? &j->j_ignore : &j->j_fail;
	size_t		 *n = pk->pk_ignore ? &j->j_nignore : &j->j_nfail, i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].p_key, e->e_key) == 0)
			break;
	if (i == *n) {
		*v = ini_grow(*v, *n, sizeof(**v));
		(*n)++;
	} else
		pattern_free(&(*v)[i]);
	(*v)[i].p_key = xstrdup(e->e_key);
	(*v)[i].p_number = pk->pk_number;
	(*v)[i].p_minmode = pk->pk_minmode;
	(*v)[i].p_file = ini_posfile(ld, e->e_pos);
	(*v)[i].p_line = e->e_pos.po_line;
	(*v)[i].p_text = xstrdup(e->e_val);
}

