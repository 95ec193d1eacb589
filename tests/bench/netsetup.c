/* netsetup.c: times a colony's network set-up (private netns; netns + veth on a bridge) next to `unshare -n true`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/netns.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-40s p50 %7.3f ms   p90 %7.3f ms   (n=%d)\n", what, v[n / 2], v[n * 9 / 10], n);
}

static double
bare_unshare(void)
{
	double t0 = now_ms();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execlp("unshare", "unshare", "-n", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return now_ms() - t0;
}

/* One colony's set-up as the root does it; the teardown is timed apart. */
static int
colony_once(const char *ns, const char *bridge, uint32_t addr, uint32_t gw, double *up,
    double *down)
{
	char err[256], veth[16];
	double t0 = now_ms();
	int fd;

	if (nns_create(&fd, err, sizeof(err)) != 0)
		goto fail;
	nns_veth_name("vc", ns, veth);
	if (bridge != NULL && nns_veth_attach(fd, veth, bridge, addr, 24, gw, 0, err, sizeof(err)) != 0)
		goto fail;
	if (nns_publish(fd, ns, err, sizeof(err)) != 0)
		goto fail;
	*up = now_ms() - t0;
	t0 = now_ms();
	if ((bridge != NULL && nns_link_delete(veth, err, sizeof(err)) != 0) ||
	    nns_unpublish(ns, err, sizeof(err)) != 0)
		goto fail;
	close(fd);
	*down = now_ms() - t0;
	return 0;
fail:
	fprintf(stderr, "netsetup: %s\n", err);
	return -1;
}

/* usage: netsetup N BRIDGE A.B.C (a free /24 prefix, e.g. 10.231.7): needs root. */
int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	const char *br = argc > 2 ? argv[2] : "nsbench0";
	unsigned a = 10, b = 231, c = 7;
	double *v[5];
	char ns[64], err[256];
	bool created;

	if (argc > 3 && sscanf(argv[3], "%u.%u.%u", &a, &b, &c) != 3)
		return 2;
	uint32_t net = (a << 24) | (b << 16) | (c << 8);
	if (n < 10 || nns_bridge_ensure(br, net + 1, 24, 0, &created, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsetup: %s\n", n < 10 ? "N must be at least 10" : err);
		return 1;
	}
	for (int k = 0; k < 5; k++)
		v[k] = calloc((size_t)n, sizeof(double));
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		snprintf(ns, sizeof(ns), "nsbench-%d-%d", (int)getpid(), i);
		v[0][i] = bare_unshare();
		rc = colony_once(ns, NULL, 0, 0, &v[1][i], &v[2][i]);
		if (rc == 0)
			rc = colony_once(ns, br, net + 2 + (uint32_t)(i % 250), net + 1, &v[3][i],
			    &v[4][i]);
	}
	if (created)
		nns_link_delete(br, err, sizeof(err));
	if (rc != 0)
		return 1;
	report("unshare -n true (fork+exec)", v[0], n);
	report("private: netns, lo up, publish", v[1], n);
	report("private: unpublish, close", v[2], n);
	report("bridged: + veth, eth0, address, route", v[3], n);
	report("bridged: veth delete, unpublish", v[4], n);
	return 0;
}
