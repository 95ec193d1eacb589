/* engine_priv.h: the engine's internal structures and helpers, shared by supervisor/engine*.c only. */
#ifndef COLONY_ENGINE_PRIV_H
#define COLONY_ENGINE_PRIV_H

#include <stdlib.h>

#include "supervisor/engine.h"

/* What happens to a child once its current instance is down (cgroup empty). */
enum eng_goal {
	G_NONE,		/* no stop in progress */
	G_RESTART,	/* alone: spawn again after pending_ms (one_for_one, operator restart) */
	G_GROUP,	/* part of a group restart: wait in BACKOFF for the group to start it */
	G_STOP,		/* -> STOPPED */
	G_EXIT,		/* -> EXITED */
	G_FAIL,		/* -> FAILED */
	G_REMOVE,	/* -> ENG_ACT_REMOVED, then freed */
};

/*
 * The times of the restart operations inside the window, oldest at `head`.
 * The first ENG_RING_INLINE live in the ring itself (t == inl): a child that
 * restarts now and then needs no allocation, so a daemon does not gain one
 * for each child's first crash, hours into its life. Beyond that, t is
 * malloc'd and grows with the restart rate, up to the intensity.
 */
#define ENG_RING_INLINE 4
struct eng_ring {
	uint64_t *t;
	unsigned cap, n, head;
	uint64_t inl[ENG_RING_INLINE];
};

static inline void
eng_ring_release(struct eng_ring *r)
{
	if (r->t != r->inl)
		free(r->t);
	r->t = NULL;
	r->cap = r->n = r->head = 0;
}

struct eng_child {
	struct eng *e;
	size_t index;
	struct eng_child_spec spec;
	void *data;
	enum eng_state state;
	enum eng_timer timer;		/* the one armed, ENG_TIMER_NONE if none */
	enum eng_goal goal;
	uint64_t since_ms, spawn_ms;
	uint64_t delay_ms;		/* last backoff delay of the failure sequence */
	uint64_t pending_ms;		/* delay before the pending restart */
	unsigned fails;			/* consecutive abnormal exits (backoff sequence) */
	unsigned restarts;
	bool alive;			/* main process exists (SPAWN sent, no EXITED yet) */
	bool cleaning;			/* CLEANUP sent, waiting for EMPTY */
	bool empty;			/* EMPTY received after CLEANUP */
	bool in_group;			/* to be started by the active group restart */
	bool removed;
	bool notify;			/* spec.notify of the running instance (a reload may change spec) */
	struct eng_ring budget;		/* ENG_LEVEL_ROOT: this child's own window */
	struct eng_child *next_dead;
};

struct eng {
	struct eng_policy pol;
	struct eng_child **v;
	size_t n, cap;
	struct eng_child *dead;		/* removed children, freed at the next call */
	struct eng_ring ring;		/* ENG_LEVEL_COLONY: the OTP window */
	size_t n_up, n_auto, n_auto_running;
	bool started, ready_prev, gave_up, done, oom;
	/* The group restart in progress (rest_for_one, one_for_all, ordered start). */
	struct {
		bool active, starting;
		long cur;		/* stop phase walks down, start phase walks up */
		long lo, stop_lo;	/* start from lo; stop down to stop_lo */
	} grp;
	/* Stopping everything: SHUTDOWN or a give-up. */
	struct {
		bool active, sequential, give_up;
		long cur;
	} all;
	uint64_t now;
	struct eng_actions *out;
};

static inline bool
eng_is_up(enum eng_state s)
{
	return s == ENG_STARTING || s == ENG_RUNNING || s == ENG_STOPPING;
}

/*
 * A colony is ready when its autostart children are: RUNNING ones, and
 * EXITED ones too, since a temporary one-shot that finished (a migration, a
 * set-up step) will never be more ready than that and must not hold the
 * colony, or the siblings after it, back forever.
 */
static inline bool
eng_counts_ready(enum eng_state s)
{
	return s == ENG_RUNNING || s == ENG_EXITED;
}

/* A goal that keeps the child down wins over one that would bring it back. */
static inline bool
eng_goal_final(enum eng_goal g)
{
	return g == G_STOP || g == G_EXIT || g == G_FAIL || g == G_REMOVE;
}

/* engine.c: the primitives every decision is made of; only eng_set_state changes a state. */
void eng_push(struct eng *e, enum eng_action_type type, struct eng_child *c,
    enum eng_state s, enum eng_timer timer, uint64_t ms);
void eng_emit(struct eng_child *c, enum eng_action_type type);
void eng_set_state(struct eng_child *c, enum eng_state s);
void eng_arm(struct eng_child *c, enum eng_timer kind, uint64_t ms);
void eng_cancel(struct eng_child *c);
void eng_cleanup(struct eng_child *c);
void eng_spawn(struct eng_child *c);
void eng_begin_stop(struct eng_child *c, enum eng_goal goal);

/* engine_budget.c */
void eng_refresh(struct eng_child *c);
void eng_decide_restart(struct eng *e, struct eng_child *c, bool abnormal);

/* engine_group.c */
void eng_stop_all(struct eng *e, bool give_up);
void eng_stop_all_advance(struct eng *e);
void eng_group_merge(struct eng *e, struct eng_child *c);
void eng_group_advance(struct eng *e);
void eng_start_all(struct eng *e);

#endif
