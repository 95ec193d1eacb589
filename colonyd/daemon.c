/* daemon.c: colonyd's process-wide plumbing: stderr messages, epoll registrations, set-up inside the colony, teardown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"

void
cd_log(struct cd *cd, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "colonyd[%s]: ", cd && cd->colony[0] ? cd->colony : "?");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere else to say it */
	}
}

int
cd_watch_add(struct cd *cd, struct cd_watch *w, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(cd->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	w->fd = fd;
	return 0;
}

void
cd_watch_mod(struct cd *cd, struct cd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->fd >= 0)
		epoll_ctl(cd->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void
cd_watch_del(struct cd *cd, struct cd_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(cd->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
}

void
cd_exit_now(struct cd *cd, int code)
{
	if (cd->exit_code < 0)
		cd->exit_code = code;
}

/* Signals arrive through a signalfd only; children get a clean slate anyway. */
static int
setup_signals(struct cd *cd)
{
	sigset_t set;
	int fd;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);	/* blocked only: writes to a gone stderr return EPIPE */
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGPIPE);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -1 : cd_watch_add(cd, &cd->w_sig, fd, EPOLLIN);
}

/* Inside the colony's namespaces: hostname, private mounts, a /proc of our pid namespace. */
int
cd_colony_setup(struct cd *cd, const struct cfg_colony *c)
{
	if ((c->namespaces & CFG_NS_UTS) && sethostname(c->hostname, strlen(c->hostname)) < 0) {
		cd_log(cd, "sethostname(%s): %s", c->hostname, strerror(errno));
		return -1;
	}
	if ((c->namespaces & CFG_NS_MOUNT) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		cd_log(cd, "mount(/, MS_REC|MS_PRIVATE): %s", strerror(errno));
		return -1;
	}
	if ((c->namespaces & CFG_NS_PID) && (c->namespaces & CFG_NS_MOUNT) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		cd_log(cd, "mount(proc, /proc): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
cd_setup(struct cd *cd, int linkfd)
{
	char err[256];
	int tfd;

	cd->w_sig = (struct cd_watch){ CD_W_SIGNAL, NULL, -1 };
	cd->w_timer = (struct cd_watch){ CD_W_TIMER, NULL, -1 };
	cd->w_link = (struct cd_watch){ CD_W_LINK, NULL, -1 };
	cd->w_listen = (struct cd_watch){ CD_W_LISTEN, NULL, -1 };
	cd->w_upgrade = (struct cd_watch){ CD_W_UPGRADE, NULL, -1 };
	cd->exit_code = -1;
	cd->oomfd = -1;
	cd->pidns = getpid() == 1;
	cd->epfd = epoll_create1(EPOLL_CLOEXEC);
	cd->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cd->rbuf = malloc(PROTO_MSG_MAX);
	if (cd->epfd < 0 || cd->devnull < 0 || cd->rbuf == NULL || setup_signals(cd) < 0) {
		cd_log(cd, "set-up: %s", strerror(errno));
		return -1;
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || cd_watch_add(cd, &cd->w_timer, tfd, EPOLLIN) < 0) {
		cd_log(cd, "timerfd: %s", strerror(errno));
		return -1;
	}
	if (cg_detect(&cd->cg, err, sizeof(err)) < 0) {
		cd_log(cd, "cgroups: %s", err);
		return -1;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		cd_log(cd, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (cd_link_init(cd, linkfd) < 0) {
		cd_log(cd, "fd %d is not usable: %s", linkfd, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * After a configuration: building seccomp filters and parsing leave free holes
 * across the heap, and set-up runs deep on the stack (PATH_MAX buffers for
 * cgroups and paths) while the loop then runs shallow for the colony's life.
 * Hand both back instead of keeping them dirty in every colonyd. Below the
 * stack lies only its guard gap, where nothing is mapped, so the range needs
 * no exact bound (madvise skips what is unmapped); this frame and the one of
 * the call stay.
 */
void
cd_release_memory(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t end = ((uintptr_t)__builtin_frame_address(0) & ~(page - 1)) - 2 * page;
	size_t len = 128 * 1024;

	malloc_trim(0);
	madvise((void *)(end - len), len, MADV_DONTNEED);
}

/* Leave nothing behind: every service is down by now (or never started). */
void
cd_teardown(struct cd *cd)
{
	cd_link_flush_final(cd);
	cd_forget_oom_files(cd);
	while (cd->n_svcs > 0)
		cd_svc_free(cd->svcs[cd->n_svcs - 1]);
	while (cd->dead != NULL) {
		struct cd_svc *s = cd->dead;

		cd->dead = s->next_dead;
		free(s);
	}
	cd_vm_free_pool(cd);
	eng_free(cd->eng);
	eng_actions_free(&cd->acts);
	cd_conf_unref(cd->conf);
	free(cd->svcs);
	th_free(&cd->heap);
	free(cd->q);
	free(cd->out);
	free(cd->rbuf);
	free(cd->self_exe);
}

