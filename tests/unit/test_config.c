/*
 * test_config.c -- config_load/config_print/config_free.
 * Every case writes its file as t.conf in a private directory (mode 0600,
 * owned by the user running the test) and captures stderr, so each error
 * message is asserted byte for byte.  Documentation addresses only.
 * A config that fails with fixed text belongs in tests/fail (NAME.conf and
 * NAME.expected, run by t20-config-fail.sh); the failures here need what a
 * golden file cannot hold: computed input (long lines, 10,000 lines, NUL
 * bytes), file modes and owners, .local files, or a value checked too.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <ifaddrs.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "config.h"

#define JAIL	"[sendmail]\nfailregex = ^reject \\[<HOST>\\]\n"

static char	dir[] = "/tmp/mailban-test-config.XXXXXX";
static char	errs[1 << 16];

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int	fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* config_load(path) with stderr captured into errs. */
static int
load_path(const char *path, struct config **cfg)
{
	int	fd, saved, rc;
	ssize_t	n;

	fflush(stderr);
	saved = dup(2);
	fd = open("err.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(saved != -1 && fd != -1);
	dup2(fd, 2);
	*cfg = (struct config *)&errs;	/* must be overwritten */
	rc = config_load(path, cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, errs, sizeof(errs) - 1);
	errs[n > 0 ? n : 0] = '\0';
	close(fd);
	return rc;
}

static int
load_bytes(const char *text, size_t len, struct config **cfg)
{
	write_file("t.conf", text, len, 0600);
	return load_path("t.conf", cfg);
}

static int
load(const char *text, struct config **cfg)
{
	return load_bytes(text, strlen(text), cfg);
}

static struct config *
good(const char *text)
{
	struct config	*cfg;

	if (load(text, &cfg) != 0)
		fail_msg("load failed: %s", errs);
	assert_string_equal(errs, "");
	assert_non_null(cfg);
	return cfg;
}

static void
bad_bytes(const char *text, size_t len, const char *want)
{
	struct config	*cfg;

	assert_int_equal(load_bytes(text, len, &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, want);
}

static void
bad(const char *text, const char *want)
{
	bad_bytes(text, strlen(text), want);
}

static const char *
cidr_text(const struct cidr *c, char *buf, size_t len)
{
	char	a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%d", addr_str(&c->c_net, a, sizeof(a)), c->c_prefix);
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || chdir(dir) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink("t.conf");
	unlink("t.local");
	unlink("u.conf");
	unlink("err.txt");
	unlink("link.conf");
	rmdir("d.conf");
	unlink("sub/mb.ini");
	unlink("sub/mb.ini.local");
	unlink("sub/mb.local");
	unlink("sub/mb.conf");
	rmdir("sub");
	if (chdir("/") == -1)
		return -1;
	return rmdir(dir);
}

/*
 * Good configurations.
 */

static void
absent_keys_take_the_documented_defaults(void **state)
{
	struct config	*cfg;
	char		 b[64];

	(void)state;
	cfg = good(JAIL);
	assert_string_equal(cfg->c_file, "t.conf");
	assert_string_equal(cfg->c_logpath, "/var/log/mail.log");
	assert_string_equal(cfg->c_database, "/var/lib/mailban/mailban.db");
	assert_string_equal(cfg->c_chain, "fail2ban-mail");
	assert_string_equal(cfg->c_ports, "25,465,587");
	assert_int_equal(cfg->c_nports, 3);
	assert_string_equal(cfg->c_blocktype, "REJECT --reject-with tcp-reset");
	assert_string_equal(cfg->c_blocktype6, "REJECT --reject-with tcp-reset");
	assert_int_equal(cfg->c_ndaemons, 4);
	assert_string_equal(cfg->c_daemons[0], "sendmail");
	assert_string_equal(cfg->c_daemons[1], "sm-mta");
	assert_string_equal(cfg->c_daemons[2], "sm-acceptingconnections");
	assert_string_equal(cfg->c_daemons[3], "sm-msp-queue");
	/* Then the host's own addresses (ignoreself_adds_the_host_addresses). */
	assert_true(cfg->c_ignoreip.cl_n >= 2);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[0], b, sizeof(b)), "127.0.0.0/8");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[1], b, sizeof(b)), "::1/128");
	assert_int_equal(cfg->c_ignoreself, 1);
	assert_int_equal(cfg->c_facility, LOG_DAEMON);
	assert_int_equal(cfg->c_backend, BACKEND_CHAIN);
	assert_string_equal(cfg->c_ipset, "/usr/sbin/ipset");
	assert_int_equal(cfg->c_journal, 0);
	assert_string_equal(cfg->c_journalmatch,
	    "_SYSTEMD_UNIT=sendmail.service + SYSLOG_IDENTIFIER=sm-mta");
	assert_string_equal(cfg->c_journalctl, "/usr/bin/journalctl");
	assert_int_equal(cfg->c_inc, 1);
	assert_int_equal(cfg->c_inc_factor, 1);
	assert_int_equal(cfg->c_inc_nmult, 0);
	assert_int_equal(cfg->c_inc_maxtime, 5 * 7 * 86400);
	assert_int_equal(cfg->c_inc_rndtime, 0);
	assert_int_equal(cfg->c_inc_window, 30 * 86400);
	assert_null(cfg->c_localfile);
	assert_string_equal(cfg->c_iptables_save, "/usr/sbin/iptables-save");
	assert_string_equal(cfg->c_iptables_restore, "/usr/sbin/iptables-restore");
	assert_string_equal(cfg->c_ip6tables_save, "/usr/sbin/ip6tables-save");
	assert_string_equal(cfg->c_ip6tables_restore, "/usr/sbin/ip6tables-restore");
	assert_int_equal(cfg->c_dbpurgeage, 30 * 86400);
	assert_int_equal(cfg->c_maxbans, 10000);
	assert_int_equal(cfg->c_njails, 1);
	assert_string_equal(cfg->c_jails[0].j_name, "sendmail");
	assert_int_equal(cfg->c_jails[0].j_line, 1);
	assert_int_equal(cfg->c_jails[0].j_enabled, 1);
	assert_int_equal(cfg->c_jails[0].j_mode, MODE_NORMAL);
	assert_int_equal(cfg->c_jails[0].j_maxretry, 5);
	assert_int_equal(cfg->c_jails[0].j_findtime, 600);
	assert_int_equal(cfg->c_jails[0].j_bantime, 3600);
	assert_int_equal(cfg->c_jails[0].j_nfail, 1);
	assert_string_equal(cfg->c_jails[0].j_fail[0].p_key, "failregex");
	assert_int_equal(cfg->c_jails[0].j_fail[0].p_number, 1);
	assert_int_equal(cfg->c_jails[0].j_fail[0].p_minmode, MODE_NORMAL);
	assert_int_equal(cfg->c_jails[0].j_fail[0].p_line, 2);
	assert_string_equal(cfg->c_jails[0].j_fail[0].p_text, "^reject \\[<HOST>\\]");
	assert_int_equal(cfg->c_jails[0].j_nignore, 0);
	config_free(cfg);
}

