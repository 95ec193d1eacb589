/* test_engine.c: Check tests of the supervision engine, OTP supervisor_SUITE scenarios as exact action traces. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/engine.h"

/*
 * The harness: an engine with children named "a", "b", ..., events fed at an
 * explicit time, and each answer rendered as one line of tokens:
 *   a=starting      STATE          a:spawn    SPAWN
 *   a:signal        SIGNAL         a:cleanup  CLEANUP
 *   a:timer(k,ms)   TIMER          a:cancel   TIMER NONE, 0
 *   a:restarting    RESTARTING     a:removed  REMOVED
 *   all_ready, give_up, done
 */
static const char *const NAMES[] = { "a", "b", "c", "d", "e", "f", "g", "h" };

struct h {
	struct eng *e;
	struct eng_actions a;
	uint64_t now;
	bool alive[8];		/* per child: spawned and no EXITED fed since */
	bool ended;		/* DONE or GIVE_UP was seen */
	char buf[4096];
};

static int
idx(const struct eng_child *c)
{
	return ((const char *)eng_child_data(c))[0] - 'a';
}

static struct eng_child_spec
spec_default(void)
{
	return (struct eng_child_spec){
		.restart = ENG_PERMANENT, .restart_delay_ms = 0,
		.restart_delay_max_ms = 30000, .stable_after_ms = 10000,
		.shutdown_ms = 5000, .autostart = true, .notify = false,
		.ready_timeout_ms = 0,
	};
}

static struct h *
h_new(enum eng_level level, enum eng_strategy strategy, unsigned intensity,
    uint64_t period_ms, size_t n, const struct eng_child_spec *spec)
{
	struct eng_policy p = { .level = level, .strategy = strategy,
		.intensity = intensity, .period_ms = period_ms,
		.on_exhausted = ENG_EXHAUSTED_FAIL };
	struct eng_child_spec def = spec_default();
	struct h *h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	h->e = eng_new(&p);
	ck_assert_ptr_nonnull(h->e);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(eng_add_child(h->e, i, spec ? spec : &def, (void *)NAMES[i]));
	return h;
}

static void
h_free(struct h *h)
{
	eng_free(h->e);
	eng_actions_free(&h->a);
	free(h);
}

static struct eng_child *
ch(struct h *h, const char *name)
{
	for (size_t i = 0; i < eng_count(h->e); i++) {
		struct eng_child *c = eng_child_at(h->e, i);

		if (strcmp(eng_child_data(c), name) == 0)
			return c;
	}
	ck_abort_msg("no child %s", name);
	return NULL;
}

static const char *
timer_name(enum eng_timer t)
{
	static const char *const n[] = { "none", "backoff", "shutdown", "ready" };

	return n[t];
}

static const char *
render(struct h *h)
{
	size_t len = 0;

	h->buf[0] = '\0';
	for (size_t i = 0; i < h->a.n; i++) {
		const struct eng_action *x = &h->a.v[i];
		const char *c = x->child ? eng_child_data(x->child) : "";
		char t[64];

		switch (x->type) {
		case ENG_ACT_SPAWN:
			h->alive[idx(x->child)] = true;
			snprintf(t, sizeof(t), "%s:spawn", c);
			break;
		case ENG_ACT_SIGNAL: snprintf(t, sizeof(t), "%s:signal", c); break;
		case ENG_ACT_CLEANUP: snprintf(t, sizeof(t), "%s:cleanup", c); break;
		case ENG_ACT_STATE: snprintf(t, sizeof(t), "%s=%s", c, eng_state_name(x->state)); break;
		case ENG_ACT_RESTARTING: snprintf(t, sizeof(t), "%s:restarting", c); break;
		case ENG_ACT_REMOVED: snprintf(t, sizeof(t), "%s:removed", c); break;
		case ENG_ACT_ALL_READY: snprintf(t, sizeof(t), "all_ready"); break;
		case ENG_ACT_GIVE_UP:
			h->ended = true;
			snprintf(t, sizeof(t), "give_up");
			break;
		case ENG_ACT_DONE:
			h->ended = true;
			snprintf(t, sizeof(t), "done");
			break;
		case ENG_ACT_TIMER:
			if (x->timer == ENG_TIMER_NONE)
				snprintf(t, sizeof(t), x->ms ? "%s:cancel(BAD)" : "%s:cancel", c);
			else
				snprintf(t, sizeof(t), "%s:timer(%s,%llu)", c, timer_name(x->timer),
				    (unsigned long long)x->ms);
			break;
		}
		len += (size_t)snprintf(h->buf + len, sizeof(h->buf) - len, "%s%s", i ? " " : "", t);
		ck_assert_uint_lt(len, sizeof(h->buf));
	}
	return h->buf;
}

static const char *
feed(struct h *h, enum eng_event_type type, const char *name, bool clean, enum eng_timer timer)
{
	struct eng_event ev = { .type = type, .now_ms = h->now,
		.child = name ? ch(h, name) : NULL, .clean = clean, .timer = timer };

	if (type == ENG_EV_EXITED && ev.child != NULL)
		h->alive[idx(ev.child)] = false;
	ck_assert_int_eq(eng_event(h->e, &ev, &h->a), 0);
	return render(h);
}

#define START_ALL(h)	feed(h, ENG_EV_START_ALL, NULL, false, ENG_TIMER_NONE)
#define SHUTDOWN(h)	feed(h, ENG_EV_SHUTDOWN, NULL, false, ENG_TIMER_NONE)
#define SPAWNED(h, c)	feed(h, ENG_EV_SPAWNED, c, false, ENG_TIMER_NONE)
#define READY(h, c)	feed(h, ENG_EV_READY, c, false, ENG_TIMER_NONE)
#define CRASH(h, c)	feed(h, ENG_EV_EXITED, c, false, ENG_TIMER_NONE)
#define EXIT0(h, c)	feed(h, ENG_EV_EXITED, c, true, ENG_TIMER_NONE)
#define EMPTY(h, c)	feed(h, ENG_EV_EMPTY, c, false, ENG_TIMER_NONE)
#define TIMER(h, c, k)	feed(h, ENG_EV_TIMER, c, false, k)
#define OP_START(h, c)	feed(h, ENG_EV_OP_START, c, false, ENG_TIMER_NONE)
#define OP_STOP(h, c)	feed(h, ENG_EV_OP_STOP, c, false, ENG_TIMER_NONE)
#define OP_RESTART(h, c) feed(h, ENG_EV_OP_RESTART, c, false, ENG_TIMER_NONE)
#define EQ(got, want)	ck_assert_str_eq(got, want)
#define STATE(h, c)	eng_state_name(eng_child_state(ch(h, c)))

/* START_ALL, then every child reports its spawn in order (works for every strategy). */
static void
bring_up(struct h *h)
{
	START_ALL(h);
	for (size_t i = 0; i < eng_count(h->e); i++)
		SPAWNED(h, eng_child_data(eng_child_at(h->e, i)));
	ck_assert(eng_all_ready(h->e));
}

/* A stopping child obeys its signal: the exit, then the empty cgroup. */
static const char *
obey(struct h *h, const char *c)
{
	char want[64];

	snprintf(want, sizeof(want), "%s:cancel %s:cleanup", c, c);
	EQ(EXIT0(h, c), want);
	return EMPTY(h, c);
}

/*
 * An obliging daemon: answers every action of the last answer, and of the
 * answers to its own answers, until nothing is left. Records the order of
 * spawns and signals; backoff timers fire after their delay.
 */
struct pending {
	enum eng_event_type type;
	const char *c;
	bool clean;
	enum eng_timer timer;
	uint64_t ms;
};

