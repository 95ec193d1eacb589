/* root_addr.c: colonies' addresses on named networks: static, kept while held, else lowest free in config order. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/root.h"

static int
addr_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static const char *
addr_text(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { htonl(a) };

	return inet_ntop(AF_INET, &in, buf, (socklen_t)len) ? buf : "?";
}

static uint32_t
addr_mask(const struct cfg_network *n)
{
	return (uint32_t)(0xffffffffu << (32 - n->prefix_len));
}

/* A host address of n that is not its gateway. */
static bool
addr_usable(const struct cfg_network *n, uint32_t a)
{
	uint32_t m = addr_mask(n);

	return (a & m) == n->subnet && a != n->subnet && a != (n->subnet | ~m) && a != n->gateway;
}

/*
 * An allocated address stays with its colony across reloads while the colony
 * keeps allocating on the same network and the address still fits it: an
 * operator adding a colony before it, or changing the network's mtu, never
 * sees the address move. *same: the network is unchanged (no restart comes).
 */
static struct colony *
addr_holder(struct root *r, const struct cfg *oldc, const struct cfg *newc,
    const struct cfg_colony *nc, bool *same)
{
	struct colony *c = colony_find(r, nc->name);
	const struct cfg_network *a, *b;

	if (oldc == NULL || c == NULL || c->cfg == NULL || c->addr == 0)
		return NULL;
	if (nc->address[0] != '\0' || c->cfg->address[0] != '\0' ||
	    c->cfg->net_mode != CFG_NET_NAMED || strcmp(c->cfg->network, nc->network) != 0)
		return NULL;
	a = cfg_find_network(oldc, c->cfg->network);
	b = cfg_find_network(newc, nc->network);
	if (a == NULL || b == NULL || !addr_usable(b, c->addr))
		return NULL;
	*same = cfg_network_equal(a, b);
	return c;
}

/* A static address of the new configuration that lands on a held one: whose is it? */
static const struct cfg_colony *
addr_static_clash(const struct cfg *newc, const uint32_t *addrs, size_t held)
{
	const struct cfg_colony *h = &newc->colonies[held];

	for (size_t j = 0; j < newc->n_colonies; j++) {
		const struct cfg_colony *o = &newc->colonies[j];
		if (j != held && o->address[0] != '\0' && addrs[j] == addrs[held] &&
		    strcmp(o->network, h->network) == 0)
			return o;
	}
	return NULL;
}

/* Statics first, then held allocations; a static on the address of a colony that runs on
   and will not restart is an error, any other holder just allocates anew. */
static int
addr_fixed(struct root *r, const struct cfg *oldc, const struct cfg *newc, uint32_t *addrs,
    char *err, size_t errlen)
{
	char text[INET_ADDRSTRLEN];

	for (size_t i = 0; i < newc->n_colonies; i++) {
		const struct cfg_colony *nc = &newc->colonies[i];
		struct in_addr a;
		if (nc->net_mode == CFG_NET_NAMED && nc->address[0] != '\0' &&
		    inet_pton(AF_INET, nc->address, &a) == 1)
			addrs[i] = ntohl(a.s_addr);
	}
	for (size_t i = 0; i < newc->n_colonies; i++) {
		const struct cfg_colony *nc = &newc->colonies[i], *o;
		bool same = false;
		struct colony *c = nc->net_mode == CFG_NET_NAMED ?
		    addr_holder(r, oldc, newc, nc, &same) : NULL;
		if (c == NULL)
			continue;
		addrs[i] = c->addr;
		if ((o = addr_static_clash(newc, addrs, i)) == NULL)
			continue;
		if (same && c->published) {
			snprintf(err, errlen, "colony %s: address %s is in use by colony %s",
			    o->name, addr_text(c->addr, text, sizeof(text)), c->name);
			return -1;
		}
		addrs[i] = 0;
	}
	return 0;
}

/* Addresses taken on n: the plan so far, and those still on a live netns (a colony about
   to restart or go), so that a new allocation never duplicates one on the bridge. */
static size_t
addr_taken(struct root *r, const struct cfg *newc, const struct cfg_network *n,
    const uint32_t *addrs, uint32_t *taken)
{
	size_t nt = 0;

	for (size_t i = 0; i < newc->n_colonies; i++)
		if (addrs[i] != 0 && strcmp(newc->colonies[i].network, n->name) == 0)
			taken[nt++] = addrs[i];
	for (size_t b = 0; b < r->n_buckets; b++)
		for (struct colony *c = r->buckets[b]; c != NULL; c = c->hnext)
			if (c->published && c->addr != 0 && addr_usable(n, c->addr))
				taken[nt++] = c->addr;
	qsort(taken, nt, sizeof(*taken), addr_cmp);
	return nt;
}

/* The rest of network n's colonies, in config order, get the lowest free host addresses. */
static int
addr_fill(struct root *r, const struct cfg *newc, const struct cfg_network *n, uint32_t *addrs,
    char *err, size_t errlen)
{
	uint32_t *taken = calloc(newc->n_colonies + r->n_colonies + 1, sizeof(*taken));
	uint32_t bcast = n->subnet | ~addr_mask(n);
	uint32_t cand = n->subnet + 1;
	size_t nt, j = 0;

	if (taken == NULL) {
		snprintf(err, errlen, "network %s: out of memory", n->name);
		return -1;
	}
	nt = addr_taken(r, newc, n, addrs, taken);
	for (size_t i = 0; i < newc->n_colonies; i++) {
		const struct cfg_colony *nc = &newc->colonies[i];
		if (nc->net_mode != CFG_NET_NAMED || addrs[i] != 0 || strcmp(nc->network, n->name) != 0)
			continue;
		/* Lowest free only ever grows, so one cursor over the sorted taken list does. */
		for (;; cand++) {
			while (j < nt && taken[j] < cand)
				j++;
			if (cand != n->gateway && (j == nt || taken[j] != cand))
				break;
		}
		if (cand >= bcast) {
			snprintf(err, errlen, "colony %s: network %s has no free address", nc->name,
			    n->name);
			free(taken);
			return -1;
		}
		addrs[i] = cand++;
	}
	free(taken);
	return 0;
}

/* Every colony's address under newc (0 off named networks); NULL with err when impossible. */
uint32_t *
addr_plan(struct root *r, const struct cfg *oldc, const struct cfg *newc, char *err,
    size_t errlen)
{
	uint32_t *addrs = calloc(newc->n_colonies + 1, sizeof(*addrs));

	if (addrs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (addr_fixed(r, oldc, newc, addrs, err, errlen) != 0)
		goto fail;
	for (size_t k = 0; k < newc->n_networks; k++)
		if (addr_fill(r, newc, &newc->networks[k], addrs, err, errlen) != 0)
			goto fail;
	return addrs;
fail:
	free(addrs);
	return NULL;
}

/* Give each colony of newc (already created or updated) its planned address. */
void
addr_assign(struct root *r, const struct cfg *newc, const uint32_t *addrs)
{
	for (size_t i = 0; i < newc->n_colonies; i++) {
		struct colony *c = colony_find(r, newc->colonies[i].name);
		if (c != NULL && c->cfg == &newc->colonies[i])
			c->addr = addrs[i];
	}
}
