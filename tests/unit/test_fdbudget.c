/* test_fdbudget.c: when the root gives a colonyd a pidfd, and when it watches it through SIGCHLD instead. */
#include <check.h>
#include <stdint.h>

#include "supervisor/fdbudget.h"

/* How many pidfds a root with `colonies` colonies hands out under `soft`. */
static uint64_t
pidfds_given(uint64_t colonies, uint64_t soft)
{
	uint64_t n = 0;

	while (n < colonies && fdb_pidfd_fits(n, colonies, soft))
		n++;
	return n;
}

START_TEST(test_small_trees_all_get_pidfds)
{
	ck_assert_uint_eq(pidfds_given(10, 1024), 10);
	ck_assert_uint_eq(pidfds_given(1000, 20000), 1000);
	ck_assert_uint_eq(pidfds_given(1000, 1048576), 1000);
	ck_assert_uint_eq(pidfds_given(100000, 1048576), 100000);
}
END_TEST

/* This machine: hard limit 20000, 10,000 colonies. */
START_TEST(test_budget_at_20000)
{
	uint64_t n = pidfds_given(10000, 20000);

	ck_assert_uint_eq(fdb_reserve(20000), 64 + 2500);
	ck_assert_uint_eq(n, 20000 - 10000 - 2564);
	/* Sockets and pidfds together leave the whole reserve free. */
	ck_assert_uint_le(10000 + n + fdb_reserve(20000), 20000);
	ck_assert(!fdb_pidfd_fits(n, 10000, 20000));
	ck_assert(fdb_pidfd_fits(n - 1, 10000, 20000));
}
END_TEST

/* More colonies than the limit can hold sockets for: no pidfd at all, never an underflow. */
START_TEST(test_no_room_no_pidfd)
{
	ck_assert_uint_eq(pidfds_given(20000, 20000), 0);
	ck_assert_uint_eq(pidfds_given(1000, 1024), 0);
	ck_assert(!fdb_pidfd_fits(0, 0, 0));
	ck_assert(!fdb_pidfd_fits(0, 0, 64));
	ck_assert(fdb_pidfd_fits(0, 0, 74));
	ck_assert(!fdb_pidfd_fits(UINT32_MAX, UINT32_MAX, 1048576));
}
END_TEST

/* The table the integration test relies on: a small limit splits the colonies. */
START_TEST(test_small_limit_splits)
{
	ck_assert_uint_eq(pidfds_given(12, 96), 96 - 12 - (64 + 12));
	ck_assert_uint_gt(pidfds_given(12, 96), 0);
	ck_assert_uint_lt(pidfds_given(12, 96), 12);
}
END_TEST

Suite *
fdbudget_suite(void)
{
	Suite *s = suite_create("fdbudget");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_small_trees_all_get_pidfds);
	tcase_add_test(tc, test_budget_at_20000);
	tcase_add_test(tc, test_no_room_no_pidfd);
	tcase_add_test(tc, test_small_limit_splits);
	suite_add_tcase(s, tc);
	return s;
}
