/* The sandbox mechanisms, one file each; only sandbox.c calls them. */
#ifndef AYB_SANDBOX_IMPL_H
#define AYB_SANDBOX_IMPL_H

#include "sandbox.h"

/* sandbox_landlock.c (or sandbox_landlock_none.c without <linux/landlock.h>) */
/* The Landlock ABI version the kernel offers; 0 when none. */
int ayb_sandbox_landlock_abi(void);
/* Restricts the process to `dir` and `dir2` (NULL: none): every file
 * system right beneath them, nothing anywhere else; denies TCP bind/connect
 * (ABI >= 4) and scopes signals and abstract unix sockets to the process
 * (ABI >= 6).  Sets no_new_privs.  Returns 0 (also when the kernel has no
 * Landlock), or -1 with err. */
int ayb_sandbox_landlock_enter(const char *dir, const char *dir2, struct ayb_err *err);

/* sandbox_rlimit.c */
/* 1 when RLIMIT_AS can be applied (not an AddressSanitizer build). */
int ayb_sandbox_rlimit_as_usable(void);
/* Applies the policy's limits (soft = hard, but CPU: hard = soft + 1) and
 * RLIMIT_CORE 0, so a crashed worker never dumps tenant data.  Returns 0,
 * or -1 with err. */
int ayb_sandbox_rlimit_enter(const struct ayb_sandbox_policy *p, struct ayb_err *err);

/* sandbox_seccomp.c */
/* 1 when the kernel accepts seccomp filters. */
int ayb_sandbox_seccomp_available(void);
/* Loads the filter: EPERM for process creation (fork, vfork, clone,
 * execve), ptrace and cross-process memory access, sockets, signals to
 * any other process, raising resource limits, namespaces, mounts, keys,
 * BPF, perf, userfaultfd, io_uring and kernel modules.  Returns 0, or -1
 * with err. */
int ayb_sandbox_seccomp_enter(int accepts, struct ayb_err *err);

#endif
