/* util.h: small helpers shared by both daemons and colonyctl: clocks, fds, JSON text. */
#ifndef COLONY_UTIL_H
#define COLONY_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t util_mono_ms(void);		/* CLOCK_MONOTONIC in ms */
uint64_t util_real_ms(void);		/* unix time in ms */
int util_set_nonblock(int fd);
int util_set_cloexec(int fd);
/* write all of buf to a blocking fd, retrying EINTR; 0 or -1 */
int util_write_all(int fd, const void *buf, size_t len);
/* Append JSON-escaped s, with quotes, to a growable string. */
struct util_str {
	char *p;
	size_t len, cap;
};
int util_str_add(struct util_str *s, const char *text, size_t len);
int util_str_printf(struct util_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int util_str_json(struct util_str *s, const char *text);	/* "..." escaped */
void util_str_free(struct util_str *s);
/*
 * vsnprintf into buf (at most size - 2 characters), then the length clamped to
 * size - room so the caller can still add room - 1 characters; -1 on error.
 */
int util_vfmt(char *buf, size_t size, size_t room, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* "3d4h", "5m12s", "45s" from seconds */
void util_format_uptime(uint64_t secs, char *out, size_t outlen);
/* Read a small file into buf (NUL-terminated); returns length or -1 */
ssize_t util_read_file(const char *path, char *buf, size_t buflen);
/* Write a string to a file (O_WRONLY, no create); 0 or -1 */
int util_write_file(const char *path, const char *text);
/* mkdir -p with mode; 0 or -1 */
int util_mkdir_p(const char *path, mode_t mode);
/* The daemons' malloc settings, at start (see util.c for why). */
void util_heap_setup(void);
void util_heap_trim(void);
/* Bytes malloc has handed out and not had back, and bytes it holds from the kernel (0 without glibc). */
void util_heap_stats(size_t *inuse, size_t *held);

#endif
