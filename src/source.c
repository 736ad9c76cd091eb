/*
 * source.c -- choosing the log source (logpath = auto) and saying when it
 * cannot work.  No state: everything comes from the config, the file
 * system and `now`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "reader.h"
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
	config_logpaths(cfg);
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

/* Append one line to the problems. */
static void
say_add(char *why, size_t len, const char *line)
{
	size_t	o = strlen(why);
	int	n;

	if (o + 1 >= len)
		return;
	n = snprintf(why + o, len - o, "%s%s", o > 0 ? "\n" : "", line);
	if (n < 0 || (size_t)n >= len - o)
		why[len - 1] = '\0';
}

static void
logs_add(struct srclogs *sl, const char *path, const char *word)
{
	char	*key = reader_key(path);
	size_t	 i;

	for (i = 0; i < sl->sl_n; i++)
		if (strcmp(sl->sl_v[i].sl_key, key) == 0) {
			free(key);	/* the same file twice: once */
			return;
		}
	sl->sl_v = xreallocarray(sl->sl_v, sl->sl_n + 1, sizeof(*sl->sl_v));
	sl->sl_v[sl->sl_n].sl_path = xstrdup(path);
	sl->sl_v[sl->sl_n].sl_key = key;
	sl->sl_v[sl->sl_n].sl_word = word;
	sl->sl_n++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Is name (matched by pat in dir) a rotated sibling of a file that is
 * followed, or would be: one whose name also matches pat (mail.log.1 for
 * /var/log/mail*), or one of logpath's own paths (mail.log.1 for
 * /var/log/mail.log /var/log/mail.log*)?  Then the reader reads it with
 * that file, and it must not be followed as a log of its own.
 */
