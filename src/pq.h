/*
 * pq.h -- libpq, loaded only when a fleet is configured.
 *
 * Linking libpq made every run pay for it and for the twenty libraries it
 * pulls in (OpenSSL, GnuTLS, Kerberos, LDAP...): measured, 13.7M
 * instructions and ~7 ms of CPU time at each start, a tenth of a no-op
 * cron run, for a feature most hosts do not use.  So libpq is opened with
 * dlopen() by the first user (the fleet key's check in config_load, the
 * fleet step), and the PQ* names used below are calls through pq_api.
 * The types and constants still come from <libpq-fe.h>.
 */
#ifndef MAILBAN_PQ_H
#define MAILBAN_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

#define PQ_SONAME	"libpq.so.5"

/* Every libpq function mailban calls. */
#define PQ_FUNCS(X) \
	X(PQclear) X(PQcmdTuples) X(PQconninfoFree) X(PQconninfoParse) \
	X(PQconnectPoll) X(PQconnectStartParams) X(PQcancel) X(PQconsumeInput) \
	X(PQerrorMessage) X(PQfinish) X(PQflush) X(PQfreeCancel) X(PQfreemem) \
	X(PQgetCancel) X(PQgetResult) X(PQgetisnull) X(PQgetvalue) X(PQisBusy) \
	X(PQntuples) X(PQresultErrorField) X(PQresultErrorMessage) \
	X(PQresultStatus) X(PQsendQuery) X(PQsendQueryParams) X(PQsetnonblocking) \
	X(PQsocket) X(PQstatus) X(PQtransactionStatus)

struct pq_api {
#define PQ_MEMBER(f)	__typeof__(f) *f;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
};
extern struct pq_api pq_api;

/*
 * Load libpq once: 0, or -1 with why (dlerror's text, and what to do) in
 * err.  Calling a PQ* function before a successful pq_load() is a bug.
 */
int	 pq_load(char *err, size_t len);

#ifndef PQ_IMPL
#define PQclear			(pq_api.PQclear)
#define PQcmdTuples		(pq_api.PQcmdTuples)
#define PQconninfoFree		(pq_api.PQconninfoFree)
#define PQconninfoParse		(pq_api.PQconninfoParse)
#define PQconnectPoll		(pq_api.PQconnectPoll)
#define PQconnectStartParams	(pq_api.PQconnectStartParams)
#define PQcancel		(pq_api.PQcancel)
#define PQconsumeInput		(pq_api.PQconsumeInput)
#define PQerrorMessage		(pq_api.PQerrorMessage)
#define PQfinish		(pq_api.PQfinish)
#define PQflush			(pq_api.PQflush)
#define PQfreeCancel		(pq_api.PQfreeCancel)
#define PQfreemem		(pq_api.PQfreemem)
#define PQgetCancel		(pq_api.PQgetCancel)
#define PQgetResult		(pq_api.PQgetResult)
#define PQgetisnull		(pq_api.PQgetisnull)
#define PQgetvalue		(pq_api.PQgetvalue)
#define PQisBusy		(pq_api.PQisBusy)
#define PQntuples		(pq_api.PQntuples)
#define PQresultErrorField	(pq_api.PQresultErrorField)
#define PQresultErrorMessage	(pq_api.PQresultErrorMessage)
#define PQresultStatus		(pq_api.PQresultStatus)
#define PQsendQuery		(pq_api.PQsendQuery)
#define PQsendQueryParams	(pq_api.PQsendQueryParams)
#define PQsetnonblocking	(pq_api.PQsetnonblocking)
#define PQsocket		(pq_api.PQsocket)
#define PQstatus		(pq_api.PQstatus)
#define PQtransactionStatus	(pq_api.PQtransactionStatus)
#endif

#endif
