/* ns.c: creating network namespaces (with lo up) and publishing them under /run/netns. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/netns.h"
#include "netns/nns_priv.h"

int
nns_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
nns_sock_open(struct nl_sock **sk, char *err, size_t errlen)
{
	int rc;

	*sk = nl_socket_alloc();
	if (*sk == NULL)
		return nns_fail(err, errlen, "netlink: socket: out of memory");
	/* libnl opens it SOCK_CLOEXEC, so services never inherit it. */
	errno = 0;
	rc = nl_connect(*sk, NETLINK_ROUTE);
	if (rc < 0) {
		/* libnl maps errors like EMFILE to "Unspecific failure": say what errno says. */
		int e = errno;

		nl_socket_free(*sk);
		*sk = NULL;
		return nns_fail(err, errlen, "netlink: connect: %s",
		    rc == -NLE_FAILURE && e != 0 ? strerror(e) : nl_geterror(rc));
	}
	return 0;
}

int
nns_sock_open_in(int nsfd, struct nl_sock **sk, char *err, size_t errlen)
{
	nns_auto_fd int saved = open(NNS_SELF_NS, O_RDONLY | O_CLOEXEC);
	int rc;

	*sk = NULL;
	if (saved < 0)
		return nns_fail(err, errlen, "netns: open %s: %s", NNS_SELF_NS, strerror(errno));
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return nns_fail(err, errlen, "netns: setns: %s", strerror(errno));
	/* A netlink socket stays bound to the namespace it was opened in. */
	rc = nns_sock_open(sk, err, errlen);
	if (setns(saved, CLONE_NEWNET) < 0) {
		rc = nns_fail(err, errlen, "netns: setns back: %s", strerror(errno));
		if (*sk != NULL)
			nl_socket_free(*sk);
		*sk = NULL;
	}
	return rc;
}

/* Bring `lo` up in the calling thread's (new) namespace. */
static int
nns_lo_up(char *err, size_t errlen)
{
	nns_auto_sock struct nl_sock *sk = NULL;
	nns_auto_link struct rtnl_link *lo = NULL;
	nns_auto_link struct rtnl_link *change = NULL;
	int rc;

	if (nns_sock_open(&sk, err, errlen) < 0)
		return -1;
	/* A new namespace's lo is always ifindex 1 (LOOPBACK_IFINDEX): no need to ask. */
	lo = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (lo == NULL || change == NULL)
		return nns_fail(err, errlen, "link lo: out of memory");
	rtnl_link_set_ifindex(lo, 1);
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, lo, change, 0);
	if (rc < 0)
		return nns_fail(err, errlen, "link lo: up: %s", nl_geterror(rc));
	return 0;
}

