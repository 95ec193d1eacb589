/* cgroup.h: cgroup v2 (pure or hybrid) helpers shared by the root and colonyd. */
#ifndef COLONY_CGROUP_H
#define COLONY_CGROUP_H

/*
 * Paths given to these functions are relative to the v2 mount ("colony/web",
 * "colony/web/svc-nginx"). On a hybrid host the v2 tree is used for tracking,
 * cgroup.kill and cgroup.events, and the same relative path is mirrored in the
 * v1 memory, pids and cpu hierarchies for limits and accounting.
 * All functions return 0 (or a value >= 0) on success, and -1 with errno set.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_mode { CG_UNIFIED, CG_HYBRID };

struct cg_root {
	enum cg_mode mode;
	char v2[128];		/* "/sys/fs/cgroup" or "/sys/fs/cgroup/unified" */
	char memory[128];	/* v1 mount points; "" when absent or unified */
	char pids[128];
	char cpu[128];
};

struct cg_limits {
	uint64_t memory_max;	/* bytes; 0 = unlimited */
	uint64_t pids_max;	/* 0 = unlimited */
	unsigned cpu_max_percent; /* 0 = unlimited */
	unsigned cpu_weight;	/* 1..10000; 0 = leave alone */
};

struct cg_stats {
	uint64_t memory_bytes;
	uint64_t cpu_usec;
	uint64_t oom_kills;
};

/* Detect the mode with statfs(2), the way crun does. */
int cg_detect(struct cg_root *r, char *err, size_t errlen);

/* v1 controller masks (hybrid hosts): the hierarchies a cgroup is mirrored in and joined. */
#define CG_V1_MEMORY	1u
#define CG_V1_PIDS	2u
#define CG_V1_CPU	4u
#define CG_V1_ALL	7u

/* The v1 controllers a colony needs: those it sets a limit for. Joining a v1
   cgroup costs an RCU grace period, so a colony without limits joins none. */
unsigned cg_v1_needed(const struct cg_limits *l);
/* mkdir -p of rel in v2 (and in the v1 controllers of the mask v1 on hybrid); EEXIST is fine.
   On a v2 host, enables the memory, pids and cpu controllers below the parent. */
int cg_create(const struct cg_root *r, const char *rel, unsigned v1);
/* Remove rel (rmdir of it and its sub-cgroups, deepest first, in every hierarchy). */
int cg_remove(const struct cg_root *r, const char *rel);
/* O_DIRECTORY|O_PATH-compatible fd of the v2 directory, for CLONE_INTO_CGROUP. */
int cg_open(const struct cg_root *r, const char *rel);
/* Move pid into rel in the v1 controllers of the mask v1 (hybrid); a no-op on pure v2. */
int cg_attach_v1(const struct cg_root *r, const char *rel, pid_t pid, unsigned v1);
/* Move pid into rel in v2 and in the v1 controllers of the mask v1 (fallback when
   CLONE_INTO_CGROUP is unavailable). */
int cg_attach(const struct cg_root *r, const char *rel, pid_t pid, unsigned v1);
/* SIGKILL everything in rel: cgroup.kill, or a walk of cgroup.procs on old kernels. */
int cg_kill(const struct cg_root *r, const char *rel);
/* 1 if rel has processes (cgroup.events "populated 1"), 0 if empty. */
int cg_populated(const struct cg_root *r, const char *rel);
/* An fd on rel's cgroup.events: poll it with EPOLLPRI to learn of changes. */
int cg_events_open(const struct cg_root *r, const char *rel);
/* 1/0 from an fd returned by cg_events_open (pread at offset 0). */
int cg_events_populated(int fd);
/* Write the colony limits (v2 files, or on hybrid the v1 controllers of cg_v1_needed(l)). */
int cg_set_limits(const struct cg_root *r, const char *rel, const struct cg_limits *l,
    char *err, size_t errlen);
/* Read accounting; missing files read as 0. On hybrid, memory is the v1 memory
   cgroup's charge when a process is in it, else the RSS sum of the v2 subtree. */
int cg_read_stats(const struct cg_root *r, const char *rel, struct cg_stats *s);
/* Count of oom kills recorded for rel (memory.events oom_kill, or v1 memory.oom_control). */
uint64_t cg_oom_kills(const struct cg_root *r, const char *rel);
/* The same through a kept fd: cg_oom_open (-1 with errno, ENOENT where no memory controller counts) and a pread per reading. */
int cg_oom_open(const struct cg_root *r, const char *rel);
uint64_t cg_oom_kills_fd(int fd);

#endif
