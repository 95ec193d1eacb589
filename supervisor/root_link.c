/* root_link.c: the root's end of each colonyd's SOCK_SEQPACKET link: send commands, decode what comes up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/root.h"

#define LINK_BATCH 64		/* messages per wake-up, so one chatty colony cannot starve others */
#define LINK_SNDBUF (1024 * 1024)

void
link_attach(struct root *r, struct colony *c, int sock)
{
	int sz = LINK_SNDBUF;

	util_set_nonblock(sock);
	/* A whole PROTO_CONFIG must fit in one datagram. */
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	c->sock = sock;
	root_watch_add(r, sock, EPOLLIN, &c->w_sock);
}

void
link_close(struct root *r, struct colony *c)
{
	if (c->sock < 0)
		return;
	root_watch_del(r, c->sock);
	close(c->sock);
	c->sock = -1;
	if (c->reload_req != NULL) {
		struct root_req *q = c->reload_req;
		c->reload_req = NULL;
		req_done_one(r, q);
	}
	cmd_link_gone(r, c);
	cupgrade_link_gone(r, c);
	watch_link_gone(r, c);	/* without a pidfd, a gone link is how its end is caught */
}

static int
link_send(struct root *r, struct colony *c, uint8_t *buf, ssize_t len)
{
	if (len < 0) {
		root_log("colony %s: encode: %s", c->name, strerror(errno));
		return -1;
	}
	ssize_t n = send(c->sock, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	free(buf);
	if (n == len)
		return 0;
	root_log("colony %s: send: %s", c->name, n < 0 ? strerror(errno) : "short write");
	if (n < 0 && errno != EAGAIN)
		link_close(r, c);
	return -1;
}

int
link_send_config(struct root *r, struct colony *c)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char *text;

	if (c->sock < 0 || c->cfg == NULL)
		return -1;
	text = cfg_colony_serialize(c->cfg, &len);
	if (text == NULL) {
		root_log("colony %s: serialize: out of memory", c->name);
		return -1;
	}
	ssize_t n = proto_encode_config(text, len, &buf);
	free(text);
	return link_send(r, c, buf, n);
}

