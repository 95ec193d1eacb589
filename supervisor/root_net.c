/* root_net.c: the root's networks: bridges, deterministic address allocation, and each colony's netns. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns/netns.h"
#include "supervisor/root.h"

struct root_net *
net_find(struct root *r, const char *name)
{
	for (struct root_net *n = r->nets; n != NULL; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static bool
net_bit(const struct root_net *n, uint32_t host)
{
	return host < n->size && (n->used[host / 8] & (1u << (host % 8)));
}

static void
net_set_bit(struct root_net *n, uint32_t host, bool on)
{
	if (host >= n->size)
		return;
	if (on)
		n->used[host / 8] |= (uint8_t)(1u << (host % 8));
	else
		n->used[host / 8] &= (uint8_t)~(1u << (host % 8));
}

/* Static addresses are reserved up front so that allocation never hands them out. */
static void
net_reserve_static(struct root *r, const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_colonies; i++) {
		const struct cfg_colony *cc = &cfg->colonies[i];
		struct in_addr a;
		if (cc->net_mode != CFG_NET_NAMED || cc->address[0] == '\0')
			continue;
		struct root_net *n = net_find(r, cc->network);
		if (n != NULL && inet_pton(AF_INET, cc->address, &a) == 1)
			net_set_bit(n, (ntohl(a.s_addr) - n->subnet), true);
	}
}

/* Make sure every [network]'s bridge exists (start-up and reload). */
int
net_setup_all(struct root *r, const struct cfg *cfg)
{
	char err[256];

	for (size_t i = 0; i < cfg->n_networks; i++) {
		const struct cfg_network *cn = &cfg->networks[i];
		struct root_net *n = net_find(r, cn->name);
		bool created = false;
		if (n != NULL && strcmp(n->bridge, cn->bridge) == 0 && n->subnet == cn->subnet &&
		    n->prefix_len == cn->prefix_len && n->gateway == cn->gateway)
			continue;
		if (cn->prefix_len < 8 || cn->prefix_len > 30) {
			root_log("network %s: prefix /%u not supported", cn->name, cn->prefix_len);
			return -1;
		}
		if (nns_bridge_ensure(cn->bridge, cn->gateway, cn->prefix_len, cn->mtu, &created,
		    err, sizeof(err)) != 0) {
			root_log("network %s: %s", cn->name, err);
			return -1;
		}
		if (n == NULL) {
			n = calloc(1, sizeof(*n));
			if (n == NULL)
				return -1;
			n->next = r->nets;
			r->nets = n;
		}
		free(n->used);
		snprintf(n->name, sizeof(n->name), "%s", cn->name);
		snprintf(n->bridge, sizeof(n->bridge), "%s", cn->bridge);
		n->subnet = cn->subnet;
		n->prefix_len = cn->prefix_len;
		n->gateway = cn->gateway;
		n->mtu = cn->mtu;
		n->created = n->created || created;
		n->size = 1u << (32 - cn->prefix_len);
		n->used = calloc(n->size / 8 + 1, 1);
		if (n->used == NULL)
			return -1;
		net_set_bit(n, 0, true);			/* network address */
		net_set_bit(n, n->size - 1, true);		/* broadcast */
		net_set_bit(n, n->gateway - n->subnet, true);
	}
	net_reserve_static(r, cfg);
	return 0;
}

/* The static address, else the lowest free host address; kept across restarts. */
static int
net_pick_addr(struct colony *c, struct root_net *n, char *err, size_t errlen)
{
	struct in_addr a;

	if (c->addr != 0 && c->net == n)
		return 0;
	if (c->cfg->address[0] != '\0') {
		if (inet_pton(AF_INET, c->cfg->address, &a) != 1) {
			snprintf(err, errlen, "bad address %s", c->cfg->address);
			return -1;
		}
		c->addr = ntohl(a.s_addr);
		c->net = n;
		return 0;
	}
	for (uint32_t h = 1; h + 1 < n->size; h++)
		if (!net_bit(n, h)) {
			net_set_bit(n, h, true);
			c->addr = n->subnet + h;
			c->net = n;
			return 0;
		}
	snprintf(err, errlen, "network %s: no free address", n->name);
	return -1;
}

void
net_release_addr(struct colony *c)
{
	if (c->net != NULL && c->addr != 0 && (c->cfg == NULL || c->cfg->address[0] == '\0'))
		net_set_bit(c->net, c->addr - c->net->subnet, false);
	c->addr = 0;
	c->net = NULL;
}

static void
net_ns_name(struct root *r, struct colony *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s", r->cfg->sup.netns_prefix, c->name);
}

/* Create the colony's netns, publish it under /run/netns, and join its network. */
int
net_colony_up(struct root *r, struct colony *c, char *err, size_t errlen)
{
	char name[256];
	struct root_net *n = NULL;

	if (c->cfg->net_mode == CFG_NET_NAMED) {
		n = net_find(r, c->cfg->network);
		if (n == NULL) {
			snprintf(err, errlen, "network %s is not set up", c->cfg->network);
			return -1;
		}
		if (c->net != n)
			net_release_addr(c);
		if (net_pick_addr(c, n, err, errlen) != 0)
			return -1;
	}
	if (nns_create(&c->netns_fd, err, errlen) != 0)
		return -1;
	net_ns_name(r, c, name, sizeof(name));
	if (nns_publish(c->netns_fd, name, err, errlen) != 0)
		goto fail;
	c->published = true;
	if (n != NULL) {
		nns_veth_name(r->cfg->sup.netns_prefix, c->name, c->veth);
		if (nns_veth_attach(c->netns_fd, c->veth, n->bridge, c->addr, n->prefix_len,
		    n->gateway, n->mtu, err, errlen) != 0) {
			c->veth[0] = '\0';
			goto fail;
		}
	}
	return 0;
fail:
	net_colony_down(r, c);
	return -1;
}

void
net_colony_down(struct root *r, struct colony *c)
{
	char name[256], err[256];

	if (c->veth[0] != '\0') {
		if (nns_link_delete(c->veth, err, sizeof(err)) != 0)
			root_log("colony %s: %s", c->name, err);
		c->veth[0] = '\0';
	}
	if (c->published) {
		net_ns_name(r, c, name, sizeof(name));
		if (nns_unpublish(name, err, sizeof(err)) != 0)
			root_log("colony %s: %s", c->name, err);
		c->published = false;
	}
	if (c->netns_fd >= 0) {
		close(c->netns_fd);
		c->netns_fd = -1;
	}
}

/* Shutdown: bridges that we created go; others are never touched. */
void
net_teardown(struct root *r)
{
	char err[256];

	while (r->nets != NULL) {
		struct root_net *n = r->nets;
		r->nets = n->next;
		if (n->created && nns_link_delete(n->bridge, err, sizeof(err)) != 0)
			root_log("network %s: %s", n->name, err);
		free(n->used);
		free(n);
	}
}
