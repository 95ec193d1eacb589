/* cgroup.c: cgroup v2 (pure or hybrid with v1 controllers) helpers shared by the root and colonyd. */
#include "supervisor/cgroup.h"
#include "supervisor/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

static bool
is_fs(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

int
cg_detect(struct cg_root *r, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} v1[] = {
		{ "memory", offsetof(struct cg_root, memory) },
		{ "pids", offsetof(struct cg_root, pids) },
		{ "cpu", offsetof(struct cg_root, cpu) },
	};

	memset(r, 0, sizeof(*r));
	/* Like crun: the filesystem type of the mount point tells the mode. */
	if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
		r->mode = CG_UNIFIED;
		snprintf(r->v2, sizeof(r->v2), "/sys/fs/cgroup");
		return 0;
	}
	if (!is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) {
		snprintf(err, errlen, "cgroup v2 is not mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified "
		    "(cgroup v1 alone is not supported)");
		errno = ENOTSUP;
		return -1;
	}
	r->mode = CG_HYBRID;
	snprintf(r->v2, sizeof(r->v2), "/sys/fs/cgroup/unified");
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", v1[i].name);
		if (is_fs(path, CGROUP_SUPER_MAGIC))
			snprintf((char *)r + v1[i].off, 128, "%s", path);
	}
	return 0;
}

static int
path_of(char *out, size_t len, const char *base, const char *rel, const char *file)
{
	int n = snprintf(out, len, "%s/%s%s%s", base, rel, file ? "/" : "", file ? file : "");

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static const char *
v1_base(const struct cg_root *r, int i)
{
	const char *b = i == 0 ? r->memory : i == 1 ? r->pids : r->cpu;

	return r->mode == CG_HYBRID && b[0] ? b : NULL;
}

/* On pure v2, children only get controllers their parent delegates. */
static void
enable_controllers(const struct cg_root *r, const char *rel)
{
	char buf[4096], path[4096];
	const char *slash;
	size_t plen;

	if (r->mode != CG_UNIFIED)
		return;
	if (path_of(path, sizeof(path), r->v2, "", "cgroup.subtree_control") == 0) {
		util_write_file(path, "+memory");
		util_write_file(path, "+pids");
		util_write_file(path, "+cpu");
	}
	for (slash = strchr(rel, '/'); ; slash = strchr(slash + 1, '/')) {
		plen = slash ? (size_t)(slash - rel) : strlen(rel);
		snprintf(buf, sizeof(buf), "%.*s", (int)plen, rel);
		if (path_of(path, sizeof(path), r->v2, buf, "cgroup.subtree_control") == 0) {
			/* Each write may fail alone (controller absent): try them one by one. */
			util_write_file(path, "+memory");
			util_write_file(path, "+pids");
			util_write_file(path, "+cpu");
		}
		if (slash == NULL || strchr(slash + 1, '/') == NULL)
			break;
	}
}

unsigned
cg_v1_needed(const struct cg_limits *l)
{
	return (l->memory_max ? CG_V1_MEMORY : 0u) | (l->pids_max ? CG_V1_PIDS : 0u) |
	    (l->cpu_max_percent || l->cpu_weight ? CG_V1_CPU : 0u);
}

int
cg_create(const struct cg_root *r, const char *rel, unsigned v1)
{
	char path[4096];

	if (path_of(path, sizeof(path), r->v2, rel, NULL) < 0 || util_mkdir_p(path, 0755) < 0)
		return -1;
	enable_controllers(r, rel);
	for (int i = 0; i < 3; i++) {
		const char *b = v1_base(r, i);

		if (b && (v1 & (1u << i)) && (path_of(path, sizeof(path), b, rel, NULL) < 0 || util_mkdir_p(path, 0755) < 0))
			return -1;
	}
	return 0;
}

/* rmdir a directory tree of cgroups, deepest first. Only directories: cgroupfs has no removable files. */
static int
rmdir_tree(const char *path)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	/* Most are leaves, or already gone: one rmdir, no listing. A cgroup with
	   child cgroups (or tasks) refuses with EBUSY. */
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -1;
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		char sub[4096];

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub))
			continue;
		if (rmdir_tree(sub) < 0)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int
