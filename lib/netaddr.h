/* Which addresses a fetch made on a tenant's behalf may connect to
 * (README "Security": profile links).  A tenant names a URL; the server
 * must not become its probe of the host itself or of the networks behind
 * it, so only public unicast addresses are allowed. */
#ifndef AYB_NETADDR_H
#define AYB_NETADDR_H

#include <sys/socket.h>

/* 1 when sa (len bytes, AF_INET or AF_INET6) is a public unicast address;
 * 0 for anything else: unspecified, loopback, link-local, private
 * (RFC 1918, IPv6 unique local and site-local), shared CGNAT space,
 * multicast, broadcast and reserved ranges, and an IPv4 address carried in
 * IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) whose IPv4 address is one of those; other families
 * and short lengths are 0 too. */
int ayb_netaddr_public(const struct sockaddr *sa, socklen_t len);

#endif
