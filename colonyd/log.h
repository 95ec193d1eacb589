/* log.h: a service's log writer: lines from its pipe, timestamped, into a rotated file. */
#ifndef COLONYD_LOG_H
#define COLONYD_LOG_H

#include <stddef.h>
#include <stdint.h>

#define LOG_LINE_MAX (64 * 1024)	/* a longer line is split into chunks of this size */

struct log_writer;

/*
 * Open (lazily) log_dir/<colony>/<service>.log. Nothing fails here: a file
 * that cannot be opened or written is reported once on stderr, its lines are
 * dropped, and opening is retried at most once a second.
 */
struct log_writer *log_open(const char *log_dir, const char *colony, const char *service,
    uint64_t max_size, unsigned keep);
void log_set_limits(struct log_writer *w, uint64_t max_size, unsigned keep);
/* Bytes read from the pipe at unix time now_ms: complete lines are written,
   a partial one is kept (and cut at LOG_LINE_MAX). */
void log_feed(struct log_writer *w, const char *buf, size_t len, uint64_t now_ms);
/* The pipe closed or the instance ended: write a kept partial line with a newline. */
void log_flush(struct log_writer *w, uint64_t now_ms);
/* One whole line from colonyd itself (no newline needed). */
void log_line(struct log_writer *w, const char *text, uint64_t now_ms);
void log_close(struct log_writer *w);	/* flushes */
/* An upgrade hands the partial line over (log_feed puts it back): its bytes and first byte's time. */
size_t log_partial(const struct log_writer *w, const char **data, uint64_t *ms);
/* "2026-11-22T02:03:04.123Z " into out (at least 32 bytes); returns its length. */
size_t log_timestamp(uint64_t unix_ms, char *out, size_t outlen);

#endif
