/* ctl_main.c: colonyctl, the operator's command-line client of colony-supervisor's control socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "supervisor/ctl_tools.h"
#include "supervisor/util.h"

#define CTL_DEFAULT_SOCKET "/run/colony/control.sock"
#define CTL_REQ_MAX (64 * 1024)
#define CTL_WAIT_POLL_NS (25 * 1000000L)

static const char *ctl_socket;

static void __attribute__((noreturn))
ctl_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "colonyctl: %s\n", msg);
	fprintf(stderr,
	    "usage: colonyctl [-s SOCKET] COMMAND [ARGS]\n"
	    "commands: status [NAME...] [--json] | start|stop|restart NAME... [--no-wait] |\n"
	    "  kill NAME SIGNAL | reload | wait NAME... --state STATE [--timeout DURATION] |\n"
	    "  logs COLONY/SERVICE [-n LINES] [-f] | exec COLONY -- CMD [ARGS] |\n"
	    "  events [--json] | metrics | upgrade | shutdown\n");
	exit(2);
}

static int
ctl_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(ctl_socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "colonyctl: socket path too long: %s\n", ctl_socket);
		exit(5);
	}
	strcpy(sa.sun_path, ctl_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0 && errno == EACCES) {
		/* The socket's mode said no: the daemon may well be there, but not for us. */
		fprintf(stderr, "colonyctl: permission denied: %s (root or members of control_group only)\n",
		    ctl_socket);
		exit(1);
	}
	fprintf(stderr, "colonyctl: cannot connect to %s: %s\n", ctl_socket, strerror(errno));
	exit(5);
}

static int
ctl_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Send argv as one request and relay the reply frames. stdout data goes to
 * `capture` when given, else to stdout. Returns the daemon's exit status.
 */
static int
ctl_request(int argc, char **argv, struct util_str *capture)
{
	struct util_str req = { 0 };
	uint8_t hdr[5];
	int fd = ctl_connect();

	util_str_add(&req, "\0\0\0\0", 4);
	for (int i = 0; i < argc; i++)
		util_str_add(&req, argv[i], strlen(argv[i]) + 1);
	size_t n = req.len - 4;
	if (n > CTL_REQ_MAX)
		ctl_usage("arguments too long");
	req.p[0] = (char)n; req.p[1] = (char)(n >> 8); req.p[2] = (char)(n >> 16); req.p[3] = (char)(n >> 24);
	/* A refused peer is answered and closed before it finishes writing: read the answer anyway. */
	int werr = util_write_all(fd, req.p, req.len) != 0 ? errno : 0;
	util_str_free(&req);
	for (;;) {
		if (ctl_read_all(fd, hdr, 5) != 0)
			break;
		uint32_t len = hdr[1] | hdr[2] << 8 | hdr[3] << 16 | (uint32_t)hdr[4] << 24;
		char *buf = malloc(len ? len : 1);
		if (buf == NULL || ctl_read_all(fd, buf, len) != 0) {
			free(buf);
			break;
		}
		if (hdr[0] == 3 && len == 4) {
			int code = (int)((uint8_t)buf[0] | (uint8_t)buf[1] << 8 | (uint8_t)buf[2] << 16 |
			    (uint32_t)(uint8_t)buf[3] << 24);
			free(buf);
			close(fd);
			return code;
		}
		if (hdr[0] == 1 && capture != NULL)
			util_str_add(capture, buf, len);
		else if (hdr[0] == 1 || hdr[0] == 2) {
			FILE *f = hdr[0] == 1 ? stdout : stderr;
			fwrite(buf, 1, len, f);
			fflush(f);
		}
		free(buf);
	}
	close(fd);
	if (werr != 0) {
		fprintf(stderr, "colonyctl: %s: %s\n", ctl_socket, strerror(werr));
		return 5;
	}
	fprintf(stderr, "colonyctl: connection to colony-supervisor lost\n");
	return 1;
}

