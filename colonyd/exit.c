/* exit.c: a service's main process ending (pidfd), its cgroup emptying (cgroup.events), and its child's error pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"
#include "supervisor/util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct cd_svc *
cd_svc_by_pid(struct cd *cd, pid_t pid)
{
	for (size_t i = 0; i < cd->n_svcs; i++)
		if (cd->svcs[i]->pid == pid)
			return cd->svcs[i];
	return NULL;
}

/*
 * OOM counters through fds kept open, as a restart should not walk paths:
 * -1 not opened yet; -2 the file does not exist (no memory controller
 * counts there), asked again after a reload or for a new cgroup.
 */
static uint64_t
oom_kills_kept(struct cd *cd, int *fd, const char *rel)
{
	if (*fd == -1) {
		*fd = cg_oom_open(&cd->cg, rel);
		if (*fd < 0)
			*fd = errno == ENOENT ? -2 : -1;
	}
	return *fd >= 0 ? cg_oom_kills_fd(*fd) : 0;
}

uint64_t
cd_svc_oom_kills(struct cd_svc *svc)
{
	return oom_kills_kept(svc->cd, &svc->oomfd, svc->cgrel);
}

uint64_t
cd_colony_oom_kills(struct cd *cd)
{
	return oom_kills_kept(cd, &cd->oomfd, cd->cgrel);
}

static void
close_kept(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
cd_forget_oom_files(struct cd *cd)
{
	close_kept(&cd->oomfd);
	for (size_t i = 0; i < cd->n_svcs; i++)
		close_kept(&cd->svcs[i]->oomfd);
}

void
cd_svc_close_cgroup(struct cd_svc *svc)
{
	close_kept(&svc->cgfd);
	close_kept(&svc->evfd);
	close_kept(&svc->oomfd);
}

/* Whether the cgroup still holds a process, through its cgroup.events kept open next to cgfd. */
static int
svc_populated(struct cd_svc *svc)
{
	if (svc->evfd < 0 && svc->cgfd >= 0)
		svc->evfd = openat(svc->cgfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (svc->evfd < 0)
		return cg_populated(&svc->cd->cg, svc->cgrel);
	return cg_events_populated(svc->evfd);
}

/* Read what the child wrote before exec; EOF without data means exec worked. */
void
cd_svc_err_ready(struct cd_svc *svc)
{
	for (;;) {
		ssize_t n;

		if (svc->errlen >= sizeof(svc->errmsg) - 1) {
			cd_watch_del(svc->cd, &svc->w_err);
			return;
		}
		n = read(svc->w_err.fd, svc->errmsg + svc->errlen, sizeof(svc->errmsg) - 1 - svc->errlen);
		if (n > 0) {
			svc->errlen += (size_t)n;
			svc->errmsg[svc->errlen] = '\0';
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		cd_watch_del(svc->cd, &svc->w_err);
		/* End-of-file: the child exec'd or exited, and left our memory either way. */
		if (n == 0)
			cd_vm_release(svc);
		if (svc->errlen == 0 && svc->pid > 0)	/* execve succeeded */
			cd_feed(svc->cd, svc, ENG_EV_SPAWNED, false);
		return;
	}
}

static bool
svc_success(const struct cd_svc *svc, int code)
{
	for (size_t i = 0; i < svc->cfg->n_success_exit_status; i++)
		if (svc->cfg->success_exit_status[i] == code)
			return true;
	return false;
}

/* Turn a waitid result into last_exit and the engine's clean flag. */
static bool
svc_classify(struct cd_svc *svc, const siginfo_t *si)
{
	struct cd *cd = svc->cd;

	svc->oom_known = false;
	if (svc->w_err.fd >= 0)
		cd_svc_err_ready(svc);
	if (svc->errlen > 0) {
		cd_svc_message(svc, "%s", svc->errmsg);
		svc->exit_kind = PROTO_EXIT_SETUP;
		svc->exit_value = si->si_code == CLD_EXITED ? si->si_status : 0;
		return false;
	}
	if (svc->ready_timed_out) {
		svc->exit_kind = PROTO_EXIT_TIMEOUT;
		svc->exit_value = 0;
		return false;
	}
	if (si->si_code == CLD_EXITED) {
		svc->exit_kind = PROTO_EXIT_CODE;
		svc->exit_value = si->si_status;
		return svc_success(svc, si->si_status);
	}
	svc->exit_kind = PROTO_EXIT_SIGNAL;
	svc->exit_value = si->si_status;
	if (si->si_status == SIGKILL) {
		uint64_t s = cd_svc_oom_kills(svc), c = cd_colony_oom_kills(cd);

		if (s > svc->oom_svc || c > svc->oom_colony)
			svc->exit_kind = PROTO_EXIT_OOM;
		svc->oom_svc = s;	/* the baseline of the next instance */
		svc->oom_colony = c;
		svc->oom_known = true;
	}
	return false;
}

/* The main process may have ended: collect it through its pidfd, at most once. */
void
cd_svc_pidfd_ready(struct cd_svc *svc)
{
	siginfo_t si;
	bool clean;

	if (svc->w_pidfd.fd < 0)
		return;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)svc->w_pidfd.fd, &si, WEXITED | WNOHANG) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		/* ECHILD: reaped elsewhere; the status is lost, count it abnormal */
		memset(&si, 0, sizeof(si));
		si.si_code = CLD_KILLED;
		si.si_status = 0;
	} else if (si.si_pid == 0) {
		return;
	}
	svc->pid = 0;	/* first: an exec success seen only now is not "running" */
	cd_vm_release(svc);	/* an exited child no longer uses our memory */
	clean = svc_classify(svc, &si);
	cd_watch_del(svc->cd, &svc->w_pidfd);
	if (svc->w_err.fd >= 0)
		cd_watch_del(svc->cd, &svc->w_err);
	if (svc->w_ready.fd >= 0)
		cd_watch_del(svc->cd, &svc->w_ready);
	cd_feed_exited(svc->cd, svc, clean);
}

