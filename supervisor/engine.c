/* engine.c: the pure OTP supervision engine: events in, actions out (see engine.h). */
#include "supervisor/engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/engine_priv.h"

static bool
is_up(enum eng_state s)
{
	return s == ENG_STARTING || s == ENG_RUNNING || s == ENG_STOPPING;
}

static void
push(struct eng *e, enum eng_action_type type, struct eng_child *c,
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

static void
emit(struct eng_child *c, enum eng_action_type type)
{
	push(c->e, type, c, c->state, ENG_TIMER_NONE, 0);
}

/* The only place a state changes: keeps the counters behind O(1) checks. */
/*
 * A colony is ready when its autostart children are: RUNNING ones, and
 * EXITED ones too, since a temporary one-shot that finished (a migration, a
 * set-up step) will never be more ready than that and must not hold the
 * colony, or the siblings after it, back forever.
 */
static bool
counts_ready(enum eng_state s)
{
	return s == ENG_RUNNING || s == ENG_EXITED;
}

static void
set_state(struct eng_child *c, enum eng_state s)
{
	struct eng *e = c->e;

	if (c->state == s)
		return;
	e->n_up += is_up(s);
	e->n_up -= is_up(c->state);
	if (c->spec.autostart) {
		e->n_auto_running += counts_ready(s);
		e->n_auto_running -= counts_ready(c->state);
	}
	c->state = s;
	c->since_ms = e->now;
	emit(c, ENG_ACT_STATE);
}

static void
arm(struct eng_child *c, enum eng_timer kind, uint64_t ms)
{
	c->timer = kind;
	push(c->e, ENG_ACT_TIMER, c, c->state, kind, ms);
}

/* Timers are cancelled explicitly; a stale firing of another kind is ignored too. */
static void
cancel(struct eng_child *c)
{
	if (c->timer != ENG_TIMER_NONE)
		arm(c, ENG_TIMER_NONE, 0);
}

static void
cleanup(struct eng_child *c)
{
	if (c->cleaning)
		return;
	c->cleaning = true;
	c->empty = false;
	emit(c, ENG_ACT_CLEANUP);
}

static void
spawn(struct eng_child *c)
{
	uint64_t rt = c->spec.ready_timeout_ms;

	cancel(c);
	set_state(c, ENG_STARTING);
	c->alive = true;
	c->cleaning = c->empty = false;
	c->goal = G_NONE;
	c->spawn_ms = c->e->now;
	c->pending_ms = 0;
	c->notify = c->spec.notify;
	emit(c, ENG_ACT_SPAWN);
	if (c->spec.notify && rt != 0 && rt != ENG_INFINITY)
		arm(c, ENG_TIMER_READY, rt);
}

/* Stop an up, not yet stopping child; `goal` says where it goes once down. */
static void
begin_stop(struct eng_child *c, enum eng_goal goal)
{
	uint64_t ms = c->spec.shutdown_ms;

	c->goal = goal;
	cancel(c);
	set_state(c, ENG_STOPPING);
	if (!c->alive || ms == 0) {
		cleanup(c);
		return;
	}
	emit(c, ENG_ACT_SIGNAL);
	if (ms != ENG_INFINITY)
		arm(c, ENG_TIMER_SHUTDOWN, ms);
}

/* A goal that keeps the child down wins over one that would bring it back. */
static bool
goal_final(enum eng_goal g)
{
	return g == G_STOP || g == G_EXIT || g == G_FAIL || g == G_REMOVE;
}

/* A fresh start by an operator or the configuration: new budget, no backoff. */
static void
refresh(struct eng_child *c)
{
	c->restarts = 0;
	c->fails = 0;
	c->delay_ms = 0;
	c->pending_ms = 0;
	c->budget.n = 0;
	c->budget.head = 0;
}

/* ---- restart budget and backoff ---- */

/* Make room for one more entry, keeping the order; false on ENOMEM. */
static bool
ring_grow(struct eng_ring *r, unsigned limit)
{
	unsigned cap = r->cap ? r->cap * 2 : 4;
	uint64_t *t;

	if (r->n < r->cap)
		return true;
	assert(r->n == r->cap);	/* n never exceeds cap, so with cap 0 the copy below does not run */
	if (cap > limit)
		cap = limit;
	t = malloc(cap * sizeof(*t));
	if (t == NULL)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		t[i] = r->t[(r->head + i) % r->cap];
	free(r->t);
	r->t = t;
	r->cap = cap;
	r->head = 0;
	return true;
}

/*
 * Record a restart operation at `now`, or return true when it would make more
 * than `intensity` within `period` (OTP: a restart at exactly now - period
 * still counts). Only operations still inside the window are kept, so the
 * memory follows the actual restart rate, not the configured intensity.
 */
static bool
ring_exceeded(struct eng *e, struct eng_ring *r)
{
	unsigned limit = e->pol.intensity;

	while (r->n > 0 && (r->n > limit || e->now - r->t[r->head] > e->pol.period_ms)) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	if (r->n >= limit)
		return true;
	if (!ring_grow(r, limit)) {
		e->oom = true;
		return false;
	}
	r->t[(r->head + r->n) % r->cap] = e->now;
	r->n++;
	return false;
}

/* Decided lazily at exit time so that an idle daemon needs no stable_after timer. */
static uint64_t
next_delay(struct eng_child *c, bool abnormal)
{
	const struct eng_child_spec *s = &c->spec;
	uint64_t cap = s->restart_delay_max_ms > s->restart_delay_ms ?
	    s->restart_delay_max_ms : s->restart_delay_ms;
	uint64_t d;

	if (c->e->now - c->spawn_ms >= s->stable_after_ms)
		c->fails = 0;
	if (!abnormal)
		return s->restart_delay_ms;
	if (c->fails == 0)
		d = s->restart_delay_ms;
	else {
		d = c->delay_ms > cap / 2 ? cap : c->delay_ms * 2;
		if (d < 100)
			d = 100;
		if (d > cap)
			d = cap;
	}
	c->fails++;
	c->delay_ms = d;
	return d;
}

/* ---- stopping everything ---- */

static void
retarget_stop(struct eng_child *c)
{
	if (!goal_final(c->goal))
		c->goal = G_STOP;
}

/*
 * SHUTDOWN or a give-up. Concurrent under one_for_one (10,000 colonies must not
 * stop one by one), sequential in reverse order otherwise; a give-up in a
 * colony is always sequential, as in OTP.
 */
static void
stop_all(struct eng *e, bool give_up)
{
	e->all.active = true;
	e->all.give_up = give_up;
	e->all.sequential = e->pol.strategy != ENG_ONE_FOR_ONE ||
	    (give_up && e->pol.level == ENG_LEVEL_COLONY);
	e->all.cur = (long)e->n - 1;
	e->grp.active = false;
	for (size_t i = e->n; i-- > 0;) {
		struct eng_child *c = e->v[i];

		c->in_group = false;
		if (c->state == ENG_BACKOFF) {
			cancel(c);
			set_state(c, ENG_STOPPED);
		} else if (c->state == ENG_STOPPING) {
			retarget_stop(c);
		} else if (is_up(c->state) && !e->all.sequential) {
			begin_stop(c, G_STOP);
		}
	}
}

static void
stop_all_advance(struct eng *e)
{
	if (e->all.sequential) {
		for (; e->all.cur >= 0; e->all.cur--) {
			struct eng_child *c = e->v[e->all.cur];

			if (c->state == ENG_STARTING || c->state == ENG_RUNNING)
				begin_stop(c, G_STOP);
			if (c->state == ENG_STOPPING)
				return;
		}
	}
	if (e->n_up != 0)
		return;
	e->all.active = false;
	if (e->all.give_up) {
		push(e, ENG_ACT_GIVE_UP, NULL, ENG_STOPPED, ENG_TIMER_NONE, 0);
		e->gave_up = true;
	} else {
		push(e, ENG_ACT_DONE, NULL, ENG_STOPPED, ENG_TIMER_NONE, 0);
		e->done = true;
	}
}

/* ---- group restarts (rest_for_one, one_for_all) ---- */

/* Bring the siblings from `lo` on into the group restart caused by `c`. */
static void
group_merge(struct eng *e, struct eng_child *c)
{
	long lo = e->pol.strategy == ENG_ONE_FOR_ALL ? 0 : (long)c->index;

	c->goal = G_GROUP;
	c->in_group = true;
	if (!e->grp.active) {
		e->grp.active = true;
		e->grp.lo = e->grp.stop_lo = lo;
	} else {
		if (e->grp.starting || lo < e->grp.stop_lo)
			e->grp.stop_lo = lo;
		if (lo < e->grp.lo)
			e->grp.lo = lo;
	}
	e->grp.starting = false;
	e->grp.cur = (long)e->n - 1;
	for (size_t i = (size_t)lo; i < e->n; i++) {
		struct eng_child *d = e->v[i];

		if (d == c)
			continue;
		if ((d->state == ENG_STARTING || d->state == ENG_RUNNING) &&
		    d->spec.restart != ENG_TEMPORARY) {
			d->in_group = true;
			d->restarts++;
			emit(d, ENG_ACT_RESTARTING);
		} else if (d->state == ENG_STOPPING && !goal_final(d->goal)) {
			d->goal = G_GROUP;
			d->in_group = true;
		} else if (d->state == ENG_BACKOFF && !d->in_group) {
			cancel(d);
			d->in_group = true;
		}
	}
}

/* Stop phase: the siblings involved, in reverse order, each once the previous is down. */
static bool
group_stop_step(struct eng *e)
{
	for (; e->grp.cur >= e->grp.stop_lo; e->grp.cur--) {
		struct eng_child *c = e->v[e->grp.cur];
		bool temp = c->spec.restart == ENG_TEMPORARY;

		if (c->state == ENG_STARTING || c->state == ENG_RUNNING) {
			c->in_group = !temp;
			begin_stop(c, temp ? G_EXIT : G_GROUP);
		}
		if (c->state == ENG_STOPPING)
			return false;
	}
	e->grp.starting = true;
	e->grp.cur = e->grp.lo;
	return true;
}

/* Start phase: in order, each once the previous is ready. */
static void
group_start_step(struct eng *e)
{
	for (; e->grp.cur < (long)e->n; e->grp.cur++) {
		struct eng_child *c = e->v[e->grp.cur];

		if (!c->in_group)
			continue;
		if (c->state == ENG_RUNNING) {
			c->in_group = false;
			continue;
		}
		if (is_up(c->state) || c->timer == ENG_TIMER_BACKOFF)
			return;
		if (c->pending_ms != 0) {
			set_state(c, ENG_BACKOFF);
			arm(c, ENG_TIMER_BACKOFF, c->pending_ms);
			return;
		}
		spawn(c);
		return;
	}
	e->grp.active = false;
}

static void
group_advance(struct eng *e)
{
	if (!e->grp.starting && !group_stop_step(e))
		return;
	group_start_step(e);
}

/* ---- exits ---- */

static void
give_up(struct eng *e, struct eng_child *c)
{
	stop_all(e, true);
	c->goal = G_FAIL;
}

/* The restart a crash calls for: budget, backoff, strategy. */
static void
decide_restart(struct eng *e, struct eng_child *c, bool abnormal)
{
	enum eng_restart r = c->spec.restart;
	struct eng_ring *ring = e->pol.level == ENG_LEVEL_ROOT ? &c->budget : &e->ring;

	if (r == ENG_TEMPORARY || (r == ENG_TRANSIENT && !abnormal)) {
		c->goal = G_EXIT;
		return;
	}
	if (e->all.active) {
		c->goal = G_STOP;
		return;
	}
	/* Checked before any sibling is touched: a failed child leaves them alone. */
	if (ring_exceeded(e, ring)) {
		if (e->pol.level == ENG_LEVEL_ROOT && e->pol.on_exhausted == ENG_EXHAUSTED_FAIL) {
			c->goal = G_FAIL;
			c->in_group = false;
		} else {
			give_up(e, c);
		}
		return;
	}
	c->pending_ms = next_delay(c, abnormal);
	c->restarts++;
	emit(c, ENG_ACT_RESTARTING);
	if (e->pol.strategy == ENG_ONE_FOR_ONE)
		c->goal = G_RESTART;
	else
		group_merge(e, c);
}

/* The main process of a STARTING/RUNNING child ended, or it missed ready_timeout. */
static void
handle_exit(struct eng *e, struct eng_child *c, bool abnormal)
{
	cancel(c);
	set_state(c, ENG_STOPPING);
	cleanup(c);
	decide_restart(e, c, abnormal);
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
	if (c->spec.autostart && counts_ready(c->state))
		e->n_auto_running--;
	e->n_up -= is_up(c->state);	/* a removed child leaves in STOPPING */
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
	if (goal_final(g) || g == G_NONE)
		c->in_group = false;
	switch (g) {
	case G_RESTART:
		if (c->pending_ms == 0) {
			spawn(c);
			break;
		}
		set_state(c, ENG_BACKOFF);
		arm(c, ENG_TIMER_BACKOFF, c->pending_ms);
		break;
	case G_GROUP:
		set_state(c, ENG_BACKOFF);
		break;
	case G_EXIT:
		set_state(c, ENG_EXITED);
		break;
	case G_FAIL:
		set_state(c, ENG_FAILED);
		break;
	case G_REMOVE:
		emit(c, ENG_ACT_REMOVED);
		detach(e, c);
		break;
	case G_NONE:
	case G_STOP:
		set_state(c, ENG_STOPPED);
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
			cancel(c);
		cleanup(c);
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
			spawn(c);
	} else if (kind == ENG_TIMER_SHUTDOWN && c->state == ENG_STOPPING) {
		cleanup(c);
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
		begin_stop(c, G_STOP);
		break;
	case ENG_STOPPING:
		if (c->goal != G_REMOVE)
			c->goal = G_STOP;
		break;
	case ENG_BACKOFF:
	case ENG_EXITED:
	case ENG_FAILED:
		cancel(c);
		set_state(c, ENG_STOPPED);
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
		refresh(c);
		begin_stop(c, G_RESTART);
		break;
	case ENG_STOPPING:
		if (c->goal == G_REMOVE)
			return;
		refresh(c);
		if (c->goal != G_GROUP)
			c->goal = G_RESTART;
		break;
	case ENG_BACKOFF:
		refresh(c);
		if (!c->in_group)
			spawn(c);
		break;
	case ENG_STOPPED:
	case ENG_EXITED:
	case ENG_FAILED:
		refresh(c);
		c->in_group = false;
		spawn(c);
		break;
	}
}

static void
start_all(struct eng *e)
{
	bool ordered = e->pol.strategy != ENG_ONE_FOR_ONE;
	bool any = false;

	e->started = true;
	for (size_t i = 0; i < e->n; i++) {
		struct eng_child *c = e->v[i];

		if (!c->spec.autostart || c->state != ENG_STOPPED)
			continue;
		refresh(c);
		if (!ordered)
			spawn(c);
		else
			c->in_group = any = true;
	}
	if (!any)
		return;
	if (!e->grp.active) {
		e->grp.active = true;
		e->grp.starting = true;
		e->grp.lo = e->grp.stop_lo = 0;
		e->grp.cur = 0;
	} else if (e->grp.starting) {
		e->grp.lo = e->grp.cur = 0;
	} else {
		e->grp.lo = 0;
	}
}

static void
on_child_event(struct eng *e, const struct eng_event *ev)
{
	struct eng_child *c = ev->child;

	switch (ev->type) {
	case ENG_EV_SPAWNED:
		if (c->state == ENG_STARTING && !c->notify)
			set_state(c, ENG_RUNNING);
		break;
	case ENG_EV_READY:
		if (c->state == ENG_STARTING) {
			if (c->timer == ENG_TIMER_READY)
				cancel(c);
			set_state(c, ENG_RUNNING);
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
		free(c->budget.t);
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
		stop_all_advance(e);
	else if (e->grp.active)
		group_advance(e);
	ready = eng_all_ready(e);
	if (ready && !e->ready_prev)
		push(e, ENG_ACT_ALL_READY, NULL, ENG_RUNNING, ENG_TIMER_NONE, 0);
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
			start_all(e);
	} else if (ev->type == ENG_EV_SHUTDOWN) {
		if (!e->all.active)
			stop_all(e, false);
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
		refresh(c);
		c->in_group = false;
		spawn(c);
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
		begin_stop(c, G_REMOVE);
		break;
	case ENG_STOPPING:
		c->goal = G_REMOVE;
		break;
	default:
		cancel(c);
		emit(c, ENG_ACT_REMOVED);
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
		free(e->v[i]->budget.t);
		free(e->v[i]);
	}
	free(e->v);
	free(e->ring.t);
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
		if (counts_ready(c->state)) {
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
