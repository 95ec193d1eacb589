/* root_restore.c: the new image's side of an upgrade: check a state document, or rebuild the root from it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netns.h"
#include "supervisor/handover.h"
#include "supervisor/root.h"

#define UPG_MAGIC "colony-supervisor-state"
/* 2: a colonyd may have no pidfd (watched through SIGCHLD), and no netns fd is passed. */
#define UPG_VERSION 2u

/* One "colony" record, checked before anything is applied. */
struct rs_colony {
	const char *name, *net, *veth;
	int64_t pid, pidfd, sock, netns, events, exit_value;
	uint64_t published, net_reset, addr, exit_kind, oom_base, timer_kind, deadline, cfg_hash;
	struct eng_child_export x;
};

static int
rs_fd(const struct hov_line *l, const char *key, int64_t *v, bool check)
{
	if (hov_get_i64(l, key, v) != 0 || *v < -1 || *v > INT32_MAX)
		return -1;
	return *v < 0 || check || hov_fd_ok((int)*v) ? 0 : -1;
}

static int
rs_parse_colony(const struct hov_line *l, struct rs_colony *c, bool check)
{
	memset(c, 0, sizeof(*c));
	c->name = hov_get(l, "name");
	c->net = hov_get(l, "net");
	c->veth = hov_get(l, "veth");
	if (c->name == NULL || c->net == NULL || c->veth == NULL || strlen(c->veth) > 15 ||
	    hov_get_i64(l, "pid", &c->pid) != 0 || c->pid < 0 || c->pid > INT32_MAX ||
	    rs_fd(l, "pidfd", &c->pidfd, check) || rs_fd(l, "sock", &c->sock, check) ||
	    rs_fd(l, "netns", &c->netns, check) || rs_fd(l, "events", &c->events, check) ||
	    hov_get_u64(l, "published", &c->published) || hov_get_u64(l, "net_reset", &c->net_reset) ||
	    hov_get_u64(l, "addr", &c->addr) || hov_get_u64(l, "exit_kind", &c->exit_kind) ||
	    hov_get_i64(l, "exit_value", &c->exit_value) || hov_get_u64(l, "oom_base", &c->oom_base) ||
	    hov_get_u64(l, "timer_kind", &c->timer_kind) || hov_get_u64(l, "deadline", &c->deadline) ||
	    hov_get_u64(l, "cfg_hash", &c->cfg_hash) || c->timer_kind > ENG_TIMER_READY ||
	    c->exit_kind >= PROTO_EXIT_MAX_)
		return -1;
	return hov_get_eng_child(l, &c->x);
}

/* A colonyd with no pidfd in the document is our child, watched through SIGCHLD; one that
   is not our child (adopted without a pidfd) gets a pidfd now if it can. */
static void
rs_watch(struct root *r, struct colony *c, int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (pidfd >= 0 || c->pid == 0)
		watch_spawned(r, c, pidfd, false);
	else if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0) {
		r->told_fallback = true;	/* the previous image said so */
		watch_spawned(r, c, -1, true);
	} else
		watch_spawned(r, c, (int)syscall(SYS_pidfd_open, c->pid, 0), false);
}

static int
rs_apply_colony(struct root *r, struct rs_colony *x)
{
	struct colony *c = colony_find(r, x->name);

	if (c == NULL || c->child == NULL) {
		/* Gone from the configuration file since: it must not run unsupervised. */
		root_log("upgrade: colony %s is no longer configured: stopping it", x->name);
		char rel[300];
		snprintf(rel, sizeof(rel), "%s/%s", r->cfg->sup.cgroup_name, x->name);
		cg_kill(&r->cg, rel);
		const int64_t fds[] = { x->pidfd, x->sock, x->netns, x->events };
		for (size_t i = 0; i < 4; i++)
			if (fds[i] >= 0)
				close((int)fds[i]);
		if (x->published) {
			char name[256], err[256];
			snprintf(name, sizeof(name), "%s%s", r->cfg->sup.netns_prefix, x->name);
			nns_unpublish(name, err, sizeof(err));
		}
		free(x->x.budget);
		return 0;
	}
	int rc = eng_child_import(c->child, &x->x);
	free(x->x.budget);
	if (rc != 0)
		return -1;
	c->restored = true;
	colony_set_pid(r, c, (pid_t)x->pid);
	rs_watch(r, c, (int)x->pidfd);
	if (x->netns >= 0)
		close((int)x->netns);	/* version 1: the namespace stays published anyway */
	c->events_fd = (int)x->events;
	if (c->events_fd >= 0)
		root_watch_add(r, c->events_fd, EPOLLPRI, &c->w_events);
	if (x->sock >= 0) {
		c->sock = (int)x->sock;
		root_watch_add(r, c->sock, EPOLLIN, &c->w_sock);
	}
	c->published = x->published != 0;
	c->net_reset = x->net_reset != 0;
	/* The address plan reads addresses back from the colonies themselves. */
	c->addr = x->net[0] && net_find(r, x->net) ? (uint32_t)x->addr : 0;
	snprintf(c->veth, sizeof(c->veth), "%s", x->veth);
	c->exit_kind = (uint8_t)x->exit_kind;
	c->exit_value = (int32_t)x->exit_value;
	c->oom_base = x->oom_base;
	if (x->deadline != 0) {
		c->timer_kind = (enum eng_timer)x->timer_kind;
		root_timer_set(r, &c->timer, x->deadline);
	}
	if (x->cfg_hash != upgrade_cfg_hash(c->cfg)) {
		root_log("upgrade: colony %s: the configuration file changed: passing it to colonyd", c->name);
		link_send_config(r, c);
	}
	return 0;
}

