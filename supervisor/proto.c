/* proto.c: encoders and the length-checked decoder of the root<->colonyd protocol. */
#include "supervisor/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bounded writer: every put checks room; a failed put poisons the writer. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool bad;
};

/* A bounded reader: every get checks what is left; a failed get poisons it. */
struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void
put_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (w->bad)
		return;
	if (w->len + n > PROTO_MSG_MAX) {
		w->bad = true;
		errno = EMSGSIZE;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		if ((p = realloc(w->p, cap)) == NULL) {
			w->bad = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
put_uint(struct wbuf *w, uint64_t v, size_t width)
{
	uint8_t b[8];

	for (size_t i = 0; i < width; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, width);
}

static void put_u8(struct wbuf *w, uint8_t v) { put_uint(w, v, 1); }
static void put_u16(struct wbuf *w, uint16_t v) { put_uint(w, v, 2); }
static void put_u32(struct wbuf *w, uint32_t v) { put_uint(w, v, 4); }
static void put_u64(struct wbuf *w, uint64_t v) { put_uint(w, v, 8); }
static void put_i32(struct wbuf *w, int32_t v) { put_uint(w, (uint32_t)v, 4); }

/* A string field: u16 length + bytes; longer than max is a caller error. */
static void
put_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || n > UINT16_MAX) {
		w->bad = true;
		errno = EMSGSIZE;
		return;
	}
	put_u16(w, (uint16_t)n);
	put_bytes(w, s, n);
}

static void
begin(struct wbuf *w, enum proto_type type)
{
	memset(w, 0, sizeof(*w));
	put_u32(w, 0);		/* patched by finish() */
	put_u16(w, PROTO_VERSION);
	put_u16(w, (uint16_t)type);
}

static ssize_t
finish(struct wbuf *w, uint8_t **out)
{
	if (w->bad) {
		free(w->p);
		*out = NULL;
		return -1;
	}
	for (size_t i = 0; i < 4; i++)
		w->p[i] = (uint8_t)(w->len >> (8 * i));
	*out = w->p;
	return (ssize_t)w->len;
}

ssize_t
proto_encode_hello(const struct proto_hello *m, uint8_t **out)
{
	struct wbuf w;

	begin(&w, PROTO_HELLO);
	put_u32(&w, m->version);
	put_i32(&w, m->pid);
	put_str(&w, m->colony, PROTO_NAME_MAX);
	return finish(&w, out);
}

ssize_t
proto_encode_service(const struct proto_service *m, uint8_t **out)
{
	struct wbuf w;

	begin(&w, PROTO_SERVICE);
	put_str(&w, m->name, PROTO_NAME_MAX);
	put_u8(&w, m->event);
	put_u8(&w, m->state);
	put_u8(&w, m->ready);
	put_i32(&w, m->pid);
	put_u32(&w, m->restarts);
	put_u64(&w, m->since_ms);
	put_u64(&w, m->time_ms);
	put_u8(&w, m->exit_kind);
	put_i32(&w, m->exit_value);
	put_str(&w, m->status, PROTO_STATUS_MAX);
	return finish(&w, out);
}

ssize_t
proto_encode_colony(const struct proto_colony *m, uint8_t **out)
{
	struct wbuf w;

	begin(&w, PROTO_COLONY);
	put_u8(&w, m->ready);
	put_u8(&w, m->event);
	put_u64(&w, m->time_ms);
	return finish(&w, out);
}

ssize_t
proto_encode_cmd(const struct proto_cmd *m, uint8_t **out)
{
	struct wbuf w;

	begin(&w, PROTO_CMD);
	put_u32(&w, m->id);
	put_u8(&w, m->op);
	put_i32(&w, m->signal);
	put_str(&w, m->name, PROTO_NAME_MAX);
	return finish(&w, out);
}

/* Long texts (reply, config) use a u32 length, checked against their own limit. */
static void
put_text(struct wbuf *w, const char *s, size_t n, size_t max)
{
	if (n > max) {
		w->bad = true;
		errno = EMSGSIZE;
		return;
	}
	put_u32(w, (uint32_t)n);
	put_bytes(w, s, n);
}

ssize_t
proto_encode_reply(const struct proto_reply *m, uint8_t **out)
{
	struct wbuf w;
	const char *t = m->text ? m->text : "";

	begin(&w, PROTO_REPLY);
	put_u32(&w, m->id);
	put_i32(&w, m->code);
	put_text(&w, t, strlen(t), PROTO_TEXT_MAX);
	return finish(&w, out);
}

ssize_t
proto_encode_config(const char *text, size_t len, uint8_t **out)
{
	struct wbuf w;

	begin(&w, PROTO_CONFIG);
	put_text(&w, text, len, PROTO_MSG_MAX - PROTO_HDR_LEN - 4);
	return finish(&w, out);
}

static uint64_t
get_uint(struct rbuf *r, size_t width)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < width) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += width;
	return v;
}

static uint8_t get_u8(struct rbuf *r) { return (uint8_t)get_uint(r, 1); }
static uint16_t get_u16(struct rbuf *r) { return (uint16_t)get_uint(r, 2); }
static uint32_t get_u32(struct rbuf *r) { return (uint32_t)get_uint(r, 4); }
static uint64_t get_u64(struct rbuf *r) { return get_uint(r, 8); }
static int32_t get_i32(struct rbuf *r) { return (int32_t)(uint32_t)get_uint(r, 4); }

/* A string field into a fixed buffer of max+1 bytes; NUL bytes inside are refused. */
static void
get_str(struct rbuf *r, char *dst, size_t max)
{
	uint16_t n = get_u16(r);

	dst[0] = '\0';
	if (r->bad || n > max || r->len - r->off < n || memchr(r->p + r->off, '\0', n)) {
		r->bad = true;
		return;
	}
	memcpy(dst, r->p + r->off, n);
	dst[n] = '\0';
	r->off += n;
}

