/* engine_budget.c: the engine's restart decision: intensity windows, per-child root budgets, backoff. */
#include <assert.h>
#include <stdlib.h>

#include "supervisor/engine_priv.h"

/* A fresh start by an operator or the configuration: new budget, no backoff. */
void
eng_refresh(struct eng_child *c)
{
	c->restarts = 0;
	c->fails = 0;
	c->delay_ms = 0;
	c->pending_ms = 0;
	c->budget.n = 0;
	c->budget.head = 0;
}

/* Make room for one more entry, keeping the order; false on ENOMEM. */
static bool
ring_grow(struct eng_ring *r, unsigned limit)
{
	unsigned cap = r->cap * 2;
	uint64_t *t;

	if (r->n < r->cap)
		return true;
	assert(r->n == r->cap);	/* n never exceeds cap */
	if (r->cap == 0) {
		r->t = r->inl;
		r->cap = ENG_RING_INLINE;
		r->head = 0;
		return true;
	}
	if (cap > limit)
		cap = limit;
	t = malloc(cap * sizeof(*t));
	if (t == NULL)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		t[i] = r->t[(r->head + i) % r->cap];
	if (r->t != r->inl)
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

static void
give_up(struct eng *e, struct eng_child *c)
{
	eng_stop_all(e, true);
	c->goal = G_FAIL;
}

/* The restart a crash calls for: budget, backoff, strategy. */
void
eng_decide_restart(struct eng *e, struct eng_child *c, bool abnormal)
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
	eng_emit(c, ENG_ACT_RESTARTING);
	if (e->pol.strategy == ENG_ONE_FOR_ONE)
		c->goal = G_RESTART;
	else
		eng_group_merge(e, c);
}