static int
rs_svc(struct root *r, const struct hov_line *l, bool check)
{
	const char *col = hov_get(l, "colony"), *name = hov_get(l, "name"), *st = hov_get(l, "status");
	uint64_t state, ready, kind, restarts, since;
	int64_t value, pid;

	if (col == NULL || name == NULL || st == NULL || hov_get_u64(l, "state", &state) ||
	    hov_get_u64(l, "ready", &ready) || hov_get_u64(l, "exit_kind", &kind) ||
	    hov_get_i64(l, "exit_value", &value) || hov_get_i64(l, "pid", &pid) ||
	    hov_get_u64(l, "restarts", &restarts) || hov_get_u64(l, "since", &since) ||
	    state > ENG_FAILED || kind >= PROTO_EXIT_MAX_ || pid < 0 || pid > INT32_MAX)
		return -1;
	struct colony *c = check ? NULL : colony_find(r, col);
	for (size_t i = 0; c != NULL && i < c->n_svcs; i++) {
		struct root_svc *s = &c->svcs[i];
		if (strcmp(s->name, name) != 0)
			continue;
		s->state = (uint8_t)state;
		s->ready = ready != 0;
		s->exit_kind = (uint8_t)kind;
		s->exit_value = (int32_t)value;
		s->pid = (pid_t)pid;
		s->restarts = (uint32_t)restarts;
		s->since_ms = since;
		snprintf(s->status, sizeof(s->status), "%s", st);
	}
	return 0;
}

static int
rs_eng(struct root *r, const struct hov_line *l, bool check)
{
	struct eng_export x;
	uint64_t u[9];
	int64_t i[4];
	static const char *const uk[] = { "started", "ready_prev", "gave_up", "done", "grp_active",
	    "grp_starting", "all_active", "all_sequential", "all_give_up" };
	static const char *const ik[] = { "grp_cur", "grp_lo", "grp_stop_lo", "all_cur" };

	memset(&x, 0, sizeof(x));
	for (size_t k = 0; k < 9; k++)
		if (hov_get_u64(l, uk[k], &u[k]) != 0)
			return -1;
	for (size_t k = 0; k < 4; k++)
		if (hov_get_i64(l, ik[k], &i[k]) != 0 || i[k] < -1 || i[k] > 1000000000)
			return -1;
	if (hov_get_u64s(l, "ring", &x.ring, &x.n_ring) != 0)
		return -1;
	x.started = u[0]; x.ready_prev = u[1]; x.gave_up = u[2]; x.done = u[3];
	x.grp_active = u[4]; x.grp_starting = u[5];
	x.all_active = u[6]; x.all_sequential = u[7]; x.all_give_up = u[8];
	x.grp_cur = i[0]; x.grp_lo = i[1]; x.grp_stop_lo = i[2]; x.all_cur = i[3];
	int rc = check ? 0 : eng_import(r->eng, &x);
	free(x.ring);
	return rc;
}

