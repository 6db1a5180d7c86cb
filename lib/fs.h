/* Small file-system helpers shared by the server, the CLI and the cron job. */
#ifndef AYB_FS_H
#define AYB_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Creates `path` and every missing parent with `mode` (like mkdir -p).
 * Returns 0, or -1 with errno set (ENOTDIR when a part exists but is not a
 * directory). */
int ayb_fs_mkdirs(const char *path, mode_t mode);

/* Creates the parents of the file `path` (mkdir -p of its dirname). */
int ayb_fs_mkdirs_for(const char *path, mode_t mode);

/* Creates the file `path` empty and owner-only (0600) unless it exists, so
 * that an SQLite database opened there afterwards stays owner-only: SQLite
 * creates a file 0644 less the umask, and gives a database's -wal and -shm
 * the mode of the database file.  Whatever exists at `path` (a symlink
 * too) is left as it is.  Returns 0, or -1 with errno. */
int ayb_fs_create_private(const char *path);

/* Deletes a directory tree without following symlinks or leaving its file
 * system.  Returns 0, or -1 when something could not be removed. */
int ayb_fs_remove_tree(const char *path);

/* Writes all n bytes, retrying short writes and EINTR.  0, or -1 with errno. */
int ayb_fs_write_all(int fd, const void *p, size_t n);

/* Finds a program installed or built beside the running one: writes
 * "<directory of /proc/self/exe>/<relative>" (e.g. "ayb-query-worker" or
 * "../cgi/ayb-api.fcgi" from the build tree's cli/) into out, n bytes.
 * Returns 0 when that file is executable, else -1 (out then holds the path
 * tried, or "" when the running program's path is unknown or too long). */
int ayb_fs_sibling_program(const char *relative, char *out, size_t n);

/* A helper program of ayb-c's (ayb-query-worker, ayb-link-check): beside
 * the running program when it is there, else in ../cgi/ (the build tree,
 * for a program of cli/ or cron/), else in pkglibexecdir.  Writes the path
 * into out, n bytes. */
void ayb_fs_libexec_program(const char *name, char *out, size_t n);

/* Replaces the file `path` with n bytes at p, created with `mode`, through a
 * temporary file in the same directory, fsync and rename, then fsyncs the
 * directory: a crash or a full disk leaves the old file or the new one,
 * never half of either.  The directory must exist.  0, or -1 with errno. */
int ayb_fs_write_atomic(const char *path, const void *p, size_t n, mode_t mode);

#endif
