/* clonevm.h: clone3 with CLONE_VM, the child starting on a stack of its own: a spawn that copies none of the caller's page tables. */
#ifndef COLONY_CLONEVM_H
#define COLONY_CLONEVM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A fork copies the caller's page tables and turns every page the caller
 * writes afterwards into a copy-on-write fault, only for the child to throw
 * it all away at execve. With CLONE_VM the child borrows the caller's memory
 * instead, on a stack of its own, until its execve.
 *
 * CLONEVM is 1 where this build can do it (x86_64 and aarch64, without
 * AddressSanitizer, whose bookkeeping cannot follow a second process on a
 * borrowed stack); elsewhere both calls fail with ENOSYS and the caller forks.
 */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(__SANITIZE_ADDRESS__)
#define CLONEVM 1
#else
#define CLONEVM 0
#endif

/*
 * The raw clone3 system call with args (a struct clone_args of size bytes,
 * whose flags, stack and stack_size the caller has set). Returns the child's
 * pid or -errno, and never touches errno. The child calls fn(arg) on the new
 * stack; fn must not return.
 */
long clonevm_raw(void *args, size_t size, void (*fn)(void *), void *arg);

/*
 * posix_spawn's way: CLONE_VM | CLONE_VFORK | flags, on a stack kept for the
 * process's life. The caller sleeps until the child has called execve or
 * _exit: a wait bounded by the child's few system calls. fn must not return
 * or allocate, must block no lock another thread may hold, and must leave
 * the caller's memory as it found it but for what it means to hand back
 * (errno is shared: read it in the child, not after). Signals that would run
 * a handler of the caller's must be blocked. pidfd and cgroup are as in
 * struct clone_args (cgroup < 0: none). Returns the pid, or -1 with errno.
 */
pid_t clonevm(uint64_t flags, int exit_signal, int *pidfd, int cgroup, void (*fn)(void *), void *arg);

#endif
