/* nns_priv.h: helpers shared by the netns/ sources only (errors, sockets, cleanup); not an interface. */
#ifndef COLONY_NNS_PRIV_H
#define COLONY_NNS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

/* Cleanup attributes, as crun does: every exit path frees what it holds. */
static inline void nns_sock_freep(struct nl_sock **p) { if (*p) nl_socket_free(*p); }
static inline void nns_link_putp(struct rtnl_link **p) { if (*p) rtnl_link_put(*p); }
static inline void nns_addr_putp(struct nl_addr **p) { if (*p) nl_addr_put(*p); }
static inline void nns_rtaddr_putp(struct rtnl_addr **p) { if (*p) rtnl_addr_put(*p); }
static inline void nns_route_putp(struct rtnl_route **p) { if (*p) rtnl_route_put(*p); }
static inline void nns_closep(int *fd) { if (*fd >= 0) close(*fd); }

#define nns_auto_sock __attribute__((cleanup(nns_sock_freep)))
#define nns_auto_link __attribute__((cleanup(nns_link_putp)))
#define nns_auto_nladdr __attribute__((cleanup(nns_addr_putp)))
#define nns_auto_rtaddr __attribute__((cleanup(nns_rtaddr_putp)))
#define nns_auto_route __attribute__((cleanup(nns_route_putp)))
#define nns_auto_fd __attribute__((cleanup(nns_closep)))

#define NNS_SELF_NS "/proc/thread-self/ns/net"

/* snprintf into err (if any); always returns -1 so callers can `return nns_fail(...)`. */
int nns_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A connected NETLINK_ROUTE socket in the calling thread's namespace. */
int nns_sock_open(struct nl_sock **sk, char *err, size_t errlen);
/* The same, but bound to the namespace nsfd; the thread's namespace is unchanged on return. */
int nns_sock_open_in(int nsfd, struct nl_sock **sk, char *err, size_t errlen);

/* An IPv4 nl_addr from a host-byte-order address and prefix length. */
struct nl_addr *nns_ipv4(uint32_t addr, unsigned prefix_len);
/* Add addr/prefix_len on ifindex; an address already there is fine. Returns a libnl error. */
int nns_addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, unsigned prefix_len);
/* A link name the kernel accepts: 1 to 15 characters, no '/'. */
bool nns_ifname_ok(const char *name);
/* Bring an existing link up (and set a non-zero MTU) unless it already is so. A libnl error. */
int nns_link_up(struct nl_sock *sk, struct rtnl_link *link, unsigned mtu);
/* Delete a link by name, ignoring errors: used to undo what a call made. */
void nns_delete_quietly(struct nl_sock *sk, const char *name);

#endif