static void
every_default_key_can_be_set(void **state)
{
	struct config	*cfg;
	char		 b[64];

	(void)state;
	cfg = good("[DEFAULT]\n"
	    "logpath = /srv/log/maillog\n"
	    "database = /srv/db/mb.db\n"
	    "chain = mb-test_1.x\n"
	    "port = 2525\n"
	    "blocktype = DROP\n"
	    "blocktype6 = REJECT --reject-with icmp6-adm-prohibited\n"
	    "maxretry = 3\n"
	    "findtime = 1h30m\n"
	    "bantime = 2d\n"
	    "ignoreip = 192.0.2.0/24, 2001:db8::/32 198.51.100.7\n"
	    "daemons = sendmail,sm-mta\n"
	    "dbpurgeage = 2w\n"
	    "maxbans = 500\n"
	    "iptables_save = /sbin/iptables-save\n"
	    "iptables_restore = /sbin/iptables-restore\n"
	    "ip6tables_save = /sbin/ip6tables-save\n"
	    "ip6tables_restore = /sbin/ip6tables-restore\n"
	    "syslog_facility = local3\n"
	    "ignoreself = false\n"
	    "backend = ipset\n"
	    "ipset = /sbin/ipset\n"
	    "journalmatch = _SYSTEMD_UNIT=sendmail.service\n"
	    "journalctl = /bin/journalctl\n"
	    "bantime.increment = no\n"
	    "bantime.factor = 1000\n"
	    "bantime.multipliers = 1 2 4 8\n"
	    "bantime.maxtime = 2w\n"
	    "bantime.rndtime = 10m\n"
	    "bantime.window = 2d\n"
	    JAIL);
	assert_string_equal(cfg->c_logpath, "/srv/log/maillog");
	assert_string_equal(cfg->c_database, "/srv/db/mb.db");
	assert_string_equal(cfg->c_chain, "mb-test_1.x");
	assert_string_equal(cfg->c_ports, "2525");
	assert_int_equal(cfg->c_nports, 1);
	assert_string_equal(cfg->c_blocktype, "DROP");
	assert_string_equal(cfg->c_blocktype6, "REJECT --reject-with icmp6-adm-prohibited");
	assert_int_equal(cfg->c_ignoreip.cl_n, 5);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "192.0.2.0/24");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[3], b, sizeof(b)), "2001:db8::/32");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[4], b, sizeof(b)), "198.51.100.7/32");
	assert_int_equal(cfg->c_ndaemons, 2);
	assert_string_equal(cfg->c_daemons[0], "sendmail");
	assert_string_equal(cfg->c_daemons[1], "sm-mta");
	assert_int_equal(cfg->c_dbpurgeage, 14 * 86400);
	assert_int_equal(cfg->c_maxbans, 500);
	assert_string_equal(cfg->c_iptables_save, "/sbin/iptables-save");
	assert_string_equal(cfg->c_iptables_restore, "/sbin/iptables-restore");
	assert_string_equal(cfg->c_ip6tables_save, "/sbin/ip6tables-save");
	assert_string_equal(cfg->c_ip6tables_restore, "/sbin/ip6tables-restore");
	assert_int_equal(cfg->c_facility, LOG_LOCAL3);
	assert_int_equal(cfg->c_ignoreself, 0);
	assert_int_equal(cfg->c_backend, BACKEND_IPSET);
	assert_string_equal(cfg->c_ipset, "/sbin/ipset");
	assert_int_equal(cfg->c_journal, 0);
	assert_string_equal(cfg->c_journalmatch, "_SYSTEMD_UNIT=sendmail.service");
	assert_string_equal(cfg->c_journalctl, "/bin/journalctl");
	assert_int_equal(cfg->c_inc, 0);
	assert_int_equal(cfg->c_inc_factor, 1000);
	assert_int_equal(cfg->c_inc_nmult, 4);
	assert_int_equal(cfg->c_inc_mult[0], 1);
	assert_int_equal(cfg->c_inc_mult[1], 2);
	assert_int_equal(cfg->c_inc_mult[2], 4);
	assert_int_equal(cfg->c_inc_mult[3], 8);
	assert_int_equal(cfg->c_inc_maxtime, 14 * 86400);
	assert_int_equal(cfg->c_inc_rndtime, 600);
	assert_int_equal(cfg->c_inc_window, 2 * 86400);
	assert_int_equal(cfg->c_jails[0].j_maxretry, 3);
	assert_int_equal(cfg->c_jails[0].j_findtime, 5400);
	assert_int_equal(cfg->c_jails[0].j_bantime, 2 * 86400);
	assert_int_equal(cfg->c_jails[0].j_line, 31);
	config_free(cfg);
}

static void
blocktype6_follows_blocktype(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nblocktype = DROP\n" JAIL);
	assert_string_equal(cfg->c_blocktype, "DROP");
	assert_string_equal(cfg->c_blocktype6, "DROP");
	config_free(cfg);
}

