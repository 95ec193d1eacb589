/* notify.c: parses sd_notify datagrams (READY, STATUS, STOPPING, MAINPID, ERRNO) into a struct. */
#include "colonyd/notify.h"

#include <limits.h>
#include <string.h>

/* A decimal in [0, max]; no sign, no spaces, no leading garbage. */
static int
notify_number(const char *s, size_t len, long max, long *out)
{
	long v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static bool
notify_key(const char *line, size_t klen, const char *key)
{
	return strlen(key) == klen && memcmp(line, key, klen) == 0;
}

static void
notify_assign(const char *line, size_t len, struct notify_msg *m)
{
	const char *eq = memchr(line, '=', len);
	const char *val;
	size_t klen, vlen;
	long n;

	if (eq == NULL)
		return;
	klen = (size_t)(eq - line);
	val = eq + 1;
	vlen = len - klen - 1;
	if (notify_key(line, klen, "READY")) {
		if (vlen == 1 && val[0] == '1')
			m->ready = true;
	} else if (notify_key(line, klen, "STOPPING")) {
		if (vlen == 1 && val[0] == '1')
			m->stopping = true;
	} else if (notify_key(line, klen, "STATUS")) {
		if (vlen > PROTO_STATUS_MAX)
			vlen = PROTO_STATUS_MAX;
		memcpy(m->status, val, vlen);
		m->status[vlen] = '\0';
		m->has_status = true;
	} else if (notify_key(line, klen, "MAINPID")) {
		if (notify_number(val, vlen, INT_MAX, &n) == 0 && n > 0)
			m->mainpid = (pid_t)n;
	} else if (notify_key(line, klen, "ERRNO")) {
		if (notify_number(val, vlen, 4095, &n) == 0) {
			m->errno_value = (int)n;
			m->has_errno = true;
		}
	}
}

int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len > NOTIFY_MSG_MAX || memchr(buf, '\0', len) != NULL)
		return -1;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t ll = nl ? (size_t)(nl - buf) : len;

		notify_assign(buf, ll, m);
		if (nl == NULL)
			break;
		buf += ll + 1;
		len -= ll + 1;
	}
	return 0;
}
