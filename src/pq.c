/*
 * pq.c -- libpq by dlopen() (see pq.h): once, all of it or nothing.
 */
#define PQ_IMPL
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "pq.h"

struct pq_api	 pq_api;

int
pq_load(char *err, size_t len)
{
	static int	 loaded;
	struct pq_api	 api;
	const char	*e;
	void		*h, *p;

	if (loaded)
		return 0;
	if ((h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(err, len, "%s, which cannot be loaded (%s): install libpq5",
		    PQ_SONAME, e != NULL ? e : "no reason given");
		return -1;
	}
	/* A pointer to function from dlsym's void *: POSIX guarantees it. */
#define PQ_SYM(f) \
	if ((p = dlsym(h, #f)) == NULL) { \
		snprintf(err, len, "%s has no %s: install the libpq5 of this " \
		    "release", PQ_SONAME, #f); \
		dlclose(h); \
		return -1; \
	} \
	memcpy(&api.f, &p, sizeof(p));
	PQ_FUNCS(PQ_SYM)
#undef PQ_SYM
	pq_api = api;
	loaded = 1;
	return 0;
}
