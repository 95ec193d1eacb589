/* engine_priv.h: the engine's internal structures, shared by engine.c and engine_state.c only. */
#ifndef COLONY_ENGINE_PRIV_H
#define COLONY_ENGINE_PRIV_H

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

/* The times of the restart operations inside the window, oldest at `head`. */
struct eng_ring {
	uint64_t *t;
	unsigned cap, n, head;
};

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

/* See counts_ready in engine.c. */
static inline bool
eng_counts_ready(enum eng_state s)
{
	return s == ENG_RUNNING || s == ENG_EXITED;
}

#endif
