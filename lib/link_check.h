/* Checking profile links outside the request (README "The HTTP API":
 * profile links).  A profile update stores its links at once, new ones
 * unverified (profile.h), then starts ayb-link-check for the entity and
 * answers: the checker fetches each https link, within its own time limits
 * and only from public addresses (netaddr.h) unless the configuration
 * allows private ones, and writes the verified flags back if the links are
 * still the ones it checked. */
#ifndef AYB_LINK_CHECK_H
#define AYB_LINK_CHECK_H

#include "config.h"
#include "error.h"

/* Budgets of one checker pass: every link of the profile within
 * PASS_MS, each within LINK_MS (connecting within CONNECT_MS), reading
 * at most PAGE_MAX bytes of its page. */
#define AYB_LINK_CHECK_PASS_MS 20000
#define AYB_LINK_CHECK_LINK_MS 5000
#define AYB_LINK_CHECK_CONNECT_MS 3000
#define AYB_LINK_CHECK_PAGE_MAX (1024 * 1024)

/* Starts ayb-link-check (beside the running program, else in
 * pkglibexecdir) for the entity's links, detached: through a child that
 * exits at once (reaped here; init reaps the checker), in a session of its
 * own, with none of the caller's descriptors (standard error only when it
 * is a file, which a checker holding it open keeps nobody waiting on), its
 * job passed on a pipe.  Waits for two forks, never for a check: 0, or -1
 * with err (Other 503) when it could not be started. */
int ayb_link_check_start(const struct ayb_config *cfg, const char *entity, struct ayb_err *err);

/* ayb-link-check's main: reads the job on standard input and checks the
 * entity's links, unless another checker of the entity holds its lock
 * (layout.h), in which case that one picks up the links stored meanwhile.
 * Returns the exit status. */
int ayb_link_check_main(void);

#endif
