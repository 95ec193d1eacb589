/* engine.c: the pure OTP supervision engine: events in, actions out (see engine.h). */
#include "supervisor/engine.h"

#include <stdlib.h>
#include <string.h>

#include "supervisor/engine_priv.h"

void
eng_push(struct eng *e, enum eng_action_type type, struct eng_child *c,
    enum eng_state s, enum eng_timer timer, uint64_t ms)
{
	struct eng_actions *a = e->out;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct eng_action *v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL) {
			e->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct eng_action){ .type = type, .child = c,
		.state = s, .timer = timer, .ms = ms };
}

void
eng_emit(struct eng_child *c, enum eng_action_type type)
{
	eng_push(c->e, type, c, c->state, ENG_TIMER_NONE, 0);
}

/* The only place a state changes: keeps the counters behind O(1) checks. */
void
eng_set_state(struct eng_child *c, enum eng_state s)
{
	struct eng *e = c->e;

	if (c->state == s)
		return;
	e->n_up += eng_is_up(s);
	e->n_up -= eng_is_up(c->state);
	if (c->spec.autostart) {
		e->n_auto_running += eng_counts_ready(s);
		e->n_auto_running -= eng_counts_ready(c->state);
	}
	c->state = s;
	c->since_ms = e->now;
	eng_emit(c, ENG_ACT_STATE);
}

void
eng_arm(struct eng_child *c, enum eng_timer kind, uint64_t ms)
{
	c->timer = kind;
	eng_push(c->e, ENG_ACT_TIMER, c, c->state, kind, ms);
}

/* Timers are cancelled explicitly; a stale firing of another kind is ignored too. */
void
eng_cancel(struct eng_child *c)
{
	if (c->timer != ENG_TIMER_NONE)
		eng_arm(c, ENG_TIMER_NONE, 0);
}

void
eng_cleanup(struct eng_child *c)
{
	if (c->cleaning)
		return;
	c->cleaning = true;
	c->empty = false;
	eng_emit(c, ENG_ACT_CLEANUP);
}

void
eng_spawn(struct eng_child *c)
{
	uint64_t rt = c->spec.ready_timeout_ms;

	eng_cancel(c);
	eng_set_state(c, ENG_STARTING);
	c->alive = true;
	c->cleaning = c->empty = false;
	c->goal = G_NONE;
	c->spawn_ms = c->e->now;
	c->pending_ms = 0;
	c->notify = c->spec.notify;
	eng_emit(c, ENG_ACT_SPAWN);
	if (c->spec.notify && rt != 0 && rt != ENG_INFINITY)
		eng_arm(c, ENG_TIMER_READY, rt);
}

/* Stop an up, not yet stopping child; `goal` says where it goes once down. */
void
eng_begin_stop(struct eng_child *c, enum eng_goal goal)
{
	uint64_t ms = c->spec.shutdown_ms;

	c->goal = goal;
	eng_cancel(c);
	eng_set_state(c, ENG_STOPPING);
	if (!c->alive || ms == 0) {
		eng_cleanup(c);
		return;
	}
	eng_emit(c, ENG_ACT_SIGNAL);
	if (ms != ENG_INFINITY)
		eng_arm(c, ENG_TIMER_SHUTDOWN, ms);
}

/* ---- exits ---- */

/* The main process of a STARTING/RUNNING child ended, or it missed ready_timeout. */
static void
handle_exit(struct eng *e, struct eng_child *c, bool abnormal)
{
	eng_cancel(c);
	eng_set_state(c, ENG_STOPPING);
	eng_cleanup(c);
	eng_decide_restart(e, c, abnormal);
}

static void
detach(struct eng *e, struct eng_child *c)
{
	long r = (long)c->index;

	memmove(&e->v[r], &e->v[r + 1], (e->n - (size_t)r - 1) * sizeof(*e->v));
	e->n--;
	for (size_t i = (size_t)r; i < e->n; i++)
		e->v[i]->index = i;
	e->n_auto -= c->spec.autostart;
	if (c->spec.autostart && eng_counts_ready(c->state))
		e->n_auto_running--;
	e->n_up -= eng_is_up(c->state);	/* a removed child leaves in STOPPING */
	if (e->grp.starting ? r < e->grp.cur : r <= e->grp.cur)
		e->grp.cur--;
	if (r < e->grp.lo)
		e->grp.lo--;
	if (r < e->grp.stop_lo)
		e->grp.stop_lo--;
	if (r <= e->all.cur)
		e->all.cur--;
	c->removed = true;
	c->next_dead = e->dead;
	e->dead = c;
}

