/* notify.h: the sd_notify datagram parser (pure: bytes in, fields out; fuzzed). */
#ifndef COLONYD_NOTIFY_H
#define COLONYD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "supervisor/proto.h"

#define NOTIFY_MSG_MAX 4096	/* a larger datagram is ignored */

struct notify_msg {
	bool ready;		/* READY=1 */
	bool stopping;		/* STOPPING=1 */
	bool has_status;
	char status[PROTO_STATUS_MAX + 1];	/* STATUS=, cut at PROTO_STATUS_MAX bytes */
	pid_t mainpid;		/* MAINPID=, 0 if absent */
	bool has_errno;
	int errno_value;	/* ERRNO= */
};

/*
 * Parse newline-separated KEY=VALUE assignments. Unknown keys, lines without
 * '=' and malformed numbers are ignored; a NUL byte or a message over
 * NOTIFY_MSG_MAX rejects the whole datagram. Returns 0, or -1 if rejected.
 */
int notify_parse(const char *buf, size_t len, struct notify_msg *m);

#endif
