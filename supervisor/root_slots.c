/* root_slots.c: low fd numbers lent to a colonyd spawn, so that its cost does not grow with the fds the root holds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "supervisor/root.h"

/*
 * A plain clone copies the root's whole fd table (a socket and maybe a pidfd
 * per colony), and the child then closes all of it: about 7 ms per spawn with
 * 17,000 fds, against 0.4 ms with a few. Instead colonyd is cloned with
 * CLONE_FILES | CLONE_VFORK: it shares the root's table, and its first act is
 * close_range(keep, ~0U, CLOSE_RANGE_UNSHARE), which copies only fds below
 * `keep`. So what it needs (its socket end, the colony's netns) is put first
 * in two low slots held from start-up; the root sleeps until colonyd has
 * executed (as posix_spawn's vfork does), then takes the slots back, so the
 * root never holds colonyd's end of the socket pair.
 */

/* At start-up, before the table fills: the two slots and the placeholder refilling them. */
void
slots_init(struct root *r)
{
	for (int i = 0; i < 3; i++)
		r->slot[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Put sock and ns (-1: none) into the slots; *keep is the first fd the child does not copy.
   The outputs are set only on success: else the caller passes its own fds, copied whole. */
bool
slots_lend(struct root *r, int sock, int ns, int *csock, int *cns, unsigned *keep)
{
	if (r->slot[0] < 0 || r->slot[1] < 0 || r->slot[2] < 0 ||
	    dup3(sock, r->slot[0], O_CLOEXEC) < 0)
		return false;
	if (ns >= 0 && dup3(ns, r->slot[1], O_CLOEXEC) < 0) {
		slots_return(r);
		return false;
	}
	*csock = r->slot[0];
	*cns = ns >= 0 ? r->slot[1] : -1;
	*keep = (unsigned)(r->slot[0] > r->slot[1] ? r->slot[0] : r->slot[1]) + 1;
	return true;
}

/* The child has its own table now: the slots hold the placeholder again. */
void
slots_return(struct root *r)
{
	for (int i = 0; i < 2; i++)
		if (r->slot[i] >= 0 && r->slot[2] >= 0)
			(void)dup3(r->slot[2], r->slot[i], O_CLOEXEC);
}
