/* test_netns.c: Check tests of netns/, each in a fresh network namespace (as libnl's cksuite-all-netns.c). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "netns/netns.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define FX_MAX 16

/* The process that runs the suite; published names carry its pid so a sweep can find them. */
static pid_t runner_pid;
static int fx_home = -1;	/* the namespace the test started in, for CK_FORK=no */
static int fx_ns[FX_MAX];
static int fx_nns;
static char fx_br[IFNAMSIZ];	/* a bridge name unique to this run */
static char err[256];

static void
fx_setup(void)
{
	fx_home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fx_home, 0);
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	fx_nns = 0;
	snprintf(fx_br, sizeof(fx_br), "nnb%u", (unsigned)getpid() % 1000000u);
	err[0] = '\0';
}

/* Remove every /run/netns entry of this run; safe to call more than once. */
static void
fx_sweep_published(void)
{
	char prefix[64];
	struct dirent *d;
	DIR *dir = opendir(NNS_RUN_DIR);

	if (dir == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "nnstest-%d-", (int)runner_pid);
	while ((d = readdir(dir)) != NULL)
		if (strncmp(d->d_name, prefix, strlen(prefix)) == 0)
			(void)nns_unpublish(d->d_name, NULL, 0);
	closedir(dir);
}

static void
fx_teardown(void)
{
	fx_sweep_published();
	for (int i = 0; i < fx_nns; i++)
		close(fx_ns[i]);
	fx_nns = 0;
	/* Links made in the test's namespace go with it once nothing holds it. */
	if (fx_home >= 0) {
		ck_assert_int_eq(setns(fx_home, CLONE_NEWNET), 0);
		close(fx_home);
		fx_home = -1;
	}
}

/* With CK_FORK=yes a failed test skips its checked teardown: sweep from the parent too. */
static void
suite_teardown(void)
{
	fx_sweep_published();
}

static int
fx_create(void)
{
	int fd = -1;

	ck_assert_int_lt(fx_nns, FX_MAX);
	ck_assert_msg(nns_create(&fd, err, sizeof(err)) == 0, "nns_create: %s", err);
	fx_ns[fx_nns++] = fd;
	return fd;
}

static void
fx_name(char *out, size_t len, const char *what)
{
	snprintf(out, len, "nnstest-%d-%d-%s", (int)runner_pid, (int)getpid(), what);
}

static ino_t
ns_inode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

static ino_t
fd_inode(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

/* A route socket in nsfd (or here with -1); the test's namespace is kept. */
static struct nl_sock *
sock_in(int nsfd)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct nl_sock *sk = nl_socket_alloc();

	ck_assert_int_ge(here, 0);
	ck_assert_ptr_nonnull(sk);
	if (nsfd >= 0)
		ck_assert_int_eq(setns(nsfd, CLONE_NEWNET), 0);
	ck_assert_int_eq(nl_connect(sk, NETLINK_ROUTE), 0);
	ck_assert_int_eq(setns(here, CLONE_NEWNET), 0);
	close(here);
	return sk;
}

/* A UDP socket in nsfd (or here with -1), bound to addr:port. */
static int
udp_in(int nsfd, uint32_t addr, uint16_t port)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(addr) };
	struct timeval tv = { .tv_sec = 3 };
	int s;

	if (nsfd >= 0)
		ck_assert_int_eq(setns(nsfd, CLONE_NEWNET), 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setns(here, CLONE_NEWNET), 0);
	close(here);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_msg(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind: %s", strerror(errno));
	return s;
}

static struct rtnl_link *
link_get(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = NULL;

	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0)
		return NULL;
	return link;
}

static int
link_count(struct nl_sock *sk)
{
	struct nl_cache *cache = NULL;
	int n;

	ck_assert_int_eq(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache), 0);
	n = nl_cache_nitems(cache);
	nl_cache_free(cache);
	return n;
}