/* The STATE column of NAME's line in a `status` text output, or NULL. */
static const char *
ctl_state_of(const char *out, const char *name, char *buf, size_t buflen)
{
	size_t nl = strlen(name);

	for (const char *p = out; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, nl) != 0 || p[nl] != '\t')
			continue;
		const char *s = p + nl + 1, *e = strchr(s, '\t');
		if (e == NULL || (size_t)(e - s) >= buflen)
			return NULL;
		memcpy(buf, s, (size_t)(e - s));
		buf[e - s] = '\0';
		return buf;
	}
	return NULL;
}

/* `wait`: a client-side poll of `status`; the daemon itself never polls. */
static int
ctl_wait(int argc, char **argv)
{
	static const char *states[] = { "starting", "running", "stopping", "stopped", "backoff",
	    "exited", "failed", NULL };
	const char *state = NULL;
	uint64_t timeout = UINT64_MAX, end;
	char **names = calloc((size_t)argc + 2, sizeof(char *));
	int n = 0;

	names[n++] = "status";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
			state = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (cfg_parse_duration(argv[++i], &timeout) != 0)
				ctl_usage("wait: bad --timeout");
		} else if (argv[i][0] == '-')
			ctl_usage("wait: unknown option");
		else
			names[n++] = argv[i];
	}
	bool ok = false;
	for (int i = 0; state != NULL && states[i] != NULL; i++)
		ok = ok || strcmp(states[i], state) == 0;
	if (n == 1 || !ok)
		ctl_usage("usage: wait NAME... --state STATE [--timeout DURATION]");
	end = timeout == UINT64_MAX ? UINT64_MAX : util_mono_ms() + timeout;
	for (;;) {
		struct util_str out = { 0 };
		char buf[64];
		int code = ctl_request(n, names, &out), done = 1;
		if (code == 4 || code == 5 || code == 2) {
			free(names);
			return code;
		}
		for (int i = 1; i < n && done; i++) {
			const char *st = out.p ? ctl_state_of(out.p, names[i], buf, sizeof(buf)) : NULL;
			done = st != NULL && strcmp(st, state) == 0;
		}
		util_str_free(&out);
		if (done || util_mono_ms() >= end) {
			free(names);
			if (done)
				return 0;
			fprintf(stderr, "colonyctl: timed out waiting for state %s\n", state);
			return 124;
		}
		struct timespec ts = { 0, CTL_WAIT_POLL_NS };
		nanosleep(&ts, NULL);
	}
}

/* A `key=value` line of a captured reply, or NULL. */
static const char *
ctl_value(const char *out, const char *key, char *buf, size_t buflen)
{
	size_t kl = strlen(key);

	for (const char *p = out; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p - kl - 1) : strlen(p + kl + 1);
			if (n >= buflen)
				return NULL;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
	return NULL;
}

/* `logs` and `exec` run here; the root only says where (the `_where` request). */
static int
ctl_where(char *name, bool exec, struct util_str *out)
{
	char *req[] = { "_where", name, exec ? "--exec" : NULL, NULL };

	return ctl_request(exec ? 3 : 2, req, out);
}

static int
ctl_logs_cmd(int argc, char **argv)
{
	struct util_str out = { 0 };
	char path[4096];
	long lines = 10;
	bool follow = false;
	char *name = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			char *end;

			errno = 0;
			lines = strtol(argv[++i], &end, 10);
			if (argv[i][0] == '\0' || *end != '\0' || lines < 0 || errno != 0)
				ctl_usage("logs: -n takes a number of lines");
		} else if (strcmp(argv[i], "-f") == 0)
			follow = true;
		else if (argv[i][0] != '-' && name == NULL && strchr(argv[i], '/') != NULL)
			name = argv[i];
		else
			ctl_usage("usage: logs COLONY/SERVICE [-n LINES] [-f]");
	}
	if (name == NULL)
		ctl_usage("usage: logs COLONY/SERVICE [-n LINES] [-f]");
	int code = ctl_where(name, false, &out);
	if (code != 0)
		return code;
	if (out.p == NULL || ctl_value(out.p, "log", path, sizeof(path)) == NULL) {
		fprintf(stderr, "colonyctl: no log path for %s\n", name);
		return 1;
	}
	util_str_free(&out);
	return ctl_logs(path, lines, follow);
}