cg_remove(const struct cg_root *r, const char *rel)
{
	char path[4096];
	int rc = 0;

	if (path_of(path, sizeof(path), r->v2, rel, NULL) < 0 || rmdir_tree(path) < 0)
		rc = -1;
	for (int i = 0; i < 3; i++) {
		const char *b = v1_base(r, i);

		if (b && (path_of(path, sizeof(path), b, rel, NULL) < 0 || rmdir_tree(path) < 0))
			rc = -1;
	}
	return rc;
}

int
cg_open(const struct cg_root *r, const char *rel)
{
	char path[4096];

	if (path_of(path, sizeof(path), r->v2, rel, NULL) < 0)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int
write_pid(const char *base, const char *rel, pid_t pid)
{
	char path[4096], num[32];

	if (path_of(path, sizeof(path), base, rel, "cgroup.procs") < 0)
		return -1;
	snprintf(num, sizeof(num), "%d", (int)pid);
	return util_write_file(path, num);
}

/* One write per hierarchy: each is a migration under the kernel's global
   cgroup_threadgroup_rwsem (an RCU grace period), so only the ones asked for. */
int
cg_attach_v1(const struct cg_root *r, const char *rel, pid_t pid, unsigned v1)
{
	for (int i = 0; i < 3; i++) {
		const char *b = v1_base(r, i);

		if (b && (v1 & (1u << i)) && write_pid(b, rel, pid) < 0)
			return -1;
	}
	return 0;
}

int
cg_attach(const struct cg_root *r, const char *rel, pid_t pid, unsigned v1)
{
	if (write_pid(r->v2, rel, pid) < 0)
		return -1;
	return cg_attach_v1(r, rel, pid, v1);
}

/* Old kernels have no cgroup.kill: SIGKILL every pid listed, in rel and below. */
static int
kill_walk(const char *path)
{
	char file[4096], buf[65536];
	DIR *d;
	struct dirent *de;

	if (snprintf(file, sizeof(file), "%s/cgroup.procs", path) >= (int)sizeof(file))
		return -1;
	if (util_read_file(file, buf, sizeof(buf)) >= 0) {
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
	}
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
		    snprintf(file, sizeof(file), "%s/%s", path, de->d_name) < (int)sizeof(file))
			kill_walk(file);
	}
	closedir(d);
	return 0;
}