/* Whether link `name` in sk's namespace carries want ("10.231.0.1/24") and is up. */
static void
assert_link_addr_up(struct nl_sock *sk, const char *name, const char *want)
{
	struct rtnl_link *link = link_get(sk, name);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	char buf[64];
	int found = 0;

	ck_assert_msg(link != NULL, "no link %s", name);
	ck_assert_msg(rtnl_link_get_flags(link) & IFF_UP, "%s is down", name);
	ck_assert_int_eq(rtnl_addr_alloc_cache(sk, &cache), 0);
	for (o = nl_cache_get_first(cache); o != NULL; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) != rtnl_link_get_ifindex(link) ||
		    rtnl_addr_get_family(a) != AF_INET)
			continue;
		nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
		found += strcmp(buf, want) == 0;
	}
	nl_cache_free(cache);
	rtnl_link_put(link);
	ck_assert_msg(found == 1, "%s: address %s found %d times", name, want, found);
}

/* Whether the main table has a default route via gw on `dev`. */
static int
has_default_via(struct nl_sock *sk, const char *dev, const char *gw)
{
	struct rtnl_link *link = link_get(sk, dev);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	char buf[64];
	int found = 0;

	ck_assert_ptr_nonnull(link);
	ck_assert_int_eq(rtnl_route_alloc_cache(sk, AF_INET, 0, &cache), 0);
	for (o = nl_cache_get_first(cache); o != NULL; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != 0 ||
		    rtnl_route_get_nnexthops(r) != 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) != rtnl_link_get_ifindex(link) ||
		    rtnl_route_nh_get_gateway(nh) == NULL)
			continue;
		nl_addr2str(rtnl_route_nh_get_gateway(nh), buf, sizeof(buf));
		found += strcmp(buf, gw) == 0;
	}
	nl_cache_free(cache);
	rtnl_link_put(link);
	return found;
}

static void
bridge_up(void)
{
	bool created = false;

	ck_assert_msg(nns_bridge_ensure(fx_br, IP(10, 231, 0, 1), 24, 0, &created, err,
	    sizeof(err)) == 0, "bridge: %s", err);
	ck_assert(created);
}

static void
attach(int nsfd, const char *host, uint32_t addr)
{
	ck_assert_msg(nns_veth_attach(nsfd, host, fx_br, addr, 24, IP(10, 231, 0, 1), 0, err,
	    sizeof(err)) == 0, "attach %s: %s", host, err);
}

