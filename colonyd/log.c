/* log.c: writes a service's output to log_dir/<colony>/<service>.log, one timestamped line per line, rotated by size. */
#define _GNU_SOURCE
#include "colonyd/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/util.h"

#define LOG_OUT_MAX (256 * 1024)	/* batch of formatted lines per write(2) */
#define LOG_TS_MAX 32

struct log_writer {
	char *dir;		/* log_dir/<colony> */
	char *path;		/* .../<service>.log, with room for ".N" */
	size_t path_len;
	char *name;		/* "colony/service" for warnings */
	int fd;
	uint64_t size;		/* bytes in the current file */
	uint64_t max_size;
	unsigned keep;
	char *part;		/* a line still waiting for its newline */
	size_t part_len;
	uint64_t part_ms;	/* when its first byte came */
	char *out;		/* formatted lines not yet written */
	size_t out_len;
	bool warned;
	uint64_t retry_ms;	/* no open attempt before this */
	time_t ts_sec;		/* cache of the seconds part of the timestamp */
	char ts_text[LOG_TS_MAX];
};

size_t
log_timestamp(uint64_t unix_ms, char *out, size_t outlen)
{
	time_t sec = (time_t)(unix_ms / 1000);
	struct tm tm;
	size_t n;
	int m;

	if (gmtime_r(&sec, &tm) == NULL || outlen < 26)
		return 0;
	n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
	m = snprintf(out + n, outlen - n, ".%03uZ ", (unsigned)(unix_ms % 1000));
	return n + (size_t)m;
}

/* The timestamp with the seconds part cached: most lines share a second. */
static size_t
log_stamp(struct log_writer *w, uint64_t ms, char *out)
{
	time_t sec = (time_t)(ms / 1000);
	int m;

	if (sec != w->ts_sec || w->ts_text[0] == '\0') {
		struct tm tm;

		if (gmtime_r(&sec, &tm) == NULL)
			return 0;
		strftime(w->ts_text, sizeof(w->ts_text), "%Y-%m-%dT%H:%M:%S", &tm);
		w->ts_sec = sec;
	}
	m = snprintf(out, LOG_TS_MAX, "%s.%03uZ ", w->ts_text, (unsigned)(ms % 1000));
	return (size_t)m;
}

static void
log_warn(struct log_writer *w, const char *what)
{
	if (w->warned)
		return;
	w->warned = true;
	fprintf(stderr, "colonyd: %s: log %s: %s: %s (lines dropped until it works)\n",
	    w->name, w->path, what, strerror(errno));
}

struct log_writer *
log_open(const char *log_dir, const char *colony, const char *service,
    uint64_t max_size, unsigned keep)
{
	struct log_writer *w = calloc(1, sizeof(*w));
	size_t dl = strlen(log_dir) + strlen(colony) + 2;

	if (w == NULL)
		return NULL;
	w->fd = -1;
	w->dir = malloc(dl);
	w->path_len = dl + strlen(service) + 5;
	w->path = malloc(w->path_len + 16);
	w->name = malloc(strlen(colony) + strlen(service) + 2);
	/* part and out come with the first output: a quiet service never holds them. */
	if (!w->dir || !w->path || !w->name) {
		log_close(w);
		return NULL;
	}
	snprintf(w->dir, dl, "%s/%s", log_dir, colony);
	snprintf(w->path, w->path_len + 16, "%s/%s.log", w->dir, service);
	w->path_len = strlen(w->path);
	sprintf(w->name, "%s/%s", colony, service);
	log_set_limits(w, max_size, keep);
	return w;
}

void
log_set_limits(struct log_writer *w, uint64_t max_size, unsigned keep)
{
	w->max_size = max_size;
	w->keep = keep > 9999 ? 9999 : keep;
}

