/* root_eng.c: feeds the root-level engine through a FIFO queue and carries out its actions. */
#define _GNU_SOURCE
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/root.h"

void
root_eng_policy(const struct cfg_supervisor *s, struct eng_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->level = ENG_LEVEL_ROOT;
	p->strategy = (enum eng_strategy)s->strategy;
	p->intensity = s->intensity;
	p->period_ms = s->period_ms;
	p->on_exhausted = s->on_exhausted == CFG_EXHAUSTED_SHUTDOWN ?
	    ENG_EXHAUSTED_SHUTDOWN : ENG_EXHAUSTED_FAIL;
}

/* A colony is ready when its colonyd says so (PROTO_COLONY ready=1): notify, no timeout. */
void
root_eng_spec(const struct cfg_colony *cc, struct eng_child_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->restart = (enum eng_restart)cc->policy.restart;
	s->restart_delay_ms = cc->policy.restart_delay_ms;
	s->restart_delay_max_ms = cc->policy.restart_delay_max_ms;
	s->stable_after_ms = cc->policy.stable_after_ms;
	s->shutdown_ms = cc->policy.shutdown_ms == CFG_DURATION_INFINITY ?
	    ENG_INFINITY : cc->policy.shutdown_ms;
	s->autostart = cc->policy.autostart;
	s->notify = true;
	s->ready_timeout_ms = 0;
}

static void
root_push(struct root *r, const struct root_qitem *it)
{
	if (r->q_len == r->q_cap) {
		size_t cap = r->q_cap ? r->q_cap * 2 : 64;
		struct root_qitem *q = malloc(cap * sizeof(*q));
		if (q == NULL) {
			root_log("out of memory: engine event lost");
			return;
		}
		for (size_t i = 0; i < r->q_len; i++)
			q[i] = r->q[(r->q_head + i) % r->q_cap];
		free(r->q);
		r->q = q;
		r->q_cap = cap;
		r->q_head = 0;
	}
	r->q[(r->q_head + r->q_len) % r->q_cap] = *it;
	r->q_len++;
}

void
root_feed(struct root *r, enum eng_event_type type, struct colony *c, bool clean,
    enum eng_timer timer)
{
	struct root_qitem it = { RQ_EVENT, type, c, clean, timer };

	root_push(r, &it);
}

void
root_queue(struct root *r, enum root_qkind kind, struct colony *c)
{
	struct root_qitem it = { kind, ENG_EV_START_ALL, c, false, ENG_TIMER_NONE };

	root_push(r, &it);
}

static const char *
root_state_event(enum eng_state st)
{
	switch (st) {
	case ENG_RUNNING: return "ready";
	case ENG_STOPPED: return "stopped";
	case ENG_BACKOFF: return "backoff";
	case ENG_FAILED: return "failed";
	default: return NULL;
	}
}

static void
root_act_state(struct root *r, struct colony *c, enum eng_state st)
{
	const char *ev = root_state_event(st);

	if (ev != NULL)
		ctl_event(r, c->name, ev, st == ENG_RUNNING ? c->pid : 0, PROTO_EXIT_NONE, 0);
	/* Operator stop: the namespace and cgroups go (SPEC 4, namespace lifetime). At
	   shutdown too, colony by colony: while other colonies are still stopping, not
	   all in one serial pass after the last (root_teardown then finds them gone). */
	if (st == ENG_STOPPED && c->pid == 0) {
		net_colony_down(r, c);
		colony_cg_remove(r, c);
	}
	if (!c->dying)
		cmd_state_changed(r, c, st);
}

static void
root_act_removed(struct root *r, struct colony *c)
{
	c->child = NULL;
	if (colony_watched(c))
		colony_reap(r, c);
	link_close(r, c);
	net_colony_down(r, c);
	c->addr = 0;
	colony_cg_remove(r, c);
	root_timer_cancel(r, &c->timer);
	cmd_colony_gone(r, c);
	colony_unlink(r, c);
	c->gnext = r->graveyard;
	r->graveyard = c;
}

static void
root_act(struct root *r, const struct eng_action *a, struct colony *c)
{
	/* engine.h: every action but ALL_READY, GIVE_UP and DONE (the last three) names a child. */
	assert(c != NULL || a->type >= ENG_ACT_ALL_READY);
	switch (a->type) {
	case ENG_ACT_SPAWN:
		if (colony_spawn(r, c) == 0)
			root_feed(r, ENG_EV_SPAWNED, c, false, ENG_TIMER_NONE);
		else
			root_feed(r, ENG_EV_EXITED, c, false, ENG_TIMER_NONE);
		break;
	case ENG_ACT_SIGNAL:
		colony_signal(r, c);
		break;
	case ENG_ACT_CLEANUP:
		colony_cleanup(r, c);
		break;
	case ENG_ACT_TIMER:
		if (a->timer == ENG_TIMER_NONE) {
			root_timer_cancel(r, &c->timer);
		} else {
			c->timer_kind = a->timer;
			root_timer_set(r, &c->timer, r->now_ms + a->ms);
		}
		break;
	case ENG_ACT_STATE:
		root_act_state(r, c, a->state);
		break;
	case ENG_ACT_RESTARTING:
		ctl_event(r, c->name, "restarting", 0, PROTO_EXIT_NONE, 0);
		break;
	case ENG_ACT_REMOVED:
		root_act_removed(r, c);
		break;
	case ENG_ACT_ALL_READY:
		break;
	case ENG_ACT_GIVE_UP:
		root_log("root budget exhausted (on_exhausted = shutdown): exiting with status 3");
		r->exit_code = 3;
		r->quit = true;
		break;
	case ENG_ACT_DONE:
		r->quit = true;
		break;
	}
}

/* Run one queued item through the engine and carry out the resulting actions. */
static void
root_step(struct root *r, const struct root_qitem *it)
{
	struct eng_event ev = { .type = it->type, .clean = it->clean, .timer = it->timer };

	if (it->c != NULL && it->c->child == NULL)
		return;		/* the engine forgot this colony meanwhile */
	r->now_ms = util_mono_ms();
	ev.now_ms = r->now_ms;
	ev.child = it->c ? it->c->child : NULL;
	if (it->kind == RQ_START_CHILD)
		eng_child_start(r->eng, ev.child, r->now_ms, &r->acts);
	else if (it->kind == RQ_REMOVE_CHILD)
		eng_remove_child(r->eng, ev.child, r->now_ms, &r->acts);
	else if (eng_event(r->eng, &ev, &r->acts) != 0) {
		root_log("engine: out of memory");
		return;
	}
	/* Handles of removed children die with this list: resolve every colony first. */
	size_t n = r->acts.n;
	struct colony **cs = calloc(n ? n : 1, sizeof(*cs));
	if (cs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		cs[i] = r->acts.v[i].child ? eng_child_data(r->acts.v[i].child) : NULL;
		if (r->acts.v[i].type == ENG_ACT_REMOVED && cs[i] != NULL)
			cs[i]->dying = true;
	}
	for (size_t i = 0; i < n; i++)
		root_act(r, &r->acts.v[i], cs[i]);
	free(cs);
}

/* Results that arrive while actions run are queued, never fed recursively. */
void
root_drain(struct root *r)
{
	if (r->draining)
		return;
	r->draining = true;
	while (r->q_len > 0) {
		struct root_qitem it = r->q[r->q_head];
		r->q_head = (r->q_head + 1) % r->q_cap;
		r->q_len--;
		root_step(r, &it);
	}
	r->draining = false;
}
