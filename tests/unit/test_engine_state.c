/* test_engine_state.c: Check tests of the engine's export/import: a rebuilt engine decides exactly as the original. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "supervisor/engine.h"
#include "supervisor/handover.h"

/*
 * Each test drives an engine into some state, copies it into a second engine
 * (same policy and specs) through the export/import functions, then feeds both
 * the same events and requires the same actions, rendered as text.
 */
static const char *const NAMES[] = { "a", "b", "c", "d" };

static struct eng *
mk(enum eng_level level, enum eng_strategy st, unsigned intensity, size_t n, uint64_t delay)
{
	struct eng_policy p = { .level = level, .strategy = st, .intensity = intensity,
		.period_ms = 10000, .on_exhausted = ENG_EXHAUSTED_FAIL };
	struct eng_child_spec s = { .restart = ENG_PERMANENT, .restart_delay_ms = delay,
		.restart_delay_max_ms = 30000, .stable_after_ms = 10000, .shutdown_ms = 5000,
		.autostart = true, .notify = false };
	struct eng *e = eng_new(&p);

	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(eng_add_child(e, i, &s, (void *)NAMES[i]));
	return e;
}

/* Feed one event to child `i` (-1: none) and render the actions. */
static void
feed(struct eng *e, enum eng_event_type t, int i, uint64_t now, bool clean, enum eng_timer tm,
    char *out, size_t outlen)
{
	struct eng_event ev = { .type = t, .now_ms = now, .clean = clean, .timer = tm,
		.child = i >= 0 ? eng_child_at(e, (size_t)i) : NULL };
	struct eng_actions a = { 0 };
	size_t o = 0;

	ck_assert_int_eq(eng_event(e, &ev, &a), 0);
	out[0] = '\0';
	for (size_t k = 0; k < a.n && o < outlen; k++)
		o += (size_t)snprintf(out + o, outlen - o, "%s:%d:%d:%d:%llu ",
		    a.v[k].child ? (const char *)eng_child_data(a.v[k].child) : "-",
		    (int)a.v[k].type, (int)a.v[k].state, (int)a.v[k].timer,
		    (unsigned long long)a.v[k].ms);
	eng_actions_free(&a);
}

static void
copy_engine(struct eng *from, struct eng *to)
{
	for (size_t i = 0; i < eng_count(from); i++) {
		struct eng_child_export x;
		eng_child_export(eng_child_at(from, i), &x);
		ck_assert_int_eq(eng_child_import(eng_child_at(to, i), &x), 0);
		free(x.budget);
	}
	struct eng_export ex;
	eng_export(from, &ex);
	ck_assert_int_eq(eng_import(to, &ex), 0);
	free(ex.ring);
	for (size_t i = 0; i < eng_count(from); i++) {
		ck_assert_int_eq(eng_child_state(eng_child_at(from, i)), eng_child_state(eng_child_at(to, i)));
		ck_assert_uint_eq(eng_child_restarts(eng_child_at(from, i)), eng_child_restarts(eng_child_at(to, i)));
		ck_assert_uint_eq(eng_child_since_ms(eng_child_at(from, i)), eng_child_since_ms(eng_child_at(to, i)));
	}
	ck_assert_int_eq(eng_all_ready(from), eng_all_ready(to));
}

/* The same event to both engines: the same actions. */
static void
both(struct eng *a, struct eng *b, enum eng_event_type t, int i, uint64_t now, bool clean,
    enum eng_timer tm)
{
	char x[2048], y[2048];

	feed(a, t, i, now, clean, tm, x, sizeof(x));
	feed(b, t, i, now, clean, tm, y, sizeof(y));
	ck_assert_str_eq(x, y);
}

/* Crash a spawned child: EXITED then EMPTY. */
static void
crash(struct eng *e, int i, uint64_t now)
{
	char buf[1024];

	feed(e, ENG_EV_EXITED, i, now, false, ENG_TIMER_NONE, buf, sizeof(buf));
	feed(e, ENG_EV_EMPTY, i, now, false, ENG_TIMER_NONE, buf, sizeof(buf));
}

