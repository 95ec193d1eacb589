/* vmclone.c: clone3 with CLONE_VM on a private stack, so a spawn copies none of colonyd's page tables and execve has none to tear down. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "colonyd/child.h"
#include "colonyd/colonyd.h"
#include "supervisor/clonevm.h"

/*
 * posix_spawn shares the parent's memory too, but with CLONE_VFORK, which
 * would stop colonyd's loop until the child execs. Here colonyd goes on at
 * once, so the child (child.c) must keep to child.h's rules, and whatever
 * it reads must stay put until it is done with colonyd's memory: its
 * arguments are copied into the slot, and the slot holds a reference to the
 * service's launch (argv, environment, confinement). The slot is given back
 * when the error pipe reaches end-of-file (execve closed it after switching
 * to the new program's memory, or the child exited) or when the pidfd says
 * the child exited, whichever colonyd sees first.
 *
 * x86_64 only (child.h's raw system calls), and not under AddressSanitizer
 * (supervisor/clonevm.h); elsewhere clone3 copies the address space as fork
 * does.
 */
#if defined(__x86_64__) && CLONEVM
#define CD_VM_CLONE 1
#else
#define CD_VM_CLONE 0
#endif

#define CD_VM_STACK (64 * 1024)	/* the child uses a few kB (child.c) */
#define CD_VM_GUARD 4096	/* an overflow faults instead of writing into colonyd's memory */
#define CD_VM_SPARE 4		/* free slots kept for the next spawns */

struct cd_slot {
	struct cd_slot *next;		/* in cd->vm_free */
	char *map;			/* guard page, then the stack */
	struct cd_launch *launch;	/* pinned while the child may read it */
	struct cd_child child;		/* the child's own copy of its arguments */
};

#if CD_VM_CLONE
static void __attribute__((noreturn))
vm_child_entry(void *arg)
{
	cd_child_main(arg);
}

static struct cd_slot *
vm_slot_get(struct cd *cd)
{
	struct cd_slot *s = cd->vm_free;

	if (s != NULL) {
		cd->vm_free = s->next;
		cd->vm_n_free--;
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->map = mmap(NULL, CD_VM_GUARD + CD_VM_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s->map == MAP_FAILED || mprotect(s->map, CD_VM_GUARD, PROT_NONE) < 0) {
		if (s->map != MAP_FAILED)
			munmap(s->map, CD_VM_GUARD + CD_VM_STACK);
		free(s);
		return NULL;
	}
	return s;
}
#endif

static void
vm_slot_put(struct cd *cd, struct cd_slot *s)
{
	cd_launch_unref(s->launch);
	s->launch = NULL;
	if (cd->vm_n_free >= CD_VM_SPARE) {
		munmap(s->map, CD_VM_GUARD + CD_VM_STACK);
		free(s);
		return;
	}
	s->next = cd->vm_free;
	cd->vm_free = s;
	cd->vm_n_free++;
}

pid_t
cd_vm_clone(struct cd_svc *svc, struct cd_clone_args *a, const struct cd_child *c)
{
#if CD_VM_CLONE
	struct cd *cd = svc->cd;
	struct cd_slot *s = vm_slot_get(cd);
	long pid;

	if (s == NULL)
		return -1;	/* errno from malloc or mmap */
	s->child = *c;
	s->launch = svc->launch;
	svc->launch->refs++;
	a->flags |= CLONE_VM;
	a->stack = (uint64_t)(uintptr_t)(s->map + CD_VM_GUARD);
	a->stack_size = CD_VM_STACK;
	pid = clonevm_raw(a, sizeof(*a), vm_child_entry, &s->child);
	a->flags &= ~(uint64_t)CLONE_VM;
	a->stack = a->stack_size = 0;
	if (pid < 0) {
		vm_slot_put(cd, s);
		errno = (int)-pid;
		return -1;
	}
	svc->vm_slot = s;
	return (pid_t)pid;
#else
	(void)svc;
	(void)a;
	(void)c;
	errno = ENOSYS;
	return -1;
#endif
}

void
cd_vm_release(struct cd_svc *svc)
{
	if (svc->vm_slot == NULL)
		return;
	vm_slot_put(svc->cd, svc->vm_slot);
	svc->vm_slot = NULL;
}

/*
 * A service freed while its child may still run on the slot (only when
 * colonyd itself is going away): the slot and what it pins are left as
 * they are, since nothing tells when the child is done with them.
 */
void
cd_vm_abandon(struct cd_svc *svc)
{
	svc->vm_slot = NULL;
}

void
cd_vm_free_pool(struct cd *cd)
{
	while (cd->vm_free != NULL) {
		struct cd_slot *s = cd->vm_free;

		cd->vm_free = s->next;
		munmap(s->map, CD_VM_GUARD + CD_VM_STACK);
		free(s);
	}
	cd->vm_n_free = 0;
}
