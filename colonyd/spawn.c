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

#include "colonyd/child.h"
#include "colonyd/colonyd.h"
#include "colonyd/confine.h"
#include "supervisor/util.h"

#define CD_CLONE_PIDFD 0x00001000ULL
#define CD_CLONE_INTO_CGROUP 0x200000000ULL

/* clone3 refused CLONE_VM, or this build cannot use it: copy the address space from now on. */
static pid_t
spawn_vm(struct cd *cd, struct cd_svc *svc, struct cd_clone_args *a, const struct cd_child *c)
{
	pid_t pid;

	if (cd->no_vm_clone)
		return -1;
	pid = cd_vm_clone(svc, a, c);
	if (pid < 0 && (errno == ENOSYS || errno == EINVAL)) {
		if (errno != ENOSYS)
			cd_log(cd, "clone3(CLONE_VM): %s; copying the address space from now on",
			    strerror(errno));
		cd->no_vm_clone = true;
	}
	return pid;
}

/* clone3 straight into the cgroup, sharing our memory until execve; fork + attach when the kernel says no. */
static pid_t
spawn_clone(struct cd *cd, struct cd_svc *svc, struct cd_child *c, int cgfd, int *pidfd)
{
	pid_t pid;

	if (!cd->no_clone3 && cgfd >= 0) {
		struct cd_clone_args a;

		memset(&a, 0, sizeof(a));
		a.flags = CD_CLONE_PIDFD | CD_CLONE_INTO_CGROUP;
		a.pidfd = (uint64_t)(uintptr_t)pidfd;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)cgfd;
		pid = spawn_vm(cd, svc, &a, c);
		if (pid > 0)
			return pid;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid == 0)
			cd_child_main(c);
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
	snprintf(c->procs_path, sizeof(c->procs_path), "%s/%s/cgroup.procs", cd->cg.v2, svc->cgrel);
	pid = fork();
	if (pid == 0)
		cd_child_main(c);
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

/* The child's arguments, as values: with CLONE_VM it must not read svc, which colonyd goes on changing. */
static void
spawn_child_args(struct cd_svc *svc, struct cd_child *c, int errfd, int readyfd)
{
	const struct cfg_service *cfg = svc->cfg;
	const struct cd_launch *l = svc->launch;

	memset(c, 0, sizeof(*c));
	c->confine = l->confine;
	c->argv = l->argv;
	c->envp = l->envp;
	c->exe = l->exe;
	c->bset = confine_bounding_set();
	c->devnull = svc->cd->devnull;
	c->out = cfg->log == CFG_LOG_FILE ? svc->log_wfd : cfg->log == CFG_LOG_NULL ? svc->cd->devnull : -1;
	c->readyfd = readyfd;
	c->ready_n = cfg->ready == CFG_READY_FD ? cfg->ready_fd : -1;
	c->errfd = errfd;
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
	struct cd_child c;
	pid_t pid;

	if (svc->launch == NULL) {
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
	/* Non-blocking at both ends: the child writes one short message at most. */
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (svc->cfg->ready == CFG_READY_FD && pipe2(readyp, O_CLOEXEC) < 0)) {
		spawn_fail(err, errlen, "pipe2", svc->name);
		goto fail;
	}
	spawn_child_args(svc, &c, errp[1], readyp[1]);
	if (!svc->oom_known) {	/* else read at the last exit, a moment ago */
		svc->oom_svc = cd_svc_oom_kills(svc);
		svc->oom_colony = cd_colony_oom_kills(cd);
	}
	svc->oom_known = false;
	svc->errlen = 0;
	svc->errmsg[0] = '\0';
	pid = spawn_clone(cd, svc, &c, cgfd, &pidfd);
	if (pid < 0) {
		spawn_fail(err, errlen, "clone", svc->name);
		goto fail;
	}
	svc->pid = pid;
	spawn_watch(cd, svc, pidfd, errp, readyp);
	return 0;
fail:
	cd_svc_close_cgroup(svc);	/* made again next time, in case it went away */
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
cd_launch_unref(struct cd_launch *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	confine_free(l->confine);
	free(l->exe);
	cfg_strv_free(l->envp);
	cd_conf_unref(l->conf);
	free(l);
}

void
cd_svc_unprepare(struct cd_svc *svc)
{
	cd_launch_unref(svc->launch);
	svc->launch = NULL;
}

static int
prepare_fail(struct cd_svc *svc, struct cd_launch *l, const char *why)
{
	snprintf(svc->prep_err, sizeof(svc->prep_err), "%s", why);
	cd_launch_unref(l);
	return -1;
}

/* Once per service definition: confinement, environment, executable path, I/O. */
int
cd_svc_prepare(struct cd_svc *svc)
{
	struct cd_launch *l;
	const char *path;
	char err[512];

	cd_svc_unprepare(svc);
	svc->stop_signal = svc->cfg->stop_signal;
	if (cd_svc_open_io(svc, err, sizeof(err)) < 0) {
		cd_log(svc->cd, "%s/%s: %s", svc->cd->colony, svc->name, err);
		return prepare_fail(svc, NULL, err);
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return prepare_fail(svc, NULL, "out of memory");
	l->refs = 1;
	l->conf = svc->conf;	/* argv stays valid while a starting child reads it */
	l->conf->refs++;
	l->argv = svc->cfg->argv;
	l->envp = build_env(svc);
	path = env_get(svc->cfg->environment, "PATH");
	l->exe = resolve_exe(svc->cfg->argv[0], path ? path : CD_DEFAULT_PATH);
	if (l->envp == NULL)
		return prepare_fail(svc, l, "out of memory");
	l->confine = confine_prepare(svc->cd->colony, svc->cfg, err, sizeof(err));
	if (l->confine == NULL) {
		char prefix[2 * CFG_NAME_MAX + 4];
		size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "%s/%s: ", svc->cd->colony, svc->name);

		/* confine names the service itself; cd_svc_message adds that again */
		return prepare_fail(svc, l, strncmp(err, prefix, pl) == 0 ? err + pl : err);
	}
	svc->launch = l;
	return 0;
}
