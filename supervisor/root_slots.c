/* root_slots.c: low fd numbers lent to a colonyd spawn, so that its cost does not grow with the fds the root holds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/root.h"

/*
 * A plain clone copies the root's whole fd table (a socket and maybe a pidfd
 * per colony), and the child then closes all of it: about 7 ms per spawn with
 * 17,000 fds, against 0.4 ms with a few. Instead colonyd is cloned with
 * CLONE_FILES | CLONE_VFORK: it shares the root's table, and its first act is
 * close_range(keep, ~0U, CLOSE_RANGE_UNSHARE), which copies only fds below
 * `keep`. So what it needs (its socket end, the colony's netns, the root's
 * table of seccomp programs for --filters) is put first in three low slots
 * held from start-up; the root sleeps until colonyd has executed (as
 * posix_spawn's vfork does), then takes the slots back, so the root never
 * holds colonyd's end of the socket pair.
 */

/* At start-up, before the table fills: the three slots and the placeholder refilling them. */
void
slots_init(struct root *r)
{
	for (int i = 0; i < SLOTS_LENT + 1; i++)
		r->slot[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Slot i takes fd (-1: none, *cfd = -1); false if the dup fails. */
static bool
slots_put(struct root *r, int i, int fd, int *cfd)
{
	*cfd = -1;
	if (fd < 0)
		return true;
	if (dup3(fd, r->slot[i], O_CLOEXEC) < 0)
		return false;
	*cfd = r->slot[i];
	return true;
}

/*
 * Put the child's fds into the slots: fds[0] its socket end, fds[1] the
 * netns, fds[2] the seccomp table (-1: none); cfds gets the slot numbers and
 * *keep the first fd the child does not copy.
 */
bool
slots_lend(struct root *r, const int fds[SLOTS_LENT], int out[SLOTS_LENT], unsigned *keep)
{
	int top = -1, cfds[SLOTS_LENT];

	for (int i = 0; i < SLOTS_LENT + 1; i++)
		if (r->slot[i] < 0)
			return false;
	for (int i = 0; i < SLOTS_LENT; i++) {
		if (!slots_put(r, i, fds[i], &cfds[i])) {
			slots_return(r);
			return false;
		}
		if (r->slot[i] > top)
			top = r->slot[i];
	}
	/* The outputs are set only on success: else the caller passes its own fds, copied whole. */
	memcpy(out, cfds, sizeof(cfds));
	*keep = (unsigned)top + 1;
	return true;
}

/* The child has its own table now: the slots hold the placeholder again. */
void
slots_return(struct root *r)
{
	for (int i = 0; i < SLOTS_LENT; i++)
		if (r->slot[i] >= 0 && r->slot[SLOTS_LENT] >= 0)
			(void)dup3(r->slot[SLOTS_LENT], r->slot[i], O_CLOEXEC);
}

/*
 * In the child, after its setns (the netns may be in fd 4): its socket end to
 * fd 3 and the seccomp table (-1: none) to fd 4, both inheritable. Plain
 * syscalls only. Returns 0, or -1 with errno.
 */
int
slots_child_fds(int sock, int filters)
{
	/* Out of the way first, so neither dup2 overwrites the other's source. */
	if ((sock < 5 && (sock = fcntl(sock, F_DUPFD_CLOEXEC, 5)) < 0) ||
	    (filters >= 0 && filters < 5 && (filters = fcntl(filters, F_DUPFD_CLOEXEC, 5)) < 0))
		return -1;
	if (dup2(sock, 3) != 3 || (filters >= 0 && dup2(filters, 4) != 4))
		return -1;
	return 0;
}
