/* What confines a query worker (README "Isolation"):
 * Landlock (the database's own directory only, no TCP), resource limits,
 * and a seccomp filter (no new processes, no ptrace, no sockets, no
 * signals to other processes).  Each mechanism lives in its own file
 * (sandbox_landlock.c, sandbox_rlimit.c, sandbox_seccomp.c); this module
 * puts them together and says what the running kernel can enforce. */
#ifndef AYB_SANDBOX_H
#define AYB_SANDBOX_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "error.h"

struct ayb_sandbox_policy {
	const char *rw_dir;          /* the directory left reachable */
	const char *out_dir;         /* and one more, for a copy the worker makes;
					NULL: none */
	int64_t file_size_bytes;     /* RLIMIT_FSIZE; 0: unchanged */
	int64_t address_space_bytes; /* RLIMIT_AS; 0: unchanged */
	int64_t cpu_seconds;         /* RLIMIT_CPU (SIGXCPU, then SIGKILL 1 s later) */
	int64_t open_files;          /* RLIMIT_NOFILE; 0: unchanged */
	int accepts;                 /* may accept connections on a socket it
					was given (a writer); never make one */
};

/* What the running kernel (and this build) can enforce. */
struct ayb_sandbox_support {
	int landlock_abi;   /* 0: no Landlock */
	int landlock_net;   /* TCP bind/connect rules (ABI >= 4) */
	int landlock_scope; /* signals and abstract sockets scoped (ABI >= 6) */
	int seccomp;        /* seccomp filters can be loaded */
	int rlimit_as;      /* 0 in AddressSanitizer builds, which reserve
			       terabytes of address space up front */
	char kernel[80];    /* release, from uname */
};

void ayb_sandbox_probe(struct ayb_sandbox_support *s);

/* Confines the calling process for good, in this order: Landlock (sets
 * no_new_privs), rlimits, seccomp.  What the kernel lacks is skipped, as
 * ayb_sandbox_probe reports it; what it has must work.  Also makes the
 * process ignore SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG
 * (which SQLite reports) instead of killing it.  Returns 0, or -1 with err
 * (500) naming the mechanism that failed; the process must then not run
 * tenant SQL. */
int ayb_sandbox_enter(const struct ayb_sandbox_policy *p, struct ayb_err *err);

/* The start-up report of README "Isolation": appends to `out`
 * the line(s) to print, and returns 1 when isolation is degraded (disabled
 * in the configuration, or the kernel lacks Landlock or seccomp), in which
 * case the text is the loud banner meant for stderr; 0 when the text is the
 * one-line status for stdout. */
int ayb_sandbox_report(const struct ayb_isolation_config *iso,
		       const struct ayb_sandbox_support *s, struct ayb_buf *out);

#endif
