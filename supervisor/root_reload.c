/* root_reload.c: SIGHUP / `colonyctl reload`: validate the new configuration, then apply only the differences. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/root.h"

/* Keys that locate what the root already made (sockets, cgroups, netns names) keep
   their start-up values: swapping them back means cfg_free of the old file frees
   the new values, and nothing already made is orphaned. */
static void
reload_keep_paths(struct cfg_supervisor *now, struct cfg_supervisor *old)
{
	char **pairs[][2] = {
		{ &now->state_dir, &old->state_dir }, { &now->control_socket, &old->control_socket },
		{ &now->control_group, &old->control_group }, { &now->log_dir, &old->log_dir },
		{ &now->cgroup_name, &old->cgroup_name }, { &now->netns_prefix, &old->netns_prefix },
		{ &now->colonyd, &old->colonyd },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char *t = *pairs[i][0];
		*pairs[i][0] = *pairs[i][1];
		*pairs[i][1] = t;
	}
	gid_t g = now->control_gid;
	now->control_gid = old->control_gid;
	old->control_gid = g;
}

static bool
reload_services_equal(const struct cfg_colony *a, const struct cfg_colony *b)
{
	if (a->n_services != b->n_services)
		return false;
	for (size_t i = 0; i < a->n_services; i++)
		if (strcmp(a->services[i].name, b->services[i].name) != 0 ||
		    !cfg_service_equal(&a->services[i], &b->services[i]))
			return false;
	return true;
}

static bool
reload_net_equal(const struct cfg *oldc, const struct cfg_colony *a, const struct cfg *newc,
    const struct cfg_colony *b)
{
	if (a->net_mode != b->net_mode || strcmp(a->address, b->address) != 0)
		return false;
	if (a->net_mode != CFG_NET_NAMED)
		return true;
	if (strcmp(a->network, b->network) != 0)
		return false;
	const struct cfg_network *na = cfg_find_network(oldc, a->network);
	const struct cfg_network *nb = cfg_find_network(newc, b->network);
	return na != NULL && nb != NULL && cfg_network_equal(na, nb);
}

static void
reload_removed(struct root *r, struct cfg *newc, struct util_str *out)
{
	for (size_t i = 0; i < r->cfg->n_colonies; i++) {
		struct colony *c = colony_find(r, r->cfg->colonies[i].name);
		if (c == NULL || cfg_find_colony(newc, c->name) != NULL)
			continue;
		util_str_printf(out, "removed %s\n", c->name);
		c->cfg = NULL;
		root_queue(r, RQ_REMOVE_CHILD, c);
	}
}

static struct colony *
reload_added(struct root *r, const struct cfg_colony *nc, struct colony *prev, struct util_str *out)
{
	struct eng_child_spec spec;
	struct colony *c = colony_new(r, nc);

	if (c == NULL)
		return NULL;
	root_eng_spec(nc, &spec);
	c->child = eng_add_child(r->eng, prev && prev->child ? eng_child_index(prev->child) + 1 : 0,
	    &spec, c);
	if (c->child == NULL) {
		colony_unlink(r, c);
		colony_free(r, c);
		return NULL;
	}
	util_str_printf(out, "added %s\n", c->name);
	root_queue(r, RQ_START_CHILD, c);
	return c;
}

static void
reload_changed(struct root *r, struct cfg *newc, struct colony *c, const struct cfg_colony *nc,
    struct root_req *q, struct util_str *out)
{
	const struct cfg_colony *oc = c->cfg;
	bool net = !reload_net_equal(r->cfg, oc, newc, nc);
	bool level = !cfg_colony_level_equal(oc, nc);
	bool svcs = !reload_services_equal(oc, nc);
	struct eng_child_spec spec;

	c->cfg = nc;
	root_eng_spec(nc, &spec);
	eng_set_spec(c->child, &spec);
	if (svcs || level)
		colony_mirror_reset(c);
	if (level || net) {
		enum eng_state st = eng_child_state(c->child);
		c->net_reset = net;
		if (st == ENG_STARTING || st == ENG_RUNNING || st == ENG_BACKOFF) {
			util_str_printf(out, "restarted %s\n", c->name);
			root_feed(r, ENG_EV_OP_RESTART, c, false, ENG_TIMER_NONE);
		}
		return;
	}
	if (svcs && c->sock >= 0 && link_send_config(r, c) == 0 && q != NULL) {
		c->reload_req = q;	/* colonyd answers with what it added, removed, restarted */
		q->pending++;
	}
}

/* Returns the colonyctl exit status: 0, or 1 when the new configuration is invalid. */
int
reload_run(struct root *r, struct root_req *q)
{
	char err[CFG_ERR_MAX];
	struct util_str scratch = { 0 };
	struct util_str *out = q ? &q->out : &scratch;
	struct cfg *newc = cfg_load(r->cfg_path, err, sizeof(err));
	struct eng_policy pol;
	struct colony *prev = NULL;
	uint32_t *addrs;

	if (newc == NULL) {
		root_log("reload: %s", err);
		if (q != NULL)
			util_str_printf(&q->err, "%s\n", err);
		return 1;
	}
	reload_keep_paths(&newc->sup, &r->cfg->sup);
	addrs = addr_plan(r, r->cfg, newc, err, sizeof(err));
	if (addrs == NULL || net_apply(r, newc) != 0) {
		if (addrs == NULL)
			root_log("reload: %s", err);
		if (q != NULL)
			util_str_printf(&q->err, "colony-supervisor: reload: %s\n",
			    addrs == NULL ? err : "network set-up failed (see the log)");
		free(addrs);
		cfg_free(newc);
		return 1;
	}
	root_eng_policy(&newc->sup, &pol);
	eng_set_policy(r->eng, &pol);
	reload_removed(r, newc, out);
	for (size_t i = 0; i < newc->n_colonies; i++) {
		const struct cfg_colony *nc = &newc->colonies[i];
		struct colony *c = colony_find(r, nc->name);
		if (c != NULL && c->cfg == NULL) {
			/* Its namesake still holds the cgroup and netns names while it stops. */
			util_str_printf(out, "skipped %s: a removal of it is still stopping; reload again\n",
			    nc->name);
			continue;
		}
		if (c == NULL)
			c = reload_added(r, nc, prev, out);
		else
			reload_changed(r, newc, c, nc, q, out);
		if (c != NULL)
			prev = c;
	}
	addr_assign(r, newc, addrs);
	free(addrs);
	cfg_free(r->cfg);
	r->cfg = newc;
	root_log("reloaded %s", r->cfg_path);
	util_str_free(&scratch);
	ctl_event(r, "colony-supervisor", "reloaded", 0, PROTO_EXIT_NONE, 0);
	root_drain(r);
	util_heap_trim();	/* the old configuration and the parser's pieces, freed at once */
	return 0;
}