static void
answer(struct h *h, struct pending *q, size_t *n, char *spawns, char *signals)
{
	for (size_t i = 0; i < h->a.n; i++) {
		const struct eng_action *x = &h->a.v[i];
		const char *c = x->child ? eng_child_data(x->child) : NULL;

		ck_assert_uint_lt(*n + 2, 512);
		switch (x->type) {
		case ENG_ACT_SPAWN:
			strcat(spawns, c);
			q[(*n)++] = (struct pending){ ENG_EV_SPAWNED, c, false, 0, 0 };
			q[(*n)++] = (struct pending){ ENG_EV_READY, c, false, 0, 0 };
			break;
		case ENG_ACT_SIGNAL:
			strcat(signals, c);
			q[(*n)++] = (struct pending){ ENG_EV_EXITED, c, true, 0, 0 };
			break;
		case ENG_ACT_CLEANUP:
			if (h->alive[idx(x->child)])
				q[(*n)++] = (struct pending){ ENG_EV_EXITED, c, false, 0, 0 };
			q[(*n)++] = (struct pending){ ENG_EV_EMPTY, c, false, 0, 0 };
			break;
		case ENG_ACT_TIMER:
			if (x->timer == ENG_TIMER_BACKOFF)
				q[(*n)++] = (struct pending){ ENG_EV_TIMER, c, false, x->timer, x->ms };
			break;
		default:
			break;
		}
	}
}

static void
settle(struct h *h, char *spawns, char *signals)
{
	struct pending q[512];
	size_t n = 0, head = 0;

	spawns[0] = signals[0] = '\0';
	answer(h, q, &n, spawns, signals);
	while (head < n) {
		struct pending p = q[head++];

		h->now += p.ms;
		feed(h, p.type, p.c, p.clean, p.timer);
		answer(h, q, &n, spawns, signals);
	}
}

static void
settle_quiet(struct h *h)
{
	char s[64], g[64];

	settle(h, s, g);
}

/* ---- start ---- */

START_TEST(start_one_for_one_concurrent)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 3, NULL);

	EQ(START_ALL(h), "a=starting a:spawn b=starting b:spawn c=starting c:spawn");
	EQ(SPAWNED(h, "b"), "b=running");
	EQ(SPAWNED(h, "a"), "a=running");
	ck_assert(!eng_all_ready(h->e));
	EQ(SPAWNED(h, "c"), "c=running all_ready");
	ck_assert(eng_all_ready(h->e));
	h_free(h);
}
END_TEST

static const enum eng_strategy ORDERED[] = { ENG_REST_FOR_ONE, ENG_ONE_FOR_ALL };

START_TEST(start_ordered_gated_by_spawn)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ORDERED[_i], 5, 60000, 3, NULL);

	EQ(START_ALL(h), "a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running all_ready");
	h_free(h);
}
END_TEST

START_TEST(start_ordered_gated_by_notify)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.notify = true;
	s.ready_timeout_ms = 30000;
	h = h_new(ENG_LEVEL_COLONY, ORDERED[_i], 5, 60000, 2, &s);
	EQ(START_ALL(h), "a=starting a:spawn a:timer(ready,30000)");
	EQ(SPAWNED(h, "a"), "");
	h->now = 40;
	EQ(READY(h, "a"), "a:cancel a=running b=starting b:spawn b:timer(ready,30000)");
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "a")), 40);
	EQ(SPAWNED(h, "b"), "");
	EQ(READY(h, "b"), "b:cancel b=running all_ready");
	h_free(h);
}
END_TEST

START_TEST(start_without_autostart)
{
	struct eng_child_spec s = spec_default();
	struct eng_child *c;
	struct h *h;

	s.autostart = false;
	h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 2, &s);
	ck_assert(!eng_all_ready(h->e));
	EQ(START_ALL(h), "all_ready");
	ck_assert_str_eq(STATE(h, "a"), "stopped");
	eng_child_start(h->e, ch(h, "a"), 0, &h->a);
	EQ(render(h), "");
	EQ(OP_START(h, "b"), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running");
	/* A reload adds an autostart child: not ready until it runs. */
	s.autostart = true;
	c = eng_add_child(h->e, 2, &s, (void *)NAMES[2]);
	eng_child_start(h->e, c, 0, &h->a);
	EQ(render(h), "c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running all_ready");
	h_free(h);
}
END_TEST

/* ---- strategies ---- */

START_TEST(one_for_one_restarts_the_child_alone)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "b"), "b=stopping b:cleanup b:restarting");
	EQ(EMPTY(h, "b"), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running all_ready");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "b")), 1);
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 0);
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "a")), 0);
	h_free(h);
}
END_TEST

START_TEST(rest_for_one_restarts_the_rest_in_order)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 4, NULL);

	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "b"), "b=stopping b:cleanup b:restarting c:restarting d:restarting "
	    "d=stopping d:signal d:timer(shutdown,5000)");
	EQ(EMPTY(h, "b"), "b=backoff");
	EQ(obey(h, "d"), "d=backoff c=stopping c:signal c:timer(shutdown,5000)");
	EQ(obey(h, "c"), "c=backoff b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running d=starting d:spawn");
	EQ(SPAWNED(h, "d"), "d=running all_ready");
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "a")), 0);
	ck_assert_uint_eq(eng_child_restarts(ch(h, "d")), 1);
	h_free(h);
}
END_TEST

START_TEST(one_for_all_restarts_every_sibling)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "b"), "b=stopping b:cleanup b:restarting a:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)");
	/* The crashed child is waited for at its own place in the reverse order. */
	EQ(obey(h, "c"), "c=backoff");
	EQ(EMPTY(h, "b"), "b=backoff a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running all_ready");
	h_free(h);
}
END_TEST

/* Crash "b" of a, b, c, d under each strategy; the daemon obeys everything. */
static const struct {
	enum eng_strategy strategy;
	const char *signals, *spawns;
} STRATEGY_CASES[] = {
	{ ENG_ONE_FOR_ONE, "", "b" },
	{ ENG_REST_FOR_ONE, "dc", "bcd" },
	{ ENG_ONE_FOR_ALL, "dca", "abcd" },
};

START_TEST(strategy_table)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, STRATEGY_CASES[_i].strategy, 5, 60000, 4, NULL);
	char spawns[64], signals[64];

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	settle(h, spawns, signals);
	ck_assert_str_eq(signals, STRATEGY_CASES[_i].signals);
	ck_assert_str_eq(spawns, STRATEGY_CASES[_i].spawns);
	ck_assert(eng_all_ready(h->e));
	h_free(h);
}
END_TEST

START_TEST(temporary_bystander_stays_down)
{
	struct eng_child_spec temp = spec_default();
	struct h *h = h_new(ENG_LEVEL_COLONY, ORDERED[_i], 5, 60000, 0, NULL);
	struct eng_child_spec perm = spec_default();
	char spawns[64], signals[64];

	temp.restart = ENG_TEMPORARY;
	eng_add_child(h->e, 0, &perm, (void *)"a");
	eng_add_child(h->e, 1, &temp, (void *)"b");
	eng_add_child(h->e, 2, &perm, (void *)"c");
	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)");
	settle(h, spawns, signals);
	ck_assert_str_eq(signals, "cb");
	ck_assert_str_eq(spawns, "ac");
	ck_assert_str_eq(STATE(h, "b"), "exited");
	ck_assert_str_eq(STATE(h, "c"), "running");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "b")), 0);
	h_free(h);
}
END_TEST

