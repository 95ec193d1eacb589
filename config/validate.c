/* validate.c: checks that need the whole configuration, and defaults that depend on other keys. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

static int
cfg_default_str(char **p, const char *value)
{
	if (*p == NULL)
		*p = strdup(value);
	return *p == NULL ? -1 : 0;
}

static int
cfg_finish_supervisor(struct cfg_ctx *ctx)
{
	struct cfg_supervisor *s = &ctx->cfg->sup;

	if (cfg_default_str(&s->state_dir, "/run/colony") < 0 ||
	    cfg_default_str(&s->log_dir, "/var/log/colony") < 0 ||
	    cfg_default_str(&s->cgroup_name, "colony") < 0 ||
	    cfg_default_str(&s->netns_prefix, "colony-") < 0 ||
	    (s->control_socket == NULL &&
	     asprintf(&s->control_socket, "%s/control.sock", s->state_dir) < 0)) {
		s->control_socket = NULL;
		cfg_error_at(ctx, ctx->cfg->path, 0, "out of memory");
		return -1;
	}
	return 0;
}

static uint32_t
cfg_mask(unsigned prefix_len)
{
	return prefix_len == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - prefix_len));
}

/* A usable host address of the network: inside, and neither its network nor broadcast address. */
static bool
cfg_host_in(const struct cfg_network *n, uint32_t a)
{
	uint32_t m = cfg_mask(n->prefix_len);

	return (a & m) == n->subnet && a != n->subnet && a != (n->subnet | ~m);
}

static int
cfg_finish_network(struct cfg_ctx *ctx, size_t i)
{
	struct cfg_network *n = &ctx->cfg->networks[i];
	const char *f = n->origin.file;
	int l = n->origin.line;
	char gw[16];

	if (n->prefix_len == 0) {
		cfg_error_at(ctx, f, l, "network \"%s\" has no subnet", n->name);
		return -1;
	}
	if (n->bridge[0] == '\0') {
		if (strlen(n->name) > 15) {
			cfg_error_at(ctx, f, l, "network \"%s\" needs a bridge: its name is "
			    "longer than 15 characters", n->name);
			return -1;
		}
		memcpy(n->bridge, n->name, strlen(n->name) + 1);
	}
	if (n->gateway == 0)
		n->gateway = n->subnet + 1;
	if (!cfg_host_in(n, n->gateway)) {
		cfg_format_ipv4(n->gateway, gw, sizeof(gw));
		cfg_error_at(ctx, f, l, "gateway %s of network \"%s\" is not a host address "
		    "of its subnet", gw, n->name);
		return -1;
	}
	for (size_t j = 0; j < i; j++) {
		const struct cfg_network *o = &ctx->cfg->networks[j];
		uint32_t m = cfg_mask(n->prefix_len < o->prefix_len ? n->prefix_len : o->prefix_len);
		if ((n->subnet & m) == (o->subnet & m)) {
			cfg_error_at(ctx, f, l, "subnet of network \"%s\" overlaps network \"%s\"",
			    n->name, o->name);
			return -1;
		}
		if (strcmp(n->bridge, o->bridge) == 0) {
			cfg_error_at(ctx, f, l, "bridge %s of network \"%s\" is already used by "
			    "network \"%s\"", n->bridge, n->name, o->name);
			return -1;
		}
	}
	return 0;
}

static int
cfg_finish_service(struct cfg_ctx *ctx, const struct cfg_colony *c, struct cfg_service *s)
{
	static const int success_default = 0;

	if (s->argv == NULL) {
		cfg_error_at(ctx, s->origin.file, s->origin.line,
		    "service \"%s/%s\" has no command", c->name, s->name);
		return -1;
	}
	if ((s->working_directory == NULL && (s->working_directory = strdup("/")) == NULL) ||
	    (s->environment == NULL && (s->environment = calloc(1, sizeof(char *))) == NULL) ||
	    (s->success_exit_status == NULL &&
	     (s->success_exit_status = malloc(sizeof(int))) == NULL)) {
		cfg_error_at(ctx, s->origin.file, s->origin.line, "out of memory");
		return -1;
	}
	if (s->n_success_exit_status == 0) {
		s->success_exit_status[0] = success_default;
		s->n_success_exit_status = 1;
	}
	/* Here, once, rather than in every colonyd: a look-up may load NSS modules. */
	if (cfg_resolve_groups(ctx, s) < 0) {
		cfg_error_at(ctx, s->origin.file, s->origin.line, "out of memory");
		return -1;
	}
	return 0;
}

