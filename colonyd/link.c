/* link.c: colonyd's side of the root protocol: non-blocking sends with a bounded queue, receive, and adoption. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

#define CD_OUT_MAX 4096		/* queued messages before new ones are dropped */

static int
link_sendmsg(int fd, const uint8_t *buf, size_t len, int pass_fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void
out_pop(struct cd *cd)
{
	struct cd_out *o = &cd->out[cd->out_head];

	free(o->buf);
	if (o->fd >= 0)
		close(o->fd);
	cd->out_head = (cd->out_head + 1) % cd->out_cap;
	cd->out_n--;
}

static void
out_clear(struct cd *cd)
{
	while (cd->out_n > 0)
		out_pop(cd);
}

static void link_lost(struct cd *cd);

/*
 * Messages were dropped while the root was not reading, state changes among
 * them: once it has caught up, queue every service's state and the colony's,
 * so its view is current again (as for a new root, see link_accept).
 */
static void
link_resync(struct cd *cd)
{
	bool draining = cd->draining;

	cd->out_resync = false;
	cd->draining = true;	/* queue only; link_flush sends them */
	for (size_t i = 0; i < cd->n_svcs; i++)
		cd_svc_send(cd->svcs[i], PROTO_EV_NONE);
	if (cd->configured)
		cd_send_colony(cd, PROTO_EV_NONE);
	cd->draining = draining;
}

/* Send what is queued; on EAGAIN wait for EPOLLOUT, never block. */
static void
link_flush(struct cd *cd)
{
	for (;;) {
		while (cd->out_n > 0 && cd->w_link.fd >= 0) {
			struct cd_out *o = &cd->out[cd->out_head];

			if (link_sendmsg(cd->w_link.fd, o->buf, o->len, o->fd) < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
				    errno == EINTR)
					break;
				link_lost(cd);
				return;
			}
			out_pop(cd);
		}
		if (cd->out_n > 0 || !cd->out_resync || cd->w_link.fd < 0)
			break;
		link_resync(cd);
	}
	if (cd->w_link.fd >= 0)
		cd_watch_mod(cd, &cd->w_link, EPOLLIN | (cd->out_n > 0 ? EPOLLOUT : 0));
}

static void
out_push(struct cd *cd, uint8_t *buf, size_t len, int pass_fd)
{
	int fd = -1;

	/* A full queue drops state snapshots (resent later: link_resync), never a hello or
	   a reply, which the root waits for; those are as few as the root's commands. */
	uint16_t type = len >= PROTO_HDR_LEN ? (uint16_t)(buf[6] | buf[7] << 8) : 0;
	if (cd->out_n >= CD_OUT_MAX && type != PROTO_REPLY && type != PROTO_HELLO) {
		if (!cd->out_dropped_warned)
			cd_log(cd, "the root is not reading: dropping messages to it");
		cd->out_dropped_warned = true;
		cd->out_resync = true;
		free(buf);
		return;
	}
	if (cd->out_n == cd->out_cap) {
		size_t cap = cd->out_cap ? cd->out_cap * 2 : 16;
		struct cd_out *v = malloc(cap * sizeof(*v));

		if (v == NULL) {
			free(buf);
			return;
		}
		for (size_t i = 0; i < cd->out_n; i++)
			v[i] = cd->out[(cd->out_head + i) % cd->out_cap];
		free(cd->out);
		cd->out = v;
		cd->out_cap = cap;
		cd->out_head = 0;
	}
	if (pass_fd >= 0)	/* the service's pidfd may be closed before this leaves */
		fd = fcntl(pass_fd, F_DUPFD_CLOEXEC, 3);
	cd->out[(cd->out_head + cd->out_n) % cd->out_cap] = (struct cd_out){ buf, len, fd };
	cd->out_n++;
	cd->out_dropped_warned = false;
}

/* Takes ownership of buf. Without a root, messages are dropped: a new root gets a snapshot. */
void
cd_link_send(struct cd *cd, uint8_t *buf, ssize_t len, int pass_fd)
{
	if (buf == NULL || len < 0)
		return;
	if (cd->w_link.fd < 0) {
		free(buf);
		return;
	}
	out_push(cd, buf, (size_t)len, pass_fd);
	if (!cd->draining)	/* else cd_drain flushes: spawn first, wake the root after */
		link_flush(cd);
}

void
cd_link_flush(struct cd *cd)
{
	if (cd->out_n > 0)
		link_flush(cd);
}

void
cd_send_hello(struct cd *cd)
{
	struct proto_hello h = { .version = PROTO_VERSION, .pid = (int32_t)getpid() };
	uint8_t *buf = NULL;
	ssize_t len;

	snprintf(h.colony, sizeof(h.colony), "%s", cd->colony);
	len = proto_encode_hello(&h, &buf);
	cd_link_send(cd, buf, len, -1);
}

