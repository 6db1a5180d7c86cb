/* This server as one node of several (node.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fs.h"
#include "layout.h"
#include "node.h"

/* A marker is one decimal number and a newline. */
#define MARKER_MAX 32

int ayb_node_marker_read(const char *data_path, const char *entity, const char *db,
			 int64_t *epoch, struct ayb_err *err)
{
	char *path = ayb_layout_epoch_path(data_path, entity, db, err), text[MARKER_MAX], *end;
	ssize_t n = -1;
	int fd, e;

	*epoch = 0;
	if (!path)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		e = errno;
		close(fd);
		errno = e;
	}
	if (n < 0) {
		e = errno;
		free(path);
		if (e == ENOENT)
			return 0;
		return ayb_err_set(err, AYB_E_INTERNAL, "Cannot read the epoch of %s/%s: %s",
				   entity, db, strerror(e));
	}
	free(path);
	text[n] = 0;
	*epoch = strtoll(text, &end, 10);
	if (end == text || *epoch <= 0)
		return ayb_err_set(err, AYB_E_INTERNAL, "The epoch marker of %s/%s is damaged",
				   entity, db);
	return 1;
}

int ayb_node_marker_write(const char *data_path, const char *entity, const char *db,
			  int64_t epoch, struct ayb_err *err)
{
	char *path = ayb_layout_epoch_path(data_path, entity, db, err), text[MARKER_MAX];
	int n, rc = 0;

	if (!path)
		return -1;
	n = snprintf(text, sizeof(text), "%" PRId64 "\n", epoch);
	if (ayb_fs_mkdirs_for(path, 0700) < 0 ||
	    ayb_fs_write_atomic(path, text, (size_t)n, 0600) < 0)
		rc = ayb_err_set(err, AYB_E_INTERNAL, "Cannot write the epoch of %s/%s: %s",
				 entity, db, strerror(errno));
	free(path);
	return rc;
}

/* The 503 of a database this node must not serve now. */
static int moving(const char *entity, const char *db, struct ayb_err *err)
{
	ayb_err_set(err, AYB_E_UNAVAILABLE, "Database %s/%s is moving between nodes; try again",
		    entity, db);
	err->retry_after = 1;
	return -1;
}

int ayb_node_serving(const struct ayb_config *cfg, const char *entity, const char *db,
		     const struct ayb_placement *p, struct ayb_err *err)
{
	int64_t mine;
	int found;

	if (!cfg->node || !p->node[0])
		return AYB_NODE_HERE;
	if (strcmp(p->node, cfg->node->name) != 0)
		return AYB_NODE_ELSEWHERE;
	if (p->state != AYB_PLACEMENT_SERVING)
		return moving(entity, db, err);
	if ((found = ayb_node_marker_read(cfg->data_path, entity, db, &mine, err)) < 0)
		return -1;
	/* A node that missed a move (it was down, or the move recovered its
	 * databases elsewhere) holds an older epoch: its copy is stale. */
	if (!found || mine != p->epoch)
		return moving(entity, db, err);
	return AYB_NODE_HERE;
}

void ayb_node_key(const struct ayb_config *cfg, const char *purpose,
		  unsigned char out[AYB_NODE_KEY_BYTES])
{
	crypto_auth_hmacsha256_state st;
	static const char label[] = "ayb-node ";

	crypto_auth_hmacsha256_init(&st, cfg->key, sizeof(cfg->key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, sizeof(label) - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
	crypto_auth_hmacsha256_final(&st, out);
}

/* The MAC of one forwarded request at time t, in hex. */
static void forward_mac(const struct ayb_config *cfg, const char *method, const char *uri,
			int64_t t, char hex[crypto_auth_hmacsha256_BYTES * 2 + 1])
{
	unsigned char key[AYB_NODE_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char ts[24];

	ayb_node_key(cfg, "forward", key);
	snprintf(ts, sizeof(ts), "%" PRId64, t);
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	/* NUL-separated: no method, URI or time holds one. */
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)uri, strlen(uri) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, crypto_auth_hmacsha256_BYTES * 2 + 1, mac, sizeof(mac));
	sodium_memzero(key, sizeof(key));
}

void ayb_node_forward_sign(const struct ayb_config *cfg, const char *method, const char *uri,
			   int64_t now, char out[AYB_NODE_FORWARD_SIG_MAX])
{
	char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];

	forward_mac(cfg, method, uri, now, hex);
	snprintf(out, AYB_NODE_FORWARD_SIG_MAX, "%" PRId64 ".%s", now, hex);
}

int ayb_node_forward_check(const struct ayb_config *cfg, const char *method, const char *uri,
			   const char *sig, int64_t now)
{
	char hex[crypto_auth_hmacsha256_BYTES * 2 + 1], *end;
	long long t = strtoll(sig, &end, 10);

	if (end == sig || *end != '.' || t < now - 60 || t > now + 60 ||
	    strlen(end + 1) != sizeof(hex) - 1)
		return 0;
	forward_mac(cfg, method, uri, (int64_t)t, hex);
	return sodium_memcmp(hex, end + 1, sizeof(hex) - 1) == 0;
}
