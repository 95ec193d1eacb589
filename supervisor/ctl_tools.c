/* ctl_tools.c: `colonyctl logs` (tail and follow across rotation) and `colonyctl exec` (setns through a pidfd). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "supervisor/ctl_tools.h"
#include "supervisor/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOGS_MAX_FILES 64

/* Read a whole file into memory; NULL with errno on failure (ENOENT for absent). */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return buf;
}

static size_t
count_lines(const char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	if (len > 0 && buf[len - 1] != '\n')
		n++;
	return n;
}

/* Print the last `want` lines of buf; returns how many it printed. */
static size_t
print_tail(const char *buf, size_t len, size_t want)
{
	size_t have = count_lines(buf, len), skip, i = 0;

	skip = have > want ? have - want : 0;
	for (size_t n = 0; n < skip && i < len; i++)
		/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): read() filled buf */
		if (buf[i] == '\n')
			n++;
	fwrite(buf + i, 1, len - i, stdout);
	return have - skip;
}

static int
print_last(const char *path, long lines)
{
	char name[PATH_MAX];
	char *bufs[LOGS_MAX_FILES + 1] = { 0 };
	size_t lens[LOGS_MAX_FILES + 1] = { 0 }, total = 0;
	int nfiles = 0, rc = 0;

	/* Gather the current file and as many rotated ones as the count needs. */
	for (int i = 0; i <= LOGS_MAX_FILES; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s", path);
		else
			snprintf(name, sizeof(name), "%s.%d", path, i);
		bufs[i] = slurp(name, &lens[i]);
		if (bufs[i] == NULL) {
			if (i == 0 && errno != ENOENT) {
				fprintf(stderr, "colonyctl: %s: %s\n", path, strerror(errno));
				rc = 1;
			}
			if (i > 0 || errno != ENOENT)
				break;
			continue;	/* no current file yet: maybe rotated ones */
		}
		nfiles = i + 1;
		total += count_lines(bufs[i], lens[i]);
		if (lines >= 0 && total >= (size_t)lines)
			break;
	}
	for (int i = nfiles - 1; i >= 0 && rc == 0; i--) {
		size_t want = SIZE_MAX;

		if (bufs[i] == NULL)
			continue;
		if (lines >= 0) {
			size_t later = 0;

			for (int j = 0; j < i; j++)
				later += bufs[j] ? count_lines(bufs[j], lens[j]) : 0;
			want = (size_t)lines > later ? (size_t)lines - later : 0;
		}
		print_tail(bufs[i], lens[i], want);
	}
	for (int i = 0; i <= LOGS_MAX_FILES; i++)
		free(bufs[i]);
	fflush(stdout);
	return rc;
}

/* Copy what was appended since *off; a shrunk or replaced file starts over. */
static void
follow_copy(const char *path, int *fd, ino_t *ino, off_t *off)
{
	struct stat st;
	char buf[65536];
	ssize_t n;

	if (stat(path, &st) == 0 && (*fd < 0 || st.st_ino != *ino)) {
		if (*fd >= 0) {
			/* drain the old file: a rotation may have come after our last read */
			while ((n = pread(*fd, buf, sizeof(buf), *off)) > 0) {
				fwrite(buf, 1, (size_t)n, stdout);
				*off += n;
			}
			close(*fd);
		}
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		*ino = st.st_ino;
		*off = 0;
	}
	if (*fd < 0)
		return;
	while ((n = pread(*fd, buf, sizeof(buf), *off)) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		*off += n;
	}
	fflush(stdout);
}

static int
follow(const char *path)
{
	char dir[PATH_MAX], evbuf[4096];
	struct stat st;
	int in, fd = -1;
	ino_t ino = 0;
	off_t off = 0;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		fprintf(stderr, "colonyctl: inotify on %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (stat(path, &st) == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ino = st.st_ino;
		off = st.st_size;	/* the tail is already printed */
	}
	for (;;) {
		follow_copy(path, &fd, &ino, &off);
		if (read(in, evbuf, sizeof(evbuf)) < 0 && errno != EINTR) {
			fprintf(stderr, "colonyctl: inotify: %s\n", strerror(errno));
			return 1;
		}
	}
}

int
ctl_logs(const char *path, long lines, bool follow_mode)
{
	int rc = print_last(path, lines);

	if (rc != 0 || !follow_mode)
		return rc;
	return follow(path);
}

static void
exec_child(pid_t pid, char *const *cgroup_dirs, char **argv)
{
	char procs[PATH_MAX], num[32];
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pid_t inner;
	int status;

	if (pidfd < 0) {
		fprintf(stderr, "colonyctl: pidfd_open(%d): %s\n", (int)pid, strerror(errno));
		_exit(1);
	}
	snprintf(num, sizeof(num), "%d", (int)getpid());
	for (size_t i = 0; cgroup_dirs[i] != NULL; i++) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dirs[i]);
		if (util_write_file(procs, num) < 0) {
			fprintf(stderr, "colonyctl: join %s: %s\n", cgroup_dirs[i], strerror(errno));
			_exit(1);
		}
	}
	/* Namespaces the colony shares with us are joined as a no-op. */
	if (setns(pidfd, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID) < 0) {
		fprintf(stderr, "colonyctl: setns(pidfd %d): %s\n", (int)pid, strerror(errno));
		_exit(1);
	}
	/* A new pid namespace takes effect for children only: fork once more. */
	inner = fork();
	if (inner < 0)
		_exit(1);
	if (inner == 0) {
		signal(SIGPIPE, SIG_DFL);	/* colonyctl ignores it; the command must not */
		execvp(argv[0], argv);
		fprintf(stderr, "colonyctl: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(inner, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int
ctl_exec(pid_t pid, char *const *cgroup_dirs, char **argv)
{
	pid_t child;
	int status;

	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "colonyctl: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0)
		exec_child(pid, cgroup_dirs, argv);
	/* Let the command get the terminal's Ctrl-C; we only wait for it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			return 1;
	}
	/* Best effort: EBUSY while another exec (or something CMD left behind) is inside;
	   the root removes the colony's whole tree when the colony stops anyway. */
	for (size_t i = 0; cgroup_dirs[i] != NULL; i++)
		rmdir(cgroup_dirs[i]);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