START_TEST(transient_bystander_is_restarted)
{
	struct eng_child_spec tr = spec_default();
	struct h *h;
	char spawns[64], signals[64];

	tr.restart = ENG_TRANSIENT;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, &tr);
	bring_up(h);
	h->now = 20000;
	CRASH(h, "c");
	settle(h, spawns, signals);
	/* Stopped by the supervisor: a normal exit, and still restarted with the group. */
	ck_assert_str_eq(signals, "ba");
	ck_assert_str_eq(spawns, "abc");
	ck_assert(eng_all_ready(h->e));
	h_free(h);
}
END_TEST

START_TEST(operator_start_of_a_group_member_waits_its_turn)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	CRASH(h, "a");
	EQ(obey(h, "c"), "c=backoff b=stopping b:signal b:timer(shutdown,5000)");
	EQ(OP_START(h, "c"), "");
	EQ(obey(h, "b"), "b=backoff");
	EQ(EMPTY(h, "a"), "a=backoff a=starting a:spawn");
	/* READY also makes a child without notify ready, if it comes first. */
	EQ(READY(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "a"), "");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	h_free(h);
}
END_TEST

/* ---- restart types ---- */

static const struct {
	enum eng_restart restart;
	bool clean;
	const char *on_exit, *on_empty;
} TYPE_CASES[] = {
	{ ENG_PERMANENT, true, "b=stopping b:cleanup b:restarting a:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)", "b=backoff" },
	{ ENG_PERMANENT, false, "b=stopping b:cleanup b:restarting a:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)", "b=backoff" },
	/* an EXITED autostart child counts as ready: the colony is ready again */
	{ ENG_TRANSIENT, true, "b=stopping b:cleanup", "b=exited all_ready" },
	{ ENG_TRANSIENT, false, "b=stopping b:cleanup b:restarting a:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)", "b=backoff" },
	{ ENG_TEMPORARY, true, "b=stopping b:cleanup", "b=exited all_ready" },
	{ ENG_TEMPORARY, false, "b=stopping b:cleanup", "b=exited all_ready" },
};

START_TEST(restart_type_table)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.restart = TYPE_CASES[_i].restart;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, &s);
	bring_up(h);
	h->now = 20000;
	EQ(TYPE_CASES[_i].clean ? EXIT0(h, "b") : CRASH(h, "b"), TYPE_CASES[_i].on_exit);
	EQ(EMPTY(h, "b"), TYPE_CASES[_i].on_empty);
	settle_quiet(h);
	/* Without a restart the siblings were never touched. */
	ck_assert_str_eq(STATE(h, "a"), "running");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), TYPE_CASES[_i].on_empty[2] == 'b');
	h_free(h);
}
END_TEST

START_TEST(normal_exit_of_permanent_restarts_after_delay)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.restart_delay_ms = 300;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, &s);
	bring_up(h);
	h->now = 20000;
	EQ(EXIT0(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=backoff a:timer(backoff,300)");
	h->now += 300;
	EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "a=starting a:spawn");
	h_free(h);
}
END_TEST

/* ---- intensity (colony level, OTP) ---- */

static struct h *
h_stable0(enum eng_level level, enum eng_strategy st, unsigned intensity, uint64_t period, size_t n)
{
	struct eng_child_spec s = spec_default();

	s.stable_after_ms = 0;	/* every restart is immediate: only the budget matters */
	return h_new(level, st, intensity, period, n, &s);
}

/* One crash of `c` under one_for_one that is restarted at once. */
static void
crash_and_restart(struct h *h, const char *c)
{
	char want[128];

	snprintf(want, sizeof(want), "%s=stopping %s:cleanup %s:restarting", c, c, c);
	EQ(CRASH(h, c), want);
	snprintf(want, sizeof(want), "%s=starting %s:spawn", c, c);
	EQ(EMPTY(h, c), want);
	snprintf(want, sizeof(want), "%s=running all_ready", c);
	EQ(SPAWNED(h, c), want);
}

START_TEST(crashes_wider_than_period_never_give_up)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 2, 1000, 2);

	bring_up(h);
	for (int i = 0; i < 50; i++) {
		h->now += 501;	/* two per period at most */
		crash_and_restart(h, "a");
	}
	ck_assert(!eng_gave_up(h->e));
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 50);
	h_free(h);
}
END_TEST

START_TEST(crash_at_exactly_period_still_counts)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 1, 1000, 1);

	bring_up(h);
	h->now = 5000;
	crash_and_restart(h, "a");
	h->now = 6000;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=failed give_up");
	h_free(h);
}
END_TEST

/*
 * A window holding more restarts than the ring keeps inline (4): it moves to
 * the heap, wraps around as old restarts leave the window, and still counts
 * exactly: the restart that makes seven within the period gives up.
 */
START_TEST(window_larger_than_inline_ring_counts_exactly)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 6, 1000, 1);

	bring_up(h);
	for (int i = 0; i < 6; i++) {
		h->now = 10000 + 100 * (uint64_t)i;	/* 10000 .. 10500 */
		crash_and_restart(h, "a");
	}
	h->now = 11200;	/* 10000 and 10100 have left the window; 10200 (one period ago) .. 10500 remain */
	crash_and_restart(h, "a");
	crash_and_restart(h, "a");
	ck_assert(!eng_gave_up(h->e));
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");	/* the seventh in the window */
	EQ(EMPTY(h, "a"), "a=failed give_up");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 8);
	h_free(h);
}
END_TEST

START_TEST(third_crash_with_intensity_two_gives_up)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 2, 60000, 3);

	bring_up(h);
	h->now = 20000;
	crash_and_restart(h, "b");
	h->now = 20010;
	crash_and_restart(h, "b");
	h->now = 20020;
	/* Give up: everything stops in reverse order, one after another. */
	EQ(CRASH(h, "b"), "b=stopping b:cleanup c=stopping c:signal c:timer(shutdown,5000)");
	EQ(obey(h, "c"), "c=stopped");
	EQ(EMPTY(h, "b"), "b=failed a=stopping a:signal a:timer(shutdown,5000)");
	ck_assert(!eng_gave_up(h->e));
	EQ(obey(h, "a"), "a=stopped give_up");
	ck_assert(eng_gave_up(h->e));
	ck_assert(!eng_all_ready(h->e));
	/* Later events are ignored. */
	EQ(OP_START(h, "a"), "");
	EQ(START_ALL(h), "");
	h_free(h);
}
END_TEST

START_TEST(give_up_stops_backoff_children_at_once)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.restart_delay_ms = 1000;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 1, 60000, 2, &s);
	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=backoff a:timer(backoff,1000)");
	EQ(CRASH(h, "b"), "b=stopping b:cleanup a:cancel a=stopped");
	EQ(EMPTY(h, "b"), "b=failed give_up");
	h_free(h);
}
END_TEST

START_TEST(failing_to_start_uses_up_intensity)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 3, 60000, 1, NULL);
	static const char *const after_empty[] = {
		"a=starting a:spawn", "a=backoff a:timer(backoff,100)", "a=backoff a:timer(backoff,200)",
	};

	EQ(START_ALL(h), "a=starting a:spawn");
	for (int i = 0; i < 3; i++) {
		h->now++;
		/* A spawn failure: EXITED without SPAWNED. */
		EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
		EQ(EMPTY(h, "a"), after_empty[i]);
		if (i > 0)
			EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "a=starting a:spawn");
	}
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=failed give_up");
	h_free(h);
}
END_TEST

