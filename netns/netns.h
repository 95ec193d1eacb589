/* netns.h: network namespaces and links through libnl-route-3; knows nothing of supervision. */
#ifndef COLONY_NETNS_H
#define COLONY_NETNS_H

/*
 * All functions return 0 on success and -1 on failure with a message in err
 * that names the namespace or link and the netlink or system error, e.g.
 * "veth vc1a2b3c4d: add: Object exists". Nothing is left half-made on failure.
 * The calling thread's own network namespace is never changed on return.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NNS_RUN_DIR "/run/netns"

/* Create a new network namespace with `lo` up. *nsfd is an O_CLOEXEC fd on it. */
int nns_create(int *nsfd, char *err, size_t errlen);

/* The one exception to the rule above: unshare the calling process into a new network
   namespace and bring its `lo` up (ioctls, no netlink: netns/self.c). For colonyd, which
   makes its colony's private namespace itself before anything else (colonyd --new-netns). */
int nns_enter_new(char *err, size_t errlen);
/* Whether the network namespace nsfd refers to is the calling thread's own: 1, 0, or -1. */
int nns_is_own(int nsfd);

/* Bind-mount nsfd at NNS_RUN_DIR/<name> (as `ip netns add` does), making the
   directory a shared mount point first if needed. */
int nns_publish(int nsfd, const char *name, char *err, size_t errlen);
/* Unmount and remove NNS_RUN_DIR/<name>; absent is not an error. */
int nns_unpublish(const char *name, char *err, size_t errlen);
/* Open the namespace published as NNS_RUN_DIR/<name> (O_CLOEXEC) into *nsfd; fails when
   the entry is absent or is not a network namespace (a leftover file, say). */
int nns_open(const char *name, int *nsfd, char *err, size_t errlen);
/*
 * nns_unpublish for n names, from up to `threads` threads at once: each
 * unmount waits for an RCU grace period, and waits that overlap share one.
 * errs[i] gets 0 or the errno of names[i]'s failure. Returns how many failed.
 */
size_t nns_unpublish_many(char *const *names, size_t n, unsigned threads, int *errs);

/* Deterministic host-side veth name for a colony: at most 15 characters. */
void nns_veth_name(const char *prefix, const char *colony, char out[16]);

/*
 * Make sure bridge `name` exists, is up, and carries gateway/prefix_len
 * (host byte order). *created tells whether this call created it.
 * mtu 0 leaves the MTU alone.
 */
int nns_bridge_ensure(const char *name, uint32_t gateway, unsigned prefix_len, unsigned mtu,
    bool *created, char *err, size_t errlen);
/* Delete a link by name (bridge or host veth end); absent is not an error. */
int nns_link_delete(const char *name, char *err, size_t errlen);
/* 1 if a link of that name exists in the caller's namespace, 0 if not, -1 on error. */
int nns_link_exists(const char *name);
/* 1 if link `name` carries addr/prefix_len (host byte order), 0 if not (or no such link), -1 on error. */
int nns_link_has_addr(const char *name, uint32_t addr, unsigned prefix_len);
/* Remove addr/prefix_len from link `name`; an absent link or address is not an error. */
int nns_addr_del(const char *name, uint32_t addr, unsigned prefix_len, char *err, size_t errlen);

/*
 * Create veth pair host_name <-> peer, enslave host_name to bridge and bring it
 * up; move the peer into nsfd, and there (over a netlink socket opened inside
 * it) rename it eth0, give it addr/prefix_len, bring it up and add a default
 * route via gateway. On failure everything made is removed.
 */
int nns_veth_attach(int nsfd, const char *host_name, const char *bridge, uint32_t addr,
    unsigned prefix_len, uint32_t gateway, unsigned mtu, char *err, size_t errlen);

#endif