static void
jails_override_or_inherit_default_policy(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[a]\nfailregex = a <HOST>\nbantime = -1\nfindtime = 90\n"
	    "[b]\nfailregex = b <HOST>\nmaxretry = 10\n"
	    "[DEFAULT]\nmaxretry = 3\nbantime = 1w\n");
	assert_int_equal(cfg->c_njails, 2);
	assert_string_equal(cfg->c_jails[0].j_name, "a");
	assert_int_equal(cfg->c_jails[0].j_maxretry, 3);
	assert_int_equal(cfg->c_jails[0].j_findtime, 90);
	assert_int_equal(cfg->c_jails[0].j_bantime, -1);
	assert_string_equal(cfg->c_jails[1].j_name, "b");
	assert_int_equal(cfg->c_jails[1].j_line, 5);
	assert_int_equal(cfg->c_jails[1].j_maxretry, 10);
	assert_int_equal(cfg->c_jails[1].j_findtime, 600);
	assert_int_equal(cfg->c_jails[1].j_bantime, 7 * 86400);
	config_free(cfg);
}

static void
patterns_are_sorted_by_mode_then_number(void **state)
{
	static const struct {
		const char	*key, *text;
		int		 number, minmode, line;
	} want[] = {
		{ "failregex", "n1 <HOST>", 1, MODE_NORMAL, 5 },
		{ "failregex.2", "n2 <HOST>", 2, MODE_NORMAL, 8 },
		{ "failregex.3", "n3 <HOST>", 3, MODE_NORMAL, 4 },
		{ "failregex.extra.1", "e1 <HOST>", 1, MODE_EXTRA, 7 },
		{ "failregex.extra.2", "e2 <HOST>", 2, MODE_EXTRA, 3 },
		{ "failregex.aggressive.1", "a1 <HOST>", 1, MODE_AGGRESSIVE, 6 },
	};
	struct config	*cfg;
	struct jail	*j;
	size_t		 i;

	(void)state;
	cfg = good("[s]\nmode = aggressive\n"
	    "failregex.extra.2 = e2 <HOST>\n"
	    "failregex.3 = n3 <HOST>\n"
	    "failregex = n1 <HOST>\n"
	    "failregex.aggressive.1 = a1 <HOST>\n"
	    "failregex.extra.1 = e1 <HOST>\n"
	    "failregex.2 = n2 <HOST>\n"
	    "ignoreregex.3 = i3\n"
	    "ignoreregex = i1\n");
	j = &cfg->c_jails[0];
	assert_int_equal(j->j_mode, MODE_AGGRESSIVE);
	assert_int_equal(j->j_nfail, 6);
	for (i = 0; i < 6; i++) {
		assert_string_equal(j->j_fail[i].p_key, want[i].key);
		assert_string_equal(j->j_fail[i].p_text, want[i].text);
		assert_int_equal(j->j_fail[i].p_number, want[i].number);
		assert_int_equal(j->j_fail[i].p_minmode, want[i].minmode);
		assert_int_equal(j->j_fail[i].p_line, want[i].line);
	}
	assert_int_equal(j->j_nignore, 2);
	assert_string_equal(j->j_ignore[0].p_key, "ignoreregex");
	assert_int_equal(j->j_ignore[0].p_number, 1);
	assert_int_equal(j->j_ignore[0].p_line, 10);
	assert_string_equal(j->j_ignore[1].p_key, "ignoreregex.3");
	assert_int_equal(j->j_ignore[1].p_number, 3);
	assert_string_equal(j->j_ignore[1].p_text, "i3");
	config_free(cfg);
}

static void
modes_extra_and_normal_are_read(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[a]\nmode = extra\nfailregex.extra.1 = e <HOST>\n"
	    "[b]\nmode = normal\nfailregex = n <HOST>\nfailregex.aggressive.1 = x <HOST>\n");
	assert_int_equal(cfg->c_jails[0].j_mode, MODE_EXTRA);
	assert_int_equal(cfg->c_jails[1].j_mode, MODE_NORMAL);
	config_free(cfg);
}

static void
quoted_patterns_keep_semicolon_hash_and_spaces(void **state)
{
	struct config	*cfg;
	struct jail	*j;

	(void)state;
	cfg = good("[s]\n"
	    "failregex = '^a;b#c <HOST>'\n"
	    "failregex.2 = \"it's; <HOST>\"   ; a comment\n"
	    "failregex.3 = '  spaced <HOST>  '#comment\n"
	    "failregex.4 = '\"<HOST>\"'\n");
	j = &cfg->c_jails[0];
	assert_int_equal(j->j_nfail, 4);
	assert_string_equal(j->j_fail[0].p_text, "^a;b#c <HOST>");
	assert_string_equal(j->j_fail[1].p_text, "it's; <HOST>");
	assert_string_equal(j->j_fail[2].p_text, "  spaced <HOST>  ");
	assert_string_equal(j->j_fail[3].p_text, "\"<HOST>\"");
	config_free(cfg);
}

static void
sections_and_keys_are_case_insensitive(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[default]\nMaxRetry = 7\n[SendMail]\nFailRegex = x <HOST>\n"
	    "Enabled = YES\nMode = Extra\n");
	assert_string_equal(cfg->c_jails[0].j_name, "sendmail");
	assert_string_equal(cfg->c_jails[0].j_fail[0].p_key, "failregex");
	assert_int_equal(cfg->c_jails[0].j_maxretry, 7);
	assert_int_equal(cfg->c_jails[0].j_enabled, 1);
	assert_int_equal(cfg->c_jails[0].j_mode, MODE_EXTRA);
	config_free(cfg);
}

static void
enabled_takes_every_boolean_spelling(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
	} t[] = {
		{ "true", 1 }, { "yes", 1 }, { "on", 1 }, { "1", 1 }, { "TRUE", 1 },
		{ "false", 0 }, { "no", 0 }, { "off", 0 }, { "0", 0 }, { "Off", 0 },
	};
	struct config	*cfg;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), JAIL "[t]\nfailregex = t <HOST>\nenabled = %s\n",
		    t[i].text);
		cfg = good(text);
		assert_int_equal(cfg->c_jails[1].j_enabled, t[i].want);
		config_free(cfg);
	}
}

static void
ports_are_sorted_without_duplicates(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nport = 587 25,465 25, 0587\n" JAIL);
	assert_string_equal(cfg->c_ports, "25,465,587");
	assert_int_equal(cfg->c_nports, 3);
	config_free(cfg);
}

