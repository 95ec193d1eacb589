/* root_main.c: colony-supervisor's entry point: options, start-up, the epoll loop, signals, teardown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/root.h"

#define ROOT_DEFAULT_CONFIG "/etc/colony/colony.ini"
#define ROOT_INIT_PIDNS_INO 0xEFFFFFFCu	/* PROC_PID_INIT_INO: the initial pid namespace */

void
root_log(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = util_vfmt(buf, sizeof(buf), 21, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One write per line so that lines of concurrent writers do not interleave. */
	memmove(buf + 19, buf, (size_t)n);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a prefix; the '\n' ends buf below */
	memcpy(buf, "colony-supervisor: ", 19);
	n += 19;
	if ((size_t)n > sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[n++] = '\n';
	(void)!write(2, buf, (size_t)n);
}

int
root_watch_add(struct root *r, int fd, uint32_t events, struct root_watch *w)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int
root_watch_mod(struct root *r, int fd, uint32_t events, struct root_watch *w)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void
root_watch_del(struct root *r, int fd)
{
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
}

uint64_t
root_mono_to_real(uint64_t mono_ms)
{
	return mono_ms + (util_real_ms() - util_mono_ms());
}

void
root_begin_shutdown(struct root *r)
{
	if (r->shutting_down)
		return;
	r->shutting_down = true;
	root_log("shutting down");
	root_feed(r, ENG_EV_SHUTDOWN, NULL, false, ENG_TIMER_NONE);
	root_drain(r);
}

/* Raise the fd limit as far as we may: each colony holds a socket, and a pidfd while they fit. */
static void
root_raise_nofile(struct root *r)
{
	struct rlimit rl;
	char buf[32];

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	r->nofile_cur = rl.rlim_cur;
	r->nofile_max = rl.rlim_max;
	if (util_read_file("/proc/sys/fs/nr_open", buf, sizeof(buf)) > 0) {
		struct rlimit big = { strtoull(buf, NULL, 10), strtoull(buf, NULL, 10) };
		if (big.rlim_max > rl.rlim_max && setrlimit(RLIMIT_NOFILE, &big) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* A SIGCHLD from a colonyd (colonyd execs, so the kernel turns its exit signal back
   into SIGCHLD): its exit is collected through its pidfd or its pid (root_watch.c),
   and no scan of all children is due. */
static bool
root_sigchld_from_colonyd(struct root *r, pid_t pid)
{
	struct colony *c = pid > 0 ? colony_by_pid(r, pid) : NULL;

	if (c != NULL) {
		if (colony_watched(c))
			colony_reap(r, c);
		return true;
	}
	for (size_t i = 0; pid > 0 && i < sizeof(r->reaped) / sizeof(r->reaped[0]); i++)
		if (r->reaped[i] == pid)
			return true;
	return false;
}

/*
 * Reap orphans (PID 1 or subreaper). Waiting for "any child" walks every child in
 * the kernel, which is O(colonies), so it runs only for a SIGCHLD that did not come
 * from a colonyd. It peeks first (WNOWAIT): a colonyd's exit goes through
 * colony_reap, never a blind waitpid(-1). An orphan whose SIGCHLD merged with a
 * colonyd's is reaped once its colony's cgroup is empty (orphans_due): orphans
 * only reach the root when a colonyd dies before its services.
 */
static void
root_reap_orphans(struct root *r, pid_t hint)
{
	if (root_sigchld_from_colonyd(r, hint))
		return;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0 || si.si_pid == 0)
			return;
		struct colony *c = colony_by_pid(r, si.si_pid);
		if (c != NULL && colony_watched(c)) {
			colony_reap(r, c);
			if (colony_watched(c))
				return;		/* not reapable yet: its pidfd or SIGCHLD will tell */
		} else if (upgrade_reap(r, si.si_pid)) {
			continue;
		} else if (waitpid(si.si_pid, NULL, WNOHANG | __WALL) <= 0)
			return;
	}
}

static void
root_signal(struct root *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			root_reap_orphans(r, (pid_t)si.ssi_pid);
			watch_sigchld(r);	/* linkless colonyds whose SIGCHLD merged with this one */
			break;
		case SIGTERM:
		case SIGINT:
			root_begin_shutdown(r);
			break;
		case SIGHUP: {
			if (r->shutting_down)
				break;
			int code = reload_run(r, NULL);
			if (code != 0)
				root_log("reload failed; nothing changed");
			break;
		}
		case SIGUSR2:
			upgrade_begin(r, NULL);
			break;
		}
	}
}

static int
root_setup_signals(struct root *r)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return -1;
	r->w_sig.kind = RW_SIGNAL;
	return root_watch_add(r, r->sigfd, EPOLLIN, &r->w_sig);
}

