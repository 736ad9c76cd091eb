/*
 * test_proc.c -- proc_run, the one child runner: stdout kept or split
 * into lines, stdin payload, the fixed environment and descriptors, exit
 * status with the first stderr line, signal, timeouts, start failures.
 * The children are /bin/sh -c scripts (the runner itself never uses a
 * shell: sh is just the child here) or plain programs.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lines.h"
#include "proc.h"

static int	cap_saved = -1, cap_fd = -1;

static void
cap_begin(void)
{
	fflush(stderr);
	assert_true((cap_fd = memfd_create("cap", MFD_CLOEXEC)) != -1);
	assert_true((cap_saved = dup(2)) != -1);
	assert_int_equal(dup2(cap_fd, 2), 2);
}

static char *
cap_end(void)
{
	char	*s;
	off_t	 n;

	fflush(stderr);
	assert_int_equal(dup2(cap_saved, 2), 2);
	close(cap_saved);
	assert_true((n = lseek(cap_fd, 0, SEEK_END)) != -1);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(pread(cap_fd, s, (size_t)n, 0), n);
	close(cap_fd);
	return s;
}

#define assert_logged(call, rcwant, msg) do {				\
	char	*m_;							\
	cap_begin();							\
	assert_int_equal((call), (rcwant));				\
	m_ = cap_end();							\
	assert_string_equal(m_, (msg));					\
	free(m_);							\
} while (0)

/* A proc running /bin/sh -c script, named "t", failing with tail "tail". */
static struct proc
sh(char **argv, const char *script)
{
	struct proc	p;

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)script;
	argv[3] = NULL;
	memset(&p, 0, sizeof(p));
	p.p_name = "t";
	p.p_tail = "tail";
	p.p_argv = argv;
	p.p_outmax = 1024;
	p.p_timeout = 60;
	return p;
}

static void
stdout_is_kept(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "printf 'a\\nb'; printf 'x' >&2");

	(void)state;
	assert_logged(proc_run(&p), 0, "");
	assert_int_equal(p.p_outlen, 3);
	assert_string_equal(p.p_out, "a\nb");
	assert_string_equal(p.p_errline, "x");
	assert_int_equal(p.p_status, 0);
	free(p.p_out);
}

static void
stdin_payload_is_written(void **state)
{
	char		*argv[] = { "/bin/cat", NULL };
	struct proc	 p;
	static char	 big[200000];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.p_name = "cat";
	p.p_tail = "tail";
	p.p_argv = argv;
	p.p_in = "hello\n";
	p.p_inlen = 6;
	p.p_outmax = 1024;
	p.p_timeout = 60;
	assert_logged(proc_run(&p), 0, "");
	assert_string_equal(p.p_out, "hello\n");
	free(p.p_out);
	/* More than a pipe holds, both ways at once: no deadlock. */
	memset(big, 'y', sizeof(big));
	p.p_in = big;
	p.p_inlen = sizeof(big);
	p.p_outmax = sizeof(big);
	assert_logged(proc_run(&p), 0, "");
	assert_int_equal(p.p_outlen, sizeof(big));
	assert_memory_equal(p.p_out, big, sizeof(big));
	free(p.p_out);
	/* No payload: stdin is /dev/null. */
	p.p_in = NULL;
	p.p_inlen = 0;
	assert_logged(proc_run(&p), 0, "");
	assert_int_equal(p.p_outlen, 0);
	assert_string_equal(p.p_out, "");
	free(p.p_out);
}

static void
environment_and_descriptors_are_fixed(void **state)
{
	char		*env[] = { "/usr/bin/env", NULL };
	char		*argv[4];
	struct proc	 p;
	int		 fd;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.p_name = "env";
	p.p_tail = "tail";
	p.p_argv = env;
	p.p_outmax = 1024;
	p.p_timeout = 60;
	setenv("TEST_PROC_SECRET", "x", 1);
	assert_logged(proc_run(&p), 0, "");
	assert_string_equal(p.p_out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n");
	free(p.p_out);
	/* A descriptor of ours, not close-on-exec, is not inherited. */
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(dup2(fd, 200), 200);
	close(fd);
	fd = 200;
	p = sh(argv, "for f in 0 1 2 3 4 5 6 200; do [ -e /proc/$$/fd/$f ] && "
	    "printf ' %s' $f; done; exit 0");
	assert_logged(proc_run(&p), 0, "");
	assert_string_equal(p.p_out, " 0 1 2");
	free(p.p_out);
	close(fd);
}

static void
exit_status_and_first_stderr_line(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "printf '\\n\\nfirst\\001 line\\nsecond\\n' >&2; "
	    "echo out; exit 3");

	(void)state;
	assert_logged(proc_run(&p), -1, "mailban: t exited 3: first? line; tail\n");
	assert_int_equal(p.p_status, 3);
	assert_string_equal(p.p_errline, "first? line");
	assert_null(p.p_out);
	/* Quiet: returned, not reported; the caller words it the same way. */
	p.p_quietexit = 1;
	assert_logged(proc_run(&p), -2, "");
	assert_int_equal(p.p_status, 3);
	assert_string_equal(p.p_errline, "first? line");
	assert_logged(proc_exit_error(&p, "other tail"), -1,
	    "mailban: t exited 3: first? line; other tail\n");
	/* Nothing on stderr: no colon. */
	p = sh(argv, "exit 1");
	assert_logged(proc_run(&p), -1, "mailban: t exited 1; tail\n");
	/* Only the first PROC_ERRLINE characters are quoted. */
	p = sh(argv, "head -c 300 /dev/zero | tr '\\000' e >&2; exit 2");
	cap_begin();
	assert_int_equal(proc_run(&p), -1);
	free(cap_end());
	assert_int_equal(strlen(p.p_errline), PROC_ERRLINE);
}

