/* root_ctl.c: the control socket: peer checks, non-blocking framed I/O, bounded buffers, the event stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/request.h"
#include "supervisor/root.h"

#define CTL_OUT_MAX (256u * 1024 * 1024)	/* a status of 10,000 colonies fits */
#define CTL_EVENTS_MAX (1024u * 1024)		/* a subscriber further behind is dropped */
#define CTL_CLIENTS_MAX 8192
#define CTL_IDLE_MS 5000			/* from accept until the whole request is in */
#define CTL_OUT_KEEP 4096			/* a flushed output buffer larger than this is freed */
#define CTL_IN_FIRST 256			/* the request buffer before the header is in */

static struct root_client *ctl_dead;
static void ctl_error(struct root *r, struct root_client *cl, const char *msg);
static size_t ctl_subscribers;

static int
ctl_bind(struct root *r, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct cfg_supervisor *s = &r->cfg->sup;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		root_log("control socket %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Refuse to steal the socket of a live root; a stale one is replaced. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		root_log("control socket %s: another colony-supervisor is running", path);
		close(fd);
		return -1;
	}
	unlink(path);
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, SOMAXCONN) != 0) {
		root_log("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (s->control_group != NULL && s->control_group[0] != '\0') {
		if (chown(path, (uid_t)-1, s->control_gid) != 0 || chmod(path, 0660) != 0)
			root_log("control socket %s: group: %s", path, strerror(errno));
	} else
		chmod(path, 0600);
	return fd;
}

/*
 * One fd held in reserve for the control socket: when colonies have used the
 * fd table up to RLIMIT_NOFILE, the root gives it up to accept one client, so
 * an operator still gets in (to stop what is failing, say), and takes it back
 * when a client goes. With none left either, the root stops watching the
 * socket for CTL_FULL_MS instead of spinning on a connection it cannot take.
 */
#define CTL_FULL_MS 100
static int ctl_spare = -1;
static void ctl_resume(struct root *r, struct root_timer *t);
static struct root_timer ctl_paused = { TH_NODE_INIT, ctl_resume, NULL };

static void
ctl_keep_spare(void)
{
	if (ctl_spare < 0)
		ctl_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
ctl_resume(struct root *r, struct root_timer *t)
{
	(void)t;
	if (r->listenfd >= 0 && root_watch_mod(r, r->listenfd, EPOLLIN, &r->w_listen) != 0)
		root_log("control socket: epoll: %s", strerror(errno));
}

int
ctl_listen(struct root *r)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", r->cfg->sup.control_socket);
	util_mkdir_p(dirname(dir), 0755);
	r->listenfd = ctl_bind(r, r->cfg->sup.control_socket);
	if (r->listenfd < 0)
		return -1;
	r->w_listen.kind = RW_LISTEN;
	ctl_keep_spare();
	return root_watch_add(r, r->listenfd, EPOLLIN, &r->w_listen);
}

/* Root, or a member of control_group (primary or supplementary, from /proc). */
static bool
ctl_allowed(struct root *r, int fd, struct ucred *peer)
{
	struct ucred uc = { 0, (uid_t)-1, (gid_t)-1 };
	socklen_t len = sizeof(uc);
	char path[64], buf[4096];
	const char *p;

	*peer = uc;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return false;
	*peer = uc;
	if (uc.uid == 0)
		return true;
	if (r->cfg->sup.control_group == NULL || r->cfg->sup.control_group[0] == '\0')
		return false;
	if (uc.gid == r->cfg->sup.control_gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)uc.pid);
	if (util_read_file(path, buf, sizeof(buf)) <= 0 || (p = strstr(buf, "\nGroups:")) == NULL)
		return false;
	p += 8;
	while (*p != '\n' && *p != '\0') {
		char *end;
		unsigned long g = strtoul(p, &end, 10);
		if (end == p)
			break;
		if ((gid_t)g == r->cfg->sup.control_gid)
			return true;
		p = end;
	}
	return false;
}

