/* root_upgrade.c: colony-supervisor re-executes its installed binary in the same pid, handing over its state and fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/handover.h"
#include "supervisor/root.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/*
 * The sequence (colony-supervisor(8), UPGRADE):
 *  1. a checker `SELF --check-upgrade FD` reads a snapshot of the state document
 *     and the configuration file, with the binary now installed at SELF; the loop
 *     goes on meanwhile (its pidfd is watched);
 *  2. once it exits 0, the listening socket leaves epoll (new clients wait in the
 *     backlog) and in-flight requests finish, for at most UPG_QUIESCE_MS;
 *  3. after a loop turn (the engine queue is empty), the document is written
 *     again, the fds it names lose FD_CLOEXEC, and SELF is executed.
 * A failed check or exec leaves this process as it was, and says why.
 */
#define UPG_MAGIC "colony-supervisor-state"
#define UPG_VERSION 2u		/* 2: colonyds without a pidfd; no netns fds (root_restore.c) */
#define UPG_QUIESCE_MS 2000

struct root_upgrade {
	struct root_req *req;		/* the `colonyctl upgrade` waiting, or NULL (SIGUSR2) */
	int checker_pidfd;
	pid_t checker_pid;
	bool quiescing;
	struct root_timer deadline;
	int *keep;			/* fds named by the document */
	size_t n_keep;
};

uint64_t
upgrade_cfg_hash(const struct cfg_colony *cc)
{
	size_t len = 0;
	char *text = cc ? cfg_colony_serialize(cc, &len) : NULL;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; text != NULL && i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
	free(text);
	return h;
}

static void
upg_keep(struct root_upgrade *u, int fd)
{
	int *v;

	if (fd < 0 || (v = realloc(u->keep, (u->n_keep + 1) * sizeof(*v))) == NULL)
		return;
	u->keep = v;
	u->keep[u->n_keep++] = fd;
}

/* ---- writing the document ---- */

static void
upg_write_eng(struct hov_w *w, const struct eng *e)
{
	struct eng_export x;

	eng_export(e, &x);
	hov_rec(w, "eng");
	hov_u64(w, "started", x.started);
	hov_u64(w, "ready_prev", x.ready_prev);
	hov_u64(w, "gave_up", x.gave_up);
	hov_u64(w, "done", x.done);
	hov_u64(w, "grp_active", x.grp_active);
	hov_u64(w, "grp_starting", x.grp_starting);
	hov_i64(w, "grp_cur", x.grp_cur);
	hov_i64(w, "grp_lo", x.grp_lo);
	hov_i64(w, "grp_stop_lo", x.grp_stop_lo);
	hov_u64(w, "all_active", x.all_active);
	hov_u64(w, "all_sequential", x.all_sequential);
	hov_u64(w, "all_give_up", x.all_give_up);
	hov_i64(w, "all_cur", x.all_cur);
	hov_u64s(w, "ring", x.ring, x.n_ring);
	hov_eol(w);
	free(x.ring);
}

static void
upg_write_colony(struct hov_w *w, struct root_upgrade *u, const struct colony *c)
{
	hov_rec(w, "colony");
	hov_str(w, "name", c->name);
	hov_i64(w, "pid", c->pid);
	hov_i64(w, "pidfd", c->pidfd);
	hov_i64(w, "sock", c->sock);
	hov_i64(w, "netns", -1);	/* no fd: the namespace stays published (root_net.c) */
	hov_i64(w, "events", c->events_fd);
	hov_u64(w, "published", c->published);
	hov_u64(w, "net_reset", c->net_reset);
	hov_str(w, "net", c->cfg->net_mode == CFG_NET_NAMED ? c->cfg->network : "");
	hov_u64(w, "addr", c->addr);
	hov_str(w, "veth", c->veth);
	hov_u64(w, "exit_kind", c->exit_kind);
	hov_i64(w, "exit_value", c->exit_value);
	hov_u64(w, "oom_base", c->oom_base);
	hov_u64(w, "timer_kind", c->timer_kind);
	hov_u64(w, "deadline", th_armed(&c->timer.th) ? c->timer.th.deadline : 0);
	hov_u64(w, "cfg_hash", upgrade_cfg_hash(c->cfg));
	hov_eng_child(w, c->child);
	hov_eol(w);
	upg_keep(u, c->pidfd);
	upg_keep(u, c->sock);
	upg_keep(u, c->events_fd);
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct root_svc *s = &c->svcs[i];
		hov_rec(w, "svc");
		hov_str(w, "colony", c->name);
		hov_str(w, "name", s->name);
		hov_u64(w, "state", s->state);
		hov_u64(w, "ready", s->ready);
		hov_u64(w, "exit_kind", s->exit_kind);
		hov_i64(w, "exit_value", s->exit_value);
		hov_i64(w, "pid", s->pid);
		hov_u64(w, "restarts", s->restarts);
		hov_u64(w, "since", s->since_ms);
		hov_str(w, "status", s->status);
		hov_eol(w);
	}
}

