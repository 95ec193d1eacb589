/* test_filter.c: the seccomp program builder and the sealed table of programs the root hands to colonyd. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/filter.h"

static const int deny_getppid[] = { SYS_getppid };

static int
prog_eq(const struct sock_fprog *a, const struct sock_fprog *b)
{
	return a->len == b->len && memcmp(a->filter, b->filter, a->len * sizeof(struct sock_filter)) == 0;
}

/* The root's table, read back as colonyd reads it: the same program for the same key, nothing for another. */
START_TEST(table_round_trip)
{
	struct filter_key k1 = { .deny_ns = true };
	struct filter_key k2 = { .deny_ns = true, .deny = deny_getppid, .n_deny = 1 };
	struct filter_key k3 = { .deny_ns = false };
	struct filter_key k4 = { .deny_ns = true, .allow = deny_getppid, .n_allow = 1 };
	struct filter_table *t = filter_table_new(), *back;
	const struct sock_fprog *p1, *p2;
	struct sock_fprog copy, built;
	char why[256];
	int fd;

	ck_assert_ptr_nonnull(t);
	p1 = filter_table_get(t, &k1, why, sizeof(why));
	ck_assert_msg(p1 != NULL, "%s", why);
	ck_assert_ptr_eq(filter_table_get(t, &k1, why, sizeof(why)), p1);	/* built once */
	p2 = filter_table_get(t, &k2, why, sizeof(why));
	ck_assert_msg(p2 != NULL, "%s", why);
	ck_assert(!prog_eq(p1, p2));
	fd = filter_table_fd(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(filter_table_fd(t), fd);	/* made again only after an addition */
	back = filter_table_read(fd);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(filter_table_copy(back, &k2, &copy), 0);
	ck_assert(prog_eq(&copy, p2));
	free(copy.filter);
	ck_assert_int_eq(filter_table_copy(back, &k1, &copy), 0);
	ck_assert(prog_eq(&copy, p1));
	/* The table's program is the one colonyd would build itself. */
	ck_assert_int_eq(filter_build(&k1, &built, why, sizeof(why)), 0);
	ck_assert(prog_eq(&copy, &built));
	free(copy.filter);
	free(built.filter);
	ck_assert_int_eq(filter_table_copy(back, &k3, &copy), -1);
	ck_assert_int_eq(filter_table_copy(back, &k4, &copy), -1);
	ck_assert_int_eq(filter_table_copy(NULL, &k1, &copy), -1);
	filter_table_free(back);
	filter_table_free(t);
}
END_TEST

/* Every colonyd holds the same file: no one may change it, not even through a writable fd. */
START_TEST(table_sealed)
{
	struct filter_key k = { .deny_ns = true };
	struct filter_table *t = filter_table_new();
	char why[256], path[64];
	int fd, rw;

	ck_assert_ptr_nonnull(filter_table_get(t, &k, why, sizeof(why)));
	fd = filter_table_fd(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GET_SEALS) & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
	    F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(rw, 0);
	ck_assert_int_eq(pwrite(rw, "X", 1, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(ftruncate(rw, 0), -1);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, rw, 0), MAP_FAILED);
	close(rw);
	filter_table_free(t);
}
END_TEST

/* Writes len bytes of the table at fd to a new memfd, changed by edit; returns its read-back. */
static struct filter_table *
read_edited(int fd, size_t cut, size_t extra, size_t poke, uint8_t value)
{
	uint8_t buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int m = memfd_create("test", MFD_CLOEXEC);
	struct filter_table *t;

	ck_assert_int_gt(n, 0);
	ck_assert_int_ge(m, 0);
	if (poke < (size_t)n)
		buf[poke] = value;
	memset(buf + n, 0, extra);
	ck_assert_int_eq(write(m, buf, (size_t)n - cut + extra), (ssize_t)((size_t)n - cut + extra));
	t = filter_table_read(m);
	close(m);
	return t;
}

/* A table that is not exactly what the root writes is refused whole. */
START_TEST(table_malformed)
{
	struct filter_key k = { .deny_ns = true, .deny = deny_getppid, .n_deny = 1 };
	struct filter_table *t = filter_table_new(), *back;
	char why[256];
	int fd;

	ck_assert_ptr_nonnull(filter_table_get(t, &k, why, sizeof(why)));
	fd = filter_table_fd(t);
	back = read_edited(fd, 0, 0, SIZE_MAX, 0);	/* unchanged: accepted */
	ck_assert_ptr_nonnull(back);
	filter_table_free(back);
	ck_assert_ptr_null(read_edited(fd, 1, 0, SIZE_MAX, 0));		/* truncated */
	ck_assert_ptr_null(read_edited(fd, 0, 8, SIZE_MAX, 0));		/* trailing bytes */
	ck_assert_ptr_null(read_edited(fd, 0, 0, 0, 'X'));		/* magic */
	ck_assert_ptr_null(read_edited(fd, 0, 0, 8, 2));		/* count */
	ck_assert_ptr_null(read_edited(fd, 0, 0, 12, 2));		/* deny_ns not 0 or 1 */
	ck_assert_ptr_null(read_edited(fd, 0, 0, 16, 9));		/* n_deny past the end */
	ck_assert_ptr_null(read_edited(fd, 0, 0, 26, 0xff));		/* n_insns over BPF_MAXINSNS */
	filter_table_free(t);
}
END_TEST

Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, table_round_trip);
	tcase_add_test(tc, table_sealed);
	tcase_add_test(tc, table_malformed);
	suite_add_tcase(s, tc);
	return s;
}