START_TEST(ready_timeout_is_a_start_failure)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.notify = true;
	s.ready_timeout_ms = 1000;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 1, 60000, 1, &s);
	EQ(START_ALL(h), "a=starting a:spawn a:timer(ready,1000)");
	EQ(SPAWNED(h, "a"), "");
	h->now = 1000;
	EQ(TIMER(h, "a", ENG_TIMER_READY), "a=stopping a:cleanup a:restarting");
	/* Killed by the cleanup: either order of EXITED and EMPTY. */
	EQ(EMPTY(h, "a"), "");
	EQ(EXIT0(h, "a"), "a=starting a:spawn a:timer(ready,1000)");
	h->now = 2000;
	EQ(TIMER(h, "a", ENG_TIMER_READY), "a=stopping a:cleanup");
	EQ(CRASH(h, "a"), "");
	EQ(EMPTY(h, "a"), "a=failed give_up");
	h_free(h);
}
END_TEST

START_TEST(group_restart_counts_once)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 1, 60000, 3);
	char spawns[64], signals[64];

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	settle(h, spawns, signals);
	ck_assert_str_eq(spawns, "abc");
	ck_assert(!eng_gave_up(h->e));
	h->now = 30000;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup c=stopping c:signal c:timer(shutdown,5000)");
	settle(h, spawns, signals);
	ck_assert_str_eq(signals, "cb");
	ck_assert(eng_gave_up(h->e));
	ck_assert_str_eq(STATE(h, "a"), "failed");
	ck_assert_str_eq(STATE(h, "b"), "stopped");
	h_free(h);
}
END_TEST

START_TEST(rest_for_one_sibling_fails_to_start)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 2, 60000, 4, NULL);

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	EMPTY(h, "b");
	obey(h, "d");
	EQ(obey(h, "c"), "c=backoff b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	/* c cannot be spawned: a new restart of c and the rest; b stays up. */
	EQ(CRASH(h, "c"), "c=stopping c:cleanup c:restarting");
	EQ(EMPTY(h, "c"), "c=backoff c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running d=starting d:spawn");
	EQ(SPAWNED(h, "d"), "d=running all_ready");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "b")), 1);
	ck_assert_uint_eq(eng_child_restarts(ch(h, "c")), 2);
	ck_assert_uint_eq(eng_child_restarts(ch(h, "d")), 1);
	/* That was two operations out of two: the next one gives up. */
	h->now = 20100;
	EQ(CRASH(h, "d"), "d=stopping d:cleanup");
	h_free(h);
}
END_TEST

START_TEST(one_for_all_sibling_fails_to_start)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	CRASH(h, "a");
	obey(h, "c");
	obey(h, "b");
	EQ(EMPTY(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(CRASH(h, "b"), "b=stopping b:cleanup b:restarting a:restarting");
	EQ(EMPTY(h, "b"), "b=backoff a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running all_ready");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 2);
	ck_assert_uint_eq(eng_child_restarts(ch(h, "c")), 1);
	h_free(h);
}
END_TEST

START_TEST(set_policy_changes_intensity)
{
	struct h *h = h_stable0(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1);
	struct eng_policy p = { .level = ENG_LEVEL_COLONY, .strategy = ENG_ONE_FOR_ONE,
		.intensity = 1, .period_ms = 60000 };

	bring_up(h);
	h->now = 100;
	crash_and_restart(h, "a");
	h->now = 200;
	crash_and_restart(h, "a");
	eng_set_policy(h->e, &p);
	h->now = 300;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=failed give_up");
	h_free(h);
}
END_TEST

/* ---- operator ---- */

START_TEST(operator_stop_is_not_a_crash)
{
	/* Intensity 0: any restart would give up at once. */
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 0, 60000, 3, NULL);

	bring_up(h);
	EQ(OP_STOP(h, "b"), "b=stopping b:signal b:timer(shutdown,5000)");
	/* Killed by its stop signal: not clean, still normal. */
	EQ(CRASH(h, "b"), "b:cancel b:cleanup");
	EQ(EMPTY(h, "b"), "b=stopped");
	ck_assert_str_eq(STATE(h, "c"), "running");
	ck_assert(!eng_gave_up(h->e));
	ck_assert(!eng_all_ready(h->e));
	EQ(OP_STOP(h, "b"), "");
	EQ(OP_START(h, "b"), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running all_ready");
	EQ(OP_START(h, "b"), "");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "b")), 0);
	h_free(h);
}
END_TEST

/* Crash `a` right after its start until it is in backoff for `ms`. */
static void
into_backoff(struct h *h, uint64_t ms)
{
	char want[64];

	snprintf(want, sizeof(want), "a=backoff a:timer(backoff,%llu)", (unsigned long long)ms);
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), want);
}

START_TEST(operator_stop_during_backoff)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 2, NULL);

	bring_up(h);
	into_backoff(h, 100);
	EQ(OP_STOP(h, "a"), "a:cancel a=stopped");
	EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "");
	ck_assert_str_eq(STATE(h, "a"), "stopped");
	h_free(h);
}
END_TEST

START_TEST(operator_start_during_backoff_spawns_now)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);

	bring_up(h);
	into_backoff(h, 100);
	EQ(OP_START(h, "a"), "a:cancel a=starting a:spawn");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 0);
	/* The backoff sequence starts over. */
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	h_free(h);
}
END_TEST

START_TEST(operator_restart_has_no_sibling_effect)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 0, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	EQ(OP_RESTART(h, "b"), "b=stopping b:signal b:timer(shutdown,5000)");
	EQ(obey(h, "b"), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running all_ready");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "b")), 0);
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "a")), 0);
	ck_assert(!eng_gave_up(h->e));
	/* Restart of a stopped child starts it. */
	OP_STOP(h, "c");
	obey(h, "c");
	EQ(OP_RESTART(h, "c"), "c=starting c:spawn");
	h_free(h);
}
END_TEST

START_TEST(operator_restart_during_crash_cleanup)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);

	bring_up(h);
	into_backoff(h, 100);
	TIMER(h, "a", ENG_TIMER_BACKOFF);
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	/* The operator wants it now: no backoff. */
	EQ(OP_RESTART(h, "a"), "");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 0);
	h_free(h);
}
END_TEST

START_TEST(operator_stop_and_start_of_exited_child)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.restart = ENG_TEMPORARY;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, &s);
	bring_up(h);
	EXIT0(h, "a");
	EQ(EMPTY(h, "a"), "a=exited all_ready");
	EQ(OP_START(h, "a"), "a=starting a:spawn");
	EXIT0(h, "a");
	EMPTY(h, "a");
	EQ(OP_STOP(h, "a"), "a=stopped");
	h_free(h);
}
END_TEST

START_TEST(operator_stop_during_group_restart_keeps_it_down)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 4, NULL);

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	EQ(OP_STOP(h, "c"), "c=stopping c:signal c:timer(shutdown,5000)");
	EQ(obey(h, "d"), "d=backoff");
	EQ(obey(h, "c"), "c=stopped");
	EQ(EMPTY(h, "b"), "b=backoff b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running d=starting d:spawn");
	EQ(SPAWNED(h, "d"), "d=running");
	ck_assert_str_eq(STATE(h, "c"), "stopped");
	h_free(h);
}
END_TEST

/* ---- backoff ---- */

/* Crash `a` at once after each start; expect these restart delays. */
static void
expect_delays(struct h *h, const uint64_t *delays, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char want[64];

		EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
		if (delays[i] == 0) {
			EQ(EMPTY(h, "a"), "a=starting a:spawn");
		} else {
			snprintf(want, sizeof(want), "a=backoff a:timer(backoff,%llu)",
			    (unsigned long long)delays[i]);
			EQ(EMPTY(h, "a"), want);
			h->now += delays[i];
			EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "a=starting a:spawn");
		}
		EQ(SPAWNED(h, "a"), "a=running all_ready");
	}
}

