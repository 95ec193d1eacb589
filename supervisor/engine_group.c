/* engine_group.c: the engine's sequencing of many children: ordered start, group restarts, stop-all. */
#include "supervisor/engine_priv.h"

/* ---- stopping everything ---- */

static void
retarget_stop(struct eng_child *c)
{
	if (!eng_goal_final(c->goal))
		c->goal = G_STOP;
}

/*
 * SHUTDOWN or a give-up. Concurrent under one_for_one (10,000 colonies must not
 * stop one by one), sequential in reverse order otherwise; a give-up in a
 * colony is always sequential, as in OTP.
 */
void
eng_stop_all(struct eng *e, bool give_up)
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
			eng_cancel(c);
			eng_set_state(c, ENG_STOPPED);
		} else if (c->state == ENG_STOPPING) {
			retarget_stop(c);
		} else if (eng_is_up(c->state) && !e->all.sequential) {
			eng_begin_stop(c, G_STOP);
		}
	}
}

void
eng_stop_all_advance(struct eng *e)
{
	if (e->all.sequential) {
		for (; e->all.cur >= 0; e->all.cur--) {
			struct eng_child *c = e->v[e->all.cur];

			if (c->state == ENG_STARTING || c->state == ENG_RUNNING)
				eng_begin_stop(c, G_STOP);
			if (c->state == ENG_STOPPING)
				return;
		}
	}
	if (e->n_up != 0)
		return;
	e->all.active = false;
	if (e->all.give_up) {
		eng_push(e, ENG_ACT_GIVE_UP, NULL, ENG_STOPPED, ENG_TIMER_NONE, 0);
		e->gave_up = true;
	} else {
		eng_push(e, ENG_ACT_DONE, NULL, ENG_STOPPED, ENG_TIMER_NONE, 0);
		e->done = true;
	}
}

/* ---- group restarts (rest_for_one, one_for_all) ---- */

/* Bring the siblings from `lo` on into the group restart caused by `c`. */
void
eng_group_merge(struct eng *e, struct eng_child *c)
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
			eng_emit(d, ENG_ACT_RESTARTING);
		} else if (d->state == ENG_STOPPING && !eng_goal_final(d->goal)) {
			d->goal = G_GROUP;
			d->in_group = true;
		} else if (d->state == ENG_BACKOFF && !d->in_group) {
			eng_cancel(d);
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
			eng_begin_stop(c, temp ? G_EXIT : G_GROUP);
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
		if (eng_is_up(c->state) || c->timer == ENG_TIMER_BACKOFF)
			return;
		if (c->pending_ms != 0) {
			eng_set_state(c, ENG_BACKOFF);
			eng_arm(c, ENG_TIMER_BACKOFF, c->pending_ms);
			return;
		}
		eng_spawn(c);
		return;
	}
	e->grp.active = false;
}

void
eng_group_advance(struct eng *e)
{
	if (!e->grp.starting && !group_stop_step(e))
		return;
	group_start_step(e);
}

void
eng_start_all(struct eng *e)
{
	bool ordered = e->pol.strategy != ENG_ONE_FOR_ONE;
	bool any = false;

	e->started = true;
	for (size_t i = 0; i < e->n; i++) {
		struct eng_child *c = e->v[i];

		if (!c->spec.autostart || c->state != ENG_STOPPED)
			continue;
		eng_refresh(c);
		if (!ordered)
			eng_spawn(c);
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
