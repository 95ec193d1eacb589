/* sections.c: [section] headers and the objects they create. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

/*
 * Room for element n of an array that grows by doubling (its capacity is n
 * rounded up to a power of two). Grown one element at a time, a 200-colony
 * array moved 200 times per load: quadratic, and each reload left holes of
 * every size across the root's heap. NULL on ENOMEM (v is then unchanged).
 */
static void *
cfg_room(void *v, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return v;
	return realloc(v, (n != 0 ? 2 * n : 1) * size);
}

static size_t
cfg_hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Colonies are looked up by name on every header: keep it O(1) for 10,000 of them. */
static int
cfg_hash_insert(struct cfg_ctx *ctx, size_t idx)
{
	if ((ctx->cfg->n_colonies + 1) * 2 > ctx->hash_cap) {
		size_t cap = ctx->hash_cap ? ctx->hash_cap * 2 : 64;
		size_t *t = calloc(cap, sizeof(size_t));
		if (t == NULL)
			return -1;
		free(ctx->colony_hash);
		ctx->colony_hash = t;
		ctx->hash_cap = cap;
		for (size_t i = 0; i < ctx->cfg->n_colonies; i++)
			if (i != idx)
				cfg_hash_insert(ctx, i);
	}
	size_t h = cfg_hash(ctx->cfg->colonies[idx].name) & (ctx->hash_cap - 1);
	while (ctx->colony_hash[h] != 0)
		h = (h + 1) & (ctx->hash_cap - 1);
	ctx->colony_hash[h] = idx + 1;
	return 0;
}

ssize_t
cfg_colony_index(struct cfg_ctx *ctx, const char *name)
{
	size_t h;

	if (ctx->hash_cap == 0)
		return -1;
	h = cfg_hash(name) & (ctx->hash_cap - 1);
	for (; ctx->colony_hash[h] != 0; h = (h + 1) & (ctx->hash_cap - 1))
		if (strcmp(ctx->cfg->colonies[ctx->colony_hash[h] - 1].name, name) == 0)
			return (ssize_t)(ctx->colony_hash[h] - 1);
	return -1;
}

const char *
cfg_section_label(struct cfg_ctx *ctx, char *buf, size_t len)
{
	struct cfg *cfg = ctx->cfg;

	switch (ctx->kind) {
	case CFG_SEC_NETWORK:
		snprintf(buf, len, "[network %s]", cfg->networks[ctx->net].name);
		break;
	case CFG_SEC_COLONY:
		snprintf(buf, len, "[colony %s]", cfg->colonies[ctx->colony].name);
		break;
	case CFG_SEC_SERVICE:
		snprintf(buf, len, "[service %s/%s]", cfg->colonies[ctx->colony].name,
		    cfg->colonies[ctx->colony].services[ctx->service].name);
		break;
	default:
		snprintf(buf, len, "[supervisor]");
		break;
	}
	return buf;
}

