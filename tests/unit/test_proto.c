/* test_proto.c: the root<->colonyd protocol round-trips, and the decoder refuses every malformed message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/proto.h"

static char err[256];

START_TEST(service_round_trip)
{
	struct proto_service s = { .event = PROTO_EV_EXITED, .state = 3, .ready = 1, .pid = 4242,
		.restarts = 7, .since_ms = 1700000000123ULL, .time_ms = 1700000000456ULL,
		.exit_kind = PROTO_EXIT_SIGNAL, .exit_value = 9 };
	struct proto_msg m;
	uint8_t *buf;
	ssize_t n;

	strcpy(s.name, "nginx");
	strcpy(s.status, "serving 3 clients");
	n = proto_encode_service(&s, &buf);
	ck_assert_int_gt(n, PROTO_HDR_LEN);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.type, PROTO_SERVICE);
	ck_assert_mem_eq(&m.u.service, &s, sizeof(s));
	proto_msg_clear(&m);
	free(buf);
}
END_TEST

START_TEST(hello_colony_round_trip)
{
	struct proto_hello h = { .version = PROTO_VERSION, .pid = 1 };
	struct proto_colony c = { .ready = 1, .event = PROTO_EV_GAVE_UP, .time_ms = 99 };
	struct proto_msg m;
	uint8_t *buf;
	ssize_t n;

	strcpy(h.colony, "web-1.a_b");
	n = proto_encode_hello(&h, &buf);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), 0);
	ck_assert_str_eq(m.u.hello.colony, "web-1.a_b");
	ck_assert_int_eq(m.u.hello.pid, 1);
	free(buf);
	n = proto_encode_colony(&c, &buf);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.u.colony.event, PROTO_EV_GAVE_UP);
	ck_assert_int_eq(m.u.colony.time_ms, 99);
	free(buf);
}
END_TEST

START_TEST(cmd_reply_config_round_trip)
{
	struct proto_cmd c = { .id = 12, .op = PROTO_OP_KILL, .signal = 15 };
	struct proto_reply r = { .id = 12, .code = 4, .text = "no such service" };
	const char *cfg = "[colony a]\nstrategy = one_for_all\n";
	struct proto_msg m;
	uint8_t *buf;
	ssize_t n;

	strcpy(c.name, "db");
	n = proto_encode_cmd(&c, &buf);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_DOWN, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.u.cmd.op, PROTO_OP_KILL);
	ck_assert_str_eq(m.u.cmd.name, "db");
	free(buf);
	n = proto_encode_reply(&r, &buf);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), 0);
	ck_assert_str_eq(m.u.reply.text, "no such service");
	ck_assert_int_eq(m.u.reply.code, 4);
	proto_msg_clear(&m);
	free(buf);
	n = proto_encode_config(cfg, strlen(cfg), &buf);
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_DOWN, &m, err, sizeof(err)), 0);
	ck_assert_str_eq(m.u.config.text, cfg);
	ck_assert_uint_eq(m.u.config.len, strlen(cfg));
	proto_msg_clear(&m);
	free(buf);
}
END_TEST

/* Every prefix of a valid message is refused: truncation is always caught. */
START_TEST(truncated_refused)
{
	struct proto_service s = { .pid = 1 };
	struct proto_msg m;
	uint8_t *buf;
	ssize_t n;

	strcpy(s.name, "x");
	n = proto_encode_service(&s, &buf);
	for (ssize_t len = 0; len < n; len++) {
		uint8_t *copy = malloc((size_t)len + 1);

		memcpy(copy, buf, (size_t)len);
		/* fix the length field so only the payload is short */
		if (len >= 4) {
			copy[0] = (uint8_t)len; copy[1] = (uint8_t)(len >> 8);
			copy[2] = copy[3] = 0;
		}
		ck_assert_int_eq(proto_decode(copy, (size_t)len, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
		free(copy);
	}
	free(buf);
}
END_TEST

START_TEST(header_checks)
{
	struct proto_hello h = { .version = 1, .pid = 5 };
	struct proto_msg m;
	uint8_t *buf;
	ssize_t n;

	strcpy(h.colony, "a");
	n = proto_encode_hello(&h, &buf);
	buf[4] = 2;	/* version */
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "version"));
	buf[4] = 1;
	buf[0]++;	/* length field */
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
	buf[0]--;
	/* a down message is refused by the root */
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_DOWN, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unexpected"));
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), 0);
	free(buf);
}
END_TEST

START_TEST(trailing_and_bad_fields)
{
	struct proto_service s = { .pid = 1 };
	struct proto_msg m;
	uint8_t *buf, *big;
	ssize_t n;

	strcpy(s.name, "ok");
	n = proto_encode_service(&s, &buf);
	big = calloc(1, (size_t)n + 1);
	memcpy(big, buf, (size_t)n);
	big[0] = (uint8_t)(n + 1);
	ck_assert_int_eq(proto_decode(big, (size_t)n + 1, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "trailing"));
	/* a name with a slash, and an event out of range */
	buf[10] = '/';
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
	buf[10] = 'o';
	buf[12] = PROTO_EV_MAX_;
	ck_assert_int_eq(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)), -1);
	free(big);
	free(buf);
}
END_TEST

START_TEST(encode_limits)
{
	struct proto_service s = { 0 };
	uint8_t *buf;
	char *huge = malloc(PROTO_MSG_MAX + 1);

	memset(s.name, 'a', sizeof(s.name));	/* no NUL: over the limit */
	ck_assert_int_eq(proto_encode_service(&s, &buf), -1);
	memset(huge, 'x', PROTO_MSG_MAX);
	huge[PROTO_MSG_MAX] = '\0';
	ck_assert_int_eq(proto_encode_config(huge, PROTO_MSG_MAX, &buf), -1);
	free(huge);
}
END_TEST

/* Random bytes never crash the decoder (a cheap stand-in until the fuzzer runs). */
START_TEST(random_bytes)
{
	struct proto_msg m;
	uint8_t buf[512];

	srand(42);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand();
		if (len >= 8) {
			buf[0] = (uint8_t)len; buf[1] = (uint8_t)(len >> 8); buf[2] = buf[3] = 0;
			buf[4] = 1; buf[5] = 0;
			buf[6] = (uint8_t)(rand() % 3 ? 64 + rand() % 4 : 1 + rand() % 2); buf[7] = 0;
		}
		if (proto_decode(buf, len, rand() % 2 ? PROTO_DIR_UP : PROTO_DIR_DOWN, &m, err, sizeof(err)) == 0)
			proto_msg_clear(&m);
	}
}
END_TEST

Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_test(tc, service_round_trip);
	tcase_add_test(tc, hello_colony_round_trip);
	tcase_add_test(tc, cmd_reply_config_round_trip);
	tcase_add_test(tc, truncated_refused);
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, trailing_and_bad_fields);
	tcase_add_test(tc, encode_limits);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return s;
}