START_TEST(backoff_doubles_up_to_the_cap_and_resets)
{
	struct eng_child_spec s = spec_default();
	static const uint64_t seq[] = { 0, 100, 200, 400, 800, 1000, 1000 };
	static const uint64_t again[] = { 0, 100 };
	struct h *h;

	s.restart_delay_max_ms = 1000;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 100, 60000, 1, &s);
	bring_up(h);
	expect_delays(h, seq, 7);
	/* A run of stable_after resets the sequence. */
	h->now += 9999;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=backoff a:timer(backoff,1000)");
	h->now += 1000;
	TIMER(h, "a", ENG_TIMER_BACKOFF);
	SPAWNED(h, "a");
	h->now += 10000;
	expect_delays(h, again, 2);
	h_free(h);
}
END_TEST

START_TEST(backoff_from_a_restart_delay)
{
	struct eng_child_spec s = spec_default();
	static const uint64_t seq[] = { 500, 1000, 1500, 1500 };
	struct h *h;

	s.restart_delay_ms = 500;
	s.restart_delay_max_ms = 1500;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 100, 60000, 1, &s);
	bring_up(h);
	expect_delays(h, seq, 4);
	h_free(h);
}
END_TEST

START_TEST(normal_exit_does_not_advance_backoff)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 100, 60000, 1, NULL);
	static const uint64_t seq[] = { 0, 100 };
	static const uint64_t next[] = { 200 };

	bring_up(h);
	expect_delays(h, seq, 2);
	EQ(EXIT0(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	SPAWNED(h, "a");
	expect_delays(h, next, 1);
	h_free(h);
}
END_TEST

START_TEST(group_restart_waits_for_the_crashed_child_backoff)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.restart_delay_ms = 250;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, &s);
	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	obey(h, "c");
	EMPTY(h, "b");
	EQ(obey(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b:timer(backoff,250)");
	h->now += 250;
	EQ(TIMER(h, "b", ENG_TIMER_BACKOFF), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	h_free(h);
}
END_TEST

/* ---- the root's per-child budget ---- */

START_TEST(root_budget_fail_leaves_siblings_alone)
{
	struct h *h = h_stable0(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 2, 60000, 3);

	bring_up(h);
	h->now = 1000;
	crash_and_restart(h, "a");
	crash_and_restart(h, "a");
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=failed");
	/* Each sibling has its own budget. */
	for (int i = 0; i < 2; i++) {
		EQ(CRASH(h, "b"), "b=stopping b:cleanup b:restarting");
		EQ(EMPTY(h, "b"), "b=starting b:spawn");
		EQ(SPAWNED(h, "b"), "b=running");
	}
	ck_assert_str_eq(STATE(h, "c"), "running");
	ck_assert(!eng_gave_up(h->e));
	/* An operator start gives a fresh budget. */
	EQ(OP_START(h, "a"), "a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running all_ready");
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	ck_assert_uint_eq(eng_child_restarts(ch(h, "a")), 1);
	h_free(h);
}
END_TEST

START_TEST(root_budget_checked_before_stopping_siblings)
{
	struct h *h = h_stable0(ENG_LEVEL_ROOT, ORDERED[_i], 1, 60000, 3);

	bring_up(h);
	h->now = 1000;
	CRASH(h, "a");
	settle_quiet(h);
	ck_assert(eng_all_ready(h->e));
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=failed");
	ck_assert_str_eq(STATE(h, "b"), "running");
	ck_assert_str_eq(STATE(h, "c"), "running");
	h_free(h);
}
END_TEST

START_TEST(root_budget_shutdown_gives_up)
{
	struct h *h = h_stable0(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 1, 60000, 0);
	struct eng_policy p = { .level = ENG_LEVEL_ROOT, .strategy = ENG_ONE_FOR_ONE,
		.intensity = 1, .period_ms = 60000, .on_exhausted = ENG_EXHAUSTED_SHUTDOWN };
	struct eng_child_spec s = spec_default();

	eng_set_policy(h->e, &p);
	for (int i = 0; i < 3; i++)
		eng_add_child(h->e, (size_t)i, &s, (void *)NAMES[i]);
	bring_up(h);
	h->now = 1000;
	CRASH(h, "b");
	EMPTY(h, "b");
	SPAWNED(h, "b");
	/* Over budget: everything stops, concurrently under one_for_one, in reverse. */
	EQ(CRASH(h, "b"), "b=stopping b:cleanup c=stopping c:signal c:timer(shutdown,5000) "
	    "a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=stopped");
	EQ(obey(h, "c"), "c=stopped");
	EQ(EMPTY(h, "b"), "b=failed give_up");
	ck_assert(eng_gave_up(h->e));
	h_free(h);
}
END_TEST

START_TEST(root_budget_shutdown_ordered_is_sequential)
{
	struct h *h = h_stable0(ENG_LEVEL_ROOT, ENG_REST_FOR_ONE, 0, 60000, 3);
	struct eng_policy p = { .level = ENG_LEVEL_ROOT, .strategy = ENG_REST_FOR_ONE,
		.intensity = 0, .period_ms = 60000, .on_exhausted = ENG_EXHAUSTED_SHUTDOWN };

	eng_set_policy(h->e, &p);
	bring_up(h);
	EQ(CRASH(h, "a"), "a=stopping a:cleanup c=stopping c:signal c:timer(shutdown,5000)");
	EQ(obey(h, "c"), "c=stopped b=stopping b:signal b:timer(shutdown,5000)");
	EQ(obey(h, "b"), "b=stopped");
	EQ(EMPTY(h, "a"), "a=failed give_up");
	h_free(h);
}
END_TEST

/* ---- shutdown and stopping ---- */

START_TEST(shutdown_one_for_one_is_concurrent_in_reverse)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 3, NULL);

	bring_up(h);
	EQ(SHUTDOWN(h), "c=stopping c:signal c:timer(shutdown,5000) "
	    "b=stopping b:signal b:timer(shutdown,5000) a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "b"), "b=stopped");
	EQ(obey(h, "a"), "a=stopped");
	EQ(obey(h, "c"), "c=stopped done");
	EQ(OP_START(h, "a"), "");
	EQ(SHUTDOWN(h), "");
	h_free(h);
}
END_TEST

START_TEST(shutdown_ordered_is_sequential_in_reverse)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ORDERED[_i], 5, 60000, 3, NULL);

	bring_up(h);
	EQ(SHUTDOWN(h), "c=stopping c:signal c:timer(shutdown,5000)");
	EQ(OP_START(h, "c"), "");
	EQ(obey(h, "c"), "c=stopped b=stopping b:signal b:timer(shutdown,5000)");
	/* A crash while waiting for its turn: no restart. */
	EQ(CRASH(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "a=stopped");
	EQ(obey(h, "b"), "b=stopped done");
	ck_assert(!eng_all_ready(h->e));
	h_free(h);
}
END_TEST

START_TEST(shutdown_with_children_down)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);
	struct h *none = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 0, NULL);

	bring_up(h);
	into_backoff(h, 100);
	EQ(SHUTDOWN(h), "a:cancel a=stopped done");
	EQ(SHUTDOWN(none), "done");
	h_free(h);
	h_free(none);
}
END_TEST

START_TEST(shutdown_during_group_restart)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	EQ(obey(h, "c"), "c=backoff");
	EQ(SHUTDOWN(h), "c=stopped");
	EQ(EMPTY(h, "b"), "b=stopped a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=stopped done");
	h_free(h);
}
END_TEST

START_TEST(brutal_kill_cleans_up_at_once)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.shutdown_ms = 0;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, &s);
	bring_up(h);
	EQ(OP_STOP(h, "a"), "a=stopping a:cleanup");
	EQ(EMPTY(h, "a"), "");
	EQ(CRASH(h, "a"), "a=stopped");
	h_free(h);
}
END_TEST