static void
root_dispatch(struct root *r, struct epoll_event *ev)
{
	struct root_watch *w = ev->data.ptr;
	struct colony *c = w->ptr;

	switch (w->kind) {
	case RW_SIGNAL:
		root_signal(r);
		break;
	case RW_TIMER:
		root_timer_expire(r);
		break;
	case RW_LISTEN:
		ctl_accept(r);
		break;
	case RW_CLIENT:
		ctl_client_event(r, w->ptr, ev->events);
		break;
	case RW_PIDFD:
		if (c->pidfd >= 0)
			colony_reap(r, c);
		break;
	case RW_LINK:
		if (c->sock >= 0)
			link_readable(r, c);
		break;
	case RW_CGEVENTS:
		if (c->events_fd >= 0)
			colony_cg_event(r, c);
		break;
	case RW_UPGRADE:
		upgrade_checker_event(r);
		break;
	}
	root_drain(r);
}

static void
root_bury(struct root *r)
{
	while (r->graveyard != NULL) {
		struct colony *c = r->graveyard;
		r->graveyard = c->gnext;
		colony_free(r, c);
	}
	ctl_reap_dead();
}

static void
root_loop(struct root *r)
{
	struct epoll_event evs[64];

	while (!r->quit) {
		root_timer_arm(r);
		int n = epoll_wait(r->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			root_log("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !r->quit; i++)
			root_dispatch(r, &evs[i]);
		if (r->orphans_due) {
			r->orphans_due = false;
			root_reap_orphans(r, 0);
			root_drain(r);
		}
		root_bury(r);
		upgrade_after_turn(r);
	}
}

/*
 * At exit, reap the orphans of the colonies just killed. A cgroup reports empty
 * before its last tasks are zombies reparented to us, so a service killed with
 * its colonyd may still be on its way: left behind, it would stay a zombie of
 * an init that may never reap it. Wait for stragglers, but at most 1 s in all
 * (a process that left its cgroup may live on): the event loop is over.
 */
static void
root_reap_final(struct root *r)
{
	struct timespec left = { 1, 0 }, t0, t1;
	sigset_t chld;
	siginfo_t si;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		root_reap_orphans(r, 0);	/* 0: no hint, walk every child */
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0)
			return;		/* ECHILD: no children left */
		if (si.si_pid != 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sigtimedwait(&chld, NULL, &left) < 0 && errno == EAGAIN)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ns = (left.tv_sec - (t1.tv_sec - t0.tv_sec)) * 1000000000L +
		    left.tv_nsec - (t1.tv_nsec - t0.tv_nsec);
		if (ns <= 0)
			return;
		left.tv_sec = ns / 1000000000L;
		left.tv_nsec = ns % 1000000000L;
	}
}

/* Everything the root made goes: netns, veths, bridges it created, cgroups, the socket. */
static void
root_teardown(struct root *r)
{
	for (size_t b = 0; b < r->n_buckets; b++)
		for (struct colony *c = r->buckets[b]; c != NULL; c = c->hnext) {
			if (colony_watched(c))
				colony_reap(r, c);
			net_colony_down(r, c);
			colony_cg_remove(r, c);
		}
	root_reap_final(r);
	net_teardown(r);
	cg_remove(&r->cg, r->cfg->sup.cgroup_name);
	ctl_flush_all(r);
	ctl_close_all(r);
	unlink(r->cfg->sup.control_socket);
}

