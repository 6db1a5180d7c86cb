/* The sandbox of a query worker: the mechanisms in order, and what the
 * running kernel can enforce, for the start-up report. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "sandbox.h"
#include "sandbox_impl.h"

void ayb_sandbox_probe(struct ayb_sandbox_support *s)
{
	struct utsname u;

	memset(s, 0, sizeof(*s));
	s->landlock_abi = ayb_sandbox_landlock_abi();
	s->landlock_net = s->landlock_abi >= 4;
	s->landlock_scope = s->landlock_abi >= 6;
	s->seccomp = ayb_sandbox_seccomp_available();
	s->rlimit_as = ayb_sandbox_rlimit_as_usable();
	if (uname(&u) == 0)
		snprintf(s->kernel, sizeof(s->kernel), "%s", u.release);
}

/* Landlock first: it needs no_new_privs, which it sets, and restricting
 * needs syscalls the seccomp filter would not mind but a later version of
 * it might.  The filter goes last, when nothing else is left to set up. */
int ayb_sandbox_enter(const struct ayb_sandbox_policy *p, struct ayb_err *err)
{
	signal(SIGXFSZ, SIG_IGN);
	if (ayb_sandbox_landlock_enter(p->rw_dir, p->out_dir, err) < 0)
		return -1;
	if (ayb_sandbox_rlimit_enter(p, err) < 0)
		return -1;
	if (ayb_sandbox_seccomp_available() && ayb_sandbox_seccomp_enter(p->accepts, err) < 0)
		return -1;
	return 0;
}

#define RULE "======================================================================\n"

int ayb_sandbox_report(const struct ayb_isolation_config *iso,
		       const struct ayb_sandbox_support *s, struct ayb_buf *out)
{
	const char *how = iso->mode == AYB_ISOLATION_FORK ? "a fresh process per query"
							  : "per-database worker processes";

	if (iso->enabled && s->landlock_abi > 0 && s->seccomp) {
		ayb_buf_printf(out,
			       "Isolation: Landlock (filesystem%s) + seccomp + setrlimit active on query workers (%s).\n",
			       s->landlock_net ? " + network" : "", how);
		if (!s->landlock_net)
			ayb_buf_printf(out,
				       "Isolation: Landlock network rules need Linux 6.7+ (kernel %s); seccomp refuses sockets instead.\n",
				       s->kernel);
		ayb_buf_printf(out,
			       "Query limits: %lld ms, %lld MiB SQLite heap, %lld rows and %lld MiB per result, %lld MiB per file, %lld s CPU per worker.\n",
			       (long long)iso->query_timeout_ms, (long long)iso->heap_limit_mb,
			       (long long)iso->max_result_rows, (long long)iso->max_result_mb,
			       (long long)iso->max_file_size_mb, (long long)iso->cpu_seconds);
		if (!s->rlimit_as)
			ayb_buf_adds(out,
				     "Isolation: RLIMIT_AS is not applied in this AddressSanitizer build; the SQLite heap limit still is.\n");
		return 0;
	}
	ayb_buf_adds(out, RULE "WARNING: ayb query workers are running with degraded isolation.\n");
	if (!iso->enabled) {
		ayb_buf_adds(out,
			     "Isolation is disabled in the configuration (isolation.enabled = false).\n"
				  "Queries run inside ayb-api.fcgi with only SQLite's guards and limits.\n"
				  "No filesystem, network, or process limits are enforced by the kernel.\n");
	} else {
		if (s->landlock_abi <= 0)
			ayb_buf_printf(out,
				       "Landlock unavailable on this kernel (%s; requires Linux 5.13+).\n"
					    "Filesystem access from query workers is NOT restricted beyond SQLite's guards.\n",
				       s->kernel[0] ? s->kernel : "unknown");
		if (!s->seccomp)
			ayb_buf_adds(out, "seccomp unavailable on this kernel.\n"
					  "Query workers are NOT prevented from creating processes or opening sockets.\n");
		ayb_buf_printf(out, "%s resource limits ARE active.\n",
			       s->landlock_abi > 0 ? "Filesystem isolation and setrlimit"
			       : s->seccomp ? "seccomp and setrlimit" : "Only setrlimit");
	}
	ayb_buf_adds(out, "Do NOT run multi-tenant workloads in this configuration.\n"
			  "See the Isolation section of ayb-c's README.md for details.\n" RULE);
	return 1;
}
