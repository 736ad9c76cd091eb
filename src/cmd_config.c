/*
 * cmd_config.c -- `mailban config [--check]`: validate the configuration
 * (every error, one line each, exit 78) and print the effective one, or
 * just "configuration OK".  --check also checks what the configuration
 * needs in the host: the log source (logpath = auto resolved), the tools
 * of the firewall backend (and journalctl), and that iptables-restore
 * --test accepts the blocktype (in a scratch chain; nothing changes).
 */
#include <sys/socket.h>

#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "firewall.h"
#include "source.h"

/* What --check adds to the ini checks: how many problems it said. */
static int
check_host(struct config *cfg)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char	why[512];
	size_t	i;
	int	n;

	source_resolve(cfg, (int64_t)time(NULL), why, sizeof(why));
	n = source_check(cfg);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *restore = families[i] == AF_INET6 ?
		    cfg->c_ip6tables_restore : cfg->c_iptables_restore;

		/* A missing tool was said; do not say it twice. */
		if (access(restore, X_OK) == 0 &&
		    firewall_test_blocktype(cfg, families[i]) == -1)
			n++;
	}
	return n;
}

int
cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmdopts		 o = { .co_cmd = "config", .co_flags = CMDOPT_NOARGS,
	    .co_long = opts, .co_help = "usage: mailban config [-c FILE] [--check]\n" };
	struct config		*cfg;
	struct filterset	*fs;
	int			 c, check = 0, rc;

	while ((c = cmd_getopt(&o, argc, argv)) != -1) {
		switch (c) {
		case 'k': check = 1; break;
		default:
			return o.co_rc;
		}
	}
	if ((rc = cmd_load(o.co_config, &cfg, &fs)) != EXIT_OK)
		return rc;
	if (check && check_host(cfg) > 0)
		rc = EXIT_CONFIG;
	else if (check)
		puts("configuration OK");
	else
		config_print(cfg, stdout);
	filter_free(fs);
	config_free(cfg);
	return rc;
}
