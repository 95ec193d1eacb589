/* engine.h: the pure OTP supervision engine shared by colony-supervisor and colonyd. */
#ifndef COLONY_ENGINE_H
#define COLONY_ENGINE_H

/*
 * The engine decides; the daemons act. It makes no syscall and reads no clock:
 * every event carries the time (monotonic ms) and the engine answers with a list
 * of actions that the daemon carries out in order. Results of those actions
 * (a spawn that failed, a cgroup that became empty) come back as new events.
 *
 * Children are opaque handles owned by the engine; each carries a `data`
 * pointer for the daemon. All per-event work is O(1) in the number of children
 * under one_for_one; group restarts and shutdown are O(n) by nature.
 *
 * Life of a child (see SPEC section 3):
 *   spawn -> STARTING -(ready)-> RUNNING -(exit)-> cleanup (kill cgroup,
 *   wait empty) -> BACKOFF/STARTING again, or STOPPED/EXITED/FAILED.
 *   Stopping: STOPPING, signal, shutdown timer, kill cgroup, wait empty.
 *
 * Decisions a daemon relies on (engine.c implements, test_engine.c checks):
 * - Down means both ENG_EV_EXITED of the main process and ENG_EV_EMPTY after
 *   ENG_ACT_CLEANUP arrived, in either order. After an unexpected exit (or a
 *   missed ready_timeout) the child is STOPPING until then.
 * - Typical orders: spawn = STATE(starting) SPAWN [TIMER(ready)];
 *   crash = [TIMER none] STATE(stopping) CLEANUP RESTARTING ..., and the
 *   respawn comes with EV_EMPTY (delay 0) or with EV_TIMER(backoff).
 * - Timers: a timer no longer wanted is cancelled with TIMER(NONE, 0), and a
 *   firing whose kind is not the armed one is ignored as well.
 * - Group restarts (rest_for_one, one_for_all): RESTARTING for each child
 *   restarted, stops one at a time in reverse order (the crashed child is
 *   waited for at its place), members wait down in BACKOFF (no timer), then
 *   start in order, each after the previous is ready; only the crashed child
 *   has a backoff delay. A crash during a group restart is a new restart
 *   operation merged into it. Temporary bystanders end EXITED; STOPPED,
 *   EXITED and FAILED children are not started by a group.
 * - SHUTDOWN and a give-up at the root stop every child at once (signals in
 *   reverse order) under one_for_one, and one after another in reverse order
 *   otherwise; a give-up in a colony is always one after another. A child in
 *   BACKOFF goes STOPPED at once. After a give-up the child whose exit caused
 *   it is FAILED and the others STOPPED (EXITED ones stay EXITED).
 * - ALL_READY also fires when a removal or a reload (autostart = no) leaves
 *   only RUNNING autostart children. EXITED autostart children keep it false.
 * - After ENG_ACT_DONE or ENG_ACT_GIVE_UP every event is ignored.
 * - eng_event returning -1 (ENOMEM) means actions may be missing: fatal.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum eng_strategy { ENG_ONE_FOR_ONE, ENG_REST_FOR_ONE, ENG_ONE_FOR_ALL };
enum eng_restart { ENG_PERMANENT, ENG_TRANSIENT, ENG_TEMPORARY };

/*
 * ENG_LEVEL_COLONY: OTP intensity over all children; exceeding it stops every
 *   child in reverse order and then emits ENG_ACT_GIVE_UP (colonyd exits 3).
 * ENG_LEVEL_ROOT: one budget per child (intensity restarts within period);
 *   exceeding it fails that child (ENG_EXHAUSTED_FAIL), or stops everything
 *   and emits ENG_ACT_GIVE_UP (ENG_EXHAUSTED_SHUTDOWN).
 */
enum eng_level { ENG_LEVEL_COLONY, ENG_LEVEL_ROOT };
enum eng_exhausted { ENG_EXHAUSTED_FAIL, ENG_EXHAUSTED_SHUTDOWN };

