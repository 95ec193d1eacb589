/* util.c: small helpers shared by both daemons and colonyctl: clocks, fds, JSON text. */
#include "supervisor/util.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
/* From the sanitizers' allocator_interface.h, which gcc's Debian packages lack. */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_heap_size(void);
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t util_mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
uint64_t util_real_ms(void) { return clock_ms(CLOCK_REALTIME); }

int
util_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

int
util_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

int
util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
str_reserve(struct util_str *s, size_t extra)
{
	size_t want = s->len + extra + 1;
	char *p;

	if (want <= s->cap)
		return 0;
	if (want < s->cap * 2)
		want = s->cap * 2;
	if (want < 64)
		want = 64;
	p = realloc(s->p, want);
	if (p == NULL)
		return -1;
	s->p = p;
	s->cap = want;
	return 0;
}

int
util_str_add(struct util_str *s, const char *text, size_t len)
{
	if (str_reserve(s, len) < 0)
		return -1;
	memcpy(s->p + s->len, text, len);
	s->len += len;
	s->p[s->len] = '\0';
	return 0;
}

int
util_str_printf(struct util_str *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || str_reserve(s, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
	return 0;
}

int
util_vfmt(char *buf, size_t size, size_t room, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size - 1, fmt, ap);

	if (n < 0)
		return -1;
	if ((size_t)n > size - room)
		n = (int)(size - room);
	return n;
}

int
util_str_json(struct util_str *s, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	if (util_str_add(s, "\"", 1) < 0)
		return -1;
	for (; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			if (util_str_add(s, esc, 2) < 0)
				return -1;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			if (util_str_add(s, esc, 6) < 0)
				return -1;
		} else if (util_str_add(s, (const char *)p, 1) < 0) {
			return -1;
		}
	}
	return util_str_add(s, "\"", 1);
}

void
util_str_free(struct util_str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
}

void
util_format_uptime(uint64_t secs, char *out, size_t outlen)
{
	if (secs >= 86400)
		snprintf(out, outlen, "%llud%lluh", (unsigned long long)(secs / 86400),
		    (unsigned long long)(secs % 86400 / 3600));
	else if (secs >= 3600)
		snprintf(out, outlen, "%lluh%llum", (unsigned long long)(secs / 3600),
		    (unsigned long long)(secs % 3600 / 60));
	else if (secs >= 60)
		snprintf(out, outlen, "%llum%llus", (unsigned long long)(secs / 60),
		    (unsigned long long)(secs % 60));
	else
		snprintf(out, outlen, "%llus", (unsigned long long)secs);
}

ssize_t
util_read_file(const char *path, char *buf, size_t buflen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off + 1 < buflen) {
		ssize_t n = read(fd, buf + off, buflen - 1 - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	close(fd);
	return (ssize_t)off;
}

int
util_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc, saved;

	if (fd < 0)
		return -1;
	rc = util_write_all(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
util_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Usually only the last component or two are missing: start from the end,
	   so an existing parent costs one mkdir, not one per component. */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash == NULL || slash == buf)
		return -1;	/* ENOENT for a first component: nothing to create above it */
	*slash = '\0';
	if (util_mkdir_p(buf, mode) < 0)
		return -1;
	return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

/*
 * Both daemons run for months, and their RSS must stay flat. glibc raises its
 * mmap threshold to the size of any mmapped block that is freed (up to 32 MB),
 * so after the first large reply (status --json or metrics of a few hundred
 * colonies) every later one came from the heap, where it pushed the top up
 * past long-lived objects allocated meanwhile: RSS rose in steps of a reply.
 * With a fixed threshold (which also fixes the trim threshold at its default),
 * a block of 64 kB or more that finds no free room in the heap gets a mapping
 * of its own, returned when freed, instead of growing the heap: replies, log
 * and message buffers. The heap's size is then set by small objects and the
 * peak of a reload (two configurations at once), and it stays put.
 */
#define UTIL_MMAP_THRESHOLD (64 * 1024)

void
util_heap_setup(void)
{
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, UTIL_MMAP_THRESHOLD);
#endif
}


/*
 * Loading a configuration makes and frees thousands of small pieces (the
 * result is one block, config/compact.c), and a reload then frees the old
 * block: give the pages that are now free back, or whatever the heap places
 * there next (a buffer of which little is used) keeps them resident.
 */
void
util_heap_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* What the allocator hands out (in use) and holds from the kernel (heap plus own mappings). */
void
util_heap_stats(size_t *inuse, size_t *held)
{
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's allocator replaces glibc's: ask it. */
	*inuse = __sanitizer_get_current_allocated_bytes();
	*held = __sanitizer_get_heap_size();
#elif defined(__GLIBC__)
	struct mallinfo2 mi = mallinfo2();

	*inuse = mi.uordblks + mi.hblkhd;
	*held = mi.arena + mi.hblkhd;
#else
	*inuse = *held = 0;
#endif
}
