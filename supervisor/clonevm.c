/* clonevm.c: clone3 with CLONE_VM, through a few lines of assembly, since the child must start on a stack of its own. */
#define _GNU_SOURCE
#include "supervisor/clonevm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CLONEVM_VM 0x00000100ULL	/* CLONE_VM */
#define CLONEVM_VFORK 0x00004000ULL	/* CLONE_VFORK */
#define CLONEVM_STACK (64 * 1024)	/* only the pages the child touches become resident */
#define CLONEVM_GUARD 4096		/* an overflow faults instead of writing into our memory */

/* struct clone_args of linux/sched.h (version 2, with cgroup), without its clashes with <sched.h>. */
struct clonevm_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
	    tls, set_tid, set_tid_size, cgroup;
};

#if CLONEVM
/* fn and arg ride in registers that the system call keeps, in both processes. */
#if defined(__x86_64__)
__asm__(
    ".pushsection .text\n"
    ".p2align 4\n"
    ".globl clonevm_raw\n"
    ".hidden clonevm_raw\n"
    ".type clonevm_raw,@function\n"
    "clonevm_raw:\n"
    "	mov %rdx, %r8\n"
    "	mov %rcx, %r9\n"
    "	mov $435, %eax\n"	/* __NR_clone3 */
    "	syscall\n"
    "	test %rax, %rax\n"
    "	jz 1f\n"
    "	ret\n"
    "1:	xor %ebp, %ebp\n"
    "	mov %r9, %rdi\n"
    "	call *%r8\n"
    "	hlt\n"
    ".size clonevm_raw, .-clonevm_raw\n"
    ".popsection\n");
#else
__asm__(
    ".pushsection .text\n"
    ".p2align 4\n"
    ".globl clonevm_raw\n"
    ".hidden clonevm_raw\n"
    ".type clonevm_raw,%function\n"
    "clonevm_raw:\n"
    "	mov x4, x2\n"
    "	mov x5, x3\n"
    "	mov x8, #435\n"	/* __NR_clone3 */
    "	svc #0\n"
    "	cbz x0, 1f\n"
    "	ret\n"
    "1:	mov x29, xzr\n"
    "	mov x30, xzr\n"
    "	mov x0, x5\n"
    "	blr x4\n"
    "	brk #1\n"
    ".size clonevm_raw, .-clonevm_raw\n"
    ".popsection\n");
#endif

pid_t
clonevm(uint64_t flags, int exit_signal, int *pidfd, int cgroup, void (*fn)(void *), void *arg)
{
	/* One stack serves every spawn: with CLONE_VFORK only one child at a time runs on it. */
	static char *map;
	struct clonevm_args a;
	long rc;

	if (map == NULL) {
		char *m = mmap(NULL, CLONEVM_GUARD + CLONEVM_STACK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);

		if (m == MAP_FAILED)
			return -1;
		if (mprotect(m, CLONEVM_GUARD, PROT_NONE) != 0) {
			munmap(m, CLONEVM_GUARD + CLONEVM_STACK);
			return -1;
		}
		map = m;
	}
	memset(&a, 0, sizeof(a));
	a.flags = flags | CLONEVM_VM | CLONEVM_VFORK;
	a.pidfd = (uint64_t)(uintptr_t)pidfd;
	a.exit_signal = (uint64_t)exit_signal;
	a.stack = (uint64_t)(uintptr_t)(map + CLONEVM_GUARD);
	a.stack_size = CLONEVM_STACK;
	a.cgroup = cgroup >= 0 ? (uint64_t)cgroup : 0;
	rc = clonevm_raw(&a, sizeof(a), fn, arg);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (pid_t)rc;
}

#else

long
clonevm_raw(void *args, size_t size, void (*fn)(void *), void *arg)
{
	(void)args;
	(void)size;
	(void)fn;
	(void)arg;
	return -ENOSYS;
}

pid_t
clonevm(uint64_t flags, int exit_signal, int *pidfd, int cgroup, void (*fn)(void *), void *arg)
{
	(void)flags;
	(void)exit_signal;
	(void)pidfd;
	(void)cgroup;
	(void)fn;
	(void)arg;
	errno = ENOSYS;
	return -1;
}

#endif