void
cd_send_colony(struct cd *cd, enum proto_event ev)
{
	struct proto_colony c = {
		.ready = cd->eng && eng_all_ready(cd->eng), .event = (uint8_t)ev, .time_ms = util_real_ms(),
	};
	uint8_t *buf = NULL;
	ssize_t len = proto_encode_colony(&c, &buf);

	cd_link_send(cd, buf, len, -1);
}

void
cd_send_reply(struct cd *cd, uint32_t id, int32_t code, const char *text)
{
	struct proto_reply r = { .id = id, .code = code, .text = (char *)(text ? text : "") };
	uint8_t *buf = NULL;
	ssize_t len;

	if (strlen(r.text) > PROTO_TEXT_MAX)
		r.text = "reply too long";
	len = proto_encode_reply(&r, &buf);
	cd_link_send(cd, buf, len, -1);
}

static void
listen_open(struct cd *cd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int fd;

	snprintf(dir, sizeof(dir), "%s/colonies", cd->state_dir);
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, cd->colony) >=
	    (int)sizeof(sa.sun_path)) {
		cd_log(cd, "adoption socket path under %s is too long; no root can adopt us",
		    cd->state_dir);
		return;
	}
	if (util_mkdir_p(dir, 0700) < 0) {
		cd_log(cd, "mkdir(%s): %s", dir, strerror(errno));
		return;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 4) < 0 || cd_watch_add(cd, &cd->w_listen, fd, EPOLLIN) < 0)
		goto fail;
	snprintf(cd->listen_path, sizeof(cd->listen_path), "%s", sa.sun_path);
	cd_log(cd, "the root went away; services keep running; waiting for a root on %s",
	    sa.sun_path);
	return;
fail:
	cd_log(cd, "adoption socket %s: %s", sa.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void
cd_link_close_listener(struct cd *cd)
{
	if (cd->w_listen.fd < 0)
		return;
	cd_watch_del(cd, &cd->w_listen);
	unlink(cd->listen_path);
	cd->listen_path[0] = '\0';
}

static void
link_lost(struct cd *cd)
{
	cd_watch_del(cd, &cd->w_link);
	out_clear(cd);
	cd->out_resync = false;	/* a new root gets every state anyway */
	if (cd->exit_code < 0)
		listen_open(cd);
}

int
cd_link_init(struct cd *cd, int fd)
{
	util_set_nonblock(fd);
	util_set_cloexec(fd);
	return cd_watch_add(cd, &cd->w_link, fd, EPOLLIN);
}

/* A new root connected: it gets HELLO and the state of everything, as after a start. */
void
cd_link_accept(struct cd *cd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd = accept4(cd->w_listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		cd_log(cd, "adoption: refusing a peer with uid %d", (int)cred.uid);
		close(fd);
		return;
	}
	if (cd->w_link.fd >= 0 || cd_watch_add(cd, &cd->w_link, fd, EPOLLIN) < 0) {
		close(fd);
		return;
	}
	cd_link_close_listener(cd);
	cd_log(cd, "adopted by a new root (pid %d)", (int)cred.pid);
	cd_send_hello(cd);
	for (size_t i = 0; i < cd->n_svcs; i++)
		cd_svc_send(cd->svcs[i], PROTO_EV_NONE);
	if (cd->configured)
		cd_send_colony(cd, PROTO_EV_NONE);
}

static void
link_message(struct cd *cd, const uint8_t *buf, size_t len)
{
	struct proto_msg m;
	char err[256];

	if (proto_decode(buf, len, PROTO_DIR_DOWN, &m, err, sizeof(err)) < 0) {
		cd_log(cd, "rejected a message from the root: %s", err);
		return;
	}
	if (m.type == PROTO_CONFIG)
		cd_handle_config(cd, m.u.config.text, m.u.config.len);
	else if (m.type == PROTO_CMD)
		cd_handle_cmd(cd, &m.u.cmd);
	proto_msg_clear(&m);
}

void
cd_link_ready(struct cd *cd, uint32_t events)
{
	if (events & EPOLLOUT)
		link_flush(cd);
	for (int round = 0; round < 16 && cd->w_link.fd >= 0 && cd->exit_code < 0; round++) {
		ssize_t n = recv(cd->w_link.fd, cd->rbuf, PROTO_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			link_lost(cd);
			return;
		}
		if ((size_t)n > PROTO_MSG_MAX) {
			cd_log(cd, "rejected a message from the root: %zd bytes is over the limit", n);
			continue;
		}
		link_message(cd, cd->rbuf, (size_t)n);
	}
	if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN) && cd->w_link.fd >= 0)
		link_lost(cd);
}

/* At exit only: give the root up to a second to take the last messages. */
void
cd_link_flush_final(struct cd *cd)
{
	uint64_t end = util_mono_ms() + 1000;

	while (cd->out_n > 0 && cd->w_link.fd >= 0) {
		struct pollfd p = { .fd = cd->w_link.fd, .events = POLLOUT };
		uint64_t now = util_mono_ms();

		if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
			break;
		link_flush(cd);
	}
	out_clear(cd);
	cd_link_close_listener(cd);
}
