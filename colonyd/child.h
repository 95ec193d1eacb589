/* child.h: what runs in a new service process before execve: raw syscalls that never touch errno, and messages built without stdio or malloc. */
#ifndef COLONYD_CHILD_H
#define COLONYD_CHILD_H

/*
 * On x86_64 the child shares colonyd's memory until execve (CLONE_VM, see
 * vmclone.c): it runs concurrently with colonyd's loop, so it must not write
 * errno (colonyd's thread-local errno), call malloc or stdio, or read
 * anything colonyd may change meanwhile. Every system call below returns
 * -errno instead of setting errno. Elsewhere the child is a forked copy and
 * the same code goes through syscall(2).
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define CD_CHILD_RAW 1
static inline long
cd_sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
	    : "=a"(ret)
	    : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
}
#else
#define CD_CHILD_RAW 0
/* A forked child: errno is its own. */
static inline long
cd_sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long r = syscall(n, a1, a2, a3, a4, a5, a6);

	return r == -1 ? -errno : r;
}
#endif

static inline long
cd_sys(long n, long a1, long a2, long a3)
{
	return cd_sys6(n, a1, a2, a3, 0, 0, 0);
}

static inline long
cd_prctl(long op, long a2, long a3)
{
	return cd_sys6(SYS_prctl, op, a2, a3, 0, 0, 0);
}

static inline void __attribute__((noreturn))
cd_sys_exit(int code)
{
	for (;;)
		cd_sys(SYS_exit_group, code, 0, 0);
}

/* A message into a caller's buffer, always NUL-terminated, silently truncated. */
struct cd_msg {
	char *buf;
	size_t size;
	size_t len;
};

static inline void
cd_msg_put(struct cd_msg *m, const char *s)
{
	while (*s != '\0' && m->len + 1 < m->size)
		m->buf[m->len++] = *s++;
	if (m->size > 0)
		m->buf[m->len] = '\0';
}

static inline void
cd_msg_num(struct cd_msg *m, unsigned long long v)
{
	char digits[24];
	size_t i = sizeof(digits) - 1;

	digits[i] = '\0';
	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && i > 0);
	cd_msg_put(m, digits + i);
}

/*
 * Ends the message with ": <errno text>" and returns -1. strerrordesc_np
 * only indexes glibc's static table, unlike strerror, which may translate
 * and allocate.
 */
static inline int
cd_msg_errno(struct cd_msg *m, int errnum)
{
	const char *desc = strerrordesc_np(errnum);

	cd_msg_put(m, ": ");
	if (desc != NULL) {
		cd_msg_put(m, desc);
	} else {
		cd_msg_put(m, "errno ");
		cd_msg_num(m, (unsigned long long)errnum);
	}
	return -1;
}

struct confine;

/* Everything the child needs, copied by colonyd before the clone; nothing here changes until the child execs or exits. */
struct cd_child {
	const struct confine *confine;
	char *const *argv;
	char *const *envp;
	const char *exe;	/* argv[0] resolved through PATH, or NULL: search in the child */
	uint64_t bset;		/* colonyd's bounding set (confine_bounding_set) */
	int devnull;
	int out;		/* fd for stdout and stderr, or -1 to keep colonyd's */
	int readyfd;		/* write end of the fd:N pipe, or -1 */
	int ready_n;		/* N of ready = fd:N, or -1 */
	int errfd;		/* write end of the error pipe (CLOEXEC) */
	bool attach_all;	/* fork fallback: join the cgroup ourselves */
	char procs_path[700];	/* its v2 cgroup.procs */
};

/* The child's whole life: set-up, confinement, execve; reports any failure on errfd and exits 127. */
void cd_child_main(struct cd_child *c) __attribute__((noreturn));

#endif