/* Every `cgroup=` line of the `_where --exec` reply (the v2 leaf, then its v1 mirrors). */
static size_t
ctl_cgroups(char *out, char **dirs, size_t max)
{
	size_t n = 0;

	for (char *p = out, *e; p != NULL && *p != '\0' && n < max; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (e != NULL)
			*e = '\0';
		if (strncmp(p, "cgroup=", 7) == 0)
			dirs[n++] = p + 7;
	}
	dirs[n] = NULL;
	return n;
}

static int
ctl_exec_cmd(int argc, char **argv)
{
	struct util_str out = { 0 };
	char pid[32], *dirs[5];

	if (argc < 4 || strcmp(argv[2], "--") != 0 || strchr(argv[1], '/') != NULL)
		ctl_usage("usage: exec COLONY -- CMD [ARGS]");
	int code = ctl_where(argv[1], true, &out);
	if (code != 0)
		return code;
	char *end = NULL;
	long host_pid = out.p && ctl_value(out.p, "pid", pid, sizeof(pid)) ? strtol(pid, &end, 10) : 0;
	if (host_pid <= 0 || *end != '\0' || ctl_cgroups(out.p, dirs, 4) == 0) {
		fprintf(stderr, "colonyctl: %s: no colonyd\n", argv[1]);
		util_str_free(&out);
		return 1;
	}
	code = ctl_exec((pid_t)host_pid, dirs, argv + 3);
	util_str_free(&out);
	return code;
}

/* Usage errors are caught here, before anything reaches the daemon. */
static void
ctl_check_usage(int argc, char **argv)
{
	const char *c = argv[0];

	if (strcmp(c, "start") == 0 || strcmp(c, "stop") == 0 || strcmp(c, "restart") == 0) {
		int names = 0;
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--no-wait") == 0)
				continue;
			else if (argv[i][0] == '-')
				ctl_usage("unknown option");
			else
				names++;
		if (names == 0)
			ctl_usage("missing NAME");
	} else if (strcmp(c, "kill") == 0) {
		int sig;
		if (argc != 3 || cfg_parse_signal(argv[2], &sig) != 0)
			ctl_usage("usage: kill NAME SIGNAL");
	} else if (strcmp(c, "reload") == 0 || strcmp(c, "shutdown") == 0) {
		if (argc != 1)
			ctl_usage("too many arguments");
	} else if (strcmp(c, "events") == 0) {
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0))
			ctl_usage("usage: events [--json]");
	} else if (strcmp(c, "status") == 0) {
		for (int i = 1; i < argc; i++)
			if (argv[i][0] == '-' && strcmp(argv[i], "--json") != 0)
				ctl_usage("usage: status [NAME...] [--json]");
	} else if (strcmp(c, "metrics") == 0) {
		if (argc != 1)
			ctl_usage("too many arguments");
	} else if (strcmp(c, "upgrade") != 0) {
		fprintf(stderr, "colonyctl: unknown command: %s\n", c);
		ctl_usage(NULL);
	}
}

int
main(int argc, char **argv)
{
	int i = 1;

	ctl_socket = getenv("COLONY_SOCKET");
	if (ctl_socket == NULL || *ctl_socket == '\0')
		ctl_socket = CTL_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			ctl_socket = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			ctl_usage(NULL);
		} else
			ctl_usage("unknown option");
	}
	if (i >= argc)
		ctl_usage("missing COMMAND");
	signal(SIGPIPE, SIG_IGN);	/* a closed socket is an error to report, not a death */
	if (strcmp(argv[i], "wait") == 0)
		return ctl_wait(argc - i, argv + i);
	if (strcmp(argv[i], "logs") == 0)
		return ctl_logs_cmd(argc - i, argv + i);
	if (strcmp(argv[i], "exec") == 0)
		return ctl_exec_cmd(argc - i, argv + i);
	ctl_check_usage(argc - i, argv + i);
	return ctl_request(argc - i, argv + i, NULL);
}
