/* keys_colony.c: values of [colony], [network] and naming keys that need more than a table entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

int
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

int
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

int
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

int
cfg_key_gateway(struct cfg_ctx *ctx, void *obj, const char *key, const char *v)
{
	struct cfg_network *n = obj;

	if (cfg_parse_ipv4(v, &n->gateway) == 0)
		return 0;
	cfg_bad_value(ctx, key, v, "an IPv4 address such as 10.88.0.1");
	return -1;
}

int
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

int
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

int
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

int
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

int
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

int
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
