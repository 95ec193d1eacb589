/* fuzz_notify.c: libFuzzer harness for colonyd's sd_notify parser, checking that what it keeps fits the root protocol. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colonyd/notify.h"
#include "supervisor/proto.h"

/* A failed invariant must crash so that libFuzzer saves the input. */
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* A STATUS= text travels up to the root in PROTO_SERVICE: the decoder must accept it. */
static void
check_status_travels(const char *status)
{
	struct proto_service s = { .name = "svc", .state = 1 };
	struct proto_msg m;
	char err[256];
	uint8_t *buf;
	ssize_t n;

	memcpy(s.status, status, strlen(status) + 1);
	n = proto_encode_service(&s, &buf);
	CHECK(n > 0);
	CHECK(proto_decode(buf, (size_t)n, PROTO_DIR_UP, &m, err, sizeof(err)) == 0);
	CHECK(strcmp(m.u.service.status, status) == 0);
	proto_msg_clear(&m);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the datagram. */
	char *buf = malloc(size ? size : 1);
	struct notify_msg m;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (notify_parse(buf, size, &m) == 0) {
		CHECK(size <= NOTIFY_MSG_MAX && memchr(data, '\0', size) == NULL);
		CHECK(memchr(m.status, '\0', sizeof(m.status)) != NULL);
		CHECK(strlen(m.status) <= PROTO_STATUS_MAX);
		CHECK(strchr(m.status, '\n') == NULL);
		CHECK(m.has_status || m.status[0] == '\0');
		CHECK(m.mainpid >= 0);
		CHECK(!m.has_errno || (m.errno_value >= 0 && m.errno_value <= 4095));
		check_status_travels(m.status);
	}
	free(buf);
	return 0;
}
