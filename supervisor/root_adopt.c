/* root_adopt.c: a fresh root adopts the colonyds that kept running while no root was there. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "netns/netns.h"
#include "supervisor/root.h"

/*
 * At start-up, before the first START_ALL, each configured colony is looked up:
 * - a process in <cgroup>/_colonyd: colonyd survived the previous root. We connect
 *   to state_dir/colonies/<colony>.sock (it may still be about to listen: retried
 *   every ADOPT_RETRY_MS for ADOPT_TRIES), take its host pid from SO_PEERCRED (the
 *   kernel translates it into our pid namespace), open a pidfd (whatever the fd
 *   budget: it is not our child, so SIGCHLD cannot tell), check that its netns is
 *   still published, and let the engine see it as RUNNING. The configuration goes
 *   down as a reload would.
 * - no colonyd but processes left in the colony's cgroup: colonyd died meanwhile.
 *   The engine sees a crash: the cgroup is killed and emptied, then a restart.
 * - nothing: started as usual.
 */
#define ADOPT_RETRY_MS 50
#define ADOPT_TRIES 60

struct root_adopt {
	struct colony *c;
	struct root_timer timer;
	unsigned tries;
};

/* The first pid in <cgroup>/_colonyd/cgroup.procs, 0 when none. */
static pid_t
adopt_cg_pid(struct root *r, struct colony *c)
{
	char path[600], buf[256];

	snprintf(path, sizeof(path), "%s/%s/_colonyd/cgroup.procs", r->cg.v2, c->cgroup);
	if (util_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	long pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

/* Connect to colonyd's adoption socket; the peer's host pid in *pid. -1 if not (yet) there. */
static int
adopt_connect(struct root *r, struct colony *c, pid_t *pid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/colonies/%s.sock", r->cfg->sup.state_dir,
	    c->name) >= (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 || uc.pid <= 0) {
		close(fd);
		return -1;
	}
	*pid = uc.pid;
	return fd;
}

/* The netns colonyd lives in stays published under /run/netns while the colony exists;
   a spawn opens it from there (root_net.c), so no fd is kept. */
static void
adopt_netns(struct root *r, struct colony *c, pid_t pid)
{
	char name[256], err[512];
	struct in_addr a;
	int fd;

	if (c->cfg->net_mode == CFG_NET_HOST)
		return;
	snprintf(name, sizeof(name), "%s%s", r->cfg->sup.netns_prefix, c->name);
	if (nns_open(name, &fd, err, sizeof(err)) != 0) {
		/* A private one the previous root never named: it went before colonyd's
		   HELLO (colonyd --new-netns). Name it now. */
		if (c->cfg->net_mode == CFG_NET_PRIVATE &&
		    net_colony_take(r, c, pid, err, sizeof(err)) == 0)
			return;
		root_log("colony %s: adopt: %s", c->name, err);
		return;
	}
	close(fd);
	c->published = true;
	if (c->cfg->net_mode != CFG_NET_NAMED || net_find(r, c->cfg->network) == NULL)
		return;
	net_veth_name(r, c);
	if (c->cfg->address[0] != '\0' && inet_pton(AF_INET, c->cfg->address, &a) == 1)
		c->addr = ntohl(a.s_addr);
	/* A dynamic address is not known here: the colony keeps it, status shows none. */
}

/* The engine takes a live colonyd as running: it was started, and became ready or not,
   under the previous root; waiting for a readiness that an operator's stop of one of its
   services may hold back forever would keep it "starting" for no reason. */
static int
adopt_engine(struct colony *c)
{
	uint64_t now = util_mono_ms();
	struct eng_child_export x = { .state = ENG_RUNNING, .alive = true, .notify = true,
	    .since_ms = now, .spawn_ms = now };

	return eng_child_import(c->child, &x);
}

static void
adopt_done(struct root *r, struct colony *c)
{
	if (c->adopt == NULL)
		return;
	root_timer_cancel(r, &c->adopt->timer);
	free(c->adopt);
	c->adopt = NULL;
}

/* Not our child: only a pidfd tells when it ends. */
static void
adopt_pidfd(struct root *r, struct colony *c, pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		root_log("colony %s: adopt: pidfd_open(%d): %s", c->name, (int)pid, strerror(errno));
	watch_spawned(r, c, fd, false);
}

/* Connected: from now on the colony is ours as if we had spawned it. */
static void
adopt_link(struct root *r, struct colony *c, int sock, pid_t pid)
{
	adopt_done(r, c);
	if (c->pid != 0 && c->pid != pid)
		root_log("colony %s: adopt: socket peer %d is not the cgroup's colonyd %d", c->name,
		    (int)pid, (int)c->pid);
	if (c->pidfd < 0) {
		colony_set_pid(r, c, pid);
		adopt_pidfd(r, c, pid);
	}
	link_attach(r, c, sock);
	link_send_config(r, c);
	root_log("colony %s: adopted colonyd (pid %d)", c->name, (int)c->pid);
}

static void
adopt_retry(struct root *r, struct root_timer *t)
{
	struct root_adopt *a = t->ptr;
	struct colony *c = a->c;
	pid_t pid = 0;
	int fd = adopt_connect(r, c, &pid);

	if (fd >= 0) {
		adopt_link(r, c, fd, pid);
		return;
	}
	if (++a->tries < ADOPT_TRIES) {
		root_timer_set(r, &a->timer, util_mono_ms() + ADOPT_RETRY_MS);
		return;
	}
	/* Alive but deaf: a crash as far as the engine is concerned (its pidfd reports it). */
	root_log("colony %s: colonyd %d does not answer on its adoption socket: killing the colony",
	    c->name, (int)c->pid);
	adopt_done(r, c);
	cg_kill(&r->cg, c->cgroup);
}

static void
adopt_one(struct root *r, struct colony *c)
{
	pid_t pid = adopt_cg_pid(r, c), peer = 0;
	int fd;

	if (pid == 0) {
		if (cg_populated(&r->cg, c->cgroup) > 0) {
			root_log("colony %s: its colonyd died while no root was there: cleaning up", c->name);
			if (adopt_engine(c) == 0)
				root_feed(r, ENG_EV_EXITED, c, false, ENG_TIMER_NONE);
		}
		return;
	}
	if (adopt_engine(c) != 0)
		return;
	c->restored = true;
	c->oom_base = cg_oom_kills(&r->cg, c->cgroup);
	adopt_netns(r, c, pid);
	fd = adopt_connect(r, c, &peer);
	if (fd >= 0) {
		adopt_link(r, c, fd, peer);
		return;
	}
	/* Not listening yet (it is noticing that the old root is gone): watch it meanwhile. */
	colony_set_pid(r, c, pid);
	adopt_pidfd(r, c, pid);
	c->adopt = calloc(1, sizeof(*c->adopt));
	if (c->adopt == NULL) {
		cg_kill(&r->cg, c->cgroup);
		return;
	}
	c->adopt->c = c;
	c->adopt->timer = (struct root_timer){ TH_NODE_INIT, adopt_retry, c->adopt };
	root_timer_set(r, &c->adopt->timer, util_mono_ms() + ADOPT_RETRY_MS);
}

int
adopt_all(struct root *r)
{
	for (size_t i = 0; i < eng_count(r->eng); i++)
		adopt_one(r, eng_child_data(eng_child_at(r->eng, i)));
	root_drain(r);
	return 0;
}

/* The colony's colonyd ended or the colony went: stop trying. */
void
adopt_forget(struct root *r, struct colony *c)
{
	adopt_done(r, c);
}
