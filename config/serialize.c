/* serialize.c: one colony as self-contained text for colonyd, and its strict parser. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

/*
 * The format is one "key value" pair per line, values already resolved to
 * numbers (uids, capabilities, syscalls, enums), so colonyd never needs
 * passwd, libcap names or libseccomp names to read it back:
 *
 *	colony-v1 NAME
 *	key value			colony keys
 *	service NAME
 *	key value			that service's keys; list keys repeat
 *	end
 *
 * Strings escape '\\', control bytes and DEL as \xHH. The parser accepts
 * only what the serializer could write, so fuzzed input cannot build a
 * colony that the loader would have refused.
 */

_Static_assert(sizeof(uid_t) == sizeof(unsigned), "uid_t is an unsigned int");
_Static_assert(sizeof(gid_t) == sizeof(unsigned), "gid_t is an unsigned int");

enum cfg_skind { S_U64, S_UINT, S_INT, S_BOOL, S_STR, S_ADDR, S_NETNAME, S_HOSTNAME,
	S_ARGV, S_ENV, S_EXIT, S_CAP, S_SYSCALL, S_GID };

struct cfg_skey {
	const char *name;
	enum cfg_skind kind;
	size_t off;
	uint64_t min, max;
};

#define CO(f) offsetof(struct cfg_colony, f)
#define SV(f) offsetof(struct cfg_service, f)
#define POL(base) \
	{ "restart", S_INT, base(policy.restart), 0, 2 }, \
	{ "restart_delay", S_U64, base(policy.restart_delay_ms), 0, UINT64_MAX }, \
	{ "restart_delay_max", S_U64, base(policy.restart_delay_max_ms), 0, UINT64_MAX }, \
	{ "stable_after", S_U64, base(policy.stable_after_ms), 0, UINT64_MAX }, \
	{ "shutdown", S_U64, base(policy.shutdown_ms), 0, UINT64_MAX }, \
	{ "autostart", S_BOOL, base(policy.autostart), 0, 1 }

static const struct cfg_skey cfg_colony_skeys[] = {
	{ "origin_file", S_STR, CO(origin.file), 0, 0 },
	{ "origin_line", S_INT, CO(origin.line), 0, INT32_MAX },
	POL(CO),
	{ "strategy", S_INT, CO(strategy), 0, 2 },
	{ "intensity", S_UINT, CO(intensity), 0, 1000000 },
	{ "period", S_U64, CO(period_ms), 0, UINT64_MAX },
	{ "net_mode", S_INT, CO(net_mode), 0, 2 },
	{ "network", S_NETNAME, CO(network), 0, 0 },
	{ "address", S_ADDR, CO(address), 0, 0 },
	{ "hostname", S_HOSTNAME, CO(hostname), 0, 0 },
	{ "namespaces", S_UINT, CO(namespaces), 0, 15 },
	{ "memory_max", S_U64, CO(memory_max), 0, UINT64_MAX },
	{ "pids_max", S_U64, CO(pids_max), 0, UINT64_MAX },
	{ "cpu_max", S_UINT, CO(cpu_max_percent), 0, 100000 },
	{ "cpu_weight", S_UINT, CO(cpu_weight), 0, 10000 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct cfg_skey cfg_service_skeys[] = {
	{ "origin_file", S_STR, SV(origin.file), 0, 0 },
	{ "origin_line", S_INT, SV(origin.line), 0, INT32_MAX },
	POL(SV),
	{ "argv", S_ARGV, SV(argv), 0, 0 },
	{ "stop_signal", S_INT, SV(stop_signal), 1, 64 },
	{ "ready", S_INT, SV(ready), 0, 2 },
	{ "ready_fd", S_INT, SV(ready_fd), 0, 1023 },
	{ "ready_timeout", S_U64, SV(ready_timeout_ms), 0, UINT64_MAX },
	{ "success", S_EXIT, SV(success_exit_status), 0, 255 },
	{ "user", S_STR, SV(user), 0, 0 },
	{ "uid", S_UINT, SV(uid), 0, UINT32_MAX },
	{ "gid", S_UINT, SV(gid), 0, UINT32_MAX },
	{ "has_group", S_BOOL, SV(has_group), 0, 1 },
	{ "sgid", S_GID, SV(groups), 0, UINT32_MAX - 1 },
	{ "working_directory", S_STR, SV(working_directory), 0, 0 },
	{ "env", S_ENV, SV(environment), 0, 0 },
	{ "limit_nofile", S_U64, SV(limit_nofile), 0, UINT64_MAX },
	{ "caps_mode", S_INT, SV(caps_mode), 0, 3 },
	{ "cap", S_CAP, 0, 0, CFG_MAX_CAPS - 1 },
	{ "no_new_privileges", S_BOOL, SV(no_new_privileges), 0, 1 },
	{ "seccomp", S_INT, SV(seccomp), 0, 1 },
	{ "deny", S_SYSCALL, SV(seccomp_deny), 0, INT32_MAX },
	{ "allow", S_SYSCALL, SV(seccomp_allow), 0, INT32_MAX },
	{ "log", S_INT, SV(log), 0, 2 },
	{ "log_max_size", S_U64, SV(log_max_size), 0, UINT64_MAX },
	{ "log_keep", S_UINT, SV(log_keep), 0, 1000 },
	{ NULL, 0, 0, 0, 0 },
};

/* ---- writing ---- */

static void
cfg_put_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "%s ", key);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
	putc('\n', f);
}