START_TEST(infinity_never_kills)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.shutdown_ms = ENG_INFINITY;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, &s);
	bring_up(h);
	EQ(OP_STOP(h, "a"), "a=stopping a:signal");
	EQ(EXIT0(h, "a"), "a:cleanup");
	EQ(EMPTY(h, "a"), "a=stopped");
	h_free(h);
}
END_TEST

START_TEST(shutdown_timer_kills_the_cgroup)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);

	bring_up(h);
	EQ(OP_STOP(h, "a"), "a=stopping a:signal a:timer(shutdown,5000)");
	h->now = 5000;
	EQ(TIMER(h, "a", ENG_TIMER_SHUTDOWN), "a:cleanup");
	EQ(TIMER(h, "a", ENG_TIMER_SHUTDOWN), "");
	EQ(EMPTY(h, "a"), "");
	EQ(CRASH(h, "a"), "a=stopped");
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "a")), 5000);
	h_free(h);
}
END_TEST

/* ---- robustness ---- */

START_TEST(unexpected_events_are_ignored)
{
	struct eng_child_spec s = spec_default();
	struct h *h, *other;
	struct eng_event ev = { .type = ENG_EV_EXITED };

	s.notify = true;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 2, NULL);
	other = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);
	/* Before any start. */
	EQ(CRASH(h, "a"), "");
	EQ(EMPTY(h, "a"), "");
	EQ(SPAWNED(h, "a"), "");
	EQ(READY(h, "a"), "");
	EQ(OP_STOP(h, "a"), "");
	bring_up(h);
	EQ(EMPTY(h, "a"), "");
	EQ(READY(h, "a"), "");
	EQ(SPAWNED(h, "a"), "");
	EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "");
	EQ(TIMER(h, "a", ENG_TIMER_SHUTDOWN), "");
	EQ(TIMER(h, "a", ENG_TIMER_READY), "");
	EQ(TIMER(h, "a", ENG_TIMER_NONE), "");
	EQ(render(h), "");
	ck_assert_int_eq(eng_event(h->e, &ev, &h->a), 0);
	ck_assert_uint_eq(h->a.n, 0);
	ev.child = ch(other, "a");
	ck_assert_int_eq(eng_event(h->e, &ev, &h->a), 0);
	ck_assert_uint_eq(h->a.n, 0);
	ev.type = (enum eng_event_type)99;
	ev.child = ch(h, "a");
	ck_assert_int_eq(eng_event(h->e, &ev, &h->a), 0);
	ck_assert_uint_eq(h->a.n, 0);
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting");
	EQ(CRASH(h, "a"), "");
	EQ(READY(h, "a"), "");
	EQ(SPAWNED(h, "a"), "");
	EQ(TIMER(h, "a", ENG_TIMER_SHUTDOWN), "");
	EQ(OP_START(h, "a"), "");
	EQ(EMPTY(h, "a"), "a=starting a:spawn");
	EQ(EMPTY(h, "a"), "");
	EQ(START_ALL(h), "");
	ck_assert_str_eq(STATE(h, "a"), "starting");
	eng_set_spec(ch(h, "b"), &s);	/* notify on a running child: no effect until respawn */
	EQ(SPAWNED(h, "a"), "a=running all_ready");
	h_free(h);
	h_free(other);
}
END_TEST

START_TEST(stale_timer_after_rearm_is_ignored)
{
	struct eng_child_spec s = spec_default();
	struct h *h;

	s.notify = true;
	s.ready_timeout_ms = 1000;
	h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, &s);
	START_ALL(h);
	EQ(READY(h, "a"), "a:cancel a=running all_ready");
	EQ(TIMER(h, "a", ENG_TIMER_READY), "");
	EQ(OP_STOP(h, "a"), "a=stopping a:signal a:timer(shutdown,5000)");
	EQ(TIMER(h, "a", ENG_TIMER_READY), "");
	EQ(TIMER(h, "a", ENG_TIMER_BACKOFF), "");
	ck_assert_str_eq(STATE(h, "a"), "stopping");
	h_free(h);
}
END_TEST

/* ---- reload ---- */

START_TEST(reload_adds_a_child)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 0, NULL);
	struct eng_child_spec s = spec_default();
	struct eng_child *b;

	eng_add_child(h->e, 0, &s, (void *)"a");
	eng_add_child(h->e, 1, &s, (void *)"c");
	bring_up(h);
	b = eng_add_child(h->e, 1, &s, (void *)"b");
	ck_assert_uint_eq(eng_child_index(b), 1);
	ck_assert_uint_eq(eng_child_index(ch(h, "c")), 2);
	ck_assert_ptr_eq(eng_child_at(h->e, 1), b);
	ck_assert_ptr_null(eng_child_at(h->e, 3));
	eng_child_start(h->e, b, 100, &h->a);
	EQ(render(h), "b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running all_ready");
	/* The new child takes part in the strategy at its position. */
	h->now = 20000;
	CRASH(h, "b");
	{
		char spawns[64], signals[64];

		settle(h, spawns, signals);
		ck_assert_str_eq(signals, "c");
		ck_assert_str_eq(spawns, "bc");
	}
	h_free(h);
}
END_TEST

START_TEST(reload_removes_children)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 4, NULL);

	bring_up(h);
	/* A running child: stopped (normal, no sibling effect), then removed. */
	eng_remove_child(h->e, ch(h, "b"), 10, &h->a);
	EQ(render(h), "b=stopping b:signal b:timer(shutdown,5000)");
	EQ(CRASH(h, "b"), "b:cancel b:cleanup");
	/* Ready again: the stopping child no longer counts. */
	EQ(EMPTY(h, "b"), "b:removed all_ready");
	ck_assert_uint_eq(eng_count(h->e), 3);
	ck_assert_uint_eq(eng_child_index(ch(h, "c")), 1);
	ck_assert(eng_all_ready(h->e));
	/* A stopped child goes at once. */
	OP_STOP(h, "d");
	obey(h, "d");
	eng_remove_child(h->e, ch(h, "d"), 20, &h->a);
	EQ(render(h), "d:removed all_ready");
	ck_assert_uint_eq(eng_count(h->e), 2);
	ck_assert_str_eq(STATE(h, "a"), "running");
	ck_assert_str_eq(STATE(h, "c"), "running");
	h_free(h);
}
END_TEST

START_TEST(reload_removes_a_child_in_backoff)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 1, NULL);

	bring_up(h);
	into_backoff(h, 100);
	eng_remove_child(h->e, ch(h, "a"), 0, &h->a);
	EQ(render(h), "a:cancel a:removed all_ready");
	ck_assert_uint_eq(eng_count(h->e), 0);
	EQ(SHUTDOWN(h), "done");
	h_free(h);
}
END_TEST

START_TEST(reload_removes_a_child_during_group_restart)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, NULL);

	bring_up(h);
	h->now = 20000;
	EQ(CRASH(h, "a"), "a=stopping a:cleanup a:restarting b:restarting c:restarting "
	    "c=stopping c:signal c:timer(shutdown,5000)");
	eng_remove_child(h->e, ch(h, "c"), h->now, &h->a);
	EQ(render(h), "");
	EQ(obey(h, "c"), "c:removed b=stopping b:signal b:timer(shutdown,5000)");
	EQ(obey(h, "b"), "b=backoff");
	EQ(EMPTY(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running all_ready");
	ck_assert_uint_eq(eng_count(h->e), 2);
	h_free(h);
}
END_TEST

START_TEST(reload_changes_a_child)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 2, NULL);
	struct eng_child_spec s = spec_default();

	bring_up(h);
	s.shutdown_ms = 1000;
	s.notify = true;
	s.ready_timeout_ms = 2000;
	eng_set_spec(ch(h, "a"), &s);
	ck_assert_str_eq(STATE(h, "a"), "running");
	EQ(OP_RESTART(h, "a"), "a=stopping a:signal a:timer(shutdown,1000)");
	EQ(obey(h, "a"), "a=starting a:spawn a:timer(ready,2000)");
	EQ(SPAWNED(h, "a"), "");
	EQ(READY(h, "a"), "a:cancel a=running all_ready");
	/* autostart = no by reload: no longer needed for all_ready. */
	s.autostart = false;
	eng_set_spec(ch(h, "b"), &s);
	OP_STOP(h, "b");
	EQ(obey(h, "b"), "b=stopped");
	ck_assert(eng_all_ready(h->e));
	h_free(h);
}
END_TEST

