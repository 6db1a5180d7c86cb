#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"

/* Whether path is a directory; sets errno to ENOTDIR when it is not. */
static int is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return 0;
	}
	return 1;
}

int ayb_fs_mkdirs(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int ret = -1;

	if (!p)
		return -1;
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && (errno != EEXIST || !is_dir(p)))
			goto out;
		*s = c;
		if (c == '\0')
			break;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

int ayb_fs_mkdirs_for(const char *path, mode_t mode)
{
	char *p = strdup(path), *slash;
	int ret;

	if (!p)
		return -1;
	slash = strrchr(p, '/');
	if (!slash || slash == p) {
		free(p);
		return 0;
	}
	*slash = '\0';
	ret = ayb_fs_mkdirs(p, mode);
	free(p);
	return ret;
}

int ayb_fs_create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	return close(fd);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int ayb_fs_remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -1;
}

int ayb_fs_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int ayb_fs_sibling_program(const char *relative, char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n)
		out[0] = '\0';
	if (len <= 0)
		return -1;
	self[len] = '\0';
	if (!(slash = strrchr(self, '/')))
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(out, n, "%s/%s", self, relative) >= n) {
		if (n)
			out[0] = '\0';
		return -1;
	}
	return access(out, X_OK) == 0 ? 0 : -1;
}

void ayb_fs_libexec_program(const char *name, char *out, size_t n)
{
	char built[128];

	if (ayb_fs_sibling_program(name, out, n) == 0)
		return;
	snprintf(built, sizeof(built), "../cgi/%s", name);
	if (ayb_fs_sibling_program(built, out, n) == 0)
		return;
	snprintf(out, n, "%s/%s", AYB_PKGLIBEXECDIR, name);
}

int ayb_fs_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	char *tmp = ayb_fmt("%.*s.%s.XXXXXX", (int)(base - path), path, base);
	int fd = -1, dfd, saved;

	if (!dir || !tmp || (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		free(tmp);
		tmp = NULL;
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || ayb_fs_write_all(fd, p, n) < 0 || fsync(fd) < 0)
		goto fail;
	saved = close(fd);
	fd = -1;
	if (saved < 0 || rename(tmp, path) < 0)
		goto fail;
	/* Make the rename itself durable. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(dir);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	errno = saved;
	return -1;
}
