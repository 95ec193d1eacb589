/* root_colony.c: colonies by name, and the life of a colonyd: spawn (cgroups, clone3), exit, cleanup. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/clonevm.h"
#include "supervisor/root.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#define ROOT_CLONE_INTO_CGROUP 0x200000000ULL

/* clone3's argument block (linux/sched.h clashes with <sched.h>, so a local copy). */
struct root_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static size_t
colony_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
colony_rehash(struct root *r)
{
	size_t n = r->n_buckets ? r->n_buckets * 2 : 64;
	struct colony **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < r->n_buckets; i++)
		while (r->buckets[i] != NULL) {
			struct colony *c = r->buckets[i];
			r->buckets[i] = c->hnext;
			size_t h = colony_hash(c->name) & (n - 1);
			c->hnext = b[h];
			b[h] = c;
		}
	free(r->buckets);
	r->buckets = b;
	r->n_buckets = n;
}

struct colony *
colony_find(const struct root *r, const char *name)
{
	if (r->n_buckets == 0)
		return NULL;
	for (struct colony *c = r->buckets[colony_hash(name) & (r->n_buckets - 1)]; c; c = c->hnext)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

#define PID_SLOT(pid) ((size_t)(pid) % (sizeof(((struct root *)0)->pids) / sizeof(struct colony *)))

struct colony *
colony_by_pid(const struct root *r, pid_t pid)
{
	for (struct colony *c = r->pids[PID_SLOT(pid)]; c != NULL; c = c->pnext)
		if (c->pid == pid)
			return c;
	return NULL;
}

void
colony_set_pid(struct root *r, struct colony *c, pid_t pid)
{
	if (c->pid != 0) {
		struct colony **pp = &r->pids[PID_SLOT(c->pid)];
		while (*pp != NULL && *pp != c)
			pp = &(*pp)->pnext;
		if (*pp == c)
			*pp = c->pnext;
	}
	c->pid = pid;
	if (pid != 0) {
		c->pnext = r->pids[PID_SLOT(pid)];
		r->pids[PID_SLOT(pid)] = c;
	}
}

void
colony_unlink(struct root *r, struct colony *c)
{
	struct colony **pp = &r->buckets[colony_hash(c->name) & (r->n_buckets - 1)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp != NULL) {	/* then *pp == c */
		*pp = c->hnext;
		r->n_colonies--;
	}
}

static void
colony_timer_fire(struct root *r, struct root_timer *t)
{
	struct colony *c = t->ptr;

	root_feed(r, ENG_EV_TIMER, c, false, c->timer_kind);
}

/*
 * Services as the configuration lists them; snapshots from colonyd fill them in.
 * With as many services as before (a reload that changed one), the mirror is
 * rewritten in place: a reload then moves no long-lived memory in the heap.
 */
void
colony_mirror_reset(struct colony *c)
{
	struct root_svc *old = c->svcs;
	size_t n_old = c->n_svcs;
	size_t n = c->cfg ? c->cfg->n_services : 0;
	struct root_svc *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL) {
		free(old);
		c->svcs = NULL;
		c->n_svcs = 0;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "%s", c->cfg->services[i].name);
		for (size_t j = 0; j < n_old; j++)
			if (strcmp(old[j].name, v[i].name) == 0)
				v[i] = old[j];
	}
	if (old != NULL && n == n_old && n > 0) {
		memcpy(old, v, n * sizeof(*v));
		free(v);
		return;
	}
	free(old);
	c->svcs = v;
	c->n_svcs = n;
}