static void
cfg_put_int_list(FILE *f, const char *key, const int *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %d\n", key, v[i]);
}

static void
cfg_put_fields(FILE *f, const struct cfg_skey *keys, const void *obj)
{
	for (const struct cfg_skey *k = keys; k->name != NULL; k++) {
		const void *p = (const char *)obj + k->off;
		switch (k->kind) {
		case S_U64:
			fprintf(f, "%s %llu\n", k->name, (unsigned long long)*(const uint64_t *)p);
			break;
		case S_UINT:
			fprintf(f, "%s %u\n", k->name, *(const unsigned *)p);
			break;
		case S_INT:
			fprintf(f, "%s %d\n", k->name, *(const int *)p);
			break;
		case S_BOOL:
			fprintf(f, "%s %d\n", k->name, *(const bool *)p ? 1 : 0);
			break;
		case S_STR:
			if (*(char *const *)p != NULL)
				cfg_put_str(f, k->name, *(char *const *)p);
			break;
		case S_ADDR:
		case S_NETNAME:
		case S_HOSTNAME:
			cfg_put_str(f, k->name, (const char *)p);
			break;
		case S_ARGV:
		case S_ENV:
			for (char *const *v = *(char **const *)p; v != NULL && *v != NULL; v++)
				cfg_put_str(f, k->name, *v);
			break;
		default:
			break;	/* int lists: written by the caller, which knows their counts */
		}
	}
}

char *
cfg_colony_serialize(const struct cfg_colony *c, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	fprintf(f, "colony-v1 %s\n", c->name);
	cfg_put_fields(f, cfg_colony_skeys, c);
	for (size_t i = 0; i < c->n_services; i++) {
		const struct cfg_service *s = &c->services[i];
		fprintf(f, "service %s\n", s->name);
		cfg_put_fields(f, cfg_service_skeys, s);
		cfg_put_int_list(f, "success", s->success_exit_status, s->n_success_exit_status);
		cfg_put_int_list(f, "cap", s->caps, s->n_caps);
		cfg_put_int_list(f, "deny", s->seccomp_deny, s->n_seccomp_deny);
		cfg_put_int_list(f, "allow", s->seccomp_allow, s->n_seccomp_allow);
		for (size_t g = 0; g < s->n_groups; g++)
			fprintf(f, "sgid %u\n", (unsigned)s->groups[g]);
	}
	fputs("end\n", f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len != NULL)
		*len = size;
	return buf;
}

/* ---- reading ---- */

