/* The admin's calls to a node of the cluster (README "Several machines"):
 * a signed POST (lib/node_sign.h) to one of its /_ayb/node/ endpoints. */
#ifndef AYB_NODE_CALL_H
#define AYB_NODE_CALL_H

#include <cJSON.h>

#include "error.h"
#include "node.h"

/* POSTs `path` (from "/_ayb/node/", plain characters only) to the node
 * `name` at `url`, signed with `key` (lib/node_sign.h), waiting at most
 * timeout_s seconds for the answer.  Returns 0 with *reply the node's JSON
 * answer (the caller deletes it), or -1 with err: the node's error as its
 * class and message, prefixed "Node <name>: ", or Other (503) "Cannot reach
 * node <name> at <url>: ..." when it does not answer. */
int ayb_node_call(const unsigned char key[AYB_NODE_KEY_BYTES], const char *name, const char *url,
		  const char *path, long timeout_s, cJSON **reply, struct ayb_err *err);

/* Whether anything answers HTTP at url + "/health" within a few seconds.
 * A node's heartbeat rides on its requests, so one that is old may only
 * mean a quiet node; recovering a node that still serves would leave its
 * newest writes behind on it. */
int ayb_node_answers(const char *url);

#endif
