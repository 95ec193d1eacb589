/* fdbudget.h: the root's rule for giving a colonyd a pidfd within RLIMIT_NOFILE (pure arithmetic). */
#ifndef COLONY_FDBUDGET_H
#define COLONY_FDBUDGET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Every colonyd holds one protocol socket in the root; a pidfd is a second fd,
 * so it is given only while it fits. The reserve is for everything else: control
 * clients, cgroup.events watches of colonies being cleaned up, and the spawn
 * path's short-lived fds (socket pair, cgroup dir, netns, netlink).
 */
#define FDB_RESERVE_MIN 64u

static inline uint64_t
fdb_reserve(uint64_t soft)
{
	return FDB_RESERVE_MIN + soft / 8;
}

/* One more pidfd fits when pidfds + 1, one socket per configured colony and the
   reserve stay within the soft RLIMIT_NOFILE. */
static inline bool
fdb_pidfd_fits(uint64_t pidfds, uint64_t colonies, uint64_t soft)
{
	uint64_t need = pidfds + 1 + colonies + fdb_reserve(soft);

	return need <= soft;
}

#endif