START_TEST(reload_during_sequential_shutdown)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 5, 60000, 4, NULL);

	bring_up(h);
	EQ(SHUTDOWN(h), "d=stopping d:signal d:timer(shutdown,5000)");
	eng_remove_child(h->e, ch(h, "b"), 0, &h->a);
	EQ(render(h), "b=stopping b:signal b:timer(shutdown,5000)");
	EQ(obey(h, "b"), "b:removed");
	EQ(obey(h, "d"), "d=stopped c=stopping c:signal c:timer(shutdown,5000)");
	EQ(obey(h, "c"), "c=stopped a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=stopped done");
	h_free(h);
}
END_TEST

START_TEST(reload_adds_a_child_during_group_restart)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ALL, 5, 60000, 3, NULL);
	struct eng_child_spec s = spec_default();
	struct eng_child *e;

	bring_up(h);
	h->now = 20000;
	CRASH(h, "b");
	e = eng_add_child(h->e, 0, &s, (void *)"e");
	EQ(obey(h, "c"), "c=backoff");
	EQ(EMPTY(h, "b"), "b=backoff a=stopping a:signal a:timer(shutdown,5000)");
	EQ(obey(h, "a"), "a=backoff a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running b=starting b:spawn");
	EQ(SPAWNED(h, "b"), "b=running c=starting c:spawn");
	EQ(SPAWNED(h, "c"), "c=running");
	ck_assert_str_eq(STATE(h, "e"), "stopped");
	eng_child_start(h->e, e, h->now, &h->a);
	EQ(render(h), "e=starting e:spawn");
	EQ(SPAWNED(h, "e"), "e=running all_ready");
	h_free(h);
}
END_TEST

/* ---- scale ---- */

START_TEST(root_with_10000_children_one_crash_is_local)
{
	enum { N = 10000 };
	struct eng_policy p = { .level = ENG_LEVEL_ROOT, .strategy = ENG_ONE_FOR_ONE,
		.intensity = 5, .period_ms = 60000, .on_exhausted = ENG_EXHAUSTED_FAIL };
	struct eng_child_spec s = spec_default();
	struct eng *e = eng_new(&p);
	struct eng_actions a = { 0 };
	struct eng_event ev = { .type = ENG_EV_START_ALL, .now_ms = 0 };
	struct eng_child *c;

	for (size_t i = 0; i < N; i++)
		ck_assert_ptr_nonnull(eng_add_child(e, i, &s, NULL));
	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	ck_assert_uint_eq(a.n, 2 * N);
	for (size_t i = 0; i < N; i++) {
		ev = (struct eng_event){ .type = ENG_EV_SPAWNED, .child = eng_child_at(e, i) };
		ck_assert_int_eq(eng_event(e, &ev, &a), 0);
		ck_assert_uint_eq(a.n, i == N - 1 ? 2 : 1);
	}
	ck_assert(eng_all_ready(e));
	c = eng_child_at(e, 4321);
	ev = (struct eng_event){ .type = ENG_EV_EXITED, .child = c, .now_ms = 50000 };
	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	ck_assert_uint_eq(a.n, 3);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_ptr_eq(a.v[i].child, c);
	ev.type = ENG_EV_EMPTY;
	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_int_eq(a.v[1].type, ENG_ACT_SPAWN);
	ck_assert_ptr_eq(a.v[1].child, c);
	ev.type = ENG_EV_SPAWNED;
	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_int_eq(a.v[0].type, ENG_ACT_STATE);
	ck_assert_int_eq(a.v[1].type, ENG_ACT_ALL_READY);
	/* Shutdown: every signal in one list, in reverse order. */
	ev = (struct eng_event){ .type = ENG_EV_SHUTDOWN, .now_ms = 60000 };
	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	ck_assert_uint_eq(a.n, 3 * N);
	ck_assert_ptr_eq(a.v[0].child, eng_child_at(e, N - 1));
	for (size_t i = 0; i < N; i++) {
		ev = (struct eng_event){ .type = ENG_EV_EXITED, .child = eng_child_at(e, i), .clean = true };
		ck_assert_int_eq(eng_event(e, &ev, &a), 0);
		ev.type = ENG_EV_EMPTY;
		ck_assert_int_eq(eng_event(e, &ev, &a), 0);
		ck_assert_uint_eq(a.n, i == N - 1 ? 2 : 1);
	}
	ck_assert_int_eq(a.v[1].type, ENG_ACT_DONE);
	eng_actions_free(&a);
	eng_free(e);
}
END_TEST

/* ---- random event storms ---- */

static unsigned
rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* A reload adds back the first missing child at a random position. */
static void
storm_add(struct h *h, const struct eng_child_spec *s, unsigned pos)
{
	for (int i = 0; i < 5; i++) {
		bool present = false;

		for (size_t k = 0; k < eng_count(h->e); k++)
			present |= eng_child_data(eng_child_at(h->e, k)) == (void *)NAMES[i];
		if (present)
			continue;
		h->alive[i] = false;
		eng_child_start(h->e, eng_add_child(h->e, pos % (eng_count(h->e) + 1), s,
		    (void *)NAMES[i]), h->now, &h->a);
		render(h);
		return;
	}
}

/* Make every STOPPING child go down, however it got there: exit, kill, empty. */
static void
drain_stops(struct h *h)
{
	for (int round = 0; round < 50 && !eng_gave_up(h->e); round++) {
		bool busy = false;

		for (size_t k = 0; k < eng_count(h->e); k++) {
			const char *c = eng_child_data(eng_child_at(h->e, k));

			if (strcmp(STATE(h, c), "stopping") != 0)
				continue;
			busy = true;
			if (h->alive[idx(ch(h, c))])
				CRASH(h, c);
			if (strcmp(STATE(h, c), "stopping") == 0)
				TIMER(h, c, ENG_TIMER_SHUTDOWN);
			if (strcmp(STATE(h, c), "stopping") == 0)
				EMPTY(h, c);
			settle_quiet(h);
		}
		if (!busy)
			break;
	}
}

