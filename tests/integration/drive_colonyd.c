/* drive_colonyd.c: runs build/colonyd without the root: sends it a colony's configuration and commands, prints what it says. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "supervisor/cgroup.h"
#include "supervisor/engine.h"
#include "supervisor/proto.h"
#include "supervisor/util.h"

/*
 * usage: drive_colonyd [-d COLONYD] [-t SECONDS] INI COLONY
 * stdin commands, one per line:
 *   start|stop|restart NAME ("*" = all)   kill NAME SIGNAL   shutdown   upgrade
 *   reload INI   close (the root goes away)   adopt (connect to the adoption socket)
 * Output lines: "hello ...", "service NAME EVENT state=... pid=...", "colony ready=N event=E",
 * "reply id=N code=N text=...", and finally "colonyd exited status=N" (or "signal=N").
 */

static struct cg_root cg;
static char cgtop[128], cgcol[256];
static pid_t child;
static uint32_t next_id = 1;

static void
cleanup_cgroups(void)
{
	for (int i = 0; i < 200 && cg_populated(&cg, cgtop) > 0; i++) {
		cg_kill(&cg, cgtop);
		usleep(10000);
	}
	cg_remove(&cg, cgtop);
}

static const char *
exit_text(const struct proto_service *s, char *buf, size_t len)
{
	switch (s->exit_kind) {
	case PROTO_EXIT_CODE: snprintf(buf, len, "code:%d", s->exit_value); break;
	case PROTO_EXIT_SIGNAL: snprintf(buf, len, "signal:%s", cfg_signal_name(s->exit_value) ?: "?"); break;
	case PROTO_EXIT_OOM: snprintf(buf, len, "oom"); break;
	case PROTO_EXIT_SETUP: snprintf(buf, len, "setup"); break;
	case PROTO_EXIT_TIMEOUT: snprintf(buf, len, "ready_timeout"); break;
	default: snprintf(buf, len, "none");
	}
	return buf;
}

static void
print_msg(const struct proto_msg *m, bool fd)
{
	char ex[64];

	switch (m->type) {
	case PROTO_HELLO:
		printf("hello colony=%s pid=%d version=%u\n", m->u.hello.colony, m->u.hello.pid,
		    m->u.hello.version);
		break;
	case PROTO_SERVICE:
		printf("service %s %s state=%s pid=%d ready=%u restarts=%u exit=%s status=\"%s\"%s\n",
		    m->u.service.name,
		    m->u.service.event ? proto_event_name(m->u.service.event) : "snapshot",
		    eng_state_name(m->u.service.state), m->u.service.pid, m->u.service.ready,
		    m->u.service.restarts, exit_text(&m->u.service, ex, sizeof(ex)),
		    m->u.service.status, fd ? " fd" : "");
		break;
	case PROTO_COLONY:
		printf("colony ready=%u event=%s\n", m->u.colony.ready,
		    m->u.colony.event ? proto_event_name(m->u.colony.event) : "none");
		break;
	case PROTO_REPLY:
		printf("reply id=%u code=%d text=\"", m->u.reply.id, m->u.reply.code);
		for (const char *p = m->u.reply.text; *p; p++)
			fputs(*p == '\n' ? (p[1] ? "; " : "") : (char[2]){ *p, 0 }, stdout);
		printf("\"\n");
		break;
	default:
		printf("unexpected message type %d\n", m->type);
	}
	fflush(stdout);
}

/* Returns 0, or -1 when the socket closed. */
static int
receive(int sock)
{
	static uint8_t buf[PROTO_MSG_MAX];
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
		.msg_controllen = sizeof(ctl) };
	struct proto_msg m;
	char err[256];
	bool fd = false;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	if (n <= 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type == SCM_RIGHTS) {
			int f;

			memcpy(&f, CMSG_DATA(c), sizeof(f));
			close(f);
			fd = true;
		}
	}
	if (proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)) < 0) {
		printf("bad message: %s\n", err);
		fflush(stdout);
		return 0;
	}
	print_msg(&m, fd);
	proto_msg_clear(&m);
	return 0;
}

static void
send_buf(int sock, uint8_t *buf, ssize_t len)
{
	if (len < 0 || send(sock, buf, (size_t)len, MSG_NOSIGNAL) != len)
		printf("send failed: %s\n", strerror(errno));
	free(buf);
}

