/* test_ctl_request.c: the control socket's request parser (supervisor/request.c): partial input, arguments, and every refusal. */
#include <check.h>
#include <string.h>

#include "supervisor/request.h"

static uint8_t frame[4 + CTL_REQ_MAX + 16];
static char *argv[CTL_ARGS_MAX + 2];
static char err[64];

/* Puts a request of len argument bytes into frame; returns the whole frame's size. */
static size_t
mk(const char *args, size_t len)
{
	frame[0] = (uint8_t)len;
	frame[1] = (uint8_t)(len >> 8);
	frame[2] = (uint8_t)(len >> 16);
	frame[3] = (uint8_t)(len >> 24);
	if (args != NULL)
		memcpy(frame + 4, args, len);
	err[0] = '\0';
	return 4 + len;
}

static int
parse(size_t len)
{
	return ctl_parse_request(frame, len, argv, CTL_ARGS_MAX, err, sizeof(err));
}

START_TEST(test_complete)
{
	size_t n = mk("status\0web\0--json", 18);

	ck_assert_int_eq(parse(n), 3);
	ck_assert_str_eq(argv[0], "status");
	ck_assert_str_eq(argv[1], "web");
	ck_assert_str_eq(argv[2], "--json");
	ck_assert_ptr_null(argv[3]);
	ck_assert_ptr_eq(argv[0], (char *)frame + 4);
	/* Bytes after the request do not matter. */
	memcpy(frame + n, "junk", 4);
	ck_assert_int_eq(parse(n + 4), 3);
}
END_TEST

START_TEST(test_partial)
{
	size_t n = mk("status\0", 7);

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(parse(i), 0);
	ck_assert_int_eq(parse(n), 1);
}
END_TEST

START_TEST(test_empty_arguments)
{
	/* An empty string is still an argument: "" then "x". */
	ck_assert_int_eq(parse(mk("\0x", 3)), 2);
	ck_assert_str_eq(argv[0], "");
	ck_assert_str_eq(argv[1], "x");
}
END_TEST

START_TEST(test_malformed)
{
	ck_assert_int_eq(parse(mk(NULL, 0)), -1);
	ck_assert_str_eq(err, "malformed request");
	ck_assert_int_eq(parse(mk("status", 6)), -1);
	ck_assert_str_eq(err, "malformed request");
}
END_TEST

START_TEST(test_too_large)
{
	/* Refused from the header alone, before the body arrives. */
	mk(NULL, CTL_REQ_MAX + 1);
	ck_assert_int_eq(parse(4), -1);
	ck_assert_str_eq(err, "request too large");
	/* The largest allowed request is accepted. */
	memset(frame + 4, 'a', CTL_REQ_MAX - 1);
	frame[4 + CTL_REQ_MAX - 1] = '\0';
	mk(NULL, CTL_REQ_MAX);
	ck_assert_int_eq(parse(4 + CTL_REQ_MAX - 1), 0);
	ck_assert_int_eq(parse(4 + CTL_REQ_MAX), 1);
	ck_assert_uint_eq(strlen(argv[0]), CTL_REQ_MAX - 1);
}
END_TEST

START_TEST(test_argument_count)
{
	/* CTL_ARGS_MAX empty arguments pass; one more is refused. */
	memset(frame + 4, 0, CTL_ARGS_MAX + 1);
	ck_assert_int_eq(parse(mk(NULL, CTL_ARGS_MAX)), CTL_ARGS_MAX);
	ck_assert_ptr_null(argv[CTL_ARGS_MAX]);
	ck_assert_int_eq(parse(mk(NULL, CTL_ARGS_MAX + 1)), -1);
	ck_assert_str_eq(err, "too many arguments");
	/* A smaller max is the caller's bound, not CTL_ARGS_MAX. */
	ck_assert_int_eq(ctl_parse_request(frame, mk("a\0b\0c", 6), argv, 2, err, sizeof(err)), -1);
	ck_assert_int_eq(ctl_parse_request(frame, mk("a\0b", 4), argv, 2, err, sizeof(err)), 2);
}
END_TEST

Suite *
ctl_request_suite(void)
{
	Suite *s = suite_create("ctl_request");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_complete);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_empty_arguments);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_argument_count);
	suite_add_tcase(s, tc);
	return s;
}
