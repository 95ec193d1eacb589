/* link.c: addresses, bridges and deleting links in the caller's namespace, through libnl-route-3. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netlink/route/link/bridge.h>

#include "netns/netns.h"
#include "netns/nns_priv.h"

struct nl_addr *
nns_ipv4(uint32_t addr, unsigned prefix_len)
{
	uint32_t be = htonl(addr);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a != NULL)
		nl_addr_set_prefixlen(a, (int)prefix_len);
	return a;
}

int
nns_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, unsigned prefix_len)
{
	nns_auto_rtaddr struct rtnl_addr *a = rtnl_addr_alloc();
	nns_auto_nladdr struct nl_addr *local = nns_ipv4(addr, prefix_len);
	int rc;

	if (a == NULL || local == NULL)
		return -NLE_NOMEM;
	rtnl_addr_set_ifindex(a, ifindex);
	rc = rtnl_addr_set_local(a, local);
	if (rc < 0)
		return rc;
	rtnl_addr_set_prefixlen(a, (int)prefix_len);
	rc = rtnl_addr_add(sk, a, NLM_F_EXCL);
	/* Already there (a reused bridge): that is what we wanted. */
	return rc == -NLE_EXIST ? 0 : rc;
}

bool
nns_ifname_ok(const char *name)
{
	size_t len = name != NULL ? strnlen(name, IFNAMSIZ) : 0;

	return len > 0 && len < IFNAMSIZ && strchr(name, '/') == NULL;
}

static bool
nns_absent(int rc)
{
	return rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND;
}

/* Create the bridge already up (and with its MTU) in one request. */
static int
nns_bridge_add(struct nl_sock *sk, const char *name, unsigned mtu)
{
	nns_auto_link struct rtnl_link *br = rtnl_link_bridge_alloc();

	if (br == NULL)
		return -NLE_NOMEM;
	rtnl_link_set_name(br, name);
	rtnl_link_set_flags(br, IFF_UP);
	if (mtu != 0)
		rtnl_link_set_mtu(br, mtu);
	return rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
}

int
nns_link_up(struct nl_sock *sk, struct rtnl_link *link, unsigned mtu)
{
	nns_auto_link struct rtnl_link *change = NULL;
	bool up = (rtnl_link_get_flags(link) & IFF_UP) != 0;

	if (up && (mtu == 0 || rtnl_link_get_mtu(link) == mtu))
		return 0;
	change = rtnl_link_alloc();
	if (change == NULL)
		return -NLE_NOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	if (mtu != 0)
		rtnl_link_set_mtu(change, mtu);
	return rtnl_link_change(sk, link, change, 0);
}

/* An existing bridge: check it is one, then make sure it is up. */
static int
nns_bridge_reuse(struct nl_sock *sk, struct rtnl_link *br, unsigned mtu, char *err,
    size_t errlen)
{
	const char *name = rtnl_link_get_name(br);
	const char *type = rtnl_link_get_type(br);
	int rc;

	if (type == NULL || strcmp(type, "bridge") != 0)
		return nns_fail(err, errlen, "bridge %s: exists and is not a bridge (%s)", name,
		    type != NULL ? type : "no type");
	rc = nns_link_up(sk, br, mtu);
	if (rc < 0)
		return nns_fail(err, errlen, "bridge %s: up: %s", name, nl_geterror(rc));
	return 0;
}

void
nns_delete_quietly(struct nl_sock *sk, const char *name)
{
	nns_auto_link struct rtnl_link *link = rtnl_link_alloc();

	if (link == NULL)
		return;
	rtnl_link_set_name(link, name);
	(void)rtnl_link_delete(sk, link);
}

int
nns_bridge_ensure(const char *name, uint32_t gateway, unsigned prefix_len, unsigned mtu,
    bool *created, char *err, size_t errlen)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *br = NULL;
	char gw[INET_ADDRSTRLEN];
	uint32_t be = htonl(gateway);
	int rc;

	*created = false;
	if (!nns_ifname_ok(name))
		return nns_fail(err, errlen, "bridge %s: bad name", name != NULL ? name : "(null)");
	if (prefix_len > 32)
		return nns_fail(err, errlen, "bridge %s: bad prefix length %u", name, prefix_len);
	if (nns_sock_open(&sk, err, errlen) < 0)
		return -1;
	rc = nns_bridge_add(sk, name, mtu);
	if (rc < 0 && rc != -NLE_EXIST)
		return nns_fail(err, errlen, "bridge %s: add: %s", name, nl_geterror(rc));
	*created = rc == 0;
	rc = rtnl_link_get_kernel(sk, 0, name, &br);
	if (rc < 0) {
		nns_fail(err, errlen, "bridge %s: get: %s", name, nl_geterror(rc));
		goto undo;
	}
	if (!*created && nns_bridge_reuse(sk, br, mtu, err, errlen) < 0)
		return -1;
	rc = nns_addr_add(sk, rtnl_link_get_ifindex(br), gateway, prefix_len);
	if (rc < 0) {
		inet_ntop(AF_INET, &be, gw, sizeof(gw));
		nns_fail(err, errlen, "bridge %s: address %s/%u: %s", name, gw, prefix_len,
		    nl_geterror(rc));
		goto undo;
	}
	return 0;
