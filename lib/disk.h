/* A full disk under data_path: the server's fault, never the tenant's.  It
 * is told apart from a database's own size limit (README "Isolation"),
 * answered 507 Insufficient Storage, logged as every server fault is, and
 * shown by /health. */
#ifndef AYB_DISK_H
#define AYB_DISK_H

#include "error.h"

/* 1 when the file system holding `path` (a file or a directory) has less
 * than a megabyte or no inode left for an unprivileged writer; 0 when it
 * has more or cannot be asked. */
int ayb_disk_full(const char *path);

/* 1 when errno value e says the disk is full (ENOSPC, or EDQUOT: the
 * server's user is out of its quota, which is as full for the server). */
int ayb_disk_full_errno(int e);

/* Sets err to AYB_E_DISK_FULL (507) saying that `what` ("the database",
 * "the metadata store") could not be written.  Returns -1. */
int ayb_disk_full_error(struct ayb_err *err, const char *what);

#endif