struct colony *
colony_new(struct root *r, const struct cfg_colony *cc)
{
	struct colony *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", cc->name);
	snprintf(c->cgroup, sizeof(c->cgroup), "%s/%s", r->cfg->sup.cgroup_name, cc->name);
	c->cfg = cc;
	c->pidfd = c->sock = c->netns_fd = c->events_fd = -1;
	c->killed = true;	/* a cgroup left by an earlier root may have been killed */
	c->w_pidfd = (struct root_watch){ RW_PIDFD, c };
	c->w_sock = (struct root_watch){ RW_LINK, c };
	c->w_events = (struct root_watch){ RW_CGEVENTS, c };
	c->timer = (struct root_timer){ TH_NODE_INIT, colony_timer_fire, c };
	colony_mirror_reset(c);
	if (r->n_colonies + 1 > r->n_buckets)
		colony_rehash(r);
	if (r->n_buckets == 0) {
		free(c->svcs);
		free(c);
		return NULL;
	}
	size_t h = colony_hash(c->name) & (r->n_buckets - 1);
	c->hnext = r->buckets[h];
	r->buckets[h] = c;
	r->n_colonies++;
	return c;
}

void
colony_free(struct root *r, struct colony *c)
{
	watch_forget(r, c);
	if (c->events_fd >= 0) {
		root_watch_del(r, c->events_fd);
		close(c->events_fd);
	}
	net_colony_close(c);
	if (c->sock >= 0) {
		root_watch_del(r, c->sock);
		close(c->sock);
	}
	free(c->svcs);
	free(c);
}