/* Whatever arrives in whatever order: no crash, sane views, and SHUTDOWN still ends. */
START_TEST(random_events_then_shutdown_ends)
{
	enum eng_strategy st = (enum eng_strategy)(_i % 3);
	enum eng_level lv = _i / 3 % 2 ? ENG_LEVEL_ROOT : ENG_LEVEL_COLONY;
	struct eng_child_spec s = spec_default();
	unsigned seed = (unsigned)_i + 1;
	struct h *h;

	s.notify = _i % 2;
	s.ready_timeout_ms = 700;
	s.stable_after_ms = 300;
	/* Half the storms may give up early, half keep restarting. */
	h = h_new(lv, st, _i >= 12 ? 1000 : 3, 1000, 5, &s);
	START_ALL(h);
	for (int i = 0; i < 3000 && !eng_gave_up(h->e); i++) {
		enum eng_event_type t = (enum eng_event_type)(1 + rnd(&seed, 8));
		unsigned r = rnd(&seed, 40);
		const char *c;

		h->now += rnd(&seed, 200);
		if (r == 0 && eng_count(h->e) < 5)
			storm_add(h, &s, rnd(&seed, 8));
		if (eng_count(h->e) == 0)
			continue;
		c = eng_child_data(eng_child_at(h->e, rnd(&seed, (unsigned)eng_count(h->e))));
		if (r == 1) {
			eng_remove_child(h->e, ch(h, c), h->now, &h->a);
			render(h);
			continue;
		}
		feed(h, t, c, rnd(&seed, 2), (enum eng_timer)rnd(&seed, 4));
		for (size_t k = 0; k < eng_count(h->e); k++) {
			struct eng_child *x = eng_child_at(h->e, k);

			ck_assert_uint_eq(eng_child_index(x), k);
			ck_assert(eng_child_ready(x) == (eng_child_state(x) == ENG_RUNNING));
			ck_assert_uint_le(eng_child_since_ms(x), h->now);
		}
	}
	SHUTDOWN(h);
	drain_stops(h);
	ck_assert(h->ended);
	EQ(SHUTDOWN(h), "");
	h_free(h);
}
END_TEST

/* ---- views ---- */

START_TEST(all_ready_on_each_transition)
{
	struct h *h = h_new(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 5, 60000, 2, NULL);

	bring_up(h);
	EQ(OP_STOP(h, "a"), "a=stopping a:signal a:timer(shutdown,5000)");
	ck_assert(!eng_all_ready(h->e));
	obey(h, "a");
	EQ(OP_START(h, "a"), "a=starting a:spawn");
	EQ(SPAWNED(h, "a"), "a=running all_ready");
	ck_assert(eng_child_ready(ch(h, "a")));
	h->now = 20000;
	crash_and_restart(h, "b");
	ck_assert_uint_eq(eng_child_since_ms(ch(h, "b")), 20000);
	h_free(h);
}
END_TEST

START_TEST(names)
{
	static const char *const want[] = {
		"stopped", "starting", "running", "stopping", "backoff", "exited", "failed",
	};

	for (int s = ENG_STOPPED; s <= ENG_FAILED; s++)
		ck_assert_str_eq(eng_state_name((enum eng_state)s), want[s]);
	ck_assert_str_eq(eng_state_name((enum eng_state)42), "unknown");
	ck_assert_str_eq(eng_strategy_name(ENG_ONE_FOR_ONE), "one_for_one");
	ck_assert_str_eq(eng_strategy_name(ENG_REST_FOR_ONE), "rest_for_one");
	ck_assert_str_eq(eng_strategy_name(ENG_ONE_FOR_ALL), "one_for_all");
	eng_free(NULL);
}
END_TEST

static TCase *
tcase_strategies(void)
{
	TCase *t = tcase_create("strategies");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, start_one_for_one_concurrent);
	tcase_add_loop_test(t, start_ordered_gated_by_spawn, 0, 2);
	tcase_add_loop_test(t, start_ordered_gated_by_notify, 0, 2);
	tcase_add_test(t, start_without_autostart);
	tcase_add_test(t, one_for_one_restarts_the_child_alone);
	tcase_add_test(t, rest_for_one_restarts_the_rest_in_order);
	tcase_add_test(t, one_for_all_restarts_every_sibling);
	tcase_add_loop_test(t, strategy_table, 0, 3);
	tcase_add_loop_test(t, temporary_bystander_stays_down, 0, 2);
	tcase_add_test(t, transient_bystander_is_restarted);
	tcase_add_test(t, operator_start_of_a_group_member_waits_its_turn);
	tcase_add_loop_test(t, restart_type_table, 0, 6);
	tcase_add_test(t, normal_exit_of_permanent_restarts_after_delay);
	return t;
}

static TCase *
tcase_intensity(void)
{
	TCase *t = tcase_create("intensity");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, crashes_wider_than_period_never_give_up);
	tcase_add_test(t, crash_at_exactly_period_still_counts);
	tcase_add_test(t, third_crash_with_intensity_two_gives_up);
	tcase_add_test(t, window_larger_than_inline_ring_counts_exactly);
	tcase_add_test(t, give_up_stops_backoff_children_at_once);
	tcase_add_test(t, failing_to_start_uses_up_intensity);
	tcase_add_test(t, ready_timeout_is_a_start_failure);
	tcase_add_test(t, group_restart_counts_once);
	tcase_add_test(t, rest_for_one_sibling_fails_to_start);
	tcase_add_test(t, one_for_all_sibling_fails_to_start);
	tcase_add_test(t, set_policy_changes_intensity);
	return t;
}

static TCase *
tcase_operator(void)
{
	TCase *t = tcase_create("operator_backoff_root");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, operator_stop_is_not_a_crash);
	tcase_add_test(t, operator_stop_during_backoff);
	tcase_add_test(t, operator_start_during_backoff_spawns_now);
	tcase_add_test(t, operator_restart_has_no_sibling_effect);
	tcase_add_test(t, operator_restart_during_crash_cleanup);
	tcase_add_test(t, operator_stop_and_start_of_exited_child);
	tcase_add_test(t, operator_stop_during_group_restart_keeps_it_down);
	tcase_add_test(t, backoff_doubles_up_to_the_cap_and_resets);
	tcase_add_test(t, backoff_from_a_restart_delay);
	tcase_add_test(t, normal_exit_does_not_advance_backoff);
	tcase_add_test(t, group_restart_waits_for_the_crashed_child_backoff);
	tcase_add_test(t, root_budget_fail_leaves_siblings_alone);
	tcase_add_loop_test(t, root_budget_checked_before_stopping_siblings, 0, 2);
	tcase_add_test(t, root_budget_shutdown_gives_up);
	tcase_add_test(t, root_budget_shutdown_ordered_is_sequential);
	return t;
}

static TCase *
tcase_shutdown(void)
{
	TCase *t = tcase_create("shutdown");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, shutdown_one_for_one_is_concurrent_in_reverse);
	tcase_add_loop_test(t, shutdown_ordered_is_sequential_in_reverse, 0, 2);
	tcase_add_test(t, shutdown_with_children_down);
	tcase_add_test(t, shutdown_during_group_restart);
	tcase_add_test(t, brutal_kill_cleans_up_at_once);
	tcase_add_test(t, infinity_never_kills);
	tcase_add_test(t, shutdown_timer_kills_the_cgroup);
	return t;
}

static TCase *
tcase_reload(void)
{
	TCase *t = tcase_create("reload_robustness_scale");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, unexpected_events_are_ignored);
	tcase_add_test(t, stale_timer_after_rearm_is_ignored);
	tcase_add_test(t, reload_adds_a_child);
	tcase_add_test(t, reload_removes_children);
	tcase_add_test(t, reload_removes_a_child_in_backoff);
	tcase_add_test(t, reload_removes_a_child_during_group_restart);
	tcase_add_test(t, reload_changes_a_child);
	tcase_add_test(t, reload_during_sequential_shutdown);
	tcase_add_test(t, reload_adds_a_child_during_group_restart);
	tcase_add_test(t, root_with_10000_children_one_crash_is_local);
	tcase_add_loop_test(t, random_events_then_shutdown_ends, 0, 24);
	tcase_add_test(t, all_ready_on_each_transition);
	tcase_add_test(t, names);
	return t;
}

Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");

	suite_add_tcase(s, tcase_strategies());
	suite_add_tcase(s, tcase_intensity());
	suite_add_tcase(s, tcase_operator());
	suite_add_tcase(s, tcase_shutdown());
	suite_add_tcase(s, tcase_reload());
	return s;
}
