/* privs.c: colonyd gives up, once its colony is set up, every capability neither it nor its services need. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "colonyd/colonyd.h"
#include "colonyd/confine.h"

#define PRIVS_BIT(c) (UINT64_C(1) << (c))

/*
 * What colonyd's own work needs after set-up (colonyd(8) lists the same):
 * SETUID, SETGID: the child's setgroups, setresgid and setresuid;
 * SETPCAP: the child's PR_CAPBSET_DROP;
 * KILL: stop signals to services that run as other users;
 * DAC_OVERRIDE: cgroup, log and state files colonyd did not create itself.
 * Hostname, mount propagation and /proc happen before the drop.
 */
static const uint64_t privs_own =
    PRIVS_BIT(CAP_SETUID) | PRIVS_BIT(CAP_SETGID) | PRIVS_BIT(CAP_SETPCAP) |
    PRIVS_BIT(CAP_KILL) | PRIVS_BIT(CAP_DAC_OVERRIDE);

/* colonyd's own needs, plus every capability a service of the colony may be given. */
static uint64_t
privs_needed(const struct cfg_colony *c)
{
	return privs_own | cfg_colony_caps(c);
}

static int
privs_capset(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		d[i].permitted &= k;
		d[i].effective &= k;
		d[i].inheritable &= k;
	}
	if (syscall(SYS_capset, &hdr, d) < 0)
		return -1;
	/* Ambient capabilities only matter across execve; colonyd's own re-exec needs none. */
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL ? -1 : 0;
}

/*
 * The bounding set first (that needs CAP_SETPCAP, which is kept), then the
 * permitted, effective and inheritable sets. A colonyd without CAP_SETPCAP
 * (not started as root) holds nothing to protect, so it skips the bounding set.
 */
int
cd_drop_privileges(struct cd *cd, const struct cfg_colony *c)
{
	unsigned count = (unsigned)cap_max_bits();
	uint64_t keep = privs_needed(c), dropped = 0;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	bool setpcap;

	if (syscall(SYS_capget, &hdr, d) < 0) {
		cd_log(cd, "capget: %s", strerror(errno));
		return -1;
	}
	setpcap = (d[0].effective & PRIVS_BIT(CAP_SETPCAP)) != 0;

	for (unsigned cap = 0; cap < count && cap < 64; cap++) {
		if ((keep & PRIVS_BIT(cap)) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (!setpcap)
				break;
			cd_log(cd, "prctl(PR_CAPBSET_DROP, %u): %s", cap, strerror(errno));
			return -1;
		}
		dropped |= PRIVS_BIT(cap);
	}
	if (privs_capset(keep) < 0) {
		cd_log(cd, "capset: %s", strerror(errno));
		return -1;
	}
	confine_note_dropped(dropped);
	return 0;
}