static void
svc_emptied(struct cd_svc *svc)
{
	if (svc->w_events.fd >= 0)
		cd_watch_del(svc->cd, &svc->w_events);
	/* The main process is gone too; make sure its exit is fed first. */
	cd_svc_pidfd_ready(svc);
	cd_svc_log_drain(svc);
	svc->dirty = false;
	if (svc->cg_killed && svc->cgfd >= 0) {
		/* Linux kills every later CLONE_INTO_CGROUP child of a killed
		   cgroup (kill_seq): the next spawn makes it afresh. */
		cd_svc_close_cgroup(svc);
		svc->oom_known = false;	/* a new cgroup counts from 0 */
	}
	svc->cg_killed = false;
	cd_feed(svc->cd, svc, ENG_EV_EMPTY, false);
	cd_check_all_ended(svc->cd);
}

void
cd_svc_cleanup(struct cd_svc *svc)
{
	struct cd *cd = svc->cd;
	int fd, pop;

	pop = svc_populated(svc);
	if (pop > 0 && cg_kill(&cd->cg, svc->cgrel) < 0)
		cd_log(cd, "%s: cannot kill cgroup %s: %s", svc->name, svc->cgrel, strerror(errno));
	else if (pop > 0)
		svc->cg_killed = true;
	if (pop <= 0) {
		svc_emptied(svc);
		return;
	}
	if (svc->w_events.fd >= 0)
		return;
	fd = cg_events_open(&cd->cg, svc->cgrel);
	if (fd < 0 || cd_watch_add(cd, &svc->w_events, fd, EPOLLPRI) < 0) {
		cd_log(cd, "%s: cannot watch %s/cgroup.events: %s", svc->name, svc->cgrel,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		svc_emptied(svc);
		return;
	}
	if (cg_events_populated(fd) == 0)	/* emptied before the watch */
		svc_emptied(svc);
}

void
cd_svc_events_ready(struct cd_svc *svc)
{
	if (cg_events_populated(svc->w_events.fd) == 0)
		svc_emptied(svc);
}
