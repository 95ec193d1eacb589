/* loop.c: colonyd's epoll loop: one dispatch per ready fd, and the reaper for orphans in the colony. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "colonyd/colonyd.h"

/*
 * Reap every ended child. Peek first (WNOWAIT): a service's main process is
 * collected through its pidfd so that its status reaches the engine; any other
 * process (an orphan we adopted as subreaper or PID 1) is just reaped.
 */
void
cd_reap(struct cd *cd)
{
	for (;;) {
		siginfo_t si;
		struct cd_svc *svc;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			break;
		if (cd_upgrade_reap(cd, si.si_pid))
			continue;
		svc = cd_svc_by_pid(cd, si.si_pid);
		if (svc != NULL)
			cd_svc_pidfd_ready(svc);
		if (svc == NULL || svc->pid == si.si_pid)
			waitpid(si.si_pid, NULL, WNOHANG);
	}
	cd_drain(cd);
}

static void
on_signal(struct cd *cd)
{
	struct signalfd_siginfo si;

	while (read(cd->w_sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			cd_reap(cd);
			break;
		case SIGTERM:
		case SIGINT:
			if (!cd->shutting_down)
				cd_log(cd, "signal %d: stopping every service", (int)si.ssi_signo);
			cd_shutdown(cd);
			break;
		default:	/* SIGHUP: the root owns the configuration */
			break;
		}
	}
}

static void
dispatch(struct cd *cd, struct cd_watch *w, uint32_t events)
{
	struct cd_svc *svc = w->svc;

	if (w->fd < 0)
		return;		/* closed earlier in this batch */
	switch (w->kind) {
	case CD_W_SIGNAL: on_signal(cd); break;
	case CD_W_TIMER: cd_timer_fired(cd); break;
	case CD_W_LINK: cd_link_ready(cd, events); break;
	case CD_W_LISTEN: cd_link_accept(cd); break;
	case CD_W_PIDFD: cd_svc_pidfd_ready(svc); break;
	case CD_W_ERRPIPE: cd_svc_err_ready(svc); break;
	case CD_W_LOG: cd_svc_log_ready(svc); break;
	case CD_W_NOTIFY: cd_svc_notify_ready(svc); break;
	case CD_W_READYFD: cd_svc_readyfd_ready(svc); break;
	case CD_W_EVENTS: cd_svc_events_ready(svc); break;
	case CD_W_UPGRADE: cd_upgrade_checker(cd); break;
	}
	cd_drain(cd);
}

/* Free services removed during a batch only after it: later events may still name them. */
static void
bury(struct cd *cd)
{
	while (cd->dead != NULL) {
		struct cd_svc *s = cd->dead;

		cd->dead = s->next_dead;
		free(s);
	}
}

int
cd_loop(struct cd *cd)
{
	struct epoll_event evs[64];

	while (cd->exit_code < 0) {
		int n = epoll_wait(cd->epfd, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			cd_log(cd, "epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n && cd->exit_code < 0; i++)
			dispatch(cd, evs[i].data.ptr, evs[i].events);
		bury(cd);
		cd_upgrade_after_turn(cd);
	}
	return cd->exit_code;
}
