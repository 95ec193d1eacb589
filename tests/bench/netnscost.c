/* netnscost.c: the CPU a new network namespace with lo up costs its creator, net of a bare fork and exit; prints "netns_us=N fork_us=N". */
#define _GNU_SOURCE
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* What colonyd --new-netns does (netns/self.c). */
static int
child(int netns)
{
	struct ifreq ifr;
	int s;

	if (!netns)
		return 0;
	if (unshare(CLONE_NEWNET) != 0)
		return 1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return 1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr) != 0;
}

/* Mean CPU (user + system) of n children, in microseconds. */
static double
run(int n, int netns)
{
	struct rusage a, b;

	getrusage(RUSAGE_CHILDREN, &a);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		int st;

		if (p < 0)
			exit(1);
		if (p == 0)
			_exit(child(netns));
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "netnscost: child failed\n");
			exit(1);
		}
	}
	getrusage(RUSAGE_CHILDREN, &b);
	return ((b.ru_utime.tv_sec - a.ru_utime.tv_sec + b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e6 +
	    (b.ru_utime.tv_usec - a.ru_utime.tv_usec + b.ru_stime.tv_usec - a.ru_stime.tv_usec)) / n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	double f = 0, t = 0;

	/* Interleaved in rounds, so that both see the same machine. */
	for (int r = 0; r < 4; r++) {
		f += run(n / 4, 0);
		t += run(n / 4, 1);
	}
	printf("netns_us=%.0f fork_us=%.0f\n", (t - f) / 4, f / 4);
	return 0;
}
