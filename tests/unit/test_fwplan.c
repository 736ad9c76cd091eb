/*
 * test_fwplan.c -- the firewall planners' cases as data: every
 * tests/firewall/NAME.save is one case.
 *   NAME.save      the live `iptables-save -t filter` text (may be empty);
 *   NAME.ipset     the live `ipset save` text: the case is planned with
 *                  backend = ipset (firewall_plan_ipset), else with
 *                  backend = chain (firewall_plan);
 *   NAME.want      settings "KEY = VALUE" (family = inet6, ports,
 *                  blocktype, blocktype6 (empty: none), maxbans; the
 *                  defaults are those of cfg_default() below), then the
 *                  wanted addresses, one a line, in the caller's order
 *                  (duplicates and the other family's kept); "#" comments;
 *   NAME.expected  the plan, as plan_text() prints it: the counts, one
 *                  "diff" line per difference (as `check` says it, "* "
 *                  before a foreign rule), then each script that is not
 *                  NULL after a "--- setpre", "--- script", "--- setpost"
 *                  line.
 * Nothing may be logged.  A case without .want or .expected fails, so does
 * a file of no case, and so does a directory without cases.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "config.h"
#include "firewall.h"

#define CH	"fail2ban-mail"
#define BT	"REJECT --reject-with tcp-reset"
#define BT6	"REJECT --reject-with icmp6-port-unreachable"
#define WANT_MAX 64

static char	dir[4096];

static struct config
cfg_default(void)
{
	struct config	c;

	memset(&c, 0, sizeof(c));
	c.c_chain = CH;
	c.c_ports = "25";
	c.c_nports = 1;
	c.c_blocktype = BT;
	c.c_blocktype6 = BT6;
	c.c_iptables_save = "/usr/sbin/iptables-save";
	c.c_iptables_restore = "/usr/sbin/iptables-restore";
	c.c_ip6tables_save = "/usr/sbin/ip6tables-save";
	c.c_ip6tables_restore = "/usr/sbin/ip6tables-restore";
	c.c_maxbans = 100000;
	c.c_backend = BACKEND_CHAIN;
	c.c_ipset = "/usr/sbin/ipset";
	return c;
}

/* The file dir/NAME.EXT (NUL-terminated, *len without it), NULL if absent. */
static char *
slurp(const char *name, const char *ext, size_t *len)
{
	char	 path[8192], *s;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if ((f = fopen(path, "r")) == NULL) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) >= 0);
	rewind(f);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return s;
}

/* Capture what the module logs (stderr) between cap_begin and cap_end. */
static int	cap_saved = -1;
static FILE	*cap_file;

static void
cap_begin(void)
{
	fflush(stderr);
	assert_non_null(cap_file = tmpfile());
	assert_true((cap_saved = dup(2)) != -1);
	assert_int_equal(dup2(fileno(cap_file), 2), 2);
}

static char *
cap_end(void)
{
	char	*s;
	long	 n;

	fflush(stderr);
	assert_int_equal(dup2(cap_saved, 2), 2);
	close(cap_saved);
	assert_int_equal(fseek(cap_file, 0, SEEK_END), 0);
	n = ftell(cap_file);
	rewind(cap_file);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, cap_file), (size_t)n);
	fclose(cap_file);
	return s;
}

/* A settings line of .want, "KEY = VALUE": 1 if it was one. */
static int
setting(struct config *c, int *family, char *line)
{
	char	*eq, *k, *v, *e;

	if ((eq = strchr(line, '=')) == NULL)
		return 0;
	*eq = '\0';
	k = line;
	v = eq + 1;
	while (*v == ' ')
		v++;
	for (e = eq; e > k && e[-1] == ' '; e--)
		e[-1] = '\0';
	if (strcmp(k, "family") == 0) {
		assert_true(strcmp(v, "inet") == 0 || strcmp(v, "inet6") == 0);
		*family = strcmp(v, "inet6") == 0 ? AF_INET6 : AF_INET;
	} else if (strcmp(k, "ports") == 0) {
		c->c_ports = v;
		c->c_nports = 1;
		for (e = v; *e != '\0'; e++)
			if (*e == ',')
				c->c_nports++;
	} else if (strcmp(k, "blocktype") == 0)
		c->c_blocktype = v;
	else if (strcmp(k, "blocktype6") == 0)
		c->c_blocktype6 = *v == '\0' ? NULL : v;
	else if (strcmp(k, "maxbans") == 0)
		c->c_maxbans = strtoll(v, NULL, 10);
	else
		fail_msg("unknown setting \"%s\" in a .want file", k);
	return 1;
}

static void
add_text(char **out, size_t *n, size_t *cap, const char *s)
{
	size_t	len = strlen(s);

	if (*n + len + 1 > *cap) {
		*cap = (*n + len + 1) * 2;
		assert_non_null(*out = realloc(*out, *cap));
	}
	memcpy(*out + *n, s, len + 1);
	*n += len;
}

static void
add_script(char **out, size_t *n, size_t *cap, const char *head,
    const char *s, size_t len)
{
	if (s == NULL) {
		assert_int_equal(len, 0);
		return;
	}
	assert_int_equal(strlen(s), len);
	add_text(out, n, cap, head);
	add_text(out, n, cap, s);
}

