/* self.c: a new network namespace for the calling process, with lo up; system calls and ioctls only, so that static colonyd needs no netlink library. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/netns.h"

int
nns_enter_new(char *err, size_t errlen)
{
	struct ifreq ifr;
	int s, rc = -1;

	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "netns: unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	/* The new namespace holds only lo, down: add IFF_UP to its flags. */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		snprintf(err, errlen, "netns: lo: socket: %s", strerror(errno));
	else if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		snprintf(err, errlen, "netns: lo: SIOCGIFFLAGS: %s", strerror(errno));
	else if (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		snprintf(err, errlen, "netns: lo: SIOCSIFFLAGS: %s", strerror(errno));
	else
		rc = 0;
	if (s >= 0)
		close(s);
	return rc;
}

int
nns_is_own(int nsfd)
{
	struct stat ours, theirs;

	if (fstat(nsfd, &theirs) != 0 || stat("/proc/thread-self/ns/net", &ours) != 0)
		return -1;
	return theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
}
