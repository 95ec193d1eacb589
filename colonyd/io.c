/* io.c: a service's long-lived I/O: the log pipe and writer, the notify socket, and the fd:N readiness pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/log.h"
#include "colonyd/notify.h"
#include "supervisor/util.h"

/* A colonyd message about a service: on stderr and in the service's log. */
void
cd_svc_message(struct cd_svc *svc, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cd_log(svc->cd, "%s/%s: %s", svc->cd->colony, svc->name, text);
	if (svc->log != NULL) {
		char line[1200];

		snprintf(line, sizeof(line), "colonyd: %s/%s: %s", svc->cd->colony, svc->name, text);
		log_line(svc->log, line, util_real_ms());
	}
}

static int
open_log(struct cd_svc *svc, char *err, size_t errlen)
{
	struct cd *cd = svc->cd;
	int p[2];

	if (svc->log == NULL) {
		svc->log = log_open(cd->log_dir, cd->colony, svc->name, svc->cfg->log_max_size,
		    svc->cfg->log_keep);
		if (svc->log == NULL) {
			snprintf(err, errlen, "out of memory for the log writer");
			return -1;
		}
	}
	log_set_limits(svc->log, svc->cfg->log_max_size, svc->cfg->log_keep);
	if (svc->w_log.fd >= 0)
		return 0;
	/* One pipe for the service's life: no line is lost across restarts. */
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe2: %s", strerror(errno));
		return -1;
	}
	util_set_nonblock(p[0]);
	fcntl(p[0], F_SETPIPE_SZ, 256 * 1024);
	if (cd_watch_add(cd, &svc->w_log, p[0], EPOLLIN) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	svc->log_wfd = p[1];
	return 0;
}