/* fail2ban's port = smtp,465,submission: names are tcp services of
 * /etc/services (getservbyname), printed as numbers. */
static void
ports_take_service_names(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nport = smtp,465,submission\n" JAIL);
	assert_string_equal(cfg->c_ports, "25,465,587");
	assert_int_equal(cfg->c_nports, 3);
	config_free(cfg);
	cfg = good("[DEFAULT]\nport = submission, smtp 25\n" JAIL);
	assert_string_equal(cfg->c_ports, "25,587");
	assert_int_equal(cfg->c_nports, 2);
	config_free(cfg);
}

static void
fifteen_ports_are_allowed(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nport = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n" JAIL);
	assert_string_equal(cfg->c_ports, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15");
	assert_int_equal(cfg->c_nports, 15);
	config_free(cfg);
}

/* fail2ban users write the IPv4-mapped range: it is the IPv4 networks. */
static void
ignoreip_takes_ipv4_mapped_networks(void **state)
{
	struct config	*cfg;
	char		 b[64];

	(void)state;
	cfg = good("[DEFAULT]\nignoreself = false\n"
	    "ignoreip = 127.0.0.1/8 ::1 ::ffff:0:0/96 ::ffff:192.0.2.0/120\n" JAIL);
	assert_int_equal(cfg->c_ignoreip.cl_n, 4);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "0.0.0.0/0");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[3], b, sizeof(b)), "192.0.2.0/24");
	config_free(cfg);
}

static void
daemons_and_ignoreip_drop_duplicates(void **state)
{
	struct config	*cfg;
	char		 b[64];

	(void)state;
	cfg = good("[DEFAULT]\ndaemons = sendmail sendmail,sm-mta\nignoreself = false\n"
	    "ignoreip = 127.0.0.1/8 ::1 192.0.2.9 192.0.2.9/32\n" JAIL);
	assert_int_equal(cfg->c_ndaemons, 2);
	assert_string_equal(cfg->c_daemons[1], "sm-mta");
	assert_int_equal(cfg->c_ignoreip.cl_n, 3);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "192.0.2.9/32");
	config_free(cfg);
}

static void
loopback_is_always_ignored(void **state)
{
	struct config	*cfg;
	char		 b[64];

	(void)state;
	cfg = good("[DEFAULT]\nignoreip = 203.0.113.0/24\nignoreself = off\n" JAIL);
	assert_int_equal(cfg->c_ignoreip.cl_n, 3);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[0], b, sizeof(b)), "127.0.0.0/8");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[1], b, sizeof(b)), "::1/128");
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "203.0.113.0/24");
	config_free(cfg);
}

static void
plain_values_may_end_in_a_comment(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("; a comment\n# another\n[DEFAULT]\nmaxretry = 3 ; three\n"
	    "chain = mb#c\n\n" JAIL);
	assert_int_equal(cfg->c_jails[0].j_maxretry, 3);
	assert_string_equal(cfg->c_chain, "mb");
	config_free(cfg);
}

static void
equally_indented_keys_are_not_continuations(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[s]\n  failregex = x <HOST>\n  maxretry = 2\n\t[t]\n\tfailregex = y <HOST>\n");
	assert_int_equal(cfg->c_njails, 2);
	assert_int_equal(cfg->c_jails[0].j_maxretry, 2);
	assert_string_equal(cfg->c_jails[1].j_fail[0].p_text, "y <HOST>");
	config_free(cfg);
}

static void
crlf_line_ends_are_read(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[s]\r\nfailregex = x <HOST>\r\nmaxretry = 2\r\n");
	assert_string_equal(cfg->c_jails[0].j_fail[0].p_text, "x <HOST>");
	assert_int_equal(cfg->c_jails[0].j_maxretry, 2);
	config_free(cfg);
}

static const char printed[] =
    "[DEFAULT]\n"
    "logpath = journal\n"
    "journalmatch = _SYSTEMD_UNIT=sendmail.service + _COMM=sendmail\n"
    "journalctl = /usr/bin/journalctl\n"
    "database = /var/lib/mailban/mailban.db\n"
    "chain = fail2ban-mail\n"
    "port = 25,587\n"
    "blocktype = DROP\n"
    "blocktype6 = REJECT --reject-with icmp6-adm-prohibited\n"
    "bantime.increment = false\n"
    "bantime.factor = 3\n"
    "bantime.multipliers = 1 5 30\n"
    "bantime.maxtime = 1d12h\n"
    "bantime.rndtime = 1m30s\n"
    "bantime.window = 30d\n"
    "ignoreip = 127.0.0.0/8 ::1 192.0.2.0/24 2001:db8::7\n"
    "ignoreself = false\n"
    "daemons = sendmail sm-mta\n"
    "dbpurgeage = 2w\n"
    "maxbans = 10000\n"
    "iptables_save = /usr/sbin/iptables-save\n"
    "iptables_restore = /usr/sbin/iptables-restore\n"
    "ip6tables_save = /usr/sbin/ip6tables-save\n"
    "ip6tables_restore = /usr/sbin/ip6tables-restore\n"
    "backend = ipset\n"
    "ipset = /usr/sbin/ipset\n"
    "syslog_facility = local7\n"
    "\n"
    "[sendmail-reject]\n"
    "enabled = true\n"
    "mode = extra\n"
    "maxretry = 3\n"
    "findtime = 1h30m\n"
    "bantime = -1\n"
    "failregex = ^reject \\[<HOST>\\]\n"
    "failregex.2 = '^a;b <HOST>'\n"
    "failregex.extra.1 = \"it's#<HOST>\"\n"
    "ignoreregex = ^ok\n"
    "\n"
    "[sendmail-auth]\n"
    "enabled = false\n"
    "mode = normal\n"
    "maxretry = 5\n"
    "findtime = 1d1s\n"
    "bantime = 1h\n"
    "failregex = ^auth <HOST>\n";