static void
ctl_kill(struct root *r, struct root_client *cl)
{
	if (cl->fd < 0)
		return;
	/* Explicitly: a colonyd between clone and exec may share the file, and then
	   close() alone would leave the registration (and a dangling pointer) in epoll. */
	root_watch_del(r, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	ctl_keep_spare();
	root_timer_cancel(r, &cl->idle);
	if (cl->events)
		ctl_subscribers--;
	if (cl->req != NULL)
		cl->req->cl = NULL;
	cl->req = NULL;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		r->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	r->n_clients--;
	cl->next = ctl_dead;	/* freed after this loop turn: callers may still hold it */
	ctl_dead = cl;
}

void
ctl_reap_dead(void)
{
	while (ctl_dead != NULL) {
		struct root_client *cl = ctl_dead;
		ctl_dead = cl->next;
		free(cl->in);
		util_str_free(&cl->out);
		free(cl);
	}
}

static void
ctl_flush(struct root *r, struct root_client *cl)
{
	while (cl->fd >= 0 && cl->out_off < cl->out.len) {
		ssize_t n = send(cl->fd, cl->out.p + cl->out_off, cl->out.len - cl->out_off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!cl->want_out && root_watch_mod(r, cl->fd, EPOLLIN | EPOLLOUT, &cl->w) == 0)
				cl->want_out = true;
			return;
		}
		if (n <= 0) {
			ctl_kill(r, cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->fd < 0)
		return;
	cl->out.len = cl->out_off = 0;
	/* An events subscriber lives for days: it must not keep the size of its largest burst. */
	if (cl->out.cap > CTL_OUT_KEEP)
		util_str_free(&cl->out);
	if (cl->want_out && root_watch_mod(r, cl->fd, EPOLLIN, &cl->w) == 0)
		cl->want_out = false;
	if (cl->finished)
		ctl_kill(r, cl);
}

void
ctl_frame(struct root *r, struct root_client *cl, int kind, const void *data, size_t len)
{
	uint8_t h[5] = { (uint8_t)kind, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
	    (uint8_t)(len >> 24) };
	size_t limit;

	if (cl == NULL || cl->fd < 0)
		return;
	limit = cl->events ? CTL_EVENTS_MAX : CTL_OUT_MAX;
	if (cl->out.len - cl->out_off + len + 5 > limit) {
		/* A reader this far behind is dropped; the daemon never waits for it. */
		ctl_kill(r, cl);
		return;
	}
	if (util_str_add(&cl->out, (const char *)h, 5) != 0 ||
	    util_str_add(&cl->out, data, len) != 0) {
		ctl_kill(r, cl);
		return;
	}
	ctl_flush(r, cl);
}

void
ctl_finish(struct root *r, struct root_client *cl, int code)
{
	uint8_t v[4] = { (uint8_t)code, (uint8_t)(code >> 8), (uint8_t)(code >> 16),
	    (uint8_t)(code >> 24) };

	if (cl == NULL || cl->fd < 0 || cl->finished)
		return;
	cl->done = cl->finished = true;
	ctl_frame(r, cl, 3, v, 4);
}

/* A client that has not sent its whole request in time holds an fd for nothing. */
static void
ctl_idle(struct root *r, struct root_timer *t)
{
	struct root_client *cl = t->ptr;

	if (cl->fd >= 0 && !cl->done)
		ctl_error(r, cl, "request timed out");
}

static void
ctl_refuse(struct root *r, struct root_client *cl, const struct ucred *peer)
{
	const char *g = r->cfg->sup.control_group;
	char msg[256];
	int n;

	if (g != NULL && *g != '\0')
		n = snprintf(msg, sizeof(msg), "colony-supervisor: permission denied: uid %d is neither "
		    "root nor a member of control_group %s\n", (int)peer->uid, g);
	else
		n = snprintf(msg, sizeof(msg), "colony-supervisor: permission denied: uid %d is not root "
		    "(no control_group is set)\n", (int)peer->uid);
	ctl_frame(r, cl, 2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	ctl_finish(r, cl, 1);
}

void
ctl_accept(struct root *r)
{
	struct ucred peer;

	ctl_keep_spare();
	for (;;) {
		int fd = accept4(r->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			if (ctl_spare >= 0) {
				close(ctl_spare);
				ctl_spare = -1;
				continue;
			}
			root_log("accept: %s: the control socket waits %d ms", strerror(errno), CTL_FULL_MS);
			if (root_watch_mod(r, r->listenfd, 0, &r->w_listen) == 0)
				root_timer_set(r, &ctl_paused, util_mono_ms() + CTL_FULL_MS);
			return;
		}
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				root_log("accept: %s", strerror(errno));
			return;
		}
		struct root_client *cl = r->n_clients < CTL_CLIENTS_MAX ? calloc(1, sizeof(*cl)) : NULL;
		if (cl == NULL) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->w = (struct root_watch){ RW_CLIENT, cl };
		cl->idle = (struct root_timer){ TH_NODE_INIT, ctl_idle, cl };
		cl->next = r->clients;
		if (r->clients)
			r->clients->prev = cl;
		r->clients = cl;
		r->n_clients++;
		if (root_watch_add(r, fd, EPOLLIN, &cl->w) != 0) {
			ctl_kill(r, cl);
			continue;
		}
		if (!ctl_allowed(r, fd, &peer))
			ctl_refuse(r, cl, &peer);
		if (cl->fd >= 0 && !cl->done)
			root_timer_set(r, &cl->idle, util_mono_ms() + CTL_IDLE_MS);
	}
}

static void
ctl_error(struct root *r, struct root_client *cl, const char *msg)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "colony-supervisor: %s\n", msg);

	ctl_frame(r, cl, 2, buf, (size_t)n);
	ctl_finish(r, cl, 2);
}

/* Runs the request once it is all in: 0 while more bytes are needed, 1 run, -1 refused. */
static int
ctl_request(struct root *r, struct root_client *cl)
{
	char *argv[CTL_ARGS_MAX + 1], err[64];
	int argc = ctl_parse_request(cl->in, cl->in_len, argv, CTL_ARGS_MAX, err, sizeof(err));

	if (argc <= 0) {
		if (argc < 0)
			ctl_error(r, cl, err);
		return argc;
	}
	cl->done = true;	/* one request per connection; input after it is ignored */
	root_timer_cancel(r, &cl->idle);
	cmd_run(r, cl, argc, argv);
	return 1;
}