static int
send_config(int sock, const char *ini, const char *colony)
{
	char err[CFG_ERR_MAX];
	struct cfg *c = cfg_load(ini, err, sizeof(err));
	const struct cfg_colony *col;
	uint8_t *buf = NULL;
	size_t len;
	char *text;
	ssize_t n;

	if (c == NULL) {
		fprintf(stderr, "drive_colonyd: %s\n", err);
		return -1;
	}
	col = cfg_find_colony(c, colony);
	if (col == NULL || (text = cfg_colony_serialize(col, &len)) == NULL) {
		fprintf(stderr, "drive_colonyd: no colony %s in %s\n", colony, ini);
		cfg_free(c);
		return -1;
	}
	n = proto_encode_config(text, len, &buf);

	send_buf(sock, buf, n);
	free(text);
	cfg_free(c);
	return 0;
}

static int
adopt(const char *state_dir, const char *colony)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/colonies/%s.sock", state_dir, colony);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("adopt failed: %s: %s\n", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	printf("adopt connected\n");
	return fd;
}

/* One stdin line; returns the (possibly new) socket. */
static int
command(int sock, char *line, const char *state_dir, const char *colony)
{
	char verb[32] = "", name[128] = "", arg[256] = "";
	struct proto_cmd cmd = { .id = next_id++ };
	uint8_t *buf = NULL;
	ssize_t n;

	if (sscanf(line, "%31s %127s %255s", verb, name, arg) < 1)
		return sock;
	if (strcmp(name, "*") == 0)
		name[0] = '\0';
	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	if (strcmp(verb, "close") == 0) {
		close(sock);
		printf("closed\n");
		fflush(stdout);
		return -1;
	} else if (strcmp(verb, "adopt") == 0) {
		return sock >= 0 ? sock : adopt(state_dir, colony);
	} else if (strcmp(verb, "reload") == 0) {
		send_config(sock, name, colony);
		return sock;
	} else if (strcmp(verb, "start") == 0) {
		cmd.op = PROTO_OP_START;
	} else if (strcmp(verb, "stop") == 0) {
		cmd.op = PROTO_OP_STOP;
	} else if (strcmp(verb, "restart") == 0) {
		cmd.op = PROTO_OP_RESTART;
	} else if (strcmp(verb, "kill") == 0) {
		cmd.op = PROTO_OP_KILL;
		if (cfg_parse_signal(arg, &cmd.signal) < 0)
			cmd.signal = atoi(arg);
	} else if (strcmp(verb, "shutdown") == 0) {
		cmd.op = PROTO_OP_SHUTDOWN;
	} else if (strcmp(verb, "upgrade") == 0) {
		cmd.op = PROTO_OP_UPGRADE;
	} else {
		printf("unknown command: %s\n", verb);
		fflush(stdout);
		return sock;
	}
	n = proto_encode_cmd(&cmd, &buf);
	send_buf(sock, buf, n);
	return sock;
}

static unsigned
clone_flags(const struct cfg_colony *c)
{
	unsigned f = 0;

	if (c->namespaces & CFG_NS_UTS)
		f |= CLONE_NEWUTS;
	if (c->namespaces & CFG_NS_IPC)
		f |= CLONE_NEWIPC;
	if (c->namespaces & CFG_NS_MOUNT)
		f |= CLONE_NEWNS;
	if (c->net_mode != CFG_NET_HOST)
		f |= CLONE_NEWNET;
	return f;
}

