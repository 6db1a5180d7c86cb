/* Requests between the nodes of a cluster (README "Several machines"): the
 * admin's calls to a node's /_ayb/node/ endpoints carry a signature, an
 * HMAC-SHA-256 over the method, the path, the body's SHA-256 and a Unix
 * time, keyed by ayb_node_key(cfg, "admin") (lib/node.h), derived from
 * fernet_key, the secret every node of a cluster shares.  A node answers
 * only a signature it can check whose time is within AYB_NODE_SIGN_WINDOW
 * seconds of its own clock. */
#ifndef AYB_NODE_SIGN_H
#define AYB_NODE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "node.h"

#define AYB_NODE_SIGN_WINDOW 60
#define AYB_NODE_SIGN_PURPOSE "admin"
/* The headers: the time in decimal, the signature in lowercase hex. */
#define AYB_NODE_TIME_HEADER "ayb-node-time"
#define AYB_NODE_SIGNATURE_HEADER "ayb-node-signature"
#define AYB_NODE_SIGNATURE_HEX 64

/* The signature of a request at time `now` with `key`, written as hex into
 * out (NUL-terminated). */
void ayb_node_sign(const unsigned char key[AYB_NODE_KEY_BYTES], const char *method,
		   const char *path, const void *body, size_t len, int64_t now,
		   char out[AYB_NODE_SIGNATURE_HEX + 1]);

/* Checks the two headers' values (NULL: absent) against the request at
 * time `now`.  Returns 0, or -1 with err Other (401) "Missing node
 * signature", "Node signature out of its time window" or "Bad node
 * signature"; the comparison is constant-time. */
int ayb_node_verify(const unsigned char key[AYB_NODE_KEY_BYTES], const char *method,
		    const char *path, const void *body, size_t len, const char *time_header,
		    const char *signature_header, int64_t now, struct ayb_err *err);

#endif