int
nns_create(int *nsfd, char *err, size_t errlen)
{
	nns_auto_fd int saved = open(NNS_SELF_NS, O_RDONLY | O_CLOEXEC);
	int fd = -1, rc;

	*nsfd = -1;
	if (saved < 0)
		return nns_fail(err, errlen, "netns: open %s: %s", NNS_SELF_NS, strerror(errno));
	if (unshare(CLONE_NEWNET) < 0)
		return nns_fail(err, errlen, "netns: unshare: %s", strerror(errno));
	fd = open(NNS_SELF_NS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rc = nns_fail(err, errlen, "netns: open new %s: %s", NNS_SELF_NS, strerror(errno));
	else
		rc = nns_lo_up(err, errlen);
	/* Always go back: the caller's namespace must never change. */
	if (setns(saved, CLONE_NEWNET) < 0)
		rc = nns_fail(err, errlen, "netns: setns back: %s", strerror(errno));
	if (rc < 0) {
		/* The new namespace dies with its last fd. */
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*nsfd = fd;
	return 0;
}

/* A name that is one path component under NNS_RUN_DIR. */
static bool
nns_name_ok(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	return len > 0 && len <= NAME_MAX && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/*
 * Make NNS_RUN_DIR a shared mount point, as iproute2 does, so that a bind
 * mount under it is seen in mount namespaces made later (ip netns exec).
 * Once per process: MS_SHARED | MS_REC walks every mount below it (one per
 * published namespace), which made each publish cost O(namespaces).
 */
static int
nns_run_dir_shared(char *err, size_t errlen)
{
	static bool done;
	bool bound = false;

	if (done)
		return 0;
	if (mkdir(NNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return nns_fail(err, errlen, "netns: mkdir %s: %s", NNS_RUN_DIR, strerror(errno));
	while (mount("", NNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; make it one and retry once. */
		if (errno != EINVAL || bound)
			return nns_fail(err, errlen, "netns: make %s shared: %s", NNS_RUN_DIR,
			    strerror(errno));
		if (mount(NNS_RUN_DIR, NNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return nns_fail(err, errlen, "netns: bind %s: %s", NNS_RUN_DIR,
			    strerror(errno));
		bound = true;
	}
	done = true;
	return 0;
}

/*
 * The empty file a namespace is bind-mounted on. Every one we make is a new
 * name (a hard link) of the same inode, reached through an O_PATH fd taken
 * before its first mount: allocating an inode is the costly part of a file
 * creation (ext4 without a journal skips every inode freed in the last
 * minutes, and namespaces come and go by the thousand), a link is not.
 * Like O_CREAT | O_EXCL, a link never takes over an existing entry (EEXIST).
 * When no link is possible (the last name went, the link count is full, no
 * CAP_DAC_READ_SEARCH), a new file is made and becomes the one to link.
 */
static int nns_spare = -1;

static int
nns_mountpoint(const char *path)
{
	int fd;

	if (nns_spare >= 0) {
		if (linkat(nns_spare, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno == EEXIST)
			return -1;
		close(nns_spare);
		nns_spare = -1;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	close(fd);
	nns_spare = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	return 0;
}

int
nns_publish(int nsfd, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX], src[64];

	if (!nns_name_ok(name))
		return nns_fail(err, errlen, "netns %s: bad name", name != NULL ? name : "(null)");
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, name);
	if (nns_run_dir_shared(err, errlen) < 0)
		return -1;
	if (nns_mountpoint(path) < 0)
		return nns_fail(err, errlen, "netns %s: create %s: %s", name, path, strerror(errno));
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		int saved_errno = errno;

		unlink(path);
		return nns_fail(err, errlen, "netns %s: bind mount on %s: %s", name, path,
		    strerror(saved_errno));
	}
	return 0;
}

int
nns_unpublish(const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (!nns_name_ok(name))
		return nns_fail(err, errlen, "netns %s: bad name", name != NULL ? name : "(null)");
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, name);
	/* EINVAL: not mounted (a leftover file); ENOENT: already gone. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return nns_fail(err, errlen, "netns %s: umount %s: %s", name, path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return nns_fail(err, errlen, "netns %s: unlink %s: %s", name, path, strerror(errno));
	return 0;
}

int
nns_open(const char *name, int *nsfd, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	*nsfd = -1;
	if (!nns_name_ok(name))
		return nns_fail(err, errlen, "netns %s: bad name", name != NULL ? name : "(null)");
	snprintf(path, sizeof(path), "%s/%s", NNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nns_fail(err, errlen, "netns %s: open %s: %s", name, path, strerror(errno));
	/* A file left where the bind mount was is no namespace: setns would fail later. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return nns_fail(err, errlen, "netns %s: %s is not a network namespace", name, path);
	}
	*nsfd = fd;
	return 0;
}

struct nns_batch {
	char *const *names;
	size_t n;
	size_t next;		/* the next name to take (atomic) */
	int *errs;
};

static void *
nns_unpublish_worker(void *arg)
{
	struct nns_batch *b = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n) {
		errno = 0;
		b->errs[i] = nns_unpublish(b->names[i], NULL, 0) == 0 ? 0 : (errno ? errno : EIO);
	}
	return NULL;
}

/* One umount at a time costs a grace period each, on the caller's clock: at a
   shutdown of a thousand colonies that is most of the time spent. */
size_t
nns_unpublish_many(char *const *names, size_t n, unsigned threads, int *errs)
{
	struct nns_batch b = { names, n, 0, errs };
	pthread_t tid[64];
	unsigned started = 0;
	size_t failed = 0;

	if (threads > sizeof(tid) / sizeof(tid[0]))
		threads = sizeof(tid) / sizeof(tid[0]);
	if (threads > n)
		threads = (unsigned)n;
	while (started + 1 < threads && pthread_create(&tid[started], NULL, nns_unpublish_worker, &b) == 0)
		started++;
	nns_unpublish_worker(&b);	/* the caller works too, and alone if no thread could start */
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	for (size_t i = 0; i < n; i++)
		failed += errs[i] != 0;
	return failed;
}
