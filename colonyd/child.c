/* child.c: a new service process from clone3 to execve: signal mask, session, fds, confinement; failures go up the error pipe. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "colonyd/child.h"
#include "colonyd/colonyd.h"
#include "colonyd/confine.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Everything here follows child.h: raw syscalls, no errno, no allocation, nothing colonyd may change. */

static void __attribute__((noreturn))
child_fail(const struct cd_child *c, const char *msg)
{
	(void)cd_sys(SYS_write, c->errfd, (long)msg, (long)strlen(msg));
	cd_sys_exit(127);
}

/* "what(arg): error text" up the pipe. */
static void __attribute__((noreturn))
child_fail_errno(const struct cd_child *c, const char *what, const char *arg, long rc)
{
	char buf[256];
	struct cd_msg m = { buf, sizeof(buf), 0 };

	cd_msg_put(&m, what);
	if (arg != NULL) {
		cd_msg_put(&m, "(");
		cd_msg_put(&m, arg);
		cd_msg_put(&m, ")");
	}
	cd_msg_errno(&m, (int)-rc);
	child_fail(c, buf);
}

/* dup2 through dup3, which every architecture has (dup3 refuses old == new). */
static long
child_dup2(int from, int to)
{
	if (from == to)
		return cd_sys(SYS_fcntl, from, F_GETFD, 0) < 0 ? -EBADF : to;
	return cd_sys(SYS_dup3, from, to, 0);
}

/* Move fd above `top` so that the dup2s below cannot clobber it. */
static int
child_lift(const struct cd_child *c, int fd, int top)
{
	long n;

	if (fd < 0 || fd > top)
		return fd;
	n = cd_sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, top + 1);
	if (n < 0)
		child_fail_errno(c, "fcntl", "F_DUPFD_CLOEXEC", n);
	return (int)n;
}

/* Old kernels without close_range: mark every fd but n close-on-exec one by one. */
static void
child_cloexec_each(int n)
{
	struct { uint64_t cur, max; } lim = { 0, 0 };
	long max = 65536;

	if (cd_sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0, 0) == 0 && lim.cur < 65536)
		max = (long)lim.cur;
	for (long fd = 3; fd < max; fd++)
		if (fd != n)
			(void)cd_sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
}

/* 0 = /dev/null; 1, 2 = the log pipe, colonyd's own, or /dev/null; N = readiness pipe. */
static void
child_fds(struct cd_child *c)
{
	int n = c->ready_n;
	int top = n > 2 ? n : 2;
	int devnull = child_lift(c, c->devnull, top);
	int out = child_lift(c, c->out, top);
	int ready = child_lift(c, c->readyfd, top);
	long rc;

	c->errfd = child_lift(c, c->errfd, top);
	if ((rc = child_dup2(devnull, 0)) < 0)
		child_fail_errno(c, "dup2", "stdin", rc);
	if (out >= 0 && ((rc = child_dup2(out, 1)) < 0 || (rc = child_dup2(out, 2)) < 0))
		child_fail_errno(c, "dup2", "stdout", rc);
	if (n > 2 && (rc = child_dup2(ready, n)) < 0)
		child_fail_errno(c, "dup2", "readiness fd", rc);
	/* Mark, not close: the error pipe must stay open until execve. */
	if (n > 3)
		(void)cd_sys(SYS_close_range, 3, n - 1, CLOSE_RANGE_CLOEXEC);
	if (cd_sys(SYS_close_range, n > 2 ? n + 1 : 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_cloexec_each(n);
}

/*
 * The PATH search, only when colonyd could not resolve argv[0] beforehand.
 * Apart, so that its buffer does not deepen the usual path: every page of
 * the child's stack that is touched stays resident in colonyd.
 */
static void __attribute__((noreturn, noinline))
child_exec_search(const struct cd_child *c)
{
	const char *file = c->argv[0];
	size_t fl = strlen(file);
	char path[4096];
	long rc, first = -ENOENT;

	for (const char *d = CD_DEFAULT_PATH; *d != '\0';) {
		size_t dl = strcspn(d, ":");

		if (dl + 1 + fl < sizeof(path)) {
			memcpy(path, d, dl);
			path[dl] = '/';
			memcpy(path + dl + 1, file, fl + 1);
			rc = cd_sys(SYS_execve, (long)path, (long)c->argv, (long)c->envp);
			if (rc != -ENOENT && rc != -ENOTDIR && first == -ENOENT)
				first = rc;
		}
		d += dl;
		if (*d == ':')
			d++;
	}
	child_fail_errno(c, "execve", file, first);
}

static void __attribute__((noreturn))
child_exec(const struct cd_child *c)
{
	const char *p = c->exe ? c->exe : c->argv[0];
	long rc;

	if (c->exe == NULL && strchr(p, '/') == NULL)
		child_exec_search(c);
	rc = cd_sys(SYS_execve, (long)p, (long)c->argv, (long)c->envp);
	child_fail_errno(c, "execve", p, rc);
}

/* The fork fallback joins the v2 cgroup by writing to its cgroup.procs. */
static void
child_attach(const struct cd_child *c)
{
	long fd = cd_sys6(SYS_openat, AT_FDCWD, (long)c->procs_path, O_WRONLY | O_CLOEXEC, 0, 0, 0);
	long rc = fd;

	if (fd >= 0) {
		rc = cd_sys(SYS_write, fd, (long)"0", 1);
		(void)cd_sys(SYS_close, fd, 0, 0);
	}
	if (rc < 0)
		child_fail_errno(c, "cgroup attach", c->procs_path, rc);
}

void
cd_child_main(struct cd_child *c)
{
	char err[256];
	long rc;
#if CD_CHILD_RAW
	uint64_t none = 0;	/* the kernel's sigset_t on x86_64: one bit per signal */

	(void)cd_sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof(none), 0, 0);
#else
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
#endif
	/*
	 * Only the v2 cgroup: on a hybrid host the service stays in the colony's
	 * v1 cgroups, where the colony limits apply. Moving it there costs an
	 * RCU grace period (about 10 ms) per spawn, which CLONE_INTO_CGROUP
	 * avoids for v2.
	 */
	if (c->attach_all)
		child_attach(c);
	if ((rc = cd_sys(SYS_setsid, 0, 0, 0)) < 0)
		child_fail_errno(c, "setsid", NULL, rc);
	child_fds(c);
	err[0] = '\0';	/* confine_apply also changes to working_directory, as the user */
	if (confine_apply(c->confine, c->bset, err, sizeof(err)) < 0)
		child_fail(c, err[0] ? err : "confine: failed");
	child_exec(c);
}