/* [supervisor] colonyd, else next to our own binary, else the libexec path. */
int
root_find_colonyd(struct root *r)
{
	if (r->cfg->sup.colonyd != NULL && r->cfg->sup.colonyd[0] != '\0')
		snprintf(r->colonyd, sizeof(r->colonyd), "%s", r->cfg->sup.colonyd);
	else {
		snprintf(r->colonyd, sizeof(r->colonyd), "%s/colonyd", r->self_dir);
		if (r->self_dir[0] == '\0' || access(r->colonyd, X_OK) != 0)
			snprintf(r->colonyd, sizeof(r->colonyd), "%s/colonyd", COLONY_LIBEXEC);
	}
	if (access(r->colonyd, X_OK) != 0) {
		root_log("colonyd %s: %s", r->colonyd, strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t
colony_ns_flags(const struct cfg_colony *cc)
{
	uint64_t f = 0;

	if (cc->namespaces & CFG_NS_UTS)
		f |= CLONE_NEWUTS;
	if (cc->namespaces & CFG_NS_IPC)
		f |= CLONE_NEWIPC;
	if (cc->namespaces & CFG_NS_PID)
		f |= CLONE_NEWPID;
	if (cc->namespaces & CFG_NS_MOUNT)
		f |= CLONE_NEWNS;
	return f;
}

struct spawn_ctx {
	struct root *r;
	struct colony *c;
	int sock;		/* the child's end */
	int ns;			/* the colony's netns for setns, or -1 */
	int filters;		/* root_filters_fd for colonyd --filters, or -1 */
	bool share;		/* CLONE_FILES | CLONE_VFORK: copy only fds below keep (root_slots.c) */
	unsigned keep;
	bool attach;		/* fallback: join the cgroup ourselves */
	bool new_netns;		/* network = private, none yet: colonyd makes it (--new-netns) */
	unsigned v1;		/* hybrid: the v1 controllers to join (cg_v1_needed) */
	char cg_colonyd[300];
	char *argv[16];
	char **envp;
};

/* In the child, between clone and exec: only plain syscalls; any failure ends it with 127. */
static void __attribute__((noreturn))
spawn_child(struct spawn_ctx *x)
{
	struct rlimit rl = { x->r->nofile_cur, x->r->nofile_max };
	const char *what = NULL;
	sigset_t empty;

	/* First: until this the fd table is the root's own. */
	if (x->share && close_range(x->keep, ~0U, CLOSE_RANGE_UNSHARE) != 0)
		_exit(127);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	if (x->attach && cg_attach(&x->r->cg, x->cg_colonyd, 0, 0) != 0)
		what = "cgroup attach";
	else if (x->v1 != 0 && cg_attach_v1(&x->r->cg, x->c->cgroup, 0, x->v1) != 0)
		what = "v1 cgroup attach";
	else if (x->ns >= 0 && setns(x->ns, CLONE_NEWNET) != 0)
		what = "setns";
	else if (slots_child_fds(x->sock, x->filters) != 0)
		what = "dup2";
	if (what == NULL) {
		setrlimit(RLIMIT_NOFILE, &rl);
		close_range(x->filters >= 0 ? 5 : 4, ~0U, 0);
		execve(x->argv[0], x->argv, x->envp);
		what = "exec";
	}
	dprintf(2, "colony-supervisor: colony %s: %s: %s\n", x->c->name, what, strerror(errno));
	_exit(127);
}

static void __attribute__((noreturn))
spawn_child_vm(void *x)
{
	spawn_child(x);
}

/* clone3 straight into the cgroup; fall back to a plain clone (crun style: for any error).
   pidfd NULL: no pidfd (the fd budget is short, root_watch.c); its end comes by SIGCHLD. */
static pid_t
spawn_clone(struct spawn_ctx *x, int cgfd, int *pidfd)
{
	struct root_clone_args a;
	pid_t pid;

	/* Sharing the fd table, the root waits for the exec anyway: then the child also
	   borrows its memory, as posix_spawn does, so no page table is copied or torn down. */
	if (x->share) {
		pid = clonevm((pidfd != NULL ? CLONE_PIDFD : 0) | ROOT_CLONE_INTO_CGROUP | CLONE_FILES |
		    colony_ns_flags(x->c->cfg), pidfd != NULL ? 0 : SIGCHLD, pidfd, cgfd,
		    spawn_child_vm, x);
		if (pid > 0 || errno != ENOSYS)
			goto done;
	}
	memset(&a, 0, sizeof(a));
	/* exit_signal 0 with a pidfd: colonyd is a "clone child", so the orphan reaper's
	   waitpid(-1) never takes it; its exit is read through the pidfd only. */
	a.flags = (pidfd != NULL ? CLONE_PIDFD : 0) | ROOT_CLONE_INTO_CGROUP |
	    (x->share ? CLONE_FILES | CLONE_VFORK : 0) | colony_ns_flags(x->c->cfg);
	a.pidfd = (uint64_t)(uintptr_t)pidfd;
	a.exit_signal = pidfd != NULL ? 0 : SIGCHLD;
	a.cgroup = (uint64_t)cgfd;
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		spawn_child(x);
done:
	if (pid > 0 || (errno == EMFILE && pidfd != NULL))
		return pid;	/* no fd for the pidfd: the caller tries without one */
	static bool told;
	if (!told) {
		/* Older kernels refuse clone3 or CLONE_INTO_CGROUP: say so once, then fall back
		   to a plain clone and join the cgroup in the child (crun does the same). */
		root_log("clone3: %s; falling back to clone and a cgroup attach", strerror(errno));
		told = true;
	}
	x->attach = true;
	x->share = false;	/* the child attaches itself: the root must not sleep meanwhile */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)((pidfd != NULL ? CLONE_PIDFD : SIGCHLD) |
	    colony_ns_flags(x->c->cfg)), NULL, pidfd, NULL, 0UL);
	if (pid == 0)
		spawn_child(x);
	return pid;
}

unsigned
colony_v1(const struct root *r, const struct colony *c)
{
	const struct cfg_colony *cc = c->cfg;

	if (r->cg.mode != CG_HYBRID || cc == NULL)
		return 0;
	struct cg_limits lim = { cc->memory_max, cc->pids_max, cc->cpu_max_percent, cc->cpu_weight };
	return cg_v1_needed(&lim);
}

static int
spawn_prepare(struct root *r, struct colony *c, struct spawn_ctx *x)
{
	const struct cfg_colony *cc = c->cfg;
	struct cg_limits lim = { cc->memory_max, cc->pids_max, cc->cpu_max_percent, cc->cpu_weight };
	char err[256];

	snprintf(x->cg_colonyd, sizeof(x->cg_colonyd), "%s/_colonyd", c->cgroup);
	/* The published namespace is opened for this spawn only; gone, it is made anew. */
	if (cc->net_mode != CFG_NET_HOST && (!c->published || c->net_reset ||
	    net_colony_open(r, c) != 0)) {
		if (c->net_reset || c->published)
			net_colony_down(r, c);
		c->net_reset = false;
		/* A private namespace (only lo) colonyd makes itself: half a millisecond of
		   kernel work per colony, better spent beside the root's loop than in it.
		   The root names it (publishes it) at colonyd's HELLO (root_link.c). */
		x->new_netns = cc->net_mode == CFG_NET_PRIVATE;
		if (!x->new_netns && net_colony_up(r, c, err, sizeof(err)) != 0) {
			root_log("colony %s: network: %s", c->name, err);
			return -1;
		}
	}
	if (cc->net_mode == CFG_NET_HOST && c->published)
		net_colony_down(r, c);
	/* A fresh subtree after a kill (it is empty here): on this kernel a cgroup once
	   written to cgroup.kill SIGKILLs every later CLONE_INTO_CGROUP child of it and
	   of its descendants (kill_seq mismatch), which would hit colonyd's services too. */
	if (c->killed)
		cg_remove(&r->cg, c->cgroup);
	c->killed = false;
	/* Only the v1 controllers with a limit: each v1 join costs an RCU grace period. */
	x->v1 = colony_v1(r, c);
	if ((x->v1 != 0 && cg_create(&r->cg, c->cgroup, x->v1) != 0) ||
	    cg_create(&r->cg, x->cg_colonyd, 0) != 0) {
		root_log("colony %s: cgroup %s: mkdir: %s", c->name, x->cg_colonyd, strerror(errno));
		return -1;
	}
	if (cg_set_limits(&r->cg, c->cgroup, &lim, err, sizeof(err)) != 0) {
		root_log("colony %s: limits: %s", c->name, err);
		return -1;
	}
	return 0;
}

static void
spawn_argv(struct root *r, struct colony *c, struct spawn_ctx *x)
{
	int i = 0;

	x->argv[i++] = r->colonyd;
	x->argv[i++] = "--colony";
	x->argv[i++] = c->name;
	x->argv[i++] = "--fd";
	x->argv[i++] = "3";
	x->argv[i++] = "--state-dir";
	x->argv[i++] = r->cfg->sup.state_dir;
	x->argv[i++] = "--log-dir";
	x->argv[i++] = r->cfg->sup.log_dir;
	x->argv[i++] = "--cgroup";
	x->argv[i++] = c->cgroup;
	if (x->filters >= 0) {
		x->argv[i++] = "--filters";
		x->argv[i++] = "4";
	}
	if (x->new_netns)
		x->argv[i++] = "--new-netns";
	x->argv[i] = NULL;
	/* Ours, with glibc's malloc cache off (root_tcache_off): building a seccomp filter
	   frees thousands of small chunks, and the cache kept up to 7 of each size scattered
	   over the heap, pinning pages that malloc_trim cannot return (about 48 kB). */
	x->envp = environ;
}

static int colony_spawn_in(struct root *r, struct colony *c);

/* ENG_ACT_SPAWN. Returns 0 (colonyd exists) or -1 (set-up failed: an abnormal exit). */
int
colony_spawn(struct root *r, struct colony *c)
{
	int rc = colony_spawn_in(r, c);

	net_colony_close(c);	/* the root holds no netns fd between spawns */
	return rc;
}

static int
colony_spawn_in(struct root *r, struct colony *c)
{
	struct spawn_ctx x = { .r = r, .c = c };
	int sv[2], cgfd, pidfd = -1;
	pid_t pid;

	if (c->cfg == NULL || spawn_prepare(r, c, &x) != 0)
		return -1;
	x.filters = root_filters_fd(c->cfg);
	spawn_argv(r, c, &x);
	cgfd = cg_open(&r->cg, x.cg_colonyd);
	if (cgfd < 0) {
		root_log("colony %s: open cgroup %s: %s", c->name, x.cg_colonyd, strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		root_log("colony %s: socketpair: %s", c->name, strerror(errno));
		close(cgfd);
		return -1;
	}
	int fds[SLOTS_LENT] = { sv[1], c->netns_fd, x.filters }, cfds[SLOTS_LENT];

	x.sock = sv[1];
	x.ns = c->netns_fd;
	/* Not while the child joins v1 cgroups (an RCU grace period): the root would sleep. */
	x.share = x.v1 == 0 && slots_lend(r, fds, cfds, &x.keep);
	if (x.share) {
		x.sock = cfds[0];
		x.ns = cfds[1];
		x.filters = cfds[2];
	}
	bool want = watch_want_pidfd(r);
	pid = spawn_clone(&x, cgfd, want ? &pidfd : NULL);
	if (pid < 0 && want && errno == EMFILE)
		pid = spawn_clone(&x, cgfd, NULL);
	int saved = errno;
	if (x.sock != sv[1])
		slots_return(r);	/* colonyd has executed (or died): its table is its own */
	close(cgfd);
	close(sv[1]);
	if (pid < 0) {
		root_log("colony %s: clone3: %s", c->name, strerror(saved));
		close(sv[0]);
		return -1;
	}
	colony_set_pid(r, c, pid);
	c->netns_wait = x.new_netns;
	watch_spawned(r, c, pidfd, true);
	c->oom_base = cg_oom_kills(&r->cg, c->cgroup);
	link_attach(r, c, sv[0]);
	link_send_config(r, c);
	ctl_event(r, c->name, "spawned", pid, PROTO_EXIT_NONE, 0);
	return 0;
}

/* colonyd ended (pidfd readable, or SIGCHLD): 0 is a clean exit, anything else (3: gave up) is not. */
void
colony_reap(struct root *r, struct colony *c)
{
	siginfo_t si;
	bool unknown = false;
	int rc;

	memset(&si, 0, sizeof(si));
	if (c->pidfd >= 0)
		rc = waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG | __WALL);
	else
		rc = waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | __WALL);
	if (rc != 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		/* An adopted colonyd is not our child: its status is its parent's. Whether it
		   ended is what its pidfd says (readable once it exited). Without a pidfd,
		   ECHILD means it is gone. */
		int err = errno;
		struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
		if (err == ECHILD && c->pidfd >= 0 && (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)))
			return;
		unknown = err == ECHILD;
		if (!unknown)
			root_log("colony %s: waitid: %s", c->name, strerror(err));
	} else if (si.si_pid == 0)
		return;		/* not yet */
	adopt_forget(r, c);
	c->netns_wait = false;	/* its namespace, never named, went with it */
	watch_reaped(r, c);
	bool clean = si.si_code == CLD_EXITED && si.si_status == 0;
	if (si.si_code == CLD_EXITED) {
		c->exit_kind = PROTO_EXIT_CODE;
		c->exit_value = si.si_status;
	} else {
		c->exit_kind = unknown ? PROTO_EXIT_NONE : PROTO_EXIT_SIGNAL;
		c->exit_value = si.si_status;
	}
	if (cg_oom_kills(&r->cg, c->cgroup) > c->oom_base)
		c->exit_kind = PROTO_EXIT_OOM;
	if (c->sock >= 0)
		link_readable(r, c);	/* the last snapshots it sent */
	link_close(r, c);
	ctl_event(r, c->name, "exited", c->pid, c->exit_kind, c->exit_value);
	r->reaped[r->reaped_i++ % (sizeof(r->reaped) / sizeof(r->reaped[0]))] = c->pid;
	colony_set_pid(r, c, 0);
	for (size_t i = 0; i < c->n_svcs; i++)
		if (c->svcs[i].pid != 0 || c->svcs[i].state != ENG_FAILED) {
			c->svcs[i].pid = 0;
			c->svcs[i].state = c->svcs[i].state == ENG_FAILED ? ENG_FAILED : ENG_STOPPED;
			c->svcs[i].ready = 0;
		}
	if (c->child != NULL && !c->dying)
		root_feed(r, ENG_EV_EXITED, c, clean, ENG_TIMER_NONE);
}