undo:
	/* Only a bridge this call made is ours to remove. */
	if (*created)
		nns_delete_quietly(sk, name);
	*created = false;
	return -1;
}

int
nns_link_delete(const char *name, char *err, size_t errlen)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *link = NULL;
	int rc;

	if (!nns_ifname_ok(name))
		return nns_fail(err, errlen, "link %s: bad name", name != NULL ? name : "(null)");
	if (nns_sock_open(&sk, err, errlen) < 0)
		return -1;
	link = rtnl_link_alloc();
	if (link == NULL)
		return nns_fail(err, errlen, "link %s: out of memory", name);
	rtnl_link_set_name(link, name);
	rc = rtnl_link_delete(sk, link);
	if (rc < 0 && !nns_absent(rc))
		return nns_fail(err, errlen, "link %s: delete: %s", name, nl_geterror(rc));
	return 0;
}

int
nns_link_exists(const char *name)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *link = NULL;
	int rc;

	if (!nns_ifname_ok(name) || nns_sock_open(&sk, NULL, 0) < 0)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc == 0)
		return 1;
	return nns_absent(rc) ? 0 : -1;
}

/* The IPv4 address object addr/prefix_len on ifindex, as the kernel reports it. */
static struct rtnl_addr *
nns_addr_obj(int ifindex, uint32_t addr, unsigned prefix_len)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	nns_auto_nladdr struct nl_addr *local = nns_ipv4(addr, prefix_len);

	if (a == NULL || local == NULL || rtnl_addr_set_local(a, local) < 0) {
		if (a != NULL)
			rtnl_addr_put(a);
		return NULL;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_prefixlen(a, (int)prefix_len);
	return a;
}

int
nns_link_has_addr(const char *name, uint32_t addr, unsigned prefix_len)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *link = NULL;
	nns_auto_rtaddr struct rtnl_addr *want = NULL;
	struct nl_cache *cache = NULL;
	int rc, found;

	if (!nns_ifname_ok(name) || prefix_len > 32 || nns_sock_open(&sk, NULL, 0) < 0)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc < 0)
		return nns_absent(rc) ? 0 : -1;
	want = nns_addr_obj(rtnl_link_get_ifindex(link), addr, prefix_len);
	if (want == NULL || rtnl_addr_alloc_cache(sk, &cache) < 0)
		return -1;
	found = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o != NULL && !found;
	    o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		found = rtnl_addr_get_ifindex(a) == rtnl_link_get_ifindex(link) &&
		    rtnl_addr_get_prefixlen(a) == (int)prefix_len &&
		    nl_addr_cmp(rtnl_addr_get_local(a), rtnl_addr_get_local(want)) == 0;
	}
	nl_cache_free(cache);
	return found;
}

int
nns_addr_del(const char *name, uint32_t addr, unsigned prefix_len, char *err, size_t errlen)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *link = NULL;
	nns_auto_rtaddr struct rtnl_addr *a = NULL;
	char text[INET_ADDRSTRLEN];
	uint32_t be = htonl(addr);
	int rc;

	if (!nns_ifname_ok(name))
		return nns_fail(err, errlen, "link %s: bad name", name != NULL ? name : "(null)");
	if (nns_sock_open(&sk, err, errlen) < 0)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc < 0)
		return nns_absent(rc) ? 0 : nns_fail(err, errlen, "link %s: get: %s", name,
		    nl_geterror(rc));
	a = nns_addr_obj(rtnl_link_get_ifindex(link), addr, prefix_len);
	if (a == NULL)
		return nns_fail(err, errlen, "link %s: out of memory", name);
	rc = rtnl_addr_delete(sk, a, 0);
	/* EADDRNOTAVAIL comes back as NLE_NOADDR: already gone is what we wanted. */
	if (rc < 0 && rc != -NLE_NOADDR && !nns_absent(rc)) {
		inet_ntop(AF_INET, &be, text, sizeof(text));
		return nns_fail(err, errlen, "link %s: delete address %s/%u: %s", name, text,
		    prefix_len, nl_geterror(rc));
	}
	return 0;
}
