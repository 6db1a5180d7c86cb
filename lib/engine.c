/* Which engine a hosted file belongs to, read from the file itself. */
#include "autoconfig.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "store.h"

int ayb_engine_of_file(const char *path)
{
	char h[12];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : read(fd, h, sizeof(h));

	if (fd >= 0)
		close(fd);
	/* A DuckDB file: its header's checksum, then the magic "DUCK". */
	return n == (ssize_t)sizeof(h) && memcmp(h + 8, "DUCK", 4) == 0 ? AYB_DB_DUCKDB :
									      AYB_DB_SQLITE;
}
