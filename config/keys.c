/* keys.c: the keys of each section, their defaults, and how each value is parsed. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

enum cfg_key_type { K_DURATION, K_SHUTDOWN, K_BOOL, K_ENUM, K_UINT, K_U64, K_SIZE,
	K_STR, K_PATH, K_CUSTOM };

typedef int (*cfg_custom_fn)(struct cfg_ctx *ctx, void *obj, const char *key, const char *v);

struct cfg_key {
	const char *name;
	enum cfg_key_type type;
	size_t off;
	const char *const *names;	/* K_ENUM: allowed values, index = enum value */
	uint64_t min, max;		/* K_UINT, K_U64 */
	cfg_custom_fn custom;
	bool repeat;			/* may appear more than once */
};

static const char *const strategies[] = { "one_for_one", "rest_for_one", "one_for_all", NULL };
static const char *const restarts[] = { "permanent", "transient", "temporary", NULL };
static const char *const exhausted[] = { "fail", "shutdown", NULL };
static const char *const logs[] = { "file", "inherit", "null", NULL };
static const char *const seccomps[] = { "default", "off", NULL };

void
cfg_bad_value(struct cfg_ctx *ctx, const char *key, const char *v, const char *allowed)
{
	cfg_error(ctx, "%s: bad value \"%s\" (allowed: %s)", key, v, allowed);
}

