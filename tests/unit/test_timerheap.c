/* test_timerheap.c: the shared deadline min-heap pops in deadline order and cancels any entry. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "supervisor/timerheap.h"

/* The heap property and every node's idx matching its slot. */
static void
check_invariants(const struct timerheap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_assert_uint_eq(h->v[i]->idx, i);
		if (i > 0)
			ck_assert_uint_le(h->v[(i - 1) / 2]->deadline, h->v[i]->deadline);
	}
}

START_TEST(test_pops_in_order)
{
	static const uint64_t d[] = { 50, 10, 40, 10, 30, 70, 20, 60, 0, 90 };
	struct th_node n[10];
	struct timerheap h = { 0 };
	struct th_node *p;
	uint64_t last = 0;
	size_t popped = 0;

	for (size_t i = 0; i < 10; i++) {
		n[i] = (struct th_node)TH_NODE_INIT;
		ck_assert(!th_armed(&n[i]));
		ck_assert_int_eq(th_set(&h, &n[i], d[i]), 0);
		ck_assert(th_armed(&n[i]));
		check_invariants(&h);
	}
	ck_assert_uint_eq(th_min(&h)->deadline, 0);
	ck_assert_ptr_eq(th_pop_due(&h, 0), &n[8]);
	popped = 1;
	ck_assert_ptr_null(th_pop_due(&h, 9));	/* the next is at 10 */
	while ((p = th_pop_due(&h, 100)) != NULL) {
		ck_assert_uint_ge(p->deadline, last);
		ck_assert(!th_armed(p));
		last = p->deadline;
		popped++;
		check_invariants(&h);
	}
	ck_assert_uint_eq(popped, 10);
	ck_assert_uint_eq(last, 90);
	ck_assert_ptr_null(th_min(&h));
	th_free(&h);
}
END_TEST

START_TEST(test_cancel_and_move)
{
	struct th_node n[64];
	struct timerheap h = { 0 };

	/* More than the initial capacity, so the heap grows. */
	for (size_t i = 0; i < 64; i++) {
		n[i] = (struct th_node)TH_NODE_INIT;
		ck_assert_int_eq(th_set(&h, &n[i], (uint64_t)((i * 37) % 64) + 1), 0);
	}
	check_invariants(&h);
	/* Cancel every third entry, from the middle of the heap as well as its root. */
	for (size_t i = 0; i < 64; i += 3) {
		th_cancel(&h, &n[i]);
		ck_assert(!th_armed(&n[i]));
		check_invariants(&h);
	}
	th_cancel(&h, &n[0]);	/* cancelling twice is a no-op */
	ck_assert_uint_eq(h.n, 64 - 22);
	/* Re-setting an armed entry moves it instead of adding it twice. */
	ck_assert_int_eq(th_set(&h, &n[1], 0), 0);
	ck_assert_uint_eq(h.n, 64 - 22);
	ck_assert_ptr_eq(th_min(&h), &n[1]);
	ck_assert_int_eq(th_set(&h, &n[1], 1000), 0);
	check_invariants(&h);
	ck_assert_ptr_ne(th_min(&h), &n[1]);
	for (size_t i = 0; i < 64 - 23; i++)
		ck_assert_ptr_ne(th_pop_due(&h, 999), NULL);
	ck_assert_ptr_null(th_pop_due(&h, 999));
	ck_assert_ptr_eq(th_pop_due(&h, 1000), &n[1]);
	ck_assert_uint_eq(h.n, 0);
	th_free(&h);
}
END_TEST

START_TEST(test_cancel_foreign_node)
{
	struct th_node a = TH_NODE_INIT, b = TH_NODE_INIT;
	struct timerheap h1 = { 0 }, h2 = { 0 };

	ck_assert_int_eq(th_set(&h1, &a, 5), 0);
	ck_assert_int_eq(th_set(&h2, &b, 7), 0);
	/* a's slot 0 in h2 holds b, so cancelling a there leaves h2 alone. */
	th_cancel(&h2, &a);
	ck_assert_uint_eq(h2.n, 1);
	ck_assert_ptr_eq(th_min(&h2), &b);
	ck_assert(th_armed(&a));
	th_free(&h1);
	th_free(&h2);
}
END_TEST

Suite *
timerheap_suite(void)
{
	Suite *s = suite_create("timerheap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pops_in_order);
	tcase_add_test(tc, test_cancel_and_move);
	tcase_add_test(tc, test_cancel_foreign_node);
	suite_add_tcase(s, tc);
	return s;
}