enum eng_state {
	ENG_STOPPED,	/* by an operator, or autostart = no; the initial state */
	ENG_STARTING,	/* spawned, not ready yet */
	ENG_RUNNING,	/* ready */
	ENG_STOPPING,	/* stop signal sent (or the process ended), waiting for the cgroup to empty */
	ENG_BACKOFF,	/* waiting for a delayed restart, or for its turn in a group restart */
	ENG_EXITED,	/* ended and not to be restarted */
	ENG_FAILED,	/* out of budget, or the child whose crash caused a give-up */
};

enum eng_timer {
	ENG_TIMER_NONE,
	ENG_TIMER_BACKOFF,	/* restart delay over: spawn */
	ENG_TIMER_SHUTDOWN,	/* stop grace over: kill the cgroup */
	ENG_TIMER_READY,	/* ready_timeout over: a start failure */
};

struct eng_policy {
	enum eng_level level;
	enum eng_strategy strategy;
	unsigned intensity;
	uint64_t period_ms;
	enum eng_exhausted on_exhausted;	/* ENG_LEVEL_ROOT only */
};

#define ENG_INFINITY UINT64_MAX

struct eng_child_spec {
	enum eng_restart restart;
	uint64_t restart_delay_ms;
	uint64_t restart_delay_max_ms;
	uint64_t stable_after_ms;
	uint64_t shutdown_ms;		/* 0 = brutal_kill, ENG_INFINITY = infinity */
	bool autostart;
	bool notify;			/* readiness is reported by ENG_EV_READY; else spawn = ready */
	uint64_t ready_timeout_ms;	/* with notify; 0 or ENG_INFINITY = none */
};

struct eng;
struct eng_child;

enum eng_event_type {
	ENG_EV_START_ALL,	/* start every autostart child (in order) */
	ENG_EV_SPAWNED,		/* an ENG_ACT_SPAWN succeeded: the process exists */
	ENG_EV_READY,		/* the child reported readiness */
	ENG_EV_EXITED,		/* the main process ended, or the spawn failed */
	ENG_EV_EMPTY,		/* the child's cgroup is empty after ENG_ACT_CLEANUP */
	ENG_EV_TIMER,		/* a timer armed by ENG_ACT_TIMER fired */
	ENG_EV_OP_START,	/* operator: start (fresh budget) */
	ENG_EV_OP_STOP,		/* operator: stop; not a crash */
	ENG_EV_OP_RESTART,	/* operator: stop then start (fresh budget); not a crash */
	ENG_EV_SHUTDOWN,	/* stop everything in reverse order, then ENG_ACT_DONE */
};

struct eng_event {
	enum eng_event_type type;
	uint64_t now_ms;		/* monotonic */
	struct eng_child *child;	/* NULL for START_ALL and SHUTDOWN */
	bool clean;			/* EXITED: status is a success exit status */
	enum eng_timer timer;		/* TIMER: which one fired (stale ones are ignored) */
};

enum eng_action_type {
	ENG_ACT_SPAWN,		/* start the child; answer ENG_EV_SPAWNED, or ENG_EV_EXITED (clean=false) */
	ENG_ACT_SIGNAL,		/* send the child's stop signal to its main process */
	ENG_ACT_CLEANUP,	/* kill whatever is left in the child's cgroup; answer ENG_EV_EMPTY
				   once it is empty (at once if it already is) */
	ENG_ACT_TIMER,		/* (re)arm the child's single timer: `timer` in `ms` from now;
				   ENG_TIMER_NONE with ms 0 cancels it */
	ENG_ACT_STATE,		/* the child entered `state` */
	ENG_ACT_RESTARTING,	/* a restart of the child was decided (for the event stream) */
	ENG_ACT_REMOVED,	/* a child removed by eng_remove_child is down; its handle is freed
				   after this action list is returned: forget it */
	ENG_ACT_ALL_READY,	/* every autostart child is RUNNING or EXITED (emitted on each transition into that condition) */
	ENG_ACT_GIVE_UP,	/* COLONY: intensity exceeded; ROOT: budget exhausted with shutdown.
				   Every child is down. Exit 3. */
	ENG_ACT_DONE,		/* ENG_EV_SHUTDOWN finished: every child is down */
};

