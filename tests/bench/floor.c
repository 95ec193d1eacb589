/* floor.c: the raw restart floor: clone3(CLONE_PIDFD) + execve a binary, poll its pidfd, reap, again. */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* usage: floor PROGRAM [ARG...]: restarts PROGRAM whenever it dies, as fast as the kernel allows. */
int
main(int argc, char **argv)
{
	struct clone_args ca;
	struct pollfd pfd;
	siginfo_t si;
	int pidfd;
	long pid;

	if (argc < 2) {
		fprintf(stderr, "usage: floor PROGRAM [ARG...]\n");
		return 100;
	}
	for (;;) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_PIDFD;
		ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
		ca.exit_signal = SIGCHLD;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid < 0) {
			perror("floor: clone3");
			return 111;
		}
		if (pid == 0) {
			/* the pidfd is close-on-exec; nothing else to undo. */
			execv(argv[1], argv + 1);
			_exit(127);
		}
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, -1) < 0)
			;
		if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
			perror("floor: waitid");
			return 111;
		}
		close(pidfd);
	}
}