static int
root_check(const char *path)
{
	char err[CFG_ERR_MAX];
	struct cfg *cfg = cfg_load(path, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cfg_free(cfg);
	return 0;
}

/* An fd number on the command line (an upgrade's); -1 if it is not one. */
static int
root_fd_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 2 && v < INT32_MAX ? (int)v : -1;
}

static void
root_usage(void)
{
	fprintf(stderr, "usage: colony-supervisor [-c FILE] [--check]\n");
	exit(1);
}

/* listenfd >= 0: the control socket handed over by an upgrade. */

/* The control socket: the one an upgrade handed over (kept listening across
   exec, so no client is refused), or a new one. */
static int
root_listen(struct root *r, int listenfd)
{
	if (listenfd < 0)
		return ctl_listen(r);
	r->listenfd = listenfd;
	util_set_cloexec(listenfd);
	r->w_listen.kind = RW_LISTEN;
	return root_watch_add(r, listenfd, EPOLLIN, &r->w_listen);
}

int
root_start(struct root *r, int listenfd)
{
	char err[CFG_ERR_MAX];
	struct eng_policy pol;
	uint32_t *addrs;

	slots_init(r);		/* first: the lowest fd numbers free */
	r->cfg = cfg_load(r->cfg_path, err, sizeof(err));
	if (r->cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	util_heap_trim();	/* the parser's pieces, freed at once */
	if (cg_detect(&r->cg, err, sizeof(err)) != 0) {
		root_log("cgroups: %s", err);
		return -1;
	}
	r->pid1 = getpid() == 1;
	if (!r->pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		root_log("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	root_raise_nofile(r);
	if (util_mkdir_p(r->cfg->sup.state_dir, 0755) != 0 || util_mkdir_p(r->cfg->sup.log_dir, 0755) != 0) {
		root_log("cannot create %s or %s: %s", r->cfg->sup.state_dir, r->cfg->sup.log_dir,
		    strerror(errno));
		return -1;
	}
	if (root_find_colonyd(r) != 0)
		return -1;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	/* Messages use a few hundred bytes of it: in a mapping of its own, the rest never
	   becomes resident, whatever the heap held before at the same addresses. */
	r->msgbuf = mmap(NULL, PROTO_MSG_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (r->msgbuf == MAP_FAILED)
		r->msgbuf = NULL;
	root_eng_policy(&r->cfg->sup, &pol);
	r->eng = eng_new(&pol);
	if (r->epfd < 0 || r->msgbuf == NULL || r->eng == NULL) {
		root_log("start-up: %s", strerror(errno));
		return -1;
	}
	if (root_setup_signals(r) != 0 || root_timer_init(r) != 0) {
		root_log("signalfd/timerfd: %s", strerror(errno));
		return -1;
	}
	if (cg_create(&r->cg, r->cfg->sup.cgroup_name, CG_V1_ALL) != 0) {
		root_log("cgroup %s: %s", r->cfg->sup.cgroup_name, strerror(errno));
		return -1;
	}
	addrs = addr_plan(r, NULL, r->cfg, err, sizeof(err));
	if (addrs == NULL)
		root_log("network: %s", err);
	if (addrs == NULL || net_apply(r, r->cfg) != 0 || root_listen(r, listenfd) != 0) {
		net_teardown(r);	/* bridges made for a root that never ran */
		free(addrs);
		return -1;
	}
	for (size_t i = 0; i < r->cfg->n_colonies; i++) {
		struct colony *c = colony_new(r, &r->cfg->colonies[i]);
		struct eng_child_spec spec;
		if (c != NULL) {
			root_eng_spec(c->cfg, &spec);
			c->child = eng_add_child(r->eng, eng_count(r->eng), &spec, c);
		}
		if (c == NULL || c->child == NULL) {
			root_log("out of memory");
			free(addrs);
			return -1;
		}
	}
	addr_assign(r, r->cfg, addrs);
	free(addrs);
	return 0;
}

static void
root_find_self(struct root *r)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	buf[n] = '\0';
	snprintf(r->self_exe, sizeof(r->self_exe), "%s", buf);
	snprintf(r->self_dir, sizeof(r->self_dir), "%s", dirname(buf));
}

/* After a shutdown: PID 1 of the machine must never exit, so it powers off or reboots;
   in a container, reboot(2) ends the namespace the way its runtime expects. */
static void
root_pid1_end(struct root *r)
{
	struct stat st;
	bool init_ns = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == ROOT_INIT_PIDNS_INO;

	if (r->exit_code == 3) {
		sync();
		reboot(RB_AUTOBOOT);
	} else if (init_ns) {
		sync();
		reboot(RB_POWER_OFF);
	}
}

/*
 * glibc's per-thread cache keeps up to 7 freed chunks of each small size out
 * of the free lists. Hour after hour the root's loop frees chunks of more and
 * more sizes, and what the cache holds pins heap pages: the soak measured the
 * in-use heap and RSS rising 30-40 kB in ten minutes with it, and flat to the
 * byte without it. Tunables are read only at start, so the root turns the
 * cache off and executes itself once more (the same pid, name, argv and fds).
 * GLIBC_TUNABLES that already names tcache_count, any value, is left as it
 * is; a failed exec leaves the cache on. colonyd inherits the setting.
 */
static void
root_tcache_off(char **argv)
{
#ifdef __GLIBC__
	static const char knob[] = "glibc.malloc.tcache_count=";
	const char *t = getenv("GLIBC_TUNABLES");
	char self[PATH_MAX], *v;
	ssize_t n;

	if (t != NULL && strstr(t, knob) != NULL)
		return;
	/* By its real path, not /proc/self/exe: the process name (comm, what ps and
	   pidof show) comes from the executed file's name. */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if (asprintf(&v, "%s%s%s0", t != NULL ? t : "", t != NULL && *t != '\0' ? ":" : "", knob) < 0)
		return;
	if (setenv("GLIBC_TUNABLES", v, 1) == 0)
		execv(self, argv);
	free(v);
#else
	(void)argv;
#endif
}

int
main(int argc, char **argv)
{
	static struct root root;
	struct root *r = &root;
	bool check = false;
	int state_fd = -1, check_fd = -1;

	root_tcache_off(argv);
	util_heap_setup();
	/* Colonyds' pids spread over the whole table in time: fault its pages in now, or RSS
	   creeps by a page whenever a pid first lands in an untouched one. */
	memset(r->pids, 0, sizeof(r->pids));
	r->cfg_path = ROOT_DEFAULT_CONFIG;
	r->epfd = r->sigfd = r->timerfd = r->listenfd = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			r->cfg_path = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "--upgrade-state") == 0 && i + 1 < argc &&
		    (state_fd = root_fd_arg(argv[i + 1])) >= 0)
			i++;
		else if (strcmp(argv[i], "--check-upgrade") == 0 && i + 1 < argc &&
		    (check_fd = root_fd_arg(argv[i + 1])) >= 0)
			i++;
		else
			root_usage();
	}
	if (check)
		return root_check(r->cfg_path);
	if (check_fd >= 0)
		return upgrade_check(check_fd);
	root_find_self(r);
	if (state_fd >= 0) {
		if (upgrade_restore(r, state_fd) != 0) {
			root_log("upgrade: cannot take over; the colonies keep running and a "
			    "colony-supervisor started again adopts them");
			return 1;
		}
	} else {
		if (root_start(r, -1) != 0)
			return 1;
		root_log("started with %zu colonies (%s cgroups)", r->cfg->n_colonies,
		    r->cg.mode == CG_HYBRID ? "hybrid" : "unified");
		adopt_all(r);
		root_feed(r, ENG_EV_START_ALL, NULL, false, ENG_TIMER_NONE);
	}
	root_drain(r);
	root_loop(r);
	root_teardown(r);
	root_log("exiting with status %d", r->exit_code);
	if (r->pid1)
		root_pid1_end(r);
	return r->exit_code;
}
