/* confine.h: a service's credentials, capabilities and seccomp filter, prepared once and applied in the child. */
#ifndef COLONY_CONFINE_H
#define COLONY_CONFINE_H

/*
 * confine_prepare runs in colonyd, once per service definition (at start and
 * on reload): it resolves supplementary groups and builds the seccomp BPF
 * program (or copies the one the root built), so the spawn path does no
 * look-ups and no filter compilation.
 * confine_apply runs in the forked child, just before execve, in crun's order
 * (SPEC section 4): rlimits; bounding set; keep caps across setuid; groups,
 * gid, uid; permitted/effective/inheritable, ambient cleared; no_new_privs;
 * seccomp last. It uses only raw system calls and no allocation.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cfg_service;
struct confine;
struct filter_table;

/* Returns NULL with a message in err ("COLONY/SERVICE: ...") on failure. */
struct confine *confine_prepare(const char *colony, const struct cfg_service *svc,
    char *err, size_t errlen);
void confine_free(struct confine *c);

/* Programs built by the root (supervisor/filter.h): confine_prepare copies a matching one instead of building it. */
void confine_set_programs(const struct filter_table *t);

/*
 * usergroups.c: gid, then every group that lists the user in /etc/group, as
 * getgrouplist gives them but from the files only (no NSS). The user is
 * `user` if /etc/passwd has it with this uid, else the first entry with the
 * uid; none: gid only. *groups is realloc'd; -1: out of memory.
 */
int confine_files_groups(const char *user, uid_t uid, gid_t gid, gid_t **groups, size_t *n);
int confine_files_groups_from(const char *passwd, const char *group, const char *user, uid_t uid,
    gid_t gid, gid_t **groups, size_t *n);	/* other files: for the tests */

/*
 * Record capabilities colonyd dropped for good: confine_prepare then refuses
 * a service that wants one. Every change colonyd makes to its own bounding
 * set must be reported here.
 */
void confine_note_dropped(uint64_t caps);

/* colonyd's bounding set as recorded by the last confine_prepare or confine_note_dropped; pass it to confine_apply. */
uint64_t confine_bounding_set(void);

/*
 * In the child, which may share colonyd's memory (child.h): no errno, no
 * allocation. bset is confine_bounding_set() taken before the clone.
 * Returns 0, or -1 with a precise message in err such as
 * "setresuid(33): Operation not permitted" (err must be a preallocated buffer).
 */
int confine_apply(const struct confine *c, uint64_t bset, char *err, size_t errlen);

#endif
