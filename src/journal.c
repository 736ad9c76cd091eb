/*
 * journal.c -- sendmail's entries from `journalctl -o json`.
 *
 * Input: the configuration (journalctl path, journalmatch) and the saved
 * cursor.  Output: one struct sysline per entry, to a callback, and the
 * cursor to resume after.  One line of journalctl's output is parsed by
 * journal_parse_line() (journal_json.c).
 *
 * Invariants:
 *  - journalctl runs by execve() of an absolute configured path with a
 *    fixed argv and environment, its stdin on /dev/null, no other inherited
 *    descriptor; never a shell;
 *  - its output is read as it comes, one line at a time (proc.c into the
 *    line source, lines.c), so the size of the journal does not bound
 *    anything;
 *  - a journalmatch term reaches argv only if it is "+" or FIELD=VALUE, and
 *    after "--": it can never be taken for an option.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "lines.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define IDLE_TIMEOUT	120		/* seconds without output: killed */
#define JOURNAL_BUFSZ	(JOURNAL_LINEMAX + 65536)	/* journalctl's stdout, read into */
#define MAXTERMS	64		/* journalmatch terms */

/* --- running journalctl ------------------------------------------------ */

static int
term_ok(const char *t, size_t n)
{
	size_t	i;

	if (n == 1 && t[0] == '+')
		return 1;
	/* Journal field names: upper-case letters, digits, '_'; not a digit first. */
	for (i = 0; i < n && t[i] != '='; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_' ||
		    (i > 0 && t[i] >= '0' && t[i] <= '9')))
			return 0;
	return i > 0 && i < n;
}

/* Split journalmatch at blanks into terms (caller frees each and v). */
static int
split_terms(const char *match, char **v, size_t max, size_t *n)
{
	const char	*s = match, *e;
	size_t		 len;

	*n = 0;
	if (s == NULL)
		return 0;
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			return 0;
		len = strcspn(s, " \t");
		e = s + len;
		if (!term_ok(s, len))
			return log_error("journalmatch: \"%.*s\" is not FIELD=VALUE or + "
			    "(e.g. \"_SYSTEMD_UNIT=sendmail.service + _UID=0 "
			    "SYSLOG_IDENTIFIER=sm-mta\")", (int)(len > 200 ? 200 : len), s);
		if (*n == max)
			return log_error("journalmatch: more than %zu terms", max);
		v[(*n)++] = xstrndup(s, len);
		s = e;
	}
}

struct follow {
	int		(*fn)(void *, const struct sysline *, const char *);
	void		 *arg;
	struct journal_stats *st;
	struct journal_buf jb;
	char		 cur[JOURNAL_CURSORMAX + 1];
	int		 havecur;
	int64_t		 upto;		/* entries at or before this usec: read */
	/* How journalctl ended when it exited non-zero (not yet reported). */
	int		 exitcode;
	char		 errline[PROC_ERRLINE + 1];
};

/* One line of output: 0, or -1 when the callback said stop. */
static int
entry(struct follow *fw, const char *line, size_t len)
{
	struct journal_origin org;
	struct sysline	 sl;
	const char	*c;
	size_t		 clen;
	int		 r;

	fw->st->js_entries++;
	if ((r = journal_parse_line(line, len, &fw->jb, &sl, &c, &clen, &org)) == -1) {
		fw->st->js_bad++;
		return 0;
	}
	memcpy(fw->cur, c, clen);
	fw->cur[clen] = '\0';
	fw->havecur = 1;
	if (r == 1) {
		fw->st->js_skipped++;
		return 0;
	}
	if (!journal_trusted(&org)) {
		fw->st->js_skipped++;
		fw->st->js_untrusted++;
		return 0;
	}
	if (org.jo_usec <= fw->upto) {
		fw->st->js_before++;
		return 0;
	}
	if (fw->fn(fw->arg, &sl, fw->cur) == -1)
		return -1;
	fw->st->js_passed++;
	return 0;
}

/* entry() as the line splitter calls it. */
static int
entry_fn(void *arg, const char *name, const char *line, size_t len)
{
	(void)name;
	return entry(arg, line, len);
}

/*
 * Run journalctl once, after cursor (NULL: from the start, or from
 * fw->upto's second when that is set: --since=@SECONDS), handing each
 * entry to entry().  0 done; -1 failed, reported; -2 journalctl exited
 * non-zero: fw->exitcode and fw->errline say how, not reported yet.
 */