static int
fd_count(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

START_TEST(create_has_only_lo_up)
{
	int ns = fx_create();
	struct nl_sock *sk = sock_in(ns);
	struct rtnl_link *lo = link_get(sk, "lo");

	ck_assert_ptr_nonnull(lo);
	ck_assert(rtnl_link_get_flags(lo) & IFF_UP);
	ck_assert_int_eq(link_count(sk), 1);
	ck_assert(fcntl(ns, F_GETFD) & FD_CLOEXEC);
	rtnl_link_put(lo);
	nl_socket_free(sk);
}
END_TEST

START_TEST(create_keeps_caller_namespace)
{
	ino_t before = ns_inode("/proc/thread-self/ns/net");
	int a = fx_create(), b = fx_create();

	ck_assert_uint_eq(ns_inode("/proc/thread-self/ns/net"), before);
	ck_assert_uint_ne(fd_inode(a), before);
	ck_assert_uint_ne(fd_inode(b), before);
	ck_assert_uint_ne(fd_inode(a), fd_inode(b));
}
END_TEST

START_TEST(create_repeatedly_leaks_no_fd)
{
	int before = fd_count(), fd;

	for (int i = 0; i < 20; i++) {
		ck_assert_msg(nns_create(&fd, err, sizeof(err)) == 0, "%s", err);
		close(fd);
	}
	ck_assert_int_eq(fd_count(), before);
}
END_TEST

START_TEST(publish_lets_ip_netns_exec_enter)
{
	char name[64], path[128], cmd[256];
	int ns = fx_create();

	fx_name(name, sizeof(name), "pub");
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, name);
	ck_assert_msg(nns_publish(ns, name, err, sizeof(err)) == 0, "publish: %s", err);
	ck_assert_uint_eq(ns_inode(path), fd_inode(ns));
	snprintf(cmd, sizeof(cmd), "ip netns exec %s true 2>/dev/null", name);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(nns_unpublish(name, err, sizeof(err)) == 0, "unpublish: %s", err);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(publish_twice_fails_unpublish_absent_ok)
{
	char name[64];
	int ns = fx_create();

	fx_name(name, sizeof(name), "dup");
	ck_assert_msg(nns_publish(ns, name, err, sizeof(err)) == 0, "publish: %s", err);
	ck_assert_int_eq(nns_publish(ns, name, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, name) && strstr(err, "exists"), "err: %s", err);
	ck_assert_int_eq(nns_publish(ns, "a/b", err, sizeof(err)), -1);
	ck_assert_int_eq(nns_unpublish(name, err, sizeof(err)), 0);
	ck_assert_msg(nns_unpublish(name, err, sizeof(err)) == 0, "again: %s", err);
}
END_TEST

/* The root holds no fd per colony: it opens the published namespace for a spawn only. */
START_TEST(open_published_namespace_only)
{
	char name[64], path[128];
	int ns = fx_create(), fd = 7;

	fx_name(name, sizeof(name), "open");
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, name);
	ck_assert_int_eq(nns_open(name, &fd, err, sizeof(err)), -1);
	ck_assert_int_eq(fd, -1);
	ck_assert_msg(strstr(err, name) && strstr(err, "No such file"), "err: %s", err);
	ck_assert_msg(nns_publish(ns, name, err, sizeof(err)) == 0, "publish: %s", err);
	ck_assert_msg(nns_open(name, &fd, err, sizeof(err)) == 0, "open: %s", err);
	ck_assert_uint_eq(fd_inode(fd), fd_inode(ns));
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	ck_assert_int_eq(nns_unpublish(name, err, sizeof(err)), 0);
	/* A plain file where the bind mount was (a crash between create and mount, say). */
	int f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	ck_assert_int_ge(f, 0);
	close(f);
	ck_assert_int_eq(nns_open(name, &fd, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a network namespace"), "err: %s", err);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(nns_unpublish(name, err, sizeof(err)), 0);
	ck_assert_int_eq(nns_open("a/b", &fd, err, sizeof(err)), -1);
}
END_TEST

/* Mount points share one inode (ns.c): each name still comes and goes on its own. */
START_TEST(publish_many_names_independent)
{
	char a[64], b[64], c[64], path[128], cmd[256];
	int na = fx_create(), nb = fx_create();

	fx_name(a, sizeof(a), "ma");
	fx_name(b, sizeof(b), "mb");
	fx_name(c, sizeof(c), "mc");
	ck_assert_msg(nns_publish(na, a, err, sizeof(err)) == 0, "publish: %s", err);
	ck_assert_msg(nns_publish(nb, b, err, sizeof(err)) == 0, "publish: %s", err);
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, b);
	ck_assert_uint_eq(ns_inode(path), fd_inode(nb));
	ck_assert_int_eq(nns_publish(nb, a, err, sizeof(err)), -1);	/* taken */
	ck_assert_msg(nns_unpublish(a, err, sizeof(err)) == 0, "unpublish: %s", err);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s true 2>/dev/null", b);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_uint_eq(ns_inode(path), fd_inode(nb));
	ck_assert_msg(nns_unpublish(b, err, sizeof(err)) == 0, "unpublish: %s", err);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* Every earlier name is gone: a fresh file again. */
	ck_assert_msg(nns_publish(na, c, err, sizeof(err)) == 0, "publish: %s", err);
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, c);
	ck_assert_uint_eq(ns_inode(path), fd_inode(na));
	ck_assert_msg(nns_unpublish(c, err, sizeof(err)) == 0, "unpublish: %s", err);
}
END_TEST