static void
print_writes_every_effective_value(void **state)
{
	struct config	*cfg;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	cfg = good("[DEFAULT]\nport = 587,25\nblocktype = DROP\n"
	    "blocktype6 = REJECT --reject-with icmp6-adm-prohibited\n"
	    "ignoreip = 192.0.2.7/24 2001:db8:0::7\ndaemons = sendmail sm-mta\n"
	    "dbpurgeage = 14d\nmaxretry = 3\nignoreself = 0\nsyslog_facility = LOCAL7\n"
	    "logpath = journal\njournalmatch = _SYSTEMD_UNIT=sendmail.service  +\t_COMM=sendmail\n"
	    "backend = IPSET\nbantime.increment = false\nbantime.factor = 3\n"
	    "bantime.multipliers = 1,5 30\nbantime.maxtime = 36h\nbantime.rndtime = 90\n"
	    "[sendmail-reject]\nmode = EXTRA\nfindtime = 5400\nbantime = -1\n"
	    "ignoreregex = ^ok\nfailregex.extra.1 = \"it's#<HOST>\"\n"
	    "failregex.2 = '^a;b <HOST>'\nfailregex = ^reject \\[<HOST>\\]\n"
	    "[sendmail-auth]\nenabled = no\nmaxretry = 5\nfindtime = 86401\n"
	    "failregex = ^auth <HOST>\n");
	fp = open_memstream(&out, &len);
	config_print(cfg, fp);
	fclose(fp);
	assert_string_equal(out, printed);
	free(out);
	config_free(cfg);
}

static void
printed_config_loads_back_to_itself(void **state)
{
	struct config	*cfg;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	cfg = good(printed);
	fp = open_memstream(&out, &len);
	config_print(cfg, fp);
	fclose(fp);
	assert_string_equal(out, printed);
	free(out);
	config_free(cfg);
}

static void
free_accepts_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/*
 * The file itself.
 */

static void
missing_file_names_the_error(void **state)
{
	struct config	*cfg;

	(void)state;
	assert_int_equal(load_path("nope.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: cannot open nope.conf: No such file or directory\n");
}

static void
symlink_is_refused(void **state)
{
	struct config	*cfg;

	(void)state;
	write_file("t.conf", JAIL, strlen(JAIL), 0600);
	unlink("link.conf");
	assert_int_equal(symlink("t.conf", "link.conf"), 0);
	assert_int_equal(load_path("link.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: cannot open link.conf: Too many levels of "
	    "symbolic links (a symbolic link is refused; name the file itself)\n");
}

static void
directory_is_refused(void **state)
{
	struct config	*cfg;

	(void)state;
	assert_int_equal(mkdir("d.conf", 0700), 0);
	assert_int_equal(load_path("d.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: d.conf: not a regular file\n");
}

static void
writable_by_group_or_others_is_refused_as_root(void **state)
{
	struct config	*cfg;

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("t.conf", JAIL, strlen(JAIL), 0620);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: t.conf: refusing a config that is writable "
	    "by group or others (chmod go-w t.conf)\n");
	write_file("t.conf", JAIL, strlen(JAIL), 0602);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_string_equal(errs, "mailban: t.conf: refusing a config that is writable "
	    "by group or others (chmod go-w t.conf)\n");
	write_file("t.conf", JAIL, strlen(JAIL), 0644);
	assert_int_equal(load_path("t.conf", &cfg), 0);
	config_free(cfg);
}

static void
not_owned_by_root_is_refused_as_root(void **state)
{
	struct config	*cfg;

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("t.conf", JAIL, strlen(JAIL), 0600);
	assert_int_equal(chown("t.conf", 65534, 65534), 0);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: t.conf: refusing a config not owned by root "
	    "(chown root t.conf)\n");
}

static void
huge_file_is_refused(void **state)
{
	struct config	*cfg;
	int		 fd;

	(void)state;
	write_file("t.conf", JAIL, strlen(JAIL), 0600);
	fd = open("t.conf", O_WRONLY);
	assert_int_equal(ftruncate(fd, 1024 * 1024 + 1), 0);
	close(fd);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: t.conf: larger than 1048576 bytes (a config "
	    "is a few kilobytes)\n");
}

static void
too_many_lines_are_refused(void **state)
{
	char	*text = malloc(10001 * 2 + 1);
	size_t	 i;

	(void)state;
	for (i = 0; i < 10001; i++)
		memcpy(text + 2 * i, ";\n", 2);
	text[2 * 10001] = '\0';
	bad(text, "mailban: t.conf: more than 10000 lines (a config is a few hundred lines)\n");
	free(text);
}

/*
 * Keys.
 */

/* Only %(name)s is fail2ban interpolation: "%(" alone is regex text. */
static void
percent_paren_in_a_pattern_is_not_interpolation(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[s]\nfailregex = ^100%(?:a|b)s from \\[<HOST>\\] %()s\n");
	assert_string_equal(cfg->c_jails[0].j_fail[0].p_text,
	    "^100%(?:a|b)s from \\[<HOST>\\] %()s");
	config_free(cfg);
}

/*
 * Numbers, durations, names, lists.
 */

/* fail2ban's lengths (mytime.py str2seconds): a year is 365.25 days, a
 * month a twelfth of it; "m" stays minutes, as there. */
static void
durations_take_fail2ban_month_and_year(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nfindtime = 1mo\nbantime = 1y\ndbpurgeage = 1y6mo\n"
	    "bantime.maxtime = 2y\n" JAIL "[b]\nfailregex = b <HOST>\nfindtime = 1mo2m\n"
	    "bantime = 3mo\n");
	assert_int_equal(cfg->c_jails[0].j_findtime, 2629800);
	assert_int_equal(cfg->c_jails[0].j_bantime, 31557600);
	assert_int_equal(cfg->c_dbpurgeage, 31557600 + 6 * 2629800);
	assert_int_equal(cfg->c_inc_maxtime, 2 * 31557600);
	assert_int_equal(cfg->c_jails[1].j_findtime, 2629800 + 120);
	assert_int_equal(cfg->c_jails[1].j_bantime, 3 * 2629800);
	assert_int_equal(cfg->c_bantime, 31557600);
	config_free(cfg);
}

/*
 * Patterns and the traps of the ini syntax.
 */