int
link_send_cmd(struct root *r, struct colony *c, enum proto_op op, const char *svc, int sig,
    uint32_t id)
{
	struct proto_cmd m;
	uint8_t *buf = NULL;

	if (c->sock < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.id = id;
	m.op = (uint8_t)op;
	m.signal = sig;
	snprintf(m.name, sizeof(m.name), "%s", svc);
	return link_send(r, c, buf, proto_encode_cmd(&m, &buf));
}

/* The host pid of a pidfd, from /proc/self/fdinfo ("Pid:"). */
static pid_t
link_pidfd_pid(int fd)
{
	char path[64], buf[1024];
	const char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (util_read_file(path, buf, sizeof(buf)) <= 0 || (p = strstr(buf, "\nPid:")) == NULL)
		return 0;
	long pid = strtol(p + 5, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

static void
link_service(struct root *r, struct colony *c, const struct proto_service *m, int fd)
{
	struct root_svc *s = NULL;
	char full[2 * CFG_NAME_MAX + 2];

	for (size_t i = 0; i < c->n_svcs; i++)
		if (strcmp(c->svcs[i].name, m->name) == 0)
			s = &c->svcs[i];
	if (s == NULL)
		return;		/* not (or no longer) in the configuration */
	s->state = m->state <= ENG_FAILED ? m->state : ENG_FAILED;
	s->ready = m->ready != 0;
	s->restarts = m->restarts;
	s->since_ms = m->since_ms;
	s->exit_kind = m->exit_kind < PROTO_EXIT_MAX_ ? m->exit_kind : PROTO_EXIT_NONE;
	s->exit_value = m->exit_value;
	snprintf(s->status, sizeof(s->status), "%s", m->status);
	if (m->pid <= 0)
		s->pid = 0;
	else if (fd >= 0)
		s->pid = link_pidfd_pid(fd);
	else if (c->cfg != NULL && (c->cfg->namespaces & CFG_NS_PID))
		s->pid = 0;	/* a pid of another namespace means nothing here */
	else
		s->pid = m->pid;
	if (m->event != PROTO_EV_NONE && m->event < PROTO_EV_MAX_) {
		/* The snapshot's last exit belongs to the events about that exit, not to a spawn. */
		bool about_exit = m->event == PROTO_EV_EXITED || m->event == PROTO_EV_RESTARTING ||
		    m->event == PROTO_EV_BACKOFF || m->event == PROTO_EV_FAILED;
		snprintf(full, sizeof(full), "%s/%s", c->name, s->name);
		ctl_event(r, full, proto_event_name(m->event), s->pid,
		    about_exit ? s->exit_kind : PROTO_EXIT_NONE, s->exit_value);
	}
	cmd_svc_state_changed(r, c, s->name, s->state);
}

/* colonyd made its private namespace before its HELLO: name it. A colonyd whose
   namespace cannot be named is killed: its exit is a start failure, as any set-up's. */
static int
link_take_netns(struct root *r, struct colony *c)
{
	char err[256];

	c->netns_wait = false;
	if (net_colony_take(r, c, c->pid, err, sizeof(err)) == 0)
		return 0;
	root_log("colony %s: network: %s", c->name, err);
	watch_kill(c, SIGKILL);
	return -1;
}

static int
link_message(struct root *r, struct colony *c, const struct proto_msg *m, int fd)
{
	switch (m->type) {
	case PROTO_HELLO:
		if (strcmp(m->u.hello.colony, c->name) != 0) {
			root_log("colony %s: hello from colony %s", c->name, m->u.hello.colony);
			return -1;
		}
		if (c->netns_wait)
			return link_take_netns(r, c);
		break;
	case PROTO_SERVICE:
		link_service(r, c, &m->u.service, fd);
		break;
	case PROTO_COLONY:
		if (m->u.colony.event == PROTO_EV_GAVE_UP)
			ctl_event(r, c->name, "gave_up", c->pid, PROTO_EXIT_NONE, 0);
		if (m->u.colony.event == PROTO_EV_UPGRADED)
			ctl_event(r, c->name, "upgraded", c->pid, PROTO_EXIT_NONE, 0);
		if (m->u.colony.ready && c->child != NULL && !c->dying)
			root_feed(r, ENG_EV_READY, c, false, ENG_TIMER_NONE);
		break;
	case PROTO_REPLY:
		if (m->u.reply.id == 0 && c->reload_req != NULL) {
			struct root_req *q = c->reload_req;
			c->reload_req = NULL;
			if (m->u.reply.text != NULL)
				util_str_add(&q->out, m->u.reply.text, strlen(m->u.reply.text));
			if (m->u.reply.code != 0 && q->code == 0)
				q->code = 1;
			req_done_one(r, q);
		} else if (m->u.reply.id != 0 &&
		    !cupgrade_reply(r, c, m->u.reply.id, m->u.reply.code, m->u.reply.text))
			cmd_reply(r, c, m->u.reply.id, m->u.reply.code, m->u.reply.text);
		break;
	default:
		return -1;
	}
	return 0;
}

/* One datagram: at most one pidfd may ride along (SCM_RIGHTS); anything else is closed. */
static ssize_t
link_recv(struct colony *c, uint8_t *buf, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov = { buf, PROTO_MSG_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
	    .msg_controllen = sizeof(cm.b) };
	ssize_t n = recvmsg(c->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n < 0)
		return n;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h != NULL; h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		errno = EMSGSIZE;
	return (mh.msg_flags & MSG_TRUNC) ? -2 : n;
}

/* Never trust more than the decoder checked; a bad peer loses its link, not its colony. */
void
link_readable(struct root *r, struct colony *c)
{
	char err[128];

	for (int i = 0; i < LINK_BATCH && c->sock >= 0; i++) {
		struct proto_msg m;
		int fd;
		ssize_t n = link_recv(c, r->msgbuf, &fd);
		if (n < 0 && n != -2 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (fd >= 0)
				close(fd);
			if (n < 0)
				root_log("colony %s: link: %s", c->name,
				    n == -2 ? "message too long" : strerror(errno));
			link_close(r, c);
			return;
		}
		memset(&m, 0, sizeof(m));
		int bad = proto_decode(r->msgbuf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err));
		if (bad != 0)
			root_log("colony %s: bad message (%s): link closed", c->name, err);
		else
			bad = link_message(r, c, &m, fd);
		if (fd >= 0)
			close(fd);
		proto_msg_clear(&m);
		if (bad != 0) {
			link_close(r, c);
			return;
		}
	}
}
