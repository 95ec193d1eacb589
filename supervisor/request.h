/* request.h: the control socket's request framing (doc/CONTRACTS.md) as a pure parser, shared by the root, its unit tests and the fuzzer. */
#ifndef COLONY_REQUEST_H
#define COLONY_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#define CTL_REQ_MAX (64 * 1024)	/* bytes of arguments in one request */
#define CTL_ARGS_MAX 4096		/* arguments in one request */

/*
 * frame holds the len bytes received so far: a u32 little-endian length of at
 * most CTL_REQ_MAX, then that many bytes of NUL-terminated arguments; bytes
 * after the request are ignored. argv has room for max + 1 pointers.
 * Returns 0 while more bytes are needed; argc >= 1 once the request is
 * complete, with argv[0..argc-1] pointing into frame and argv[argc] NULL; or
 * -1 with the reason in err when the request is malformed (too large, not
 * NUL-terminated, empty, or more than max arguments).
 */
int ctl_parse_request(const uint8_t *frame, size_t len, char **argv, int max, char *err,
    size_t errlen);

#endif