static int
cfg_finish_colony(struct cfg_ctx *ctx, struct cfg_colony *c)
{
	const char *f = c->origin.file;
	int l = c->origin.line;

	if (f == NULL) {
		/* Only a [service] created it: point at that service. */
		cfg_error_at(ctx, c->services[0].origin.file, c->services[0].origin.line,
		    "service \"%s/%s\" belongs to unknown colony \"%s\"", c->name,
		    c->services[0].name, c->name);
		return -1;
	}
	if (c->n_services == 0) {
		cfg_error_at(ctx, f, l, "colony \"%s\" has no service", c->name);
		return -1;
	}
	for (size_t i = 0; i < c->n_services; i++)
		if (cfg_finish_service(ctx, c, &c->services[i]) < 0)
			return -1;
	if (c->hostname[0] == '\0')
		snprintf(c->hostname, sizeof(c->hostname), "%s", c->name);
	if (c->net_mode == CFG_NET_NAMED && cfg_find_network(ctx->cfg, c->network) == NULL) {
		cfg_error_at(ctx, f, l, "colony \"%s\" uses unknown network \"%s\"", c->name,
		    c->network);
		return -1;
	}
	if (c->net_mode != CFG_NET_NAMED && c->address[0] != '\0') {
		cfg_error_at(ctx, f, l, "colony \"%s\" sets address without a named network",
		    c->name);
		return -1;
	}
	return 0;
}

struct cfg_addr_use {
	const struct cfg_network *net;
	uint32_t addr;
	const struct cfg_colony *colony;
};

static int
cfg_addr_cmp(const void *a, const void *b)
{
	const struct cfg_addr_use *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Report the later colony: order by position in the configuration. */
	return x->colony < y->colony ? -1 : x->colony > y->colony;
}

/* Static addresses: inside their subnet, not the gateway, each used once. */
static int
cfg_finish_addresses(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;
	struct cfg_addr_use *u = calloc(cfg->n_colonies + 1, sizeof(*u));
	size_t n = 0;

	if (u == NULL) {
		cfg_error_at(ctx, cfg->path, 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_colonies && !ctx->failed; i++) {
		const struct cfg_colony *c = &cfg->colonies[i];
		const struct cfg_network *net = cfg_find_network(cfg, c->network);
		uint32_t a;
		if (c->net_mode != CFG_NET_NAMED || c->address[0] == '\0' ||
		    cfg_parse_ipv4(c->address, &a) < 0)
			continue;
		if (!cfg_host_in(net, a))
			cfg_error_at(ctx, c->origin.file, c->origin.line, "address %s of colony "
			    "\"%s\" is not a host address of network \"%s\"", c->address,
			    c->name, net->name);
		else if (a == net->gateway)
			cfg_error_at(ctx, c->origin.file, c->origin.line, "address %s of colony "
			    "\"%s\" is the gateway of network \"%s\"", c->address, c->name,
			    net->name);
		u[n++] = (struct cfg_addr_use){ net, a, c };
	}
	if (!ctx->failed && n > 1)
		qsort(u, n, sizeof(*u), cfg_addr_cmp);
	for (size_t i = 1; i < n && !ctx->failed; i++) {
		if (u[i].net == u[i - 1].net && u[i].addr == u[i - 1].addr)
			cfg_error_at(ctx, u[i].colony->origin.file, u[i].colony->origin.line,
			    "address %s of colony \"%s\" is already used by colony \"%s\"",
			    u[i].colony->address, u[i].colony->name, u[i - 1].colony->name);
	}
	free(u);
	return ctx->failed ? -1 : 0;
}

/* Every colony on a network needs a host address other than the gateway: count them. */
static int
cfg_finish_capacity(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;

	for (size_t k = 0; k < cfg->n_networks; k++) {
		const struct cfg_network *n = &cfg->networks[k];
		uint64_t room = (1ULL << (32 - n->prefix_len)) - 3, used = 0;
		for (size_t i = 0; i < cfg->n_colonies; i++) {
			const struct cfg_colony *c = &cfg->colonies[i];
			if (c->net_mode != CFG_NET_NAMED || strcmp(c->network, n->name) != 0 ||
			    ++used <= room)
				continue;
			cfg_error_at(ctx, c->origin.file, c->origin.line, "colony \"%s\" does not fit "
			    "in network \"%s\": its %llu host addresses besides the gateway are taken",
			    c->name, n->name, (unsigned long long)room);
			return -1;
		}
	}
	return 0;
}

int
cfg_finish(struct cfg_ctx *ctx)
{
	struct cfg *cfg = ctx->cfg;

	if (cfg_finish_supervisor(ctx) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_networks; i++)
		if (cfg_finish_network(ctx, i) < 0)
			return -1;
	for (size_t i = 0; i < cfg->n_colonies; i++)
		if (cfg_finish_colony(ctx, &cfg->colonies[i]) < 0)
			return -1;
	if (cfg_finish_addresses(ctx) < 0)
		return -1;
	return cfg_finish_capacity(ctx);
}
