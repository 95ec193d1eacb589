/* root_net.c: the root's networks (bridges made, reused, released) and each colony's netns and veth. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns/netns.h"
#include "supervisor/root.h"

#define NET_MADE_NOW 1u		/* this net_apply created the bridge */
#define NET_ADDED_NOW 2u	/* this net_apply put the gateway on a bridge it found */

struct root_net *
net_find(struct root *r, const char *name)
{
	for (struct root_net *n = r->nets; n != NULL; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static struct root_net *
net_by_bridge(struct root_net *list, const char *bridge)
{
	for (struct root_net *n = list; n != NULL; n = n->next)
		if (strcmp(n->bridge, bridge) == 0)
			return n;
	return NULL;
}

static bool
net_same(const struct root_net *n, const struct cfg_network *cn)
{
	return n->subnet == cn->subnet && n->prefix_len == cn->prefix_len &&
	    n->gateway == cn->gateway && n->mtu == cn->mtu;
}

/*
 * What we did to a bridge is also written to state_dir/bridges/<bridge>
 * ("created" or "addr"), so a root that adopts colonies after a crash still
 * deletes the bridges its predecessor made, and only those.
 */
static char net_marks[4096];

static void
net_mark_path(const char *bridge, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", net_marks, bridge);
}

static void
net_mark(const struct root_net *n)
{
	char path[4200];
	FILE *f;

	if (net_marks[0] == '\0')
		return;
	net_mark_path(n->bridge, path, sizeof(path));
	if (!n->created && !n->addr_added) {
		(void)unlink(path);
		return;
	}
	if (util_mkdir_p(net_marks, 0755) != 0 || (f = fopen(path, "we")) == NULL) {
		root_log("network %s: cannot record %s: %s", n->name, path, strerror(errno));
		return;
	}
	fputs(n->created ? "created\n" : "addr\n", f);
	fclose(f);
}

/* A bridge that exists already: did a previous root of ours make it? */
static void
net_recall(struct root_net *n)
{
	char path[4200], buf[32];

	if (net_marks[0] == '\0')
		return;
	net_mark_path(n->bridge, path, sizeof(path));
	if (util_read_file(path, buf, sizeof(buf)) < 0)
		return;
	if (strcmp(buf, "created\n") == 0)
		n->created = true;
	else if (strcmp(buf, "addr\n") == 0)
		n->addr_added = true;
}

/* Take the gateway off a bridge we only borrowed, or delete the bridge we made. */
static void
net_release(const struct root_net *n, bool whole)
{
	char err[256], path[4200];

	if (net_marks[0] != '\0' && (whole || !n->created)) {
		net_mark_path(n->bridge, path, sizeof(path));
		(void)unlink(path);
	}

	if (n->created && whole) {
		if (nns_link_delete(n->bridge, err, sizeof(err)) != 0)
			root_log("network %s: %s", n->name, err);
	} else if (n->created || n->addr_added) {
		if (nns_addr_del(n->bridge, n->gateway, n->prefix_len, err, sizeof(err)) != 0)
			root_log("network %s: %s", n->name, err);
	}
}

/* Bring n's bridge to what the configuration says, remembering what this call made. */
static int
net_ensure(struct root_net *n)
{
	char err[256];
	bool created = false;
	int had = nns_link_has_addr(n->bridge, n->gateway, n->prefix_len);

	if (nns_bridge_ensure(n->bridge, n->gateway, n->prefix_len, n->mtu, &created, err,
	    sizeof(err)) != 0) {
		root_log("network %s: %s", n->name, err);
		return -1;
	}
	if (!created && !n->created && !n->addr_added)
		net_recall(n);
	if (created) {
		n->fresh = NET_MADE_NOW;
		n->created = true;
		n->addr_added = false;
	} else if (had == 0) {
		n->fresh = NET_ADDED_NOW;
		n->addr_added = n->addr_added || !n->created;
	}
	net_mark(n);
	return 0;
}

static void
net_free_list(struct root_net *list, bool undo)
{
	char err[256];

	while (list != NULL) {
		struct root_net *n = list;
		list = n->next;
		if (undo && (n->fresh & NET_MADE_NOW))
			(void)nns_link_delete(n->bridge, err, sizeof(err));
		else if (undo && (n->fresh & NET_ADDED_NOW))
			(void)nns_addr_del(n->bridge, n->gateway, n->prefix_len, err, sizeof(err));
		free(n);
	}
}

static struct root_net *
net_new(const struct cfg_network *cn, const struct root_net *old)
{
	struct root_net *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	snprintf(n->name, sizeof(n->name), "%s", cn->name);
	snprintf(n->bridge, sizeof(n->bridge), "%s", cn->bridge);
	n->subnet = cn->subnet;
	n->prefix_len = cn->prefix_len;
	n->gateway = cn->gateway;
	n->mtu = cn->mtu;
	if (old != NULL) {
		n->created = old->created;
		n->addr_added = old->addr_added;
	}
	return n;
}

/*
 * Start-up and reload: every [network]'s bridge exists, is up and carries its
 * gateway. All or nothing: on failure what this call made is undone and the
 * old networks stay. On success bridges of networks that went (or moved to
 * another bridge) are released: deleted if we created them, else only our
 * gateway address is taken off.
 */
int
net_apply(struct root *r, const struct cfg *newc)
{
	struct root_net *fresh = NULL;

	if (net_marks[0] == '\0')	/* state_dir is fixed at start-up */
		snprintf(net_marks, sizeof(net_marks), "%s/bridges", r->cfg->sup.state_dir);
	for (size_t i = 0; i < newc->n_networks; i++) {
		const struct cfg_network *cn = &newc->networks[i];
		struct root_net *old = net_by_bridge(r->nets, cn->bridge);
		struct root_net *n = net_new(cn, old);
		if (n == NULL || ((old == NULL || !net_same(old, cn)) && net_ensure(n) != 0)) {
			if (n == NULL)
				root_log("network %s: out of memory", cn->name);
			free(n);
			net_free_list(fresh, true);
			return -1;
		}
		n->next = fresh;
		fresh = n;
	}
	while (r->nets != NULL) {
		struct root_net *o = r->nets, *n = net_by_bridge(fresh, o->bridge);
		r->nets = o->next;
		if (n == NULL)
			net_release(o, true);
		else if (n->gateway != o->gateway || n->prefix_len != o->prefix_len)
			net_release(o, false);
		free(o);
	}
	for (struct root_net *n = fresh; n != NULL; n = n->next)
		n->fresh = 0;
	r->nets = fresh;
	return 0;
}

static void
net_ns_name(struct root *r, struct colony *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s", r->cfg->sup.netns_prefix, c->name);
}

/*
 * At shutdown the published names are gathered here and unpublished together
 * by net_teardown: each unmount waits for an RCU grace period, and a thousand
 * of them one after another were most of a shutdown's time; from many
 * threads at once the waits overlap (nns_unpublish_many).
 */
static char **net_unpub;
static size_t net_n_unpub, net_cap_unpub;

static bool
net_defer_unpublish(const char *name)
{
	char *copy;

	if (net_n_unpub == net_cap_unpub) {
		size_t cap = net_cap_unpub ? net_cap_unpub * 2 : 64;
		char **v = realloc(net_unpub, cap * sizeof(*v));

		if (v == NULL)
			return false;	/* then at once */
		net_unpub = v;
		net_cap_unpub = cap;
	}
	if ((copy = strdup(name)) == NULL)
		return false;
	net_unpub[net_n_unpub++] = copy;
	return true;
}

static void
net_unpublish_deferred(void)
{
	int *errs = calloc(net_n_unpub ? net_n_unpub : 1, sizeof(*errs));

	if (errs != NULL && net_n_unpub > 0)
		nns_unpublish_many(net_unpub, net_n_unpub, 32, errs);
	for (size_t i = 0; i < net_n_unpub; i++) {
		if (errs == NULL && nns_unpublish(net_unpub[i], NULL, 0) != 0)
			root_log("netns %s: unpublish: %s", net_unpub[i], strerror(errno));
		else if (errs != NULL && errs[i] != 0)
			root_log("netns %s: unpublish: %s", net_unpub[i], strerror(errs[i]));
		free(net_unpub[i]);
	}
	free(errs);
	free(net_unpub);
	net_unpub = NULL;
	net_n_unpub = net_cap_unpub = 0;
}

/*
 * Create the colony's netns, publish it under /run/netns, and join its network.
 * The host end is "vc" and 12 hex digits of a hash of the netns name, so two
 * roots with different netns_prefix never pick the same name.
 */
void
net_veth_name(struct root *r, struct colony *c)
{
	char name[256];

	net_ns_name(r, c, name, sizeof(name));
	nns_veth_name("vc", name, c->veth);
}

int
net_colony_up(struct root *r, struct colony *c, char *err, size_t errlen)
{
	char name[256];
	struct root_net *n = NULL;

	if (c->cfg->net_mode == CFG_NET_NAMED) {
		n = net_find(r, c->cfg->network);
		if (n == NULL || c->addr == 0) {
			snprintf(err, errlen, "network %s is not set up", c->cfg->network);
			return -1;
		}
	}
	if (nns_create(&c->netns_fd, err, errlen) != 0)
		return -1;
	net_ns_name(r, c, name, sizeof(name));
	if (n != NULL) {
		/* Before publishing: a failed attach leaves no /run/netns entry behind. */
		net_veth_name(r, c);
		if (nns_veth_attach(c->netns_fd, c->veth, n->bridge, c->addr, n->prefix_len,
		    n->gateway, n->mtu, err, errlen) != 0) {
			c->veth[0] = '\0';
			goto fail;
		}
	}
	if (nns_publish(c->netns_fd, name, err, errlen) != 0)
		goto fail;
	c->published = true;
	return 0;
fail:
	net_colony_down(r, c);
	return -1;
}

/*
 * network = private: colonyd made the namespace itself, with lo up (colonyd
 * --new-netns), before its HELLO. Name it as if the root had made it: publish
 * it under /run/netns. A colonyd still in the root's namespace made none.
 */
int
net_colony_take(struct root *r, struct colony *c, pid_t pid, char *err, size_t errlen)
{
	char path[64], name[256];
	int fd, own;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if ((own = nns_is_own(fd)) != 0) {
		if (own > 0)
			snprintf(err, errlen, "colonyd made no network namespace");
		else
			snprintf(err, errlen, "%s: stat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	net_ns_name(r, c, name, sizeof(name));
	if (nns_publish(fd, name, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	c->published = true;
	return 0;
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
		if (!(r->shutting_down && net_defer_unpublish(name)) &&
		    nns_unpublish(name, err, sizeof(err)) != 0)
			root_log("colony %s: %s", c->name, err);
		c->published = false;
	}
	net_colony_close(c);
}

/*
 * A spawn opens the colony's published namespace for its child's setns and
 * closes it right after the clone: the bind mount under /run/netns keeps the
 * namespace alive, so the root holds no fd per colony. -1 (logged) when the
 * entry is gone or is no namespace; the caller then makes a new one.
 */
int
net_colony_open(struct root *r, struct colony *c)
{
	char name[256], err[512];

	net_colony_close(c);
	net_ns_name(r, c, name, sizeof(name));
	if (nns_open(name, &c->netns_fd, err, sizeof(err)) == 0)
		return 0;
	root_log("colony %s: %s: making a new one", c->name, err);
	return -1;
}

void
net_colony_close(struct colony *c)
{
	if (c->netns_fd >= 0) {
		close(c->netns_fd);
		c->netns_fd = -1;
	}
}

/* Shutdown: bridges that we created go, others only lose the gateway we gave them. */
void
net_teardown(struct root *r)
{
	net_unpublish_deferred();
	while (r->nets != NULL) {
		struct root_net *n = r->nets;
		r->nets = n->next;
		net_release(n, true);
		free(n);
	}
}
