/* request.c: parses one control-socket request (u32 LE length, then NUL-terminated arguments) without any I/O. */
#include <stdio.h>
#include <string.h>

#include "supervisor/request.h"

int
ctl_parse_request(const uint8_t *frame, size_t len, char **argv, int max, char *err,
    size_t errlen)
{
	const char *p = (const char *)frame + 4;
	uint32_t want;
	int argc = 0;

	if (len < 4)
		return 0;
	want = frame[0] | frame[1] << 8 | frame[2] << 16 | (uint32_t)frame[3] << 24;
	/* Refused as soon as the header is in: the rest would only fill the buffer. */
	if (want > CTL_REQ_MAX) {
		snprintf(err, errlen, "request too large");
		return -1;
	}
	if (len - 4 < want)
		return 0;
	if (want == 0 || p[want - 1] != '\0') {
		snprintf(err, errlen, "malformed request");
		return -1;
	}
	for (size_t i = 0; i < want; i += strlen(p + i) + 1) {
		if (argc == max) {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
		argv[argc++] = (char *)p + i;	/* cmd_run's argv is not const; nothing writes to it */
	}
	argv[argc] = NULL;
	return argc;
}
