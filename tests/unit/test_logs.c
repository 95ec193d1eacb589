/* test_logs.c: Check cases for colonyd's log writer: lines, partial lines, long lines, rotation. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "colonyd/log.h"

#define T0 1795312984123ULL	/* 2026-11-22T02:03:04.123Z */
#define TS_LEN 25		/* "2026-11-22T02:03:04.123Z " */

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/colony-logs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The file's content, or NULL if absent (malloc'd). */
static char *
slurp(const char *suffix, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/col/svc.log%s", dir, suffix);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

START_TEST(timestamp_format)
{
	char ts[32];

	ck_assert_int_eq(log_timestamp(0, ts, sizeof(ts)), TS_LEN);
	ck_assert_str_eq(ts, "1970-01-01T00:00:00.000Z ");
	log_timestamp(T0, ts, sizeof(ts));
	ck_assert_str_eq(ts, "2026-11-22T02:03:04.123Z ");
}
END_TEST

START_TEST(lines_are_split_and_stamped)
{
	struct log_writer *w = log_open(dir, "col", "svc", 0, 5);
	char *s;

	log_feed(w, "one\ntwo\n", 8, T0);
	log_feed(w, "\nthree\n", 7, T0 + 1000);
	log_close(w);
	s = slurp("", NULL);
	ck_assert_str_eq(s, "2026-11-22T02:03:04.123Z one\n"
	    "2026-11-22T02:03:04.123Z two\n"
	    "2026-11-22T02:03:05.123Z \n"
	    "2026-11-22T02:03:05.123Z three\n");
	free(s);
}
END_TEST

START_TEST(partial_lines_wait_for_newline_or_flush)
{
	struct log_writer *w = log_open(dir, "col", "svc", 0, 5);
	char *s;

	log_feed(w, "par", 3, T0);
	s = slurp("", NULL);
	ck_assert(s == NULL || s[0] == '\0');	/* nothing yet */
	free(s);
	log_feed(w, "tial\nnext", 9, T0 + 5);
	log_flush(w, T0 + 10);
	log_line(w, "colonyd: note", T0 + 20);
	log_close(w);
	s = slurp("", NULL);
	/* a line is stamped with the time its first byte came */
	ck_assert_str_eq(s, "2026-11-22T02:03:04.123Z partial\n"
	    "2026-11-22T02:03:04.128Z next\n"
	    "2026-11-22T02:03:04.143Z colonyd: note\n");
	free(s);
}
END_TEST

START_TEST(long_lines_are_chunked_not_dropped)
{
	struct log_writer *w = log_open(dir, "col", "svc", 0, 5);
	size_t n = 150000, len, lines = 0, total = 0;
	char *big = malloc(n + 1), *s, *p;

	memset(big, 'x', n);
	big[n] = '\n';
	/* fed in odd pieces, as a pipe delivers it */
	for (size_t off = 0; off < n + 1; off += 7001)
		log_feed(w, big + off, off + 7001 > n + 1 ? n + 1 - off : 7001, T0);
	log_close(w);
	s = slurp("", &len);
	for (p = s; *p; lines++) {
		char *nl = strchr(p, '\n');

		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_le((size_t)(nl - p) - TS_LEN, LOG_LINE_MAX);
		total += (size_t)(nl - p) - TS_LEN;
		p = nl + 1;
	}
	ck_assert_uint_eq(lines, 3);	/* 65536 + 65536 + 18928 */
	ck_assert_uint_eq(total, n);
	free(s);
	free(big);
}
END_TEST

START_TEST(rotation_keeps_a_contiguous_tail)
{
	struct log_writer *w = log_open(dir, "col", "svc", 1000, 3);
	const char *sfx[] = { ".3", ".2", ".1", "" };
	int expect = -1, last = -1;
	char line[32], *s;

	for (int i = 0; i < 300; i++) {
		int n = snprintf(line, sizeof(line), "line %d\n", i);

		log_feed(w, line, (size_t)n, T0 + (uint64_t)i);
	}
	log_close(w);
	s = slurp(".4", NULL);
	ck_assert_ptr_null(s);	/* log_keep = 3 */
	for (size_t f = 0; f < 4; f++) {
		size_t len;
		char *p;

		s = slurp(sfx[f], &len);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_le(len, 1000);
		for (p = s; *p; p = strchr(p, '\n') + 1) {
			int v;

			ck_assert_int_eq(sscanf(p + TS_LEN, "line %d", &v), 1);
			if (expect >= 0)
				ck_assert_int_eq(v, expect);
			expect = v + 1;
			last = v;
		}
		free(s);
	}
	ck_assert_int_eq(last, 299);
}
END_TEST

START_TEST(unwritable_dir_drops_without_crashing)
{
	struct log_writer *w = log_open("/proc/colony-no-such-dir", "col", "svc", 100, 2);

	ck_assert_ptr_nonnull(w);
	for (int i = 0; i < 50; i++)
		log_feed(w, "lost line\n", 10, T0 + (uint64_t)i);
	log_feed(w, "partial", 7, T0);
	log_close(w);
}
END_TEST

Suite *
logs_suite(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timestamp_format);
	tcase_add_test(tc, lines_are_split_and_stamped);
	tcase_add_test(tc, partial_lines_wait_for_newline_or_flush);
	tcase_add_test(tc, long_lines_are_chunked_not_dropped);
	tcase_add_test(tc, rotation_keeps_a_contiguous_tail);
	tcase_add_test(tc, unwritable_dir_drops_without_crashing);
	suite_add_tcase(s, tc);
	return s;
}
