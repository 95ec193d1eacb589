/* filter.h: a service's seccomp BPF program (libseccomp), and the sealed table in which the root hands built programs to colonyd. */
#ifndef COLONY_FILTER_H
#define COLONY_FILTER_H

/*
 * Building the `seccomp = default` program costs about two million
 * instructions in libseccomp, the largest single part of a colonyd's
 * start-up. The program depends only on a filter_key, and a thousand
 * colonies usually share one key: so the root builds each distinct
 * program once, writes the table of them to a sealed memfd, and every
 * colonyd it spawns reads that (colonyd(8): --filters). colonyd uses a
 * program from the table only when its own key is exactly the entry's,
 * and builds its own otherwise: the table only saves work, it never
 * decides what a filter contains.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

/* Everything a program depends on. */
struct filter_key {
	bool deny_ns;		/* CAP_SYS_ADMIN withheld: deny unshare, setns, clone(NEWUSER), clone3 */
	const int *deny;	/* seccomp_deny, native syscall numbers, as configured */
	size_t n_deny;
	const int *allow;	/* seccomp_allow */
	size_t n_allow;
};

/* Builds the program into prog->filter (malloc'd). Returns 0, or -1 with a reason in why. */
int filter_build(const struct filter_key *k, struct sock_fprog *prog, char *why, size_t whylen);

/* A table of built programs, as the root keeps it and as colonyd reads it back. */
struct filter_table;

struct filter_table *filter_table_new(void);
void filter_table_free(struct filter_table *t);
/* The entry for k, built and added when missing; NULL if the build failed (why says why). */
const struct sock_fprog *filter_table_get(struct filter_table *t, const struct filter_key *k,
    char *why, size_t whylen);
/* A sealed, read-only memfd holding every entry, made again only after an addition; -1 on failure. */
int filter_table_fd(struct filter_table *t);

/* colonyd: read a table from fd (not closed). NULL if it is not a well-formed table. */
struct filter_table *filter_table_read(int fd);
/* A malloc'd copy of the program for exactly k into prog; -1 if the table has none. */
int filter_table_copy(const struct filter_table *t, const struct filter_key *k, struct sock_fprog *prog);

#endif