struct eng_action {
	enum eng_action_type type;
	struct eng_child *child;	/* NULL for ALL_READY, GIVE_UP, DONE */
	enum eng_state state;		/* STATE */
	enum eng_timer timer;		/* TIMER */
	uint64_t ms;			/* TIMER: delay from the event's now_ms */
};

/* A growable list of actions; reset by each eng_* call that fills it. */
struct eng_actions {
	struct eng_action *v;
	size_t n, cap;
};
void eng_actions_free(struct eng_actions *a);

/* Create an engine. Returns NULL on ENOMEM. */
struct eng *eng_new(const struct eng_policy *policy);
/* Free the engine and all its children (no actions). */
void eng_free(struct eng *e);
/* Change the policy (reload). Takes effect for later decisions. */
void eng_set_policy(struct eng *e, const struct eng_policy *policy);

/*
 * Append a child at position `pos` (0..count; count = at the end), in state
 * STOPPED. Nothing is started: send ENG_EV_START_ALL for the initial start, or
 * call eng_child_start for a child added by a reload. Returns NULL on ENOMEM.
 */
struct eng_child *eng_add_child(struct eng *e, size_t pos, const struct eng_child_spec *spec, void *data);
/* Replace a child's spec (reload); takes effect at its next start. */
void eng_set_spec(struct eng_child *c, const struct eng_child_spec *spec);
/* Reload helpers: each fills `out` with the actions to carry out. */
void eng_child_start(struct eng *e, struct eng_child *c, uint64_t now_ms, struct eng_actions *out); /* if autostart */
void eng_remove_child(struct eng *e, struct eng_child *c, uint64_t now_ms, struct eng_actions *out);

/* Feed one event. `out` is cleared first. Returns 0, or -1 on ENOMEM. */
int eng_event(struct eng *e, const struct eng_event *ev, struct eng_actions *out);

/* Read-only views for status. */
size_t eng_count(const struct eng *e);
struct eng_child *eng_child_at(const struct eng *e, size_t i);	/* in order */
size_t eng_child_index(const struct eng_child *c);
void *eng_child_data(const struct eng_child *c);
enum eng_state eng_child_state(const struct eng_child *c);
bool eng_child_ready(const struct eng_child *c);
unsigned eng_child_restarts(const struct eng_child *c);	/* since the last operator/config start */
uint64_t eng_child_since_ms(const struct eng_child *c);	/* time of the last state change */
bool eng_all_ready(const struct eng *e);
bool eng_gave_up(const struct eng *e);
/*
 * Hand-over (colony-supervisor and colonyd re-executing themselves, see
 * colony-supervisor(8)): a child's and an engine's whole decision state as plain
 * data, so a new process can rebuild an engine that decides exactly as the old
 * one would have. Times are CLOCK_MONOTONIC ms, which survive exec. `budget`
 * and `ring` are malloc'd by the export (NULL when empty): free() them.
 * Imports return -1 on ENOMEM or a value out of range, changing nothing.
 */
struct eng_child_export {
	enum eng_state state;
	enum eng_timer timer;		/* the armed one: the daemon re-arms its own timer */
	unsigned goal;			/* opaque: where the child goes once down */
	uint64_t since_ms, spawn_ms, delay_ms, pending_ms;
	unsigned fails, restarts;
	bool alive, cleaning, empty, in_group, notify;
	uint64_t *budget;		/* ENG_LEVEL_ROOT: restart times in the window, oldest first */
	unsigned n_budget;
};
void eng_child_export(const struct eng_child *c, struct eng_child_export *x);
int eng_child_import(struct eng_child *c, const struct eng_child_export *x);

struct eng_export {
	bool started, ready_prev, gave_up, done;
	bool grp_active, grp_starting, all_active, all_sequential, all_give_up;
	long grp_cur, grp_lo, grp_stop_lo, all_cur;
	uint64_t *ring;			/* ENG_LEVEL_COLONY: restart times in the window */
	unsigned n_ring;
};
void eng_export(const struct eng *e, struct eng_export *x);
int eng_import(struct eng *e, const struct eng_export *x);	/* after the children's imports */

const char *eng_state_name(enum eng_state s);		/* "running", ... */
const char *eng_strategy_name(enum eng_strategy s);

#endif
