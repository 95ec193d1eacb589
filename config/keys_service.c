/* keys_service.c: values of [service] and [supervisor] keys that need more than a table entry. */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "config/cfg_internal.h"

int
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

int
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

int
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

int
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

int
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

int
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

int
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

int
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

int
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

int
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

int
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

int
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
