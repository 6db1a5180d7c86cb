/* Landlock: the worker keeps every file system right beneath its
 * database's version directory (and, for a snapshot's copy, the right to
 * make and write files in the work directory made for it) and loses all
 * others; TCP bind/connect are denied where the kernel can (ABI 4), and
 * signals and abstract unix sockets are scoped to the worker (ABI 6).
 *
 * The headers of the build machine may be older than the kernel it runs
 * on (Debian 12's know ABI 2), so the newer constants are defined here and
 * the rights asked for are always cut down to the ABI the kernel reports. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "sandbox_impl.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define NET_BIND_TCP (1ULL << 0)
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; the size passed to the kernel
 * stops at the last field its ABI knows. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int ayb_sandbox_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

/* Every file system right the kernel's ABI knows. */
static uint64_t fs_rights(int abi)
{
	uint64_t r = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
		     LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		     LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		     LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/* What the second directory allows: making files in it (a copy, and
 * SQLite's journal beside it while it writes) and using them; no
 * executing, no directories, links, devices, sockets or pipes. */
static uint64_t out_rights(int abi)
{
	uint64_t r = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		     LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		     LANDLOCK_ACCESS_FS_REMOVE_FILE;

	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

/* One rule: `rights` beneath dir. */
static int allow_beneath(int rs, uint64_t rights, const char *dir, struct ayb_err *err)
{
	struct landlock_path_beneath_attr pb;
	int rc;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return ayb_err_set(err, AYB_E_INTERNAL,
				   "Landlock: cannot open a directory the worker may use: %s",
				   strerror(errno));
	rc = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	if (rc < 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "Landlock rule: %s", strerror(errno));
	return 0;
}

/* Nothing the worker needs lies outside its directories: the libraries are
 * mapped and SQLite initialised before this runs, so unlike ayb's daemon
 * there are no read-only rules for /usr or /lib at all. */
int ayb_sandbox_landlock_enter(const char *dir, const char *dir2, struct ayb_err *err)
{
	struct ruleset_attr ra;
	size_t size;
	int abi = ayb_sandbox_landlock_abi(), rs = -1, ret = -1;

	if (abi <= 0)
		return 0; /* reported at start as degraded isolation */
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = fs_rights(abi);
	size = sizeof(ra.handled_access_fs);
	if (abi >= 4) {
		ra.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
		size = offsetof(struct ruleset_attr, scoped);
	}
	if (abi >= 6) {
		ra.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;
		size = sizeof(ra);
	}
	rs = (int)syscall(SYS_landlock_create_ruleset, &ra, size, 0);
	if (rs < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Landlock ruleset: %s", strerror(errno));
		goto out;
	}
	if (allow_beneath(rs, ra.handled_access_fs, dir, err) < 0 ||
	    (dir2 && allow_beneath(rs, out_rights(abi), dir2, err) < 0))
		goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
		ayb_err_set(err, AYB_E_INTERNAL, "Landlock restrict: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (rs >= 0)
		close(rs);
	return ret;
}
