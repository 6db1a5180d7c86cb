/* Resource limits of a query worker.  The kernel enforces them whatever the
 * worker's code does: RLIMIT_CPU ends a runaway process (SIGXCPU, then
 * SIGKILL a second later), RLIMIT_FSIZE stops a file growing (EFBIG, with
 * SIGXFSZ ignored), RLIMIT_AS bounds memory beyond SQLite's own heap
 * limit, RLIMIT_NOFILE bounds descriptors, and RLIMIT_CORE 0 keeps tenant
 * data out of core files. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "sandbox_impl.h"

/* AddressSanitizer reserves terabytes of address space for its shadow
 * memory at start, so any useful RLIMIT_AS would stop the process at once.
 * In such a build (configure --enable-sanitizers) memory is bounded by
 * sqlite3_hard_heap_limit64 alone. */
int ayb_sandbox_rlimit_as_usable(void)
{
#ifdef HAVE_ASAN
	return 0;
#else
	return 1;
#endif
}

static int set(int resource, const char *name, rlim_t soft, rlim_t hard, struct ayb_err *err)
{
	struct rlimit r = { soft, hard };

	if (setrlimit(resource, &r) < 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "setrlimit(%s): %s", name,
				   strerror(errno));
	return 0;
}

int ayb_sandbox_rlimit_enter(const struct ayb_sandbox_policy *p, struct ayb_err *err)
{
	if (set(RLIMIT_CORE, "RLIMIT_CORE", 0, 0, err) < 0)
		return -1;
	if (p->cpu_seconds > 0 &&
	    set(RLIMIT_CPU, "RLIMIT_CPU", (rlim_t)p->cpu_seconds, (rlim_t)p->cpu_seconds + 1,
		err) < 0)
		return -1;
	if (p->file_size_bytes > 0 &&
	    set(RLIMIT_FSIZE, "RLIMIT_FSIZE", (rlim_t)p->file_size_bytes,
		(rlim_t)p->file_size_bytes, err) < 0)
		return -1;
	if (p->open_files > 0 &&
	    set(RLIMIT_NOFILE, "RLIMIT_NOFILE", (rlim_t)p->open_files, (rlim_t)p->open_files,
		err) < 0)
		return -1;
	if (p->address_space_bytes > 0 && ayb_sandbox_rlimit_as_usable() &&
	    set(RLIMIT_AS, "RLIMIT_AS", (rlim_t)p->address_space_bytes,
		(rlim_t)p->address_space_bytes, err) < 0)
		return -1;
	return 0;
}
