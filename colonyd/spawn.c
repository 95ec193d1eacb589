/* spawn.c: starts one instance of a service: clone3 into its cgroup, then the child's set-up up to execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/confine.h"
#include "supervisor/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define CD_CLONE_PIDFD 0x00001000ULL
#define CD_CLONE_INTO_CGROUP 0x200000000ULL

/* struct clone_args of linux/sched.h (v2, with cgroup), without its header clashes. */
struct cd_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
	    tls, set_tid, set_tid_size, cgroup;
};

/* Everything the child needs, gathered by the parent before the clone. */
struct cd_child {
	const struct cd *cd;
	const struct cd_svc *svc;
	int errfd;		/* write end of the error pipe (CLOEXEC) */
	int readyfd;		/* write end of the fd:N pipe, or -1 */
	bool attach_all;	/* fork fallback: join the cgroup ourselves */
	char procs_path[700];	/* its v2 cgroup.procs */
};

static void __attribute__((noreturn))
child_fail(const struct cd_child *c, const char *msg)
{
	size_t len = strlen(msg);

	if (write(c->errfd, msg, len) < 0) {
		/* nothing left to report to */
	}
	_exit(127);
}

static void __attribute__((noreturn))
child_fail_errno(const struct cd_child *c, const char *what, const char *arg, int e)
{
	char msg[256];

	if (arg != NULL)
		snprintf(msg, sizeof(msg), "%s(%s): %s", what, arg, strerror(e));
	else
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
	child_fail(c, msg);
}

/* Move fd above `top` so that the dup2s below cannot clobber it. */
static int
child_lift(const struct cd_child *c, int fd, int top)
{
	int n;

	if (fd < 0 || fd > top)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, top + 1);
	if (n < 0)
		child_fail_errno(c, "fcntl", "F_DUPFD_CLOEXEC", errno);
	return n;
}

/* 0 = /dev/null; 1, 2 = the log pipe, colonyd's own, or /dev/null; N = readiness pipe. */
static void
child_fds(const struct cd_child *c)
{
	const struct cd_svc *svc = c->svc;
	int n = svc->cfg->ready == CFG_READY_FD ? svc->cfg->ready_fd : -1;
	int top = n > 2 ? n : 2;
	int devnull = child_lift(c, c->cd->devnull, top);
	int logw = child_lift(c, svc->log_wfd, top);
	int ready = child_lift(c, c->readyfd, top);
	int out = svc->cfg->log == CFG_LOG_FILE ? logw : svc->cfg->log == CFG_LOG_NULL ? devnull : -1;

	((struct cd_child *)c)->errfd = child_lift(c, c->errfd, top);
	if (dup2(devnull, 0) < 0)
		child_fail_errno(c, "dup2", "stdin", errno);
	if (out >= 0 && (dup2(out, 1) < 0 || dup2(out, 2) < 0))
		child_fail_errno(c, "dup2", "stdout", errno);
	if (n > 2 && dup2(ready, n) < 0)
		child_fail_errno(c, "dup2", "readiness fd", errno);
	/* Mark, not close: the error pipe must stay open until execve. */
	if (n > 3)
		syscall(SYS_close_range, 3U, (unsigned)n - 1, CLOSE_RANGE_CLOEXEC);
	if (syscall(SYS_close_range, (unsigned)(n > 2 ? n + 1 : 3), ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			if (fd != n)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
}

/* execve, with a PATH search when colonyd could not resolve argv[0] beforehand. */
static void __attribute__((noreturn))
child_exec(const struct cd_child *c)
{
	const struct cd_svc *svc = c->svc;
	const char *file = svc->cfg->argv[0];
	char path[4096];
	int first = ENOENT;

	if (svc->exe != NULL || strchr(file, '/') != NULL) {
		const char *p = svc->exe ? svc->exe : file;

		execve(p, svc->cfg->argv, svc->envp);
		child_fail_errno(c, "execve", p, errno);
	}
	for (const char *d = CD_DEFAULT_PATH; *d != '\0';) {
		size_t dl = strcspn(d, ":");

		snprintf(path, sizeof(path), "%.*s/%s", (int)dl, d, file);
		execve(path, svc->cfg->argv, svc->envp);
		if (errno != ENOENT && errno != ENOTDIR && first == ENOENT)
			first = errno;
		d += dl;
		if (*d == ':')
			d++;
	}
	child_fail_errno(c, "execve", file, first);
}

static void __attribute__((noreturn))
child_main(struct cd_child *c)
{
	const struct cd_svc *svc = c->svc;
	sigset_t none;
	char err[256];

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * Only the v2 cgroup: on a hybrid host the service stays in the colony's
	 * v1 cgroups, where the colony limits apply. Moving it there costs an
	 * RCU grace period (about 10 ms) per spawn, which CLONE_INTO_CGROUP
	 * avoids for v2.
	 */
	if (c->attach_all && util_write_file(c->procs_path, "0") < 0)
		child_fail_errno(c, "cgroup attach", c->procs_path, errno);
	if (setsid() < 0)
		child_fail_errno(c, "setsid", NULL, errno);
	child_fds(c);
	err[0] = '\0';	/* confine_apply also changes to working_directory, as the user */
	if (confine_apply(svc->confine, err, sizeof(err)) < 0)
		child_fail(c, err[0] ? err : "confine: failed");
	child_exec(c);
}

/* clone3 straight into the cgroup; fork + attach when the kernel says no. */
static pid_t
spawn_clone(struct cd *cd, struct cd_child *c, int cgfd, int *pidfd)
{
	pid_t pid;

	if (!cd->no_clone3 && cgfd >= 0) {
		struct cd_clone_args a;

		memset(&a, 0, sizeof(a));
		a.flags = CD_CLONE_PIDFD | CD_CLONE_INTO_CGROUP;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid == 0)
			child_main(c);
		if (pid > 0)
			return pid;
		/* fallback to fork() for any error; for good when clone3 itself is refused */
		if (errno == ENOSYS || errno == E2BIG || errno == EINVAL || errno == EPERM ||
		    errno == EOPNOTSUPP) {
			cd_log(cd, "clone3: %s; using fork() from now on", strerror(errno));
			cd->no_clone3 = true;
		}
	}
	c->attach_all = true;
	snprintf(c->procs_path, sizeof(c->procs_path), "%s/%s/cgroup.procs", cd->cg.v2,
	    c->svc->cgrel);
	pid = fork();
	if (pid == 0)
		child_main(c);
	if (pid < 0)
		return -1;
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		int e = errno;

		kill(pid, SIGKILL);
		errno = e;
		return -1;	/* the zombie is reaped by the SIGCHLD loop */
	}
	return pid;
}

