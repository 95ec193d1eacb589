/* confine_apply.c: the child's half of confinement: rlimits, capabilities, credentials, no_new_privs, seccomp, with raw syscalls only. */
#define _GNU_SOURCE
#include "colonyd/confine.h"
#include "colonyd/confine_int.h"
#include "colonyd/child.h"

#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <linux/seccomp.h>

/*
 * Raw syscalls (child.h) rather than glibc's wrappers: those set errno,
 * which is colonyd's own when the child shares its memory, and the
 * credential ones broadcast to every thread glibc believes exists, which is
 * wrong in a child made by a raw clone3.
 */

static int
confine_fail_cap(struct cd_msg *m, const char *what, unsigned cap, long rc)
{
	cd_msg_put(m, what);
	cd_msg_put(m, confine_cap_name((int)cap));
	cd_msg_put(m, ")");
	return cd_msg_errno(m, (int)-rc);
}

/*
 * Bounding set first, while CAP_SETPCAP is still effective. Only what bset
 * (colonyd's own bounding set) still holds needs dropping: a bounding set
 * never grows, so nothing outside it can be there.
 */
static int
confine_apply_bounding(const struct confine *c, uint64_t bset, uint64_t caps, struct cd_msg *m)
{
	for (unsigned cap = 0; cap < c->cap_count && cap < 64; cap++) {
		long rc;

		if ((caps & confine_cap_bit((int)cap)) || !(bset & confine_cap_bit((int)cap)))
			continue;
		rc = cd_prctl(PR_CAPBSET_DROP, cap, 0);
		if (rc < 0)
			return confine_fail_cap(m, "prctl(PR_CAPBSET_DROP, ", cap, rc);
	}
	return 0;
}

static int
confine_fail_id(struct cd_msg *m, const char *what, unsigned long id, long rc)
{
	cd_msg_put(m, what);
	cd_msg_num(m, id);
	cd_msg_put(m, ")");
	return cd_msg_errno(m, (int)-rc);
}

static int
confine_apply_ids(const struct confine *c, struct cd_msg *m)
{
	long rc;

	/* Without keep-caps the uid change would empty the permitted set. */
	if (!c->uid_kept && (rc = cd_prctl(PR_SET_KEEPCAPS, 1, 0)) < 0) {
		cd_msg_put(m, "prctl(PR_SET_KEEPCAPS)");
		return cd_msg_errno(m, (int)-rc);
	}
	if (!c->groups_kept && (rc = cd_sys(SYS_setgroups, (long)c->n_groups, (long)c->groups, 0)) < 0) {
		cd_msg_put(m, "setgroups(");
		for (size_t i = 0; i < c->n_groups && i < 4; i++) {
			cd_msg_put(m, i > 0 ? " " : "");
			cd_msg_num(m, c->groups[i]);
		}
		cd_msg_put(m, c->n_groups > 4 ? " ...)" : ")");
		return cd_msg_errno(m, (int)-rc);
	}
	if (!c->gid_kept && (rc = cd_sys(SYS_setresgid, c->gid, c->gid, c->gid)) < 0)
		return confine_fail_id(m, "setresgid(", c->gid, rc);
	if (!c->uid_kept && (rc = cd_sys(SYS_setresuid, c->uid, c->uid, c->uid)) < 0)
		return confine_fail_id(m, "setresuid(", c->uid, rc);
	return 0;
}

/*
 * capset directly with a precomputed set: cap_set_proc would do the same
 * syscall, but this keeps libcap out of the child. For a non-root uid
 * execve keeps only ambient capabilities, so after clearing the inherited
 * ambient set, the service's own capabilities are raised in it again.
 */
static int
confine_apply_caps(const struct confine *c, uint64_t caps, struct cd_msg *m)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	long rc;

	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = data[i].inheritable =
		    (uint32_t)(caps >> (32 * i));
	}
	if ((rc = cd_sys(SYS_capset, (long)&hdr, (long)data, 0)) < 0) {
		cd_msg_put(m, "capset");
		return cd_msg_errno(m, (int)-rc);
	}
	if ((rc = cd_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0)) < 0) {
		cd_msg_put(m, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
		return cd_msg_errno(m, (int)-rc);
	}
	for (unsigned cap = 0; c->uid != 0 && cap < c->cap_count; cap++) {
		if (!(caps & confine_cap_bit((int)cap)))
			continue;
		if ((rc = cd_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)) < 0)
			return confine_fail_cap(m, "prctl(PR_CAP_AMBIENT_RAISE, ", cap, rc);
	}
	return 0;
}

/* The final capability set: what was asked for, limited to what this process holds. */
static int
confine_final_caps(const struct confine *c, uint64_t bset, uint64_t *caps, struct cd_msg *m)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t held;
	long rc;

	if ((rc = cd_sys(SYS_capget, (long)&hdr, (long)data, 0)) < 0) {
		cd_msg_put(m, "capget");
		return cd_msg_errno(m, (int)-rc);
	}
	held = (data[0].permitted | (uint64_t)data[1].permitted << 32) & bset;
	if (c->caps_exact && (c->caps & ~held) != 0) {
		cd_msg_put(m, "capabilities: ");
		cd_msg_put(m, confine_cap_name(__builtin_ctzll(c->caps & ~held)));
		cd_msg_put(m, " is not held by colonyd");
		return -1;
	}
	*caps = c->caps & held;
	return 0;
}

static int
confine_apply_nofile(const struct confine *c, struct cd_msg *m)
{
	struct { uint64_t cur, max; } lim = { c->nofile.rlim_cur, c->nofile.rlim_max };
	long rc;

	if (!c->set_nofile)
		return 0;
	rc = cd_sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&lim, 0, 0, 0);
	if (rc < 0)
		return confine_fail_id(m, "setrlimit(RLIMIT_NOFILE, ", (unsigned long)lim.cur, rc);
	return 0;
}

int
confine_apply(const struct confine *c, uint64_t bset, char *err, size_t errlen)
{
	struct cd_msg m = { err, errlen, 0 };
	uint64_t caps = 0;
	bool nnp;
	long rc;

	cd_msg_put(&m, "");	/* err stays "" on success */
	if (confine_apply_nofile(c, &m) < 0 ||
	    confine_final_caps(c, bset, &caps, &m) < 0 ||
	    confine_apply_bounding(c, bset, caps, &m) < 0 ||
	    confine_apply_ids(c, &m) < 0 ||
	    confine_apply_caps(c, caps, &m) < 0)
		return -1;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN; lacking it, the filter wins. */
	nnp = c->no_new_privs ||
	    (c->filter.filter != NULL && !(caps & confine_cap_bit(CAP_SYS_ADMIN)));
	if (nnp && (rc = cd_prctl(PR_SET_NO_NEW_PRIVS, 1, 0)) < 0) {
		cd_msg_put(&m, "prctl(PR_SET_NO_NEW_PRIVS)");
		return cd_msg_errno(&m, (int)-rc);
	}
	/* After the uid change, so the directory is checked with the service's own rights. */
	if ((rc = cd_sys(SYS_chdir, (long)c->working_directory, 0, 0)) < 0) {
		cd_msg_put(&m, "chdir(");
		cd_msg_put(&m, c->working_directory);
		cd_msg_put(&m, ")");
		return cd_msg_errno(&m, (int)-rc);
	}
	if (c->filter.filter != NULL &&
	    (rc = cd_prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&c->filter)) < 0) {
		cd_msg_put(&m, "prctl(PR_SET_SECCOMP)");
		return cd_msg_errno(&m, (int)-rc);
	}
	return 0;
}