static void
long_line_is_refused(void **state)
{
	char	text[1200];

	(void)state;
	memcpy(text, JAIL "failregex.2 = ", strlen(JAIL) + 14);
	memset(text + strlen(JAIL) + 14, 'a', 987);
	memcpy(text + strlen(JAIL) + 14 + 987, "\n", 2);
	bad(text, "mailban: t.conf:3: line is 1001 characters long (at most 1000; split a long "
	    "pattern into numbered keys)\n");
	text[strlen(JAIL) + 14 + 986] = '\n';
	text[strlen(JAIL) + 14 + 987] = '\0';
	config_free(good(text));
}

static void
nul_and_control_bytes_are_refused(void **state)
{
	static const char	text[] = JAIL "failregex.2 = a\0b\nfailregex.3 = a\033[31m\n"
	    "failregex.4 = \xc3\xa9 <HOST>\n";

	(void)state;
	bad_bytes(text, sizeof(text) - 1,
	    "mailban: t.conf:3: line contains a NUL byte (a config is plain text)\n"
	    "mailban: t.conf:4: line contains the control character \\x1b (a config is "
	    "plain text)\n");
}

static void
at_most_100_errors_are_shown(void **state)
{
	char	*text = malloc(200 * 16 + 64), line[32];
	size_t	 o;
	int	 i;

	(void)state;
	memcpy(text, JAIL, strlen(JAIL));
	o = strlen(JAIL);
	for (i = 0; i < 150; i++)
		o += (size_t)snprintf(text + o, 32, "bogus%d = 1\n", i);
	assert_int_equal(load(text, &(struct config *){ NULL }), -1);
	free(text);
	/* 100 lines, the first and last of which are known, then the count. */
	assert_non_null(strstr(errs, "mailban: t.conf:3: [sendmail] bogus0: unknown key"));
	snprintf(line, sizeof(line), "t.conf:%d:", 102);
	assert_non_null(strstr(errs, line));
	snprintf(line, sizeof(line), "t.conf:%d:", 103);
	assert_null(strstr(errs, line));
	assert_non_null(strstr(errs, ")\nmailban: t.conf: 50 more errors not shown\n"));
	for (o = 0, i = 0; errs[o] != '\0'; o++)
		i += errs[o] == '\n';
	assert_int_equal(i, 101);
}

/*
 * Keys added for syslog, ignoreself, backends, the journal and bantime.*.
 */

static void
syslog_facility_takes_the_syslog_names(void **state)
{
	static const struct {
		const char	*name;
		int		 want;
	} t[] = {
		{ "daemon", LOG_DAEMON }, { "authpriv", LOG_AUTHPRIV }, { "mail", LOG_MAIL },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "Local7", LOG_LOCAL7 }, { "MAIL", LOG_MAIL },
	};
	struct config	*cfg;
	char		 text[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[DEFAULT]\nsyslog_facility = %s\n" JAIL,
		    t[i].name);
		cfg = good(text);
		assert_int_equal(cfg->c_facility, t[i].want);
		config_free(cfg);
	}
}