/* The whole state; fills u->keep with the fds it names. Returns the memfd or -1. */
static int
upg_write(struct root *r, struct root_upgrade *u)
{
	struct hov_w w = { 0 };
	int client = u->req && u->req->cl ? u->req->cl->fd : -1;

	u->n_keep = 0;
	hov_header(&w, UPG_MAGIC, UPG_VERSION);
	hov_rec(&w, "root");
	hov_str(&w, "cfg", r->cfg_path);
	hov_i64(&w, "listen", r->listenfd);
	hov_i64(&w, "client", client);
	hov_u64(&w, "nofile_cur", r->nofile_cur);
	hov_u64(&w, "nofile_max", r->nofile_max);
	hov_eol(&w);
	upg_keep(u, r->listenfd);
	upg_keep(u, client);
	for (struct root_net *n = r->nets; n != NULL; n = n->next) {
		hov_rec(&w, "net");
		hov_str(&w, "name", n->name);
		hov_u64(&w, "created", n->created);
		hov_eol(&w);
	}
	upg_write_eng(&w, r->eng);
	for (size_t i = 0; i < eng_count(r->eng); i++)
		upg_write_colony(&w, u, eng_child_data(eng_child_at(r->eng, i)));
	return hov_memfd(&w);
}

/* ---- the request ---- */

static void
upg_end(struct root *r, int code, const char *msg)
{
	struct root_upgrade *u = r->up;

	if (msg != NULL)
		root_log("upgrade: %s", msg);
	if (u->checker_pidfd >= 0) {
		root_watch_del(r, u->checker_pidfd);
		close(u->checker_pidfd);
	}
	if (u->quiescing)
		root_watch_add(r, r->listenfd, EPOLLIN, &r->w_listen);
	root_timer_cancel(r, &u->deadline);
	if (u->req != NULL) {
		if (msg != NULL)
			util_str_printf(code ? &u->req->err : &u->req->out, "colony-supervisor: upgrade: %s\n", msg);
		u->req->code = code;
		req_done_one(r, u->req);
	}
	free(u->keep);
	free(u);
	r->up = NULL;
	r->upgrade_now = false;
}

static void
upg_deadline(struct root *r, struct root_timer *t)
{
	(void)t;
	if (r->up != NULL && r->up->quiescing)
		r->upgrade_now = true;	/* clients still busy are cut off: they retry */
}

/* The check passed: stop accepting, let in-flight requests finish. */
static void
upg_quiesce(struct root *r)
{
	struct root_upgrade *u = r->up;

	u->quiescing = true;
	root_watch_del(r, r->listenfd);
	u->deadline = (struct root_timer){ TH_NODE_INIT, upg_deadline, u };
	root_timer_set(r, &u->deadline, util_mono_ms() + UPG_QUIESCE_MS);
	upgrade_after_turn(r);
}

/* The checker ended (its pidfd, or the orphan reaper saw it first). */
static void
upg_checked(struct root *r)
{
	struct root_upgrade *u = r->up;
	siginfo_t si;
	char msg[4400];

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)u->checker_pidfd, &si, WEXITED | WNOHANG) != 0 ||
	    si.si_pid == 0)
		return;
	root_watch_del(r, u->checker_pidfd);
	close(u->checker_pidfd);
	u->checker_pidfd = -1;
	u->checker_pid = 0;
	if (si.si_code == CLD_EXITED && si.si_status == 0) {
		upg_quiesce(r);
		return;
	}
	if (si.si_code == CLD_EXITED)
		snprintf(msg, sizeof(msg), "%s --check-upgrade exited with status %d%s; still running the old binary",
		    r->self_exe, si.si_status, si.si_status == 127 ? " (cannot execute it)" : "");
	else
		snprintf(msg, sizeof(msg), "%s --check-upgrade was killed by signal %d; still running the old binary",
		    r->self_exe, si.si_status);
	upg_end(r, 1, msg);
}

void
upgrade_checker_event(struct root *r)
{
	if (r->up != NULL && r->up->checker_pidfd >= 0)
		upg_checked(r);
}

bool
upgrade_reap(struct root *r, pid_t pid)
{
	if (r->up == NULL || r->up->checker_pid == 0 || r->up->checker_pid != pid)
		return false;
	upg_checked(r);
	return true;
}