static void
start(struct eng *e, size_t n)
{
	char buf[1024];

	feed(e, ENG_EV_START_ALL, -1, 0, false, ENG_TIMER_NONE, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		feed(e, ENG_EV_SPAWNED, (int)i, 0, false, ENG_TIMER_NONE, buf, sizeof(buf));
}

/* A child waiting in backoff keeps its step: the next crash doubles the same delay. */
START_TEST(backoff_survives)
{
	struct eng *a = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 2, 1000);
	struct eng *b = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 2, 1000);

	start(a, 2);
	crash(a, 0, 100);
	ck_assert_int_eq(eng_child_state(eng_child_at(a, 0)), ENG_BACKOFF);
	copy_engine(a, b);
	both(a, b, ENG_EV_TIMER, 0, 1100, false, ENG_TIMER_BACKOFF);	/* spawn */
	both(a, b, ENG_EV_SPAWNED, 0, 1100, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EXITED, 0, 1200, false, ENG_TIMER_NONE);	/* 2000 ms now */
	both(a, b, ENG_EV_EMPTY, 0, 1200, false, ENG_TIMER_NONE);
	ck_assert_int_eq(eng_child_state(eng_child_at(b, 0)), ENG_BACKOFF);
	eng_free(a);
	eng_free(b);
}
END_TEST

/* The per-child budget carries over: the restart that exceeds it fails the child in both. */
START_TEST(budget_survives)
{
	struct eng *a = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 2, 1, 0);
	struct eng *b = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 2, 1, 0);
	char buf[1024];

	start(a, 1);
	for (int k = 0; k < 2; k++) {
		crash(a, 0, 10 + 200 * (uint64_t)k);
		/* The second crash waits in backoff (100 ms). */
		feed(a, ENG_EV_TIMER, 0, 110 + 200 * (uint64_t)k, false, ENG_TIMER_BACKOFF, buf, sizeof(buf));
		feed(a, ENG_EV_SPAWNED, 0, 110 + 200 * (uint64_t)k, false, ENG_TIMER_NONE, buf, sizeof(buf));
	}
	ck_assert_uint_eq(eng_child_restarts(eng_child_at(a, 0)), 2);
	copy_engine(a, b);
	ck_assert_int_eq(eng_child_state(eng_child_at(b, 0)), ENG_RUNNING);
	both(a, b, ENG_EV_EXITED, 0, 500, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 0, 500, false, ENG_TIMER_NONE);
	ck_assert_int_eq(eng_child_state(eng_child_at(b, 0)), ENG_FAILED);
	eng_free(a);
	eng_free(b);
}
END_TEST

/* The colony-wide OTP window carries over too: the third crash gives up. */
START_TEST(colony_ring_survives)
{
	struct eng *a = mk(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 2, 2, 0);
	struct eng *b = mk(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 2, 2, 0);
	char buf[1024];

	start(a, 2);
	crash(a, 0, 10);
	feed(a, ENG_EV_SPAWNED, 0, 10, false, ENG_TIMER_NONE, buf, sizeof(buf));
	crash(a, 1, 11);
	feed(a, ENG_EV_SPAWNED, 1, 11, false, ENG_TIMER_NONE, buf, sizeof(buf));
	copy_engine(a, b);
	both(a, b, ENG_EV_EXITED, 0, 12, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 0, 12, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EXITED, 1, 13, true, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 1, 13, false, ENG_TIMER_NONE);
	ck_assert(eng_gave_up(b));
	eng_free(a);
	eng_free(b);
}
END_TEST

/* A window of six restarts (more than the ring holds inline) carries over whole: the eighth gives up in both. */
START_TEST(long_colony_ring_survives)
{
	struct eng *a = mk(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 7, 1, 0);
	struct eng *b = mk(ENG_LEVEL_COLONY, ENG_ONE_FOR_ONE, 7, 1, 0);
	char buf[1024];

	start(a, 1);
	for (int k = 0; k < 6; k++) {
		uint64_t t = 10 + 1000 * (uint64_t)k;
		crash(a, 0, t);
		feed(a, ENG_EV_TIMER, 0, t + 1, false, ENG_TIMER_BACKOFF, buf, sizeof(buf));
		feed(a, ENG_EV_SPAWNED, 0, t + 1, false, ENG_TIMER_NONE, buf, sizeof(buf));
	}
	ck_assert_uint_eq(eng_child_restarts(eng_child_at(a, 0)), 6);
	copy_engine(a, b);
	both(a, b, ENG_EV_EXITED, 0, 6010, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 0, 6010, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_TIMER, 0, 6011, false, ENG_TIMER_BACKOFF);
	both(a, b, ENG_EV_SPAWNED, 0, 6011, false, ENG_TIMER_NONE);
	ck_assert(!eng_gave_up(b));
	ck_assert_uint_eq(eng_child_restarts(eng_child_at(b, 0)), 7);
	both(a, b, ENG_EV_EXITED, 0, 6500, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 0, 6500, false, ENG_TIMER_NONE);
	ck_assert(eng_gave_up(a));
	ck_assert(eng_gave_up(b));
	eng_free(a);
	eng_free(b);
}
END_TEST

