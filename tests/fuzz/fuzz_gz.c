/*
 * fuzz_gz.c -- libFuzzer target for the reader's rotation path through a
 * compressed sibling: the input becomes mail.log.1.gz, rotated after the
 * file read last (mail.log.2, found by inode); reader_follow must finish
 * mail.log.2, read whatever gzip data the input holds line by line, then
 * the new mail.log -- never crash, never return an error for bad data
 * (a broken .gz is a warning), and report the new file's position.
 * Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

static char	dir[] = "/tmp/fuzz_gz.XXXXXX";
static char	p_log[PATH_MAX], p_old[PATH_MAX], p_gz[PATH_MAX];

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
put(const char *p, const void *s, size_t n, time_t mtime)
{
	struct timespec	ts[2] = { { mtime, 0 }, { mtime, 0 } };
	int		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || (n > 0 && write(fd, s, n) != (ssize_t)n) || close(fd) != 0 ||
	    utimensat(AT_FDCWD, p, ts, 0) != 0)
		abort();
}

static int
count(void *arg, const char *file, const char *line, size_t len)
{
	(void)file;
	/* Touch every byte: ASan checks the line lies in the buffer. */
	while (len-- > 0)
		*(size_t *)arg += (unsigned char)line[len] == 0xff;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(p_log, sizeof(p_log), "%s/mail.log", dir);
	snprintf(p_old, sizeof(p_old), "%s/mail.log.2", dir);
	snprintf(p_gz, sizeof(p_gz), "%s/mail.log.1.gz", dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader_stats	st;
	struct logpos		pos;
	struct stat		sb;
	size_t			ff = 0;

	unlink(p_old);
	unlink(p_gz);
	put(p_log, "A1\n", 3, 1000);
	memset(&pos, 0, sizeof(pos));
	if (reader_follow(p_log, &pos, 0, count, &ff, NULL) != 0)
		abort();
	put(p_log, "A1\nA2\n", 6, 1000);
	if (rename(p_log, p_old) != 0)
		abort();
	put(p_gz, data, size, 2000);
	put(p_log, "B1\n", 3, 3000);
	memset(&st, 0, sizeof(st));
	/* Warnings about broken data are expected (run.sh closes stderr). */
	if (reader_follow(p_log, &pos, 1, count, &ff, &st) != 0)
		abort();
	if (stat(p_log, &sb) != 0 || pos.lp_ino != (uint64_t)sb.st_ino ||
	    pos.lp_offset != 3 || st.rs_files < 2 || st.rs_rotated != 1)
		abort();
	return 0;
}
