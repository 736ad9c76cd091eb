/*
 * problem.h -- quiet, not silent.  cron mails whatever a run prints, so a
 * problem that lasts (the log cannot be read, the firewall fails) is said
 * when it starts, again when its text changes, at most once a day (of the
 * run's `now`) while it lasts, and once when it clears
 * ("mailban: LABEL: resolved"), each time on stderr and in syslog.
 * The state is one meta row per kind: "problem.KIND" = "SINCE SAID TEXT"
 * (epoch seconds of the run's now when it started and when it was last
 * said; TEXT one or more lines).  Written only when something is said.
 */
#ifndef MAILBAN_PROBLEM_H
#define MAILBAN_PROBLEM_H

#include <stdint.h>

struct store;

#define PROBLEM_DAY	86400

/* The kinds, in the order status shows them. */
#define PROBLEM_SOURCE		"source"
#define PROBLEM_FIREWALL	"firewall"

/*
 * This run's text of problem kind (NULL or "": none).  always: say it
 * whatever the state (dry run, -v), and change no state.  If the state
 * cannot be read or written, the text is said (never silent).
 * label: what "resolved" names ("log source", "firewall").
 */
void	 problem_say(struct store *, const char *kind, const char *label,
	    const char *text, int64_t now, int always);
/* The problem of kind in force: 1 (*since set, *text allocated), 0, -1. */
int	 problem_get(struct store *, const char *kind, int64_t *since, char **text);

#endif