/* The plan as text (see the top of the file); the caller frees it. */
static char *
plan_text(const struct config *c, int family, const struct fwplan *p)
{
	char	*out = NULL, line[1024], d[1100];
	size_t	 n = 0, cap = 0, i;

	snprintf(line, sizeof(line), "add %zu del %zu newchain %d newjump %d "
	    "newset %d newrule %d\n", p->fp_add, p->fp_del, p->fp_newchain,
	    p->fp_newjump, p->fp_newset, p->fp_newrule);
	add_text(&out, &n, &cap, line);
	for (i = 0; i < p->fp_ndiff; i++) {
		snprintf(d, sizeof(d), "diff %s%s\n", p->fp_diff[i].d_foreign ?
		    "* " : "", firewall_diff_text(c, family, &p->fp_diff[i], line,
		    sizeof(line)));
		add_text(&out, &n, &cap, d);
	}
	add_script(&out, &n, &cap, "--- setpre\n", p->fp_setpre, p->fp_setprelen);
	add_script(&out, &n, &cap, "--- script\n", p->fp_script, p->fp_len);
	add_script(&out, &n, &cap, "--- setpost\n", p->fp_setpost, p->fp_setpostlen);
	return out;
}

static void
run_case(void **state)
{
	const char	*name = *state;
	struct config	 c = cfg_default();
	struct addr	 w[WANT_MAX];
	struct fwplan	 p;
	char		*save, *setsave, *want, *expected, *line, *next, *got, *log;
	size_t		 savelen, setsavelen = 0, nw = 0;
	int		 family = AF_INET, rc;

	assert_non_null(save = slurp(name, "save", &savelen));
	setsave = slurp(name, "ipset", &setsavelen);
	if ((want = slurp(name, "want", NULL)) == NULL)
		fail_msg("case %s has no %s.want", name, name);
	if ((expected = slurp(name, "expected", NULL)) == NULL)
		fail_msg("case %s has no %s.expected", name, name);
	if (setsave != NULL)
		c.c_backend = BACKEND_IPSET;
	for (line = want; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0' || setting(&c, &family, line))
			continue;
		assert_true(nw < WANT_MAX);
		if (addr_parse_net(line, strlen(line), &w[nw]) != 0)
			fail_msg("%s.want: \"%s\" is no address", name, line);
		nw++;
	}
	cap_begin();
	if (setsave != NULL)
		rc = firewall_plan_ipset(&c, family, save, savelen, setsave,
		    setsavelen, w, nw, &p);
	else
		rc = firewall_plan(&c, family, save, savelen, w, nw, &p);
	log = cap_end();
	assert_string_equal(log, "");
	assert_int_equal(rc, 0);
	got = plan_text(&c, family, &p);
	assert_string_equal(got, expected);
	firewall_plan_free(&p);
	assert_null(p.fp_script);
	assert_null(p.fp_diff);
	free(got);
	free(log);
	free(save);
	free(setsave);
	free(want);
	free(expected);
}

static int
is_ext(const char *s, const char *ext)
{
	size_t	n = strlen(s), m = strlen(ext);

	return n > m && strcmp(s + n - m, ext) == 0;
}

/* Every file of the directory belongs to a case: NAME.save exists. */
static void
every_file_belongs_to_a_case(void **state)
{
	struct dirent	**e;
	struct stat	  st;
	char		  path[8192];
	int		  n, i;
	size_t		  k;

	(void)state;
	assert_true((n = scandir(dir, &e, NULL, alphasort)) > 0);
	for (i = 0; i < n; i++) {
		const char	*s = e[i]->d_name;

		if (s[0] == '.') {
			free(e[i]);
			continue;
		}
		if (!is_ext(s, ".save") && !is_ext(s, ".want") &&
		    !is_ext(s, ".expected") && !is_ext(s, ".ipset"))
			fail_msg("%s/%s: not .save, .want, .expected or .ipset", dir, s);
		k = (size_t)(strrchr(s, '.') - s);
		snprintf(path, sizeof(path), "%s/%.*s.save", dir, (int)k, s);
		if (stat(path, &st) != 0)
			fail_msg("%s/%s: no %.*s.save for it", dir, s, (int)k, s);
		free(e[i]);
	}
	free(e);
}

int
main(void)
{
	struct CMUnitTest	*t;
	struct dirent		**e;
	const char		*top = getenv("TOP");
	int			 n, i, rc;
	size_t			 nt = 0;

	snprintf(dir, sizeof(dir), "%s/tests/firewall",
	    top != NULL && *top != '\0' ? top : ".");
	if ((n = scandir(dir, &e, NULL, alphasort)) == -1) {
		fprintf(stderr, "test_fwplan: cannot read %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	if ((t = calloc((size_t)n + 1, sizeof(*t))) == NULL)
		return 1;
	t[nt].name = "every_file_belongs_to_a_case";
	t[nt++].test_func = every_file_belongs_to_a_case;
	for (i = 0; i < n; i++) {
		char	*name = e[i]->d_name;

		if (name[0] != '.' && is_ext(name, ".save")) {
			name[strlen(name) - strlen(".save")] = '\0';
			t[nt].name = name;
			t[nt].test_func = run_case;
			t[nt++].initial_state = name;
		}
	}
	if (nt == 1) {
		fprintf(stderr, "test_fwplan: no case (NAME.save) in %s\n", dir);
		return 1;
	}
	rc = _cmocka_run_group_tests("fwplan", t, nt, NULL, NULL);
	for (i = 0; i < n; i++)
		free(e[i]);
	free(e);
	free(t);
	return rc;
}
