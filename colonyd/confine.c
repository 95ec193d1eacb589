/* confine.c: turns a service's credential, capability and seccomp keys into a plan that the child applies without allocating. */
#define _GNU_SOURCE
#include "colonyd/confine.h"
#include "config/config.h"
#include "supervisor/filter.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "colonyd/confine_int.h"

#define CONFINE_CAP(c) [c] = #c
static const char *const confine_cap_names[] = {
	CONFINE_CAP(CAP_CHOWN), CONFINE_CAP(CAP_DAC_OVERRIDE), CONFINE_CAP(CAP_DAC_READ_SEARCH),
	CONFINE_CAP(CAP_FOWNER), CONFINE_CAP(CAP_FSETID), CONFINE_CAP(CAP_KILL),
	CONFINE_CAP(CAP_SETGID), CONFINE_CAP(CAP_SETUID), CONFINE_CAP(CAP_SETPCAP),
	CONFINE_CAP(CAP_LINUX_IMMUTABLE), CONFINE_CAP(CAP_NET_BIND_SERVICE),
	CONFINE_CAP(CAP_NET_BROADCAST), CONFINE_CAP(CAP_NET_ADMIN), CONFINE_CAP(CAP_NET_RAW),
	CONFINE_CAP(CAP_IPC_LOCK), CONFINE_CAP(CAP_IPC_OWNER), CONFINE_CAP(CAP_SYS_MODULE),
	CONFINE_CAP(CAP_SYS_RAWIO), CONFINE_CAP(CAP_SYS_CHROOT), CONFINE_CAP(CAP_SYS_PTRACE),
	CONFINE_CAP(CAP_SYS_PACCT), CONFINE_CAP(CAP_SYS_ADMIN), CONFINE_CAP(CAP_SYS_BOOT),
	CONFINE_CAP(CAP_SYS_NICE), CONFINE_CAP(CAP_SYS_RESOURCE), CONFINE_CAP(CAP_SYS_TIME),
	CONFINE_CAP(CAP_SYS_TTY_CONFIG), CONFINE_CAP(CAP_MKNOD), CONFINE_CAP(CAP_LEASE),
	CONFINE_CAP(CAP_AUDIT_WRITE), CONFINE_CAP(CAP_AUDIT_CONTROL), CONFINE_CAP(CAP_SETFCAP),
	CONFINE_CAP(CAP_MAC_OVERRIDE), CONFINE_CAP(CAP_MAC_ADMIN), CONFINE_CAP(CAP_SYSLOG),
	CONFINE_CAP(CAP_WAKE_ALARM), CONFINE_CAP(CAP_BLOCK_SUSPEND), CONFINE_CAP(CAP_AUDIT_READ),
	CONFINE_CAP(CAP_PERFMON), CONFINE_CAP(CAP_BPF), CONFINE_CAP(CAP_CHECKPOINT_RESTORE),
};
#undef CONFINE_CAP

/* A static name, safe in the child; capabilities newer than our headers have none. */
const char *
confine_cap_name(int cap)
{
	if (cap >= 0 && (size_t)cap < sizeof(confine_cap_names) / sizeof(char *) &&
	    confine_cap_names[cap] != NULL)
		return confine_cap_names[cap];
	return "a capability newer than colonyd";
}

/*
 * colonyd's bounding set as last read. A bounding set never grows, and
 * colonyd shrinks its own only in cd_drop_privileges, which reports it
 * through confine_note_dropped; so the child can trust this record instead
 * of asking the kernel about each capability again (two prctl calls per
 * capability on every spawn).
 */
static uint64_t confine_bset;

static uint64_t
confine_read_bset(unsigned count)
{
	uint64_t bset = 0;

	for (unsigned cap = 0; cap < count && cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			bset |= confine_cap_bit((int)cap);
	confine_bset = bset;
	return bset;
}

uint64_t
confine_bounding_set(void)
{
	return confine_bset;
}

/* Capabilities this process can pass on: permitted and still in the bounding set. */
static int
confine_held_caps(unsigned count, uint64_t *held)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };	/* valgrind knows capget writes only data[0] */
	uint64_t prm;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	*held = prm & confine_read_bset(count);
	return 0;
}

