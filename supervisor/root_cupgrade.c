/* root_cupgrade.c: `colonyctl upgrade --colonies`: each colonyd re-executes itself, one colony at a time. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/root.h"

/*
 * One colony at a time: PROTO_CMD(UPGRADE) goes to its colonyd, and the next one
 * only once the new image answered (PROTO_REPLY code 0, after its HELLO and
 * snapshots). A failure answered by the old image, a lost link or a timeout stops
 * the rollout; the report names what was upgraded and what was not.
 */
#define CUP_TIMEOUT_MS 30000

struct root_colony_upgrade {
	struct root_req *req;
	char (*names)[CFG_NAME_MAX + 1];
	size_t n, next;
	const char *cur;		/* names[next] while its colonyd upgrades */
	uint32_t id;
	unsigned upgraded;
	struct root_timer timer;
};

static void
cup_end(struct root *r, int code)
{
	struct root_colony_upgrade *u = r->cup;

	root_timer_cancel(r, &u->timer);
	if (code != 0 && u->next + 1 < u->n) {
		util_str_printf(&u->req->err, "colony-supervisor: rollout stopped; not upgraded:");
		for (size_t i = u->next + 1; i < u->n; i++)
			util_str_printf(&u->req->err, " %s", u->names[i]);
		util_str_printf(&u->req->err, "\n");
	}
	u->req->code = code;
	req_done_one(r, u->req);
	free(u->names);
	free(u);
	r->cup = NULL;
}

static void
cup_fail(struct root *r, const char *why)
{
	struct root_colony_upgrade *u = r->cup;

	root_log("colony %s: upgrade failed: %s", u->cur, why);
	util_str_printf(&u->req->err, "colony-supervisor: colony %s: upgrade failed: %s\n", u->cur, why);
	cup_end(r, 1);
}

static void
cup_timeout(struct root *r, struct root_timer *t)
{
	(void)t;
	if (r->cup != NULL)
		cup_fail(r, "no answer from colonyd");
}

static void
cup_next(struct root *r)
{
	struct root_colony_upgrade *u = r->cup;

	for (; u->next < u->n; u->next++) {
		struct colony *c = colony_find(r, u->names[u->next]);
		u->cur = u->names[u->next];
		if (c == NULL || c->sock < 0 || c->pid == 0 || c->child == NULL ||
		    eng_child_state(c->child) != ENG_RUNNING) {
			util_str_printf(&u->req->out, "skipped %s: not running\n", u->cur);
			continue;
		}
		u->id = ++r->next_id ? r->next_id : ++r->next_id;
		if (link_send_cmd(r, c, PROTO_OP_UPGRADE, "", 0, u->id) != 0) {
			cup_fail(r, "cannot reach colonyd");
			return;
		}
		root_log("colony %s: upgrading colonyd", u->cur);
		root_timer_set(r, &u->timer, util_mono_ms() + CUP_TIMEOUT_MS);
		return;
	}
	util_str_printf(&u->req->out, "%u colonies upgraded\n", u->upgraded);
	cup_end(r, 0);
}

bool
cupgrade_reply(struct root *r, struct colony *c, uint32_t id, int code, const char *text)
{
	struct root_colony_upgrade *u = r->cup;

	if (u == NULL || id != u->id || strcmp(c->name, u->cur) != 0)
		return false;
	root_timer_cancel(r, &u->timer);
	if (code != 0) {
		cup_fail(r, text && text[0] ? text : "colonyd refused");
		return true;
	}
	root_log("colony %s: colonyd upgraded in place (pid %d)", c->name, (int)c->pid);
	util_str_printf(&u->req->out, "upgraded %s\n", c->name);
	u->upgraded++;
	u->next++;
	cup_next(r);
	return true;
}

void
cupgrade_link_gone(struct root *r, struct colony *c)
{
	if (r->cup != NULL && r->cup->next < r->cup->n && strcmp(c->name, r->cup->cur) == 0 &&
	    th_armed(&r->cup->timer.th))
		cup_fail(r, "lost the connection to colonyd");
}

void
upgrade_colonies_cmd(struct root *r, struct root_client *cl, int argc, char **argv)
{
	struct root_colony_upgrade *u;
	size_t n = argc > 0 ? (size_t)argc : eng_count(r->eng);
	char msg[128];

	for (int i = 0; i < argc; i++)
		if (colony_find(r, argv[i]) == NULL) {
			int len = snprintf(msg, sizeof(msg), "colony-supervisor: no such colony: %.64s\n", argv[i]);
			ctl_frame(r, cl, 2, msg, (size_t)len);
			ctl_finish(r, cl, 4);
			return;
		}
	u = r->cup == NULL && r->up == NULL ? calloc(1, sizeof(*u)) : NULL;
	if (u != NULL && (u->names = calloc(n ? n : 1, sizeof(*u->names))) != NULL &&
	    (u->req = req_new(r, cl)) != NULL) {
		for (size_t i = 0; i < n; i++)
			snprintf(u->names[i], sizeof(u->names[i]), "%s", argc > 0 ? argv[i] :
			    ((struct colony *)eng_child_data(eng_child_at(r->eng, i)))->name);
		u->n = n;
		u->timer = (struct root_timer){ TH_NODE_INIT, cup_timeout, u };
		r->cup = u;
		cup_next(r);
		return;
	}
	if (u != NULL)
		free(u->names);
	free(u);
	int len = snprintf(msg, sizeof(msg), "colony-supervisor: upgrade: %s\n",
	    r->cup || r->up ? "an upgrade is in progress" : "out of memory");
	ctl_frame(r, cl, 2, msg, (size_t)len);
	ctl_finish(r, cl, 1);
}
