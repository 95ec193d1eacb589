/* handover.c: writing and reading the versioned state document handed across exec (see handover.h). */
#define _GNU_SOURCE
#include "supervisor/handover.h"
#include "supervisor/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void
hov_header(struct hov_w *w, const char *magic, unsigned version)
{
	w->oom |= util_str_printf(&w->s, "%s %u\n", magic, version);
}

void
hov_rec(struct hov_w *w, const char *kind)
{
	w->oom |= util_str_add(&w->s, kind, strlen(kind));
}

void
hov_u64(struct hov_w *w, const char *key, uint64_t v)
{
	w->oom |= util_str_printf(&w->s, " %s=%" PRIu64, key, v);
}

void
hov_i64(struct hov_w *w, const char *key, int64_t v)
{
	w->oom |= util_str_printf(&w->s, " %s=%" PRId64, key, v);
}

/* Spaces, '=', '%', control and non-ASCII bytes are escaped: a value is one token. */
void
hov_str(struct hov_w *w, const char *key, const char *v)
{
	w->oom |= util_str_printf(&w->s, " %s=", key);
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%' || *p == '=' || *p == ',')
			w->oom |= util_str_printf(&w->s, "%%%02X", *p);
		else
			w->oom |= util_str_add(&w->s, (const char *)p, 1);
	}
}

void
hov_u64s(struct hov_w *w, const char *key, const uint64_t *v, unsigned n)
{
	w->oom |= util_str_printf(&w->s, " %s=", key);
	for (unsigned i = 0; i < n; i++)
		w->oom |= util_str_printf(&w->s, i ? ",%" PRIu64 : "%" PRIu64, v[i]);
}

void
hov_eol(struct hov_w *w)
{
	w->oom |= util_str_add(&w->s, "\n", 1);
}

int
hov_memfd(struct hov_w *w)
{
	int fd;

	fd = util_str_add(&w->s, "end\n", 4) != 0 || w->oom ? -1 :
	    memfd_create("colony-handover", MFD_CLOEXEC);
	if (fd >= 0 && (util_write_all(fd, w->s.p, w->s.len) != 0 || lseek(fd, 0, SEEK_SET) != 0)) {
		close(fd);
		fd = -1;
	}
	util_str_free(&w->s);
	w->oom = false;
	return fd;
}

char *
hov_load(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);

	if (buf == NULL)
		return NULL;
	for (;;) {
		ssize_t n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			char *b = realloc(buf, cap * 2 + 1);
			if (b == NULL) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

static char *
next_line(char **cursor)
{
	char *l = *cursor, *nl;

	if (l == NULL || *l == '\0')
		return NULL;
	nl = strchr(l, '\n');
	if (nl == NULL)
		return NULL;	/* no newline: truncated */
	*nl = '\0';
	*cursor = nl + 1;
	return l;
}

int
hov_open(char **cursor, const char *magic, unsigned max_version, unsigned *version)
{
	char *l = next_line(cursor), *sp;
	unsigned long v;

	if (l == NULL || (sp = strchr(l, ' ')) == NULL)
		return -1;
	*sp = '\0';
	if (strcmp(l, magic) != 0)
		return -1;
	errno = 0;
	v = strtoul(sp + 1, NULL, 10);
	if (errno != 0 || v == 0 || v > max_version)
		return -1;
	*version = (unsigned)v;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* %XX in place; -1 on a bad escape or an embedded NUL. */
static int
unescape(char *v)
{
	char *o = v;

	for (char *p = v; *p != '\0'; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*o++ = (char)(hi * 16 + lo);
		p += 2;
	}
	*o = '\0';
	return 0;
}

int
hov_next(char **cursor, struct hov_line *l)
{
	char *line = next_line(cursor), *save = NULL, *tok;

	if (line == NULL)
		return -1;
	memset(l, 0, sizeof(*l));
	l->kind = strtok_r(line, " ", &save);
	if (l->kind == NULL)
		return -1;
	if (strcmp(l->kind, "end") == 0)
		return 0;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		if (eq == NULL || l->n == HOV_KEYS_MAX)
			return -1;
		*eq = '\0';
		if (unescape(eq + 1) != 0)
			return -1;
		l->key[l->n] = tok;
		l->val[l->n++] = eq + 1;
	}
	return 1;
}

const char *
hov_get(const struct hov_line *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->key[i], key) == 0)
			return l->val[i];
	return NULL;
}