static int
run_once(const struct config *cfg, const char *cursor, struct follow *fw)
{
	struct proc		 p;
	struct lines		 l;
	char			*argv[8 + MAXTERMS], *terms[MAXTERMS], *after = NULL;
	char			*lb = NULL, since[40];
	size_t			 nterms = 0, na = 0, i;
	int			 rc = -1;

	if (split_terms(cfg->c_journalmatch, terms, MAXTERMS, &nterms) == -1)
		goto out;
	argv[na++] = cfg->c_journalctl;
	argv[na++] = "-o";
	argv[na++] = "json";
	argv[na++] = "--no-pager";
	argv[na++] = "--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,"
	    "_HOSTNAME,_UID,_COMM,_EXE,_SYSTEMD_UNIT";
	if (cursor != NULL) {
		after = xmalloc(strlen(cursor) + sizeof("--after-cursor="));
		memcpy(after, "--after-cursor=", sizeof("--after-cursor=") - 1);
		memcpy(after + sizeof("--after-cursor=") - 1, cursor, strlen(cursor) + 1);
		argv[na++] = after;
	} else if (fw->upto >= 0 && fw->upto != INT64_MAX) {
		snprintf(since, sizeof(since), "--since=@%" PRId64, fw->upto / 1000000);
		argv[na++] = since;
	}
	argv[na++] = "--";
	for (i = 0; i < nterms; i++)
		argv[na++] = terms[i];
	argv[na] = NULL;

	/*
	 * One entry a line, handed on as it comes; a line over
	 * JOURNAL_LINEMAX is skipped and counted (js_entries, js_bad).
	 * No '\r' is removed: the line is JSON.
	 */
	lb = xmalloc(JOURNAL_BUFSZ);
	lines_init(&l, lb, JOURNAL_BUFSZ, JOURNAL_LINEMAX, 0, "journalctl", entry_fn,
	    fw, 0);
	memset(&p, 0, sizeof(p));
	p.p_name = "journalctl";
	p.p_tail = "journal not read";
	p.p_argv = argv;
	p.p_lines = &l;
	p.p_timeout = IDLE_TIMEOUT;
	p.p_idle = 1;
	p.p_quietexit = 1;
	if ((rc = proc_run(&p)) == -2) {
		/* Not reported here: journal_follow may run it again. */
		memcpy(fw->errline, p.p_errline, sizeof(fw->errline));
		fw->exitcode = p.p_status;
	} else if (rc == 0 && lines_end(&l, LINES_STREAM) == -1)
		rc = -1;	/* an unterminated last line is a whole entry */
	fw->st->js_entries += l.l_long;
	fw->st->js_bad += l.l_long;
out:
	for (i = 0; i < nterms; i++)
		free(terms[i]);
	free(after);
	free(lb);
	return rc;
}

/*
 * The time in a cursor, its "t=" part (hex microseconds of the entry's
 * __REALTIME_TIMESTAMP): 0 and *usec, or -1 if it has none.
 */
static int
cursor_time(const char *cursor, int64_t *usec)
{
	const char	*p = cursor;
	uint64_t	 v;
	size_t		 n, k;
	int		 c;

	for (;;) {
		n = strcspn(p, ";");
		if (n > 2 && p[0] == 't' && p[1] == '=' && n - 2 <= 15) {
			for (v = 0, k = 2; k < n; k++) {
				c = (unsigned char)p[k];
				if (c >= '0' && c <= '9')
					c -= '0';
				else if (c >= 'a' && c <= 'f')
					c -= 'a' - 10;
				else
					break;
				v = v << 4 | (unsigned)c;
			}
			if (k == n) {
				*usec = (int64_t)v;
				return 0;
			}
		}
		if (p[n] == '\0')
			return -1;
		p += n + 1;
	}
}

static void
report_exit(const struct follow *fw)
{
	log_error("journalctl exited %d%s%s; journal not read (check "
	    "journalmatch, or the saved cursor)", fw->exitcode,
	    fw->errline[0] != '\0' ? ": " : "", fw->errline);
}

int
journal_follow(const struct config *cfg, const char *cursor,
    int (*fn)(void *, const struct sysline *, const char *), void *arg,
    char **newcursor, struct journal_stats *stats)
{
	struct journal_stats	 dummy;
	struct follow		 fw;
	struct sigaction	 sa, osa;
	char			 why[PROC_ERRLINE + 1], tbuf[32];
	int64_t			 t;
	uint64_t		 entries0;
	int			 rc = -1, r, notime;

	*newcursor = NULL;
	memset(&dummy, 0, sizeof(dummy));
	memset(&fw, 0, sizeof(fw));
	fw.fn = fn;
	fw.arg = arg;
	fw.st = stats != NULL ? stats : &dummy;
	fw.upto = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &osa);

	if (cfg->c_journalctl == NULL || cfg->c_journalctl[0] != '/') {
		log_error("cannot run %s: not an absolute path",
		    cfg->c_journalctl != NULL ? cfg->c_journalctl : "journalctl");
		goto out;
	}
	if (cursor != NULL && (strlen(cursor) > JOURNAL_CURSORMAX ||
	    strpbrk(cursor, " \t\r\n") != NULL)) {
		log_error("journal cursor \"%.40s...\" is not one journalctl printed",
		    cursor);
		goto out;
	}
	entries0 = fw.st->js_entries;
	if ((r = run_once(cfg, cursor, &fw)) == -2 && cursor != NULL &&
	    fw.st->js_entries == entries0) {
		/*
		 * journalctl refused the cursor before printing anything (it
		 * seeks first): read again without it, from the second of the
		 * cursor's time.  What is at or before that time was read; with
		 * no time in it, everything printed now is taken as read
		 * (nothing twice, at the cost of what came since the last run).
		 */
		memcpy(why, fw.errline, sizeof(why));
		notime = cursor_time(cursor, &t) == -1;
		fw.upto = notime ? INT64_MAX : t;
		fw.exitcode = 0;
		fw.errline[0] = '\0';
		if ((r = run_once(cfg, NULL, &fw)) == 0) {
			if (notime)
				log_warnx("journal cursor \"%.60s\" refused by journalctl "
				    "(%s) and it holds no time: the %" PRIu64 " entries in "
				    "the journal now are taken as read, those since the "
				    "last run are not counted", cursor,
				    why[0] != '\0' ? why : "no reason given",
				    fw.st->js_before);
			else
				log_warnx("journal cursor \"%.60s\" refused by journalctl "
				    "(%s): reading the entries after its time, %s",
				    cursor, why[0] != '\0' ? why : "no reason given",
				    fmt_time_utc(t / 1000000, tbuf, sizeof(tbuf)));
		}
	}
	if (r == -2)
		report_exit(&fw);
	if (r != 0)
		goto out;
	if (fw.havecur)
		*newcursor = xstrdup(fw.cur);
	else if (cursor != NULL)
		*newcursor = xstrdup(cursor);
	rc = 0;
out:
	sigaction(SIGPIPE, &osa, NULL);
	journal_buf_free(&fw.jb);
	return rc;
}
