/* waitgone.c: waits until every pid read from stdin has exited (pidfds), then prints CLOCK_MONOTONIC ns. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: waitgone TIMEOUT_MS < pids
 * Works for processes that are not our children, so it times a stop-all of
 * any supervisor tree the same way. A pid that is already gone counts as
 * exited. Exit 0 with the time of the last exit; 1 with the number left on
 * timeout.
 */
static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct pollfd *p = NULL;
	long long end, left;
	size_t n = 0, cap = 0, i, j;
	long pid;
	int fd;

	end = now_ns() + (argc > 1 ? atoll(argv[1]) : 60000) * 1000000LL;
	while (scanf("%ld", &pid) == 1) {
		if ((fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((p = realloc(p, cap * sizeof(*p))) == NULL)
				return 111;
		}
		p[n].fd = fd;
		p[n].events = POLLIN;
		n++;
	}
	while (n > 0) {
		left = end - now_ns();
		if (left <= 0) {
			printf("%zu\n", n);
			return 1;
		}
		if (poll(p, n, (int)(left / 1000000 + 1)) <= 0)
			continue;
		for (i = j = 0; i < n; i++) {
			if (p[i].revents != 0)
				close(p[i].fd);
			else
				p[j++] = p[i];
		}
		n = j;
	}
	printf("%lld\n", now_ns());
	return 0;
}
