/*
 * journal.h -- read sendmail's entries from systemd's journal
 * (logpath = journal), for hosts that keep no mail.log.
 *
 * journal_follow() runs, with a fixed argv and never a shell,
 *   JOURNALCTL -o json --no-pager --output-fields=MESSAGE,SYSLOG_IDENTIFIER,
 *       SYSLOG_PID,_PID,_HOSTNAME,_UID,_COMM,_EXE,_SYSTEMD_UNIT
 *       [--after-cursor=CURSOR] -- TERM...
 * where the TERMs are c_journalmatch split at blanks ("FIELD=VALUE", and
 * "+" as its own item for OR).  It reads journalctl's stdout as it comes
 * (no size limit on the whole, one entry per line) and hands each entry to
 * the callback as a struct sysline, with the entry's cursor.  Without a
 * cursor (first run) it reads the whole journal, every boot journald still
 * keeps, as the file reader reads the whole mail.log the first time: bans
 * come from event times, so old entries only yield bans already expired,
 * and a failure sequence that spans a reboot still counts.
 *
 * An entry's time is __REALTIME_TIMESTAMP (microseconds, UTC; when journald
 * received it), truncated to seconds: no time zone, no year to guess.
 * The daemon is SYSLOG_IDENTIFIER, the pid SYSLOG_PID (what sendmail wrote
 * as "sm-mta[PID]", as in mail.log) or else _PID, the host _HOSTNAME.
 * MESSAGE comes as a JSON string or, when it holds control characters or
 * bytes that are not UTF-8, as an array of byte values; both are decoded
 * to the exact bytes.  Entries without a usable MESSAGE (journalctl prints
 * null for a field of 4096 bytes or more, and an array of values for a
 * field given several times) are skipped and counted; their cursor still
 * counts, so they are not read again.
 *
 * Only sendmail speaks: SYSLOG_IDENTIFIER (and MESSAGE) are whatever the
 * client wrote -- `logger -t sm-mta` as any user sets them -- so an entry
 * is handed on only if the fields journald itself recorded about the
 * sender show sendmail (journal_trusted): _UID 0, and _SYSTEMD_UNIT
 * sendmail.service, or _COMM or the file name of _EXE sm-mta, sendmail,
 * sendmail-* or sendmail.* (Debian's daemon is sendmail-mta, exe
 * /usr/lib/sm.bin/sendmail; others run sendmail or sendmail.sendmail).  A
 * root entry without any of the three is taken too: journald reads them
 * from /proc, and a sendmail child that logs and exits at once (lost input
 * channel, ...) can be gone by then.  Other entries are skipped and
 * counted (js_untrusted, also in js_skipped).  journalmatch only selects
 * what journalctl prints; it is never what makes an entry trusted.
 */
#ifndef MAILBAN_JOURNAL_H
#define MAILBAN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "syslog.h"

#define JOURNAL_LINEMAX		(1024 * 1024)	/* longer output lines: skipped */
#define JOURNAL_CURSORMAX	512		/* longer cursors: not understood */

/* Where journal_parse_line() decodes the strings of an entry. */
struct journal_buf {
	char	*jb_b;
	size_t	 jb_len, jb_cap;
};

void	 journal_buf_free(struct journal_buf *);	/* NULL is fine; zeroes it */

/* The caller zeroes them; journal_follow() adds to them (may be NULL). */
struct journal_stats {
	uint64_t js_entries;	/* lines of journalctl output */
	uint64_t js_passed;	/* entries handed to the callback */
	uint64_t js_skipped;	/* entries without a usable MESSAGE, or untrusted */
	uint64_t js_untrusted;	/* entries not from sendmail (journal_trusted) */
	uint64_t js_before;	/* after a refused cursor: entries taken as read */
	uint64_t js_bad;	/* lines not understood, or over JOURNAL_LINEMAX */
};

/*
 * Who sent an entry, as journald recorded it (never client-written):
 * _UID (-1 absent or not a decimal string), _COMM, _EXE, _SYSTEMD_UNIT
 * (NULL absent or not a string; pointing into the journal_buf).
 */
struct journal_origin {
	int64_t		 jo_usec;	/* __REALTIME_TIMESTAMP (not an origin; for the cursor) */
	int64_t		 jo_uid;
	const char	*jo_comm, *jo_exe, *jo_unit;
	size_t		 jo_commlen, jo_exelen, jo_unitlen;
};

/* Pure: 1 if the origin shows sendmail (see above), else 0. */
int	 journal_trusted(const struct journal_origin *);

/*
 * Pure: one line of `journalctl -o json` output (json[0..len), no '\n').
 *   0  an entry: *out is filled; its strings (host, daemon, message) point
 *      into buf, valid until the next call with the same buf; s_format is
 *      TS_RFC3339 (an exact UTC time).
 *   1  a well-formed entry without a usable MESSAGE (null, several values,
 *      missing): skip it.
 *   -1 not understood: not one JSON object, no __CURSOR or
 *      __REALTIME_TIMESTAMP (or not a string of digits), a repeated key
 *      that is used here, a lone UTF-16 surrogate, a byte array element
 *      outside 0..255, nesting deeper than 16.
 * On 0 and 1, *cursor and *cursorlen give __CURSOR, pointing into json (not
 * NUL-terminated; a cursor needing JSON escapes, or over
 * JOURNAL_CURSORMAX, is refused); on -1 *cursor is NULL.  Nothing is
 * logged: bad input is data.  On 0, *org (if not NULL) is the entry's
 * origin; the entry is not checked against it here.
 */
int	 journal_parse_line(const char *json, size_t len, struct journal_buf *buf,
	    struct sysline *out, const char **cursor, size_t *cursorlen,
	    struct journal_origin *org);

/*
 * Run journalctl (cfg->c_journalctl, an absolute path; cfg->c_journalmatch)
 * after cursor (NULL: from the start) and call fn for each entry, in
 * journal order; cursor is that entry's (NUL-terminated; valid during the
 * call).  fn returns 0 to go on, -1 to stop: journalctl is killed and -1
 * returned without a message (fn reported).
 * On 0, *newcursor (caller frees) is the cursor of the last entry read,
 * skipped ones included, else a copy of cursor (NULL if that is NULL):
 * save it with the entries' results, in one transaction.  On -1 it is NULL.
 * Reported once: a bad journalmatch term, "cannot run PATH: REASON",
 * "journalctl exited N: FIRST STDERR LINE; journal not read (...)", a
 * signal, or 120 s without output (the child is killed).
 * A cursor that journalctl refuses (it exits non-zero before printing an
 * entry: a cursor edited, cut or from elsewhere) does not stop every later
 * run: journalctl is run again without it (--since=@ the second of the
 * cursor's time, when it has one), and the entries at or before
 * the cursor's own time (its "t=" part, microseconds) are taken as read
 * (js_before), the later ones handed on; with no time in the cursor every
 * entry printed is taken as read (nothing counted twice; what came since
 * the last run is lost, and the warning says so).  One warning names the
 * cursor and journalctl's reason; *newcursor is then a cursor journalctl
 * printed, so the next run is quiet.  Should the second run fail too,
 * that failure is the one reported, and -1 returned.  Limit: an entry
 * whose time is at or before the cursor's (a clock set back) is not read.
 */
int	 journal_follow(const struct config *, const char *cursor,
	    int (*fn)(void *, const struct sysline *, const char *cursor), void *arg,
	    char **newcursor, struct journal_stats *);

#endif