/* Decodes \xHH in place; refuses anything the writer would have escaped. */
static int
cfg_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '\\') {
			static const char hex[] = "0123456789abcdef";
			unsigned v;
			/* Exactly two lowercase hex digits, as the writer makes them. */
			if (s[1] != 'x' || strspn(s + 2, hex) < 2)
				return -1;
			v = (unsigned)(strchr(hex, s[2]) - hex) << 4 | (unsigned)(strchr(hex, s[3]) - hex);
			if (v == 0)
				return -1;
			c = (unsigned char)v;
			s += 3;
		}
		*o++ = (char)c;
	}
	*o = '\0';
	return 0;
}

static int
cfg_push_int(int **v, size_t *n, int x, size_t max)
{
	int *nv;

	if (*n >= max)
		return -1;
	nv = realloc(*v, (*n + 1) * sizeof(int));
	if (nv == NULL)
		return -1;
	nv[(*n)++] = x;
	*v = nv;
	return 0;
}

static int
cfg_push_str(char ***v, const char *s)
{
	size_t n = cfg_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (nv == NULL)
		return -1;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] == NULL ? -1 : 0;
}

static int
cfg_set_list(struct cfg_service *s, const struct cfg_skey *k, void *p, const char *v, uint64_t n)
{
	switch (k->kind) {
	case S_ARGV:
		return cfg_push_str(p, v);
	case S_ENV:
		return strchr(v, '=') == NULL || v[0] == '=' ? -1 : cfg_push_str(p, v);
	case S_EXIT:
		return cfg_push_int(&s->success_exit_status, &s->n_success_exit_status, (int)n, 256);
	case S_CAP:
		if (s->n_caps >= CFG_MAX_CAPS)
			return -1;
		s->caps[s->n_caps++] = (int)n;
		return 0;
	case S_GID: {
		gid_t *g = s->n_groups < 65536 ? realloc(s->groups, (s->n_groups + 1) * sizeof(gid_t)) : NULL;
		if (g == NULL)
			return -1;
		g[s->n_groups++] = (gid_t)n;
		s->groups = g;
		return 0;
	}
	default: {
		bool deny = p == (void *)&s->seccomp_deny;
		return cfg_push_int(deny ? &s->seccomp_deny : &s->seccomp_allow,
		    deny ? &s->n_seccomp_deny : &s->n_seccomp_allow, (int)n, 4096);
	}
	}
}

static bool
cfg_is_numeric(enum cfg_skind kind)
{
	return kind == S_U64 || kind == S_UINT || kind == S_INT || kind == S_BOOL ||
	    kind == S_EXIT || kind == S_CAP || kind == S_SYSCALL || kind == S_GID;
}

static int
cfg_set_field(void *obj, const struct cfg_skey *k, char *v)
{
	void *p = (char *)obj + k->off;
	uint64_t n = 0;
	uint32_t a;

	if (cfg_is_numeric(k->kind) && cfg_parse_u64(v, k->min, k->max, &n) < 0)
		return -1;
	if (!cfg_is_numeric(k->kind) && cfg_unescape(v) < 0)
		return -1;
	switch (k->kind) {
	case S_U64: *(uint64_t *)p = n; return 0;
	case S_UINT: *(unsigned *)p = (unsigned)n; return 0;
	case S_INT: *(int *)p = (int)n; return 0;
	case S_BOOL: *(bool *)p = n != 0; return 0;
	case S_STR: {
		char *d = strdup(v);
		if (d == NULL)
			return -1;
		free(*(char **)p);
		*(char **)p = d;
		return 0;
	}
	case S_ADDR:
		if (v[0] != '\0' && cfg_parse_ipv4(v, &a) < 0)
			return -1;
		snprintf(p, 64, "%s", v);
		return strlen(v) < 64 ? 0 : -1;
	case S_NETNAME:
	case S_HOSTNAME:
		if ((v[0] != '\0' || k->kind == S_HOSTNAME) && !cfg_valid_name(v))
			return -1;
		memcpy(p, v, strlen(v) + 1);
		return 0;
	default:
		return cfg_set_list(obj, k, p, v, n);
	}
}

