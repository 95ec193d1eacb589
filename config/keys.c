/* keys.c: the keys of each section, their defaults, and how each value is parsed. */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

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

static void
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

/* ---- custom values ---- */

static int
cfg_key_include(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_frame *f = ctx->frame;
	struct cfg_include *n;

	(void)obj;
	if (v[0] == '\0') {
		cfg_bad_value(ctx, key, v, "a file name or glob pattern");
		return -1;
	}
	n = realloc(f->includes, (f->n_includes + 1) * sizeof(*n));
	if (n == NULL || (n[f->n_includes].pattern = strdup(v)) == NULL) {
		if (n != NULL)
			f->includes = n;
		cfg_error(ctx, "out of memory");
		return -1;
	}
	f->includes = n;
	n[f->n_includes++].line = ctx->line;
	return 0;
}

static int
cfg_resolve_group(struct cfg_ctx *ctx, const char *key, const char *v, gid_t *gid)
{
	struct group *gr;
	uint64_t n;

	if (cfg_parse_u64(v, 0, UINT32_MAX - 1, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	gr = getgrnam(v);
	if (gr == NULL) {
		cfg_error(ctx, "%s: unknown group \"%s\"", key, v);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

static int
cfg_key_control_group(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_supervisor *s = obj;
	gid_t gid = 0;

	if (v[0] != '\0' && cfg_resolve_group(ctx, key, v, &gid) < 0)
		return -1;
	free(s->control_group);
	s->control_group = v[0] != '\0' ? strdup(v) : NULL;
	s->control_gid = gid;
	return 0;
}

static int
cfg_key_user(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	struct passwd *pw = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	uint64_t n;

	if (v[0] != '\0' && cfg_parse_u64(v, 0, UINT32_MAX - 1, &n) == 0) {
		uid = (uid_t)n;
		pw = getpwuid(uid);
		/* A numeric user unknown to passwd gets the group of the same number. */
		gid = pw != NULL ? pw->pw_gid : (gid_t)n;
	} else if (v[0] != '\0') {
		pw = getpwnam(v);
		if (pw == NULL) {
			cfg_error(ctx, "%s: unknown user \"%s\"", key, v);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	free(s->user);
	s->user = v[0] != '\0' ? strdup(v) : NULL;
	s->uid = uid;
	if (!s->has_group)
		s->gid = gid;
	return 0;
}

static int
cfg_key_group(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;

	if (v[0] == '\0')
		return 0;
	if (cfg_resolve_group(ctx, key, v, &s->gid) < 0)
		return -1;
	s->has_group = true;
	return 0;
}

static int
cfg_key_command(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	char msg[128];
	char **argv = cfg_split_command(v, msg, sizeof(msg));

	if (argv == NULL) {
		cfg_error(ctx, "%s: %s", key, msg);
		return -1;
	}
	cfg_strv_free(s->argv);
	s->argv = argv;
	return 0;
}

static bool
cfg_valid_env_key(const char *s, size_t len)
{
	if (len == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Adds KEY=value to env, replacing an earlier KEY as setenv would. */
static int
cfg_env_set(char ***env, char *item)
{
	size_t klen = (size_t)(strchr(item, '=') - item), n = cfg_strv_len(*env);
	char **nv;

	for (size_t i = 0; i < n; i++) {
		if (strncmp((*env)[i], item, klen + 1) == 0) {
			free((*env)[i]);
			(*env)[i] = item;
			return 0;
		}
	}
	nv = realloc(*env, (n + 2) * sizeof(char *));
	if (nv == NULL)
		return -1;
	nv[n] = item;
	nv[n + 1] = NULL;
	*env = nv;
	return 0;
}

static int
cfg_key_environment(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	char msg[128];
	char **words = cfg_split_words(v, true, msg, sizeof(msg));
	size_t i;

	if (words == NULL) {
		cfg_error(ctx, "%s: %s", key, msg);
		return -1;
	}
	for (i = 0; words[i] != NULL; i++) {
		char *eq = strchr(words[i], '=');
		if (eq == NULL || !cfg_valid_env_key(words[i], (size_t)(eq - words[i]))) {
			cfg_bad_value(ctx, key, words[i], "KEY=value items, KEY made of letters, "
			    "digits and _");
			break;
		}
		if (cfg_env_set(&s->environment, words[i]) < 0) {
			cfg_error(ctx, "out of memory");
			break;
		}
		words[i] = (char *)"";	/* now owned by the environment */
	}
	for (size_t j = 0; words[j] != NULL; j++)
		if (j >= i)
			free(words[j]);
	free(words);
	return ctx->failed ? -1 : 0;
}

static int
cfg_key_success(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	int codes[256];
	size_t n = 0;
	const char *p = v;
	char word[16];

	while (*p != '\0') {
		size_t len = strcspn(p, " \t");
		uint64_t code;
		if (len > 0) {
			snprintf(word, sizeof(word), "%.*s", (int)(len < 15 ? len : 15), p);
			if (len > 3 || n >= 256 || cfg_parse_u64(word, 0, 255, &code) < 0)
				goto bad;
			codes[n++] = (int)code;
		}
		p += len + strspn(p + len, " \t");
	}
	if (n == 0)
		goto bad;
	int *c = malloc(n * sizeof(int));
	if (c == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	memcpy(c, codes, n * sizeof(int));
	free(s->success_exit_status);
	s->success_exit_status = c;
	s->n_success_exit_status = n;
	return 0;
bad:
	cfg_bad_value(ctx, key, v, "a list of exit codes from 0 to 255");
	return -1;
}

static int
cfg_key_ready(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	uint64_t fd;

	if (strcmp(v, "none") == 0) {
		s->ready = CFG_READY_NONE;
		s->ready_fd = 0;
	} else if (strcmp(v, "notify") == 0) {
		s->ready = CFG_READY_NOTIFY;
		s->ready_fd = 0;
	} else if (strncmp(v, "fd:", 3) == 0 && cfg_parse_u64(v + 3, 3, 1023, &fd) == 0) {
		s->ready = CFG_READY_FD;
		s->ready_fd = (int)fd;
	} else {
		cfg_bad_value(ctx, key, v, "none, notify, fd:N with N from 3 to 1023");
		return -1;
	}
	return 0;
}

static int
cfg_key_stop_signal(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;

	if (cfg_parse_signal(v, &s->stop_signal) == 0)
		return 0;
	cfg_error(ctx, "%s: unknown signal \"%s\" (allowed: a name such as SIGTERM or TERM, "
	    "or a number from 1 to 64)", key, v);
	return -1;
}

static int
cfg_add_cap(struct cfg_service *s, int cap)
{
	for (size_t i = 0; i < s->n_caps; i++)
		if (s->caps[i] == cap)
			return 0;
	s->caps[s->n_caps++] = cap;
	return 0;
}

static int
cfg_key_capabilities(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	static const char *const modes[] = { "default", "none", "all" };
	struct cfg_service *s = obj;
	char word[80];

	for (int i = 0; i < 3; i++) {
		if (strcmp(v, modes[i]) == 0) {
			s->caps_mode = (enum cfg_caps_mode)i;
			s->n_caps = 0;
			return 0;
		}
	}
	s->n_caps = 0;
	for (const char *p = v + strspn(v, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		size_t len = strcspn(p, " \t");
		cap_value_t cap;
		bool prefixed = strncasecmp(p, "cap_", 4) == 0;
		snprintf(word, sizeof(word), "%s%.*s", prefixed ? "" : "cap_",
		    (int)(len < 70 ? len : 70), p);
		if (len >= 70 || (p[0] >= '0' && p[0] <= '9') || cap_from_name(word, &cap) < 0 ||
		    cap < 0 || cap >= CFG_MAX_CAPS) {
			cfg_error(ctx, "%s: unknown capability \"%.*s\" (allowed: default, none, "
			    "all, or a list such as CAP_NET_BIND_SERVICE CAP_KILL)", key,
			    (int)(len < 70 ? len : 70), p);
			return -1;
		}
		cfg_add_cap(s, cap);
		p += len;
	}
	if (s->n_caps == 0) {
		cfg_bad_value(ctx, key, v, "default, none, all, or a list of capabilities");
		return -1;
	}
	s->caps_mode = CFG_CAPS_LIST;
	return 0;
}

static int
cfg_key_syscalls(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	bool deny = strcmp(key, "seccomp_deny") == 0;
	int **list = deny ? &s->seccomp_deny : &s->seccomp_allow;
	size_t *n = deny ? &s->n_seccomp_deny : &s->n_seccomp_allow;
	char word[80];

	free(*list);
	*list = NULL;
	*n = 0;
	for (const char *p = v + strspn(v, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		size_t len = strcspn(p, " \t");
		int nr;
		bool dup = false;
		snprintf(word, sizeof(word), "%.*s", (int)(len < 70 ? len : 70), p);
		/* Negative numbers are libseccomp's pseudo-syscalls: not native. */
		nr = len < 70 ? seccomp_syscall_resolve_name(word) : __NR_SCMP_ERROR;
		if (nr < 0) {
			cfg_error(ctx, "%s: unknown syscall \"%s\"", key, word);
			return -1;
		}
		for (size_t i = 0; i < *n; i++)
			dup |= (*list)[i] == nr;
		if (!dup) {
			int *l = realloc(*list, (*n + 1) * sizeof(int));
			if (l == NULL) {
				cfg_error(ctx, "out of memory");
				return -1;
			}
			*list = l;
			l[(*n)++] = nr;
		}
		p += len;
	}
	return 0;
}

static int
cfg_key_working_directory(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_service *s = obj;
	char *d;

	if (v[0] != '/') {
		cfg_bad_value(ctx, key, v, "an absolute path");
		return -1;
	}
	d = strdup(v);
	if (d == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	free(s->working_directory);
	s->working_directory = d;
	return 0;
}

/* ---- tables ---- */

#define SUP(f) offsetof(struct cfg_supervisor, f)
#define NET(f) offsetof(struct cfg_network, f)
#define COL(f) offsetof(struct cfg_colony, f)
#define SVC(f) offsetof(struct cfg_service, f)

static int cfg_key_bridge(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_subnet(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_gateway(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_network(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_address(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_hostname(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_namespaces(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_limit(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_cpu_max(struct cfg_ctx *, void *, const char *, const char *);
static int cfg_key_name_str(struct cfg_ctx *, void *, const char *, const char *);

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

/* ---- network and colony values ---- */

static int
cfg_key_name_str(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_supervisor *s = obj;
	char **p = strcmp(key, "cgroup_name") == 0 ? &s->cgroup_name : &s->netns_prefix;
	bool prefix = p == &s->netns_prefix;
	size_t len = strlen(v);

	/* Both end up in path names: keep them to the characters of names. */
	if ((prefix && len > 32) || (!prefix && !cfg_valid_name(v)) ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != len) {
		cfg_bad_value(ctx, key, v, prefix ? "up to 32 of the characters A-Z a-z 0-9 _ . -"
		    : "a name matching [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		return -1;
	}
	free(*p);
	*p = strdup(v);
	if (*p == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	return 0;
}

static int
cfg_key_bridge(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_network *n = obj;

	if (!cfg_valid_name(v) || strlen(v) > 15) {
		cfg_bad_value(ctx, key, v, "an interface name of 1 to 15 characters "
		    "A-Z a-z 0-9 _ . -, starting with a letter or digit");
		return -1;
	}
	snprintf(n->bridge, sizeof(n->bridge), "%s", v);
	return 0;
}

static int
cfg_key_subnet(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_network *n = obj;
	char addr[32];
	const char *slash = strchr(v, '/');
	uint64_t len;
	uint32_t a, mask;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - v), v);
	if (cfg_parse_ipv4(addr, &a) < 0 || cfg_parse_u64(slash + 1, 1, 30, &len) < 0)
		goto bad;
	mask = (uint32_t)(0xffffffffu << (32 - len));
	if ((a & ~mask) != 0)
		goto bad;
	n->subnet = a;
	n->prefix_len = (unsigned)len;
	return 0;
bad:
	cfg_bad_value(ctx, key, v, "an IPv4 network in CIDR form with a prefix of 1 to 30, "
	    "such as 10.88.0.0/16");
	return -1;
}

static int
cfg_key_gateway(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_network *n = obj;

	if (cfg_parse_ipv4(v, &n->gateway) == 0)
		return 0;
	cfg_bad_value(ctx, key, v, "an IPv4 address such as 10.88.0.1");
	return -1;
}

static int
cfg_key_network(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_colony *c = obj;

	c->network[0] = '\0';
	if (strcmp(v, "private") == 0) {
		c->net_mode = CFG_NET_PRIVATE;
	} else if (strcmp(v, "host") == 0) {
		c->net_mode = CFG_NET_HOST;
	} else if (cfg_valid_name(v)) {
		/* Whether the network exists is checked once every file is read. */
		c->net_mode = CFG_NET_NAMED;
		snprintf(c->network, sizeof(c->network), "%s", v);
	} else {
		cfg_bad_value(ctx, key, v, "private, host, or the name of a [network]");
		return -1;
	}
	return 0;
}

static int
cfg_key_address(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_colony *c = obj;
	uint32_t a;

	if (cfg_parse_ipv4(v, &a) < 0) {
		cfg_bad_value(ctx, key, v, "an IPv4 address such as 10.88.0.5");
		return -1;
	}
	cfg_format_ipv4(a, c->address, sizeof(c->address));
	return 0;
}

static int
cfg_key_hostname(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_colony *c = obj;

	if (!cfg_valid_name(v)) {
		cfg_bad_value(ctx, key, v, "a name matching [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
		return -1;
	}
	snprintf(c->hostname, sizeof(c->hostname), "%s", v);
	return 0;
}

static int
cfg_key_namespaces(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	static const char *const names[] = { "uts", "ipc", "pid", "mount" };
	struct cfg_colony *c = obj;
	unsigned ns = 0;

	for (const char *p = v + strspn(v, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		size_t len = strcspn(p, " \t"), i;
		for (i = 0; i < 4; i++)
			if (strlen(names[i]) == len && strncmp(p, names[i], len) == 0)
				break;
		if (i == 4) {
			cfg_bad_value(ctx, key, v, "a list of uts, ipc, pid, mount");
			return -1;
		}
		ns |= 1u << i;
		p += len;
	}
	c->namespaces = ns;
	return 0;
}

static int
cfg_key_limit(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_colony *c = obj;
	bool mem = strcmp(key, "memory_max") == 0;
	uint64_t *p = mem ? &c->memory_max : &c->pids_max;
	uint64_t n;

	if (strcmp(v, "max") == 0) {
		*p = 0;
		return 0;
	}
	if ((mem ? cfg_parse_size(v, &n) : cfg_parse_u64(v, 1, UINT32_MAX, &n)) < 0 || n == 0) {
		cfg_bad_value(ctx, key, v, mem ? "a size such as 512M or 1G, or max"
		    : "an integer from 1 to 4294967295, or max");
		return -1;
	}
	*p = n;
	return 0;
}

static int
cfg_key_cpu_max(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_colony *c = obj;
	char num[16];
	size_t len = strlen(v);
	uint64_t n;

	if (strcmp(v, "max") == 0) {
		c->cpu_max_percent = 0;
		return 0;
	}
	if (len < 2 || len > 8 || v[len - 1] != '%')
		goto bad;
	snprintf(num, sizeof(num), "%.*s", (int)(len - 1), v);
	if (cfg_parse_u64(num, 1, 100000, &n) < 0)
		goto bad;
	c->cpu_max_percent = (unsigned)n;
	return 0;
bad:
	cfg_bad_value(ctx, key, v, "a percentage of one CPU from 1% to 100000%, or max");
	return -1;
}

/* ---- defaults and dispatch ---- */

static void
cfg_policy_defaults(struct cfg_restart_policy *p, uint64_t shutdown_ms)
{
	p->restart = CFG_PERMANENT;
	p->restart_delay_ms = 0;
	p->restart_delay_max_ms = 30000;
	p->stable_after_ms = 10000;
	p->shutdown_ms = shutdown_ms;
	p->autostart = true;
}

void
cfg_service_defaults(struct cfg_service *s)
{
	memset(s, 0, sizeof(*s));
	cfg_policy_defaults(&s->policy, 5000);
	s->stop_signal = SIGTERM;
	s->ready = CFG_READY_NONE;
	s->ready_timeout_ms = 30000;
	s->caps_mode = CFG_CAPS_DEFAULT;
	s->no_new_privileges = true;
	s->seccomp = CFG_SECCOMP_DEFAULT;
	s->log = CFG_LOG_FILE;
	s->log_max_size = 10ull << 20;
	s->log_keep = 5;
}

void
cfg_colony_defaults(struct cfg_colony *c)
{
	memset(c, 0, sizeof(*c));
	cfg_policy_defaults(&c->policy, 10000);
	c->strategy = CFG_ONE_FOR_ONE;
	c->intensity = 5;
	c->period_ms = 60000;
	c->net_mode = CFG_NET_PRIVATE;
	c->namespaces = CFG_NS_UTS | CFG_NS_IPC;
}

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
	cfg_section_label(ctx, label, sizeof(label));
	if (keys[i].name == NULL) {
		cfg_error(ctx, "unknown key \"%s\" in %s", key, label);
		return -1;
	}
	if (!keys[i].repeat && (*seen & (1ull << i))) {
		cfg_error(ctx, "duplicate key \"%s\" in %s", key, label);
		return -1;
	}
	*seen |= 1ull << i;
	return cfg_set_value(ctx, &keys[i], obj, value);
}
