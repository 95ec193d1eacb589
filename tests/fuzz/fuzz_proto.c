/* fuzz_proto.c: libFuzzer harness for proto_decode in one direction (FUZZ_DIR), with an encode/decode round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/proto.h"

#ifndef FUZZ_DIR
#error "build with -DFUZZ_DIR=PROTO_DIR_UP or -DFUZZ_DIR=PROTO_DIR_DOWN"
#endif

/* A failed invariant must crash so that libFuzzer saves the input. */
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static ssize_t
encode(const struct proto_msg *m, uint8_t **out)
{
	switch (m->type) {
	case PROTO_HELLO: return proto_encode_hello(&m->u.hello, out);
	case PROTO_SERVICE: return proto_encode_service(&m->u.service, out);
	case PROTO_COLONY: return proto_encode_colony(&m->u.colony, out);
	case PROTO_REPLY: return proto_encode_reply(&m->u.reply, out);
	case PROTO_CMD: return proto_encode_cmd(&m->u.cmd, out);
	case PROTO_CONFIG: return proto_encode_config(m->u.config.text, m->u.config.len, out);
	}
	CHECK(!"decoder accepted an unknown type");
	return -1;
}

/* Field by field: the union has padding and pointers, so memcmp would lie. */
static void
check_same(const struct proto_msg *a, const struct proto_msg *b)
{
	CHECK(a->type == b->type);
	switch (a->type) {
	case PROTO_HELLO:
		CHECK(a->u.hello.version == b->u.hello.version);
		CHECK(a->u.hello.pid == b->u.hello.pid);
		CHECK(strcmp(a->u.hello.colony, b->u.hello.colony) == 0);
		break;
	case PROTO_SERVICE: {
		const struct proto_service *x = &a->u.service, *y = &b->u.service;

		CHECK(strcmp(x->name, y->name) == 0 && strcmp(x->status, y->status) == 0);
		CHECK(x->event == y->event && x->state == y->state && x->ready == y->ready);
		CHECK(x->pid == y->pid && x->restarts == y->restarts);
		CHECK(x->since_ms == y->since_ms && x->time_ms == y->time_ms);
		CHECK(x->exit_kind == y->exit_kind && x->exit_value == y->exit_value);
		break;
	}
	case PROTO_COLONY:
		CHECK(a->u.colony.ready == b->u.colony.ready);
		CHECK(a->u.colony.event == b->u.colony.event);
		CHECK(a->u.colony.time_ms == b->u.colony.time_ms);
		break;
	case PROTO_REPLY:
		CHECK(a->u.reply.id == b->u.reply.id && a->u.reply.code == b->u.reply.code);
		CHECK(a->u.reply.text != NULL && b->u.reply.text != NULL);
		CHECK(strcmp(a->u.reply.text, b->u.reply.text) == 0);
		break;
	case PROTO_CMD:
		CHECK(a->u.cmd.id == b->u.cmd.id && a->u.cmd.op == b->u.cmd.op);
		CHECK(a->u.cmd.signal == b->u.cmd.signal);
		CHECK(strcmp(a->u.cmd.name, b->u.cmd.name) == 0);
		break;
	case PROTO_CONFIG:
		CHECK(a->u.config.len == b->u.config.len);
		CHECK(memcmp(a->u.config.text, b->u.config.text, a->u.config.len) == 0);
		CHECK(b->u.config.text[b->u.config.len] == '\0');
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m, again;
	char err[256];
	uint8_t *buf;
	ssize_t n;

	if (proto_decode(data, size, FUZZ_DIR, &m, err, sizeof(err)) != 0) {
		/* A refusal must say why and leave nothing allocated. */
		CHECK(err[0] != '\0');
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	n = encode(&m, &buf);
	CHECK(n >= PROTO_HDR_LEN);
	/* The wire format is canonical, so an accepted message re-encodes to itself. */
	CHECK((size_t)n == size && memcmp(buf, data, size) == 0);
	CHECK(proto_decode(buf, (size_t)n, FUZZ_DIR, &again, err, sizeof(err)) == 0);
	check_same(&m, &again);
	proto_msg_clear(&again);
	proto_msg_clear(&m);
	free(buf);
	return 0;
}