static int
cfg_parse_kv(struct cfg_colony *c, struct cfg_service *s, char *line)
{
	const struct cfg_skey *k = s != NULL ? cfg_service_skeys : cfg_colony_skeys;
	char *v = strchr(line, ' ');

	if (v == NULL)
		return -1;
	*v++ = '\0';
	for (; k->name != NULL; k++)
		if (strcmp(k->name, line) == 0)
			return cfg_set_field(s != NULL ? (void *)s : (void *)c, k, v);
	return -1;
}

static struct cfg_service *
cfg_parse_add_service(struct cfg_colony *c, char *name)
{
	struct cfg_service *s;

	if (cfg_unescape(name) < 0 || !cfg_valid_name(name) || c->n_services >= 100000)
		return NULL;
	for (size_t i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return NULL;
	s = realloc(c->services, (c->n_services + 1) * sizeof(*s));
	if (s == NULL)
		return NULL;
	c->services = s;
	s = &s[c->n_services++];
	cfg_service_defaults(s);
	memcpy(s->name, name, strlen(name) + 1);
	return s;
}

/* What the loader guarantees and colonyd relies on; fuzzed input must not break it. */
static int
cfg_parse_fixup(struct cfg_colony *c)
{
	if ((c->net_mode == CFG_NET_NAMED) != (c->network[0] != '\0') ||
	    (c->address[0] != '\0' && c->net_mode != CFG_NET_NAMED) || c->hostname[0] == '\0')
		return -1;
	for (size_t i = 0; i < c->n_services; i++) {
		struct cfg_service *s = &c->services[i];
		if (s->argv == NULL || s->argv[0][0] == '\0')
			return -1;
		if ((s->ready == CFG_READY_FD) != (s->ready_fd >= 3))
			return -1;
		if (s->n_caps > 0 && s->caps_mode != CFG_CAPS_LIST)
			return -1;
		if (s->working_directory == NULL && (s->working_directory = strdup("/")) == NULL)
			return -1;
		if (s->environment == NULL && (s->environment = calloc(1, sizeof(char *))) == NULL)
			return -1;
		if (s->n_success_exit_status == 0 &&
		    cfg_push_int(&s->success_exit_status, &s->n_success_exit_status, 0, 1) < 0)
			return -1;
	}
	return 0;
}

static int
cfg_parse_lines(struct cfg_colony *c, char *text, char *err, size_t errlen)
{
	struct cfg_service *s = NULL;
	int lineno = 1;
	char *line = text, *nl;

	if (strncmp(text, "colony-v1 ", 10) != 0)
		goto bad;
	nl = strchr(text, '\n');
	if (nl == NULL)
		goto bad;
	*nl = '\0';
	if (cfg_unescape(text + 10) < 0 || !cfg_valid_name(text + 10))
		goto bad;
	memcpy(c->name, text + 10, strlen(text + 10) + 1);
	for (line = nl + 1; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		lineno++;
		*nl = '\0';
		if (strcmp(line, "end") == 0)
			return nl[1] == '\0' && cfg_parse_fixup(c) == 0 ? 0 : -1;
		if (strncmp(line, "service ", 8) == 0)
			s = cfg_parse_add_service(c, line + 8);
		if ((strncmp(line, "service ", 8) == 0 && s == NULL) ||
		    (strncmp(line, "service ", 8) != 0 && cfg_parse_kv(c, s, line) < 0))
			goto bad;
	}
bad:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "colony text:%d: malformed line", lineno);
	return -1;
}

struct cfg_colony *
cfg_colony_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct cfg_colony *c;
	char *copy;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL || memchr(text, '\0', len) != NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "colony text: NUL byte or no text");
		return NULL;
	}
	c = malloc(sizeof(*c));
	copy = strndup(text, len);
	if (c == NULL || copy == NULL) {
		free(c);
		free(copy);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "colony text: out of memory");
		return NULL;
	}
	cfg_colony_defaults(c);
	if (cfg_parse_lines(c, copy, err, errlen) < 0) {
		if (err != NULL && errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "colony text: inconsistent values");
		cfg_colony_free(c);
		c = NULL;
	}
	free(copy);
	return c;
}

void
cfg_colony_free(struct cfg_colony *c)
{
	if (c == NULL)
		return;
	cfg_colony_release(c);
	free(c);
}