static int
confine_prepare_groups(struct confine *c, const struct cfg_service *svc,
    char *why, size_t whylen)
{
	/* Resolved by the root when it loaded the file: no user database here
	   (and no NSS module loaded into every colonyd). A definition from an
	   older root, without them: the files only (usergroups.c). */
	if (svc->n_groups > 0) {
		c->groups = malloc(svc->n_groups * sizeof(gid_t));
		if (c->groups != NULL) {
			memcpy(c->groups, svc->groups, svc->n_groups * sizeof(gid_t));
			c->n_groups = svc->n_groups;
		}
	} else if (confine_files_groups(svc->user, svc->uid, svc->gid, &c->groups, &c->n_groups) < 0) {
		free(c->groups);
		c->groups = NULL;
	}
	if (c->groups == NULL) {
		snprintf(why, whylen, "supplementary groups: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* Capabilities colonyd gave up at colony set-up (confine_note_dropped): asking for one is an error. */
static uint64_t confine_dropped;

void
confine_note_dropped(uint64_t caps)
{
	confine_dropped |= caps;
	confine_read_bset((unsigned)cap_max_bits());
}

/* What the service asks for, limited to the capabilities this kernel knows. */
static uint64_t
confine_caps_wanted(const struct cfg_service *svc)
{
	unsigned count = (unsigned)cap_max_bits();

	return cfg_service_caps(svc) & (count >= 64 ? UINT64_MAX : (UINT64_C(1) << count) - 1);
}

static int
confine_prepare_caps(struct confine *c, const struct cfg_service *svc,
    char *why, size_t whylen)
{
	uint64_t held;

	c->caps = confine_caps_wanted(svc);
	if (svc->caps_mode == CFG_CAPS_LIST) {
		c->caps_exact = true;
		for (size_t i = 0; i < svc->n_caps && i < CFG_MAX_CAPS; i++) {
			if (svc->caps[i] < 0 || (unsigned)svc->caps[i] >= c->cap_count) {
				snprintf(why, whylen, "capability %d is not known to this kernel", svc->caps[i]);
				return -1;
			}
		}
	}
	/* A service added by a reload cannot get back what colonyd gave up. */
	if ((c->caps & confine_dropped) != 0) {
		snprintf(why, whylen, "capabilities: %s was dropped by colonyd when the colony was set up; "
		    "restart the colony to grant it", confine_cap_name(__builtin_ctzll(c->caps & confine_dropped)));
		return -1;
	}
	if (confine_held_caps(c->cap_count, &held) < 0) {
		snprintf(why, whylen, "capget: %s", strerror(errno));
		return -1;
	}
	/* The child checks again; failing here gives the operator the error at start. */
	if (c->caps_exact && (c->caps & ~held) != 0) {
		snprintf(why, whylen, "capabilities: %s is not held by colonyd",
		    confine_cap_name(__builtin_ctzll(c->caps & ~held)));
		return -1;
	}
	/* default and all are ceilings: a capability colonyd lacks is left out. */
	c->caps &= held;
	return 0;
}

/* A native syscall number libseccomp does not know is a configuration bug. */
static int
confine_check_syscalls(const char *key, const int *nrs, size_t n, char *why, size_t whylen)
{
	for (size_t i = 0; i < n; i++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nrs[i]);

		if (name == NULL) {
			snprintf(why, whylen, "%s: unknown syscall number %d", key, nrs[i]);
			return -1;
		}
		free(name);
	}
	return 0;
}

/* Programs the root built (colonyd(8): --filters); NULL: build each one here. */
static const struct filter_table *confine_programs;

void
confine_set_programs(const struct filter_table *t)
{
	confine_programs = t;
}

static int
confine_prepare_seccomp(struct confine *c, const struct cfg_service *svc,
    char *why, size_t whylen)
{
	struct filter_key k = {
		.deny_ns = !(c->caps & confine_cap_bit(CAP_SYS_ADMIN)),
		.deny = svc->seccomp_deny, .n_deny = svc->n_seccomp_deny,
		.allow = svc->seccomp_allow, .n_allow = svc->n_seccomp_allow,
	};

	if (svc->seccomp == CFG_SECCOMP_OFF)
		return 0;
	if (confine_check_syscalls("seccomp_deny", svc->seccomp_deny, svc->n_seccomp_deny, why, whylen) < 0 ||
	    confine_check_syscalls("seccomp_allow", svc->seccomp_allow, svc->n_seccomp_allow, why, whylen) < 0)
		return -1;
	if (filter_table_copy(confine_programs, &k, &c->filter) == 0)
		return 0;
	return filter_build(&k, &c->filter, why, whylen);
}

static int
confine_cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return (x > y) - (x < y);
}

/*
 * What of the service's uid, gid and groups colonyd already runs with (a root
 * service of a root colonyd): the child skips those changes, each of which
 * commits a new set of credentials. colonyd never changes its own.
 */
static void
confine_ids_kept(struct confine *c)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, mine[64], want[64];
	int n;

	c->uid_kept = getresuid(&r, &e, &s) == 0 && r == c->uid && e == c->uid && s == c->uid;
	c->gid_kept = getresgid(&rg, &eg, &sg) == 0 && rg == c->gid && eg == c->gid && sg == c->gid;
	c->groups_kept = false;
	if (c->n_groups > 64 || (n = getgroups(64, mine)) < 0 || (size_t)n != c->n_groups)
		return;
	memcpy(want, c->groups, c->n_groups * sizeof(gid_t));
	qsort(mine, (size_t)n, sizeof(gid_t), confine_cmp_gid);
	qsort(want, c->n_groups, sizeof(gid_t), confine_cmp_gid);
	c->groups_kept = memcmp(mine, want, c->n_groups * sizeof(gid_t)) == 0;
}

struct confine *
confine_prepare(const char *colony, const struct cfg_service *svc, char *err, size_t errlen)
{
	struct confine *c = calloc(1, sizeof(*c));
	char why[256] = "out of memory";
	const char *wd = svc->working_directory != NULL ? svc->working_directory : "/";

	if (c == NULL || (c->working_directory = strdup(wd)) == NULL)
		goto fail;
	c->uid = svc->uid;
	c->gid = svc->gid;
	c->set_nofile = svc->limit_nofile != 0;
	c->nofile.rlim_cur = c->nofile.rlim_max = (rlim_t)svc->limit_nofile;
	c->no_new_privs = svc->no_new_privileges;
	c->cap_count = (unsigned)cap_max_bits();
	if (confine_prepare_groups(c, svc, why, sizeof(why)) < 0 ||
	    confine_prepare_caps(c, svc, why, sizeof(why)) < 0 ||
	    confine_prepare_seccomp(c, svc, why, sizeof(why)) < 0)
		goto fail;
	confine_ids_kept(c);
	return c;
fail:
	snprintf(err, errlen, "%s/%s: %s", colony, svc->name, why);
	confine_free(c);
	return NULL;
}

void
confine_free(struct confine *c)
{
	if (c == NULL)
		return;
	free(c->groups);
	free(c->working_directory);
	free(c->filter.filter);
	free(c);
}