/* A child stopping (signal sent, shutdown timer armed) finishes its stop in the copy. */
START_TEST(stopping_survives)
{
	struct eng *a = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 2, 0);
	struct eng *b = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 2, 0);
	char buf[1024];

	start(a, 2);
	feed(a, ENG_EV_OP_STOP, 1, 50, false, ENG_TIMER_NONE, buf, sizeof(buf));
	ck_assert_int_eq(eng_child_state(eng_child_at(a, 1)), ENG_STOPPING);
	copy_engine(a, b);
	both(a, b, ENG_EV_TIMER, 1, 5050, false, ENG_TIMER_SHUTDOWN);	/* cleanup */
	both(a, b, ENG_EV_EXITED, 1, 5060, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 1, 5060, false, ENG_TIMER_NONE);
	ck_assert_int_eq(eng_child_state(eng_child_at(b, 1)), ENG_STOPPED);
	both(a, b, ENG_EV_SHUTDOWN, -1, 6000, false, ENG_TIMER_NONE);
	eng_free(a);
	eng_free(b);
}
END_TEST

/* A group restart in progress (rest_for_one) goes on in the copy, in order. */
START_TEST(group_survives)
{
	struct eng *a = mk(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 10, 3, 0);
	struct eng *b = mk(ENG_LEVEL_COLONY, ENG_REST_FOR_ONE, 10, 3, 0);
	char buf[1024];

	feed(a, ENG_EV_START_ALL, -1, 0, false, ENG_TIMER_NONE, buf, sizeof(buf));
	for (int i = 0; i < 3; i++)
		feed(a, ENG_EV_SPAWNED, i, 0, false, ENG_TIMER_NONE, buf, sizeof(buf));
	feed(a, ENG_EV_EXITED, 0, 10, false, ENG_TIMER_NONE, buf, sizeof(buf));
	copy_engine(a, b);
	both(a, b, ENG_EV_EXITED, 2, 11, true, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 2, 11, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EXITED, 1, 12, true, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 1, 12, false, ENG_TIMER_NONE);
	both(a, b, ENG_EV_EMPTY, 0, 13, false, ENG_TIMER_NONE);	/* a spawns again */
	both(a, b, ENG_EV_SPAWNED, 0, 13, false, ENG_TIMER_NONE);	/* then b */
	both(a, b, ENG_EV_SPAWNED, 1, 14, false, ENG_TIMER_NONE);	/* then c */
	ck_assert_int_eq(eng_child_state(eng_child_at(b, 2)), ENG_STARTING);
	eng_free(a);
	eng_free(b);
}
END_TEST

/* Out-of-range values are refused and change nothing. */
START_TEST(import_rejects)
{
	struct eng *e = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 1, 0);
	struct eng_child_export x;
	struct eng_export ex;

	eng_child_export(eng_child_at(e, 0), &x);
	x.state = (enum eng_state)42;
	ck_assert_int_eq(eng_child_import(eng_child_at(e, 0), &x), -1);
	x.state = ENG_RUNNING;
	x.goal = 99;
	ck_assert_int_eq(eng_child_import(eng_child_at(e, 0), &x), -1);
	ck_assert_int_eq(eng_child_state(eng_child_at(e, 0)), ENG_STOPPED);
	eng_export(e, &ex);
	ex.all_cur = 5;
	ck_assert_int_eq(eng_import(e, &ex), -1);
	free(ex.ring);
	eng_free(e);
}
END_TEST

/* An adopted child: imported RUNNING and alive, it restarts on its next crash. */
START_TEST(adopted_child_restarts)
{
	struct eng *e = mk(ENG_LEVEL_ROOT, ENG_ONE_FOR_ONE, 10, 1, 0);
	struct eng_child_export x = { .state = ENG_RUNNING, .alive = true, .notify = true,
		.since_ms = 5, .spawn_ms = 5 };
	char buf[1024];

	ck_assert_int_eq(eng_child_import(eng_child_at(e, 0), &x), 0);
	feed(e, ENG_EV_START_ALL, -1, 10, false, ENG_TIMER_NONE, buf, sizeof(buf));
	ck_assert_int_eq(eng_child_state(eng_child_at(e, 0)), ENG_RUNNING);
	ck_assert(eng_all_ready(e));
	crash(e, 0, 20);
	ck_assert_int_eq(eng_child_state(eng_child_at(e, 0)), ENG_STARTING);
	ck_assert_uint_eq(eng_child_restarts(eng_child_at(e, 0)), 1);
	eng_free(e);
}
END_TEST