/* Every IPv4 and IPv6 address of this host's interfaces. */
static size_t
host_addrs(struct addr *v, size_t max)
{
	struct ifaddrs	*ifa, *p;
	size_t		 n = 0;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (p = ifa; p != NULL && n < max; p = p->ifa_next) {
		if (p->ifa_addr == NULL)
			continue;
		memset(&v[n], 0, sizeof(v[n]));
		if (p->ifa_addr->sa_family == AF_INET) {
			v[n].a_family = AF_INET;
			memcpy(v[n].a_b, &((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr, 4);
			n++;
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			v[n].a_family = AF_INET6;
			memcpy(v[n].a_b, &((struct sockaddr_in6 *)(void *)p->ifa_addr)->sin6_addr, 16);
			n++;
		}
	}
	freeifaddrs(ifa);
	return n;
}

static void
ignoreself_adds_the_host_addresses(void **state)
{
	struct config	*cfg;
	struct addr	 host[64], lo;
	char		 b[64];
	size_t		 n, i, extra = 0;

	(void)state;
	n = host_addrs(host, 64);
	assert_int_equal(addr_parse("127.0.0.1", 9, &lo), 0);

	/* ignoreself = true (the default): each interface address is in. */
	cfg = good("[DEFAULT]\nignoreip = 203.0.113.0/24\n" JAIL);
	assert_int_equal(cfg->c_ignoreself, 1);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "203.0.113.0/24");
	assert_true(cidrlist_contains(&cfg->c_ignoreip, &lo));
	for (i = 0; i < n; i++)
		assert_true(cidrlist_contains(&cfg->c_ignoreip, &host[i]));
	/* Added after the configured ones, each as one host, once. */
	for (i = 3; i < cfg->c_ignoreip.cl_n; i++) {
		const struct cidr	*c = &cfg->c_ignoreip.cl_v[i];

		assert_int_equal(c->c_prefix, c->c_net.a_family == AF_INET ? 32 : 128);
		extra++;
	}
	for (i = 0; i < n; i++) {
		struct cidrlist	 cl = { cfg->c_ignoreip.cl_v, 3, 3 };
		size_t		 j;

		for (j = 0; j < i; j++)
			if (addr_cmp(&host[j], &host[i]) == 0)
				break;
		if (j == i && !cidrlist_contains(&cl, &host[i]))
			extra--;
	}
	assert_int_equal(extra, 0);
	config_free(cfg);

	/* ignoreself = false: exactly loopback and the configured ones. */
	cfg = good("[DEFAULT]\nignoreip = 203.0.113.0/24\nignoreself = false\n" JAIL);
	assert_int_equal(cfg->c_ignoreself, 0);
	assert_int_equal(cfg->c_ignoreip.cl_n, 3);
	assert_true(cidrlist_contains(&cfg->c_ignoreip, &lo));
	for (i = 0; i < n; i++) {
		struct cidrlist	 cl = { cfg->c_ignoreip.cl_v, 3, 3 };

		assert_int_equal(cidrlist_contains(&cfg->c_ignoreip, &host[i]),
		    cidrlist_contains(&cl, &host[i]));
	}
	config_free(cfg);
}

static void
logpath_journal_selects_the_journal(void **state)
{
	struct config	*cfg;

	(void)state;
	cfg = good("[DEFAULT]\nlogpath = journal\n"
	    "journalmatch = SYSLOG_IDENTIFIER=sm-mta + SYSLOG_IDENTIFIER=sendmail "
	    "_HOSTNAME=mx.example.com\n" JAIL);
	assert_int_equal(cfg->c_journal, 1);
	assert_string_equal(cfg->c_logpath, "journal");
	assert_string_equal(cfg->c_journalmatch, "SYSLOG_IDENTIFIER=sm-mta + "
	    "SYSLOG_IDENTIFIER=sendmail _HOSTNAME=mx.example.com");
	config_free(cfg);
	cfg = good("[DEFAULT]\nlogpath = /var/log/journal\n" JAIL);
	assert_int_equal(cfg->c_journal, 0);
	config_free(cfg);
}

/* logpath takes several paths and globs, as fail2ban's; each is checked. */
static void
logpath_takes_several_paths_and_globs(void **state)
{
	struct config	*cfg;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	cfg = good("[DEFAULT]\nlogpath = /var/log/mail.log \t/var/log/mail/*.log "
	    "/var/log/mail.log /var/log/sm-?.log\n" JAIL);
	assert_string_equal(cfg->c_logpath, "/var/log/mail.log /var/log/mail/*.log "
	    "/var/log/sm-?.log");
	assert_int_equal(cfg->c_nlogpaths, 3);
	assert_string_equal(cfg->c_logpaths[0], "/var/log/mail.log");
	assert_string_equal(cfg->c_logpaths[1], "/var/log/mail/*.log");
	assert_string_equal(cfg->c_logpaths[2], "/var/log/sm-?.log");
	assert_int_equal(cfg->c_journal, 0);
	assert_int_equal(cfg->c_logauto, 0);
	fp = open_memstream(&out, &len);
	config_print(cfg, fp);
	fclose(fp);
	assert_non_null(strstr(out, "\nlogpath = /var/log/mail.log /var/log/mail/*.log "
	    "/var/log/sm-?.log\n"));
	free(out);
	config_free(cfg);
	cfg = good("[DEFAULT]\nlogpath = /var/log/mail.log\n" JAIL);
	assert_int_equal(cfg->c_nlogpaths, 1);
	assert_string_equal(cfg->c_logpaths[0], "/var/log/mail.log");
	config_free(cfg);
	cfg = good("[DEFAULT]\nlogpath = journal\n" JAIL);
	assert_int_equal(cfg->c_nlogpaths, 1);
	assert_string_equal(cfg->c_logpaths[0], "journal");
	config_free(cfg);
	bad("[DEFAULT]\nlogpath = auto /var/log/mail.log\n" JAIL,
	    "mailban: t.conf:2: [DEFAULT] logpath: \"auto\" cannot be mixed with paths "
	    "(write logpath = auto alone, or only paths)\n");
	bad("[DEFAULT]\nlogpath = /var/log/mail.log /var/log/journal journal\n" JAIL,
	    "mailban: t.conf:2: [DEFAULT] logpath: \"journal\" cannot be mixed with paths "
	    "(write logpath = journal alone, or only paths)\n");
	bad("[DEFAULT]\nlogpath = /var/log/*/mail.log\n" JAIL,
	    "mailban: t.conf:2: [DEFAULT] logpath: \"/var/log/*/mail.log\": a wildcard is "
	    "allowed only in the file name (write the directory in full, such as "
	    "/var/log/mail/*.log)\n");
	bad("[DEFAULT]\nlogpath = /var/log/mail.log head\n" JAIL,
	    "mailban: t.conf:2: [DEFAULT] logpath: \"head\" is fail2ban's option of where "
	    "to start, which mailban does not take (remove it: mailban reads on from the "
	    "saved position, a new file from its start)\n");
	bad("[DEFAULT]\nlogpath = *.log\n" JAIL,
	    "mailban: t.conf:2: [DEFAULT] logpath: \"*.log\" is not an absolute path "
	    "(write each path from /, such as /var/log/mail.log)\n");
}

static void
bantime_increment_keys_are_checked(void **state)
{
	struct config	*cfg;

	(void)state;
	/* bantime.* belongs to [DEFAULT] for now; rndtime may be 0. */
	cfg = good("[DEFAULT]\nbantime.rndtime = 0\nbantime.multipliers = 7\n" JAIL);
	assert_int_equal(cfg->c_inc_rndtime, 0);
	assert_int_equal(cfg->c_inc_nmult, 1);
	assert_int_equal(cfg->c_inc_mult[0], 7);
	config_free(cfg);
}

/*
 * The .local file.
 */

static void
write_local(const char *text)
{
	write_file("t.local", text, strlen(text), 0600);
}

static int
unlink_local(void **state)
{
	(void)state;
	unlink("t.local");
	return 0;
}

static void
local_file_overrides_keys_and_adds_sections(void **state)
{
	struct config	*cfg;
	struct jail	*j;
	char		 b[64];

	(void)state;
	write_local("; local changes\n"
	    "[DEFAULT]\n"
	    "maxretry = 4\n"
	    "ignoreip = 198.51.100.7\n"
	    "[Sendmail]\n"
	    "failregex.2 = local two <HOST>\n"
	    "bantime = 2h\n"
	    "[extra]\n"
	    "failregex = extra <HOST>\n");
	cfg = good("[DEFAULT]\n"
	    "maxretry = 3\n"
	    "ignoreip = 192.0.2.0/24\n"
	    "ignoreself = false\n"
	    "findtime = 1h\n"
	    "[sendmail]\n"
	    "failregex = one <HOST>\n"
	    "failregex.2 = two <HOST>\n");
	assert_string_equal(cfg->c_file, "t.conf");
	assert_string_equal(cfg->c_localfile, "t.local");
	assert_int_equal(cfg->c_ignoreip.cl_n, 3);
	assert_string_equal(cidr_text(&cfg->c_ignoreip.cl_v[2], b, sizeof(b)), "198.51.100.7/32");
	assert_int_equal(cfg->c_njails, 2);
	j = &cfg->c_jails[0];
	assert_string_equal(j->j_name, "sendmail");
	assert_int_equal(j->j_line, 6);
	assert_int_equal(j->j_maxretry, 4);
	assert_int_equal(j->j_findtime, 3600);
	assert_int_equal(j->j_bantime, 7200);
	assert_int_equal(j->j_nfail, 2);
	assert_string_equal(j->j_fail[0].p_text, "one <HOST>");
	assert_int_equal(j->j_fail[0].p_line, 7);
	assert_string_equal(j->j_fail[0].p_file, "t.conf");
	assert_string_equal(j->j_file, "t.conf");
	assert_string_equal(j->j_fail[1].p_key, "failregex.2");
	assert_string_equal(j->j_fail[1].p_text, "local two <HOST>");
	assert_int_equal(j->j_fail[1].p_line, 6);
	assert_string_equal(j->j_fail[1].p_file, "t.local");
	j = &cfg->c_jails[1];
	assert_string_equal(j->j_name, "extra");
	assert_int_equal(j->j_line, 8);
	assert_string_equal(j->j_file, "t.local");
	assert_int_equal(j->j_maxretry, 4);
	assert_int_equal(j->j_fail[0].p_line, 9);
	assert_string_equal(j->j_fail[0].p_file, "t.local");
	config_free(cfg);
}

static void
local_file_is_refused_like_the_main_file(void **state)
{
	struct config	*cfg;

	(void)state;
	write_file("t.conf", JAIL, strlen(JAIL), 0600);
	unlink("t.local");
	assert_int_equal(symlink("t.conf", "t.local"), 0);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_null(cfg);
	assert_string_equal(errs, "mailban: cannot open t.local: Too many levels of "
	    "symbolic links (a symbolic link is refused; name the file itself)\n");
	unlink("t.local");
	assert_int_equal(mkdir("t.local", 0700), 0);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_string_equal(errs, "mailban: t.local: not a regular file\n");
	assert_int_equal(rmdir("t.local"), 0);
	if (geteuid() != 0)
		return;
	write_file("t.local", "[DEFAULT]\n", 10, 0620);
	assert_int_equal(load_path("t.conf", &cfg), -1);
	assert_string_equal(errs, "mailban: t.local: refusing a config that is writable "
	    "by group or others (chmod go-w t.local)\n");
}

static void
local_file_is_named_after_the_main_file(void **state)
{
	struct config	*cfg;

	(void)state;
	/* Without .conf, .local is appended; the directory is the main file's. */
	assert_int_equal(mkdir("sub", 0700), 0);
	write_file("sub/mb.ini", JAIL, strlen(JAIL), 0600);
	write_file("sub/mb.ini.local", "[DEFAULT]\nmaxretry = 9\n", 23, 0600);
	write_file("sub/mb.local", "[DEFAULT]\nmaxretry = 8\n", 23, 0600);
	if (load_path("sub/mb.ini", &cfg) != 0)
		fail_msg("%s", errs);
	assert_string_equal(cfg->c_localfile, "sub/mb.ini.local");
	assert_int_equal(cfg->c_jails[0].j_maxretry, 9);
	config_free(cfg);
	write_file("sub/mb.conf", JAIL, strlen(JAIL), 0600);
	assert_int_equal(load_path("sub/mb.conf", &cfg), 0);
	assert_string_equal(cfg->c_localfile, "sub/mb.local");
	assert_int_equal(cfg->c_jails[0].j_maxretry, 8);
	config_free(cfg);
	unlink("sub/mb.ini");
	unlink("sub/mb.ini.local");
	unlink("sub/mb.local");
	unlink("sub/mb.conf");
	assert_int_equal(rmdir("sub"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absent_keys_take_the_documented_defaults),
		cmocka_unit_test(every_default_key_can_be_set),
		cmocka_unit_test(blocktype6_follows_blocktype),
		cmocka_unit_test(jails_override_or_inherit_default_policy),
		cmocka_unit_test(patterns_are_sorted_by_mode_then_number),
		cmocka_unit_test(modes_extra_and_normal_are_read),
		cmocka_unit_test(quoted_patterns_keep_semicolon_hash_and_spaces),
		cmocka_unit_test(sections_and_keys_are_case_insensitive),
		cmocka_unit_test(enabled_takes_every_boolean_spelling),
		cmocka_unit_test(ports_are_sorted_without_duplicates),
		cmocka_unit_test(ports_take_service_names),
		cmocka_unit_test(fifteen_ports_are_allowed),
		cmocka_unit_test(ignoreip_takes_ipv4_mapped_networks),
		cmocka_unit_test(daemons_and_ignoreip_drop_duplicates),
		cmocka_unit_test(loopback_is_always_ignored),
		cmocka_unit_test(plain_values_may_end_in_a_comment),
		cmocka_unit_test(equally_indented_keys_are_not_continuations),
		cmocka_unit_test(crlf_line_ends_are_read),
		cmocka_unit_test(print_writes_every_effective_value),
		cmocka_unit_test(printed_config_loads_back_to_itself),
		cmocka_unit_test(free_accepts_null),
		cmocka_unit_test(missing_file_names_the_error),
		cmocka_unit_test(symlink_is_refused),
		cmocka_unit_test(directory_is_refused),
		cmocka_unit_test(writable_by_group_or_others_is_refused_as_root),
		cmocka_unit_test(not_owned_by_root_is_refused_as_root),
		cmocka_unit_test(huge_file_is_refused),
		cmocka_unit_test(too_many_lines_are_refused),
		cmocka_unit_test(percent_paren_in_a_pattern_is_not_interpolation),
		cmocka_unit_test(durations_take_fail2ban_month_and_year),
		cmocka_unit_test(long_line_is_refused),
		cmocka_unit_test(nul_and_control_bytes_are_refused),
		cmocka_unit_test(at_most_100_errors_are_shown),
		cmocka_unit_test(syslog_facility_takes_the_syslog_names),
		cmocka_unit_test(ignoreself_adds_the_host_addresses),
		cmocka_unit_test(logpath_journal_selects_the_journal),
		cmocka_unit_test(logpath_takes_several_paths_and_globs),
		cmocka_unit_test(bantime_increment_keys_are_checked),
		cmocka_unit_test_teardown(local_file_overrides_keys_and_adds_sections,
		    unlink_local),
		cmocka_unit_test_teardown(local_file_is_refused_like_the_main_file,
		    unlink_local),
		cmocka_unit_test(local_file_is_named_after_the_main_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