static char *
get_text(struct rbuf *r, size_t max, size_t *lenp)
{
	uint32_t n = get_u32(r);
	char *s;

	if (r->bad || n > max || r->len - r->off < n || memchr(r->p + r->off, '\0', n)) {
		r->bad = true;
		return NULL;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	if (lenp)
		*lenp = n;
	return s;
}

static bool
valid_name(const char *s, bool empty_ok)
{
	if (*s == '\0')
		return empty_ok;
	for (const char *p = s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (p != s && strchr("_.-", *p));
		if (!ok)
			return false;
	}
	return true;
}

static const char *
decode_up(struct rbuf *r, struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_HELLO:
		m->u.hello.version = get_u32(r);
		m->u.hello.pid = get_i32(r);
		get_str(r, m->u.hello.colony, PROTO_NAME_MAX);
		if (!r->bad && !valid_name(m->u.hello.colony, false))
			return "bad colony name";
		return NULL;
	case PROTO_SERVICE: {
		struct proto_service *s = &m->u.service;

		get_str(r, s->name, PROTO_NAME_MAX);
		s->event = get_u8(r);
		s->state = get_u8(r);
		s->ready = get_u8(r);
		s->pid = get_i32(r);
		s->restarts = get_u32(r);
		s->since_ms = get_u64(r);
		s->time_ms = get_u64(r);
		s->exit_kind = get_u8(r);
		s->exit_value = get_i32(r);
		get_str(r, s->status, PROTO_STATUS_MAX);
		if (r->bad)
			return NULL;
		if (!valid_name(s->name, false))
			return "bad service name";
		if (s->event >= PROTO_EV_MAX_ || s->exit_kind >= PROTO_EXIT_MAX_ ||
		    s->state > 6 || s->ready > 1 || s->pid < 0)
			return "field out of range";
		return NULL;
	}
	case PROTO_COLONY:
		m->u.colony.ready = get_u8(r);
		m->u.colony.event = get_u8(r);
		m->u.colony.time_ms = get_u64(r);
		if (!r->bad && (m->u.colony.ready > 1 || m->u.colony.event >= PROTO_EV_MAX_))
			return "field out of range";
		return NULL;
	case PROTO_REPLY:
		m->u.reply.id = get_u32(r);
		m->u.reply.code = get_i32(r);
		m->u.reply.text = get_text(r, PROTO_TEXT_MAX, NULL);
		if (!r->bad && (m->u.reply.code < 0 || m->u.reply.code > 255))
			return "field out of range";
		return NULL;
	default:
		return "unexpected message type";
	}
}

static const char *
decode_down(struct rbuf *r, struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_CONFIG:
		m->u.config.text = get_text(r, PROTO_MSG_MAX, &m->u.config.len);
		return NULL;
	case PROTO_CMD:
		m->u.cmd.id = get_u32(r);
		m->u.cmd.op = get_u8(r);
		m->u.cmd.signal = get_i32(r);
		get_str(r, m->u.cmd.name, PROTO_NAME_MAX);
		if (r->bad)
			return NULL;
		if (m->u.cmd.op == 0 || m->u.cmd.op >= PROTO_OP_MAX_)
			return "unknown command";
		if (m->u.cmd.signal < 0 || m->u.cmd.signal > 64)
			return "bad signal";
		if (!valid_name(m->u.cmd.name, true))
			return "bad service name";
		return NULL;
	default:
		return "unexpected message type";
	}
}

int
proto_decode(const uint8_t *buf, size_t len, enum proto_dir allowed,
    struct proto_msg *m, char *err, size_t errlen)
{
	struct rbuf r = { .p = buf, .len = len };
	const char *why;
	uint32_t hlen;
	uint16_t version;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_HDR_LEN || len > PROTO_MSG_MAX) {
		snprintf(err, errlen, "bad message length %zu", len);
		return -1;
	}
	hlen = get_u32(&r);
	version = get_u16(&r);
	m->type = (enum proto_type)get_u16(&r);
	if (hlen != len) {
		snprintf(err, errlen, "length field %u does not match message length %zu", hlen, len);
		return -1;
	}
	if (version != PROTO_VERSION) {
		snprintf(err, errlen, "unsupported protocol version %u", version);
		return -1;
	}
	why = allowed == PROTO_DIR_UP ? decode_up(&r, m) : decode_down(&r, m);
	if (why == NULL && r.bad)
		why = "truncated message or field over its limit";
	if (why == NULL && r.off != len)
		why = "trailing bytes";
	if (why != NULL) {
		snprintf(err, errlen, "message type %d: %s", (int)m->type, why);
		proto_msg_clear(m);
		return -1;
	}
	return 0;
}

void
proto_msg_clear(struct proto_msg *m)
{
	if (m->type == PROTO_REPLY)
		free(m->u.reply.text);
	else if (m->type == PROTO_CONFIG)
		free(m->u.config.text);
	memset(m, 0, sizeof(*m));
}

const char *
proto_event_name(enum proto_event ev)
{
	static const char *const names[PROTO_EV_MAX_] = {
		"none", "spawned", "ready", "exited", "restarting", "backoff",
		"stopped", "failed", "gave_up", "reloaded", "upgraded",
	};

	return (unsigned)ev < PROTO_EV_MAX_ ? names[ev] : "unknown";
}

const char *
proto_op_name(enum proto_op op)
{
	static const char *const names[PROTO_OP_MAX_] = {
		"none", "start", "stop", "restart", "kill", "shutdown", "upgrade",
	};

	return (unsigned)op < PROTO_OP_MAX_ ? names[op] : "unknown";
}
