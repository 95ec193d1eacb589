/* test_cdmem.c: colonyd's memory economies: groups from the files without NSS, and the dead stack handed back. */
#define _GNU_SOURCE
#include <alloca.h>
#include <check.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "colonyd/colonyd.h"
#include "colonyd/confine.h"

static char passwd_path[64], group_path[64];

/* Writes a passwd and a group file for one test; removed by the fixture. */
static void
files(const char *passwd, const char *group)
{
	FILE *f;

	snprintf(passwd_path, sizeof(passwd_path), "/tmp/colony-ut-passwd.%d", (int)getpid());
	snprintf(group_path, sizeof(group_path), "/tmp/colony-ut-group.%d", (int)getpid());
	ck_assert_ptr_nonnull(f = fopen(passwd_path, "w"));
	fputs(passwd, f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(group_path, "w"));
	fputs(group, f);
	fclose(f);
}

static void
unfiles(void)
{
	unlink(passwd_path);
	unlink(group_path);
}

static const char *const passwd_text =
    "root:x:0:0:root:/root:/bin/sh\n"
    "alice:x:1000:1000::/home/alice:/bin/sh\n"
    "alias:x:1000:1000::/home/alice:/bin/sh\n"
    "bob:x:1001:1001::/home/bob:/bin/sh\n";
static const char *const group_text =
    "root:x:0:\n"
    "wheel:x:10:bob,alice\n"
    "alice:x:1000:\n"
    "bob:x:1001:\n"
    "audio:x:29:alias\n"
    "this line is broken\n"
    "video:x:44:carol,bob\n"
    "again:x:1001:bob\n";

/* Runs confine_files_groups_from and renders the list as "g1 g2 ...". */
static void
groups_of(const char *user, uid_t uid, gid_t gid, char *out, size_t len)
{
	gid_t *g = NULL;
	size_t n = 0;

	ck_assert_int_eq(confine_files_groups_from(passwd_path, group_path, user, uid, gid, &g, &n), 0);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%u", i ? " " : "", (unsigned)g[i]);
	free(g);
}

START_TEST(test_groups_of_a_member)
{
	char s[128];

	files(passwd_text, group_text);
	/* Primary first, then each group listing the name, once, bad lines skipped. */
	groups_of("bob", 1001, 1001, s, sizeof(s));
	ck_assert_str_eq(s, "1001 10 44");
	groups_of(NULL, 1001, 1001, s, sizeof(s));
	ck_assert_str_eq(s, "1001 10 44");
	/* A numeric user is resolved by uid; an explicit gid stays first. */
	groups_of("1001", 1001, 7, s, sizeof(s));
	ck_assert_str_eq(s, "7 10 44 1001");
	unfiles();
}
END_TEST

START_TEST(test_groups_by_name_among_shared_uids)
{
	char s[128];

	files(passwd_text, group_text);
	/* Two names share uid 1000: the one written wins, else the first. */
	groups_of("alias", 1000, 1000, s, sizeof(s));
	ck_assert_str_eq(s, "1000 29");
	groups_of("alice", 1000, 1000, s, sizeof(s));
	ck_assert_str_eq(s, "1000 10");
	groups_of(NULL, 1000, 1000, s, sizeof(s));
	ck_assert_str_eq(s, "1000 10");
	/* A name whose entry has another uid is not taken. */
	groups_of("bob", 1000, 1000, s, sizeof(s));
	ck_assert_str_eq(s, "1000 10");
	unfiles();
}
END_TEST

START_TEST(test_groups_of_an_unknown_uid)
{
	char s[128];

	files(passwd_text, group_text);
	groups_of("4242", 4242, 4243, s, sizeof(s));
	ck_assert_str_eq(s, "4243");
	unfiles();
	/* No files at all: the gid alone. */
	groups_of("bob", 1001, 1001, s, sizeof(s));
	ck_assert_str_eq(s, "1001");
}
END_TEST

/* The real system's files agree with getgrouplist for root (NSS reads the same files). */
START_TEST(test_groups_of_root_on_this_host)
{
	gid_t *g = NULL, want[64];
	size_t n = 0;
	int wn = 64;

	ck_assert_int_eq(confine_files_groups(NULL, 0, 0, &g, &n), 0);
	ck_assert_int_ge(getgrouplist("root", 0, want, &wn), 1);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(g[0], 0);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (int j = 0; j < wn; j++)
			found = found || want[j] == g[i];
		ck_assert_msg(found, "gid %u not in getgrouplist(root)", (unsigned)g[i]);
	}
	free(g);
}
END_TEST

static uintptr_t deep_lo, deep_hi;

/* Dirties 96 kB of stack well below the caller, and records where. */
static void __attribute__((noinline))
go_deep(void)
{
	size_t len = 96 * 1024;
	volatile char *p = alloca(len);

	for (size_t i = 0; i < len; i += 512)
		p[i] = (char)i;
	deep_lo = (uintptr_t)p;
	deep_hi = deep_lo + len;
}

/* Resident pages among the lower half of what go_deep dirtied (far below any later frame). */
static size_t
deep_resident(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (deep_lo + page - 1) & ~(page - 1), hi = (deep_lo + deep_hi) / 2 & ~(page - 1);
	unsigned char v[64];
	size_t n = 0;

	ck_assert_uint_le((hi - lo) / page, sizeof(v));
	ck_assert_int_eq(mincore((void *)lo, hi - lo, v), 0);
	for (size_t i = 0; i < (hi - lo) / page; i++)
		n += v[i] & 1;
	return n;
}

START_TEST(test_release_hands_back_the_dead_stack)
{
	go_deep();
	ck_assert_uint_gt(deep_resident(), 4);
	cd_release_memory();
	ck_assert_uint_eq(deep_resident(), 0);
	/* Still a working stack. */
	go_deep();
	ck_assert_uint_gt(deep_resident(), 4);
}
END_TEST

Suite *
cdmem_suite(void)
{
	Suite *s = suite_create("cdmem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_groups_of_a_member);
	tcase_add_test(tc, test_groups_by_name_among_shared_uids);
	tcase_add_test(tc, test_groups_of_an_unknown_uid);
	tcase_add_test(tc, test_groups_of_root_on_this_host);
	tcase_add_test(tc, test_release_hands_back_the_dead_stack);
	suite_add_tcase(s, tc);
	return s;
}
