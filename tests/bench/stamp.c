/* stamp.c: a tiny static service that appends "PID MONOTONIC_NS" to a file, then pauses. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/*
 * The file is $STAMP_FILE if set (relative to the working directory), else
 * argv[1]: s6 and runsv then exec a `run` symlink to this binary directly,
 * with no shell in between (s6-supervise passes its own argv[1]). With $STAMP_NOTIFY_FD set, a
 * newline goes to that fd after the stamp (s6's notification-fd).
 */
int
main(int argc, char **argv)
{
	struct timespec ts;
	const char *path, *nfd;
	char line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	path = getenv("STAMP_FILE");
	if (path == NULL || *path == '\0')
		path = argc > 1 ? argv[1] : NULL;
	if (path != NULL) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return 111;
		n = snprintf(line, sizeof(line), "%d %lld\n", (int)getpid(),
		    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		if (write(fd, line, (size_t)n) != n)
			return 111;
		close(fd);
	}
	nfd = getenv("STAMP_NOTIFY_FD");
	if (nfd != NULL && *nfd != '\0') {
		fd = atoi(nfd);
		if (write(fd, "\n", 1) == 1)
			close(fd);
	}
	for (;;)
		pause();
}
