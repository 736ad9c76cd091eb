/*
 * fuzz_config.c -- libFuzzer target for the configuration loader: the
 * input is written to a private temporary file (mode 0600), loaded with
 * config_load and freed with config_free; a config that loads is also
 * printed (config_print) and its patterns compiled (filter_compile), as
 * `mailban config --check` and every run do.  Errors are reported on
 * stderr (closed by run.sh with -close_fd_mask); crashes, leaks and
 * undefined behaviour are the findings.
 * Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "filter.h"

static char	path[] = "/tmp/fuzz_config.XXXXXX";
static FILE	*devnull;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	fd;

	(void)argc;
	(void)argv;
	if ((fd = mkstemp(path)) == -1 || (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	close(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		*cfg = NULL;
	struct filterset	*fs = NULL;
	FILE			*f;

	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	if (config_load(path, &cfg) == 0) {
		config_print(cfg, devnull);
		if (filter_compile(cfg, &fs) == 0)
			filter_free(fs);
	}
	config_free(cfg);
	return 0;
}
