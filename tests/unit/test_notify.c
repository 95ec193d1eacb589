/* test_notify.c: Check cases for the sd_notify datagram parser (a table of messages and their fields). */
#include <check.h>
#include <string.h>

#include "colonyd/notify.h"

struct ncase {
	const char *in;
	int rc;
	bool ready, stopping, has_status;
	const char *status;
	pid_t mainpid;
	bool has_errno;
	int errno_value;
};

static const struct ncase cases[] = {
	{ "READY=1", 0, true, false, false, "", 0, false, 0 },
	{ "READY=1\n", 0, true, false, false, "", 0, false, 0 },
	{ "READY=0", 0, false, false, false, "", 0, false, 0 },
	{ "READY=11", 0, false, false, false, "", 0, false, 0 },
	{ "STATUS=Serving 3 clients\nREADY=1", 0, true, false, true, "Serving 3 clients", 0, false, 0 },
	{ "STATUS=", 0, false, false, true, "", 0, false, 0 },
	{ "STATUS=a=b", 0, false, false, true, "a=b", 0, false, 0 },
	{ "STOPPING=1", 0, false, true, false, "", 0, false, 0 },
	{ "MAINPID=4242", 0, false, false, false, "", 4242, false, 0 },
	{ "MAINPID=0", 0, false, false, false, "", 0, false, 0 },
	{ "MAINPID=-5", 0, false, false, false, "", 0, false, 0 },
	{ "MAINPID=12abc", 0, false, false, false, "", 0, false, 0 },
	{ "MAINPID=99999999999", 0, false, false, false, "", 0, false, 0 },
	{ "ERRNO=2", 0, false, false, false, "", 0, true, 2 },
	{ "ERRNO=x", 0, false, false, false, "", 0, false, 0 },
	{ "FDSTORE=1\nWATCHDOG=1\nX-CUSTOM=yes\nREADY=1", 0, true, false, false, "", 0, false, 0 },
	{ "garbage without equals\nREADY=1", 0, true, false, false, "", 0, false, 0 },
	{ "ready=1", 0, false, false, false, "", 0, false, 0 },	/* keys are case-sensitive */
	{ " READY=1", 0, false, false, false, "", 0, false, 0 },
	{ "", 0, false, false, false, "", 0, false, 0 },
	{ "\n\n\n", 0, false, false, false, "", 0, false, 0 },
	{ "STATUS=one\nSTATUS=two", 0, false, false, true, "two", 0, false, 0 },
};

START_TEST(table)
{
	const struct ncase *c = &cases[_i];
	struct notify_msg m;

	ck_assert_int_eq(notify_parse(c->in, strlen(c->in), &m), c->rc);
	ck_assert_msg(m.ready == c->ready, "ready for %s", c->in);
	ck_assert_msg(m.stopping == c->stopping, "stopping for %s", c->in);
	ck_assert_msg(m.has_status == c->has_status, "has_status for %s", c->in);
	ck_assert_str_eq(m.status, c->status);
	ck_assert_int_eq(m.mainpid, c->mainpid);
	ck_assert_int_eq(m.has_errno, c->has_errno);
	ck_assert_int_eq(m.errno_value, c->errno_value);
}
END_TEST

START_TEST(nul_byte_rejects_the_datagram)
{
	struct notify_msg m;

	ck_assert_int_eq(notify_parse("READY=1\0STATUS=x", 16, &m), -1);
	ck_assert(!m.ready);
}
END_TEST

START_TEST(oversized_is_rejected)
{
	static char big[NOTIFY_MSG_MAX + 2];
	struct notify_msg m;

	memset(big, 'a', sizeof(big));
	memcpy(big, "READY=1\n", 8);
	ck_assert_int_eq(notify_parse(big, sizeof(big), &m), -1);
	ck_assert_int_eq(notify_parse(big, NOTIFY_MSG_MAX, &m), 0);
	ck_assert(m.ready);
}
END_TEST

START_TEST(long_status_is_cut)
{
	static char msg[7 + 1000 + 1];
	struct notify_msg m;

	memcpy(msg, "STATUS=", 7);
	memset(msg + 7, 's', 1000);
	ck_assert_int_eq(notify_parse(msg, 1007, &m), 0);
	ck_assert_uint_eq(strlen(m.status), PROTO_STATUS_MAX);
}
END_TEST

START_TEST(no_terminator_needed)
{
	/* the parser never reads past len, even without a NUL or a newline */
	char buf[7] = { 'R', 'E', 'A', 'D', 'Y', '=', '1' };
	struct notify_msg m;

	ck_assert_int_eq(notify_parse(buf, sizeof(buf), &m), 0);
	ck_assert(m.ready);
	ck_assert_int_eq(notify_parse(buf, 6, &m), 0);
	ck_assert(!m.ready);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, nul_byte_rejects_the_datagram);
	tcase_add_test(tc, oversized_is_rejected);
	tcase_add_test(tc, long_status_is_cut);
	tcase_add_test(tc, no_terminator_needed);
	suite_add_tcase(s, tc);
	return s;
}