/* ---- the hand-over document (handover.h) ---- */

static char *
doc_text(struct hov_w *w)
{
	int fd = hov_memfd(w);
	char *t;

	ck_assert_int_ge(fd, 0);
	t = hov_load(fd);
	close(fd);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* Values with spaces, '=', '%', ',' and newlines come back byte for byte. */
START_TEST(doc_roundtrip)
{
	struct hov_w w = { 0 };
	const uint64_t ring[] = { 1, 20, 300 };
	struct hov_line l;
	unsigned version;
	uint64_t *v, u;
	unsigned n;
	int64_t i;

	hov_header(&w, "test-state", 2);
	hov_rec(&w, "rec");
	hov_str(&w, "s", "a b=c%d,e\nf");
	hov_str(&w, "empty", "");
	hov_u64(&w, "u", 18446744073709551615ULL);
	hov_i64(&w, "i", -5);
	hov_u64s(&w, "ring", ring, 3);
	hov_eol(&w);
	char *t = doc_text(&w), *cur = t;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), 0);
	ck_assert_uint_eq(version, 2);
	ck_assert_int_eq(hov_next(&cur, &l), 1);
	ck_assert_str_eq(l.kind, "rec");
	ck_assert_str_eq(hov_get(&l, "s"), "a b=c%d,e\nf");
	ck_assert_str_eq(hov_get(&l, "empty"), "");
	ck_assert_int_eq(hov_get_u64(&l, "u", &u), 0);
	ck_assert(u == 18446744073709551615ULL);
	ck_assert_int_eq(hov_get_i64(&l, "i", &i), 0);
	ck_assert_int_eq((int)i, -5);
	ck_assert_int_eq(hov_get_u64s(&l, "ring", &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(v[0] == 1 && v[1] == 20 && v[2] == 300);
	free(v);
	ck_assert_int_eq(hov_get_u64(&l, "missing", &u), -1);
	ck_assert_int_eq(hov_get_u64(&l, "i", &u), -1);	/* negative is not a u64 */
	ck_assert_int_eq(hov_next(&cur, &l), 0);		/* end */
	free(t);
}
END_TEST

/* A newer version, another magic, a truncated document or a bad escape: refused. */
START_TEST(doc_rejects)
{
	char newer[] = "test-state 3\nend\n", other[] = "other 1\nend\n";
	char trunc[] = "test-state 1\nrec a=1\n", cut[] = "test-state 1\nrec a=1";
	char esc[] = "test-state 1\nrec a=%4\nend\n", nul[] = "test-state 1\nrec a=%00\nend\n";
	struct hov_line l;
	unsigned version;
	char *cur;

	cur = newer;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), -1);
	cur = other;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), -1);
	cur = trunc;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), 0);
	ck_assert_int_eq(hov_next(&cur, &l), 1);
	ck_assert_int_eq(hov_next(&cur, &l), -1);	/* no "end" */
	cur = cut;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), 0);
	ck_assert_int_eq(hov_next(&cur, &l), -1);	/* no newline */
	cur = esc;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), 0);
	ck_assert_int_eq(hov_next(&cur, &l), -1);
	cur = nul;
	ck_assert_int_eq(hov_open(&cur, "test-state", 2, &version), 0);
	ck_assert_int_eq(hov_next(&cur, &l), -1);
}
END_TEST

Suite *
engine_state_suite(void)
{
	Suite *s = suite_create("engine_state");
	TCase *tc = tcase_create("handover");

	tcase_add_test(tc, backoff_survives);
	tcase_add_test(tc, budget_survives);
	tcase_add_test(tc, colony_ring_survives);
	tcase_add_test(tc, long_colony_ring_survives);
	tcase_add_test(tc, stopping_survives);
	tcase_add_test(tc, group_survives);
	tcase_add_test(tc, import_rejects);
	tcase_add_test(tc, adopted_child_restarts);
	suite_add_tcase(s, tc);
	tc = tcase_create("document");
	tcase_add_test(tc, doc_roundtrip);
	tcase_add_test(tc, doc_rejects);
	suite_add_tcase(s, tc);
	return s;
}