/* Like the root: colonyd runs in <top>/<colony>/_colonyd with fd 3 connected to us. */
static pid_t
start_colonyd(const char *colonyd, struct cfg *c, const char *colony, int sock)
{
	const struct cfg_colony *col = cfg_find_colony(c, colony);
	char leaf[300], err[256];
	struct cg_limits l;
	unsigned v1;
	pid_t pid;

	if (col == NULL)
		return -1;
	l = (struct cg_limits){ col->memory_max, col->pids_max, col->cpu_max_percent, col->cpu_weight };
	v1 = cg_v1_needed(&l);
	snprintf(cgtop, sizeof(cgtop), "colonydrive-%d", (int)getpid());
	snprintf(cgcol, sizeof(cgcol), "%s/%s", cgtop, colony);
	snprintf(leaf, sizeof(leaf), "%s/_colonyd", cgcol);
	if (cg_create(&cg, cgcol, v1) < 0 || cg_create(&cg, leaf, 0) < 0) {
		fprintf(stderr, "drive_colonyd: cg_create(%s): %s\n", leaf, strerror(errno));
		return -1;
	}
	if (cg_set_limits(&cg, cgcol, &l, err, sizeof(err)) < 0)
		fprintf(stderr, "drive_colonyd: limits: %s\n", err);
	if ((col->namespaces & CFG_NS_PID) && unshare(CLONE_NEWPID) < 0)
		fprintf(stderr, "drive_colonyd: unshare(CLONE_NEWPID): %s\n", strerror(errno));
	pid = fork();
	if (pid == 0) {
		/* as the root does (CONTRACTS): v2 leaf _colonyd, v1 the colony itself */
		if (cg_attach(&cg, leaf, getpid(), 0) < 0 || cg_attach_v1(&cg, cgcol, getpid(), v1) < 0 ||
		    unshare((int)clone_flags(col)) < 0 ||
		    dup2(sock, 3) < 0) {
			perror("drive_colonyd: child set-up");
			_exit(127);
		}
		execl(colonyd, colonyd, "--colony", colony, "--fd", "3", "--state-dir",
		    c->sup.state_dir, "--log-dir", c->sup.log_dir, "--cgroup", cgcol, (char *)NULL);
		perror(colonyd);
		_exit(127);
	}
	return pid;
}

/* Commands from stdin, with read(2): stdio would keep buffered lines hidden from poll(2). */
static int
read_commands(int sock, bool *open_, const char *state_dir, const char *colony)
{
	static char line[1024];
	static size_t used;
	ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
	char *nl;

	if (n <= 0) {
		*open_ = false;
		return sock;
	}
	used += (size_t)n;
	line[used] = '\0';
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		sock = command(sock, line, state_dir, colony);
		used -= (size_t)(nl + 1 - line);
		memmove(line, nl + 1, used + 1);
	}
	if (used == sizeof(line) - 1)
		used = 0;	/* an overlong line: dropped */
	return sock;
}

static int
finish(int sock, int status, int rc)
{
	while (sock >= 0 && poll(&(struct pollfd){ sock, POLLIN, 0 }, 1, 0) > 0 && receive(sock) == 0)
		;
	if (WIFEXITED(status))
		printf("colonyd exited status=%d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("colonyd exited signal=%d\n", WTERMSIG(status));
	fflush(stdout);
	cleanup_cgroups();
	return rc;
}

int
main(int argc, char **argv)
{
	const char *colonyd = "build/colonyd", *ini, *colony;
	char err[CFG_ERR_MAX];
	int sp[2], o, timeout = 60, sfd, status = 0;
	struct cfg *c;
	sigset_t set;
	bool in_open = true;
	time_t end;

	while ((o = getopt(argc, argv, "d:t:")) != -1) {
		if (o == 'd')
			colonyd = optarg;
		else if (o == 't')
			timeout = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: drive_colonyd [-d COLONYD] [-t SECONDS] INI COLONY\n");
		return 2;
	}
	ini = argv[optind];
	colony = argv[optind + 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cg_detect(&cg, err, sizeof(err)) < 0 || (c = cfg_load(ini, err, sizeof(err))) == NULL) {
		fprintf(stderr, "drive_colonyd: %s\n", err);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return 1;
	fcntl(sp[1], F_SETFD, 0);
	child = start_colonyd(colonyd, c, colony, sp[1]);
	if (child < 0)
		return 1;
	close(sp[1]);
	send_config(sp[0], ini, colony);
	end = time(NULL) + timeout;
	for (;;) {
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { sp[0], POLLIN, 0 },
			{ in_open ? 0 : -1, POLLIN, 0 } };
		int left = (int)(end - time(NULL));

		if (left <= 0 || poll(p, 3, left * 1000) == 0) {
			printf("timeout: killing colonyd\n");
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			return finish(sp[0], status, 124);
		}
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
				kill(child, SIGKILL);
				waitpid(child, &status, 0);
				return finish(sp[0], status, 1);
			}
			if (waitpid(child, &status, WNOHANG) == child)
				return finish(sp[0], status, 0);
		}
		if (p[1].revents && receive(sp[0]) < 0) {
			printf("socket closed\n");
			close(sp[0]);
			sp[0] = -1;
		}
		if (p[2].revents)
			sp[0] = read_commands(sp[0], &in_open, c->sup.state_dir, colony);
	}
}
