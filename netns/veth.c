/* veth.c: veth pairs joining a colony's namespace to a bridge, and their host-side names. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>

#include "netns/netns.h"
#include "netns/nns_priv.h"

#define NNS_PEER_NAME "eth0"

/*
 * prefix + hex digits of a 64-bit FNV-1a hash of the colony name, 15
 * characters at most. With "vc" that is 12 digits (48 bits): among 10,000
 * colonies the chance that two share a name is about 2e-7, and a clash is
 * reported by nns_veth_attach as "Object exists", never silently shared.
 * The prefix keeps at most 7 characters so there are always 8+ digits.
 */
void
nns_veth_name(const char *prefix, const char *colony, char out[16])
{
	uint64_t hash = 0xcbf29ce484222325ULL;
	size_t plen = prefix != NULL ? strnlen(prefix, 7) : 0;
	int digits = 15 - (int)plen;

	if (digits > 12)
		digits = 12;
	for (const unsigned char *c = (const unsigned char *)colony; c != NULL && *c; c++) {
		hash ^= *c;
		hash *= 0x100000001b3ULL;
	}
	if (plen > 0)
		memcpy(out, prefix, plen);
	for (int i = digits - 1; i >= 0; i--, hash >>= 4)
		out[plen + (size_t)i] = "0123456789abcdef"[hash & 0xf];
	out[plen + (size_t)digits] = '\0';
}

/*
 * One request makes the pair: the host end enslaved and up, the peer created
 * directly inside nsfd as eth0, so no temporary name ever exists on the host.
 * The peer cannot be up in this request: the kernel opens it before the pair
 * is linked and veth_open fails with ENOTCONN.
 */
static int
nns_veth_add(struct nl_sock *sk, int nsfd, const char *host_name, int bridge_index,
    unsigned mtu)
{
	nns_auto_link struct rtnl_link *veth = rtnl_link_veth_alloc();
	nns_auto_link struct rtnl_link *peer = NULL;

	if (veth == NULL)
		return -NLE_NOMEM;
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, host_name);
	rtnl_link_set_master(veth, bridge_index);
	rtnl_link_set_flags(veth, IFF_UP);
	rtnl_link_set_name(peer, NNS_PEER_NAME);
	rtnl_link_set_ns_fd(peer, nsfd);
	if (mtu != 0) {
		rtnl_link_set_mtu(veth, mtu);
		rtnl_link_set_mtu(peer, mtu);
	}
	return rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
}

static int
nns_route_default(struct nl_sock *sk, int ifindex, uint32_t gateway)
{
	nns_auto_route struct rtnl_route *route = rtnl_route_alloc();
	nns_auto_nladdr struct nl_addr *dst = nns_ipv4(0, 0);
	nns_auto_nladdr struct nl_addr *gw = nns_ipv4(gateway, 32);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int rc;

	if (route == NULL || dst == NULL || gw == NULL || nh == NULL) {
		if (nh != NULL)
			rtnl_route_nh_free(nh);
		return -NLE_NOMEM;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rc = rtnl_route_set_dst(route, dst);
	if (rc < 0) {
		rtnl_route_nh_free(nh);
		return rc;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);	/* the route owns nh now */
	return rtnl_route_add(sk, route, NLM_F_EXCL);
}

/* Over a socket bound to the colony's namespace: eth0 up, its address, the default route. */
static int
nns_veth_inside(struct nl_sock *in, const char *host_name, uint32_t addr, unsigned prefix_len,
    uint32_t gateway, char *err, size_t errlen)
{
	nns_auto_link struct rtnl_link *eth0 = NULL;
	char text[INET_ADDRSTRLEN];
	uint32_t be;
	int rc;

	rc = rtnl_link_get_kernel(in, 0, NNS_PEER_NAME, &eth0);
	if (rc < 0)
		return nns_fail(err, errlen, "veth %s: peer %s: %s", host_name, NNS_PEER_NAME,
		    nl_geterror(rc));
	rc = nns_link_up(in, eth0, 0);
	if (rc < 0)
		return nns_fail(err, errlen, "veth %s: peer %s up: %s", host_name, NNS_PEER_NAME,
		    nl_geterror(rc));
	rc = nns_addr_add(in, rtnl_link_get_ifindex(eth0), addr, prefix_len);
	if (rc < 0) {
		be = htonl(addr);
		inet_ntop(AF_INET, &be, text, sizeof(text));
		return nns_fail(err, errlen, "veth %s: peer %s address %s/%u: %s", host_name,
		    NNS_PEER_NAME, text, prefix_len, nl_geterror(rc));
	}
	/* No gateway: an isolated segment, reachable on its subnet only. */
	if (gateway == 0)
		return 0;
	rc = nns_route_default(in, rtnl_link_get_ifindex(eth0), gateway);
	if (rc < 0) {
		be = htonl(gateway);
		inet_ntop(AF_INET, &be, text, sizeof(text));
		return nns_fail(err, errlen, "veth %s: default route via %s: %s", host_name, text,
		    nl_geterror(rc));
	}
	return 0;
}

int
nns_veth_attach(int nsfd, const char *host_name, const char *bridge, uint32_t addr,
    unsigned prefix_len, uint32_t gateway, unsigned mtu, char *err, size_t errlen)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_sock struct nl_sock *in = NULL;
	nns_auto_link struct rtnl_link *br = NULL;
	char why[256];
	int rc;

	if (!nns_ifname_ok(host_name))
		return nns_fail(err, errlen, "veth %s: bad name", host_name ? host_name : "(null)");
	if (!nns_ifname_ok(bridge))
		return nns_fail(err, errlen, "veth %s: bad bridge name", host_name);
	if (prefix_len > 32)
		return nns_fail(err, errlen, "veth %s: bad prefix length %u", host_name, prefix_len);
	if (nns_sock_open(&sk, err, errlen) < 0)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, bridge, &br);
	if (rc < 0)
		return nns_fail(err, errlen, "veth %s: bridge %s: %s", host_name, bridge,
		    nl_geterror(rc));
	/* Open the inside socket first: nothing to undo if entering nsfd fails. */
	if (nns_sock_open_in(nsfd, &in, why, sizeof(why)) < 0)
		return nns_fail(err, errlen, "veth %s: %s", host_name, why);
	rc = nns_veth_add(sk, nsfd, host_name, rtnl_link_get_ifindex(br), mtu);
	if (rc < 0)
		return nns_fail(err, errlen, "veth %s: add: %s", host_name, nl_geterror(rc));
	if (nns_veth_inside(in, host_name, addr, prefix_len, gateway, err, errlen) < 0) {
		/* Deleting one end of a veth deletes both. */
		nns_delete_quietly(sk, host_name);
		return -1;
	}
	return 0;
}