static int
open_notify(struct cd_svc *svc, char *err, size_t errlen)
{
	struct cd *cd = svc->cd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int fd, one = 1, n;

	if (svc->w_notify.fd >= 0)
		return 0;
	n = snprintf(dir, sizeof(dir), "%s/notify/%s", cd->state_dir, cd->colony);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, svc->name) >= (int)sizeof(sa.sun_path)) {
		snprintf(err, errlen, "notify socket path under %s is too long", cd->state_dir);
		return -1;
	}
	if (util_mkdir_p(dir, 0755) < 0) {
		snprintf(err, errlen, "mkdir(%s): %s", dir, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto fail;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	chmod(sa.sun_path, 0666);	/* services run as any user; senders are checked by cgroup */
	if (cd_watch_add(cd, &svc->w_notify, fd, EPOLLIN) < 0)
		goto fail;
	snprintf(svc->notify_path, sizeof(svc->notify_path), "%s", sa.sun_path);
	return 0;
fail:
	snprintf(err, errlen, "notify socket %s: %s", sa.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void
close_notify(struct cd_svc *svc)
{
	if (svc->w_notify.fd < 0)
		return;
	cd_watch_del(svc->cd, &svc->w_notify);
	if (svc->notify_path[0] != '\0')
		unlink(svc->notify_path);
	svc->notify_path[0] = '\0';
}

static void
close_log(struct cd_svc *svc)
{
	if (svc->w_log.fd >= 0) {
		cd_svc_log_drain(svc);
		cd_watch_del(svc->cd, &svc->w_log);
	}
	if (svc->log_wfd >= 0)
		close(svc->log_wfd);
	svc->log_wfd = -1;
}

/* Make the service's pipes and sockets match its configuration. */
int
cd_svc_open_io(struct cd_svc *svc, char *err, size_t errlen)
{
	if (svc->cfg->log == CFG_LOG_FILE) {
		if (open_log(svc, err, errlen) < 0)
			return -1;
	} else {
		close_log(svc);
	}
	if (svc->cfg->ready == CFG_READY_NOTIFY)
		return open_notify(svc, err, errlen);
	close_notify(svc);
	return 0;
}

void
cd_svc_close_io(struct cd_svc *svc)
{
	close_log(svc);
	close_notify(svc);
	if (svc->log != NULL)
		log_close(svc->log);
	svc->log = NULL;
}

/* Read what is in the pipe now; bounded per call so one chatty service cannot starve others. */
static void
log_read(struct cd_svc *svc, int rounds)
{
	static char buf[64 * 1024];

	while (rounds-- > 0 && svc->w_log.fd >= 0) {
		ssize_t n = read(svc->w_log.fd, buf, sizeof(buf));

		if (n > 0) {
			log_feed(svc->log, buf, (size_t)n, util_real_ms());
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {	/* cannot happen while we hold the write end; be safe */
			log_flush(svc->log, util_real_ms());
			cd_watch_del(svc->cd, &svc->w_log);
		}
		return;
	}
}

void
cd_svc_log_ready(struct cd_svc *svc)
{
	log_read(svc, 4);
}

/* The instance is gone: take everything it wrote, and end a partial last line. */
void
cd_svc_log_drain(struct cd_svc *svc)
{
	if (svc->log == NULL || svc->w_log.fd < 0)
		return;
	log_read(svc, 1 << 20);
	log_flush(svc->log, util_real_ms());
}

/* Is pid in the service's cgroup? cgroup.procs lists pids in our own pid namespace. */
static bool
pid_in_cgroup(struct cd_svc *svc, pid_t pid)
{
	char path[700], buf[4096 + 1], *p;
	size_t keep = 0;
	bool found = false;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", svc->cd->cg.v2, svc->cgrel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + keep, sizeof(buf) - 1 - keep);
		char *end;

		if (n <= 0)
			break;
		buf[keep + (size_t)n] = '\0';
		p = buf;
		while ((end = strchr(p, '\n')) != NULL) {
			if (strtol(p, NULL, 10) == pid)
				found = true;
			p = end + 1;
		}
		keep = strlen(p);
		memmove(buf, p, keep);
	}
	close(fd);
	return found;
}

/* Close fds a sender passed (sd_notify FDSTORE is not supported) and find its credentials. */
static bool
notify_creds(struct msghdr *mh, struct ucred *cred)
{
	bool have = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(cred, CMSG_DATA(c), sizeof(*cred));
			have = true;
		}
	}
	return have;
}

static void
notify_apply(struct cd_svc *svc, const struct notify_msg *m)
{
	bool changed = false;

	if (m->has_status && strcmp(svc->status, m->status) != 0) {
		snprintf(svc->status, sizeof(svc->status), "%s", m->status);
		changed = true;
	}
	if (m->has_errno)
		svc->notify_errno = m->errno_value;
	if (m->mainpid > 0) {
		if (pid_in_cgroup(svc, m->mainpid))
			svc->notify_mainpid = m->mainpid;
		else
			cd_log(svc->cd, "%s/%s: MAINPID=%d is not in the service's cgroup; ignored",
			    svc->cd->colony, svc->name, (int)m->mainpid);
	}
	if (m->ready && svc->pid > 0 && svc->state == ENG_STARTING) {
		cd_feed(svc->cd, svc, ENG_EV_READY, false);
		changed = false;	/* the state change sends the snapshot */
	}
	if (changed)
		cd_svc_send(svc, PROTO_EV_NONE);
}

void
cd_svc_notify_ready(struct cd_svc *svc)
{
	for (int round = 0; round < 16 && svc->w_notify.fd >= 0; round++) {
		char buf[NOTIFY_MSG_MAX];
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 32)];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl),
		};
		struct notify_msg m;
		struct ucred cred;
		ssize_t n = recvmsg(svc->w_notify.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		bool have;

		if (n < 0)
			break;
		have = notify_creds(&mh, &cred);
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			continue;	/* oversized: ignored whole */
		if (!have || !pid_in_cgroup(svc, cred.pid))
			continue;	/* not from this service */
		if (notify_parse(buf, (size_t)n, &m) == 0)
			notify_apply(svc, &m);
	}
	cd_drain(svc->cd);
}

/* ready = fd:N: a newline on the pipe means ready (s6's notification-fd). */
void
cd_svc_readyfd_ready(struct cd_svc *svc)
{
	char buf[512];
	ssize_t n = read(svc->w_ready.fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && memchr(buf, '\n', (size_t)n) == NULL)
		return;
	cd_watch_del(svc->cd, &svc->w_ready);
	if (n > 0 && svc->pid > 0 && svc->state == ENG_STARTING) {
		cd_feed(svc->cd, svc, ENG_EV_READY, false);
		cd_drain(svc->cd);
	}
}
