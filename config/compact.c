/* compact.c: moves a loaded configuration into one block, so a daemon's heap does not keep the parser's thousands of small pieces. */
#include <assert.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"

/*
 * Why: the root keeps its configuration for months and replaces it at every
 * reload. Left as the parser made it (a few thousand small allocations for a
 * few hundred colonies), each new configuration was laid into whatever holes
 * the heap had, next to the old one, so after every reload its pieces were
 * spread over more pages and RSS crept up, reload after reload. In one block
 * (a mapping of its own once it is 64 kB or more), a reload maps the new one
 * and unmaps the old one, and the parser's pieces, all freed at once, leave
 * the heap as it was.
 *
 * Two passes over the same walk: the first (base NULL) only measures, the
 * second copies. The block starts with the struct cfg itself. Strings shared
 * by many objects (the file of each origin) are stored once. The [supervisor]
 * strings stay separate allocations: a reload swaps them between
 * configurations (root_reload.c).
 */
struct blk {
	char *base;		/* NULL while measuring */
	size_t off;
	const char *last_in;	/* the last origin file copied, and its copy */
	char *last_out;
};

static void *
blk_take(struct blk *b, size_t size, size_t align)
{
	void *p;

	b->off = (b->off + align - 1) & ~(align - 1);
	p = b->base != NULL ? b->base + b->off : NULL;
	b->off += size;
	return p;
}

static char *
blk_str(struct blk *b, const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = blk_take(b, n, 1);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static char *
blk_origin(struct blk *b, const char *file)
{
	if (file != NULL && b->last_in != NULL && strcmp(file, b->last_in) == 0)
		return b->last_out;
	b->last_in = file;
	b->last_out = blk_str(b, file);
	return b->last_out;
}

/* An array of n elements; NULL stays NULL, and an empty one stays non-NULL. */
static void *
blk_mem(struct blk *b, const void *v, size_t size)
{
	void *p;

	if (v == NULL)
		return NULL;
	p = blk_take(b, size != 0 ? size : 1, alignof(max_align_t));
	if (p != NULL)
		memcpy(p, v, size);
	return p;
}

static char **
blk_strv(struct blk *b, char *const *v)
{
	size_t n = 0;
	char **p;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	p = blk_take(b, (n + 1) * sizeof(*p), alignof(char *));
	for (size_t i = 0; i < n; i++) {
		char *s = blk_str(b, v[i]);
		if (p != NULL)
			p[i] = s;
	}
	if (p != NULL)
		p[n] = NULL;
	return p;
}

static void
blk_service(struct blk *b, struct cfg_service *to, const struct cfg_service *s)
{
	struct cfg_service c = *s;

	c.origin.file = blk_origin(b, s->origin.file);
	c.argv = blk_strv(b, s->argv);
	c.success_exit_status = blk_mem(b, s->success_exit_status,
	    s->n_success_exit_status * sizeof(*s->success_exit_status));
	c.user = blk_str(b, s->user);
	c.groups = blk_mem(b, s->groups, s->n_groups * sizeof(*s->groups));
	c.working_directory = blk_str(b, s->working_directory);
	c.environment = blk_strv(b, s->environment);
	c.seccomp_deny = blk_mem(b, s->seccomp_deny, s->n_seccomp_deny * sizeof(*s->seccomp_deny));
	c.seccomp_allow = blk_mem(b, s->seccomp_allow, s->n_seccomp_allow * sizeof(*s->seccomp_allow));
	if (to != NULL)
		*to = c;
}

static void
blk_colony(struct blk *b, struct cfg_colony *to, const struct cfg_colony *c)
{
	struct cfg_colony n = *c;

	assert(c->services != NULL || c->n_services == 0);
	n.origin.file = blk_origin(b, c->origin.file);
	n.services = c->services == NULL ? NULL :
	    blk_take(b, c->n_services * sizeof(*c->services), alignof(max_align_t));
	for (size_t i = 0; i < c->n_services; i++)
		blk_service(b, n.services != NULL ? &n.services[i] : NULL, &c->services[i]);
	if (to != NULL)
		*to = n;
}

static struct cfg *
blk_cfg(struct blk *b, const struct cfg *cfg)
{
	struct cfg *to = blk_take(b, sizeof(*to), alignof(max_align_t));
	char *path = blk_str(b, cfg->path);
	struct cfg_network *nets = cfg->networks == NULL ? NULL :
	    blk_take(b, cfg->n_networks * sizeof(*nets), alignof(max_align_t));
	struct cfg_colony *cols = cfg->colonies == NULL ? NULL :
	    blk_take(b, cfg->n_colonies * sizeof(*cols), alignof(max_align_t));

	assert(cfg->networks != NULL || cfg->n_networks == 0);
	assert(cfg->colonies != NULL || cfg->n_colonies == 0);
	for (size_t i = 0; i < cfg->n_networks; i++) {
		struct cfg_network n = cfg->networks[i];
		n.origin.file = blk_origin(b, cfg->networks[i].origin.file);
		if (nets != NULL)
			nets[i] = n;
	}
	for (size_t i = 0; i < cfg->n_colonies; i++)
		blk_colony(b, cols != NULL ? &cols[i] : NULL, &cfg->colonies[i]);
	if (to != NULL) {
		*to = *cfg;
		to->path = path;
		to->networks = nets;
		to->colonies = cols;
		to->block = to;
	}
	return to;
}

/* The original is freed; on ENOMEM it is returned as it was. */
struct cfg *
cfg_compact(struct cfg *cfg)
{
	struct blk b = { 0 };
	struct cfg *to;

	(void)blk_cfg(&b, cfg);
	b = (struct blk){ .base = malloc(b.off) };
	if (b.base == NULL)
		return cfg;
	to = blk_cfg(&b, cfg);
	/* Moved, not copied: the [supervisor] strings now belong to `to`. */
	memset(&cfg->sup, 0, sizeof(cfg->sup));
	cfg_free(cfg);
	return to;
}