static void
colony_emptied(struct root *r, struct colony *c)
{
	if (c->events_fd >= 0) {
		root_watch_del(r, c->events_fd);
		close(c->events_fd);
		c->events_fd = -1;
	}
	/* colonyd is gone with its cgroup: let its exit reach the engine before EMPTY. */
	if (colony_watched(c))
		colony_reap(r, c);
	/* A colonyd that died before its services left them to us, and their
	   SIGCHLDs may have merged with colonyd's: reap them after this turn. That
	   walk costs O(children) (a millisecond at 10,000 colonies); a colonyd that
	   exited 0 had stopped and collected all its services, so it left none. Not
	   at shutdown either, when each colony's end would make it O(n^2):
	   root_reap_final reaps them all at the end. */
	if (!r->shutting_down && (c->exit_kind != PROTO_EXIT_CODE || c->exit_value != 0))
		r->orphans_due = true;
	if (c->child != NULL && !c->dying)
		root_feed(r, ENG_EV_EMPTY, c, false, ENG_TIMER_NONE);
}

/* ENG_ACT_CLEANUP: kill the colony's cgroup; EMPTY now, or once cgroup.events says so. */
void
colony_cleanup(struct root *r, struct colony *c)
{
	/* Usually colonyd stopped its services and left an empty cgroup: then there is
	   nothing to kill (nothing enters an empty cgroup on its own), and the subtree
	   need not be made afresh before the next spawn (c->killed). */
	if (cg_populated(&r->cg, c->cgroup) <= 0) {
		colony_emptied(r, c);
		return;
	}
	c->killed = true;
	if (cg_kill(&r->cg, c->cgroup) != 0 && errno != ENOENT)
		root_log("colony %s: cgroup.kill: %s", c->name, strerror(errno));
	if (cg_populated(&r->cg, c->cgroup) <= 0) {
		colony_emptied(r, c);
		return;
	}
	if (c->events_fd < 0) {
		c->events_fd = cg_events_open(&r->cg, c->cgroup);
		if (c->events_fd < 0) {
			root_log("colony %s: cgroup.events: %s", c->name, strerror(errno));
			colony_emptied(r, c);
			return;
		}
		root_watch_add(r, c->events_fd, EPOLLPRI, &c->w_events);
	}
	/* It may have emptied between the check and the watch. */
	if (cg_events_populated(c->events_fd) == 0)
		colony_emptied(r, c);
}

void
colony_cg_event(struct root *r, struct colony *c)
{
	if (cg_events_populated(c->events_fd) != 1)
		colony_emptied(r, c);
}

/* ENG_ACT_SIGNAL: ask colonyd to stop its services in order; SIGTERM if it cannot hear us. */
void
colony_signal(struct root *r, struct colony *c)
{
	if (c->sock >= 0 && link_send_cmd(r, c, PROTO_OP_SHUTDOWN, "", 0, 0) == 0)
		return;
	if (colony_watched(c) && watch_kill(c, SIGTERM) != 0)
		root_log("colony %s: SIGTERM: %s", c->name, strerror(errno));
}

void
colony_cg_remove(struct root *r, struct colony *c)
{
	char leaf[512];

	/* The leaf first: then the colony's own rmdir needs no listing (cg_remove). */
	snprintf(leaf, sizeof(leaf), "%s/%s/_colonyd", r->cg.v2, c->cgroup);
	rmdir(leaf);
	if (cg_remove(&r->cg, c->cgroup) != 0 && errno != ENOENT)
		root_log("colony %s: remove cgroup %s: %s", c->name, c->cgroup, strerror(errno));
}
