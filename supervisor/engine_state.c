/* engine_state.c: export and import of the engine's decision state, for a daemon that re-executes itself. */
#include "supervisor/engine.h"

#include <stdlib.h>
#include <string.h>

#include "supervisor/engine_priv.h"

static uint64_t *
ring_copy_out(const struct eng_ring *r, unsigned *n)
{
	uint64_t *t;

	*n = 0;
	if (r->n == 0 || (t = malloc(r->n * sizeof(*t))) == NULL)
		return NULL;
	for (unsigned i = 0; i < r->n; i++)
		t[i] = r->t[(r->head + i) % r->cap];
	*n = r->n;
	return t;
}

/* Replace a ring by a copy of `v`; false on ENOMEM (the ring is then unchanged). */
static bool
ring_copy_in(struct eng_ring *r, const uint64_t *v, unsigned n)
{
	if (n == 0) {
		eng_ring_release(r);
		return true;
	}
	if (v == NULL)
		return false;
	if (n <= ENG_RING_INLINE) {
		eng_ring_release(r);
		r->t = r->inl;	/* a short window fits in the ring itself */
		r->cap = ENG_RING_INLINE;
	} else {
		uint64_t *t = malloc(n * sizeof(*t));
		if (t == NULL)
			return false;
		eng_ring_release(r);
		r->t = t;
		r->cap = n;
	}
	memcpy(r->t, v, n * sizeof(*r->t));
	r->n = n;
	return true;
}

void
eng_child_export(const struct eng_child *c, struct eng_child_export *x)
{
	memset(x, 0, sizeof(*x));
	x->state = c->state;
	x->timer = c->timer;
	x->goal = (unsigned)c->goal;
	x->since_ms = c->since_ms;
	x->spawn_ms = c->spawn_ms;
	x->delay_ms = c->delay_ms;
	x->pending_ms = c->pending_ms;
	x->fails = c->fails;
	x->restarts = c->restarts;
	x->alive = c->alive;
	x->cleaning = c->cleaning;
	x->empty = c->empty;
	x->in_group = c->in_group;
	x->notify = c->notify;
	x->budget = ring_copy_out(&c->budget, &x->n_budget);
}

int
eng_child_import(struct eng_child *c, const struct eng_child_export *x)
{
	struct eng *e = c->e;

	if ((unsigned)x->state > ENG_FAILED || (unsigned)x->timer > ENG_TIMER_READY ||
	    x->goal > G_REMOVE || c->removed)
		return -1;
	if (!ring_copy_in(&c->budget, x->budget, x->n_budget))
		return -1;
	/* The counters behind the O(1) checks follow the state, as set_state keeps them. */
	e->n_up += eng_is_up(x->state);
	e->n_up -= eng_is_up(c->state);
	if (c->spec.autostart) {
		e->n_auto_running += eng_counts_ready(x->state);
		e->n_auto_running -= eng_counts_ready(c->state);
	}
	c->state = x->state;
	c->timer = x->timer;
	c->goal = (enum eng_goal)x->goal;
	c->since_ms = x->since_ms;
	c->spawn_ms = x->spawn_ms;
	c->delay_ms = x->delay_ms;
	c->pending_ms = x->pending_ms;
	c->fails = x->fails;
	c->restarts = x->restarts;
	c->alive = x->alive;
	c->cleaning = x->cleaning;
	c->empty = x->empty;
	c->in_group = x->in_group;
	c->notify = x->notify;
	return 0;
}

void
eng_export(const struct eng *e, struct eng_export *x)
{
	memset(x, 0, sizeof(*x));
	x->started = e->started;
	x->ready_prev = e->ready_prev;
	x->gave_up = e->gave_up;
	x->done = e->done;
	x->grp_active = e->grp.active;
	x->grp_starting = e->grp.starting;
	x->grp_cur = e->grp.cur;
	x->grp_lo = e->grp.lo;
	x->grp_stop_lo = e->grp.stop_lo;
	x->all_active = e->all.active;
	x->all_sequential = e->all.sequential;
	x->all_give_up = e->all.give_up;
	x->all_cur = e->all.cur;
	x->ring = ring_copy_out(&e->ring, &x->n_ring);
}

int
eng_import(struct eng *e, const struct eng_export *x)
{
	long n = (long)e->n;

	/* Cursors index children: out of range would walk off the vector. */
	if (x->grp_cur < -1 || x->grp_cur > n || x->grp_lo < 0 || x->grp_lo > n ||
	    x->grp_stop_lo < 0 || x->grp_stop_lo > n || x->all_cur < -1 || x->all_cur >= n)
		return -1;
	if (!ring_copy_in(&e->ring, x->ring, x->n_ring))
		return -1;
	e->started = x->started;
	e->ready_prev = x->ready_prev;
	e->gave_up = x->gave_up;
	e->done = x->done;
	e->grp.active = x->grp_active;
	e->grp.starting = x->grp_starting;
	e->grp.cur = x->grp_cur;
	e->grp.lo = x->grp_lo;
	e->grp.stop_lo = x->grp_stop_lo;
	e->all.active = x->all_active;
	e->all.sequential = x->all_sequential;
	e->all.give_up = x->all_give_up;
	e->all.cur = x->all_cur;
	return 0;
}