static int
cfg_set_enum(struct cfg_ctx *ctx, const struct cfg_key *k, const char *v, int *out)
{
	char allowed[256] = "";

	for (int i = 0; k->names[i] != NULL; i++) {
		if (strcmp(v, k->names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
		    "%s%s", i > 0 ? ", " : "", k->names[i]);
	}
	cfg_bad_value(ctx, k->name, v, allowed);
	return -1;
}

static int
cfg_set_string(struct cfg_ctx *ctx, const struct cfg_key *k, const char *v, char **out)
{
	char *d;

	if (k->type == K_PATH && v[0] == '\0') {
		cfg_bad_value(ctx, k->name, v, "a non-empty path");
		return -1;
	}
	/* An empty optional string means "unset", as in `control_group =`. */
	d = v[0] == '\0' ? NULL : strdup(v);
	if (v[0] != '\0' && d == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	free(*out);
	*out = d;
	return 0;
}

static int
cfg_set_number(struct cfg_ctx *ctx, const struct cfg_key *k, const char *v, void *p)
{
	char allowed[96];
	uint64_t n;

	if (cfg_parse_u64(v, k->min, k->max, &n) < 0) {
		snprintf(allowed, sizeof(allowed), "an integer from %llu to %llu",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		cfg_bad_value(ctx, k->name, v, allowed);
		return -1;
	}
	if (k->type == K_UINT)
		*(unsigned *)p = (unsigned)n;
	else
		*(uint64_t *)p = n;
	return 0;
}

static int
cfg_set_value(struct cfg_ctx *ctx, const struct cfg_key *k, void *obj, const char *v)
{
	void *p = (char *)obj + k->off;

	switch (k->type) {
	case K_DURATION:
		if (cfg_parse_duration(v, p) == 0)
			return 0;
		cfg_bad_value(ctx, k->name, v, "a duration such as 500ms, 10s, 5m or 1h; "
		    "a bare number means seconds");
		return -1;
	case K_SHUTDOWN:
		if (strcmp(v, "brutal_kill") == 0)
			*(uint64_t *)p = 0;
		else if (strcmp(v, "infinity") == 0)
			*(uint64_t *)p = CFG_DURATION_INFINITY;
		else if (cfg_parse_duration(v, p) < 0) {
			cfg_bad_value(ctx, k->name, v, "a duration such as 5s, brutal_kill, infinity");
			return -1;
		}
		return 0;
	case K_BOOL:
		if (cfg_parse_bool(v, p) == 0)
			return 0;
		cfg_bad_value(ctx, k->name, v, "yes, no");
		return -1;
	case K_ENUM:
		return cfg_set_enum(ctx, k, v, p);
	case K_UINT:
	case K_U64:
		return cfg_set_number(ctx, k, v, p);
	case K_SIZE:
		if (cfg_parse_size(v, p) == 0)
			return 0;
		cfg_bad_value(ctx, k->name, v, "a size such as 4096, 512K, 10M or 1G");
		return -1;
	case K_STR:
	case K_PATH:
		return cfg_set_string(ctx, k, v, p);
	case K_CUSTOM:
		return k->custom(ctx, obj, k->name, v);
	}
	return -1;
}

/* ---- tables ---- */

#define SUP(f) offsetof(struct cfg_supervisor, f)
#define NET(f) offsetof(struct cfg_network, f)
#define COL(f) offsetof(struct cfg_colony, f)
#define SVC(f) offsetof(struct cfg_service, f)


static const struct cfg_key cfg_supervisor_keys[] = {
	{ "strategy", K_ENUM, SUP(strategy), strategies, 0, 0, NULL, false },
	{ "intensity", K_UINT, SUP(intensity), NULL, 0, 1000000, NULL, false },
	{ "period", K_DURATION, SUP(period_ms), NULL, 0, 0, NULL, false },
	{ "on_exhausted", K_ENUM, SUP(on_exhausted), exhausted, 0, 0, NULL, false },
	{ "state_dir", K_PATH, SUP(state_dir), NULL, 0, 0, NULL, false },
	{ "control_socket", K_PATH, SUP(control_socket), NULL, 0, 0, NULL, false },
	{ "control_group", K_CUSTOM, 0, NULL, 0, 0, cfg_key_control_group, false },
	{ "log_dir", K_PATH, SUP(log_dir), NULL, 0, 0, NULL, false },
	{ "cgroup_name", K_CUSTOM, SUP(cgroup_name), NULL, 0, 0, cfg_key_name_str, false },
	{ "netns_prefix", K_CUSTOM, SUP(netns_prefix), NULL, 0, 0, cfg_key_name_str, false },
	{ "colonyd", K_STR, SUP(colonyd), NULL, 0, 0, NULL, false },
	{ "include", K_CUSTOM, 0, NULL, 0, 0, cfg_key_include, true },
	{ NULL, 0, 0, NULL, 0, 0, NULL, false },
};

static const struct cfg_key cfg_network_keys[] = {
	{ "bridge", K_CUSTOM, 0, NULL, 0, 0, cfg_key_bridge, false },
	{ "subnet", K_CUSTOM, 0, NULL, 0, 0, cfg_key_subnet, false },
	{ "gateway", K_CUSTOM, 0, NULL, 0, 0, cfg_key_gateway, false },
	{ "mtu", K_UINT, NET(mtu), NULL, 68, 65535, NULL, false },
	{ NULL, 0, 0, NULL, 0, 0, NULL, false },
};

#define POLICY(base, f) base(policy.f)
#define POLICY_KEYS(base) \
	{ "restart", K_ENUM, POLICY(base, restart), restarts, 0, 0, NULL, false }, \
	{ "restart_delay", K_DURATION, POLICY(base, restart_delay_ms), NULL, 0, 0, NULL, false }, \
	{ "restart_delay_max", K_DURATION, POLICY(base, restart_delay_max_ms), NULL, 0, 0, NULL, false }, \
	{ "stable_after", K_DURATION, POLICY(base, stable_after_ms), NULL, 0, 0, NULL, false }, \
	{ "shutdown", K_SHUTDOWN, POLICY(base, shutdown_ms), NULL, 0, 0, NULL, false }, \
	{ "autostart", K_BOOL, POLICY(base, autostart), NULL, 0, 0, NULL, false }

static const struct cfg_key cfg_colony_keys[] = {
	POLICY_KEYS(COL),
	{ "strategy", K_ENUM, COL(strategy), strategies, 0, 0, NULL, false },
	{ "intensity", K_UINT, COL(intensity), NULL, 0, 1000000, NULL, false },
	{ "period", K_DURATION, COL(period_ms), NULL, 0, 0, NULL, false },
	{ "network", K_CUSTOM, 0, NULL, 0, 0, cfg_key_network, false },
	{ "address", K_CUSTOM, 0, NULL, 0, 0, cfg_key_address, false },
	{ "hostname", K_CUSTOM, 0, NULL, 0, 0, cfg_key_hostname, false },
	{ "namespaces", K_CUSTOM, 0, NULL, 0, 0, cfg_key_namespaces, false },
	{ "memory_max", K_CUSTOM, COL(memory_max), NULL, 0, 0, cfg_key_limit, false },
	{ "pids_max", K_CUSTOM, COL(pids_max), NULL, 0, 0, cfg_key_limit, false },
	{ "cpu_max", K_CUSTOM, 0, NULL, 0, 0, cfg_key_cpu_max, false },
	{ "cpu_weight", K_UINT, COL(cpu_weight), NULL, 1, 10000, NULL, false },
	{ NULL, 0, 0, NULL, 0, 0, NULL, false },
};

static const struct cfg_key cfg_service_keys[] = {
	POLICY_KEYS(SVC),
	{ "command", K_CUSTOM, 0, NULL, 0, 0, cfg_key_command, false },
	{ "stop_signal", K_CUSTOM, 0, NULL, 0, 0, cfg_key_stop_signal, false },
	{ "ready", K_CUSTOM, 0, NULL, 0, 0, cfg_key_ready, false },
	{ "ready_timeout", K_DURATION, SVC(ready_timeout_ms), NULL, 0, 0, NULL, false },
	{ "success_exit_status", K_CUSTOM, 0, NULL, 0, 0, cfg_key_success, false },
	{ "user", K_CUSTOM, 0, NULL, 0, 0, cfg_key_user, false },
	{ "group", K_CUSTOM, 0, NULL, 0, 0, cfg_key_group, false },
	{ "working_directory", K_CUSTOM, 0, NULL, 0, 0, cfg_key_working_directory, false },
	{ "environment", K_CUSTOM, 0, NULL, 0, 0, cfg_key_environment, true },
	{ "limit_nofile", K_U64, SVC(limit_nofile), NULL, 1, 1u << 30, NULL, false },
	{ "capabilities", K_CUSTOM, 0, NULL, 0, 0, cfg_key_capabilities, false },
	{ "no_new_privileges", K_BOOL, SVC(no_new_privileges), NULL, 0, 0, NULL, false },
	{ "seccomp", K_ENUM, SVC(seccomp), seccomps, 0, 0, NULL, false },
	{ "seccomp_deny", K_CUSTOM, 0, NULL, 0, 0, cfg_key_syscalls, false },
	{ "seccomp_allow", K_CUSTOM, 0, NULL, 0, 0, cfg_key_syscalls, false },
	{ "log", K_ENUM, SVC(log), logs, 0, 0, NULL, false },
	{ "log_max_size", K_SIZE, SVC(log_max_size), NULL, 0, 0, NULL, false },
	{ "log_keep", K_UINT, SVC(log_keep), NULL, 0, 1000, NULL, false },
	{ NULL, 0, 0, NULL, 0, 0, NULL, false },
};

/* ---- defaults and dispatch ---- */

void
cfg_supervisor_defaults(struct cfg_supervisor *s)
{
	memset(s, 0, sizeof(*s));
	s->strategy = CFG_ONE_FOR_ONE;
	s->intensity = 5;
	s->period_ms = 60000;
	s->on_exhausted = CFG_EXHAUSTED_FAIL;
}

/* The current section's key table and object; NULL before any section. */
static const struct cfg_key *
cfg_current(struct cfg_ctx *ctx, void **obj)
{
	struct cfg *cfg = ctx->cfg;

	switch (ctx->kind) {
	case CFG_SEC_SUPERVISOR:
		*obj = &cfg->sup;
		return cfg_supervisor_keys;
	case CFG_SEC_NETWORK:
		*obj = &cfg->networks[ctx->net];
		return cfg_network_keys;
	case CFG_SEC_COLONY:
		*obj = &cfg->colonies[ctx->colony];
		return cfg_colony_keys;
	case CFG_SEC_SERVICE:
		*obj = &cfg->colonies[ctx->colony].services[ctx->service];
		return cfg_service_keys;
	case CFG_SEC_NONE:
		break;
	}
	return NULL;
}

int
cfg_handle_key(struct cfg_ctx *ctx, const char *key, const char *value)
{
	char label[CFG_NAME_MAX * 2 + 32];
	void *obj = NULL;
	const struct cfg_key *keys = cfg_current(ctx, &obj);
	uint64_t *seen = ctx->kind == CFG_SEC_SUPERVISOR ? &ctx->sup_seen : &ctx->seen;
	size_t i;

	if (keys == NULL) {
		cfg_error(ctx, "key \"%s\" outside of any section", key);
		return -1;
	}
	for (i = 0; keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, key) == 0)
			break;
	if (keys[i].name == NULL) {
		cfg_error(ctx, "unknown key \"%s\" in %s", key,
		    cfg_section_label(ctx, label, sizeof(label)));
		return -1;
	}
	if (!keys[i].repeat && (*seen & (1ull << i))) {
		cfg_error(ctx, "duplicate key \"%s\" in %s", key,
		    cfg_section_label(ctx, label, sizeof(label)));
		return -1;
	}
	*seen |= 1ull << i;
	return cfg_set_value(ctx, &keys[i], obj, value);
}