/* The instance is gone: its main process ended and its cgroup is empty. */
static void
finish_down(struct eng *e, struct eng_child *c)
{
	enum eng_goal g = c->goal;

	c->cleaning = c->empty = false;
	c->goal = G_NONE;
	if (eng_goal_final(g) || g == G_NONE)
		c->in_group = false;
	switch (g) {
	case G_RESTART:
		if (c->pending_ms == 0) {
			eng_spawn(c);
			break;
		}
		eng_set_state(c, ENG_BACKOFF);
		eng_arm(c, ENG_TIMER_BACKOFF, c->pending_ms);
		break;
	case G_GROUP:
		eng_set_state(c, ENG_BACKOFF);
		break;
	case G_EXIT:
		eng_set_state(c, ENG_EXITED);
		break;
	case G_FAIL:
		eng_set_state(c, ENG_FAILED);
		break;
	case G_REMOVE:
		eng_emit(c, ENG_ACT_REMOVED);
		detach(e, c);
		break;
	case G_NONE:
	case G_STOP:
		eng_set_state(c, ENG_STOPPED);
		break;
	}
}

static void
maybe_down(struct eng *e, struct eng_child *c)
{
	if (c->state == ENG_STOPPING && c->cleaning && c->empty && !c->alive)
		finish_down(e, c);
}

/* ---- events, one handler per event; each switch mirrors a row of the table ---- */

static void
on_exited(struct eng *e, struct eng_child *c, bool clean)
{
	if (!c->alive)
		return;		/* a second EXITED, or one without a SPAWN */
	c->alive = false;
	switch (c->state) {
	case ENG_STARTING:
	case ENG_RUNNING:
		handle_exit(e, c, !clean);
		break;
	case ENG_STOPPING:
		/* Stopped by us: normal. Kill whatever the process left behind. */
		if (c->timer == ENG_TIMER_SHUTDOWN)
			eng_cancel(c);
		eng_cleanup(c);
		maybe_down(e, c);
		break;
	default:
		break;
	}
}

static void
on_timer(struct eng *e, struct eng_child *c, enum eng_timer kind)
{
	if (kind == ENG_TIMER_NONE || kind != c->timer)
		return;		/* stale: cancelled or replaced since */
	c->timer = ENG_TIMER_NONE;
	if (kind == ENG_TIMER_BACKOFF && c->state == ENG_BACKOFF) {
		/* A group member spawns when the group reaches it, in order. */
		if (!c->in_group || !e->grp.active ||
		    (e->grp.starting && e->grp.cur == (long)c->index))
			eng_spawn(c);
	} else if (kind == ENG_TIMER_SHUTDOWN && c->state == ENG_STOPPING) {
		eng_cleanup(c);
	} else if (kind == ENG_TIMER_READY && c->state == ENG_STARTING) {
		handle_exit(e, c, true);
	}
}

static void
op_stop(struct eng_child *c)
{
	c->in_group = false;
	switch (c->state) {
	case ENG_STARTING:
	case ENG_RUNNING:
		eng_begin_stop(c, G_STOP);
		break;
	case ENG_STOPPING:
		if (c->goal != G_REMOVE)
			c->goal = G_STOP;
		break;
	case ENG_BACKOFF:
	case ENG_EXITED:
	case ENG_FAILED:
		eng_cancel(c);
		eng_set_state(c, ENG_STOPPED);
		break;
	case ENG_STOPPED:
		break;
	}
}