/* Many names at once, from several threads: each goes, absent ones are fine, a bad one fails alone. */
START_TEST(unpublish_many_in_parallel)
{
	char names[12][64], path[1024];
	char *v[14];
	int errs[14], ns = fx_create();

	for (int i = 0; i < 12; i++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "um%d", i);
		fx_name(names[i], sizeof(names[i]), tag);
		if (i < 10)
			ck_assert_msg(nns_publish(ns, names[i], err, sizeof(err)) == 0, "publish: %s", err);
		v[i] = names[i];	/* 10 and 11 were never published */
	}
	v[12] = (char *)"a/b";
	v[13] = names[0];	/* twice: gone by then, or going */
	ck_assert_uint_eq(nns_unpublish_many(v, 14, 4, errs), 1);
	ck_assert_int_ne(errs[12], 0);
	for (int i = 0; i < 12; i++) {
		ck_assert_int_eq(errs[i], 0);
		snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, names[i]);
		ck_assert_int_ne(access(path, F_OK), 0);
	}
	ck_assert_uint_eq(nns_unpublish_many(v, 0, 4, errs), 0);
}
END_TEST

START_TEST(bridge_ensure_creates_then_reuses)
{
	struct nl_sock *sk = sock_in(-1);
	struct rtnl_link *br, *down;
	bool created = true;

	ck_assert_int_eq(nns_link_exists(fx_br), 0);
	ck_assert_msg(nns_bridge_ensure(fx_br, IP(10, 231, 0, 1), 24, 1400, &created, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert(created);
	ck_assert_int_eq(nns_link_exists(fx_br), 1);
	assert_link_addr_up(sk, fx_br, "10.231.0.1/24");
	br = link_get(sk, fx_br);
	ck_assert_str_eq(rtnl_link_get_type(br), "bridge");
	ck_assert_uint_eq(rtnl_link_get_mtu(br), 1400);

	/* Someone took it down: ensure brings it back up, address not doubled. */
	down = rtnl_link_alloc();
	rtnl_link_unset_flags(down, IFF_UP);
	ck_assert_int_eq(rtnl_link_change(sk, br, down, 0), 0);
	ck_assert_msg(nns_bridge_ensure(fx_br, IP(10, 231, 0, 1), 24, 0, &created, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert(!created);
	assert_link_addr_up(sk, fx_br, "10.231.0.1/24");
	rtnl_link_put(down);
	rtnl_link_put(br);
	nl_socket_free(sk);
}
END_TEST

START_TEST(bridge_ensure_refuses_non_bridge)
{
	int ns = fx_create();
	bool created = true;

	bridge_up();
	attach(ns, "nnsnotbr", IP(10, 231, 0, 2));
	ck_assert_int_eq(nns_bridge_ensure("nnsnotbr", IP(10, 231, 1, 1), 24, 0, &created, err,
	    sizeof(err)), -1);
	ck_assert(!created);
	ck_assert_msg(strstr(err, "nnsnotbr") && strstr(err, "not a bridge"), "err: %s", err);
	ck_assert_int_eq(nns_link_exists("nnsnotbr"), 1);
	ck_assert_int_eq(nns_bridge_ensure("this-name-is-too-long", 1, 24, 0, &created, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(link_delete_and_exists)
{
	bridge_up();
	ck_assert_int_eq(nns_link_exists(fx_br), 1);
	ck_assert_msg(nns_link_delete(fx_br, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nns_link_exists(fx_br), 0);
	ck_assert_msg(nns_link_delete(fx_br, err, sizeof(err)) == 0, "absent: %s", err);
	ck_assert_int_eq(nns_link_exists("lo"), 1);
	ck_assert_int_eq(nns_link_exists(""), -1);
}
END_TEST

START_TEST(veth_attach_configures_both_ends)
{
	int ns = fx_create();
	struct nl_sock *host = sock_in(-1), *in = sock_in(ns);
	struct rtnl_link *br, *end, *eth0;

	bridge_up();
	ck_assert_msg(nns_veth_attach(ns, "nnsv0", fx_br, IP(10, 231, 0, 2), 24,
	    IP(10, 231, 0, 1), 1400, err, sizeof(err)) == 0, "%s", err);
	br = link_get(host, fx_br);
	end = link_get(host, "nnsv0");
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(rtnl_link_get_master(end), rtnl_link_get_ifindex(br));
	ck_assert(rtnl_link_get_flags(end) & IFF_UP);
	ck_assert_uint_eq(rtnl_link_get_mtu(end), 1400);
	assert_link_addr_up(in, "eth0", "10.231.0.2/24");
	eth0 = link_get(in, "eth0");
	ck_assert_uint_eq(rtnl_link_get_mtu(eth0), 1400);
	ck_assert_int_eq(has_default_via(in, "eth0", "10.231.0.1"), 1);
	ck_assert_int_eq(link_count(in), 2);
	/* The peer was made inside: no stray link on the host side. */
	ck_assert_int_eq(link_count(host), 3);
	rtnl_link_put(eth0);
	rtnl_link_put(end);
	rtnl_link_put(br);
	nl_socket_free(in);
	nl_socket_free(host);
}
END_TEST

START_TEST(veth_delete_removes_inside_end)
{
	int ns = fx_create();
	struct nl_sock *in = sock_in(ns);

	bridge_up();
	attach(ns, "nnsv1", IP(10, 231, 0, 2));
	ck_assert_int_eq(link_count(in), 2);
	ck_assert_msg(nns_link_delete("nnsv1", err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nns_link_exists("nnsv1"), 0);
	ck_assert_int_eq(link_count(in), 1);
	nl_socket_free(in);
}
END_TEST

START_TEST(veth_missing_bridge_leaves_nothing)
{
	int ns = fx_create();
	struct nl_sock *in = sock_in(ns);

	ck_assert_int_eq(nns_veth_attach(ns, "nnsv2", "nnsnobridge", IP(10, 231, 0, 2), 24,
	    IP(10, 231, 0, 1), 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nnsv2") && strstr(err, "nnsnobridge"), "err: %s", err);
	ck_assert_int_eq(nns_link_exists("nnsv2"), 0);
	ck_assert_int_eq(link_count(in), 1);
	nl_socket_free(in);
}
END_TEST

START_TEST(veth_duplicate_host_name_fails)
{
	int a = fx_create(), b = fx_create();
	struct nl_sock *ina = sock_in(a), *inb = sock_in(b);

	bridge_up();
	attach(a, "nnsv3", IP(10, 231, 0, 2));
	ck_assert_int_eq(nns_veth_attach(b, "nnsv3", fx_br, IP(10, 231, 0, 3), 24,
	    IP(10, 231, 0, 1), 0, err, sizeof(err)), -1);
	ck_assert_msg(strcmp(err, "veth nnsv3: add: Object exists") == 0, "err: %s", err);
	/* The first pair is untouched and nothing reached the second namespace. */
	assert_link_addr_up(ina, "eth0", "10.231.0.2/24");
	ck_assert_int_eq(link_count(inb), 1);
	nl_socket_free(ina);
	nl_socket_free(inb);
}
END_TEST

START_TEST(veth_late_failure_is_undone)
{
	int ns = fx_create();
	struct nl_sock *in = sock_in(ns);
	ino_t here = ns_inode("/proc/thread-self/ns/net");

	bridge_up();
	/* The gateway is off eth0's subnet, so the route fails after the pair exists. */
	ck_assert_int_eq(nns_veth_attach(ns, "nnsv4", fx_br, IP(10, 231, 0, 2), 24,
	    IP(10, 232, 0, 1), 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nnsv4") && strstr(err, "default route"), "err: %s", err);
	ck_assert_int_eq(nns_link_exists("nnsv4"), 0);
	ck_assert_int_eq(link_count(in), 1);
	ck_assert_uint_eq(ns_inode("/proc/thread-self/ns/net"), here);
	/* A bad namespace fd fails before anything is made. */
	ck_assert_int_eq(nns_veth_attach(STDIN_FILENO, "nnsv5", fx_br, IP(10, 231, 0, 2), 24,
	    IP(10, 231, 0, 1), 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nnsv5") && strstr(err, "setns"), "err: %s", err);
	ck_assert_int_eq(nns_link_exists("nnsv5"), 0);
	ck_assert_uint_eq(ns_inode("/proc/thread-self/ns/net"), here);
	nl_socket_free(in);
}
END_TEST

static const char *const veth_names[] = {
	"v", "vc0123456789ab", "nns.dot-dash_u", "abcdefghijklmno",
};

START_TEST(veth_attach_name_table)
{
	struct nl_sock *host = sock_in(-1);

	bridge_up();
	for (size_t i = 0; i < sizeof(veth_names) / sizeof(veth_names[0]); i++) {
		int ns = fx_create();
		struct nl_sock *in = sock_in(ns);
		struct rtnl_link *end;
		char want[32];

		attach(ns, veth_names[i], IP(10, 231, 0, 10 + i));
		end = link_get(host, veth_names[i]);
		ck_assert_msg(end != NULL, "%s missing", veth_names[i]);
		ck_assert_int_gt(rtnl_link_get_master(end), 0);
		snprintf(want, sizeof(want), "10.231.0.%zu/24", 10 + i);
		assert_link_addr_up(in, "eth0", want);
		ck_assert_int_eq(has_default_via(in, "eth0", "10.231.0.1"), 1);
		rtnl_link_put(end);
		nl_socket_free(in);
	}
	nl_socket_free(host);
}
END_TEST

START_TEST(veth_name_is_short_and_stable)
{
	static const struct { const char *prefix, *colony; } table[] = {
		{ "vc", "web" }, { "vc", "db" }, { "vc", "" },
		{ "vc", "a-very-long-colony-name-that-goes-on-and-on-for-sixty-four-chars" },
		{ "", "web" }, { "veth", "web" }, { "much-too-long-prefix", "web" },
	};
	char a[16], b[16];

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		nns_veth_name(table[i].prefix, table[i].colony, a);
		nns_veth_name(table[i].prefix, table[i].colony, b);
		ck_assert_str_eq(a, b);
		ck_assert_uint_le(strlen(a), 15);
		ck_assert_uint_ge(strlen(a), 8);
		ck_assert_int_eq(strncmp(a, table[i].prefix, strlen(table[i].prefix) < 7 ?
		    strlen(table[i].prefix) : 7), 0);
	}
	nns_veth_name("vc", "web", a);
	nns_veth_name("vc", "db", b);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 14);
	ck_assert_uint_eq(strspn(a + 2, "0123456789abcdef"), 12);
}
END_TEST

START_TEST(two_namespaces_talk_over_bridge)
{
	int a = fx_create(), b = fx_create();
	char buf[16];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7001),
		.sin_addr.s_addr = htonl(IP(10, 231, 0, 2)) };
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	int sa, sb;

	bridge_up();
	attach(a, "nnsva", IP(10, 231, 0, 2));
	attach(b, "nnsvb", IP(10, 231, 0, 3));
	sa = udp_in(a, IP(10, 231, 0, 2), 7001);
	sb = udp_in(b, IP(10, 231, 0, 3), 7002);
	ck_assert_int_eq(sendto(sb, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	ck_assert_msg(recvfrom(sa, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen) == 4,
	    "a got nothing: %s", strerror(errno));
	ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), IP(10, 231, 0, 3));
	ck_assert_int_eq(sendto(sa, "pong", 4, 0, (struct sockaddr *)&from, fromlen), 4);
	ck_assert_int_eq(recv(sb, buf, sizeof(buf), 0), 4);
	ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
	close(sa);
	close(sb);
}
END_TEST

START_TEST(default_route_reaches_beyond_subnet)
{
	int a = fx_create();
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7003),
		.sin_addr.s_addr = htonl(IP(10, 231, 1, 1)) };
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	bool created = true;
	char buf[16];
	int sa, sh;

	bridge_up();
	/* A second subnet on the same bridge: only the default route leads there. */
	ck_assert_msg(nns_bridge_ensure(fx_br, IP(10, 231, 1, 1), 24, 0, &created, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert(!created);
	attach(a, "nnsvr", IP(10, 231, 0, 2));
	sh = udp_in(-1, IP(10, 231, 1, 1), 7003);
	sa = udp_in(a, IP(10, 231, 0, 2), 7004);
	ck_assert_int_eq(sendto(sa, "hi", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
	ck_assert_msg(recvfrom(sh, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen) == 2,
	    "host side got nothing: %s", strerror(errno));
	ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), IP(10, 231, 0, 2));
	ck_assert_int_eq(sendto(sh, "ok", 2, 0, (struct sockaddr *)&from, fromlen), 2);
	ck_assert_int_eq(recv(sa, buf, sizeof(buf), 0), 2);
	close(sa);
	close(sh);
}
END_TEST

/* What the root uses to give back a gateway it put on a bridge it only borrowed. */
START_TEST(addr_has_and_delete)
{
	ck_assert_int_eq(nns_link_has_addr(fx_br, IP(10, 231, 0, 1), 24), 0);	/* no link */
	bridge_up();
	ck_assert_int_eq(nns_link_has_addr(fx_br, IP(10, 231, 0, 1), 24), 1);
	ck_assert_int_eq(nns_link_has_addr(fx_br, IP(10, 231, 0, 1), 16), 0);
	ck_assert_int_eq(nns_link_has_addr(fx_br, IP(10, 231, 0, 2), 24), 0);
	ck_assert_msg(nns_addr_del(fx_br, IP(10, 231, 0, 1), 24, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nns_link_has_addr(fx_br, IP(10, 231, 0, 1), 24), 0);
	ck_assert_int_eq(nns_link_exists(fx_br), 1);
	/* Already gone, or no such link: both fine. */
	ck_assert_msg(nns_addr_del(fx_br, IP(10, 231, 0, 1), 24, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nns_addr_del("nnsnolink", IP(10, 231, 0, 1), 24, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(nns_addr_del("this-name-is-too-long", 1, 24, err, sizeof(err)), -1);
}
END_TEST

Suite *
netns_suite(void)
{
	Suite *s = suite_create("netns");
	TCase *tc = tcase_create("netns");

	runner_pid = getpid();
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_unchecked_fixture(tc, NULL, suite_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, create_has_only_lo_up);
	tcase_add_test(tc, create_keeps_caller_namespace);
	tcase_add_test(tc, create_repeatedly_leaks_no_fd);
	tcase_add_test(tc, publish_lets_ip_netns_exec_enter);
	tcase_add_test(tc, publish_twice_fails_unpublish_absent_ok);
	tcase_add_test(tc, open_published_namespace_only);
	tcase_add_test(tc, publish_many_names_independent);
	tcase_add_test(tc, unpublish_many_in_parallel);
	tcase_add_test(tc, bridge_ensure_creates_then_reuses);
	tcase_add_test(tc, bridge_ensure_refuses_non_bridge);
	tcase_add_test(tc, link_delete_and_exists);
	tcase_add_test(tc, veth_attach_configures_both_ends);
	tcase_add_test(tc, veth_delete_removes_inside_end);
	tcase_add_test(tc, veth_missing_bridge_leaves_nothing);
	tcase_add_test(tc, veth_duplicate_host_name_fails);
	tcase_add_test(tc, veth_late_failure_is_undone);
	tcase_add_test(tc, veth_attach_name_table);
	tcase_add_test(tc, veth_name_is_short_and_stable);
	tcase_add_test(tc, two_namespaces_talk_over_bridge);
	tcase_add_test(tc, default_route_reaches_beyond_subnet);
	tcase_add_test(tc, addr_has_and_delete);
	suite_add_tcase(s, tc);
	return s;
}