/*
 * Room for the rest of the request: a small buffer first, then the size its
 * header announces (checked against CTL_REQ_MAX when it came in). Requests
 * are a few dozen bytes; 64 kB for each, the most a request may be, only
 * made the heap larger.
 */
static int
ctl_in_room(struct root_client *cl)
{
	size_t want = CTL_IN_FIRST;
	uint8_t *p;

	if (cl->in_len >= 4)
		want = 4 + (cl->in[0] | cl->in[1] << 8 | cl->in[2] << 16 | (size_t)cl->in[3] << 24);
	if (want > 4 + CTL_REQ_MAX)
		want = 4 + CTL_REQ_MAX;
	if (want <= cl->in_cap)
		return 0;
	if ((p = realloc(cl->in, want)) == NULL)
		return -1;
	cl->in = p;
	cl->in_cap = want;
	return 0;
}

static void
ctl_read(struct root *r, struct root_client *cl)
{
	uint8_t discard[4096];

	for (;;) {
		if (!cl->done && ctl_in_room(cl) != 0) {
			ctl_kill(r, cl);
			return;
		}
		/* One request per connection: what follows it is read and dropped. */
		ssize_t n = cl->done ? recv(cl->fd, discard, sizeof(discard), MSG_DONTWAIT) :
		    recv(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			ctl_kill(r, cl);	/* gone; a pending request completes without it */
			return;
		}
		if (cl->done)
			continue;
		cl->in_len += (size_t)n;
		int rc = ctl_request(r, cl);
		if (rc < 0 || (rc > 0 && cl->fd < 0))
			return;
	}
}

void
ctl_client_event(struct root *r, struct root_client *cl, uint32_t events)
{
	if (cl->fd < 0)
		return;
	if (events & EPOLLOUT)
		ctl_flush(r, cl);
	if (cl->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ctl_read(r, cl);
}

void
ctl_subscribe(struct root *r, struct root_client *cl, bool json)
{
	(void)r;
	cl->events = true;
	cl->events_json = json;
	ctl_subscribers++;
}

static void
ctl_event_line(struct util_str *s, bool json, uint64_t t, const char *name, const char *event,
    pid_t pid, uint8_t exit_kind, int32_t exit_value)
{
	char ex[64];

	if (json) {
		util_str_printf(s, "{\"time_ms\":%llu,\"name\":", (unsigned long long)t);
		util_str_json(s, name);
		util_str_printf(s, ",\"event\":\"%s\"", event);
		if (pid > 0)
			util_str_printf(s, ",\"pid\":%d", (int)pid);
		if (exit_kind != PROTO_EXIT_NONE) {
			util_str_add(s, ",\"exit\":", 8);
			status_json_exit(s, exit_kind, exit_value);
		}
		util_str_add(s, "}\n", 2);
		return;
	}
	util_str_printf(s, "%llu\t%s\t%s", (unsigned long long)t, name, event);
	if (pid > 0)
		util_str_printf(s, "\tpid=%d", (int)pid);
	if (exit_kind != PROTO_EXIT_NONE) {
		status_format_exit(exit_kind, exit_value, ex, sizeof(ex));
		util_str_printf(s, "\texit=%s", ex);
	}
	util_str_add(s, "\n", 1);
}

void
ctl_event(struct root *r, const char *name, const char *event, pid_t pid, uint8_t exit_kind,
    int32_t exit_value)
{
	struct util_str text = { 0 }, json = { 0 };
	uint64_t t;

	if (ctl_subscribers == 0)
		return;
	t = util_real_ms();
	for (struct root_client *cl = r->clients, *next; cl != NULL; cl = next) {
		next = cl->next;
		if (!cl->events)
			continue;
		struct util_str *s = cl->events_json ? &json : &text;
		if (s->len == 0)
			ctl_event_line(s, cl->events_json, t, name, event, pid, exit_kind, exit_value);
		ctl_frame(r, cl, 1, s->p, s->len);
	}
	util_str_free(&text);
	util_str_free(&json);
}

/* At exit: one last non-blocking try to deliver what is queued (e.g. shutdown's reply). */
void
ctl_flush_all(struct root *r)
{
	for (struct root_client *cl = r->clients, *next; cl != NULL; cl = next) {
		next = cl->next;
		if (!cl->finished && !cl->events && cl->done)
			ctl_finish(r, cl, cl->shutdown_wait ? r->exit_code : 1);
		ctl_flush(r, cl);
	}
}

void
ctl_close_all(struct root *r)
{
	while (r->clients != NULL)
		ctl_kill(r, r->clients);
	ctl_reap_dead();
	root_timer_cancel(r, &ctl_paused);
	if (r->listenfd >= 0)
		close(r->listenfd);
	r->listenfd = -1;
	if (ctl_spare >= 0)
		close(ctl_spare);
	ctl_spare = -1;
}
