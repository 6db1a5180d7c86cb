/* lib/netaddr.c: which addresses a profile link check may connect to.
 * Every refused range is tried at its first and last address, and the
 * public address just outside it where there is one. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netaddr.h"
#include "tap.h"

static int public_text(const char *text)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		return ayb_netaddr_public((struct sockaddr *)&v4, sizeof(v4));
	}
	if (inet_pton(AF_INET6, text, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		return ayb_netaddr_public((struct sockaddr *)&v6, sizeof(v6));
	}
	return -1;
}

static void refused(const char *text, const char *why)
{
	is_int(public_text(text), 0, "%s refused (%s)", text, why);
}

static void allowed(const char *text)
{
	is_int(public_text(text), 1, "%s allowed", text);
}

static void ipv4(void)
{
	refused("0.0.0.0", "unspecified");
	refused("0.255.255.255", "this network");
	refused("10.0.0.0", "private");
	refused("10.255.255.255", "private");
	allowed("11.0.0.0");
	allowed("100.63.255.255");
	refused("100.64.0.0", "CGNAT");
	refused("100.127.255.255", "CGNAT");
	allowed("100.128.0.0");
	refused("127.0.0.1", "loopback");
	refused("127.255.255.254", "loopback");
	allowed("128.0.0.0");
	refused("169.254.0.0", "link-local");
	refused("169.254.169.254", "link-local: cloud metadata");
	refused("169.254.255.255", "link-local");
	allowed("169.255.0.0");
	allowed("172.15.255.255");
	refused("172.16.0.0", "private");
	refused("172.31.255.255", "private");
	allowed("172.32.0.0");
	refused("192.0.0.0", "IETF protocol assignments");
	refused("192.0.0.255", "IETF protocol assignments");
	allowed("192.0.1.0");
	allowed("192.167.255.255");
	refused("192.168.0.0", "private");
	refused("192.168.255.255", "private");
	allowed("192.169.0.0");
	allowed("198.17.255.255");
	refused("198.18.0.0", "benchmarking");
	refused("198.19.255.255", "benchmarking");
	allowed("198.20.0.0");
	allowed("223.255.255.255");
	refused("224.0.0.1", "multicast");
	refused("239.255.255.255", "multicast");
	refused("240.0.0.0", "reserved");
	refused("255.255.255.255", "broadcast");
	allowed("8.8.8.8");
	allowed("93.184.216.34");
}

static void ipv6(void)
{
	refused("::", "unspecified");
	refused("::1", "loopback");
	refused("::ffff:127.0.0.1", "IPv4-mapped loopback");
	refused("::ffff:10.1.2.3", "IPv4-mapped private");
	refused("::ffff:169.254.169.254", "IPv4-mapped link-local");
	refused("::ffff:100.64.0.1", "IPv4-mapped CGNAT");
	refused("::ffff:0.0.0.0", "IPv4-mapped unspecified");
	refused("::ffff:224.0.0.1", "IPv4-mapped multicast");
	allowed("::ffff:8.8.8.8");
	refused("::127.0.0.1", "IPv4-compatible loopback");
	refused("::192.168.1.1", "IPv4-compatible private");
	refused("64:ff9b::127.0.0.1", "NAT64 of loopback");
	refused("64:ff9b::10.0.0.1", "NAT64 of private");
	allowed("64:ff9b::8.8.8.8");
	refused("64:ff9b:1::1", "local-use NAT64");
	refused("2002:7f00:1::", "6to4 of loopback");
	refused("2002:c0a8:101::1", "6to4 of private");
	allowed("2002:808:808::1");
	refused("100::", "discard-only");
	refused("100::ffff:ffff:ffff:ffff", "discard-only");
	allowed("100:0:0:1::");
	allowed("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	refused("fc00::", "unique local");
	refused("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local");
	allowed("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	refused("fe80::", "link-local");
	refused("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local");
	refused("fec0::", "site-local");
	refused("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local");
	refused("ff00::", "multicast");
	refused("ff02::1", "multicast");
	refused("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast");
	allowed("2001:4860:4860::8888");
	allowed("2606:2800:220:1:248:1893:25c8:1946");
}

static void other(void)
{
	struct sockaddr_in v4;
	struct sockaddr_un_like {
		sa_family_t family;
		char path[108];
	} un = { AF_UNIX, "/tmp/x" };

	memset(&v4, 0, sizeof(v4));
	v4.sin_family = AF_INET;
	inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr);
	is_int(ayb_netaddr_public((struct sockaddr *)&v4, 4), 0, "a short sockaddr is refused");
	is_int(ayb_netaddr_public((struct sockaddr *)&un, sizeof(un)), 0,
	       "another family is refused");
}

int main(void)
{
	ipv4();
	ipv6();
	other();
	return tap_done();
}