static int
rotated_of_followed(const struct config *cfg, const char *dir, const char *pat,
    const char *name)
{
	size_t	n = strlen(name), l, i, dl = strlen(dir);
	char	base[NAME_MAX + 1];

	for (l = 1; l + 2 <= n && l < sizeof(base); l++) {
		memcpy(base, name, l);
		base[l] = '\0';
		if (!reader_rotated_name(name, base))
			continue;
		if (fnmatch(pat, base, FNM_PERIOD) == 0)
			return 1;
		for (i = 0; i < cfg->c_nlogpaths; i++) {
			const char *p = cfg->c_logpaths[i];

			if (strncmp(p, dir, dl) == 0 && p[dl] == '/' &&
			    strcmp(p + dl + 1, base) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * One glob: the regular files (links not followed) of its directory whose
 * names match, sorted, without compressed files and rotated siblings.
 * 0, or 1 and a problem (the directory cannot be listed).
 */
static int
glob_logs(const struct config *cfg, const char *word, struct srclogs *sl, char *why,
    size_t len)
{
	const char	*slash = strrchr(word, '/'), *pat = slash + 1;
	char		 dir[4096], line[8400], *path, **names = NULL;
	struct dirent	*de;
	struct stat	 sb;
	size_t		 n = 0, i;
	DIR		*d;

	snprintf(dir, sizeof(dir), "%.*s", slash == word ? 1 : (int)(slash - word), word);
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(line, sizeof(line), "logpath %s: directory %s does not exist "
			    "(%s)", word, dir, JOURNAL_FIX);
		else
			snprintf(line, sizeof(line), "logpath %s: cannot list %s: %s", word,
			    dir, strerror(errno));
		say_add(why, len, line);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (fnmatch(pat, de->d_name, FNM_PERIOD) != 0 || compressed(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(sb.st_mode) ||
		    rotated_of_followed(cfg, slash == word ? "" : dir, pat, de->d_name))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		path = xmalloc(strlen(dir) + strlen(names[i]) + 2);
		snprintf(path, strlen(dir) + strlen(names[i]) + 2, "%s/%s",
		    slash == word ? "" : dir, names[i]);
		logs_add(sl, path, word);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

int
source_logs(const struct config *cfg, int check, struct srclogs *sl, char *why,
    size_t len)
{
	char	line[8400];
	size_t	i, k;
	int	n = 0;

	memset(sl, 0, sizeof(*sl));
	why[0] = '\0';
	if (cfg->c_journal)
		return 0;
	for (i = 0; i < cfg->c_nlogpaths; i++) {
		const char	*w = cfg->c_logpaths[i], *slash = strrchr(w, '/');

		if (path_has_glob(w)) {
			n += glob_logs(cfg, w, sl, why, len);
			continue;
		}
		/* A rotated file of another path: read with it, not as a log. */
		for (k = 0; k < cfg->c_nlogpaths; k++) {
			const char *o = cfg->c_logpaths[k], *os = strrchr(o, '/');

			if (k != i && !path_has_glob(o) && os - o == slash - w &&
			    strncmp(o, w, (size_t)(os - o)) == 0 &&
			    reader_rotated_name(slash + 1, os + 1))
				break;
		}
		if (k < cfg->c_nlogpaths) {
			snprintf(line, sizeof(line), "logpath %s: a rotated file of %s, "
			    "which mailban reads with it (remove it from logpath)", w,
			    cfg->c_logpaths[k]);
			say_add(why, len, line);
			n++;
			continue;
		}
		if (log_problem(w, check, line, sizeof(line))) {
			say_add(why, len, line);
			n++;
			continue;
		}
		logs_add(sl, w, w);
	}
	return n;
}

void
source_logs_free(struct srclogs *sl)
{
	size_t	i;

	for (i = 0; i < sl->sl_n; i++) {
		free(sl->sl_v[i].sl_path);
		free(sl->sl_v[i].sl_key);
	}
	free(sl->sl_v);
	sl->sl_v = NULL;
	sl->sl_n = 0;
}

int
source_follows(const struct config *cfg, const char *path)
{
	struct srclogs	 sl;
	struct stat	 sa, sb;
	char		 why[4096];
	size_t		 i;
	int		 ea, r = 0;

	source_logs(cfg, 0, &sl, why, sizeof(why));
	ea = stat(path, &sa) == -1;
	for (i = 0; i < sl.sl_n && r == 0; i++) {
		if (stat(sl.sl_v[i].sl_path, &sb) == -1)
			r = ea && strcmp(path, sl.sl_v[i].sl_path) == 0;
		else
			r = !ea && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	}
	source_logs_free(&sl);
	return r;
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
	struct srclogs	 sl;
	const char	*p, *nl;
	char		 why[16384], line[8400];
	size_t		 i;
	int		 n = 0;

	if (cfg->c_journal)
		n += tool_check("journalctl", cfg->c_journalctl, "systemd");
	else {
		/* Each path as run finds it, and each file a glob matches now. */
		n += source_logs(cfg, 1, &sl, why, sizeof(why));
		for (p = why; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
			nl = p + strcspn(p, "\n");
			log_error("%.*s", (int)(nl - p), p);
		}
		for (i = 0; i < sl.sl_n; i++)
			if (strcmp(sl.sl_v[i].sl_word, sl.sl_v[i].sl_path) != 0 &&
			    log_problem(sl.sl_v[i].sl_path, 1, line, sizeof(line))) {
				log_error("%s", line);
				n++;
			}
		source_logs_free(&sl);
	}
	n += tool_check("iptables_save", cfg->c_iptables_save, "iptables");
	n += tool_check("iptables_restore", cfg->c_iptables_restore, "iptables");
	n += tool_check("ip6tables_save", cfg->c_ip6tables_save, "iptables");
	n += tool_check("ip6tables_restore", cfg->c_ip6tables_restore, "iptables");
	if (cfg->c_backend == BACKEND_IPSET)
		n += tool_check("ipset", cfg->c_ipset, "ipset");
	return n;
}
