/* stamp.c: a tiny static service that appends its CLOCK_MONOTONIC start stamp to a file, then pauses. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	char line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc > 1) {
		fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return 111;
		n = snprintf(line, sizeof(line), "%d %lld\n", (int)getpid(),
		    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		if (write(fd, line, (size_t)n) != n)
			return 111;
		close(fd);
	}
	for (;;)
		pause();
}