static int
upg_spawn_checker(struct root *r, struct root_upgrade *u, int statefd)
{
	char fdbuf[16];
	char *argv[] = { r->self_exe, "--check-upgrade", fdbuf, NULL };
	int pidfd = -1;

	snprintf(fdbuf, sizeof(fdbuf), "%d", statefd);
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PIDFD | SIGCHLD), NULL, &pidfd,
	    NULL, 0UL);
	if (pid == 0) {
		sigset_t none;
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fcntl(statefd, F_SETFD, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	u->checker_pid = pid;
	u->checker_pidfd = pidfd;
	r->w_upgrade = (struct root_watch){ RW_UPGRADE, NULL };
	root_watch_add(r, pidfd, EPOLLIN, &r->w_upgrade);
	return 0;
}

/* `colonyctl upgrade` (q != NULL) or SIGUSR2. */
void
upgrade_begin(struct root *r, struct root_req *q)
{
	const char *why = r->shutting_down ? "shutting down" : r->up ? "an upgrade is in progress" :
	    r->cup ? "a colony upgrade is in progress" :
	    r->self_exe[0] == '\0' ? "own binary unknown" : NULL;
	struct root_upgrade *u;

	if (why == NULL && (u = calloc(1, sizeof(*u))) != NULL) {
		u->req = q;
		u->checker_pidfd = -1;
		u->deadline.th.idx = SIZE_MAX;
		r->up = u;
		root_log("upgrade: checking %s", r->self_exe);
		int fd = upg_write(r, u);
		int rc = fd < 0 ? -1 : upg_spawn_checker(r, u, fd);
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			return;
		char msg[128];
		snprintf(msg, sizeof(msg), "cannot start the check: %s", strerror(err));
		upg_end(r, 1, msg);
		return;
	}
	why = why ? why : "out of memory";
	root_log("upgrade: refused: %s", why);
	if (q != NULL) {
		util_str_printf(&q->err, "colony-supervisor: upgrade: %s\n", why);
		q->code = 1;
		req_done_one(r, q);
	}
}

/* A client with a request in flight: answered before exec if it can be. */
static bool
upg_busy(const struct root *r)
{
	for (const struct root_client *cl = r->clients; cl != NULL; cl = cl->next)
		if (!cl->events && cl->req == NULL && !cl->shutdown_wait)
			return true;
	for (size_t i = 0; i < eng_count(r->eng); i++) {
		const struct colony *c = eng_child_data(eng_child_at(r->eng, i));
		if (c->reload_req != NULL || c->waits != NULL || c->adopt != NULL ||
		    c->netns_wait)
			return true;
	}
	return r->q_len > 0 || r->cup != NULL;
}

static void
upg_exec(struct root *r)
{
	struct root_upgrade *u = r->up;
	char fdbuf[16], msg[4400];
	int fd = upg_write(r, u);

	if (fd < 0) {
		upg_end(r, 1, "cannot write the state document");
		return;
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	char *argv[] = { r->self_exe, "--upgrade-state", fdbuf, NULL };
	hov_keep_fd(fd, true);
	for (size_t i = 0; i < u->n_keep; i++)
		hov_keep_fd(u->keep[i], true);
	root_log("upgrade: executing %s", r->self_exe);
	execv(argv[0], argv);
	snprintf(msg, sizeof(msg), "exec %s: %s; still running the old binary", r->self_exe,
	    strerror(errno));
	for (size_t i = 0; i < u->n_keep; i++)
		hov_keep_fd(u->keep[i], false);
	close(fd);
	upg_end(r, 1, msg);
}

/* Called after every loop turn. */
void
upgrade_after_turn(struct root *r)
{
	if (r->up == NULL)
		return;
	if (r->shutting_down) {		/* a shutdown wins over an upgrade not yet executed */
		upg_end(r, 1, "cancelled: shutting down");
		return;
	}
	if (!r->up->quiescing)
		return;
	if (!r->upgrade_now && upg_busy(r))
		return;
	upg_exec(r);
}

void
upgrade_cmd(struct root *r, struct root_client *cl, int argc, char **argv)
{
	struct root_req *q;

	if (argc > 1 && strcmp(argv[1], "--colonies") == 0) {
		upgrade_colonies_cmd(r, cl, argc - 2, argv + 2);
		return;
	}
	if (argc != 1 || (q = req_new(r, cl)) == NULL) {
		static const char usage[] = "colony-supervisor: usage: upgrade [--colonies [NAME...]]\n";
		ctl_frame(r, cl, 2, usage, sizeof(usage) - 1);
		ctl_finish(r, cl, 2);
		return;
	}
	upgrade_begin(r, q);
}
