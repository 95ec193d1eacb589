/* root_watch.c: how the root learns that a colonyd ended: its pidfd, or SIGCHLD when the fd budget is short. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/fdbudget.h"
#include "supervisor/root.h"

/*
 * A colonyd the root spawned gets a pidfd while one fits (fdbudget.h); else it
 * is spawned with exit_signal SIGCHLD and no pidfd. Such a child is collected
 * with waitid(P_PID), which costs the same for any number of children, and
 * signalled with kill(2), which is race-free while it is unreaped: only we reap
 * it. The one thing SIGCHLD does not give is the pid of every child that
 * ended, since SIGCHLDs pending at once merge. A waitid(P_ALL) walk over every
 * child would find them, but at 10,000 colonies it costs about a millisecond.
 * colonyd's protocol socket tells instead: its end closes (or we closed ours)
 * before colonyd can be a zombie, so a colonyd whose link is gone is reaped at
 * once if it is a zombie already, and else waits on r->pending, which every
 * SIGCHLD read looks through; its own SIGCHLD comes after that, so it cannot
 * have merged into one we already read.
 */

bool
watch_want_pidfd(struct root *r)
{
	struct rlimit rl;

	/* Read at each spawn: an operator may change the limit of a running root (prlimit). */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return true;
	return fdb_pidfd_fits(r->n_pidfds, r->n_colonies, rl.rlim_cur);
}

/* colonyd exists: watch it through pidfd (>= 0), or as our child through SIGCHLD. */
void
watch_spawned(struct root *r, struct colony *c, int pidfd, bool child)
{
	c->pidfd = pidfd;
	c->sigchld = false;
	if (pidfd >= 0) {
		r->n_pidfds++;
		if (root_watch_add(r, pidfd, EPOLLIN, &c->w_pidfd) != 0)
			root_log("colony %s: epoll pidfd: %s", c->name, strerror(errno));
		return;
	}
	if (!child)
		return;		/* an adopted colonyd without a pidfd cannot be watched */
	c->sigchld = true;
	r->n_sigchld++;
	if (!r->told_fallback) {
		struct rlimit rl = { 0, 0 };
		getrlimit(RLIMIT_NOFILE, &rl);
		root_log("colony %s: no pidfd for its colonyd (%zu held, %zu colonies, RLIMIT_NOFILE %llu): "
		    "colonyds beyond the fd budget are watched through SIGCHLD", c->name, r->n_pidfds,
		    r->n_colonies, (unsigned long long)rl.rlim_cur);
		r->told_fallback = true;
	}
}

static void
watch_unpend(struct root *r, struct colony *c)
{
	if (!c->exit_pending)
		return;
	if (c->xprev != NULL)
		c->xprev->xnext = c->xnext;
	else
		r->pending = c->xnext;
	if (c->xnext != NULL)
		c->xnext->xprev = c->xprev;
	c->xnext = c->xprev = NULL;
	c->exit_pending = false;
}

/* Its exit was collected, or it is forgotten: drop whatever watched it. */
void
watch_reaped(struct root *r, struct colony *c)
{
	if (c->pidfd >= 0) {
		root_watch_del(r, c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
		r->n_pidfds--;
	}
	if (c->sigchld) {
		c->sigchld = false;
		r->n_sigchld--;
	}
	watch_unpend(r, c);
}

/* The colony's memory goes: nothing may point at it any more. */
void
watch_forget(struct root *r, struct colony *c)
{
	watch_reaped(r, c);
	colony_set_pid(r, c, 0);
}

void
watch_link_gone(struct root *r, struct colony *c)
{
	if (!c->sigchld || c->exit_pending)
		return;
	colony_reap(r, c);
	if (!c->sigchld)
		return;		/* it was a zombie already */
	c->exit_pending = true;
	c->xprev = NULL;
	c->xnext = r->pending;
	if (r->pending != NULL)
		r->pending->xprev = c;
	r->pending = c;
}

/* After a SIGCHLD was read: collect every linkless colonyd that ended meanwhile. */
void
watch_sigchld(struct root *r)
{
	struct colony *next;

	/* colony_reap unlinks only the colony it reaps, so next stays valid. */
	for (struct colony *c = r->pending; c != NULL; c = next) {
		next = c->xnext;
		colony_reap(r, c);
	}
}

int
watch_kill(struct colony *c, int sig)
{
	if (c->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
	if (c->sigchld && c->pid > 0)
		return kill(c->pid, sig);	/* our unreaped child: the pid is still its own */
	errno = ESRCH;
	return -1;
}

/* For status --json: how the root watches the colony's colonyd. */
const char *
watch_kind(const struct colony *c)
{
	return c->pidfd >= 0 ? "pidfd" : c->sigchld ? "sigchld" : NULL;
}
