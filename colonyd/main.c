/* main.c: colonyd, the per-colony supervisor started by colony-supervisor: arguments and the daemon's lifetime. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "supervisor/util.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: colonyd --colony NAME --fd N --state-dir DIR --log-dir DIR "
	    "--cgroup REL [--adopt]\n(colonyd is started by colony-supervisor)\n");
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
parse_args(struct cd *cd, int argc, char **argv, int *fd, int *state_fd)
{
	static const struct option opts[] = {
		{ "colony", required_argument, NULL, 'c' }, { "fd", required_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 's' }, { "log-dir", required_argument, NULL, 'l' },
		{ "cgroup", required_argument, NULL, 'g' }, { "adopt", no_argument, NULL, 'a' },
		{ "upgrade-state", required_argument, NULL, 'u' },
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
		default: usage();
		}
	}
	if (optind != argc || cd->colony[0] == '\0' || *fd < 0 || !cd->state_dir || !cd->log_dir ||
	    !cd->cgrel)
		usage();
	return 0;
}

int
main(int argc, char **argv)
{
	static struct cd cd;
	int linkfd, rc, state_fd = -1;
	ssize_t n;

	util_heap_setup();
	/* The checker of an upgrade only reads the document (upgrade.c). */
	if (argc == 3 && strcmp(argv[1], "--check-upgrade") == 0)
		return cd_upgrade_check(fd_arg(argv[2]));
	parse_args(&cd, argc, argv, &linkfd, &state_fd);
	n = readlink("/proc/self/exe", cd.self_exe, sizeof(cd.self_exe) - 1);
	cd.self_exe[n > 0 ? n : 0] = '\0';
	if (cd_setup(&cd, linkfd) < 0)
		return 1;
	if (state_fd >= 0) {
		if (cd_upgrade_restore(&cd, state_fd) < 0)
			return 1;
	} else
		cd_send_hello(&cd);
	rc = cd_loop(&cd);
	cd_teardown(&cd);
	return rc;
}
