/* The floor of bench/run.sh: the least a FastCGI program can do per
 * request with libfcgi, so that ayb-api.fcgi's figures can be read as a
 * ratio against what the web server and the FastCGI protocol cost on their
 * own, on the same machine in the same minute.
 *
 *   hello-fcgi [BODY_FILE]
 *
 * Answers every request with 200, Content-Type application/json and the
 * bytes of BODY_FILE (read once, before the first request), or
 * {"status":"ok"} without one, the body of ayb's /health.  The request body
 * is read and dropped, as a real program must do before it answers.  Same
 * loop as ayb-api.fcgi (FCGX_Accept_r on fd 0, one request at a time), same
 * libfcgi, nothing else. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char default_body[] = "{\"status\":\"ok\"}";

/* The whole file, or NULL with a message on stderr.  The caller frees. */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !(p = malloc((size_t)st.st_size + 1)))
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, (size_t)st.st_size - got);

		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return p;
fail:
	fprintf(stderr, "hello-fcgi: %s: %s\n", path, strerror(errno ? errno : EIO));
	free(p);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	FCGX_Request r;
	const char *body = default_body;
	char head[128], *owned = NULL, sink[4096];
	size_t len = sizeof(default_body) - 1;
	int hlen;

	if (argc > 1 && !(body = owned = slurp(argv[1], &len)))
		return 1;
	hlen = snprintf(head, sizeof(head),
			"Status: 200 OK\r\nContent-Type: application/json\r\n\r\n");
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		while (FCGX_GetStr(sink, sizeof(sink), r.in) > 0)
			;
		FCGX_PutStr(head, hlen, r.out);
		FCGX_PutStr(body, (int)len, r.out);
		FCGX_Finish_r(&r);
	}
	free(owned);
	return 0;
}
