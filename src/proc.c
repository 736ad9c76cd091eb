/*
 * proc.c -- run a program as a child: fixed argv and environment, stdin
 * payload, stdout kept or split into lines, first stderr line, timeout.
 *
 * Input: struct proc (proc.h).  Output: the exit status, stdout, and one
 * message on failure.  Invariants:
 *  - never a shell: execve() of the absolute p_argv[0];
 *  - the child gets stdin, stdout and stderr only (every other descriptor
 *    closed) and a fixed environment;
 *  - the parent waits for the child on every path: no zombie, no child
 *    left running (killed first when the parent gives up on it);
 *  - the timeout bounds the whole run, the wait for the exit included;
 *  - one poll loop serves stdin, stdout and stderr, so no pipe can fill
 *    up and block the child while the parent waits on another.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"

#define PR_ERRBUF	4096		/* stderr kept for the message */
#define WAIT_STEP_MS	50		/* longest nap while waiting for the exit */

struct pbuf {
	char	*b;
	size_t	 len, cap;
};

/* Append n bytes, keeping b NUL-terminated. */
static void
pbuf_add(struct pbuf *b, const char *s, size_t n)
{
	size_t	ncap;

	if (b->b == NULL || n >= b->cap - b->len) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (n >= ncap - b->len)
			ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
		b->b = xreallocarray(b->b, ncap, 1);
		b->cap = ncap;
	}
	memcpy(b->b + b->len, s, n);
	b->len += n;
	b->b[b->len] = '\0';
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds (a signal may cut it short: the callers loop). */
static void
ms_sleep(long long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Child side of the fork: stdin/stdout/stderr onto in/out/err (in -1:
 * /dev/null), every other descriptor closed except the close-on-exec
 * status pipe st, which tells the parent the errno of a failed execve().
 * Fixed environment; never a shell.  Never returns.
 */
static void __attribute__((noreturn))
spawn_exec(char *const argv[], int in, int out, int err, int st)
{
	static char *const	 envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL
	};
	sigset_t		 none;
	int			 e, fd, i, max;
	int			*fds[] = { &in, &out, &err, &st };

	if (in == -1 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		goto fail;
	/* Lift everything above 2 first, so that no dup2() below clobbers a
	 * pipe that happened to land on 0, 1 or 2. */
	for (i = 0; i < (int)(sizeof(fds) / sizeof(fds[0])); i++) {
		if ((fd = fcntl(*fds[i], F_DUPFD_CLOEXEC, 3)) == -1)
			goto fail;
		*fds[i] = fd;
	}
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		goto fail;
	if ((st > 3 && close_range(3, (unsigned)st - 1, 0) == -1) ||
	    close_range((unsigned)st + 1, ~0U, 0) == -1) {
		max = (int)sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
			if (fd != st)
				close(fd);
	}
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
fail:
	e = errno;
	while (write(st, &e, sizeof(e)) == -1 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Read what fd has into b (up to max bytes kept, the rest read and
 * dropped, *overflow set): 1 more to come, 0 EOF, -1 error.
 */
static int
drain(int fd, struct pbuf *b, size_t max, int *overflow)
{
	char	chunk[65536];
	ssize_t	n;

	n = read(fd, chunk, sizeof(chunk));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (b->len + (size_t)n > max) {
		*overflow = 1;
		n = (ssize_t)(max - b->len);
	}
	pbuf_add(b, chunk, (size_t)n);
	return 1;
}

/* stdout into the line splitter: 1 more, 0 EOF, -1 error, -2 stopped. */
static int
drain_lines(int fd, struct lines *l)
{
	size_t	room;
	char	*p = lines_room(l, &room);
	ssize_t	n;

	n = read(fd, p, room);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	return lines_add(l, (size_t)n) == -1 ? -2 : 1;
}

/* The first non-empty line of s, at most PROC_ERRLINE characters, non-printables as '?'. */
static void
first_line(const char *s, char *out, size_t outlen)
{
	size_t	i, n;

	s += strspn(s, "\n");
	n = strcspn(s, "\n");
	if (n > outlen - 1)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ?
		    '?' : s[i];
	out[n] = '\0';
}

int
proc_exit_error(const struct proc *p, const char *tail)
{
	return log_error("%s exited %d%s%s; %s", p->p_name, p->p_status,
	    p->p_errline[0] != '\0' ? ": " : "", p->p_errline, tail);
}

int
proc_run(struct proc *p)
{
	char *const	*argv = p->p_argv;
	int		 ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	int		 ep[2] = { -1, -1 }, sp[2] = { -1, -1 };
	struct sigaction sa, osa;
	struct pollfd	 pfd[3];
	struct pbuf	 ob = { NULL, 0, 0 }, eb = { NULL, 0, 0 };
	const char	*call = NULL, *why = NULL;
	long long	 deadline, left;
	size_t		 off = 0;
	ssize_t		 n;
	pid_t		 pid = -1;
	int		 cerr, status, rc = -1, np, d, i, oflow = 0, eflow = 0;
	int		 timedout = 0, waited = 0;
	long long	 step;
	pid_t		 w;

	p->p_out = NULL;
	p->p_outlen = 0;
	p->p_status = 0;
	p->p_errline[0] = '\0';
	pbuf_add(&ob, "", 0);
	pbuf_add(&eb, "", 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &osa);

	if (argv[0] == NULL || argv[0][0] != '/') {
		log_error("cannot run %s: not an absolute path",
		    argv[0] != NULL ? argv[0] : p->p_name);
		goto out;
	}
	if ((p->p_in != NULL && pipe2(ip, O_CLOEXEC) == -1) ||
	    pipe2(op, O_CLOEXEC) == -1 || pipe2(ep, O_CLOEXEC) == -1 ||
	    pipe2(sp, O_CLOEXEC) == -1) {
		log_error("cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		log_error("cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		spawn_exec(argv, ip[0], op[1], ep[1], sp[1]);
	close_fd(&ip[0]);
	close_fd(&op[1]);
	close_fd(&ep[1]);
	close_fd(&sp[1]);

	while ((n = read(sp[0], &cerr, sizeof(cerr))) == -1 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(cerr)) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		waited = 1;
		log_error("cannot run %s: %s", argv[0], strerror(cerr));
		goto out;
	}

	if (ip[1] != -1 && p->p_inlen == 0)
		close_fd(&ip[1]);
	else if (ip[1] != -1 && fcntl(ip[1], F_SETFL, O_NONBLOCK) == -1) {
		call = "fcntl";
		why = strerror(errno);
		goto out_kill;
	}
	deadline = mono_ms() + p->p_timeout * 1000LL;
	while (ip[1] != -1 || op[0] != -1 || ep[0] != -1) {
		if ((left = deadline - mono_ms()) <= 0) {
			timedout = 1;
			goto out_kill;
		}
		np = 0;
		if (ip[1] != -1)
			pfd[np++] = (struct pollfd){ .fd = ip[1], .events = POLLOUT };
		if (op[0] != -1)
			pfd[np++] = (struct pollfd){ .fd = op[0], .events = POLLIN };
		if (ep[0] != -1)
			pfd[np++] = (struct pollfd){ .fd = ep[0], .events = POLLIN };
		if (poll(pfd, (nfds_t)np, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			call = "poll";
			why = strerror(errno);
			goto out_kill;
		}
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == ip[1]) {
				n = write(ip[1], p->p_in + off, p->p_inlen - off);
				if (n == -1 && errno == EPIPE)
					close_fd(&ip[1]);	/* its status says why */
				else if (n == -1 && errno != EINTR && errno != EAGAIN) {
					call = "write";
					why = strerror(errno);
					goto out_kill;
				} else if (n > 0 && (off += (size_t)n) == p->p_inlen)
					close_fd(&ip[1]);
			} else if (pfd[i].fd == op[0]) {
				if (p->p_idle)
					deadline = mono_ms() + p->p_timeout * 1000LL;
				d = p->p_lines != NULL ? drain_lines(op[0], p->p_lines) :
				    drain(op[0], &ob, p->p_outmax, &oflow);
				if (d == -2)
					goto out;	/* the callback reported */
				if (d == -1) {
					call = "read";
					why = strerror(errno);
					goto out_kill;
				}
				if (d == 0)
					close_fd(&op[0]);
				if (oflow) {
					why = "output too large";
					goto out_kill;
				}
			} else {
				if ((d = drain(ep[0], &eb, PR_ERRBUF, &eflow)) == -1) {
					call = "read";
					why = strerror(errno);
					goto out_kill;
				}
				if (d == 0)
					close_fd(&ep[0]);
			}
		}
	}
	/*
	 * Its pipes have ended, but the child may still run (it closed its
	 * stdout and stderr, or handed them to a child of its own): the
	 * deadline holds here too.  Polled, 1 ms at first, doubled up to
	 * WAIT_STEP_MS, so that a child that exits at once costs ~1 ms.
	 */
	for (step = 1;;) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w == -1 && errno != EINTR) {
			log_error("%s: waitpid: %s", p->p_name, strerror(errno));
			waited = 1;
			goto out;
		}
		if (w == -1)
			continue;
		if ((left = deadline - mono_ms()) <= 0) {
			timedout = 1;
			goto out_kill;
		}
		ms_sleep(left < step ? left : step);
		if (step < WAIT_STEP_MS)
			step *= 2;
	}
	waited = 1;
	first_line(eb.b, p->p_errline, sizeof(p->p_errline));
	if (WIFSIGNALED(status)) {
		log_error("%s killed by signal %d; %s", p->p_name, WTERMSIG(status),
		    p->p_tail);
		goto out;
	}
	if ((p->p_status = WEXITSTATUS(status)) != 0) {
		if (p->p_quietexit)
			rc = -2;
		else
			proc_exit_error(p, p->p_tail);
		goto out;
	}
	if (p->p_lines == NULL) {
		p->p_out = ob.b;
		p->p_outlen = ob.len;
		ob.b = NULL;
	}
	rc = 0;
	goto out;

out_kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	waited = 1;
	if (timedout && p->p_idle)
		log_error("%s printed nothing for %d s and was killed; %s",
		    p->p_name, p->p_timeout, p->p_tail);
	else if (timedout)
		log_error("%s did not finish within %d s and was killed; %s",
		    p->p_name, p->p_timeout, p->p_tail);
	else if (call != NULL)
		log_error("%s: %s: %s; %s", p->p_name, call, why, p->p_tail);
	else
		log_error("%s: %s; %s", p->p_name, why, p->p_tail);
out:
	if (pid > 0 && !waited) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	for (i = 0; i < 2; i++) {
		close_fd(&ip[i]);
		close_fd(&op[i]);
		close_fd(&ep[i]);
		close_fd(&sp[i]);
	}
	sigaction(SIGPIPE, &osa, NULL);
	free(ob.b);
	free(eb.b);
	return rc;
}
