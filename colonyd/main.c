/* main.c: colonyd, the per-colony supervisor started by colony-supervisor: arguments and the daemon's lifetime. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/confine.h"
#include "netns/netns.h"
#include "supervisor/filter.h"
#include "supervisor/util.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: colonyd --colony NAME --fd N --state-dir DIR --log-dir DIR "
	    "--cgroup REL [--filters N] [--new-netns] [--adopt]\n(colonyd is started by colony-supervisor)\n");
	exit(1);
}

/* An fd number on the command line (an upgrade's); -1 if it is not one. */
static int
fd_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 2 && v < 1 << 30 ? (int)v : -1;
}

/* A bad fd must stop colonyd here: read as 0 it would talk to stdin as the link. */
static int
fd_arg_or_die(const char *opt, const char *s)
{
	int fd = fd_arg(s);

	if (fd < 0) {
		fprintf(stderr, "colonyd: %s %s: not a file descriptor number above 2\n", opt, s);
		exit(1);
	}
	return fd;
}

static int
parse_args(struct cd *cd, int argc, char **argv, int *fd, int *state_fd, int *filters_fd,
    bool *new_netns)
{
	static const struct option opts[] = {
		{ "colony", required_argument, NULL, 'c' }, { "fd", required_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 's' }, { "log-dir", required_argument, NULL, 'l' },
		{ "cgroup", required_argument, NULL, 'g' }, { "adopt", no_argument, NULL, 'a' },
		{ "upgrade-state", required_argument, NULL, 'u' },
		{ "filters", required_argument, NULL, 'F' },
		{ "new-netns", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*fd = -1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (strlen(optarg) == 0 || strlen(optarg) > CFG_NAME_MAX)
				usage();
			snprintf(cd->colony, sizeof(cd->colony), "%s", optarg);
			break;
		case 'f': *fd = fd_arg_or_die("--fd", optarg); break;
		case 's': cd->state_dir = optarg; break;
		case 'l': cd->log_dir = optarg; break;
		case 'g': cd->cgrel = optarg; break;
		case 'a': break;	/* adoption of a running colony: handled like a fresh link */
		case 'u': *state_fd = fd_arg_or_die("--upgrade-state", optarg); break;
		case 'F': *filters_fd = fd_arg_or_die("--filters", optarg); break;
		case 'N': *new_netns = true; break;
		default: usage();
		}
	}
	if (optind != argc || cd->colony[0] == '\0' || *fd < 0 || !cd->state_dir || !cd->log_dir ||
	    !cd->cgrel)
		usage();
	return 0;
}

/* The path we were started from, for an upgrade; kept on the heap, not in a PATH_MAX array. */
static char *
self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* The root's table of built seccomp programs: read once, then the fd is closed. A bad table is only a lost shortcut. */
static struct filter_table *
read_filters(int fd)
{
	struct filter_table *t;

	if (fd < 0)
		return NULL;
	t = filter_table_read(fd);
	if (t == NULL)
		fprintf(stderr, "colonyd: --filters %d: not a table of programs; building them here\n", fd);
	close(fd);
	confine_set_programs(t);
	return t;
}

int
main(int argc, char **argv)
{
	static struct cd cd;
	struct filter_table *filters;
	int linkfd, rc, state_fd = -1, filters_fd = -1;
	bool new_netns = false;
	char err[256];

	util_heap_setup();
	/* The checker of an upgrade only reads the document (upgrade.c). */
	if (argc == 3 && strcmp(argv[1], "--check-upgrade") == 0)
		return cd_upgrade_check(fd_arg(argv[2]));
	parse_args(&cd, argc, argv, &linkfd, &state_fd, &filters_fd, &new_netns);
	/* network = private: the colony's namespace, made here beside the root's loop rather
	   than in it, before any service can start; the root names it at our HELLO. */
	if (new_netns && nns_enter_new(err, sizeof(err)) != 0) {
		fprintf(stderr, "colonyd: colony %s: %s\n", cd.colony, err);
		return 1;
	}
	filters = read_filters(filters_fd);
	cd.self_exe = self_exe();
	if (cd_setup(&cd, linkfd) < 0)
		return 1;
	if (state_fd >= 0) {
		if (cd_upgrade_restore(&cd, state_fd) < 0)
			return 1;
		cd_release_memory();
	} else
		cd_send_hello(&cd);
	rc = cd_loop(&cd);
	cd_teardown(&cd);
	confine_set_programs(NULL);
	filter_table_free(filters);
	return rc;
}
