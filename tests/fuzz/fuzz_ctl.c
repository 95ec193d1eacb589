/* fuzz_ctl.c: libFuzzer harness for the control socket's request parser (supervisor/request.c), checked against a reference reading of the contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/request.h"

/*
 * The framing is doc/CONTRACTS.md's: a u32 LE length <= 64 KiB, then that many
 * bytes of NUL-terminated arguments, at most 4096 of them. The root calls
 * ctl_parse_request after every recv() with the bytes so far, so the harness
 * parses a prefix as well as the whole input (the first byte picks the prefix)
 * and each copy sits in a buffer of exactly its size, so ASan catches a read
 * past the bytes received.
 */

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define REQ_MAX (64 * 1024)	/* from the contract, not from request.h */
#define ARGS_MAX 4096

/* What the contract says must happen to these bytes. */
enum outcome { NOTHING, RUN, ERROR };

static enum outcome
reference(const uint8_t *d, size_t n, size_t *argc)
{
	uint32_t len;

	*argc = 0;
	if (n < 4)
		return NOTHING;
	len = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
	if (len > REQ_MAX)
		return ERROR;
	if (n - 4 < len)
		return NOTHING;
	if (len == 0 || d[4 + len - 1] != '\0')
		return ERROR;
	for (size_t i = 0; i < len; i++)
		*argc += d[4 + i] == '\0';
	return *argc > ARGS_MAX ? ERROR : RUN;
}

/* Parses n bytes of d from a buffer of exactly n bytes; checks the result against the reference. */
static void
parse_check(const uint8_t *d, size_t n)
{
	static char *argv[ARGS_MAX + 1];
	uint8_t *buf = malloc(n ? n : 1);
	char err[64] = "";
	size_t want_argc, off = 0;
	enum outcome expect = reference(d, n, &want_argc);
	int argc;

	CHECK(buf != NULL);
	memcpy(buf, d, n);
	argc = ctl_parse_request(buf, n, argv, ARGS_MAX, err, sizeof(err));
	if (expect == NOTHING)
		CHECK(argc == 0);
	else if (expect == ERROR)
		CHECK(argc == -1 && err[0] != '\0');
	else {
		CHECK(argc >= 1 && (size_t)argc == want_argc && argv[argc] == NULL);
		/* The arguments, in order, are exactly the request's bytes. */
		for (int i = 0; i < argc; i++) {
			size_t len = strlen(argv[i]);

			CHECK((uint8_t *)argv[i] == buf + 4 + off);
			off += len + 1;
		}
		CHECK(off == (size_t)(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24));
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t prefix;

	if (size < 1 || size > 4 + REQ_MAX + 64)
		return 0;
	/* The first byte picks how much had arrived at an earlier recv(), in 255ths. */
	data++, size--;
	prefix = data[-1] * size / 255;
	parse_check(data, prefix);
	parse_check(data, size);
	return 0;
}