static int
spawn_fail(char *err, size_t errlen, const char *what, const char *arg)
{
	snprintf(err, errlen, "%s(%s): %s", what, arg, strerror(errno));
	return -1;
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* Register the new instance's fds; the pidfd is what tells us it ended. */
static void
spawn_watch(struct cd *cd, struct cd_svc *svc, int pidfd, int errp[2], int readyp[2])
{
	close(errp[1]);
	if (readyp[1] >= 0)
		close(readyp[1]);
	util_set_nonblock(errp[0]);
	if (cd_watch_add(cd, &svc->w_pidfd, pidfd, EPOLLIN) < 0)
		cd_log(cd, "%s: epoll pidfd: %s", svc->name, strerror(errno));
	if (cd_watch_add(cd, &svc->w_err, errp[0], EPOLLIN) < 0)
		close(errp[0]);
	if (readyp[0] >= 0) {
		util_set_nonblock(readyp[0]);
		if (cd_watch_add(cd, &svc->w_ready, readyp[0], EPOLLIN) < 0)
			close(readyp[0]);
	}
}

int
cd_spawn(struct cd_svc *svc, char *err, size_t errlen)
{
	struct cd *cd = svc->cd;
	int errp[2] = { -1, -1 }, readyp[2] = { -1, -1 }, cgfd, pidfd = -1;
	struct cd_child c = { .cd = cd, .svc = svc, .readyfd = -1 };
	pid_t pid;

	if (svc->confine == NULL) {
		snprintf(err, errlen, "%s", svc->prep_err);
		return -1;
	}
	/*
	 * The cgroup is made and opened once per service, not on every restart,
	 * and made afresh after a cgroup.kill (see cd_svc_cleanup): the kernel
	 * kills every CLONE_INTO_CGROUP child of a cgroup that was once killed.
	 * A leftover of an earlier colonyd is removed (only if empty) for the
	 * same reason.
	 */
	if (svc->cgfd < 0) {
		cg_remove(&cd->cg, svc->cgrel);
		/* v2 only: a service stays in the colony's v1 cgroups (colonyd(8)). */
		if (cg_create(&cd->cg, svc->cgrel, 0) < 0)
			return spawn_fail(err, errlen, "cgroup mkdir", svc->cgrel);
		svc->cgfd = cg_open(&cd->cg, svc->cgrel);
		if (svc->cgfd < 0)
			return spawn_fail(err, errlen, "cgroup open", svc->cgrel);
	}
	cgfd = svc->cgfd;
	if (pipe2(errp, O_CLOEXEC) < 0 ||
	    (svc->cfg->ready == CFG_READY_FD && pipe2(readyp, O_CLOEXEC) < 0)) {
		spawn_fail(err, errlen, "pipe2", svc->name);
		goto fail;
	}
	c.errfd = errp[1];
	c.readyfd = readyp[1];
	if (!svc->oom_known) {	/* else read at the last exit, a moment ago */
		svc->oom_svc = cg_oom_kills(&cd->cg, svc->cgrel);
		svc->oom_colony = cg_oom_kills(&cd->cg, cd->cgrel);
	}
	svc->oom_known = false;
	svc->errlen = 0;
	svc->errmsg[0] = '\0';
	pid = spawn_clone(cd, &c, cgfd, &pidfd);
	if (pid < 0) {
		spawn_fail(err, errlen, "clone", svc->name);
		goto fail;
	}
	svc->pid = pid;
	spawn_watch(cd, svc, pidfd, errp, readyp);
	return 0;
fail:
	close(svc->cgfd);	/* made again next time, in case it went away */
	svc->cgfd = -1;
	close_pair(errp);
	close_pair(readyp);
	return -1;
}

/* The value of KEY in a NULL-terminated KEY=value vector, or NULL. */
static const char *
env_get(char **env, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
			return env[i] + kl + 1;
	return NULL;
}

static char *
resolve_exe(const char *file, const char *path)
{
	char buf[4096];
	struct stat st;

	if (strchr(file, '/') != NULL)
		return strdup(file);
	for (const char *d = path; *d != '\0';) {
		size_t dl = strcspn(d, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)dl, d, file);
		if (dl > 0 && access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return strdup(buf);
		d += dl;
		if (*d == ':')
			d++;
	}
	return NULL;	/* searched again in the child, which reports the error */
}

static bool
env_ours(const char *entry)
{
	static const char *const keys[] = { "COLONY=", "COLONY_SERVICE=", "NOTIFY_SOCKET=" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(entry, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

/* COLONY, COLONY_SERVICE, NOTIFY_SOCKET, the service's entries, and PATH unless given. */
static char **
build_env(struct cd_svc *svc)
{
	char **user = svc->cfg->environment;
	size_t n = 0, k = 0;
	char **env;

	while (user && user[n])
		n++;
	env = calloc(n + 5, sizeof(*env));
	if (env == NULL)
		return NULL;
	if (asprintf(&env[k++], "COLONY=%s", svc->cd->colony) < 0 ||
	    asprintf(&env[k++], "COLONY_SERVICE=%s", svc->name) < 0)
		goto fail;
	if (svc->cfg->ready == CFG_READY_NOTIFY &&
	    asprintf(&env[k++], "NOTIFY_SOCKET=%s", svc->notify_path) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!env_ours(user[i]) && (env[k++] = strdup(user[i])) == NULL)
			goto fail;
	if (env_get(user, "PATH") == NULL && (env[k++] = strdup("PATH=" CD_DEFAULT_PATH)) == NULL)
		goto fail;
	return env;
fail:
	env[k > 0 ? k - 1 : 0] = NULL;
	cfg_strv_free(env);
	return NULL;
}

void
cd_svc_unprepare(struct cd_svc *svc)
{
	confine_free(svc->confine);
	svc->confine = NULL;
	free(svc->exe);
	svc->exe = NULL;
	cfg_strv_free(svc->envp);
	svc->envp = NULL;
}

/* Once per service definition: confinement, environment, executable path, I/O. */
int
cd_svc_prepare(struct cd_svc *svc)
{
	const char *path;
	char err[512];

	cd_svc_unprepare(svc);
	svc->stop_signal = svc->cfg->stop_signal;
	if (cd_svc_open_io(svc, err, sizeof(err)) < 0) {
		snprintf(svc->prep_err, sizeof(svc->prep_err), "%s", err);
		cd_log(svc->cd, "%s/%s: %s", svc->cd->colony, svc->name, err);
		return -1;
	}
	svc->envp = build_env(svc);
	path = env_get(svc->cfg->environment, "PATH");
	svc->exe = resolve_exe(svc->cfg->argv[0], path ? path : CD_DEFAULT_PATH);
	if (svc->envp == NULL) {
		snprintf(svc->prep_err, sizeof(svc->prep_err), "out of memory");
		return -1;
	}
	svc->confine = confine_prepare(svc->cd->colony, svc->cfg, err, sizeof(err));
	if (svc->confine == NULL) {
		char prefix[2 * CFG_NAME_MAX + 4];
		size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "%s/%s: ", svc->cd->colony, svc->name);

		/* confine names the service itself; cd_svc_message adds that again */
		snprintf(svc->prep_err, sizeof(svc->prep_err), "%s",
		    strncmp(err, prefix, pl) == 0 ? err + pl : err);
		return -1;
	}
	return 0;
}
