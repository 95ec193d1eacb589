/* confine_int.h: the prepared plan shared by confine.c (colonyd's side) and confine_apply.c (the child's side). */
#ifndef COLONY_CONFINE_INT_H
#define COLONY_CONFINE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <linux/filter.h>

/* Everything the child needs, computed in colonyd so the child only makes syscalls. */
struct confine {
	uid_t uid;
	gid_t gid;
	gid_t *groups;			/* supplementary groups, resolved at prepare */
	size_t n_groups;
	bool uid_kept, gid_kept, groups_kept;	/* colonyd's own already: left alone */
	char *working_directory;
	bool set_nofile;		/* limit_nofile was given */
	struct rlimit nofile;
	unsigned cap_count;		/* cap_max_bits(): capabilities the kernel knows */
	uint64_t caps;			/* the bounding, permitted, effective and inheritable sets */
	bool caps_exact;		/* a listed capability colonyd lacks is an error, not dropped */
	bool no_new_privs;
	struct sock_fprog filter;	/* .filter == NULL: seccomp off */
};

/* A static name ("CAP_NET_RAW"), safe in the child. */
const char *confine_cap_name(int cap);

static inline uint64_t
confine_cap_bit(int cap)
{
	return cap >= 0 && cap < 64 ? UINT64_C(1) << cap : 0;
}

#endif