static int
cfg_set_origin(struct cfg_ctx *ctx, struct cfg_origin *o)
{
	o->file = strdup(ctx->frame->path);
	o->line = ctx->line;
	if (o->file == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	return 0;
}

static int
cfg_check_name(struct cfg_ctx *ctx, const char *what, const char *name)
{
	if (cfg_valid_name(name))
		return 0;
	cfg_error(ctx, "bad %s name \"%s\" (allowed: [A-Za-z0-9][A-Za-z0-9_.-]{0,63})", what, name);
	return -1;
}

static int
cfg_section_network(struct cfg_ctx *ctx, const char *name)
{
	struct cfg *cfg = ctx->cfg;
	struct cfg_network *n;

	if (cfg_check_name(ctx, "network", name) < 0)
		return -1;
	if (strcmp(name, "private") == 0 || strcmp(name, "host") == 0) {
		cfg_error(ctx, "bad network name \"%s\" (private and host are reserved)", name);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_networks; i++) {
		if (strcmp(cfg->networks[i].name, name) == 0) {
			cfg_error(ctx, "duplicate network \"%s\" (first at %s:%d)", name,
			    cfg->networks[i].origin.file, cfg->networks[i].origin.line);
			return -1;
		}
	}
	n = cfg_room(cfg->networks, cfg->n_networks, sizeof(*n));
	if (n == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	cfg->networks = n;
	n = &n[cfg->n_networks++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	ctx->kind = CFG_SEC_NETWORK;
	ctx->net = cfg->n_networks - 1;
	return cfg_set_origin(ctx, &n->origin);
}

/* Finds or creates colony `name`; a [service] may mention it before its [colony]. */
static ssize_t
cfg_get_colony(struct cfg_ctx *ctx, const char *name)
{
	struct cfg *cfg = ctx->cfg;
	ssize_t i = cfg_colony_index(ctx, name);
	struct cfg_colony *c;

	if (i >= 0)
		return i;
	c = cfg_room(cfg->colonies, cfg->n_colonies, sizeof(*c));
	if (c == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	cfg->colonies = c;
	cfg_colony_defaults(&c[cfg->n_colonies]);
	snprintf(c[cfg->n_colonies].name, sizeof(c->name), "%s", name);
	cfg->n_colonies++;
	if (cfg_hash_insert(ctx, cfg->n_colonies - 1) < 0) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	return (ssize_t)cfg->n_colonies - 1;
}

static int
cfg_section_colony(struct cfg_ctx *ctx, const char *name)
{
	ssize_t i;
	struct cfg_colony *c;

	if (cfg_check_name(ctx, "colony", name) < 0 || (i = cfg_get_colony(ctx, name)) < 0)
		return -1;
	c = &ctx->cfg->colonies[i];
	/* origin.file is set by the [colony] header only, so it marks a declared colony. */
	if (c->origin.file != NULL) {
		cfg_error(ctx, "duplicate colony \"%s\" (first at %s:%d)", name,
		    c->origin.file, c->origin.line);
		return -1;
	}
	ctx->kind = CFG_SEC_COLONY;
	ctx->colony = (size_t)i;
	return cfg_set_origin(ctx, &c->origin);
}

static int
cfg_section_service(struct cfg_ctx *ctx, char *name)
{
	char *slash = strchr(name, '/');
	struct cfg_colony *c;
	struct cfg_service *s;
	ssize_t i;

	if (slash == NULL) {
		cfg_error(ctx, "bad service name \"%s\" (allowed: COLONY/SERVICE)", name);
		return -1;
	}
	*slash = '\0';
	if (cfg_check_name(ctx, "colony", name) < 0 || cfg_check_name(ctx, "service", slash + 1) < 0)
		return -1;
	if ((i = cfg_get_colony(ctx, name)) < 0)
		return -1;
	c = &ctx->cfg->colonies[i];
	for (size_t j = 0; j < c->n_services; j++) {
		if (strcmp(c->services[j].name, slash + 1) == 0) {
			cfg_error(ctx, "duplicate service \"%s/%s\" (first at %s:%d)", name,
			    slash + 1, c->services[j].origin.file, c->services[j].origin.line);
			return -1;
		}
	}
	s = cfg_room(c->services, c->n_services, sizeof(*s));
	if (s == NULL) {
		cfg_error(ctx, "out of memory");
		return -1;
	}
	c->services = s;
	s = &s[c->n_services++];
	cfg_service_defaults(s);
	snprintf(s->name, sizeof(s->name), "%s", slash + 1);
	ctx->kind = CFG_SEC_SERVICE;
	ctx->colony = (size_t)i;
	ctx->service = c->n_services - 1;
	return cfg_set_origin(ctx, &s->origin);
}

/* header is the text between [ and ], e.g. "colony web". */
int
cfg_handle_section(struct cfg_ctx *ctx, char *header)
{
	char *type = header + strspn(header, " \t");
	char *name = type + strcspn(type, " \t");
	char *end;

	if (*name != '\0')
		*name++ = '\0';
	name += strspn(name, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	ctx->seen = 0;
	if (strcmp(type, "supervisor") == 0 && *name == '\0') {
		ctx->kind = CFG_SEC_SUPERVISOR;
		return 0;
	}
	if (strcmp(type, "network") == 0 && *name != '\0')
		return cfg_section_network(ctx, name);
	if (strcmp(type, "colony") == 0 && *name != '\0')
		return cfg_section_colony(ctx, name);
	if (strcmp(type, "service") == 0 && *name != '\0')
		return cfg_section_service(ctx, name);
	cfg_error(ctx, "unknown section [%s%s%s] (allowed: [supervisor], [network NAME], "
	    "[colony NAME], [service COLONY/NAME])", type, *name != '\0' ? " " : "", name);
	return -1;
}
