/*
 * source.c -- choosing the log source (logpath = auto) and saying when it
 * cannot work.  No state: everything comes from the config, the file
 * system and `now`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "source.h"
#include "util.h"

#define DAY	86400
#define JOURNAL_FIX	"check the spelling; without rsyslog, sendmail logs to the " \
			"journal: write logpath = journal, or auto"

void
source_resolve(struct config *cfg, int64_t now, char *why, size_t len)
{
	struct stat	sb;
	char		t[32];

	if (!cfg->c_logauto) {
		snprintf(why, len, "%s", cfg->c_journal ? "logpath = journal" : "logpath");
		return;
	}
	if (stat(SOURCE_AUTO_LOG, &sb) == -1) {
		cfg->c_journal = 1;
		snprintf(why, len, "logpath = auto: %s %s", SOURCE_AUTO_LOG,
		    errno == ENOENT ? "does not exist" : "cannot be read");
	} else if (!S_ISREG(sb.st_mode)) {
		cfg->c_journal = 1;
		snprintf(why, len, "logpath = auto: %s is not a regular file", SOURCE_AUTO_LOG);
	} else if (sb.st_size == 0 && (now - (int64_t)sb.st_mtime >= DAY ||
	    (int64_t)sb.st_mtime - now >= DAY)) {
		cfg->c_journal = 1;
		snprintf(why, len, "logpath = auto: %s is empty and was last written %s",
		    SOURCE_AUTO_LOG, fmt_time_utc((int64_t)sb.st_mtime, t, sizeof(t)));
	} else {
		cfg->c_journal = 0;
		free(cfg->c_logpath);
		cfg->c_logpath = xstrdup(SOURCE_AUTO_LOG);
		snprintf(why, len, "logpath = auto: it exists and is being written");
	}
	if (cfg->c_journal) {
		free(cfg->c_logpath);
		cfg->c_logpath = xstrdup("journal");	/* as logpath = journal has it */
	}
}

const char *
source_name(const struct config *cfg)
{
	return cfg->c_journal ? "journal" : cfg->c_logpath;
}

static int
compressed(const char *path)
{
	static const char *const ext[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4", NULL };
	size_t	n = strlen(path), i, k;

	for (i = 0; ext[i] != NULL; i++)
		if (n > (k = strlen(ext[i])) && strcmp(path + n - k, ext[i]) == 0)
			return 1;
	return 0;
}

/* Does the directory of path exist?  (path is absolute: config.c.) */
static int
dir_exists(const char *path, char *dir, size_t len)
{
	const char	*slash = strrchr(path, '/');
	struct stat	 sb;
	size_t		 n = slash == NULL || slash == path ? 1 : (size_t)(slash - path);

	snprintf(dir, len, "%.*s", (int)n, path);
	return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * The problem of the log file, or 0.  check: also a missing file, one
 * that is not a regular file or cannot be opened.
 */
static int
log_problem(const char *path, int check, char *why, size_t len)
{
	struct stat	sb;
	char		dir[4096];
	int		fd;

	if (compressed(path)) {
		snprintf(why, len, "logpath %s: a compressed file cannot be followed "
		    "(write the live log, such as %s; read old .gz logs with mailban scan)",
		    path, SOURCE_AUTO_LOG);
		return 1;
	}
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, len, "logpath %s: %s", path, strerror(errno));
			return 1;
		}
		if (strpbrk(path, " \t,") != NULL) {
			snprintf(why, len, "logpath \"%s\": one path only (mailban follows "
			    "one live log; read old ones with mailban scan)", path);
			return 1;
		}
		if (!dir_exists(path, dir, sizeof(dir))) {
			snprintf(why, len, "logpath %s: directory %s does not exist (%s)",
			    path, dir, JOURNAL_FIX);
			return 1;
		}
		if (!check)
			return 0;	/* not written yet: the reader waits for it */
		snprintf(why, len, "logpath %s: no such file (%s)", path, JOURNAL_FIX);
		return 1;
	}
	if (!check)
		return 0;
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, len, "logpath %s: not a regular file (write the path of the "
		    "log file, such as %s)", path, SOURCE_AUTO_LOG);
		return 1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(why, len, "logpath %s: cannot read: %s", path, strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

int
source_problem(const struct config *cfg, char *why, size_t len)
{
	if (cfg->c_journal)
		return 0;	/* journalctl says what is wrong */
	return log_problem(cfg->c_logpath, 0, why, len);
}

/* One tool: 0, or 1 after saying what is wrong. */
static int
tool_check(const char *key, const char *path, const char *package)
{
	struct stat	sb;

	if (stat(path, &sb) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			log_error("%s %s: not found (install %s, or set %s = PATH)", key,
			    path, package, key);
		else
			log_error("%s %s: %s", key, path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode) || access(path, X_OK) == -1) {
		log_error("%s %s: not an executable file (install %s, or set %s = PATH)",
		    key, path, package, key);
		return 1;
	}
	return 0;
}

int
source_check(const struct config *cfg)
{
	char	why[4200];
	int	n = 0;

	if (cfg->c_journal)
		n += tool_check("journalctl", cfg->c_journalctl, "systemd");
	else if (log_problem(cfg->c_logpath, 1, why, sizeof(why))) {
		log_error("%s", why);
		n++;
	}
	n += tool_check("iptables_save", cfg->c_iptables_save, "iptables");
	n += tool_check("iptables_restore", cfg->c_iptables_restore, "iptables");
	n += tool_check("ip6tables_save", cfg->c_ip6tables_save, "iptables");
	n += tool_check("ip6tables_restore", cfg->c_ip6tables_restore, "iptables");
	if (cfg->c_backend == BACKEND_IPSET)
		n += tool_check("ipset", cfg->c_ipset, "ipset");
	return n;
}