int
cg_kill(const struct cg_root *r, const char *rel)
{
	char path[4096];

	if (path_of(path, sizeof(path), r->v2, rel, "cgroup.kill") < 0)
		return -1;
	if (util_write_file(path, "1") == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (path_of(path, sizeof(path), r->v2, rel, NULL) < 0)
		return -1;
	return kill_walk(path);
}

static int
parse_populated(const char *buf)
{
	const char *p = strstr(buf, "populated ");

	if (p == NULL) {
		errno = EINVAL;
		return -1;
	}
	return p[10] == '1';
}

int
cg_populated(const struct cg_root *r, const char *rel)
{
	char path[4096], buf[256];

	if (path_of(path, sizeof(path), r->v2, rel, "cgroup.events") < 0)
		return -1;
	if (util_read_file(path, buf, sizeof(buf)) < 0)
		return errno == ENOENT ? 0 : -1;
	return parse_populated(buf);
}

int
cg_events_open(const struct cg_root *r, const char *rel)
{
	char path[4096];

	if (path_of(path, sizeof(path), r->v2, rel, "cgroup.events") < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

int
cg_events_populated(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return parse_populated(buf);
}

static int
write_value(const char *base, const char *rel, const char *file, const char *value,
    char *err, size_t errlen)
{
	char path[4096];

	if (path_of(path, sizeof(path), base, rel, file) < 0 || util_write_file(path, value) < 0) {
		snprintf(err, errlen, "write %s/%s/%s = %s: %s", base, rel, file, value, strerror(errno));
		return -1;
	}
	return 0;
}

static int
set_limits_v2(const struct cg_root *r, const char *rel, const struct cg_limits *l,
    char *err, size_t errlen)
{
	char v[64];

	snprintf(v, sizeof(v), "%" PRIu64, l->memory_max);
	if (write_value(r->v2, rel, "memory.max", l->memory_max ? v : "max", err, errlen) < 0)
		return -1;
	snprintf(v, sizeof(v), "%" PRIu64, l->pids_max);
	if (write_value(r->v2, rel, "pids.max", l->pids_max ? v : "max", err, errlen) < 0)
		return -1;
	if (l->cpu_max_percent)
		snprintf(v, sizeof(v), "%u 100000", l->cpu_max_percent * 1000);
	else
		snprintf(v, sizeof(v), "max 100000");
	if (write_value(r->v2, rel, "cpu.max", v, err, errlen) < 0)
		return -1;
	if (l->cpu_weight) {
		snprintf(v, sizeof(v), "%u", l->cpu_weight);
		if (write_value(r->v2, rel, "cpu.weight", v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* v1: memory.limit_in_bytes, pids.max, cpu.cfs_quota_us/cfs_period_us and cpu.shares. */
static int
set_limits_v1(const struct cg_root *r, const char *rel, const struct cg_limits *l,
    char *err, size_t errlen)
{
	char v[64];

	/* Only the controllers with a limit: colonyd joins no other v1 cgroup (cg_v1_needed). */
	if (r->memory[0] && l->memory_max) {
		snprintf(v, sizeof(v), "%" PRIu64, l->memory_max);
		if (write_value(r->memory, rel, "memory.limit_in_bytes", v, err, errlen) < 0)
			return -1;
	} else if (l->memory_max) {
		snprintf(err, errlen, "memory_max: no memory controller on this host");
		return -1;
	}
	if (r->pids[0] && l->pids_max) {
		snprintf(v, sizeof(v), "%" PRIu64, l->pids_max);
		if (write_value(r->pids, rel, "pids.max", v, err, errlen) < 0)
			return -1;
	} else if (l->pids_max) {
		snprintf(err, errlen, "pids_max: no pids controller on this host");
		return -1;
	}
	if (r->cpu[0] && (l->cpu_max_percent || l->cpu_weight)) {
		if (write_value(r->cpu, rel, "cpu.cfs_period_us", "100000", err, errlen) < 0)
			return -1;
		snprintf(v, sizeof(v), "%d", l->cpu_max_percent ? (int)l->cpu_max_percent * 1000 : -1);
		if (write_value(r->cpu, rel, "cpu.cfs_quota_us", v, err, errlen) < 0)
			return -1;
		/* cpu.weight 100 is the default, like cpu.shares 1024 */
		if (l->cpu_weight) {
			snprintf(v, sizeof(v), "%u", l->cpu_weight * 1024 / 100 < 2 ? 2 : l->cpu_weight * 1024 / 100);
			if (write_value(r->cpu, rel, "cpu.shares", v, err, errlen) < 0)
				return -1;
		}
	} else if (l->cpu_max_percent || l->cpu_weight) {
		snprintf(err, errlen, "cpu_max/cpu_weight: no cpu controller on this host");
		return -1;
	}
	return 0;
}

int
cg_set_limits(const struct cg_root *r, const char *rel, const struct cg_limits *l,
    char *err, size_t errlen)
{
	if (r->mode == CG_UNIFIED)
		return set_limits_v2(r, rel, l, err, errlen);
	return set_limits_v1(r, rel, l, err, errlen);
}

/* "key value" lines: the value of key, or 0. */
static uint64_t
keyed_value(const char *buf, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoull(p + klen + 1, NULL, 10);
	}
	return 0;
}

static uint64_t
read_u64(const char *base, const char *rel, const char *file)
{
	char path[4096], buf[64];

	if (path_of(path, sizeof(path), base, rel, file) < 0 || util_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

uint64_t
cg_oom_kills(const struct cg_root *r, const char *rel)
{
	int fd = cg_oom_open(r, rel);
	uint64_t n;

	if (fd < 0)
		return 0;
	n = cg_oom_kills_fd(fd);
	close(fd);
	return n;
}

int
cg_oom_open(const struct cg_root *r, const char *rel)
{
	char path[4096];
	const char *base = r->mode == CG_UNIFIED ? r->v2 : r->memory;
	const char *file = r->mode == CG_UNIFIED ? "memory.events" : "memory.oom_control";

	if (base[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (path_of(path, sizeof(path), base, rel, file) < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

uint64_t
cg_oom_kills_fd(int fd)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return keyed_value(buf, "oom_kill");
}

/*
 * Hybrid host: services live in v2 sub-cgroups only (a v1 move costs ~10 ms a
 * spawn), and colonyd joins the v1 memory cgroup only when the colony has a
 * memory_max; otherwise count the resident set of the processes of the v2
 * cgroup and of the cgroups below it (pages shared between them count twice).
 */
static uint64_t
rss_of_tree(const char *dir, int depth)
{
	char path[4096], buf[8192], st[4096];
	uint64_t total = 0;
	DIR *d;
	struct dirent *de;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) < (int)sizeof(path) &&
	    util_read_file(path, buf, sizeof(buf)) >= 0) {
		for (char *p = buf, *end; *p != '\0'; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			snprintf(path, sizeof(path), "/proc/%ld/status", pid);
			const char *v = util_read_file(path, st, sizeof(st)) > 0 ? strstr(st, "\nVmRSS:") : NULL;
			if (v != NULL)
				total += strtoull(v + 7, NULL, 10) * 1024;	/* "VmRSS:\t  1234 kB" */
		}
	}
	if (depth >= 8 || (d = opendir(dir)) == NULL)
		return total;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			total += rss_of_tree(path, depth + 1);
	}
	closedir(d);
	return total;
}

/* The v1 memory cgroup's charge, when some process is in it (colonyd joined it). */
static bool
v1_memory_used(const struct cg_root *r, const char *rel, uint64_t *bytes)
{
	char path[4096], buf[64];

	if (r->memory[0] == '\0' || path_of(path, sizeof(path), r->memory, rel, "cgroup.procs") < 0 ||
	    util_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	*bytes = read_u64(r->memory, rel, "memory.usage_in_bytes");
	return true;
}

int
cg_read_stats(const struct cg_root *r, const char *rel, struct cg_stats *s)
{
	char path[4096], buf[2048];

	memset(s, 0, sizeof(*s));
	if (r->mode == CG_UNIFIED) {
		s->memory_bytes = read_u64(r->v2, rel, "memory.current");
		if (path_of(path, sizeof(path), r->v2, rel, "cpu.stat") == 0 &&
		    util_read_file(path, buf, sizeof(buf)) >= 0)
			s->cpu_usec = keyed_value(buf, "usage_usec");
	} else {
		if (!v1_memory_used(r, rel, &s->memory_bytes) &&
		    path_of(path, sizeof(path), r->v2, rel, NULL) == 0)
			s->memory_bytes = rss_of_tree(path, 0);
		/* cpuacct is mounted with cpu on most hosts; cpu.stat (v2 file) exists on the v2 side too */
		if (path_of(path, sizeof(path), r->v2, rel, "cpu.stat") == 0 &&
		    util_read_file(path, buf, sizeof(buf)) >= 0)
			s->cpu_usec = keyed_value(buf, "usage_usec");
	}
	s->oom_kills = cg_oom_kills(r, rel);
	return 0;
}
