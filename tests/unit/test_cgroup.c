/* test_cgroup.c: cgroup helpers against the real hierarchy (root only): create, limits, kill, events, remove. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/cgroup.h"
#include "supervisor/util.h"

static struct cg_root root;
static char rel[128], leaf[160];

static void
setup(void)
{
	char err[256];

	ck_assert_msg(cg_detect(&root, err, sizeof(err)) == 0, "%s", err);
	snprintf(rel, sizeof(rel), "colonytest-unit-%d", (int)getpid());
	snprintf(leaf, sizeof(leaf), "%s/web/_colonyd", rel);
	ck_assert_int_eq(cg_create(&root, rel, CG_V1_ALL), 0);
	ck_assert_int_eq(cg_create(&root, leaf, 0), 0);
}

static void
teardown(void)
{
	/* Up to 10 s: on a loaded host a killed grandchild can take a while to go,
	   and a cgroup with a task in it cannot be removed (it would be left behind). */
	cg_kill(&root, rel);
	for (int i = 0; i < 1000 && cg_populated(&root, rel) == 1; i++)
		usleep(10000);
	ck_assert_int_eq(cg_remove(&root, rel), 0);
}

static pid_t
spawn_into(const char *where)
{
	pid_t pid = fork();

	if (pid == 0) {
		cg_attach(&root, where, 0, 0);
		/* a grandchild too, so a kill must reach more than the main process */
		if (fork() == 0)
			for (;;) pause();
		for (;;) pause();
	}
	return pid;
}

START_TEST(detect_mode)
{
	struct stat st;

	ck_assert(root.mode == CG_UNIFIED || root.mode == CG_HYBRID);
	ck_assert_int_eq(stat(root.v2, &st), 0);
	if (root.mode == CG_HYBRID)
		ck_assert_str_eq(root.v2, "/sys/fs/cgroup/unified");
}
END_TEST

START_TEST(create_populate_kill_empty)
{
	char path[512];
	struct stat st;
	pid_t pid;
	int fd, status;

	snprintf(path, sizeof(path), "%s/%s", root.v2, leaf);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(cg_populated(&root, rel), 0);
	pid = spawn_into(leaf);
	for (int i = 0; i < 200 && cg_populated(&root, rel) != 1; i++)
		usleep(5000);
	ck_assert_int_eq(cg_populated(&root, rel), 1);
	fd = cg_events_open(&root, rel);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cg_events_populated(fd), 1);
	ck_assert_int_eq(cg_kill(&root, rel), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* the grandchild was reparented; the events fd tells when it is gone too */
	for (int i = 0; i < 200 && cg_events_populated(fd) == 1; i++) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		poll(&p, 1, 10);
	}
	ck_assert_int_eq(cg_events_populated(fd), 0);
	close(fd);
	ck_assert_int_eq(cg_remove(&root, rel), 0);
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(limits_written)
{
	struct cg_limits l = { .memory_max = 64 << 20, .pids_max = 32, .cpu_max_percent = 150, .cpu_weight = 200 };
	char err[256], path[512], buf[64];

	ck_assert_msg(cg_set_limits(&root, rel, &l, err, sizeof(err)) == 0, "%s", err);
	if (root.mode == CG_UNIFIED) {
		snprintf(path, sizeof(path), "%s/%s/pids.max", root.v2, rel);
		ck_assert_int_ge(util_read_file(path, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "32\n");
		snprintf(path, sizeof(path), "%s/%s/cpu.max", root.v2, rel);
		ck_assert_int_ge(util_read_file(path, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "150000 100000\n");
	} else {
		snprintf(path, sizeof(path), "%s/%s/pids.max", root.pids, rel);
		ck_assert_int_ge(util_read_file(path, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "32\n");
		snprintf(path, sizeof(path), "%s/%s/memory.limit_in_bytes", root.memory, rel);
		ck_assert_int_ge(util_read_file(path, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "67108864\n");
		snprintf(path, sizeof(path), "%s/%s/cpu.cfs_quota_us", root.cpu, rel);
		ck_assert_int_ge(util_read_file(path, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "150000\n");
	}
}
END_TEST

START_TEST(v1_needed_by_limits)
{
	struct cg_limits none = { 0 }, mem = { .memory_max = 1 << 20 }, pids = { .pids_max = 5 };
	struct cg_limits cpu = { .cpu_weight = 5 }, quota = { .cpu_max_percent = 10 };

	ck_assert_uint_eq(cg_v1_needed(&none), 0);
	ck_assert_uint_eq(cg_v1_needed(&mem), CG_V1_MEMORY);
	ck_assert_uint_eq(cg_v1_needed(&pids), CG_V1_PIDS);
	ck_assert_uint_eq(cg_v1_needed(&cpu), CG_V1_CPU);
	ck_assert_uint_eq(cg_v1_needed(&quota), CG_V1_CPU);
}
END_TEST

/* Hybrid: only the limited controllers get a v1 mirror, and only those are written. */
START_TEST(v1_only_where_limited)
{
	struct cg_limits l = { .pids_max = 7 };
	char err[256], path[512], sub[200];
	struct stat st;

	if (root.mode != CG_HYBRID)
		return;
	snprintf(sub, sizeof(sub), "%s/pidsonly", rel);
	ck_assert_int_eq(cg_create(&root, sub, cg_v1_needed(&l)), 0);
	ck_assert_msg(cg_set_limits(&root, sub, &l, err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/%s/pids.max", root.pids, sub);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/%s", root.memory, sub);
	ck_assert_int_eq(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/%s", root.memory, leaf);
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

/* A process only in the v2 tree (hybrid: in no v1 memory cgroup of ours) still shows its memory. */
START_TEST(stats_memory_of_v2_only_tree)
{
	struct cg_stats s;
	pid_t pid = spawn_into(leaf);
	int status;

	for (int i = 0; i < 200 && cg_populated(&root, rel) != 1; i++)
		usleep(5000);
	ck_assert_int_eq(cg_read_stats(&root, rel, &s), 0);
	ck_assert_uint_gt(s.memory_bytes, 0);
	cg_kill(&root, rel);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

START_TEST(open_and_stats)
{
	struct cg_stats s;
	int fd = cg_open(&root, leaf);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(cg_open(&root, "colonytest-does-not-exist/x"), -1);
	ck_assert_int_eq(cg_read_stats(&root, rel, &s), 0);
	ck_assert_uint_eq(s.oom_kills, 0);
}
END_TEST

Suite *
cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("cgroup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, detect_mode);
	tcase_add_test(tc, create_populate_kill_empty);
	tcase_add_test(tc, limits_written);
	tcase_add_test(tc, open_and_stats);
	tcase_add_test(tc, v1_needed_by_limits);
	tcase_add_test(tc, v1_only_where_limited);
	tcase_add_test(tc, stats_memory_of_v2_only_tree);
	suite_add_tcase(s, tc);
	return s;
}
