/* Signatures of requests between nodes (lib/node_sign.c): what a node
 * accepts, and that every part of a request is covered. */
#include "autoconfig.h"

#include <string.h>

#include <sodium.h>

#include "node_sign.h"
#include "tap.h"

static unsigned char key[AYB_NODE_KEY_BYTES];

/* ayb_node_verify's message for a request signed at `signed_at` as
 * (method, path, body) and checked at `now` as the given one; "" when it
 * passes.  time_header NULL: the signed time. */
static const char *check(const char *method, const char *path, const char *body,
			 const char *time_header, const char *sig, long long now)
{
	static char msg[256];
	struct ayb_err err = { 0 };
	char when[24];

	snprintf(when, sizeof(when), "%lld", now);
	msg[0] = '\0';
	if (ayb_node_verify(key, method, path, body, strlen(body),
			    time_header ? time_header : when, sig, now, &err) < 0) {
		snprintf(msg, sizeof(msg), "%d %s", ayb_err_status(&err), err.message);
	}
	ayb_err_clear(&err);
	return msg;
}

int main(void)
{
	char sig[AYB_NODE_SIGNATURE_HEX + 1], other[AYB_NODE_SIGNATURE_HEX + 1];
	char when[24];
	const long long t = 1700000000;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	ayb_node_sign(key, "POST", "/_ayb/node/fence/a/b/2", "", 0, t, sig);
	is_int(strlen(sig), AYB_NODE_SIGNATURE_HEX, "a signature is 64 hex digits");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", NULL, sig, t), "",
	       "the signed request passes");
	snprintf(when, sizeof(when), "%lld", t);
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, sig, t + 60), "",
	       "a minute later it still does");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, sig, t + 61),
	       "401 Node signature out of its time window", "past the minute it does not");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, sig, t - 61),
	       "401 Node signature out of its time window", "nor from the future");
	is_str(check("POST", "/_ayb/node/fence/a/b/3", "", when, sig, t),
	       "401 Bad node signature", "another path is refused");
	is_str(check("GET", "/_ayb/node/fence/a/b/2", "", when, sig, t),
	       "401 Bad node signature", "another method");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "x", when, sig, t),
	       "401 Bad node signature", "another body");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", "1700000001", sig, t),
	       "401 Bad node signature", "another time");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", "17e8", sig, t),
	       "401 Node signature out of its time window", "a time that is not a number");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, NULL, t),
	       "401 Missing node signature", "no signature");
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, "zz", t),
	       "401 Bad node signature", "a signature that is not 64 hex digits");
	memcpy(other, sig, sizeof(other));
	other[0] = other[0] == '0' ? '1' : '0';
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, other, t),
	       "401 Bad node signature", "one digit changed");
	randombytes_buf(key, sizeof(key));
	is_str(check("POST", "/_ayb/node/fence/a/b/2", "", when, sig, t),
	       "401 Bad node signature", "another key");
	return tap_done();
}