/* OP_START, and OP_RESTART of a child that is not up. */
static void
op_start(struct eng_child *c, bool restart)
{
	switch (c->state) {
	case ENG_STARTING:
	case ENG_RUNNING:
		if (!restart)
			return;
		eng_refresh(c);
		eng_begin_stop(c, G_RESTART);
		break;
	case ENG_STOPPING:
		if (c->goal == G_REMOVE)
			return;
		eng_refresh(c);
		if (c->goal != G_GROUP)
			c->goal = G_RESTART;
		break;
	case ENG_BACKOFF:
		eng_refresh(c);
		if (!c->in_group)
			eng_spawn(c);
		break;
	case ENG_STOPPED:
	case ENG_EXITED:
	case ENG_FAILED:
		eng_refresh(c);
		c->in_group = false;
		eng_spawn(c);
		break;
	}
}

static void
on_child_event(struct eng *e, const struct eng_event *ev)
{
	struct eng_child *c = ev->child;

	switch (ev->type) {
	case ENG_EV_SPAWNED:
		if (c->state == ENG_STARTING && !c->notify)
			eng_set_state(c, ENG_RUNNING);
		break;
	case ENG_EV_READY:
		if (c->state == ENG_STARTING) {
			if (c->timer == ENG_TIMER_READY)
				eng_cancel(c);
			eng_set_state(c, ENG_RUNNING);
		}
		break;
	case ENG_EV_EXITED:
		on_exited(e, c, ev->clean);
		break;
	case ENG_EV_EMPTY:
		if (c->state == ENG_STOPPING && c->cleaning) {
			c->empty = true;
			maybe_down(e, c);
		}
		break;
	case ENG_EV_TIMER:
		on_timer(e, c, ev->timer);
		break;
	case ENG_EV_OP_STOP:
		op_stop(c);
		break;
	case ENG_EV_OP_START:
	case ENG_EV_OP_RESTART:
		if (!e->all.active)
			op_start(c, ev->type == ENG_EV_OP_RESTART);
		break;
	default:
		break;
	}
}

/* ---- calls ---- */

static void
begin_call(struct eng *e, uint64_t now, struct eng_actions *out)
{
	while (e->dead != NULL) {
		struct eng_child *c = e->dead;

		e->dead = c->next_dead;
		eng_ring_release(&c->budget);
		free(c);
	}
	out->n = 0;
	e->out = out;
	e->now = now;
	e->oom = false;
}

/* Work left by the event: advance a stop-all or a group, then the ready signal. */
static int
end_call(struct eng *e)
{
	bool ready;

	if (e->all.active)
		eng_stop_all_advance(e);
	else if (e->grp.active)
		eng_group_advance(e);
	ready = eng_all_ready(e);
	if (ready && !e->ready_prev)
		eng_push(e, ENG_ACT_ALL_READY, NULL, ENG_RUNNING, ENG_TIMER_NONE, 0);
	e->ready_prev = ready;
	e->out = NULL;
	return e->oom ? -1 : 0;
}

int
eng_event(struct eng *e, const struct eng_event *ev, struct eng_actions *out)
{
	begin_call(e, ev->now_ms, out);
	if (e->gave_up || e->done)
		return end_call(e);
	if (ev->type == ENG_EV_START_ALL) {
		if (!e->all.active)
			eng_start_all(e);
	} else if (ev->type == ENG_EV_SHUTDOWN) {
		if (!e->all.active)
			eng_stop_all(e, false);
	} else if (ev->child != NULL && ev->child->e == e && !ev->child->removed) {
		on_child_event(e, ev);
	}
	return end_call(e);
}

void
eng_child_start(struct eng *e, struct eng_child *c, uint64_t now_ms, struct eng_actions *out)
{
	begin_call(e, now_ms, out);
	if (c->spec.autostart && c->state == ENG_STOPPED && !e->all.active &&
	    !e->done && !e->gave_up) {
		eng_refresh(c);
		c->in_group = false;
		eng_spawn(c);
	}
	end_call(e);
}

void
eng_remove_child(struct eng *e, struct eng_child *c, uint64_t now_ms, struct eng_actions *out)
{
	begin_call(e, now_ms, out);
	if (c->removed || c->e != e) {
		end_call(e);
		return;
	}
	c->in_group = false;
	switch (c->state) {
	case ENG_STARTING:
	case ENG_RUNNING:
		eng_begin_stop(c, G_REMOVE);
		break;
	case ENG_STOPPING:
		c->goal = G_REMOVE;
		break;
	default:
		eng_cancel(c);
		eng_emit(c, ENG_ACT_REMOVED);
		detach(e, c);
		break;
	}
	end_call(e);
}

