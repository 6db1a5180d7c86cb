/* The seccomp filter of a query worker (libseccomp).  It allows by default
 * and refuses, with EPERM, what a process that only runs SQLite on files
 * it already reaches never needs, and what an attacker who took over the
 * process would want first: new processes and programs, other processes'
 * memory, the network, signals to anyone else, raising its own limits,
 * and the kernel's larger attack surfaces (namespaces, mounts, keyrings,
 * BPF, perf, userfaultfd, io_uring, modules).  An allow-list would be
 * tighter, but would have to track every syscall glibc, SQLite and the
 * sanitizers make across versions; Landlock and the rlimits bound the
 * rest. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "sandbox_impl.h"

static const char *const denied[] = {
	/* processes and programs */
	"fork", "vfork", "clone", "execve", "execveat",
	/* other processes */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_open", "pidfd_getfd", "pidfd_send_signal",
	"kill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	/* the network, and unix sockets too: a worker talks over its pipes;
	 * a writer accepts on the socket it was given (ACCEPTS) */
	"socket", "socketpair", "connect", "bind", "listen",
	/* its own limits */
	"setrlimit",
	/* files by handle, around Landlock's path checks */
	"open_by_handle_at", "name_to_handle_at",
	/* namespaces, mounts, system state */
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen",
	"fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr",
	"swapon", "swapoff", "reboot", "acct", "quotactl", "syslog",
	"settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
	"sethostname", "setdomainname", "iopl", "ioperm",
	/* large kernel attack surfaces */
	"keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"fanotify_init", "lookup_dcookie",
};

int ayb_sandbox_seccomp_available(void)
{
	/* PR_GET_SECCOMP fails with EINVAL when the kernel has no seccomp. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
}

static int add(scmp_filter_ctx ctx, int errno_value, const char *name, unsigned n,
	       const struct scmp_arg_cmp *cmp, struct ayb_err *err)
{
	int nr = seccomp_syscall_resolve_name(name), rc;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp: nothing to refuse */
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(errno_value), nr, n, cmp);
	if (rc < 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "seccomp rule for %s: %s", name,
				   strerror(-rc));
	return 0;
}

static const char *const accepts_calls[] = { "accept", "accept4" };

int ayb_sandbox_seccomp_enter(int accepts, struct ayb_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp cmp;
	int rc, ret = -1;

	if (!ctx)
		return ayb_err_set(err, AYB_E_INTERNAL, "seccomp_init failed");
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (add(ctx, EPERM, denied[i], 0, NULL, err) < 0)
			goto out;
	for (size_t i = 0; !accepts && i < sizeof(accepts_calls) / sizeof(accepts_calls[0]); i++)
		if (add(ctx, EPERM, accepts_calls[i], 0, NULL, err) < 0)
			goto out;
	/* glibc tries clone3 first and falls back to clone on ENOSYS, which
	 * then meets EPERM above. */
	if (add(ctx, ENOSYS, "clone3", 0, NULL, err) < 0)
		goto out;
	/* abort() and raise() signal the process itself with tgkill. */
	cmp = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid());
	if (add(ctx, EPERM, "tgkill", 1, &cmp, err) < 0)
		goto out;
	/* Reading limits stays allowed (new_limit NULL); setting them not. */
	cmp = SCMP_A2(SCMP_CMP_NE, 0);
	if (add(ctx, EPERM, "prlimit64", 1, &cmp, err) < 0)
		goto out;
	rc = seccomp_load(ctx);
	if (rc < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "seccomp_load: %s", strerror(-rc));
		goto out;
	}
	ret = 0;
out:
	seccomp_release(ctx);
	return ret;
}