/* The `colonyctl upgrade` that asked for this: answered by the new image. */
static void
rs_answer(int fd)
{
	static const char msg[] = "colony-supervisor: upgraded in place\n";
	uint8_t buf[128];
	size_t n = sizeof(msg) - 1;

	buf[0] = 2;
	buf[1] = (uint8_t)n;
	buf[2] = buf[3] = buf[4] = 0;
	memcpy(buf + 5, msg, n);
	buf[5 + n] = 3;
	buf[6 + n] = 4;
	memset(buf + 7 + n, 0, 7);	/* length 4, then exit status 0 */
	/* A fresh socket buffer takes 60 bytes at once; a client gone is no matter. */
	(void)!send(fd, buf, 5 + n + 9, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static int
rs_root(struct root *r, const struct hov_line *l, bool check, int *listen, int *client)
{
	uint64_t cur, max;
	int64_t lf, cf;

	if (rs_fd(l, "listen", &lf, check) || lf < 0 || rs_fd(l, "client", &cf, check) ||
	    hov_get_u64(l, "nofile_cur", &cur) || hov_get_u64(l, "nofile_max", &max))
		return -1;
	*listen = (int)lf;
	*client = (int)cf;
	if (!check) {
		r->nofile_cur = cur;
		r->nofile_max = max;
	}
	return 0;
}

/* Every record after "root" and the header; `check` applies nothing. */
static int
rs_records(struct root *r, char *cursor, bool check, int *client)
{
	struct hov_line l;
	int rc, listen;

	while ((rc = hov_next(&cursor, &l)) == 1) {
		int bad = 0;
		if (strcmp(l.kind, "colony") == 0) {
			struct rs_colony c;
			bad = rs_parse_colony(&l, &c, check);
			if (!bad && check)
				free(c.x.budget);
			else if (!bad)
				bad = rs_apply_colony(r, &c);
		} else if (strcmp(l.kind, "svc") == 0) {
			bad = rs_svc(r, &l, check);
		} else if (strcmp(l.kind, "eng") == 0) {
			bad = rs_eng(r, &l, check);
		} else if (strcmp(l.kind, "root") == 0) {
			bad = rs_root(r, &l, check, &listen, client);
		} else if (strcmp(l.kind, "net") == 0 && !check) {
			uint64_t created;
			struct root_net *n = hov_get(&l, "name") ? net_find(r, hov_get(&l, "name")) : NULL;
			if (n != NULL && hov_get_u64(&l, "created", &created) == 0)
				n->created = n->created || created;
		}
		if (bad) {
			root_log("upgrade: bad %s record in the state document", l.kind);
			return -1;
		}
	}
	return rc;
}

/* The first record: where the configuration is, and the listening socket. */
static char *
rs_open(int fd, char **cursor, char **cfg_path, int *listen, int *client, bool check)
{
	char *text = hov_load(fd);
	unsigned version;
	struct hov_line l;

	*cursor = text;
	if (text == NULL || hov_open(cursor, UPG_MAGIC, UPG_VERSION, &version) != 0) {
		root_log("upgrade: not a state document this release can read (at most version %u)",
		    UPG_VERSION);
		free(text);
		return NULL;
	}
	if (hov_next(cursor, &l) != 1 || strcmp(l.kind, "root") != 0 || hov_get(&l, "cfg") == NULL ||
	    rs_root(NULL, &l, true, listen, client) != 0 || (!check && !hov_fd_ok(*listen))) {
		root_log("upgrade: the state document has no valid root record");
		free(text);
		return NULL;
	}
	*cfg_path = strdup(hov_get(&l, "cfg"));
	return text;
}

/* `--check-upgrade FD`: could this binary take over from that document? Exit status. */
int
upgrade_check(int fd)
{
	char *cursor, *path = NULL, err[CFG_ERR_MAX];
	int listen, client;
	char *text = rs_open(fd, &cursor, &path, &listen, &client, true);

	if (text == NULL || path == NULL) {
		free(text);
		free(path);
		return 1;
	}
	int rc = rs_records(NULL, cursor, true, &client);
	free(text);
	if (rc != 0) {
		free(path);
		return 1;
	}
	struct cfg *cfg = cfg_load(path, err, sizeof(err));
	free(path);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cfg_free(cfg);
	return 0;
}

/* `--upgrade-state FD`: the new image rebuilds the root. On failure the colonyds keep
   running on their own, and a colony-supervisor started again adopts them. */
int
upgrade_restore(struct root *r, int fd)
{
	char *cursor, *path = NULL;
	int listen, client = -1;
	char *text = rs_open(fd, &cursor, &path, &listen, &client, false);

	close(fd);
	if (text == NULL || path == NULL) {
		free(text);
		return -1;
	}
	char *copy = strdup(cursor);
	int rc = copy == NULL ? -1 : rs_records(NULL, copy, true, &client);
	free(copy);
	r->cfg_path = path;
	if (rc != 0 || root_start(r, listen) != 0) {
		free(text);
		return -1;
	}
	rc = rs_records(r, cursor, false, &client);
	free(text);
	if (client >= 0)
		rs_answer(client);
	if (rc != 0)
		return -1;
	/* Colonies new in the configuration file start as a reload would start them. */
	for (size_t i = 0; i < eng_count(r->eng); i++) {
		struct colony *c = eng_child_data(eng_child_at(r->eng, i));
		if (!c->restored)
			root_queue(r, RQ_START_CHILD, c);
		else if (c->sigchld && c->sock < 0)
			watch_link_gone(r, c);	/* it may have ended already */
	}
	root_log("upgraded in place: %zu colonies taken over", r->n_colonies);
	return 0;
}
