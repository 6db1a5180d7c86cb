#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include "netaddr.h"

struct range {
	unsigned char prefix[16];
	unsigned bits;
};

/* IPv4 ranges that are not public unicast (RFC 6890's special-purpose
 * registry, the parts a server must not reach on a tenant's behalf). */
static const struct range v4_refused[] = {
	{ { 0, 0, 0, 0 }, 8 },           /* "this network", 0.0.0.0 unspecified */
	{ { 10, 0, 0, 0 }, 8 },          /* private */
	{ { 100, 64, 0, 0 }, 10 },       /* shared address space (CGNAT) */
	{ { 127, 0, 0, 0 }, 8 },         /* loopback */
	{ { 169, 254, 0, 0 }, 16 },      /* link-local (cloud metadata services) */
	{ { 172, 16, 0, 0 }, 12 },       /* private */
	{ { 192, 0, 0, 0 }, 24 },        /* IETF protocol assignments */
	{ { 192, 168, 0, 0 }, 16 },      /* private */
	{ { 198, 18, 0, 0 }, 15 },       /* benchmarking */
	{ { 224, 0, 0, 0 }, 4 },         /* multicast */
	{ { 240, 0, 0, 0 }, 4 },         /* reserved, and 255.255.255.255 broadcast */
};

/* IPv6 ranges refused outright; ::/128 and ::1 fall under ::/96 below. */
static const struct range v6_refused[] = {
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48 }, /* local-use NAT64 */
	{ { 0x01, 0x00 }, 64 },          /* discard-only */
	{ { 0xfc }, 7 },                 /* unique local (private) */
	{ { 0xfe, 0x80 }, 10 },          /* link-local */
	{ { 0xfe, 0xc0 }, 10 },          /* site-local (deprecated private) */
	{ { 0xff }, 8 },                 /* multicast */
};

/* IPv6 ranges that carry an IPv4 address, judged as that address. */
static const struct {
	struct range r;
	size_t v4_at;                    /* offset of the IPv4 address */
} v6_embedded[] = {
	{ { { 0 }, 96 }, 12 },           /* IPv4-compatible, ::, ::1 */
	{ { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96 }, 12 }, /* IPv4-mapped */
	{ { { 0x00, 0x64, 0xff, 0x9b }, 96 }, 12 },                     /* NAT64 */
	{ { { 0x20, 0x02 }, 16 }, 2 },   /* 6to4 */
};

static int in_range(const unsigned char *a, const struct range *r)
{
	unsigned full = r->bits / 8, rest = r->bits % 8;

	if (memcmp(a, r->prefix, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ r->prefix[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static int v4_public(const unsigned char *a)
{
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++)
		if (in_range(a, &v4_refused[i]))
			return 0;
	return 1;
}

static int v6_public(const unsigned char *a)
{
	for (size_t i = 0; i < sizeof(v6_embedded) / sizeof(v6_embedded[0]); i++)
		if (in_range(a, &v6_embedded[i].r))
			return v4_public(a + v6_embedded[i].v4_at);
	for (size_t i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++)
		if (in_range(a, &v6_refused[i]))
			return 0;
	return 1;
}

int ayb_netaddr_public(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return v4_public((const unsigned char *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		return v6_public(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return 0;
}