static bool
log_ensure_open(struct log_writer *w, uint64_t now_ms)
{
	struct stat st;

	if (w->fd >= 0)
		return true;
	if (now_ms < w->retry_ms)
		return false;
	w->retry_ms = now_ms + 1000;
	if (util_mkdir_p(w->dir, 0755) < 0) {
		log_warn(w, "mkdir");
		return false;
	}
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (w->fd < 0) {
		log_warn(w, "open");
		return false;
	}
	w->size = fstat(w->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	w->warned = false;
	return true;
}

/* Write the batch; what cannot be written is dropped (full disk, I/O error). */
static void
log_write_out(struct log_writer *w, uint64_t now_ms)
{
	if (w->out_len == 0)
		return;
	if (log_ensure_open(w, now_ms)) {
		size_t off = 0;

		while (off < w->out_len) {
			ssize_t n = write(w->fd, w->out + off, w->out_len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				log_warn(w, "write");
				break;
			}
			off += (size_t)n;
		}
		w->size += off;
	}
	w->out_len = 0;
}

/* .log -> .1 -> ... -> .keep; the oldest is replaced by rename(2). */
static void
log_rotate(struct log_writer *w, uint64_t now_ms)
{
	char *from = malloc(w->path_len + 16);
	char *to = malloc(w->path_len + 16);

	if (from == NULL || to == NULL)
		goto out;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->keep == 0) {
		unlink(w->path);
	} else {
		for (unsigned i = w->keep - 1; i >= 1; i--) {
			snprintf(from, w->path_len + 16, "%s.%u", w->path, i);
			snprintf(to, w->path_len + 16, "%s.%u", w->path, i + 1);
			rename(from, to);
		}
		snprintf(to, w->path_len + 16, "%s.1", w->path);
		rename(w->path, to);
	}
	w->retry_ms = 0;
	w->size = 0;
	log_ensure_open(w, now_ms);
out:
	free(from);
	free(to);
}

/* Append one line (without its newline) to the batch, rotating first if needed. */
static void
log_emit(struct log_writer *w, const char *data, size_t len, uint64_t ms)
{
	char ts[LOG_TS_MAX];
	size_t tl = log_stamp(w, ms, ts);
	size_t need = tl + len + 1;

	if (w->max_size > 0 && w->size + w->out_len + need > w->max_size &&
	    w->size + w->out_len > 0) {
		log_write_out(w, ms);
		if (w->size > 0)
			log_rotate(w, ms);
	}
	if (w->out_len + need > LOG_OUT_MAX)
		log_write_out(w, ms);
	if (w->out == NULL && (w->out = malloc(LOG_OUT_MAX)) == NULL) {
		log_warn(w, "buffer");
		return;
	}
	memcpy(w->out + w->out_len, ts, tl);
	memcpy(w->out + w->out_len + tl, data, len);
	w->out[w->out_len + tl + len] = '\n';
	w->out_len += need;
}

void
log_feed(struct log_writer *w, const char *buf, size_t len, uint64_t now_ms)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t seg = nl ? (size_t)(nl - buf) : len;

		if (w->part_len == 0 && nl != NULL && seg <= LOG_LINE_MAX) {
			log_emit(w, buf, seg, now_ms);	/* the common case: no copy */
		} else if (w->part == NULL && (w->part = malloc(LOG_LINE_MAX)) == NULL) {
			/* No memory to hold a partial line: the piece is a line of its own. */
			size_t take = seg < LOG_LINE_MAX ? seg : LOG_LINE_MAX;

			log_emit(w, buf, take, now_ms);
			if (take < seg) {
				buf += take;
				len -= take;
				continue;
			}
		} else {
			size_t room, take;

			if (w->part_len == 0)
				w->part_ms = now_ms;
			room = LOG_LINE_MAX - w->part_len;
			take = seg < room ? seg : room;
			memcpy(w->part + w->part_len, buf, take);
			w->part_len += take;
			/* cppcheck-suppress knownConditionTrueFalse ; part_len carries over from the last call */
			if (w->part_len == LOG_LINE_MAX || (nl != NULL && take == seg)) {
				log_emit(w, w->part, w->part_len, w->part_ms);
				w->part_len = 0;
			}
			/* cppcheck-suppress knownConditionTrueFalse ; so room can be less than seg */
			if (take < seg) {	/* the rest of an overlong line comes next */
				buf += take;
				len -= take;
				continue;
			}
		}
		if (nl == NULL)
			break;
		buf += seg + 1;
		len -= seg + 1;
	}
	log_write_out(w, now_ms);
}

void
log_flush(struct log_writer *w, uint64_t now_ms)
{
	if (w->part_len > 0) {
		log_emit(w, w->part, w->part_len, w->part_ms);
		w->part_len = 0;
	}
	log_write_out(w, now_ms);
}

void
log_line(struct log_writer *w, const char *text, uint64_t now_ms)
{
	log_flush(w, now_ms);
	log_emit(w, text, strnlen(text, LOG_LINE_MAX), now_ms);
	log_write_out(w, now_ms);
}

void
log_close(struct log_writer *w)
{
	if (w == NULL)
		return;
	log_flush(w, util_real_ms());
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w->path);
	free(w->name);
	free(w->part);
	free(w->out);
	free(w);
}

size_t
log_partial(const struct log_writer *w, const char **data, uint64_t *ms)
{
	*data = w->part;
	*ms = w->part_ms;
	return w->part_len;
}