/* ---- construction and views ---- */

struct eng *
eng_new(const struct eng_policy *policy)
{
	struct eng *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->pol = *policy;
	e->grp.cur = e->all.cur = -1;
	return e;
}

void
eng_free(struct eng *e)
{
	struct eng_actions none = { 0 };

	if (e == NULL)
		return;
	begin_call(e, 0, &none);
	for (size_t i = 0; i < e->n; i++) {
		eng_ring_release(&e->v[i]->budget);
		free(e->v[i]);
	}
	free(e->v);
	eng_ring_release(&e->ring);
	free(e);
}

void
eng_set_policy(struct eng *e, const struct eng_policy *policy)
{
	e->pol = *policy;
}

struct eng_child *
eng_add_child(struct eng *e, size_t pos, const struct eng_child_spec *spec, void *data)
{
	struct eng_child *c;
	long p;

	if (pos > e->n)
		pos = e->n;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		struct eng_child **v = realloc(e->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		e->v = v;
		e->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->e = e;
	c->spec = *spec;
	c->data = data;
	c->state = ENG_STOPPED;
	memmove(&e->v[pos + 1], &e->v[pos], (e->n - pos) * sizeof(*e->v));
	e->v[pos] = c;
	e->n++;
	for (size_t i = pos; i < e->n; i++)
		e->v[i]->index = i;
	e->n_auto += spec->autostart;
	/* Keep the cursors of a group restart or stop-all on the same children. */
	p = (long)pos;
	if (e->grp.starting ? p < e->grp.cur : p <= e->grp.cur)
		e->grp.cur++;
	if (p <= e->grp.lo && e->grp.active)
		e->grp.lo++;
	if (p <= e->grp.stop_lo && e->grp.active)
		e->grp.stop_lo++;
	if (p <= e->all.cur)
		e->all.cur++;
	return c;
}

void
eng_set_spec(struct eng_child *c, const struct eng_child_spec *spec)
{
	struct eng *e = c->e;

	if (c->spec.autostart != spec->autostart) {
		e->n_auto += spec->autostart;
		e->n_auto -= c->spec.autostart;
		if (eng_counts_ready(c->state)) {
			e->n_auto_running += spec->autostart;
			e->n_auto_running -= c->spec.autostart;
		}
	}
	c->spec = *spec;
}

void
eng_actions_free(struct eng_actions *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

size_t eng_count(const struct eng *e) { return e->n; }
struct eng_child *eng_child_at(const struct eng *e, size_t i) { return i < e->n ? e->v[i] : NULL; }
size_t eng_child_index(const struct eng_child *c) { return c->index; }
void *eng_child_data(const struct eng_child *c) { return c->data; }
enum eng_state eng_child_state(const struct eng_child *c) { return c->state; }
bool eng_child_ready(const struct eng_child *c) { return c->state == ENG_RUNNING; }
unsigned eng_child_restarts(const struct eng_child *c) { return c->restarts; }
uint64_t eng_child_since_ms(const struct eng_child *c) { return c->since_ms; }
bool eng_gave_up(const struct eng *e) { return e->gave_up; }

bool
eng_all_ready(const struct eng *e)
{
	return e->started && !e->all.active && !e->done && !e->gave_up &&
	    e->n_auto_running == e->n_auto;
}

const char *
eng_state_name(enum eng_state s)
{
	static const char *const names[] = {
		[ENG_STOPPED] = "stopped", [ENG_STARTING] = "starting",
		[ENG_RUNNING] = "running", [ENG_STOPPING] = "stopping",
		[ENG_BACKOFF] = "backoff", [ENG_EXITED] = "exited",
		[ENG_FAILED] = "failed",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *
eng_strategy_name(enum eng_strategy s)
{
	switch (s) {
	case ENG_ONE_FOR_ONE: return "one_for_one";
	case ENG_REST_FOR_ONE: return "rest_for_one";
	case ENG_ONE_FOR_ALL: return "one_for_all";
	}
	return "unknown";
}
