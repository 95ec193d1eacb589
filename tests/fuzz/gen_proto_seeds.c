/* gen_proto_seeds.c: writes real encoded protocol messages as seed corpora (cc -I. tests/fuzz/gen_proto_seeds.c supervisor/proto.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/proto.h"

/* Writes one seed; usage: gen_proto_seeds UP_DIR DOWN_DIR. */
static void
emit(const char *dir, const char *name, ssize_t n, uint8_t *buf)
{
	char path[512];
	FILE *f;

	if (n < 0) {
		fprintf(stderr, "encode %s failed\n", name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, (size_t)n, f) != (size_t)n ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(buf);
}

/* Arguments are evaluated in no fixed order, so encode before reading buf. */
#define EMIT(dir, name, call) do { ssize_t n_ = (call); emit((dir), (name), n_, buf); } while (0)

int
main(int argc, char **argv)
{
	struct proto_hello h = { .version = PROTO_VERSION, .pid = 1, .colony = "web" };
	struct proto_service s = { .name = "nginx", .event = PROTO_EV_EXITED, .state = 3,
		.ready = 1, .pid = 4242, .restarts = 7, .since_ms = 1700000000123ULL,
		.time_ms = 1700000000456ULL, .exit_kind = PROTO_EXIT_SIGNAL, .exit_value = 9,
		.status = "serving 3 clients" };
	struct proto_service s2 = { .name = "db.main-1", .event = PROTO_EV_READY, .state = 1,
		.ready = 1, .pid = 17 };
	struct proto_colony c = { .ready = 1, .event = PROTO_EV_GAVE_UP, .time_ms = 99 };
	struct proto_reply r = { .id = 12, .code = 4, .text = "no such service" };
	struct proto_reply r0 = { .id = 0, .code = 0, .text = NULL };
	struct proto_cmd k = { .id = 12, .op = PROTO_OP_KILL, .signal = 15, .name = "nginx" };
	struct proto_cmd all = { .id = 3, .op = PROTO_OP_SHUTDOWN, .name = "" };
	const char *cfg = "[colony a]\nstrategy = one_for_all\n\n[service a/x]\ncommand = /bin/true\n";
	uint8_t *buf;

	if (argc != 3) {
		fprintf(stderr, "usage: %s UP_DIR DOWN_DIR\n", argv[0]);
		return 100;
	}
	EMIT(argv[1], "hello", proto_encode_hello(&h, &buf));
	EMIT(argv[1], "service-exited", proto_encode_service(&s, &buf));
	EMIT(argv[1], "service-ready", proto_encode_service(&s2, &buf));
	EMIT(argv[1], "colony-gave-up", proto_encode_colony(&c, &buf));
	EMIT(argv[1], "reply", proto_encode_reply(&r, &buf));
	EMIT(argv[1], "reply-empty", proto_encode_reply(&r0, &buf));
	EMIT(argv[2], "cmd-kill", proto_encode_cmd(&k, &buf));
	EMIT(argv[2], "cmd-shutdown", proto_encode_cmd(&all, &buf));
	EMIT(argv[2], "config", proto_encode_config(cfg, strlen(cfg), &buf));
	EMIT(argv[2], "config-empty", proto_encode_config("", 0, &buf));
	return 0;
}
