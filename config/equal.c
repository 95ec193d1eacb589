/* equal.c: deep comparisons that reload uses to decide what changed. */
#include <string.h>

#include "config/cfg_internal.h"

/*
 * Origins (file and line) are left out on purpose: moving a section within
 * a file, or into another file, must not restart anything.
 */

static bool
cfg_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
cfg_strv_equal(char *const *a, char *const *b)
{
	size_t n = cfg_strv_len(a);

	if (n != cfg_strv_len(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool
cfg_ints_equal(const int *a, size_t na, const int *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(int)) == 0);
}

static bool
cfg_policy_equal(const struct cfg_restart_policy *a, const struct cfg_restart_policy *b)
{
	return a->restart == b->restart && a->restart_delay_ms == b->restart_delay_ms &&
	    a->restart_delay_max_ms == b->restart_delay_max_ms &&
	    a->stable_after_ms == b->stable_after_ms && a->shutdown_ms == b->shutdown_ms &&
	    a->autostart == b->autostart;
}

bool
cfg_colony_level_equal(const struct cfg_colony *a, const struct cfg_colony *b)
{
	return strcmp(a->name, b->name) == 0 && cfg_policy_equal(&a->policy, &b->policy) &&
	    a->strategy == b->strategy && a->intensity == b->intensity &&
	    a->period_ms == b->period_ms && a->net_mode == b->net_mode &&
	    strcmp(a->network, b->network) == 0 && strcmp(a->address, b->address) == 0 &&
	    strcmp(a->hostname, b->hostname) == 0 && a->namespaces == b->namespaces &&
	    a->memory_max == b->memory_max && a->pids_max == b->pids_max &&
	    a->cpu_max_percent == b->cpu_max_percent && a->cpu_weight == b->cpu_weight &&
	    (cfg_colony_caps(b) & ~cfg_colony_caps(a)) == 0;
}

static bool
cfg_service_creds_equal(const struct cfg_service *a, const struct cfg_service *b)
{
	return cfg_str_equal(a->user, b->user) && a->uid == b->uid && a->gid == b->gid &&
	    a->has_group == b->has_group && a->n_groups == b->n_groups &&
	    (a->n_groups == 0 || memcmp(a->groups, b->groups, a->n_groups * sizeof(gid_t)) == 0) &&
	    a->caps_mode == b->caps_mode &&
	    cfg_ints_equal(a->caps, a->n_caps, b->caps, b->n_caps) &&
	    a->no_new_privileges == b->no_new_privileges && a->seccomp == b->seccomp &&
	    cfg_ints_equal(a->seccomp_deny, a->n_seccomp_deny, b->seccomp_deny,
	    b->n_seccomp_deny) &&
	    cfg_ints_equal(a->seccomp_allow, a->n_seccomp_allow, b->seccomp_allow,
	    b->n_seccomp_allow);
}

bool
cfg_service_equal(const struct cfg_service *a, const struct cfg_service *b)
{
	return strcmp(a->name, b->name) == 0 && cfg_policy_equal(&a->policy, &b->policy) &&
	    cfg_strv_equal(a->argv, b->argv) && a->stop_signal == b->stop_signal &&
	    a->ready == b->ready && a->ready_fd == b->ready_fd &&
	    a->ready_timeout_ms == b->ready_timeout_ms &&
	    cfg_ints_equal(a->success_exit_status, a->n_success_exit_status,
	    b->success_exit_status, b->n_success_exit_status) &&
	    cfg_service_creds_equal(a, b) &&
	    cfg_str_equal(a->working_directory, b->working_directory) &&
	    cfg_strv_equal(a->environment, b->environment) &&
	    a->limit_nofile == b->limit_nofile && a->log == b->log &&
	    a->log_max_size == b->log_max_size && a->log_keep == b->log_keep;
}

bool
cfg_network_equal(const struct cfg_network *a, const struct cfg_network *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->bridge, b->bridge) == 0 &&
	    a->subnet == b->subnet && a->prefix_len == b->prefix_len &&
	    a->gateway == b->gateway && a->mtu == b->mtu;
}
