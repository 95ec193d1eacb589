/* root_filter.c: the seccomp programs of a colony's services, built once per distinct definition for every colonyd (supervisor/filter.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "supervisor/filter.h"
#include "supervisor/root.h"

/* One table per root process; an upgraded root starts a new one. */
static struct filter_table *root_filters;
static int root_sysadmin = -1;	/* CAP_SYS_ADMIN permitted and bounded here, so in colonyd: 1, 0 */

/* colonyd inherits our capabilities, and denies namespaces to a service it cannot give CAP_SYS_ADMIN. */
static bool
root_filter_deny_ns(const struct cfg_service *s)
{
	if (root_sysadmin < 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2] = { 0 };

		root_sysadmin = syscall(SYS_capget, &hdr, d) == 0 &&
		    (d[0].permitted & (1U << CAP_SYS_ADMIN)) != 0 &&
		    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 1;
	}
	return !(root_sysadmin && (cfg_service_caps(s) & (UINT64_C(1) << CAP_SYS_ADMIN)));
}

/*
 * The sealed table holding the program of every service of cc (built now if
 * new), for colonyd's --filters; -1 when there is nothing to hand over. A
 * failure costs only the shortcut: colonyd then builds, and reports, itself.
 */
int
root_filters_fd(const struct cfg_colony *cc)
{
	char why[256];
	bool any = false;

	if (root_filters == NULL && (root_filters = filter_table_new()) == NULL)
		return -1;
	for (size_t i = 0; i < cc->n_services; i++) {
		const struct cfg_service *s = &cc->services[i];
		struct filter_key k = {
			.deny_ns = root_filter_deny_ns(s),
			.deny = s->seccomp_deny, .n_deny = s->n_seccomp_deny,
			.allow = s->seccomp_allow, .n_allow = s->n_seccomp_allow,
		};

		if (s->seccomp == CFG_SECCOMP_OFF)
			continue;
		if (filter_table_get(root_filters, &k, why, sizeof(why)) == NULL)
			continue;
		any = true;
	}
	return any ? filter_table_fd(root_filters) : -1;
}