int
hov_get_u64(const struct hov_line *l, const char *key, uint64_t *v)
{
	const char *s = hov_get(l, key);
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

int
hov_get_i64(const struct hov_line *l, const char *key, int64_t *v)
{
	const char *s = hov_get(l, key);
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

int
hov_get_int(const struct hov_line *l, const char *key, int *v)
{
	int64_t x;

	if (hov_get_i64(l, key, &x) != 0 || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*v = (int)x;
	return 0;
}

int
hov_get_u64s(const struct hov_line *l, const char *key, uint64_t **v, unsigned *n)
{
	const char *s = hov_get(l, key);
	unsigned cnt = 1;

	*v = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	if (*s == '\0')
		return 0;
	for (const char *p = s; *p; p++)
		cnt += *p == ',';
	*v = malloc(cnt * sizeof(**v));
	if (*v == NULL)
		return -1;
	for (unsigned i = 0; i < cnt; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			goto bad;
		errno = 0;
		(*v)[i] = strtoull(s, &end, 10);
		if (errno != 0 || (*end != ',' && *end != '\0'))
			goto bad;
		s = end + (*end == ',');
	}
	*n = cnt;
	return 0;
bad:
	free(*v);
	*v = NULL;
	return -1;
}

int
hov_keep_fd(int fd, bool keep)
{
	return fd < 0 ? 0 : fcntl(fd, F_SETFD, keep ? 0 : FD_CLOEXEC);
}

bool
hov_fd_ok(int fd)
{
	return fd > 2 && fcntl(fd, F_GETFD) >= 0;
}

void
hov_eng_child(struct hov_w *w, const struct eng_child *ch)
{
	struct eng_child_export x;

	eng_child_export(ch, &x);
	hov_u64(w, "e_state", x.state);
	hov_u64(w, "e_timer", x.timer);
	hov_u64(w, "e_goal", x.goal);
	hov_u64(w, "e_since", x.since_ms);
	hov_u64(w, "e_spawn", x.spawn_ms);
	hov_u64(w, "e_delay", x.delay_ms);
	hov_u64(w, "e_pending", x.pending_ms);
	hov_u64(w, "e_fails", x.fails);
	hov_u64(w, "e_restarts", x.restarts);
	hov_u64(w, "e_alive", x.alive);
	hov_u64(w, "e_cleaning", x.cleaning);
	hov_u64(w, "e_empty", x.empty);
	hov_u64(w, "e_in_group", x.in_group);
	hov_u64(w, "e_notify", x.notify);
	hov_u64s(w, "e_budget", x.budget, x.n_budget);
	free(x.budget);
}

int
hov_get_eng_child(const struct hov_line *l, struct eng_child_export *x)
{
	static const char *const keys[] = { "e_state", "e_timer", "e_goal", "e_since", "e_spawn",
	    "e_delay", "e_pending", "e_fails", "e_restarts", "e_alive", "e_cleaning", "e_empty",
	    "e_in_group", "e_notify" };
	uint64_t v[sizeof(keys) / sizeof(keys[0])];

	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (hov_get_u64(l, keys[i], &v[i]) != 0)
			return -1;
	if (v[0] > ENG_FAILED || v[1] > ENG_TIMER_READY || v[2] > 16 || v[7] > UINT32_MAX ||
	    v[8] > UINT32_MAX)
		return -1;
	x->state = (enum eng_state)v[0];
	x->timer = (enum eng_timer)v[1];
	x->goal = (unsigned)v[2];
	x->since_ms = v[3];
	x->spawn_ms = v[4];
	x->delay_ms = v[5];
	x->pending_ms = v[6];
	x->fails = (unsigned)v[7];
	x->restarts = (unsigned)v[8];
	x->alive = v[9] != 0;
	x->cleaning = v[10] != 0;
	x->empty = v[11] != 0;
	x->in_group = v[12] != 0;
	x->notify = v[13] != 0;
	return hov_get_u64s(l, "e_budget", &x->budget, &x->n_budget);
}
