/* Small file-system helpers shared by the server, the CLI and the cron job. */
#ifndef AYB_FS_H
#define AYB_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Creates `path` and every missing parent with `mode` (like mkdir -p).
 * Returns 0, or -1 with errno set. */
int ayb_fs_mkdirs(const char *path, mode_t mode);

/* Creates the parents of the file `path` (mkdir -p of its dirname). */
int ayb_fs_mkdirs_for(const char *path, mode_t mode);

/* Deletes a directory tree without following symlinks or leaving its file
 * system.  Returns 0, or -1 when something could not be removed. */
int ayb_fs_remove_tree(const char *path);

/* Writes all n bytes, retrying short writes and EINTR.  0, or -1 with errno. */
int ayb_fs_write_all(int fd, const void *p, size_t n);

#endif
