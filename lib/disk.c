#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <sys/statvfs.h>

#include "disk.h"

/* SQLite's unix VFS turns ENOSPC into SQLITE_FULL with no system error, as
 * PRAGMA max_page_count does, so a failed write says nothing more than "full"
 * and the file system has to be asked afterwards.  A write fails once less
 * than its own size (a WAL frame: one page) is left; the margin is larger so
 * that a file system allocating in big blocks or keeping reservations (ext4,
 * XFS) still counts as full, and small enough that no tenant's size limit is
 * ever mistaken for it on a disk with room to spare. */
#define FULL_MARGIN_BYTES ((uint64_t)1 << 20)

int ayb_disk_full(const char *path)
{
	struct statvfs st;

	if (!path || statvfs(path, &st) < 0)
		return 0;
	/* f_files is 0 on file systems without an inode limit (btrfs). */
	return (uint64_t)st.f_bavail * st.f_frsize < FULL_MARGIN_BYTES ||
	       (st.f_files > 0 && st.f_favail == 0);
}

int ayb_disk_full_errno(int e)
{
	return e == ENOSPC || e == EDQUOT;
}

int ayb_disk_full_error(struct ayb_err *err, const char *what)
{
	return ayb_err_set(err, AYB_E_DISK_FULL,
			   "Insufficient storage: the server's disk is full, so %s could not be "
			   "written; try again later", what);
}
