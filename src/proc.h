/*
 * proc.h -- the one way mailban runs a program (iptables, ip6tables,
 * ipset, journalctl): fork and execve of an absolute path with a fixed
 * argv and a fixed environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin,
 * LC_ALL=C), never a shell, no inherited descriptor but stdin, stdout and
 * stderr.  nft is not a child: libnftables runs in-process (nft.c).
 *
 * stdin: p_in (p_inlen bytes, written as the child reads them), or
 * /dev/null when p_in is NULL.  stdout: kept whole in p_out (at most
 * p_outmax bytes: more is an error), or, with p_lines, split into lines
 * there as it comes (lines.h; the caller calls lines_end after a run that
 * succeeded).  stderr: its first non-empty line is kept (p_errline, at
 * most PROC_ERRLINE characters, non-printables as '?') for the message.
 * p_timeout seconds: in all, the wait for its exit included (a child
 * that closes stdout and stderr and hangs is no exception; the child is
 * killed: "NAME did not finish
 * within N s and was killed; TAIL"), or with p_idle since stdout last
 * gave bytes ("NAME printed nothing for N s and was killed; TAIL").
 *
 * Reported once, in one wording, each ending in "; TAIL" (p_tail: what
 * the failure leaves undone):
 *   cannot run PATH: not an absolute path        (no tail)
 *   cannot run PATH: REASON                      (could not start; no tail)
 *   NAME killed by signal N; TAIL
 *   NAME exited N[: FIRST STDERR LINE]; TAIL     (proc_exit_error)
 *   NAME: CALL: REASON; TAIL                     (poll, read, write failed)
 *   NAME: output too large; TAIL
 *   NAME: waitpid: REASON                        (no tail)
 * SIGPIPE is ignored while the child runs: a child that dies early gives
 * EPIPE, which its exit status then explains.
 */
#ifndef MAILBAN_PROC_H
#define MAILBAN_PROC_H

#include <stddef.h>

#include "lines.h"

#define PROC_ERRLINE	200	/* characters of stderr quoted */

struct proc {
	/* What to run (the caller's). */
	const char	*p_name;	/* what messages call it: "iptables-restore" */
	const char	*p_tail;	/* what a failure means: "chain left unchanged" */
	char *const	*p_argv;	/* p_argv[0]: an absolute path */
	const char	*p_in;		/* stdin payload; NULL: /dev/null */
	size_t		 p_inlen;
	size_t		 p_outmax;	/* bound on a kept stdout */
	struct lines	*p_lines;	/* not NULL: stdout goes there, not to p_out */
	int		 p_timeout;	/* seconds */
	int		 p_idle;	/* 1: p_timeout counts from the last output */
	int		 p_quietexit;	/* 1: a non-zero exit is -2, not reported */
	/* How it went (proc_run's). */
	char		*p_out;		/* stdout, NUL-terminated; caller frees */
	size_t		 p_outlen;
	int		 p_status;	/* exit status */
	char		 p_errline[PROC_ERRLINE + 1];
};

/*
 * Run p.  0: it exited 0 (p_out, when kept, is the caller's).  -1: failed,
 * reported; or the line callback stopped (the child is killed, nothing is
 * reported: the callback did).  -2 (p_quietexit only): it exited non-zero,
 * p_status and p_errline say how, not reported.
 */
int	 proc_run(struct proc *p);

/* Report a non-zero exit: "NAME exited N[: FIRST STDERR LINE]; tail". */
int	 proc_exit_error(const struct proc *p, const char *tail);

#endif