static void
signal_is_reported(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "kill -9 $$");

	(void)state;
	assert_logged(proc_run(&p), -1, "mailban: t killed by signal 9; tail\n");
	p.p_quietexit = 1;
	assert_logged(proc_run(&p), -1, "mailban: t killed by signal 9; tail\n");
}

static void
cannot_start(void **state)
{
	char		*rel[] = { "sh", NULL }, *none[] = { "/nonexistent/t", NULL };
	char		*nul[] = { NULL };
	struct proc	 p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.p_name = "t";
	p.p_tail = "tail";
	p.p_timeout = 60;
	p.p_argv = rel;
	assert_logged(proc_run(&p), -1, "mailban: cannot run sh: not an absolute path\n");
	p.p_argv = nul;
	assert_logged(proc_run(&p), -1, "mailban: cannot run t: not an absolute path\n");
	p.p_argv = none;
	assert_logged(proc_run(&p), -1,
	    "mailban: cannot run /nonexistent/t: No such file or directory\n");
}

static void
output_over_the_bound(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "head -c 5000 /dev/zero");

	(void)state;
	assert_logged(proc_run(&p), -1, "mailban: t: output too large; tail\n");
	assert_null(p.p_out);
}

/*
 * The timeouts: 1 s, against children that would take 60 s.  (The only
 * waits of this test; their outcome does not depend on the machine's
 * speed.)
 */
static void
timeouts_kill_the_child(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "exec sleep 60");

	(void)state;
	p.p_timeout = 1;
	assert_logged(proc_run(&p), -1,
	    "mailban: t did not finish within 1 s and was killed; tail\n");
	p = sh(argv, "echo one; exec sleep 60");
	p.p_timeout = 1;
	p.p_idle = 1;
	assert_logged(proc_run(&p), -1,
	    "mailban: t printed nothing for 1 s and was killed; tail\n");
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A child that closes stdout and stderr and then hangs: the limit still
 * holds after its pipes have ended (it is killed after 1 s, not reaped
 * after its 60 s).  The bound of 30 s only tells "killed" from "waited
 * for"; no machine is that slow to kill a sleep.
 */
static void
timeout_after_stdio_closed(void **state)
{
	char		*argv[4];
	struct proc	 p = sh(argv, "exec >&- 2>&-; exec sleep 60");
	long long	 t0;

	(void)state;
	p.p_timeout = 1;
	t0 = now_ms();
	assert_logged(proc_run(&p), -1,
	    "mailban: t did not finish within 1 s and was killed; tail\n");
	assert_true(now_ms() - t0 < 30000);
	p = sh(argv, "echo one; exec >&- 2>&-; exec sleep 60");
	p.p_timeout = 1;
	p.p_idle = 1;
	t0 = now_ms();
	assert_logged(proc_run(&p), -1,
	    "mailban: t printed nothing for 1 s and was killed; tail\n");
	assert_true(now_ms() - t0 < 30000);
}

struct got {
	char	 s[256];
	int	 n, stop;
};

static int
collect(void *arg, const char *name, const char *line, size_t len)
{
	struct got	*g = arg;
	size_t		 o = strlen(g->s);

	snprintf(g->s + o, sizeof(g->s) - o, "%s:%.*s|", name, (int)len, line);
	return ++g->n == g->stop ? -1 : 0;
}

static void
stdout_as_lines(void **state)
{
	char		*argv[4], buf[16];
	struct proc	 p = sh(argv, "printf 'a\\nbb\\r\\n0123456789abcdef\\nccc'");
	struct lines	 l;
	struct got	 g = { "", 0, 0 };

	(void)state;
	lines_init(&l, buf, sizeof(buf), 10, 0, "out", collect, &g, 0);
	p.p_lines = &l;
	assert_logged(proc_run(&p), 0, "");
	assert_null(p.p_out);
	assert_string_equal(g.s, "out:a|out:bb\r|");
	assert_int_equal(lines_end(&l, LINES_STREAM), 0);
	assert_string_equal(g.s, "out:a|out:bb\r|out:ccc|");
	assert_int_equal(l.l_lines, 3);
	assert_int_equal(l.l_long, 1);
	/* The callback stops: the child is killed, nothing reported. */
	memset(&g, 0, sizeof(g));
	g.stop = 1;
	p = sh(argv, "echo a; echo b; exec sleep 60");
	lines_init(&l, buf, sizeof(buf), 10, 0, "out", collect, &g, 0);
	p.p_lines = &l;
	assert_logged(proc_run(&p), -1, "");
	assert_string_equal(g.s, "out:a|");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stdout_is_kept),
		cmocka_unit_test(stdin_payload_is_written),
		cmocka_unit_test(environment_and_descriptors_are_fixed),
		cmocka_unit_test(exit_status_and_first_stderr_line),
		cmocka_unit_test(signal_is_reported),
		cmocka_unit_test(cannot_start),
		cmocka_unit_test(output_over_the_bound),
		cmocka_unit_test(timeouts_kill_the_child),
		cmocka_unit_test(timeout_after_stdio_closed),
		cmocka_unit_test(stdout_as_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
